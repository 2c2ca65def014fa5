/* mknod/mknodat emulation: creates a node the policy allowed in the caller's
 * filesystem, as the kernel would for a privileged caller. Does not log. */
#pragma once

#include <stdbool.h>

#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

/* The handler's own allowlist (policy param `devices`): true when it has none or
 * the request's device is on it. Only device nodes are checked. */
bool mknod_params_allow(const struct mknod_params *p, const struct request *req);

/* Creates req->path (already read, ID_VALID checked) relative to the caller's
 * cwd or req->dirfd, inside the caller's root, owned by the caller's fsuid/fsgid
 * with mode & ~umask, after checking the caller has CAP_MKNOD in its own user
 * namespace and write+search permission on the parent (unless CAP_DAC_OVERRIDE).
 * Returns 0 or the -errno the caller's syscall should fail with (-EEXIST,
 * -ENOENT, -ENOTDIR, -EPERM, -EACCES, -EBADF, -ENAMETOOLONG, -ELOOP, ...). */
int mknod_emulate(const struct request *req, const struct target *t);
