/* The daemon's policies: loaded at start, reloaded on SIGHUP and `seccompctl
 * reload`. Running containers keep the version they registered with. */
#pragma once

#include "supervisor/daemon.h"
#include "supervisor/policy_store.h"

/* At start: a policy directory with errors is logged, the good files load; only
 * an unreadable directory or no memory fails start-up. Logs. */
int daemon_load_policies(struct daemon *d);

/* Reloads, logs the outcome and every diagnostic; the report is the caller's to
 * clear. 0, or -EINVAL when some file failed (its last good version stays). */
int daemon_reload_policies(struct daemon *d, struct policy_reload_report *report);
