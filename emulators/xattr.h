/* setxattr/lsetxattr/fsetxattr emulation for the trusted.* names the policy
 * lists (overlayfs: trusted.overlay.opaque, .redirect, .origin, ...): set by
 * seccompd on the file inside the caller's root, after the checks the kernel
 * makes for an owner (the caller has CAP_SYS_ADMIN in its user namespace and
 * the file is owned by an id mapped into it). Reads the value from the caller
 * (bounded by XATTR_SIZE_MAX). Does not log. */
#pragma once

#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

/* Whether |name| is one the params allow (exact, or a prefix ending in '.'). */
bool xattr_params_allow(const struct xattr_params *p, const char *name);

/* 0 or the -errno the call fails with (-EPERM, -EFAULT, -E2BIG, -ENODATA, ...). */
int xattr_emulate(const struct request *req, const struct xattr_params *p, const struct target *t);
