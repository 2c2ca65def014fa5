/* SR-IOV discovery: the parsers of sysfs values, and a scan of a fake tree laid
 * out as the kernel does (tests/unit/fake_sysfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/devices/sysfs_vf.h"
#include "tests/unit/fake_sysfs.h"
#include "tests/unit/harness.h"

TEST(hex_ids_parse_with_0x_and_newline)
{
        uint16_t v = 0;

        ASSERT_EQ(sysfs_parse_hex16("0x8086\n", &v), 0);
        EXPECT_EQ(v, 0x8086);
        EXPECT_EQ(sysfs_parse_hex16("8086\n", &v), -EINVAL);
        EXPECT_EQ(sysfs_parse_hex16("0x\n", &v), -EINVAL);
        EXPECT_EQ(sysfs_parse_hex16("0x10000\n", &v), -ERANGE);
        EXPECT_EQ(sysfs_parse_hex16("0x-1", &v), -EINVAL);
        EXPECT_EQ(sysfs_parse_hex16("0x12\n\n", &v), -EINVAL);
}

TEST(numa_node_accepts_minus_one_only_below_zero)
{
        int n = 7;
        unsigned u = 0;

        ASSERT_EQ(sysfs_parse_numa_node("-1\n", &n), 0);
        EXPECT_EQ(n, -1);
        ASSERT_EQ(sysfs_parse_numa_node("3", &n), 0);
        EXPECT_EQ(n, 3);
        EXPECT_EQ(sysfs_parse_numa_node("-2\n", &n), -ERANGE);
        EXPECT_EQ(sysfs_parse_numa_node(" 1\n", &n), -EINVAL);
        EXPECT_EQ(sysfs_parse_numa_node("", &n), -EINVAL);
        EXPECT_EQ(sysfs_parse_uint("-1", &u), -EINVAL);
        EXPECT_EQ(sysfs_parse_uint("64\n", &u), 0);
        EXPECT_EQ(u, 64);
}

TEST(virtfn_names_and_pci_addresses_are_checked)
{
        unsigned i = 0;

        ASSERT_EQ(sysfs_parse_virtfn("virtfn12", &i), 0);
        EXPECT_EQ(i, 12);
        EXPECT_EQ(sysfs_parse_virtfn("virtfn", &i), -EINVAL);
        EXPECT_EQ(sysfs_parse_virtfn("virtfnx", &i), -EINVAL);
        EXPECT_EQ(sysfs_parse_virtfn("physfn", &i), -EINVAL);
        EXPECT_TRUE(sysfs_pci_addr_valid("0000:3b:02.0"));
        EXPECT_TRUE(sysfs_pci_addr_valid("10000:3b:02.0") == false);
        EXPECT_FALSE(sysfs_pci_addr_valid("0000:3b:02.8"));
        EXPECT_FALSE(sysfs_pci_addr_valid("0000:3b:02"));
        EXPECT_FALSE(sysfs_pci_addr_valid("0000/3b:02.0"));
        EXPECT_FALSE(sysfs_pci_addr_valid("../../etc.0"));
}

TEST(link_name_is_the_last_component)
{
        char buf[16];

        ASSERT_EQ(sysfs_link_name("../../../bus/pci/drivers/iavf", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "iavf");
        ASSERT_EQ(sysfs_link_name("../../../kernel/iommu_groups/42/", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "42");
        ASSERT_EQ(sysfs_link_name("vfio-pci", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "vfio-pci");
        EXPECT_EQ(sysfs_link_name("../..", buf, sizeof(buf)), -EINVAL);
        EXPECT_EQ(sysfs_link_name("", buf, sizeof(buf)), -EINVAL);
        EXPECT_EQ(sysfs_link_name("a/very-long-driver-name", buf, sizeof(buf)), -ENAMETOOLONG);
}

TEST(driver_kinds)
{
        EXPECT_EQ(sysfs_driver_kind(""), VF_DRIVER_NONE);
        EXPECT_EQ(sysfs_driver_kind("vfio-pci"), VF_DRIVER_VFIO);
        EXPECT_EQ(sysfs_driver_kind("pci-stub"), VF_DRIVER_STUB);
        EXPECT_EQ(sysfs_driver_kind("mlx5_core"), VF_DRIVER_NETDEV);
        EXPECT_STREQ(sysfs_driver_kind_name(VF_DRIVER_VFIO), "vfio-pci");
}

static const char *const names_a[] = { "vfa0", "vfa1", "vfa2" };

/* Two PFs on two NUMA nodes; the second's VFs are unbound (no netdev). */
static void make_tree(char *root)
{
        struct fake_pf a = { "0000:3b:00.0", "ens1f0", 0, 8, 3, "iavf", names_a, 40 };
        struct fake_pf b = { "0000:af:00.0", "ens2f0", 1, 4, 2, NULL, NULL, 60 };

        strcpy(root, "/tmp/test-sysfs-vf.XXXXXX");
        ASSERT_TRUE(mkdtemp(root) != NULL);
        ASSERT_EQ(fake_sysfs_add_pf(root, &a), 0);
        ASSERT_EQ(fake_sysfs_add_pf(root, &b), 0);
}

