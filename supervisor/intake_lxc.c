/* LXC proxy intake: accept monitors, turn each connection into its container's
 * listener at its first message, then read a message per wakeup and reply to
 * each exactly once (the listener ops below). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "emulators/notify.h"
#include "supervisor/acceptor.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/intake_lxc.h"
#include "supervisor/lxc_proxy.h"
#include "supervisor/lxc_resolve.h"
#include "supervisor/metadata.h"
#include "supervisor/policy_store.h"


struct intake_lxc {
        struct acceptor acceptor;       /* the listening socket */
        char *path;
        struct daemon *daemon;
        struct list_node idle;          /* struct idle_conn */
        size_t n_idle;
        struct ratelimit log_rl;        /* refusals: a refused monitor reconnects on every trapped call */
        struct lxc_resolve *resolve;
        bool closing;
        unsigned char buf[LXC_PROXY_MAX_MESSAGE]; /* one message at a time: the loop has one thread */
};

/* Accepted; its first message has not come yet. */
struct idle_conn {
        uv_poll_t poll;
        int fd;
        pid_t peer_pid;                 /* SO_PEERCRED: who connected, in our pid namespace */
        struct intake_lxc *owner;
        struct list_node node;          /* in intake_lxc.idle */
};

/* One message as received: its bytes in the intake's buffer, its fds ours. */
struct received {
        size_t len;
        int fds[LXC_PROXY_N_FDS + 1];   /* a spare slot: more than three is refused */
        size_t n_fds;
};

/* What a first message registers, and why it could not. */
struct registration {
        struct container_info info;
        bool reattach;                  /* the monitor reconnected to a known record */
        char id[32];
        char policy_name[256];
        char *cookie;                   /* NUL-terminated copy */
        struct policy_version *policy;  /* our reference, new records only */
        char err[512];
};

static void received_done(struct received *rc)
{
        for (size_t i = 0; i < rc->n_fds; i++)
                rc->fds[i] = safe_close(rc->fds[i]);
        rc->n_fds = 0;
}

/* ---- receiving ---- */

/* One message into |buf|: 1, 0 when none is there yet, -ECONNRESET at EOF,
 * -EMSGSIZE when it did not fit, -E2BIG when its fds did not, other -errno.
 * The fds are rc's on every path. */
static int receive(int fd, unsigned char *buf, size_t size, struct received *rc)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * (LXC_PROXY_N_FDS + 1))];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf) };
        ssize_t n;

        rc->n_fds = 0;
        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        (void) socket_take_fds(&mh, rc->fds, ARRAY_SIZE(rc->fds), &rc->n_fds);
        if (n == 0 && rc->n_fds == 0)
                return -ECONNRESET;
        if (mh.msg_flags & MSG_TRUNC)
                return -EMSGSIZE;
        if (mh.msg_flags & MSG_CTRUNC)
                return -E2BIG;
        rc->len = (size_t) n;
        return 1;
}

static const char *receive_error(int r)
{
        return r == -EMSGSIZE ? "message longer than any LXC sends"
               : r == -E2BIG  ? "message with more fds than LXC sends"
                              : strerror(-r);
}

/* The message's third fd is the listener its notification came from: its own
 * for each message, since a monitor serves one listener per lxc-attach too. */
static int check_notify_fd(const struct received *rc, const char **ret_why)
{
        int r = notify_check_listener(rc->fds[LXC_PROXY_FD_NOTIFY]);

        if (r < 0)
                *ret_why = r == -ENOTTY ? "third fd is not a seccomp listener" : "cannot inspect the third fd";
        return r < 0 ? -EBADMSG : 0;
}

static int take_notify_fd(struct received *rc)
{
        return TAKE_FD(rc->fds[LXC_PROXY_FD_NOTIFY]);
}

/* ---- replying: the listener ops ---- */

