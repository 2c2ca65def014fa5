/* bpf(2) for a nested container engine: cgroup device programs loaded on the
 * host (the kernel's verifier runs), attached to, detached from and queried on
 * cgroup2 directories inside the container's own cgroup. Nothing here logs:
 * refusals come back with a reason for the caller to log. */
#pragma once

#include <stddef.h>

#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

/* One container's side: its cgroup2 cgroup and the programs it attached. */
struct bpf_container;

/* |cgroup2| is the container's v2 cgroup as its init showed it at registration
 * ("/..."), or NULL when it had none (a cgroup v1 only host). NULL on ENOMEM. */
struct bpf_container *bpf_container_new(const char *cgroup2);

/* Detaches every program the container attached and closes what it held. */
void bpf_container_free(struct bpf_container *b);

/* Programs attached now. */
size_t bpf_container_attached(const struct bpf_container *b);

struct bpf_result {
        int fd;          /* BPF_PROG_LOAD: the new program, for the caller (owned by the caller of bpf_emulate) */
        const char *why; /* a refusal's reason, for the log; NULL for the kernel's own errors */
};

#define BPF_RESULT_NULL { .fd = -1, .why = NULL }

/* bpf_emulate(): the kernel should run the call (the policy's other_types: continue). */
#define BPF_EMULATE_CONTINUE 1

/* Performs the caller's bpf(cmd, attr, size) (req: a decoded bpf call). 0 (with
 * res->fd set for a load), BPF_EMULATE_CONTINUE, -ENOENT when the caller went
 * away before anything was done, or -errno: the call's result, as the kernel
 * would give it. Reads attr once; what another thread writes there later
 * changes nothing. */
int bpf_emulate(const struct request *req, const struct bpf_params *p, const struct target *t,
                struct bpf_container *b, struct bpf_result *res);
