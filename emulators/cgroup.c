/* A process's cgroup (v1 controller hierarchies or v2, wherever they are mounted)
 * and the memory and task accounting sysinfo shows from it. Cgroup directories
 * are opened beneath their mount (openat2, 5.6+), never by a joined host path.
 * Nothing here logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/openat2.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "emulators/cgroup.h"

#define PROC_CGROUP_MAX 65536 /* one line per hierarchy: a few hundred bytes */
#define MEMSTAT_MAX 65536     /* ~1.5 KiB (v1) to ~3 KiB (v2, 6.x) */
#define VALUE_MAX 64          /* "18446744073709551615\n" */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static uint64_t sub_floor0(uint64_t a, uint64_t b)
{
        return a > b ? a - b : 0;
}

static uint64_t div_round_up(uint64_t v, uint64_t d)
{
        return v / d + (v % d ? 1 : 0);
}

void cgroup_memory_apply(const struct cgroup_memory *m, struct sysinfo *si)
{
        uint64_t unit = si->mem_unit ? si->mem_unit : 1;
        uint64_t limit = m->limit / unit, swap = m->swap_limit / unit;

        /* Below the host's RAM, so every value set here fits an unsigned long. */
        if (limit < si->totalram) {
                uint64_t ws = m->usage - min_u64(m->inactive_file, m->usage);

                si->totalram = limit;
                si->freeram = sub_floor0(limit, div_round_up(ws, unit));
                si->sharedram = min_u64(m->shmem / unit, limit);
                si->bufferram = 0;
                si->totalhigh = min_u64(si->totalhigh, si->totalram);
                si->freehigh = min_u64(si->freehigh, si->freeram);
        }
        if (swap < si->totalswap) {
                si->totalswap = swap;
                si->freeswap = sub_floor0(swap, div_round_up(m->swap_usage, unit));
        }
}

/* ---- the cgroup of a process ---- */

/* A cgroup directory, opened beneath the mount of its hierarchy. */
struct cgroup_dir {
        int mnt_fd;
        int dir_fd;
        char rel[PATH_MAX]; /* below the mountpoint, no leading '/'; "" for the mountpoint */
};

#define CGROUP_DIR_NULL { .mnt_fd = -EBADF, .dir_fd = -EBADF, .rel = "" }

static void cgroup_dir_done(struct cgroup_dir *d)
{
        d->mnt_fd = safe_close(d->mnt_fd);
        d->dir_fd = safe_close(d->dir_fd);
}

static void fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
}

/* |path| relative to the cgroup a mount shows (no leading '/'), or NULL when the
 * mount does not show it. */
static const char *below_root(const char *path, const char *root)
{
        size_t n = strlen(root);

        if (strcmp(root, "/") == 0)
                return path + 1;
        if (strncmp(path, root, n) != 0 || (path[n] != '\0' && path[n] != '/'))
                return NULL;
        return path[n] ? path + n + 1 : path + n;
}

/* The first mount of the hierarchy (v1 |controller|, or v2) that shows |path|;
 * *ret_rel points into |path|. -ENOENT when none does. */
static int find_mount(const char *controller, const char *path, struct cgroup_mount *m, const char **ret_rel)
{
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!f)
                return -errno;
        while (getline(&line, &cap, f) >= 0) {
                const char *rel;

                /* Lines we cannot parse are not cgroup mounts we can use: skip them. */
                if (cgroup_parse_mountinfo_line(line, controller, m) != 1)
                        continue;
                rel = below_root(path, m->root);
                if (rel) {
                        *ret_rel = rel;
                        return 0;
                }
        }
        return ferror(f) ? -EIO : -ENOENT;
}

/* openat2 beneath |mnt_fd|, on its filesystem, without symlinks. */
static int open_beneath(int mnt_fd, const char *rel, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, mnt_fd, rel[0] ? rel : ".", &how, sizeof(how));

        return fd < 0 ? -errno : fd;
}

