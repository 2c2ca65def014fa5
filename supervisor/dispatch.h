/* The notification path: receive, decode, read, validate, evaluate, act, answer.
 * Each notification in flight is a struct notification in the daemon's pending
 * list, which `seccompctl pending` shows. */
#pragma once

#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/list.h"
#include "emulators/request.h"
#include "policy/policy_limits.h"
#include "policy/verdict.h"
#include "supervisor/lxc_proxy.h"

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
        int fd;                         /* the seccomp listener it came from: ID_VALID, ADDFD, targets */
        bool fd_owned;                  /* fd is n's (an LXC message's), closed with it; else the listener's */
        struct request req;
        struct verdict verdict;
        enum notif_stage stage;
        uint64_t start_nsec;            /* monotonic, at receive */
        uv_timer_t timer;               /* the debug hold, then the helper timeout */
        bool timer_init;                /* timer set up: freed through its close callback */
        struct list_node helper_node;   /* in helper_link.waiting while the helper works on it */
        int timeout_error;              /* errno when the helper does not answer in time */
        char cwd[PATH_MAX];             /* the base of relative path args as the policy saw it
                                         * (the caller's cwd or dirfd, inside its root); "" unknown */
        int cwd_error;                  /* why it is unknown (-errno), when it was looked up */
        struct lxc_proxy_origin lxc;    /* from an LXC proxy message: what the reply echoes */
        uint32_t inflight_slot;         /* its slot in the in-flight table + 1 (survive.h); 0: none */
        bool resumed;                   /* a daemon that died had begun acting on it (restore.c) */
};

/* uv_poll callback target for a listener fd: handles hang-up and one
 * notification (so a flooding container delays another's call by at most one
 * of its own per loop turn). */
void dispatch_listener_event(struct listener *l, int status, int events);

/* Takes one notification an intake received for |l| through the whole path.
 * RECV'd from l->fd: |lxc| NULL and |notify_fd| -EBADF. From an LXC message:
 * what the reply echoes, and the listener fd the message brought (taken over;
 * the monitor may serve several, one per lxc-attach). */
void dispatch_received(struct listener *l, const struct seccomp_notif *notif, const struct lxc_proxy_origin *lxc,
                       int notify_fd);

/* The same for a call a previous daemon had begun to emulate when it died
 * (restore.c): an emulator that can tell its own half-done work finishes it
 * (mknod), any other fails it with the policy's on_restart errno. */
void dispatch_resume(struct listener *l, const struct seccomp_notif *notif);

/* Answers and finishes n: |error| > 0 fails the call, else it returns |val|
 * (or continues, for a CONTINUE verdict). |counter| is the stats_counters field
 * (offsetof) to count it under. */
void dispatch_finish(struct notification *n, int error, int64_t val, size_t counter);

/* Finishes n when the caller is gone (counted as such); no answer. */
void dispatch_drop(struct notification *n);

/* Finishes n that was answered by other means (answer_fd()). */
void dispatch_answered(struct notification *n, size_t counter);

/* The limits n's container works under: its policy's, the daemon config's
 * for what the policy leaves unset, else the defaults (policy/limits.h). */
void dispatch_limits(const struct notification *n, struct policy_limits *ret);

/* Fails n at once with the limits' errno because it would pass limit |name|
 * (|value|); counted as limited, logged (rate-limited per container). */
void dispatch_limited(struct notification *n, const char *name, uint64_t value);

/* One log line about n (rate-limited per container); error < 0 logs a warning. */
void dispatch_log(struct notification *n, const char *what, int error);

/* The same at debug level: an errno the emulated call returns as the kernel
 * would (EEXIST, ENOENT...) is an answer, not a fault. */
void dispatch_log_result(struct notification *n, const char *what, int error);

/* The same at info level, error or not: what seccompd handed the caller (an
 * injected fd, or the errno its open gave) is worth a line per call. */
void dispatch_log_info(struct notification *n, const char *what, int error);

/* (Re)arms n's one-shot timer. 0 or a libuv error. */
int dispatch_timer(struct notification *n, uv_timer_cb cb, uint64_t ms);

/* Abandons a notification whose listener is closing (no answer: the caller is gone
 * or the fd is going away); frees it, possibly later from a timer close callback. */
void dispatch_abandon(struct notification *n);
