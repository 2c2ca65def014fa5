/* The daemon's SR-IOV passthrough for containers (devices.h): annotations to
 * a request, the pool allocation, one vf_netdev_pass() per VF, and the undo. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy/passthrough.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices.h"
#include "supervisor/devices/numa.h"
#include "supervisor/devices/vf_settings.h"
#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_pool.h"
#include "supervisor/devices/vf_vfio.h"
#include "supervisor/oci_state.h"
#include "supervisor/policy_store.h"
#include "supervisor/registry.h"

_Static_assert(PASSTHROUGH_VF_MAX <= VF_REQUEST_MAX, "a request's VFs fit in devices_container.vfs");

struct devices_request {
        const struct vf_pool_spec *pool;
        struct passthrough_vf vf;       /* pool, count, a name per VF, up, and the PF settings */
};

struct devices_container *devices_container_free(struct devices_container *dc)
{
        if (dc) {
                safe_close(dc->netns_fd);
                devices_vfio_target_close(&dc->vfio);
                free(dc);
        }
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct devices_container *, devices_container_free)

static const char *annotation(const char *key, void *userdata)
{
        return oci_state_annotation(userdata, key);
}

/* The passthrough.vf of policy |name| into *ret: false when it has none. */
static bool policy_vf(struct daemon *d, const char *name, struct passthrough_vf *ret)
{
        struct policy_version *v = d->policies ? policy_store_get(d->policies, name) : NULL;
        bool found = v && v->policy->passthrough && v->policy->passthrough->has_vf;

        if (found)
                *ret = v->policy->passthrough->vf;
        policy_version_unref(v);
        return found;
}

/* 1 with *req filled, 0 when nothing is asked, -EINVAL with errbuf. */
static int parse_request(struct daemon *d, const struct oci_state *s, struct devices_request *req, char *errbuf,
                         size_t errlen)
{
        const char *policy = oci_state_annotation(s, OCI_STATE_ANNOTATION_POLICY);
        struct passthrough_vf pv;
        bool has_pv;
        int r;

        policy = policy ? policy : "default";
        has_pv = policy_vf(d, policy, &pv);
        r = devices_request_merge(has_pv ? &pv : NULL, policy, annotation, (void *) s, &req->vf, errbuf, errlen);
        if (r <= 0)
                return r;
        req->pool = daemon_config_pool(&d->config, req->vf.pool);
        if (!req->pool) {
                snprintf(errbuf, errlen, "VF pool \"%s\" (%s): no such VF pool in %s", req->vf.pool,
                         has_pv ? "policy" : DEVICES_ANNOTATION_POOL, d->opt.config_path);
                return -EINVAL;
        }
        return 1;
}

/* The network namespace of c's init: opened by /proc, then the pidfd says
 * the pid was still that init (not a reused pid) after the open. */
static int open_netns(const struct container *c)
{
        char path[64];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) c->init_pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static uint64_t numa_nodes(int sysfs_fd, pid_t pid)
{
        struct cpu_mask cpus;
        uint64_t nodes = 0;

        if (numa_cpus_of_pid(pid, &cpus) < 0 || numa_nodes_of(sysfs_fd, &cpus, &nodes) < 0)
                return 0;
        return nodes;
}

static int allocate(struct container *c, const struct devices_request *req,
                    const struct sysfs_vf_table *t, int sysfs_fd, int state_fd, struct devices_container *dc,
                    char *errbuf, size_t errlen)
{
        struct vf_request vr = { .container = c->id, .pid = c->init_pid, .count = req->vf.count,
                                 .numa_nodes = numa_nodes(sysfs_fd, c->init_pid) };
        int r = vf_state_pid_start(c->init_pid, &vr.pid_start);

        if (r >= 0)
                r = vf_pool_allocate(state_fd, req->pool, t, &vr, dc->vfs);
        if (r == -ENOSPC)
                snprintf(errbuf, errlen, "VF pool %s: fewer than %u VF(s) free%s", req->pool->name, req->vf.count,
                         req->pool->numa == VF_POOL_NUMA_REQUIRE ? " on the container's NUMA nodes" : "");
        else if (r < 0)
                snprintf(errbuf, errlen, "VF pool %s: cannot allocate: %s", req->pool->name, strerror(-r));
        else
                dc->n = req->vf.count;
        return r;
}

