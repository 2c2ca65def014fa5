/* The passthrough request model (passthrough.h): the value syntax shared by
 * policy files and annotations, and the policy's `passthrough:` section. */
#include <errno.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "policy/passthrough.h"
#include "policy/yaml.h"

static int why(const char **ret_why, const char *reason)
{
        *ret_why = reason;
        return -EINVAL;
}

/* A decimal number up to |max|, nothing else (no sign, no space). */
static int decimal(const char *s, size_t len, uint32_t max, uint32_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 10)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v > max)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int passthrough_parse_count(const char *text, unsigned *ret, const char **ret_why)
{
        uint32_t n;

        if (decimal(text, strlen(text), PASSTHROUGH_VF_MAX, &n) < 0 || n < 1)
                return why(ret_why, "a number from 1 to 16");
        *ret = n;
        return 0;
}

/* The kernel's dev_valid_name(): what a rename would refuse, refused early. */
int passthrough_parse_name(const char *text, char ret[IF_NAMESIZE], const char **ret_why)
{
        size_t len = strlen(text);

        if (len == 0 || len >= IF_NAMESIZE)
                return why(ret_why, "an interface name of 1 to 15 characters");
        if (strcmp(text, ".") == 0 || strcmp(text, "..") == 0 || strpbrk(text, "/:, \t\n\v\f\r"))
                return why(ret_why, "an interface name without '/', ':', ',' or spaces, not \".\" or \"..\"");
        memcpy(ret, text, len + 1);
        return 0;
}

int passthrough_parse_mac(const char *text, uint8_t ret[6], const char **ret_why)
{
        static const char hex[] = "0123456789abcdefABCDEF";
        struct ether_addr a;
        static const uint8_t zero[6];

        /* ether_aton_r() takes "2:0:0:0:0:1" and ignores what follows the
         * sixth byte: the exact form is checked first. */
        if (strlen(text) != 17)
                return why(ret_why, "a MAC address as six two-digit hex bytes, \"02:00:5e:10:00:01\"");
        for (size_t i = 0; i < 17; i++)
                if (i % 3 == 2 ? text[i] != ':' : !strchr(hex, text[i]))
                        return why(ret_why, "a MAC address as six two-digit hex bytes, \"02:00:5e:10:00:01\"");
        if (!ether_aton_r(text, &a))
                return why(ret_why, "a MAC address as six two-digit hex bytes, \"02:00:5e:10:00:01\"");
        if (a.ether_addr_octet[0] & 1)
                return why(ret_why, "a unicast MAC address (the first byte even)");
        if (memcmp(a.ether_addr_octet, zero, 6) == 0)
                return why(ret_why, "a MAC address other than 00:00:00:00:00:00");
        memcpy(ret, a.ether_addr_octet, 6);
        return 0;
}

/* "KEY=VALUE" at |s| (|len| long) if it starts with |key|=: the value's length. */
static int option(const char *s, size_t len, const char *key, const char **ret_value)
{
        size_t k = strlen(key);

        if (len <= k || strncmp(s, key, k) != 0 || s[k] != '=')
                return -1;
        *ret_value = s + k + 1;
        return (int) (len - k - 1);
}

static int vlan_option(const char *s, size_t len, struct passthrough_vlan *v, bool seen[2])
{
        const char *val;
        uint32_t qos;
        int n;

        if ((n = option(s, len, "qos", &val)) >= 0) {
                if (seen[0] || decimal(val, (size_t) n, 7, &qos) < 0)
                        return -EINVAL;
                v->qos = (uint8_t) qos;
                seen[0] = true;
                return 0;
        }
        if ((n = option(s, len, "proto", &val)) < 0 || seen[1])
                return -EINVAL;
        seen[1] = true;
        if ((size_t) n == strlen("802.1Q") && strncasecmp(val, "802.1Q", (size_t) n) == 0)
                v->proto = PASSTHROUGH_VLAN_8021Q;
        else if ((size_t) n == strlen("802.1ad") && strncasecmp(val, "802.1ad", (size_t) n) == 0)
                v->proto = PASSTHROUGH_VLAN_8021AD;
        else
                return -EINVAL;
        return 0;
}

