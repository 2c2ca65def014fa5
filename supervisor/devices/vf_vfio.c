/* vfio-pci binding of a VF through sysfs (vf_vfio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_vfio.h"

const char *vf_vfio_step_name(enum vf_vfio_step s)
{
        static const char *const names[] = {
                [VF_VFIO_DONE] = "done",
                [VF_VFIO_READ] = "reading the device",
                [VF_VFIO_OVERRIDE] = "driver_override",
                [VF_VFIO_UNBIND] = "unbind",
                [VF_VFIO_BIND] = "bind",
        };

        return (size_t) s < ARRAY_SIZE(names) && names[s] ? names[s] : "unknown step";
}

static int fail(enum vf_vfio_step step, int r, enum vf_vfio_step *ret_step)
{
        *ret_step = step;
        return r;
}

struct driver_wait {
        int dev_fd;
        const char *want; /* "" for none */
};

static int driver_is(const void *arg)
{
        const struct driver_wait *w = arg;
        char cur[64];
        int r = sysfs_read_link_name(w->dev_fd, "driver", cur, sizeof(cur));

        if (r == -ENOENT)
                return !w->want[0];
        if (r < 0)
                return r;
        return strcmp(cur, w->want) == 0;
}

static int wait_driver(int dev_fd, const char *want)
{
        struct driver_wait w = { .dev_fd = dev_fd, .want = want };

        return sysfs_wait(VF_VFIO_WAIT_MS, driver_is, &w);
}

/* Unbinds |addr| from its driver (through the device's driver link, which
 * is bus/pci/drivers/NAME) and waits until it has none. */
static int unbind(int dev_fd, const char *addr)
{
        int r = sysfs_write_attr(dev_fd, "driver/unbind", addr);

        return r < 0 ? r : wait_driver(dev_fd, "");
}

/* Binds |addr| to |driver| and waits for the link. */
static int bind_to(int root_fd, int dev_fd, const char *addr, const char *driver)
{
        char path[128];
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (strchr(driver, '/') || strlen(driver) > 64)
                return -EINVAL;
        snprintf(path, sizeof(path), "bus/pci/drivers/%s", driver);
        fd = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = sysfs_write_attr(fd, "bind", addr);
        return r < 0 ? r : wait_driver(dev_fd, driver);
}

int vf_vfio_bind(int root_fd, const char *addr, char ret_orig[64], enum vf_vfio_step *ret_step)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, addr);
        char orig[64] = "";
        int r;

        if (fd < 0)
                return fail(VF_VFIO_READ, fd, ret_step);
        r = sysfs_read_link_name(fd, "driver", orig, sizeof(orig));
        if (r < 0 && r != -ENOENT)
                return fail(VF_VFIO_READ, r, ret_step);
        if (strcmp(orig, VF_VFIO_DRIVER) == 0) {
                snprintf(ret_orig, 64, "%s", orig);
                return fail(VF_VFIO_DONE, 0, ret_step);
        }
        r = sysfs_write_attr(fd, "driver_override", VF_VFIO_DRIVER);
        if (r < 0)
                return fail(VF_VFIO_OVERRIDE, r, ret_step);
        if (orig[0] && (r = unbind(fd, addr)) < 0) {
                (void) sysfs_write_attr(fd, "driver_override", "\n");
                return fail(VF_VFIO_UNBIND, r, ret_step);
        }
        r = bind_to(root_fd, fd, addr, VF_VFIO_DRIVER);
        if (r < 0) {
                enum vf_vfio_step ignored;

                (void) vf_vfio_restore(root_fd, addr, orig, &ignored);
                return fail(VF_VFIO_BIND, r, ret_step);
        }
        snprintf(ret_orig, 64, "%s", orig);
        return fail(VF_VFIO_DONE, 0, ret_step);
}

int vf_vfio_restore(int root_fd, const char *addr, const char *orig, enum vf_vfio_step *ret_step)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, addr);
        int r;

        if (fd < 0)
                return fail(VF_VFIO_READ, fd, ret_step);
        if (strcmp(orig, VF_VFIO_DRIVER) == 0)
                return fail(VF_VFIO_DONE, 0, ret_step);
        /* An empty write (a newline) clears the override. */
        r = sysfs_write_attr(fd, "driver_override", "\n");
        if (r < 0)
                return fail(VF_VFIO_OVERRIDE, r, ret_step);
        r = driver_is(&(struct driver_wait) { .dev_fd = fd, .want = "" });
        if (r == 0 && (r = unbind(fd, addr)) < 0)
                return fail(VF_VFIO_UNBIND, r, ret_step);
        if (r < 0)
                return fail(VF_VFIO_READ, r, ret_step);
        if (orig[0] && (r = bind_to(root_fd, fd, addr, orig)) < 0)
                return fail(VF_VFIO_BIND, r, ret_step);
        return fail(VF_VFIO_DONE, 0, ret_step);
}

int vf_vfio_parse_devnum(const char *text, dev_t *ret)
{
        unsigned maj, min;
        char tail = 0;
        int n = sscanf(text, "%u:%u%c", &maj, &min, &tail);

        if (n < 2 || (n == 3 && tail != '\n') || !strchr("0123456789", text[0]) || maj > 4095 ||
            min > 1048575)
                return -EINVAL;
        *ret = makedev(maj, min);
        return 0;
}

int vf_vfio_group_devnum(int root_fd, int group, dev_t *ret)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        size_t len;
        int r;

        if (group < 0)
                return -ENOENT;
        snprintf(path, sizeof(path), "class/vfio/%d/dev", group);
        r = read_file_bounded(root_fd, path, 64, &text, &len);
        if (r < 0)
                return r;
        return strlen(text) == len ? vf_vfio_parse_devnum(text, ret) : -EINVAL;
}
