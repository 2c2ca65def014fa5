/* Answering a notification whichever intake it came from: dispatch and the
 * emulators call these, the listener's ops (registry.h) carry the answer. The
 * ops of a seccomp listener fd we RECV from live here too. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/registry.h"

/* A seccomp listener fd polled and RECV'd from by the daemon (OCI intake):
 * SEND and ADDFD with SECCOMP_ADDFD_FLAG_SEND. */
extern const struct listener_ops answer_notify_fd_ops;

/* Answers n: |error| > 0 fails the call with it, else the call returns |val|,
 * or the kernel runs it when |cont| (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * 0, -ENOENT when the caller is gone (routine), other -errno. Does not log. */
int answer_value(struct notification *n, int error, int64_t val, bool cont);

/* Installs |fd| (still the caller's of this to close) in n's caller with
 * |fd_flags| and answers the call with its number there, in one step where the
 * listener allows it. The number; -ENOENT when the caller is gone; another
 * -errno when nothing was installed (EMFILE: the caller's table is full), the
 * call then still unanswered. Does not log. */
int answer_fd(struct notification *n, int fd, uint32_t fd_flags);

/* n finishes unanswered because its caller is gone: whatever its listener
 * still owes for it (an LXC monitor waits for a reply to every message). */
void answer_dropped(struct notification *n);
