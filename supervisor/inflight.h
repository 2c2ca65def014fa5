/* In-flight notifications in a memfd the fd keeper holds, so that the next
 * daemon answers what this one received and did not answer (docs/survival.md).
 * The table is mmap'd: recording a notification is a few stores, no syscall.
 *
 * Slots hold (listener key, stage, the 80-byte struct seccomp_notif); per
 * listener a "last id" slot says which id was received last, so that a call
 * received but not yet recorded when the daemon died is found by probing the
 * ids just past it with ID_VALID. */
#pragma once

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

#define INFLIGHT_SLOTS 4096
#define INFLIGHT_LISTENERS 4096

enum inflight_stage {
        INFLIGHT_FREE = 0,
        INFLIGHT_RECEIVED = 1, /* nothing done for it yet: safe to run again */
        INFLIGHT_ACTING = 2,   /* an emulation or injection began: may have half-happened */
        INFLIGHT_ANSWERING = 3, /* done; the answer below is being sent: send it again */
};

struct inflight_slot {
        uint64_t listener_key;
        uint32_t stage;
        int32_t error;         /* ANSWERING: the answer (struct seccomp_notif_resp's fields) */
        int64_t val;
        uint32_t flags;
        uint32_t reserved;
        struct seccomp_notif notif;
};

struct inflight_last {
        uint64_t listener_key; /* 0: free */
        uint64_t last_id;
};

struct inflight;

/* Maps |fd| (a previous daemon's table, taken over) when it is a table of this
 * layout, else creates a new memfd table. inflight_fd() is its memfd (owned by the
 * table; store a duplicate). inflight_take_old() must be called once before
 * anything is recorded. 0 or -errno. Does not log. */
int inflight_open(int fd, struct inflight **ret);
struct inflight *inflight_free(struct inflight *t);
int inflight_fd(const struct inflight *t);

/* Copies out what the previous daemon left (in-use slots and last ids; the
 * caller frees both arrays) and makes the rest of the table this daemon's.
 * The old entries stay in place, so a daemon killed during its restore leaves
 * them to the next one, until inflight_release_old(). 0 or -ENOMEM. */
int inflight_take_old(struct inflight *t, struct inflight_slot **ret_slots, size_t *ret_n_slots,
                      struct inflight_last **ret_last, size_t *ret_n_last);
/* The restore is done: the previous daemon's entries are cleared and free. */
void inflight_release_old(struct inflight *t);

/* A listener's last-id slot: its index + 1, or 0 when the table is full (its
 * calls are then not recorded). */
uint32_t inflight_listener_add(struct inflight *t, uint64_t listener_key);
void inflight_listener_remove(struct inflight *t, uint32_t lslot);

/* Records notification |notif| received on listener (lslot, key): returns the
 * slot index + 1, or 0 when the table is full. t may be NULL (returns 0). */
uint32_t inflight_record(struct inflight *t, uint32_t lslot, uint64_t listener_key,
                         const struct seccomp_notif *notif);
void inflight_set_stage(struct inflight *t, uint32_t slot, enum inflight_stage stage);
/* The answer about to be sent (stage ANSWERING): a restart sends it again
 * instead of failing a call whose emulation is complete. */
void inflight_set_answer(struct inflight *t, uint32_t slot, int32_t error, int64_t val, uint32_t flags);
/* Frees a slot (answered, dropped); slot 0 is none. */
void inflight_clear(struct inflight *t, uint32_t slot);
