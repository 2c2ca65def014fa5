/* Without liblxc, LXC containers keep the "lxc-<init pid>" id they start with. */
#include <errno.h>
#include <stddef.h>

#include "common/macro.h"
#include "supervisor/lxc_names.h"

int lxc_names_find(const char *lxcpath _unused_, const char *hint _unused_, pid_t init_pid _unused_,
                   char **ret_name _unused_, char **ret_config _unused_)
{
        return -EOPNOTSUPP;
}

char *lxc_names_default_path(void)
{
        return NULL;
}
