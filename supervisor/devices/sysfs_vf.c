/* SR-IOV discovery from sysfs: reads relative to a root fd (real /sys or a
 * test's fake tree), parses with pure helpers. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "supervisor/devices/sysfs_vf.h"

#define SYSFS_ATTR_MAX 4096

/* The text without a trailing newline, bounded by |max| (sysfs attributes
 * are single values); -EINVAL when empty. */
static int strip(const char *text, char *buf, size_t size)
{
        size_t n = strcspn(text, "\n");

        if (n == 0 || (text[n] && text[n + 1]))
                return -EINVAL;
        if (n >= size)
                return -ERANGE;
        memcpy(buf, text, n);
        buf[n] = '\0';
        return 0;
}

static int parse_long(const char *text, int base, long min, long max, long *ret)
{
        char buf[32], *end;
        long v;
        int r = strip(text, buf, sizeof(buf));

        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;
        if (isspace((unsigned char) buf[0]))
                return -EINVAL;
        errno = 0;
        v = strtol(buf, &end, base);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE || v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int sysfs_parse_hex16(const char *text, uint16_t *ret)
{
        long v;
        int r;

        if (strncmp(text, "0x", 2) != 0 || text[2] == '-' || text[2] == '+')
                return -EINVAL;
        r = parse_long(text, 16, 0, UINT16_MAX, &v);
        if (r < 0)
                return r;
        *ret = (uint16_t) v;
        return 0;
}

int sysfs_parse_uint(const char *text, unsigned *ret)
{
        long v;
        int r;

        if (!isdigit((unsigned char) text[0]))
                return -EINVAL;
        r = parse_long(text, 10, 0, INT_MAX, &v);
        if (r < 0)
                return r;
        *ret = (unsigned) v;
        return 0;
}

int sysfs_parse_numa_node(const char *text, int *ret)
{
        long v;
        int r = parse_long(text, 10, -1, INT_MAX, &v);

        if (r < 0)
                return r;
        *ret = (int) v;
        return 0;
}

int sysfs_parse_virtfn(const char *name, unsigned *ret)
{
        if (strncmp(name, "virtfn", 6) != 0 || strchr(name, '\n'))
                return -EINVAL;
        return sysfs_parse_uint(name + 6, ret);
}

bool sysfs_pci_addr_valid(const char *addr)
{
        static const char pattern[] = "xxxx:xx:xx.x";

        if (strlen(addr) != sizeof(pattern) - 1)
                return false;
        for (size_t i = 0; pattern[i]; i++) {
                if (pattern[i] == 'x' ? !isxdigit((unsigned char) addr[i]) : addr[i] != pattern[i])
                        return false;
        }
        /* The function is 0-7: three bits. */
        return addr[11] >= '0' && addr[11] <= '7';
}

int sysfs_link_name(const char *target, char *buf, size_t size)
{
        size_t len = strlen(target);
        const char *start;

        while (len > 0 && target[len - 1] == '/')
                len--;
        start = target + len;
        while (start > target && start[-1] != '/')
                start--;
        len = (size_t) (target + len - start);
        if (len == 0 || (len == 1 && start[0] == '.') || (len == 2 && start[0] == '.' && start[1] == '.'))
                return -EINVAL;
        if (len >= size)
                return -ENAMETOOLONG;
        memcpy(buf, start, len);
        buf[len] = '\0';
        return 0;
}

enum vf_driver_kind sysfs_driver_kind(const char *driver)
{
        if (!driver || !driver[0])
                return VF_DRIVER_NONE;
        if (strcmp(driver, "vfio-pci") == 0)
                return VF_DRIVER_VFIO;
        if (strcmp(driver, "pci-stub") == 0)
                return VF_DRIVER_STUB;
        /* Anything else bound to a VF is taken for its network driver; whether
         * a netdev exists is read from net/ separately. */
        return VF_DRIVER_NETDEV;
}

const char *sysfs_driver_kind_name(enum vf_driver_kind k)
{
        static const char *const names[] = {
                [VF_DRIVER_NONE] = "none",
                [VF_DRIVER_NETDEV] = "netdev",
                [VF_DRIVER_VFIO] = "vfio-pci",
                [VF_DRIVER_STUB] = "pci-stub",
        };

        return (size_t) k < ARRAY_SIZE(names) ? names[k] : "?";
}

/* --- reads ------------------------------------------------------------- */

static int read_attr(int dirfd, const char *name, char *buf, size_t size)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_bounded(dirfd, name, SYSFS_ATTR_MAX, &text, &len);

        if (r < 0)
                return r;
        if (strlen(text) != len)
                return -EINVAL;
        if (strlen(text) >= size)
                return -ERANGE;
        strcpy(buf, text);
        return 0;
}

int sysfs_read_link_name(int dirfd, const char *name, char *buf, size_t size)
{
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

        if (n < 0)
                return -errno;
        target[n] = '\0';
        return sysfs_link_name(target, buf, size);
}

