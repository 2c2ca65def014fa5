/* Policy -> seccomp filter plan. Per syscall, the set of calls the policy
 * continues is computed exactly where a filter can test it (integer matches, as
 * an argset) and under-approximated where it cannot (strings, the caller); the
 * filter traps the complement, rendered in the fewest readable rules. Trapping
 * more than needed is safe (the daemon evaluates the real policy); letting a call
 * run untrapped that the policy would not continue never happens. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/argset.h"
#include "policy/filter.h"

#define RULES_MAX 32      /* rules per syscall; past this a superset is trapped */
#define ENUM_BITS_MAX 8   /* enumerate the masked values of a mask this small... */
#define ENUM_RULES_MAX 16 /* ...when this few of them are trapped */
#define WIDE_BITS 16      /* a low mask this wide is compared whole (NE, LT, GT) */

/* ---- policy matches as argsets ---- */

/* (arg & mask) in [lo, hi], split on the mask's bits from the top: each subtree
 * whose values all fall inside is one pattern (at most two per bit). */
static int range_patterns(struct argset *s, unsigned arg, uint64_t lo, uint64_t hi, uint64_t fixed, uint64_t value,
                          uint64_t free_bits)
{
        uint64_t min = value, max = value | free_bits, top;
        int r;

        if (max < lo || min > hi)
                return 0;
        if (min >= lo && max <= hi)
                return argset_add_pattern(s, arg, fixed, value);
        top = UINT64_C(1) << (63 - __builtin_clzll(free_bits));
        r = range_patterns(s, arg, lo, hi, fixed | top, value, free_bits & ~top);
        if (r < 0)
                return r;
        return range_patterns(s, arg, lo, hi, fixed | top, value | top, free_bits & ~top);
}

