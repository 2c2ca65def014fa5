/* Policy test files: parsing and validating cases (docs/policy-tests.md), and
 * running one case through policy_evaluate(), the daemon's evaluator. Arg values
 * are written as in policy files (policy/expr.h) and encoded as the kernel hands
 * them to seccomp. */
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>
#include <seccomp.h>

#include "common/macro.h"
#include "policy/expr.h"
#include "policy/schema.h"
#include "policy/testsuite.h"
#include "policy/yaml.h"

#define ID_MAP_LINES_MAX 340 /* the kernel's limit on uid_map/gid_map lines (4.15+) */
#define DEV_MAJOR_MAX 0xfffU /* new_encode_dev() keeps 12 bits of major, 20 of minor */
#define DEV_MINOR_MAX 0xfffffU

#define FIELD(k, req) { .key = (k), .required = (req) }

/* ---- small readers ---- */

/* A scalar, copied. */
static int dup_scalar(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, char **ret)
{
        const char *s;
        int r = yaml_scalar(c, n, fb, what, &s);

        if (r < 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* A scalar that names something in output: non-empty, no control characters. */
static int dup_name(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, char **ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        int r = dup_scalar(c, f->value, pos, f->key, ret);

        if (r < 0)
                return r;
        for (const char *s = *ret; *s; s++)
                if (iscntrl((unsigned char) *s))
                        return yaml_error(c, pos, "%s must be printable", f->key);
        if (**ret == '\0')
                return yaml_error(c, pos, "%s must not be empty", f->key);
        return 0;
}

/* A uid or gid: 0..4294967294 ((uid_t) -1 means "no change" to the kernel). */
static int get_id(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, uint32_t *ret)
{
        const struct expr_arg a = { .name = f->key, .width = UINT32_MAX - 1 };
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *text;
        uint64_t v;
        int r = yaml_scalar(c, f->value, pos, f->key, &text);

        if (r < 0)
                return r;
        if (strchr(text, '-'))
                return yaml_error(c, pos, "%s must be 0..%u, not \"%s\"", f->key, UINT32_MAX - 1, text);
        r = expr_eval(c, &a, text, pos, &v);
        if (r == 0)
                *ret = (uint32_t) v;
        return r;
}

/* ---- args ---- */

/* glibc passes an int fd sign-extended: AT_FDCWD arrives as 0xffffffffffffff9c. */
static uint64_t fd_register(uint64_t v)
{
        return v <= UINT32_MAX ? (uint64_t) (int64_t) (int32_t) (uint32_t) v : v;
}

static int encode_int(struct yaml_ctx *c, const struct arg_schema *a, struct fy_node *v, struct policy_pos pos,
                      uint64_t *ret)
{
        const struct expr_arg ea = {
                .name = a->name,
                .width = a->width_mask,
                .symbols = a->symbols,
                .extra = a->kind == ARG_MODE ? symbols_file_types() : NULL,
        };
        int r;

        if (a->kind == ARG_FLAGS)
                r = expr_or(c, &ea, v, pos, ret); /* a list of flags is OR-ed */
        else
                r = expr_one(c, &ea, v, pos, ret);
        if (r == 0 && a->kind == ARG_FD)
                *ret = fd_register(*ret);
        return r;
}

/* One part of "MAJ:MIN": a number (policy/expr.h syntax) up to |max|; -EINVAL
 * unreported, the caller names the whole device. */
static int dev_part(const char *text, size_t len, uint64_t max, uint64_t *ret)
{
        const struct expr_arg ea = { .name = "dev", .width = max };
        _cleanup_free_ char *part = strndup(text, len);
        struct policy_diags scratch = {};
        struct yaml_ctx quiet = { .diags = &scratch };
        int r;

        if (!part)
                return -ENOMEM;
        if (!isdigit((unsigned char) part[0]) || strchr(part, '|'))
                return -EINVAL;
        r = expr_eval(&quiet, &ea, part, YAML_NO_POS, ret);
        policy_diags_clear(&scratch);
        return r;
}

/* "MAJ:MIN" packed as the kernel's new_encode_dev(); a plain number is taken as
 * the raw register. */
static int encode_dev(struct yaml_ctx *c, const struct arg_schema *a, struct fy_node *v, struct policy_pos pos,
                      uint64_t *ret)
{
        uint64_t major, minor;
        const char *text, *colon;
        int r = yaml_scalar(c, v, pos, a->name, &text);

        if (r < 0)
                return r;
        colon = strchr(text, ':');
        if (!colon)
                return encode_int(c, a, v, pos, ret);
        r = dev_part(text, (size_t) (colon - text), DEV_MAJOR_MAX, &major);
        if (r == 0)
                r = dev_part(colon + 1, strlen(colon + 1), DEV_MINOR_MAX, &minor);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return yaml_error(c, pos, "bad device \"%s\" for \"%s\": expected \"MAJOR:MINOR\" (major <= %u, "
                                  "minor <= %u; a call has one device, no *)", text, a->name, DEV_MAJOR_MAX, DEV_MINOR_MAX);
        *ret = (minor & 0xff) | (major << 8) | ((minor & ~UINT64_C(0xff)) << 12);
        return 0;
}

/* A string arg: the text goes to strs[], the register gets a fake pointer;
 * null is a NULL pointer. */
static int encode_string(struct yaml_ctx *c, const struct arg_schema *a, struct fy_node *v, struct policy_pos pos,
                         struct testsuite_case *tc)
{
        int r;

        if (yaml_null(v)) {
                tc->args[a->index] = 0;
                return 0;
        }
        r = dup_scalar(c, v, pos, a->name, &tc->strs[a->index]);
        if (r < 0)
                return r;
        tc->args[a->index] = TESTSUITE_FAKE_PTR(a->index);
        return 0;
}

static int encode_arg(struct yaml_ctx *c, const struct arg_schema *a, struct fy_node *v, struct policy_pos pos,
                      struct testsuite_case *tc)
{
        switch (a->kind) {
        case ARG_PATH:
        case ARG_STRING:
                return encode_string(c, a, v, pos, tc);
        case ARG_DEV:
                return encode_dev(c, a, v, pos, &tc->args[a->index]);
        default:
                return encode_int(c, a, v, pos, &tc->args[a->index]);
        }
}

/* "path, mode, dev, arg0..arg5" for messages. */
static void arg_names(const struct syscall_schema *s, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; s && i < s->n_args && len < size; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s, ", s->args[i].name);
        if (len < size)
                snprintf(buf + len, size - len, "arg0..arg5");
}

/* One `name: value` of args; |set_at| catches two names for one register. */
static int parse_arg(struct yaml_ctx *c, struct fy_node_pair *pair, struct policy_pos fb, struct policy_pos *set_at,
                     struct testsuite_case *tc)
{
        const struct syscall_schema *s = schema_lookup(tc->syscall);
        struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
        struct policy_pos kpos = yaml_pos_or(k, fb);
        const struct arg_schema *a;
        const char *name;
        char names[256];
        int r = yaml_scalar(c, k, fb, "an arg name", &name);

        if (r < 0)
                return r;
        a = schema_arg(s, name);
        if (!a) {
                arg_names(s, names, sizeof(names));
                return yaml_error(c, kpos, "unknown arg \"%s\" for %s (its args: %s)", name, tc->syscall, names);
        }
        if (set_at[a->index].line > 0)
                return yaml_error(c, kpos, "\"%s\" sets arg %u again (set at line %u)", name, a->index,
                                  set_at[a->index].line);
        set_at[a->index] = kpos;
        return encode_arg(c, a, v, yaml_pos_or(v, kpos), tc);
}

static int parse_args(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, struct testsuite_case *tc)
{
        struct policy_pos set_at[6] = {}, pos = yaml_field_pos(f, fb);
        struct fy_node_pair *pair;
        void *iter = NULL;
        int r = yaml_mapping(c, f->value, pos, "args");

        if (r < 0)
                return r;
        while (r != -ENOMEM && (pair = fy_node_mapping_iterate(f->value, &iter)))
                r = yaml_worse(r, parse_arg(c, pair, pos, set_at, tc));
        return r;
}

/* ---- caller ---- */

/* A CAP_* name or a list of them ([] for none); `all`: every one up to CAP_LAST_CAP. */
static int get_caps(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, uint64_t *ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);

        *ret = 0;
        if (f->value && fy_node_is_scalar(f->value) && !fy_node_is_alias(f->value) &&
            strcmp(fy_node_get_scalar0(f->value), "all") == 0) {
                *ret = (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
                return 0;
        }
        if (f->value && fy_node_is_sequence(f->value) && yaml_list_len(f->value) == 0)
                return 0;
        return yaml_capabilities(c, f->value, pos, "capabilities", ret);
}

/* "INSIDE OUTSIDE COUNT" lines as in /proc/PID/uid_map; |ret_mapped| when |id|
 * is inside one of the ranges. -EINVAL (not reported) when malformed. */
static int id_map_parse(const char *text, uint32_t id, bool *ret_mapped)
{
        unsigned lines = 0;
        bool mapped = false;

        for (const char *p = text; *(p += strspn(p, " \t\n")) != '\0';) {
                unsigned long long in, out, count;
                int used = 0;

                if (sscanf(p, "%llu %llu %llu%n", &in, &out, &count, &used) != 3 || count == 0 ||
                    in + count - 1 >= UINT32_MAX || out + count - 1 >= UINT32_MAX || ++lines > ID_MAP_LINES_MAX ||
                    strchr("-+", p[0]))
                        return -EINVAL;
                p += used;
                if (*p != '\0' && !strchr(" \t\n", *p))
                        return -EINVAL;
                mapped = mapped || (id >= in && id - in < count);
        }
        if (lines == 0)
                return -EINVAL;
        *ret_mapped = mapped;
        return 0;
}

/* uid_map or gid_map: well formed, and the caller's id is mapped by it. */
static int get_id_map(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, const char *id_name,
                      uint32_t id)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *text;
        bool mapped = false;
        int r = yaml_scalar(c, f->value, pos, f->key, &text);

        if (r < 0)
                return r;
        if (id_map_parse(text, id, &mapped) < 0)
                return yaml_error(c, pos, "%s: expected lines of \"INSIDE OUTSIDE COUNT\" (at most %u)", f->key,
                                  ID_MAP_LINES_MAX);
        if (!mapped)
                return yaml_error(c, pos, "%s does not map the caller's %s %u", f->key, id_name, id);
        return 0;
}

static int get_cwd(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, char **ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        int r = dup_scalar(c, f->value, pos, f->key, ret);

        if (r == 0 && (*ret)[0] != '/')
                return yaml_error(c, pos, "cwd must be an absolute path, not \"%s\"", *ret);
        return r;
}

enum { CALLER_UID, CALLER_GID, CALLER_CAPS, CALLER_USERNS, CALLER_UID_MAP, CALLER_GID_MAP, CALLER_CWD, _CALLER_MAX };

/* A caller block makes the caller known: uid 0, gid 0, no capabilities, the
 * host's user namespace unless it says otherwise; an id map implies userns. */
static int parse_caller(struct yaml_ctx *c, const struct yaml_field *cf, struct policy_pos fb,
                        struct testsuite_case *tc)
{
        struct yaml_field f[_CALLER_MAX] = {
                FIELD("uid", false),    FIELD("gid", false),     FIELD("capabilities", false), FIELD("userns", false),
                FIELD("uid_map", false), FIELD("gid_map", false), FIELD("cwd", false),
        };
        struct policy_pos pos = yaml_field_pos(cf, fb);
        int r = yaml_mapping(c, cf->value, pos, "caller");

        if (r < 0)
                return r;
        tc->has_caller = true;
        r = yaml_fields(c, cf->value, pos, "key", "caller", f, ARRAY_SIZE(f));
        if (f[CALLER_UID].key_node)
                r = yaml_worse(r, get_id(c, &f[CALLER_UID], pos, &tc->caller.uid));
        if (f[CALLER_GID].key_node)
                r = yaml_worse(r, get_id(c, &f[CALLER_GID], pos, &tc->caller.gid));
        if (f[CALLER_CAPS].key_node)
                r = yaml_worse(r, get_caps(c, &f[CALLER_CAPS], pos, &tc->caller.cap_effective));
        if (f[CALLER_UID_MAP].key_node)
                r = yaml_worse(r, get_id_map(c, &f[CALLER_UID_MAP], pos, "uid", tc->caller.uid));
        if (f[CALLER_GID_MAP].key_node)
                r = yaml_worse(r, get_id_map(c, &f[CALLER_GID_MAP], pos, "gid", tc->caller.gid));
        tc->caller.userns = f[CALLER_UID_MAP].key_node || f[CALLER_GID_MAP].key_node;
        if (f[CALLER_USERNS].key_node)
                r = yaml_worse(r, yaml_bool(c, f[CALLER_USERNS].value, yaml_field_pos(&f[CALLER_USERNS], pos),
                                            "userns", &tc->caller.userns));
        if (f[CALLER_CWD].key_node)
                r = yaml_worse(r, get_cwd(c, &f[CALLER_CWD], pos, &tc->cwd));
        return r;
}

/* ---- expectations ---- */

static int expect_arg(struct yaml_ctx *c, const char *verb, const char *arg, struct policy_pos pos,
                      struct testsuite_expect *e)
{
        int n;

        if (strcmp(verb, "errno") == 0) {
                e->kind = VERDICT_ERRNO;
                n = errno_from_name(arg);
                if (n < 0)
                        return yaml_error(c, pos, "unknown errno \"%s\" in expect", arg);
                e->error = n;
        } else if (strcmp(verb, "emulate") == 0) {
                e->kind = VERDICT_EMULATE;
                n = emulator_from_string(arg);
                if (n < 0)
                        return yaml_error(c, pos, "unknown handler \"%s\" in expect", arg);
                e->emulator = (enum emulator_id) n;
        } else if (strcmp(arg, "requested") == 0) {
                e->kind = VERDICT_INJECT;
                e->inject_requested = true;
        } else {
                e->kind = VERDICT_INJECT;
                if (arg[0] != '/')
                        return yaml_error(c, pos, "inject path must be absolute, not \"%s\"", arg);
                e->inject_path = strdup(arg);
                if (!e->inject_path)
                        return -ENOMEM;
        }
        return 0;
}

/* "continue", "errno NAME", "emulate HANDLER", "inject", "inject requested" or "inject PATH". */
static int parse_expect(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb,
                        struct testsuite_expect *e)
{
        char verb[16], arg[4096], extra[2];
        const char *text;
        int n, r;

        e->pos = yaml_field_pos(f, fb);
        r = yaml_scalar(c, f->value, e->pos, "expect", &text);
        if (r < 0)
                return r;
        n = sscanf(text, " %15s %4095s %1s", verb, arg, extra);
        if (n == 1 && (strcmp(verb, "continue") == 0 || strcmp(verb, "inject") == 0)) {
                e->kind = verb[0] == 'c' ? VERDICT_CONTINUE : VERDICT_INJECT;
                return 0;
        }
        if (n == 2 && (strcmp(verb, "errno") == 0 || strcmp(verb, "emulate") == 0 || strcmp(verb, "inject") == 0))
                return expect_arg(c, verb, arg, e->pos, e);
        return yaml_error(c, e->pos,
                          "bad expect \"%s\": expected continue, errno NAME, emulate HANDLER or inject [PATH|requested]",
                          text);
}

/* rule: a rule's name, its 1-based number, or `default`. */
static int parse_rule(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, struct testsuite_expect *e)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        char *end;
        unsigned long n;
        int r = dup_name(c, f, fb, &e->rule_name);

        if (r < 0)
                return r;
        if (strcmp(e->rule_name, "default") == 0) {
                e->rule_kind = TESTSUITE_RULE_DEFAULT;
                return 0;
        }
        if (!isdigit((unsigned char) e->rule_name[0])) {
                e->rule_kind = TESTSUITE_RULE_NAME;
                return 0;
        }
        errno = 0;
        n = strtoul(e->rule_name, &end, 10);
        if (errno != 0 || *end != '\0' || n == 0 || n > UINT32_MAX)
                return yaml_error(c, pos, "bad rule \"%s\": a rule's name, its number (from 1) or default",
                                  e->rule_name);
        e->rule_kind = TESTSUITE_RULE_NUMBER;
        e->rule_number = (unsigned) n;
        return 0;
}

