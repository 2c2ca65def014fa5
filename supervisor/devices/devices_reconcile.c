/* Reconciliation of recorded VF allocations with what runs and what sysfs
 * shows (devices_reconcile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/list.h"
#include "common/log.h"
#include "common/macro.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices.h"
#include "supervisor/devices/devices_reconcile.h"
#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_settings.h"
#include "supervisor/devices/vf_vfio.h"

/* A live container's VFs, re-adopted from its records. */
struct adopted {
        uv_poll_t poll;                  /* on pidfd: init's exit gives the VFs back */
        int pidfd;
        char id[VF_STATE_ID_MAX];
        pid_t pid;
        struct devices_container dc;
        struct devices_reconcile *owner;
        struct list_node node;           /* in owner->adopted */
};

struct devices_reconcile {
        struct daemon *daemon;
        uv_timer_t retry;                /* runs while some VF is missing */
        struct list_node adopted;
        unsigned handles;                /* open: the timer and each adopted poll */
        unsigned n_adopted, n_missing;
        bool closing;
};

/* What one pass works with. */
struct pass {
        struct devices_reconcile *rc;
        int sysfs_fd, state_fd;
        struct sysfs_vf_table t;
        struct vf_netdev *host;
        unsigned missing;
};

static void maybe_free(struct devices_reconcile *rc)
{
        if (rc->closing && rc->handles == 0)
                free(rc);
}

static void on_handle_closed(uv_handle_t *h)
{
        struct devices_reconcile *rc = h->data;

        rc->handles--;
        maybe_free(rc);
}

static void on_adopted_closed(uv_handle_t *h)
{
        struct adopted *a = container_of((uv_poll_t *) h, struct adopted, poll);
        struct devices_reconcile *rc = a->owner;

        safe_close(a->pidfd);
        safe_close(a->dc.netns_fd);
        free(a);
        rc->handles--;
        maybe_free(rc);
}

static void adopted_close(struct adopted *a)
{
        list_del(&a->node);
        a->owner->n_adopted -= (unsigned) a->dc.n;
        uv_close((uv_handle_t *) &a->poll, on_adopted_closed);
}

static void on_adopted_exit(uv_poll_t *handle, int status, int events)
{
        struct adopted *a = container_of(handle, struct adopted, poll);

        (void) status;
        (void) events;
        log_info("container %s: init pid %d exited, giving back its %zu re-adopted VF(s)", a->id, (int) a->pid,
                 a->dc.n);
        devices_give_back(a->owner->daemon, a->id, &a->dc);
        adopted_close(a);
}

/* Whether a registered container, or an adopted one, holds |addr|. */
static bool held(const struct devices_reconcile *rc, const struct vf_alloc *rec)
{
        struct container *c = registry_find(&rc->daemon->registry, rec->container);
        const struct devices_container *dc = c && c->init_pid == rec->pid ? c->devices : NULL;

        for (size_t i = 0; dc && i < dc->n; i++)
                if (strcmp(dc->vfs[i].addr, rec->addr) == 0)
                        return true;
        list_for_each(pos, &rc->adopted) {
                const struct adopted *a = list_entry(pos, struct adopted, node);

                for (size_t i = 0; i < a->dc.n; i++)
                        if (strcmp(a->dc.vfs[i].addr, rec->addr) == 0)
                                return true;
        }
        return false;
}

static struct adopted *find_adopted(struct devices_reconcile *rc, const struct vf_alloc *rec)
{
        list_for_each(pos, &rc->adopted) {
                struct adopted *a = list_entry(pos, struct adopted, node);

                if (a->pid == rec->pid && strcmp(a->id, rec->container) == 0)
                        return a;
        }
        return NULL;
}

/* The pidfd and network namespace of the record's init, checked to be that
 * process (pid and start time) after the pidfd was taken, and alive after
 * the namespace was opened. -ESRCH when it is not. */
static int open_owner(const struct vf_alloc *rec, int *ret_pidfd, int *ret_netns)
{
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, rec->pid, 0);
        _cleanup_close_ int netns = -EBADF;
        char path[64];

        if (pidfd < 0)
                return -errno;
        if (!vf_state_owner_alive(rec))
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) rec->pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return -errno;
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return -errno;
        *ret_pidfd = TAKE_FD(pidfd);
        *ret_netns = TAKE_FD(netns);
        return 0;
}

