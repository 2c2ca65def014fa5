/* The daemon's configuration file (/etc/seccompd/seccompd.yaml): VF pools and
 * per-container limits for policies that set none. The daemon runs with
 * built-in defaults (no pools) when the file does not exist. Parsing is pure;
 * the caller reads the file. */
#pragma once

#include <stddef.h>

#include "policy/policy_limits.h"
#include "policy/parse.h"
#include "supervisor/devices/vf_pool_spec.h"

#define DAEMON_CONFIG_DEFAULT "/etc/seccompd/seccompd.yaml"

struct daemon_config {
        struct vf_pool_spec *pools;
        size_t n_pools;
        struct policy_limits limits;   /* `limits:`: for what a policy's leave unset; unset fields 0 */
};

/* Parses |text| (|file| names it in diagnostics). 0 and *ret (clear it with
 * daemon_config_clear()); -EINVAL with every error in |diags|; -ENOMEM. An
 * empty document is an empty config. Does not log. */
int daemon_config_parse(const char *text, size_t len, const char *file, struct daemon_config *ret,
                        struct policy_diags *diags);

/* Reads and parses |path|: -ENOENT (nothing filled) when it does not exist,
 * so the caller can fall back to the defaults. Logs its diagnostics and read
 * errors as file:line:col. */
int daemon_config_load(const char *path, struct daemon_config *ret);

void daemon_config_clear(struct daemon_config *c);

/* The pool named |name|, or NULL. */
const struct vf_pool_spec *daemon_config_pool(const struct daemon_config *c, const char *name);
