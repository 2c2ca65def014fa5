/* One trapped syscall, end to end (DESIGN.md): receive, decode, read pointer args,
 * ID_VALID, policy verdict, act, answer, count. Runs on the loop; the only wait
 * is the test-only hold timer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/mknod.h"
#include "emulators/notify.h"
#include "emulators/target.h"
#include "policy/policy.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"

typedef int (*emulator_fn)(const struct request *req, const union handler_params *p, const struct target *t);

static int emulate_mknod(const struct request *req, const union handler_params *p, const struct target *t)
{
        if (p && !mknod_params_allow(&p->mknod, req))
                return -EPERM;
        return mknod_emulate(req, t);
}

static const emulator_fn emulators[_EMULATOR_MAX] = {
        [EMULATOR_MKNOD] = emulate_mknod,
};

const char *notif_stage_to_string(enum notif_stage s)
{
        static const char *const names[_NOTIF_STAGE_MAX] = {
                [NOTIF_STAGE_RECEIVED] = "received",
                [NOTIF_STAGE_READING] = "reading",
                [NOTIF_STAGE_EVALUATED] = "evaluated",
                [NOTIF_STAGE_HELD] = "held",
                [NOTIF_STAGE_EMULATING] = "emulating",
                [NOTIF_STAGE_ANSWERING] = "answering",
        };

        return (unsigned) s < _NOTIF_STAGE_MAX ? names[s] : "invalid";
}

static struct daemon *daemon_of(const struct notification *n)
{
        return n->listener->container->daemon;
}

static void notification_unlink(struct notification *n)
{
        struct daemon *d = daemon_of(n);

        list_del(&n->pending_node);
        list_del(&n->listener_node);
        d->n_pending--;
}

static void on_hold_timer_closed(uv_handle_t *handle)
{
        free(container_of((uv_timer_t *) handle, struct notification, hold_timer));
}

/* Frees n, through the timer's close callback when a hold timer exists. */
static void notification_release(struct notification *n)
{
        if (n->held)
                uv_close((uv_handle_t *) &n->hold_timer, on_hold_timer_closed);
        else
                free(n);
}

static void count(struct stats_counters *a, struct stats_counters *b, size_t offset)
{
        (*(uint64_t *) ((char *) a + offset))++;
        (*(uint64_t *) ((char *) b + offset))++;
}
#define COUNT(n, field) \
        count(&daemon_of(n)->totals, &(n)->listener->container->counters, offsetof(struct stats_counters, field))

static void log_notification(struct notification *n, const char *what, int error)
{
        struct container *c = n->listener->container;
        char name[64];

        if (log_get_max_level() < LOG_LEVEL_DEBUG && error == 0)
                return;
        if (!ratelimit_below(&c->log_rl))
                return;
        syscall_name(n->req.notif.data.arch, n->req.notif.data.nr, name, sizeof(name));
        /* %m must be in the format itself: passed through %s it is printed as is. */
        log_internal(error ? LOG_LEVEL_WARNING : LOG_LEVEL_DEBUG, error,
                     error ? "ct=%s notif=%016llx pid=%u nr=%s: %s: %m" : "ct=%s notif=%016llx pid=%u nr=%s: %s",
                     c->id, (unsigned long long) n->req.notif.id, n->req.notif.pid, name, what);
}

/* Answers and finishes n. |error| > 0 fails the call; |val| is its return value. */
static void finish(struct notification *n, int error, int64_t val, size_t counter)
{
        int fd = n->listener->fd, r;

        n->stage = NOTIF_STAGE_ANSWERING;
        r = error ? notify_send_error(fd, n->req.notif.id, error)
                  : n->verdict.kind == VERDICT_CONTINUE ? notify_send_continue(fd, n->req.notif.id)
                                                        : notify_send_value(fd, n->req.notif.id, val);
        if (r == -ENOENT) {
                COUNT(n, caller_gone);
        } else if (r < 0) {
                log_notification(n, "answer failed", r);
        } else {
                count(&daemon_of(n)->totals, &n->listener->container->counters, counter);
                latency_hist_add(&daemon_of(n)->latency, now_nsec() - n->start_nsec);
        }
        notification_unlink(n);
        notification_release(n);
}

static void drop(struct notification *n)
{
        COUNT(n, caller_gone);
        notification_unlink(n);
        notification_release(n);
}

