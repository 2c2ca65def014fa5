/* Container records and their listener fds. Lifetimes follow libuv: a listener is
 * freed from its poll handle's close callback; a container once no listener and
 * no OCI hook registration holds it (a registration's pidfd poll closes first). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/bpf.h"
#include "emulators/cgroup.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices.h"
#include "supervisor/dispatch.h"
#include "supervisor/policy_store.h"
#include "supervisor/helper_link.h"
#include "supervisor/oci_state.h"
#include "supervisor/registry.h"
#include "supervisor/survive.h"

void registry_init(struct registry *reg)
{
        list_init(&reg->containers);
        reg->n_containers = 0;
}

struct container *registry_find(struct registry *reg, const char *id)
{
        list_for_each(pos, &reg->containers) {
                struct container *c = list_entry(pos, struct container, node);

                if (strcmp(c->id, id) == 0)
                        return c;
        }
        return NULL;
}

static struct container *container_free(struct container *c)
{
        if (!c)
                return NULL;
        survive_container_freed(c);
        safe_close(c->pidfd);
        free(c->id);
        free(c->bundle);
        free(c->policy_name);
        policy_version_unref(c->policy_version);
        helper_link_close(c->helper);
        bpf_container_free(c->bpf);
        free(c->cgroup2);
        oci_state_free(c->oci);
        free(c->lxc_cookie);
        devices_container_free(c->devices);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct container *, container_free)

static int strdup_or_null(const char *s, char **ret)
{
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Where the runtime put the container: the cgroup its device programs may go
 * below (emulate bpf). Read once, now, before the container's own code runs. */
static void read_cgroup2(struct container *c)
{
        _cleanup_close_ int proc_fd = -EBADF;
        char path[PATH_MAX], proc[32];
        struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

        snprintf(proc, sizeof(proc), "/proc/%d", (int) c->init_pid);
        proc_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0 || cgroup2_read_path(proc_fd, path, sizeof(path)) < 0)
                return;
        /* The pid still names our init (no exit, so no reuse): the path is its. */
        if (poll(&p, 1, 0) == 0)
                c->cgroup2 = strdup(path);
}

/* The policy the container's listeners get; a hook-registered record has none
 * until its first listener brings one. */
static int container_set_policy(struct container *c, const struct container_info *info)
{
        char *name;

        if (strdup_or_null(info->policy_name, &name) < 0)
                return -ENOMEM;
        free(c->policy_name);
        c->policy_name = name;
        policy_version_unref(c->policy_version);
        c->policy_version = policy_version_ref(info->policy_version);
        c->policy = c->policy_version ? c->policy_version->policy : NULL;
        return 0;
}

static int container_new(struct daemon *d, const struct container_info *info, struct container **ret)
{
        _cleanup_(container_freep) struct container *c = calloc(1, sizeof(*c));
        int pidfd;

        if (!c)
                return -ENOMEM;
        c->pidfd = -EBADF;
        list_init(&c->listeners);
        list_init(&c->node);
        if (strdup_or_null(info->id, &c->id) < 0 || strdup_or_null(info->bundle, &c->bundle) < 0 ||
            container_set_policy(c, info) < 0 || strdup_or_null(info->lxc_cookie, &c->lxc_cookie) < 0)
                return -ENOMEM;
        /* Identity is a pidfd taken now, never the bare pid later (or the one
         * taken then, kept across a restart). */
        if (info->pidfd)
                pidfd = fcntl(*info->pidfd, F_DUPFD_CLOEXEC, 3);
        else
                pidfd = (int) syscall(SYS_pidfd_open, info->init_pid, 0);
        if (pidfd < 0)
                return -errno;
        c->pidfd = pidfd;
        c->init_pid = info->init_pid;
        c->lxc_monitor_pid = info->lxc_monitor_pid;
        if (info->pidfd) {
                if (strdup_or_null(info->cgroup2, &c->cgroup2) < 0)
                        return -ENOMEM;
        } else
                read_cgroup2(c);
        c->registered_usec = now_usec();
        c->daemon = d;
        c->log_rl = (struct ratelimit) { .interval_usec = 10 * 1000000ULL, .burst = 20 };
        survive_container_added(c, info->store_key);
        *ret = TAKE_PTR(c);
        return 0;
}

/* Takes c out of the registry (idempotent); container_release() frees it. */
static void container_unlink(struct container *c)
{
        if (list_empty(&c->node))
                return;
        list_del(&c->node);
        c->daemon->registry.n_containers--;
}

/* Frees |c| once nothing holds it: no listener, no hook registration, and the
 * registration's pidfd poll closed (libuv holds &c->exit_poll until then). */
static void container_release(struct container *c)
{
        struct daemon *d = c->daemon;

        if (!list_empty(&c->listeners) || c->hooked || c->exit_polling)
                return;
        if (c->log_rl.suppressed > 0)
                log_warning("container %s: %u more log lines were suppressed", c->id, c->log_rl.suppressed);
        container_unlink(c);
        container_free(c);
        survive_changed(d);
}

