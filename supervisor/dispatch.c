/* One trapped syscall, end to end (DESIGN.md): receive, decode, read pointer args,
 * ID_VALID, policy verdict, act, answer, count. Runs on the loop; the only wait
 * is the test-only hold timer. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/notify.h"
#include "emulators/target.h"
#include "policy/policy.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/emulate.h"
#include "supervisor/survive.h"

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

        survive_notification_done(n);
        list_del(&n->pending_node);
        list_del(&n->listener_node);
        list_del(&n->helper_node);
        d->n_pending--;
        n->listener->container->n_in_flight--;
}

static void on_timer_closed(uv_handle_t *handle)
{
        free(container_of((uv_timer_t *) handle, struct notification, timer));
}

/* Frees n, through the timer's close callback when its timer was set up. */
static void notification_release(struct notification *n)
{
        if (n->fd_owned)
                n->fd = safe_close(n->fd);
        if (n->timer_init)
                uv_close((uv_handle_t *) &n->timer, on_timer_closed);
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

static void log_at(struct notification *n, enum log_level level, const char *what, int error)
{
        struct container *c = n->listener->container;
        char name[64];

        if (log_get_max_level() < level)
                return;
        /* Debug lines are on only when asked for; the limit keeps a flooding
         * container's warnings from drowning everyone else's. */
        if (level < LOG_LEVEL_DEBUG && !ratelimit_below(&c->log_rl))
                return;
        syscall_name(n->req.notif.data.arch, n->req.notif.data.nr, name, sizeof(name));
        /* %m must be in the format itself: passed through %s it is printed as is. */
        log_internal(level, error,
                     error ? "ct=%s notif=%016llx pid=%u nr=%s: %s: %m" : "ct=%s notif=%016llx pid=%u nr=%s: %s",
                     c->id, (unsigned long long) n->req.notif.id, n->req.notif.pid, name, what);
}

void dispatch_log(struct notification *n, const char *what, int error)
{
        log_at(n, error ? LOG_LEVEL_WARNING : LOG_LEVEL_DEBUG, what, error);
}

void dispatch_log_result(struct notification *n, const char *what, int error)
{
        log_at(n, LOG_LEVEL_DEBUG, what, error);
}

void dispatch_log_info(struct notification *n, const char *what, int error)
{
        log_at(n, LOG_LEVEL_INFO, what, error);
}

/* Answers and finishes n. |error| > 0 fails the call; |val| is its return value. */
void dispatch_finish(struct notification *n, int error, int64_t val, size_t counter)
{
        int r;

        n->stage = NOTIF_STAGE_ANSWERING;
        r = answer_value(n, error, val, n->verdict.kind == VERDICT_CONTINUE);
        if (r == -ENOENT) {
                COUNT(n, caller_gone);
        } else if (r < 0) {
                dispatch_log(n, "answer failed", r);
        } else {
                count(&daemon_of(n)->totals, &n->listener->container->counters, counter);
                latency_hist_add(&daemon_of(n)->latency, now_nsec() - n->start_nsec);
        }
        notification_unlink(n);
        notification_release(n);
}

void dispatch_drop(struct notification *n)
{
        COUNT(n, caller_gone);
        answer_dropped(n);
        notification_unlink(n);
        notification_release(n);
}

void dispatch_answered(struct notification *n, size_t counter)
{
        count(&daemon_of(n)->totals, &n->listener->container->counters, counter);
        latency_hist_add(&daemon_of(n)->latency, now_nsec() - n->start_nsec);
        notification_unlink(n);
        notification_release(n);
}

void dispatch_limits(const struct notification *n, struct policy_limits *ret)
{
        const struct container *c = n->listener->container;

        policy_limits_resolve(c->policy ? &c->policy->limits : NULL, &c->daemon->config.limits, ret);
}

void dispatch_limited(struct notification *n, const char *name, uint64_t value)
{
        struct policy_limits lim;
        char what[96];

        dispatch_limits(n, &lim);
        snprintf(what, sizeof(what), "over the %s limit (%" PRIu64 "), failing the call", name, value);
        dispatch_log(n, what, -lim.error);
        dispatch_finish(n, lim.error, 0, offsetof(struct stats_counters, limited));
}

int dispatch_timer(struct notification *n, uv_timer_cb cb, uint64_t ms)
{
        int r;

        if (!n->timer_init) {
                r = uv_timer_init(&daemon_of(n)->loop, &n->timer);
                if (r < 0)
                        return r;
                n->timer_init = true;
        }
        return uv_timer_start(&n->timer, cb, ms, 0);
}

static void act(struct notification *n)
{
        switch (n->verdict.kind) {
        case VERDICT_CONTINUE:
                dispatch_finish(n, 0, 0, offsetof(struct stats_counters, continued));
                return;
        case VERDICT_ERRNO:
                dispatch_finish(n, n->verdict.error, 0, offsetof(struct stats_counters, errored));
                return;
        case VERDICT_EMULATE:
                emulate_notification(n);
                return;
        case VERDICT_INJECT:
                survive_notification_acting(n);
                inject_notification(n);
                return;
        default:
                dispatch_log(n, "invalid verdict", -EINVAL);
                dispatch_finish(n, EPERM, 0, offsetof(struct stats_counters, errored));
                return;
        }
}

static void on_hold_timer(uv_timer_t *timer)
{
        act(container_of(timer, struct notification, timer));
}

static void hold(struct notification *n, unsigned ms)
{
        if (dispatch_timer(n, on_hold_timer, ms) < 0) {
                act(n);
                return;
        }
        n->stage = NOTIF_STAGE_HELD;
}

/* What the policy needs beyond the args: the caller's ids and capabilities, and
 * the base directory of relative paths (kept in n: inject requested opens the
 * path the policy saw). Read only when the policy uses them. */
static int read_context(struct notification *n, const struct policy *p, struct policy_call *call,
                        struct policy_caller *caller_buf)
{
        struct target t = TARGET_NULL;
        bool caller = p->needs & POLICY_NEEDS_CALLER;
        bool cwd = (p->needs & POLICY_NEEDS_STRINGS) && request_has_relative_path(&n->req);
        int r;

        if (!caller && !cwd)
                return 0;
        r = target_open(&t, n->fd, n->req.notif.id, (pid_t) n->req.notif.pid);
        if (r >= 0 && caller) {
                r = target_read_caller(&t, caller_buf);
                if (r >= 0)
                        call->caller = caller_buf;
        }
        if (r >= 0 && cwd) {
                /* A cwd outside the caller's root has no name there: globs see the path as given. */
                n->cwd_error = target_dir_path(&t, request_path_dirfd(&n->req), n->cwd, sizeof(n->cwd));
                if (n->cwd_error >= 0)
                        call->cwd = n->cwd;
        }
        target_close(&t);
        return r;
}

/* Step 5: the policy the container started with decides. */
static int evaluate(struct notification *n)
{
        const struct policy *p = n->listener->container->policy;
        struct policy_caller caller;
        struct policy_call call = {
                .syscall = n->req.name,
        };
        int r;

        memcpy(call.args, n->req.notif.data.args, sizeof(call.args));
        memcpy(call.strs, n->req.strs, sizeof(call.strs));
        r = read_context(n, p, &call, &caller);
        if (r < 0)
                return r;
        policy_evaluate(p, &call, &n->verdict);
        return 0;
}

/* Steps 3-5: read pointer args, confirm the caller, decide. */
/* A verdict on the integer args alone (no rule for this syscall reads strings
 * or the caller) that is continue or errno needs no memory read and no ID_VALID:
 * nothing read is acted on, and an answer to a dead caller just fails. This
 * saves two syscalls per call; emulation still reads everything first. */
static bool decide_early(struct notification *n)
{
        const struct policy *p = n->listener->container->policy;

        if (policy_syscall_needs(p, n->req.name) != 0 || evaluate(n) < 0)
                return false;
        if (n->verdict.kind != VERDICT_CONTINUE && n->verdict.kind != VERDICT_ERRNO)
                return false;
        n->stage = NOTIF_STAGE_EVALUATED;
        act(n);
        return true;
}

static void process(struct notification *n)
{
        struct daemon *d = daemon_of(n);
        int r;

        if (decide_early(n))
                return;
        n->stage = NOTIF_STAGE_READING;
        r = request_read_args(&n->req);
        if (r == -ESRCH) {
                dispatch_drop(n);
                return;
        }
        /* Whatever was read is only trusted once the id is known to be still pending. */
        if (notify_id_valid(n->fd, n->req.notif.id) < 0) {
                dispatch_drop(n);
                return;
        }
        if (r < 0 && n->req.budget.exceeded) {
                dispatch_limited(n, "read_bytes", n->req.budget.limit);
                return;
        }
        if (r < 0) {
                dispatch_log(n, "cannot read arguments", r);
                dispatch_finish(n, -r, 0, offsetof(struct stats_counters, read_failed));
                return;
        }
        r = evaluate(n);
        if (r == -ENOENT || r == -ESRCH) {
                dispatch_drop(n);
                return;
        }
        if (r < 0) {
                dispatch_log(n, "cannot read the caller's credentials", r);
                dispatch_finish(n, EPERM, 0, offsetof(struct stats_counters, read_failed));
                return;
        }
        n->stage = NOTIF_STAGE_EVALUATED;
        if ((n->verdict.kind == VERDICT_EMULATE || n->verdict.kind == VERDICT_INJECT) && d->opt.debug_hold_ms > 0) {
                hold(n, d->opt.debug_hold_ms);
                return;
        }
        act(n);
}

static void receive(struct listener *l, const struct seccomp_notif *notif, const struct lxc_proxy_origin *lxc,
                    int notify_fd, bool resumed)
{
        struct daemon *d = l->container->daemon;
        struct notification *n = calloc(1, sizeof(*n));
        struct policy_limits lim;

        if (!n) {
                /* Without memory there is no way to record it: fail the call rather
                 * than hang it (an LXC monitor then times out waiting for our reply). */
                notify_send_error(notify_fd >= 0 ? notify_fd : l->fd, notif->id, ENOMEM);
                safe_close(notify_fd);
                return;
        }
        n->start_nsec = now_nsec();
        n->listener = l;
        n->fd = notify_fd >= 0 ? notify_fd : l->fd;
        n->fd_owned = notify_fd >= 0;
        n->stage = NOTIF_STAGE_RECEIVED;
        n->resumed = resumed;
        if (lxc)
                n->lxc = *lxc;
        list_init(&n->helper_node);
        request_decode(&n->req, d->syscalls, notif);
        list_add_tail(&d->pending, &n->pending_node);
        list_add_tail(&l->notifications, &n->listener_node);
        d->n_pending++;
        survive_notification_received(n);
        d->totals.received++;
        l->container->counters.received++;
        l->container->n_in_flight++;
        dispatch_limits(n, &lim);
        n->req.budget.limit = lim.read_bytes;
        if (l->container->n_in_flight > lim.in_flight) {
                dispatch_limited(n, "in_flight", lim.in_flight);
                return;
        }
        process(n);
}

void dispatch_received(struct listener *l, const struct seccomp_notif *notif, const struct lxc_proxy_origin *lxc,
                       int notify_fd)
{
        receive(l, notif, lxc, notify_fd, false);
}

void dispatch_resume(struct listener *l, const struct seccomp_notif *notif)
{
        receive(l, notif, NULL, -EBADF, true);
}

static void receive_one(struct listener *l)
{
        struct daemon *d = l->container->daemon;
        struct seccomp_notif notif;
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
        dispatch_received(l, &notif, NULL, -EBADF);
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
        /* One per turn: libuv serves every ready listener each turn, so this
         * is round-robin with the tightest bound. Draining a batch of 2, 4 or 8
         * per turn was measured (bench-flood): no more calls/s, and a quiet
         * container's median latency beside a flooding one 1.5-4x higher. */
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
