/* The per-container namespace helper: a fork of the daemon that joined the
 * container's mount namespace and serves mount requests over a SOCK_SEQPACKET
 * socketpair, one at a time, in order. Does not log.
 *
 * The child is a fork of a daemon that may have threads: it does nothing that
 * mallocs. It stays in the host's user and pid namespaces (host privilege for
 * block-device filesystems; invisible in the container's pid namespace), keeps
 * /dev/null on 0-2 and its socket, and lives chrooted in an empty private
 * tmpfs (mount_helper_init()), so the paths a container writes into mount data
 * resolve to nothing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "emulators/mount.h"
#include "emulators/nshelper.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The kernel's largest errno (MAX_ERRNO). */
#define ERRNO_MAX 4095

struct nshelper {
        pid_t pid;
        int pidfd; /* the helper's own */
        int sock;  /* the daemon's end, non-blocking */
};

/* Room for one fd more than allowed, to see a sender that sent too many. */
union fd_control {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * (NSHELPER_MAX_FDS + 1))];
};

/* ---- the helper process ---- */

/* 0-2 become /dev/null; sock and pidfd move to >= 3 (*sock, *pidfd updated) and
 * every other fd is closed. */
static int isolate_fds(int *sock, int *pidfd)
{
        int *keep[] = { sock, pidfd };
        int r = child_keep_fds(keep, ARRAY_SIZE(keep)), null;

        if (r < 0)
                return r;
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return -errno;
        for (int i = 0; i < 3; i++)
                if (null != i && dup3(null, i, O_CLOEXEC) < 0)
                        return -errno;
        if (null > 2)
                safe_close(null);
        return 0;
}

static bool terminated(const char *s, size_t size)
{
        return memchr(s, '\0', size) != NULL;
}

/* Takes the fds out of |msg| into fds (at most max), closing any beyond. */
static void close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fds[i] = safe_close(fds[i]);
}

/* Receives one request: 0, -EINVAL (malformed: req->tag is what came, or 0),
 * -EPIPE (the daemon hung up), other -errno. On 0, fds[0..*ret_n) are ours. */