/* A whole small kernel-made text file; a NUL in it (which would hide the rest
 * from the parsers) or a size above |max| is -EIO. */
static int read_text(int dirfd, const char *name, size_t max, char **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_bounded(dirfd, name, max, &text, &len);

        if (r < 0)
                return r == -EFBIG ? -EIO : r;
        if (strlen(text) != len)
                return -EIO;
        *ret = TAKE_PTR(text);
        return 0;
}

static int open_mount(const struct cgroup_mount *m, bool v2)
{
        _cleanup_close_ int fd = open(m->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct statfs st;

        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &st) < 0)
                return -errno;
        /* mountinfo was read a moment ago: make sure the path still is that mount. */
        if (st.f_type != (v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
                return -ENOENT;
        return TAKE_FD(fd);
}

/* Opens the cgroup of the process at |proc_fd| in the hierarchy of v1
 * |controller| (NULL: v2). -ENOENT when that hierarchy is not mounted. */
static int cgroup_dir_open(int proc_fd, const char *controller, struct cgroup_dir *d)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ struct cgroup_mount *m = malloc(sizeof(*m));
        char path[PATH_MAX];
        const char *rel = NULL;
        int r;

        if (!m)
                return -ENOMEM;
        r = read_text(proc_fd, "cgroup", PROC_CGROUP_MAX, &text);
        if (r < 0)
                return r;
        r = cgroup_parse_proc(text, controller, path, sizeof(path));
        if (r < 0)
                return r;
        r = find_mount(controller, path, m, &rel);
        if (r < 0)
                return r;
        d->mnt_fd = open_mount(m, !controller);
        if (d->mnt_fd < 0)
                return d->mnt_fd;
        strcpy(d->rel, rel); /* shorter than path */
        d->dir_fd = open_beneath(d->mnt_fd, d->rel, O_PATH | O_DIRECTORY);
        return d->dir_fd < 0 ? d->dir_fd : 0;
}

static int read_value(int dirfd, const char *name, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_text(dirfd, name, VALUE_MAX, &text);

        return r < 0 ? r : cgroup_parse_value(text, ret);
}

static int read_memstat(int dirfd, struct cgroup_memstat *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_text(dirfd, "memory.stat", MEMSTAT_MAX, &text);

        return r < 0 ? r : cgroup_parse_memstat(text, ret);
}

/* v2 limits are per level: the lowest of |name| in the cgroup and its ancestors
 * up to the mount's root. Levels without the file (controller not enabled there,
 * the root cgroup) do not limit. */
static int walk_min(const struct cgroup_dir *d, const char *name, uint64_t *ret)
{
        char rel[PATH_MAX];
        uint64_t min = CGROUP_UNLIMITED;

        strcpy(rel, d->rel);
        for (;;) {
                _cleanup_close_ int fd = open_beneath(d->mnt_fd, rel, O_PATH | O_DIRECTORY);
                char *slash;
                uint64_t v;
                int r;

                if (fd < 0)
                        return fd;
                r = read_value(fd, name, &v);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == 0)
                        min = min_u64(min, v);
                if (rel[0] == '\0')
                        break;
                slash = strrchr(rel, '/');
                if (slash)
                        *slash = '\0';
                else
                        rel[0] = '\0';
        }
        *ret = min;
        return 0;
}

/* v1: limits, usage and memsw (memory + swap) of the cgroup; memory.stat's
 * hierarchical limits bring in the ancestors'. memsw files are absent without
 * swap accounting (swapaccount=0). */
