/* The compiled-in "default" policy: safe device nodes only. Used when no policy
 * file is configured for a container. */
#include <errno.h>
#include <sys/stat.h>

#include "policy/policy.h"

#define MKNOD_SYSIDS ((1U << SYSID_MKNOD) | (1U << SYSID_MKNODAT))

static const struct policy_dev safe_devices[] = {
        { 1, 3 },  /* null */
        { 1, 5 },  /* zero */
        { 1, 7 },  /* full */
        { 1, 8 },  /* random */
        { 1, 9 },  /* urandom */
        { 5, 0 },  /* tty */
        { 5, 2 },  /* ptmx */
        { 0, 0 },  /* overlayfs whiteout */
};

static const struct policy_rule default_rules[] = {
        {
                /* Regular files, FIFOs and sockets need no privilege: the kernel does them. */
                .sysids = MKNOD_SYSIDS,
                .file_types = POLICY_FILE_TYPE(S_IFREG) | POLICY_FILE_TYPE(S_IFIFO) | POLICY_FILE_TYPE(S_IFSOCK),
                .action = { .kind = VERDICT_CONTINUE },
        },
        {
                .sysids = MKNOD_SYSIDS,
                .file_types = POLICY_FILE_TYPE(S_IFCHR),
                .n_devs = sizeof(safe_devices) / sizeof(safe_devices[0]),
                .devs = safe_devices,
                .action = { .kind = VERDICT_EMULATE, .emulator = EMULATOR_MKNOD },
        },
        {
                .sysids = MKNOD_SYSIDS,
                .action = { .kind = VERDICT_ERRNO, .error = EPERM },
        },
};

static const struct policy default_policy = {
        .name = "default",
        .description = "safe character devices (null, zero, full, random, urandom, tty, ptmx, whiteout); "
                       "every other device node fails with EPERM",
        .dflt = { .kind = VERDICT_ERRNO, .error = EPERM },
        .n_rules = sizeof(default_rules) / sizeof(default_rules[0]),
        .rules = default_rules,
};

const struct policy *policy_builtin_default(void)
{
        return &default_policy;
}
