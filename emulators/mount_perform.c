/* mount(2)/umount2(2) emulation, the namespace helper's half: performs what
 * mount_prepare() checked, in the container's mount namespace, with the new
 * mount API where it helps, and returns what the kernel returned. Runs in a
 * fork of the daemon: no malloc, no logging.
 *
 * The helper's root is an empty read-only tmpfs of its own (the jail). The
 * filesystem parses the caller's data and looks up its "source" inside a jail:
 * the empty one, or for a block device a fresh private tmpfs that holds only
 * a node with the device number the daemon checked, at the path the caller
 * named (so /proc/mounts shows the caller's source). Paths in the data (ext4
 * journal_path=) therefore find nothing, and the lookup of the device cannot
 * be raced by the container. overlay's layers come as fds the daemon opened
 * (mount_overlay.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/mount_overlay.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U /* 6.8+: never reused */
#endif

/* mount(2)'s superblock flags as fsconfig() flag names (vfs_parse_sb_flag()). */
static const struct {
        uint64_t ms;
        const char *name;
} sb_flags[] = {
        { MS_RDONLY, "ro" },          { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
        { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
};

/* The mount's id (unique where the kernel has it) and whether |name| under
 * |dirfd| is a mount root. */
static int mount_id(int dirfd, const char *name, uint64_t *ret_id, bool *ret_root)
{
        int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] ? 0 : AT_EMPTY_PATH);
        struct statx sx;

        if (statx(dirfd, name, flags, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &sx) < 0)
                return -errno;
        if (!(sx.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) ||
            !(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return -EOPNOTSUPP;
        *ret_id = sx.stx_mnt_id;
        *ret_root = sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
        return 0;
}

static ssize_t owned_find(const struct mount_helper *h, uint64_t id)
{
        for (size_t i = 0; i < h->n_owned; i++)
                if (h->owned[i] == id)
                        return (ssize_t) i;
        return -1;
}

static void owned_del(struct mount_helper *h, uint64_t id)
{
        ssize_t i = owned_find(h, id);

        if (i >= 0)
                h->owned[i] = h->owned[--h->n_owned];
}

/* 1 if |fd| is the root of a mount this helper made, 0 if not, -errno. */
static int owned_root(const struct mount_helper *h, int fd, uint64_t *ret_id)
{
        bool root;
        int r = mount_id(fd, "", ret_id, &root);

        if (r < 0)
                return r;
        return root && owned_find(h, *ret_id) >= 0;
}

/* Attaches the detached mount |mnt| on |target| and remembers it. */
static int attach(struct mount_helper *h, int mnt, int target)
{
        uint64_t id;
        bool root;
        int r;

        if (h->n_owned >= MOUNT_MAX_OWNED)
                return -ENOSPC;
        r = mount_id(mnt, "", &id, &root);
        if (r < 0)
                return r;
        if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        h->owned[h->n_owned++] = id;
        return 0;
}

/* A detached tmpfs (fsopen + fsmount). */
static int private_tmpfs(unsigned attrs)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        int mnt;

        if (fs < 0)
                return -errno;
        if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
        return mnt < 0 ? -errno : mnt;
}

/* fchdir + chroot("."): the helper's root and cwd become |fd|. */
static int enter(int fd)
{
        if (fchdir(fd) < 0 || chroot(".") < 0)
                return -errno;
        return 0;
}

int mount_helper_init(struct mount_helper *h)
{
        int fd = private_tmpfs(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        int r;

        if (fd < 0)
                return fd;
        r = enter(fd);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        h->jail_fd = fd;
        h->n_owned = 0;
        return 0;
}

/* One step of the walk: "." stays, ".." goes up (a detached mount's root is
 * its own parent), anything else is made a directory and entered. */
static int walk_step(int *dir, const char *name)
{
        int fd;

        if (strcmp(name, ".") == 0)
                return 0;
        if (strcmp(name, "..") != 0 && mkdirat(*dir, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(*dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        safe_close(*dir);
        *dir = fd;
        return 0;
}

/* Makes |path| (the caller's source, relative to the jail root when relative)
 * name a block device node with |rdev| inside the fresh tmpfs |root|. A last
 * component that is "." or ".." or already a directory is left alone: the
 * filesystem then finds no block device, as the kernel would not. */
static int place_node(int root, const char *path, dev_t rdev)
{
        _cleanup_close_ int dir = fcntl(root, F_DUPFD_CLOEXEC, 3);
        char buf[sizeof(((struct nshelper_request *) 0)->source)];
        char *p = buf, *slash;
        int r;

        if (dir < 0)
                return -errno;
        memcpy(buf, path, strlen(path) + 1);
        for (;;) {
                while (*p == '/')
                        p++;
                slash = strchr(p, '/');
                if (!slash || slash[strspn(slash, "/")] == '\0')
                        break;
                *slash = '\0';
                r = walk_step(&dir, p);
                if (r < 0)
                        return r;
                p = slash + 1;
        }
        if (slash)
                *slash = '\0';
        if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
                return 0;
        if (mknodat(dir, p, S_IFBLK | 0600, rdev) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* "a=1,b,c=x" as fsconfig() calls, like generic_parse_monolithic(): empty
 * items are skipped, "key" alone is a flag. */
static int set_options(int fs, const char *data)
{
        char buf[sizeof(((struct nshelper_request *) 0)->data)];
        char *save = NULL;

        memcpy(buf, data, strlen(data) + 1);
        for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(item, '=');
                int r;

                if (eq) {
                        *eq = '\0';
                        r = fsconfig(fs, FSCONFIG_SET_STRING, item, eq + 1, 0);
                } else
                        r = fsconfig(fs, FSCONFIG_SET_FLAG, item, NULL, 0);
                if (r < 0)
                        return -errno;
        }
        return 0;
}

/* Source, superblock flags, data, then the superblock itself. */
static int configure(int fs, const struct nshelper_request *req, const int *layers, size_t n_layers)
{
        int r;

        if (req->source[0] && fsconfig(fs, FSCONFIG_SET_STRING, "source", req->source, 0) < 0)
                return -errno;
        for (size_t i = 0; i < ARRAY_SIZE(sb_flags); i++)
                if ((req->flags & sb_flags[i].ms) && fsconfig(fs, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
                        return -errno;
        if (req->opcode == NSHELPER_MOUNT_OVERLAY)
                r = mount_overlay_configure(fs, req->data, layers, n_layers);
        else
                r = set_options(fs, req->data);
        if (r < 0)
                return r;
        return fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ? -errno : 0;
}

/* path_mount()'s per-mount flags as MOUNT_ATTR_* (relatime unless told). */
static unsigned mount_attrs(uint64_t flags)
{
        unsigned a = 0;

        if (flags & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (flags & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (flags & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (flags & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (flags & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        if (flags & MS_NOSYMFOLLOW)
                a |= MOUNT_ATTR_NOSYMFOLLOW;
        if (flags & MS_STRICTATIME)
                a |= MOUNT_ATTR_STRICTATIME;
        else if (flags & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        return a;
}

/* The jail the filesystem is configured in: the helper's own, or for a block
 * device a fresh one holding its node. */
static int make_jail(const struct mount_helper *h, const struct nshelper_request *req, int dev_fd)
{
        _cleanup_close_ int jail = -EBADF;
        struct stat st;
        int r;

        if (dev_fd < 0) {
                int fd = fcntl(h->jail_fd, F_DUPFD_CLOEXEC, 3);

                return fd < 0 ? -errno : fd;
        }
        if (fstat(dev_fd, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -EINVAL;
        jail = private_tmpfs(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (jail < 0)
                return jail;
        r = place_node(jail, req->source, st.st_rdev);
        if (r < 0)
                return r;
        return TAKE_FD(jail);
}

static int perform_new(struct mount_helper *h, const struct nshelper_request *req, const int *fds, size_t n_fds)
{
        _cleanup_close_ int fs = -EBADF, jail = -EBADF, mnt = -EBADF;
        int r, q;

        jail = make_jail(h, req, req->opcode == NSHELPER_MOUNT_FS && n_fds > 1 ? fds[1] : -EBADF);
        if (jail < 0)
                return jail;
        fs = fsopen(req->fstype, FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        r = enter(jail);
        if (r == 0)
                r = configure(fs, req, fds + 1, n_fds - 1);
        /* Back to the empty jail whatever happened. */
        q = enter(h->jail_fd);
        if (r < 0)
                return r;
        if (q < 0)
                return q;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, mount_attrs(req->flags));
        if (mnt < 0)
                return -errno;
        return attach(h, mnt, fds[0]);
}

static int perform_bind(struct mount_helper *h, const struct nshelper_request *req, const int *fds)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;
        _cleanup_close_ int tree = -EBADF;

        if (req->flags & MS_REC)
                flags |= AT_RECURSIVE;
        tree = open_tree(fds[1], "", flags);
        if (tree < 0)
                return -errno;
        return attach(h, tree, fds[0]);
}

/* Legacy mount(2) on "." gives the kernel's exact remount semantics (atime
 * kept unless named, MS_BIND: mount flags only). The data is parsed with the
 * cwd on the mount (mount(2) needs a path) and the root in the jail; no
 * filesystem takes a path option on remount. */
static int perform_remount(struct mount_helper *h, const struct nshelper_request *req, int target)
{
        uint64_t id;
        int r = owned_root(h, target, &id), q;

        if (r <= 0)
                return r < 0 ? r : MOUNT_CONTINUE;
        if (fchdir(target) < 0)
                return -errno;
        r = mount(NULL, ".", NULL, (unsigned long) req->flags, req->data[0] ? req->data : NULL) < 0 ? -errno : 0;
        q = fchdir(h->jail_fd) < 0 ? -errno : 0;
        return r < 0 ? r : q;
}

static bool valid_name(const char *name)
{
        return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* By name from the directory it sits on (fds[0]): an fd on the mount would
 * make it busy. */
static int perform_umount(struct mount_helper *h, const struct nshelper_request *req, int parent)
{
        uint64_t id;
        bool root;
        int r, q;

        if (!valid_name(req->source))
                return MOUNT_CONTINUE;
        r = mount_id(parent, req->source, &id, &root);
        if (r < 0 || !root || owned_find(h, id) < 0)
                return MOUNT_CONTINUE;
        if (fchdir(parent) < 0)
                return -errno;
        r = umount2(req->source, (int) req->flags | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
        q = fchdir(h->jail_fd) < 0 ? -errno : 0;
        if (r == 0)
                owned_del(h, id);
        return r < 0 ? r : q;
}

int mount_perform(struct mount_helper *h, const struct nshelper_request *req, const int *fds, size_t n_fds)
{
        switch (req->opcode) {
        case NSHELPER_MOUNT_FS:
        case NSHELPER_MOUNT_OVERLAY:
                return n_fds >= 1 ? perform_new(h, req, fds, n_fds) : -EINVAL;
        case NSHELPER_MOUNT_BIND:
                return n_fds == 2 ? perform_bind(h, req, fds) : -EINVAL;
        case NSHELPER_REMOUNT:
                return n_fds == 1 ? perform_remount(h, req, fds[0]) : -EINVAL;
        case NSHELPER_UMOUNT:
                return n_fds == 1 ? perform_umount(h, req, fds[0]) : -EINVAL;
        default:
                return -EINVAL;
        }
}
