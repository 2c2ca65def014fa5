/* Intake for the OCI seccomp agent protocol (runtime-spec "listenerPath"): a
 * runtime connects, sends a ContainerProcessState JSON with the listener fd by
 * SCM_RIGHTS (possibly over several sendmsg calls), and closes its side. */
#pragma once

#include <stddef.h>

struct daemon;
struct intake_oci;
struct oci_state;

/* Largest accepted message; the runtime-spec sets none, runc's are ~1 KiB plus
 * annotations. */
#define INTAKE_OCI_MAX_MESSAGE (1024 * 1024)
#define INTAKE_OCI_MAX_FDS 16
#define INTAKE_OCI_TIMEOUT_MS 5000
/* Registrations read at once: a runtime's lasts milliseconds; more are refused
 * ("error busy ...") so that idle connections cannot take every fd we have. */
#define INTAKE_OCI_MAX_CONNECTIONS 64

/* Binds |path| (see socket_listen_unix) and serves it on d->loop. 0 or -errno;
 * logs the failure. Freed with intake_oci_free(), which closes the socket and
 * every half-read connection (handles go from their close callbacks). */
int intake_oci_new(struct daemon *d, const char *path, struct intake_oci **ret);
struct intake_oci *intake_oci_free(struct intake_oci *in);

/* As intake_oci_new() on |fd|, a non-blocking listening unix stream socket a
 * service manager passed (activation_take()): taken over on every path, and
 * its file is left in place at exit (the manager still listens there).
 * 0 or -errno; logs the failure. */
int intake_oci_adopt(struct daemon *d, int fd, struct intake_oci **ret);

/* Where |in| listens: its path, or "passed fd N" for a passed unnamed socket. */
const char *intake_oci_path(const struct intake_oci *in);

/* Registers the container described by |s| with its listener from |fds| (all
 * taken over: closed on every path, except the listener the registry keeps).
 * On failure writes a one-line reason into errbuf and returns -errno. Logs only
 * the success; the caller logs the reason once. */
int intake_oci_register(struct daemon *d, const struct oci_state *s, int *fds, size_t n_fds, char *errbuf,
                        size_t errlen);