/* vfio mode: the nodes out of the container, the VF back to its driver. */
static void give_back_vfio(int sysfs_fd, const char *id, struct devices_container *dc, size_t i)
{
        struct vf_alloc *a = &dc->vfs[i];
        enum vf_vfio_step step;
        int r;

        if (dc->group_devs[i] && dc->vfio.dev_fd >= 0) {
                r = devices_vfio_take(&dc->vfio, dc->groups[i], dc->group_devs[i], i == 0);
                if (r < 0)
                        log_warning_errno(r, "container %s: VF %s: removing /dev/vfio/%d: %m", id, a->addr,
                                          dc->groups[i]);
        }
        r = vf_vfio_restore(sysfs_fd, a->addr, a->orig_driver, &step);
        if (r < 0)
                log_warning_errno(r, "container %s: VF %s: %s failed giving it back to %s: %m", id, a->addr,
                                  vf_vfio_step_name(step), a->orig_driver[0] ? a->orig_driver : "no driver");
        else
                log_info("container %s: VF %s back on %s", id, a->addr,
                         a->orig_driver[0] ? a->orig_driver : "no driver");
}

/* Gives back VF |i| of dc: out of the container, then free. */
static void give_back(struct vf_netdev *host, int sysfs_fd, const char *id, struct devices_container *dc, size_t i,
                      int state_fd)
{
        struct vf_alloc *a = &dc->vfs[i];
        enum vf_pass_step step = VF_PASS_DONE;
        char name[IF_NAMESIZE] = "";
        int r;

        if (strcmp(a->mode, "vfio") == 0)
                give_back_vfio(sysfs_fd, id, dc, i);
        else if (a->ct_ifname[0] && !host) {
                /* Without rtnetlink it cannot come out: freeing its record would
                 * offer a VF that is still in the container. */
                log_warning("container %s: VF %s (%s) left in the container and recorded: no rtnetlink socket", id,
                            a->addr, a->ct_ifname);
                return;
        } else if (a->ct_ifname[0]) {
                r = vf_netdev_reclaim(host, dc->netns_fd, a->ct_ifname, a->host_ifname, name, &step);
                if (r < 0)
                        log_warning_errno(r, "container %s: VF %s (%s): %s failed, it is %s%s: %m", id, a->addr,
                                          a->ct_ifname, vf_pass_step_name(step),
                                          name[0] ? "on the host as " : "left in the container", name);
                else
                        log_info("container %s: VF %s back on the host as %s", id, a->addr, name);
        }
        if (a->saved.pf_ifname[0] && !host)
                log_warning("container %s: VF %s: its VF settings on PF %s stay as the container had them: no "
                            "rtnetlink socket", id, a->addr, a->saved.pf_ifname);
        else if (a->saved.pf_ifname[0]) {
                r = vf_settings_restore(host, &a->saved);
                if (r < 0)
                        log_warning_errno(r, "container %s: VF %s: PF %s cannot set its VF settings back: %m", id,
                                          a->addr, a->saved.pf_ifname);
                else
                        log_info("container %s: VF %s: its settings on PF %s restored", id, a->addr,
                                 a->saved.pf_ifname);
        }
        r = vf_pool_release(state_fd, a->addr, id);
        if (r < 0)
                log_warning_errno(r, "container %s: VF %s: cannot free its record: %m", id, a->addr);
}

struct record_ctx {
        int state_fd;
        struct vf_alloc *a;
};

/* The originals, in the allocation record before anything changes. */
static int record_saved(const struct vf_saved *saved, void *userdata)
{
        struct record_ctx *rc = userdata;

        rc->a->saved = *saved;
        return vf_pool_update(rc->state_fd, rc->a);
}

/* The PF settings VF |i| asks (none: nothing sent), through its PF. */
static int set_vf(struct vf_netdev *host, const struct devices_request *req, size_t i, const struct sysfs_vf *vf,
                  struct vf_alloc *a, int state_fd, char *errbuf, size_t errlen)
{
        struct record_ctx rc = { .state_fd = state_fd, .a = a };
        enum vf_settings_step step = VF_SETTINGS_DONE;
        struct vf_config cfg;
        char what[32] = "";
        int r;

        devices_request_vf_config(&req->vf, i, vf->index, &cfg);
        if (!vf_config_any(&cfg))
                return 0;
        if (!vf->pf_ifname[0]) {
                snprintf(errbuf, errlen, "VF %s: its PF %s has no netdev to set VF settings through", a->addr,
                         vf->pf_addr);
                return -ENODEV;
        }
        r = vf_settings_apply(host, vf->pf_ifname, &cfg, record_saved, &rc, &a->saved, &step, what, sizeof(what));
        if (r < 0)
                snprintf(errbuf, errlen, "VF %s (index %u): PF %s %s%s%s (%s)", a->addr, vf->index, vf->pf_ifname,
                         vf_settings_step_name(step), what[0] ? ": " : "", what, strerror(-r));
        return r;
}

