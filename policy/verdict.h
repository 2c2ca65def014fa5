/* What to do with one trapped call: the output of policy evaluation, as data. */
#pragma once

enum verdict_kind {
        VERDICT_CONTINUE, /* let the kernel run the call as made */
        VERDICT_ERRNO,    /* fail it with error */
        VERDICT_EMULATE,  /* perform it for the caller with emulator */
        _VERDICT_MAX,
};

enum emulator_id {
        EMULATOR_NONE,
        EMULATOR_MKNOD,
        _EMULATOR_MAX,
};

struct verdict {
        enum verdict_kind kind;
        int error;              /* VERDICT_ERRNO: positive errno */
        enum emulator_id emulator;
        int rule;               /* index of the rule that matched, -1 for the default */
};

const char *verdict_kind_to_string(enum verdict_kind k);
const char *emulator_to_string(enum emulator_id e);
