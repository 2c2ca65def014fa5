/* Policy files: YAML text -> struct policy, validated, with diagnostics that
 * carry file:line:column. Pure: the caller reads the file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/policy.h"

struct policy_diag {
        bool warning;            /* false: an error, the policy does not load */
        struct policy_pos pos;   /* 0:0 when not tied to a place */
        char *msg;
};

struct policy_diags {
        size_t n, n_errors;
        struct policy_diag *v;
};

void policy_diags_clear(struct policy_diags *d);

/* "FILE:LINE:COL: error: MSG" (or warning), one per line, into |f|. */
void policy_diags_print(const struct policy_diags *d, const char *file, FILE *f);

/* Parses and validates one policy. |file| names it in diagnostics and in
 * policy.file. |arch| is the libseccomp arch token syscall names are checked
 * against (SCMP_ARCH_NATIVE for the machine's own). Returns 0 and the policy,
 * with warnings possibly in |diags|; -EINVAL when any error was found (all of
 * them in |diags|, nothing returned); -ENOMEM. */
int policy_parse(const char *text, size_t len, const char *file, uint32_t arch,
                 struct policy **ret, struct policy_diags *diags);
