/* Compiling a policy to a seccomp filter: which calls of which syscalls must be
 * trapped (SCMP_ACT_NOTIFY) so that every call the kernel runs untrapped is one
 * the policy would `continue` anyway. Pure: libseccomp structures, no syscalls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seccomp.h>

#include "common/macro.h"
#include "policy/policy.h"

#define FILTER_ARGS 6
#define FILTER_LISTENER_DEFAULT "/run/seccompd/seccompd.sock"
/* LXC's proxy is a SOCK_SEQPACKET socket of its own (seccompd --lxc-socket). */
#define FILTER_LXC_PROXY_DEFAULT "/run/seccompd/lxc.sock"

/* A conjunction of comparisons, at most one per arg index: the shape libseccomp,
 * runc/crun (OCI `args`, same-index args would be OR-ed) and LXC accept. For
 * SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value. */
struct filter_rule {
        unsigned n_cmps;
        struct scmp_arg_cmp cmps[FILTER_ARGS];
};

enum filter_trap {
        FILTER_TRAP_NEVER,  /* the policy continues every call: left out of the filter */
        FILTER_TRAP_ABSENT, /* the arch has no such syscall: nothing to trap */
        FILTER_TRAP_WHEN,   /* trapped when any of rules[] holds */
        FILTER_TRAP_ALWAYS, /* trapped unconditionally */
};

/* Why a syscall is trapped more than the policy strictly needs. */
enum filter_why {
        FILTER_WHY_EXACT,       /* trapped are exactly the calls the policy does not continue */
        FILTER_WHY_NO_CONTINUE, /* the policy continues no call of it */
        FILTER_WHY_UNCHECKABLE, /* a continue rule reads what a filter cannot (strings, the caller) */
        FILTER_WHY_TOO_COMPLEX, /* the exact set takes too many rules: a simpler superset is trapped */
        FILTER_WHY_WIDE_ARG,    /* masked arg compared whole: calls with stray high bits are trapped too */
        FILTER_WHY_MULTIPLEXED, /* the arch passes its args via socketcall/ipc: no arg can be tested */
};

struct filter_syscall {
        char *name;
        int nr;                        /* for plan->arch; negative: libseccomp's pseudo number */
        enum filter_trap trap;
        enum filter_why why;
        size_t n_rules;
        struct filter_rule *rules;     /* WHEN: trapped when any holds */
        /* WHEN, when known: the calls not trapped, exactly, as rules (disjoint
         * from rules[]): what oci-patch gives the action a profile had for them. */
        bool untrapped_known;
        size_t n_untrapped;
        struct filter_rule *untrapped;
};

struct filter_plan {
        char *policy;                  /* the policy's name */
        uint32_t arch;                 /* SCMP_ARCH_* (never SCMP_ARCH_NATIVE) */
        size_t n_syscalls;
        struct filter_syscall *syscalls; /* every syscall a rule names, sorted by name */
};

/* Compiles |p| for |arch| (SCMP_ARCH_NATIVE: this machine's). A syscall name
 * libseccomp does not know is an error (-ENOENT); one it knows that |arch| lacks
 * (mknod on aarch64) is FILTER_TRAP_ABSENT. The plan owns copies of everything
 * it needs. 0, -ENOENT, -EINVAL (bad arch), -ENOMEM. Does not log. */
int filter_plan_build(const struct policy *p, uint32_t arch, struct filter_plan **ret);
/* Frees the plan and everything in it; NULL-safe; returns NULL. */
struct filter_plan *filter_plan_free(struct filter_plan *plan);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct filter_plan *, filter_plan_free)

/* The syscall's entry in |plan| (owned by the plan), or NULL when no rule names it. */
const struct filter_syscall *filter_plan_find(const struct filter_plan *plan, const char *name);

/* Adds the plan's SCMP_ACT_NOTIFY rules to |ctx|, which should hold the plan's
 * arch (libseccomp maps syscalls to each arch of |ctx| by name). 0 or
 * libseccomp's -errno. */
int filter_plan_add_rules(const struct filter_plan *plan, scmp_filter_ctx ctx);

/* A new context: default SCMP_ACT_ALLOW, the plan's arch only, its rules. The
 * caller owns it (seccomp_release). 0, -ENOMEM or libseccomp's -errno. */
int filter_plan_new_ctx(const struct filter_plan *plan, scmp_filter_ctx *ret);

/* The OCI `linux.seccomp` object (JSON, pretty): defaultAction SCMP_ACT_ALLOW,
 * |listener_path|, listenerMetadata "policy=NAME", one SCMP_ACT_NOTIFY entry per
 * distinct argument list. 0 or -EIO (write error on |f|). */
int filter_print_oci(const struct filter_plan *plan, const char *listener_path, FILE *f);

/* A rule's comparisons as an OCI `args` array, on one line:
 * [{"index": 1, "value": MASK, "valueTwo": VALUE, "op": "SCMP_CMP_MASKED_EQ"}]. */
int filter_print_oci_args(const struct filter_rule *r, FILE *f);

/* An LXC seccomp v2 profile ("2", "denylist", an arch section, one `notify` line
 * per rule), then as comments the lxc.seccomp.* lines that enable it with
 * |proxy_path| (seccompd --lxc-socket; NULL: FILTER_LXC_PROXY_DEFAULT). 0 or -EIO. */
int filter_print_lxc(const struct filter_plan *plan, const char *proxy_path, FILE *f);

/* What is trapped, per syscall, for people: "mknod: trapped when mode & S_IFMT in
 * {S_IFCHR, ...}". 0 or -EIO. */
int filter_print_summary(const struct filter_plan *plan, FILE *f);

/* "SCMP_CMP_MASKED_EQ", ... ; NULL for an unknown op. */
const char *filter_op_to_string(enum scmp_compare op);
