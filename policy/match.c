/* The match: section of a rule: keys resolved to args across the rule's
 * syscalls (policy/schema.c), values parsed by the arg's kind. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/expr.h"
#include "policy/match.h"
#include "policy/schema.h"

/* The arg a match key names, resolved over every syscall of its rule. */
struct arg_ref {
        const char *name;
        const struct arg_schema *schema; /* the first syscall's; the others agree */
        uint8_t *args;                   /* index per syscall of the rule */
        bool mknod_mode;                 /* type 0 counts as S_IFREG */
};

static int str_item(struct yaml_ctx *c _unused_, const char *text, struct policy_pos pos _unused_, size_t i,
                    void *userdata)
{
        char **strs = userdata;

        strs[i] = strdup(text);
        return strs[i] ? 0 : -ENOMEM;
}

/* Fills m->strs; on failure m keeps what it got, for policy_free. */
static int parse_strs(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what,
                      struct policy_match *m)
{
        size_t count = yaml_list_len(n);

        m->strs = calloc(count ? count : 1, sizeof(*m->strs));
        if (!m->strs)
                return -ENOMEM;
        m->n_strs = count;
        return yaml_each(c, n, fb, what, str_item, m->strs);
}

static struct policy_match *add_match(struct policy_rule *rule, const char *name, const uint8_t *args,
                                      enum match_kind kind, struct policy_pos pos)
{
        struct policy_match *v = reallocarray(rule->matches, rule->n_matches + 1, sizeof(*v)), *m;

        if (!v)
                return NULL;
        rule->matches = v;
        m = &v[rule->n_matches++];
        *m = (struct policy_match) { .kind = kind, .pos = pos };
        m->arg_name = strdup(name);
        if (!m->arg_name)
                return NULL;
        if (args) {
                m->args = malloc(rule->n_syscalls);
                if (!m->args)
                        return NULL;
                memcpy(m->args, args, rule->n_syscalls);
        }
        return m;
}

static struct expr_arg int_arg_of(const struct arg_ref *ref)
{
        return (struct expr_arg) {
                .name = ref->name,
                .width = ref->schema->width_mask,
                .symbols = ref->schema->symbols,
                .extra = ref->schema->kind == ARG_MODE ? symbols_file_types() : NULL,
        };
}

static int check_in_mask(struct yaml_ctx *c, const struct policy_match *m, struct policy_pos pos)
{
        for (size_t i = 0; i < m->n_values; i++)
                if (m->values[i] & ~m->mask)
                        return yaml_error(c, pos, "bad value 0x%" PRIx64 " for \"%s\": bits outside the mask 0x%" PRIx64
                                          " never match",
                                          m->values[i], m->arg_name, m->mask);
        return 0;
}

enum { F_EQUALS, F_IN, F_MASK, F_RANGE, F_ALL, F_NONE, F_ANY, F_TYPE, F_PERM, _F_MAX };

static int parse_range(struct yaml_ctx *c, const struct expr_arg *a, const struct yaml_field *f, struct policy_pos fb,
                       struct policy_match *m)
{
        struct fy_node *n = f->value;
        struct policy_pos pos = yaml_field_pos(f, fb);
        int r;

        if (!n || !fy_node_is_sequence(n) || yaml_list_len(n) != 2)
                return yaml_error(c, pos, "bad range for \"%s\": expected [LOW, HIGH]", a->name);
        r = expr_one(c, a, fy_node_sequence_get_by_index(n, 0), pos, &m->lo);
        r = yaml_worse(r, expr_one(c, a, fy_node_sequence_get_by_index(n, 1), pos, &m->hi));
        if (r == 0 && m->lo > m->hi)
                r = yaml_error(c, pos, "bad range for \"%s\": 0x%" PRIx64 " is above 0x%" PRIx64, a->name, m->lo,
                               m->hi);
        return r;
}