/* The container's init has exited: the pidfd polls readable. */
static bool container_exited(const struct container *c)
{
        struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP));
}

static void on_exit_poll_closed(uv_handle_t *handle)
{
        struct container *c = container_of((uv_poll_t *) handle, struct container, exit_poll);

        c->exit_polling = false;
        container_release(c);
}

/* Ends the hook registration (idempotent): the record is listed while listeners
 * remain, and freed from the poll's close callback when none do. */
static void container_unhook(struct container *c)
{
        /* A stopping daemon leaves the VFs where they are: their records let
         * the next one give them back. */
        if (!c->daemon->stopping)
                devices_on_unregister(c->daemon, c);
        c->hooked = false;
        if (list_empty(&c->listeners))
                container_unlink(c);
        survive_changed(c->daemon);
        if (c->exit_polling && !uv_is_closing((uv_handle_t *) &c->exit_poll))
                uv_close((uv_handle_t *) &c->exit_poll, on_exit_poll_closed);
}

static void on_init_exit(uv_poll_t *handle, int status, int events)
{
        struct container *c = container_of(handle, struct container, exit_poll);

        (void) status;
        (void) events;
        log_info("container %s: init pid %d exited, ending its hook registration", c->id, (int) c->init_pid);
        container_unhook(c);
}

/* Polls the pidfd while the record is hook-registered: nothing else would notice
 * a container that has no listener go away. */
static int exit_poll_start(struct container *c)
{
        int r;

        if (c->exit_polling) /* a registration ended and begun again in one loop turn: rare */
                return uv_is_closing((uv_handle_t *) &c->exit_poll) ? -EAGAIN : 0;
        r = uv_poll_init(&c->daemon->loop, &c->exit_poll, c->pidfd);
        if (r < 0)
                return r;
        c->exit_polling = true;
        r = uv_poll_start(&c->exit_poll, UV_READABLE, on_init_exit);
        if (r < 0)
                uv_close((uv_handle_t *) &c->exit_poll, on_exit_poll_closed);
        return r;
}

static void container_retire(struct container *c)
{
        container_unlink(c);
        container_unhook(c);
        list_for_each_safe(pos, tmp, &c->listeners)
                listener_close(list_entry(pos, struct listener, node));
        container_release(c);
}

static void on_listener_event(uv_poll_t *handle, int status, int events)
{
        struct listener *l = container_of(handle, struct listener, poll);

        l->ops->event(l, status, events);
}

static void on_listener_closed(uv_handle_t *handle)
{
        struct listener *l = container_of((uv_poll_t *) handle, struct listener, poll);
        struct container *c = l->container;

        survive_listener_closed(l);
        if (l->poll_fd != l->fd)
                safe_close(l->poll_fd);
        safe_close(l->fd);
        list_del(&l->node);
        free(l);
        if (!list_empty(&c->listeners))
                return;
        if (c->hooked)
                log_info("container %s: last listener closed, kept until its hook registration ends", c->id);
        else
                log_info("container %s: last listener closed, forgetting it", c->id);
        container_release(c);
}

static void on_listener_aborted(uv_handle_t *handle)
{
        free(container_of((uv_poll_t *) handle, struct listener, poll));
}

void listener_close(struct listener *l)
{
        if (l->closing)
                return;
        l->closing = true;
        list_for_each_safe(pos, tmp, &l->notifications)
                dispatch_abandon(list_entry(pos, struct notification, listener_node));
        uv_poll_stop(&l->poll);
        uv_close((uv_handle_t *) &l->poll, on_listener_closed);
}

static int listener_new(struct container *c, const struct listener_spec *spec)
{
        struct listener *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return -ENOMEM;
        r = uv_poll_init(&c->daemon->loop, &l->poll, spec->poll_fd);
        if (r < 0) {
                free(l);
                return r; /* libuv errors are -errno on Unix */
        }
        l->ops = spec->ops;
        l->fd = spec->fd;
        l->poll_fd = spec->poll_fd;
        l->container = c;
        list_init(&l->notifications);
        list_add_tail(&c->listeners, &l->node);
        /* uv_poll_init made poll_fd non-blocking; RECV ignores that, and poll says when it won't wait. */
        r = uv_poll_start(&l->poll, UV_READABLE | UV_DISCONNECT, on_listener_event);
        if (r < 0) {
                /* The caller keeps ownership of fd and of the container. */
                list_del(&l->node);
                uv_close((uv_handle_t *) &l->poll, on_listener_aborted);
                return r;
        }
        survive_listener_added(l, spec->store_key);
        return 0;
}

