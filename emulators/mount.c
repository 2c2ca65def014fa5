/* mount(2)/umount2(2) emulation, the daemon's half: the checks the kernel makes
 * for a caller with CAP_SYS_ADMIN, the policy's (fstype, source, flags), and the
 * target and source found inside the caller's root, handed to the namespace
 * helper as fds. The helper's half is mount_perform.c. Does not log.
 *
 * Paths: the target and source are resolved with openat2(RESOLVE_IN_ROOT) in the
 * caller's root, relative to its cwd: "..", absolute paths and absolute symlinks
 * stop at that root; magic links (/proc/self/fd/N) are refused, since inside the
 * container they would name other processes' files.
 *
 * Differences from the kernel: a block-device source is checked against the
 * policy's device numbers, not the container's device cgroup, and its mount's
 * nodev is not looked at; a source that does not resolve to a block device is a
 * label (allowed only with a "none" source) and the filesystem sees it in an
 * empty directory: ext4 on a regular file fails ENOENT rather than ENOTBLK; a
 * data string that runs into unmapped memory before its NUL fails EFAULT (the
 * kernel would use the part it could read); MS_POSIXACL, MS_I_VERSION and
 * MS_SILENT have no equivalent in the new mount API and are dropped once the
 * policy allowed them; an fstype with a FUSE redirect is checked as above and
 * then left to mount_fuse.c (MOUNT_FUSE): never a kernel mount, which the
 * redirect exists to avoid;
 * umount2 of a mount on a file (a file bind mount) goes back to the kernel.
 * overlay's layer directories are opened here too, by mount_overlay.c. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/mount_overlay.h"

#define DELETED_SUFFIX " (deleted)"

/* Bits the kernel never looks at in mount(2)'s flags (path_mount() masks them
 * out of everything it uses): bit 9 (unused), MS_KERNMOUNT (22), and
 * MS_SUBMOUNT, MS_NOREMOTELOCK, MS_NOSEC, MS_BORN, MS_ACTIVE (26-30, not all in
 * glibc's header), and the upper half of the unsigned long. */
#define MS_IGNORED (UINT64_C(0x7c400200) | ~UINT64_C(0xffffffff))
#define MS_PROPAGATION ((uint64_t) (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))

enum mount_kind {
        KIND_NEW,
        KIND_BIND,
        KIND_REMOUNT,     /* superblock and mount flags */
        KIND_RECONFIGURE, /* MS_REMOUNT|MS_BIND: mount flags only */
        KIND_OTHER,       /* propagation changes, MS_MOVE */
};

static void job_init(struct mount_job *job)
{
        memset(&job->req, 0, sizeof(job->req));
        for (size_t i = 0; i < MOUNT_MAX_FDS; i++)
                job->fds[i] = -EBADF;
        job->n_fds = 0;
}

void mount_job_done(struct mount_job *job)
{
        for (size_t i = 0; i < MOUNT_MAX_FDS; i++)
                job->fds[i] = safe_close(job->fds[i]);
        job->n_fds = 0;
        job->req.n_fds = 0;
}

/* Takes |fd| into the job's next slot. */
static void job_add_fd(struct mount_job *job, int fd)
{
        job->fds[job->n_fds++] = fd;
        job->req.n_fds = (uint32_t) job->n_fds;
}

/* The magic number old callers put in the upper half (MS_MGC_VAL) goes first,
 * then what the kernel ignores anyway. */
static uint64_t clean_flags(uint64_t flags)
{
        if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
                flags &= ~(uint64_t) MS_MGC_MSK;
        return flags & ~MS_IGNORED;
}

/* path_mount()'s order. */
static enum mount_kind classify(uint64_t flags)
{
        if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND))
                return KIND_RECONFIGURE;
        if (flags & MS_REMOUNT)
                return KIND_REMOUNT;
        if (flags & MS_BIND)
                return KIND_BIND;
        if (flags & (MS_PROPAGATION | MS_MOVE))
                return KIND_OTHER;
        return KIND_NEW;
}

static bool fstype_allowed(const struct mount_params *p, const char *fstype)
{
        for (size_t i = 0; i < p->n_fstypes; i++)
                if (p->fstypes[i] && strcmp(p->fstypes[i], fstype) == 0)
                        return true;
        return false;
}

static bool fuse_redirected(const struct mount_params *p, const char *fstype)
{
        for (size_t i = 0; i < p->n_fuse; i++)
                if (p->fuse[i].fstype && strcmp(p->fuse[i].fstype, fstype) == 0)
                        return true;
        return false;
}

/* No sources listed means pseudo filesystems only. */
static bool label_allowed(const struct mount_params *p)
{
        if (p->n_sources == 0)
                return true;
        for (size_t i = 0; i < p->n_sources; i++)
                if (p->sources[i].kind == MOUNT_SOURCE_NONE)
                        return true;
        return false;
}

static bool device_allowed(const struct mount_params *p, dev_t rdev)
{
        for (size_t i = 0; i < p->n_sources; i++) {
                const struct mount_source *s = &p->sources[i];

                if (s->kind == MOUNT_SOURCE_DEVICE && (s->dev.major == POLICY_ANY || s->dev.major == major(rdev)) &&
                    (s->dev.minor == POLICY_ANY || s->dev.minor == minor(rdev)))
                        return true;
        }
        return false;
}