/* {equals: V} | {in: [...]} | {range: [LO, HI]}, each with an optional mask. */
static int parse_compare(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref,
                         const struct yaml_field *f, struct policy_pos fb)
{
        struct expr_arg a = int_arg_of(ref);
        const struct yaml_field *vf = f[F_EQUALS].key_node ? &f[F_EQUALS] : &f[F_IN];
        struct policy_match *m;
        uint64_t mask = a.width;
        int r = 0;

        if (f[F_EQUALS].key_node && f[F_IN].key_node)
                return yaml_error(c, yaml_pos_or(f[F_IN].key_node, fb), "\"%s\": use equals or in, not both",
                                  ref->name);
        if (vf->key_node && f[F_RANGE].key_node)
                return yaml_error(c, yaml_pos_or(f[F_RANGE].key_node, fb), "\"%s\": use %s or range, not both",
                                  ref->name, vf->key);
        if (f[F_MASK].key_node)
                r = expr_one(c, &a, f[F_MASK].value, yaml_field_pos(&f[F_MASK], fb), &mask);
        if (f[F_EQUALS].value && fy_node_is_sequence(f[F_EQUALS].value))
                return yaml_error(c, yaml_field_pos(&f[F_EQUALS], fb),
                                  "\"equals\" takes one value; use \"in\" for a list");
        m = add_match(rule, ref->name, ref->args, f[F_RANGE].key_node ? MATCH_INT_RANGE : MATCH_INT_IN,
                      yaml_pos_or(f[F_RANGE].key_node ? f[F_RANGE].key_node : vf->key_node, fb));
        if (!m)
                return -ENOMEM;
        m->mask = mask;
        if (f[F_RANGE].key_node)
                return yaml_worse(r, parse_range(c, &a, &f[F_RANGE], fb, m));
        r = yaml_worse(r, expr_list(c, &a, vf->value, yaml_field_pos(vf, fb), &m->values, &m->n_values));
        return r < 0 ? r : check_in_mask(c, m, yaml_field_pos(vf, fb));
}

/* {all: F, none: F, any: F} */
static int parse_flags(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref,
                       const struct yaml_field *f, struct policy_pos fb)
{
        struct expr_arg a = int_arg_of(ref);
        const struct yaml_field *first = f[F_ALL].key_node ? &f[F_ALL] : f[F_NONE].key_node ? &f[F_NONE] : &f[F_ANY];
        struct policy_match *m = add_match(rule, ref->name, ref->args, MATCH_FLAGS, yaml_pos_or(first->key_node, fb));
        int r = 0;

        if (!m)
                return -ENOMEM;
        if (f[F_ALL].key_node)
                r = yaml_worse(r, expr_or(c, &a, f[F_ALL].value, yaml_field_pos(&f[F_ALL], fb), &m->all));
        if (f[F_NONE].key_node)
                r = yaml_worse(r, expr_or(c, &a, f[F_NONE].value, yaml_field_pos(&f[F_NONE], fb), &m->none));
        if (f[F_ANY].key_node)
                r = yaml_worse(r, expr_or(c, &a, f[F_ANY].value, yaml_field_pos(&f[F_ANY], fb), &m->any));
        if (r == 0 && (m->all & m->none))
                r = yaml_error(c, m->pos, "\"%s\": all and none share bits 0x%" PRIx64 ", so it never matches",
                               ref->name, m->all & m->none);
        return r;
}

/* mode {type: T} / {perm: P}: the value under a fixed mask. For mknod a type of
 * 0 creates a regular file (the kernel's may_mknod), so S_IFREG includes 0. */
