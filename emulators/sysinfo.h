/* sysinfo(2) emulation: the host's answer, with what the container sees of
 * itself from its cgroup: totalram/freeram (and swap) from the memory limit
 * and usage, uptime from the container init's start time, procs from the
 * number of tasks in its cgroup. cgroup v1 (memory, pids controllers) and v2.
 * Written into the caller with process_vm_writev. Does not log. */
#pragma once

#include <sys/sysinfo.h>

#include "emulators/request.h"
#include "emulators/target.h"

struct container_view {
        int init_pidfd;          /* the container's init, for its cgroup and start time */
        pid_t init_pid;
};

/* Fills |ret| as the container should see it. Pure parsing helpers are in
 * sysinfo.c; this reads /proc and /sys/fs/cgroup. 0 or -errno. */
int sysinfo_for_container(const struct container_view *c, struct sysinfo *ret);

/* The whole emulation: computes and writes the struct to the caller's arg 0.
 * 0, or -EFAULT (unmapped buffer), -ESRCH, ... */
int sysinfo_emulate(const struct request *req, const struct container_view *c, const struct target *t);
