/* Access to a trapped process: its memory (process_vm_readv, page by page), its
 * /proc entry (cwd, root, fds, status, id maps), its fds (pidfd_getfd) and its
 * capabilities (libcap). Every fd is O_CLOEXEC. Nothing here logs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sys/capability.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "emulators/notify.h"
#include "emulators/idmap.h"
#include "emulators/resolve.h"
#include "emulators/target.h"
#include "policy/policy.h"

#define STATUS_MAX 16384 /* /proc/<pid>/status is ~1.5 KiB; Groups is capped by TARGET_MAX_GROUPS anyway */
#define DELETED_SUFFIX " (deleted)"

static size_t page_size(void)
{
        long ps = sysconf(_SC_PAGESIZE);

        return ps > 0 ? (size_t) ps : 4096;
}

/* Bytes from addr to the end of its page, at most |max|. */
static size_t chunk_len(uint64_t addr, size_t max)
{
        size_t ps = page_size();
        size_t left = ps - (size_t) (addr & (ps - 1));

        return left < max ? left : max;
}

/* One process_vm_readv (or writev) that must not cross a page: all or nothing.
 * Like copy_to_user(), a write does not override protections: a read-only page
 * fails with EFAULT. */
static int copy_chunk(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
        struct iovec local = { .iov_base = buf, .iov_len = len };
        struct iovec remote = { .iov_base = (void *) (uintptr_t) addr, .iov_len = len };
        ssize_t n;

        n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0) : process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != len)
                return -EFAULT;
        return 0;
}

static bool range_invalid(uint64_t addr, size_t len)
{
        return addr == 0 || addr > UINTPTR_MAX || len > UINTPTR_MAX - addr;
}

/* Page by page, as the kernel's copy_{from,to}_user(): the pages before an
 * unmapped one are copied, and the call still fails with EFAULT. */
static int copy_mem(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
        size_t done = 0;
        int r;

        if (range_invalid(addr, len))
                return -EFAULT;
        while (done < len) {
                size_t n = chunk_len(addr + done, len - done);

                r = copy_chunk(pid, addr + done, (char *) buf + done, n, write);
                if (r < 0)
                        return r;
                done += n;
        }
        return 0;
}

int target_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
        return copy_mem(pid, addr, buf, len, false);
}

int target_write_mem(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
        /* process_vm_writev only reads the local buffer. */
        return copy_mem(pid, addr, (void *) (uintptr_t) buf, len, true);
}

int target_read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
        size_t done = 0;
        int r;

        if (size == 0 || size > INT_MAX)
                return -EINVAL;
        /* Past the end of the address space counts as unmapped. */
        if (range_invalid(addr, size))
                return -EFAULT;
        while (done < size) {
                size_t n = chunk_len(addr + done, size - done);
                const char *nul;

                r = copy_chunk(pid, addr + done, buf + done, n, false);
                if (r < 0)
                        return r;
                nul = memchr(buf + done, '\0', n);
                if (nul)
                        return (int) (nul - buf);
                done += n;
        }
        return -ENAMETOOLONG;
}

int target_budget_draw(struct target_budget *b, uint64_t len)
{
        if (!b || b->limit == 0)
                return 0;
        if (len > b->limit - b->used) {
                b->exceeded = true;
                return -E2BIG;
        }
        b->used += len;
        return 0;
}

int target_read(const struct target *t, uint64_t addr, void *buf, size_t len)
{
        int r = target_budget_draw(t->budget, len);

        return r < 0 ? r : target_read_mem(t->pid, addr, buf, len);
}

int target_read_str(const struct target *t, uint64_t addr, char *buf, size_t size)
{
        int r = target_read_string(t->pid, addr, buf, size), q;

        if (r < 0)
                return r;
        q = target_budget_draw(t->budget, (uint64_t) r + 1);
        return q < 0 ? q : r;
}

/* PIDFD_THREAD (6.9+): the notification's pid is the tid of the calling thread,
 * and a plain pidfd_open() of a tid that is not a thread group leader fails
 * with ENOENT. Older kernels: only leaders can be opened. pidfds are always
 * close-on-exec. */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static int pidfd_open_thread(pid_t pid)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, PIDFD_THREAD);

        if (fd < 0 && errno == EINVAL)
                fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
}

