/* Socket activation: the listening sockets a service manager passed us with the
 * LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES protocol (sd_listen_fds(3)), found by
 * the role they play. No libsystemd: the protocol is three environment variables. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Passed fds start here (SD_LISTEN_FDS_START). */
#define ACTIVATION_FDS_START 3
/* More than this is refused: seccompd has two sockets to fill. */
#define ACTIVATION_MAX_FDS 16
/* systemd's FileDescriptorName= limit. */
#define ACTIVATION_NAME_MAX 255

struct activation_fd {
        int fd;                              /* -EBADF once taken */
        char name[ACTIVATION_NAME_MAX + 1];  /* "" when the manager named none */
};

struct activation {
        size_t n_fds;
        struct activation_fd fds[ACTIVATION_MAX_FDS];
};

/* Reads and unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES. Without them, or
 * when LISTEN_PID is not our pid (they were meant for a parent), *ret is empty.
 * Otherwise every passed fd gets FD_CLOEXEC and must be a listening AF_UNIX
 * SOCK_STREAM socket. Returns the number of fds, or -EINVAL (malformed
 * variables, names not matching the count), -E2BIG (more than
 * ACTIVATION_MAX_FDS), -ENOTSOCK (an fd is no such socket) or another -errno,
 * with a one-line reason in errbuf. On failure the passed fds are left open
 * (the process is about to exit). Does not log. */
int activation_listen_fds(struct activation *ret, char *errbuf, size_t errlen);

/* Hands out the passed socket for one role: the one named |name|, else the one
 * bound at |path| (may be NULL), else with |any_unnamed| the first one without
 * a name of its own (none, "unknown", or systemd's default: the socket unit's
 * name, "NAME.socket"). The fd is made non-blocking (O_NONBLOCK is shared
 * with the manager's copy); the caller owns it, it is no longer in |a|.
 * Returns the fd, -ENOENT when none fits, or fcntl's -errno (the fd stays in
 * |a|). Does not log. */
int activation_take(struct activation *a, const char *name, const char *path, bool any_unnamed);

/* Whether a socket named |name| is there to take. */
bool activation_has(const struct activation *a, const char *name);

/* Closes the fds nobody took. Returns how many there were. Does not log. */
size_t activation_close_rest(struct activation *a);
