/* Surviving a daemon crash or upgrade (docs/survival.md): the fd keeper holds
 * every seccomp listener, every init pidfd and two memfds with the registry's
 * records and the in-flight table; this module keeps them up to date as the
 * registry changes. Every function is a no-op without a keeper (--no-keeper,
 * or once detached), and none fails the change it records: a keeper that went
 * away is logged once and the daemon goes on without it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct container;
struct listener;
struct notification;
struct seccomp_notif_resp;
struct stored_fd;
struct store_records;
struct inflight;
struct inflight_slot;
struct inflight_last;

struct survive {
        int sock;                /* connected to the keeper; -EBADF without one */
        int records_fd[2];       /* memfds written in turn, "r/0" and "r/1" */
        uint64_t generation;     /* of the last records written */
        uint64_t next_key;       /* for "l/<key>" and "p/<key>" */
        struct inflight *inflight;
        bool restoring;          /* records are written once, when the restore ends */
        bool frozen;             /* handing over: the next daemon owns the keeper's contents */
};

/* What a previous daemon left in the keeper, for restore.c. */
struct survive_handover {
        struct stored_fd *fds;        /* the kept fds but the records and the table; fd -EBADF once taken */
        size_t n_fds;
        struct store_records *recs;   /* the newest whole records; empty when none */
        struct inflight_slot *slots;  /* the in-flight table's used slots */
        size_t n_slots;
        struct inflight_last *last;   /* the last id received per listener */
        size_t n_last;
};

/* Connects to the keeper at |path| (starting one), takes everything it holds,
 * and sets up d->survive: the records memfds and the in-flight table, reused
 * when the previous daemon left them. *ret is what is left to restore; clear
 * it with survive_handover_clear(). Returns 0, or -errno when there is no
 * keeper (the daemon then runs without one). Logs. */
int survive_start(struct daemon *d, const char *path, struct survive_handover *ret);
void survive_handover_clear(struct survive_handover *h);

/* The kept fd |name| taken out of |h| (the caller owns it), or -EBADF. */
int survive_handover_take(struct survive_handover *h, const char *name);

/* Keeps a duplicate of |fd| as |name| (a socket a service manager passed:
 * a daemon started by an upgrade cannot bind it again, it takes it back). */
void survive_keep(struct daemon *d, const char *name, int fd);

/* Forgets a kept fd nobody took ("l/..." of a dead listener, "p/..."). */
void survive_forget(struct daemon *d, const char *name);

/* Tells the keeper that this daemon took over (a daemon handing over exits). */
void survive_ready(struct daemon *d);

/* Stops keeping anything: with |stop_keeper| the keeper closes all it holds
 * and exits (a deliberate stop), else it keeps everything for the next daemon
 * (an upgrade hands over). Frees d->survive. */
void survive_detach(struct daemon *d, bool stop_keeper);

/* An upgrade hands over: from now on this daemon changes nothing in the keeper
 * (records, kept fds, in-flight table) until survive_thaw() (the new daemon
 * failed) or survive_detach(). Returns the keeper socket, on which "TAKEN"
 * arrives once the new daemon took over, or -ENOTCONN without a keeper. */
int survive_freeze(struct daemon *d);
void survive_thaw(struct daemon *d);

/* The registry changed: rewrites the records. */
void survive_changed(struct daemon *d);

/* Keeps c's pidfd (|key|: the one it was kept under before a restart, 0 for a
 * new one) / forgets it. */
void survive_container_added(struct container *c, uint64_t key);
void survive_container_freed(struct container *c);

/* Keeps l's listener fd (notify-fd listeners only) and gives it a last-id slot
 * in the in-flight table / forgets both. */
void survive_listener_added(struct listener *l, uint64_t key);
void survive_listener_closed(struct listener *l);

/* The in-flight table, on the notification path: received, acting (an
 * emulation began), answering with |resp|, finished. */
void survive_notification_received(struct notification *n);

/* What c's policy fails an interrupted call with (on_restart errno; EINTR). */
int survive_restart_errno(const struct container *c);
void survive_notification_acting(struct notification *n);
void survive_notification_answering(struct notification *n, const struct seccomp_notif_resp *resp);
void survive_notification_done(struct notification *n);
