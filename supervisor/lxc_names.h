/* LXC container names by init pid. Blocking, and never for the loop: liblxc
 * asks each container's monitor over its command socket, and a monitor that
 * waits for our reply to a notification answers nothing until it has it.
 * Built from lxc_names.c with liblxc, or lxc_names_none.c without it. */
#pragma once

#include <sys/types.h>

/* Finds the running container whose init is |init_pid| among the containers of
 * |lxcpath|: |hint| (a name, may be NULL) first, then every active one. On
 * success *ret_name and *ret_config (its config file, may be NULL) are
 * malloc'd. 0, -ENOENT, -ENOMEM, -EOPNOTSUPP (built without liblxc). Does not
 * log (liblxc itself may, to stderr). */
int lxc_names_find(const char *lxcpath, const char *hint, pid_t init_pid, char **ret_name, char **ret_config);

/* liblxc's lxcpath (lxc.lxcpath in lxc.conf, /var/lib/lxc by default),
 * malloc'd; NULL without liblxc or on ENOMEM. */
char *lxc_names_default_path(void);
