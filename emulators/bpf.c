/* bpf(2) emulation for cgroup device programs (libbpf on the host side).
 *
 * A program may only narrow what the container may already do: it is attached
 * below the container's own cgroup, always with BPF_F_ALLOW_MULTI, and only
 * where no ancestor's device program allows override (an overriding child would
 * replace that program instead of running after it). The container detaches and
 * replaces only what it attached itself; all of it is detached when it goes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/macro.h"
#include "emulators/bpf.h"
#include "emulators/bpf_attr.h"
#include "emulators/cgroup.h"

#define LICENSE_MAX 128        /* the kernel reads at most 127 bytes of it */
#define LOG_MAX (16u << 20)     /* verifier log bytes seccompd keeps per load */
#define QUERY_MAX 4096          /* program ids per query */
#define WALK_MAX 512            /* cgroup depth (the kernel's own limit is lower) */
#define ATTACH_FLAGS_KNOWN (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE)

struct attachment {
        int cg_fd;     /* host fd of the cgroup */
        int prog_fd;
        uint64_t cg_id;
        uint32_t prog_id;
};

struct bpf_container {
        char *cgroup2;          /* as registered; NULL: none */
        int root_fd;            /* the host's cgroup2 root, opened on first use */
        int cg_fd;              /* the container's cgroup */
        struct stat root_st, cg_st;
        size_t n, cap;
        struct attachment *v;
};

struct bpf_container *bpf_container_new(const char *cgroup2)
{
        struct bpf_container *b = calloc(1, sizeof(*b));

        if (!b)
                return NULL;
        b->root_fd = b->cg_fd = -EBADF;
        if (cgroup2) {
                b->cgroup2 = strdup(cgroup2);
                if (!b->cgroup2) {
                        free(b);
                        return NULL;
                }
        }
        return b;
}

static void attachment_drop(struct attachment *a, bool detach)
{
        if (detach)
                (void) bpf_prog_detach2(a->prog_fd, a->cg_fd, BPF_CGROUP_DEVICE); /* ENOENT: cgroup gone */
        safe_close(a->cg_fd);
        safe_close(a->prog_fd);
}

void bpf_container_free(struct bpf_container *b)
{
        if (!b)
                return;
        for (size_t i = 0; i < b->n; i++)
                attachment_drop(&b->v[i], true);
        free(b->v);
        safe_close(b->root_fd);
        safe_close(b->cg_fd);
        free(b->cgroup2);
        free(b);
}

