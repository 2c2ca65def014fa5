/* SR-IOV passthrough for a registered container: what its policy's
 * passthrough.vf and its OCI annotations (org.seccompd.vf.*, devices_request.h)
 * ask, taken from a pool, with the PF settings asked (MAC, VLAN, ...), passed into
 * its network namespace at registration and given back when it ends. The
 * daemon's side of devices/: it logs, the parts below it do not. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/devices/devices_request.h"
#include "supervisor/devices/devices_vfio.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_pool.h"
#include "supervisor/devices/vf_state.h"

struct daemon;
struct container;

/* The VFs a container holds (c->devices, or a record re-adopted at start). */
struct devices_container {
        int netns_fd;                   /* its network namespace, held until the release */
        size_t n;
        struct vf_alloc vfs[VF_REQUEST_MAX];
        /* vfio mode: where its nodes are (dev_fd -EBADF when not opened,
         * as for a re-adopted container), and each VF's group and node */
        struct devices_vfio_target vfio;
        int groups[VF_REQUEST_MAX];
        dev_t group_devs[VF_REQUEST_MAX]; /* 0 until its node is made */
};

/* Passes the VFs c asks for (nothing without a pool, from its policy or annotations)
 * into the network namespace of c's init and keeps them in c->devices (with
 * that namespace, held open until the release so that it outlives its init).
 * All or nothing: on failure every VF taken is back on the host under its name,
 * with its PF settings as they were, and free; a one-line reason naming the
 * step is in errbuf. 0 or -errno; logs once. */
int devices_on_register(struct daemon *d, struct container *c, char *errbuf, size_t errlen);

/* Gives c's VFs back (to the host, their names, free) and frees c->devices;
 * a no-op without. Failures are logged, never fatal. */
void devices_on_unregister(struct daemon *d, struct container *c);

/* Gives every VF of |dc| back (to the host, their names, free), as
 * container |id|'s. Failures are logged, never fatal; |dc| stays the caller's. */
void devices_give_back(struct daemon *d, const char *id, struct devices_container *dc);

/* Frees |dc| without giving anything back (the daemon stops: the allocations
 * stay recorded for the next one). Accepts NULL, returns NULL. */
struct devices_container *devices_container_free(struct devices_container *dc);

/* One VF as `seccompctl vf list` shows it: every VF of a pool in sysfs, and
 * every recorded one sysfs no longer shows (missing). */
struct devices_vf_row {
        char addr[PCI_ADDR_MAX];
        char pool[64];             /* the config's name, or the record's; "" for none */
        int numa_node;             /* -1: unknown */
        char ifname[IF_NAMESIZE];  /* on the host now, "" when none */
        bool missing;              /* recorded but not in sysfs */
        bool in_use;               /* alloc is its record */
        struct vf_alloc alloc;
};

/* Every VF of d's pools and every allocation record, by address. *ret is
 * free()d by the caller. 0 or -errno (sysfs, state dir, ENOMEM); does not log. */
int devices_list(struct daemon *d, struct devices_vf_row **ret, size_t *ret_n);
