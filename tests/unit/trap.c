/* A child under a seccomp notify filter, driven step by step over a SOCK_SEQPACKET
 * socketpair: setup result, (user namespace maps), listener fd, result of act. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/macro.h"
#include "emulators/notify.h"
#include "tests/unit/trap.h"

#define TRAP_TIMEOUT_MS 5000

static int wait_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r;

        do
                r = poll(&p, 1, TRAP_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        return r == 0 ? -ETIMEDOUT : 0;
}

/* Sends an int, with |fd| attached when >= 0. */
static int send_int(int sock, int value, int fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                struct cmsghdr *c;

                msg.msg_control = control.buf;
                msg.msg_controllen = sizeof(control.buf);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Receives an int and, if one came, an fd (else *ret_fd = -EBADF). */
static int recv_int(int sock, int *ret_value, int *ret_fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        int value = 0, fd = -EBADF, r;
        struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        ssize_t n;

        r = wait_readable(sock);
        if (r < 0)
                return r;
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (n != sizeof(value)) {
                safe_close(fd);
                return -EPIPE;
        }
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        *ret_value = value;
        return 0;
}

static int load_filter(int *ret_fd)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r, fd;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mknod), 0);
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mknodat), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        fd = r == 0 ? seccomp_notify_fd(ctx) : -1;
        seccomp_release(ctx);
        if (r < 0)
                return r;
        if (fd < 0)
                return -EBADF;
        *ret_fd = fd;
        return 0;
}

static int child_unshare_user(int sock)
{
        int r, ok;

        if (unshare(CLONE_NEWUSER) < 0)
                return -errno;
        r = send_int(sock, 0, -EBADF);
        if (r < 0)
                return r;
        /* The parent writes our maps, then tells us to go on. */
        r = recv_int(sock, &ok, NULL);
        if (r < 0)
                return r;
        /* Still host root until we switch to the namespace's root, i.e. map_outer. */
        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return -errno;
        return 0;
}

_Noreturn static void child_run(const struct trap_opts *o, int sock, pid_t parent)
{
        int r = 0, fd = -EBADF;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(2);
        if (o->setup)
                r = o->setup(o->userdata);
        if (r == 0 && o->userns)
                r = child_unshare_user(sock);
        /* A change of credentials in setup clears the parent-death signal: re-arm. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(2);
        if (r == 0)
                r = load_filter(&fd);
        if (send_int(sock, r, fd) < 0 || r < 0)
                _exit(3);
        safe_close(fd);
        r = o->act ? o->act(o->userdata) : 0;
        _exit(send_int(sock, r, -EBADF) < 0 ? 4 : 0);
}

static int write_file(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len)
                return -EIO;
        return 0;
}

static int write_maps(pid_t pid, uint32_t outer)
{
        char path[64], map[64];
        int r;

        snprintf(map, sizeof(map), "0 %u 65536\n", outer);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        r = write_file(path, map);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        return write_file(path, map);
}

/* Parent side of the handshake: setup result, maps, listener fd. */
static int parent_handshake(const struct trap_opts *o, struct trap *t)
{
        int status = 0, r;

        if (o->userns) {
                r = recv_int(t->sock, &status, NULL);
                if (r < 0 || status < 0)
                        return r < 0 ? r : status;
                r = write_maps(t->pid, o->map_outer);
                if (r < 0)
                        return r;
                r = send_int(t->sock, 0, -EBADF);
                if (r < 0)
                        return r;
        }
        r = recv_int(t->sock, &status, &t->listener_fd);
        if (r < 0 || status < 0)
                return r < 0 ? r : status;
        return t->listener_fd < 0 ? -EBADF : 0;
}

int trap_start(const struct trap_opts *o, struct trap *ret)
{
        struct trap t = TRAP_NULL;
        pid_t parent = getpid();
        int sv[2], r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        fflush(NULL);
        t.pid = fork();
        if (t.pid < 0) {
                r = -errno;
                safe_close(sv[0]);
                safe_close(sv[1]);
                return r;
        }
        if (t.pid == 0) {
                safe_close(sv[0]);
                child_run(o, sv[1], parent);
        }
        safe_close(sv[1]);
        t.sock = sv[0];
        r = parent_handshake(o, &t);
        if (r < 0) {
                trap_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

int trap_recv(const struct trap *t, struct seccomp_notif *ret)
{
        int r = wait_readable(t->listener_fd);

        return r < 0 ? r : notify_recv(t->listener_fd, ret);
}

int trap_finish(struct trap *t, int *ret_error)
{
        int value, status, r;

        r = recv_int(t->sock, &value, NULL);
        if (r < 0)
                return r;
        if (waitpid(t->pid, &status, 0) < 0)
                return -errno;
        t->pid = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ECHILD;
        *ret_error = value;
        return 0;
}

void trap_done(struct trap *t)
{
        if (t->pid > 0) {
                (void) kill(t->pid, SIGKILL);
                (void) waitpid(t->pid, NULL, 0);
                t->pid = 0;
        }
        t->listener_fd = safe_close(t->listener_fd);
        t->sock = safe_close(t->sock);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                (void) rmdir(path);
        else
                (void) unlink(path);
        return 0;
}

_Noreturn static void watcher_run(int fd, const char *dir)
{
        char c;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        /* Do not hold the test's output open: meson waits for its end. */
        if (null >= 0) {
                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
        }
        (void) setsid();
        while (read(fd, &c, 1) < 0 && errno == EINTR)
                ;
        (void) nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        _exit(0);
}

int trap_tmpdir(char *buf, size_t size)
{
        int p[2];
        pid_t pid;

        if ((size_t) snprintf(buf, size, "/tmp/seccompd-unit-XXXXXX") >= size)
                return -ENAMETOOLONG;
        if (!mkdtemp(buf))
                return -errno;
        if (chmod(buf, 0755) < 0 || pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                safe_close(p[1]);
                watcher_run(p[0], buf);
        }
        /* The write end stays open in this process (and its children) until they exit. */
        safe_close(p[0]);
        return 0;
}