/* ---- cases and the file ---- */

static int parse_syscall(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb,
                         struct testsuite_case *tc)
{
        int r = dup_name(c, f, fb, &tc->syscall);

        if (r < 0)
                return r;
        if (seccomp_syscall_resolve_name_arch(c->arch, tc->syscall) < 0)
                return yaml_error(c, yaml_field_pos(f, fb), "unknown syscall \"%s\" for this arch", tc->syscall);
        return 0;
}

enum { CASE_NAME, CASE_SYSCALL, CASE_ARGS, CASE_CALLER, CASE_EXPECT, CASE_RULE, _CASE_MAX };

static int parse_case(struct yaml_ctx *c, struct fy_node *n, struct policy_pos pos, struct testsuite_case *tc)
{
        struct yaml_field f[_CASE_MAX] = {
                FIELD("name", true),    FIELD("syscall", true), FIELD("args", false),
                FIELD("caller", false), FIELD("expect", true),  FIELD("rule", false),
        };
        int r = yaml_mapping(c, n, pos, "a case");

        tc->pos = pos;
        if (r < 0)
                return r;
        r = yaml_fields(c, n, pos, "key", "a case", f, ARRAY_SIZE(f));
        if (f[CASE_NAME].key_node)
                r = yaml_worse(r, dup_name(c, &f[CASE_NAME], pos, &tc->name));
        if (f[CASE_SYSCALL].key_node) {
                int q = parse_syscall(c, &f[CASE_SYSCALL], pos, tc);

                /* Arg names depend on the syscall: skip them when it is wrong. */
                if (q == 0 && f[CASE_ARGS].key_node)
                        q = parse_args(c, &f[CASE_ARGS], pos, tc);
                r = yaml_worse(r, q);
        }
        if (f[CASE_CALLER].key_node)
                r = yaml_worse(r, parse_caller(c, &f[CASE_CALLER], pos, tc));
        if (f[CASE_EXPECT].key_node)
                r = yaml_worse(r, parse_expect(c, &f[CASE_EXPECT], pos, &tc->expect));
        if (f[CASE_RULE].key_node)
                r = yaml_worse(r, parse_rule(c, &f[CASE_RULE], pos, &tc->expect));
        return r;
}

