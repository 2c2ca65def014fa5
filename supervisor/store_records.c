/* Layout (host byte order: written and read on one machine, by one kernel's
 * daemons): a 40-byte header
 *   "SECCMPDR" u32 version, u32 count, u64 generation, u64 next_key,
 *   u32 payload length, u32 FNV-1a of the payload
 * then per container: u64 key, i32 init_pid, u32 flags (bit 0: hooked),
 * u32 n_listeners, u64 listener keys[n], then five strings (id, bundle,
 * policy, cgroup2, OCI state) each as u32 length (0xffffffff: none) + bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "supervisor/store_records.h"

#define MAGIC "SECCMPDR"
#define NO_STRING UINT32_MAX
#define FLAG_HOOKED 1u

struct writer {
        char *buf;
        size_t len, cap;
        int error;
};

static void put(struct writer *w, const void *p, size_t n)
{
        if (w->error)
                return;
        if (w->len + n > w->cap) {
                size_t cap = w->cap ? w->cap : 4096;
                char *b;

                while (cap < w->len + n)
                        cap *= 2;
                b = realloc(w->buf, cap);
                if (!b) {
                        w->error = -ENOMEM;
                        return;
                }
                w->buf = b;
                w->cap = cap;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static void put_u32(struct writer *w, uint32_t v)
{
        put(w, &v, sizeof(v));
}

static void put_u64(struct writer *w, uint64_t v)
{
        put(w, &v, sizeof(v));
}

static void put_str(struct writer *w, const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (s && n > STORE_RECORDS_MAX_STRING)
                w->error = -E2BIG;
        put_u32(w, s ? (uint32_t) n : NO_STRING);
        if (s)
                put(w, s, n);
}

uint32_t store_records_checksum(const void *buf, size_t n)
{
        const unsigned char *p = buf;
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * 16777619u;
        return h;
}

static void put_record(struct writer *w, const struct store_record *r)
{
        if (r->n_listeners > STORE_RECORDS_MAX_LISTENERS || !r->id)
                w->error = -E2BIG;
        put_u64(w, r->key);
        put_u32(w, (uint32_t) r->init_pid);
        put_u32(w, r->hooked ? FLAG_HOOKED : 0);
        put_u32(w, (uint32_t) r->n_listeners);
        for (size_t i = 0; i < r->n_listeners; i++)
                put_u64(w, r->listeners[i]);
        put_str(w, r->id);
        put_str(w, r->bundle);
        put_str(w, r->policy_name);
        put_str(w, r->cgroup2);
        put_str(w, r->oci_state);
}

int store_records_encode(const struct store_records *recs, void **ret, size_t *ret_len)
{
        struct writer w = { 0 };
        uint32_t payload, sum;

        if (recs->n > STORE_RECORDS_MAX_CONTAINERS)
                return -E2BIG;
        put(&w, MAGIC, 8);
        put_u32(&w, STORE_RECORDS_VERSION);
        put_u32(&w, (uint32_t) recs->n);
        put_u64(&w, recs->generation);
        put_u64(&w, recs->next_key);
        put_u32(&w, 0); /* payload length and checksum, filled below */
        put_u32(&w, 0);
        for (size_t i = 0; i < recs->n; i++)
                put_record(&w, &recs->records[i]);
        if (!w.error && w.len - STORE_RECORDS_HEADER_SIZE > UINT32_MAX)
                w.error = -E2BIG;
        if (w.error) {
                free(w.buf);
                return w.error;
        }
        payload = (uint32_t) (w.len - STORE_RECORDS_HEADER_SIZE);
        sum = store_records_checksum((unsigned char *) w.buf + STORE_RECORDS_HEADER_SIZE, payload);
        memcpy(w.buf + 32, &payload, 4);
        memcpy(w.buf + 36, &sum, 4);
        *ret = w.buf;
        *ret_len = w.len;
        return 0;
}

struct reader {
        const unsigned char *p;
        size_t left;
        int error;
};

static void get(struct reader *rd, void *out, size_t n)
{
        if (rd->error || n > rd->left) {
                rd->error = -EBADMSG;
                memset(out, 0, n);
                return;
        }
        memcpy(out, rd->p, n);
        rd->p += n;
        rd->left -= n;
}

static uint32_t get_u32(struct reader *rd)
{
        uint32_t v;

        get(rd, &v, sizeof(v));
        return v;
}

static uint64_t get_u64(struct reader *rd)
{
        uint64_t v;

        get(rd, &v, sizeof(v));
        return v;
}