size_t bpf_container_attached(const struct bpf_container *b)
{
        return b ? b->n : 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Opens the container's cgroup on first use. -ENOENT: it has none of its own. */
static int container_cgroup(struct bpf_container *b)
{
        _cleanup_close_ int root = -EBADF, cg = -EBADF;

        if (b->cg_fd >= 0)
                return 0;
        /* The root cgroup is everybody's: a container there has no cgroup to narrow. */
        if (!b->cgroup2 || strcmp(b->cgroup2, "/") == 0)
                return -ENOENT;
        root = cgroup2_open_root();
        if (root < 0)
                return -ENOENT;
        cg = cgroup2_open_path(root, b->cgroup2);
        if (cg < 0)
                return -ENOENT;
        if (fstat(root, &b->root_st) < 0 || fstat(cg, &b->cg_st) < 0)
                return -errno;
        b->root_fd = TAKE_FD(root);
        b->cg_fd = TAKE_FD(cg);
        return 0;
}

#define CAP_BIT(c) (UINT64_C(1) << (c))

/* 1 if the caller has |a| or |b| in its effective set, 0 if not, -errno. */
static int capable_either(const struct target *t, int a, int b)
{
        uint64_t caps;
        int r = target_caps(t, CAP_BIT(a) | CAP_BIT(b), &caps);

        return r < 0 ? r : caps != 0;
}

static int refuse(struct bpf_result *res, int error, const char *why)
{
        res->why = why;
        return -error;
}

/* A call seccompd does not emulate: what the policy's other_types says. */
static int other(const struct bpf_params *p, struct bpf_result *res, const char *why)
{
        return p->other_types ? refuse(res, p->other_types, why) : BPF_EMULATE_CONTINUE;
}

static int need_net_admin(const struct target *t, struct bpf_result *res)
{
        int r = capable_either(t, CAP_NET_ADMIN, CAP_SYS_ADMIN);

        return r < 0 ? r : r ? 0 : refuse(res, EPERM, "bpf: the caller lacks CAP_NET_ADMIN in its user namespace");
}

static int prog_id(int fd, uint32_t *ret_id, uint32_t *ret_type)
{
        struct bpf_prog_info info = { 0 };
        uint32_t len = sizeof(info);
        int r = bpf_obj_get_info_by_fd(fd, &info, &len);

        if (r < 0)
                return r;
        *ret_id = info.id;
        if (ret_type)
                *ret_type = info.type;
        return 0;
}

/* The caller's program fd |fd| as ours. EBADF (no such fd), EINVAL (not a
 * program, or not a device program), as bpf_prog_get_type() says. */
static int caller_prog(const struct target *t, uint32_t fd, uint32_t *ret_id)
{
        _cleanup_close_ int prog = target_getfd(t, (int) fd);
        uint32_t type;

        if (prog < 0)
                return prog == -ESRCH ? -ENOENT : -EBADF;
        if (prog_id(prog, ret_id, &type) < 0 || type != BPF_PROG_TYPE_CGROUP_DEVICE)
                return -EINVAL;
        return TAKE_FD(prog);
}

/* ---- where a cgroup lies ---- */

/* Walks from the host cgroup |fd| up to the root. *ret_depth: how far below the
 * container's cgroup |fd| is (0: that cgroup itself), -1 when it is not inside.
 * *ret_override (only looked up when not NULL: one query per ancestor): an
 * ancestor of |fd| has device programs attached without BPF_F_ALLOW_MULTI (a
 * program at |fd| would replace theirs). */
static int walk_up(const struct bpf_container *b, int fd, int *ret_depth, bool *ret_override)
{
        _cleanup_close_ int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        int depth = -1;

        if (ret_override)
                *ret_override = false;
        if (cur < 0)
                return -errno;
        for (int level = 0; level < WALK_MAX; level++) {
                struct stat st;
                int parent;

                if (fstat(cur, &st) < 0)
                        return -errno;
                if (depth < 0 && same_file(&st, &b->cg_st))
                        depth = level;
                if (ret_override && level > 0) {
                        LIBBPF_OPTS(bpf_prog_query_opts, q);
                        if (bpf_prog_query_opts(cur, BPF_CGROUP_DEVICE, &q) == 0 && q.prog_cnt > 0 &&
                            !(q.attach_flags & BPF_F_ALLOW_MULTI))
                                *ret_override = true;
                }
                if (same_file(&st, &b->root_st)) {
                        *ret_depth = depth;
                        return 0;
                }
                parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (parent < 0)
                        return -errno;
                safe_close(cur);
                cur = parent;
        }
        return -ELOOP;
}

/* The caller's cgroup fd |fd| reopened on the host, *ret_depth and
 * *ret_override (may be NULL) as walk_up says (depth never -1: outside is
 * refused here). */
static int caller_cgroup(struct bpf_container *b, const struct bpf_params *p, const struct target *t, uint32_t fd,
                         int *ret_depth, bool *ret_override, struct bpf_result *res)
{
        _cleanup_close_ int theirs = -EBADF, ours = -EBADF;
        int r;

        if (container_cgroup(b) < 0)
                return refuse(res, p->no_cgroup2, "bpf: the container has no cgroup2 cgroup of its own "
                              "(cgroup v1 only?): device programs cannot be attached for it");
        theirs = target_getfd(t, (int) fd);
        if (theirs < 0)
                return theirs == -ESRCH ? -ENOENT : -EBADF;
        ours = cgroup2_reopen(b->root_fd, theirs);
        if (ours == -EBADF)
                return -EBADF; /* not a cgroup2 directory, as cgroup_get_from_fd() says */
        if (ours < 0)
                return refuse(res, EPERM, "bpf: the cgroup is not one seccompd can find on the host");
        r = walk_up(b, ours, ret_depth, ret_override);
        if (r < 0)
                return r;
        if (*ret_depth < 0)
                return refuse(res, EPERM, "bpf: the cgroup is outside the container's cgroup");
        return TAKE_FD(ours);
}

/* ---- the tracked attachments ---- */

static struct attachment *find_attachment(struct bpf_container *b, uint64_t cg_id, uint32_t prog_id)
{
        for (size_t i = 0; i < b->n; i++)
                if (b->v[i].cg_id == cg_id && b->v[i].prog_id == prog_id)
                        return &b->v[i];
        return NULL;
}

static void remove_attachment(struct bpf_container *b, struct attachment *a)
{
        attachment_drop(a, false);
        *a = b->v[--b->n];
}

static int add_attachment(struct bpf_container *b, struct attachment a)
{
        if (b->n == b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 4;
                struct attachment *v = reallocarray(b->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                b->v = v;
                b->cap = cap;
        }
        b->v[b->n++] = a;
        return 0;
}

static uint64_t cgroup_id(int fd)
{
        struct stat st;

        /* On cgroup2 the inode number is the cgroup id. */
        return fstat(fd, &st) < 0 ? 0 : (uint64_t) st.st_ino;
}

/* ---- BPF_PROG_LOAD ---- */

static int read_license(const struct target *t, uint64_t addr, char *buf)
{
        int r = target_read_str(t, addr, buf, LICENSE_MAX - 1);

        /* The kernel takes the first 127 bytes of a longer one. */
        buf[LICENSE_MAX - 1] = '\0';
        if (r == -ESRCH)
                return -ENOENT;
        if (r == -ENAMETOOLONG)
                return target_budget_draw(t->budget, LICENSE_MAX - 1);
        return r >= 0 ? 0 : r;
}

static int read_insns(const struct target *t, const union bpf_attr *a, struct bpf_insn **ret)
{
        _cleanup_free_ struct bpf_insn *insns = calloc(a->insn_cnt, sizeof(*insns));
        int r;

        if (!insns)
                return -ENOMEM;
        r = target_read(t, a->insns, insns, (size_t) a->insn_cnt * sizeof(*insns));
        if (r < 0)
                return r;
        r = bpf_insns_check(insns, a->insn_cnt);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(insns);
        return 0;
}

/* The verifier's log into the caller's buffer, NUL included, as the kernel
 * writes it: EFAULT when that buffer is not writable. */
static int write_log(const struct target *t, const union bpf_attr *a, const char *log, size_t size)
{
        size_t len = strnlen(log, size);

        return target_write_mem(t->pid, a->log_buf, log, len < size ? len + 1 : size);
}

static int load_checks(const struct target *t, const union bpf_attr *a,
                       struct bpf_result *res)
{
        uint64_t caps;
        int r = target_caps(t, CAP_BIT(CAP_BPF) | CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_SYS_ADMIN), &caps);

        if (r < 0)
                return r;
        /* One read for both checks: a load needs them together. */
        if (!(caps & (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_SYS_ADMIN))))
                return refuse(res, EPERM, "bpf: the caller lacks CAP_BPF in its user namespace");
        if (!(caps & (CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_SYS_ADMIN))))
                return refuse(res, EPERM, "bpf: the caller lacks CAP_NET_ADMIN in its user namespace");
        if (bpf_attr_check_load(a) < 0)
                return refuse(res, EINVAL, "bpf: the load uses fds, BTF, offload or prog flags seccompd "
                              "does not carry to the host");
        return 0;
}

