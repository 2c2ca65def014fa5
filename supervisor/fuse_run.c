/* A FUSE redirect on the loop: the spawner's pidfd polled until it exits, the
 * call finished from its report, a timer that answers the call and kills a
 * spawner outliving its own timeout. Each run embeds two libuv handles and is
 * freed when both have closed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/fuse_run.h"

#define COUNTER(field) offsetof(struct stats_counters, field)

struct fuse_run {
        uv_poll_t poll;                 /* the spawner's pidfd: readable at its exit */
        uv_timer_t timer;
        unsigned open;                  /* handles not yet closed */
        bool closing;
        struct list_node node;          /* in daemon.fuse_runs */
        struct list_node waiting;       /* the notification (helper_node) until answered */
        struct mount_fuse_child *child;
};

static struct notification *run_notification(struct fuse_run *run)
{
        return list_empty(&run->waiting) ? NULL : list_entry(run->waiting.next, struct notification, helper_node);
}

static void on_handle_closed(uv_handle_t *handle)
{
        struct fuse_run *run = handle->data;

        if (--run->open > 0)
                return;
        /* Kills and reaps a spawner still running (shutdown). */
        mount_fuse_child_free(run->child);
        free(run);
}

static void run_close(struct fuse_run *run)
{
        struct notification *n = run_notification(run);

        if (run->closing)
                return;
        run->closing = true;
        if (n)
                list_del(&n->helper_node);
        list_del(&run->node);
        uv_close((uv_handle_t *) &run->poll, on_handle_closed);
        uv_close((uv_handle_t *) &run->timer, on_handle_closed);
}

/* Takes the notification off the run, to be answered. */
static struct notification *take_notification(struct fuse_run *run)
{
        struct notification *n = run_notification(run);

        if (n)
                list_del(&n->helper_node);
        return n;
}

static void finish(struct fuse_run *run, const struct mount_fuse_outcome *o)
{
        struct notification *n = take_notification(run);
        char what[160 + MOUNT_FUSE_STDERR_MAX];
        int r = mount_fuse_errno(o);

        if (!n) {
                log_debug("FUSE spawner (pid %d) done after its call went away: %s",
                          (int) mount_fuse_child_pid(run->child), mount_fuse_step_to_string(o->step));
                return;
        }
        if (r == 0) {
                dispatch_log(n, "mounted by its FUSE program", 0);
                dispatch_finish(n, 0, 0, COUNTER(emulated));
                return;
        }
        snprintf(what, sizeof(what), "FUSE program failed (step %s, %d)%s%s", mount_fuse_step_to_string(o->step),
                 o->error, o->output[0] ? "; it said: " : "", o->output);
        dispatch_log(n, what, r);
        dispatch_finish(n, r == -ETIMEDOUT ? n->timeout_error : -r, 0, COUNTER(emulate_failed));
}

static void on_spawner_event(uv_poll_t *poll, int status, int events)
{
        struct fuse_run *run = poll->data;
        struct mount_fuse_outcome o = { .step = MOUNT_FUSE_STEP_LOST, .error = EIO };
        int r;

        (void) events;
        if (run->closing)
                return;
        if (status < 0)
                mount_fuse_child_kill(run->child);
        r = mount_fuse_child_reap(run->child, &o);
        if (r == -EAGAIN && status >= 0)
                return;
        if (r < 0)
                o = (struct mount_fuse_outcome) { .step = MOUNT_FUSE_STEP_LOST, .error = r == -EAGAIN ? EIO : -r };
        finish(run, &o);
        run_close(run);
}

/* The spawner should have given up by itself: answer now, kill it, and let its
 * exit close the run. */
static void on_timeout(uv_timer_t *timer)
{
        struct fuse_run *run = timer->data;
        struct notification *n = take_notification(run);

        mount_fuse_child_kill(run->child);
        if (!n)
                return;
        dispatch_log(n, "FUSE program did not finish in time", -ETIMEDOUT);
        dispatch_finish(n, n->timeout_error, 0, COUNTER(emulate_failed));
}

int fuse_run_start(struct daemon *d, struct notification *n, const struct mount_fuse_job *job)
{
        struct fuse_run *run = calloc(1, sizeof(*run));
        int r;

        if (!run)
                return -ENOMEM;
        r = mount_fuse_spawn(job, &run->child);
        if (r == 0)
                r = uv_poll_init(&d->loop, &run->poll, mount_fuse_child_fd(run->child));
        if (r < 0) {
                mount_fuse_child_free(run->child);
                free(run);
                return log_warning_errno(r, "cannot start the FUSE program %s: %m", job->program);
        }
        (void) uv_timer_init(&d->loop, &run->timer); /* cannot fail */
        run->poll.data = run->timer.data = run;
        run->open = 2;
        list_init(&run->waiting);
        list_add_tail(&d->fuse_runs, &run->node);
        r = uv_poll_start(&run->poll, UV_READABLE, on_spawner_event);
        if (r == 0)
                r = uv_timer_start(&run->timer, on_timeout, (uint64_t) job->timeout_ms + FUSE_RUN_GRACE_MS, 0);
        if (r < 0) {
                run_close(run);
                return r;
        }
        list_add_tail(&run->waiting, &n->helper_node);
        return 0;
}

void fuse_run_close_all(struct daemon *d)
{
        list_for_each_safe(pos, tmp, &d->fuse_runs) {
                struct fuse_run *run = list_entry(pos, struct fuse_run, node);

                mount_fuse_child_kill(run->child);
                run_close(run);
        }
}