/* The one entry of net/ (a PCI function has at most one netdev), "" when none. */
static int read_ifname(int dirfd, char *buf, size_t size)
{
        DIR *dir;
        struct dirent *de;
        int r = opendir_at(dirfd, "net", &dir);

        buf[0] = '\0';
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                if (strlen(de->d_name) >= size) {
                        r = -ENAMETOOLONG;
                        break;
                }
                strcpy(buf, de->d_name);
                break;
        }
        closedir(dir);
        return r;
}

static int read_ids(int dirfd, uint16_t *vendor, uint16_t *device, int *numa)
{
        char buf[32];
        int r;

        r = read_attr(dirfd, "vendor", buf, sizeof(buf));
        if (r >= 0)
                r = sysfs_parse_hex16(buf, vendor);
        if (r >= 0)
                r = read_attr(dirfd, "device", buf, sizeof(buf));
        if (r >= 0)
                r = sysfs_parse_hex16(buf, device);
        if (r < 0)
                return r;
        /* Kernels without NUMA have no numa_node file: unknown, like -1. */
        *numa = -1;
        r = read_attr(dirfd, "numa_node", buf, sizeof(buf));
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : sysfs_parse_numa_node(buf, numa);
}

int sysfs_open_device(int root_fd, const char *addr)
{
        char path[64];
        int fd;

        if (!sysfs_pci_addr_valid(addr))
                return -EINVAL;
        snprintf(path, sizeof(path), "bus/pci/devices/%s", addr);
        fd = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int read_vf(int root_fd, const struct sysfs_pf *pf, const char *addr, unsigned index, struct sysfs_vf *vf)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, addr);
        char buf[32];
        int r;

        if (fd < 0)
                return fd;
        *vf = (struct sysfs_vf) { .index = index, .iommu_group = -1 };
        strcpy(vf->addr, addr);
        strcpy(vf->pf_addr, pf->addr);
        strcpy(vf->pf_ifname, pf->ifname);
        r = read_ids(fd, &vf->vendor, &vf->device, &vf->numa_node);
        if (r < 0)
                return r;
        r = sysfs_read_link_name(fd, "driver", vf->driver, sizeof(vf->driver));
        if (r < 0 && r != -ENOENT)
                return r;
        vf->driver_kind = sysfs_driver_kind(vf->driver);
        r = sysfs_read_link_name(fd, "iommu_group", buf, sizeof(buf));
        if (r >= 0)
                r = sysfs_parse_numa_node(buf, &vf->iommu_group);
        if (r < 0 && r != -ENOENT)
                return r;
        return read_ifname(fd, vf->ifname, sizeof(vf->ifname));
}

/* Fills |pf| when |addr| is a PF: 0, or -ENODEV when it is not one. */
static int read_pf(int root_fd, const char *addr, struct sysfs_pf *pf)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, addr);
        char buf[32];
        int r;

        if (fd < 0)
                return fd;
        *pf = (struct sysfs_pf) { 0 };
        strcpy(pf->addr, addr);
        r = read_attr(fd, "sriov_totalvfs", buf, sizeof(buf));
        if (r == -ENOENT)
                return -ENODEV;
        if (r >= 0)
                r = sysfs_parse_uint(buf, &pf->total_vfs);
        if (r >= 0)
                r = read_attr(fd, "sriov_numvfs", buf, sizeof(buf));
        if (r >= 0)
                r = sysfs_parse_uint(buf, &pf->num_vfs);
        if (r >= 0)
                r = read_ids(fd, &pf->vendor, &pf->device, &pf->numa_node);
        if (r >= 0)
                r = read_ifname(fd, pf->ifname, sizeof(pf->ifname));
        return r;
}

