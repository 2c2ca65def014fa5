/* A benchmark's temporary directory, its private seccompd, its children and stop
 * signals (see bench_env.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "tests/bench/bench_env.h"

#define TICK_MS 100 /* how often a blocked wait looks at signals and the deadline */

uint64_t bench_env_now_ns(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

uint64_t bench_env_deadline_ms(uint64_t ms)
{
        return bench_env_now_ns() + ms * 1000000u;
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };

        (void) nanosleep(&ts, NULL);
}

int bench_env_check_wait(const struct bench_env *e, uint64_t deadline)
{
        sigset_t pending;

        if (sigpending(&pending) < 0)
                return -errno;
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(&e->stop, sig) == 1 && sigismember(&pending, sig) == 1)
                        return -EINTR;
        return bench_env_now_ns() > deadline ? -ETIMEDOUT : 0;
}

int bench_env_wait_readable(const struct bench_env *e, int fd, uint64_t deadline)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        for (;;) {
                int r = poll(&p, 1, TICK_MS);

                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
                r = bench_env_check_wait(e, deadline);
                if (r < 0)
                        return r;
        }
}

pid_t bench_env_fork(const struct bench_env *e, int deathsig)
{
        pid_t parent = getpid(), pid;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, deathsig) < 0 || getppid() != parent)
                        _exit(2);
                (void) sigprocmask(SIG_SETMASK, &e->child_mask, NULL);
        }
        return pid;
}

int bench_env_check_exit(const char *who, int status)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                fprintf(stderr, "bench: %s exited with status %d\n", who, WEXITSTATUS(status));
        else
                fprintf(stderr, "bench: %s was killed by signal %d (%s)\n", who, WTERMSIG(status),
                        strsignal(WTERMSIG(status)));
        return -ECHILD;
}

/* ---------------------------------------------------------------- the daemon */

static void print_daemon_log(const struct bench_env *e)
{
        _cleanup_close_ int fd = open(e->log, O_RDONLY | O_CLOEXEC);
        char buf[4096];
        off_t size;
        ssize_t n;

        if (fd < 0)
                return;
        size = lseek(fd, 0, SEEK_END);
        if (size < 0 || lseek(fd, size > (off_t) sizeof(buf) ? size - (off_t) sizeof(buf) : 0, SEEK_SET) < 0)
                return;
        n = read(fd, buf, sizeof(buf));
        if (n > 0)
                fprintf(stderr, "bench: --- end of the seccompd log ---\n%.*s", (int) n, buf);
}

int bench_env_daemon_check(struct bench_env *e)
{
        int status;
        pid_t r = waitpid(e->daemon, &status, WNOHANG);

        if (r == 0)
                return 0;
        if (r < 0)
                return -errno;
        e->daemon = 0;
        /* Even a clean exit is a failure while it is still needed. */
        if (bench_env_check_exit("seccompd", status) == 0)
                fprintf(stderr, "bench: seccompd exited early\n");
        print_daemon_log(e);
        return -ECHILD;
}

/* In the forked child: the daemon on private sockets, its output in the log file. */
_Noreturn static void daemon_exec(const struct bench_env *e, const char *path, int log_fd)
{
        if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
                _exit(126);
        /* Its own process group: ^C reaches only us, and we stop the daemon in order. */
        (void) setpgid(0, 0);
        execl(path, path, "--socket", e->sock, "--control", e->ctl, "--policy-dir", e->policies, (char *) NULL);
        fprintf(stderr, "bench: exec %s: %s\n", path, strerror(errno));
        _exit(127);
}

/* The control socket is made after the intake socket listens: its presence means ready. */
static int daemon_wait_ready(struct bench_env *e)
{
        uint64_t deadline = bench_env_deadline_ms(BENCH_ENV_TIMEOUT_MS);
        struct stat st;
        int r;

        for (;;) {
                if (stat(e->ctl, &st) == 0 && S_ISSOCK(st.st_mode))
                        return 0;
                r = bench_env_daemon_check(e);
                if (r == 0)
                        r = bench_env_check_wait(e, deadline);
                if (r < 0)
                        return r;
                sleep_ms(10);
        }
}

