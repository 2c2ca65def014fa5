/* Policies for tests that need one ready-made: the built-in default, a YAML
 * text, and a filter plan; each aborts the test on any diagnostic. Include
 * after tests/unit/harness.h. */
#pragma once

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/builtin.h"
#include "policy/filter.h"
#include "policy/parse.h"

static inline struct policy *builtin(void)
{
        struct policy_diags d = {};
        struct policy *p = NULL;
        int r = policy_builtin_default(0, &p, &d);

        if (r < 0 || d.n > 0) {
                policy_diags_print(&d, POLICY_BUILTIN_FILE, stderr);
                abort();
        }
        policy_diags_clear(&d);
        return p;
}

static inline struct policy *parse(const char *yaml)
{
        struct policy_diags d = {};
        struct policy *p = NULL;

        if (policy_parse(yaml, strlen(yaml), "test.yaml", 0, &p, &d) < 0) {
                policy_diags_print(&d, "test.yaml", stderr);
                abort();
        }
        policy_diags_clear(&d);
        return p;
}

static inline struct filter_plan *plan_of(const struct policy *p)
{
        struct filter_plan *plan = NULL;

        if (filter_plan_build(p, SCMP_ARCH_NATIVE, &plan) < 0)
                abort();
        return plan;
}
