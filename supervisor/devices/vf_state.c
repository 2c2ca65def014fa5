/* VF allocations persisted per PCI address (vf_state.h): atomic record files
 * beside never-removed flock files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "supervisor/devices/vf_state.h"

#define RECORD_PREFIX "vf-"
#define RECORD_MAX 4096

int vf_state_open(const char *path)
{
        int r = mkdir_parents(path, 0700), fd;

        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int record_name(const char *addr, const char *suffix, char *buf, size_t size)
{
        if (!sysfs_pci_addr_valid(addr))
                return -EINVAL;
        snprintf(buf, size, RECORD_PREFIX "%s%s", addr, suffix);
        return 0;
}

int vf_state_lock(int dirfd, const char *addr)
{
        char name[64];
        _cleanup_close_ int fd = -EBADF;
        int r = record_name(addr, ".lock", name, sizeof(name));

        if (r < 0)
                return r;
        fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        return TAKE_FD(fd);
}

int vf_state_format(const struct vf_alloc *a, char *buf, size_t size)
{
        int n = snprintf(buf, size,
                        "addr=%s\npool=%s\ncontainer=%s\npid=%d\npid_start=%" PRIu64
                        "\nhost_ifname=%s\nct_ifname=%s\nhost_mac=%s\norig_driver=%s\nmode=%s\n",
                        a->addr, a->pool, a->container, (int) a->pid, a->pid_start, a->host_ifname, a->ct_ifname,
                        a->host_mac, a->orig_driver, a->mode), m;
        size_t used = n < 0 ? 0 : (size_t) n < size ? (size_t) n : size;

        if (n < 0)
                return n;
        m = vf_saved_format(&a->saved, buf + used, size - used);
        return m < 0 ? m : n + m;
}

static int copy_value(char *dst, size_t size, const char *v)
{
        if (strlen(v) >= size)
                return -EINVAL;
        strcpy(dst, v);
        return 0;
}

static int parse_number(const char *v, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || *end || errno || n > max)
                return -EINVAL;
        *ret = n;
        return 0;
}

static int parse_line(char *line, struct vf_alloc *a)
{
        char *v = strchr(line, '=');
        uint64_t n;
        int r;

        if (!v)
                return -EINVAL;
        *v++ = '\0';
#define STR_FIELD(f) \
        if (strcmp(line, #f) == 0) \
                return copy_value(a->f, sizeof(a->f), v);
        STR_FIELD(addr)
        STR_FIELD(pool)
        STR_FIELD(container)
        STR_FIELD(host_ifname)
        STR_FIELD(ct_ifname)
        STR_FIELD(host_mac)
        STR_FIELD(orig_driver)
        STR_FIELD(mode)
#undef STR_FIELD
        if (strcmp(line, "pid_start") == 0)
                return parse_number(v, UINT64_MAX, &a->pid_start);
        if (strcmp(line, "pid") == 0) {
                r = parse_number(v, INT32_MAX, &n);
                a->pid = (pid_t) n;
                return r;
        }
        r = vf_saved_parse_line(line, v, &a->saved);
        if (r != 0)
                return r < 0 ? r : 0;
        /* Keys a newer daemon wrote are not ours to judge. */
        return 0;
}

int vf_state_parse(const char *text, struct vf_alloc *ret)
{
        _cleanup_free_ char *copy = strdup(text);
        struct vf_alloc a = { 0 };
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (parse_line(line, &a) < 0)
                        return -EINVAL;
        if (!sysfs_pci_addr_valid(a.addr) || !a.container[0] || a.pid <= 0)
                return -EINVAL;
        *ret = a;
        return 0;
}

int vf_state_read(int dirfd, const char *addr, struct vf_alloc *ret)
{
        _cleanup_free_ char *text = NULL;
        char name[64];
        size_t len;
        int r = record_name(addr, "", name, sizeof(name));

        if (r < 0)
                return r;
        r = read_file_bounded(dirfd, name, RECORD_MAX, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EINVAL : r;
        if (strlen(text) != len)
                return -EINVAL;
        r = vf_state_parse(text, ret);
        if (r >= 0 && strcmp(ret->addr, addr) != 0)
                return -EINVAL;
        return r;
}

static bool has_newline(const struct vf_alloc *a)
{
        return strchr(a->pool, '\n') || strchr(a->container, '\n') || strchr(a->host_ifname, '\n') ||
               strchr(a->ct_ifname, '\n') || strchr(a->host_mac, '\n') || strchr(a->orig_driver, '\n');
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

int vf_state_write(int dirfd, const struct vf_alloc *a)
{
        char name[64], tmp[80], text[RECORD_MAX];
        _cleanup_close_ int fd = -EBADF;
        int r = record_name(a->addr, "", name, sizeof(name)), len;

        if (r < 0)
                return r;
        if (has_newline(a))
                return -EINVAL;
        len = vf_state_format(a, text, sizeof(text));
        if (len < 0 || (size_t) len >= sizeof(text))
                return -EINVAL;
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, text, (size_t) len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* The rename is durable only once the directory is. */
        return fsync(dirfd) < 0 ? -errno : 0;
}

int vf_state_remove(int dirfd, const char *addr)
{
        char name[64];
        int r = record_name(addr, "", name, sizeof(name));

        if (r < 0)
                return r;
        if (unlinkat(dirfd, name, 0) < 0)
                return errno == ENOENT ? 0 : -errno;
        return fsync(dirfd) < 0 ? -errno : 0;
}

static int cmp_alloc(const void *x, const void *y)
{
        return strcmp(((const struct vf_alloc *) x)->addr, ((const struct vf_alloc *) y)->addr);
}

static int list_dir(int dirfd, DIR *dir, struct vf_alloc **v, size_t *n)
{
        struct dirent *de;

        while ((de = readdir(dir))) {
                const char *addr = de->d_name + strlen(RECORD_PREFIX);
                struct vf_alloc a, *grown;

                if (strncmp(de->d_name, RECORD_PREFIX, strlen(RECORD_PREFIX)) != 0 || !sysfs_pci_addr_valid(addr))
                        continue;
                if (vf_state_read(dirfd, addr, &a) < 0)
                        continue;
                grown = reallocarray(*v, *n + 1, sizeof(**v));
                if (!grown)
                        return -ENOMEM;
                *v = grown;
                (*v)[(*n)++] = a;
        }
        return 0;
}

int vf_state_list(int dirfd, struct vf_alloc **ret, size_t *ret_n)
{
        struct vf_alloc *v = NULL;
        size_t n = 0;
        DIR *dir;
        int r = opendir_at(dirfd, ".", &dir);

        if (r < 0)
                return r;
        r = list_dir(dirfd, dir, &v, &n);
        closedir(dir);
        if (r < 0) {
                free(v);
                return r;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_alloc);
        *ret = v;
        *ret_n = n;
        return 0;
}

int vf_state_pid_start(pid_t pid, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        char path[32];
        const char *p;
        size_t len;
        uint64_t v;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        r = read_file_bounded(AT_FDCWD, path, 4096, &text, &len);
        if (r < 0)
                return r;
        /* comm (field 2) may hold spaces and parentheses: count from its last ')'. */
        p = strrchr(text, ')');
        if (!p)
                return -EINVAL;
        for (int field = 2; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p + 1, "%" SCNu64, &v) != 1)
                return -EINVAL;
        *ret = v;
        return 0;
}

int vf_state_owner_alive(const struct vf_alloc *a)
{
        uint64_t start;

        if (vf_state_pid_start(a->pid, &start) < 0)
                return 0;
        return start == a->pid_start;
}
