/* The `limits:` section, shared by policies and the daemon config, and how the
 * two combine with the built-in defaults. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/policy_limits.h"
#include "policy/schema.h"
#include "policy/yaml.h"

#define COUNT_MAX 1000000
#define BYTES_MAX (UINT64_C(1) << 40)

static uint64_t pick(uint64_t policy, uint64_t config, uint64_t dflt)
{
        return policy ? policy : config ? config : dflt;
}

void policy_limits_resolve(const struct policy_limits *policy, const struct policy_limits *config,
                           struct policy_limits *ret)
{
        const struct policy_limits none = { 0 }, dflt = POLICY_LIMITS_DEFAULT;

        if (!policy)
                policy = &none;
        if (!config)
                config = &none;
        ret->in_flight = pick(policy->in_flight, config->in_flight, dflt.in_flight);
        ret->helper_queue = pick(policy->helper_queue, config->helper_queue, dflt.helper_queue);
        ret->read_bytes = pick(policy->read_bytes, config->read_bytes, dflt.read_bytes);
        ret->error = (int) pick((uint64_t) policy->error, (uint64_t) config->error, (uint64_t) dflt.error);
}

/* The multiplier a size suffix stands for; 0 for an unknown one. */
static uint64_t size_unit(const char *s)
{
        static const struct {
                const char *suffix;
                uint64_t scale;
        } units[] = { { "", 1 }, { "B", 1 }, { "KiB", 1 << 10 }, { "MiB", 1 << 20 }, { "GiB", 1 << 30 },
                      { "TiB", UINT64_C(1) << 40 } };

        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (strcmp(s, units[i].suffix) == 0)
                        return units[i].scale;
        return 0;
}

/* A count (1..COUNT_MAX) or, with |bytes|, a size with an optional unit
 * (1 B..1 TiB); `unlimited` either way. */
static int amount(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, bool bytes, uint64_t *ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        uint64_t v = 0, scale, max = bytes ? BYTES_MAX : COUNT_MAX;
        size_t digits;
        const char *s;
        int r = yaml_scalar(c, f->value, pos, f->key, &s);

        if (r < 0)
                return r;
        if (strcmp(s, "unlimited") == 0) {
                *ret = LIMIT_UNLIMITED;
                return 0;
        }
        /* Decimal only. */
        digits = strspn(s, "0123456789");
        scale = bytes ? size_unit(s + digits) : s[digits] == '\0';
        if (digits == 0 || scale == 0)
                return yaml_error(c, pos, "bad %s \"%s\": expected %s or \"unlimited\"", f->key, s,
                                  bytes ? "a size (N, NKiB, NMiB, NGiB, NTiB)" : "a count");
        /* Past 13 digits it is out of range anyway; below, no overflow. */
        for (size_t i = 0; i < digits && i < 14; i++)
                v = v * 10 + (uint64_t) (s[i] - '0');
        if (v == 0 || digits > 13 || v > max / scale)
                return yaml_error(c, pos, "%s %s is out of range (1..%" PRIu64 "%s, or \"unlimited\")", f->key, s,
                                  bytes ? max >> 40 : max, bytes ? "TiB" : "");
        *ret = v * scale;
        return 0;
}

static int error_name(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, int *ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *s;
        int r = yaml_scalar(c, f->value, pos, "\"errno\"", &s), v;

        if (r < 0)
                return r;
        v = errno_from_name(s);
        if (v <= 0)
                return yaml_error(c, pos, "unknown errno \"%s\"", s);
        *ret = v;
        return 0;
}

enum { L_IN_FLIGHT, L_HELPER_QUEUE, L_READ_BYTES, L_ERRNO, _L_MAX };

int policy_limits_parse(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, struct policy_limits *ret)
{
        struct yaml_field f[_L_MAX] = {
                [L_IN_FLIGHT] = { .key = "in_flight" },
                [L_HELPER_QUEUE] = { .key = "helper_queue" },
                [L_READ_BYTES] = { .key = "read_bytes" },
                [L_ERRNO] = { .key = "errno" },
        };
        struct policy_pos pos = yaml_pos_or(n, fb);
        int r = yaml_mapping(c, n, pos, "\"limits\"");

        if (r < 0)
                return r;
        r = yaml_fields(c, n, pos, "key", "\"limits\"", f, _L_MAX);
        if (r != -ENOMEM && f[L_IN_FLIGHT].key_node)
                r = yaml_worse(r, amount(c, &f[L_IN_FLIGHT], pos, false, &ret->in_flight));
        if (r != -ENOMEM && f[L_HELPER_QUEUE].key_node)
                r = yaml_worse(r, amount(c, &f[L_HELPER_QUEUE], pos, false, &ret->helper_queue));
        if (r != -ENOMEM && f[L_READ_BYTES].key_node)
                r = yaml_worse(r, amount(c, &f[L_READ_BYTES], pos, true, &ret->read_bytes));
        if (r != -ENOMEM && f[L_ERRNO].key_node)
                r = yaml_worse(r, error_name(c, &f[L_ERRNO], pos, &ret->error));
        return r;
}