/* Case names identify failures: no two alike in a file. */
static int check_unique(struct yaml_ctx *c, const struct testsuite *t, size_t i)
{
        const struct testsuite_case *tc = &t->cases[i];

        for (size_t j = 0; tc->name && j < i; j++)
                if (t->cases[j].name && strcmp(t->cases[j].name, tc->name) == 0)
                        return yaml_error(c, tc->pos, "duplicate case name \"%s\" (first at line %u)", tc->name,
                                          t->cases[j].pos.line);
        return 0;
}

static int parse_cases(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, struct testsuite *t)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        struct fy_node *item;
        void *iter = NULL;
        size_t n;
        int r = 0;

        if (!f->value || !fy_node_is_sequence(f->value) || (n = yaml_list_len(f->value)) == 0)
                return yaml_error(c, pos, "cases must be a non-empty list, not %s",
                                  f->value && fy_node_is_sequence(f->value) ? "an empty one" : yaml_type_name(f->value));
        t->cases = calloc(n, sizeof(*t->cases));
        if (!t->cases)
                return -ENOMEM;
        while (r != -ENOMEM && (item = fy_node_sequence_iterate(f->value, &iter))) {
                size_t i = t->n_cases++;

                r = yaml_worse(r, parse_case(c, item, yaml_pos_or(item, pos), &t->cases[i]));
                r = yaml_worse(r, check_unique(c, t, i));
        }
        return r;
}

