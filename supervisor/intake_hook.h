/* Intake for OCI hooks (seccompd-shim hook): the createRuntime hook registers a
 * container before it runs anything, so that its record (pidfd, cgroup, bundle,
 * annotations) exists before any listener arrives and after the last one goes;
 * the poststop hook ends the registration. The requests come over the control
 * socket (root only) as "register STATE" / "unregister STATE", STATE being the
 * plain OCI state JSON the runtime gave the hook. */
#pragma once

#include <stddef.h>

struct daemon;
struct container;

/* Registers the container |json| describes (its pid is required). On success
 * *ret is the record (owned by the registry). On failure writes a one-line reason
 * into errbuf and returns -EINVAL (bad state), -EEXIST (the id belongs to another
 * live container), -ESRCH (no such pid) or another -errno. Logs once either way. */
int intake_hook_register(struct daemon *d, const char *json, struct container **ret, char *errbuf,
                         size_t errlen);

/* Ends the hook registration of the container |json| describes. Returns 1 when it
 * had one, 0 when not (already gone with its init: poststop runs after that), or
 * -errno with a reason in errbuf (-EINVAL bad state, -ESRCH the pid given is not
 * the record's live init's). Logs once. */
int intake_hook_unregister(struct daemon *d, const char *json, char *errbuf, size_t errlen);
