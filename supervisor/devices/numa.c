/* NUMA nodes of a set of CPUs, from sysfs node cpulists. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "supervisor/devices/numa.h"

static int parse_cpu(const char *s, char **end, unsigned *ret)
{
        unsigned long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, end, 10);
        if (errno || v >= NUMA_MAX_CPUS)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int cpulist_parse(const char *text, struct cpu_mask *ret)
{
        struct cpu_mask m = { 0 };
        const char *p = text;

        while (*p && *p != '\n') {
                unsigned lo, hi;
                char *end;
                int r = parse_cpu(p, &end, &lo);

                if (r < 0)
                        return r;
                hi = lo;
                if (*end == '-' && (r = parse_cpu(end + 1, &end, &hi)) < 0)
                        return r;
                if (hi < lo)
                        return -EINVAL;
                for (unsigned c = lo; c <= hi; c++)
                        m.bits[c / 64] |= UINT64_C(1) << (c % 64);
                if (*end == ',')
                        end++;
                else if (*end && *end != '\n')
                        return -EINVAL;
                p = end;
        }
        if (*p == '\n' && p[1])
                return -EINVAL;
        *ret = m;
        return 0;
}

bool cpu_mask_intersects(const struct cpu_mask *a, const struct cpu_mask *b)
{
        for (size_t i = 0; i < ARRAY_SIZE(a->bits); i++)
                if (a->bits[i] & b->bits[i])
                        return true;
        return false;
}

/* Adds node |n| to *mask when its cpulist meets |cpus|. */
static int check_node(int nodes_fd, const char *name, const struct cpu_mask *cpus, uint64_t *mask)
{
        _cleanup_free_ char *text = NULL;
        struct cpu_mask m;
        char path[64];
        unsigned long n;
        char *end;
        size_t len;
        int r;

        n = strtoul(name + 4, &end, 10);
        if (name[4] < '0' || name[4] > '9' || *end || n >= NUMA_MAX_NODES)
                return 0;
        snprintf(path, sizeof(path), "%s/cpulist", name);
        r = read_file_bounded(nodes_fd, path, 65536, &text, &len);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        r = cpulist_parse(text, &m);
        if (r < 0)
                return r;
        if (cpu_mask_intersects(&m, cpus))
                *mask |= UINT64_C(1) << n;
        return 0;
}

int numa_nodes_of(int root_fd, const struct cpu_mask *cpus, uint64_t *ret)
{
        uint64_t mask = 0;
        struct dirent *de;
        DIR *dir;
        int r = opendir_at(root_fd, "devices/system/node", &dir);

        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r < 0)
                return r;
        while (r >= 0 && (de = readdir(dir)))
                if (strncmp(de->d_name, "node", 4) == 0)
                        r = check_node(dirfd(dir), de->d_name, cpus, &mask);
        closedir(dir);
        if (r < 0)
                return r;
        *ret = mask;
        return 0;
}

int numa_cpus_of_pid(int pid, struct cpu_mask *ret)
{
        cpu_set_t *set = CPU_ALLOC(NUMA_MAX_CPUS);
        size_t size = CPU_ALLOC_SIZE(NUMA_MAX_CPUS);
        struct cpu_mask m = { 0 };

        if (!set)
                return -ENOMEM;
        if (sched_getaffinity(pid, size, set) < 0) {
                int r = -errno;

                CPU_FREE(set);
                return r;
        }
        for (unsigned c = 0; c < NUMA_MAX_CPUS; c++)
                if (CPU_ISSET_S(c, size, set))
                        m.bits[c / 64] |= UINT64_C(1) << (c % 64);
        CPU_FREE(set);
        *ret = m;
        return 0;
}
