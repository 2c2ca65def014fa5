/* A filter plan as text: the OCI `linux.seccomp` object, an LXC seccomp v2
 * profile, and a summary for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json_write.h"
#include "common/macro.h"
#include "policy/filter.h"
#include "policy/schema.h"

const char *filter_op_to_string(enum scmp_compare op)
{
        static const char *const names[] = {
                [SCMP_CMP_NE] = "SCMP_CMP_NE", [SCMP_CMP_LT] = "SCMP_CMP_LT", [SCMP_CMP_LE] = "SCMP_CMP_LE",
                [SCMP_CMP_EQ] = "SCMP_CMP_EQ", [SCMP_CMP_GE] = "SCMP_CMP_GE", [SCMP_CMP_GT] = "SCMP_CMP_GT",
                [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
        };

        return (unsigned) op < ARRAY_SIZE(names) ? names[op] : NULL;
}

static int done(FILE *f)
{
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

static bool same_rule(const struct filter_rule *a, const struct filter_rule *b)
{
        if (a->n_cmps != b->n_cmps)
                return false;
        for (unsigned i = 0; i < a->n_cmps; i++)
                if (a->cmps[i].arg != b->cmps[i].arg || a->cmps[i].op != b->cmps[i].op ||
                    a->cmps[i].datum_a != b->cmps[i].datum_a || a->cmps[i].datum_b != b->cmps[i].datum_b)
                        return false;
        return true;
}

/* ---- OCI ---- */

int filter_print_oci_args(const struct filter_rule *r, FILE *f)
{
        fputc('[', f);
        for (unsigned i = 0; i < r->n_cmps; i++)
                fprintf(f, "%s{\"index\": %u, \"value\": %" PRIu64 ", \"valueTwo\": %" PRIu64 ", \"op\": \"%s\"}",
                        i ? ", " : "", r->cmps[i].arg, r->cmps[i].datum_a, r->cmps[i].datum_b,
                        filter_op_to_string(r->cmps[i].op));
        fputc(']', f);
        return ferror(f) ? -EIO : 0;
}

/* Does syscall |i| have rule |r| (NULL: is it trapped always)? */
static bool has_rule(const struct filter_syscall *fs, const struct filter_rule *r)
{
        if (!r)
                return fs->trap == FILTER_TRAP_ALWAYS;
        for (size_t k = 0; fs->trap == FILTER_TRAP_WHEN && k < fs->n_rules; k++)
                if (same_rule(&fs->rules[k], r))
                        return true;
        return false;
}

/* One entry: every syscall from |first| on that has |r| (NULL: no args). */
static void oci_entry(const struct filter_plan *plan, size_t first, const struct filter_rule *r, bool *comma, FILE *f)
{
        bool any = false;

        fprintf(f, "%s\n    {\n      \"names\": [", *comma ? "," : "");
        for (size_t j = first; j < plan->n_syscalls; j++)
                if (has_rule(&plan->syscalls[j], r)) {
                        fprintf(f, "%s", any ? ", " : "");
                        json_write_string(f, plan->syscalls[j].name);
                        any = true;
                }
        fprintf(f, "],\n      \"action\": \"SCMP_ACT_NOTIFY\"");
        if (r) {
                fprintf(f, ",\n      \"args\": ");
                filter_print_oci_args(r, f);
        }
        fprintf(f, "\n    }");
        *comma = true;
}

/* Was rule k of syscall i already printed, with an earlier syscall? */
static bool printed_before(const struct filter_plan *plan, size_t i, const struct filter_rule *r)
{
        for (size_t j = 0; j < i; j++)
                if (has_rule(&plan->syscalls[j], r))
                        return true;
        return false;
}