int passthrough_parse_vlan(const char *text, struct passthrough_vlan *ret, const char **ret_why)
{
        static const char expected[] = "a VLAN \"ID[:qos=0..7][:proto=802.1Q|802.1ad]\" with an ID from 0 to 4095";
        struct passthrough_vlan v = { .proto = PASSTHROUGH_VLAN_8021Q };
        size_t len = strcspn(text, ":");
        bool seen[2] = { false, false };
        uint32_t id;

        if (decimal(text, len, 4095, &id) < 0)
                return why(ret_why, expected);
        v.id = (uint16_t) id;
        for (const char *p = text + len; *p; p += len) {
                p++;
                len = strcspn(p, ":");
                if (vlan_option(p, len, &v, seen) < 0)
                        return why(ret_why, expected);
        }
        if (v.id == 0 && (v.qos || v.proto != PASSTHROUGH_VLAN_8021Q))
                return why(ret_why, "no qos or proto with VLAN 0 (untagged)");
        *ret = v;
        return 0;
}

/* "KEY=N" at |p| (|len| long): 0 and the number, -EINVAL. */
static int rate_term(const char *p, size_t len, const char *key, uint32_t *ret)
{
        const char *val;
        int n = option(p, len, key, &val);

        return n < 0 ? -EINVAL : decimal(val, (size_t) n, UINT32_MAX, ret) < 0 ? -EINVAL : 0;
}

int passthrough_parse_rate(const char *text, struct passthrough_rate *ret, const char **ret_why)
{
        static const char expected[] = "a rate \"max=N\", \"min=N\" or \"min=N:max=N\" in Mbit/s";
        struct passthrough_rate r = { 0 };
        size_t len = strcspn(text, ":");
        const char *p = text;

        if (rate_term(p, len, "min", &r.min) == 0) {
                if (p[len] == '\0') {
                        *ret = r;
                        return 0;
                }
                p += len + 1;
                len = strcspn(p, ":");
        }
        if (rate_term(p, len, "max", &r.max) < 0 || p[len] != '\0')
                return why(ret_why, expected);
        if (r.max && r.min > r.max)
                return why(ret_why, "a rate whose max is at least its min");
        *ret = r;
        return 0;
}

static const char *const link_state_names[] = {
        [PASSTHROUGH_LINK_AUTO] = "auto",
        [PASSTHROUGH_LINK_ENABLE] = "enable",
        [PASSTHROUGH_LINK_DISABLE] = "disable",
};

int passthrough_parse_link_state(const char *text, enum passthrough_link_state *ret, const char **ret_why)
{
        for (size_t i = 0; i < ARRAY_SIZE(link_state_names); i++)
                if (strcmp(text, link_state_names[i]) == 0) {
                        *ret = (enum passthrough_link_state) i;
                        return 0;
                }
        return why(ret_why, "auto, enable or disable");
}

const char *passthrough_link_state_name(enum passthrough_link_state s)
{
        return (size_t) s < ARRAY_SIZE(link_state_names) ? link_state_names[s] : "unknown";
}

int passthrough_parse_bool(const char *text, bool *ret, const char **ret_why)
{
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
                return why(ret_why, "true or false");
        *ret = text[0] == 't';
        return 0;
}

