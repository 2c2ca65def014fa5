/* Thin wrappers around SECCOMP_IOCTL_NOTIF_*: one syscall each, errno kept. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "emulators/notify.h"

int notify_recv(int listener_fd, struct seccomp_notif *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, ret) < 0)
                return -errno;
        return 0;
}

int notify_send(int listener_fd, const struct seccomp_notif_resp *resp)
{
        if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
                return -errno;
        return 0;
}

int notify_id_valid(int listener_fd, uint64_t id)
{
        if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
                return -errno;
        return 0;
}

int notify_addfd(int listener_fd, uint64_t id, int srcfd, uint32_t newfd_flags, uint32_t flags)
{
        struct seccomp_notif_addfd addfd = {
                .id = id,
                .flags = flags,
                .srcfd = (uint32_t) srcfd,
                .newfd = 0,
                .newfd_flags = newfd_flags,
        };
        int r = ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);

        return r < 0 ? -errno : r;
}

int notify_check_listener(int fd)
{
        char path[64], target[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        /* Older kernels name anon inodes "[seccomp notify]"; 6.x shows it without brackets. */
        if (strcmp(target, "anon_inode:seccomp notify") == 0 || strcmp(target, "anon_inode:[seccomp notify]") == 0)
                return 0;
        return -ENOTTY;
}

int notify_send_continue(int listener_fd, uint64_t id)
{
        struct seccomp_notif_resp resp = { .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };

        return notify_send(listener_fd, &resp);
}

int notify_send_error(int listener_fd, uint64_t id, int error)
{
        struct seccomp_notif_resp resp = { .id = id, .error = -error };

        return notify_send(listener_fd, &resp);
}

int notify_send_value(int listener_fd, uint64_t id, int64_t val)
{
        struct seccomp_notif_resp resp = { .id = id, .val = val };

        return notify_send(listener_fd, &resp);
}
