/* The open behind an inject verdict: a fixed host path, or the caller's own path
 * and flags (inject requested) on the host or inside the caller's root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "common/macro.h"
#include "emulators/inject.h"

/* O_TMPFILE is __O_TMPFILE | O_DIRECTORY: its own bit. */
#define TMPFILE_BIT (O_TMPFILE & ~O_DIRECTORY)
/* What the kernel keeps of an O_PATH open's flags (fs/open.c, O_PATH_FLAGS). */
#define PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW)

int inject_open_flags(int caller_flags, int forbid)
{
        int f = caller_flags & ~forbid & ~O_CLOEXEC;

        if (f & O_PATH)
                return f & PATH_FLAGS;
        /* O_EXCL without O_CREAT is the exclusive open of a block device: kept. */
        if (f & O_CREAT)
                f &= ~(O_CREAT | O_EXCL);
        return f | O_NOCTTY;
}

uint32_t inject_fd_flags(int caller_flags)
{
        return caller_flags & O_CLOEXEC ? O_CLOEXEC : 0;
}

/* open(2) that cannot stall the loop on a FIFO without a peer or a slow device:
 * O_NONBLOCK for the open, then the caller's O_NONBLOCK back. */
static int open_nonblocking(const char *path, int flags)
{
        _cleanup_close_ int fd = -EBADF;
        int fl;

        if (flags & O_PATH) {
                /* Nothing is opened for I/O; the kernel ignores O_NONBLOCK and F_SETFL fails. */
                fd = open(path, flags | O_CLOEXEC);
                return fd < 0 ? -errno : TAKE_FD(fd);
        }
        fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (!(flags & O_NONBLOCK)) {
                /* F_GETFL first: F_SETFL with the open flags would also turn on O_ASYNC, which open ignores. */
                fl = fcntl(fd, F_GETFL);
                if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
                        return -errno;
        }
        return TAKE_FD(fd);
}

int inject_open_fixed(const struct inject_params *ip)
{
        return open_nonblocking(ip->path, ip->open_flags | O_NOCTTY);
}

/* Resolved inside the caller's root (".." and symlinks stop there), then
 * reopened through /proc/self/fd with the flags: openat() has no AT_EMPTY_PATH,
 * and the magic link reopens an O_PATH fd as the kernel would open the file.
 * With O_NOFOLLOW the resolve does not follow a final symlink; the reopen then
 * meets the link itself and fails ELOOP, or with O_PATH returns the link, as
 * the kernel does. */
static int open_in_root(const struct target *t, const char *path, int flags)
{
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        char proc[64];

        root = target_open_root(t);
        if (root < 0)
                return root;
        fd = target_open_path(t, root, path, !(flags & O_NOFOLLOW));
        if (fd < 0)
                return fd;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        return open_nonblocking(proc, flags & ~O_NOFOLLOW);
}

static int open_where(const struct inject_params *ip, const char *path, int flags, const struct target *t)
{
        return ip->root == INJECT_ROOT_CONTAINER ? open_in_root(t, path, flags) : open_nonblocking(path, flags);
}

int inject_open_requested(const struct inject_params *ip, const char *path, int caller_flags, const struct target *t)
{
        int wanted = caller_flags & ~ip->forbid;
        int fd;

        /* An unnamed file made on seccompd's side: EOPNOTSUPP, as a filesystem
         * without O_TMPFILE answers, so callers take their fallback. */
        if (wanted & TMPFILE_BIT)
                return -EOPNOTSUPP;
        /* The kernel would create the file or fail EEXIST; seccompd creates
         * nothing, so only the failures remain. O_EXCL does not follow a final
         * symlink: a dangling one exists too. */
        if (!(wanted & O_PATH) && (wanted & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                fd = open_where(ip, path, O_PATH | O_NOFOLLOW, t);
                if (fd < 0)
                        return fd;
                safe_close(fd);
                return -EEXIST;
        }
        return open_where(ip, path, inject_open_flags(caller_flags, ip->forbid), t);
}
