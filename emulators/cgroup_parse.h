/* Pure parsers of what the kernel shows about cgroups: /proc/<pid>/cgroup,
 * /proc/self/mountinfo lines, value files and memory.stat. Exported for
 * emulators/cgroup.c and for tests; no I/O, nothing logs. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

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
