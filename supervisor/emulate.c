/* EMULATE and INJECT verdicts. Synchronous emulators act on what was read in
 * step 3 and answer at once; mount goes through the namespace helper. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/bpf.h"
#include "emulators/inject.h"
#include "emulators/mknod.h"
#include "emulators/mount.h"
#include "emulators/mount_fuse.h"
#include "emulators/sysinfo.h"
#include "emulators/target.h"
#include "emulators/xattr.h"
#include "policy/policy.h"
#include "policy/schema.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/emulate.h"
#include "supervisor/survive.h"
#include "supervisor/fuse_run.h"
#include "supervisor/helper_link.h"

#define COUNTER(field) offsetof(struct stats_counters, field)

/* What an emulator gets: the request, the policy's params, the pinned caller;
 * and where it leaves an fd for the caller and the reason for a refusal. */
struct emulate_ctx {
        struct notification *n;
        const union handler_params *p;
        const struct target *t;
        int *fd_out;       /* >= 0: the call's result is this fd, installed in the caller */
        const char **why;  /* a refusal's reason, logged once */
};

/* 0 or -errno: the call's result; 1: answered later (async). */
typedef int (*emulator_fn)(const struct emulate_ctx *e);

static int run_mknod(const struct emulate_ctx *e)
{
        if (e->p && !mknod_params_allow(&e->p->mknod, &e->n->req))
                return -EPERM;
        return mknod_emulate(&e->n->req, e->t);
}

static int run_xattr(const struct emulate_ctx *e)
{
        if (!e->p)
                return -EPERM;
        return xattr_emulate(&e->n->req, &e->p->xattr, e->t);
}

static int run_sysinfo(const struct emulate_ctx *e)
{
        struct container *c = e->n->listener->container;
        struct container_view v = { .init_pidfd = c->pidfd, .init_pid = c->init_pid };

        return sysinfo_emulate(&e->n->req, &v, e->t);
}

/* Hands the call back to the kernel (a handler that finds the call is not its own). */
static int run_continue(struct notification *n)
{
        n->verdict.kind = VERDICT_CONTINUE;
        dispatch_finish(n, 0, 0, COUNTER(continued));
        return 1;
}

/* A FUSE redirect: the program mounts, spawned by the daemon, watched by the loop. */
static int run_fuse(const struct emulate_ctx *e, const struct mount_params *mp, const struct mount_job *job)
{
        struct mount_fuse_job *fj = NULL;
        int r;

        r = mount_fuse_prepare(&e->n->req, mp, e->t, &job->req, &fj);
        if (r < 0)
                return r;
        r = fuse_run_start(e->n->listener->container->daemon, e->n, fj);
        mount_fuse_job_free(fj);
        return r < 0 ? r : 1;
}

/* A mount the helper would queue behind its helper_queue limit fails now
 * (answered: true) rather than wait its turn. */
static bool helper_queue_full(struct notification *n)
{
        struct policy_limits lim;

        dispatch_limits(n, &lim);
        if (helper_link_queued(n->listener->container) < lim.helper_queue)
                return false;
        dispatch_limited(n, "helper_queue", lim.helper_queue);
        return true;
}

/* Prepared here (checks, resolution, fds), performed by the helper, or by a
 * FUSE program. MOUNT_CONTINUE from mount_prepare means "not ours": the kernel
 * runs the call. */
static int run_mount(const struct emulate_ctx *e)
{
        const struct mount_params *mp;
        struct mount_job job;
        int r;

        if (!e->p)
                return -EPERM;
        mp = &e->p->mount;
        e->n->timeout_error = mp->timeout_error > 0 ? mp->timeout_error : ETIMEDOUT;
        r = mount_prepare(&e->n->req, mp, e->t, &job);
        if (r == MOUNT_CONTINUE) {
                mount_job_done(&job);
                return run_continue(e->n);
        }
        if (r == MOUNT_FUSE)
                r = run_fuse(e, mp, &job);
        else if (r == 0 && helper_queue_full(e->n))
                r = 1;
        else if (r == 0) {
                r = helper_link_submit(e->n->listener->container, e->n, &job, mp->timeout_ms ? mp->timeout_ms : 30000);
                if (r == 0)
                        r = 1;
        }
        mount_job_done(&job);
        return r;
}