static int parse_mode_part(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref,
                           const struct yaml_field *f, struct policy_pos fb, bool type)
{
        struct expr_arg a = int_arg_of(ref);
        struct policy_pos pos = yaml_field_pos(f, fb);
        struct policy_match *m = add_match(rule, ref->name, ref->args, MATCH_INT_IN, yaml_pos_or(f->key_node, fb));
        bool reg = false, zero = false;
        int r;

        if (!m)
                return -ENOMEM;
        m->mask = type ? S_IFMT : 07777;
        if (type)
                a.symbols = symbols_file_types();
        r = expr_list(c, &a, f->value, pos, &m->values, &m->n_values);
        for (size_t i = 0; r == 0 && i < m->n_values; i++) {
                if (m->values[i] & ~m->mask)
                        return yaml_error(c, pos, "bad value 0x%" PRIx64 " for \"%s\": not %s", m->values[i], f->key,
                                          type ? "a file type (S_IF*)" : "permission bits (07777)");
                reg |= m->values[i] == S_IFREG;
                zero |= m->values[i] == 0;
        }
        if (r == 0 && type && ref->mknod_mode && reg && !zero) {
                uint64_t *v = reallocarray(m->values, m->n_values + 1, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                m->values = v;
                m->values[m->n_values++] = 0;
        }
        return r;
}

static int parse_int_map(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref, struct fy_node *map,
                         struct policy_pos fb)
{
        struct yaml_field f[_F_MAX] = {
                [F_EQUALS] = { .key = "equals" }, [F_IN] = { .key = "in" }, [F_MASK] = { .key = "mask" },
                [F_RANGE] = { .key = "range" },   [F_ALL] = { .key = "all" }, [F_NONE] = { .key = "none" },
                [F_ANY] = { .key = "any" },       [F_TYPE] = { .key = "type" }, [F_PERM] = { .key = "perm" },
        };
        char where[96];
        int r;

        snprintf(where, sizeof(where), "the match on \"%s\"", ref->name);
        r = yaml_fields(c, map, fb, "key", where, f, ref->schema->kind == ARG_MODE ? _F_MAX : F_TYPE);
        if (r == -ENOMEM)
                return r;
        if (f[F_EQUALS].key_node || f[F_IN].key_node || f[F_RANGE].key_node)
                r = yaml_worse(r, parse_compare(c, rule, ref, f, fb));
        else if (f[F_MASK].key_node)
                r = yaml_worse(r, yaml_error(c, yaml_pos_or(f[F_MASK].key_node, fb),
                                             "\"mask\" needs equals, in or range"));
        if (r != -ENOMEM && (f[F_ALL].key_node || f[F_NONE].key_node || f[F_ANY].key_node))
                r = yaml_worse(r, parse_flags(c, rule, ref, f, fb));
        if (r != -ENOMEM && f[F_TYPE].key_node)
                r = yaml_worse(r, parse_mode_part(c, rule, ref, &f[F_TYPE], fb, true));
        if (r != -ENOMEM && f[F_PERM].key_node)
                r = yaml_worse(r, parse_mode_part(c, rule, ref, &f[F_PERM], fb, false));
        return r;
}

static int parse_int_match(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref, struct fy_node *n,
                           struct policy_pos fb)
{
        struct expr_arg a = int_arg_of(ref);
        struct policy_match *m;

        if (n && fy_node_is_mapping(n))
                return parse_int_map(c, rule, ref, n, fb);
        m = add_match(rule, ref->name, ref->args, MATCH_INT_IN, fb);
        if (!m)
                return -ENOMEM;
        m->mask = a.width;
        return expr_list(c, &a, n, fb, &m->values, &m->n_values);
}

static int parse_dev_match(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref, struct fy_node *n,
                           struct policy_pos fb)
{
        struct policy_match *m = add_match(rule, ref->name, ref->args, MATCH_DEV, fb);
        char what[64];

        if (!m)
                return -ENOMEM;
        snprintf(what, sizeof(what), "\"%s\"", ref->name);
        return expr_devs(c, n, fb, what, &m->devs, &m->n_devs);
}

/* Paths: globs. Other strings: exact ({in:}) or {prefix:}. */
static int parse_str_match(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref, struct fy_node *n,
                           struct policy_pos fb)
{
        bool path = ref->schema->kind == ARG_PATH;
        struct yaml_field f[2] = { { .key = path ? "glob" : "in" }, { .key = "prefix" } };
        enum match_kind kinds[2] = { path ? MATCH_STR_GLOB : MATCH_STR_IN, MATCH_STR_PREFIX };
        char where[96];
        int r;

        if (!n || !fy_node_is_mapping(n)) {
                struct policy_match *m = add_match(rule, ref->name, ref->args, kinds[0], fb);

                snprintf(where, sizeof(where), "\"%s\"", ref->name);
                return m ? parse_strs(c, n, fb, where, m) : -ENOMEM;
        }
        snprintf(where, sizeof(where), "the match on \"%s\"", ref->name);
        r = yaml_fields(c, n, fb, "key", where, f, path ? 1 : 2);
        for (size_t i = 0; i < 2 && r != -ENOMEM; i++) {
                struct policy_match *m;

                if (!f[i].key_node)
                        continue;
                m = add_match(rule, ref->name, ref->args, kinds[i], yaml_pos_or(f[i].key_node, fb));
                snprintf(where, sizeof(where), "\"%s\"", f[i].key);
                r = yaml_worse(r, m ? parse_strs(c, f[i].value, yaml_field_pos(&f[i], fb), where, m) : -ENOMEM);
        }
        return r;
}

static int parse_userns(struct yaml_ctx *c, struct policy_rule *rule, const struct yaml_field *f, struct policy_pos fb)
{
        struct policy_match *m;
        bool userns;
        int r = yaml_bool(c, f->value, yaml_field_pos(f, fb), "\"userns\"", &userns);

        if (r < 0)
                return r;
        m = add_match(rule, "caller.userns", NULL, MATCH_CALLER_USERNS, yaml_pos_or(f->key_node, fb));
        if (!m || !(m->values = calloc(1, sizeof(*m->values))))
                return -ENOMEM;
        m->values[0] = userns;
        m->n_values = 1;
        return 0;
}

/* caller: {uid: V|[V...], capabilities: [CAP_...], userns: BOOL} */
static int parse_caller(struct yaml_ctx *c, struct policy_rule *rule, struct fy_node *n, struct policy_pos fb)
{
        static const struct expr_arg uid = { .name = "uid", .width = UINT32_MAX, .no_negative = true };
        struct yaml_field f[3] = { { .key = "uid" }, { .key = "capabilities" }, { .key = "userns" } };
        struct policy_match *m;
        int r = yaml_mapping(c, n, fb, "\"caller\"");

        if (r == 0)
                r = yaml_fields(c, n, fb, "key", "\"caller\"", f, 3);
        if (r == -ENOMEM || !n || !fy_node_is_mapping(n))
                return r;
        if (f[0].key_node) {
                m = add_match(rule, "caller.uid", NULL, MATCH_CALLER_UID, yaml_pos_or(f[0].key_node, fb));
                r = yaml_worse(r, m ? expr_list(c, &uid, f[0].value, yaml_field_pos(&f[0], fb), &m->values,
                                                &m->n_values)
                                    : -ENOMEM);
        }
        if (f[1].key_node && r != -ENOMEM) {
                m = add_match(rule, "caller.capabilities", NULL, MATCH_CALLER_CAPS, yaml_pos_or(f[1].key_node, fb));
                r = yaml_worse(r, m ? yaml_capabilities(c, f[1].value, yaml_field_pos(&f[1], fb),
                                                        "\"capabilities\"", &m->all)
                                    : -ENOMEM);
        }
        if (f[2].key_node && r != -ENOMEM)
                r = yaml_worse(r, parse_userns(c, rule, &f[2], fb));
        return r;
}

static bool is_mknod(const char *syscall)
{
        return strcmp(syscall, "mknod") == 0 || strcmp(syscall, "mknodat") == 0;
}

/* The arg |name| in every syscall of |rule|: it must exist in each and mean the
 * same there (kind, width, symbols); its index may differ. */
static int resolve_arg(struct yaml_ctx *c, const struct policy_rule *rule, const char *name, struct policy_pos pos,
                       struct arg_ref *ret)
{
        size_t first = 0;
        int r = 0;

        *ret = (struct arg_ref) { .name = name, .args = calloc(rule->n_syscalls ? rule->n_syscalls : 1, 1) };
        if (!ret->args)
                return -ENOMEM;
        for (size_t i = 0; i < rule->n_syscalls; i++) {
                const struct arg_schema *a = schema_arg(schema_lookup(rule->syscalls[i]), name);

                if (!a) {
                        r = yaml_worse(r, yaml_error(c, pos, "unknown arg \"%s\" for syscall %s", name,
                                                     rule->syscalls[i]));
                        continue;
                }
                if (!ret->schema) {
                        ret->schema = a;
                        first = i;
                } else if (a->kind != ret->schema->kind || a->width_mask != ret->schema->width_mask ||
                           a->symbols != ret->schema->symbols)
                        r = yaml_worse(r, yaml_error(c, pos, "arg \"%s\" differs between %s and %s: split the rule",
                                                     name, rule->syscalls[first], rule->syscalls[i]));
                ret->args[i] = (uint8_t) a->index;
                ret->mknod_mode |= a->kind == ARG_MODE && is_mknod(rule->syscalls[i]);
        }
        return r;
}

static int parse_arg_value(struct yaml_ctx *c, struct policy_rule *rule, const struct arg_ref *ref,
                           struct fy_node *value, struct policy_pos fb)
{
        switch (ref->schema->kind) {
        case ARG_DEV:
                return parse_dev_match(c, rule, ref, value, fb);
        case ARG_PATH:
        case ARG_STRING:
                return parse_str_match(c, rule, ref, value, fb);
        default:
                return parse_int_match(c, rule, ref, value, fb);
        }
}

/* The value is checked even when some syscall lacks the arg, to report its
 * errors too; the rule fails either way. */
static int parse_arg_match(struct yaml_ctx *c, struct policy_rule *rule, const char *key, struct fy_node *value,
                           struct policy_pos key_pos)
{
        struct arg_ref ref;
        int r = resolve_arg(c, rule, key, key_pos, &ref);

        if (r != -ENOMEM && ref.schema)
                r = yaml_worse(r, parse_arg_value(c, rule, &ref, value, yaml_pos_or(value, key_pos)));
        free(ref.args);
        return r;
}

int match_parse(struct yaml_ctx *c, struct policy_rule *rule, struct fy_node *map, struct policy_pos fb)
{
        struct fy_node_pair *pair;
        void *iter = NULL;
        int r = 0;

        if (yaml_null(map))
                return 0;
        r = yaml_mapping(c, map, fb, "\"match\"");
        if (r < 0)
                return r;
        while ((pair = fy_node_mapping_iterate(map, &iter))) {
                struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
                const char *key;
                int q = yaml_scalar(c, k, fb, "a match key", &key);

                if (q == 0 && strcmp(key, "caller") == 0)
                        q = parse_caller(c, rule, v, yaml_pos_or(v, yaml_pos_or(k, fb)));
                else if (q == 0 && rule->n_syscalls > 0)
                        q = parse_arg_match(c, rule, key, v, yaml_pos_or(k, fb));
                r = yaml_worse(r, q);
                if (r == -ENOMEM)
                        return r;
        }
        return r;
}

static bool u64_in(uint64_t v, const uint64_t *set, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (set[i] == v)
                        return true;
        return false;
}

static bool str_covered(const char *s, const struct policy_match *q)
{
        for (size_t i = 0; i < q->n_strs; i++)
                if (q->kind == MATCH_STR_PREFIX ? strncmp(s, q->strs[i], strlen(q->strs[i])) == 0
                                                : strcmp(s, q->strs[i]) == 0)
                        return true;
        return false;
}

static bool dev_covered(struct policy_dev d, const struct policy_match *q)
{
        for (size_t i = 0; i < q->n_devs; i++)
                if ((q->devs[i].major == POLICY_ANY || q->devs[i].major == d.major) &&
                    (q->devs[i].minor == POLICY_ANY || q->devs[i].minor == d.minor))
                        return true;
        return false;
}

static bool subset(uint64_t a, uint64_t b)
{
        return (a & ~b) == 0;
}

bool match_implies(const struct policy_match *r, const struct policy_match *q)
{
        if (r->kind != q->kind || strcmp(r->arg_name, q->arg_name) != 0)
                return false;
        switch (r->kind) {
        case MATCH_INT_IN:
        case MATCH_CALLER_UID:
                for (size_t i = 0; i < r->n_values; i++)
                        if (!u64_in(r->values[i], q->values, q->n_values))
                                return false;
                return r->mask == q->mask;
        case MATCH_CALLER_USERNS:
                return r->n_values == 1 && q->n_values == 1 && r->values[0] == q->values[0];
        case MATCH_INT_RANGE:
                return r->mask == q->mask && r->lo >= q->lo && r->hi <= q->hi;
        case MATCH_FLAGS:
        case MATCH_CALLER_CAPS:
                return subset(q->all, r->all) && subset(q->none, r->none) &&
                       (q->any == 0 || (r->any != 0 && subset(r->any, q->any)) || (r->all & q->any) != 0);
        case MATCH_DEV:
                for (size_t i = 0; i < r->n_devs; i++)
                        if (!dev_covered(r->devs[i], q))
                                return false;
                return true;
        case MATCH_STR_GLOB:
        case MATCH_STR_IN:
        case MATCH_STR_PREFIX:
                for (size_t i = 0; i < r->n_strs; i++)
                        if (!str_covered(r->strs[i], q))
                                return false;
                return true;
        default:
                return false;
        }
}
