/* A process's cgroup (v1 controller hierarchies or v2, wherever they are mounted)
 * and the memory and task accounting sysinfo shows from it. Cgroup directories
 * are opened beneath their mount (openat2, 5.6+), never by a joined host path.
 * Nothing here logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

/* ---- pure parsing ---- */

/* The next space-separated field of *p (start, length); advances past it. */
static bool next_field(const char **p, const char **ret, size_t *ret_len)
{
        const char *s = *p;
        size_t n;

        while (*s == ' ')
                s++;
        n = strcspn(s, " \n");
        if (n == 0)
                return false;
        *ret = s;
        *ret_len = n;
        *p = s + n;
        return true;
}

static bool field_is(const char *f, size_t len, const char *s)
{
        return strlen(s) == len && memcmp(f, s, len) == 0;
}

/* Whether the comma-separated list (len bytes) has |tok| as one of its items. */
static bool has_token(const char *list, size_t len, const char *tok)
{
        size_t n = strlen(tok);
        const char *end = list + len;

        while (list < end) {
                const char *comma = memchr(list, ',', (size_t) (end - list));
                size_t item = comma ? (size_t) (comma - list) : (size_t) (end - list);

                if (item == n && memcmp(list, tok, n) == 0)
                        return true;
                list += item + 1;
        }
        return false;
}

/* Decodes mountinfo's "\ooo" escapes (space, tab, newline, backslash). */
static int unescape(const char *s, size_t len, char *buf, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        c = (char) ((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
                        i += 3;
                        if (c == '\0')
                                return -EIO;
                }
                if (o + 1 >= size)
                        return -ENAMETOOLONG;
                buf[o++] = c;
        }
        buf[o] = '\0';
        return 0;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
int cgroup_parse_mountinfo_line(const char *line, const char *controller, struct cgroup_mount *ret)
{
        const char *f[6], *type, *src, *opts, *sep;
        size_t n[6], type_len, src_len, opts_len, sep_len;
        const char *p = line;
        bool match;
        int r;

        for (int i = 0; i < 6; i++)
                if (!next_field(&p, &f[i], &n[i]))
                        return -EIO;
        do {
                if (!next_field(&p, &sep, &sep_len))
                        return -EIO;
        } while (!field_is(sep, sep_len, "-"));
        if (!next_field(&p, &type, &type_len) || !next_field(&p, &src, &src_len) ||
            !next_field(&p, &opts, &opts_len))
                return -EIO;

        if (controller)
                match = field_is(type, type_len, "cgroup") && has_token(opts, opts_len, controller);
        else
                match = field_is(type, type_len, "cgroup2");
        if (!match)
                return 0;
        r = unescape(f[3], n[3], ret->root, sizeof(ret->root));
        if (r < 0)
                return r;
        r = unescape(f[4], n[4], ret->mountpoint, sizeof(ret->mountpoint));
        if (r < 0)
                return r;
        return ret->root[0] == '/' && ret->mountpoint[0] == '/' ? 1 : -EIO;
}

/* An absolute cgroup path without ".", ".." or empty components ("/" itself is fine). */
static bool path_ok(const char *p, size_t len)
{
        if (len == 0 || p[0] != '/')
                return false;
        if (len == 1)
                return true;
        for (size_t i = 1; i <= len;) {
                const char *slash = memchr(p + i, '/', len - i);
                size_t n = slash ? (size_t) (slash - (p + i)) : len - i;

                if (n == 0 || (n == 1 && p[i] == '.') || (n == 2 && p[i] == '.' && p[i + 1] == '.'))
                        return false;
                i += n + 1;
        }
        return true;
}

static bool all_digits(const char *s, size_t len)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* "ID:CONTROLLERS:PATH" lines; the path is the rest of the line (it may hold ':'). */
int cgroup_parse_proc(const char *text, const char *controller, char *buf, size_t size)
{
        const char *found = NULL;
        size_t found_len = 0;

        for (const char *line = text; *line;) {
                const char *end = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (end - line)), *c2;
                bool v2, match;

                if (!c1)
                        return -EIO;
                c2 = memchr(c1 + 1, ':', (size_t) (end - c1 - 1));
                if (!c2 || !all_digits(line, (size_t) (c1 - line)))
                        return -EIO;
                v2 = field_is(line, (size_t) (c1 - line), "0") && c2 == c1 + 1;
                match = controller ? !v2 && has_token(c1 + 1, (size_t) (c2 - c1 - 1), controller) : v2;
                if (match) {
                        if (found)
                                return -EIO;
                        found = c2 + 1;
                        found_len = (size_t) (end - found);
                }
                line = *end ? end + 1 : end;
        }
        if (!found)
                return -ENOENT;
        if (!path_ok(found, found_len))
                return -EIO;
        if (found_len >= size)
                return -ENAMETOOLONG;
        memcpy(buf, found, found_len);
        buf[found_len] = '\0';
        return 0;
}

