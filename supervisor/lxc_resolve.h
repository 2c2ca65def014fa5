/* Names LXC containers after they registered: their records start as
 * "lxc-<init pid>" and are renamed once liblxc (lxc_names.h) finds the name,
 * off the loop on libuv's thread pool, one container at a time. */
#pragma once

#include <sys/types.h>

struct daemon;
struct container;
struct lxc_resolve;

/* Looks in |lxcpath| (NULL: liblxc's default) and in the lxcpath the monitor's
 * process title names ("[lxc monitor] PATH NAME", set by a daemonized
 * monitor). 0 or -ENOMEM; logs. Freed with lxc_resolve_free(). */
int lxc_resolve_new(struct daemon *d, const char *lxcpath, struct lxc_resolve **ret);

/* Queues |c| (its id, init and monitor pid are copied: the record may go
 * meanwhile, and is then left alone). Logs the outcome when it comes. */
void lxc_resolve_submit(struct lxc_resolve *rs, const struct container *c);

/* Drops what is queued; a lookup already running finishes on its thread and
 * frees the rest from its completion callback (the loop must run once more,
 * as it must anyway before uv_loop_close). NULL-safe; returns NULL. */
struct lxc_resolve *lxc_resolve_free(struct lxc_resolve *rs);
