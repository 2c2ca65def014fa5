/* A process's /proc entry pinned through its pidfd (no pid reuse), and the start
 * time field of its stat file. Nothing here logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/number.h"
#include "emulators/procfs.h"

#define STAT_MAX 4096 /* ~52 numbers and a 16-byte comm: well under 1 KiB */
#define STARTTIME_FIELD 22
#define NSEC_PER_SEC 1000000000ULL

int procfs_open_pidfd(int pidfd, pid_t pid)
{
        _cleanup_close_ int fd = -EBADF;
        char path[32];

        if (pid <= 0 || pidfd < 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d", (int) pid);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        /* Signal 0 only checks: ESRCH once the pidfd's process has been reaped.
         * Only now is the directory known to be that process's. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* One unsigned decimal field ending at a space, newline or NUL; advances *p. */
static int parse_field(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v;

        if (number_scan_u64(&s, &v) < 0 || (*s != ' ' && *s != '\n' && *s != '\0'))
                return -EIO;
        *p = s;
        *ret = v;
        return 0;
}

int procfs_parse_starttime(const char *stat, uint64_t *ret)
{
        const char *p = strrchr(stat, ')');

        if (!p || p[1] != ' ')
                return -EIO;
        p += 2; /* at field 3, the one-letter state */
        /* Skip fields 3..21: each ends at one space (fs/proc/array.c). */
        for (int field = 3; field < STARTTIME_FIELD; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
                p++;
        }
        return parse_field(&p, ret);
}

int procfs_read_starttime(int proc_fd, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_bounded(proc_fd, "stat", STAT_MAX, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EIO : r;
        if (strlen(text) != len)
                return -EIO; /* a NUL in the comm cannot happen; refuse it anyway */
        return procfs_parse_starttime(text, ret);
}

long procfs_seconds_since(uint64_t start_ticks, long hz, const struct timespec *boottime)
{
        uint64_t now_ns, start_sec, start_ns, age;

        if (hz <= 0 || boottime->tv_sec < 0)
                return 0;
        start_sec = start_ticks / (uint64_t) hz;
        if (start_sec > (uint64_t) boottime->tv_sec)
                return 0;
        /* Both below 2^63 ns (292 years after boot): no overflow. */
        now_ns = (uint64_t) boottime->tv_sec * NSEC_PER_SEC + (uint64_t) boottime->tv_nsec;
        start_ns = start_sec * NSEC_PER_SEC + start_ticks % (uint64_t) hz * NSEC_PER_SEC / (uint64_t) hz;
        if (start_ns >= now_ns)
                return 0;
        age = now_ns - start_ns;
        return (long) (age / NSEC_PER_SEC + (age % NSEC_PER_SEC ? 1 : 0));
}
