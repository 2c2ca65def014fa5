/* The restore: records first (containers and listeners back in the registry
 * under their old keys, so the keeper's copies stay valid), then the calls the
 * previous daemon left, before the loop polls any listener: nothing new is
 * received until every old id has been looked at. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/notify.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/fd_store.h"
#include "supervisor/inflight.h"
#include "supervisor/oci_state.h"
#include "policy/policy.h"
#include "supervisor/policy_store.h"
#include "supervisor/registry.h"
#include "supervisor/restore.h"
#include "supervisor/store_records.h"
#include "supervisor/survive.h"

/* The kept fd "kind/key", taken out of the list, or -EBADF. */
static int take(struct survive_handover *h, char kind, uint64_t key)
{
        char name[32];

        snprintf(name, sizeof(name), "%c/%" PRIu64, kind, key);
        return survive_handover_take(h, name);
}

static bool pidfd_exited(int pidfd)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        return poll(&p, 1, 0) != 0;
}

static int restore_hook(struct daemon *d, const struct store_record *r, const struct container_info *info)
{
        _cleanup_(oci_state_freep) struct oci_state *oci = NULL;
        struct container *c;
        char reason[128];
        int ret;

        if (r->oci_state) {
                ret = oci_state_parse_state(r->oci_state, strlen(r->oci_state), &oci, reason, sizeof(reason));
                if (ret < 0)
                        log_warning("restore: container %s: its OCI state is not used: %s", r->id, reason);
        }
        return registry_register(d, info, &oci, &c);
}

/* One listener back on its container; the fd is the registry's on success. */
static int restore_listener(struct daemon *d, const struct container_info *info, uint64_t key, int fd)
{
        struct listener_spec spec = {
                .ops = &answer_notify_fd_ops, .fd = fd, .poll_fd = fd, .store_key = key,
        };
        struct listener *l;

        if (notify_check_listener(fd) < 0)
                return -ENOTTY;
        return registry_add_listener(d, info, &spec, &l);
}

/* A record not restored: the keeper's copy of its pidfd goes too. */
static void skip(struct daemon *d, const struct store_record *r, struct restore_report *rep)
{
        char name[32];

        snprintf(name, sizeof(name), "p/%" PRIu64, r->key);
        survive_forget(d, name);
        rep->skipped++;
}

static void restore_record(struct daemon *d, struct survive_handover *h, const struct store_record *r,
                           struct restore_report *rep)
{
        _cleanup_close_ int pidfd = take(h, 'p', r->key);
        struct policy_version *policy = NULL;
        struct container_info info = {
                .id = r->id, .init_pid = r->init_pid, .bundle = r->bundle, .policy_name = r->policy_name,
                .cgroup2 = r->cgroup2, .store_key = r->key,
        };
        unsigned n = 0;

        if (pidfd < 0 || pidfd_exited(pidfd)) {
                log_info("restore: container %s: init %d exited, not restored", r->id, (int) r->init_pid);
                skip(d, r, rep);
                return;
        }
        info.pidfd = &pidfd;
        if (r->policy_name) {
                policy = policy_store_get(d->policies, r->policy_name);
                if (!policy) {
                        log_error("restore: container %s: policy \"%s\" is no longer in %s, not restored", r->id,
                                  r->policy_name, d->policies->dir);
                        skip(d, r, rep);
                        return;
                }
        }
        info.policy_version = policy;
        if (r->hooked && restore_hook(d, r, &info) < 0)
                log_warning("restore: container %s: its hook registration could not be restored", r->id);
        for (size_t i = 0; i < r->n_listeners; i++) {
                int fd = take(h, 'l', r->listeners[i]);

                if (fd < 0 || restore_listener(d, &info, r->listeners[i], fd) < 0) {
                        log_warning("restore: container %s: listener %" PRIu64 " not restored", r->id,
                                    r->listeners[i]);
                        safe_close(fd);
                        continue;
                }
                n++;
        }
        policy_version_unref(policy);
        if (!registry_find(&d->registry, r->id)) {
                skip(d, r, rep);
                return;
        }
        rep->containers++;
        rep->listeners += n;
}

/* The restored listener kept as |key|, or NULL. */
static struct listener *find_listener(struct daemon *d, uint64_t key)
{
        list_for_each(pos, &d->registry.containers) {
                struct container *c = list_entry(pos, struct container, node);

                list_for_each(lpos, &c->listeners) {
                        struct listener *l = list_entry(lpos, struct listener, node);

                        if (l->store_key == key && !l->closing)
                                return l;
                }
        }
        return NULL;
}

