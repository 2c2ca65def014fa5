/* Fuzzes the records a restarted daemon reads back from the fd keeper's memfd
 * (supervisor/store_records.c): the bytes as they are, and with the header's
 * payload length and checksum made to fit (else almost no input would reach
 * the records). Whatever decodes must encode and decode again to the same
 * records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/store_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same(const struct store_records *a, const struct store_records *b)
{
        if (a->n != b->n || a->generation != b->generation || a->next_key != b->next_key)
                abort();
        for (size_t i = 0; i < a->n; i++) {
                const struct store_record *x = &a->records[i], *y = &b->records[i];

                if (x->key != y->key || x->init_pid != y->init_pid || x->hooked != y->hooked ||
                    x->n_listeners != y->n_listeners || !same_str(x->id, y->id) || !same_str(x->bundle, y->bundle) ||
                    !same_str(x->policy_name, y->policy_name) || !same_str(x->cgroup2, y->cgroup2) ||
                    !same_str(x->oci_state, y->oci_state))
                        abort();
                if (x->n_listeners && memcmp(x->listeners, y->listeners, x->n_listeners * sizeof(uint64_t)))
                        abort();
        }
}

static void round_trip(const uint8_t *data, size_t size)
{
        struct store_records recs, again;
        void *buf;
        size_t len;

        if (store_records_decode(data, size, &recs) < 0)
                return;
        if (store_records_encode(&recs, &buf, &len) < 0)
                abort();
        if (store_records_decode(buf, len, &again) < 0)
                abort();
        check_same(&recs, &again);
        store_records_clear(&again);
        store_records_clear(&recs);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *fixed;
        uint32_t payload, sum;

        round_trip(data, size);
        if (size < STORE_RECORDS_HEADER_SIZE || size - STORE_RECORDS_HEADER_SIZE > UINT32_MAX)
                return 0;
        fixed = malloc(size);
        if (!fixed)
                return 0;
        memcpy(fixed, data, size);
        payload = (uint32_t) (size - STORE_RECORDS_HEADER_SIZE);
        sum = store_records_checksum(fixed + STORE_RECORDS_HEADER_SIZE, payload);
        memcpy(fixed + 32, &payload, 4);
        memcpy(fixed + 36, &sum, 4);
        round_trip(fixed, size);
        free(fixed);
        return 0;
}
