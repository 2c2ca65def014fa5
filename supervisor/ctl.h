/* seccompctl's commands that run locally, without a daemon: policy authoring
 * and runtime configuration. Each takes the words after its own name (argv[0]
 * is the command name, for getopt) and returns the process exit status:
 * 0 success, 1 failure (reported on stderr), 2 usage error. */
#pragma once

#include <stdbool.h>

struct ctl_options {
        const char *control;     /* the daemon's control socket */
        const char *policy_dir;  /* where NAME policies are found */
        bool json;
};

/* seccompctl policy check FILE|NAME...: parse and validate, print diagnostics. */
int ctl_policy_check(int argc, char **argv, const struct ctl_options *o);

/* seccompctl policy test [--verbose] FILE|DIR...: run policy test files (supervisor/ctl_test.c). */
int ctl_policy_test(int argc, char **argv, const struct ctl_options *o);

/* seccompctl policy filter [--format F] [--socket P] [--arch A] NAME|FILE: the
 * seccomp filter a policy needs (supervisor/ctl_filter.c). */
int ctl_policy_filter(int argc, char **argv, const struct ctl_options *o);

/* seccompctl oci-patch --policy NAME [--socket P] CONFIG.JSON: edit an OCI
 * config.json in place to use seccompd (supervisor/ctl_filter.c). */
int ctl_oci_patch(int argc, char **argv, const struct ctl_options *o);

/* seccompctl upgrade [--binary PATH] [--timeout S]: hand the daemon over to a
 * new binary and wait for it (supervisor/ctl_upgrade.c). */
int ctl_upgrade(int argc, char **argv, const struct ctl_options *o);
