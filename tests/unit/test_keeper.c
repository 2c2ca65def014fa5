/* supervisor/keeper.c with its client supervisor/fd_store.c: what a daemon
 * puts is what the next daemon gets (the same open files), a deleted name is
 * gone, a dying daemon's last message is read before the next one's GET, and
 * STOP ends the keeper. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/fd_store.h"
#include "supervisor/keeper.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

/* Whether a keeper listens at |path| (a plain connect: fd_store_connect()
 * would start one from /proc/self/exe, this test program). */
static bool listening(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(path);
        int fd;
        bool ok;

        if (len >= sizeof(sa.sun_path))
                return false;
        memcpy(sa.sun_path, path, len + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        ok = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}

static pid_t start_keeper(const char *path)
{
        pid_t pid = fork();

        if (pid == 0)
                _exit(keeper_run(path));
        for (int i = 0; i < 400 && !listening(path); i++)
                usleep(5000);
        return pid;
}

static const struct stored_fd *find(const struct stored_fd *fds, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(fds[i].name, name) == 0)
                        return &fds[i];
        return NULL;
}

static bool same_file(int a, int b)
{
        struct stat x, y;

        return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

TEST(the_next_daemon_gets_what_the_last_one_kept)
{
        char dir[256], path[300];
        struct stored_fd *got;
        size_t n;
        int pipe_fds[2], first, second, status;
        pid_t keeper;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        snprintf(path, sizeof(path), "%s/keeper.sock", dir);
        keeper = start_keeper(path);
        ASSERT_GT(keeper, 0);
        ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);

        first = fd_store_connect(path, "error");
        ASSERT_GE(first, 0);
        ASSERT_EQ(fd_store_get(first, &got, &n), 0);
        EXPECT_EQ(n, 0);
        stored_fds_free(got, n);
        EXPECT_EQ(fd_store_put(first, "l/1", pipe_fds[0]), 0);
        EXPECT_EQ(fd_store_put(first, "l/2", pipe_fds[1]), 0);
        EXPECT_EQ(fd_store_put(first, "r/0", pipe_fds[1]), 0);
        EXPECT_EQ(fd_store_del(first, "r/0"), 0);
        EXPECT_EQ(fd_store_put(first, "bad name", pipe_fds[1]), -EINVAL);
        /* The daemon dies right after its last PUT: the keeper still reads it. */
        EXPECT_EQ(fd_store_put(first, "p/3", pipe_fds[0]), 0);
        close(first);

        second = fd_store_connect(path, "error");
        ASSERT_GE(second, 0);
        ASSERT_EQ(fd_store_get(second, &got, &n), 0);
        EXPECT_EQ(n, 3);
        EXPECT_TRUE(find(got, n, "l/1") && same_file(find(got, n, "l/1")->fd, pipe_fds[0]));
        EXPECT_TRUE(find(got, n, "l/2") && same_file(find(got, n, "l/2")->fd, pipe_fds[1]));
        EXPECT_TRUE(find(got, n, "p/3") != NULL);
        EXPECT_TRUE(find(got, n, "r/0") == NULL);
        stored_fds_free(got, n);

        EXPECT_EQ(fd_store_say(second, "STOP"), 0);
        ASSERT_EQ(waitpid(keeper, &status, 0), keeper);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        EXPECT_EQ(access(path, F_OK), -1); /* it removed its socket */
        close(second);
}

TEST(a_second_keeper_on_the_same_socket_steps_aside)
{
        char dir[256], path[300];
        int sock, status;
        pid_t keeper;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        snprintf(path, sizeof(path), "%s/keeper.sock", dir);
        keeper = start_keeper(path);
        ASSERT_TRUE(listening(path));
        EXPECT_EQ(keeper_run(path), 1);
        sock = fd_store_connect(path, "error");
        ASSERT_GE(sock, 0);
        EXPECT_EQ(fd_store_say(sock, "STOP"), 0);
        ASSERT_EQ(waitpid(keeper, &status, 0), keeper);
        close(sock);
}

TEST(garbage_drops_the_connection_not_the_keeper)
{
        char dir[256], path[300];
        struct stored_fd *got;
        size_t n;
        int a, b, status;
        pid_t keeper;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        snprintf(path, sizeof(path), "%s/keeper.sock", dir);
        keeper = start_keeper(path);
        a = fd_store_connect(path, "error");
        ASSERT_GE(a, 0);
        EXPECT_EQ(fd_store_say(a, "HELLO"), 0);
        b = fd_store_connect(path, "error");
        ASSERT_GE(b, 0);
        ASSERT_EQ(fd_store_get(b, &got, &n), 0);
        stored_fds_free(got, n);
        EXPECT_EQ(fd_store_say(b, "STOP"), 0);
        ASSERT_EQ(waitpid(keeper, &status, 0), keeper);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(a);
        close(b);
}
