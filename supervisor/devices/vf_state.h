/* VF allocations on disk, so that a daemon restart or crash neither loses nor
 * double-allocates a VF. In the state directory, per PCI address ADDR:
 *   vf-ADDR.lock  flock()ed while the allocation of ADDR is read or changed;
 *                 never removed (removing a lock file races with its lockers)
 *   vf-ADDR       the allocation: present while ADDR is in use, written whole
 *                 (temporary file, fsync, rename, fsync of the directory)
 * The record is "key=value" lines; values never hold a newline. Keys are only
 * ever added (a reader skips keys it does not know, and a key it knows but
 * does not find means "untouched"), so records stay readable both ways. */
#pragma once

#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_settings.h"

#define VF_STATE_ID_MAX 256

struct vf_alloc {
        char addr[PCI_ADDR_MAX];
        char pool[64];
        char container[VF_STATE_ID_MAX];
        pid_t pid;                       /* the container's init when allocated */
        uint64_t pid_start;              /* its start time (/proc/PID/stat field 22): pid reuse is not it */
        char host_ifname[IF_NAMESIZE];   /* the VF netdev's name on the host, restored at release */
        char ct_ifname[IF_NAMESIZE];     /* its name in the container, "" until moved */
        char host_mac[18];               /* the MAC before the container's was set, "" when untouched */
        char orig_driver[64];            /* vfio mode: the driver to restore, "" for none */
        struct vf_saved saved;           /* VF settings changed through the PF, restored at release
                                          * (saved_* keys; none when nothing was changed) */
        char mode[8];                    /* "vfio" once bound to vfio-pci; "" (netdev) otherwise */
};

/* Creates |path| (0700, parents too) and opens it. A directory fd or -errno. */
int vf_state_open(const char *path);

/* Takes the lock of |addr| (blocking: holders keep it for a few file
 * operations only). The lock fd (close it to unlock) or -errno. */
int vf_state_lock(int dirfd, const char *addr);

/* The record of |addr|: 0, -ENOENT when it is free, -EINVAL when unreadable. */
int vf_state_read(int dirfd, const char *addr, struct vf_alloc *ret);
/* Writes |a| atomically (replaces any record of a->addr). 0 or -errno. */
int vf_state_write(int dirfd, const struct vf_alloc *a);
/* Removes the record of |addr| (a no-op when free). 0 or -errno. */
int vf_state_remove(int dirfd, const char *addr);

/* Every record (in address order); *ret is free()d by the caller. 0, -ENOMEM,
 * -errno from reading the directory. Unreadable records are skipped. */
int vf_state_list(int dirfd, struct vf_alloc **ret, size_t *ret_n);

/* Pure: the record as text, and back. format: the length written (snprintf);
 * parse: 0 or -EINVAL. */
int vf_state_format(const struct vf_alloc *a, char *buf, size_t size);
int vf_state_parse(const char *text, struct vf_alloc *ret);

/* The start time of |pid| from /proc (field 22 of stat), for pid_start. 0 or -errno. */
int vf_state_pid_start(pid_t pid, uint64_t *ret);
/* Whether the process a record names still runs: 1, 0 (gone or pid reused). */
int vf_state_owner_alive(const struct vf_alloc *a);
