/* The client side of the control socket (supervisor/control.h): one request line
 * out, the daemon's JSON document back. Shared by seccompctl and seccompd-shim's
 * OCI hooks. Does not log. */
#pragma once

#include <stddef.h>

#define CONTROL_SOCKET_DEFAULT "/run/seccompd/control.sock"
#define CONTROL_CLIENT_TIMEOUT_SEC 10
#define CONTROL_CLIENT_REPLY_MAX (64U << 20)

/* Sends |request| (a command word and its arguments, no newline) to the daemon
 * at |path| and reads its reply to EOF, NUL-terminated, into *ret_buf (malloc'd).
 * Each send and receive waits at most CONTROL_CLIENT_TIMEOUT_SEC. Returns 0, or
 * -ENOENT / -ECONNREFUSED (no daemon), -EACCES, -EAGAIN (no answer in time),
 * -EFBIG (reply over CONTROL_CLIENT_REPLY_MAX), -ENOMEM or another -errno. */
int control_client_query(const char *path, const char *request, char **ret_buf, size_t *ret_len);

/* Prints what a failed control_client_query() means for the operator to stderr:
 * "|who|: seccompd is not running (no control socket at PATH)", ... */
void control_client_explain(const char *who, int r, const char *path);
