/* The inject action's params in policy files (internal to policy/). */
#pragma once

#include "policy/policy.h"
#include "policy/yaml.h"

/* {inject: PATH, flags: ..., cloexec: BOOL} or {inject: requested, root: ...,
 * forbid: ...} into |a|. a->kind becomes VERDICT_INJECT before anything is
 * allocated in a->params, so policy_free frees what was built. 0, -EINVAL
 * (reported), -ENOMEM. */
int inject_parse(struct yaml_ctx *c, struct fy_node *map, struct policy_action *a);

/* inject requested opens the path and flags the caller passed: only open and
 * openat. 0 or -EINVAL (reported at the action; |whose| prefixes the message). */
int inject_parse_check(struct yaml_ctx *c, const struct policy_action *a, const char *syscall, const char *whose);
