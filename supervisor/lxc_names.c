/* Container names from liblxc: a container is ours when liblxc reports the
 * same init pid the monitor's messages carry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

#include "common/macro.h"
#include "supervisor/lxc_names.h"

static void lxc_container_putp(struct lxc_container **c)
{
        if (*c)
                lxc_container_put(*c);
}

/* 1 and the name and config when |c| runs with init |init_pid|, else 0. */
static int match(struct lxc_container *c, pid_t init_pid, char **ret_name, char **ret_config)
{
        char *name;

        if (c->init_pid(c) != init_pid)
                return 0;
        name = strdup(c->name);
        if (!name)
                return -ENOMEM;
        *ret_name = name;
        *ret_config = c->config_file_name(c);
        return 1;
}

static int find_hinted(const char *lxcpath, const char *hint, pid_t init_pid, char **ret_name, char **ret_config)
{
        _cleanup_(lxc_container_putp) struct lxc_container *c = lxc_container_new(hint, lxcpath);

        return c ? match(c, init_pid, ret_name, ret_config) : 0;
}

static int find_active(const char *lxcpath, pid_t init_pid, char **ret_name, char **ret_config)
{
        struct lxc_container **cts = NULL;
        int n = list_active_containers(lxcpath, NULL, &cts), r = 0;

        for (int i = 0; i < n; i++) {
                if (r == 0)
                        r = match(cts[i], init_pid, ret_name, ret_config);
                lxc_container_put(cts[i]);
        }
        free(cts);
        return r;
}

int lxc_names_find(const char *lxcpath, const char *hint, pid_t init_pid, char **ret_name, char **ret_config)
{
        int r = 0;

        if (hint)
                r = find_hinted(lxcpath, hint, init_pid, ret_name, ret_config);
        if (r == 0)
                r = find_active(lxcpath, init_pid, ret_name, ret_config);
        return r > 0 ? 0 : r < 0 ? r : -ENOENT;
}

char *lxc_names_default_path(void)
{
        const char *p = lxc_get_global_config_item("lxc.lxcpath");

        return p ? strdup(p) : NULL;
}
