/* Supervised containers and their listener fds. A container owns its listeners;
 * each listener embeds its uv_poll_t and is freed from its close callback. A
 * container is freed once nothing holds it: no listener is left and no OCI hook
 * registration (which lasts until unregistered or until init exits). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "common/list.h"
#include "common/log.h"
#include "supervisor/stats.h"

struct daemon;
struct policy;
struct policy_version;
struct helper_link;
struct bpf_container;
struct oci_state;

struct listener;
struct notification;
struct seccomp_notif_resp;

/* Where a listener's notifications come from and how they are answered. Past
 * intake, dispatch and the emulators see only these: a seccomp listener fd we
 * RECV from and answer with ioctls (answer.c), or an LXC monitor's proxy
 * connection whose messages carry notifications and whose replies the monitor
 * SENDs itself (intake_lxc.c). */
struct listener_ops {
        const char *kind;               /* "notify-fd", "lxc-proxy": logs and seccompctl */
        /* The polled fd is readable, hung up or failed (uv_poll status, events). */
        void (*event)(struct listener *l, int status, int events);
        /* Answers n with |resp| (id filled in). 0, -ENOENT when the caller is
         * gone (routine), other -errno. Logs only what it handles itself (an
         * LXC reply that had to go another way). */
        int (*send)(struct notification *n, const struct seccomp_notif_resp *resp);
        /* Installs |fd| in the caller with |fd_flags| and answers the call with
         * its number there. The number, -ENOENT when the caller is gone, other
         * -errno when nothing was installed. Logs as send does. */
        int (*send_fd)(struct notification *n, int fd, uint32_t fd_flags);
        /* n is finished unanswered (its caller is gone); NULL when that is all. */
        void (*dropped)(struct notification *n);
};

struct listener {
        uv_poll_t poll;                 /* must stay first-class embedded: libuv holds &poll */
        const struct listener_ops *ops;
        int fd;                         /* the seccomp listener RECV'd from, owned; -EBADF for an LXC
                                         * connection (each message brings its listener fd) */
        int poll_fd;                    /* what poll watches, owned: fd itself, or an LXC connection */
        struct container *container;
        struct list_node node;          /* in container->listeners */
        struct list_node notifications; /* struct notification in flight on this fd */
        uint64_t store_key;             /* kept by the fd keeper as "l/<key>"; 0: not kept (LXC) */
        uint32_t inflight_lslot;        /* its last-id slot in the in-flight table + 1; 0: none */
        bool closing;
};

struct container {
        char *id;
        pid_t init_pid;
        int pidfd;                      /* of init_pid, taken at registration */
        char *bundle;
        char *policy_name;              /* NULL until the first listener (hook-registered record) */
        struct policy_version *policy_version; /* a reference: kept across reloads; NULL as policy_name */
        const struct policy *policy;    /* policy_version->policy; set whenever a listener is */
        uint64_t registered_usec;       /* monotonic */
        struct stats_counters counters;
        unsigned n_in_flight;           /* its notifications received and not yet finished */
        struct ratelimit log_rl;        /* per-notification log lines */
        struct list_node listeners;     /* struct listener */
        struct list_node node;          /* in registry.containers */
        struct helper_link *helper;     /* its namespace helper; NULL until first needed */
        char *cgroup2;                  /* init's v2 cgroup at registration ("/..."), NULL if none */
        struct bpf_container *bpf;      /* device programs it attached; NULL until first needed */
        bool hooked;                    /* registered by an OCI hook: kept until unregistered or init exits */
        struct oci_state *oci;          /* the hook's OCI state (status, annotations), owned; NULL without */
        uv_poll_t exit_poll;            /* on pidfd while hooked: init's exit ends the registration */
        bool exit_polling;              /* exit_poll is initialised and its close callback has not run */
        pid_t lxc_monitor_pid;          /* LXC containers: the monitor whose connections feed it; 0 otherwise */
        char *lxc_cookie;               /* and its lxc.seccomp.notify.cookie ("" for none) */
        struct devices_container *devices; /* VFs passed in at its hook registration; NULL without */
        uint64_t store_key;             /* its pidfd is kept by the fd keeper as "p/<key>"; 0: not kept */
        struct daemon *daemon;
};

