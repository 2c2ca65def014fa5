/* Syscalls seccompd understands, by arch-independent id, resolved per arch with
 * libseccomp once at start so the hot path is a table lookup. Pure, no logging. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum sysid {
        SYSID_UNKNOWN,
        SYSID_MKNOD,
        SYSID_MKNODAT,
        _SYSID_MAX,
};

struct syscall_table;

/* Builds the table for the native arch and its compat arches. -ENOMEM. */
int syscall_table_new(struct syscall_table **ret);
struct syscall_table *syscall_table_free(struct syscall_table *t);

/* SYSID_UNKNOWN for a syscall or arch the table does not know. */
enum sysid syscall_table_lookup(const struct syscall_table *t, uint32_t arch, int nr);

/* The libseccomp name of (arch, nr), cached at start; NULL when unknown. */
const char *syscall_table_name(const struct syscall_table *t, uint32_t arch, int nr);

/* The policy schema of (arch, nr) (policy/schema.h), cached; NULL when none. */
const struct syscall_schema *syscall_table_schema(const struct syscall_table *t, uint32_t arch, int nr);

/* "mknod", ...; NULL for SYSID_UNKNOWN or out of range. */
const char *sysid_to_string(enum sysid id);
/* The id for a name, or -EINVAL. */
int sysid_from_string(const char *name);

/* Writes the libseccomp name of (arch, nr), or "syscall#NR" when unknown, into buf. */
const char *syscall_name(uint32_t arch, int nr, char *buf, size_t size);