static void emulate(struct notification *n)
{
        struct target t = TARGET_NULL;
        emulator_fn fn = (unsigned) n->verdict.emulator < _EMULATOR_MAX ? emulators[n->verdict.emulator] : NULL;
        int r;

        n->stage = NOTIF_STAGE_EMULATING;
        if (!fn) {
                /* A policy naming an emulator this build lacks is a bug, not the caller's fault. */
                log_notification(n, "no such emulator", -ENOSYS);
                finish(n, ENOSYS, 0, offsetof(struct stats_counters, emulate_failed));
                return;
        }
        r = target_open(&t, n->listener->fd, n->req.notif.id, (pid_t) n->req.notif.pid);
        if (r == -ENOENT || r == -ESRCH) {
                drop(n);
                return;
        }
        if (r >= 0)
                r = fn(&n->req, n->verdict.params, &t);
        target_close(&t);
        if (r < 0) {
                log_notification(n, "emulation failed", r);
                finish(n, -r, 0, offsetof(struct stats_counters, emulate_failed));
                return;
        }
        log_notification(n, "emulated", 0);
        finish(n, 0, 0, offsetof(struct stats_counters, emulated));
}

/* inject: open the policy's host file and make it the call's result in the caller
 * (ADDFD with SEND answers the call with the new fd number in one step). */
static void inject(struct notification *n)
{
        const struct inject_params *ip = n->verdict.params ? &n->verdict.params->inject : NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        n->stage = NOTIF_STAGE_EMULATING;
        if (!ip || !ip->path) {
                log_notification(n, "inject without a path", -EINVAL);
                finish(n, EPERM, 0, offsetof(struct stats_counters, emulate_failed));
                return;
        }
        /* O_NONBLOCK so a FIFO without writer cannot stall the loop; cleared after. */
        fd = open(ip->path, ip->open_flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0 && !(ip->open_flags & O_NONBLOCK) && fcntl(fd, F_SETFL, ip->open_flags & ~O_NONBLOCK) < 0)
                fd = safe_close(fd);
        if (fd < 0) {
                r = -errno;
                log_notification(n, "inject: cannot open the file", r);
                finish(n, -r, 0, offsetof(struct stats_counters, emulate_failed));
                return;
        }
        n->stage = NOTIF_STAGE_ANSWERING;
        r = notify_addfd(n->listener->fd, n->req.notif.id, fd, (uint32_t) ip->fd_flags, SECCOMP_ADDFD_FLAG_SEND);
        if (r == -ENOENT) {
                drop(n);
                return;
        }
        if (r < 0) {
                /* EMFILE and the like: the caller's table is full; tell it so. */
                log_notification(n, "inject: ADDFD failed", r);
                finish(n, -r, 0, offsetof(struct stats_counters, emulate_failed));
                return;
        }
        count(&daemon_of(n)->totals, &n->listener->container->counters, offsetof(struct stats_counters, injected));
        latency_hist_add(&daemon_of(n)->latency, now_nsec() - n->start_nsec);
        notification_unlink(n);
        notification_release(n);
}

static void act(struct notification *n)
{
        switch (n->verdict.kind) {
        case VERDICT_CONTINUE:
                finish(n, 0, 0, offsetof(struct stats_counters, continued));
                return;
        case VERDICT_ERRNO:
                finish(n, n->verdict.error, 0, offsetof(struct stats_counters, errored));
                return;
        case VERDICT_EMULATE:
                emulate(n);
                return;
        case VERDICT_INJECT:
                inject(n);
                return;
        default:
                log_notification(n, "invalid verdict", -EINVAL);
                finish(n, EPERM, 0, offsetof(struct stats_counters, errored));
                return;
        }
}

static void on_hold_timer(uv_timer_t *timer)
{
        act(container_of(timer, struct notification, hold_timer));
}

static void hold(struct notification *n, unsigned ms)
{
        int r = uv_timer_init(&daemon_of(n)->loop, &n->hold_timer);

        if (r < 0) {
                act(n);
                return;
        }
        n->held = true;
        n->stage = NOTIF_STAGE_HELD;
        uv_timer_start(&n->hold_timer, on_hold_timer, ms, 0);
}

/* What the policy needs beyond the args: the caller's ids and capabilities, and
 * the base directory of relative paths. Read only when the policy uses them. */
struct context {
        struct policy_caller caller;
        char cwd[PATH_MAX];
};

static int read_context(struct notification *n, const struct policy *p, struct policy_call *call,
                        struct context *ctx)
{
        struct target t = TARGET_NULL;
        bool caller = p->needs & POLICY_NEEDS_CALLER;
        bool cwd = (p->needs & POLICY_NEEDS_STRINGS) && request_has_relative_path(&n->req);
        int r;

