/* The control socket: accepts root clients, reads one request line, answers with
 * one JSON document built with libfyaml, closes. Every connection has its own
 * uv_poll and timeout timer, so a slow or silent client never blocks the loop. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "common/list.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "supervisor/acceptor.h"
#include "supervisor/control.h"
#include "supervisor/control_reply.h"
#include "supervisor/daemon.h"

#define CONTROL_BACKLOG 16

struct control {
        struct acceptor acceptor;
        bool bound;             /* we bound the socket file at path (not passed to us) */
        dev_t dev;              /* of the socket file bound here: unlink only our own */
        ino_t ino;
        struct daemon *daemon;
        struct list_node conns; /* struct conn, open ones */
        size_t n_conns;         /* including those whose handles are still closing */
        struct ratelimit log_rl;/* connection-level warnings */
        bool closing;
        char path[];
};

struct conn {
        uv_poll_t poll;
        uv_timer_t timeout;
        int fd;                 /* owned, closed when both handles are */
        unsigned n_handles;
        struct control *control;
        struct list_node node;  /* in control->conns */
        size_t in_len;
        size_t line_len;        /* of the complete request, once conn_read() returned 1 */
        char in[CONTROL_MAX_REQUEST + 1];
        char *out;              /* the reply (libfyaml's malloc'd string), once built */
        size_t out_len, out_off;
        bool closing;
};

/* ---- connections ---- */

static void control_release(struct control *c);

static void conn_unref(struct conn *conn)
{
        struct control *c = conn->control;

        if (--conn->n_handles > 0)
                return;
        safe_close(conn->fd);
        free(conn->out);
        free(conn);
        c->n_conns--;
        control_release(c);
}

static void on_conn_poll_closed(uv_handle_t *h)
{
        conn_unref(container_of(h, struct conn, poll));
}

static void on_conn_timeout_closed(uv_handle_t *h)
{
        conn_unref(container_of(h, struct conn, timeout));
}

static void conn_close(struct conn *conn)
{
        if (conn->closing)
                return;
        conn->closing = true;
        list_del(&conn->node);
        uv_close((uv_handle_t *) &conn->poll, on_conn_poll_closed);
        uv_close((uv_handle_t *) &conn->timeout, on_conn_timeout_closed);
}

/* Writes what the socket takes; closes once the whole reply is out. */
static void conn_flush(struct conn *conn)
{
        while (conn->out_off < conn->out_len) {
                ssize_t n = send(conn->fd, conn->out + conn->out_off, conn->out_len - conn->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return; /* polled for UV_WRITABLE */
                        log_debug_errno(errno, "control: writing reply failed: %m");
                        break;
                }
                conn->out_off += (size_t) n;
        }
        conn_close(conn);
}

static void on_conn_event(uv_poll_t *p, int status, int events);

/* Takes |json|; NULL (out of memory) just drops the connection. */
static void conn_send(struct conn *conn, char *json)
{
        int r = json ? 0 : -ENOMEM;

        if (r == 0) {
                conn->out = json;
                conn->out_len = strlen(json);
                r = uv_poll_start(&conn->poll, UV_WRITABLE, on_conn_event);
        }
        if (r < 0) {
                log_warning_errno(r, "control: cannot answer: %m");
                conn_close(conn);
                return;
        }
        conn_flush(conn);
}

/* Reads what has arrived: 1 once the request line is complete (conn->line_len
 * bytes, NUL-terminated in conn->in), 0 while more is to come, or
 * control_request_frame()'s -EMSGSIZE, -ECONNRESET, or the -errno of recv. */
static int conn_read(struct conn *conn)
{
        for (;;) {
                size_t room = CONTROL_MAX_REQUEST - conn->in_len, from = conn->in_len;
                ssize_t n = 0;
                int r;

                if (room > 0) {
                        n = recv(conn->fd, conn->in + conn->in_len, room, MSG_DONTWAIT);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return errno == EAGAIN ? 0 : -errno;
                        conn->in_len += (size_t) n;
                }
                r = control_request_frame(conn->in, conn->in_len, from, n == 0 && room > 0, &conn->line_len);
                if (r == 0)
                        continue; /* until recv says EAGAIN */
                if (r > 0)
                        conn->in[conn->line_len] = '\0';
                return r;
        }
}

