/* Per-container bounds on the daemon's work: a policy's `limits:` section, the
 * daemon config's `limits:` for what a policy leaves unset, then the built-in
 * defaults. A call over a limit fails at once with the limits' errno. */
#pragma once

#include <errno.h>
#include <stdint.h>

struct yaml_ctx;
struct policy_pos;
struct fy_node;

/* No bound at all (`unlimited` in YAML). */
#define LIMIT_UNLIMITED UINT64_MAX

struct policy_limits {
        uint64_t in_flight;    /* the container's notifications received and not yet answered; 0: unset */
        uint64_t helper_queue; /* its requests sent to its namespace helper and not yet answered; 0: unset */
        uint64_t read_bytes;   /* bytes one call may read from the caller's memory (all its pointer args); 0: unset */
        int error;             /* positive errno an over-limit call fails with; 0: unset */
};

/* Generous for any well-behaved container (a thread has at most one call in
 * flight; a helper mount takes milliseconds; the largest default read is a
 * 4096-instruction BPF program, 32 KiB), small enough that a hostile one
 * cannot make the daemon hold more than a few MiB for it. */
#define POLICY_LIMITS_DEFAULT                                                                           \
        ((struct policy_limits) { .in_flight = 256, .helper_queue = 32, .read_bytes = 1024 * 1024,     \
                                  .error = EAGAIN })

/* Each field of |policy| that is set, else |config|'s, else the default.
 * Either may be NULL. */
void policy_limits_resolve(const struct policy_limits *policy, const struct policy_limits *config,
                           struct policy_limits *ret);

/* Parses a `limits:` mapping (in_flight, helper_queue, read_bytes, errno; each
 * optional) into |ret|; fields it does not name stay as they were. Counts are
 * 1..1000000 or `unlimited`; read_bytes takes B, KiB, MiB, GiB or TiB too
 * (1 B..1 TiB). Records
 * every error at its line:column in |c|: 0, -EINVAL, -ENOMEM. */
int policy_limits_parse(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, struct policy_limits *ret);
