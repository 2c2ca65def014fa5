/* YAML node access for the policy parser: typed reads that record diagnostics
 * at the node's line:column, and the diagnostics list itself. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fy_cleanup.h"
#include "policy/schema.h"
#include "policy/yaml.h"

_printf_(4, 0) static int diag_vadd(struct yaml_ctx *c, bool warning, struct policy_pos pos, const char *fmt,
                                    va_list ap)
{
        struct policy_diags *d = c->diags;
        struct policy_diag *v;
        char *msg;

        if (vasprintf(&msg, fmt, ap) < 0)
                return -ENOMEM;
        v = reallocarray(d->v, d->n + 1, sizeof(*v));
        if (!v) {
                free(msg);
                return -ENOMEM;
        }
        d->v = v;
        d->v[d->n++] = (struct policy_diag) { .warning = warning, .pos = pos, .msg = msg };
        if (!warning)
                d->n_errors++;
        return 0;
}

void policy_diags_clear(struct policy_diags *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                free(d->v[i].msg);
        free(d->v);
        *d = (struct policy_diags) { 0 };
}

void policy_diags_print(const struct policy_diags *d, const char *file, FILE *f)
{
        if (!file)
                file = "<policy>";
        for (size_t i = 0; d && i < d->n; i++) {
                const struct policy_diag *g = &d->v[i];
                const char *kind = g->warning ? "warning" : "error";

                if (g->pos.line > 0)
                        fprintf(f, "%s:%u:%u: %s: %s\n", file, g->pos.line, g->pos.col, kind, g->msg);
                else
                        fprintf(f, "%s: %s: %s\n", file, kind, g->msg);
        }
}

/* Stable, by position: the order a reader meets them in the file. */
void yaml_diags_sort(struct policy_diags *d, size_t from)
{
        for (size_t i = from + 1; i < d->n; i++) {
                struct policy_diag x = d->v[i];
                size_t j = i;

                for (; j > from && (d->v[j - 1].pos.line > x.pos.line ||
                                    (d->v[j - 1].pos.line == x.pos.line && d->v[j - 1].pos.col > x.pos.col));
                     j--)
                        d->v[j] = d->v[j - 1];
                d->v[j] = x;
        }
}

