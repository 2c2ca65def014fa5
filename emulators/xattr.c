/* setxattr/lsetxattr/fsetxattr emulation for trusted.* names (overlayfs's
 * trusted.overlay.*): the kernel's checks in its order, the owner check of a
 * namespaced trusted.* in place of capable(), then the set by us. Does not log. */

/* The kernel (fs/xattr.c, path_setxattrat(), 6.13+):
 *   setxattr_copy(): flags beyond CREATE|REPLACE -> EINVAL; name empty or longer
 *     than XATTR_NAME_MAX -> ERANGE (NULL -> EFAULT); size > XATTR_SIZE_MAX ->
 *     E2BIG; the value copied once (unmapped -> EFAULT; size 0 reads nothing);
 *   then the path lookup (setxattr follows a final symlink, lsetxattr does not)
 *     or the fd (fdget(): an O_PATH fd is EBADF);
 *   mnt_want_write() -> EROFS;
 *   xattr_permission(): immutable/append-only/unmapped in the mount -> EPERM, and
 *     trusted.* needs capable(CAP_SYS_ADMIN) in the initial namespace -> EPERM.
 *     No DAC check and no file-type limit for trusted.* (only user.* is limited
 *     to regular files and directories): overlayfs sets trusted.overlay.origin
 *     on symlinks too.
 * Before 6.13 the lookup and the read-only check came before the argument
 * checks, so there a call wrong in two ways may see its other errno.
 *
 * capable() is what a container cannot pass. In its place, what
 * capable_wrt_inode_uidgid() asks of a namespaced caller: CAP_SYS_ADMIN in its
 * own user namespace, and the file's owner and group both mapped there, so a
 * container reaches only its own files. Immutable/append/unmapped-in-mount and
 * the filesystem's errors (EEXIST, ENODATA, ENOSPC, EOPNOTSUPP) come from the
 * kernel when we set the attribute.
 *
 * Deliberate differences: only trusted.* names are ever set (a host-root write
 * of security.capability would be a host file capability); magic links
 * (/proc/self/fd/N) in the path are ELOOP (inside the container they would name
 * the wrong process); a relative path whose join with the cwd reaches PATH_MAX
 * is ENAMETOOLONG; fsetxattr(AT_FDCWD) is EBADF as documented (kernels with the
 * setxattrat AT_FDCWD fix, 6.18 among them, set the cwd's attribute). LSMs judge
 * the write as seccompd's. A caller's fd is used wherever its file is, as the
 * kernel would; the owner check still limits it to the container's own ids. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/macro.h"
#include "emulators/idmap.h"
#include "emulators/xattr.h"

#define TRUSTED_PREFIX "trusted."
#define DEFAULT_NAME "trusted.overlay." /* params that list no names */

/* One decoded setxattr-family call. */
struct xattr_call {
        bool by_fd;        /* fsetxattr */
        bool follow;       /* setxattr: follow a final symlink */
        const char *path;  /* as read from the caller; NULL if it passed NULL */
        int fd;            /* fsetxattr: the caller's fd */
        const char *name;  /* NULL if the caller passed NULL */
        uint64_t value;    /* caller address */
        uint64_t size;
        uint64_t flags;    /* the int the kernel takes, zero-extended */
};

/* A policy name: exact, or a prefix ending in '.' that the name continues. */
static bool name_matches(const char *pattern, const char *name)
{
        size_t n = strlen(pattern);

        if (n > 0 && pattern[n - 1] == '.')
                return strncmp(name, pattern, n) == 0 && name[n] != '\0';
        return strcmp(name, pattern) == 0;
}

bool xattr_params_allow(const struct xattr_params *p, const char *name)
{
        if (!name || strncmp(name, TRUSTED_PREFIX, strlen(TRUSTED_PREFIX)) != 0)
                return false;
        if (!p || p->n_names == 0)
                return name_matches(DEFAULT_NAME, name);
        for (size_t i = 0; i < p->n_names; i++)
                if (p->names[i] && name_matches(p->names[i], name))
                        return true;
        return false;
}

/* setxattr(path, name, value, size, flags), lsetxattr(same), fsetxattr(fd, ...). */
static int decode(const struct request *req, struct xattr_call *ret)
{
        const __u64 *a = req->notif.data.args;
        struct xattr_call c = {
                .name = req->strs[1],
                .value = a[2],
                .size = a[3],
                .flags = (uint32_t) a[4],
        };

        if (!req->name)
                return -ENOSYS;
        if (strcmp(req->name, "fsetxattr") == 0) {
                c.by_fd = true;
                c.fd = (int) a[0];
        } else if (strcmp(req->name, "setxattr") == 0) {
                c.path = req->strs[0];
                c.follow = true;
        } else if (strcmp(req->name, "lsetxattr") == 0)
                c.path = req->strs[0];
        else
                return -ENOSYS;
        *ret = c;
        return 0;
}