/* all set, none clear, and (when any != 0) one of any set. */
static int flags_patterns(struct argset *s, unsigned arg, const struct policy_match *m)
{
        uint64_t fixed = m->all | m->none;

        if (m->all & m->none)
                return 0;
        if (m->any == 0)
                return argset_add_pattern(s, arg, fixed, m->all);
        for (uint64_t b = m->any & ~m->none; b; b &= b - 1) {
                uint64_t bit = b & -b;
                int r = argset_add_pattern(s, arg, fixed | bit, m->all | bit);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* The kernel's new_decode_dev() read backwards: major is bits 8-19 of the 32-bit
 * arg, minor bits 0-7 and 20-31 (policy_decode_dev). */
static int dev_patterns(struct argset *s, unsigned arg, const struct policy_match *m)
{
        for (size_t i = 0; i < m->n_devs; i++) {
                struct policy_dev d = m->devs[i];
                uint64_t mask = 0, value = 0;
                int r;

                if (d.major != POLICY_ANY) {
                        if (d.major > 0xfff)
                                continue; /* decodes from no 32-bit value */
                        mask |= 0xfff00;
                        value |= (uint64_t) d.major << 8;
                }
                if (d.minor != POLICY_ANY) {
                        if (d.minor > 0xfffff)
                                continue;
                        mask |= 0xfff000ff;
                        value |= (d.minor & 0xff) | ((uint64_t) (d.minor & 0xfff00) << 12);
                }
                r = argset_add_pattern(s, arg, mask, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The calls |m| holds for, at |slot| of its rule's syscalls; -EOPNOTSUPP for a
 * match a filter cannot test. */
static int match_set(const struct policy_match *m, unsigned slot, struct argset *ret)
{
        unsigned arg = m->args ? m->args[slot] : FILTER_ARGS;

        if (arg >= FILTER_ARGS)
                return -EOPNOTSUPP;
        switch (m->kind) {
        case MATCH_INT_IN:
                for (size_t i = 0; i < m->n_values; i++)
                        if ((m->values[i] & ~m->mask) == 0) {
                                int r = argset_add_pattern(ret, arg, m->mask, m->values[i]);

                                if (r < 0)
                                        return r;
                        }
                return 0;
        case MATCH_INT_RANGE:
                return range_patterns(ret, arg, m->lo, m->hi, 0, 0, m->mask);
        case MATCH_FLAGS:
                return flags_patterns(ret, arg, m);
        case MATCH_DEV:
                return dev_patterns(ret, arg, m);
        default:
                return -EOPNOTSUPP;
        }
}

/* The calls rule |r| matches. With |over|, a match a filter cannot test is left
 * out (the set grows); without, it makes the result -EOPNOTSUPP. */
static int rule_set(const struct policy_rule *rule, unsigned slot, bool over, struct argset *ret)
{
        _cleanup_(argset_done) struct argset acc = {};
        int r;

        r = argset_set_all(&acc);
        for (size_t i = 0; r == 0 && i < rule->n_matches; i++) {
                _cleanup_(argset_done) struct argset m = {};
                struct argset next = {};

                r = match_set(&rule->matches[i], slot, &m);
                if (r == -EOPNOTSUPP && over) {
                        r = 0;
                        continue;
                }
                if (r == 0)
                        r = argset_meet(&acc, &m, &next);
                argset_done(&acc);
                acc = next;
        }
        if (r < 0)
                return r;
        *ret = acc;
        acc = (struct argset) {};
        return 0;
}

/* open := open ∩ ¬(what rule may match): the calls no blocking rule so far takes. */
static int block(struct argset *open, const struct policy_rule *rule, unsigned slot)
{
        _cleanup_(argset_done) struct argset m = {}, not_m = {};
        struct argset next = {};
        int r;

        r = rule_set(rule, slot, true, &m);
        if (r == 0)
                r = argset_complement(&m, &not_m);
        if (r == 0)
                r = argset_meet(open, &not_m, &next);
        argset_done(open);
        *open = next;
        return r;
}

/* cont := cont ∪ (open ∩ what rule matches); *under when the rule's matches are
 * beyond a filter (its calls are then trapped). */
static int take_continue(struct argset *cont, const struct argset *open, const struct policy_rule *rule,
                         unsigned slot, bool *under)
{
        _cleanup_(argset_done) struct argset m = {}, both = {};
        int r;

        r = rule_set(rule, slot, false, &m);
        if (r == -EOPNOTSUPP) {
                *under = true;
                return 0;
        }
        if (r == 0)
                r = argset_meet(open, &m, &both);
        if (r == 0)
                r = argset_union(cont, &both);
        return r;
}

/* The calls of |ps| whose first matching rule continues them (or that no rule
 * matches, under a `continue` default). A call is continued iff some continue
 * rule matches it and no earlier non-continue rule does: earlier continue rules
 * need not be subtracted. Exact, except for what *ret_under reports. */
static int continued_set(const struct policy *p, const struct policy_syscall *ps, struct argset *ret, bool *ret_under)
{
        _cleanup_(argset_done) struct argset cont = {}, open = {};
        bool under = false;
        int r;

        r = argset_set_all(&open);
        for (size_t i = 0; r == 0 && i < ps->n_rules && open.n > 0; i++) {
                const struct policy_rule *rule = &p->rules[ps->rules[i]];

                if (rule->action.kind == VERDICT_CONTINUE)
                        r = take_continue(&cont, &open, rule, ps->slots[i], &under);
                else
                        r = block(&open, rule, ps->slots[i]);
        }
        /* What no blocking rule takes either matches a continue rule first, or
         * nothing: then the default decides. */
        if (r == 0 && p->dflt.kind == VERDICT_CONTINUE)
                r = argset_union(&cont, &open);
        if (r < 0)
                return r;
        *ret = cont;
        cont = (struct argset) {};
        *ret_under = under;
        return 0;
}

/* ---- rendering: trapped rules from the continued set ---- */

static void add_cmp(struct filter_rule *r, unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
        r->cmps[r->n_cmps++] = (struct scmp_arg_cmp) { .arg = arg, .op = op, .datum_a = a, .datum_b = b };
}

static void add_masked(struct filter_rule *r, unsigned arg, uint64_t mask, uint64_t value)
{
        if (mask == UINT64_MAX)
                add_cmp(r, arg, SCMP_CMP_EQ, value, 0);
        else
                add_cmp(r, arg, SCMP_CMP_MASKED_EQ, mask, value);
}

static int rules_push(struct filter_rule **v, size_t *n, const struct filter_rule *r)
{
        struct filter_rule *nv = reallocarray(*v, *n + 1, sizeof(**v));

        if (!nv)
                return -ENOMEM;
        nv[(*n)++] = *r;
        *v = nv;
        return 0;
}

static int push_one(struct filter_rule **v, size_t *n, unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
        struct filter_rule r = {};

        add_cmp(&r, arg, op, a, b);
        return rules_push(v, n, &r);
}

static int rules_from_set(struct argset *s, struct filter_rule **v, size_t *n)
{
        argset_sort(s);
        for (size_t i = 0; i < s->n; i++) {
                struct filter_rule r = {};
                int k;

                for (unsigned a = 0; a < FILTER_ARGS; a++)
                        if (s->v[i].arg[a].mask)
                                add_masked(&r, a, s->v[i].arg[a].mask, s->v[i].arg[a].value);
                k = rules_push(v, n, &r);
                if (k < 0)
                        return k;
        }
        return 0;
}

static bool low_mask(uint64_t m)
{
        return (m & (m + 1)) == 0;
}

static unsigned only_arg(const struct argset *s)
{
        unsigned used = argset_args_used(s);

        return used && (used & (used - 1)) == 0 ? (unsigned) __builtin_ctz(used) : FILTER_ARGS;
}

static uint64_t mask_union(const struct argset *s, unsigned arg)
{
        uint64_t m = 0;

        for (size_t i = 0; i < s->n; i++)
                m |= s->v[i].arg[arg].mask;
        return m;
}

/* One arg, few mask bits: one MASKED_EQ rule per masked value not continued
 * ("mode & S_IFMT in {S_IFCHR, S_IFBLK, ...}"). Enumerated under the policy's
 * own mask (|hint|) when that is small, though the set may need fewer bits: the
 * same calls, in the terms the author wrote. Exact. 1 when rendered. */
static int render_enum(struct filter_syscall *fs, const struct argset *cont, unsigned arg, uint64_t hint)
{
        uint64_t mask = mask_union(cont, arg), x = 0;
        unsigned trapped = 0;
        int r = 0;

        if (__builtin_popcountll(mask | hint) <= ENUM_BITS_MAX)
                mask |= hint;
        if (__builtin_popcountll(mask) > ENUM_BITS_MAX)
                return 0;
        do {
                uint64_t args[FILTER_ARGS] = {};

                args[arg] = x;
                trapped += !argset_contains(cont, args);
                x = (x - mask) & mask; /* the next subset of mask, in increasing order */
        } while (x != 0);
        if (trapped > ENUM_RULES_MAX)
                return 0;
        do {
                uint64_t args[FILTER_ARGS] = {};

                args[arg] = x;
                if (argset_contains(cont, args))
                        r = push_one(&fs->untrapped, &fs->n_untrapped, arg, SCMP_CMP_MASKED_EQ, mask, x);
                else
                        r = push_one(&fs->rules, &fs->n_rules, arg, SCMP_CMP_MASKED_EQ, mask, x);
                x = (x - mask) & mask;
        } while (r == 0 && x != 0);
        fs->untrapped_known = true;
        return r < 0 ? r : 1;
}

struct span {
        uint64_t lo, hi;
};

static int cmp_span(const void *a, const void *b)
{
        uint64_t x = ((const struct span *) a)->lo, y = ((const struct span *) b)->lo;

        return x < y ? -1 : x > y;
}

/* The 64-bit register value a caller passes for a 32-bit value: libcs pass int
 * args sign-extended (AT_FDCWD arrives as 0xffffffffffffff9c), so one with bit
 * 31 set is compared that way. Any value equal to it has the masked value |v|. */
static uint64_t whole_value(uint64_t mask, uint64_t v)
{
        if ((mask >> 32) == 0 && (v & UINT64_C(0x80000000)))
                return v | UINT64_C(0xffffffff00000000);
        return v;
}

/* Is cont (on |arg| only) one interval of (arg & M), M a low mask? */
static bool as_interval(const struct argset *cont, unsigned arg, uint64_t *ret_mask, struct span *ret)
{
        struct span spans[ARGSET_MAX];
        uint64_t mask = mask_union(cont, arg);

        if (!low_mask(mask) || cont->n == 0 || cont->n > ARGSET_MAX)
                return false;
        for (size_t i = 0; i < cont->n; i++) {
                uint64_t free_bits = mask & ~cont->v[i].arg[arg].mask;

                if (!low_mask(free_bits))
                        return false;
                spans[i] = (struct span) { cont->v[i].arg[arg].value, cont->v[i].arg[arg].value | free_bits };
        }
        qsort(spans, cont->n, sizeof(spans[0]), cmp_span);
        for (size_t i = 1; i < cont->n; i++)
                if (spans[i - 1].hi == UINT64_MAX || spans[i].lo != spans[i - 1].hi + 1)
                        return false;
        *ret_mask = mask;
        *ret = (struct span) { spans[0].lo, spans[cont->n - 1].hi };
        return true;
}

/* One interval [lo, hi] of a low-masked arg: trap the whole 64-bit arg outside
 * it (NE for one value). A value with bits above the mask is trapped even if its
 * masked part is inside: more than needed, never less. 1 when rendered. */
static int render_interval(struct filter_syscall *fs, const struct argset *cont, unsigned arg)
{
        struct span sp;
        uint64_t mask;
        int r = 0;

        if (!as_interval(cont, arg, &mask, &sp))
                return 0;
        /* Both ends at or above 2^31 of a 32-bit mask: compare sign-extended. */
        if (whole_value(mask, sp.lo) != sp.lo)
                sp = (struct span) { whole_value(mask, sp.lo), whole_value(mask, sp.hi) };
        fs->why = mask == UINT64_MAX ? FILTER_WHY_EXACT : FILTER_WHY_WIDE_ARG;
        if (sp.lo == sp.hi) {
                fs->untrapped_known = true;
                r = push_one(&fs->rules, &fs->n_rules, arg, SCMP_CMP_NE, sp.lo, 0);
                if (r == 0)
                        r = push_one(&fs->untrapped, &fs->n_untrapped, arg, SCMP_CMP_EQ, sp.lo, 0);
                return r < 0 ? r : 1;
        }
        if (sp.lo > 0)
                r = push_one(&fs->rules, &fs->n_rules, arg, SCMP_CMP_LT, sp.lo, 0);
        if (r == 0 && sp.hi < UINT64_MAX)
                r = push_one(&fs->rules, &fs->n_rules, arg, SCMP_CMP_GT, sp.hi, 0);
        if (r < 0)
                return r;
        /* Both bounds would take two comparisons of one arg in one rule. */
        fs->untrapped_known = fs->n_rules == 1;
        if (fs->untrapped_known)
                r = sp.lo > 0 ? push_one(&fs->untrapped, &fs->n_untrapped, arg, SCMP_CMP_GE, sp.lo, 0)
                              : push_one(&fs->untrapped, &fs->n_untrapped, arg, SCMP_CMP_LE, sp.hi, 0);
        return r < 0 ? r : 1;
}

/* The exact complement, when it takes few rules. 1 when rendered. */
static int render_complement(struct filter_syscall *fs, struct argset *cont)
{
        _cleanup_(argset_done) struct argset trapped = {};
        int r;

        r = argset_complement(cont, &trapped);
        if (r == -E2BIG || (r == 0 && trapped.n > RULES_MAX))
                return 0;
        if (r == 0)
                r = rules_from_set(&trapped, &fs->rules, &fs->n_rules);
        if (r == 0 && cont->n <= RULES_MAX) {
                fs->untrapped_known = true;
                r = rules_from_set(cont, &fs->untrapped, &fs->n_untrapped);
        }
        return r < 0 ? r : 1;
}

/* Rules to trap the complement of one pattern: a wide mask is compared whole
 * (one NE: traps more), a narrow one bit by bit (exact). */
static unsigned pattern_rules(struct argset_pattern p)
{
        unsigned bits = (unsigned) __builtin_popcountll(p.mask);

        return bits >= WIDE_BITS ? 1 : bits;
}

static const struct argset_cube *simplest_cube(const struct argset *cont)
{
        const struct argset_cube *best = NULL;
        unsigned best_rules = UINT_MAX, best_bits = UINT_MAX;

        for (size_t i = 0; i < cont->n; i++) {
                unsigned rules = 0, bits = 0;

                for (unsigned a = 0; a < FILTER_ARGS; a++) {
                        rules += pattern_rules(cont->v[i].arg[a]);
                        bits += (unsigned) __builtin_popcountll(cont->v[i].arg[a].mask);
                }
                if (rules < best_rules || (rules == best_rules && bits < best_bits)) {
                        best_rules = rules;
                        best_bits = bits;
                        best = &cont->v[i];
                }
        }
        return best;
}

/* Too complex: trap everything but the continued cube that takes the fewest rules. */
static int render_one_cube(struct filter_syscall *fs, const struct argset *cont)
{
        const struct argset_cube *best = simplest_cube(cont);
        struct filter_rule keep = {};
        int r = 0;

        for (unsigned a = 0; best && r == 0 && a < FILTER_ARGS; a++) {
                struct argset_pattern p = best->arg[a];

                if (p.mask == 0)
                        continue;
                if (__builtin_popcountll(p.mask) >= WIDE_BITS) {
                        add_cmp(&keep, a, SCMP_CMP_EQ, whole_value(p.mask, p.value), 0);
                        r = push_one(&fs->rules, &fs->n_rules, a, SCMP_CMP_NE, whole_value(p.mask, p.value), 0);
                        continue;
                }
                add_masked(&keep, a, p.mask, p.value);
                for (uint64_t m = p.mask; r == 0 && m; m &= m - 1)
                        r = push_one(&fs->rules, &fs->n_rules, a, SCMP_CMP_MASKED_EQ, m & -m, ~p.value & m & -m);
        }
        if (r < 0 || !best || fs->n_rules > RULES_MAX)
                return r < 0 ? r : 0;
        fs->why = FILTER_WHY_TOO_COMPLEX;
        fs->untrapped_known = true;
        return rules_push(&fs->untrapped, &fs->n_untrapped, &keep) < 0 ? -ENOMEM : 1;
}

static void reset_rules(struct filter_syscall *fs)
{
        free(fs->rules);
        free(fs->untrapped);
        fs->rules = fs->untrapped = NULL;
        fs->n_rules = fs->n_untrapped = 0;
        fs->untrapped_known = false;
}

static int render(struct filter_syscall *fs, struct argset *cont, bool under, const uint64_t hints[FILTER_ARGS])
{
        unsigned arg = only_arg(cont);
        int r = 0;

        fs->why = FILTER_WHY_EXACT;
        if (arg < FILTER_ARGS)
                r = render_enum(fs, cont, arg, hints[arg]);
        if (r == 0 && arg < FILTER_ARGS)
                r = render_interval(fs, cont, arg);
        if (r == 0)
                r = render_complement(fs, cont);
        if (r == 0)
                r = render_one_cube(fs, cont);
        if (r < 0)
                return r;
        if (r > 0 && fs->n_rules == 0) {
                reset_rules(fs); /* every call is continued after all */
                fs->trap = FILTER_TRAP_NEVER;
                return 0;
        }
        if (r == 0) {
                reset_rules(fs);
                fs->trap = FILTER_TRAP_ALWAYS;
                fs->why = FILTER_WHY_TOO_COMPLEX;
                return 0;
        }
        fs->trap = FILTER_TRAP_WHEN;
        if (under && fs->why == FILTER_WHY_EXACT)
                fs->why = FILTER_WHY_UNCHECKABLE;
        return 0;
}

/* The bits of each arg the policy's integer matches look at, for this syscall. */
static void mask_hints(const struct policy *p, const struct policy_syscall *ps, uint64_t ret[FILTER_ARGS])
{
        memset(ret, 0, FILTER_ARGS * sizeof(ret[0]));
        for (size_t i = 0; i < ps->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[ps->rules[i]];

                for (size_t k = 0; k < rule->n_matches; k++) {
                        const struct policy_match *m = &rule->matches[k];
                        unsigned arg = m->args ? m->args[ps->slots[i]] : FILTER_ARGS;

                        if (arg < FILTER_ARGS && (m->kind == MATCH_INT_IN || m->kind == MATCH_INT_RANGE))
                                ret[arg] |= m->mask;
                        else if (arg < FILTER_ARGS && m->kind == MATCH_FLAGS)
                                ret[arg] |= m->all | m->none | m->any;
                }
        }
}

static int compile_syscall(const struct policy *p, const struct policy_syscall *ps, struct filter_syscall *fs)
{
        _cleanup_(argset_done) struct argset cont = {};
        uint64_t hints[FILTER_ARGS];
        bool under = false;
        int r;

        r = continued_set(p, ps, &cont, &under);
        if (r == -E2BIG) {
                fs->trap = FILTER_TRAP_ALWAYS;
                fs->why = FILTER_WHY_TOO_COMPLEX;
                return 0;
        }
        if (r < 0)
                return r;
        if (argset_is_all(&cont)) {
                fs->trap = FILTER_TRAP_NEVER;
                return 0;
        }
        if (cont.n == 0) {
                fs->trap = FILTER_TRAP_ALWAYS;
                fs->why = under ? FILTER_WHY_UNCHECKABLE : FILTER_WHY_NO_CONTINUE;
                return 0;
        }
        mask_hints(p, ps, hints);
        return render(fs, &cont, under, hints);
}

/* A negative number is libseccomp's pseudo syscall: one the arch lacks, or one
 * it multiplexes (socket via socketcall on x86), whose args live in memory. */
static int compile_pseudo(uint32_t arch, struct filter_syscall *fs)
{
        if (seccomp_syscall_resolve_name_rewrite(arch, fs->name) < 0) {
                fs->trap = FILTER_TRAP_ABSENT;
                return 0;
        }
        fs->trap = FILTER_TRAP_ALWAYS;
        fs->why = FILTER_WHY_MULTIPLEXED;
        return 0;
}

/* ---- the plan ---- */

struct filter_plan *filter_plan_free(struct filter_plan *plan)
{
        if (!plan)
                return NULL;
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                free(plan->syscalls[i].name);
                reset_rules(&plan->syscalls[i]);
        }
        free(plan->syscalls);
        free(plan->policy);
        free(plan);
        return NULL;
}


int filter_plan_build(const struct policy *p, uint32_t arch, struct filter_plan **ret)
{
        _cleanup_(filter_plan_freep) struct filter_plan *plan = NULL;

        if (arch == SCMP_ARCH_NATIVE)
                arch = seccomp_arch_native();
        /* Every arch has read(2): an arch libseccomp does not know resolves nothing. */
        if (seccomp_syscall_resolve_name_arch(arch, "read") == __NR_SCMP_ERROR)
                return -EINVAL;
        plan = calloc(1, sizeof(*plan));
        if (!plan)
                return -ENOMEM;
        plan->arch = arch;
        plan->policy = strdup(p->name ? p->name : "");
        plan->syscalls = calloc(p->n_syscalls ? p->n_syscalls : 1, sizeof(*plan->syscalls));
        if (!plan->policy || !plan->syscalls)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_syscalls; i++) {
                struct filter_syscall *fs = &plan->syscalls[plan->n_syscalls++];
                int r;

                fs->name = strdup(p->syscalls[i].name);
                if (!fs->name)
                        return -ENOMEM;
                fs->nr = seccomp_syscall_resolve_name_arch(arch, fs->name);
                if (fs->nr == __NR_SCMP_ERROR)
                        return -ENOENT;
                r = fs->nr >= 0 ? compile_syscall(p, &p->syscalls[i], fs) : compile_pseudo(arch, fs);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(plan);
        return 0;
}

static int cmp_name(const void *key, const void *elem)
{
        return strcmp(key, ((const struct filter_syscall *) elem)->name);
}

const struct filter_syscall *filter_plan_find(const struct filter_plan *plan, const char *name)
{
        return plan->n_syscalls ? bsearch(name, plan->syscalls, plan->n_syscalls, sizeof(*plan->syscalls), cmp_name)
                                : NULL;
}

int filter_plan_add_rules(const struct filter_plan *plan, scmp_filter_ctx ctx)
{
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                const struct filter_syscall *fs = &plan->syscalls[i];
                /* libseccomp takes this machine's numbers and maps them to each of
                 * the context's arches by name. */
                int nr = seccomp_syscall_resolve_name(fs->name), r = 0;

                if (fs->trap == FILTER_TRAP_ALWAYS)
                        r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, 0, NULL);
                for (size_t k = 0; r == 0 && fs->trap == FILTER_TRAP_WHEN && k < fs->n_rules; k++)
                        r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, fs->rules[k].n_cmps, fs->rules[k].cmps);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* The arches a native process can also call in (int 0x80, x32, AArch32): the
 * same rules apply there, instead of libseccomp's default of killing them. */
static int add_compat_arches(scmp_filter_ctx ctx)
{
        static const uint32_t x86_64[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
        static const uint32_t aarch64[] = { SCMP_ARCH_ARM };
        uint32_t native = seccomp_arch_native();
        const uint32_t *v = native == SCMP_ARCH_X86_64 ? x86_64 : native == SCMP_ARCH_AARCH64 ? aarch64 : NULL;
        size_t n = native == SCMP_ARCH_X86_64 ? 2 : native == SCMP_ARCH_AARCH64 ? 1 : 0;

        for (size_t i = 0; i < n; i++) {
                int r = seccomp_arch_add(ctx, v[i]);

                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

int filter_plan_new_ctx(const struct filter_plan *plan, scmp_filter_ctx *ret)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!ctx)
                return -ENOMEM;
        if (plan->arch != seccomp_arch_native()) {
                r = seccomp_arch_add(ctx, plan->arch);
                if (r < 0 && r != -EEXIST)
                        return r;
                r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
                if (r < 0)
                        return r;
        } else {
                r = add_compat_arches(ctx);
                if (r < 0)
                        return r;
        }
        r = filter_plan_add_rules(plan, ctx);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}