static int recv_request(int sock, struct nshelper_request *req, int *fds, size_t *ret_n)
{
        union fd_control control;
        struct iovec iov = { .iov_base = req, .iov_len = sizeof(*req) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        int got[NSHELPER_MAX_FDS + 1];
        size_t n_got;
        ssize_t n;

        memset(req, 0, sizeof(*req));
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPIPE;
        n_got = 0;
        (void) socket_take_fds(&msg, got, ARRAY_SIZE(got), &n_got);
        if ((size_t) n != sizeof(*req) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
            n_got > NSHELPER_MAX_FDS || req->n_fds != n_got || !terminated(req->fstype, sizeof(req->fstype)) ||
            !terminated(req->source, sizeof(req->source)) || !terminated(req->data, sizeof(req->data))) {
                close_fds(got, n_got);
                return -EINVAL;
        }
        memcpy(fds, got, n_got * sizeof(int));
        *ret_n = n_got;
        return 0;
}

static int send_reply(int sock, uint64_t tag, int result)
{
        struct nshelper_reply rep;
        ssize_t n;

        memset(&rep, 0, sizeof(rep));
        rep.tag = tag;
        rep.result = result;
        do
                n = send(sock, &rep, sizeof(rep), MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

static int handle(struct mount_helper *mh, const struct nshelper_request *req, const int *fds, size_t n_fds)
{
        if (req->opcode == NSHELPER_PING)
                return n_fds == 0 ? 0 : -EINVAL;
        return mount_perform(mh, req, fds, n_fds);
}

/* Serves until the daemon hangs up (0) or the socket fails (-errno). */
static int serve(int sock)
{
        struct mount_helper mh;
        struct nshelper_request req;
        int r;

        r = mount_helper_init(&mh);
        if (r < 0)
                return r;
        for (;;) {
                int fds[NSHELPER_MAX_FDS];
                size_t n_fds = 0;
                int result;

                r = recv_request(sock, &req, fds, &n_fds);
                if (r == -EPIPE)
                        return 0;
                if (r < 0 && r != -EINVAL)
                        return r;
                result = r < 0 ? r : handle(&mh, &req, fds, n_fds);
                close_fds(fds, n_fds);
                r = send_reply(sock, req.tag, result);
                if (r < 0)
                        return r;
        }
}

_Noreturn static void child_main(int sock, int pidfd, pid_t parent)
{
        /* The death signal first, then the check that the parent did not die before it. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        /* The daemon's handlers would run on stale state (its libuv signal pipe is gone). */
        child_reset_signals();
        if (isolate_fds(&sock, &pidfd) < 0)
                _exit(1);
        /* Only the mount namespace: user and pid stay the host's. */
        if (setns(pidfd, CLONE_NEWNS) < 0)
                _exit(1);
        pidfd = safe_close(pidfd);
        _exit(serve(sock) < 0 ? 1 : 0);
}

/* ---- the daemon's side ---- */

int nshelper_start(int pidfd, struct nshelper **ret)
{
        _cleanup_free_ struct nshelper *h = NULL;
        _cleanup_close_ int ours = -EBADF, theirs = -EBADF;
        pid_t parent = getpid(), pid;
        int sv[2], fd;

        /* Gone already: say so rather than fork a helper that cannot join. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return -errno;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        ours = sv[0];
        theirs = sv[1];
        if (fcntl(ours, F_SETFL, O_NONBLOCK) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                child_main(theirs, pidfd, parent);
        fd = child_pidfd(pid);
        if (fd < 0)
                return fd;
        h->pid = pid;
        h->pidfd = fd;
        h->sock = TAKE_FD(ours);
        *ret = TAKE_PTR(h);
        return 0;
}

struct nshelper *nshelper_free(struct nshelper *h)
{
        struct pollfd p;
        siginfo_t info;

        if (!h)
                return NULL;
        h->sock = safe_close(h->sock);
        (void) syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
        /* A pidfd polls readable once the process has exited. */
        p = (struct pollfd) { .fd = h->pidfd, .events = POLLIN };
        (void) poll(&p, 1, NSHELPER_REAP_MS);
        memset(&info, 0, sizeof(info));
        (void) waitid((idtype_t) P_PIDFD, (id_t) h->pidfd, &info, WEXITED | WNOHANG);
        h->pidfd = safe_close(h->pidfd);
        free(h);
        return NULL;
}

int nshelper_fd(const struct nshelper *h)
{
        return h->sock;
}

pid_t nshelper_pid(const struct nshelper *h)
{
        return h->pid;
}

int nshelper_submit(struct nshelper *h, const struct nshelper_request *req, const int *fds, size_t n_fds)
{
        union fd_control control;
        struct iovec iov = { .iov_base = (void *) req, .iov_len = sizeof(*req) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (n_fds > NSHELPER_MAX_FDS || n_fds != req->n_fds)
                return -EINVAL;
        if (n_fds > 0)
                socket_put_fds(&msg, control.buf, fds, n_fds);
        do
                n = sendmsg(h->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == ECONNRESET || errno == ENOTCONN ? -EPIPE : -errno;
        /* SOCK_SEQPACKET sends a record whole or not at all. */
        return (size_t) n == sizeof(*req) ? 0 : -EIO;
}

int nshelper_read_reply(struct nshelper *h, struct nshelper_reply *ret)
{
        struct nshelper_reply rep;
        ssize_t n;

        do
                n = recv(h->sock, &rep, sizeof(rep), MSG_DONTWAIT | MSG_TRUNC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == ECONNRESET ? -EPIPE : -errno;
        if (n == 0)
                return -EPIPE;
        if ((size_t) n != sizeof(rep) || rep.result > MOUNT_CONTINUE || rep.result < -ERRNO_MAX)
                return -EBADMSG;
        *ret = rep;
        return 0;
}
