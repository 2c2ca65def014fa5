/* Socket activation and readiness: the parser runs in a forked child that got
 * real sockets at fds 3.. and LISTEN_* set for its own pid, as a service
 * manager would start it; readiness datagrams go to real unix sockets. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/activation.h"
#include "supervisor/readiness.h"
#include "tests/unit/harness.h"

/* Above anything the child is handed at 3..: where the fds wait to be moved. */
#define PARKED_FDS 200

/* What the manager passes: fds (moved to 3..), LISTEN_FDNAMES (NULL: unset)
 * and whether LISTEN_PID names the child itself. */
struct passed {
        int fds[4];
        size_t n;
        const char *names;
        bool other_pid;
};

struct result {
        int r;
        struct activation act;
        char err[256];
};

static int unix_socket(int type, const char *path, bool do_listen)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

        ASSERT_GE(fd, 0);
        if (path) {
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
                ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        } else if (do_listen) {
                /* Unix sockets listen only once bound: autobind to an abstract name. */
                ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa_family_t)), 0);
        }
        if (do_listen)
                ASSERT_EQ(listen(fd, 4), 0);
        return fd;
}

static int listening(const char *path)
{
        return unix_socket(SOCK_STREAM, path, true);
}

static void tmpdir(char *buf, size_t size)
{
        snprintf(buf, size, "/tmp/seccompd-activation.XXXXXX");
        ASSERT_TRUE(mkdtemp(buf));
}

/* Makes this process look started by a manager: fds 3.. without FD_CLOEXEC. */
static void become_activated(const struct passed *p)
{
        int parked[4];
        char v[32];

        for (size_t i = 0; i < p->n; i++) {
                parked[i] = fcntl(p->fds[i], F_DUPFD_CLOEXEC, PARKED_FDS);
                ASSERT_GE(parked[i], 0);
        }
        for (size_t i = 0; i < p->n; i++) {
                ASSERT_EQ(dup2(parked[i], ACTIVATION_FDS_START + (int) i), ACTIVATION_FDS_START + (int) i);
                close(parked[i]);
        }
        snprintf(v, sizeof(v), "%d", (int) (p->other_pid ? getppid() : getpid()));
        ASSERT_EQ(setenv("LISTEN_PID", v, 1), 0);
        snprintf(v, sizeof(v), "%zu", p->n);
        ASSERT_EQ(setenv("LISTEN_FDS", v, 1), 0);
        if (p->names)
                ASSERT_EQ(setenv("LISTEN_FDNAMES", p->names, 1), 0);
}

static void parse(struct result *res)
{
        memset(res, 0, sizeof(*res));
        res->r = activation_listen_fds(&res->act, res->err, sizeof(res->err));
}

static void expect_env_unset(void)
{
        EXPECT_FALSE(getenv("LISTEN_PID"));
        EXPECT_FALSE(getenv("LISTEN_FDS"));
        EXPECT_FALSE(getenv("LISTEN_FDNAMES"));
}

