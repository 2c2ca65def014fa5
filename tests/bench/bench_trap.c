/* Trapped processes for the benchmarks: filter, hand-over, and the raw floor. */
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "emulators/notify.h"
#include "shim/oci_send.h"
#include "tests/bench/bench_trap.h"

#define TICK_MS 100 /* the raw server's SIGALRM period: how often it looks up from RECV */

int bench_trap_install(int nr)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r, fd;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
        if (r == 0)
                r = seccomp_load(ctx);
        fd = r == 0 ? seccomp_notify_fd(ctx) : -EBADF;
        seccomp_release(ctx);
        if (r < 0)
                return r;
        return fd < 0 ? -EBADF : fd;
}

int bench_trap_register(const struct bench_env *e, int daemon_sock, const char *id, const char *metadata,
                        int listener)
{
        char msg[4096], ack[512];
        int r, len;

        len = oci_send_format_state(msg, sizeof(msg), getpid(), id, metadata, e->dir, false);
        if (len < 0)
                return len;
        r = oci_send(daemon_sock, msg, (size_t) len, listener, 1);
        if (r < 0)
                return r;
        r = oci_send_read_ack(daemon_sock, ack, sizeof(ack), BENCH_ENV_TIMEOUT_MS);
        if (r < 0)
                return r;
        if (strncmp(ack, "ok ", 3) != 0) {
                fprintf(stderr, "bench: seccompd refused the listener: %s\n", r > 0 ? ack : "(no reply)");
                return -EPROTO;
        }
        return 0;
}

int bench_trap_send_listener(int sock, int listener)
{
        return oci_send(sock, "L", 1, listener, 1);
}

int bench_trap_recv_listener(const struct bench_env *e, int sock, uint64_t deadline)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = { .buf = { 0 } };
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        _cleanup_close_ int fd = -EBADF;
        struct cmsghdr *c;
        int r;

        r = bench_env_wait_readable(e, sock, deadline);
        if (r < 0)
                return r;
        if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
                return -errno;
        c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
                return -EBADMSG;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        r = notify_check_listener(fd);
        return r < 0 ? r : TAKE_FD(fd);
}

/* On a tick: -ECHILD if every trapped process is gone, -EINTR/-ETIMEDOUT as check_wait. */
static int listener_check(const struct bench_env *e, int listener, uint64_t deadline)
{
        struct pollfd p = { .fd = listener, .events = POLLIN };

        if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN))
                return -ECHILD;
        return bench_env_check_wait(e, deadline);
}

static int answer_raw(int listener, const struct seccomp_notif *req)
{
        if (req->data.nr != __NR_mknodat)
                return -EPROTO;
        return notify_send_error(listener, req->id, EPERM);
}

int bench_trap_serve_raw(const struct bench_env *e, int listener, unsigned long n, uint64_t deadline)
{
        const struct itimerval tick = { { 0, TICK_MS * 1000 }, { 0, TICK_MS * 1000 } };
        const struct itimerval off = { { 0, 0 }, { 0, 0 } };
        struct seccomp_notif req;
        int r = 0;

        if (setitimer(ITIMER_REAL, &tick, NULL) < 0)
                return -errno;
        for (unsigned long i = 0; i < n;) {
                r = notify_recv(listener, &req);
                if (r == -EINTR || r == -ENOENT) {
                        r = listener_check(e, listener, deadline);
                        if (r < 0)
                                break;
                        continue;
                }
                if (r < 0)
                        break;
                /* SEND takes the notify lock interruptibly: the tick can fail it unanswered. */
                do
                        r = answer_raw(listener, &req);
                while (r == -EINTR);
                if (r < 0)
                        break;
                i++;
        }
        (void) setitimer(ITIMER_REAL, &off, NULL);
        return r;
}

/* SIGALRM only has to break the raw loop's blocking RECV. */
static void on_alarm(int sig)
{
        (void) sig;
}

int bench_trap_alarm_init(void)
{
        const struct sigaction alarm_action = { .sa_handler = on_alarm };

        return sigaction(SIGALRM, &alarm_action, NULL) < 0 ? -errno : 0;
}

int bench_trap_child_start(const struct bench_env *e, void (*fn)(void *arg, int sock), void *arg,
                           struct bench_trap_child *ret)
{
        int sv[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = bench_env_fork(e, SIGKILL);
        if (pid < 0) {
                safe_close(sv[0]);
                safe_close(sv[1]);
                return pid;
        }
        if (pid == 0) {
                safe_close(sv[0]);
                fn(arg, sv[1]);
                _exit(127);
        }
        safe_close(sv[1]);
        ret->pid = pid;
        ret->sock = sv[0];
        return 0;
}

void bench_trap_child_done(struct bench_trap_child *c)
{
        if (c->pid > 0) {
                (void) kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
                c->pid = 0;
        }
        c->sock = safe_close(c->sock);
}

int bench_trap_child_read(const struct bench_env *e, struct bench_trap_child *c, void *buf, size_t size, bool reap,
                          uint64_t deadline)
{
        int r, status;
        ssize_t n;

        r = bench_env_wait_readable(e, c->sock, deadline);
        if (r < 0)
                return r;
        n = recv(c->sock, buf, size, 0);
        if (n < 0)
                return -errno;
        if (!reap)
                return (size_t) n == size ? 0 : -ECHILD;
        while (waitpid(c->pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        c->pid = 0;
        r = bench_env_check_exit("the trapped child", status);
        return r < 0 ? r : (size_t) n == size ? 0 : -EBADMSG;
}
