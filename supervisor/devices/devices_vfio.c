/* vfio nodes in a container and its device cgroup (devices_vfio.h). */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "emulators/idmap.h"
#include "emulators/resolve.h"
#include "supervisor/devices/devices_vfio.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_vfio.h"
#include "supervisor/registry.h"

static void fy_document_destroyp(struct fy_document **d)
{
        fy_document_destroy(*d);
}

/* The bundle's rootfs as an absolute path (config.json root.path). */
static int bundle_rootfs(const char *bundle, char *buf, size_t size)
{
        _cleanup_(fy_document_destroyp) struct fy_document *doc = NULL;
        char path[PATH_MAX];
        const char *root;

        snprintf(path, sizeof(path), "%s/config.json", bundle);
        doc = fy_document_build_from_file(&(struct fy_parse_cfg) { .flags = FYPCF_QUIET }, path);
        if (!doc)
                return -EINVAL;
        root = fy_node_get_scalar0(fy_node_by_path(fy_document_root(doc), "/root/path", FY_NT, FYNWF_DONT_FOLLOW));
        if (!root || !root[0])
                return -EINVAL;
        if ((size_t) snprintf(buf, size, root[0] == '/' ? "%s%s" : "%s/%s", root[0] == '/' ? "" : bundle, root) >=
            size)
                return -ENAMETOOLONG;
        return 0;
}

static bool same_inode(int a, int b)
{
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The container's root: init's root, or (runc at createRuntime, before
 * pivot_root) the bundle's rootfs inside init's mount namespace. */
static int open_root(const struct container *c)
{
        _cleanup_close_ int root = -EBADF, rootfs = -EBADF;
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "/proc/%d/root", (int) c->init_pid);
        root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        if (!c->bundle || bundle_rootfs(c->bundle, path, sizeof(path)) < 0)
                return TAKE_FD(root);
        rootfs = resolve_in_root(root, "/", path, true);
        if (rootfs < 0 || same_inode(root, rootfs))
                return TAKE_FD(root);
        return TAKE_FD(rootfs);
}

/* Init's v1 devices cgroup directory, -ENOENT when it has none. */
static int open_cgroup(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char path[PATH_MAX], *save = NULL;
        size_t len;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = read_file_bounded(AT_FDCWD, path, 65536, &text, &len);
        if (r < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;
                int fd;

                if (!cg || (size_t) (cg - ctl - 1) != strlen("devices") || strncmp(ctl + 1, "devices", 7) != 0)
                        continue;
                snprintf(path, sizeof(path), "%s%s", DEVICES_VFIO_CGROUP_V1, cg + 1);
                fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        return -ENOENT;
}

/* The host id the container's root maps to (0 without a user namespace). */
static int root_id(pid_t pid, const char *which, uint32_t *ret)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        struct idmap *m = malloc(sizeof(*m));
        size_t len;
        int r;

        if (!m)
                return -ENOMEM;
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, which);
        r = read_file_bounded(AT_FDCWD, path, 65536, &text, &len);
        if (r >= 0)
                r = idmap_parse(text, len, m);
        if (r >= 0)
                r = idmap_to_outer(m, 0, ret);
        free(m);
        return r;
}

int devices_vfio_target_open(const struct container *c, struct devices_vfio_target *ret, char *errbuf,
                             size_t errlen)
{
        _cleanup_close_ int root = open_root(c), dev = -EBADF, cg = -EBADF;
        uint32_t uid = 0, gid = 0;
        int r;

        if (root < 0) {
                snprintf(errbuf, errlen, "the root of pid %d: %s", (int) c->init_pid, strerror(-root));
                return root;
        }
        dev = resolve_in_root(root, "/", "/dev", true);
        if (dev < 0) {
                snprintf(errbuf, errlen, "the container's /dev: %s", strerror(-dev));
                return dev;
        }
        cg = open_cgroup(c->init_pid);
        if (cg < 0 && cg != -ENOENT) {
                snprintf(errbuf, errlen, "the devices cgroup of pid %d: %s", (int) c->init_pid, strerror(-cg));
                return cg;
        }
        r = root_id(c->init_pid, "uid_map", &uid);
        if (r >= 0)
                r = root_id(c->init_pid, "gid_map", &gid);
        if (r >= 0 && syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) < 0)
                r = -errno;
        if (r < 0) {
                snprintf(errbuf, errlen, "the ids of pid %d: %s", (int) c->init_pid, strerror(-r));
                return r;
        }
        *ret = (struct devices_vfio_target) { .dev_fd = TAKE_FD(dev), .cgroup_fd = TAKE_FD(cg), .uid = uid,
                                              .gid = gid };
        return 0;
}

