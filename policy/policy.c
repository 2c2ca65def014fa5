/* The policy model: freeing, the per-syscall rule index, and first-match
 * evaluation. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/policy.h"

static void match_free(struct policy_match *m)
{
        free(m->arg_name);
        free(m->args);
        free(m->values);
        free(m->devs);
        for (size_t i = 0; i < m->n_strs; i++)
                free(m->strs[i]);
        free(m->strs);
}

/* The parser sets a->emulator before it fills the params, so a half-parsed
 * action is freed by the right case (n_* count the entries filled). */
static void action_free(struct policy_action *a)
{
        struct mount_params *mp = &a->params.mount;

        if (a->kind == VERDICT_EMULATE && a->emulator == EMULATOR_MKNOD)
                free(a->params.mknod.devices);
        else if (a->kind == VERDICT_EMULATE && a->emulator == EMULATOR_MOUNT) {
                for (size_t i = 0; i < mp->n_fstypes; i++)
                        free(mp->fstypes[i]);
                free(mp->fstypes);
                for (size_t i = 0; i < mp->n_sources; i++)
                        free(mp->sources[i].glob);
                free(mp->sources);
                for (size_t i = 0; i < mp->n_fuse; i++) {
                        free(mp->fuse[i].fstype);
                        free(mp->fuse[i].program);
                }
                free(mp->fuse);
        } else if (a->kind == VERDICT_EMULATE && a->emulator == EMULATOR_XATTR) {
                for (size_t i = 0; i < a->params.xattr.n_names; i++)
                        free(a->params.xattr.names[i]);
                free(a->params.xattr.names);
        } else if (a->kind == VERDICT_INJECT)
                free(a->params.inject.path);
}

static void rule_free(struct policy_rule *r)
{
        free(r->name);
        for (size_t i = 0; i < r->n_syscalls; i++)
                free(r->syscalls[i]);
        free(r->syscalls);
        for (size_t i = 0; i < r->n_matches; i++)
                match_free(&r->matches[i]);
        free(r->matches);
        action_free(&r->action);
}

static void syscalls_free(struct policy *p)
{
        for (size_t i = 0; i < p->n_syscalls; i++) {
                free(p->syscalls[i].name);
                free(p->syscalls[i].rules);
                free(p->syscalls[i].slots);
        }
        free(p->syscalls);
        p->syscalls = NULL;
        p->n_syscalls = 0;
}

struct policy *policy_free(struct policy *p)
{
        if (!p)
                return NULL;
        free(p->name);
        free(p->description);
        free(p->file);
        action_free(&p->dflt);
        for (size_t i = 0; i < p->n_rules; i++)
                rule_free(&p->rules[i]);
        free(p->rules);
        syscalls_free(p);
        free(p->passthrough);
        free(p);
        return NULL;
}

static int cmp_syscall(const void *a, const void *b)
{
        return strcmp(((const struct policy_syscall *) a)->name, ((const struct policy_syscall *) b)->name);
}

/* The entry for |name| in the unsorted p->syscalls being built, added if new. */
static struct policy_syscall *index_entry(struct policy *p, const char *name, size_t max)
{
        struct policy_syscall *s;

        for (size_t i = 0; i < p->n_syscalls; i++)
                if (strcmp(p->syscalls[i].name, name) == 0)
                        return &p->syscalls[i];
        s = &p->syscalls[p->n_syscalls];
        s->name = strdup(name);
        s->rules = calloc(max, sizeof(*s->rules));
        s->slots = calloc(max, sizeof(*s->slots));
        p->n_syscalls++;
        if (!s->name || !s->rules || !s->slots)
                return NULL;
        return s;
}

static unsigned match_needs(const struct policy_match *m)
{
        switch (m->kind) {
        case MATCH_STR_GLOB:
        case MATCH_STR_IN:
        case MATCH_STR_PREFIX:
                return POLICY_NEEDS_STRINGS;
        case MATCH_CALLER_UID:
        case MATCH_CALLER_CAPS:
        case MATCH_CALLER_USERNS:
                return POLICY_NEEDS_CALLER;
        default:
                return 0;
        }
}

