/* Live upgrade (`seccompctl upgrade`, SIGUSR2): the daemon stops receiving,
 * lets the calls in flight finish, closes its sockets, hands everything to the
 * fd keeper and starts the new binary, which restores it all; once the new
 * daemon says it took over, the old one exits. A call made meanwhile waits in
 * the kernel and is answered by the new daemon: none fails. */
#pragma once

#include <stddef.h>

struct daemon;

/* How long calls in flight may take to finish before the handover goes on
 * without them (they are then left to the new daemon's restore). */
#define UPGRADE_DRAIN_MS 10000
/* How long the new daemon has to take over before the old one resumes. */
#define UPGRADE_TAKEOVER_MS 30000

/* Starts an upgrade to |binary| (NULL: the binary this daemon was started
 * from, as the path names it now). 0, or -errno with a reason in errbuf:
 * -ENOTCONN without a keeper, -EBUSY when one is under way, -EACCES when
 * |binary| is not executable. Logs the start; the rest logs as it goes. */
int upgrade_start(struct daemon *d, const char *binary, char *errbuf, size_t errlen);

/* Ends an upgrade in progress without resuming anything (the daemon stops). */
void upgrade_cancel(struct daemon *d);
