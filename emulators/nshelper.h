/* The per-container namespace helper: a process seccompd forks once per
 * container (lazily, on the first call that needs it) that joins the
 * container's mount namespace through the container's pidfd and performs
 * mount-namespace work (mount, bind, remount, umount) sent to it over a
 * SOCK_SEQPACKET socketpair. It stays in the host's user and pid namespaces:
 * never visible in the container's pid namespace, holds no fd but its socket
 * and the fds of the request it is serving, and dies with seccompd
 * (PR_SET_PDEATHSIG) or when killed.
 *
 * The loop never waits on it: requests are sent non-blocking and replies are
 * read when the socket is readable (the supervisor polls nshelper_fd()). Each
 * request carries a tag; replies come back in request order. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum nshelper_opcode {
        NSHELPER_MOUNT_FS = 1, /* fsopen(fstype) + fsconfig(source, data, flags) + fsmount + move_mount(target) */
        NSHELPER_MOUNT_BIND,   /* open_tree(source fd, OPEN_TREE_CLONE [|AT_RECURSIVE]) + move_mount(target) */
        NSHELPER_REMOUNT,      /* mount(MS_REMOUNT [|MS_BIND]) on target, for a mount the helper made */
        NSHELPER_UMOUNT,       /* umount2(target, flags), for a mount the helper made */
        NSHELPER_PING,         /* answers 0: for tests and start-up checks */
        NSHELPER_MOUNT_OVERLAY, /* as MOUNT_FS, the layers as fds (emulators/mount_overlay.h) */
};

/* At most this many fds come with a request (an overlay's layers: 64 ints of
 * SCM_RIGHTS, far below the kernel's SCM_MAX_FD of 253). */
#define NSHELPER_MAX_FDS 64

/* One request. Strings are NUL-terminated inside the fixed buffers (the helper
 * answers -EINVAL to any that is not, to a wrong size or fd count, and to an
 * unknown opcode); fds go by SCM_RIGHTS: fds[0] = target (O_PATH, resolved in
 * the container's root by the daemon), fds[1] = source (bind: O_PATH of the
 * source; block device: O_PATH of the device node, whose rdev the daemon
 * checked) or absent; NSHELPER_MOUNT_OVERLAY: fds[1..] = the layer
 * directories (O_PATH), in the order its data names them. NSHELPER_UMOUNT is
 * the exception: fds[0] is the directory the mount sits on and |source| its
 * name there (the helper unmounts by name: an fd on the mount itself, ours or
 * the daemon's, would make it busy). */
struct nshelper_request {
        uint64_t tag;
        uint32_t opcode;
        uint32_t n_fds;
        uint64_t flags;          /* MS_* for mounts, MNT_* for umount */
        char fstype[64];
        char source[4096];       /* as the caller wrote it (for fsconfig "source" and error messages) */
        char data[4096];         /* the caller's data string, NUL-terminated, possibly empty */
};

struct nshelper_reply {
        uint64_t tag;
        int32_t result;          /* 0 or -errno, as the kernel returned it; or
                                  * MOUNT_CONTINUE (1, emulators/mount.h) for a
                                  * remount/umount of a mount the helper did not
                                  * make: the kernel is to run the call */
};

struct nshelper;

/* Forks the helper for the container whose init is |pidfd|; the child joins its
 * mount namespace (setns(pidfd, CLONE_NEWNS)) before answering anything, and
 * then lives chrooted in an empty private tmpfs (paths in mount data never
 * reach a file). Keeps only /dev/null on 0-2 and its socket. Blocks for the
 * fork only. 0, or -errno (the fork, the socketpair, or -ESRCH when the
 * container is gone; a helper that fails to join shows as -EPIPE on its first
 * reply). Does not log. */
int nshelper_start(int pidfd, struct nshelper **ret);

/* Kills (SIGKILL through its pidfd), reaps and frees. Waits at most
 * NSHELPER_REAP_MS for the exit (a process in an uninterruptible sleep is left
 * a zombie rather than stall the loop). NULL-safe; returns NULL. */
#define NSHELPER_REAP_MS 200
struct nshelper *nshelper_free(struct nshelper *h);

/* The daemon's end of the socketpair, to poll for readability (replies, or
 * hang-up when the helper died). */
int nshelper_fd(const struct nshelper *h);
pid_t nshelper_pid(const struct nshelper *h);

/* Sends one request without blocking; the fds are duplicated into the message,
 * the caller keeps its own. -EAGAIN when the socket is full (the caller fails
 * the call rather than wait), -EPIPE when the helper is gone, -EINVAL when
 * n_fds > NSHELPER_MAX_FDS or differs from req->n_fds. */
int nshelper_submit(struct nshelper *h, const struct nshelper_request *req, const int *fds, size_t n_fds);

/* Reads one reply without blocking: 0, -EAGAIN (none yet), -EPIPE (helper gone),
 * -EBADMSG (malformed: wrong size, or a result that is neither <= 0 nor 1: the
 * caller replaces the helper). */
int nshelper_read_reply(struct nshelper *h, struct nshelper_reply *ret);