int bench_env_daemon_start(struct bench_env *e, const char *path)
{
        _cleanup_close_ int log_fd = open(e->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        pid_t pid;
        int r;

        if (log_fd < 0)
                return -errno;
        /* SIGTERM if we die first: the daemon then removes its sockets itself. */
        pid = bench_env_fork(e, SIGTERM);
        if (pid < 0)
                return pid;
        if (pid == 0)
                daemon_exec(e, path, log_fd);
        e->daemon = pid;
        r = daemon_wait_ready(e);
        if (r < 0)
                fprintf(stderr, "bench: seccompd (%s) did not start: %s\n", path,
                        r == -ECHILD ? "it exited" : r == -EINTR ? "interrupted" : strerror(-r));
        return r;
}

int bench_env_daemon_stop(struct bench_env *e)
{
        uint64_t deadline = bench_env_deadline_ms(BENCH_ENV_TIMEOUT_MS);
        int status, err;
        pid_t r;

        if (e->daemon <= 0)
                return 0;
        (void) kill(e->daemon, SIGTERM);
        while ((r = waitpid(e->daemon, &status, WNOHANG)) == 0 && bench_env_now_ns() < deadline)
                sleep_ms(10);
        if (r == 0) {
                fprintf(stderr, "bench: seccompd ignored SIGTERM for %d s, killing it\n",
                        BENCH_ENV_TIMEOUT_MS / 1000);
                (void) kill(e->daemon, SIGKILL);
                r = waitpid(e->daemon, &status, 0);
        }
        err = r < 0 ? errno : 0;
        e->daemon = 0;
        if (err) {
                fprintf(stderr, "bench: waiting for seccompd: %s\n", strerror(err));
                return -ECHILD;
        }
        if (bench_env_check_exit("seccompd", status) < 0) {
                print_daemon_log(e);
                return -ECHILD;
        }
        return 0;
}

/* ------------------------------------------------------- the directory */

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

static void remove_tree(const char *dir)
{
        (void) nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Removes the directory once we are gone, however we go (SIGKILL included): waits
 * for EOF on a pipe whose write end only we and our children hold. */
_Noreturn static void reaper_run(const char *dir, int fd)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c;

        /* Hold no one's output open (meson waits for its end); ^C is not for us. */
        if (null >= 0) {
                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
        }
        (void) setsid();
        while (read(fd, &c, 1) < 0 && errno == EINTR)
                ;
        remove_tree(dir);
        _exit(0);
}

static int reaper_start(const char *dir)
{
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                safe_close(p[0]);
                safe_close(p[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(p[1]);
                reaper_run(dir, p[0]);
        }
        /* The write end stays open, unused, until this process exits. */
        safe_close(p[0]);
        return 0;
}

int bench_env_path(const struct bench_env *e, const char *name, char *buf, size_t size)
{
        return (size_t) snprintf(buf, size, "%s/%s", e->dir, name) < size ? 0 : -ENAMETOOLONG;
}

int bench_env_init(struct bench_env *e)
{
        char dir[] = "/tmp/seccompd-bench-XXXXXX";
        int r;

        sigemptyset(&e->stop);
        sigaddset(&e->stop, SIGINT);
        sigaddset(&e->stop, SIGTERM);
        sigaddset(&e->stop, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &e->stop, &e->child_mask) < 0)
                return -errno;
        if (!mkdtemp(dir))
                return -errno;
        snprintf(e->dir, sizeof(e->dir), "%s", dir);
        r = reaper_start(dir);
        if (r < 0)
                return r;
        if (bench_env_path(e, "seccompd.sock", e->sock, sizeof(e->sock)) < 0 ||
            bench_env_path(e, "control.sock", e->ctl, sizeof(e->ctl)) < 0 ||
            bench_env_path(e, "seccompd.log", e->log, sizeof(e->log)) < 0 ||
            bench_env_path(e, "policies", e->policies, sizeof(e->policies)) < 0)
                return -ENAMETOOLONG;
        /* Its own policy dir: "policy=default" is then the built-in default,
         * whatever the machine has installed. */
        return mkdir(e->policies, 0755) < 0 ? -errno : 0;
}

int bench_env_write(const struct bench_env *e, const char *name, const char *text)
{
        _cleanup_close_ int fd = -EBADF;
        char path[256];
        size_t len = strlen(text);
        int r = bench_env_path(e, name, path, sizeof(path));

        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len)
                return -EIO;
        return 0;
}

void bench_env_done(struct bench_env *e)
{
        (void) bench_env_daemon_stop(e);
        if (e->dir[0]) {
                remove_tree(e->dir);
                e->dir[0] = '\0';
        }
}

int bench_env_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

const char *bench_env_why(int r)
{
        switch (r) {
        case -EINTR: return "interrupted";
        case -ETIMEDOUT: return "timed out";
        case -ECHILD: return "see above";
        default: return strerror(-r);
        }
}