static void conn_answer(struct conn *conn)
{
        char *json = NULL;

        log_debug("control: request '%.64s'", conn->in);
        (void) control_reply(conn->control->daemon, conn->in, conn->line_len, &json);
        conn_send(conn, json);
}

static void on_conn_event(uv_poll_t *p, int status, int events)
{
        struct conn *conn = container_of(p, struct conn, poll);
        int r;

        (void) events;
        if (conn->out && status == 0) {
                conn_flush(conn);
                return;
        }
        r = status < 0 ? status : conn_read(conn);
        if (r > 0) {
                conn_answer(conn);
        } else if (r == -EMSGSIZE) {
                conn_send(conn, control_reply_error("request too long"));
        } else if (r < 0) {
                log_debug_errno(r, "control: dropping connection: %m");
                conn_close(conn);
        }
}

static void on_conn_timeout(uv_timer_t *t)
{
        struct conn *conn = container_of(t, struct conn, timeout);

        log_debug("control: dropping a connection unfinished after %u ms", CONTROL_TIMEOUT_MS);
        conn_close(conn);
}

/* Takes |fd| in every case. */
static void conn_new(struct control *c, int fd_in)
{
        _cleanup_close_ int fd = fd_in;
        struct conn *conn;
        struct ucred cred;
        int r;

        if (c->n_conns >= CONTROL_MAX_CONNECTIONS) {
                /* Best effort, without blocking: a fresh socket buffer takes this. */
                _cleanup_free_ char *json = control_reply_error("busy: too many control connections, try again");

                if (json)
                        (void) send(fd, json, strlen(json), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (ratelimit_below(&c->log_rl))
                        log_warning("control: more than %u connections, refusing one", CONTROL_MAX_CONNECTIONS);
                return;
        }
        conn = calloc(1, sizeof(*conn));
        r = conn ? uv_poll_init(&c->daemon->loop, &conn->poll, fd) : -ENOMEM;
        if (r < 0) {
                free(conn);
                log_warning_errno(r, "control: cannot take a connection: %m");
                return;
        }
        (void) uv_timer_init(&c->daemon->loop, &conn->timeout);
        conn->fd = TAKE_FD(fd);
        conn->n_handles = 2;
        conn->control = c;
        list_add_tail(&c->conns, &conn->node);
        c->n_conns++;
        (void) uv_timer_start(&conn->timeout, on_conn_timeout, CONTROL_TIMEOUT_MS, 0);

        r = socket_peer_cred(conn->fd, &cred);
        if (r == 0 && cred.uid != 0) {
                if (ratelimit_below(&c->log_rl))
                        log_warning("control: refused uid %u (pid %d): root only", (unsigned) cred.uid,
                                    (int) cred.pid);
                conn_send(conn, control_reply_error("permission denied: the control socket is for root only"));
                return;
        }
        if (r == 0)
                r = uv_poll_start(&conn->poll, UV_READABLE, on_conn_event);
        if (r < 0) {
                log_warning_errno(r, "control: cannot serve a connection: %m");
                conn_close(conn);
        }
}

/* ---- the listening socket ---- */

static void on_accept(struct acceptor *a, int fd)
{
        conn_new(container_of(a, struct control, acceptor), fd);
}

static void control_release(struct control *c)
{
        if (!c->closing || c->acceptor.open_handles > 0 || c->n_conns > 0)
                return;
        free(c);
}

static void on_acceptor_closed(struct acceptor *a)
{
        struct control *c = container_of(a, struct control, acceptor);

        control_release(c);
}

/* Unlinks |path| only while it is still the socket this daemon bound. */
static void unlink_socket(const char *path, dev_t dev, ino_t ino)
{
        struct stat st;

        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino)
                (void) unlink(path);
}

struct control *control_free(struct control *c)
{
        if (!c)
                return NULL;
        assert(!c->closing);
        c->closing = true;
        list_for_each_safe(pos, tmp, &c->conns)
                conn_close(list_entry(pos, struct conn, node));
        if (c->bound)
                unlink_socket(c->path, c->dev, c->ino);
        acceptor_close(&c->acceptor);
        return NULL;
}