void passthrough_format_mac(const uint8_t mac[6], char buf[18])
{
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void passthrough_format_vlan(const struct passthrough_vlan *v, char *buf, size_t size)
{
        snprintf(buf, size, "%u:qos=%u:proto=%s", v->id, v->qos,
                 v->proto == PASSTHROUGH_VLAN_8021AD ? "802.1ad" : "802.1Q");
}

void passthrough_format_rate(const struct passthrough_rate *r, char *buf, size_t size)
{
        snprintf(buf, size, "min=%u:max=%u", r->min, r->max);
}

/* ---- the policy section ---- */

enum { V_POOL, V_COUNT, V_NAME, V_MAC, V_VLAN, V_RATE, V_TRUST, V_SPOOFCHK, V_LINK_STATE, V_UP, _V_MAX };

/* A scalar field through a value parser, its reason reported at the value. */
typedef int (*value_fn)(const char *text, void *ret, const char **ret_why);

static int field_value(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, value_fn fn,
                       void *ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *s, *reason = "";
        char what[32];
        int r;

        snprintf(what, sizeof(what), "\"%s\"", f->key);
        r = yaml_scalar(c, f->value, pos, what, &s);
        if (r < 0)
                return r;
        if (fn(s, ret, &reason) < 0)
                return yaml_error(c, pos, "%s: \"%s\" is not %s", what, s, reason);
        return 0;
}

static int count_fn(const char *t, void *ret, const char **w) { return passthrough_parse_count(t, ret, w); }
static int vlan_fn(const char *t, void *ret, const char **w) { return passthrough_parse_vlan(t, ret, w); }
static int rate_fn(const char *t, void *ret, const char **w) { return passthrough_parse_rate(t, ret, w); }
static int link_fn(const char *t, void *ret, const char **w) { return passthrough_parse_link_state(t, ret, w); }

static int pool_fn(const char *t, void *ret, const char **w)
{
        size_t len = strlen(t);

        if (len == 0 || len >= PASSTHROUGH_POOL_MAX)
                return why(w, "a pool name of 1 to 63 characters");
        memcpy(ret, t, len + 1);
        return 0;
}

int passthrough_parse_name_item(const char *text, size_t i, struct passthrough_vf *vf, const char **ret_why)
{
        return passthrough_parse_name(text, vf->names[i], ret_why);
}

int passthrough_parse_mac_item(const char *text, size_t i, struct passthrough_vf *vf, const char **ret_why)
{
        int r = passthrough_parse_mac(text, vf->macs[i], ret_why);

        for (size_t k = 0; r == 0 && k < i; k++)
                if (memcmp(vf->macs[k], vf->macs[i], 6) == 0)
                        return why(ret_why, "a MAC address no other VF has");
        return r;
}

/* A per-VF list (a scalar for one VF) in the policy. */
struct list_ctx {
        const char *key;
        size_t *n;
        int (*parse)(const char *text, size_t i, struct passthrough_vf *vf, const char **ret_why);
        struct passthrough_vf *vf;
};

static int list_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i, void *userdata)
{
        struct list_ctx *l = userdata;
        const char *reason = "";

        if (i >= PASSTHROUGH_VF_MAX)
                return yaml_error(c, pos, "\"%s\": more than %d items (one per VF)", l->key, PASSTHROUGH_VF_MAX);
        if (l->parse(text, i, l->vf, &reason) < 0)
                return yaml_error(c, pos, "\"%s\": \"%s\" is not %s", l->key, text, reason);
        *l->n = i + 1;
        return 0;
}

static int list_field(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, struct list_ctx *l)
{
        char what[32];

        snprintf(what, sizeof(what), "\"%s\"", f->key);
        return yaml_each(c, f->value, yaml_field_pos(f, fb), what, list_item, l);
}

static int bool_field(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, bool *has, bool *ret)
{
        char what[32];

        if (!f->key_node)
                return 0;
        *has = true;
        snprintf(what, sizeof(what), "\"%s\"", f->key);
        return yaml_bool(c, f->value, yaml_field_pos(f, fb), what, ret);
}

