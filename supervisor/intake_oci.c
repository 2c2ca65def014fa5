/* OCI listenerPath intake: accept, read to EOF with fds, check, register. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/socket_util.h"
#include "emulators/notify.h"
#include "policy/policy.h"
#include "supervisor/acceptor.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/policy_store.h"
#include "supervisor/intake_oci.h"
#include "supervisor/oci_state.h"


struct intake_oci {
        struct acceptor acceptor;
        size_t n_conns;         /* open connections, at most INTAKE_OCI_MAX_CONNECTIONS */
        struct ratelimit log_rl; /* connection-level warnings */
        char *path;
        struct daemon *daemon;
        struct list_node conns;
        bool bound;      /* we made the socket file at path: remove it at exit */
        bool closing;
};

struct intake_conn {
        uv_poll_t poll;
        uv_timer_t timer;
        int fd;
        unsigned open_handles;
        struct intake_oci *owner;
        struct list_node node;
        char *buf;
        size_t len, cap;
        int fds[INTAKE_OCI_MAX_FDS];
        size_t n_fds;
        bool closing;
};

static void close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fds[i] = safe_close(fds[i]);
}

static int fail(char *errbuf, size_t errlen, int r, const char *msg)
{
        snprintf(errbuf, errlen, "%s", msg);
        return r;
}

static int select_policy(struct daemon *d, const struct oci_state *s, struct policy_version **ret_policy,
                         char *name, size_t size, char *errbuf, size_t errlen)
{
        const char *annotated = oci_state_annotation(s, OCI_STATE_ANNOTATION_POLICY);
        int r = oci_state_metadata_get(s, "policy", name, size);

        if (r == -ENAMETOOLONG)
                return fail(errbuf, errlen, -EINVAL, "policy name in listenerMetadata too long");
        if (r == -ENOENT) {
                if (annotated && strlen(annotated) < size)
                        snprintf(name, size, "%s", annotated);
                else
                        snprintf(name, size, "default");
        }
        *ret_policy = policy_store_get(d->policies, name);
        if (!*ret_policy) {
                snprintf(errbuf, errlen, "unknown policy \"%s\" (not in %s)", name, d->policies->dir);
                return -ENOENT;
        }
        return 0;
}

static int check_listener_fd(int fd, char *errbuf, size_t errlen)
{
        int r = notify_check_listener(fd);

        if (r == -ENOTTY)
                return fail(errbuf, errlen, -EINVAL, "seccompFd is not a seccomp listener");
        if (r < 0)
                return fail(errbuf, errlen, r, "cannot inspect seccompFd");
        return 0;
}

static int check_pid_alive(pid_t pid, char *errbuf, size_t errlen)
{
        if (kill(pid, 0) < 0 && errno == ESRCH) {
                snprintf(errbuf, errlen, "pid %d does not exist", (int) pid);
                return -ESRCH;
        }
        return 0;
}

int intake_oci_register(struct daemon *d, const struct oci_state *s, int *fds, size_t n_fds, char *errbuf,
                        size_t errlen)
{
        struct policy_version *policy = NULL;
        struct container_info info = { 0 };
        struct listener_spec spec;
        struct listener *l;
        char policy_name[256];
        int idx, r;

        idx = oci_state_fd_index(s, "seccompFd");
        if (idx < 0) {
                r = fail(errbuf, errlen, -EINVAL, "no \"seccompFd\" in fds");
                goto out;
        }
        if (s->n_fds != n_fds) {
                snprintf(errbuf, errlen, "fds names %zu fds but %zu were attached", s->n_fds, n_fds);
                r = -EBADMSG;
                goto out;
        }
        r = check_listener_fd(fds[idx], errbuf, errlen);
        if (r < 0)
                goto out;
        info.id = s->id;
        info.init_pid = s->init_pid > 0 ? s->init_pid : s->pid;
        info.bundle = s->bundle;
        r = check_pid_alive(info.init_pid, errbuf, errlen);
        if (r < 0)
                goto out;
        r = select_policy(d, s, &policy, policy_name, sizeof(policy_name), errbuf, errlen);
        if (r < 0)
                goto out;
        info.policy_version = policy;
        info.policy_name = policy_name;
        spec = (struct listener_spec) { .ops = &answer_notify_fd_ops, .fd = fds[idx], .poll_fd = fds[idx] };
        r = registry_add_listener(d, &info, &spec, &l);
        if (r < 0) {
                snprintf(errbuf, errlen, "cannot register container: %s", strerror(-r));
                goto out;
        }
        fds[idx] = -EBADF; /* the registry owns it now */
        log_info("container %s: registered listener (init pid %d, status %s, policy %s v%u)", s->id,
                 (int) info.init_pid, s->status ? s->status : "?", policy_name, l->container->policy_version->version);
out:
        policy_version_unref(policy);
        close_fds(fds, n_fds);
        return r;
}

static void on_conn_handle_closed(uv_handle_t *handle)
{
        struct intake_conn *conn = handle->data;

        if (--conn->open_handles > 0)
                return;
        close_fds(conn->fds, conn->n_fds);
        safe_close(conn->fd);
        free(conn->buf);
        free(conn);
}