int registry_add_listener(struct daemon *d, const struct container_info *info, const struct listener_spec *spec,
                          struct listener **ret)
{
        struct container *c = registry_find(&d->registry, info->id);
        bool created = false;
        int r;

        if (c && c->init_pid != info->init_pid) {
                if (!container_exited(c))
                        return log_warning_errno(-EEXIST,
                                                 "container %s: already registered with live init pid %d, not %d",
                                                 info->id, (int) c->init_pid, (int) info->init_pid);
                /* A new container reusing the id of one whose hang-up is not processed yet. */
                log_info("container %s: init pid %d exited, replacing the record", c->id, (int) c->init_pid);
                container_retire(c);
                c = NULL;
        }
        if (c && !c->policy_version && container_set_policy(c, info) < 0)
                return log_warning_errno(-ENOMEM, "container %s: %m", info->id);
        if (!c) {
                r = container_new(d, info, &c);
                if (r < 0)
                        return log_warning_errno(r, "container %s: cannot register init pid %d: %m", info->id,
                                                 (int) info->init_pid);
                list_add_tail(&d->registry.containers, &c->node);
                d->registry.n_containers++;
                created = true;
        }
        r = listener_new(c, spec);
        if (r < 0) {
                if (created)
                        container_release(c);
                return log_warning_errno(r, "container %s: cannot poll listener: %m", info->id);
        }
        *ret = list_entry(c->listeners.prev, struct listener, node);
        return 0;
}

struct container *registry_find_lxc(struct registry *reg, pid_t init_pid, pid_t monitor_pid)
{
        list_for_each(pos, &reg->containers) {
                struct container *c = list_entry(pos, struct container, node);

                if (c->lxc_monitor_pid > 0 && c->init_pid == init_pid && c->lxc_monitor_pid == monitor_pid &&
                    !container_exited(c))
                        return c;
        }
        return NULL;
}

int registry_rename(struct registry *reg, struct container *c, const char *id, const char *bundle)
{
        struct container *other = registry_find(reg, id);
        char *new_id, *new_bundle = NULL;

        if (other && other != c)
                return -EEXIST;
        new_id = strdup(id);
        if (!new_id || strdup_or_null(bundle, &new_bundle) < 0) {
                free(new_id);
                return -ENOMEM;
        }
        free(c->id);
        free(c->bundle);
        c->id = new_id;
        c->bundle = new_bundle;
        survive_changed(c->daemon);
        return 0;
}

int registry_register(struct daemon *d, const struct container_info *info, struct oci_state **oci,
                      struct container **ret)
{
        struct container *c = registry_find(&d->registry, info->id);
        int r;

        if (c && c->init_pid != info->init_pid) {
                if (!container_exited(c))
                        return -EEXIST;
                container_retire(c);
                c = NULL;
        }
        if (!c) {
                r = container_new(d, info, &c);
                if (r < 0)
                        return r;
                list_add_tail(&d->registry.containers, &c->node);
                d->registry.n_containers++;
        }
        r = exit_poll_start(c);
        if (r < 0) {
                container_release(c); /* only a record made here has nothing else holding it */
                return r;
        }
        c->hooked = true;
        oci_state_free(c->oci);
        c->oci = TAKE_PTR(*oci);
        survive_changed(d);
        *ret = c;
        return 0;
}

int registry_unregister(struct daemon *d, const char *id, pid_t pid)
{
        struct container *c = registry_find(&d->registry, id);

        if (!c || !c->hooked)
                return 0;
        if (pid > 0 && pid != c->init_pid && !container_exited(c))
                return -ESRCH;
        container_unhook(c);
        return 1;
}

void registry_close_all(struct registry *reg)
{
        list_for_each_safe(pos, tmp, &reg->containers)
                container_retire(list_entry(pos, struct container, node));
}

void registry_pause(struct registry *reg)
{
        list_for_each(pos, &reg->containers) {
                struct container *c = list_entry(pos, struct container, node);

                list_for_each(lpos, &c->listeners) {
                        struct listener *l = list_entry(lpos, struct listener, node);

                        if (!l->closing)
                                uv_poll_stop(&l->poll);
                }
                if (c->exit_polling && !uv_is_closing((uv_handle_t *) &c->exit_poll))
                        uv_poll_stop(&c->exit_poll);
        }
}

void registry_resume(struct registry *reg)
{
        list_for_each(pos, &reg->containers) {
                struct container *c = list_entry(pos, struct container, node);

                list_for_each(lpos, &c->listeners) {
                        struct listener *l = list_entry(lpos, struct listener, node);

                        if (!l->closing && uv_poll_start(&l->poll, UV_READABLE | UV_DISCONNECT, on_listener_event) < 0)
                                listener_close(l);
                }
                if (c->exit_polling && !uv_is_closing((uv_handle_t *) &c->exit_poll))
                        (void) uv_poll_start(&c->exit_poll, UV_READABLE, on_init_exit);
        }
}
