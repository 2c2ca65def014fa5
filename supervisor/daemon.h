/* The daemon's state: one per process, owned by main(), passed to every part. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/list.h"
#include "common/log.h"
#include "supervisor/daemon_config.h"
#include "supervisor/registry.h"
#include "supervisor/stats.h"

struct syscall_table;
struct intake_oci;
struct intake_lxc;
struct control;
struct policy_store;
struct devices_reconcile;
struct survive;
struct upgrade;

struct daemon_options {
        const char *socket_path;     /* OCI listenerPath socket */
        const char *lxc_socket_path; /* lxc.seccomp.notify.proxy socket */
        const char *lxc_path;        /* where LXC containers are named from; NULL: liblxc's default */
        const char *control_path;    /* seccompctl socket */
        const char *policy_dir;      /* *.yaml policies; NULL: POLICY_DIR_DEFAULT */
        unsigned debug_hold_ms;      /* test-only: hold emulations this long before acting */
        const char *config_path;     /* the daemon config; DAEMON_CONFIG_DEFAULT */
        const char *sysfs_root;      /* where SR-IOV state is read ("/sys"; a fake tree in tests) */
        const char *state_dir;       /* VF allocations, kept across daemon restarts */
        const char *keeper_path;     /* the fd keeper's socket */
        bool no_keeper;              /* --no-keeper */
        const char *run_keeper;      /* --keeper PATH: be the keeper */
        char **argv;                 /* ours: an upgrade starts the new binary with them */
};

struct daemon {
        uv_loop_t loop;
        uv_signal_t sigterm, sigint, sighup, sigusr2;
        struct daemon_options opt;
        struct daemon_config config; /* from opt.config_path, or the defaults (empty) */
        struct syscall_table *syscalls;
        struct policy_store *policies;
        struct registry registry;
        struct list_node pending;    /* struct notification in flight, oldest first */
        size_t n_pending;
        struct list_node fuse_runs;  /* FUSE programs being spawned (supervisor/fuse_run.c) */
        struct stats_counters totals;
        struct latency_hist latency; /* receive to answer, answered calls only */
        uint64_t started_usec;
        uint64_t intake_accepted, intake_rejected;
        struct intake_oci *intake;
        struct intake_lxc *lxc;
        struct control *control;
        struct devices_reconcile *vf_reconcile; /* VFs re-adopted or missing at start; NULL before */
        struct survive *survive;     /* the fd keeper's side (survive.h); NULL without one */
        struct upgrade *upgrade;     /* a handover in progress (upgrade.h); NULL otherwise */
        /* main.c's, for the upgrade: binds the intake, LXC and control sockets
         * again (0 or -errno, logs); closes the intakes; stops the daemon (|keep_containers|: the fd
         * keeper keeps them for the next daemon, else their supervision ends). */
        int (*reopen_sockets)(struct daemon *d);
        void (*close_intakes)(struct daemon *d); /* the OCI and LXC sockets: nothing new arrives */
        void (*stop)(struct daemon *d, const char *why, bool keep_containers);
        bool stopping;
        bool failed;                 /* exit 1: stopped by a failure after start-up */
};
