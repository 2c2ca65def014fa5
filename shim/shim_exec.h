/* seccompd-shim exec: runs a command under a policy's notify filter, whose
 * listener seccompd has accepted before the command's first instruction. */
#pragma once

/* Exit statuses of our own, before the command ran (as env(1) and timeout(1)). */
#define SHIM_EXIT_FAILURE 125
#define SHIM_EXIT_CANNOT_RUN 126
#define SHIM_EXIT_NOT_FOUND 127

/* The exec subcommand; argv[0] is "exec". Execs the command on success, so it
 * returns only an exit status for a failure: SHIM_EXIT_* (and 0 for --help).
 * Logs what went wrong. */
int shim_exec(int argc, char **argv);
