/* What to do with one trapped call: the output of policy evaluation, as data. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum verdict_kind {
        VERDICT_CONTINUE, /* let the kernel run the call as made */
        VERDICT_ERRNO,    /* fail it with error */
        VERDICT_EMULATE,  /* perform it for the caller with emulator */
        VERDICT_INJECT,   /* open a file on the host, hand the caller the fd */
        _VERDICT_MAX,
};

enum emulator_id {
        EMULATOR_NONE,
        EMULATOR_MKNOD,
        _EMULATOR_MAX,
};

/* A device number, either part may be POLICY_ANY. */
#define POLICY_ANY UINT32_MAX

struct policy_dev {
        uint32_t major, minor;
};

/* emulate mknod: an optional second allowlist the emulator itself enforces
 * (n_devices == 0: whatever the rule's matches let through). */
struct mknod_params {
        size_t n_devices;
        struct policy_dev *devices;
};

/* inject: what the supervisor opens for the caller. */
struct inject_params {
        char *path;      /* absolute host path */
        int open_flags;  /* O_RDONLY, O_RDWR, ... (O_CLOEXEC implied for the supervisor) */
        int fd_flags;    /* O_CLOEXEC for the caller's fd, or 0 */
};

union handler_params {
        struct mknod_params mknod;
        struct inject_params inject;
};

struct verdict {
        enum verdict_kind kind;
        int error;                          /* VERDICT_ERRNO: positive errno */
        enum emulator_id emulator;          /* VERDICT_EMULATE */
        const union handler_params *params; /* EMULATE / INJECT; owned by the policy */
        int rule;                           /* index of the rule that matched, -1 for the default */
};

const char *verdict_kind_to_string(enum verdict_kind k);
const char *emulator_to_string(enum emulator_id e);
/* EMULATOR_* for a handler name, or -EINVAL. */
int emulator_from_string(const char *name);

/* "continue", "errno EPERM", "emulate mknod", "inject /dev/net/tun". */
const char *verdict_format(const struct verdict *v, char *buf, size_t size);