static bool path_allowed(const struct mount_params *p, const char *path)
{
        for (size_t i = 0; i < p->n_sources; i++) {
                const struct mount_source *s = &p->sources[i];

                if (s->kind == MOUNT_SOURCE_PATH && s->glob && fnmatch(s->glob, path, FNM_PATHNAME) == 0)
                        return true;
        }
        return false;
}

static int read_link(int dirfd, const char *name, char *buf, size_t size)
{
        int n = read_link_at(dirfd, name, buf, size);

        if (n < 0)
                return n;
        if ((size_t) n >= strlen(DELETED_SUFFIX) && strcmp(buf + n - strlen(DELETED_SUFFIX), DELETED_SUFFIX) == 0)
                return -ENOENT;
        return (int) n;
}

/* Where |fd| is, as a "/"-based path in the caller's root: both links are
 * rendered by d_path() the same way, so one is a prefix of the other. */
static int path_in_root(const struct target *t, int fd, char *buf, size_t size)
{
        char link[32], path[PATH_MAX], root[PATH_MAX];
        size_t n;
        int r;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        r = read_link(AT_FDCWD, link, path, sizeof(path));
        if (r < 0)
                return r;
        r = read_link(t->proc_fd, "root", root, sizeof(root));
        if (r < 0)
                return r;
        n = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
                return -ENOENT;
        if ((size_t) snprintf(buf, size, "%s", path[n] ? path + n : "/") >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* 1 if |fd| is the root of a mount, 0 if not, -errno. */
static int is_mount_root(int fd)
{
        struct statx sx;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx) < 0)
                return -errno;
        if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return -EOPNOTSUPP;
        return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int check_cap(const struct target *t)
{
        int r = target_has_cap(t, CAP_SYS_ADMIN);

        if (r < 0)
                return r;
        return r ? 0 : -EPERM;
}

/* copy_mount_options(): one page, NUL-terminated at its end when the caller's
 * string is longer. A NULL pointer is no data. */
static int read_data(const struct request *req, const struct target *t, char *buf, size_t size)
{
        uint64_t addr = req->notif.data.args[4];
        int r;

        buf[0] = '\0';
        if (addr == 0)
                return 0;
        r = target_read_str(t, addr, buf, size);
        if (r == -ENAMETOOLONG) {
                buf[size - 1] = '\0';
                return target_budget_draw(t->budget, size);
        }
        return r < 0 ? r : 0;
}

static int copy_string(char *dst, size_t size, const char *src, int error)
{
        size_t n = src ? strlen(src) : 0;

        if (n >= size)
                return error;
        memcpy(dst, src ? src : "", n + 1);
        return 0;
}

/* The source of a new mount: a block device the policy lists (its fd goes to
 * the helper), or a label the filesystem will not find anything at. */
static int prepare_source(const struct mount_params *p, const struct target *t, int root_fd, const char *source,
                          struct mount_job *job)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (source && source[0] != '\0')
                fd = target_open_path(t, root_fd, source, true);
        if (fd >= 0 && fstat(fd, &st) < 0)
                return -errno;
        if (fd >= 0 && S_ISBLK(st.st_mode)) {
                if (!device_allowed(p, st.st_rdev))
                        return -EPERM;
                job_add_fd(job, TAKE_FD(fd));
        } else if (!label_allowed(p))
                return -EPERM;
        return copy_string(job->req.source, sizeof(job->req.source), source, -ENAMETOOLONG);
}

static int prepare_new(const struct request *req, const struct mount_params *p, const struct target *t, int root_fd,
                       struct mount_job *job)
{
        const char *fstype = req->strs[2];
        int r;

        /* do_new_mount(): no type is EINVAL. */
        if (!fstype)
                return -EINVAL;
        if (!fstype_allowed(p, fstype))
                return -EPERM;
        if (copy_string(job->req.fstype, sizeof(job->req.fstype), fstype, -ENODEV) < 0)
                return -ENODEV;
        job->req.opcode = NSHELPER_MOUNT_FS;
        /* A FUSE redirect: the source checked as for a kernel mount; the program mounts (mount_fuse.c). */
        if (fuse_redirected(p, fstype)) {
                r = prepare_source(p, t, root_fd, req->strs[0], job);
                return r < 0 ? r : MOUNT_FUSE;
        }
        /* overlay's source is a label; its layers are opened here (mount_overlay.c). */
        if (strcmp(fstype, "overlay") == 0) {
                if (!label_allowed(p))
                        return -EPERM;
                r = copy_string(job->req.source, sizeof(job->req.source), req->strs[0], -ENAMETOOLONG);
                return r < 0 ? r : mount_overlay_prepare(t, root_fd, job);
        }
        return prepare_source(p, t, root_fd, req->strs[0], job);
}