static int prog_load(const struct bpf_params *p, const struct target *t, const union bpf_attr *a,
                     struct bpf_result *res)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_free_ char *log = NULL;
        char license[LICENSE_MAX];
        uint32_t log_size = 0;
        int fd, r;

        if (a->prog_type != BPF_PROG_TYPE_CGROUP_DEVICE)
                return other(p, res, "bpf: only cgroup device programs are emulated");
        r = load_checks(t, a, res);
        if (r < 0)
                return r;
        r = read_license(t, a->license, license);
        if (r < 0)
                return r;
        if (a->insn_cnt == 0 || a->insn_cnt > p->max_insns)
                return refuse(res, E2BIG, a->insn_cnt ? "bpf: more instructions than the policy's max_insns" : NULL);
        r = read_insns(t, a, &insns);
        if (r == -EINVAL)
                return refuse(res, EINVAL, "bpf: the program refers to maps, BTF or kfuncs by fd");
        if (r < 0)
                return r;
        if (bpf_attr_check_name(a) < 0 || bpf_attr_check_log(a) < 0)
                return -EINVAL;
        if (a->log_buf) {
                log_size = a->log_size < LOG_MAX ? a->log_size : LOG_MAX;
                log = calloc(1, log_size);
                if (!log)
                        return -ENOMEM;
        }
        r = target_still_valid(t);
        if (r < 0)
                return r;
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = a->expected_attach_type,
                    .prog_flags = a->prog_flags, .kern_version = a->kern_version,
                    .log_level = log ? a->log_level : 0, .log_size = log_size, .log_buf = log);
        fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, a->prog_name[0] ? a->prog_name : NULL, license, insns,
                           a->insn_cnt, &opts);
        if (log) {
                r = write_log(t, a, log, log_size);
                if (r < 0) {
                        safe_close(fd);
                        return r == -ESRCH ? -ENOENT : r;
                }
        }
        if (fd < 0)
                return fd;
        res->fd = fd;
        return 0;
}

