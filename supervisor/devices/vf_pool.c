/* The VF allocator over the persisted records (vf_pool.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "supervisor/devices/vf_pool.h"

static bool in_strs(char *const *v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

static bool in_ids(const uint16_t *v, size_t n, uint16_t id)
{
        for (size_t i = 0; i < n; i++)
                if (v[i] == id)
                        return true;
        return false;
}

bool vf_pool_matches(const struct vf_pool_spec *p, const struct sysfs_vf *vf)
{
        const char *driver = vf->driver[0] ? vf->driver : "none";

        if (p->n_pfs && !in_strs(p->pfs, p->n_pfs, vf->pf_addr) &&
            !(vf->pf_ifname[0] && in_strs(p->pfs, p->n_pfs, vf->pf_ifname)))
                return false;
        if (p->n_vendors && !in_ids(p->vendors, p->n_vendors, vf->vendor))
                return false;
        if (p->n_devices && !in_ids(p->devices, p->n_devices, vf->device))
                return false;
        return !p->n_drivers || in_strs(p->drivers, p->n_drivers, driver);
}

static bool on_nodes(const struct sysfs_vf *vf, uint64_t nodes)
{
        return vf->numa_node >= 0 && vf->numa_node < 64 && (nodes & (UINT64_C(1) << vf->numa_node));
}

size_t vf_pool_candidates(const struct vf_pool_spec *p, const struct sysfs_vf_table *t, uint64_t numa_nodes,
                          const struct sysfs_vf **ret)
{
        bool numa = numa_nodes && p->numa != VF_POOL_NUMA_IGNORE;
        size_t n = 0;

        /* Two passes keep the table's (address) order within each group. */
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1 && numa && p->numa == VF_POOL_NUMA_REQUIRE)
                        break;
                for (size_t i = 0; i < t->n_vfs; i++) {
                        const struct sysfs_vf *vf = &t->vfs[i];

                        if (!vf_pool_matches(p, vf))
                                continue;
                        if (numa && on_nodes(vf, numa_nodes) != (pass == 0))
                                continue;
                        if (!numa && pass == 1)
                                continue;
                        ret[n++] = vf;
                }
        }
        return n;
}

/* Records |vf| for the request under its lock: 0, -EBUSY when taken. */
static int claim(int state_fd, const struct vf_pool_spec *p, const struct sysfs_vf *vf,
                 const struct vf_request *req, struct vf_alloc *ret)
{
        _cleanup_close_ int lock = vf_state_lock(state_fd, vf->addr);
        struct vf_alloc a = { .pid = req->pid, .pid_start = req->pid_start };
        int r;

        if (lock < 0)
                return lock;
        r = vf_state_read(state_fd, vf->addr, &a);
        if (r != -ENOENT)
                /* In use, or a record we cannot read: never take it over. */
                return r == -ENOMEM ? r : -EBUSY;
        a = (struct vf_alloc) { .pid = req->pid, .pid_start = req->pid_start };
        strcpy(a.addr, vf->addr);
        strcpy(a.host_ifname, vf->ifname);
        if (strlen(p->name) >= sizeof(a.pool) || strlen(req->container) >= sizeof(a.container))
                return -EINVAL;
        strcpy(a.pool, p->name);
        strcpy(a.container, req->container);
        r = vf_state_write(state_fd, &a);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

int vf_pool_allocate(int state_fd, const struct vf_pool_spec *p, const struct sysfs_vf_table *t,
                     const struct vf_request *req, struct vf_alloc *ret)
{
        _cleanup_free_ const struct sysfs_vf **cand = NULL;
        size_t n, got = 0;
        int r = 0;

        if (req->count < 1 || req->count > VF_REQUEST_MAX || !req->container[0] || req->pid <= 0)
                return -EINVAL;
        cand = calloc(t->n_vfs + 1, sizeof(*cand));
        if (!cand)
                return -ENOMEM;
        n = vf_pool_candidates(p, t, req->numa_nodes, cand);
        for (size_t i = 0; i < n && got < req->count; i++) {
                r = claim(state_fd, p, cand[i], req, &ret[got]);
                if (r == -EBUSY)
                        continue;
                if (r < 0)
                        break;
                got++;
        }
        if (r >= 0 && got == req->count)
                return 0;
        /* All or nothing: what was claimed goes back. */
        while (got > 0) {
                got--;
                (void) vf_pool_release(state_fd, ret[got].addr, req->container);
        }
        return r < 0 && r != -EBUSY ? r : -ENOSPC;
}

/* The record of |addr| under its lock, if |container| owns it: the lock fd,
 * -ESTALE when another does, -ENOENT when free, or -errno. */
static int lock_owned(int state_fd, const char *addr, const char *container)
{
        _cleanup_close_ int lock = vf_state_lock(state_fd, addr);
        struct vf_alloc cur;
        int r;

        if (lock < 0)
                return lock;
        r = vf_state_read(state_fd, addr, &cur);
        if (r < 0)
                return r;
        if (strcmp(cur.container, container) != 0)
                return -ESTALE;
        return TAKE_FD(lock);
}

int vf_pool_update(int state_fd, const struct vf_alloc *a)
{
        _cleanup_close_ int lock = lock_owned(state_fd, a->addr, a->container);

        if (lock == -ENOENT)
                return -ESTALE;
        if (lock < 0)
                return lock;
        return vf_state_write(state_fd, a);
}

int vf_pool_release(int state_fd, const char *addr, const char *container)
{
        _cleanup_close_ int lock = lock_owned(state_fd, addr, container);

        if (lock == -ENOENT)
                return 0;
        if (lock < 0)
                return lock;
        return vf_state_remove(state_fd, addr);
}
