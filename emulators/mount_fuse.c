/* A FUSE redirect, the daemon's half: what the spawner needs to run the
 * policy's FUSE program as the caller would have run it (its argv, the
 * caller's credentials as its own user namespace names them, its rlimits,
 * namespaces, root and cgroup), and what the spawner's report means for the
 * call. The spawner is mount_fuse_spawn.c. Does not log. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "emulators/idmap.h"
#include "emulators/mount_fuse.h"
#include "policy/policy.h"

#define STATUS_MAX 65536   /* /proc/<pid>/status: ~1.5 KiB, more with many groups */
#define IDMAP_TEXT_MAX 16384 /* 340 lines of "%10u %10u %10u\n" */
#define RESOLVE_RETRIES 8  /* openat2 EAGAIN: a rename raced with ".." */

/* mount(2) flags as the option names libfuse (2 and 3) turns back into them;
 * the rest (MS_SILENT, MS_RELATIME, MS_LAZYTIME...) have no FUSE option. */
static const struct {
        uint64_t ms;
        const char *name;
} fuse_flags[] = {
        { MS_RDONLY, "ro" },      { MS_NOSUID, "nosuid" },     { MS_NODEV, "nodev" },     { MS_NOEXEC, "noexec" },
        { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_NOATIME, "noatime" },
};

/* The namespaces the program joins, in /proc/<pid>/ns names. */
static const struct {
        const char *name;
        int flag;
} namespaces[] = {
        { "mnt", CLONE_NEWNS },  { "pid", CLONE_NEWPID },       { "net", CLONE_NEWNET },   { "ipc", CLONE_NEWIPC },
        { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

const char *mount_fuse_program(const struct mount_params *p, const char *fstype)
{
        if (!fstype)
                return NULL;
        for (size_t i = 0; i < p->n_fuse; i++)
                if (p->fuse[i].fstype && p->fuse[i].program && strcmp(p->fuse[i].fstype, fstype) == 0)
                        return p->fuse[i].program;
        return NULL;
}

/* Appends |s| (after a comma unless first) to buf[*len]. */
static int append_option(char *buf, size_t size, size_t *len, const char *s)
{
        size_t n = strlen(s), comma = *len > 0;

        if (n == 0)
                return 0;
        if (*len + comma + n >= size)
                return -E2BIG;
        if (comma)
                buf[(*len)++] = ',';
        memcpy(buf + *len, s, n + 1);
        *len += n;
        return 0;
}

int mount_fuse_options(uint64_t flags, const char *data, char *buf, size_t size)
{
        size_t len = 0;
        int r;

        if (size == 0)
                return -E2BIG;
        buf[0] = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(fuse_flags); i++)
                if (flags & fuse_flags[i].ms) {
                        r = append_option(buf, size, &len, fuse_flags[i].name);
                        if (r < 0)
                                return r;
                }
        return append_option(buf, size, &len, data ? data : "");
}

void mount_fuse_argv(const struct mount_fuse_job *job, const char *argv[6])
{
        size_t n = 0;

        argv[n++] = job->program;
        argv[n++] = job->source;
        argv[n++] = job->target;
        if (job->options[0]) {
                argv[n++] = "-o";
                argv[n++] = job->options;
        }
        argv[n] = NULL;
}

/* ---- the caller's credentials ---- */

/* The value of line "key:" in status text, or NULL. */
static const char *status_field(const char *text, const char *key)
{
        size_t n = strlen(key);

        for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, n) == 0 && p[n] == ':')
                        return p + n + 1;
        return NULL;
}

/* One number in |base| after blanks, at most |max|; advances *p. */
static int parse_number(const char **p, unsigned base, uint64_t max, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;
        int digits = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        for (;; s++, digits++) {
                unsigned d = *s >= '0' && *s <= '9' ? (unsigned) (*s - '0')
                             : *s >= 'a' && *s <= 'f' ? (unsigned) (*s - 'a' + 10)
                                                      : base;

                if (d >= base)
                        break;
                if (d > max || v > (max - d) / base)
                        return -EIO;
                v = v * base + d;
        }
        if (digits == 0)
                return -EIO;
        *p = s;
        *ret = v;
        return 0;
}