        if (!caller && !cwd)
                return 0;
        r = target_open(&t, n->listener->fd, n->req.notif.id, (pid_t) n->req.notif.pid);
        if (r >= 0 && caller) {
                r = target_read_caller(&t, &ctx->caller);
                if (r >= 0)
                        call->caller = &ctx->caller;
        }
        if (r >= 0 && cwd) {
                /* A cwd outside the caller's root has no name there: globs see the path as given. */
                if (target_dir_path(&t, request_path_dirfd(&n->req), ctx->cwd, sizeof(ctx->cwd)) >= 0)
                        call->cwd = ctx->cwd;
        }
        target_close(&t);
        return r;
}

/* Step 5: the policy the container started with decides. */
static int evaluate(struct notification *n)
{
        const struct policy *p = n->listener->container->policy;
        struct context ctx;
        struct policy_call call = {
                .syscall = n->req.name,
        };
        int r;

        memcpy(call.args, n->req.notif.data.args, sizeof(call.args));
        memcpy(call.strs, n->req.strs, sizeof(call.strs));
        r = read_context(n, p, &call, &ctx);
        if (r < 0)
                return r;
        policy_evaluate(p, &call, &n->verdict);
        return 0;
}

/* Steps 3-5: read pointer args, confirm the caller, decide. */
static void process(struct notification *n)
{
        struct daemon *d = daemon_of(n);
        int r;

        n->stage = NOTIF_STAGE_READING;
        r = request_read_args(&n->req);
        if (r == -ESRCH) {
                drop(n);
                return;
        }
        /* Whatever was read is only trusted once the id is known to be still pending. */
        if (notify_id_valid(n->listener->fd, n->req.notif.id) < 0) {
                drop(n);
                return;
        }
        if (r < 0) {
                log_notification(n, "cannot read arguments", r);
                finish(n, -r, 0, offsetof(struct stats_counters, read_failed));
                return;
        }
        r = evaluate(n);
        if (r == -ENOENT || r == -ESRCH) {
                drop(n);
                return;
        }
        if (r < 0) {
                log_notification(n, "cannot read the caller's credentials", r);
                finish(n, EPERM, 0, offsetof(struct stats_counters, read_failed));
                return;
        }
        n->stage = NOTIF_STAGE_EVALUATED;
        if ((n->verdict.kind == VERDICT_EMULATE || n->verdict.kind == VERDICT_INJECT) && d->opt.debug_hold_ms > 0) {
                hold(n, d->opt.debug_hold_ms);
                return;
        }
        act(n);
}

static void receive_one(struct listener *l)
{
        struct daemon *d = l->container->daemon;
        struct seccomp_notif notif;
        struct notification *n;
        int r;

        r = notify_recv(l->fd, &notif);
        if (r == -ENOENT) {
                /* The caller was killed between poll and receive. */
                d->totals.caller_gone++;
                l->container->counters.caller_gone++;
                return;
        }
        if (r == -EINTR)
                return; /* still readable: the loop calls again */
        if (r < 0) {
                log_warning_errno(r, "ct=%s: receiving a notification failed, closing the listener: %m",
                                  l->container->id);
                listener_close(l);
                return;
        }
        n = calloc(1, sizeof(*n));
        if (!n) {
                /* Without memory there is no way to record it: fail the call rather than hang it. */
                notify_send_error(l->fd, notif.id, ENOMEM);
                return;
        }
        n->start_nsec = now_nsec();
        n->listener = l;
        n->stage = NOTIF_STAGE_RECEIVED;
        request_decode(&n->req, d->syscalls, &notif);
        list_add_tail(&d->pending, &n->pending_node);
        list_add_tail(&l->notifications, &n->listener_node);
        d->n_pending++;
        d->totals.received++;
        l->container->counters.received++;
        process(n);
}

void dispatch_listener_event(struct listener *l, int status, int events)
{
        struct pollfd p = { .fd = l->fd, .events = POLLIN };

        if (l->closing)
                return;
        if (status < 0) {
                listener_close(l);
                return;
        }
        if (events & UV_DISCONNECT) {
                /* libuv folds POLLHUP into readable; ask the kernel what it really is. */
                if (poll(&p, 1, 0) < 0 || !(p.revents & POLLIN)) {
                        log_debug("ct=%s: listener hung up", l->container->id);
                        listener_close(l);
                        return;
                }
        }
        if (events & UV_READABLE)
                receive_one(l);
}

void dispatch_abandon(struct notification *n)
{
        n->listener->container->counters.caller_gone++;
        daemon_of(n)->totals.caller_gone++;
        notification_unlink(n);
        notification_release(n);
}
