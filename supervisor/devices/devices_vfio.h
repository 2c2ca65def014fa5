/* vfio mode, the container's side: /dev/vfio/vfio and /dev/vfio/GROUP made in
 * the container's own /dev (through its init's root, as the mknod emulator
 * does; at createRuntime runc has not pivoted yet, so that is the bundle's
 * rootfs as init's mount namespace sees it) and allowed in its cgroup v1
 * devices controller (devices.allow). With cgroup2 only, device access is
 * the runtime's BPF program, which another program cannot widen: the
 * container's config must allow the devices (docs/sriov.md). Logs nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct container;

/* Where a container's vfio nodes go. */
struct devices_vfio_target {
        int dev_fd;       /* its /dev (O_PATH directory) */
        int cgroup_fd;    /* its v1 devices cgroup directory; -EBADF with cgroup2 only */
        uid_t uid;        /* its root's ids on the host: the nodes' owner */
        gid_t gid;
};

#define DEVICES_VFIO_CGROUP_V1 "/sys/fs/cgroup/devices"

/* Opens c's /dev and devices cgroup, checking after the opens that its init
 * is still the one registered. 0 or -errno with a reason in errbuf. */
int devices_vfio_target_open(const struct container *c, struct devices_vfio_target *ret, char *errbuf,
                             size_t errlen);
void devices_vfio_target_close(struct devices_vfio_target *t);

/* Makes vfio/ (0755), vfio/vfio (10:196, 0666) if absent, and vfio/GROUP
 * (|group_dev|, 0660), all owned by the container's root, and allows both in
 * the devices cgroup. 0 or -errno; *ret_what names the step. */
int devices_vfio_give(const struct devices_vfio_target *t, int group, dev_t group_dev, const char **ret_what);

/* Removes vfio/GROUP and denies it; with |last|, vfio/vfio and vfio/ too.
 * Best effort (the container may be gone): the first -errno, 0. */
int devices_vfio_take(const struct devices_vfio_target *t, int group, dev_t group_dev, bool last);
