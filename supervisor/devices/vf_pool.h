/* The VF allocator: which VFs belong to a pool, which of them are free, and
 * taking some for a container — NUMA-aware, all or nothing, and race-free
 * between containers and daemons through the per-address locks and records
 * of vf_state.h (a record is written only under its address's lock, and only
 * when none exists). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_pool_spec.h"
#include "supervisor/devices/vf_state.h"

#define VF_REQUEST_MAX 16

/* Whether |vf| belongs to |p| (every non-empty selector list matches). Pure. */
bool vf_pool_matches(const struct vf_pool_spec *p, const struct sysfs_vf *vf);

struct vf_request {
        const char *container;
        pid_t pid;
        uint64_t pid_start;
        unsigned count;       /* 1 .. VF_REQUEST_MAX */
        uint64_t numa_nodes;  /* bit N: the container runs on node N; 0: no preference */
};

/* Orders the VFs of |p| in |t| by preference for |numa_nodes| (on those nodes
 * first, then the rest unless the pool requires the node; by address within
 * each group) into |ret| (room for t->n_vfs). Pure. The number stored. */
size_t vf_pool_candidates(const struct vf_pool_spec *p, const struct sysfs_vf_table *t, uint64_t numa_nodes,
                          const struct sysfs_vf **ret);

/* Takes req->count free VFs of |p| for the container and records them in
 * |state_fd|; *ret (room for req->count) receives the records. All or nothing:
 * -ENOSPC when fewer are free (nothing stays recorded), -EINVAL for a bad
 * request, or the -errno of the state files. Does not log. */
int vf_pool_allocate(int state_fd, const struct vf_pool_spec *p, const struct sysfs_vf_table *t,
                     const struct vf_request *req, struct vf_alloc *ret);

/* Updates the record of a->addr (as the passthrough goes on: names, MAC) if
 * it still belongs to a->container. 0, -ESTALE (another owner or none), -errno. */
int vf_pool_update(int state_fd, const struct vf_alloc *a);

/* Frees |addr| if |container| holds it. 0, -ESTALE (another owner), -errno;
 * freeing a free VF is 0. */
int vf_pool_release(int state_fd, const char *addr, const char *container);
