/* overlayfs through the emulated mount(2): the daemon parses the caller's
 * options with the kernel's escaping rules, opens every layer directory inside
 * the caller's root, and sends the layers to the helper as fds; the helper gives
 * them to overlayfs with fsconfig(FSCONFIG_SET_FD) (6.13+), so the kernel never
 * looks up a path from the data with seccompd's privilege. Does not log.
 *
 * Options (anything else is refused; see docs/policy-format.md):
 *   lowerdir=A:B, lowerdir+=A, upperdir=, workdir=   layers, resolved here
 *   index, nfs_export, xino, uuid, fsync, userxattr,
 *   volatile, default_permissions                    passed on as written
 *   redirect_dir=nofollow|off, metacopy=off,
 *   verity=off                                       the only values allowed;
 *                                                    redirect_dir=nofollow and
 *                                                    metacopy=off are always
 *                                                    passed (the layers hold
 *                                                    xattrs the container set)
 *   datadir+, "::" data-only layers, override_creds,
 *   nooverride_creds, ro/rw/sync and the other
 *   superblock flag words                            EPERM */
#pragma once

#include <stddef.h>

#include "emulators/mount.h"
#include "emulators/nshelper.h"
#include "emulators/target.h"

/* Lower layers one mount may name: the request also carries the target, the
 * upper and the work directory. The kernel's own limit is 500. */
#define MOUNT_OVERLAY_MAX_LOWER 60
_Static_assert(MOUNT_OVERLAY_MAX_LOWER + 3 <= NSHELPER_MAX_FDS, "overlay layers must fit in one request");

/* A parsed data string. The paths point into buf. */
struct mount_overlay_opts {
        char buf[MOUNT_DATA_MAX];                    /* the data, split and unescaped in place */
        const char *lower[MOUNT_OVERLAY_MAX_LOWER]; /* topmost first */
        size_t n_lower;
        const char *upper, *work;                    /* NULL when not given */
        /* What the helper hands to fsconfig(): a bare "lowerdir+", "upperdir" or
         * "workdir" per layer in the order above (each takes the next fd), then
         * the other options, the last value of each. */
        char helper_data[MOUNT_DATA_MAX];
};

/* Parses |data| as overlayfs's mount(2) parser does: "\" escapes the next byte
 * and "," separates options (empty ones and "=..." are skipped); lowerdir=
 * splits at unescaped ":" and unescapes each path, as upperdir= and workdir=
 * are unescaped; lowerdir+= is taken as written; lowerdir= replaces the lower
 * layers (empty: none). Pure: no syscalls. Fills |o| (its contents mean
 * nothing after a failure).
 * Returns 0, -EINVAL (what the kernel refuses: an unknown option or value, a
 * value missing or given to a flag, an empty path, a lowerdir starting or
 * ending with ":" or with ":::", lowerdir+ after lowerdir; and more than
 * MOUNT_OVERLAY_MAX_LOWER lower layers), -EPERM (an option the kernel takes
 * that seccompd refuses, once the whole string parsed). */
int mount_overlay_parse(const char *data, struct mount_overlay_opts *o);

/* The daemon's half, from mount_prepare() for fstype "overlay": parses
 * job->req.data, opens each layer inside the caller's root (relative paths from
 * its cwd; "..", absolute paths and symlinks stop at that root; magic links are
 * refused) and appends the O_PATH fds to the job in helper_data's order; then
 * job->req.data becomes helper_data and the opcode NSHELPER_MOUNT_OVERLAY.
 * |root_fd| is the caller's root; the job keeps the fds whatever this returns.
 * Returns 0, the parser's -EINVAL/-EPERM, -ENOENT/-ENOTDIR/-ELOOP/
 * -ENAMETOOLONG/-EACCES for a layer path, -EINVAL for a layer that is not a
 * directory (as the kernel), -EPERM for a layer whose owner or group has no id
 * in the caller's user namespace. */
int mount_overlay_prepare(const struct target *t, int root_fd, struct mount_job *job);

/* The helper's half: sets |data| (helper_data) on the overlay context |fs|.
 * Each layer key takes the next of |fds|, reopened read-only (fsconfig() takes
 * O_PATH fds only since 6.15); other items are strings or flags. No malloc.
 * 0, -EINVAL when the layer keys and n_fds differ, or fsconfig()'s -errno. */
int mount_overlay_configure(int fs, const char *data, const int *fds, size_t n_fds);
