/* Arch-independent syscall ids: resolved once per arch through libseccomp. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "emulators/syscalls.h"
#include "policy/schema.h"

#define MAX_ARCHES 4
/* Numbers cached per arch, from the arch's base (x32 sets bit 30). */
#define MAX_NR 1024

static const char *const sysid_names[_SYSID_MAX] = {
        [SYSID_MKNOD] = "mknod",
        [SYSID_MKNODAT] = "mknodat",
};

struct arch_numbers {
        uint32_t arch;
        int nr[_SYSID_MAX];
        int base;
        char *names[MAX_NR];
        const struct syscall_schema *schemas[MAX_NR];
};

struct syscall_table {
        size_t n_arches;
        struct arch_numbers arches[MAX_ARCHES];
};

const char *sysid_to_string(enum sysid id)
{
        if (id <= SYSID_UNKNOWN || id >= _SYSID_MAX)
                return NULL;
        return sysid_names[id];
}

int sysid_from_string(const char *name)
{
        for (int i = SYSID_UNKNOWN + 1; i < _SYSID_MAX; i++)
                if (strcmp(sysid_names[i], name) == 0)
                        return i;
        return -EINVAL;
}

static int arch_base(uint32_t arch)
{
        return arch == SCMP_ARCH_X32 ? 0x40000000 : 0;
}

static void cache_names(struct arch_numbers *a)
{
        for (int i = 0; i < MAX_NR; i++) {
                a->names[i] = seccomp_syscall_resolve_num_arch(a->arch, a->base + i);
                a->schemas[i] = a->names[i] ? schema_lookup(a->names[i]) : NULL;
        }
}

static void add_arch(struct syscall_table *t, uint32_t arch)
{
        struct arch_numbers *a;

        if (arch == 0 || t->n_arches >= MAX_ARCHES)
                return;
        for (size_t i = 0; i < t->n_arches; i++)
                if (t->arches[i].arch == arch)
                        return;
        a = &t->arches[t->n_arches++];
        a->arch = arch;
        a->base = arch_base(arch);
        cache_names(a);
        for (int i = 0; i < _SYSID_MAX; i++)
                a->nr[i] = i == SYSID_UNKNOWN ? __NR_SCMP_ERROR
                                              : seccomp_syscall_resolve_name_arch(arch, sysid_names[i]);
}

int syscall_table_new(struct syscall_table **ret)
{
        struct syscall_table *t = calloc(1, sizeof(*t));
        uint32_t native = seccomp_arch_native();

        if (!t)
                return -ENOMEM;
        add_arch(t, native);
        if (native == SCMP_ARCH_X86_64) {
                add_arch(t, SCMP_ARCH_X86);
                add_arch(t, SCMP_ARCH_X32);
        } else if (native == SCMP_ARCH_AARCH64) {
                add_arch(t, SCMP_ARCH_ARM);
        }
        *ret = t;
        return 0;
}

struct syscall_table *syscall_table_free(struct syscall_table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_arches; i++)
                for (int k = 0; k < MAX_NR; k++)
                        free(t->arches[i].names[k]);
        free(t);
        return NULL;
}

static const struct arch_numbers *find_arch(const struct syscall_table *t, uint32_t arch, int nr, int *ret_index)
{
        for (size_t i = 0; i < t->n_arches; i++) {
                const struct arch_numbers *a = &t->arches[i];

                if (a->arch != arch)
                        continue;
                if (nr < a->base || nr - a->base >= MAX_NR)
                        return NULL;
                *ret_index = nr - a->base;
                return a;
        }
        return NULL;
}

const char *syscall_table_name(const struct syscall_table *t, uint32_t arch, int nr)
{
        int i;
        const struct arch_numbers *a = find_arch(t, arch, nr, &i);

        return a ? a->names[i] : NULL;
}

const struct syscall_schema *syscall_table_schema(const struct syscall_table *t, uint32_t arch, int nr)
{
        int i;
        const struct arch_numbers *a = find_arch(t, arch, nr, &i);

        return a ? a->schemas[i] : NULL;
}

enum sysid syscall_table_lookup(const struct syscall_table *t, uint32_t arch, int nr)
{
        if (nr < 0)
                return SYSID_UNKNOWN;
        for (size_t i = 0; i < t->n_arches; i++) {
                const struct arch_numbers *a = &t->arches[i];

                if (a->arch != arch)
                        continue;
                for (int id = SYSID_UNKNOWN + 1; id < _SYSID_MAX; id++)
                        if (a->nr[id] == nr)
                                return (enum sysid) id;
                return SYSID_UNKNOWN;
        }
        return SYSID_UNKNOWN;
}

const char *syscall_name(uint32_t arch, int nr, char *buf, size_t size)
{
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, nr);

        if (name)
                snprintf(buf, size, "%s", name);
        else
                snprintf(buf, size, "syscall#%d", nr);
        return buf;
}
