/* The runtime side of the OCI listenerPath protocol, as runc 1.1 speaks it: one
 * connection, the ContainerProcessState JSON with the listener fd attached by
 * SCM_RIGHTS, and seccompd's reply line. Used by seccompd-shim exec, and by the
 * test tool sc-trap and the benchmark, which bend it. Prints nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes the ContainerProcessState JSON runc would send for a process |pid| of
 * container |id| (listenerMetadata |metadata|, state.bundle |bundle|) into |buf|;
 * |pretty| indents it. Returns its length, or -ENAMETOOLONG when it does not fit. */
int oci_send_format_state(char *buf, size_t size, pid_t pid, const char *id, const char *metadata,
                          const char *bundle, bool pretty);

/* Connects to |socket_path| (unix stream, SOCK_CLOEXEC unless |inheritable|).
 * Returns the fd or -errno. */
int oci_send_connect(const char *socket_path, bool inheritable);

/* Sends |len| bytes of |msg| in |chunks| sendmsg calls (at least 1), attaching
 * |fd| (if >= 0) to the second chunk, or to the only one. With one chunk the only
 * syscalls are sendmsg (more than one only when the socket takes a part). With
 * MSG_NOSIGNAL: a peer that closed early gives -EPIPE or -ECONNRESET. Returns 0
 * or -errno. */
int oci_send(int sock, const char *msg, size_t len, int fd, unsigned chunks);

/* Reads the daemon's reply line ("ok <id>" / "error <reason>") into |buf|
 * without the newline, waiting at most |timeout_ms| for each byte. Returns its
 * length (0 when the daemon closed without a reply), -ETIMEDOUT, or -errno. */
int oci_send_read_ack(int sock, char *buf, size_t size, int timeout_ms);
