/* A container's namespace helper as the loop sees it: lazily started, polled,
 * each request timed, replaced when it dies, hangs or talks nonsense. */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "emulators/nshelper.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/helper_link.h"


#define COUNTER(field) offsetof(struct stats_counters, field)

static struct notification *waiting_first(struct helper_link *link)
{
        return list_empty(&link->waiting) ? NULL : list_entry(link->waiting.next, struct notification, helper_node);
}

/* Fails everything the helper was working on, with each call's own errno when
 * it timed out, EIO when the helper died under it. */
static void fail_waiting(struct helper_link *link, bool timed_out)
{
        struct notification *n;

        while ((n = waiting_first(link))) {
                list_del(&n->helper_node);
                dispatch_finish(n, timed_out ? n->timeout_error : EIO, 0, COUNTER(emulate_failed));
        }
}

static void on_instance_closed(uv_handle_t *handle)
{
        struct helper_instance *hi = handle->data;

        nshelper_free(hi->helper);
        free(hi);
}

/* Detaches and closes the current helper: killed once libuv let go of its fd. */
static void instance_close(struct helper_link *link)
{
        struct helper_instance *hi = link->current;

        if (!hi)
                return;
        link->current = NULL;
        hi->link = NULL;
        uv_poll_stop(&hi->poll);
        uv_close((uv_handle_t *) &hi->poll, on_instance_closed);
}

/* Replaces the helper: the next request starts a new one. */
static void helper_stop(struct helper_link *link, const char *why, bool timed_out)
{
        if (!link->current)
                return;
        log_warning("ct=%s: namespace helper (pid %d) %s, replacing it", link->container->id,
                    (int) nshelper_pid(link->current->helper), why);
        instance_close(link);
        fail_waiting(link, timed_out);
}

static struct notification *find_waiting(struct helper_link *link, uint64_t tag)
{
        list_for_each(pos, &link->waiting) {
                struct notification *n = list_entry(pos, struct notification, helper_node);

                if (n->req.notif.id == tag)
                        return n;
        }
        return NULL;
}

static void on_reply(struct helper_link *link, const struct nshelper_reply *rep)
{
        struct notification *n = find_waiting(link, rep->tag);

        if (!n)
                return; /* its caller went away meanwhile */
        list_del(&n->helper_node);
        if (rep->result == MOUNT_CONTINUE) {
                /* Not a mount the helper made: the kernel decides, as without seccompd. */
                n->verdict.kind = VERDICT_CONTINUE;
                dispatch_finish(n, 0, 0, COUNTER(continued));
        } else if (rep->result < 0) {
                dispatch_log_result(n, "emulation failed in the namespace helper", rep->result);
                dispatch_finish(n, -rep->result, 0, COUNTER(emulate_failed));
        } else {
                dispatch_log(n, "emulated by the namespace helper", 0);
                dispatch_finish(n, 0, 0, COUNTER(emulated));
        }
}

static void on_helper_event(uv_poll_t *poll, int status, int events)
{
        struct helper_instance *hi = poll->data;
        struct nshelper_reply rep;
        int r;

        (void) events;
        if (!hi->link)
                return;
        if (status < 0) {
                helper_stop(hi->link, "cannot be polled", false);
                return;
        }
        /* Bounded: one wakeup never serves more than what was asked of it. */
        for (unsigned i = 0; i < 64 && hi->link; i++) {
                r = nshelper_read_reply(hi->helper, &rep);
                if (r == -EAGAIN)
                        return;
                if (r < 0) {
                        helper_stop(hi->link, r == -EPIPE ? "exited" : "sent a malformed reply", false);
                        return;
                }
                on_reply(hi->link, &rep);
        }
}

static void on_timeout(uv_timer_t *timer)
{
        struct notification *n = container_of(timer, struct notification, timer);
        struct helper_link *link = n->listener->container->helper;

        dispatch_log(n, "namespace helper did not answer in time", -ETIMEDOUT);
        /* A hung helper may hold the others too: replace it, failing them all. */
        helper_stop(link, "timed out", true);
}

static int helper_ensure(struct container *c, struct helper_link *link)
{
        struct helper_instance *hi;
        int r;

        if (link->current)
                return 0;
        hi = calloc(1, sizeof(*hi));
        if (!hi)
                return -ENOMEM;
        r = nshelper_start(c->pidfd, &hi->helper);
        if (r < 0) {
                free(hi);
                return log_warning_errno(r, "ct=%s: cannot start a namespace helper: %m", c->id);
        }
        r = uv_poll_init(&c->daemon->loop, &hi->poll, nshelper_fd(hi->helper));
        if (r < 0) {
                nshelper_free(hi->helper);
                free(hi);
                return r;
        }
        hi->poll.data = hi;
        hi->link = link;
        link->current = hi;
        link->started++;
        log_info("ct=%s: namespace helper started (pid %d)", c->id, (int) nshelper_pid(hi->helper));
        r = uv_poll_start(&hi->poll, UV_READABLE | UV_DISCONNECT, on_helper_event);
        if (r < 0)
                instance_close(link);
        return r;
}

static struct helper_link *link_get(struct container *c)
{
        if (!c->helper) {
                c->helper = calloc(1, sizeof(*c->helper));
                if (!c->helper)
                        return NULL;
                c->helper->container = c;
                list_init(&c->helper->waiting);
        }
        return c->helper;
}

int helper_link_submit(struct container *c, struct notification *n, struct mount_job *job, unsigned timeout_ms)
{
        struct helper_link *link = link_get(c);
        int r;

        if (!link)
                return -ENOMEM;
        r = helper_ensure(c, link);
        if (r < 0)
                return r == -ENOMEM ? r : -EAGAIN;
        job->req.tag = n->req.notif.id;
        r = nshelper_submit(link->current->helper, &job->req, job->fds, job->n_fds);
        if (r == -EPIPE) {
                helper_stop(link, "exited", false);
                return -EAGAIN;
        }
        if (r < 0)
                return r;
        r = dispatch_timer(n, on_timeout, timeout_ms);
        if (r < 0)
                return r;
        list_add_tail(&link->waiting, &n->helper_node);
        return 0;
}

size_t helper_link_queued(const struct container *c)
{
        size_t n = 0;

        if (!c->helper)
                return 0;
        list_for_each(pos, &c->helper->waiting)
                n++;
        return n;
}

void helper_link_close(struct helper_link *link)
{
        if (!link)
                return;
        instance_close(link);
        free(link);
}
