/* A forked child's clean slate (common/child.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"

void child_reset_signals(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

int child_keep_fds(int *fds[], size_t n)
{
        int sorted[CHILD_KEEP_MAX];
        unsigned lo = 3;

        if (n > CHILD_KEEP_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                int fd = fcntl(*fds[i], F_DUPFD_CLOEXEC, 3);

                if (fd < 0)
                        return -errno;
                *fds[i] = fd;
                sorted[i] = fd;
                for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
                        int tmp = sorted[j];

                        sorted[j] = sorted[j - 1];
                        sorted[j - 1] = tmp;
                }
        }
        for (size_t i = 0; i < n; i++) {
                if ((unsigned) sorted[i] > lo && close_range(lo, (unsigned) sorted[i] - 1, 0) < 0)
                        return -errno;
                lo = (unsigned) sorted[i] + 1;
        }
        return close_range(lo, ~0U, 0) < 0 ? -errno : 0;
}

int child_pidfd(pid_t pid)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, 0), r;

        if (fd >= 0)
                return fd;
        r = -errno;
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        return r;
}
