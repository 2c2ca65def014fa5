/* Fuzzes the policy test-file parser (policy/testsuite.c, what `seccompctl
 * policy test` reads) and builds the call of every case it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy/testsuite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(testsuite_freep) struct testsuite *t = NULL;
        struct policy_diags d = { 0 };
        size_t total = 0;

        if (testsuite_parse((const char *) data, size, 0, &t, &d) == 0) {
                (void) testsuite_policy_is_path(t->policy);
                for (size_t i = 0; i < t->n_cases; i++) {
                        struct policy_call call;

                        testsuite_case_call(&t->cases[i], &call);
                        total += call.syscall ? strlen(call.syscall) : 0;
                }
        }
        for (size_t i = 0; i < d.n; i++)
                total += strlen(d.v[i].msg) + d.v[i].pos.line;
        (void) total;
        policy_diags_clear(&d);
        return 0;
}