/* One per VF: as many names and MACs as VFs, and no MAC twice. */
static int check_counts(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb,
                        const struct passthrough_vf *vf)
{
        unsigned count = vf->count ? vf->count : 1;
        int r = 0;

        if (vf->n_names && vf->n_names != count)
                r = yaml_error(c, yaml_field_pos(&f[V_NAME], fb), "\"name\": %zu name(s) for %u VF(s)", vf->n_names,
                               count);
        if (vf->n_macs && vf->n_macs != count)
                r = yaml_worse(r, yaml_error(c, yaml_field_pos(&f[V_MAC], fb), "\"mac\": %zu address(es) for %u VF(s)",
                                             vf->n_macs, count));
        return r;
}

static int parse_vf(struct yaml_ctx *c, struct fy_node *map, struct policy_pos fb, struct passthrough_vf *vf)
{
        struct yaml_field f[_V_MAX] = {
                [V_POOL] = { .key = "pool", .required = true }, [V_COUNT] = { .key = "count" },
                [V_NAME] = { .key = "name" }, [V_MAC] = { .key = "mac" }, [V_VLAN] = { .key = "vlan" },
                [V_RATE] = { .key = "rate" }, [V_TRUST] = { .key = "trust" }, [V_SPOOFCHK] = { .key = "spoofchk" },
                [V_LINK_STATE] = { .key = "link_state" }, [V_UP] = { .key = "up" },
        };
        struct list_ctx names = { "name", &vf->n_names, passthrough_parse_name_item, vf };
        struct list_ctx macs = { "mac", &vf->n_macs, passthrough_parse_mac_item, vf };
        int r = yaml_mapping(c, map, fb, "\"vf\"");

        if (r < 0)
                return r;
        r = yaml_fields(c, map, fb, "key", "\"passthrough.vf\"", f, _V_MAX);
        if (f[V_POOL].key_node)
                r = yaml_worse(r, field_value(c, &f[V_POOL], fb, pool_fn, vf->pool));
        if (f[V_COUNT].key_node)
                r = yaml_worse(r, field_value(c, &f[V_COUNT], fb, count_fn, &vf->count));
        if (f[V_NAME].key_node)
                r = yaml_worse(r, list_field(c, &f[V_NAME], fb, &names));
        if (f[V_MAC].key_node)
                r = yaml_worse(r, list_field(c, &f[V_MAC], fb, &macs));
        if ((vf->has_vlan = f[V_VLAN].key_node != NULL))
                r = yaml_worse(r, field_value(c, &f[V_VLAN], fb, vlan_fn, &vf->vlan));
        if ((vf->has_rate = f[V_RATE].key_node != NULL))
                r = yaml_worse(r, field_value(c, &f[V_RATE], fb, rate_fn, &vf->rate));
        if ((vf->has_link_state = f[V_LINK_STATE].key_node != NULL))
                r = yaml_worse(r, field_value(c, &f[V_LINK_STATE], fb, link_fn, &vf->link_state));
        r = yaml_worse(r, bool_field(c, &f[V_TRUST], fb, &vf->has_trust, &vf->trust));
        r = yaml_worse(r, bool_field(c, &f[V_SPOOFCHK], fb, &vf->has_spoofchk, &vf->spoofchk));
        r = yaml_worse(r, bool_field(c, &f[V_UP], fb, &vf->has_up, &vf->up));
        return r < 0 ? r : check_counts(c, f, fb, vf);
}

int passthrough_parse_section(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb,
                              struct passthrough **ret)
{
        _cleanup_free_ struct passthrough *p = NULL;
        struct yaml_field sub[1] = { { .key = "vf", .required = true } };
        struct policy_pos pos = yaml_field_pos(f, fb);
        int r = yaml_mapping(c, f->value, pos, "\"passthrough\"");

        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->pos = pos;
        r = yaml_fields(c, f->value, pos, "key", "\"passthrough\"", sub, ARRAY_SIZE(sub));
        if (r != -ENOMEM && sub[0].key_node) {
                p->has_vf = true;
                r = yaml_worse(r, parse_vf(c, sub[0].value, yaml_field_pos(&sub[0], pos), &p->vf));
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}