static int adopt_new(struct devices_reconcile *rc, const struct vf_alloc *rec, struct adopted **ret)
{
        _cleanup_free_ struct adopted *a = calloc(1, sizeof(*a));
        int r;

        if (!a)
                return -ENOMEM;
        *a = (struct adopted) { .pidfd = -EBADF, .pid = rec->pid, .owner = rc, .dc.netns_fd = -EBADF,
                                .dc.vfio = { .dev_fd = -EBADF, .cgroup_fd = -EBADF } };
        snprintf(a->id, sizeof(a->id), "%s", rec->container);
        r = open_owner(rec, &a->pidfd, &a->dc.netns_fd);
        if (r >= 0)
                r = uv_poll_init(&rc->daemon->loop, &a->poll, a->pidfd);
        if (r < 0) {
                safe_close(a->pidfd);
                safe_close(a->dc.netns_fd);
                return r;
        }
        rc->handles++;
        list_add_tail(&rc->adopted, &a->node);
        r = uv_poll_start(&a->poll, UV_READABLE, on_adopted_exit);
        if (r < 0) {
                adopted_close(TAKE_PTR(a));
                return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* Adds |rec| to the adoption of its container. -ESRCH when its init is not
 * the recorded one any more (then it is given back as a dead one's). */
static int adopt(struct devices_reconcile *rc, const struct vf_alloc *rec)
{
        struct adopted *a = find_adopted(rc, rec);
        int r;

        if (!a) {
                r = adopt_new(rc, rec, &a);
                if (r < 0)
                        return r;
        }
        if (a->dc.n == VF_REQUEST_MAX)
                return -E2BIG;
        a->dc.vfs[a->dc.n++] = *rec;
        rc->n_adopted++;
        log_info("container %s: VF %s re-adopted (init pid %d still runs%s%s)", rec->container, rec->addr,
                 (int) rec->pid, rec->ct_ifname[0] ? ", as " : "", rec->ct_ifname);
        return 0;
}

/* A dead container's vfio VF: back to its driver. */
static int free_vfio(struct pass *p, const struct vf_alloc *rec)
{
        enum vf_vfio_step step;
        int r = vf_vfio_restore(p->sysfs_fd, rec->addr, rec->orig_driver, &step);

        if (r == -ENOENT)
                return -EAGAIN; /* its PF is gone: missing */
        if (r < 0)
                return log_warning_errno(r, "VF %s (of %s, gone): %s failed restoring driver %s: %m", rec->addr,
                                         rec->container, vf_vfio_step_name(step),
                                         rec->orig_driver[0] ? rec->orig_driver : "(none)");
        log_info("VF %s of container %s (init pid %d gone) back on %s", rec->addr, rec->container, (int) rec->pid,
                 rec->orig_driver[0] ? rec->orig_driver : "no driver");
        return 0;
}

/* A dead container's netdev VF: found by PCI address on the host and given
 * its name back; -EAGAIN while it is not on the host. */
static int free_netdev(struct pass *p, const struct vf_alloc *rec)
{
        const struct sysfs_vf *vf = sysfs_vf_find(&p->t, rec->addr);
        const char *name;
        int r;

        if (!vf || !vf->ifname[0] || !p->host)
                return -EAGAIN;
        name = rec->host_ifname[0] ? rec->host_ifname : vf->ifname;
        r = vf_netdev_rename(p->host, vf->ifname, name, false);
        if (r == -ENODEV)
                return -EAGAIN; /* sysfs shows it, the host has no such link (yet) */
        if (r < 0)
                return log_warning_errno(r, "VF %s (of %s, gone): cannot rename %s back to %s: %m", rec->addr,
                                         rec->container, vf->ifname, name);
        log_info("VF %s of container %s (init pid %d gone) back on the host as %s", rec->addr, rec->container,
                 (int) rec->pid, name);
        return 0;
}

/* The PF settings the container had changed (MAC, VLAN...), as they were. A
 * failure is logged and the VF freed all the same, as at a normal release. */
static void restore_settings(struct pass *p, const struct vf_alloc *rec)
{
        int r;

        if (!rec->saved.pf_ifname[0])
                return;
        r = p->host ? vf_settings_restore(p->host, &rec->saved) : -ENOTCONN;
        if (r < 0)
                log_warning_errno(r, "VF %s (of %s, gone): PF %s cannot set its VF settings back: %m", rec->addr,
                                  rec->container, rec->saved.pf_ifname);
        else
                log_info("VF %s (of %s, gone): its settings on PF %s restored", rec->addr, rec->container,
                         rec->saved.pf_ifname);
}

static void free_dead(struct pass *p, const struct vf_alloc *rec)
{
        int r = strcmp(rec->mode, "vfio") == 0 ? free_vfio(p, rec) : free_netdev(p, rec);

        if (r == -EAGAIN) {
                if (!p->rc->n_missing) /* said once per missing spell, not every retry */
                        log_info("VF %s of container %s (init pid %d gone) is not on the host yet: missing, "
                                 "retried every %d ms", rec->addr, rec->container, (int) rec->pid,
                                 DEVICES_RECONCILE_RETRY_MS);
                p->missing++;
                return;
        }
        if (r < 0)
                return; /* logged; the record stays, shown in use by a gone container */
        restore_settings(p, rec);
        r = vf_pool_release(p->state_fd, rec->addr, rec->container);
        if (r < 0)
                log_warning_errno(r, "VF %s: cannot free the record of container %s: %m", rec->addr, rec->container);
}

static void one(struct pass *p, const struct vf_alloc *rec)
{
        int r;

        if (held(p->rc, rec))
                return;
        if (vf_state_owner_alive(rec)) {
                r = adopt(p->rc, rec);
                if (r != -ESRCH && r != -ENOENT) {
                        if (r < 0)
                                log_warning_errno(r, "container %s: VF %s: cannot re-adopt it: %m", rec->container,
                                                  rec->addr);
                        return;
                }
        }
        free_dead(p, rec);
}

static int pass_open(struct daemon *d, struct pass *p)
{
        int r;

        p->sysfs_fd = open(d->opt.sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (p->sysfs_fd < 0)
                return log_warning_errno(-errno, "VF reconciliation: %s: %m", d->opt.sysfs_root);
        p->state_fd = vf_state_open(d->opt.state_dir);
        if (p->state_fd < 0)
                return log_warning_errno(p->state_fd, "VF reconciliation: %s: %m", d->opt.state_dir);
        r = sysfs_vf_scan(p->sysfs_fd, &p->t);
        if (r < 0 && r != -ENOENT)
                return log_warning_errno(r, "VF reconciliation: %s: cannot read the VFs: %m", d->opt.sysfs_root);
        r = vf_netdev_new(&p->host);
        if (r < 0)
                log_warning_errno(r, "VF reconciliation: rtnetlink: %m (netdev VFs stay missing)");
        return 0;
}

static void pass_close(struct pass *p)
{
        safe_close(p->sysfs_fd);
        safe_close(p->state_fd);
        sysfs_vf_table_clear(&p->t);
        vf_netdev_free(p->host);
}

static void on_retry(uv_timer_t *timer);

/* One pass over every record; the retry timer runs while some are missing. */
static int run_pass(struct devices_reconcile *rc)
{
        _cleanup_free_ struct vf_alloc *recs = NULL;
        struct pass p = { .rc = rc, .sysfs_fd = -EBADF, .state_fd = -EBADF };
        size_t n = 0;
        int r = pass_open(rc->daemon, &p);

        if (r >= 0) {
                r = vf_state_list(p.state_fd, &recs, &n);
                if (r < 0)
                        log_warning_errno(r, "VF reconciliation: %s: %m", rc->daemon->opt.state_dir);
        }
        for (size_t i = 0; r >= 0 && i < n; i++)
                one(&p, &recs[i]);
        pass_close(&p);
        if (rc->n_missing && !p.missing)
                log_info("VF reconciliation: no VF missing any more");
        rc->n_missing = r < 0 ? rc->n_missing : p.missing;
        if (rc->n_missing || r < 0)
                return uv_timer_start(&rc->retry, on_retry, DEVICES_RECONCILE_RETRY_MS, 0);
        return uv_timer_stop(&rc->retry);
}

static void on_retry(uv_timer_t *timer)
{
        struct devices_reconcile *rc = timer->data;

        (void) run_pass(rc);
}

int devices_reconcile(struct daemon *d)
{
        struct devices_reconcile *rc = d->vf_reconcile;
        int r;

        if (!rc) {
                rc = calloc(1, sizeof(*rc));
                if (!rc)
                        return log_error_errno(-ENOMEM, "VF reconciliation: out of memory");
                rc->daemon = d;
                list_init(&rc->adopted);
                uv_timer_init(&d->loop, &rc->retry);
                rc->retry.data = rc;
                rc->handles = 1;
                d->vf_reconcile = rc;
        }
        r = run_pass(rc);
        if (r < 0)
                return log_error_errno(r, "VF reconciliation: cannot start its timer: %m");
        if (rc->n_adopted || rc->n_missing)
                log_info("VF reconciliation: %u VF(s) re-adopted, %u missing", rc->n_adopted, rc->n_missing);
        return 0;
}

void devices_reconcile_stop(struct daemon *d)
{
        struct devices_reconcile *rc = TAKE_PTR(d->vf_reconcile);

        if (!rc)
                return;
        rc->closing = true;
        list_for_each_safe(pos, tmp, &rc->adopted)
                adopted_close(list_entry(pos, struct adopted, node));
        rc->retry.data = rc;
        uv_close((uv_handle_t *) &rc->retry, on_handle_closed);
}

unsigned devices_reconcile_adopted(const struct daemon *d)
{
        return d->vf_reconcile ? d->vf_reconcile->n_adopted : 0;
}

unsigned devices_reconcile_missing(const struct daemon *d)
{
        return d->vf_reconcile ? d->vf_reconcile->n_missing : 0;
}
