/* A listening socket served on the loop: accepts a bounded batch of connections
 * per wake-up and hands each to its owner. When accept4() fails with something
 * other than an empty queue (EMFILE, ENFILE, ENOBUFS), the connection stays
 * queued and the level-triggered poll would fire again at once, so accepting
 * pauses for a while instead of spinning the loop. */
#pragma once

#include <uv.h>

#include "common/log.h"

struct acceptor;

/* Takes |fd| (non-blocking, close-on-exec) in every case. */
typedef void (*acceptor_conn_cb)(struct acceptor *a, int fd);
/* Both handles are closed and the listening fd too: the owner may go. */
typedef void (*acceptor_closed_cb)(struct acceptor *a);

/* Embedded in its owner (container_of() from the callbacks). */
struct acceptor {
        uv_poll_t poll;
        uv_timer_t retry;         /* resumes accepting after a pause */
        int fd;                   /* the listening socket, owned */
        unsigned open_handles;    /* 0 once on_closed has run (or before the start) */
        const char *what;         /* "intake", "control", "lxc": log prefix */
        acceptor_conn_cb on_conn;
        acceptor_closed_cb on_closed;
        bool closing;
};

/* Serves the listening |fd| (taken over on every path) on |loop|. 0 or -errno;
 * does not log. On failure a->closing tells whether on_closed is still to run
 * (true: the owner goes from there) or nothing was left open (false). */
int acceptor_start(struct acceptor *a, uv_loop_t *loop, int fd, const char *what, acceptor_conn_cb on_conn,
                   acceptor_closed_cb on_closed);

/* Stops accepting and closes; on_closed runs from the loop once all is closed.
 * Idempotent. */
void acceptor_close(struct acceptor *a);
