/* sysinfo(2) as a container sees it: the host's answer (loads, mem_unit, high
 * memory) with memory and swap from the init's cgroup, uptime from the init's
 * start time and procs from its cgroup's task count. Does not log. */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>

#include "common/macro.h"
#include "emulators/cgroup.h"
#include "emulators/procfs.h"
#include "emulators/sysinfo.h"

/* The kernel's struct compat_sysinfo (kernel/sys.c): what a 32-bit caller on a
 * 64-bit kernel reads. */
struct compat_sysinfo {
        int32_t uptime;
        uint32_t loads[3];
        uint32_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs;
        uint16_t pad;
        uint32_t totalhigh, freehigh;
        uint32_t mem_unit;
        char _f[20 - 2 * sizeof(uint32_t) - sizeof(int)];
};

_Static_assert(sizeof(struct compat_sysinfo) == 64, "compat_sysinfo is 64 bytes");

/* Without memory accounting (-ENOENT) the host's figures are the container's. */
static int apply_memory(int proc_fd, struct sysinfo *si)
{
        struct cgroup_memory m;
        int r = cgroup_read_memory(proc_fd, &m);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        cgroup_memory_apply(&m, si);
        return 0;
}

static int apply_procs(int proc_fd, struct sysinfo *si)
{
        uint64_t n;
        int r = cgroup_count_tasks(proc_fd, &n);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        /* 16 bits: the kernel truncates its thread count, we saturate. */
        si->procs = (unsigned short) (n > USHRT_MAX ? USHRT_MAX : n);
        return 0;
}

/* starttime and CLOCK_BOOTTIME are both seen from our time namespace (5.6+
 * shifts both alike), so the difference is the init's age. */
static int apply_uptime(int proc_fd, struct sysinfo *si)
{
        struct timespec now;
        uint64_t start;
        int r;

        r = procfs_read_starttime(proc_fd, &start);
        if (r < 0)
                return r;
        if (clock_gettime(CLOCK_BOOTTIME, &now) < 0)
                return -errno;
        si->uptime = procfs_seconds_since(start, sysconf(_SC_CLK_TCK), &now);
        return 0;
}

int sysinfo_for_container(const struct container_view *c, struct sysinfo *ret)
{
        _cleanup_close_ int proc_fd = -EBADF;
        struct sysinfo si;
        int r;

        if (sysinfo(&si) < 0)
                return -errno;
        if (si.mem_unit == 0)
                si.mem_unit = 1; /* before 2.3.23 */
        proc_fd = procfs_open_pidfd(c->init_pidfd, c->init_pid);
        if (proc_fd < 0)
                return proc_fd;
        r = apply_uptime(proc_fd, &si);
        if (r < 0)
                return r;
        r = apply_memory(proc_fd, &si);
        if (r < 0)
                return r;
        r = apply_procs(proc_fd, &si);
        if (r < 0)
                return r;
        *ret = si;
        return 0;
}

/* compat_sys_sysinfo(): memory above 32 bits is scaled by a larger mem_unit (up
 * to the page size); the rest is truncated as the kernel truncates it. */
static void to_compat(const struct sysinfo *s, struct compat_sysinfo *ret)
{
        uint64_t unit = s->mem_unit, page = (uint64_t) sysconf(_SC_PAGESIZE);
        unsigned shift = 0;

        if ((uint64_t) s->totalram >> 32 || (uint64_t) s->totalswap >> 32)
                for (; unit < page; unit <<= 1)
                        shift++;
        memset(ret, 0, sizeof(*ret));
        ret->uptime = (int32_t) s->uptime;
        for (int i = 0; i < 3; i++)
                ret->loads[i] = (uint32_t) s->loads[i];
        ret->totalram = (uint32_t) ((uint64_t) s->totalram >> shift);
        ret->freeram = (uint32_t) ((uint64_t) s->freeram >> shift);
        ret->sharedram = (uint32_t) ((uint64_t) s->sharedram >> shift);
        ret->bufferram = (uint32_t) ((uint64_t) s->bufferram >> shift);
        ret->totalswap = (uint32_t) ((uint64_t) s->totalswap >> shift);
        ret->freeswap = (uint32_t) ((uint64_t) s->freeswap >> shift);
        ret->procs = s->procs;
        ret->totalhigh = (uint32_t) ((uint64_t) s->totalhigh >> shift);
        ret->freehigh = (uint32_t) ((uint64_t) s->freehigh >> shift);
        ret->mem_unit = (uint32_t) unit;
}

/* 1: the caller reads our struct sysinfo; 0: it is a 32-bit caller of a 64-bit
 * kernel (compat layout); -ENOSYS: a layout we cannot write. */
static int caller_is_native(uint32_t arch)
{
        bool caller64 = arch & __AUDIT_ARCH_64BIT, caller_le = arch & __AUDIT_ARCH_LE;

        if (caller_le != (__BYTE_ORDER == __LITTLE_ENDIAN))
                return -ENOSYS;
        if (caller64 == (sizeof(long) == 8))
                return 1;
        return caller64 ? -ENOSYS : 0;
}

int sysinfo_emulate(const struct request *req, const struct container_view *c, const struct target *t)
{
        uint64_t addr = req->notif.data.args[0];
        struct compat_sysinfo cs;
        struct sysinfo si;
        int native, r;

        native = caller_is_native(req->notif.data.arch);
        if (native < 0)
                return native;
        /* No stray bytes of ours in the padding the caller gets. */
        memset(&si, 0, sizeof(si));
        /* The kernel fills its copy first, then fails the copy-out: same errno. */
        r = sysinfo_for_container(c, &si);
        if (r < 0)
                return r;
        if (!native)
                to_compat(&si, &cs);
        /* process_vm_writev goes by pid: recheck that the pid is still the caller's
         * right before writing (the ID_VALID rule of seccomp_unotify(2)). */
        r = target_still_valid(t);
        if (r < 0)
                return r;
        if (native)
                return target_write_mem(t->pid, addr, &si, sizeof(si));
        return target_write_mem(t->pid, addr, &cs, sizeof(cs));
}