/* ---- BPF_PROG_ATTACH / BPF_PROG_DETACH ---- */

static int attach_checks(const struct bpf_params *p, const struct target *t, const union bpf_attr *a,
                         struct bpf_result *res)
{
        if (a->attach_type != BPF_CGROUP_DEVICE)
                return other(p, res, "bpf: only BPF_CGROUP_DEVICE attachments are emulated");
        if (a->attach_flags & ~(uint32_t) ATTACH_FLAGS_KNOWN)
                return -EINVAL;
        if ((a->attach_flags & BPF_F_REPLACE) && !(a->attach_flags & BPF_F_ALLOW_MULTI))
                return -EINVAL;
        if (a->attach_flags & BPF_F_ALLOW_OVERRIDE)
                return refuse(res, EPERM, "bpf: BPF_F_ALLOW_OVERRIDE would let a sub-cgroup replace the program");
        return need_net_admin(t, res);
}

/* For BPF_F_REPLACE: the attachment being replaced, which must be the container's own. */
static int replaced(struct bpf_container *b, const struct target *t, const union bpf_attr *a, uint64_t cg_id,
                    struct attachment **ret, struct bpf_result *res)
{
        _cleanup_close_ int old = -EBADF;
        uint32_t id;

        *ret = NULL;
        if (!(a->attach_flags & BPF_F_REPLACE))
                return 0;
        old = caller_prog(t, a->replace_bpf_fd, &id);
        if (old < 0)
                return old;
        *ret = find_attachment(b, cg_id, id);
        return *ret ? 0 : refuse(res, EPERM, "bpf: BPF_F_REPLACE of a program the container did not attach there");
}