static bool reply_late(const struct notification *n)
{
        return now_nsec() - n->start_nsec > (uint64_t) INTAKE_LXC_REPLY_DEADLINE_MS * 1000000;
}

/* The reply to n's message on its connection: 0 or -errno. */
static int reply(struct notification *n, const struct seccomp_notif_resp *resp)
{
        size_t size = lxc_proxy_reply_size(&n->lxc.sizes);
        _cleanup_free_ unsigned char *buf = malloc(size);
        ssize_t len, sent;

        if (!buf)
                return -ENOMEM;
        len = lxc_proxy_reply(&n->lxc, &n->req.notif, resp, buf, size);
        if (len < 0)
                return (int) len;
        sent = send(n->listener->poll_fd, buf, (size_t) len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0)
                return -errno;
        return sent == len ? 0 : -EMSGSIZE;
}

/* The monitor SENDs what we reply. Too late for it, or with the connection
 * broken, we SEND on the notify fd ourselves: whichever of its own ENOSYS and
 * ours comes second fails with ENOENT. */
static int lxc_send(struct notification *n, const struct seccomp_notif_resp *resp)
{
        int r;

        if (reply_late(n)) {
                dispatch_log(n, "too late to reply to the LXC monitor, answering on the notify fd", -ETIMEDOUT);
        } else {
                r = reply(n, resp);
                if (r >= 0)
                        return 0;
                dispatch_log_result(n, "cannot reply to the LXC monitor, answering on the notify fd", r);
        }
        return notify_send(n->fd, resp);
}

/* ADDFD without SEND: the fd is in the caller's table at once and the monitor
 * SENDs its number. Should the call be answered otherwise (the monitor gave up,
 * the caller was interrupted), the caller keeps an fd it does not know of until
 * it exits: the kernel has no undo, which is why the notify-fd path installs
 * and answers in one ADDFD. */
static int lxc_send_fd(struct notification *n, int fd, uint32_t fd_flags)
{
        struct seccomp_notif_resp resp = { .id = n->req.notif.id };
        int r = notify_addfd(n->fd, n->req.notif.id, fd, fd_flags, 0);

        if (r < 0)
                return r;
        resp.val = r;
        (void) lxc_send(n, &resp); /* -ENOENT: the caller is gone, and the fd with it */
        return r;
}

/* The monitor's whole loop (lxc-stop, lxc-info too) waits for a reply to each
 * message: owe none. The caller is gone, so the value reaches nobody; the
 * monitor's SEND of it fails with ENOENT. */
static void lxc_dropped(struct notification *n)
{
        struct seccomp_notif_resp resp = { .id = n->req.notif.id, .error = -ENOSYS };

        if (!reply_late(n))
                (void) reply(n, &resp);
}

static void lxc_event(struct listener *l, int status, int events);

static const struct listener_ops lxc_ops = {
        .kind = "lxc-proxy",
        .event = lxc_event,
        .send = lxc_send,
        .send_fd = lxc_send_fd,
        .dropped = lxc_dropped,
};

/* ---- registered connections ---- */

/* A connection is one container: later messages must say so. */
static int same_container(const struct container *c, const struct lxc_proxy_msg *m, const char **ret_why)
{
        if (m->origin.init_pid != c->init_pid || m->origin.monitor_pid != c->lxc_monitor_pid)
                *ret_why = "message names another init or monitor pid than its connection's first";
        else if (m->cookie_len != strlen(c->lxc_cookie) || memcmp(m->cookie, c->lxc_cookie, m->cookie_len) != 0)
                *ret_why = "message carries another cookie than its connection's first";
        else
                return 0;
        return -EBADMSG;
}

