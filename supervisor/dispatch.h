/* The notification path: receive, decode, read, validate, evaluate, act, answer.
 * Each notification in flight is a struct notification in the daemon's pending
 * list, which `seccompctl pending` shows. */
#pragma once

#include <linux/seccomp.h>
#include <stdint.h>
#include <uv.h>

#include "common/list.h"
#include "emulators/request.h"
#include "policy/verdict.h"

struct listener;

enum notif_stage {
        NOTIF_STAGE_RECEIVED,
        NOTIF_STAGE_READING,    /* reading pointer args */
        NOTIF_STAGE_EVALUATED,  /* verdict made */
        NOTIF_STAGE_HELD,       /* test-only hold before acting (--debug-hold-ms) */
        NOTIF_STAGE_EMULATING,
        NOTIF_STAGE_ANSWERING,
        _NOTIF_STAGE_MAX,
};

const char *notif_stage_to_string(enum notif_stage s);

struct notification {
        struct list_node pending_node;  /* in daemon.pending */
        struct list_node listener_node; /* in listener->notifications */
        struct listener *listener;
        struct request req;
        struct verdict verdict;
        enum notif_stage stage;
        uint64_t start_nsec;            /* monotonic, at receive */
        uv_timer_t hold_timer;          /* only initialised while held */
        bool held;
};

/* uv_poll callback target for a listener fd: handles hang-up and one notification. */
void dispatch_listener_event(struct listener *l, int status, int events);

/* Abandons a notification whose listener is closing (no answer: the caller is gone
 * or the fd is going away); frees it, possibly later from a timer close callback. */
void dispatch_abandon(struct notification *n);
