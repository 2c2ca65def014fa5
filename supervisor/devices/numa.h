/* NUMA placement: which nodes a container's CPUs are on, from the cpulist
 * files sysfs gives per node (devices/system/node/nodeN/cpulist). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define NUMA_MAX_CPUS 4096
#define NUMA_MAX_NODES 64

struct cpu_mask {
        uint64_t bits[NUMA_MAX_CPUS / 64];
};

/* Pure: "0-3,8,10-11\n" (the kernel's list format; "" is empty). 0, -EINVAL,
 * -ERANGE (a CPU at or above NUMA_MAX_CPUS). */
int cpulist_parse(const char *text, struct cpu_mask *ret);
bool cpu_mask_intersects(const struct cpu_mask *a, const struct cpu_mask *b);

/* The nodes (bit N: node N) holding any CPU of |cpus|, read under |root_fd|
 * (the sysfs root). 0 with 0 in *ret when the tree has no nodes (no NUMA).
 * 0 or -errno; does not log. */
int numa_nodes_of(int root_fd, const struct cpu_mask *cpus, uint64_t *ret);

/* The CPUs |pid| may run on (its affinity, which a cpuset bounds). 0 or -errno. */
int numa_cpus_of_pid(int pid, struct cpu_mask *ret);