static int run_bpf(const struct emulate_ctx *e)
{
        struct container *c = e->n->listener->container;
        struct bpf_result res = BPF_RESULT_NULL;
        int r;

        if (!e->p)
                return -EPERM;
        if (!c->bpf) {
                c->bpf = bpf_container_new(c->cgroup2);
                if (!c->bpf)
                        return -ENOMEM;
        }
        r = bpf_emulate(&e->n->req, &e->p->bpf, e->t, c->bpf, &res);
        *e->why = res.why;
        if (r == BPF_EMULATE_CONTINUE)
                return run_continue(e->n);
        if (r == 0 && res.fd >= 0)
                *e->fd_out = res.fd;
        return r;
}

static const emulator_fn emulators[_EMULATOR_MAX] = {
        [EMULATOR_MKNOD] = run_mknod,
        [EMULATOR_MOUNT] = run_mount,
        [EMULATOR_XATTR] = run_xattr,
        [EMULATOR_SYSINFO] = run_sysinfo,
        [EMULATOR_BPF] = run_bpf,
};

/* The call's result is a new fd in the caller (answer_fd()); |fd| stays ours
 * (the caller of this closes it, whatever happens). */
static void finish_with_fd(struct notification *n, int fd, uint32_t fd_flags, const char *what, size_t counter)
{
        char line[2 * PATH_MAX + 160];
        int r;

        n->stage = NOTIF_STAGE_ANSWERING;
        r = answer_fd(n, fd, fd_flags);
        if (r == -ENOENT) {
                dispatch_drop(n);
                return;
        }
        if (r < 0) {
                /* EMFILE and the like: the caller's table is full; tell it so. */
                snprintf(line, sizeof(line), "%s: ADDFD failed", what);
                dispatch_log(n, line, r);
                dispatch_finish(n, -r, 0, COUNTER(emulate_failed));
                return;
        }
        snprintf(line, sizeof(line), "%s: fd %d", what, r);
        dispatch_log_info(n, line, 0);
        dispatch_answered(n, counter);
}

/* Emulators that call target_commit() before their first side effect. */
static const bool marks_commit[_EMULATOR_MAX] = {
        [EMULATOR_MKNOD] = true,
};

static void on_commit(void *data)
{
        survive_notification_acting(data);
}

void emulate_notification(struct notification *n)
{
        struct target t = TARGET_NULL;
        emulator_fn fn = (unsigned) n->verdict.emulator < _EMULATOR_MAX ? emulators[n->verdict.emulator] : NULL;
        const char *why = NULL;
        int r, fd = -EBADF;
        bool gone;

        n->stage = NOTIF_STAGE_EMULATING;
        if (!fn) {
                /* A policy naming an emulator this build lacks is a bug, not the caller's fault. */
                dispatch_log(n, "no such emulator", -ENOSYS);
                dispatch_finish(n, ENOSYS, 0, COUNTER(emulate_failed));
                return;
        }
        r = target_open(&t, n->fd, n->req.notif.id, (pid_t) n->req.notif.pid);
        if (r == -ENOENT || r == -ESRCH) {
                dispatch_drop(n);
                return;
        }
        t.budget = &n->req.budget;
        if (n->resumed && !marks_commit[n->verdict.emulator]) {
                /* Resumed, yet the policy (reloaded meanwhile) names an
                 * emulator that cannot tell its half-done work: fail it. */
                int e = survive_restart_errno(n->listener->container);

                target_close(&t);
                dispatch_log(n, "emulation interrupted by a restart", -e);
                dispatch_finish(n, e, 0, COUNTER(emulate_failed));
                return;
        }
        t.resumed = n->resumed;
        /* From here the call may half-happen: a restart must not run it again.
         * An emulator that marks its point of no return moves that later. */
        t.commit_data = n;
        t.on_commit = on_commit;
        if (!marks_commit[n->verdict.emulator])
                survive_notification_acting(n);
        if (r >= 0)
                r = fn(&(struct emulate_ctx) { .n = n, .p = n->verdict.params, .t = &t, .fd_out = &fd,
                                               .why = &why });
        /* ENOENT may be the call's own result; the caller being gone is not one. */
        gone = r == -ENOENT && target_still_valid(&t) < 0;
        target_close(&t);
        if (r > 0)
                return; /* answered, or will be when the helper replies */
        if (gone) {
                safe_close(fd);
                dispatch_drop(n);
                return;
        }
        if (r < 0 && n->req.budget.exceeded) {
                safe_close(fd);
                dispatch_limited(n, "read_bytes", n->req.budget.limit);
                return;
        }
        if (r < 0) {
                if (why)
                        dispatch_log(n, why, r);
                else
                        dispatch_log_result(n, "emulation failed", r);
                dispatch_finish(n, -r, 0, COUNTER(emulate_failed));
                return;
        }
        if (fd >= 0) {
                finish_with_fd(n, fd, O_CLOEXEC, "bpf: program loaded", COUNTER(emulated));
                safe_close(fd);
                return;
        }
        dispatch_log(n, "emulated", 0);
        dispatch_finish(n, 0, 0, COUNTER(emulated));
}


