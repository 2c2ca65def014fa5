/* Names of verdicts and emulators, for logs, control output and policy files. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policy/schema.h"
#include "policy/verdict.h"

const char *verdict_kind_to_string(enum verdict_kind k)
{
        static const char *const names[_VERDICT_MAX] = {
                [VERDICT_CONTINUE] = "continue",
                [VERDICT_ERRNO] = "errno",
                [VERDICT_EMULATE] = "emulate",
                [VERDICT_INJECT] = "inject",
        };

        return (unsigned) k < _VERDICT_MAX ? names[k] : "invalid";
}

const char *emulator_to_string(enum emulator_id e)
{
        static const char *const names[_EMULATOR_MAX] = {
                [EMULATOR_NONE] = "none",
                [EMULATOR_MKNOD] = "mknod",
                [EMULATOR_MOUNT] = "mount",
                [EMULATOR_XATTR] = "setxattr",
                [EMULATOR_SYSINFO] = "sysinfo",
                [EMULATOR_BPF] = "bpf",
        };

        return (unsigned) e < _EMULATOR_MAX ? names[e] : "invalid";
}

int emulator_from_string(const char *name)
{
        for (int e = EMULATOR_NONE + 1; e < _EMULATOR_MAX; e++)
                if (strcmp(emulator_to_string((enum emulator_id) e), name) == 0)
                        return e;
        return -EINVAL;
}

const char *verdict_format(const struct verdict *v, char *buf, size_t size)
{
        const char *e;

        switch (v->kind) {
        case VERDICT_ERRNO:
                e = errno_to_name(v->error);
                if (e)
                        snprintf(buf, size, "errno %s", e);
                else
                        snprintf(buf, size, "errno %d", v->error);
                break;
        case VERDICT_EMULATE:
                snprintf(buf, size, "emulate %s", emulator_to_string(v->emulator));
                break;
        case VERDICT_INJECT:
                if (v->params && v->params->inject.requested)
                        snprintf(buf, size, "inject requested (%s)",
                                 v->params->inject.root == INJECT_ROOT_CONTAINER ? "container" : "host");
                else
                        snprintf(buf, size, "inject %s", v->params && v->params->inject.path ? v->params->inject.path : "?");
                break;
        default:
                snprintf(buf, size, "%s", verdict_kind_to_string(v->kind));
                break;
        }
        return buf;
}