static int read_memory_v1(const struct cgroup_dir *d, struct cgroup_memory *m)
{
        struct cgroup_memstat st;
        uint64_t limit, memsw_limit, memsw_usage;
        int r;

        r = read_value(d->dir_fd, "memory.limit_in_bytes", &limit);
        if (r < 0)
                return r;
        r = read_value(d->dir_fd, "memory.usage_in_bytes", &m->usage);
        if (r < 0)
                return r;
        r = read_memstat(d->dir_fd, &st);
        if (r < 0)
                return r;
        m->limit = min_u64(limit, st.limit);
        m->inactive_file = st.inactive_file;
        m->shmem = st.shmem;
        m->swap_limit = CGROUP_UNLIMITED;
        m->swap_usage = 0;
        r = read_value(d->dir_fd, "memory.memsw.limit_in_bytes", &memsw_limit);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = read_value(d->dir_fd, "memory.memsw.usage_in_bytes", &memsw_usage);
        if (r < 0)
                return r;
        memsw_limit = min_u64(memsw_limit, st.memsw_limit);
        m->swap_limit = sub_floor0(memsw_limit, m->limit);
        m->swap_usage = sub_floor0(memsw_usage, m->usage);
        return 0;
}

/* v2: memory.current is absent in the root cgroup and where the controller is
 * not enabled: no accounting (-ENOENT). The swap files are absent without swap
 * accounting. */
static int read_memory_v2(const struct cgroup_dir *d, struct cgroup_memory *m)
{
        struct cgroup_memstat st;
        int r;

        r = read_value(d->dir_fd, "memory.current", &m->usage);
        if (r < 0)
                return r;
        r = walk_min(d, "memory.max", &m->limit);
        if (r < 0)
                return r;
        r = read_memstat(d->dir_fd, &st);
        if (r < 0)
                return r;
        m->inactive_file = st.inactive_file;
        m->shmem = st.shmem;
        m->swap_limit = CGROUP_UNLIMITED;
        m->swap_usage = 0;
        r = read_value(d->dir_fd, "memory.swap.current", &m->swap_usage);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return walk_min(d, "memory.swap.max", &m->swap_limit);
}

int cgroup_read_memory(int proc_fd, struct cgroup_memory *ret)
{
        _cleanup_(cgroup_dir_done) struct cgroup_dir v1 = CGROUP_DIR_NULL;
        _cleanup_(cgroup_dir_done) struct cgroup_dir v2 = CGROUP_DIR_NULL;
        struct cgroup_memory m = {};
        int r;

        r = cgroup_dir_open(proc_fd, "memory", &v1);
        if (r == 0)
                r = read_memory_v1(&v1, &m);
        else if (r == -ENOENT) {
                r = cgroup_dir_open(proc_fd, NULL, &v2);
                if (r == 0)
                        r = read_memory_v2(&v2, &m);
        }
        if (r < 0)
                return r;
        *ret = m;
        return 0;
}

/* Lines of a task list (one id a line), read in chunks: it can be long. */
static int count_lines(int dirfd, const char *name, uint64_t *ret)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        char buf[4096];
        uint64_t n = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k = read(fd, buf, sizeof(buf));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                for (const char *p = buf; (p = memchr(p, '\n', (size_t) (buf + k - p))); p++)
                        n++;
        }
        *ret = n;
        return 0;
}

int cgroup_count_tasks(int proc_fd, uint64_t *ret)
{
        _cleanup_(cgroup_dir_done) struct cgroup_dir v1 = CGROUP_DIR_NULL;
        _cleanup_(cgroup_dir_done) struct cgroup_dir v2 = CGROUP_DIR_NULL;
        const struct cgroup_dir *d = &v1;
        int r;

        r = cgroup_dir_open(proc_fd, "pids", &v1);
        if (r == -ENOENT) {
                d = &v2;
                r = cgroup_dir_open(proc_fd, NULL, &v2);
        }
        if (r < 0)
                return r;
        /* Absent in the root cgroup and where the controller is not enabled. */
        r = read_value(d->dir_fd, "pids.current", ret);
        if (r != -ENOENT)
                return r;
        return count_lines(d->dir_fd, d == &v1 ? "tasks" : "cgroup.threads", ret);
}