/* "Uid:\treal\teffective\tsaved\tfs": the first three. */
static int parse_ids(const char *text, const char *key, uint32_t ids[3])
{
        const char *p = status_field(text, key);
        uint64_t v;

        if (!p)
                return -EIO;
        for (int i = 0; i < 3; i++) {
                if (parse_number(&p, 10, UINT32_MAX, &v) < 0)
                        return -EIO;
                ids[i] = (uint32_t) v;
        }
        return 0;
}

static int parse_field(const char *text, const char *key, unsigned base, uint64_t max, uint64_t *ret)
{
        const char *p = status_field(text, key);

        return p ? parse_number(&p, base, max, ret) : -EIO;
}

/* Past MOUNT_FUSE_MAX_GROUPS the rest are dropped: fewer groups can deny, never
 * allow too much. */
static int parse_groups(const char *text, struct mount_fuse_creds *c)
{
        const char *p = status_field(text, "Groups");
        uint64_t v;

        if (!p)
                return -EIO;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '\n' || *p == '\0')
                        return 0;
                if (parse_number(&p, 10, UINT32_MAX, &v) < 0)
                        return -EIO;
                if (c->n_groups < MOUNT_FUSE_MAX_GROUPS)
                        c->groups[c->n_groups++] = (uint32_t) v;
        }
}

int mount_fuse_parse_status(const char *text, struct mount_fuse_creds *ret)
{
        struct mount_fuse_creds c = {};
        uint64_t nnp, umask_v;

        if (parse_ids(text, "Uid", c.uid) < 0 || parse_ids(text, "Gid", c.gid) < 0 || parse_groups(text, &c) < 0 ||
            parse_field(text, "CapInh", 16, UINT64_MAX, &c.cap_inh) < 0 ||
            parse_field(text, "CapPrm", 16, UINT64_MAX, &c.cap_prm) < 0 ||
            parse_field(text, "CapEff", 16, UINT64_MAX, &c.cap_eff) < 0 ||
            parse_field(text, "CapBnd", 16, UINT64_MAX, &c.cap_bnd) < 0 ||
            parse_field(text, "CapAmb", 16, UINT64_MAX, &c.cap_amb) < 0 ||
            parse_field(text, "NoNewPrivs", 10, 1, &nnp) < 0 || parse_field(text, "Umask", 8, 0777, &umask_v) < 0)
                return -EIO;
        c.no_new_privs = nnp;
        c.umask = (mode_t) umask_v;
        *ret = c;
        return 0;
}

static int read_idmap(const struct target *t, const char *which, struct idmap *ret)
{
        _cleanup_free_ char *text = malloc(IDMAP_TEXT_MAX);
        int r;

        if (!text)
                return -ENOMEM;
        r = target_read_idmap_text(t, which, text, IDMAP_TEXT_MAX);
        if (r < 0)
                return r;
        return idmap_parse(text, (size_t) r, ret) < 0 ? -EIO : 0;
}

/* Host ids to the caller's namespace. An unmapped uid or gid could not be set
 * there (-EPERM); an unmapped group is dropped. */
static int translate(const struct target *t, struct mount_fuse_creds *c)
{
        _cleanup_free_ struct idmap *uids = malloc(sizeof(*uids)), *gids = malloc(sizeof(*gids));
        size_t n = 0;
        int r;

        if (!uids || !gids)
                return -ENOMEM;
        r = read_idmap(t, "uid_map", uids);
        if (r == 0)
                r = read_idmap(t, "gid_map", gids);
        if (r < 0)
                return r;
        for (int i = 0; i < 3; i++)
                if (idmap_to_inner(uids, c->uid[i], &c->uid[i]) < 0 || idmap_to_inner(gids, c->gid[i], &c->gid[i]) < 0)
                        return -EPERM;
        for (size_t i = 0; i < c->n_groups; i++)
                if (idmap_to_inner(gids, c->groups[i], &c->groups[n]) == 0)
                        n++;
        c->n_groups = n;
        return 0;
}

