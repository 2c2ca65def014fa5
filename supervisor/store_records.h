/* The registry as the next daemon needs it, in a small versioned binary format
 * kept in a memfd the fd keeper holds (docs/survival.md). Pure code: encode
 * and decode, no I/O. The decoder treats its input as hostile (a torn write,
 * another version, a corrupted memfd): it checks the magic, version, lengths
 * and checksum, and every bound; it is fuzzed (tests/fuzz/fuzz_store_records.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STORE_RECORDS_VERSION 1
#define STORE_RECORDS_MAX_CONTAINERS 65536
#define STORE_RECORDS_MAX_LISTENERS 1024   /* per container */
#define STORE_RECORDS_MAX_STRING (1024 * 1024)
#define STORE_RECORDS_HEADER_SIZE 40

struct store_record {
        uint64_t key;            /* the pidfd is stored as "p/<key>" */
        pid_t init_pid;
        bool hooked;             /* registered by an OCI hook */
        char *id;                /* never NULL */
        char *bundle;            /* each of these may be NULL */
        char *policy_name;
        char *cgroup2;
        char *oci_state;         /* the hook's OCI state JSON (oci_state_write_state()) */
        size_t n_listeners;
        uint64_t *listeners;     /* each stored as "l/<key>" */
};

struct store_records {
        uint64_t generation;     /* higher is newer: two memfds are written in turn */
        uint64_t next_key;       /* keys below this are taken */
        size_t n;
        struct store_record *records;
};

/* Encodes |recs| into a malloc'd buffer. 0 or -ENOMEM, -E2BIG past a bound. */
int store_records_encode(const struct store_records *recs, void **ret, size_t *ret_len);

/* Decodes |len| bytes. 0, -ENODATA for an empty (never written) buffer,
 * -EPROTO for another format version, -EBADMSG for anything malformed or
 * past a bound, -ENOMEM. *ret is filled only on success; clear it with
 * store_records_clear(). */
int store_records_decode(const void *buf, size_t len, struct store_records *ret);

void store_records_clear(struct store_records *recs);

/* The header's checksum of |n| payload bytes (FNV-1a). The fuzzer uses it to
 * get past the header to the records. */
uint32_t store_records_checksum(const void *buf, size_t n);
