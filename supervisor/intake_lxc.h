/* Intake for LXC's seccomp notify proxy (lxc.seccomp.notify.proxy = unix:PATH,
 * lxc.seccomp.notify.cookie = policy=NAME). Each container's monitor connects
 * once (SOCK_SEQPACKET) and forwards every notification it RECVs as a message
 * (lxc_proxy.h); we answer each with exactly one reply, which the monitor SENDs
 * on its notify fd. At its first message a connection becomes its container's
 * listener, the cookie selecting the policy. Each message also brings the
 * seccomp listener fd its notification came from, kept for that notification
 * only: a monitor serves one per lxc-attach besides the container's own. */
#pragma once

struct daemon;
struct intake_lxc;

/* Connections that have not sent their first message yet: a monitor connects
 * when its container starts and may stay silent for its whole life, so there
 * is no timeout, only this bound. */
#define INTAKE_LXC_MAX_IDLE 256

/* LXC 5.0's monitor waits 30 s for a reply (SO_RCVTIMEO), then answers ENOSYS
 * itself, and takes the next reply it reads as the answer to its next
 * notification: it fixes up the id it logs as invalid and SENDs that stale
 * response (seen with LXC 5.0.2). A reply must never be that late: past this
 * deadline the answer goes on the notify fd directly. */
#define INTAKE_LXC_REPLY_DEADLINE_MS 25000

/* Binds a SOCK_SEQPACKET socket at |path| (0600, root-only peers by
 * SO_PEERCRED) and serves it on d->loop; names containers from |lxcpath| (NULL:
 * liblxc's default) and from the monitors' titles. 0 or -errno; logs. Freed with
 * intake_lxc_free(), which closes the socket and the idle connections (the
 * registered ones are listeners, closed with the registry). */
int intake_lxc_new(struct daemon *d, const char *path, const char *lxcpath, struct intake_lxc **ret);
struct intake_lxc *intake_lxc_free(struct intake_lxc *in);