/* setxattr_copy() up to the value copy. */
static int check_args(const struct xattr_call *c)
{
        if (c->flags & ~(uint64_t) (XATTR_CREATE | XATTR_REPLACE))
                return -EINVAL;
        if (!c->name)
                return -EFAULT;
        if (c->name[0] == '\0' || strlen(c->name) > XATTR_NAME_MAX)
                return -ERANGE;
        if (c->size > XATTR_SIZE_MAX)
                return -E2BIG;
        return 0;
}

/* The value, read once; NULL for size 0 (the kernel then reads nothing either). */
static int read_value(const struct target *t, const struct xattr_call *c, void **ret)
{
        _cleanup_free_ void *buf = NULL;
        int r;

        if (c->size == 0) {
                *ret = NULL;
                return 0;
        }
        buf = malloc(c->size);
        if (!buf)
                return -ENOMEM;
        r = target_read(t, c->value, buf, c->size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* O_PATH fd of the file, resolved inside the caller's root: "..", absolute paths
 * and absolute symlinks stop at the root. Never opens the file itself, so a
 * device node or fifo is never opened. */
static int open_path(const struct target *t, const char *path, bool follow)
{
        _cleanup_close_ int root_fd = -EBADF;

        if (!path)
                return -EFAULT;
        root_fd = target_open_root(t);
        if (root_fd < 0)
                return root_fd;
        return target_open_path(t, root_fd, path, follow);
}

/* The caller's fd; like fdget(), an O_PATH file is not one xattrs can be set through. */
static int open_fd(const struct target *t, int fd)
{
        _cleanup_close_ int ours = -EBADF;
        int fl;

        if (fd < 0)
                return -EBADF;
        ours = target_getfd(t, fd);
        if (ours < 0)
                return ours;
        fl = fcntl(ours, F_GETFL);
        if (fl < 0)
                return -errno;
        if (fl & O_PATH)
                return -EBADF;
        return TAKE_FD(ours);
}

/* mnt_want_write(): a read-only mount fails before any permission check. */
static int check_writable(int fd)
{
        struct statvfs sv;

        if (fstatvfs(fd, &sv) < 0)
                return -errno;
        return (sv.f_flag & ST_RDONLY) ? -EROFS : 0;
}

/* What stands in for capable(CAP_SYS_ADMIN): the policy names the attribute, the
 * caller has CAP_SYS_ADMIN in its user namespace, and the file's owner and group
 * are mapped there (capable_wrt_inode_uidgid()). 0 or -EPERM or -errno. */
static int check_permission(const struct target *t, const struct xattr_params *p, const char *name,
                            const struct stat *st)
{
        int r;

        if (!xattr_params_allow(p, name))
                return -EPERM;
        r = target_has_cap(t, CAP_SYS_ADMIN);
        if (r <= 0)
                return r < 0 ? r : -EPERM;
        r = target_id_mapped(t, "uid_map", st->st_uid);
        if (r <= 0)
                return r < 0 ? r : -EPERM;
        r = target_id_mapped(t, "gid_map", st->st_gid);
        if (r <= 0)
                return r < 0 ? r : -EPERM;
        return 0;
}

/* A path-opened fd is O_PATH: set through its /proc/self/fd link, which names
 * the inode itself (a symlink too) without reopening it. */
static int set_xattr(int fd, const struct xattr_call *c, const void *value)
{
        char link[64];
        int r;

        if (c->by_fd)
                r = fsetxattr(fd, c->name, value, c->size, (int) c->flags);
        else {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                r = setxattr(link, c->name, value, c->size, (int) c->flags);
        }
        return r < 0 ? -errno : 0;
}

int xattr_emulate(const struct request *req, const struct xattr_params *p, const struct target *t)
{
        _cleanup_free_ void *value = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct xattr_call c;
        struct stat st;
        int r;

        r = decode(req, &c);
        if (r < 0)
                return r;
        r = check_args(&c);
        if (r < 0)
                return r;
        r = read_value(t, &c, &value);
        if (r < 0)
                return r;

        fd = c.by_fd ? open_fd(t, c.fd) : open_path(t, c.path, c.follow);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = check_writable(fd);
        if (r < 0)
                return r;
        r = check_permission(t, p, c.name, &st);
        if (r < 0)
                return r;

        /* What we read (the value too) came from the caller that trapped, and it
         * has not died or been interrupted since. */
        r = target_still_valid(t);
        if (r < 0)
                return r;
        return set_xattr(fd, &c, value);
}