enum { ROOT_POLICY, ROOT_DESCRIPTION, ROOT_CASES, _ROOT_MAX };

static int parse_root(struct yaml_ctx *c, struct fy_node *root, struct testsuite *t)
{
        struct yaml_field f[_ROOT_MAX] = { FIELD("policy", true), FIELD("description", false), FIELD("cases", true) };
        struct policy_pos pos = yaml_pos_or(root, (struct policy_pos) { 1, 1 });
        int r = yaml_mapping(c, root, pos, "a test file");

        if (r < 0)
                return r;
        r = yaml_fields(c, root, pos, "key", "a test file", f, ARRAY_SIZE(f));
        if (f[ROOT_POLICY].key_node) {
                t->policy_pos = yaml_field_pos(&f[ROOT_POLICY], pos);
                r = yaml_worse(r, dup_name(c, &f[ROOT_POLICY], pos, &t->policy));
        }
        if (f[ROOT_DESCRIPTION].key_node)
                r = yaml_worse(r, dup_scalar(c, f[ROOT_DESCRIPTION].value, yaml_field_pos(&f[ROOT_DESCRIPTION], pos),
                                             "description", &t->description));
        if (f[ROOT_CASES].key_node)
                r = yaml_worse(r, parse_cases(c, &f[ROOT_CASES], pos, t));
        return r;
}

