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
        NSHELPER_REMOUNT,      /* mount_setattr / mount(MS_REMOUNT) on target */
        NSHELPER_UMOUNT,       /* umount2(target, flags) */
        NSHELPER_PING,         /* answers 0: for tests and start-up checks */
};

/* One request. Strings are NUL-terminated inside the fixed buffers; fds go by
 * SCM_RIGHTS: fds[0] = target (O_PATH, resolved in the container's root by the
 * daemon), fds[1] = source (bind: O_PATH of the source; block device: an
 * O_RDONLY fd of the device node, opened by the daemon) or absent. */
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
        int32_t result;          /* 0 or -errno, as the kernel returned it */
};

struct nshelper;

/* Forks the helper for the container whose init is |pidfd|; the child joins its
 * mount namespace (setns(pidfd, CLONE_NEWNS)) before answering anything.
 * 0, or -errno (the fork, the socketpair, or -ESRCH when the container is gone). */
int nshelper_start(int pidfd, struct nshelper **ret);

/* Kills (SIGKILL through its pidfd), reaps and frees. NULL-safe; returns NULL. */
struct nshelper *nshelper_free(struct nshelper *h);

/* The daemon's end of the socketpair, to poll for readability (replies, or
 * hang-up when the helper died). */
int nshelper_fd(const struct nshelper *h);
pid_t nshelper_pid(const struct nshelper *h);

/* Sends one request without blocking. -EAGAIN when the socket is full (the
 * caller fails the call rather than wait), -EPIPE when the helper is gone. */
int nshelper_submit(struct nshelper *h, const struct nshelper_request *req, const int *fds, size_t n_fds);

/* Reads one reply without blocking: 0, -EAGAIN (none yet), -EPIPE (helper gone),
 * -EBADMSG (malformed: the caller replaces the helper). */
int nshelper_read_reply(struct nshelper *h, struct nshelper_reply *ret);