TEST(scan_finds_every_vf_with_its_attributes)
{
        char root[64];
        struct sysfs_vf_table t = { 0 };
        const struct sysfs_vf *vf;
        int fd;

        make_tree(root);
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(sysfs_vf_scan(fd, &t), 0);
        fake_sysfs_remove(root);
        ASSERT_EQ(t.n_pfs, 2);
        EXPECT_STREQ(t.pfs[0].addr, "0000:3b:00.0");
        EXPECT_STREQ(t.pfs[0].ifname, "ens1f0");
        EXPECT_EQ(t.pfs[0].total_vfs, 8);
        EXPECT_EQ(t.pfs[0].num_vfs, 3);
        EXPECT_EQ(t.pfs[1].numa_node, 1);
        ASSERT_EQ(t.n_vfs, 5);
        vf = sysfs_vf_find(&t, "0000:3b:02.1");
        ASSERT_TRUE(vf != NULL);
        EXPECT_EQ(vf->index, 1);
        EXPECT_STREQ(vf->pf_addr, "0000:3b:00.0");
        EXPECT_STREQ(vf->pf_ifname, "ens1f0");
        EXPECT_EQ(vf->vendor, 0x8086);
        EXPECT_EQ(vf->device, 0x154c);
        EXPECT_EQ(vf->numa_node, 0);
        EXPECT_STREQ(vf->driver, "iavf");
        EXPECT_EQ(vf->driver_kind, VF_DRIVER_NETDEV);
        EXPECT_EQ(vf->iommu_group, 41);
        EXPECT_STREQ(vf->ifname, "vfa1");
        vf = sysfs_vf_find(&t, "0000:af:02.1");
        ASSERT_TRUE(vf != NULL);
        EXPECT_EQ(vf->numa_node, 1);
        EXPECT_STREQ(vf->driver, "");
        EXPECT_EQ(vf->driver_kind, VF_DRIVER_NONE);
        EXPECT_STREQ(vf->ifname, "");
        EXPECT_TRUE(sysfs_pf_find_ifname(&t, "ens2f0") == &t.pfs[1]);
        sysfs_vf_table_clear(&t);
        close(fd);
}

TEST(a_vanished_vf_is_skipped)
{
        char root[64], path[PATH_MAX];
        struct sysfs_vf_table t = { 0 };
        int fd;

        make_tree(root);
        snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:3b:02.0", root);
        ASSERT_EQ(unlink(path), 0);
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_EQ(sysfs_vf_scan(fd, &t), 0);
        fake_sysfs_remove(root);
        EXPECT_EQ(t.n_vfs, 4);
        EXPECT_TRUE(sysfs_vf_find(&t, "0000:3b:02.0") == NULL);
        sysfs_vf_table_clear(&t);
        close(fd);
}

TEST(a_root_without_pci_is_an_error)
{
        struct sysfs_vf_table t = { 0 };
        char root[] = "/tmp/test-sysfs-vf.XXXXXX";
        int fd;

        ASSERT_TRUE(mkdtemp(root) != NULL);
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        EXPECT_EQ(sysfs_vf_scan(fd, &t), -ENOENT);
        rmdir(root);
        close(fd);
}

static unsigned read_numvfs(const char *root)
{
        char path[PATH_MAX], buf[16] = "";
        FILE *f;

        snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:3b:00.0/sriov_numvfs", root);
        f = fopen(path, "re");
        if (!f || !fgets(buf, sizeof(buf), f))
                buf[0] = '\0';
        if (f)
                fclose(f);
        return (unsigned) atoi(buf);
}

TEST(set_numvfs_bounds_and_writes)
{
        char root[64];
        int fd;

        make_tree(root);
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "0000:3b:00.0", 9, -1), -ERANGE);
        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "0000:3b:00.0", 3, -1), 0);
        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "0000:3b:00.0", 5, -1), 0);
        EXPECT_EQ(read_numvfs(root), 5);
        EXPECT_EQ(sysfs_vf_set_numvfs(fd, "../../x", 1, -1), -EINVAL);
        fake_sysfs_remove(root);
        close(fd);
}
