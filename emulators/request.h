/* A trapped syscall decoded into typed fields: integer args at once (pure), pointer
 * args read from the caller's memory by request_read_args(). Policy reads only this. */
#pragma once

#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emulators/syscalls.h"

struct request {
        struct seccomp_notif notif; /* the raw notification: id, pid, nr, arch, args */
        enum sysid sysid;

        /* mknod / mknodat */
        int dirfd;                  /* AT_FDCWD unless the *at variant names one */
        uint64_t path_addr;         /* caller address of the path argument, 0 if none */
        uint32_t mode;              /* full mode incl. file type bits, as passed */
        unsigned dev_major, dev_minor;

        /* Filled by request_read_args(): NULL until read. */
        const char *path;
        char path_buf[PATH_MAX];
};

/* Fills the integer fields of |ret| from |n| (no memory is read). Never fails for
 * a syscall it does not know: sysid stays SYSID_UNKNOWN. */
void request_decode(struct request *ret, const struct syscall_table *t, const struct seccomp_notif *n);

/* Reads the pointer args of a decoded request from the caller's memory.
 * 0, -EFAULT (unmapped), -ENAMETOOLONG (no NUL within PATH_MAX), -ESRCH (gone).
 * Must be followed by an ID_VALID check before anything acts on what was read. */
int request_read_args(struct request *req);