static void inject_fixed(struct notification *n, const struct inject_params *ip)
{
        _cleanup_close_ int fd = inject_open_fixed(ip);
        char what[PATH_MAX + 32];

        snprintf(what, sizeof(what), "inject %s", ip->path);
        if (fd < 0) {
                dispatch_log(n, "inject: cannot open the file", fd);
                dispatch_finish(n, -fd, 0, COUNTER(emulate_failed));
                return;
        }
        finish_with_fd(n, fd, (uint32_t) ip->fd_flags, what, COUNTER(injected));
}

/* The path as the policy matched it: absolute, normalised against the same
 * base (policy_normalize_path with the cwd read for the policy), so the file
 * opened is the one the globs allowed. |buf| holds 2 * PATH_MAX. */
static int requested_path(const struct notification *n, const char *path, char *buf, size_t size,
                          const char **ret)
{
        const char *p;

        if (!path)
                return -EFAULT;
        if (!path[0])
                return -ENOENT;
        p = policy_normalize_path(n->cwd[0] ? n->cwd : NULL, path, buf, size);
        if (p != buf)
                /* Too long to normalise, or a relative path without a base inside the root. */
                return path[0] == '/' ? -ENAMETOOLONG : n->cwd_error < 0 ? n->cwd_error : -ENOENT;
        *ret = p;
        return 0;
}

/* open(path, flags) or openat(dirfd, path, flags): the schema knows where. */
static int requested_args(const struct notification *n, const char **ret_path, int *ret_flags)
{
        const struct arg_schema *path = schema_arg(n->req.schema, "path");
        const struct arg_schema *flags = schema_arg(n->req.schema, "flags");

        /* The parser allows inject requested on open and openat only. */
        if (!n->req.name || (strcmp(n->req.name, "open") != 0 && strcmp(n->req.name, "openat") != 0) || !path ||
            !flags)
                return -EINVAL;
        *ret_path = n->req.strs[path->index];
        *ret_flags = (int) (uint32_t) n->req.notif.data.args[flags->index];
        return 0;
}

/* inject requested: the caller's path with its flags, on the host or in its root. */
static void inject_requested(struct notification *n, const struct inject_params *ip)
{
        const char *root = ip->root == INJECT_ROOT_CONTAINER ? "container" : "host";
        char buf[2 * PATH_MAX], what[2 * PATH_MAX + 96];
        struct target t = TARGET_NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *raw = NULL, *path = NULL;
        int flags = 0, r;

        r = requested_args(n, &raw, &flags);
        if (r < 0) {
                dispatch_log(n, "inject requested on a call that is not open or openat", r);
                dispatch_finish(n, EPERM, 0, COUNTER(emulate_failed));
                return;
        }
        r = requested_path(n, raw, buf, sizeof(buf), &path);
        if (r >= 0 && ip->root == INJECT_ROOT_CONTAINER) {
                r = target_open(&t, n->fd, n->req.notif.id, (pid_t) n->req.notif.pid);
                if (r == -ENOENT || r == -ESRCH) {
                        dispatch_drop(n);
                        return;
                }
        }
        if (r >= 0) {
                fd = inject_open_requested(ip, path, flags, &t);
                r = fd;
        }
        target_close(&t);
        snprintf(what, sizeof(what), "inject requested (%s) %s flags 0x%x opened 0x%x", root,
                 path ? path : raw ? raw : "(null)", (unsigned) flags, (unsigned) inject_open_flags(flags, ip->forbid));
        if (r < 0) {
                /* The open's errno is the call's result, as the kernel's would be. */
                dispatch_log_info(n, what, r);
                dispatch_finish(n, -r, 0, COUNTER(emulate_failed));
                return;
        }
        finish_with_fd(n, fd, inject_fd_flags(flags), what, COUNTER(injected));
}

/* inject: open a file for the caller and make it the call's result there. */
void inject_notification(struct notification *n)
{
        const struct inject_params *ip = n->verdict.params ? &n->verdict.params->inject : NULL;

        n->stage = NOTIF_STAGE_EMULATING;
        if (ip && ip->requested)
                inject_requested(n, ip);
        else if (ip && ip->path)
                inject_fixed(n, ip);
        else {
                dispatch_log(n, "inject without a path", -EINVAL);
                dispatch_finish(n, EPERM, 0, COUNTER(emulate_failed));
        }
}
