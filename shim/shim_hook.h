/* seccompd-shim hook createRuntime|poststop: an OCI hook that registers the
 * container with seccompd before it runs and ends that registration after it
 * stopped (control commands register/unregister, supervisor/intake_hook.h). */
#pragma once

/* The hook subcommand; argv[0] is "hook". Returns the exit status: 0, 1 when the
 * state is invalid or seccompd refused or cannot be reached, 2 on bad usage.
 * Says why on stderr. */
int shim_hook(int argc, char **argv);