static int load_root(struct yaml_ctx *c, struct fy_node *root, void *userdata)
{
        return parse_root(c, root, userdata);
}

int testsuite_parse(const char *text, size_t len, uint32_t arch, struct testsuite **ret,
                    struct policy_diags *diags)
{
        _cleanup_(testsuite_freep) struct testsuite *t = calloc(1, sizeof(*t));
        struct yaml_ctx c = { .diags = diags, .arch = arch };
        size_t from = diags->n, errors = diags->n_errors;
        int r;

        if (!t)
                return -ENOMEM;
        r = yaml_load(&c, text, len, "test file", "test file", load_root, t);
        yaml_diags_sort(diags, from);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || diags->n_errors > errors)
                return -EINVAL;
        *ret = TAKE_PTR(t);
        return 0;
}

static void case_free(struct testsuite_case *tc)
{
        free(tc->name);
        free(tc->syscall);
        for (size_t i = 0; i < ARRAY_SIZE(tc->strs); i++)
                free(tc->strs[i]);
        free(tc->cwd);
        free(tc->expect.inject_path);
        free(tc->expect.rule_name);
}

struct testsuite *testsuite_free(struct testsuite *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cases; i++)
                case_free(&t->cases[i]);
        free(t->cases);
        free(t->policy);
        free(t->description);
        free(t);
        return NULL;
}

