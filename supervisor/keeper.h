/* seccompd's fd keeper (`seccompd --keeper SOCKET`): a small process, not a
 * child any daemon waits on, that holds duplicates of the fds that must outlive
 * a daemon (seccomp listeners, init pidfds, the record memfds) and hands them
 * all to each daemon that connects. See docs/survival.md. */
#pragma once

/* How long a keeper with nothing live to keep (no listener, no pidfd) and no
 * daemon connected waits before it exits. */
#define KEEPER_IDLE_MS 5000
/* How long a keeper holds containers for a daemon that does not come back.
 * Then it lets go: their calls fail (ENOSYS) as without a keeper, rather than
 * wait forever. A crashed daemon is restarted in seconds by its manager. */
#define KEEPER_ORPHAN_MS 60000

/* Binds |path| (SOCK_SEQPACKET, 0600, peers of our uid only) and serves it until
 * a daemon says STOP, it has been idle KEEPER_IDLE_MS, or without a daemon
 * KEEPER_ORPHAN_MS. Returns the exit
 * status: 0, or 1 when the socket cannot be bound (another keeper listens
 * there: EADDRINUSE is logged at debug only, it is the start-up race). Logs. */
int keeper_run(const char *path);
