/* The OCI ContainerProcessState a runtime sends with a seccomp listener fd
 * (runtime-spec config-linux.md, "listenerPath"), and the plain OCI state an OCI
 * hook reads on stdin (runtime-spec runtime.md, "State"), which seccompd-shim
 * forwards to the control socket. Parsing is pure and fuzzed: the bytes come
 * from a peer we only partly trust. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/macro.h"

#define OCI_STATE_MAX_FDS 16
#define OCI_STATE_MAX_ANNOTATIONS 256

struct oci_annotation {
        char *key;
        char *value;
};

struct oci_state {
        char *oci_version;
        size_t n_fds;
        char *fds[OCI_STATE_MAX_FDS];    /* names, e.g. "seccompFd", in SCM_RIGHTS order */
        pid_t pid;                       /* the process that installed the filter */
        char *metadata;                  /* listenerMetadata, may be NULL */
        char *id;                        /* state.id */
        char *status;                    /* state.status: creating, created, running, ... */
        pid_t init_pid;                  /* state.pid, 0 if absent */
        char *bundle;                    /* state.bundle, may be NULL */
        size_t n_annotations;
        struct oci_annotation annotations[OCI_STATE_MAX_ANNOTATIONS];
};

/* Parses a JSON ContainerProcessState of |len| bytes (need not be NUL-terminated).
 * Unknown fields are ignored. On failure returns -EINVAL (malformed or missing
 * required field: ociVersion, fds, pid, state.id) or -E2BIG (too many fds or
 * annotations) or -ENOMEM, and writes a one-line reason to errbuf. Does not log. */
int oci_state_parse(const char *buf, size_t len, struct oci_state **ret, char *errbuf, size_t errlen);

/* Parses the plain OCI state object of an OCI hook: ociVersion and id required;
 * status, pid (0 or absent: no process, as for a stopped container), bundle and
 * annotations optional; unknown fields ignored. Fills the same fields as the
 * "state" object of oci_state_parse() (pid goes to init_pid; pid, fds and
 * metadata stay empty). Errors as oci_state_parse(). Does not log. */
int oci_state_parse_state(const char *buf, size_t len, struct oci_state **ret, char *errbuf, size_t errlen);

/* Writes |s| as a plain OCI state object on one line (compact JSON, no newline):
 * ociVersion, id, status, pid and bundle where set, annotations. What
 * oci_state_parse_state() reads back to the same fields. 0 or -EIO. */
int oci_state_write_state(const struct oci_state *s, FILE *f);

struct oci_state *oci_state_free(struct oci_state *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct oci_state *, oci_state_free)

/* Index of the fd called |name| in s->fds, or -ENOENT. */
int oci_state_fd_index(const struct oci_state *s, const char *name);

/* The annotation naming a container's policy (its default: "default"). */
#define OCI_STATE_ANNOTATION_POLICY "org.seccompd.policy"

/* The annotation value for |key|, or NULL. */
const char *oci_state_annotation(const struct oci_state *s, const char *key);

/* The value of |key| in listenerMetadata (metadata_get(): space- or
 * comma-separated key=value pairs, "policy=default"). Copies it to buf; -ENOENT
 * if absent, -ENAMETOOLONG if it does not fit. */
int oci_state_metadata_get(const struct oci_state *s, const char *key, char *buf, size_t size);
