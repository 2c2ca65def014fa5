/* A process's /proc entry reached through its pidfd, and the field of
 * /proc/<pid>/stat that sysinfo needs. The parser is pure; nothing here logs. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Opens /proc/<pid> (O_PATH|O_DIRECTORY|O_CLOEXEC), then checks that |pidfd|'s
 * process is still alive: a live process keeps its pid, so the directory was
 * opened on it and not on a later process that reused the number, and reads
 * through the fd fail with ESRCH once it is gone. Returns the fd (the caller
 * closes it), -ESRCH (gone), or -errno. Does not check that |pid| is the pid of
 * |pidfd|: the caller took the pidfd from that pid. */
int procfs_open_pidfd(int pidfd, pid_t pid);

/* Field 22 of /proc/<pid>/stat text (starttime: clock ticks after boot). The comm
 * field (2) may hold any byte but NUL, ')' and newlines included, so fields are
 * counted from its last ')'. 0, or -EIO (malformed, missing, out of range). */
int procfs_parse_starttime(const char *stat, uint64_t *ret);

/* procfs_parse_starttime() of |proc_fd|'s stat file. 0, -ESRCH, -EIO, -errno. */
int procfs_read_starttime(int proc_fd, uint64_t *ret);

/* Whole seconds from |start_ticks| (clock ticks of |hz| after boot) to |boottime|
 * (CLOCK_BOOTTIME), rounded up as sysinfo(2) rounds its uptime; 0 if the start
 * lies in the future. Pure. */
long procfs_seconds_since(uint64_t start_ticks, long hz, const struct timespec *boottime);
