/* A benchmark's trapped process and its listener: the filter, the hand-over
 * (to seccompd as runc does it, or to the benchmark itself), and the floor
 * every ratio is taken against, a bare blocking RECV/SEND loop. Errors are
 * returned; only what the caller cannot know is printed (a refusal). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/bench/bench_env.h"

/* Loads a filter trapping only syscall |nr| (SCMP_SYS number) in the calling
 * thread, and its later threads; returns the listener fd or -errno. */
int bench_trap_install(int nr);

/* Hands |listener| to seccompd over |daemon_sock| (connected to e->sock
 * before the filter was loaded, so a refusal shows before anything is
 * trapped) as runc does, with listenerMetadata |metadata|, and waits for "ok".
 * 0, -EPROTO (refused: printed), or -errno. */
int bench_trap_register(const struct bench_env *e, int daemon_sock, const char *id, const char *metadata,
                        int listener);

/* The listener a child sends its parent over a socketpair: one byte with the
 * fd attached; received checked to be a seccomp listener. */
int bench_trap_send_listener(int sock, int listener);
int bench_trap_recv_listener(const struct bench_env *e, int sock, uint64_t deadline);

/* The floor: a blocking RECV and a SEND per call, each mknodat answered EPERM,
 * |n| calls. A periodic SIGALRM (the caller installs a handler without
 * SA_RESTART) breaks the RECV so that a dead child, a stop signal or the
 * deadline are noticed: -ECHILD, -EINTR, -ETIMEDOUT; -EPROTO for another call. */
int bench_trap_serve_raw(const struct bench_env *e, int listener, unsigned long n, uint64_t deadline);

/* Installs the SIGALRM handler bench_trap_serve_raw() needs (no SA_RESTART). */
int bench_trap_alarm_init(void);

/* A forked child and our end of the socketpair it reports on. */
struct bench_trap_child {
        pid_t pid;      /* 0 once reaped */
        int sock;
};

#define BENCH_TRAP_CHILD_NULL { .pid = 0, .sock = -EBADF }

/* Forks a child (killed when we die) that runs fn(arg, its end of the
 * socketpair); fn must not return. 0 or -errno. */
int bench_trap_child_start(const struct bench_env *e, void (*fn)(void *arg, int sock), void *arg,
                           struct bench_trap_child *ret);

/* Kills and reaps the child if it still runs, closes our end. Idempotent. */
void bench_trap_child_done(struct bench_trap_child *c);

/* Reads the |size| bytes the child sends; with |reap|, then waits for it to
 * exit: 0 only if it exited 0 (it prints its own errors) and sent |size| bytes.
 * -EINTR/-ETIMEDOUT as bench_env_check_wait, -ECHILD, -EBADMSG, -errno. */
int bench_trap_child_read(const struct bench_env *e, struct bench_trap_child *c, void *buf, size_t size, bool reap,
                          uint64_t deadline);
