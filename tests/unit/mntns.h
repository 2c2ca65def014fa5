/* Test fixture shared by the unit tests that need a "container": a child
 * process in a private mount namespace of its own (private propagation), held
 * until the test closes its pipe. Include after tests/unit/harness.h. */
#pragma once

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "tests/unit/harness.h"

/* A process in a private mount namespace, until its pipe closes. */
struct box {
        pid_t pid;
        int pidfd;
        int hold; /* our end: closing it ends the child */
};

static inline void box_start(struct box *b)
{
        int ready[2], hold[2];
        char c;

        ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
        ASSERT_EQ(pipe2(hold, O_CLOEXEC), 0);
        b->pid = fork();
        ASSERT_GE(b->pid, 0);
        if (b->pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(1);
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                close(hold[1]);
                (void) read(hold[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(hold[0]);
        ASSERT_EQ(read(ready[0], &c, 1), 1);
        close(ready[0]);
        b->hold = hold[1];
        b->pidfd = (int) syscall(SYS_pidfd_open, b->pid, 0);
        ASSERT_GE(b->pidfd, 0);
}

/* O_PATH fd of |path| as the box sees it (as the daemon opens paths). */
static inline int box_open(const struct box *b, const char *path)
{
        char p[PATH_MAX];
        int n, fd;

        n = snprintf(p, sizeof(p), "/proc/%d/root%s", (int) b->pid, path);
        ASSERT_TRUE(n > 0 && (size_t) n < sizeof(p));
        fd = open(p, O_PATH | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        return fd;
}