int filter_print_oci(const struct filter_plan *plan, const char *listener_path, FILE *f)
{
        bool comma = false, always = false;
        char metadata[256];

        snprintf(metadata, sizeof(metadata), "policy=%s", plan->policy);
        fprintf(f, "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"listenerPath\": ");
        json_write_string(f, listener_path ? listener_path : FILTER_LISTENER_DEFAULT);
        fprintf(f, ",\n  \"listenerMetadata\": ");
        json_write_string(f, metadata);
        fprintf(f, ",\n  \"syscalls\": [");
        for (size_t i = 0; i < plan->n_syscalls; i++)
                always |= plan->syscalls[i].trap == FILTER_TRAP_ALWAYS;
        if (always)
                oci_entry(plan, 0, NULL, &comma, f);
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                const struct filter_syscall *fs = &plan->syscalls[i];

                for (size_t k = 0; fs->trap == FILTER_TRAP_WHEN && k < fs->n_rules; k++)
                        if (!printed_before(plan, i, &fs->rules[k]))
                                oci_entry(plan, i, &fs->rules[k], &comma, f);
        }
        fprintf(f, "%s]\n}\n", comma ? "\n  " : "");
        return done(f);
}

/* ---- LXC ---- */

/* libseccomp's name of an arch, and the section LXC's parse_config_v2() knows it by. */
static const struct arch_names {
        uint32_t arch;
        const char *name, *lxc;
} arch_table[] = {
        { SCMP_ARCH_X86_64, "x86_64", "x86_64" }, { SCMP_ARCH_X86, "x86", "x86" },
        { SCMP_ARCH_X32, "x32", "x32" },          { SCMP_ARCH_AARCH64, "aarch64", "arm64" },
        { SCMP_ARCH_ARM, "arm", "arm" },          { SCMP_ARCH_PPC64LE, "ppc64le", "ppc64le" },
        { SCMP_ARCH_PPC64, "ppc64", "ppc64" },    { SCMP_ARCH_PPC, "ppc", "ppc" },
        { SCMP_ARCH_S390X, "s390x", "s390x" },    { SCMP_ARCH_S390, "s390", "s390" },
        { SCMP_ARCH_MIPS64, "mips64", "mips64" }, { SCMP_ARCH_MIPS, "mips", "mips" },
        { SCMP_ARCH_MIPSEL64, "mipsel64", "mipsel64" }, { SCMP_ARCH_MIPSEL, "mipsel", "mipsel" },
};

static const struct arch_names *arch_names(uint32_t arch)
{
        for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
                if (arch_table[i].arch == arch)
                        return &arch_table[i];
        return NULL;
}

/* "[index,value,op]", or "[index,value,SCMP_CMP_MASKED_EQ,mask]": LXC puts the
 * mask last, the other way round from libseccomp and OCI. */
static void lxc_rule(const char *name, const struct filter_rule *r, FILE *f)
{
        fprintf(f, "%s notify", name);
        for (unsigned i = 0; r && i < r->n_cmps; i++) {
                const struct scmp_arg_cmp *c = &r->cmps[i];

                if (c->op == SCMP_CMP_MASKED_EQ)
                        fprintf(f, " [%u,%" PRIu64 ",%s,%" PRIu64 "]", c->arg, c->datum_b, filter_op_to_string(c->op),
                                c->datum_a);
                else
                        fprintf(f, " [%u,%" PRIu64 ",%s]", c->arg, c->datum_a, filter_op_to_string(c->op));
        }
        fputc('\n', f);
}

int filter_print_lxc(const struct filter_plan *plan, const char *proxy_path, FILE *f)
{
        const struct arch_names *a = arch_names(plan->arch);

        /* LXC reads the version and the list type from the first two lines. */
        fprintf(f, "2\ndenylist\n");
        fprintf(f, "# seccompd policy \"%s\": the calls seccompd must see are sent to it (notify);\n"
                   "# every other call runs as without this profile.\n", plan->policy);
        fprintf(f, "[%s]\n", a ? a->lxc : "all");
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                const struct filter_syscall *fs = &plan->syscalls[i];

                if (fs->trap == FILTER_TRAP_ALWAYS)
                        lxc_rule(fs->name, NULL, f);
                for (size_t k = 0; fs->trap == FILTER_TRAP_WHEN && k < fs->n_rules; k++)
                        lxc_rule(fs->name, &fs->rules[k], f);
        }
        fprintf(f, "# Save this profile (say as /var/lib/lxc/CONTAINER/seccompd-%s.seccomp) and add\n"
                   "# to the container's config:\n"
                   "#   lxc.seccomp.profile = /var/lib/lxc/CONTAINER/seccompd-%s.seccomp\n"
                   "#   lxc.seccomp.notify.proxy = unix:%s\n"
                   "#   lxc.seccomp.notify.cookie = policy=%s\n",
                plan->policy, plan->policy, proxy_path ? proxy_path : FILTER_LXC_PROXY_DEFAULT, plan->policy);
        return done(f);
}