/* vfio mode: every VF of dc bound to vfio-pci, its nodes in the container. */
static int pass_vfio(struct vf_netdev *host, struct container *c, const struct devices_request *req,
                     const struct sysfs_vf_table *t, int sysfs_fd, int state_fd, struct devices_container *dc,
                     char *errbuf, size_t errlen)
{
        int r = devices_vfio_target_open(c, &dc->vfio, errbuf, errlen);

        for (size_t i = 0; i < dc->n && r >= 0; i++) {
                struct vf_alloc *a = &dc->vfs[i];
                const struct sysfs_vf *vf = sysfs_vf_find(t, a->addr);
                enum vf_vfio_step step;
                const char *what;

                if (!vf || vf->iommu_group < 0) {
                        snprintf(errbuf, errlen, "VF %s has no IOMMU group (is the IOMMU on?)", a->addr);
                        return -ENODEV;
                }
                dc->groups[i] = vf->iommu_group;
                /* MAC, VLAN...: the PF applies them whichever driver the VF has. */
                r = set_vf(host, req, i, vf, a, state_fd, errbuf, errlen);
                if (r < 0)
                        return r;
                r = vf_vfio_bind(sysfs_fd, a->addr, a->orig_driver, &step);
                if (r < 0) {
                        snprintf(errbuf, errlen, "VF %s: binding it to vfio-pci: %s failed: %s", a->addr,
                                 vf_vfio_step_name(step), strerror(-r));
                        return r;
                }
                snprintf(a->mode, sizeof(a->mode), "vfio");
                r = vf_pool_update(state_fd, a);
                if (r < 0) {
                        snprintf(errbuf, errlen, "VF %s: cannot record its binding: %s", a->addr, strerror(-r));
                        return r;
                }
                r = vf_vfio_group_devnum(sysfs_fd, vf->iommu_group, &dc->group_devs[i]);
                if (r < 0) {
                        snprintf(errbuf, errlen, "VF %s: IOMMU group %d has no vfio node (class/vfio/%d/dev): %s",
                                 a->addr, vf->iommu_group, vf->iommu_group, strerror(-r));
                        return r;
                }
                r = devices_vfio_give(&dc->vfio, vf->iommu_group, dc->group_devs[i], &what);
                if (r < 0)
                        snprintf(errbuf, errlen, "VF %s: %s in the container: %s", a->addr, what, strerror(-r));
                else if (dc->vfio.cgroup_fd < 0)
                        log_info("container %s: no cgroup v1 devices controller: its own config must allow "
                                 "c 10:196 and c %u:%u (docs/sriov.md)", c->id, major(dc->group_devs[i]),
                                 minor(dc->group_devs[i]));
        }
        return r;
}

/* Passes every VF of dc in, recording each; stops at the first failure. */
static int pass_all(struct vf_netdev *host, const struct devices_request *req,
                    const struct sysfs_vf_table *t, int state_fd, struct devices_container *dc, char *errbuf,
                    size_t errlen)
{
        enum vf_pass_step step = VF_PASS_DONE;
        int r = 0;

        for (size_t i = 0; i < dc->n && r >= 0; i++) {
                struct vf_alloc *a = &dc->vfs[i];
                const struct sysfs_vf *vf = sysfs_vf_find(t, a->addr);

                if (!vf || !vf->ifname[0]) {
                        snprintf(errbuf, errlen, "VF %s of pool %s has no netdev on the host", a->addr,
                                 req->pool->name);
                        r = -ENODEV;
                        break;
                }
                r = set_vf(host, req, i, vf, a, state_fd, errbuf, errlen);
                if (r < 0)
                        break;
                r = vf_netdev_pass(host, dc->netns_fd, vf->ifname, req->vf.names[i], req->vf.up, &step);
                if (r < 0) {
                        snprintf(errbuf, errlen, "VF %s (%s) as %s: %s: %s%s", a->addr, vf->ifname, req->vf.names[i],
                                 vf_pass_step_name(step), strerror(-r),
                                 step == VF_PASS_CT_RENAME && r == -EEXIST ? " (the name exists in the container)"
                                                                           : "");
                        break;
                }
                snprintf(a->host_ifname, sizeof(a->host_ifname), "%s", vf->ifname);
                snprintf(a->ct_ifname, sizeof(a->ct_ifname), "%s", req->vf.names[i]);
                r = vf_pool_update(state_fd, a);
                if (r < 0)
                        snprintf(errbuf, errlen, "VF %s: cannot record its passthrough: %s", a->addr, strerror(-r));
        }
        return r;
}

