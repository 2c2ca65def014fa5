/* Values in policy files: integer expressions checked against an arg's width,
 * and device numbers. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "policy/expr.h"

static int number_parse(const char *s, uint64_t *ret)
{
        const char *digits = "0123456789";
        unsigned long long v;
        int base = 10;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                digits = "0123456789abcdefABCDEF";
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
                base = 8;
                digits = "01234567";
                s += 2;
        } else if (s[0] == '0' && s[1] != '\0') {
                base = 8;
                digits = "01234567";
                s++;
        }
        if (s[0] == '\0' || s[strspn(s, digits)] != '\0')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, NULL, base);
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int eval_term(struct yaml_ctx *c, const struct expr_arg *a, const char *term, struct policy_pos pos,
                     uint64_t *ret)
{
        uint64_t v = 0;
        int r = 0;

        if ((term[0] >= '0' && term[0] <= '9') || term[0] == '-') {
                bool neg = term[0] == '-';

                if (neg && a->no_negative)
                        return yaml_error(c, pos, "\"%s\" cannot be negative (\"%s\")", a->name, term);
                r = number_parse(term + neg, &v);
                if (r == -EINVAL)
                        return yaml_error(c, pos, "bad number \"%s\" for \"%s\"", term, a->name);
                if (r == 0 && neg) {
                        if (v > a->width / 2 + 1)
                                r = -ERANGE;
                        v = (0 - v) & a->width;
                }
        } else if (symbol_lookup(a->symbols, term, &v) < 0 && symbol_lookup(a->extra, term, &v) < 0)
                return yaml_error(c, pos, "unknown symbol \"%s\" for \"%s\"", term, a->name);
        if (r == -ERANGE || v > a->width)
                return yaml_error(c, pos, "value \"%s\" does not fit \"%s\" (mask 0x%" PRIx64 ")", term, a->name,
                                  a->width);
        *ret = v;
        return 0;
}

static char *trim(char *s)
{
        size_t n;

        s += strspn(s, " \t");
        n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = '\0';
        return s;
}

int expr_eval(struct yaml_ctx *c, const struct expr_arg *a, const char *text, struct policy_pos pos, uint64_t *ret)
{
        _cleanup_free_ char *buf = strdup(text);
        char *p, *bar;
        uint64_t v = 0;

        if (!buf)
                return -ENOMEM;
        for (p = buf;; p = bar + 1) {
                uint64_t t = 0;
                int r;

                bar = strchr(p, '|');
                if (bar)
                        *bar = '\0';
                p = trim(p);
                if (p[0] == '\0')
                        return yaml_error(c, pos, "bad value \"%s\" for \"%s\"", text, a->name);
                r = eval_term(c, a, p, pos, &t);
                if (r < 0)
                        return r;
                v |= t;
                if (!bar)
                        break;
        }
        *ret = v;
        return 0;
}

struct values_ud {
        const struct expr_arg *arg;
        uint64_t *values;
};

static int value_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i, void *userdata)
{
        struct values_ud *ud = userdata;

        return expr_eval(c, ud->arg, text, pos, &ud->values[i]);
}

/* A value or a non-empty list of them. */
int expr_list(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb,
              uint64_t **ret, size_t *ret_n)
{
        size_t count = yaml_list_len(n);
        _cleanup_free_ uint64_t *v = calloc(count ? count : 1, sizeof(*v));
        struct values_ud ud = { a, v };
        char what[64];
        int r;

        if (!v)
                return -ENOMEM;
        snprintf(what, sizeof(what), "a value of \"%s\"", a->name);
        r = yaml_each(c, n, fb, what, value_item, &ud);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        *ret_n = count;
        return 0;
}

/* Values OR-ed together: flags. */
int expr_or(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb, uint64_t *ret)
{
        _cleanup_free_ uint64_t *v = NULL;
        size_t count = 0;
        int r = expr_list(c, a, n, fb, &v, &count);

        if (r < 0)
                return r;
        *ret = 0;
        for (size_t i = 0; i < count; i++)
                *ret |= v[i];
        return 0;
}

int expr_one(struct yaml_ctx *c, const struct expr_arg *a, struct fy_node *n, struct policy_pos fb, uint64_t *ret)
{
        char what[64];
        const char *s;
        int r;

        snprintf(what, sizeof(what), "a value of \"%s\"", a->name);
        r = yaml_scalar(c, n, fb, what, &s);
        return r < 0 ? r : expr_eval(c, a, s, yaml_pos_or(n, fb), ret);
}

static int dev_part(const char *s, size_t len, uint32_t max, uint32_t *ret)
{
        char buf[24];
        uint64_t v;

        if (len == 1 && s[0] == '*') {
                *ret = POLICY_ANY;
                return 0;
        }
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (number_parse(buf, &v) < 0 || v > max)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int expr_dev(struct yaml_ctx *c, const char *text, struct policy_pos pos, struct policy_dev *ret)
{
        const char *colon = strchr(text, ':');
        struct policy_dev d;

        /* new_decode_dev: 12 bits of major, 20 of minor. */
        if (!colon || dev_part(text, (size_t) (colon - text), 0xfff, &d.major) < 0 ||
            dev_part(colon + 1, strlen(colon + 1), 0xfffff, &d.minor) < 0)
                return yaml_error(c, pos,
                                  "bad device \"%s\": expected \"MAJOR:MINOR\" (major <= 4095, minor <= 1048575, "
                                  "either may be *)",
                                  text);
        *ret = d;
        return 0;
}

static int dev_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i, void *userdata)
{
        struct policy_dev *devs = userdata;

        return expr_dev(c, text, pos, &devs[i]);
}

int expr_devs(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what,
              struct policy_dev **ret, size_t *ret_n)
{
        size_t count = yaml_list_len(n);
        _cleanup_free_ struct policy_dev *v = calloc(count ? count : 1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        r = yaml_each(c, n, fb, what, dev_item, v);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        *ret_n = count;
        return 0;
}

int expr_duration_ms(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, const char *what, unsigned max_ms,
                     unsigned *ret)
{
        struct policy_pos pos = yaml_pos_or(n, fb);
        char buf[24];
        const char *s;
        size_t digits;
        uint64_t v, scale = 1;
        int r = yaml_scalar(c, n, fb, what, &s);

        if (r < 0)
                return r;
        digits = strspn(s, "0123456789");
        if (strcmp(s + digits, "s") == 0)
                scale = 1000;
        else if (s[digits] != '\0' && strcmp(s + digits, "ms") != 0)
                digits = 0;
        /* Decimal only: a leading 0 is not octal here. */
        if (digits == 0 || digits >= sizeof(buf))
                return yaml_error(c, pos, "bad duration \"%s\" for %s: expected N, Nms or Ns", s, what);
        memcpy(buf, s, digits);
        buf[digits] = '\0';
        v = strtoull(buf, NULL, 10);
        if (v == 0 || v > max_ms / scale)
                return yaml_error(c, pos, "%s %s is out of range (1ms..%us)", what, s, max_ms / 1000);
        *ret = (unsigned) (v * scale);
        return 0;
}
