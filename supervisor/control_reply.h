/* The control socket's answers (control.h serves them): JSON documents built
 * from the daemon's state, no I/O. */
#pragma once

#include <stddef.h>

struct daemon;

/* The reply to one request line of |len| bytes followed by a NUL (a command
 * word and optional arguments, without the newline; control_request_parse()):
 * "ping", "pending [CONTAINER]", "containers", "stats",
 * "policies", "reload", "register STATE", "unregister STATE" (STATE: the plain
 * OCI state JSON an OCI hook reads; supervisor/intake_hook.h). An unknown or malformed
 * request (a NUL byte in the line included) still yields a document, {"error": "..."}. *ret_json is a NUL-terminated
 * JSON document ending in a newline, owned by the caller (free()). Strings that
 * came from containers or trapped processes are made printable ASCII (\xNN,
 * backslash doubled). Returns 0 or -ENOMEM; does not log. */
int control_reply(struct daemon *d, const char *request, size_t len, char **ret_json);

/* {"error": MESSAGE} as a malloc'd JSON document, NULL on ENOMEM. Does not log. */
char *control_reply_error(const char *message);
