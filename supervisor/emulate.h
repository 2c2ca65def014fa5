/* Carrying out EMULATE and INJECT verdicts: the synchronous emulators (mknod,
 * setxattr, sysinfo) run on the loop against the caller pinned by a target;
 * mount work goes to the container's namespace helper and finishes when it
 * answers (or times out). */
#pragma once

#include "supervisor/dispatch.h"

void emulate_notification(struct notification *n);
void inject_notification(struct notification *n);