/* do_loopback(): the source inside the caller's root, matching a policy glob. */
static int prepare_bind(const struct request *req, const struct mount_params *p, const struct target *t,
                        int root_fd, struct mount_job *job)
{
        const char *source = req->strs[0];
        _cleanup_close_ int fd = -EBADF;
        char where[PATH_MAX];
        int r;

        if (!source || source[0] == '\0')
                return -EINVAL;
        fd = target_open_path(t, root_fd, source, true);
        if (fd < 0)
                return fd;
        r = path_in_root(t, fd, where, sizeof(where));
        if (r < 0)
                return r;
        if (!path_allowed(p, where))
                return -EPERM;
        job->req.opcode = NSHELPER_MOUNT_BIND;
        job_add_fd(job, TAKE_FD(fd));
        return copy_string(job->req.source, sizeof(job->req.source), source, -ENAMETOOLONG);
}

/* do_remount()/do_reconfigure_mnt(): the target must be a mount's root. Whether
 * the helper made it is the helper's to say. */
static int prepare_remount(const struct mount_job *job)
{
        int r = is_mount_root(job->fds[0]);

        if (r < 0)
                return r;
        return r ? 0 : -EINVAL;
}

static int prepare_mount(const struct request *req, const struct mount_params *p, const struct target *t,
                         struct mount_job *job)
{
        _cleanup_close_ int root_fd = -EBADF;
        uint64_t flags = clean_flags(req->notif.data.args[3]);
        enum mount_kind kind;
        int r, q, fd;

        if (flags & MS_NOUSER)
                return -EINVAL;
        kind = classify(flags);
        if (kind == KIND_OTHER)
                return MOUNT_CONTINUE;
        if (flags & ~p->flags)
                return -EPERM;
        r = read_data(req, t, job->req.data, sizeof(job->req.data));
        if (r < 0)
                return r;
        r = check_cap(t);
        if (r < 0)
                return r;

        root_fd = target_open_root(t);
        if (root_fd < 0)
                return root_fd;
        fd = target_open_path(t, root_fd, req->strs[1], true);
        if (fd < 0)
                return fd;
        job_add_fd(job, fd);
        job->req.flags = flags;
        if (kind == KIND_NEW)
                r = prepare_new(req, p, t, root_fd, job);
        else if (kind == KIND_BIND)
                r = prepare_bind(req, p, t, root_fd, job);
        else {
                job->req.opcode = NSHELPER_REMOUNT;
                r = prepare_remount(job);
        }
        if (r < 0)
                return r;
        /* What was read (data above, strings before) is what the caller passed. */
        q = target_still_valid(t);
        return q < 0 ? q : r;
}

/* The directory a mount sits on, and its name there: what the helper unmounts
 * by, since an fd on the mount would keep it busy. d_path() of a mount's root
 * ends in the mount point's name; ".." from a mount's root is its parent. The
 * name must lead back to the same mount. */
static int mountpoint_of(int fd, struct mount_job *job)
{
        struct statx a, b;
        char link[32], path[PATH_MAX];
        _cleanup_close_ int parent = -EBADF;
        const char *name;
        int r;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        r = read_link(AT_FDCWD, link, path, sizeof(path));
        if (r < 0)
                return r;
        name = strrchr(path, '/');
        if (!name || name[1] == '\0')
                return -EINVAL;
        r = copy_string(job->req.source, sizeof(job->req.source), name + 1, -ENAMETOOLONG);
        if (r < 0)
                return r;
        parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return -errno;
        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &a) < 0 ||
            statx(parent, name + 1, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &b) < 0)
                return -errno;
        if (!(a.stx_mask & b.stx_mask & STATX_MNT_ID) || a.stx_mnt_id != b.stx_mnt_id)
                return -EINVAL;
        job_add_fd(job, TAKE_FD(parent));
        return 0;
}

/* umount2: anything the helper may not have made goes back to the kernel. */
static int prepare_umount(const struct request *req, const struct target *t, struct mount_job *job)
{
        uint64_t flags = (uint32_t) req->notif.data.args[1];
        _cleanup_close_ int root_fd = -EBADF, fd = -EBADF;
        int r;

        if (flags & ~(uint64_t) (MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
                return -EINVAL;
        if (!req->strs[0])
                return -EFAULT;
        r = check_cap(t);
        if (r < 0)
                return r;
        root_fd = target_open_root(t);
        if (root_fd < 0)
                return root_fd;
        fd = target_open_path(t, root_fd, req->strs[0], !(flags & UMOUNT_NOFOLLOW));
        /* The kernel gives its own errno for what we cannot find, with the caller's rights. */
        if (fd < 0 || is_mount_root(fd) != 1 || mountpoint_of(fd, job) < 0)
                return MOUNT_CONTINUE;
        job->req.opcode = NSHELPER_UMOUNT;
        job->req.flags = flags;
        return target_still_valid(t);
}

int mount_prepare(const struct request *req, const struct mount_params *p, const struct target *t,
                  struct mount_job *job)
{
        job_init(job);
        if (!req->name)
                return -ENOSYS;
        if (strcmp(req->name, "umount2") == 0)
                return prepare_umount(req, t, job);
        if (strcmp(req->name, "mount") == 0)
                return prepare_mount(req, p, t, job);
        return -ENOSYS;
}
