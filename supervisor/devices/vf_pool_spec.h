/* What a pool of VFs is, as the daemon config (supervisor/daemon_config.h)
 * declares it: a name, which VFs belong (selectors), how they are passed into
 * a container (mode) and how NUMA placement weighs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vf_pool_mode {
        VF_POOL_NETDEV, /* the VF's netdev moves into the container's network namespace */
        VF_POOL_VFIO,   /* the VF is bound to vfio-pci and its group given to the container */
};

enum vf_pool_numa {
        VF_POOL_NUMA_PREFER,  /* a VF on the container's node first, any other after */
        VF_POOL_NUMA_REQUIRE, /* only a VF on the container's node */
        VF_POOL_NUMA_IGNORE,  /* any VF */
};

/* An empty list matches everything; a VF must match every non-empty list. */
struct vf_pool_spec {
        char *name;
        char **pfs;         /* PF netdev names or PCI addresses */
        size_t n_pfs;
        uint16_t *vendors;
        size_t n_vendors;
        uint16_t *devices;
        size_t n_devices;
        char **drivers;     /* the VF's driver now ("iavf", "vfio-pci", "none") */
        size_t n_drivers;
        enum vf_pool_mode mode;
        enum vf_pool_numa numa;
        int numvfs;         /* >= 0: create this many VFs on each selected PF at start; -1: leave */
};

const char *vf_pool_mode_name(enum vf_pool_mode m);
const char *vf_pool_numa_name(enum vf_pool_numa n);
