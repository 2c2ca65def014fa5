/* Values in policy files (internal to policy/): integer expressions (42, 0x1f,
 * 0o755, 0755, -100, SYMBOL, A|B) checked against an arg's width, and device
 * numbers "MAJOR:MINOR" with * wildcards. Errors are recorded in the yaml_ctx. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "policy/schema.h"
#include "policy/verdict.h"
#include "policy/yaml.h"

/* How to read an expression for one arg. */
struct expr_arg {
        const char *name;                         /* for messages */
        uint64_t width;                           /* values above it are errors */
        const struct symbol_table *symbols, *extra; /* either may be NULL */
        bool no_negative;                         /* ids: -1 is a typo, not 0xffffffff */
};

/* |text| evaluated; 0, -EINVAL (reported at |pos|), -ENOMEM. */
int expr_eval(struct yaml_ctx *c, const struct expr_arg *a, const char *text, struct policy_pos pos, uint64_t *ret);

/* The scalar |n| evaluated. */
int expr_one(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb, uint64_t *ret);

/* A value or a non-empty list of values: a new array in |ret| (caller frees). */
int expr_list(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb, uint64_t **ret,
              size_t *ret_n);

/* A value or a list of values, OR-ed (flags). */
int expr_or(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb, uint64_t *ret);

/* One device "MAJOR:MINOR" (either part may be *); 0 or -EINVAL (reported at |pos|). */
int expr_dev(struct yaml_ctx *c, const char *text, struct policy_pos pos, struct policy_dev *ret);

/* A duration in milliseconds: "30s", "500ms" or a plain number of ms, within
 * 1..|max_ms|. 0, -EINVAL (reported), -ENOMEM. */
int expr_duration_ms(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, unsigned max_ms,
                     unsigned *ret);

/* A device or a non-empty list of them: a new array in |ret| (caller frees). */
int expr_devs(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what,
              struct policy_dev **ret, size_t *ret_n);
