/* inject: the file seccompd opens for a caller, which ADDFD then installs as the
 * call's result. The fixed form opens one host path; inject requested opens the
 * path the caller asked for (open, openat) on the host or inside its root, with
 * its flags less what the rule forbids, and never creates a file. Does not log. */
#pragma once

#include <stdint.h>

#include "emulators/target.h"
#include "policy/verdict.h"

/* The flags inject requested opens with, from the caller's: less |forbid| and
 * O_CLOEXEC (the caller's O_CLOEXEC is for ADDFD, see inject_fd_flags), O_CREAT
 * and O_EXCL with it dropped (never creates), O_NOCTTY added; an O_PATH open
 * keeps only what the kernel keeps of it (O_DIRECTORY, O_NOFOLLOW). */
int inject_open_flags(int caller_flags, int forbid);

/* ADDFD's newfd_flags for the caller's flags: O_CLOEXEC or 0. */
uint32_t inject_fd_flags(int caller_flags);

/* Opens the fixed host path of |ip| with its open_flags. Returns an O_CLOEXEC fd
 * (the caller closes it) or the -errno of the open. */
int inject_open_fixed(const struct inject_params *ip);

/* Opens |path| for inject requested |ip|: |path| is the caller's, absolute and
 * normalised as the policy matched it; |caller_flags| its open flags. With
 * INJECT_ROOT_CONTAINER the path is resolved inside the root of |t| (a pinned
 * caller; unused for the host). Returns an O_CLOEXEC fd (the caller closes it)
 * or -errno, the call's result: the open's own (-ENOENT, -EACCES, -ELOOP,
 * -ENOTDIR...), -EOPNOTSUPP for O_TMPFILE, and for O_CREAT|O_EXCL -EEXIST when
 * the name exists or else the lookup's errno (-ENOENT): nothing is created.
 * FIFOs and devices are opened O_NONBLOCK, then given the caller's O_NONBLOCK. */
int inject_open_requested(const struct inject_params *ip, const char *path, int caller_flags, const struct target *t);
