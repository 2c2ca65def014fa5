/* What the policy language knows about syscalls: each known syscall's args by
 * name, index and kind, and the symbolic names their values may use (S_IFCHR,
 * MS_BIND, BPF_PROG_LOAD, EPERM, CAP_SYS_ADMIN). Any other syscall libseccomp
 * knows can be named too; its args are arg0..arg5, plain integers. Pure tables. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum arg_kind {
        ARG_INT,    /* plain integer: equals, set, range, mask */
        ARG_FD,     /* a file descriptor number (AT_FDCWD allowed by name) */
        ARG_MODE,   /* mode_t: `type:` (S_IF*) and `perm:` matches, symbols S_IF* */
        ARG_DEV,    /* mknod dev: "MAJOR:MINOR" with * wildcards */
        ARG_FLAGS,  /* bit flags: all/none/any with symbols */
        ARG_ENUM,   /* one of the symbols (bpf cmd) */
        ARG_PATH,   /* NUL-terminated path read from the caller: globs */
        ARG_STRING, /* NUL-terminated string read from the caller: set, prefix */
        ARG_PTR,    /* a pointer seccompd does not read: integer matches only */
};

struct symbol {
        const char *name;
        uint64_t value;
};

struct symbol_table {
        size_t n;
        const struct symbol *v;
};

struct arg_schema {
        const char *name;
        unsigned index;            /* 0..5 */
        enum arg_kind kind;
        uint64_t width_mask;       /* the bits the kernel looks at: 0xffffffff for int/mode_t */
        const struct symbol_table *symbols; /* may be NULL */
        /* ARG_PATH, ARG_STRING: the kernel copies at most str_max bytes with the
         * NUL (0: PATH_MAX, as getname() does), and fails with str_too_long when
         * none of them is a NUL (0: ENAMETOOLONG). Its other copies are stricter:
         * strndup_user() EINVAL, setxattr's name ERANGE. */
        uint32_t str_max;
        int str_too_long;
};

struct syscall_schema {
        const char *name;
        size_t n_args;
        const struct arg_schema *args;
};

/* NULL when the syscall has no schema (args are then arg0..arg5, ARG_INT, 64-bit). */
const struct syscall_schema *schema_lookup(const char *syscall);

/* The named arg of |s|, or for "arg0".."arg5" a generic ARG_INT schema (also
 * for syscalls without a schema; |s| may be NULL). NULL when unknown. */
const struct arg_schema *schema_arg(const struct syscall_schema *s, const char *name);

/* Symbol value by name in |t|; -ENOENT when absent. */
int symbol_lookup(const struct symbol_table *t, const char *name, uint64_t *ret);

/* Tables shared by several args. */
const struct symbol_table *symbols_file_types(void);   /* S_IFREG, S_IFCHR, ... */
const struct symbol_table *symbols_open_flags(void);   /* O_RDONLY, O_RDWR, O_CLOEXEC, ... */

/* Errno by name ("EPERM" -> 1) or -EINVAL; name by errno or NULL. */
int errno_from_name(const char *name);
const char *errno_to_name(int error);

/* Capability number by name ("CAP_SYS_ADMIN" or "sys_admin") or -EINVAL. */
int capability_from_name(const char *name);

/* Syscalls a runtime makes between loading the filter and exec (runc, crun, LXC):
 * trapping them can deadlock the runtime against its own supervisor. */
bool schema_runtime_syscall(const char *syscall);
