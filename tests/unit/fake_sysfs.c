/* A fake SR-IOV sysfs tree (fake_sysfs.h), built with plain files and symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "tests/unit/fake_sysfs.h"

_printf_(3, 4) static void fmt(char *buf, size_t size, const char *f, ...)
{
        va_list ap;

        va_start(ap, f);
        vsnprintf(buf, size, f, ap);
        va_end(ap);
}

static int mkdir_p(const char *path)
{
        return mkdir_parents(path, 0755);
}

static int put(const char *dir, const char *name, const char *value)
{
        char path[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;

        fmt(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        return write(fd, value, strlen(value)) == (ssize_t) strlen(value) ? 0 : -EIO;
}

static int link_at(const char *dir, const char *name, const char *target)
{
        char path[PATH_MAX];

        fmt(path, sizeof(path), "%s/%s", dir, name);
        (void) unlink(path);
        return symlink(target, path) < 0 ? -errno : 0;
}

void fake_sysfs_vf_addr(const char *pf_addr, unsigned i, char buf[static 16])
{
        snprintf(buf, 16, "%.8s%02x.%u", pf_addr, (2 + i / 8) & 0xff, i % 8);
}

/* One PCI function: its directory, the bus link, ids, numa, driver, netdev. */
static int add_function(const char *root, const char *addr, int numa, const char *device, const char *driver,
                        const char *ifname, char *dir)
{
        char buf[PATH_MAX], target[PATH_MAX];
        int r;

        fmt(dir, PATH_MAX, "%s/devices/pci0000:%.2s/%s", root, addr + 5, addr);
        fmt(buf, sizeof(buf), "%s/bus/pci/devices", root);
        r = mkdir_p(dir);
        if (r >= 0)
                r = mkdir_p(buf);
        if (r < 0)
                return r;
        fmt(target, sizeof(target), "../../../devices/pci0000:%.2s/%s", addr + 5, addr);
        r = link_at(buf, addr, target);
        fmt(buf, sizeof(buf), "%d\n", numa);
        if (r >= 0)
                r = put(dir, "vendor", "0x8086\n");
        if (r >= 0)
                r = put(dir, "device", device);
        if (r >= 0)
                r = put(dir, "numa_node", buf);
        if (r >= 0 && driver) {
                fmt(buf, sizeof(buf), "%s/bus/pci/drivers/%s", root, driver);
                fmt(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
                r = mkdir_p(buf);
                if (r >= 0)
                        r = link_at(dir, "driver", target);
        }
        if (r >= 0 && ifname) {
                fmt(buf, sizeof(buf), "%s/net/%s", dir, ifname);
                r = mkdir_p(buf);
                fmt(buf, sizeof(buf), "%s/class/net", root);
                if (r >= 0)
                        r = mkdir_p(buf);
                fmt(target, sizeof(target), "../../devices/pci0000:%.2s/%s/net/%s", addr + 5, addr, ifname);
                if (r >= 0)
                        r = link_at(buf, ifname, target);
        }
        return r;
}

static int add_vf(const char *root, const struct fake_pf *pf, const char *pf_dir, unsigned i)
{
        char addr[16], dir[PATH_MAX], buf[PATH_MAX], target[64];
        int r;

        fake_sysfs_vf_addr(pf->addr, i, addr);
        r = add_function(root, addr, pf->numa, "0x154c\n", pf->vf_driver, pf->vf_ifnames ? pf->vf_ifnames[i] : NULL,
                         dir);
        if (r < 0)
                return r;
        fmt(target, sizeof(target), "../%s", pf->addr);
        r = link_at(dir, "physfn", target);
        fmt(target, sizeof(target), "../%s", addr);
        fmt(buf, sizeof(buf), "virtfn%u", i);
        if (r >= 0)
                r = link_at(pf_dir, buf, target);
        fmt(buf, sizeof(buf), "%s/kernel/iommu_groups/%d", root, pf->first_iommu_group + (int) i);
        if (r >= 0)
                r = mkdir_p(buf);
        fmt(target, sizeof(target), "../../../kernel/iommu_groups/%d", pf->first_iommu_group + (int) i);
        if (r >= 0)
                r = link_at(dir, "iommu_group", target);
        return r;
}

int fake_sysfs_add_pf(const char *root, const struct fake_pf *pf)
{
        char dir[PATH_MAX], buf[32];
        int r;

        r = add_function(root, pf->addr, pf->numa, "0x1593\n", "ice", pf->ifname, dir);
        fmt(buf, sizeof(buf), "%u\n", pf->total_vfs);
        if (r >= 0)
                r = put(dir, "sriov_totalvfs", buf);
        fmt(buf, sizeof(buf), "%u\n", pf->n_vfs);
        if (r >= 0)
                r = put(dir, "sriov_numvfs", buf);
        for (unsigned i = 0; r >= 0 && i < pf->n_vfs; i++)
                r = add_vf(root, pf, dir, i);
        return r;
}

int fake_sysfs_add_node(const char *root, int node, const char *cpulist)
{
        char dir[PATH_MAX];
        int r;

        fmt(dir, sizeof(dir), "%s/devices/system/node/node%d", root, node);
        r = mkdir_p(dir);
        return r < 0 ? r : put(dir, "cpulist", cpulist);
}

static int rm_one(const char *path, const struct stat *st _unused_, int flag, struct FTW *ftw _unused_)
{
        if (flag == FTW_DP)
                (void) rmdir(path);
        else
                (void) unlink(path);
        return 0;
}

void fake_sysfs_remove(const char *root)
{
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