static int open_dirs(struct daemon *d, int *ret_sysfs, int *ret_state, char *errbuf, size_t errlen)
{
        int fd = open(d->opt.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                snprintf(errbuf, errlen, "%s: %s", d->opt.sysfs_root, strerror(errno));
                return -errno;
        }
        *ret_sysfs = fd;
        fd = vf_state_open(d->opt.state_dir);
        if (fd < 0) {
                snprintf(errbuf, errlen, "%s: %s", d->opt.state_dir, strerror(-fd));
                return fd;
        }
        *ret_state = fd;
        return 0;
}

static int do_register(struct daemon *d, struct container *c, const struct devices_request *req,
                       struct devices_container *dc, char *errbuf, size_t errlen)
{
        _cleanup_close_ int sysfs_fd = -EBADF, state_fd = -EBADF;
        _cleanup_(sysfs_vf_table_clear) struct sysfs_vf_table t = { 0 };
        struct vf_netdev *host = NULL;
        int r;

        dc->netns_fd = req->pool->mode == VF_POOL_NETDEV ? open_netns(c) : -EBADF;
        if (dc->netns_fd < 0 && req->pool->mode == VF_POOL_NETDEV) {
                snprintf(errbuf, errlen, "the network namespace of pid %d: %s", (int) c->init_pid,
                         strerror(-dc->netns_fd));
                return dc->netns_fd;
        }
        r = open_dirs(d, &sysfs_fd, &state_fd, errbuf, errlen);
        if (r < 0)
                return r;
        r = sysfs_vf_scan(sysfs_fd, &t);
        if (r < 0) {
                snprintf(errbuf, errlen, "%s: cannot read the VFs: %s", d->opt.sysfs_root, strerror(-r));
                return r;
        }
        r = allocate(c, req, &t, sysfs_fd, state_fd, dc, errbuf, errlen);
        if (r < 0)
                return r;
        r = vf_netdev_new(&host);
        if (r < 0)
                snprintf(errbuf, errlen, "rtnetlink: %s", strerror(-r));
        else if (req->pool->mode == VF_POOL_VFIO)
                r = pass_vfio(host, c, req, &t, sysfs_fd, state_fd, dc, errbuf, errlen);
        else
                r = pass_all(host, req, &t, state_fd, dc, errbuf, errlen);
        if (r < 0)
                for (size_t i = dc->n; i > 0; i--)
                        give_back(host, sysfs_fd, c->id, dc, i - 1, state_fd);
        else
                log_debug("container %s: VFs passed in %u rtnetlink round trips", c->id, vf_netdev_round_trips(host));
        vf_netdev_free(host);
        return r;
}

int devices_on_register(struct daemon *d, struct container *c, char *errbuf, size_t errlen)
{
        _cleanup_(devices_container_freep) struct devices_container *dc = NULL;
        struct devices_request req = { 0 };
        int r;

        r = c->oci ? parse_request(d, c->oci, &req, errbuf, errlen) : 0;
        if (r <= 0)
                return r < 0 ? log_warning_errno(r, "container %s: %s", c->id, errbuf) : 0;
        if (c->devices) {
                snprintf(errbuf, errlen, "container %s holds VFs already", c->id);
                return log_warning_errno(-EEXIST, "%s", errbuf);
        }
        dc = calloc(1, sizeof(*dc));
        if (!dc)
                return log_warning_errno(-ENOMEM, "container %s: out of memory", c->id);
        dc->netns_fd = -EBADF;
        dc->vfio = (struct devices_vfio_target) { .dev_fd = -EBADF, .cgroup_fd = -EBADF };
        r = do_register(d, c, &req, dc, errbuf, errlen);
        if (r < 0)
                return log_warning_errno(r, "container %s: VF passthrough failed, nothing kept: %s", c->id, errbuf);
        for (size_t i = 0; i < dc->n; i++)
                if (req.pool->mode == VF_POOL_VFIO)
                        log_info("container %s: VF %s bound to vfio-pci (was %s), /dev/vfio/%d passed in", c->id,
                                 dc->vfs[i].addr, dc->vfs[i].orig_driver[0] ? dc->vfs[i].orig_driver : "unbound",
                                 dc->groups[i]);
                else
                        log_info("container %s: VF %s (%s) passed in as %s", c->id, dc->vfs[i].addr,
                                 dc->vfs[i].host_ifname, dc->vfs[i].ct_ifname);
        c->devices = TAKE_PTR(dc);
        return 0;
}

