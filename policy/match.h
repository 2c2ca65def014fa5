/* The `match:` section of a policy rule (internal to policy/): arg names
 * resolved through policy/schema.h across the rule's syscalls, values parsed by
 * kind into struct policy_match; and when one match implies another. */
#pragma once

#include <stdbool.h>

#include "policy/policy.h"
#include "policy/yaml.h"

/* Appends the matches |map| describes to rule->matches (rule->syscalls must be
 * set). On failure rule keeps what was built, for policy_free. 0, -EINVAL
 * (reported), -ENOMEM. */
int match_parse(struct yaml_ctx *c, struct policy_rule *rule, struct fy_node *map, struct policy_pos fb);

/* Whenever |r| holds, |q| holds too: same arg, same kind, and r's values are
 * within q's. Conservative: false when unsure. */
bool match_implies(const struct policy_match *r, const struct policy_match *q);
