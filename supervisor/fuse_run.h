/* The loop's side of a FUSE redirect (emulators/mount_fuse.h): one spawner per
 * call, its pidfd polled for the exit, a timer as the backstop. The loop never
 * waits on the program; other calls, of this container or others, go on. */
#pragma once

#include "emulators/mount_fuse.h"

struct daemon;
struct notification;

/* The spawner kills the program after the job's timeout itself; the loop kills
 * the spawner this much later if it is still there. */
#define FUSE_RUN_GRACE_MS 2000

/* Spawns |job| for |n|, which finishes when the spawner exits: with 0 when the
 * program mounted, n->timeout_error after the timeout, else the errno of
 * mount_fuse_errno(). A caller that goes away meanwhile (n dropped) does not
 * stop the program. 0, or the -errno to fail n with now. Logs the outcome. */
int fuse_run_start(struct daemon *d, struct notification *n, const struct mount_fuse_job *job);

/* At shutdown: kills every spawner still running and closes its handles. */
void fuse_run_close_all(struct daemon *d);