void devices_give_back(struct daemon *d, const char *id, struct devices_container *dc)
{
        _cleanup_close_ int state_fd = vf_state_open(d->opt.state_dir);
        _cleanup_close_ int sysfs_fd = open(d->opt.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct vf_netdev *host = NULL;
        int r;

        if (sysfs_fd < 0)
                log_warning_errno(-errno, "container %s: %s: %m", id, d->opt.sysfs_root);
        if (state_fd < 0) {
                log_warning_errno(state_fd, "container %s: %s: cannot give its VFs back: %m", id, d->opt.state_dir);
                return;
        }
        r = vf_netdev_new(&host);
        if (r < 0)
                log_warning_errno(r, "container %s: rtnetlink: %m", id);
        for (size_t i = dc->n; i > 0; i--)
                give_back(host, sysfs_fd, id, dc, i - 1, state_fd);
        if (host)
                log_debug("container %s: VFs given back in %u rtnetlink round trips", id, vf_netdev_round_trips(host));
        vf_netdev_free(host);
}

void devices_on_unregister(struct daemon *d, struct container *c)
{
        _cleanup_(devices_container_freep) struct devices_container *dc = TAKE_PTR(c->devices);

        if (dc)
                devices_give_back(d, c->id, dc);
}

static const char *pool_of(const struct daemon *d, const struct sysfs_vf *vf)
{
        for (size_t i = 0; i < d->config.n_pools; i++)
                if (vf_pool_matches(&d->config.pools[i], vf))
                        return d->config.pools[i].name;
        return NULL;
}

static int rows_from(struct daemon *d, const struct sysfs_vf_table *t, const struct vf_alloc *recs, size_t n_recs,
                     struct devices_vf_row *rows)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n_vfs; i++) {
                const struct sysfs_vf *vf = &t->vfs[i];
                const char *pool = pool_of(d, vf);

                if (!pool)
                        continue;
                rows[n] = (struct devices_vf_row) { .numa_node = vf->numa_node };
                snprintf(rows[n].pool, sizeof(rows[n].pool), "%s", pool);
                snprintf(rows[n].addr, sizeof(rows[n].addr), "%s", vf->addr);
                snprintf(rows[n].ifname, sizeof(rows[n].ifname), "%s", vf->ifname);
                n++;
        }
        for (size_t j = 0; j < n_recs; j++) {
                size_t i = 0;

                while (i < n && strcmp(rows[i].addr, recs[j].addr) != 0)
                        i++;
                if (i == n) {
                        const struct sysfs_vf *vf = sysfs_vf_find(t, recs[j].addr);

                        rows[n] = (struct devices_vf_row) { .numa_node = vf ? vf->numa_node : -1, .missing = !vf };
                        snprintf(rows[n].addr, sizeof(rows[n].addr), "%s", recs[j].addr);
                        n++;
                }
                rows[i].in_use = true;
                rows[i].alloc = recs[j];
                /* Copied: |recs| is freed before the rows are read. */
                if (!rows[i].pool[0])
                        snprintf(rows[i].pool, sizeof(rows[i].pool), "%s", recs[j].pool);
        }
        return (int) n;
}

int devices_list(struct daemon *d, struct devices_vf_row **ret, size_t *ret_n)
{
        _cleanup_close_ int sysfs_fd = open(d->opt.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int state_fd = -EBADF;
        _cleanup_(sysfs_vf_table_clear) struct sysfs_vf_table t = { 0 };
        _cleanup_free_ struct vf_alloc *recs = NULL;
        _cleanup_free_ struct devices_vf_row *rows = NULL;
        size_t n_recs = 0;
        int r;

        if (sysfs_fd < 0)
                return -errno;
        state_fd = vf_state_open(d->opt.state_dir);
        if (state_fd < 0)
                return state_fd;
        r = sysfs_vf_scan(sysfs_fd, &t);
        if (r >= 0)
                r = vf_state_list(state_fd, &recs, &n_recs);
        if (r < 0)
                return r;
        rows = calloc(t.n_vfs + n_recs + 1, sizeof(*rows));
        if (!rows)
                return -ENOMEM;
        *ret_n = (size_t) rows_from(d, &t, recs, n_recs, rows);
        *ret = TAKE_PTR(rows);
        return 0;
}
