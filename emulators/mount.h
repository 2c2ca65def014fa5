/* mount(2) and umount2(2) emulation, in two halves: mount_prepare() runs in the
 * daemon (checks the policy's mount params and the caller's capability,
 * resolves the target and source inside the caller's root, opens the fds) and
 * yields a namespace-helper request; the helper performs it in the container's
 * mount namespace and its result is the call's result. Does not log.
 *
 * What is emulated, classified in the kernel's order (path_mount()):
 *   MS_REMOUNT|MS_BIND   per-mount flags of a mount the helper made
 *   MS_REMOUNT           superblock reconfiguration of a mount the helper made
 *   MS_BIND [|MS_REC]    bind of a source inside the caller's root that matches
 *                        a MOUNT_SOURCE_PATH glob
 *   propagation, MS_MOVE not emulated: MOUNT_CONTINUE (the kernel judges them
 *                        with the caller's own privileges; nothing we read
 *                        makes them safe or unsafe)
 *   anything else        a new mount of an allowed fstype; of one the policy
 *                        redirects to a FUSE program: MOUNT_FUSE, and that
 *                        program mounts instead of the helper (mount_fuse.h)
 * umount2 and both remounts act only on mounts the current helper made (it
 * keeps their ids); any other mount goes back to the kernel: MOUNT_CONTINUE,
 * from mount_prepare when it can tell (not a mount root), else as the
 * helper's reply. A replaced helper forgets its mounts: they go to the kernel
 * too (a container root in a user namespace can unmount them itself). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "emulators/nshelper.h"
#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

#define MOUNT_MAX_FDS NSHELPER_MAX_FDS

/* mount_prepare()'s, and the helper's, "not ours: let the kernel run the call". */
#define MOUNT_CONTINUE 1

/* mount_prepare()'s "a FUSE redirect": checked, to be run by mount_fuse.h. */
#define MOUNT_FUSE 2

/* The kernel copies at most one page of mount data (copy_mount_options()). */
#define MOUNT_DATA_MAX 4096

struct mount_job {
        struct nshelper_request req;
        int fds[MOUNT_MAX_FDS];  /* owned; closed by mount_job_done() */
        size_t n_fds;
};

/* Validates |req| (mount or umount2, strings already read, ID_VALID checked)
 * against |p| and the caller, and fills |job| (which then owns fds: call
 * mount_job_done() whatever this returns). Reads the data string (one page at
 * most, as the kernel does) and re-checks ID_VALID after. Returns 0 (submit
 * job), MOUNT_CONTINUE (not emulated: answer CONTINUE), MOUNT_FUSE (a new
 * mount of an fstype the policy redirects to a FUSE program, checked as a
 * kernel mount would be: job->req has the flags and data, for
 * mount_fuse_prepare()), or the -errno the call fails with: -EPERM (not
 * allowed by policy, no CAP_SYS_ADMIN in the caller's user namespace),
 * -ENOENT/-ENOTDIR/-ELOOP/
 * -ENAMETOOLONG (target or source), -EINVAL (flags the kernel would refuse),
 * -EFAULT (a string the caller passed could not be read), -ENOENT (caller
 * gone), -ENOSYS (not mount or umount2). */
int mount_prepare(const struct request *req, const struct mount_params *p, const struct target *t,
                  struct mount_job *job);

/* Closes the job's fds. */
void mount_job_done(struct mount_job *job);

/* The ids of the mounts the helper made: remount and umount act on these only. */
#define MOUNT_MAX_OWNED 1024

/* What the helper keeps between requests. Lives on the helper's stack: the
 * helper is a fork of a daemon that may have threads, so nothing here mallocs. */
struct mount_helper {
        int jail_fd;             /* the empty read-only tmpfs that is the helper's root */
        size_t n_owned;
        uint64_t owned[MOUNT_MAX_OWNED];
};

/* In the helper, after it joined the container's mount namespace: makes the
 * jail and chroots into it. 0 or -errno. */
int mount_helper_init(struct mount_helper *h);

/* Serves one request inside the helper; the caller closes the fds after.
 * Returns 0 or -errno from the kernel, MOUNT_CONTINUE for a remount/umount of
 * a mount it did not make, -EINVAL for a request whose fds do not fit its
 * opcode, -ENOSPC when MOUNT_MAX_OWNED mounts are live. */
int mount_perform(struct mount_helper *h, const struct nshelper_request *req, const int *fds, size_t n_fds);
