/* Policies: a name, a default, and ordered rules; first match wins. The model
 * that policy/parse.c builds from YAML, policy/eval.c evaluates, policy/filter.c
 * compiles to a seccomp filter and policy/testsuite.c tests. Pure code: no
 * syscalls, no globals. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy_limits.h"
#include "policy/verdict.h"

struct passthrough;

/* Where something was written, for diagnostics: 1-based; 0 when built in code. */
struct policy_pos {
        unsigned line, col;
};

enum match_kind {
        MATCH_INT_IN,      /* (arg & mask) is one of values[] */
        MATCH_INT_RANGE,   /* lo <= (arg & mask) <= hi */
        MATCH_FLAGS,       /* all of `all` set, none of `none` set, one of `any` set (when any != 0) */
        MATCH_DEV,         /* the kernel-decoded device number is one of devs[] */
        MATCH_STR_GLOB,    /* the string arg matches one of strs[] (fnmatch, FNM_PATHNAME) */
        MATCH_STR_IN,      /* the string arg is one of strs[] */
        MATCH_STR_PREFIX,  /* the string arg starts with one of strs[] */
        MATCH_CALLER_UID,  /* the caller's uid in its own user namespace is one of values[] */
        MATCH_CALLER_CAPS, /* the caller has every capability bit in `all` (effective set) */
        MATCH_CALLER_USERNS, /* values[0]: 1 = caller is in a user namespace other than the host's */
        _MATCH_KIND_MAX,
};

struct policy_match {
        enum match_kind kind;
        char *arg_name;         /* "mode", "dev", "path", "arg2", "caller.uid", ... */
        uint8_t *args;          /* arg index 0..5 for each of the rule's syscalls, in
                                 * rule order (mode is arg 1 of mknod, 2 of mknodat);
                                 * NULL for caller matches */
        uint64_t mask;          /* INT_IN, INT_RANGE: applied before comparing (covers the arg's width) */
        size_t n_values;
        uint64_t *values;       /* INT_IN, CALLER_UID, CALLER_USERNS */
        uint64_t lo, hi;        /* INT_RANGE, inclusive */
        uint64_t all, none, any; /* FLAGS; CALLER_CAPS uses all (bit = 1 << CAP_*) */
        size_t n_devs;
        struct policy_dev *devs; /* DEV */
        size_t n_strs;
        char **strs;            /* STR_* */
        struct policy_pos pos;
};

struct policy_action {
        enum verdict_kind kind;
        int error;               /* ERRNO: positive errno */
        enum emulator_id emulator; /* EMULATE */
        union handler_params params;
        struct policy_pos pos;
};

struct policy_rule {
        char *name;              /* optional; "rule N" in messages when NULL */
        size_t n_syscalls;
        char **syscalls;         /* libseccomp names */
        size_t n_matches;
        struct policy_match *matches; /* all must hold (AND) */
        struct policy_action action;
        struct policy_pos pos;
};

/* Per syscall named by any rule: the rules naming it, in policy order. */
struct policy_syscall {
        char *name;
        size_t n_rules;
        uint32_t *rules;         /* indexes into policy.rules */
        uint8_t *slots;          /* for each: this syscall's position in that rule's syscalls */
        unsigned needs;          /* POLICY_NEEDS_* of those rules */
};

/* What evaluation needs beyond the syscall args; see policy_needs_*(). */
enum {
        POLICY_NEEDS_STRINGS = 1 << 0, /* some match, or an inject requested, reads a decoded string arg */
        POLICY_NEEDS_CALLER = 1 << 1,  /* some match reads the caller's uid, caps or userns */
};

struct policy {
        char *name;
        char *description;
        char *file;              /* where it was read from; "<builtin>" for the fallback */
        struct policy_action dflt; /* for trapped calls no rule matches */
        size_t n_rules;
        struct policy_rule *rules;
        size_t n_syscalls;
        struct policy_syscall *syscalls; /* sorted by name (strcmp) */
        unsigned needs;          /* POLICY_NEEDS_* */
        struct passthrough *passthrough; /* what a container gets passed in at its start (passthrough.h); NULL: nothing */
        struct policy_limits limits; /* its `limits:` section; unset fields 0 */
        /* on_restart: a call whose emulation a dying seccompd had begun (it may
         * have half-happened) is run again by the next daemon (restart_rerun),
         * or failed with restart_errno (default EINTR), as is one received but
         * never recorded (supervisor/restore.c). */
        bool restart_rerun;
        int restart_errno;
};

/* The caller as policy sees it. */
struct policy_caller {
        uint32_t uid, gid;       /* in the caller's own user namespace */
        bool userns;             /* in a user namespace other than the host's */
        uint64_t cap_effective;  /* bit (1 << CAP_*) */
};

/* One trapped call as policy sees it. */
struct policy_call {
        const char *syscall;     /* libseccomp name for the caller's arch */
        uint64_t args[6];
        const char *strs[6];     /* decoded string args by index; NULL when not read */
        const char *cwd;         /* absolute base of relative path args (the caller's cwd
                                  * or dirfd, inside its root); NULL: unknown */
        const struct policy_caller *caller; /* NULL when not read: caller matches fail */
};

/* Frees everything a parsed policy owns; NULL-safe. Returns NULL. */
struct policy *policy_free(struct policy *p);

/* Builds p->syscalls and p->needs from p->rules. 0 or -ENOMEM. Called by the
 * parser; also by code that builds a policy by hand (tests). */
int policy_index(struct policy *p);

/* POLICY_NEEDS_* for evaluating |syscall| (0 for one no rule names: the
 * default needs nothing). */
unsigned policy_syscall_needs(const struct policy *p, const char *syscall);

/* The rules naming |syscall| (NULL when none does). */
const struct policy_syscall *policy_find_syscall(const struct policy *p, const char *syscall);

/* Path globs see relative paths joined to call->cwd (when known) and every path
 * lexically normalised ("//", ".", ".." collapsed; ".." never above "/"), so
 * "/dev/../etc/x" is not matched by a glob on "/dev/". Writes into buf (2 * PATH_MAX). */
const char *policy_normalize_path(const char *cwd, const char *path, char *buf, size_t size);

/* Does |m| hold for |call|, the syscall at |slot| of m's rule? A string match on
 * an arg that was not read, or a caller match without a caller, does not hold. */
bool policy_match_holds(const struct policy_match *m, unsigned slot, const struct policy_call *call);

/* First-match evaluation; never fails. A syscall no rule names gets the default. */
void policy_evaluate(const struct policy *p, const struct policy_call *call, struct verdict *ret);

/* The kernel's decoding of mknod's 32-bit dev argument (new_decode_dev). */
static inline struct policy_dev policy_decode_dev(uint64_t arg)
{
        uint32_t dev = (uint32_t) arg;

        return (struct policy_dev) {
                .major = (dev & 0xfff00) >> 8,
                .minor = (dev & 0xff) | ((dev >> 12) & 0xfff00),
        };
}
