/* vfio-pci binding through sysfs against a fake tree with no driver core
 * behind it (so every wait ends), and the group node's device number. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fileio.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_vfio.h"
#include "tests/unit/fake_sysfs.h"
#include "tests/unit/harness.h"

static void put(const char *root, const char *rel, const char *value)
{
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        f = fopen(path, "we");
        ASSERT_TRUE(f != NULL);
        fputs(value, f);
        fclose(f);
}

static void get(const char *root, const char *rel, char *buf, size_t size)
{
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        buf[0] = '\0';
        f = fopen(path, "re");
        if (f && !fgets(buf, (int) size, f))
                buf[0] = '\0';
        if (f)
                fclose(f);
}

/* PF 0000:3b:00.0 with 2 VFs on |driver|, groups 40 and 41, the drivers'
 * bind and unbind files, and an empty driver_override on VF 0. */
static int make_tree(char *root, const char *driver)
{
        struct fake_pf pf = { "0000:3b:00.0", "ens1f0", 0, 8, 2, driver, NULL, 40 };
        char path[PATH_MAX];

        strcpy(root, "/tmp/test-vf-vfio.XXXXXX");
        ASSERT_TRUE(mkdtemp(root) != NULL);
        ASSERT_EQ(fake_sysfs_add_pf(root, &pf), 0);
        snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", root);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/bus/pci/drivers/iavf", root);
        mkdir(path, 0755);
        put(root, "bus/pci/drivers/vfio-pci/bind", "");
        put(root, "bus/pci/drivers/iavf/unbind", "");
        put(root, "bus/pci/devices/0000:3b:02.0/driver_override", "");
        return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

TEST(devnum_parses_major_colon_minor)
{
        dev_t d = 0;

        ASSERT_EQ(vf_vfio_parse_devnum("243:0\n", &d), 0);
        EXPECT_EQ(major(d), 243);
        EXPECT_EQ(minor(d), 0);
        ASSERT_EQ(vf_vfio_parse_devnum("10:196", &d), 0);
        EXPECT_EQ(minor(d), 196);
        EXPECT_EQ(vf_vfio_parse_devnum("243", &d), -EINVAL);
        EXPECT_EQ(vf_vfio_parse_devnum(" 1:2", &d), -EINVAL);
        EXPECT_EQ(vf_vfio_parse_devnum("1:2:3", &d), -EINVAL);
        EXPECT_EQ(vf_vfio_parse_devnum("4096:0", &d), -EINVAL);
        EXPECT_EQ(vf_vfio_parse_devnum("1:-1", &d), -EINVAL);
        EXPECT_EQ(vf_vfio_parse_devnum("", &d), -EINVAL);
}

TEST(group_devnum_reads_class_vfio)
{
        char root[64], path[PATH_MAX];
        dev_t d = 0;
        int fd = make_tree(root, "iavf");

        snprintf(path, sizeof(path), "%s/class/vfio/41", root);
        ASSERT_EQ(mkdir_parents(path, 0755), 0);
        put(root, "class/vfio/41/dev", "511:41\n");
        EXPECT_EQ(vf_vfio_group_devnum(fd, 41, &d), 0);
        EXPECT_EQ(d, makedev(511, 41));
        EXPECT_EQ(vf_vfio_group_devnum(fd, 40, &d), -ENOENT);
        EXPECT_EQ(vf_vfio_group_devnum(fd, -1, &d), -ENOENT);
        fake_sysfs_remove(root);
        close(fd);
}

TEST(bind_leaves_a_vf_on_vfio_pci_as_it_is)
{
        char root[64], orig[64] = "x", buf[64];
        enum vf_vfio_step step = VF_VFIO_BIND;
        int fd = make_tree(root, "vfio-pci");

        EXPECT_EQ(vf_vfio_bind(fd, "0000:3b:02.0", orig, &step), 0);
        EXPECT_EQ(step, VF_VFIO_DONE);
        EXPECT_STREQ(orig, "vfio-pci");
        get(root, "bus/pci/devices/0000:3b:02.0/driver_override", buf, sizeof(buf));
        EXPECT_STREQ(buf, "");
        EXPECT_EQ(vf_vfio_restore(fd, "0000:3b:02.0", "vfio-pci", &step), 0);
        fake_sysfs_remove(root);
        close(fd);
}

TEST(bind_that_the_kernel_never_does_times_out_and_clears_the_override)
{
        char root[64], orig[64] = "x", buf[64];
        enum vf_vfio_step step = VF_VFIO_DONE;
        int fd = make_tree(root, "iavf");

        EXPECT_EQ(vf_vfio_bind(fd, "0000:3b:02.0", orig, &step), -ETIMEDOUT);
        EXPECT_EQ(step, VF_VFIO_UNBIND);
        EXPECT_STREQ(orig, "x");
        get(root, "bus/pci/drivers/iavf/unbind", buf, sizeof(buf));
        EXPECT_STREQ(buf, "0000:3b:02.0");
        get(root, "bus/pci/devices/0000:3b:02.0/driver_override", buf, sizeof(buf));
        EXPECT_STREQ(buf, "\n");
        EXPECT_EQ(vf_vfio_bind(fd, "../x", orig, &step), -EINVAL);
        EXPECT_EQ(step, VF_VFIO_READ);
        fake_sysfs_remove(root);
        close(fd);
}

TEST(numvfs_waits_for_the_virtfn_links_and_times_out)
{
        char root[64], buf[16];
        int fd = make_tree(root, "iavf");

        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "0000:3b:00.0", 5, 30), -ETIMEDOUT);
        get(root, "bus/pci/devices/0000:3b:00.0/sriov_numvfs", buf, sizeof(buf));
        EXPECT_STREQ(buf, "0");
        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "0000:3b:00.0", 2, 30), 0);
        fake_sysfs_remove(root);
        close(fd);
}