bool testsuite_policy_is_path(const char *policy)
{
        size_t n = strlen(policy);

        return strchr(policy, '/') || (n > 5 && strcmp(policy + n - 5, ".yaml") == 0);
}

/* ---- running ---- */

void testsuite_case_call(const struct testsuite_case *tc, struct policy_call *ret)
{
        *ret = (struct policy_call) {
                .syscall = tc->syscall,
                .cwd = tc->cwd,
                .caller = tc->has_caller ? &tc->caller : NULL,
        };
        for (size_t i = 0; i < ARRAY_SIZE(tc->args); i++) {
                ret->args[i] = tc->args[i];
                ret->strs[i] = tc->strs[i];
        }
}

static bool verdict_holds(const struct testsuite_expect *e, const struct verdict *v)
{
        if (v->kind != e->kind)
                return false;
        switch (e->kind) {
        case VERDICT_ERRNO:
                return v->error == e->error;
        case VERDICT_EMULATE:
                return v->emulator == e->emulator;
        case VERDICT_INJECT:
                if (e->inject_requested)
                        return v->params && v->params->inject.requested;
                return !e->inject_path ||
                       (v->params && v->params->inject.path && strcmp(v->params->inject.path, e->inject_path) == 0);
        default:
                return true;
        }
}

static bool rule_holds(const struct policy *p, const struct testsuite_expect *e, const struct verdict *v)
{
        switch (e->rule_kind) {
        case TESTSUITE_RULE_DEFAULT:
                return v->rule < 0;
        case TESTSUITE_RULE_NUMBER:
                return v->rule >= 0 && (unsigned) v->rule + 1 == e->rule_number;
        case TESTSUITE_RULE_NAME:
                return v->rule >= 0 && (size_t) v->rule < p->n_rules && p->rules[v->rule].name &&
                       strcmp(p->rules[v->rule].name, e->rule_name) == 0;
        default:
                return true;
        }
}

