/* A process's cgroup, found through /proc/<pid>/cgroup and /proc/self/mountinfo
 * (cgroup v1 controller hierarchies and the v2 one, hybrid layouts included), the
 * memory and task accounting sysinfo needs from it, and the cgroup.procs files
 * another process joins it by (a FUSE redirect). Nothing here logs. */
#pragma once

#include <stdint.h>
#include <sys/sysinfo.h>

#include "emulators/cgroup_parse.h"

/* The memory accounting of a cgroup, in bytes. */
struct cgroup_memory {
        uint64_t limit;         /* the lowest limit of the cgroup and its ancestors */
        uint64_t usage;         /* page cache included */
        uint64_t inactive_file; /* the part of usage reclaimed first at the limit */
        uint64_t shmem;
        uint64_t swap_limit;    /* CGROUP_UNLIMITED also when swap is not accounted */
        uint64_t swap_usage;
};

/* The memory accounting of the cgroup of the process whose /proc entry is
 * |proc_fd|: the v1 memory controller if mounted, else v2. 0; -ENOENT when there
 * is none (controller not mounted or not enabled there, or the root cgroup);
 * -ESRCH (process gone); -EIO (hostile or malformed files); -errno. */
int cgroup_read_memory(int proc_fd, struct cgroup_memory *ret);

/* Tasks (threads, as sysinfo's procs counts) in that process's cgroup:
 * pids.current of the v1 pids controller if mounted, else of v2; failing that
 * (root cgroup, controller not enabled), the length of the cgroup's task list
 * (tasks, cgroup.threads), which leaves out its descendants. 0, -ENOENT,
 * -ESRCH, -EIO, -errno. */
int cgroup_count_tasks(int proc_fd, uint64_t *ret);

#define CGROUP_MAX_HIERARCHIES 16

/* cgroup.procs of the cgroup of the process at |proc_fd| in every hierarchy it
 * is in (each v1 one and v2), opened O_WRONLY into fds[]: whoever writes "0" to
 * them moves there, with the opener's rights (so a process can join after
 * dropping its own). Returns how many (the caller closes them), -EOPNOTSUPP
 * when a hierarchy with controllers is not mounted here (a named v1 one, which
 * limits nothing, is skipped), -E2BIG past |max|, -ESRCH, -EIO, -errno; on
 * failure none is left open. */
int cgroup_open_procs(int proc_fd, int *fds, size_t max);

/* The v2 cgroup ("/..." as /proc/<pid>/cgroup shows it to seccompd) of the
 * process at |proc_fd|, into buf. -ENOENT (no v2 line), -ENAMETOOLONG, -EIO,
 * -ESRCH, -errno. */
int cgroup2_read_path(int proc_fd, char *buf, size_t size);

/* A mount of the whole cgroup2 hierarchy (its root shows "/"), O_RDONLY|O_DIRECTORY.
 * -ENOENT when there is none here (a cgroup v1 only host). */
int cgroup2_open_root(void);

/* The cgroup |path| (from cgroup2_read_path) beneath |root_fd|, O_RDONLY|O_DIRECTORY,
 * no symlinks followed. */
int cgroup2_open_path(int root_fd, const char *path);

/* The cgroup2 directory |fd|, opened through any mount of cgroup2 (one inside a
 * container, seen from another mount namespace), reopened beneath |root_fd|
 * through its file handle: O_RDONLY|O_DIRECTORY. -EBADF when |fd| is not a
 * cgroup2 directory; -ESTALE and the like when it cannot be reached from
 * |root_fd|. */
int cgroup2_reopen(int root_fd, int fd);

/* Turns the host's |si| into the container's view of memory: with a limit below
 * the host's RAM, totalram is the limit and freeram the limit less the working
 * set (usage less inactive file cache, as kubelet and `docker stats` count it),
 * sharedram the cgroup's shmem, bufferram 0 (its cache is already in freeram).
 * Without such a limit the memory fields stay the host's. Swap likewise with the
 * swap limit. Values are in si->mem_unit units and never above the host's. Pure. */
void cgroup_memory_apply(const struct cgroup_memory *m, struct sysinfo *si);
