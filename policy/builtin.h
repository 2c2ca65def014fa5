/* The built-in fallback policy: examples/policies/default.yaml, compiled in. */
#pragma once

#include <stddef.h>

#include "policy/parse.h"

#define POLICY_BUILTIN_NAME "default"
#define POLICY_BUILTIN_FILE "<builtin>/default.yaml"

/* The file's text (generated from examples/policies/default.yaml). */
const char *policy_builtin_default_text(size_t *ret_len);

/* Parses it for |arch| (0: native). 0, -ENOMEM; -EINVAL only if the shipped
 * file is broken, which the unit tests rule out. */
int policy_builtin_default(uint32_t arch, struct policy **ret, struct policy_diags *diags);