bool testsuite_run_case(const struct policy *p, const struct testsuite_case *tc, struct verdict *ret_got)
{
        struct policy_call call;

        testsuite_case_call(tc, &call);
        policy_evaluate(p, &call, ret_got);
        return verdict_holds(&tc->expect, ret_got) && rule_holds(p, &tc->expect, ret_got);
}

/* "rule 2 \"safe-devices\", line 17", "rule 3, line 20", "default, line 3". */
static void origin(const struct policy *p, const struct verdict *v, char *buf, size_t size)
{
        const struct policy_rule *r = v->rule >= 0 && (size_t) v->rule < p->n_rules ? &p->rules[v->rule] : NULL;
        unsigned line = r ? r->pos.line : p->dflt.pos.line;
        int n;

        if (r && r->name)
                n = snprintf(buf, size, "rule %d \"%s\"", v->rule + 1, r->name);
        else if (r)
                n = snprintf(buf, size, "rule %d", v->rule + 1);
        else
                n = snprintf(buf, size, "default");
        if (line > 0 && n >= 0 && (size_t) n < size)
                snprintf(buf + n, size - (size_t) n, ", line %u", line);
}

/* Does the rule a case names exist in |p|? A typo there fails every run. */
static bool rule_exists(const struct policy *p, const struct testsuite_expect *e)
{
        if (e->rule_kind == TESTSUITE_RULE_NUMBER)
                return e->rule_number <= p->n_rules;
        for (size_t i = 0; e->rule_kind == TESTSUITE_RULE_NAME && i < p->n_rules; i++)
                if (p->rules[i].name && strcmp(p->rules[i].name, e->rule_name) == 0)
                        return true;
        return e->rule_kind != TESTSUITE_RULE_NAME;
}

/* The expectation in a policy file's words, and its rule if the case names one. */
static void expected(const struct policy *p, const struct testsuite_expect *e, char *buf, size_t size)
{
        struct verdict v = { .kind = e->kind, .error = e->error, .emulator = e->emulator };
        const char *missing = rule_exists(p, e) ? "" : ": the policy has no such rule";
        char text[4200];

        if (e->kind == VERDICT_INJECT && e->inject_requested)
                snprintf(text, sizeof(text), "inject requested");
        else if (e->kind == VERDICT_INJECT)
                snprintf(text, sizeof(text), "inject%s%s", e->inject_path ? " " : "", e->inject_path ? e->inject_path : "");
        else
                verdict_format(&v, text, sizeof(text));
        if (e->rule_kind == TESTSUITE_RULE_DEFAULT)
                snprintf(buf, size, "%s (default)", text);
        else if (e->rule_kind == TESTSUITE_RULE_NUMBER)
                snprintf(buf, size, "%s (rule %u%s)", text, e->rule_number, missing);
        else if (e->rule_kind == TESTSUITE_RULE_NAME)
                snprintf(buf, size, "%s (rule \"%s\"%s)", text, e->rule_name, missing);
        else
                snprintf(buf, size, "%s", text);
}

const char *testsuite_describe(const struct policy *p, const struct testsuite_case *tc, const struct verdict *got,
                               bool passed, char *buf, size_t size)
{
        char want[4400], text[4200], from[600];

        verdict_format(got, text, sizeof(text));
        origin(p, got, from, sizeof(from));
        if (passed)
                snprintf(buf, size, "%s (%s)", text, from);
        else {
                expected(p, &tc->expect, want, sizeof(want));
                snprintf(buf, size, "expected %s, got %s (%s)", want, text, from);
        }
        return buf;
}
