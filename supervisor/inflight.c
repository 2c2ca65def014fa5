/* The in-flight table: a fixed header, INFLIGHT_LISTENERS last-id slots, then
 * INFLIGHT_SLOTS notification slots, in a MAP_SHARED memfd mapping. A slot's
 * stage is stored last (release order), so a daemon killed between two stores
 * leaves either a free slot or a complete one. Free slots are a stack in the
 * daemon's own memory. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/inflight.h"

#define MAGIC "SECCMPDI"
#define VERSION 2

struct header {
        char magic[8];
        uint32_t version;
        uint32_t n_last;
        uint32_t n_slots;
        uint32_t slot_size;
};

#define TABLE_SIZE \
        (sizeof(struct header) + INFLIGHT_LISTENERS * sizeof(struct inflight_last) + \
         INFLIGHT_SLOTS * sizeof(struct inflight_slot))

struct inflight {
        int fd;
        void *map;
        struct header *hdr;
        struct inflight_last *last;
        struct inflight_slot *slots;
        uint32_t free_slots[INFLIGHT_SLOTS], n_free_slots;
        uint32_t free_last[INFLIGHT_LISTENERS], n_free_last;
        /* What the previous daemon left, kept in place until inflight_release_old(). */
        uint32_t old_slots[INFLIGHT_SLOTS], n_old_slots;
        uint32_t old_last[INFLIGHT_LISTENERS], n_old_last;
};

static bool layout_matches(int fd)
{
        struct header h;
        struct stat st;

        if (fstat(fd, &st) < 0 || (size_t) st.st_size != TABLE_SIZE)
                return false;
        if (pread(fd, &h, sizeof(h), 0) != (ssize_t) sizeof(h))
                return false;
        return memcmp(h.magic, MAGIC, 8) == 0 && h.version == VERSION && h.n_last == INFLIGHT_LISTENERS &&
               h.n_slots == INFLIGHT_SLOTS && h.slot_size == sizeof(struct inflight_slot);
}

static int create(void)
{
        _cleanup_close_ int fd = memfd_create("seccompd-inflight", MFD_CLOEXEC);
        struct header h = { .version = VERSION, .n_last = INFLIGHT_LISTENERS, .n_slots = INFLIGHT_SLOTS,
                            .slot_size = sizeof(struct inflight_slot) };

        if (fd < 0)
                return -errno;
        if (ftruncate(fd, TABLE_SIZE) < 0)
                return -errno;
        memcpy(h.magic, MAGIC, 8);
        if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t) sizeof(h))
                return -EIO;
        return TAKE_FD(fd);
}

