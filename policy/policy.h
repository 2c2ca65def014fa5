/* Policies: ordered rules over decoded requests, first match wins. Pure code. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "emulators/request.h"
#include "policy/verdict.h"

/* A device number match: major:minor, either may be POLICY_ANY. */
#define POLICY_ANY UINT32_MAX

struct policy_dev {
        uint32_t major, minor;
};

struct policy_rule {
        uint32_t sysids;             /* bit (1 << sysid) for each syscall the rule names */
        uint32_t file_types;         /* mknod: bits (1 << (S_IFMT >> 12)); 0 = any */
        size_t n_devs;               /* mknod: allowed devices; 0 = any */
        const struct policy_dev *devs;
        struct verdict action;
};

struct policy {
        const char *name;
        const char *description;
        struct verdict dflt;         /* for trapped calls no rule matches */
        size_t n_rules;
        const struct policy_rule *rules;
};

/* Bit for a file type (S_IFCHR, ...) in policy_rule.file_types. */
#define POLICY_FILE_TYPE(t) (1U << (((t) & 0170000) >> 12))

/* The compiled-in fallback policy "default". Static storage, never freed. */
const struct policy *policy_builtin_default(void);

/* Evaluates |req| against |p|; never fails. */
void policy_evaluate(const struct policy *p, const struct request *req, struct verdict *ret);