/* inject requested opens the caller's path as the policy saw it: a relative
 * one needs its base, read with the strings. */
static unsigned action_needs(const struct policy_action *a)
{
        return a->kind == VERDICT_INJECT && a->params.inject.requested ? POLICY_NEEDS_STRINGS : 0;
}

static unsigned rule_needs(const struct policy_rule *rule)
{
        unsigned needs = action_needs(&rule->action);

        for (size_t m = 0; m < rule->n_matches; m++)
                needs |= match_needs(&rule->matches[m]);
        return needs;
}

int policy_index(struct policy *p)
{
        size_t total = 0;

        syscalls_free(p);
        p->needs = action_needs(&p->dflt);
        for (size_t r = 0; r < p->n_rules; r++) {
                total += p->rules[r].n_syscalls;
                p->needs |= rule_needs(&p->rules[r]);
        }
        p->syscalls = calloc(total ? total : 1, sizeof(*p->syscalls));
        if (!p->syscalls)
                return -ENOMEM;
        for (size_t r = 0; r < p->n_rules; r++)
                for (size_t k = 0; k < p->rules[r].n_syscalls; k++) {
                        struct policy_syscall *s = index_entry(p, p->rules[r].syscalls[k], p->n_rules);

                        if (!s) {
                                syscalls_free(p);
                                return -ENOMEM;
                        }
                        /* A syscall named twice in one rule: the first slot is enough. */
                        if (s->n_rules > 0 && s->rules[s->n_rules - 1] == r)
                                continue;
                        s->needs |= rule_needs(&p->rules[r]);
                        s->rules[s->n_rules] = (uint32_t) r;
                        s->slots[s->n_rules] = (uint8_t) k;
                        s->n_rules++;
                }
        qsort(p->syscalls, p->n_syscalls, sizeof(*p->syscalls), cmp_syscall);
        return 0;
}

const struct policy_syscall *policy_find_syscall(const struct policy *p, const char *syscall)
{
        struct policy_syscall key = { .name = (char *) syscall };

        if (!syscall || p->n_syscalls == 0)
                return NULL;
        return bsearch(&key, p->syscalls, p->n_syscalls, sizeof(*p->syscalls), cmp_syscall);
}

unsigned policy_syscall_needs(const struct policy *p, const char *syscall)
{
        const struct policy_syscall *s = policy_find_syscall(p, syscall);

        return s ? s->needs : 0;
}

static bool value_in(uint64_t v, const uint64_t *values, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (values[i] == v)
                        return true;
        return false;
}

static bool dev_in(struct policy_dev d, const struct policy_dev *devs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((devs[i].major == POLICY_ANY || devs[i].major == d.major) &&
                    (devs[i].minor == POLICY_ANY || devs[i].minor == d.minor))
                        return true;
        return false;
}

static bool ends_as_directory(const char *path)
{
        size_t n = strlen(path);

        return (n > 0 && path[n - 1] == '/') || strcmp(path, ".") == 0 || strcmp(path, "..") == 0 ||
               (n >= 2 && strcmp(path + n - 2, "/.") == 0) || (n >= 3 && strcmp(path + n - 3, "/..") == 0);
}

const char *policy_normalize_path(const char *cwd, const char *path, char *buf, size_t size)
{
        size_t len = 0;
        const char *parts[2] = { path[0] == '/' || !cwd ? "" : cwd, path };

        if (size < 2)
                return path;
        buf[len++] = '/';
        for (size_t k = 0; k < 2; k++) {
                const char *p = parts[k];

                while (*p) {
                        size_t n;

                        while (*p == '/')
                                p++;
                        n = strcspn(p, "/");
                        if (n == 0 || (n == 1 && p[0] == '.')) {
                                /* nothing */
                        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                                while (len > 1 && buf[len - 1] != '/')
                                        len--;
                                if (len > 1)
                                        len--;
                        } else {
                                if (len + n + 2 > size)
                                        return path; /* too long to normalise: match as given */
                                if (len > 1)
                                        buf[len++] = '/';
                                memcpy(buf + len, p, n);
                                len += n;
                        }
                        p += n;
                }
        }
        /* "x/", "x/." and "x/.." name a directory: keep the slash so a glob for a
         * file does not match what the kernel would refuse (ENOTDIR). */
        if (ends_as_directory(path) && len > 1)
                buf[len++] = '/';
        buf[len] = '\0';
        /* A relative path without a cwd stays relative: globs on absolute paths miss it. */
        return path[0] == '/' || cwd ? buf : path;
}

