/* VF creation at daemon start: a pool with `numvfs: N` has N VFs made on each
 * PF its `pfs` selector names (sriov_numvfs; 0 first when changing a non-zero
 * count, as the kernel requires). A PF whose VFs are in use by recorded
 * allocations is never changed: that would pull the VFs out of running
 * containers. */
#pragma once

struct daemon;

/* How long the virtfnN links may take to show after a write. */
#define DEVICES_NUMVFS_WAIT_MS 5000

/* Applies every pool's numvfs. Blocks for the sysfs writes (the kernel makes
 * the VFs before the write returns); call before the loop serves anything.
 * Failures are logged per PF and never stop the daemon. */
void devices_numvfs_apply(struct daemon *d);
