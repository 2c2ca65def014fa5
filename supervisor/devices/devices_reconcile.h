/* At daemon start, the VF allocation records an earlier daemon left in the
 * state dir are made true again, on their own (no registry record needed):
 * a record whose container's init still runs (same pid and start time) is
 * re-adopted — its pidfd watched and its VFs given back when it exits; one
 * whose init is gone has its VF given back now (found on the host by PCI
 * address, renamed back, its driver restored, freed). A VF not on the host
 * yet (its netdev still in a dying network namespace: the kernel moves a
 * physical netdev back to the initial namespace when its namespace goes,
 * maybe renamed devN) is "missing" and retried on a timer, never waited for. */
#pragma once

struct daemon;
struct devices_reconcile;

/* How often missing VFs are looked for again. */
#define DEVICES_RECONCILE_RETRY_MS 500

/* Runs one reconciliation pass now and keeps what it adopted and what is
 * missing in d->vf_reconcile (made on the first call). Records a registered
 * container holds (c->devices) are left to it, so a caller that restored
 * registry records with their VFs first may still call this. Everything is
 * logged here; 0, or -ENOMEM / the -errno of starting a libuv handle. */
int devices_reconcile(struct daemon *d);

/* Stops watching (the daemon stops: adopted VFs stay recorded for the next
 * one) and frees d->vf_reconcile once libuv has closed its handles. */
void devices_reconcile_stop(struct daemon *d);

/* VFs re-adopted for live containers, and VFs missing at the last pass. */
unsigned devices_reconcile_adopted(const struct daemon *d);
unsigned devices_reconcile_missing(const struct daemon *d);
