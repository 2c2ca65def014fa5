/* mknod/mknodat emulation: the checks the kernel makes for the caller (type, path,
 * search/write permission, CAP_MKNOD in its user namespace), then the node created by
 * us inside the caller's root and handed to the caller's fsuid/fsgid. Does not log.
 * Not emulated: POSIX ACLs on the parent (mode bits only), search permission on
 * directories above the parent, and the setgid strip of mode_strip_sgid(). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/macro.h"
#include "emulators/idmap.h"
#include "emulators/mknod.h"
#include "emulators/resolve.h"

#define MAY_EXEC 1U
#define MAY_WRITE 2U

/* may_mknod(): the file types mknod accepts; 0 means a regular file. */
static int check_type(uint32_t mode)
{
        switch (mode & S_IFMT) {
        case 0:
        case S_IFREG:
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK:
                return 0;
        case S_IFDIR:
                return -EPERM;
        default:
                return -EINVAL;
        }
}

/* vfs_mknod(): devices need CAP_MKNOD, except the overlayfs whiteout (char 0:0, 5.8+). */
static bool needs_cap_mknod(const struct request *req)
{
        if (S_ISCHR(req->mode))
                return req->dev_major != 0 || req->dev_minor != 0;
        return S_ISBLK(req->mode);
}

static bool in_groups(const struct target_creds *c, gid_t gid)
{
        if (c->fsgid == gid)
                return true;
        for (size_t i = 0; i < c->n_groups; i++)
                if (c->groups[i] == gid)
                        return true;
        return false;
}

/* The rwx bits generic_permission() would grant the caller on |st| (mode bits only). */
static unsigned mode_access(const struct stat *st, const struct target_creds *c)
{
        if (st->st_uid == c->fsuid)
                return (st->st_mode >> 6) & 7;
        if (in_groups(c, st->st_gid))
                return (st->st_mode >> 3) & 7;
        return st->st_mode & 7;
}

/* capable_wrt_inode_uidgid(): CAP_DAC_OVERRIDE in the caller's namespace counts only
 * for an inode whose owner and group are mapped there. 1, 0 or -errno. */
static int dac_override(const struct target *t, const struct stat *st)
{
        int r;

        r = target_has_cap(t, CAP_DAC_OVERRIDE);
        if (r <= 0)
                return r;
        r = target_id_mapped(t, "uid_map", st->st_uid);
        if (r <= 0)
                return r;
        return target_id_mapped(t, "gid_map", st->st_gid);
}

/* MAY_* bits the caller has on the parent directory, or -errno. */
static int parent_access(const struct target *t, const struct target_creds *c, const struct stat *st)
{
        unsigned a = mode_access(st, c);
        int r;

        if ((a & (MAY_WRITE | MAY_EXEC)) == (MAY_WRITE | MAY_EXEC))
                return (int) a;
        r = dac_override(t, st);
        if (r < 0)
                return r;
        return r ? 7 : (int) a;
}

static bool is_dot_or_dotdot(const char *name)
{
        return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "./") == 0 ||
               strcmp(name, "../") == 0;
}

/* filename_create() and may_create(), in the kernel's order: search permission,
 * "." / "..", an existing name, a trailing slash on a new name, write permission. */
static int check_parent(const struct target *t, const struct target_creds *c, int parent_fd, char *name)
{
        size_t len = strlen(name);
        bool trailing = len > 0 && name[len - 1] == '/';
        struct stat st;
        int access;

        if (fstat(parent_fd, &st) < 0)
                return -errno;
        access = parent_access(t, c, &st);
        if (access < 0)
                return access;
        if (!((unsigned) access & MAY_EXEC))
                return -EACCES;
        if (is_dot_or_dotdot(name))
                return -EEXIST;
        if (trailing)
                name[len - 1] = '\0';
        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        if (errno != ENOENT)
                return -errno;
        if (trailing)
                return -ENOENT;
        if (!((unsigned) access & MAY_WRITE))
                return -EACCES;
        return 0;
}

/* The caller's cwd or dirfd as a path in its root; an absolute path ignores dirfd. */
static int base_dir(const struct request *req, const struct target *t, char *buf, size_t size)
{
        if (req->path[0] == '/') {
                snprintf(buf, size, "/");
                return 0;
        }
        return target_dir_path(t, req->dirfd, buf, size);
}

/* The node at |fd| is the one we just made: a rename or link by the caller in the
 * window before it was opened must not make us chown some other file. */
static int check_created(int fd, mode_t type, dev_t dev)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((st.st_mode & S_IFMT) != type || st.st_nlink != 1 || st.st_uid != geteuid())
                return -EIO;
        if ((S_ISCHR(type) || S_ISBLK(type)) && st.st_rdev != dev)
                return -EIO;
        return 0;
}

/* Our own umask (or a default ACL) may have narrowed the mode: set it exactly. */
static int fix_mode(int fd, mode_t perm)
{
        char path[64];
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((st.st_mode & 07777) == perm)
                return 0;
        /* fchmodat(AT_EMPTY_PATH) needs fchmodat2 (6.6); /proc/self/fd works on O_PATH fds. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        return chmod(path, perm) < 0 ? -errno : 0;
}

static int own_node(int parent_fd, const char *name, mode_t type, dev_t dev, mode_t perm, uid_t uid, gid_t gid)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = check_created(fd, type, dev);
        if (r < 0)
                return r;
        /* chown first: it clears set-id bits that the mode may ask for. */
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return fix_mode(fd, perm);
}

