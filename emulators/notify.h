/* The seccomp user-notification ioctls, returning the kernel's exact -errno
 * (libseccomp's helpers fold every error into -ECANCELED). None of these log. */
#pragma once

#include <linux/seccomp.h>
#include <stdint.h>

/* Zeroes *ret (the kernel rejects a dirty buffer) and receives one notification.
 * -ENOENT: the caller went away between poll and receive (routine). */
int notify_recv(int listener_fd, struct seccomp_notif *ret);

/* Answers a notification. -ENOENT: the caller died or was interrupted (routine). */
int notify_send(int listener_fd, const struct seccomp_notif_resp *resp);

/* 0 while notification |id| is still pending for the same caller, else -ENOENT. */
int notify_id_valid(int listener_fd, uint64_t id);

/* Installs |srcfd| in the caller; returns the fd number in the caller (or, with
 * SECCOMP_ADDFD_FLAG_SEND, the syscall is answered with it), or -errno. */
int notify_addfd(int listener_fd, uint64_t id, int srcfd, uint32_t newfd_flags, uint32_t flags);

/* 0 if |fd| is a seccomp listener (anon inode "seccomp notify"), -ENOTTY if it
 * is some other file, other -errno if it cannot be inspected. */
int notify_check_listener(int fd);

/* Shorthands for the three answers. */
int notify_send_continue(int listener_fd, uint64_t id);
int notify_send_error(int listener_fd, uint64_t id, int error); /* error > 0 */
int notify_send_value(int listener_fd, uint64_t id, int64_t val);
