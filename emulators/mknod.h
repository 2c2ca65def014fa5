/* mknod/mknodat emulation: creates a node the policy allowed in the caller's
 * filesystem, as the kernel would for a privileged caller. Does not log. */
#pragma once

#include "emulators/request.h"
#include "emulators/target.h"

/* Creates req->path (already read, ID_VALID checked) relative to the caller's
 * cwd or req->dirfd, inside the caller's root, owned by the caller's fsuid/fsgid
 * with mode & ~umask, after checking the caller has CAP_MKNOD in its own user
 * namespace and write+search permission on the parent (unless CAP_DAC_OVERRIDE).
 * Returns 0 or the -errno the caller's syscall should fail with (-EEXIST,
 * -ENOENT, -ENOTDIR, -EPERM, -EACCES, -EBADF, -ENAMETOOLONG, -ELOOP, ...). */
int mknod_emulate(const struct request *req, const struct target *t);