static bool recorded(const struct survive_handover *h, uint64_t key, uint64_t id)
{
        for (size_t i = 0; i < h->n_slots; i++)
                if (h->slots[i].listener_key == key && h->slots[i].notif.id == id)
                        return true;
        return false;
}

static void fail_call(struct listener *l, uint64_t id, struct restore_report *rep, const char *why)
{
        int e = survive_restart_errno(l->container);

        if (notify_send_error(l->fd, id, e) == 0) {
                rep->failed++;
                log_info("ct=%s notif=%016" PRIx64 ": %s: answered %s after the restart", l->container->id, id, why,
                         strerrorname_np(e));
        }
}

/* Calls received but never recorded: the ids just past the last recorded one
 * that are still pending (ID_VALID answers 0 only for a received, unanswered call). */
static void probe_gap(struct daemon *d, struct survive_handover *h, struct restore_report *rep)
{
        for (size_t i = 0; i < h->n_last; i++) {
                struct listener *l = find_listener(d, h->last[i].listener_key);

                if (!l)
                        continue;
                for (uint64_t k = 0; k <= RESTORE_PROBE_WINDOW; k++) {
                        uint64_t id = h->last[i].last_id + k;

                        if (recorded(h, l->store_key, id) || notify_id_valid(l->fd, id) < 0)
                                continue;
                        fail_call(l, id, rep, "received, not recorded");
                }
        }
}

/* The answer the previous daemon was sending when it died. */
static void resend(struct listener *l, const struct inflight_slot *s, struct restore_report *rep)
{
        struct seccomp_notif_resp resp = { .id = s->notif.id, .val = s->val, .error = s->error, .flags = s->flags };

        if (notify_send(l->fd, &resp) == 0) {
                rep->resent++;
                log_info("ct=%s notif=%016llx: answered as the previous daemon was about to", l->container->id,
                         (unsigned long long) s->notif.id);
        }
}

/* Calls whose emulator can tell its own half-done work from none (mknod: the
 * node it made is there, of the asked type and device, its owner ours or the
 * caller's), so a restart finishes them instead of failing them. */
static bool resumable(const struct daemon *d, const struct seccomp_notif *notif)
{
        enum sysid id = syscall_table_lookup(d->syscalls, notif->data.arch, notif->data.nr);

        return id == SYSID_MKNOD || id == SYSID_MKNODAT;
}

static void answer_recorded(struct daemon *d, struct survive_handover *h, struct restore_report *rep)
{
        for (size_t i = 0; i < h->n_slots; i++) {
                const struct inflight_slot *s = &h->slots[i];
                struct listener *l = find_listener(d, s->listener_key);

                if (!l || notify_id_valid(l->fd, s->notif.id) < 0)
                        continue;
                if (s->stage == INFLIGHT_ANSWERING) {
                        resend(l, s, rep);
                        continue;
                }
                if (s->stage == INFLIGHT_ACTING && resumable(d, &s->notif)) {
                        rep->resumed++;
                        log_info("ct=%s notif=%016llx: interrupted past its point of no return, resumed",
                                 l->container->id, (unsigned long long) s->notif.id);
                        dispatch_resume(l, &s->notif);
                        continue;
                }
                if (s->stage == INFLIGHT_ACTING && !(l->container->policy && l->container->policy->restart_rerun)) {
                        fail_call(l, s->notif.id, rep, "emulation interrupted");
                        continue;
                }
                rep->rerun++;
                log_info("ct=%s notif=%016llx: received before the restart, run again", l->container->id,
                         (unsigned long long) s->notif.id);
                dispatch_received(l, &s->notif, NULL, -EBADF);
        }
}

void restore_run(struct daemon *d, struct survive_handover *h, struct restore_report *ret)
{
        struct restore_report rep = { 0 };

        for (size_t i = 0; h->recs && i < h->recs->n; i++)
                restore_record(d, h, &h->recs->records[i], &rep);
        d->survive->restoring = false;
        for (size_t i = 0; i < h->n_fds; i++)
                if (h->fds[i].fd >= 0) {
                        log_debug("restore: forgetting kept fd %s (nothing refers to it)", h->fds[i].name);
                        survive_forget(d, h->fds[i].name);
                }
        survive_changed(d);
        probe_gap(d, h, &rep);
        answer_recorded(d, h, &rep);
        /* Every old call is answered or run again (and recorded anew): a
         * daemon killed before this point leaves them all to the next one. */
        inflight_release_old(d->survive->inflight);
        *ret = rep;
}