static void lxc_event(struct listener *l, int status, int events _unused_)
{
        struct container *c = l->container;
        struct intake_lxc *in = c->daemon->lxc;
        struct received rc = { 0 };
        struct lxc_proxy_msg m;
        const char *why = NULL;
        int r;

        if (l->closing)
                return;
        r = status < 0 ? status : !in ? -ESHUTDOWN : receive(l->poll_fd, in->buf, sizeof(in->buf), &rc);
        if (r > 0) {
                r = lxc_proxy_parse(in->buf, rc.len, rc.n_fds, &m, &why);
                if (r >= 0)
                        r = same_container(c, &m, &why);
                if (r >= 0)
                        r = check_notify_fd(&rc, &why);
                if (r >= 0) {
                        dispatch_received(l, &m.notif, &m.origin, take_notify_fd(&rc));
                        r = 0;
                }
        }
        received_done(&rc);
        if (r == 0)
                return;
        if (r == -ECONNRESET)
                log_info("container %s: its LXC monitor (pid %d) closed the connection", c->id,
                         (int) c->lxc_monitor_pid);
        else
                log_warning("container %s: closing the LXC monitor's connection: %s", c->id,
                            why ? why : receive_error(r));
        listener_close(l);
}

/* ---- first messages ---- */

_printf_(3, 4) static int refuse(struct registration *reg, int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reg->err, sizeof(reg->err), fmt, ap);
        va_end(ap);
        return error;
}

/* The policy a new record gets: the cookie's "policy=NAME", "default" if none. */
static int select_policy(struct daemon *d, struct registration *reg)
{
        int r;

        if (metadata_check(reg->cookie) < 0)
                return refuse(reg, -EINVAL, "cookie \"%.200s\" is not key=value pairs", reg->cookie);
        r = metadata_get(reg->cookie, "policy", reg->policy_name, sizeof(reg->policy_name));
        if (r == -ENAMETOOLONG)
                return refuse(reg, -EINVAL, "policy name in the cookie too long");
        if (r == -ENOENT)
                snprintf(reg->policy_name, sizeof(reg->policy_name), "default");
        reg->policy = policy_store_get(d->policies, reg->policy_name);
        if (!reg->policy)
                return refuse(reg, -ENOENT, "cookie names unknown policy \"%.200s\"", reg->policy_name);
        return 0;
}

/* A monitor reconnecting (after a seccompd restart, or after we closed on it)
 * finds its record by pids; the cookie must still be the one it started with. */
static int identify(struct daemon *d, const struct lxc_proxy_msg *m, struct registration *reg)
{
        struct container *c = registry_find_lxc(&d->registry, m->origin.init_pid, m->origin.monitor_pid);
        int r;

        reg->info.init_pid = m->origin.init_pid;
        reg->info.lxc_monitor_pid = m->origin.monitor_pid;
        reg->info.lxc_cookie = reg->cookie;
        if (c) {
                if (strcmp(c->lxc_cookie, reg->cookie) != 0)
                        return refuse(reg, -EEXIST, "cookie differs from the one container %s started with", c->id);
                reg->reattach = true;
                reg->info.id = c->id;
                reg->info.policy_name = c->policy_name;
                reg->info.policy_version = c->policy_version;
                return 0;
        }
        r = select_policy(d, reg);
        if (r < 0)
                return r;
        /* Until liblxc names it (lxc_resolve). */
        snprintf(reg->id, sizeof(reg->id), "lxc-%d", (int) m->origin.init_pid);
        reg->info.id = reg->id;
        reg->info.policy_name = reg->policy_name;
        reg->info.policy_version = reg->policy;
        return 0;
}

static int prepare(struct idle_conn *conn, const struct lxc_proxy_msg *m, const struct received *rc,
                   struct registration *reg)
{
        const char *why = NULL;
        int r;

        if (m->origin.monitor_pid != conn->peer_pid)
                /* Its pids are not ours to use: nothing it names could be trusted. */
                return refuse(reg, -EPROTO,
                              "monitor pid %d in the message is not the connecting process %d "
                              "(a monitor in another pid namespace?)",
                              (int) m->origin.monitor_pid, (int) conn->peer_pid);
        reg->cookie = strndup(m->cookie, m->cookie_len);
        if (!reg->cookie)
                return refuse(reg, -ENOMEM, "out of memory");
        r = check_notify_fd(rc, &why);
        if (r < 0)
                return refuse(reg, r, "%s", why);
        return identify(conn->owner->daemon, m, reg);
}