/* The node |req| asks for: its type, device number, and mode after the caller's umask. */
struct node_spec {
        mode_t type, perm;
        dev_t dev;
};

static struct node_spec node_spec(const struct request *req, const struct target_creds *c)
{
        mode_t type = (req->mode & S_IFMT) ? (req->mode & S_IFMT) : S_IFREG;

        return (struct node_spec) {
                .type = type,
                .perm = req->mode & 07777 & ~c->umask,
                .dev = S_ISCHR(type) || S_ISBLK(type) ? makedev(req->dev_major, req->dev_minor) : 0,
        };
}

static int create_node(int parent_fd, const char *name, const struct request *req, const struct target_creds *c,
                       gid_t gid)
{
        struct node_spec n = node_spec(req, c);
        int r;

        if (mknodat(parent_fd, name, n.type | n.perm, n.dev) < 0)
                return -errno;
        r = own_node(parent_fd, name, n.type, n.dev, n.perm, c->fsuid, gid);
        if (r < 0 && r != -EIO)
                (void) unlinkat(parent_fd, name, 0);
        return r;
}

/* inode_init_owner(): a setgid parent passes its group on. */
static int node_gid(int parent_fd, const struct target_creds *c, gid_t *ret)
{
        struct stat st;

        if (fstat(parent_fd, &st) < 0)
                return -errno;
        *ret = (st.st_mode & S_ISGID) ? st.st_gid : c->fsgid;
        return 0;
}

/* A call a dead daemon had committed to (t->resumed): the node it made is
 * this call's result. Ours is the node of the asked type and device owned by
 * the caller (made and owned, maybe not yet chmod'ed), or still by the daemon
 * (made, not yet owned); both are finished now. No container process can make
 * a node the host's root owns.
 * 0: done, 1: not ours (the normal path then says EEXIST, or makes it). */
static int resume_node(int parent_fd, const char *name, const struct request *req, const struct target_creds *c)
{
        struct node_spec n = node_spec(req, c);
        struct stat st;
        gid_t gid = 0;
        int r;

        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 1 : -errno;
        if ((st.st_mode & S_IFMT) != n.type || (n.dev && st.st_rdev != n.dev))
                return 1;
        r = node_gid(parent_fd, c, &gid);
        if (r < 0)
                return r;
        /* mknodat() made it, still ours (with the parent's group when that is setgid). */
        if (st.st_uid == geteuid())
                return own_node(parent_fd, name, n.type, n.dev, n.perm, c->fsuid, gid);
        /* Owned: the chmod may not have happened yet (idempotent). */
        if (st.st_uid == c->fsuid && st.st_gid == gid && st.st_nlink == 1) {
                _cleanup_close_ int fd = openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

                return fd < 0 ? -errno : fix_mode(fd, n.perm);
        }
        return 1;
}

static int check_caller(const struct request *req, const struct target *t)
{
        int r;

        if (!needs_cap_mknod(req))
                return 0;
        r = target_has_cap(t, CAP_MKNOD);
        if (r < 0)
                return r;
        return r ? 0 : -EPERM;
}

int mknod_emulate(const struct request *req, const struct target *t)
{
        _cleanup_close_ int root_fd = -EBADF, parent_fd = -EBADF;
        char base[PATH_MAX], name[NAME_MAX + 2];
        struct target_creds creds;
        gid_t gid = 0;
        int r;

        assert(req->path); /* request_read_args() comes first */
        if (req->path[0] == '\0')
                return -ENOENT;
        r = check_type(req->mode);
        if (r < 0)
                return r;

        root_fd = target_open_root(t);
        if (root_fd < 0)
                return root_fd;
        r = base_dir(req, t, base, sizeof(base));
        if (r < 0)
                return r;
        parent_fd = resolve_parent_in_root(root_fd, base, req->path, name, sizeof(name));
        if (parent_fd < 0)
                return parent_fd;

        r = target_read_creds(t, &creds);
        if (r < 0)
                return r;
        r = t->resumed ? resume_node(parent_fd, name, req, &creds) : 1;
        if (r <= 0)
                return r;
        r = check_parent(t, &creds, parent_fd, name);
        if (r < 0)
                return r;
        r = check_caller(req, t);
        if (r < 0)
                return r;
        r = node_gid(parent_fd, &creds, &gid);
        if (r < 0)
                return r;

        /* The caller may have died or been interrupted while we looked. */
        r = target_still_valid(t);
        if (r < 0)
                return r;
        target_commit(t);
        return create_node(parent_fd, name, req, &creds, gid);
}

bool mknod_params_allow(const struct mknod_params *p, const struct request *req)
{
        if (p->n_devices == 0 || !(S_ISCHR(req->mode) || S_ISBLK(req->mode)))
                return true;
        for (size_t i = 0; i < p->n_devices; i++) {
                const struct policy_dev *d = &p->devices[i];

                if ((d->major == POLICY_ANY || d->major == req->dev_major) &&
                    (d->minor == POLICY_ANY || d->minor == req->dev_minor))
                        return true;
        }
        return false;
}
