/* The loop's side of a container's namespace helper (emulators/nshelper.h):
 * started on first need, polled for replies, its requests timed out, killed and
 * restarted when it dies or hangs. One per container, owned by it. */
#pragma once

#include <stdbool.h>
#include <uv.h>

#include "common/list.h"
#include "emulators/mount.h"

struct container;
struct notification;

/* One helper process and the poll on its socket; freed in the poll's close
 * callback, so a replaced helper never outlives its handle or vice versa. */
struct helper_instance {
        uv_poll_t poll;
        struct nshelper *helper;
        struct helper_link *link;      /* NULL once replaced or closed */
};

struct helper_link {
        struct container *container;
        struct helper_instance *current; /* NULL until needed, and after it died */
        struct list_node waiting;      /* struct notification (helper_node), oldest first */
        unsigned started;              /* helpers started for this container */
};

/* Sends |job| for |n| to the container's helper (starting one if needed); n
 * finishes when the helper answers, or fails with n->timeout_error after
 * |timeout_ms|, the helper then being replaced. Takes the job's fds. 0, or the
 * -errno to fail n with now. */
int helper_link_submit(struct container *c, struct notification *n, struct mount_job *job, unsigned timeout_ms);

/* Requests of |c| sent to its helper and not answered yet. */
size_t helper_link_queued(const struct container *c);

/* When the container goes: kills its helper and frees the link. Waiting
 * notifications must be gone already. */
void helper_link_close(struct helper_link *link);
