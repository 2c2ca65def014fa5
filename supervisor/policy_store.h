/* The policies a daemon (or seccompctl) knows: every *.yaml in the policy
 * directory, plus the built-in default when the directory has none. Each name
 * has a current version; a reload replaces a version only by one that parsed
 * without errors, so a bad edit never takes a working policy away. Containers
 * hold a reference to the version they started with. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "policy/parse.h"
#include "policy/policy.h"

struct filter_plan;

/* From meson: SYSCONFDIR/seccompd/policies, /etc/seccompd/policies for prefix /usr. */
#ifdef SECCOMPD_POLICY_DIR
#define POLICY_DIR_DEFAULT SECCOMPD_POLICY_DIR
#else
#define POLICY_DIR_DEFAULT "/etc/seccompd/policies"
#endif
#define POLICY_FILE_MAX (1024 * 1024)

struct policy_version {
        struct policy *policy;
        unsigned version;        /* per name: 1 at first load, +1 each reload that changed it */
        unsigned refs;
        uint64_t digest;         /* of the file's text: a reload of the same text keeps the version */
};

struct policy_store {
        char *dir;
        uint32_t arch;
        size_t n;
        struct policy_version **current; /* sorted by policy name */
        unsigned reloads;
};

struct policy_reload_report {
        unsigned loaded;         /* new or changed */
        unsigned unchanged;
        unsigned failed;         /* files with errors: their last good version stays */
        unsigned removed;        /* names whose file is gone */
        char *messages;          /* diagnostics, "FILE:LINE:COL: error: ...", one per line */
};

void policy_reload_report_clear(struct policy_reload_report *r);

/* An empty store for |dir| (NULL: POLICY_DIR_DEFAULT); call policy_store_reload(). */
int policy_store_new(const char *dir, uint32_t arch, struct policy_store **ret);
struct policy_store *policy_store_free(struct policy_store *s);

/* (Re)reads the directory. A missing directory is an empty one. Returns 0, or
 * -EINVAL when some file failed (the rest are loaded; see |report|), -errno
 * when the directory cannot be read (nothing changes). */
int policy_store_reload(struct policy_store *s, struct policy_reload_report *report);

/* The current version of |name|, with a reference taken; NULL when unknown. */
struct policy_version *policy_store_get(struct policy_store *s, const char *name);
/* The current version without taking a reference (for listings). */
const struct policy_version *policy_store_peek(const struct policy_store *s, const char *name);

struct policy_version *policy_version_ref(struct policy_version *v);
struct policy_version *policy_version_unref(struct policy_version *v);

/* For seccompctl: parses one policy given as a path (contains '/' or ends in
 * .yaml) or as a NAME looked up in |dir|, falling back to the built-in default.
 * Diagnostics go to |diag_out|. 0, -ENOENT (no such policy), -EINVAL (errors). */
int policy_load_one(const char *dir, const char *name_or_path, uint32_t arch, FILE *diag_out,
                    struct policy **ret);

/* policy_load_one(), then the policy compiled to the filter it needs for |arch|
 * (policy/filter.h), for seccompctl policy filter / oci-patch and seccompd-shim.
 * Says why not on |diag_out|, each line prefixed by |who| ("seccompctl: oci-patch").
 * 0, or -ENOENT (no such policy, or a syscall this arch lacks), -EINVAL
 * (errors), -ENOMEM, -errno reading the file. */
int policy_load_plan(const char *dir, const char *name_or_path, uint32_t arch, FILE *diag_out, const char *who,
                     struct filter_plan **ret);
