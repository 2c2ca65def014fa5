/* Fuzzes the policy parser (policy_parse) and evaluates what it accepts: a
 * policy file with a typo must give diagnostics, never take seccompd down. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy/parse.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One call per syscall the policy names, args taken from the input. */
static void evaluate_all(const struct policy *p, const uint8_t *data, size_t size)
{
        static const struct policy_caller caller = { .uid = 0, .userns = true, .cap_effective = 1 << 21 };

        for (size_t i = 0; i < p->n_syscalls; i++) {
                struct policy_call call = { .syscall = p->syscalls[i].name, .caller = &caller };
                struct verdict v;

                memcpy(call.args, data, size < sizeof(call.args) ? size : sizeof(call.args));
                for (size_t k = 0; k < 6; k++)
                        call.strs[k] = k % 2 ? "/dev/null" : "trusted.overlay.opaque";
                policy_evaluate(p, &call, &v);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;
        size_t total = 0;

        if (policy_parse((const char *) data, size, "fuzz.yaml", 0, &p, &d) == 0)
                evaluate_all(p, data, size);
        for (size_t i = 0; i < d.n; i++)
                total += strlen(d.v[i].msg) + d.v[i].pos.line + d.v[i].pos.col;
        (void) total;
        policy_free(p);
        policy_diags_clear(&d);
        return 0;
}
