/* A trapped syscall decoded into typed fields: integer args at once (pure), pointer
 * args read from the caller's memory by request_read_args(). Policy reads only this. */
#pragma once

#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emulators/syscalls.h"
#include "emulators/target.h"

/* At most this many string args per call are read (mount has three). */
#define REQUEST_MAX_STRS 3

struct request {
        struct seccomp_notif notif; /* the raw notification: id, pid, nr, arch, args */
        enum sysid sysid;
        const char *name;           /* libseccomp name; NULL for a number it does not know */
        const struct syscall_schema *schema; /* NULL: no string args are read */

        /* mknod / mknodat */
        int dirfd;                  /* AT_FDCWD unless the *at variant names one */
        uint64_t path_addr;         /* caller address of the path argument, 0 if none */
        uint32_t mode;              /* full mode incl. file type bits, as passed */
        unsigned dev_major, dev_minor;

        /* Filled by request_read_args(): NULL until read, and for a NULL pointer. */
        const char *strs[6];        /* string args by index, as the schema names them */
        const char *path;           /* mknod/mknodat: strs[] of the path arg */
        char str_buf[REQUEST_MAX_STRS][PATH_MAX];
        struct target_budget budget; /* what this call may read from its caller; limit 0: unbounded */
};

/* Fills the integer fields of |ret| from |n| (no memory is read; the budget
 * unbounded until the caller sets its limit). Never fails for
 * a syscall it does not know: sysid stays SYSID_UNKNOWN. */
void request_decode(struct request *ret, const struct syscall_table *t, const struct seccomp_notif *n);

/* Whether a path arg that was read is relative (policy globs then need a base). */
bool request_has_relative_path(const struct request *req);

/* The directory relative path args start from: the value of the schema's dirfd
 * arg, or AT_FDCWD. */
int request_path_dirfd(const struct request *req);

/* Reads the string args of a decoded request (path and string args of its
 * schema) from the caller's memory. A NULL pointer reads as NULL.
 * 0, -EFAULT (unmapped), -ENAMETOOLONG (no NUL within PATH_MAX), or for an arg
 * the kernel copies with a smaller limit or another errno, that errno (the
 * schema's str_too_long: EINVAL for mount's source and fstype, ERANGE for an
 * xattr name), -ESRCH (gone), -E2BIG (over req->budget).
 * Must be followed by an ID_VALID check before anything acts on what was read. */
int request_read_args(struct request *req);