/* A string without NUL bytes, or NULL for none (|required|: an error). */
static char *get_str(struct reader *rd, bool required)
{
        uint32_t n = get_u32(rd);
        char *s;

        if (rd->error)
                return NULL;
        if (n == NO_STRING) {
                if (required)
                        rd->error = -EBADMSG;
                return NULL;
        }
        if (n > STORE_RECORDS_MAX_STRING || n > rd->left || memchr(rd->p, '\0', n) || (required && n == 0)) {
                rd->error = -EBADMSG;
                return NULL;
        }
        s = strndup((const char *) rd->p, n);
        if (!s) {
                rd->error = -ENOMEM;
                return NULL;
        }
        rd->p += n;
        rd->left -= n;
        return s;
}

static void record_clear(struct store_record *r)
{
        free(r->id);
        free(r->bundle);
        free(r->policy_name);
        free(r->cgroup2);
        free(r->oci_state);
        free(r->listeners);
}

static int get_record(struct reader *rd, struct store_record *r)
{
        uint32_t flags;

        r->key = get_u64(rd);
        r->init_pid = (pid_t) get_u32(rd);
        flags = get_u32(rd);
        r->n_listeners = get_u32(rd);
        if (rd->error || r->init_pid <= 0 || (flags & ~FLAG_HOOKED) || r->n_listeners > STORE_RECORDS_MAX_LISTENERS ||
            r->n_listeners * sizeof(uint64_t) > rd->left)
                return rd->error ? rd->error : -EBADMSG;
        r->hooked = flags & FLAG_HOOKED;
        if (r->n_listeners > 0) {
                r->listeners = calloc(r->n_listeners, sizeof(uint64_t));
                if (!r->listeners)
                        return -ENOMEM;
                get(rd, r->listeners, r->n_listeners * sizeof(uint64_t));
        }
        r->id = get_str(rd, true);
        r->bundle = get_str(rd, false);
        r->policy_name = get_str(rd, false);
        r->cgroup2 = get_str(rd, false);
        r->oci_state = get_str(rd, false);
        return rd->error;
}

static int decode_header(const unsigned char *buf, size_t len, uint32_t *ret_count, struct store_records *ret)
{
        uint32_t version, payload, sum;

        if (len == 0 || (len >= 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0))
                return -ENODATA;
        if (len < STORE_RECORDS_HEADER_SIZE || memcmp(buf, MAGIC, 8) != 0)
                return -EBADMSG;
        memcpy(&version, buf + 8, 4);
        if (version != STORE_RECORDS_VERSION)
                return -EPROTO;
        memcpy(ret_count, buf + 12, 4);
        memcpy(&ret->generation, buf + 16, 8);
        memcpy(&ret->next_key, buf + 24, 8);
        memcpy(&payload, buf + 32, 4);
        memcpy(&sum, buf + 36, 4);
        if (*ret_count > STORE_RECORDS_MAX_CONTAINERS || payload > len - STORE_RECORDS_HEADER_SIZE ||
            store_records_checksum(buf + STORE_RECORDS_HEADER_SIZE, payload) != sum)
                return -EBADMSG;
        return (int) payload;
}

int store_records_decode(const void *buf, size_t len, struct store_records *ret)
{
        struct store_records recs = { 0 };
        struct reader rd;
        uint32_t count;
        int r = decode_header(buf, len, &count, &recs);

        if (r < 0)
                return r;
        rd = (struct reader) { .p = (const unsigned char *) buf + STORE_RECORDS_HEADER_SIZE, .left = (size_t) r };
        /* Each record takes at least 40 bytes: a count the payload cannot hold is a lie. */
        if ((size_t) count * 40 > rd.left)
                return -EBADMSG;
        recs.records = calloc(count ? count : 1, sizeof(*recs.records));
        if (!recs.records)
                return -ENOMEM;
        for (recs.n = 0; recs.n < count && r >= 0; recs.n++)
                r = get_record(&rd, &recs.records[recs.n]);
        if (r >= 0 && rd.left != 0)
                r = -EBADMSG;
        if (r < 0) {
                store_records_clear(&recs);
                return r;
        }
        *ret = recs;
        return 0;
}

void store_records_clear(struct store_records *recs)
{
        for (size_t i = 0; i < recs->n; i++)
                record_clear(&recs->records[i]);
        free(recs->records);
        *recs = (struct store_records) { 0 };
}