int target_open(struct target *t, int listener_fd, uint64_t id, pid_t pid)
{
        _cleanup_close_ int pidfd = -EBADF, proc_fd = -EBADF;
        char path[32];
        int r;

        if (pid <= 0)
                return -ESRCH;
        pidfd = pidfd_open_thread(pid);
        if (pidfd < 0)
                return pidfd;
        snprintf(path, sizeof(path), "/proc/%d", (int) pid);
        proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        /* Only now do both fds provably name the process that trapped (no pid reuse). */
        r = notify_id_valid(listener_fd, id);
        if (r < 0)
                return r;

        *t = (struct target) {
                .pid = pid,
                .pidfd = TAKE_FD(pidfd),
                .proc_fd = TAKE_FD(proc_fd),
                .listener_fd = listener_fd,
                .id = id,
        };
        return 0;
}

void target_close(struct target *t)
{
        if (!t)
                return;
        t->pidfd = safe_close(t->pidfd);
        t->proc_fd = safe_close(t->proc_fd);
}

void target_commit(const struct target *t)
{
        if (t->on_commit)
                t->on_commit(t->commit_data);
}

int target_still_valid(const struct target *t)
{
        return notify_id_valid(t->listener_fd, t->id);
}

int target_open_root(const struct target *t)
{
        int fd = openat(t->proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
        size_t n = strlen(suffix);

        return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* The part of |path| below |root| ("/" based), or NULL when path is not under it. */
static const char *strip_root(const char *path, const char *root)
{
        size_t n = strlen(root);

        if (strcmp(root, "/") == 0)
                return path;
        if (strncmp(path, root, n) != 0)
                return NULL;
        if (path[n] == '\0')
                return "/";
        return path[n] == '/' ? path + n : NULL;
}

/* Checks the caller's directory |link| (cwd or fd/N, followed) is a live directory. */
static int check_dir_link(int proc_fd, const char *link, bool is_fd)
{
        struct stat st;

        if (fstatat(proc_fd, link, &st, 0) < 0)
                return errno == ENOENT && is_fd ? -EBADF : -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        /* An rmdir'ed directory: the kernel fails creation in it with ENOENT. */
        if (st.st_nlink == 0)
                return -ENOENT;
        return 0;
}

int target_dir_path(const struct target *t, int dirfd, char *buf, size_t size)
{
        char link[32], dir[PATH_MAX], root[PATH_MAX];
        const char *rel;
        int r, n;

        if (dirfd != AT_FDCWD && dirfd < 0)
                return -EBADF;
        if (dirfd == AT_FDCWD)
                snprintf(link, sizeof(link), "cwd");
        else
                snprintf(link, sizeof(link), "fd/%d", dirfd);

        r = check_dir_link(t->proc_fd, link, dirfd != AT_FDCWD);
        if (r < 0)
                return r;
        n = read_link_at(t->proc_fd, link, dir, sizeof(dir));
        if (n < 0)
                return n == -ENOENT && dirfd != AT_FDCWD ? -EBADF : n;
        r = read_link_at(t->proc_fd, "root", root, sizeof(root));
        if (r < 0)
                return r;
        /* d_path() marks unlinked dentries; a name that really ends so is refused too. */
        if (dir[0] != '/' || has_suffix(dir, (size_t) n, DELETED_SUFFIX) ||
            has_suffix(root, strlen(root), DELETED_SUFFIX))
                return -ENOENT;
        rel = strip_root(dir, root);
        if (!rel)
                return -ENOENT;
        if (strlen(rel) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, rel);
        return 0;
}

int target_getfd(const struct target *t, int fd)
{
        /* The new fd is always O_CLOEXEC (kernel 5.6+). */
        int r = (int) syscall(SYS_pidfd_getfd, t->pidfd, fd, 0);

        return r < 0 ? -errno : r;
}

/* Reads a whole small /proc file below proc_fd into buf (NUL-terminated). */
static int read_proc_file(int proc_fd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;

        fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (len + 1 >= size)
                        return -E2BIG;
                n = read(fd, buf + len, size - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        return (int) len;
}

/* The value of line "key:\t..." in status text, or NULL. */
static const char *status_field(const char *text, const char *key)
{
        size_t n = strlen(key);
        const char *p = text;

        for (;;) {
                if (strncmp(p, key, n) == 0 && p[n] == ':')
                        return p + n + 1;
                p = strchr(p, '\n');
                if (!p)
                        return NULL;
                p++;
        }
}

/* Parses one unsigned decimal number after blanks; advances *p. */
static int parse_uint(const char **p, int base, unsigned long *ret)
{
        const char *s = *p;
        unsigned long v = 0;
        int digits = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        for (; *s >= '0' && *s < '0' + base; s++, digits++) {
                if (v > (UINT32_MAX - (unsigned long) (*s - '0')) / (unsigned long) base)
                        return -EIO;
                v = v * (unsigned long) base + (unsigned long) (*s - '0');
        }
        if (digits == 0)
                return -EIO;
        *p = s;
        *ret = v;
        return 0;
}

enum { STATUS_ID_EFFECTIVE = 2, STATUS_ID_FS = 4 };

/* "Uid:\treal\teffective\tsaved\tfs": the |nth| number (STATUS_ID_*). */
static int parse_status_id(const char *text, const char *key, int nth, uint32_t *ret)
{
        const char *p = status_field(text, key);
        unsigned long v = 0;

        if (!p)
                return -EIO;
        for (int i = 0; i < nth; i++)
                if (parse_uint(&p, 10, &v) < 0)
                        return -EIO;
        *ret = (uint32_t) v;
        return 0;
}

/* Supplementary groups. Past TARGET_MAX_GROUPS the rest are dropped: groups only
 * ever grant access, so fewer of them can deny but never allow too much. */
static int parse_groups(const char *text, struct target_creds *c)
{
        const char *p = status_field(text, "Groups");
        unsigned long v;

        if (!p)
                return -EIO;
        c->n_groups = 0;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '\n' || *p == '\0')
                        return 0;
                if (parse_uint(&p, 10, &v) < 0)
                        return -EIO;
                if (c->n_groups < TARGET_MAX_GROUPS)
                        c->groups[c->n_groups++] = (gid_t) v;
        }
}

int target_read_creds(const struct target *t, struct target_creds *ret)
{
        _cleanup_free_ char *text = malloc(STATUS_MAX);
        struct target_creds c = {};
        const char *p;
        unsigned long umask_v;
        uint32_t uid, gid;
        int r;

        if (!text)
                return -ENOMEM;
        r = read_proc_file(t->proc_fd, "status", text, STATUS_MAX);
        if (r < 0)
                return r;
        if (parse_status_id(text, "Uid", STATUS_ID_FS, &uid) < 0 || parse_status_id(text, "Gid", STATUS_ID_FS, &gid) < 0)
                return -EIO;
        p = status_field(text, "Umask"); /* since 4.7 */
        if (!p || parse_uint(&p, 8, &umask_v) < 0 || umask_v > 0777)
                return -EIO;
        r = parse_groups(text, &c);
        if (r < 0)
                return r;
        c.fsuid = uid;
        c.fsgid = gid;
        c.umask = (mode_t) umask_v;
        *ret = c;
        return 0;
}

int target_caps(const struct target *t, uint64_t want, uint64_t *ret)
{
        uint64_t mask = 0;
        cap_t caps;
        int r;

        caps = cap_get_pid(t->pid);
        if (!caps)
                return errno > 0 ? -errno : -EIO;
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
                cap_flag_value_t v = CAP_CLEAR;

                if (!(want & UINT64_C(1) << cap))
                        continue;
                if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) < 0) {
                        cap_free(caps);
                        return -EINVAL;
                }
                if (v == CAP_SET)
                        mask |= UINT64_C(1) << cap;
        }
        cap_free(caps);
        /* capget() goes by pid number: make sure it still named our caller. */
        r = target_still_valid(t);
        if (r < 0)
                return r;
        *ret = mask;
        return 0;
}

