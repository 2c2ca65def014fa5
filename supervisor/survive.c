/* Keeping the fd keeper up to date: one datagram per kept fd added or
 * removed, and the records rewritten (one pwrite into the older of two memfds)
 * on every registry change. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy/policy.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/fd_store.h"
#include "supervisor/inflight.h"
#include "supervisor/oci_state.h"
#include "supervisor/registry.h"
#include "supervisor/restore.h"
#include "supervisor/store_records.h"
#include "supervisor/survive.h"

static struct survive *store_of(struct daemon *d)
{
        return d->survive && d->survive->sock >= 0 && !d->survive->frozen ? d->survive : NULL;
}

/* A keeper that went away: logged once, and the daemon runs on without one. */
static void lost(struct daemon *d, int r)
{
        log_warning_errno(r, "fd keeper: lost (%m); containers will not survive a restart of this daemon");
        d->survive->sock = safe_close(d->survive->sock);
}

static void put_fd(struct daemon *d, char kind, uint64_t key, int fd)
{
        char name[32];
        int r;

        snprintf(name, sizeof(name), "%c/%" PRIu64, kind, key);
        r = fd_store_put(d->survive->sock, name, fd);
        if (r < 0)
                lost(d, r);
}

static void del_fd(struct daemon *d, char kind, uint64_t key)
{
        char name[32];
        int r;

        snprintf(name, sizeof(name), "%c/%" PRIu64, kind, key);
        r = fd_store_del(d->survive->sock, name);
        if (r < 0)
                lost(d, r);
}

/* Which listeners the keeper holds: seccomp listeners we RECV from. An LXC
 * monitor's connection is not worth keeping: the monitor reconnects. */
static bool keepable(const struct listener *l)
{
        return l->fd >= 0 && l->poll_fd == l->fd;
}

