/* YAML node access for the policy parser (internal to policy/): typed reads of
 * libfyaml nodes that record a diagnostic at the node's line:column when the
 * node is not what the format wants, so parsing can go on and report them all. */
#pragma once

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "policy/parse.h"

#define YAML_NO_POS ((struct policy_pos) { 0, 0 })

/* One parse: where diagnostics go, and what syscall names are checked against. */
struct yaml_ctx {
        struct policy_diags *diags;
        const char *file;   /* for the basename check; may be NULL */
        uint32_t arch;      /* libseccomp arch token, 0 for native */
};

/* One key of a mapping with a fixed set of keys; key_node is NULL when absent. */
struct yaml_field {
        const char *key;
        bool required;
        struct fy_node *key_node, *value;
};

typedef int (*yaml_item_fn)(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i, void *userdata);

/* Record an error (returns -EINVAL, or -ENOMEM when it cannot) or a warning
 * (returns 0 or -ENOMEM). */
_printf_(3, 4) int yaml_error(struct yaml_ctx *c, struct policy_pos pos, const char *fmt, ...);
_printf_(3, 4) int yaml_warn(struct yaml_ctx *c, struct policy_pos pos, const char *fmt, ...);

/* Sorts d->v[from..] by position, stably: the order a reader meets them in the file. */
void yaml_diags_sort(struct policy_diags *d, size_t from);

/* Accumulates results while parsing goes on after errors: -ENOMEM wins, then
 * the first error. */
static inline int yaml_worse(int a, int b)
{
        if (a == -ENOMEM || b == -ENOMEM)
                return -ENOMEM;
        return a < 0 ? a : b;
}

/* Where |n| starts (1-based), YAML_NO_POS when unknown; or |fallback|. */
struct policy_pos yaml_pos(struct fy_node *n);
struct policy_pos yaml_pos_or(struct fy_node *n, struct policy_pos fallback);
struct policy_pos yaml_field_pos(const struct yaml_field *f, struct policy_pos fallback);

/* An absent or empty value, "~" or "null". */
bool yaml_null(struct fy_node *n);
/* "a mapping", "a list", ... for messages. */
const char *yaml_type_name(struct fy_node *n);

/* The text of scalar |n| (owned by the document); |what| names it in errors.
 * Aliases and NUL bytes are refused. 0, -EINVAL (reported), -ENOMEM. */
int yaml_scalar(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, const char **ret);
int yaml_bool(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, bool *ret);
int yaml_mapping(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what);
/* A list (sequence); else an error at |pos|: "|what| must be a list, not ...". */
int yaml_sequence(struct yaml_ctx *c, struct fy_node *n, struct policy_pos pos, const char *what);

/* Fills |f| from mapping |map|; reports unknown keys (a |noun|: "key", "param")
 * and missing required ones. Fields found are usable even when it fails. */
int yaml_fields(struct yaml_ctx *c, struct fy_node *map, struct policy_pos fb, const char *noun, const char *where,
                struct yaml_field *f, size_t n);

/* 1 for a scalar, the item count for a list. */
size_t yaml_list_len(struct fy_node *n);

/* Calls |fn| for the scalar |n| or each scalar of the non-empty list |n|, going
 * on after errors. */
int yaml_each(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, yaml_item_fn fn,
              void *userdata);

/* A scalar or sequence of capability names (CAP_SYS_ADMIN or sys_admin), each
 * set as a bit in *ret: yaml_each() with the names checked. */
int yaml_capabilities(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, uint64_t *ret);

/* Refuses text YAML does not allow (invalid UTF-8, control characters) with
 * its line:column, before libfyaml sees it: libfyaml 0.7.12 loops forever on
 * a directive that ends in a truncated UTF-8 sequence ("%a\xe1"). */
int yaml_check_text(struct yaml_ctx *c, const char *text, size_t len);

/* The root of a loaded document, for yaml_load(). */
typedef int (*yaml_root_fn)(struct yaml_ctx *c, struct fy_node *root, void *userdata);

/* Checks |text| (yaml_check_text), parses its one YAML document and hands the
 * root to |fn|. libfyaml's own errors become diagnostics at their line:column;
 * no document is "empty |empty|", a second one "a |kind| holds one YAML
 * document". Returns fn's result, worse of it and the syntax errors, -ENOMEM. */
int yaml_load(struct yaml_ctx *c, const char *text, size_t len, const char *empty, const char *kind,
              yaml_root_fn fn, void *userdata);