/* ---- summary ---- */

static const struct arg_schema *arg_of(const char *syscall, unsigned index)
{
        const struct syscall_schema *s = schema_lookup(syscall);

        for (size_t i = 0; s && i < s->n_args; i++)
                if (s->args[i].index == index)
                        return &s->args[i];
        return NULL;
}

static const char *symbol_of(const struct symbol_table *t, uint64_t v)
{
        for (size_t i = 0; t && i < t->n; i++)
                if (t->v[i].value == v)
                        return t->v[i].name;
        return NULL;
}

static bool is_file_type(const struct arg_schema *a, uint64_t mask)
{
        return a && a->kind == ARG_MODE && mask == S_IFMT;
}

static void print_value(const struct arg_schema *a, uint64_t mask, uint64_t v, FILE *f)
{
        const char *sym = NULL;

        if (is_file_type(a, mask))
                sym = v ? symbol_of(symbols_file_types(), v) : "0";
        else if (a && (a->kind == ARG_ENUM || a->kind == ARG_FD) && mask == UINT64_MAX)
                /* 32-bit symbols, sign-extended as a caller passes them */
                sym = symbol_of(a->symbols, (v >> 32) == 0xffffffff ? v & 0xffffffff : v);
        if (sym)
                fputs(sym, f);
        else if (a && a->kind == ARG_DEV && mask == UINT32_MAX) {
                struct policy_dev d = policy_decode_dev(v);

                fprintf(f, "%" PRIu32 ":%" PRIu32, d.major, d.minor);
        } else if (a && a->kind == ARG_MODE && v != 0)
                fprintf(f, "0%" PRIo64, v);
        else if (v < 1024)
                fprintf(f, "%" PRIu64, v);
        else
                fprintf(f, "0x%" PRIx64, v);
}

static void print_arg(const char *syscall, unsigned index, FILE *f)
{
        const struct arg_schema *a = arg_of(syscall, index);

        if (a)
                fputs(a->name, f);
        else
                fprintf(f, "arg%u", index);
}

static void print_masked(const char *syscall, const struct scmp_arg_cmp *c, FILE *f)
{
        const struct arg_schema *a = arg_of(syscall, c->arg);

        print_arg(syscall, c->arg, f);
        if (a && a->kind == ARG_DEV && c->datum_a == UINT32_MAX)
                return; /* the whole dev_t, shown as MAJOR:MINOR */
        if (is_file_type(a, c->datum_a))
                fputs(" & S_IFMT", f);
        else if (a && a->kind == ARG_MODE)
                fprintf(f, " & 0%" PRIo64, c->datum_a);
        else
                fprintf(f, " & 0x%" PRIx64, c->datum_a);
}

static void print_cmp(const char *syscall, const struct scmp_arg_cmp *c, FILE *f)
{
        static const char *const ops[] = {
                [SCMP_CMP_NE] = "!=", [SCMP_CMP_LT] = "<",  [SCMP_CMP_LE] = "<=",        [SCMP_CMP_EQ] = "==",
                [SCMP_CMP_GE] = ">=", [SCMP_CMP_GT] = ">", [SCMP_CMP_MASKED_EQ] = "==",
        };
        const struct arg_schema *a = arg_of(syscall, c->arg);

        if (c->op == SCMP_CMP_MASKED_EQ) {
                print_masked(syscall, c, f);
                fputs(" == ", f);
                print_value(a, c->datum_a, c->datum_b, f);
                return;
        }
        print_arg(syscall, c->arg, f);
        fprintf(f, " %s ", (unsigned) c->op < ARRAY_SIZE(ops) && ops[c->op] ? ops[c->op] : "?");
        print_value(a, UINT64_MAX, c->datum_a, f);
}