int target_has_cap(const struct target *t, int cap)
{
        uint64_t mask;
        int r;

        if (cap < 0 || cap > CAP_LAST_CAP)
                return -EINVAL;
        r = target_caps(t, UINT64_C(1) << cap, &mask);
        return r < 0 ? r : mask != 0;
}

int target_read_idmap_text(const struct target *t, const char *which, char *buf, size_t size)
{
        if (strcmp(which, "uid_map") != 0 && strcmp(which, "gid_map") != 0)
                return -EINVAL;
        return read_proc_file(t->proc_fd, which, buf, size);
}

/* "CapEff:\t000001ffffffffff": 64 bits in hex. */
static int parse_cap_eff(const char *text, uint64_t *ret)
{
        const char *p = status_field(text, "CapEff");
        uint64_t v = 0;
        int digits = 0;

        if (!p)
                return -EIO;
        while (*p == ' ' || *p == '\t')
                p++;
        for (; digits < 16; p++, digits++) {
                int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

                if (d < 0)
                        break;
                v = v << 4 | (uint64_t) d;
        }
        if (digits == 0)
                return -EIO;
        *ret = v;
        return 0;
}

static int in_other_userns(const struct target *t, bool *ret)
{
        struct stat theirs, ours;

        if (fstatat(t->proc_fd, "ns/user", &theirs, 0) < 0)
                return -errno;
        if (stat("/proc/self/ns/user", &ours) < 0)
                return -errno;
        *ret = theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
        return 0;
}