static void conn_close(struct intake_conn *conn)
{
        if (conn->closing)
                return;
        conn->closing = true;
        list_del(&conn->node);
        conn->owner->n_conns--;
        uv_close((uv_handle_t *) &conn->poll, on_conn_handle_closed);
        uv_close((uv_handle_t *) &conn->timer, on_conn_handle_closed);
}

/* Best effort: runc closes at once and never reads; our shim waits for this line. */
static void conn_reply(struct intake_conn *conn, const char *line)
{
        (void) send(conn->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void conn_reject(struct intake_conn *conn, const char *reason)
{
        char line[600];

        conn->owner->daemon->intake_rejected++;
        log_warning("intake: rejected a registration: %s", reason);
        snprintf(line, sizeof(line), "error %s\n", reason);
        conn_reply(conn, line);
        conn_close(conn);
}

/* Registers a complete message. Returns 0 when done (connection closing), or
 * -EAGAIN when the JSON is complete but fds it names have not arrived yet. */
static int conn_complete(struct intake_conn *conn, bool at_eof)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        struct daemon *d = conn->owner->daemon;
        char err[512] = "", line[300];
        int r;

        r = oci_state_parse(conn->buf, conn->len, &s, err, sizeof(err));
        if (r < 0) {
                conn_reject(conn, err[0] ? err : strerror(-r));
                return 0;
        }
        if (!at_eof && conn->n_fds < s->n_fds)
                return -EAGAIN;
        r = intake_oci_register(d, s, conn->fds, conn->n_fds, err, sizeof(err));
        conn->n_fds = 0; /* taken over and closed by register */
        if (r < 0) {
                conn_reject(conn, err[0] ? err : strerror(-r));
                return 0;
        }
        d->intake_accepted++;
        snprintf(line, sizeof(line), "ok %s\n", s->id);
        conn_reply(conn, line);
        conn_close(conn);
        return 0;
}

/* Whether buf holds one whole JSON object. Framing only (depth outside strings):
 * runc 1.1 never closes its side, so EOF cannot be the only end of a message. */
static bool json_object_complete(const char *buf, size_t len)
{
        size_t i = 0, depth = 0;
        bool in_string = false, escaped = false;

        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
                i++;
        if (i == len)
                return false;
        if (buf[i] != '{')
                return true; /* not an object at all: let the parser say why */
        for (; i < len; i++) {
                char ch = buf[i];

                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (ch == '\\')
                                escaped = true;
                        else if (ch == '"')
                                in_string = false;
                } else if (ch == '"') {
                        in_string = true;
                } else if (ch == '{' || ch == '[') {
                        depth++;
                } else if ((ch == '}' || ch == ']') && --depth == 0) {
                        return true;
                }
        }
        return false;
}

static int take_fds(struct intake_conn *conn, struct msghdr *mh)
{
        if (socket_take_fds(mh, conn->fds, INTAKE_OCI_MAX_FDS, &conn->n_fds) > 0 || (mh->msg_flags & MSG_CTRUNC))
                return -E2BIG;
        return 0;
}

static int grow(struct intake_conn *conn)
{
        size_t cap = conn->cap ? conn->cap * 2 : 4096;
        char *b;

        if (cap > INTAKE_OCI_MAX_MESSAGE + 1)
                cap = INTAKE_OCI_MAX_MESSAGE + 1;
        b = realloc(conn->buf, cap);
        if (!b)
                return -ENOMEM;
        conn->buf = b;
        conn->cap = cap;
        return 0;
}

/* Reads what is there; returns 1 at EOF, 0 for more later, -errno to reject. */
static int conn_read(struct intake_conn *conn)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * INTAKE_OCI_MAX_FDS)];
        } control;

        for (;;) {
                struct iovec iov;
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n;
                int r;

                if (conn->len == conn->cap && (r = grow(conn)) < 0)
                        return r;
                if (conn->len > INTAKE_OCI_MAX_MESSAGE)
                        return -EMSGSIZE;
                iov.iov_base = conn->buf + conn->len;
                iov.iov_len = conn->cap - conn->len;
                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                n = recvmsg(conn->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                r = take_fds(conn, &mh);
                if (r < 0)
                        return r;
                if (n == 0)
                        return 1;
                conn->len += (size_t) n;
        }
}

static void on_conn_readable(uv_poll_t *handle, int status, int events)
{
        struct intake_conn *conn = handle->data;
        char reason[128];
        int r;

        (void) events;
        if (status < 0) {
                conn_reject(conn, "socket error");
                return;
        }
        r = conn_read(conn);
        if (r == 0) {
                if (json_object_complete(conn->buf, conn->len))
                        (void) conn_complete(conn, false);
                return;
        }
        if (r == 1) {
                (void) conn_complete(conn, true);
                return;
        }
        if (r == -EMSGSIZE)
                snprintf(reason, sizeof(reason), "message larger than %d bytes", INTAKE_OCI_MAX_MESSAGE);
        else if (r == -E2BIG)
                snprintf(reason, sizeof(reason), "more than %d fds attached", INTAKE_OCI_MAX_FDS);
        else
                snprintf(reason, sizeof(reason), "read failed: %s", strerror(-r));
        conn_reject(conn, reason);
}