static int records_fd_new(void)
{
        int fd = memfd_create("seccompd-records", MFD_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/* The OCI state of a hook registration, as JSON. NULL without one, or on ENOMEM. */
static char *oci_json(const struct oci_state *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (!s)
                return NULL;
        f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        if (oci_state_write_state(s, f) < 0) {
                fclose(f);
                free(buf);
                return NULL;
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int fill_record(const struct container *c, struct store_record *r)
{
        size_t n = 0;

        list_for_each(pos, &c->listeners) {
                const struct listener *l = list_entry(pos, struct listener, node);

                if (l->store_key && !l->closing)
                        n++;
        }
        *r = (struct store_record) {
                .key = c->store_key, .init_pid = c->init_pid, .hooked = c->hooked, .id = c->id,
                .bundle = c->bundle, .policy_name = c->policy_name, .cgroup2 = c->cgroup2,
        };
        r->oci_state = oci_json(c->oci);
        if (c->oci && !r->oci_state)
                return -ENOMEM;
        r->listeners = calloc(n ? n : 1, sizeof(uint64_t));
        if (!r->listeners)
                return -ENOMEM;
        list_for_each(pos, &c->listeners) {
                const struct listener *l = list_entry(pos, struct listener, node);

                if (l->store_key && !l->closing)
                        r->listeners[r->n_listeners++] = l->store_key;
        }
        return 0;
}

static void records_free(struct store_records *recs)
{
        for (size_t i = 0; i < recs->n; i++) {
                free(recs->records[i].oci_state);
                free(recs->records[i].listeners);
        }
        free(recs->records);
}

/* The registry's kept containers (LXC ones come back with their monitors). */
static int collect(struct daemon *d, struct store_records *recs)
{
        recs->records = calloc(d->registry.n_containers ? d->registry.n_containers : 1, sizeof(*recs->records));
        if (!recs->records)
                return -ENOMEM;
        list_for_each(pos, &d->registry.containers) {
                const struct container *c = list_entry(pos, struct container, node);
                int r;

                /* Unlinked records (a retired container still closing) are not counted. */
                if (!c->store_key || recs->n == d->registry.n_containers)
                        continue;
                r = fill_record(c, &recs->records[recs->n++]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_records(struct daemon *d)
{
        struct survive *s = d->survive;
        struct store_records recs = { .generation = s->generation + 1, .next_key = s->next_key };
        _cleanup_free_ void *buf = NULL;
        size_t len = 0;
        int fd, r;

        r = collect(d, &recs);
        if (r >= 0)
                r = store_records_encode(&recs, &buf, &len);
        records_free(&recs);
        if (r < 0)
                return r;
        /* The older copy: a write torn by a kill leaves the newer one whole. */
        fd = s->records_fd[recs.generation % 2];
        if (pwrite(fd, buf, len, 0) != (ssize_t) len)
                return -EIO;
        s->generation = recs.generation;
        return 0;
}

void survive_changed(struct daemon *d)
{
        struct survive *s = store_of(d);
        int r;

        if (!s || s->restoring)
                return;
        r = write_records(d);
        if (r < 0)
                log_warning_errno(r, "fd keeper: cannot write the records: %m");
}

void survive_container_added(struct container *c, uint64_t key)
{
        struct survive *s = store_of(c->daemon);

        if (!s || c->lxc_monitor_pid > 0)
                return;
        if (key) {
                c->store_key = key; /* restored: the keeper has it under that key */
                return;
        }
        c->store_key = s->next_key++;
        put_fd(c->daemon, 'p', c->store_key, c->pidfd);
}

void survive_container_freed(struct container *c)
{
        if (c->store_key && store_of(c->daemon))
                del_fd(c->daemon, 'p', c->store_key);
        c->store_key = 0;
}

void survive_listener_added(struct listener *l, uint64_t key)
{
        struct daemon *d = l->container->daemon;
        struct survive *s = store_of(d);

        if (!s || !keepable(l) || !l->container->store_key)
                return;
        if (key)
                l->store_key = key;
        else {
                l->store_key = s->next_key++;
                put_fd(d, 'l', l->store_key, l->fd);
        }
        l->inflight_lslot = inflight_listener_add(s->inflight, l->store_key);
        survive_changed(d);
}

void survive_listener_closed(struct listener *l)
{
        struct daemon *d = l->container->daemon;
        uint64_t key;

        if (d->survive && !d->survive->frozen)
                inflight_listener_remove(d->survive->inflight, l->inflight_lslot);
        l->inflight_lslot = 0;
        key = l->store_key;
        if (!key)
                return;
        l->store_key = 0;
        survive_changed(d);
        if (store_of(d))
                del_fd(d, 'l', key);
}

void survive_notification_received(struct notification *n)
{
        struct listener *l = n->listener;
        struct daemon *d = l->container->daemon;

        if (d->survive && !d->survive->frozen && n->fd == l->fd)
                n->inflight_slot = inflight_record(d->survive->inflight, l->inflight_lslot, l->store_key,
                                                   &n->req.notif);
        /* Resumed: past its point of no return still, should this daemon die too. */
        if (n->resumed)
                survive_notification_acting(n);
}

int survive_restart_errno(const struct container *c)
{
        const struct policy *p = c->policy;

        return p && p->restart_errno > 0 ? p->restart_errno : RESTORE_ERRNO;
}

void survive_notification_acting(struct notification *n)
{
        struct daemon *d = n->listener->container->daemon;

        if (d->survive && !d->survive->frozen)
                inflight_set_stage(d->survive->inflight, n->inflight_slot, INFLIGHT_ACTING);
}

void survive_notification_answering(struct notification *n, const struct seccomp_notif_resp *resp)
{
        struct daemon *d = n->listener->container->daemon;

        if (d->survive && !d->survive->frozen)
                inflight_set_answer(d->survive->inflight, n->inflight_slot, resp->error, resp->val, resp->flags);
}

void survive_notification_done(struct notification *n)
{
        struct daemon *d = n->listener->container->daemon;

        if (d->survive && !d->survive->frozen)
                inflight_clear(d->survive->inflight, n->inflight_slot);
        n->inflight_slot = 0;
}

void survive_keep(struct daemon *d, const char *name, int fd)
{
        int r;

        if (!store_of(d))
                return;
        r = fd_store_put(d->survive->sock, name, fd);
        if (r < 0)
                lost(d, r);
}

void survive_forget(struct daemon *d, const char *name)
{
        int r;

        if (!store_of(d))
                return;
        r = fd_store_del(d->survive->sock, name);
        if (r < 0)
                lost(d, r);
}

void survive_ready(struct daemon *d)
{
        int r;

        if (!store_of(d))
                return;
        r = fd_store_say(d->survive->sock, "READY");
        if (r < 0)
                lost(d, r);
}

void survive_detach(struct daemon *d, bool stop_keeper)
{
        struct survive *s = d->survive;

        if (!s)
                return;
        if (s->sock >= 0 && stop_keeper)
                (void) fd_store_say(s->sock, "STOP");
        safe_close(s->sock);
        safe_close(s->records_fd[0]);
        safe_close(s->records_fd[1]);
        inflight_free(s->inflight);
        free(s);
        d->survive = NULL;
}

void survive_handover_clear(struct survive_handover *h)
{
        stored_fds_free(h->fds, h->n_fds);
        if (h->recs) {
                store_records_clear(h->recs);
                free(h->recs);
        }
        free(h->slots);
        free(h->last);
        *h = (struct survive_handover) { 0 };
}

int survive_handover_take(struct survive_handover *h, const char *name)
{
        for (size_t i = 0; i < h->n_fds; i++)
                if (h->fds[i].fd >= 0 && strcmp(h->fds[i].name, name) == 0)
                        return TAKE_FD(h->fds[i].fd);
        return -EBADF;
}

/* Bounds what is read back: far more than 65536 containers' records need. */
#define RECORDS_MAX_BYTES (256u * 1024 * 1024)

/* Decodes the records in memfd |fd|; a copy that is torn, empty or of another
 * version is simply not used. */
static int read_records(int fd, struct store_records *ret)
{
        off_t size = lseek(fd, 0, SEEK_END);
        _cleanup_free_ char *buf = NULL;

        if (size < 0)
                return -errno;
        if (size == 0)
                return -ENODATA;
        if ((uint64_t) size > RECORDS_MAX_BYTES)
                return -EFBIG;
        buf = malloc((size_t) size);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, (size_t) size, 0) != (ssize_t) size)
                return -EIO;
        return store_records_decode(buf, (size_t) size, ret);
}

/* The newer of the two copies that decode; *ret stays empty when neither does. */
static void pick_records(struct survive *s, struct store_records *ret)
{
        struct store_records copy[2] = { 0 };
        int r[2], best;

        for (int i = 0; i < 2; i++) {
                r[i] = read_records(s->records_fd[i], &copy[i]);
                if (r[i] < 0 && r[i] != -ENODATA)
                        log_warning_errno(r[i], "fd keeper: records copy %d not used: %m", i);
        }
        best = r[0] < 0 ? 1 : r[1] < 0 ? 0 : copy[1].generation > copy[0].generation;
        if (r[best] >= 0) {
                *ret = copy[best];
                copy[best] = (struct store_records) { 0 };
                s->generation = ret->generation;
                s->next_key = ret->next_key;
        }
        store_records_clear(&copy[0]);
        store_records_clear(&copy[1]);
}

/* The records memfds: the kept ones, or new ones handed to the keeper. */
static int setup_records(struct daemon *d, struct survive_handover *h)
{
        struct survive *s = d->survive;

        for (int i = 0; i < 2; i++) {
                char name[8];

                snprintf(name, sizeof(name), "r/%d", i);
                s->records_fd[i] = survive_handover_take(h, name);
                if (s->records_fd[i] >= 0)
                        continue;
                s->records_fd[i] = records_fd_new();
                if (s->records_fd[i] < 0)
                        return s->records_fd[i];
                put_fd(d, 'r', (uint64_t) i, s->records_fd[i]);
        }
        h->recs = calloc(1, sizeof(*h->recs));
        if (!h->recs)
                return -ENOMEM;
        pick_records(s, h->recs);
        if (s->next_key == 0)
                s->next_key = 1;
        return 0;
}

/* The in-flight table: the kept one (its contents go to the restore), or a new one. */
static int setup_inflight(struct daemon *d, struct survive_handover *h)
{
        struct survive *s = d->survive;
        int kept = survive_handover_take(h, "inflight"), r;

        r = inflight_open(kept, &s->inflight);
        if (r < 0)
                return r;
        r = inflight_take_old(s->inflight, &h->slots, &h->n_slots, &h->last, &h->n_last);
        if (r < 0)
                return r;
        if (inflight_fd(s->inflight) != kept) {
                r = fd_store_put(s->sock, "inflight", inflight_fd(s->inflight));
                if (r < 0)
                        return r;
        }
        return 0;
}

int survive_start(struct daemon *d, const char *path, struct survive_handover *ret)
{
        struct survive_handover h = { 0 };
        int r;

        d->survive = calloc(1, sizeof(*d->survive));
        if (!d->survive)
                return log_error_errno(-ENOMEM, "fd keeper: %m");
        d->survive->sock = d->survive->records_fd[0] = d->survive->records_fd[1] = -EBADF;
        d->survive->restoring = true;
        r = fd_store_connect(path, log_level_to_string(log_get_max_level()));
        if (r < 0)
                goto fail;
        d->survive->sock = r;
        r = fd_store_get(d->survive->sock, &h.fds, &h.n_fds);
        if (r < 0) {
                log_error_errno(r, "fd keeper: cannot take the kept fds: %m");
                goto fail;
        }
        r = setup_records(d, &h);
        if (r >= 0)
                r = setup_inflight(d, &h);
        if (r < 0 || !store_of(d)) {
                log_error_errno(r < 0 ? r : -EPIPE, "fd keeper: cannot set up the records: %m");
                goto fail;
        }
        *ret = h;
        return 0;
fail:
        survive_handover_clear(&h);
        survive_detach(d, false);
        return r < 0 ? r : -EPIPE;
}

int survive_freeze(struct daemon *d)
{
        if (!store_of(d))
                return -ENOTCONN;
        d->survive->frozen = true;
        return d->survive->sock;
}

void survive_thaw(struct daemon *d)
{
        if (d->survive)
                d->survive->frozen = false;
}