struct registry {
        struct list_node containers;
        size_t n_containers;
};

void registry_init(struct registry *reg);

/* The container with this id, or NULL. */
struct container *registry_find(struct registry *reg, const char *id);

struct container_info {
        const char *id;
        pid_t init_pid;
        const char *bundle;
        const char *policy_name;
        struct policy_version *policy_version; /* the record takes its own reference; NULL for hooks */
        pid_t lxc_monitor_pid;          /* LXC: see struct container; 0 otherwise */
        const char *lxc_cookie;
        /* A record restored after a restart (supervisor/restore.c): */
        const int *pidfd;               /* the kept pidfd of init (duplicated); NULL: open one */
        const char *cgroup2;            /* the cgroup read at first registration */
        uint64_t store_key;             /* the key it was kept under; 0: a new one */
};

/* A listener to add: what it polls and how its notifications are answered. */
struct listener_spec {
        const struct listener_ops *ops;
        int fd;                         /* the seccomp listener, or -EBADF */
        int poll_fd;                    /* == fd, or the connection that carries its notifications */
        uint64_t store_key;             /* restored listener: the key it was kept under; 0: new */
};

/* Finds or creates the container record for |info| and adds a listener for
 * |spec| (its fds taken over on success; on failure the caller still owns them)
 * with a uv_poll on the daemon's loop; *ret is the new listener, its record
 * l->container. An existing record must have the same
 * init pid (-EEXIST otherwise: a different container reusing an id); one a hook
 * registered takes the listener's policy if it has none yet (its first
 * listener). Returns 0 or -errno; logs. */
int registry_add_listener(struct daemon *d, const struct container_info *info, const struct listener_spec *spec,
                          struct listener **ret);

/* The LXC container record whose init is |init_pid| and whose monitor is
 * |monitor_pid|, or NULL: a monitor's reconnection reattaches to it. */
struct container *registry_find_lxc(struct registry *reg, pid_t init_pid, pid_t monitor_pid);

/* Renames |c| (LXC records start as "lxc-<init pid>" until their name is
 * known) and sets its bundle (may be NULL). 0, -EEXIST when another record has
 * the name, -ENOMEM. Does not log. */
int registry_rename(struct registry *reg, struct container *c, const char *id, const char *bundle);

/* Records the container an OCI hook describes (|info|, policy_version NULL), or
 * marks the record a listener made first as hook-registered too: the record then
 * stays, with or without listeners, until registry_unregister() or until its init
 * exits (its pidfd is polled). Takes *|oci| (the hook's state, kept for its
 * annotations) on success. A record of a live init with another pid is -EEXIST;
 * one whose init exited is replaced. Returns 0, -EEXIST, -ESRCH (no such pid),
 * -ENOMEM or the -errno of pidfd_open / uv_poll_init. Does not log. */
int registry_register(struct daemon *d, const struct container_info *info, struct oci_state **oci,
                      struct container **ret);

/* Ends the hook registration of container |id|; |pid| > 0 must be its init's
 * unless that init has exited (-ESRCH). The record goes now if it has no
 * listener, else with its last one. Returns 1 when a registration ended, 0 when
 * |id| had none. Does not log. */
int registry_unregister(struct daemon *d, const char *id, pid_t pid);

/* Starts closing a listener (idempotent): fails its in-flight notifications
 * quietly, stops polling, closes the fd in the close callback; the container goes
 * with its last listener. */
void listener_close(struct listener *l);

/* Closes every listener and ends every hook registration (shutdown). */
void registry_close_all(struct registry *reg);

/* Stops polling every listener and every init pidfd (an upgrade hands them
 * over: calls wait in the kernel) / starts again (the upgrade failed). */
void registry_pause(struct registry *reg);
void registry_resume(struct registry *reg);