/* 340 lines of "%10u %10u %10u\n" */
#define IDMAP_TEXT_MAX 16384

/* Host id |outer| through the caller's uid_map or gid_map: 0, -ERANGE when it
 * has no name there, -EIO on a malformed map, -errno. */
static int id_to_inner(const struct target *t, const char *which, uint32_t outer, uint32_t *ret)
{
        _cleanup_free_ char *text = malloc(IDMAP_TEXT_MAX);
        _cleanup_free_ struct idmap *m = malloc(sizeof(*m));
        int r;

        if (!text || !m)
                return -ENOMEM;
        r = target_read_idmap_text(t, which, text, IDMAP_TEXT_MAX);
        if (r < 0)
                return r;
        if (idmap_parse(text, (size_t) r, m) < 0)
                return -EIO;
        return idmap_to_inner(m, outer, ret) < 0 ? -ERANGE : 0;
}

/* A host id as the caller's namespace sees it; unmapped ids read as the overflow id. */
static uint32_t id_inside(const struct target *t, const char *which, uint32_t outer)
{
        uint32_t inner;

        return id_to_inner(t, which, outer, &inner) < 0 ? 65534 : inner;
}

int target_read_caller(const struct target *t, struct policy_caller *ret)
{
        _cleanup_free_ char *text = malloc(STATUS_MAX);
        struct policy_caller c = {};
        int r;

        if (!text)
                return -ENOMEM;
        r = read_proc_file(t->proc_fd, "status", text, STATUS_MAX);
        if (r < 0)
                return r;
        if (parse_status_id(text, "Uid", STATUS_ID_EFFECTIVE, &c.uid) < 0 ||
            parse_status_id(text, "Gid", STATUS_ID_EFFECTIVE, &c.gid) < 0 ||
            parse_cap_eff(text, &c.cap_effective) < 0)
                return -EIO;
        r = in_other_userns(t, &c.userns);
        if (r < 0)
                return r;
        if (c.userns) {
                c.uid = id_inside(t, "uid_map", c.uid);
                c.gid = id_inside(t, "gid_map", c.gid);
        }
        *ret = c;
        return 0;
}

int target_id_mapped(const struct target *t, const char *which, uint32_t id)
{
        uint32_t inner;
        int r = id_to_inner(t, which, id, &inner);

        return r == -ERANGE ? 0 : r < 0 ? r : 1;
}

int target_open_path(const struct target *t, int root_fd, const char *path, bool follow)
{
        char cwd[PATH_MAX];
        int r;

        if (!path)
                return -EFAULT;
        if (path[0] == '\0')
                return -ENOENT;
        if (path[0] == '/')
                return resolve_in_root(root_fd, "/", path, follow);
        r = target_dir_path(t, AT_FDCWD, cwd, sizeof(cwd));
        if (r < 0)
                return r;
        return resolve_in_root(root_fd, cwd, path, follow);
}
