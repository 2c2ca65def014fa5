/* The setting a benchmark runs in: a temporary directory, a seccompd on private
 * sockets in it, stop signals kept blocked and looked at while waiting, children
 * that die with us. bench_env_done() undoes it all; a reaper process removes the
 * directory even when we are killed. Errors are printed to stderr. */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_EXIT_SKIP 77 /* meson's "skipped": not run as root */
#define BENCH_ENV_TIMEOUT_MS 10000 /* daemon start-up, registration, shutdown */

struct bench_env {
        char dir[64];        /* "" until made */
        char sock[96];       /* seccompd's OCI listenerPath socket */
        char ctl[96];        /* its control socket */
        char log[96];        /* its stdout and stderr */
        char policies[96];   /* its --policy-dir, empty unless a benchmark writes there */
        pid_t daemon;        /* 0 when not running */
        sigset_t stop;       /* SIGINT, SIGTERM, SIGHUP: kept blocked */
        sigset_t child_mask; /* the mask we started with, restored in children */
};

#define BENCH_ENV_NULL { .daemon = 0 }

/* Blocks the stop signals, makes the directory and its reaper. 0 or -errno (prints
 * nothing). Call bench_env_done() whatever it returns. */
int bench_env_init(struct bench_env *e);

/* Stops the daemon (bench_env_daemon_stop) and removes the directory. Idempotent. */
void bench_env_done(struct bench_env *e);

/* |dir|/|name| into |buf|; -ENAMETOOLONG if it does not fit. */
int bench_env_path(const struct bench_env *e, const char *name, char *buf, size_t size);

/* Writes |text| to the file |dir|/|name| (made or truncated, mode 0644). 0 or -errno. */
int bench_env_write(const struct bench_env *e, const char *name, const char *text);

/* CLOCK_MONOTONIC in nanoseconds, and that plus |ms|. */
uint64_t bench_env_now_ns(void);
uint64_t bench_env_deadline_ms(uint64_t ms);

/* -EINTR once a stop signal is pending, -ETIMEDOUT past |deadline| (ns), else 0. */
int bench_env_check_wait(const struct bench_env *e, uint64_t deadline);

/* Waits until |fd| is readable or at EOF: 0, or -EINTR/-ETIMEDOUT as above, or -errno. */
int bench_env_wait_readable(const struct bench_env *e, int fd, uint64_t deadline);

/* fork(); the child gets |deathsig| when we die and our original signal mask.
 * Returns the pid, 0 in the child, or -errno. */
pid_t bench_env_fork(const struct bench_env *e, int deathsig);

/* 0 if |status| (from waitpid) is exit status 0; else prints how |who| ended and
 * returns -ECHILD. */
int bench_env_check_exit(const char *who, int status);

/* An option's value: decimal, within min..max. 0 or -EINVAL. */
int bench_env_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *ret);

/* Why a round failed, for its message: "interrupted" (-EINTR), "timed out",
 * "see above" (-ECHILD: the child or daemon printed it), else strerror. */
const char *bench_env_why(int r);

/* Starts the daemon at |path| on the private sockets and waits until it listens.
 * 0, or -ECHILD (it exited: status and log printed), -EINTR, -ETIMEDOUT, -errno. */
int bench_env_daemon_start(struct bench_env *e, const char *path);

/* 0 while the daemon runs; once it has exited (even with status 0), prints its
 * status and the end of its log and returns -ECHILD. */
int bench_env_daemon_check(struct bench_env *e);

/* SIGTERM, then waits (SIGKILL after BENCH_ENV_TIMEOUT_MS). 0 if it exited with
 * status 0 or was not running; -ECHILD (printed, with its log) otherwise. */
int bench_env_daemon_stop(struct bench_env *e);
