/* Names of verdicts and emulators, for logs, control output and policy files. */
#include <stddef.h>

#include "policy/verdict.h"

const char *verdict_kind_to_string(enum verdict_kind k)
{
        static const char *const names[_VERDICT_MAX] = {
                [VERDICT_CONTINUE] = "continue",
                [VERDICT_ERRNO] = "errno",
                [VERDICT_EMULATE] = "emulate",
        };

        return (unsigned) k < _VERDICT_MAX ? names[k] : "invalid";
}

const char *emulator_to_string(enum emulator_id e)
{
        static const char *const names[_EMULATOR_MAX] = {
                [EMULATOR_NONE] = "none",
                [EMULATOR_MKNOD] = "mknod",
        };

        return (unsigned) e < _EMULATOR_MAX ? names[e] : "invalid";
}