void devices_vfio_target_close(struct devices_vfio_target *t)
{
        t->dev_fd = safe_close(t->dev_fd);
        t->cgroup_fd = safe_close(t->cgroup_fd);
}

/* "c MAJ:MIN rwm" into devices.allow or devices.deny. */
static int cgroup_rule(int cgroup_fd, const char *file, dev_t dev)
{
        char rule[64];

        if (cgroup_fd < 0)
                return 0;
        snprintf(rule, sizeof(rule), "c %u:%u rwm", major(dev), minor(dev));
        return sysfs_write_attr(cgroup_fd, file, rule);
}

static int make_node(int dir_fd, const char *name, dev_t dev, mode_t mode, const struct devices_vfio_target *t)
{
        struct stat st;

        if (mknodat(dir_fd, name, S_IFCHR | mode, dev) < 0) {
                if (errno != EEXIST)
                        return -errno;
                /* Ours from an earlier VF, or the image's: only the right device will do. */
                if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                return S_ISCHR(st.st_mode) && st.st_rdev == dev ? 0 : -EEXIST;
        }
        if (fchownat(dir_fd, name, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dir_fd, name, mode, 0) < 0)
                return -errno;
        return 0;
}

int devices_vfio_give(const struct devices_vfio_target *t, int group, dev_t group_dev, const char **ret_what)
{
        _cleanup_close_ int dir = -EBADF;
        const dev_t ctl = makedev(VF_VFIO_CONTAINER_MAJOR, VF_VFIO_CONTAINER_MINOR);
        char name[16];
        int r;

        *ret_what = "mkdir /dev/vfio";
        if (mkdirat(t->dev_fd, "vfio", 0755) < 0 && errno != EEXIST)
                return -errno;
        dir = openat(t->dev_fd, "vfio", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        if (fchownat(dir, "", t->uid, t->gid, AT_EMPTY_PATH) < 0)
                return -errno;
        *ret_what = "mknod /dev/vfio/vfio";
        r = make_node(dir, "vfio", ctl, 0666, t);
        if (r < 0)
                return r;
        *ret_what = "mknod /dev/vfio/GROUP";
        snprintf(name, sizeof(name), "%d", group);
        r = make_node(dir, name, group_dev, 0660, t);
        if (r < 0)
                return r;
        *ret_what = "devices.allow";
        r = cgroup_rule(t->cgroup_fd, "devices.allow", ctl);
        return r < 0 ? r : cgroup_rule(t->cgroup_fd, "devices.allow", group_dev);
}

static int first_error(int a, int b)
{
        return a < 0 ? a : b;
}

int devices_vfio_take(const struct devices_vfio_target *t, int group, dev_t group_dev, bool last)
{
        const dev_t ctl = makedev(VF_VFIO_CONTAINER_MAJOR, VF_VFIO_CONTAINER_MINOR);
        char name[32];
        int r;

        snprintf(name, sizeof(name), "vfio/%d", group);
        r = unlinkat(t->dev_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        r = first_error(r, cgroup_rule(t->cgroup_fd, "devices.deny", group_dev));
        if (!last)
                return r;
        r = first_error(r, unlinkat(t->dev_fd, "vfio/vfio", 0) < 0 && errno != ENOENT ? -errno : 0);
        r = first_error(r, unlinkat(t->dev_fd, "vfio", AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0);
        return first_error(r, cgroup_rule(t->cgroup_fd, "devices.deny", ctl));
}