/* The connection becomes a listener polling a duplicate of its fd (the idle
 * handle closes its own). */
static int attach(struct idle_conn *conn, struct registration *reg, struct listener **ret)
{
        struct intake_lxc *in = conn->owner;
        struct listener_spec spec = { .ops = &lxc_ops, .fd = -EBADF };
        struct listener *l;
        int r;

        spec.poll_fd = fcntl(conn->fd, F_DUPFD_CLOEXEC, 3);
        if (spec.poll_fd < 0) {
                r = -errno;
                return refuse(reg, r, "cannot duplicate the connection: %s", strerror(-r));
        }
        r = registry_add_listener(in->daemon, &reg->info, &spec, &l);
        if (r < 0) {
                safe_close(spec.poll_fd);
                return refuse(reg, r, "cannot register the container: %s", strerror(-r));
        }
        log_info("container %s: LXC monitor %d connected%s (init pid %d, policy %s v%u)", l->container->id,
                 (int) reg->info.lxc_monitor_pid, reg->reattach ? " again" : "", (int) reg->info.init_pid,
                 l->container->policy_name, l->container->policy_version->version);
        if (!reg->reattach)
                lxc_resolve_submit(in->resolve, l->container);
        *ret = l;
        return 0;
}

static void on_idle_closed(uv_handle_t *handle)
{
        struct idle_conn *conn = container_of((uv_poll_t *) handle, struct idle_conn, poll);

        safe_close(conn->fd);
        free(conn);
}

static void idle_close(struct idle_conn *conn)
{
        list_del(&conn->node);
        conn->owner->n_idle--;
        uv_close((uv_handle_t *) &conn->poll, on_idle_closed);
}

/* The monitor reads EOF, answers the call ENOSYS itself, and reconnects at the
 * next trapped call: hence the rate limit. */
static void idle_refuse(struct idle_conn *conn, const char *why)
{
        struct intake_lxc *in = conn->owner;

        in->daemon->intake_rejected++;
        if (ratelimit_below(&in->log_rl))
                log_warning("lxc: refused the connection of monitor pid %d: %s", (int) conn->peer_pid, why);
        idle_close(conn);
}

static void idle_first_message(struct idle_conn *conn, struct received *rc)
{
        struct intake_lxc *in = conn->owner;
        struct registration reg = { 0 };
        struct listener *l = NULL;
        struct lxc_proxy_msg m;
        const char *why = NULL;
        int r;

        r = lxc_proxy_parse(in->buf, rc->len, rc->n_fds, &m, &why);
        if (r < 0)
                snprintf(reg.err, sizeof(reg.err), "%s", why);
        if (r >= 0)
                r = prepare(conn, &m, rc, &reg);
        if (r >= 0)
                r = attach(conn, &reg, &l);
        free(reg.cookie);
        policy_version_unref(reg.policy);
        if (r < 0) {
                idle_refuse(conn, reg.err);
                return;
        }
        in->daemon->intake_accepted++;
        idle_close(conn);
        dispatch_received(l, &m.notif, &m.origin, take_notify_fd(rc));
}

static void on_idle_event(uv_poll_t *handle, int status, int events _unused_)
{
        struct idle_conn *conn = container_of(handle, struct idle_conn, poll);
        struct intake_lxc *in = conn->owner;
        struct received rc = { 0 };
        int r = status < 0 ? status : receive(conn->fd, in->buf, sizeof(in->buf), &rc);

        if (r > 0)
                idle_first_message(conn, &rc);
        else if (r == -ECONNRESET) {
                log_debug("lxc: monitor pid %d hung up before its first message", (int) conn->peer_pid);
                idle_close(conn); /* its container stopped without a trapped call */
        }
        else if (r < 0)
                idle_refuse(conn, receive_error(r));
        received_done(&rc);
}

