/* The control socket seccompctl talks to: one request line in, one JSON document
 * out, then the daemon closes. Root only (SO_PEERCRED). Never blocks the loop. */
#pragma once

#include <stddef.h>

#include "supervisor/control_request.h"

struct daemon;
struct control;

/* Bounds on one connection: a request line longer than CONTROL_MAX_REQUEST
 * (control_request.h) is answered with an error, a client that has not
 * completed its exchange in time is dropped. A register request carries the
 * container's annotations: 64 KiB leaves room for those CRI-O and Kubernetes add. */
#define CONTROL_TIMEOUT_MS 5000
#define CONTROL_MAX_CONNECTIONS 16

/* Binds a unix stream socket at |path| (its parent directory is created 0700 if
 * missing, the socket is 0600 from birth) and polls it on d->loop. A socket file
 * left at |path| by a dead daemon is replaced; one that somebody still listens on
 * is not (-EADDRINUSE), nor is anything that is not a socket (-EEXIST).
 * On success *ret is owned by the caller and released with control_free(); |d|
 * must outlive it. Returns 0, -ENAMETOOLONG, -EADDRINUSE, -EEXIST, -ENOMEM or the
 * -errno of the failing mkdir/socket/bind/listen; logs its failures. */
int control_new(struct daemon *d, const char *path, struct control **ret);

/* Stops accepting, drops every open connection and unlinks the socket (only if it
 * is still the one this daemon bound). NULL-safe; returns NULL. The memory goes
 * with the last libuv close callback, so the loop must run once more afterwards
 * (as it must anyway before uv_loop_close). Does not log. */
struct control *control_free(struct control *c);

/* As control_new() on |fd|, a non-blocking listening unix stream socket a
 * service manager passed (activation_take()): taken over on every path, and
 * its file is never unlinked (the manager keeps listening on it across our
 * restarts). 0 or -errno; logs its failures. */
int control_adopt(struct daemon *d, int fd, struct control **ret);

/* Where |c| listens: its path, or "passed fd N" for a passed unnamed socket. */
const char *control_path(const struct control *c);