/* Runs |check|(arg) in a child started as |p| says; the test fails if it does. */
static void in_activated_child(const struct passed *p, void (*check)(const void *arg), const void *arg)
{
        int status;
        pid_t pid = fork();

        ASSERT_GE(pid, 0);
        if (pid == 0) {
                become_activated(p);
                check(arg);
                fflush(NULL);
                _exit(harness.failed ? 1 : 0);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void check_named_pair(const void *arg _unused_)
{
        struct result res;

        parse(&res);
        ASSERT_EQ(res.r, 2);
        expect_env_unset();
        EXPECT_STREQ(res.act.fds[0].name, "control");
        EXPECT_STREQ(res.act.fds[1].name, "intake");
        EXPECT_EQ(fcntl(3, F_GETFD), FD_CLOEXEC);
        EXPECT_EQ(fcntl(4, F_GETFD), FD_CLOEXEC);
        EXPECT_FALSE(fcntl(3, F_GETFL) & O_NONBLOCK);
        EXPECT_EQ(activation_take(&res.act, "control", NULL, false), 3);
        EXPECT_EQ(activation_take(&res.act, "intake", NULL, true), 4);
        EXPECT_EQ(activation_take(&res.act, "intake", NULL, true), -ENOENT);
        /* Taken sockets go to accept loops that drain until EAGAIN. */
        EXPECT_TRUE(fcntl(3, F_GETFL) & O_NONBLOCK);
        EXPECT_TRUE(fcntl(4, F_GETFL) & O_NONBLOCK);
        EXPECT_EQ(activation_close_rest(&res.act), 0);
}

TEST(named_sockets_are_taken_by_role_and_made_cloexec)
{
        struct passed p = { .n = 2, .names = "control:intake" };

        p.fds[0] = listening(NULL);
        p.fds[1] = listening(NULL);
        in_activated_child(&p, check_named_pair, NULL);
}

static void check_unnamed_is_intake(const void *arg _unused_)
{
        struct result res;

        parse(&res);
        ASSERT_EQ(res.r, 1);
        EXPECT_EQ(activation_take(&res.act, "control", "/run/seccompd/control.sock", false), -ENOENT);
        EXPECT_EQ(activation_take(&res.act, "intake", "/elsewhere", true), 3);
}

TEST(one_unnamed_socket_is_the_intake)
{
        struct passed p = { .n = 1 };

        p.fds[0] = listening(NULL);
        in_activated_child(&p, check_unnamed_is_intake, NULL);
}

TEST(unknown_name_counts_as_unnamed)
{
        struct passed p = { .n = 1, .names = "unknown" };

        p.fds[0] = listening(NULL);
        in_activated_child(&p, check_unnamed_is_intake, NULL);
}

/* systemd names a socket without FileDescriptorName= after its unit. */
TEST(socket_unit_name_counts_as_unnamed)
{
        struct passed p = { .n = 1, .names = "my-seccompd.socket" };

        p.fds[0] = listening(NULL);
        in_activated_child(&p, check_unnamed_is_intake, NULL);
}

static void check_found_by_path(const void *arg)
{
        const char *dir = arg;
        struct result res;
        char a[96], b[96];

        snprintf(a, sizeof(a), "%s/a.sock", dir);
        snprintf(b, sizeof(b), "%s/b.sock", dir);
        parse(&res);
        ASSERT_EQ(res.r, 2);
        /* Names win over paths; the path finds the second one. */
        EXPECT_EQ(activation_take(&res.act, "control", b, false), 4);
        EXPECT_EQ(activation_take(&res.act, "intake", a, true), 3);
}

TEST(a_socket_bound_at_the_configured_path_is_found_without_a_name)
{
        struct passed p = { .n = 2, .names = "x:y" };
        char dir[64], path[96];

        tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/a.sock", dir);
        p.fds[0] = listening(path);
        snprintf(path, sizeof(path), "%s/b.sock", dir);
        p.fds[1] = listening(path);
        in_activated_child(&p, check_found_by_path, dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/a.sock", dir);
        unlink(path);
        rmdir(dir);
}

static void check_not_ours(const void *arg _unused_)
{
        struct result res;

        parse(&res);
        EXPECT_EQ(res.r, 0);
        EXPECT_EQ(res.act.n_fds, 0);
        expect_env_unset();
        /* Not ours: left exactly as it was. */
        EXPECT_EQ(fcntl(3, F_GETFD), 0);
}

TEST(variables_for_another_pid_are_dropped_and_fds_left_alone)
{
        struct passed p = { .n = 1, .names = "intake", .other_pid = true };

        p.fds[0] = listening(NULL);
        in_activated_child(&p, check_not_ours, NULL);
}

TEST(no_listen_pid_means_not_activated)
{
        struct result res;

        unsetenv("LISTEN_PID");
        setenv("LISTEN_FDS", "1", 1);
        parse(&res);
        EXPECT_EQ(res.r, 0);
        EXPECT_EQ(res.act.n_fds, 0);
        EXPECT_FALSE(getenv("LISTEN_FDS"));
}

/* A refusal: its errno and words the reason must contain. */
struct refusal {
        int r;
        const char *words;
};

static void check_refused(const void *arg)
{
        const struct refusal *want = arg;
        struct result res;

        parse(&res);
        EXPECT_EQ(res.r, want->r);
        expect_env_unset();
        if (!strstr(res.err, want->words))
                HARNESS_FAIL(false, "reason \"%s\" lacks \"%s\"", res.err, want->words);
}

TEST(a_regular_file_is_refused_with_its_kind)
{
        struct passed p = { .n = 1, .names = "intake" };

        p.fds[0] = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        ASSERT_GE(p.fds[0], 0);
        in_activated_child(&p, check_refused,
                           &(struct refusal) { -ENOTSOCK, "passed fd 3 (\"intake\") is a regular file" });
}

TEST(a_datagram_socket_is_refused)
{
        struct passed p = { .n = 1 };

        p.fds[0] = unix_socket(SOCK_DGRAM, NULL, false);
        in_activated_child(&p, check_refused,
                           &(struct refusal) { -ENOTSOCK, "passed fd 3 is a datagram socket" });
}

TEST(a_stream_socket_that_does_not_listen_is_refused)
{
        struct passed p = { .n = 1 };

        p.fds[0] = unix_socket(SOCK_STREAM, NULL, false);
        in_activated_child(&p, check_refused, &(struct refusal) { -ENOTSOCK, "not listening" });
}

TEST(a_tcp_socket_is_refused)
{
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct passed p = { .n = 1 };

        p.fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(p.fds[0], 0);
        ASSERT_EQ(bind(p.fds[0], (struct sockaddr *) &sin, sizeof(sin)), 0);
        ASSERT_EQ(listen(p.fds[0], 1), 0);
        in_activated_child(&p, check_refused, &(struct refusal) { -ENOTSOCK, "not AF_UNIX" });
}

TEST(every_passed_fd_is_checked)
{
        struct passed p = { .n = 2, .names = "intake:control" };
        int pipefd[2];

        ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
        p.fds[0] = listening(NULL);
        p.fds[1] = pipefd[0];
        in_activated_child(&p, check_refused,
                           &(struct refusal) { -ENOTSOCK, "passed fd 4 (\"control\") is a pipe" });
}

static void check_closed(const void *arg)
{
        close(3);
        check_refused(arg);
}

TEST(a_closed_fd_is_refused)
{
        struct passed p = { .n = 1 };

        p.fds[0] = listening(NULL);
        in_activated_child(&p, check_closed, &(struct refusal) { -EBADF, "passed fd 3 is not open" });
}

/* Sets LISTEN_* for this process by hand and parses. */
static int parse_env(const char *fds, const char *names, char *err, size_t errlen)
{
        struct activation act;
        char pid[32];

        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        setenv("LISTEN_PID", pid, 1);
        setenv("LISTEN_FDS", fds, 1);
        if (names)
                setenv("LISTEN_FDNAMES", names, 1);
        else
                unsetenv("LISTEN_FDNAMES");
        return activation_listen_fds(&act, err, errlen);
}

TEST(malformed_variables_are_refused)
{
        char err[256];

        EXPECT_EQ(parse_env("abc", NULL, err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "LISTEN_FDS is not a number");
        EXPECT_EQ(parse_env("-1", NULL, err, sizeof(err)), -EINVAL);
        EXPECT_EQ(parse_env("17", NULL, err, sizeof(err)), -E2BIG);
        EXPECT_EQ(parse_env("0", "intake", err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "LISTEN_FDNAMES names 1 fds, LISTEN_FDS=0");
        EXPECT_EQ(parse_env("2", "intake", err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "LISTEN_FDNAMES names 1 fds, LISTEN_FDS=2");
        setenv("LISTEN_PID", "12x", 1);
        EXPECT_EQ(activation_listen_fds(&(struct activation) { 0 }, err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "LISTEN_PID is not a pid");
        expect_env_unset();
        /* Zero sockets is a valid, empty activation. */
        EXPECT_EQ(parse_env("0", NULL, err, sizeof(err)), 0);
}

static void check_rest_closed(const void *arg _unused_)
{
        struct result res;

        parse(&res);
        ASSERT_EQ(res.r, 2);
        EXPECT_EQ(activation_take(&res.act, "intake", NULL, true), 3);
        EXPECT_EQ(activation_close_rest(&res.act), 1);
        EXPECT_EQ(fcntl(4, F_GETFD), -1);
        EXPECT_EQ(fcntl(3, F_GETFD), FD_CLOEXEC);
}

TEST(fds_nobody_took_are_closed)
{
        struct passed p = { .n = 2, .names = "intake:metrics" };

        p.fds[0] = listening(NULL);
        p.fds[1] = listening(NULL);
        in_activated_child(&p, check_rest_closed, NULL);
}

/* ---- readiness ---- */

static void expect_datagram(int fd, const char *want)
{
        char buf[64] = "";
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

        ASSERT_EQ(n, (ssize_t) strlen(want));
        EXPECT_STREQ(buf, want);
}

TEST(readiness_without_notify_socket_sends_nothing)
{
        unsetenv("NOTIFY_SOCKET");
        EXPECT_EQ(readiness_notify("READY=1"), 0);
}

TEST(readiness_reaches_a_path_socket)
{
        char dir[64], path[96];
        int fd;

        tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/notify", dir);
        fd = unix_socket(SOCK_DGRAM, path, false);
        setenv("NOTIFY_SOCKET", path, 1);
        EXPECT_EQ(readiness_notify("READY=1"), 1);
        expect_datagram(fd, "READY=1");
        EXPECT_EQ(readiness_notify("STOPPING=1"), 1);
        expect_datagram(fd, "STOPPING=1");
        EXPECT_STREQ(getenv("NOTIFY_SOCKET"), path);
        unlink(path);
        rmdir(dir);
}

TEST(readiness_reaches_an_abstract_socket)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char name[64];
        socklen_t len;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        ASSERT_GE(fd, 0);
        snprintf(name, sizeof(name), "@seccompd-test-notify-%d", (int) getpid());
        /* The abstract name is exactly the bytes after '@', no NUL. */
        memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(name));
        ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, len), 0);
        setenv("NOTIFY_SOCKET", name, 1);
        EXPECT_EQ(readiness_notify("READY=1"), 1);
        expect_datagram(fd, "READY=1");
}

TEST(readiness_refuses_a_malformed_address_and_reports_a_missing_socket)
{
        setenv("NOTIFY_SOCKET", "relative/path", 1);
        EXPECT_EQ(readiness_notify("READY=1"), -EINVAL);
        setenv("NOTIFY_SOCKET", "@", 1);
        EXPECT_EQ(readiness_notify("READY=1"), -EINVAL);
        setenv("NOTIFY_SOCKET", "/nonexistent/seccompd-notify", 1);
        EXPECT_EQ(readiness_notify("READY=1"), -ENOENT);
}