static bool str_holds(const struct policy_match *m, const char *s, const char *cwd)
{
        char buf[2 * PATH_MAX];

        if (!s)
                return false;
        /* The kernel fails an empty path (ENOENT): it names no file a glob could mean. */
        if (m->kind == MATCH_STR_GLOB && s[0] == '\0')
                return false;
        if (m->kind == MATCH_STR_GLOB)
                s = policy_normalize_path(cwd, s, buf, sizeof(buf));
        for (size_t i = 0; i < m->n_strs; i++) {
                const char *pat = m->strs[i];

                if (m->kind == MATCH_STR_GLOB ? fnmatch(pat, s, FNM_PATHNAME) == 0
                    : m->kind == MATCH_STR_IN ? strcmp(pat, s) == 0
                                              : strncmp(pat, s, strlen(pat)) == 0)
                        return true;
        }
        return false;
}

static bool flags_hold(const struct policy_match *m, uint64_t v)
{
        return (v & m->all) == m->all && (v & m->none) == 0 && (m->any == 0 || (v & m->any) != 0);
}

static bool caller_holds(const struct policy_match *m, const struct policy_caller *c)
{
        if (!c)
                return false;
        switch (m->kind) {
        case MATCH_CALLER_UID:
                return value_in(c->uid, m->values, m->n_values);
        case MATCH_CALLER_CAPS:
                return (c->cap_effective & m->all) == m->all;
        case MATCH_CALLER_USERNS:
                return m->n_values > 0 && (m->values[0] != 0) == c->userns;
        default:
                return false;
        }
}

bool policy_match_holds(const struct policy_match *m, unsigned slot, const struct policy_call *call)
{
        unsigned arg = m->args ? m->args[slot] : 0;
        uint64_t v = arg < 6 ? call->args[arg] : 0;

        switch (m->kind) {
        case MATCH_INT_IN:
                return value_in(v & m->mask, m->values, m->n_values);
        case MATCH_INT_RANGE:
                return (v & m->mask) >= m->lo && (v & m->mask) <= m->hi;
        case MATCH_FLAGS:
                return flags_hold(m, v);
        case MATCH_DEV:
                return dev_in(policy_decode_dev(v), m->devs, m->n_devs);
        case MATCH_STR_GLOB:
        case MATCH_STR_IN:
        case MATCH_STR_PREFIX:
                return arg < 6 && str_holds(m, call->strs[arg], call->cwd);
        case MATCH_CALLER_UID:
        case MATCH_CALLER_CAPS:
        case MATCH_CALLER_USERNS:
                return caller_holds(m, call->caller);
        default:
                return false;
        }
}

static bool rule_holds(const struct policy_rule *r, unsigned slot, const struct policy_call *call)
{
        for (size_t i = 0; i < r->n_matches; i++)
                if (!policy_match_holds(&r->matches[i], slot, call))
                        return false;
        return true;
}

static void verdict_from(const struct policy_action *a, int rule, struct verdict *ret)
{
        *ret = (struct verdict) {
                .kind = a->kind,
                .error = a->error,
                .emulator = a->emulator,
                .params = &a->params,
                .rule = rule,
        };
}

void policy_evaluate(const struct policy *p, const struct policy_call *call, struct verdict *ret)
{
        const struct policy_syscall *s = policy_find_syscall(p, call->syscall);

        for (size_t i = 0; s && i < s->n_rules; i++) {
                const struct policy_rule *r = &p->rules[s->rules[i]];

                if (rule_holds(r, s->slots[i], call)) {
                        verdict_from(&r->action, (int) s->rules[i], ret);
                        return;
                }
        }
        verdict_from(&p->dflt, -1, ret);
}
