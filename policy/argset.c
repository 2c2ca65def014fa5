/* Argument-vector sets as unions of cubes (argset.h): the exact set algebra the
 * filter compiler uses to push a policy's integer conditions into BPF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/argset.h"

/* Work bound for one complement step (cubes in the set times bits to flip). */
#define COMPLEMENT_WORK_MAX 4096

void argset_done(struct argset *s)
{
        free(s->v);
        *s = (struct argset) {};
}

static void argset_take(struct argset *dst, struct argset *src)
{
        argset_done(dst);
        *dst = *src;
        *src = (struct argset) {};
}

static bool pattern_meet(struct argset_pattern x, struct argset_pattern y, struct argset_pattern *ret)
{
        if ((x.value ^ y.value) & x.mask & y.mask)
                return false;
        *ret = (struct argset_pattern) { x.mask | y.mask, x.value | y.value };
        return true;
}

static bool cube_meet(const struct argset_cube *x, const struct argset_cube *y, struct argset_cube *ret)
{
        for (unsigned i = 0; i < ARGSET_ARGS; i++)
                if (!pattern_meet(x->arg[i], y->arg[i], &ret->arg[i]))
                        return false;
        return true;
}

/* x ⊆ y: y fixes no bit x leaves free, and x agrees on the bits y fixes. */
static bool cube_within(const struct argset_cube *x, const struct argset_cube *y)
{
        for (unsigned i = 0; i < ARGSET_ARGS; i++)
                if ((y->arg[i].mask & ~x->arg[i].mask) || ((x->arg[i].value ^ y->arg[i].value) & y->arg[i].mask))
                        return false;
        return true;
}

/* Two cubes fixing the same bits that differ in exactly one of them are one cube
 * that leaves that bit free. */
static bool cube_merge(const struct argset_cube *x, const struct argset_cube *y, struct argset_cube *ret)
{
        unsigned at = ARGSET_ARGS;
        uint64_t bit = 0;

        for (unsigned i = 0; i < ARGSET_ARGS; i++) {
                uint64_t d = x->arg[i].value ^ y->arg[i].value;

                if (x->arg[i].mask != y->arg[i].mask)
                        return false;
                if (d == 0)
                        continue;
                if (at != ARGSET_ARGS || (d & (d - 1)) != 0)
                        return false;
                at = i;
                bit = d;
        }
        if (at == ARGSET_ARGS)
                return false;
        *ret = *x;
        ret->arg[at].mask &= ~bit;
        ret->arg[at].value &= ~bit;
        return true;
}