/* Rules that each test (arg & M) == v for one arg and mask: "arg & M in {...}". */
static bool one_masked_arg(const struct filter_rule *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (v[i].n_cmps != 1 || v[i].cmps[0].op != SCMP_CMP_MASKED_EQ || v[i].cmps[0].arg != v[0].cmps[0].arg ||
                    v[i].cmps[0].datum_a != v[0].cmps[0].datum_a)
                        return false;
        return n > 1;
}

static void print_rules(const char *syscall, const struct filter_rule *v, size_t n, FILE *f)
{
        if (one_masked_arg(v, n)) {
                const struct arg_schema *a = arg_of(syscall, v[0].cmps[0].arg);

                print_masked(syscall, &v[0].cmps[0], f);
                fputs(" in {", f);
                for (size_t i = 0; i < n; i++) {
                        fputs(i ? ", " : "", f);
                        print_value(a, v[i].cmps[0].datum_a, v[i].cmps[0].datum_b, f);
                }
                fputs("}\n", f);
                return;
        }
        if (n > 1)
                fputs("any of:\n", f);
        for (size_t i = 0; i < n; i++) {
                fputs(n > 1 ? "      " : "", f);
                for (unsigned k = 0; k < v[i].n_cmps; k++) {
                        fputs(k ? " && " : "", f);
                        print_cmp(syscall, &v[i].cmps[k], f);
                }
                fputc('\n', f);
        }
}

static const char *why_text(enum filter_why why)
{
        switch (why) {
        case FILTER_WHY_NO_CONTINUE:
                return "no call is sure to be continued: any may match a rule that emulates or fails it";
        case FILTER_WHY_UNCHECKABLE:
                return "a continue rule reads strings or the caller, which a filter cannot: those calls are trapped too";
        case FILTER_WHY_TOO_COMPLEX:
                return "the exact condition needs too many rules: a simpler superset is trapped";
        case FILTER_WHY_WIDE_ARG:
                return "the arg is compared as 64 bits: calls with stray high bits are trapped too";
        case FILTER_WHY_MULTIPLEXED:
                return "this arch passes its args through a multiplexer: none can be tested";
        default:
                return NULL;
        }
}

static void print_syscall(const struct filter_syscall *fs, FILE *f)
{
        const char *why = why_text(fs->why);

        if (fs->trap == FILTER_TRAP_ABSENT) {
                fprintf(f, "%s: not on this arch: nothing to trap\n", fs->name);
                return;
        }
        fprintf(f, "%s (nr %d): ", fs->name, fs->nr);
        if (fs->trap == FILTER_TRAP_NEVER) {
                fprintf(f, "not trapped: the policy continues every call\n");
                return;
        }
        if (fs->trap == FILTER_TRAP_ALWAYS) {
                fprintf(f, "trapped always%s%s%s\n", why ? " (" : "", why ? why : "", why ? ")" : "");
                return;
        }
        fprintf(f, "trapped when ");
        print_rules(fs->name, fs->rules, fs->n_rules, f);
        if (fs->untrapped_known) {
                fprintf(f, "    the kernel runs the rest: ");
                print_rules(fs->name, fs->untrapped, fs->n_untrapped, f);
        }
        if (why)
                fprintf(f, "    (%s)\n", why);
}

int filter_print_summary(const struct filter_plan *plan, FILE *f)
{
        const struct arch_names *a = arch_names(plan->arch);
        size_t trapped = 0;

        for (size_t i = 0; i < plan->n_syscalls; i++)
                trapped += plan->syscalls[i].trap == FILTER_TRAP_WHEN || plan->syscalls[i].trap == FILTER_TRAP_ALWAYS;
        fprintf(f, "policy \"%s\": %zu of %zu syscalls it names trapped, on arch %s\n", plan->policy, trapped,
                plan->n_syscalls, a ? a->name : "?");
        for (size_t i = 0; i < plan->n_syscalls; i++)
                print_syscall(&plan->syscalls[i], f);
        return done(f);
}
