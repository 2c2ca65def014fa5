/* Policy test files: YAML text -> cases (a syscall with symbolic args, an
 * optional caller, the expected verdict), and running one case through
 * policy_evaluate(), the daemon's own evaluator. Pure: the caller reads files and
 * loads the policy. Format: docs/policy-tests.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "policy/parse.h"
#include "policy/policy.h"
#include "policy/verdict.h"

/* The fake address a string arg's register holds (args[i] of a PATH or STRING
 * arg given as text): non-zero, so the call looks like one with a real pointer. */
#define TESTSUITE_FAKE_PTR(index) (UINT64_C(0x7ffd00000000) + ((uint64_t) (index) << 12))

/* Which rule a case expects to match, beside the verdict (optional). */
enum testsuite_rule_kind {
        TESTSUITE_RULE_ANY,     /* not checked */
        TESTSUITE_RULE_NUMBER,  /* rule.number, 1-based */
        TESTSUITE_RULE_NAME,    /* rule.name */
        TESTSUITE_RULE_DEFAULT, /* the policy's default, no rule */
};

struct testsuite_expect {
        enum verdict_kind kind;
        int error;                 /* ERRNO: positive errno */
        enum emulator_id emulator; /* EMULATE */
        char *inject_path;         /* INJECT: a fixed path; NULL matches any inject */
        bool inject_requested;     /* INJECT: only inject requested matches */
        enum testsuite_rule_kind rule_kind;
        unsigned rule_number;
        char *rule_name;
        struct policy_pos pos;     /* of the expect value */
};

struct testsuite_case {
        char *name;
        struct policy_pos pos;     /* the case's first key: what failure lines cite */
        char *syscall;             /* a libseccomp name, checked for the arch */
        uint64_t args[6];
        char *strs[6];             /* string args by index; NULL when not given */
        char *cwd;                 /* caller.cwd; NULL when not given */
        bool has_caller;           /* false: the caller is unknown (call.caller = NULL) */
        struct policy_caller caller;
        struct testsuite_expect expect;
};

struct testsuite {
        char *policy;              /* a NAME, or a path relative to the test file */
        struct policy_pos policy_pos;
        char *description;         /* optional */
        size_t n_cases;
        struct testsuite_case *cases;
};

/* Frees everything |t| owns; NULL-safe. Returns NULL. */
struct testsuite *testsuite_free(struct testsuite *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct testsuite *, testsuite_free);

/* Parses and validates one test file. Syscall names are checked against the
 * libseccomp |arch| (0: native). Returns 0 and the suite; -EINVAL when any error
 * was found (every one in |diags|, as "LINE:COL" positions, nothing returned);
 * -ENOMEM. Does not log. */
int testsuite_parse(const char *text, size_t len, uint32_t arch, struct testsuite **ret,
                    struct policy_diags *diags);

/* Does the policy path look like a path (has '/' or ends in .yaml), as opposed
 * to a NAME looked up in a policy directory? */
bool testsuite_policy_is_path(const char *policy);

/* The call a case describes; points into |c| (valid while |c| is). */
void testsuite_case_call(const struct testsuite_case *c, struct policy_call *ret);

/* Evaluates |c| with |p| and says whether the verdict (and the rule, when the
 * case names one) is the expected one. Never fails. */
bool testsuite_run_case(const struct policy *p, const struct testsuite_case *c, struct verdict *ret_got);

/* "expected errno EPERM, got emulate mknod (rule 2 \"safe-devices\", line 17)"
 * for a failed case, "emulate mknod (rule 2 \"safe-devices\", line 17)" for a
 * passed one (|passed| true). Returns |buf|. */
const char *testsuite_describe(const struct policy *p, const struct testsuite_case *c, const struct verdict *got,
                               bool passed, char *buf, size_t size);