static int push(struct argset *s, const struct argset_cube *c)
{
        if (s->n >= ARGSET_MAX)
                return -E2BIG;
        if (s->n == s->alloc) {
                size_t n = s->alloc ? s->alloc * 2 : 8;
                struct argset_cube *v = reallocarray(s->v, n, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->alloc = n;
        }
        s->v[s->n++] = *c;
        return 0;
}

static void drop(struct argset *s, size_t i)
{
        s->v[i] = s->v[--s->n];
}

int argset_add(struct argset *s, const struct argset_cube *cube)
{
        struct argset_cube c = *cube;
        bool merged;

        do {
                merged = false;
                for (size_t i = 0; i < s->n; i++)
                        if (cube_within(&c, &s->v[i]))
                                return 0;
                for (size_t i = s->n; i-- > 0;)
                        if (cube_within(&s->v[i], &c))
                                drop(s, i);
                for (size_t i = 0; i < s->n && !merged; i++) {
                        struct argset_cube m;

                        if (cube_merge(&c, &s->v[i], &m)) {
                                drop(s, i);
                                c = m;
                                merged = true;
                        }
                }
        } while (merged);
        return push(s, &c);
}

int argset_set_all(struct argset *s)
{
        static const struct argset_cube all = {};

        s->n = 0;
        return push(s, &all);
}

bool argset_is_all(const struct argset *s)
{
        static const struct argset_cube all = {};

        for (size_t i = 0; i < s->n; i++)
                if (cube_within(&all, &s->v[i]))
                        return true;
        return false;
}

int argset_add_pattern(struct argset *s, unsigned index, uint64_t mask, uint64_t value)
{
        struct argset_cube c = {};

        if (index >= ARGSET_ARGS || (value & ~mask))
                return -EINVAL;
        c.arg[index] = (struct argset_pattern) { mask, value };
        return argset_add(s, &c);
}

int argset_union(struct argset *s, const struct argset *t)
{
        for (size_t i = 0; i < t->n; i++) {
                int r = argset_add(s, &t->v[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

int argset_meet(const struct argset *a, const struct argset *b, struct argset *ret)
{
        _cleanup_(argset_done) struct argset out = {};

        for (size_t i = 0; i < a->n; i++)
                for (size_t j = 0; j < b->n; j++) {
                        struct argset_cube c;
                        int r;

                        if (!cube_meet(&a->v[i], &b->v[j], &c))
                                continue;
                        r = argset_add(&out, &c);
                        if (r < 0)
                                return r;
                }
        argset_take(ret, &out);
        return 0;
}

static unsigned cube_bits(const struct argset_cube *c)
{
        unsigned n = 0;

        for (unsigned i = 0; i < ARGSET_ARGS; i++)
                n += (unsigned) __builtin_popcountll(c->arg[i].mask);
        return n;
}

/* ret := acc ∩ ¬c, where ¬c is the union over c's fixed bits of "that bit differs". */
static int meet_not_cube(const struct argset *acc, const struct argset_cube *c, struct argset *ret)
{
        _cleanup_(argset_done) struct argset out = {};

        if (acc->n * cube_bits(c) > COMPLEMENT_WORK_MAX)
                return -E2BIG;
        for (size_t k = 0; k < acc->n; k++)
                for (unsigned i = 0; i < ARGSET_ARGS; i++)
                        for (uint64_t m = c->arg[i].mask; m; m &= m - 1) {
                                uint64_t bit = m & -m;
                                struct argset_pattern flip = { bit, ~c->arg[i].value & bit };
                                struct argset_cube t = acc->v[k];
                                int r;

                                if (!pattern_meet(acc->v[k].arg[i], flip, &t.arg[i]))
                                        continue;
                                r = argset_add(&out, &t);
                                if (r < 0)
                                        return r;
                        }
        argset_take(ret, &out);
        return 0;
}

int argset_complement(const struct argset *s, struct argset *ret)
{
        _cleanup_(argset_done) struct argset acc = {};
        int r;

        r = argset_set_all(&acc);
        for (size_t i = 0; r == 0 && i < s->n && acc.n > 0; i++) {
                struct argset next = {};

                r = meet_not_cube(&acc, &s->v[i], &next);
                argset_take(&acc, &next);
        }
        if (r < 0)
                return r;
        argset_take(ret, &acc);
        return 0;
}

bool argset_cube_holds(const struct argset_cube *c, const uint64_t args[ARGSET_ARGS])
{
        for (unsigned i = 0; i < ARGSET_ARGS; i++)
                if ((args[i] & c->arg[i].mask) != c->arg[i].value)
                        return false;
        return true;
}

bool argset_contains(const struct argset *s, const uint64_t args[ARGSET_ARGS])
{
        for (size_t i = 0; i < s->n; i++)
                if (argset_cube_holds(&s->v[i], args))
                        return true;
        return false;
}

unsigned argset_args_used(const struct argset *s)
{
        unsigned used = 0;

        for (size_t i = 0; i < s->n; i++)
                for (unsigned a = 0; a < ARGSET_ARGS; a++)
                        if (s->v[i].arg[a].mask)
                                used |= 1U << a;
        return used;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
        return a < b ? -1 : a > b;
}

static int cmp_cube(const void *x, const void *y)
{
        const struct argset_cube *a = x, *b = y;

        for (unsigned i = 0; i < ARGSET_ARGS; i++) {
                int c = cmp_u64(a->arg[i].mask, b->arg[i].mask);

                if (c == 0)
                        c = cmp_u64(a->arg[i].value, b->arg[i].value);
                if (c != 0)
                        return c;
        }
        return 0;
}

void argset_sort(struct argset *s)
{
        if (s->n > 1)
                qsort(s->v, s->n, sizeof(*s->v), cmp_cube);
}
