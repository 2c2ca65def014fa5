/* Readiness for a service manager (sd_notify(3)'s datagram protocol, without
 * libsystemd): "READY=1" once seccompd listens, "STOPPING=1" as it shuts down. */
#pragma once

/* Sends |state| (newline-separated VAR=VALUE lines) as one datagram to the unix
 * socket named by $NOTIFY_SOCKET: a path, or an abstract name written with a
 * leading '@'. Returns 1 when sent, 0 when NOTIFY_SOCKET is unset (no manager
 * waits for us), -EINVAL for a malformed address, or the -errno of socket or
 * sendto. The variable stays set: STOPPING=1 needs it at exit. Does not log. */
int readiness_notify(const char *state);
