/* mount(2) and umount2(2) emulation, in two halves: mount_prepare() runs in the
 * daemon (checks the policy's mount params and the caller's capability,
 * resolves the target and source inside the caller's root, opens the fds) and
 * yields a namespace-helper request; the helper performs it in the container's
 * mount namespace and its result is the call's result. Does not log. */
#pragma once

#include "emulators/nshelper.h"
#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

#define MOUNT_MAX_FDS 2

struct mount_job {
        struct nshelper_request req;
        int fds[MOUNT_MAX_FDS];  /* owned; closed by mount_job_done() */
        size_t n_fds;
};

/* Validates |req| (mount or umount2, strings already read, ID_VALID checked)
 * against |p| and the caller, and fills |job|. Returns 0 (submit job), or the
 * -errno the call fails with: -EPERM (not allowed by policy or no CAP_SYS_ADMIN
 * in the caller's user namespace), -ENOENT/-ENOTDIR/-ELOOP (target), -EINVAL
 * (flags the kernel would refuse), -ENODEV (unknown fstype), ... */
int mount_prepare(const struct request *req, const struct mount_params *p, const struct target *t,
                  struct mount_job *job);

/* Closes the job's fds. */
void mount_job_done(struct mount_job *job);

/* Serves one request inside the helper (called in the helper process):
 * returns 0 or -errno from the kernel. */
int mount_perform(const struct nshelper_request *req, const int *fds, size_t n_fds);
