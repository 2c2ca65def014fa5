/* sriov_numvfs from the pools' config at daemon start (devices_numvfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices_numvfs.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_state.h"

static bool names_pf(const struct vf_pool_spec *p, const struct sysfs_pf *pf)
{
        for (size_t i = 0; i < p->n_pfs; i++)
                if (strcmp(p->pfs[i], pf->addr) == 0 || (pf->ifname[0] && strcmp(p->pfs[i], pf->ifname) == 0))
                        return true;
        return false;
}

/* The records of |pf|'s VFs: how many, and the first one in *ret_first. */
static size_t in_use(const struct sysfs_vf_table *t, const struct sysfs_pf *pf, const struct vf_alloc *recs,
                     size_t n_recs, const struct vf_alloc **ret_first)
{
        size_t n = 0;

        for (size_t i = 0; i < n_recs; i++) {
                const struct sysfs_vf *vf = sysfs_vf_find(t, recs[i].addr);

                if (vf && strcmp(vf->pf_addr, pf->addr) == 0 && n++ == 0)
                        *ret_first = &recs[i];
        }
        return n;
}

static void apply_pf(int sysfs_fd, const struct vf_pool_spec *p, const struct sysfs_vf_table *t,
                     const struct sysfs_pf *pf, const struct vf_alloc *recs, size_t n_recs)
{
        const char *name = pf->ifname[0] ? pf->ifname : pf->addr;
        const struct vf_alloc *first = NULL;
        size_t busy;
        int r;

        if (pf->num_vfs == (unsigned) p->numvfs) {
                log_debug("pool %s: PF %s has %u VF(s) already", p->name, name, pf->num_vfs);
                return;
        }
        busy = in_use(t, pf, recs, n_recs, &first);
        if (busy) {
                log_warning("pool %s: PF %s: not changing sriov_numvfs from %u to %d: %zu of its VFs are in use "
                            "(%s by container %s%s)", p->name, name, pf->num_vfs, p->numvfs, busy, first->addr,
                            first->container, busy > 1 ? ", ..." : "");
                return;
        }
        r = sysfs_vf_set_numvfs(sysfs_fd, pf->addr, (unsigned) p->numvfs, DEVICES_NUMVFS_WAIT_MS);
        if (r == -ERANGE)
                log_warning("pool %s: PF %s: numvfs %d is above its sriov_totalvfs %u", p->name, name, p->numvfs,
                            pf->total_vfs);
        else if (r < 0)
                log_warning_errno(r, "pool %s: PF %s: cannot set sriov_numvfs from %u to %d: %m", p->name, name,
                                  pf->num_vfs, p->numvfs);
        else
                log_info("pool %s: PF %s: sriov_numvfs %u -> %d", p->name, name, pf->num_vfs, p->numvfs);
}

static void apply_pool(int sysfs_fd, const struct vf_pool_spec *p, const struct sysfs_vf_table *t,
                       const struct vf_alloc *recs, size_t n_recs)
{
        size_t found = 0;

        if (p->n_pfs == 0) {
                log_warning("pool %s: numvfs %d needs a pfs selector naming the PFs; nothing changed", p->name,
                            p->numvfs);
                return;
        }
        for (size_t i = 0; i < t->n_pfs; i++)
                if (names_pf(p, &t->pfs[i])) {
                        apply_pf(sysfs_fd, p, t, &t->pfs[i], recs, n_recs);
                        found++;
                }
        if (found < p->n_pfs)
                log_warning("pool %s: %zu of its %zu PF(s) are not SR-IOV PFs in %s", p->name, p->n_pfs - found,
                            p->n_pfs, "sysfs");
}

void devices_numvfs_apply(struct daemon *d)
{
        _cleanup_close_ int sysfs_fd = -EBADF, state_fd = -EBADF;
        _cleanup_(sysfs_vf_table_clear) struct sysfs_vf_table t = { 0 };
        _cleanup_free_ struct vf_alloc *recs = NULL;
        size_t n_recs = 0;
        bool any = false;
        int r;

        for (size_t i = 0; i < d->config.n_pools; i++)
                any |= d->config.pools[i].numvfs >= 0;
        if (!any)
                return;
        sysfs_fd = open(d->opt.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sysfs_fd < 0) {
                log_warning_errno(-errno, "numvfs: %s: %m; no VF count changed", d->opt.sysfs_root);
                return;
        }
        state_fd = vf_state_open(d->opt.state_dir);
        r = state_fd < 0 ? state_fd : vf_state_list(state_fd, &recs, &n_recs);
        if (r >= 0)
                r = sysfs_vf_scan(sysfs_fd, &t);
        if (r < 0) {
                log_warning_errno(r, "numvfs: cannot read the VFs or their records: %m; no VF count changed");
                return;
        }
        for (size_t i = 0; i < d->config.n_pools; i++)
                if (d->config.pools[i].numvfs >= 0)
                        apply_pool(sysfs_fd, &d->config.pools[i], &t, recs, n_recs);
}