static int prog_attach(const struct bpf_params *p, const struct target *t, struct bpf_container *b,
                       const union bpf_attr *a, struct bpf_result *res)
{
        _cleanup_close_ int prog = -EBADF, cg = -EBADF;
        struct attachment *old;
        bool override;
        uint32_t id;
        uint64_t cg_id;
        int depth, r;

        r = attach_checks(p, t, a, res);
        if (r != 0)
                return r;
        prog = caller_prog(t, a->attach_bpf_fd, &id);
        if (prog < 0)
                return prog;
        cg = caller_cgroup(b, p, t, a->target_fd, &depth, &override, res);
        if (cg < 0)
                return cg;
        if (depth == 0 && !p->attach_root)
                return refuse(res, EPERM, "bpf: attach to the container's own cgroup (the policy's attach_root "
                              "is false)");
        if (override)
                return refuse(res, EPERM, "bpf: an ancestor cgroup's device program allows override: a program "
                              "here would replace it");
        cg_id = cgroup_id(cg);
        r = replaced(b, t, a, cg_id, &old, res);
        if (r < 0)
                return r;
        if (!old && b->n >= p->max_programs)
                return refuse(res, E2BIG, "bpf: the container has attached the policy's max_programs");
        r = target_still_valid(t);
        if (r < 0)
                return r;
        LIBBPF_OPTS(bpf_prog_attach_opts, opts, .flags = BPF_F_ALLOW_MULTI | (old ? BPF_F_REPLACE : 0),
                    .replace_prog_fd = old ? old->prog_fd : 0);
        r = bpf_prog_attach_opts(prog, cg, BPF_CGROUP_DEVICE, &opts);
        if (r < 0)
                return r;
        if (old)
                remove_attachment(b, old);
        r = add_attachment(b, (struct attachment) { .cg_fd = cg, .prog_fd = prog, .cg_id = cg_id, .prog_id = id });
        if (r < 0) {
                /* Nothing may stay attached that is not tracked for the detach at exit. */
                (void) bpf_prog_detach2(prog, cg, BPF_CGROUP_DEVICE);
                return r;
        }
        TAKE_FD(cg);
        TAKE_FD(prog);
        return 0;
}

/* Whether program |id| is attached at |cg| at all (someone else's: EPERM; none: ENOENT). */
static int attached_elsewhere(int cg, uint32_t id)
{
        uint32_t ids[64];
        LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = ARRAY_SIZE(ids));

        if (bpf_prog_query_opts(cg, BPF_CGROUP_DEVICE, &q) < 0 && errno != ENOSPC)
                return -ENOENT;
        for (uint32_t i = 0; i < q.prog_cnt && i < ARRAY_SIZE(ids); i++)
                if (ids[i] == id)
                        return -EPERM;
        return -ENOENT;
}

static int prog_detach(const struct bpf_params *p, const struct target *t, struct bpf_container *b,
                       const union bpf_attr *a, struct bpf_result *res)
{
        _cleanup_close_ int prog = -EBADF, cg = -EBADF;
        struct attachment *at;
        uint32_t id;
        int depth, r;

        if (a->attach_type != BPF_CGROUP_DEVICE)
                return other(p, res, "bpf: only BPF_CGROUP_DEVICE attachments are emulated");
        r = need_net_admin(t, res);
        if (r < 0)
                return r;
        cg = caller_cgroup(b, p, t, a->target_fd, &depth, NULL, res);
        if (cg < 0)
                return cg;
        /* With BPF_F_ALLOW_MULTI the kernel wants the program: no program, EINVAL. */
        prog = caller_prog(t, a->attach_bpf_fd, &id);
        if (prog < 0)
                return prog == -ENOENT ? prog : -EINVAL;
        at = find_attachment(b, cgroup_id(cg), id);
        if (!at) {
                r = attached_elsewhere(cg, id);
                return r == -EPERM ? refuse(res, EPERM, "bpf: detach of a program the container did not attach") : r;
        }
        r = target_still_valid(t);
        if (r < 0)
                return r;
        r = bpf_prog_detach2(at->prog_fd, at->cg_fd, BPF_CGROUP_DEVICE);
        if (r < 0 && r != -ENOENT)
                return r;
        remove_attachment(b, at);
        return r;
}

/* ---- BPF_PROG_QUERY ---- */

