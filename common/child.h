/* What a forked child of the daemon does before it serves or execs: drop the
 * daemon's signal dispositions and mask, and keep only the fds it was given.
 * Those two are async-signal-safe: only syscalls, no allocation. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Most fds child_keep_fds() keeps. */
#define CHILD_KEEP_MAX 32

/* Every signal to its default action, none blocked: the daemon's handlers
 * would run on stale state, and an exec would keep its ignored SIGPIPE. */
void child_reset_signals(void);

/* Moves each *fds[i] to a fresh close-on-exec fd >= 3 (updating *fds[i]) and
 * closes every other fd >= 3; 0-2 are left as they are. 0, -EINVAL past
 * CHILD_KEEP_MAX, or -errno. */
int child_keep_fds(int *fds[], size_t n);

/* A pidfd for |pid|, a child the caller just forked (unreaped, so the pid
 * cannot have been reused). If none can be had the child is killed and reaped,
 * and the -errno of pidfd_open is returned. */
int child_pidfd(pid_t pid);