int inflight_open(int fd, struct inflight **ret)
{
        struct inflight *t = calloc(1, sizeof(*t));

        if (!t) {
                safe_close(fd);
                return -ENOMEM;
        }
        if (fd >= 0 && !layout_matches(fd))
                fd = safe_close(fd);
        t->fd = fd >= 0 ? fd : create();
        if (t->fd < 0) {
                int r = t->fd;

                free(t);
                return r;
        }
        t->map = mmap(NULL, TABLE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
        if (t->map == MAP_FAILED) {
                int r = -errno;

                safe_close(t->fd);
                free(t);
                return r;
        }
        t->hdr = t->map;
        t->last = (struct inflight_last *) (t->hdr + 1);
        t->slots = (struct inflight_slot *) (t->last + INFLIGHT_LISTENERS);
        *ret = t;
        return 0;
}

struct inflight *inflight_free(struct inflight *t)
{
        if (!t)
                return NULL;
        munmap(t->map, TABLE_SIZE);
        safe_close(t->fd);
        free(t);
        return NULL;
}

int inflight_fd(const struct inflight *t)
{
        return t->fd;
}

int inflight_take_old(struct inflight *t, struct inflight_slot **ret_slots, size_t *ret_n_slots,
                      struct inflight_last **ret_last, size_t *ret_n_last)
{
        struct inflight_slot *slots = calloc(INFLIGHT_SLOTS, sizeof(*slots));
        struct inflight_last *last = calloc(INFLIGHT_LISTENERS, sizeof(*last));
        size_t n_slots = 0, n_last = 0;

        if (!slots || !last) {
                free(slots);
                free(last);
                return -ENOMEM;
        }
        t->n_free_slots = t->n_free_last = t->n_old_slots = t->n_old_last = 0;
        /* Free ones popped from the end: low indexes first, which keeps the touched pages few. */
        for (uint32_t i = INFLIGHT_SLOTS; i-- > 0;) {
                uint32_t stage = __atomic_load_n(&t->slots[i].stage, __ATOMIC_ACQUIRE);

                if (stage == INFLIGHT_RECEIVED || stage == INFLIGHT_ACTING || stage == INFLIGHT_ANSWERING) {
                        slots[n_slots++] = t->slots[i];
                        t->old_slots[t->n_old_slots++] = i;
                } else {
                        t->slots[i].stage = INFLIGHT_FREE;
                        t->free_slots[t->n_free_slots++] = i;
                }
        }
        for (uint32_t i = INFLIGHT_LISTENERS; i-- > 0;) {
                if (t->last[i].listener_key != 0) {
                        last[n_last++] = t->last[i];
                        t->old_last[t->n_old_last++] = i;
                } else
                        t->free_last[t->n_free_last++] = i;
        }
        *ret_slots = slots;
        *ret_n_slots = n_slots;
        *ret_last = last;
        *ret_n_last = n_last;
        return 0;
}

void inflight_release_old(struct inflight *t)
{
        if (!t)
                return;
        for (uint32_t k = 0; k < t->n_old_slots; k++) {
                __atomic_store_n(&t->slots[t->old_slots[k]].stage, INFLIGHT_FREE, __ATOMIC_RELEASE);
                t->free_slots[t->n_free_slots++] = t->old_slots[k];
        }
        for (uint32_t k = 0; k < t->n_old_last; k++) {
                __atomic_store_n(&t->last[t->old_last[k]].listener_key, 0, __ATOMIC_RELEASE);
                t->free_last[t->n_free_last++] = t->old_last[k];
        }
        t->n_old_slots = t->n_old_last = 0;
}

uint32_t inflight_listener_add(struct inflight *t, uint64_t listener_key)
{
        uint32_t i;

        if (!t || t->n_free_last == 0)
                return 0;
        i = t->free_last[--t->n_free_last];
        t->last[i].last_id = 0;
        __atomic_store_n(&t->last[i].listener_key, listener_key, __ATOMIC_RELEASE);
        return i + 1;
}

void inflight_listener_remove(struct inflight *t, uint32_t lslot)
{
        if (!t || lslot == 0)
                return;
        __atomic_store_n(&t->last[lslot - 1].listener_key, 0, __ATOMIC_RELEASE);
        t->free_last[t->n_free_last++] = lslot - 1;
}

uint32_t inflight_record(struct inflight *t, uint32_t lslot, uint64_t listener_key,
                         const struct seccomp_notif *notif)
{
        struct inflight_slot *s;
        uint32_t i;

        if (!t || lslot == 0)
                return 0;
        __atomic_store_n(&t->last[lslot - 1].last_id, notif->id, __ATOMIC_RELEASE);
        if (t->n_free_slots == 0)
                return 0;
        i = t->free_slots[--t->n_free_slots];
        s = &t->slots[i];
        s->listener_key = listener_key;
        s->notif = *notif;
        __atomic_store_n(&s->stage, INFLIGHT_RECEIVED, __ATOMIC_RELEASE);
        return i + 1;
}

void inflight_set_stage(struct inflight *t, uint32_t slot, enum inflight_stage stage)
{
        if (t && slot > 0)
                __atomic_store_n(&t->slots[slot - 1].stage, (uint32_t) stage, __ATOMIC_RELEASE);
}

void inflight_set_answer(struct inflight *t, uint32_t slot, int32_t error, int64_t val, uint32_t flags)
{
        struct inflight_slot *s;

        if (!t || slot == 0)
                return;
        s = &t->slots[slot - 1];
        s->error = error;
        s->val = val;
        s->flags = flags;
        __atomic_store_n(&s->stage, INFLIGHT_ANSWERING, __ATOMIC_RELEASE);
}

void inflight_clear(struct inflight *t, uint32_t slot)
{
        if (!t || slot == 0)
                return;
        __atomic_store_n(&t->slots[slot - 1].stage, INFLIGHT_FREE, __ATOMIC_RELEASE);
        t->free_slots[t->n_free_slots++] = slot - 1;
}