static void on_conn_timeout(uv_timer_t *timer)
{
        conn_reject(timer->data, "timed out before the message was complete");
}

static int conn_start(struct intake_oci *in, int fd)
{
        struct intake_conn *conn = calloc(1, sizeof(*conn));
        int r;

        if (!conn)
                return -ENOMEM;
        conn->fd = fd;
        conn->owner = in;
        conn->poll.data = conn;
        conn->timer.data = conn;
        r = uv_poll_init(&in->daemon->loop, &conn->poll, fd);
        if (r < 0) {
                free(conn);
                return r;
        }
        conn->open_handles = 2;
        uv_timer_init(&in->daemon->loop, &conn->timer);
        list_add_tail(&in->conns, &conn->node);
        in->n_conns++;
        uv_poll_start(&conn->poll, UV_READABLE, on_conn_readable);
        uv_timer_start(&conn->timer, on_conn_timeout, INTAKE_OCI_TIMEOUT_MS, 0);
        return 0;
}

/* Takes |fd|: a registration beyond the limit is told so and dropped, so idle
 * connections cannot take every fd the daemon has. */
static void refuse_busy(struct intake_oci *in, int fd_in)
{
        _cleanup_close_ int fd = fd_in;
        static const char line[] = "error busy: too many registrations in progress\n";

        in->daemon->intake_rejected++;
        (void) send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (ratelimit_below(&in->log_rl))
                log_warning("intake: more than %u connections open, refusing one", INTAKE_OCI_MAX_CONNECTIONS);
}

static void on_accept(struct acceptor *a, int fd_in)
{
        struct intake_oci *in = container_of(a, struct intake_oci, acceptor);
        _cleanup_close_ int fd = fd_in;
        uid_t uid;
        int r;

        if (in->n_conns >= INTAKE_OCI_MAX_CONNECTIONS) {
                refuse_busy(in, TAKE_FD(fd));
                return;
        }
        r = socket_peer_uid(fd, &uid);
        if (r < 0 || uid != 0) {
                in->daemon->intake_rejected++;
                log_warning("intake: refused a connection from uid %d (only root may register)", r < 0 ? -1 : (int) uid);
                (void) send(fd, "error permission denied\n", 24, MSG_NOSIGNAL | MSG_DONTWAIT);
                return;
        }
        r = conn_start(in, fd);
        if (r < 0) {
                log_warning_errno(r, "intake: cannot serve a connection: %m");
                return;
        }
        TAKE_FD(fd);
}

static void on_intake_closed(struct acceptor *a)
{
        struct intake_oci *in = container_of(a, struct intake_oci, acceptor);

        free(in->path);
        free(in);
}

/* Serves the listening |fd| (taken over on every path). |path| names it in
 * messages and, when |bound| (we made the file), is unlinked at exit. */
static int intake_start(struct daemon *d, int fd, const char *path, bool bound, struct intake_oci **ret)
{
        struct intake_oci *in = calloc(1, sizeof(*in));
        int r;

        if (!in || !(in->path = strdup(path))) {
                free(in);
                safe_close(fd);
                return log_error_errno(-ENOMEM, "intake: %m");
        }
        list_init(&in->conns);
        in->daemon = d;
        in->log_rl = (struct ratelimit) { .interval_usec = 10 * 1000000ULL, .burst = 5 };
        in->bound = bound;
        r = acceptor_start(&in->acceptor, &d->loop, fd, "intake", on_accept, on_intake_closed);
        if (r < 0) {
                if (bound)
                        (void) unlink(path);
                if (!in->acceptor.closing) {
                        free(in->path);
                        free(in);
                }
                return log_error_errno(r, "intake: cannot poll %s: %m", path);
        }
        *ret = in;
        return 0;
}

int intake_oci_new(struct daemon *d, const char *path, struct intake_oci **ret)
{
        int fd = socket_listen_unix(path, SOCK_STREAM, 128);

        if (fd < 0)
                return log_error_errno(fd, "intake: cannot listen on %s: %m", path);
        return intake_start(d, fd, path, true, ret);
}

int intake_oci_adopt(struct daemon *d, int fd, struct intake_oci **ret)
{
        char name[sizeof(((struct sockaddr_un *) 0)->sun_path)];

        socket_describe(fd, name, sizeof(name));
        return intake_start(d, fd, name, false, ret);
}

struct intake_oci *intake_oci_free(struct intake_oci *in)
{
        if (!in || in->closing)
                return NULL;
        in->closing = true;
        list_for_each_safe(pos, tmp, &in->conns)
                conn_close(list_entry(pos, struct intake_conn, node));
        /* A passed socket's file belongs to the manager, which keeps listening on it. */
        if (in->bound)
                (void) unlink(in->path);
        acceptor_close(&in->acceptor);
        return NULL;
}

const char *intake_oci_path(const struct intake_oci *in)
{
        return in->path;
}