static int push_vf(struct sysfs_vf_table *t, const struct sysfs_vf *vf)
{
        struct sysfs_vf *v = reallocarray(t->vfs, t->n_vfs + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        t->vfs = v;
        t->vfs[t->n_vfs++] = *vf;
        return 0;
}

/* Adds the VFs of |pf| by index: virtfn0 .. virtfn(num_vfs-1). */
static int scan_vfs(int root_fd, const struct sysfs_pf *pf, struct sysfs_vf_table *t)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, pf->addr);

        if (fd < 0)
                return fd;
        for (unsigned i = 0; i < pf->num_vfs; i++) {
                char link[32], addr[PCI_ADDR_MAX];
                struct sysfs_vf vf;
                int r;

                snprintf(link, sizeof(link), "virtfn%u", i);
                r = sysfs_read_link_name(fd, link, addr, sizeof(addr));
                if (r >= 0 && !sysfs_pci_addr_valid(addr))
                        r = -EINVAL;
                if (r >= 0)
                        r = read_vf(root_fd, pf, addr, i, &vf);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                r = push_vf(t, &vf);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int push_pf(struct sysfs_vf_table *t, const struct sysfs_pf *pf)
{
        struct sysfs_pf *v = reallocarray(t->pfs, t->n_pfs + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        t->pfs = v;
        t->pfs[t->n_pfs++] = *pf;
        return 0;
}

static int cmp_pf(const void *a, const void *b)
{
        return strcmp(((const struct sysfs_pf *) a)->addr, ((const struct sysfs_pf *) b)->addr);
}

static int scan_pfs(int root_fd, DIR *dir, struct sysfs_vf_table *t)
{
        struct dirent *de;
        int r;

        while ((de = readdir(dir))) {
                struct sysfs_pf pf;

                if (!sysfs_pci_addr_valid(de->d_name))
                        continue;
                r = read_pf(root_fd, de->d_name, &pf);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && (r = push_pf(t, &pf)) < 0)
                        return r;
        }
        /* readdir's order is the filesystem's: sort so listings are stable. */
        if (t->n_pfs)
                qsort(t->pfs, t->n_pfs, sizeof(*t->pfs), cmp_pf);
        for (size_t i = 0; i < t->n_pfs; i++) {
                r = scan_vfs(root_fd, &t->pfs[i], t);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sysfs_vf_scan(int root_fd, struct sysfs_vf_table *ret)
{
        struct sysfs_vf_table t = { 0 };
        DIR *dir;
        int r = opendir_at(root_fd, "bus/pci/devices", &dir);

        if (r < 0)
                return r;
        r = scan_pfs(root_fd, dir, &t);
        closedir(dir);
        if (r < 0) {
                sysfs_vf_table_clear(&t);
                return r;
        }
        *ret = t;
        return 0;
}

void sysfs_vf_table_clear(struct sysfs_vf_table *t)
{
        free(t->pfs);
        free(t->vfs);
        *t = (struct sysfs_vf_table) { 0 };
}

const struct sysfs_vf *sysfs_vf_find(const struct sysfs_vf_table *t, const char *addr)
{
        for (size_t i = 0; i < t->n_vfs; i++)
                if (strcmp(t->vfs[i].addr, addr) == 0)
                        return &t->vfs[i];
        return NULL;
}

const struct sysfs_pf *sysfs_pf_find_ifname(const struct sysfs_vf_table *t, const char *ifname)
{
        for (size_t i = 0; i < t->n_pfs; i++)
                if (t->pfs[i].ifname[0] && strcmp(t->pfs[i].ifname, ifname) == 0)
                        return &t->pfs[i];
        return NULL;
}

int sysfs_write_attr(int dirfd, const char *name, const char *value)
{
        /* O_TRUNC as a shell's ">" does: sysfs ignores it, a plain file gets the value alone. */
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        size_t len = strlen(value);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, value, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/* The PF's virtfnN links, counted. */
static int count_virtfn(int pf_fd)
{
        _cleanup_close_ int fd = openat(pf_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        unsigned v;
        DIR *dir;
        int n = 0;

        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(dir)))
                if (sysfs_parse_virtfn(de->d_name, &v) >= 0)
                        n++;
        closedir(dir);
        return n;
}

int sysfs_wait(int timeout_ms, int (*done)(const void *arg), const void *arg)
{
        const struct timespec step = { .tv_nsec = SYSFS_WAIT_STEP_MS * 1000000L };
        int r;

        for (int waited = 0;; waited += SYSFS_WAIT_STEP_MS) {
                r = done(arg);
                if (r != 0 || waited >= timeout_ms)
                        return r < 0 ? r : r > 0 ? 0 : -ETIMEDOUT;
                nanosleep(&step, NULL);
        }
}

struct numvfs_wait {
        int pf_fd;
        unsigned n;
};

static int has_n_virtfn(const void *arg)
{
        const struct numvfs_wait *w = arg;
        int n = count_virtfn(w->pf_fd);

        return n < 0 ? n : (unsigned) n == w->n;
}

/* Writes |n| and waits for as many virtfnN links. */
static int write_numvfs(int pf_fd, unsigned n, int timeout_ms)
{
        struct numvfs_wait w = { .pf_fd = pf_fd, .n = n };
        char buf[16];
        int r;

        snprintf(buf, sizeof(buf), "%u", n);
        r = sysfs_write_attr(pf_fd, "sriov_numvfs", buf);
        return r < 0 || timeout_ms < 0 ? r : sysfs_wait(timeout_ms, has_n_virtfn, &w);
}

int sysfs_vf_set_numvfs(int root_fd, const char *pf_addr, unsigned n, int timeout_ms)
{
        _cleanup_close_ int fd = sysfs_open_device(root_fd, pf_addr);
        struct sysfs_pf pf;
        int r;

        if (fd < 0)
                return fd;
        r = read_pf(root_fd, pf_addr, &pf);
        if (r < 0)
                return r;
        if (n > pf.total_vfs)
                return -ERANGE;
        if (n == pf.num_vfs)
                return 0;
        if (pf.num_vfs != 0) {
                r = write_numvfs(fd, 0, timeout_ms);
                if (r < 0)
                        return r;
        }
        return n == 0 ? 0 : write_numvfs(fd, n, timeout_ms);
}