/* At least one decimal digit, without overflow; advances *p. */
static int parse_u64(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EIO;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -EIO;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

int cgroup_parse_value(const char *text, uint64_t *ret)
{
        const char *p = text;
        uint64_t v;

        if (strncmp(p, "max", 3) == 0) {
                v = CGROUP_UNLIMITED;
                p += 3;
        } else if (parse_u64(&p, &v) < 0) {
                return -EIO;
        }
        if (*p == '\n')
                p++;
        if (*p != '\0')
                return -EIO;
        *ret = v;
        return 0;
}

enum { STAT_INACTIVE_FILE, STAT_SHMEM, STAT_LIMIT, STAT_MEMSW_LIMIT, _STAT_MAX };

static const struct {
        const char *key;
        int slot;
        bool total; /* v1's hierarchical variant: wins over the local one */
} memstat_keys[] = {
        { "inactive_file", STAT_INACTIVE_FILE, false },
        { "total_inactive_file", STAT_INACTIVE_FILE, true },
        { "shmem", STAT_SHMEM, false },
        { "total_shmem", STAT_SHMEM, true },
        { "hierarchical_memory_limit", STAT_LIMIT, true },
        { "hierarchical_memsw_limit", STAT_MEMSW_LIMIT, true },
};

static int memstat_key(const char *key, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(memstat_keys); i++)
                if (field_is(key, len, memstat_keys[i].key))
                        return (int) i;
        return -1;
}

int cgroup_parse_memstat(const char *text, struct cgroup_memstat *ret)
{
        uint64_t val[_STAT_MAX][2] = {};
        bool seen[_STAT_MAX][2] = {};
        const uint64_t dflt[_STAT_MAX] = { 0, 0, CGROUP_UNLIMITED, CGROUP_UNLIMITED };
        uint64_t out[_STAT_MAX];

        for (const char *line = text; *line;) {
                size_t klen = strcspn(line, " \n");
                int k = memstat_key(line, klen);

                if (k >= 0) {
                        const char *p = line + klen;
                        int slot = memstat_keys[k].slot, total = memstat_keys[k].total;

                        if (*p != ' ')
                                return -EIO;
                        p++;
                        if (parse_u64(&p, &val[slot][total]) < 0 || (*p != '\n' && *p != '\0'))
                                return -EIO;
                        seen[slot][total] = true;
                }
                line = strchrnul(line, '\n');
                if (*line)
                        line++;
        }
        for (int s = 0; s < _STAT_MAX; s++)
                out[s] = seen[s][1] ? val[s][1] : seen[s][0] ? val[s][0] : dflt[s];
        *ret = (struct cgroup_memstat) {
                .inactive_file = out[STAT_INACTIVE_FILE],
                .shmem = out[STAT_SHMEM],
                .limit = out[STAT_LIMIT],
                .memsw_limit = out[STAT_MEMSW_LIMIT],
        };
        return 0;
}

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
