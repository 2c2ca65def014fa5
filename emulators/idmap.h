/* User namespace id maps (uid_map / gid_map text) and translation through them.
 * Pure: no syscalls, no logging. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define IDMAP_MAX_RANGES 340 /* the kernel's limit since 4.15 */

struct idmap_range {
        uint32_t inner;  /* first id inside the namespace */
        uint32_t outer;  /* first id in the parent (host) */
        uint32_t count;
};

struct idmap {
        size_t n;
        struct idmap_range ranges[IDMAP_MAX_RANGES];
};

/* Parses "inner outer count" lines. -EINVAL on malformed text, zero counts, or
 * ranges that overflow; -E2BIG past IDMAP_MAX_RANGES. Empty text = empty map. */
int idmap_parse(const char *text, size_t len, struct idmap *ret);

/* The identity map of the initial user namespace. */
void idmap_identity(struct idmap *ret);

/* Translate an id; -ERANGE when it is not mapped. */
int idmap_to_outer(const struct idmap *m, uint32_t inner, uint32_t *ret);
int idmap_to_inner(const struct idmap *m, uint32_t outer, uint32_t *ret);