/* The kernel writes attach_flags and prog_cnt into the caller's attr, then the ids. */
static int query_write(const struct target *t, uint64_t attr, const union bpf_attr *a,
                       const struct bpf_prog_query_opts *q, const uint32_t *ids, const uint32_t *flags, uint32_t n)
{
        int r = target_write_mem(t->pid, attr + offsetof(union bpf_attr, query.attach_flags), &q->attach_flags,
                                 sizeof(q->attach_flags));

        if (r == 0)
                r = target_write_mem(t->pid, attr + offsetof(union bpf_attr, query.prog_cnt), &q->prog_cnt,
                                     sizeof(q->prog_cnt));
        if (r == 0 && n && ids)
                r = target_write_mem(t->pid, a->query.prog_ids, ids, n * sizeof(*ids));
        if (r == 0 && n && flags)
                r = target_write_mem(t->pid, a->query.prog_attach_flags, flags, n * sizeof(*flags));
        return r == -ESRCH ? -ENOENT : r;
}

static int prog_query(const struct bpf_params *p, const struct target *t, struct bpf_container *b,
                      const union bpf_attr *a, uint64_t attr, struct bpf_result *res)
{
        _cleanup_free_ uint32_t *ids = NULL, *flags = NULL;
        _cleanup_close_ int cg = -EBADF;
        uint32_t cap = a->query.prog_ids ? a->query.prog_cnt : 0, n;
        int depth, r;

        if (a->query.attach_type != BPF_CGROUP_DEVICE)
                return other(p, res, "bpf: only BPF_CGROUP_DEVICE attachments are emulated");
        if (a->query.query_flags & ~(uint32_t) BPF_F_QUERY_EFFECTIVE)
                return -EINVAL;
        if ((a->query.query_flags & BPF_F_QUERY_EFFECTIVE) && a->query.prog_attach_flags)
                return -EINVAL;
        r = need_net_admin(t, res);
        if (r < 0)
                return r;
        cg = caller_cgroup(b, p, t, a->query.target_fd, &depth, NULL, res);
        if (cg < 0)
                return cg;
        cap = cap < QUERY_MAX ? cap : QUERY_MAX;
        ids = cap ? calloc(cap, sizeof(*ids)) : NULL;
        flags = cap && a->query.prog_attach_flags ? calloc(cap, sizeof(*flags)) : NULL;
        if (cap && (!ids || (a->query.prog_attach_flags && !flags)))
                return -ENOMEM;
        LIBBPF_OPTS(bpf_prog_query_opts, q, .query_flags = a->query.query_flags, .prog_ids = ids, .prog_cnt = cap,
                    .prog_attach_flags = flags);
        r = bpf_prog_query_opts(cg, BPF_CGROUP_DEVICE, &q);
        if (r < 0 && r != -ENOSPC)
                return r;
        n = q.prog_cnt < cap ? q.prog_cnt : cap;
        r = query_write(t, attr, a, &q, ids, flags, n);
        return r < 0 ? r : q.prog_cnt > cap && cap ? -ENOSPC : 0;
}

int bpf_emulate(const struct request *req, const struct bpf_params *p, const struct target *t,
                struct bpf_container *b, struct bpf_result *res)
{
        const __u64 *args = req->notif.data.args;
        uint32_t cmd = (uint32_t) args[0], size = (uint32_t) args[2];
        uint8_t raw[BPF_ATTR_MAX];
        union bpf_attr a;
        int r;

        if (cmd != BPF_PROG_LOAD && cmd != BPF_PROG_ATTACH && cmd != BPF_PROG_DETACH && cmd != BPF_PROG_QUERY)
                return other(p, res, "bpf: command not emulated");
        if (size > BPF_ATTR_MAX)
                return -E2BIG;
        if (size) {
                r = target_read(t, args[1], raw, size);
                if (r < 0)
                        return r == -ESRCH ? -ENOENT : r;
        }
        r = bpf_attr_decode((int) cmd, raw, size, &a);
        if (r < 0)
                return r;
        switch (cmd) {
        case BPF_PROG_LOAD:
                return prog_load(p, t, &a, res);
        case BPF_PROG_ATTACH:
                return prog_attach(p, t, b, &a, res);
        case BPF_PROG_DETACH:
                return prog_detach(p, t, b, &a, res);
        default:
                return prog_query(p, t, b, &a, args[1], res);
        }
}