static int read_creds(const struct target *t, bool userns, struct mount_fuse_creds *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_bounded(t->proc_fd, "status", STATUS_MAX, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EIO : r;
        r = mount_fuse_parse_status(text, ret);
        if (r < 0)
                return r;
        return userns ? translate(t, ret) : 0;
}

/* ---- the rest of what the program inherits ---- */

static int read_limits(const struct target *t, struct mount_fuse_job *job)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        long v;
        char *end;
        int r;

        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (prlimit(t->pid, (__rlimit_resource_t) i, NULL, &job->rlimits[i]) < 0)
                        return -errno;
        r = read_file_bounded(t->proc_fd, "oom_score_adj", 32, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EIO : r;
        errno = 0;
        v = strtol(text, &end, 10);
        if (errno != 0 || end == text || (*end != '\n' && *end != '\0') || v < -1000 || v > 1000)
                return -EIO;
        job->oom_score_adj = (int) v;
        return 0;
}

/* The caller's namespaces that are not ours already. Joining one of ours would
 * be checked against the caller's user namespace and fail (the host's time or
 * network namespace is not the container's to enter). */
static int ns_flags(const struct target *t, bool userns)
{
        int flags = userns ? CLONE_NEWUSER : 0;
        char theirs[32], ours[32];
        struct stat a, b;

        for (size_t i = 0; i < ARRAY_SIZE(namespaces); i++) {
                snprintf(theirs, sizeof(theirs), "ns/%s", namespaces[i].name);
                snprintf(ours, sizeof(ours), "/proc/self/ns/%s", namespaces[i].name);
                /* A namespace type the kernel lacks has no file (time: 5.6+). */
                if (fstatat(t->proc_fd, theirs, &a, 0) < 0 || stat(ours, &b) < 0)
                        continue;
                if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        flags |= namespaces[i].flag;
        }
        return flags;
}

/* |path| as the caller wrote it, made "/"-based from its cwd when relative. */
static int absolute(const struct target *t, const char *path, char *buf, size_t size)
{
        char cwd[PATH_MAX];
        int r;

        if (path[0] == '/') {
                if ((size_t) snprintf(buf, size, "%s", path) >= size)
                        return -ENAMETOOLONG;
                return 0;
        }
        r = target_dir_path(t, AT_FDCWD, cwd, sizeof(cwd));
        if (r < 0)
                return r;
        if ((size_t) snprintf(buf, size, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path) >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* Whether |path| ("/"-based) names something inside the caller's root. */
static bool exists_in_root(int root_fd, const char *path)
{
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        long fd = -1;

        for (int i = 0; i < RESOLVE_RETRIES; i++) {
                fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        if (fd < 0)
                return false;
        safe_close((int) fd);
        return true;
}

/* Like mount(8): a source that names a file is made absolute (the program may
 * chdir before it opens it); anything else (a label, "host:path") is passed as
 * written, and a missing one as "none". */
static int make_source(const struct target *t, int root_fd, const char *source, char *buf, size_t size)
{
        if (!source || source[0] == '\0')
                source = "none";
        if (source[0] != '/' && absolute(t, source, buf, size) == 0 && exists_in_root(root_fd, buf))
                return 0;
        if ((size_t) snprintf(buf, size, "%s", source) >= size)
                return -ENAMETOOLONG;
        return 0;
}

struct mount_fuse_job *mount_fuse_job_free(struct mount_fuse_job *job)
{
        if (!job)
                return NULL;
        safe_close(job->pidfd);
        safe_close(job->root_fd);
        for (size_t i = 0; i < job->n_cgroup_fds; i++)
                safe_close(job->cgroup_fds[i]);
        free(job);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mount_fuse_job *, mount_fuse_job_free);

static int fill(const struct request *req, const struct mount_params *p, const struct target *t,
                const struct nshelper_request *hreq, struct mount_fuse_job *job)
{
        const char *program = mount_fuse_program(p, req->strs[2]);
        struct policy_caller caller;
        int r;

        if (!program || !req->strs[1])
                return -EINVAL;
        if ((size_t) snprintf(job->program, sizeof(job->program), "%s", program) >= sizeof(job->program))
                return -ENAMETOOLONG;
        job->timeout_ms = p->timeout_ms ? p->timeout_ms : 30000;
        job->root_fd = target_open_root(t);
        if (job->root_fd < 0)
                return job->root_fd;
        r = absolute(t, req->strs[1], job->target, sizeof(job->target));
        if (r == 0)
                r = make_source(t, job->root_fd, req->strs[0], job->source, sizeof(job->source));
        if (r == 0)
                r = mount_fuse_options(hreq->flags, hreq->data, job->options, sizeof(job->options));
        if (r < 0)
                return r;
        r = target_read_caller(t, &caller);
        if (r == 0)
                r = read_creds(t, caller.userns, &job->creds);
        if (r == 0)
                r = read_limits(t, job);
        if (r < 0)
                return r;
        job->ns_flags = ns_flags(t, caller.userns);
        r = cgroup_open_procs(t->proc_fd, job->cgroup_fds, ARRAY_SIZE(job->cgroup_fds));
        if (r < 0)
                return r;
        job->n_cgroup_fds = (size_t) r;
        job->pidfd = fcntl(t->pidfd, F_DUPFD_CLOEXEC, 3);
        return job->pidfd < 0 ? -errno : 0;
}

int mount_fuse_prepare(const struct request *req, const struct mount_params *p, const struct target *t,
                       const struct nshelper_request *hreq, struct mount_fuse_job **ret)
{
        _cleanup_(mount_fuse_job_freep) struct mount_fuse_job *job = calloc(1, sizeof(*job));
        int r;

        if (!job)
                return -ENOMEM;
        job->pidfd = job->root_fd = -EBADF;
        r = fill(req, p, t, hreq, job);
        if (r < 0)
                return r;
        /* Everything read above (prlimit goes by pid number) was the caller's. */
        r = target_still_valid(t);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(job);
        return 0;
}

/* ---- the outcome ---- */

const char *mount_fuse_step_to_string(enum mount_fuse_step s)
{
        static const char *const names[_MOUNT_FUSE_STEP_MAX] = {
                [MOUNT_FUSE_STEP_DONE] = "done",
                [MOUNT_FUSE_STEP_SETUP] = "setup",
                [MOUNT_FUSE_STEP_CGROUP] = "cgroup",
                [MOUNT_FUSE_STEP_LIMITS] = "limits",
                [MOUNT_FUSE_STEP_SETNS] = "setns",
                [MOUNT_FUSE_STEP_ROOT] = "root",
                [MOUNT_FUSE_STEP_CREDS] = "credentials",
                [MOUNT_FUSE_STEP_FORK] = "fork",
                [MOUNT_FUSE_STEP_EXEC] = "exec",
                [MOUNT_FUSE_STEP_TIMEOUT] = "timeout",
                [MOUNT_FUSE_STEP_EXIT] = "exit status",
                [MOUNT_FUSE_STEP_SIGNAL] = "killed by signal",
                [MOUNT_FUSE_STEP_NOT_MOUNTED] = "nothing mounted",
                [MOUNT_FUSE_STEP_LOST] = "spawner lost",
        };

        return (unsigned) s < _MOUNT_FUSE_STEP_MAX ? names[s] : "invalid";
}

int mount_fuse_errno(const struct mount_fuse_outcome *o)
{
        switch (o->step) {
        case MOUNT_FUSE_STEP_DONE:
                return 0;
        case MOUNT_FUSE_STEP_TIMEOUT:
                return -ETIMEDOUT;
        case MOUNT_FUSE_STEP_EXEC:
                if (o->error == ENOENT || o->error == EACCES || o->error == ENOEXEC || o->error == ENOTDIR ||
                    o->error == ELOOP || o->error == EISDIR)
                        return -ENODEV;
                break;
        case MOUNT_FUSE_STEP_EXIT:
        case MOUNT_FUSE_STEP_SIGNAL:
        case MOUNT_FUSE_STEP_NOT_MOUNTED:
        case MOUNT_FUSE_STEP_LOST:
                return -EIO;
        default:
                break;
        }
        return o->error > 0 && o->error <= 4095 ? -o->error : -EIO;
}
