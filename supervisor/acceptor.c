/* Accepting connections on a listening socket without letting an fd shortage
 * spin the loop. */
#include <errno.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "supervisor/acceptor.h"

/* Connections taken per wake-up: others (the notify fds) get their turn. */
#define ACCEPT_BATCH 16
/* How long accepting stops after accept4() failed for want of fds or memory. */
#define ACCEPT_RETRY_MS 1000

static void on_accept(uv_poll_t *p, int status, int events);

static void on_retry(uv_timer_t *t)
{
        struct acceptor *a = container_of(t, struct acceptor, retry);
        int r = uv_poll_start(&a->poll, UV_READABLE, on_accept);

        if (r < 0)
                log_error_errno(r, "%s: cannot poll the listening socket again: %m", a->what);
}

static void pause_accepting(struct acceptor *a, int error)
{
        log_warning_errno(error, "%s: cannot accept connections (%m), pausing for %u ms", a->what, ACCEPT_RETRY_MS);
        (void) uv_poll_stop(&a->poll);
        (void) uv_timer_start(&a->retry, on_retry, ACCEPT_RETRY_MS, 0);
}

static void on_accept(uv_poll_t *p, int status, int events)
{
        struct acceptor *a = container_of(p, struct acceptor, poll);

        (void) events;
        if (status < 0) {
                pause_accepting(a, status);
                return;
        }
        for (unsigned i = 0; i < ACCEPT_BATCH && !a->closing; i++) {
                int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd >= 0) {
                        a->on_conn(a, fd);
                        continue;
                }
                if (errno == EINTR || errno == ECONNABORTED)
                        continue;
                if (errno != EAGAIN)
                        pause_accepting(a, -errno);
                return;
        }
}

int acceptor_start(struct acceptor *a, uv_loop_t *loop, int fd, const char *what, acceptor_conn_cb on_conn,
                   acceptor_closed_cb on_closed)
{
        int r;

        *a = (struct acceptor) { .fd = fd, .what = what, .on_conn = on_conn, .on_closed = on_closed };
        r = uv_poll_init(loop, &a->poll, fd);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        (void) uv_timer_init(loop, &a->retry);
        a->open_handles = 2;
        r = uv_poll_start(&a->poll, UV_READABLE, on_accept);
        if (r < 0) {
                /* Both handles must close before the owner can go: the caller
                 * treats this as started-then-closed. */
                acceptor_close(a);
                return r;
        }
        return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
        struct acceptor *a = h->data;

        if (--a->open_handles > 0)
                return;
        a->fd = safe_close(a->fd);
        a->on_closed(a);
}

void acceptor_close(struct acceptor *a)
{
        if (a->closing)
                return;
        a->closing = true;
        a->poll.data = a;
        a->retry.data = a;
        uv_close((uv_handle_t *) &a->poll, on_handle_closed);
        uv_close((uv_handle_t *) &a->retry, on_handle_closed);
}