int yaml_error(struct yaml_ctx *c, struct policy_pos pos, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_vadd(c, false, pos, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

int yaml_warn(struct yaml_ctx *c, struct policy_pos pos, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_vadd(c, true, pos, fmt, ap);
        va_end(ap);
        return r;
}

/* Where |n| starts, 1-based. libfyaml 0.7 exposes marks only for scalar tokens:
 * a collection is placed at its first entry. */
struct policy_pos yaml_pos(struct fy_node *n)
{
        void *iter = NULL;
        struct fy_node_pair *pair;
        struct fy_token *t;
        const struct fy_mark *m;
        enum fy_node_style style;
        bool quoted;

        if (!n)
                return YAML_NO_POS;
        switch (fy_node_get_type(n)) {
        case FYNT_SCALAR:
                t = fy_node_get_scalar_token(n);
                m = t ? fy_token_start_mark(t) : NULL;
                if (!m || m->line < 0 || m->column < 0)
                        return YAML_NO_POS;
                /* The token's mark is past the opening quote or the '*'. */
                style = fy_node_get_style(n);
                quoted = style == FYNS_SINGLE_QUOTED || style == FYNS_DOUBLE_QUOTED || style == FYNS_ALIAS;
                return (struct policy_pos) { (unsigned) m->line + 1,
                                             (unsigned) m->column + (quoted && m->column > 0 ? 0 : 1) };
        case FYNT_MAPPING:
                pair = fy_node_mapping_iterate(n, &iter);
                return pair ? yaml_pos(fy_node_pair_key(pair)) : YAML_NO_POS;
        case FYNT_SEQUENCE:
                return yaml_pos(fy_node_sequence_iterate(n, &iter));
        }
        return YAML_NO_POS;
}

struct policy_pos yaml_pos_or(struct fy_node *n, struct policy_pos fallback)
{
        struct policy_pos p = yaml_pos(n);

        return p.line > 0 ? p : fallback;
}

/* An empty value, "~" or "null". */
bool yaml_null(struct fy_node *n)
{
        const char *s;
        size_t len;

        if (!n || fy_node_is_null(n))
                return true;
        if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
                return false;
        s = fy_node_get_scalar(n, &len);
        return s && ((len == 1 && s[0] == '~') || (len == 4 && (memcmp(s, "null", 4) == 0 ||
                                                                memcmp(s, "Null", 4) == 0 ||
                                                                memcmp(s, "NULL", 4) == 0)));
}

const char *yaml_type_name(struct fy_node *n)
{
        if (yaml_null(n))
                return "an empty value";
        if (fy_node_is_alias(n))
                return "a YAML alias (not supported)";
        return fy_node_is_mapping(n) ? "a mapping" : fy_node_is_sequence(n) ? "a list" : "a scalar";
}

/* The text of scalar |n|; |what| names it in the error. */
int yaml_scalar(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, const char **ret)
{
        const char *s;
        size_t len;

        if (!n || fy_node_is_null(n) || !fy_node_is_scalar(n) || fy_node_is_alias(n))
                return yaml_error(c, yaml_pos_or(n, fb), "%s must be a scalar, not %s", what, yaml_type_name(n));
        s = fy_node_get_scalar(n, &len);
        if (s && memchr(s, '\0', len))
                return yaml_error(c, yaml_pos_or(n, fb), "%s contains a NUL byte", what);
        s = fy_node_get_scalar0(n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int yaml_mapping(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what)
{
        if (n && fy_node_is_mapping(n))
                return 0;
        return yaml_error(c, yaml_pos_or(n, fb), "%s must be a mapping, not %s", what, yaml_type_name(n));
}

int yaml_sequence(struct yaml_ctx *c, struct fy_node *n, struct policy_pos pos, const char *what)
{
        if (n && fy_node_is_sequence(n))
                return 0;
        return yaml_error(c, pos, "%s must be a list, not %s", what, yaml_type_name(n));
}

/* Fills |f| from mapping |map|; reports unknown keys (a |noun|: "key", "param")
 * and missing required ones. Present fields are usable even when it fails. */
int yaml_fields(struct yaml_ctx *c, struct fy_node *map, struct policy_pos fb, const char *noun, const char *where,
                struct yaml_field *f, size_t n)
{
        struct fy_node_pair *pair;
        void *iter = NULL;
        int r = 0;

        while ((pair = fy_node_mapping_iterate(map, &iter))) {
                struct fy_node *k = fy_node_pair_key(pair);
                struct yaml_field *hit = NULL;
                const char *name;
                int q = yaml_scalar(c, k, yaml_pos_or(map, fb), "a key", &name);

                for (size_t i = 0; q == 0 && i < n; i++)
                        if (strcmp(f[i].key, name) == 0)
                                hit = &f[i];
                if (q == 0 && !hit)
                        q = yaml_error(c, yaml_pos_or(k, fb), "unknown %s \"%s\" in %s", noun, name, where);
                r = yaml_worse(r, q);
                if (r == -ENOMEM)
                        return r;
                if (hit) {
                        hit->key_node = k;
                        hit->value = fy_node_pair_value(pair);
                }
        }
        for (size_t i = 0; i < n; i++)
                if (f[i].required && !f[i].key_node)
                        r = yaml_worse(r, yaml_error(c, yaml_pos_or(map, fb), "missing key \"%s\" in %s", f[i].key,
                                                     where));
        return r;
}

/* Where a field's value is, or its key when the value has no position. */
struct policy_pos yaml_field_pos(const struct yaml_field *f, struct policy_pos fb)
{
        return yaml_pos_or(f->value, yaml_pos_or(f->key_node, fb));
}

size_t yaml_list_len(struct fy_node *n)
{
        if (n && fy_node_is_sequence(n)) {
                int k = fy_node_sequence_item_count(n);

                return k > 0 ? (size_t) k : 0;
        }
        return 1;
}

/* Calls |fn| for the scalar |n| or for each scalar of the non-empty list |n|. */
int yaml_each(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, yaml_item_fn fn,
              void *userdata)
{
        struct fy_node *item;
        void *iter = NULL;
        size_t i = 0;
        int r = 0;

        if (!n || !fy_node_is_sequence(n)) {
                const char *s;

                if (n && fy_node_is_mapping(n))
                        return yaml_error(c, yaml_pos_or(n, fb), "%s must be a scalar or a list, not a mapping", what);
                r = yaml_scalar(c, n, fb, what, &s);
                return r < 0 ? r : fn(c, s, yaml_pos_or(n, fb), 0, userdata);
        }
        if (yaml_list_len(n) == 0)
                return yaml_error(c, fb, "%s: empty list", what);
        while ((item = fy_node_sequence_iterate(n, &iter))) {
                const char *s;
                int q = yaml_scalar(c, item, yaml_pos_or(n, fb), what, &s);

                if (q == 0)
                        q = fn(c, s, yaml_pos_or(item, fb), i, userdata);
                i++;
                r = yaml_worse(r, q);
                if (r == -ENOMEM)
                        return r;
        }
        return r;
}

static int cap_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i _unused_, void *userdata)
{
        uint64_t *caps = userdata;
        int cap = capability_from_name(text);

        if (cap < 0)
                return yaml_error(c, pos, "unknown capability \"%s\"", text);
        *caps |= UINT64_C(1) << cap;
        return 0;
}

int yaml_capabilities(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, uint64_t *ret)
{
        return yaml_each(c, n, fb, what, cap_item, ret);
}

int yaml_bool(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, bool *ret)
{
        const char *s;
        int r = yaml_scalar(c, n, fb, what, &s);

        if (r < 0)
                return r;
        if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
                *ret = s[0] == 't';
                return 0;
        }
        return yaml_error(c, yaml_pos_or(n, fb), "%s must be true or false, not \"%s\"", what, s);
}

/* One strict UTF-8 sequence (no overlongs, surrogates or values above
 * U+10FFFF): its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *ret)
{
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        size_t n = s[0] < 0x80             ? 1
                   : (s[0] & 0xe0) == 0xc0 ? 2
                   : (s[0] & 0xf0) == 0xe0 ? 3
                   : (s[0] & 0xf8) == 0xf0 ? 4
                                           : 0;
        uint32_t cp;

        if (n == 0 || n > len)
                return 0;
        cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret = cp;
        return n;
}

/* YAML 1.2's c-printable. */
static bool printable(uint32_t cp)
{
        return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
               (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

int yaml_check_text(struct yaml_ctx *c, const char *text, size_t len)
{
        const unsigned char *s = (const unsigned char *) text;
        unsigned line = 1, col = 1;

        for (size_t i = 0; i < len; col++) {
                uint32_t cp = 0;
                size_t n = utf8_decode(s + i, len - i, &cp);

                if (n == 0 || !printable(cp))
                        return yaml_error(c, (struct policy_pos) { line, col },
                                          "not YAML text: byte 0x%02x is not printable UTF-8", s[i]);
                if (cp == '\n') {
                        line++;
                        col = 0;
                }
                i += n;
        }
        return 0;
}

/* libfyaml's own errors, positions already 1-based. */
static int syntax_errors(struct yaml_ctx *c, struct fy_diag *diag)
{
        struct fy_diag_error *e;
        void *iter = NULL;
        int r = 0;

        while ((e = fy_diag_errors_iterate(diag, &iter)))
                if (e->type >= FYET_ERROR) {
                        struct policy_pos pos = { e->line > 0 ? (unsigned) e->line : 0,
                                                  e->column > 0 ? (unsigned) e->column : 0 };

                        r = yaml_worse(r, yaml_error(c, pos, "YAML: %s", e->msg ? e->msg : "syntax error"));
                }
        return r < 0 ? r : yaml_error(c, YAML_NO_POS, "YAML: syntax error");
}

static struct fy_diag *collecting_diag(void)
{
        struct fy_diag_cfg cfg;
        struct fy_diag *diag;

        fy_diag_cfg_default(&cfg);
        cfg.fp = NULL;
        cfg.output_fn = NULL;
        diag = fy_diag_create(&cfg);
        if (diag)
                fy_diag_set_collect_errors(diag, true);
        return diag;
}

int yaml_load(struct yaml_ctx *c, const char *text, size_t len, const char *empty, const char *kind,
              yaml_root_fn fn, void *userdata)
{
        _cleanup_(fy_diag_destroyp) struct fy_diag *diag = NULL;
        _cleanup_(fy_parser_destroyp) struct fy_parser *parser = NULL;
        struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_NONE };
        struct fy_document *doc, *extra;
        int r;

        r = yaml_check_text(c, text, len);
        if (r < 0)
                return r;
        diag = collecting_diag();
        if (!diag)
                return -ENOMEM;
        cfg.diag = diag;
        parser = fy_parser_create(&cfg);
        if (!parser || fy_parser_set_string(parser, len ? text : "", len) < 0)
                return -ENOMEM;
        doc = fy_parse_load_document(parser);
        if (!doc)
                return fy_diag_got_error(diag) ? syntax_errors(c, diag) : yaml_error(c, YAML_NO_POS, "empty %s", empty);
        r = fn(c, fy_document_root(doc), userdata);
        fy_parse_document_destroy(parser, doc);
        if (r == -ENOMEM)
                return r;
        extra = fy_parse_load_document(parser);
        if (extra) {
                struct policy_pos pos = yaml_pos(fy_document_root(extra));

                fy_parse_document_destroy(parser, extra);
                return yaml_worse(r, yaml_error(c, pos, "a %s holds one YAML document", kind));
        }
        return fy_diag_got_error(diag) ? yaml_worse(r, syntax_errors(c, diag)) : r;
}