static int make_parent_dir(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        struct stat st;
        char *slash;

        if (!dir)
                return log_error_errno(ENOMEM, "control: %m");
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "control: cannot create %s: %m", dir);
        if (stat(dir, &st) < 0)
                return log_error_errno(errno, "control: cannot inspect %s: %m", dir);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "control: %s is not a directory", dir);
        return 0;
}

/* A socket file nobody listens on is what a dead daemon left: replace it. Anything
 * else at the path is left alone. */
static int remove_stale_socket(const char *path, const struct sockaddr_un *sa)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(errno, "control: cannot inspect %s: %m", path);
        }
        if (!S_ISSOCK(st.st_mode))
                return log_error_errno(EEXIST, "control: %s exists and is not a socket, not replacing it", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "control: cannot create socket: %m");
        /* Nonblocking: a listener with a full backlog answers EAGAIN, still alive. */
        if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0 || errno == EAGAIN)
                return log_error_errno(EADDRINUSE, "control: %s is in use: is another seccompd running?", path);
        if (errno != ECONNREFUSED)
                return log_error_errno(errno, "control: cannot probe %s: %m", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "control: cannot remove stale socket %s: %m", path);
        log_info("control: replaced stale socket %s", path);
        return 0;
}

/* Socket bound and listening at |path|, mode 0600 from birth (bind applies the
 * socket inode's mode, set by fchmod, less the umask). */
static int open_socket(const char *path, int *ret_fd, struct stat *ret_st)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(ENAMETOOLONG, "control: socket path too long: %s", path);
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "control: cannot create socket: %m");
        if (fchmod(fd, 0600) < 0)
                return log_error_errno(errno, "control: cannot set socket mode: %m");
        r = remove_stale_socket(path, &sa);
        if (r < 0)
                return r;
        if (bind(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "control: cannot bind %s: %m", path);
        r = listen(fd, CONTROL_BACKLOG) < 0 || lstat(path, ret_st) < 0 ? -errno : 0;
        if (r < 0) {
                (void) unlink(path);
                return log_error_errno(r, "control: cannot listen on %s: %m", sa.sun_path);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Serves the listening |fd| (taken over on every path). |st| is the socket file
 * we bound at |path|, removed at exit while it is still ours; NULL for a socket
 * a service manager passed, whose file is the manager's. */
static int control_start(struct daemon *d, int fd, const char *path, const struct stat *st, struct control **ret)
{
        struct control *c;
        int r;

        c = calloc(1, sizeof(*c) + strlen(path) + 1);
        if (!c) {
                if (st)
                        unlink_socket(path, st->st_dev, st->st_ino);
                safe_close(fd);
                return log_error_errno(-ENOMEM, "control: cannot set up %s: %m", path);
        }
        c->bound = st != NULL;
        if (st) {
                c->dev = st->st_dev;
                c->ino = st->st_ino;
        }
        c->daemon = d;
        c->log_rl = (struct ratelimit) { .interval_usec = 10 * 1000000ULL, .burst = 5 };
        strcpy(c->path, path);
        list_init(&c->conns);
        r = acceptor_start(&c->acceptor, &d->loop, fd, "control", on_accept, on_acceptor_closed);
        if (r < 0) {
                if (c->acceptor.closing) {
                        control_free(c);
                } else {
                        if (st)
                                unlink_socket(path, st->st_dev, st->st_ino);
                        free(c);
                }
                return log_error_errno(r, "control: cannot poll %s: %m", path);
        }
        log_debug("control: listening on %s", path);
        *ret = c;
        return 0;
}

int control_new(struct daemon *d, const char *path, struct control **ret)
{
        struct stat st = { 0 };
        int fd = -EBADF, r;

        r = make_parent_dir(path);
        if (r < 0)
                return r;
        r = open_socket(path, &fd, &st);
        if (r < 0)
                return r;
        return control_start(d, fd, path, &st, ret);
}

int control_adopt(struct daemon *d, int fd, struct control **ret)
{
        char name[sizeof(((struct sockaddr_un *) 0)->sun_path)];

        socket_describe(fd, name, sizeof(name));
        return control_start(d, fd, name, NULL, ret);
}

const char *control_path(const struct control *c)
{
        return c->path;
}
