/* Sets of syscall argument vectors, exactly, as unions of cubes: a cube fixes
 * some bits of each of the six args ((arg & mask) == value per arg). What a
 * seccomp filter can test with one SCMP_CMP_MASKED_EQ per arg, closed under
 * union, intersection and complement. Used by filter.c; pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGSET_ARGS 6
/* A set that needs more cubes than this is too complex to be worth a filter. */
#define ARGSET_MAX 256

struct argset_pattern {
        uint64_t mask, value;    /* (arg & mask) == value; value has no bits outside mask */
};

struct argset_cube {
        struct argset_pattern arg[ARGSET_ARGS]; /* all hold; mask 0: any value */
};

/* The union of v[]; kept without a cube inside another, and with cubes that
 * differ in one fixed bit merged. Zero-initialised: the empty set. */
struct argset {
        size_t n, alloc;
        struct argset_cube *v;
};

void argset_done(struct argset *s);

/* s := every argument vector. 0 or -ENOMEM. */
int argset_set_all(struct argset *s);
bool argset_is_all(const struct argset *s);

/* s := s ∪ {c}. 0, -E2BIG past ARGSET_MAX cubes, -ENOMEM. */
int argset_add(struct argset *s, const struct argset_cube *c);
/* s := s ∪ {args: (arg[index] & mask) == value}. */
int argset_add_pattern(struct argset *s, unsigned index, uint64_t mask, uint64_t value);
/* s := s ∪ t. */
int argset_union(struct argset *s, const struct argset *t);

/* ret := a ∩ b (ret must be empty and distinct). 0, -E2BIG, -ENOMEM. */
int argset_meet(const struct argset *a, const struct argset *b, struct argset *ret);
/* ret := the complement of s (ret empty and distinct). 0, -E2BIG, -ENOMEM. */
int argset_complement(const struct argset *s, struct argset *ret);

bool argset_cube_holds(const struct argset_cube *c, const uint64_t args[ARGSET_ARGS]);
bool argset_contains(const struct argset *s, const uint64_t args[ARGSET_ARGS]);

/* Bit mask of the args some cube constrains. */
unsigned argset_args_used(const struct argset *s);

/* Orders the cubes (by arg 0's mask and value, then arg 1's, ...): stable output. */
void argset_sort(struct argset *s);