/* The hierarchy of one /proc/<pid>/cgroup line: its first controller, "" for
 * v2 (no controllers), in buf. */
static int line_controller(const char *line, size_t len, char *buf, size_t size)
{
        const char *c1 = memchr(line, ':', len), *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - line)) : NULL;
        size_t n;

        if (!c2)
                return -EIO;
        n = strcspn(c1 + 1, ",:");
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, c1 + 1, n);
        buf[n] = '\0';
        return 0;
}

static int open_one(int proc_fd, const char *controller)
{
        _cleanup_(cgroup_dir_done) struct cgroup_dir d = CGROUP_DIR_NULL;
        int r = cgroup_dir_open(proc_fd, controller[0] ? controller : NULL, &d);

        if (r < 0)
                return r;
        r = openat(d.dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        return r < 0 ? -errno : r;
}

static int open_procs(int proc_fd, const char *text, int *fds, size_t max, size_t *n)
{
        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                char controller[64];
                int r, fd;

                if (len > 0) {
                        r = line_controller(line, len, controller, sizeof(controller));
                        if (r < 0)
                                return r;
                        fd = open_one(proc_fd, controller);
                        if (fd == -ENOENT && strncmp(controller, "name=", 5) == 0)
                                fd = -EBADF; /* a named hierarchy we do not see limits nothing */
                        else if (fd == -ENOENT)
                                return -EOPNOTSUPP;
                        else if (fd < 0)
                                return fd;
                        if (fd >= 0 && *n >= max) {
                                safe_close(fd);
                                return -E2BIG;
                        }
                        if (fd >= 0)
                                fds[(*n)++] = fd;
                }
                line += len;
                if (*line == '\n')
                        line++;
        }
        return 0;
}

int cgroup_open_procs(int proc_fd, int *fds, size_t max)
{
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        int r;

        r = read_text(proc_fd, "cgroup", PROC_CGROUP_MAX, &text);
        if (r < 0)
                return r;
        r = open_procs(proc_fd, text, fds, max, &n);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        fds[i] = safe_close(fds[i]);
                return r;
        }
        return (int) n;
}

/* ---- cgroup2 directories by path and by handle (bpf device programs) ---- */

int cgroup2_read_path(int proc_fd, char *buf, size_t size)
{
        _cleanup_free_ char *text = NULL;
        int r = read_text(proc_fd, "cgroup", PROC_CGROUP_MAX, &text);

        return r < 0 ? r : cgroup_parse_proc(text, NULL, buf, size);
}

int cgroup2_open_root(void)
{
        _cleanup_free_ struct cgroup_mount *m = malloc(sizeof(*m));
        _cleanup_close_ int path_fd = -EBADF;
        const char *rel;
        int r;

        if (!m)
                return -ENOMEM;
        r = find_mount(NULL, "/", m, &rel);
        if (r < 0)
                return r;
        path_fd = open_mount(m, true);
        if (path_fd < 0)
                return path_fd;
        /* A real fd: open_by_handle_at and bpf want one, not O_PATH. */
        return open_beneath(path_fd, "", O_RDONLY | O_DIRECTORY);
}

int cgroup2_open_path(int root_fd, const char *path)
{
        if (path[0] != '/')
                return -EINVAL;
        return open_beneath(root_fd, path + 1, O_RDONLY | O_DIRECTORY);
}

int cgroup2_reopen(int root_fd, int fd)
{
        union {
                struct file_handle h;
                char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
        } fh = { .h.handle_bytes = MAX_HANDLE_SZ };
        struct statfs sf;
        struct stat st;
        int mount_id, r;

        if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (sf.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
                return -EBADF;
        if (name_to_handle_at(fd, "", &fh.h, &mount_id, AT_EMPTY_PATH) < 0)
                return -errno;
        r = open_by_handle_at(root_fd, &fh.h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return r < 0 ? -errno : r;
}