/* ---- the listening socket ---- */

static int idle_new(struct intake_lxc *in, int fd, pid_t peer_pid)
{
        struct idle_conn *conn = calloc(1, sizeof(*conn));
        int r;

        if (!conn)
                return -ENOMEM;
        r = uv_poll_init(&in->daemon->loop, &conn->poll, fd);
        if (r < 0) {
                free(conn);
                return r;
        }
        conn->fd = fd;
        conn->peer_pid = peer_pid;
        conn->owner = in;
        list_add_tail(&in->idle, &conn->node);
        in->n_idle++;
        r = uv_poll_start(&conn->poll, UV_READABLE, on_idle_event);
        if (r < 0) {
                conn->fd = -EBADF; /* the caller keeps it */
                idle_close(conn);
        }
        return r;
}

static void on_accept(struct acceptor *a, int fd_in)
{
        struct intake_lxc *in = container_of(a, struct intake_lxc, acceptor);
        _cleanup_close_ int fd = fd_in;
        struct ucred cred;
        int r = socket_peer_cred(fd, &cred);

        if (r == 0 && cred.uid != 0)
                r = -EPERM;
        else if (r == 0 && in->n_idle >= INTAKE_LXC_MAX_IDLE)
                r = -EBUSY;
        if (r == 0)
                r = idle_new(in, fd, cred.pid);
        if (r == 0) {
                log_debug("lxc: monitor pid %d connected", (int) cred.pid);
                TAKE_FD(fd);
                return;
        }
        in->daemon->intake_rejected++;
        if (ratelimit_below(&in->log_rl))
                log_warning_errno(r, "lxc: refused a connection%s: %m",
                                  r == -EPERM ? " (only root may connect)" : "");
}

static void on_intake_closed(struct acceptor *a)
{
        struct intake_lxc *in = container_of(a, struct intake_lxc, acceptor);

        free(in->path);
        free(in);
}

static struct intake_lxc *intake_new_fail(struct intake_lxc *in)
{
        lxc_resolve_free(in->resolve);
        free(in->path);
        free(in);
        return NULL;
}

int intake_lxc_new(struct daemon *d, const char *path, const char *lxcpath, struct intake_lxc **ret)
{
        struct intake_lxc *in = calloc(1, sizeof(*in));
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!in)
                return log_error_errno(-ENOMEM, "lxc: %m");
        list_init(&in->idle);
        in->daemon = d;
        in->log_rl = (struct ratelimit) { .interval_usec = 10 * 1000000ULL, .burst = 10 };
        in->path = strdup(path);
        fd = socket_listen_unix(path, SOCK_SEQPACKET, 128);
        r = !in->path ? -ENOMEM : fd < 0 ? fd : lxc_resolve_new(d, lxcpath, &in->resolve);
        if (r == 0)
                r = acceptor_start(&in->acceptor, &d->loop, TAKE_FD(fd), "lxc", on_accept, on_intake_closed);
        if (r < 0) {
                if (in->acceptor.closing)
                        intake_lxc_free(in); /* frees from the close callback */
                else
                        intake_new_fail(in);
                return log_error_errno(r, "lxc: cannot listen on %s: %m", path);
        }
        *ret = in;
        return 0;
}

struct intake_lxc *intake_lxc_free(struct intake_lxc *in)
{
        if (!in || in->closing)
                return NULL;
        in->closing = true;
        list_for_each_safe(pos, tmp, &in->idle)
                idle_close(list_entry(pos, struct idle_conn, node));
        in->resolve = lxc_resolve_free(in->resolve);
        (void) unlink(in->path);
        acceptor_close(&in->acceptor);
        return NULL;
}
