/* seccompd-shim: runtime integration for seccompd. `exec` runs a command under a
 * policy's notify filter it installs itself (shim_exec.c); `hook` is the OCI hook
 * that registers a container with seccompd before it runs (shim_hook.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy/filter.h"
#include "shim/shim_exec.h"
#include "shim/shim_hook.h"
#include "supervisor/control_client.h"
#include "supervisor/policy_store.h"

static void help(void)
{
        printf("Usage: seccompd-shim exec --policy NAME|FILE [OPTIONS] [--] COMMAND [ARG...]\n"
               "       seccompd-shim hook [createRuntime|poststop] [--socket PATH]\n"
               "Runtime integration for seccompd, the container syscall supervisor.\n\n"
               "Commands (see seccompd-shim COMMAND --help):\n"
               "  exec   run COMMAND under the seccomp notify filter of a policy, its listener\n"
               "         handed to seccompd (socket %s) before COMMAND starts;\n"
               "         exit status %d when that fails and COMMAND did not run, unless\n"
               "         --allow-unsupervised; policies by NAME from %s\n"
               "  hook   an OCI hook: createRuntime registers the container (its OCI state on\n"
               "         stdin) with seccompd, poststop ends the registration (without a\n"
               "         stage, the state's status says which); seccompd's control socket\n"
               "         %s\n\n"
               "Options:\n"
               "  -h, --help      show this help\n"
               "      --version   show the version\n",
               FILTER_LISTENER_DEFAULT, SHIM_EXIT_FAILURE, POLICY_DIR_DEFAULT, CONTROL_SOCKET_DEFAULT);
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*run)(int argc, char **argv);
        } commands[] = {
                { "exec", shim_exec },
                { "hook", shim_hook },
        };

        if (argc < 2) {
                fprintf(stderr, "seccompd-shim: expected a command, exec or hook; see --help\n");
                return 2;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
                help();
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("seccompd-shim %s\n", SECCOMPD_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (strcmp(argv[1], commands[i].name) == 0) {
                        /* getopt starts over on the command's own words. */
                        optind = 0;
                        return commands[i].run(argc - 1, argv + 1);
                }
        fprintf(stderr, "seccompd-shim: unknown command \"%s\"; see --help\n", argv[1]);
        return 2;
}
