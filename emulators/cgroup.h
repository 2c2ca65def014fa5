/* A process's cgroup, found through /proc/<pid>/cgroup and /proc/self/mountinfo
 * (cgroup v1 controller hierarchies and the v2 one, hybrid layouts included), and
 * the memory and task accounting sysinfo needs from it. The parsers are pure and
 * exported for tests; nothing here logs. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/sysinfo.h>

#define CGROUP_UNLIMITED UINT64_MAX

/* Where one cgroup hierarchy is mounted. */
struct cgroup_mount {
        char mountpoint[PATH_MAX];
        char root[PATH_MAX]; /* the cgroup (hierarchy path) shown at the mountpoint */
};

/* One line of /proc/self/mountinfo: 1 with *ret set when it mounts the v1
 * hierarchy that holds |controller| ("memory", "pids"; a token of the super
 * options), or with controller NULL the v2 hierarchy; 0 when it mounts
 * something else; -EIO when malformed, -ENAMETOOLONG. Octal escapes in the
 * root and mountpoint are decoded. */
int cgroup_parse_mountinfo_line(const char *line, const char *controller, struct cgroup_mount *ret);

/* The cgroup path ("/...") in /proc/<pid>/cgroup text of the v1 hierarchy with
 * |controller|, or with controller NULL of the v2 hierarchy ("0::/path").
 * -ENOENT (no such line), -ENAMETOOLONG, -EIO: a malformed line, a path that is
 * not absolute or has ".", ".." or empty components (a process outside our
 * cgroup namespace shows "/.."), or the hierarchy listed twice (a cgroup name
 * with a newline could forge a line; the kernel refuses such names since 4.x,
 * this is the second lock). */
int cgroup_parse_proc(const char *text, const char *controller, char *buf, size_t size);

/* A cgroup value file: a decimal number or "max" (CGROUP_UNLIMITED), optionally
 * followed by a newline. 0 or -EIO. */
int cgroup_parse_value(const char *text, uint64_t *ret);

/* What sysinfo needs of memory.stat, in bytes. v1's hierarchical total_* keys win
 * over its local ones; v2 has only hierarchical values, under the plain names. */
struct cgroup_memstat {
        uint64_t inactive_file; /* 0 when absent */
        uint64_t shmem;         /* 0 when absent */
        uint64_t limit;         /* v1 hierarchical_memory_limit; CGROUP_UNLIMITED when absent */
        uint64_t memsw_limit;   /* v1 hierarchical_memsw_limit; likewise */
};

/* 0, or -EIO when a key above has no valid number. Other keys are not looked at. */
int cgroup_parse_memstat(const char *text, struct cgroup_memstat *ret);

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

/* Turns the host's |si| into the container's view of memory: with a limit below
 * the host's RAM, totalram is the limit and freeram the limit less the working
 * set (usage less inactive file cache, as kubelet and `docker stats` count it),
 * sharedram the cgroup's shmem, bufferram 0 (its cache is already in freeram).
 * Without such a limit the memory fields stay the host's. Swap likewise with the
 * swap limit. Values are in si->mem_unit units and never above the host's. Pure. */
void cgroup_memory_apply(const struct cgroup_memory *m, struct sysinfo *si);
