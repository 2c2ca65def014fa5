/* A container's VF request from its policy and annotations (devices_request.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "supervisor/devices/devices_request.h"

enum field { F_POOL, F_COUNT, F_NAME, F_MAC, F_VLAN, F_RATE, F_TRUST, F_SPOOFCHK, F_LINK_STATE, F_UP, _F_MAX };

/* Parses an annotation's text into its field of |v|. */
typedef int (*parse_fn)(const char *text, struct passthrough_vf *v, const char **ret_why);

/* One comma-separated item of a per-VF list, as the |i|th. */
typedef int (*item_fn)(const char *item, size_t i, struct passthrough_vf *v, const char **ret_why);

static int split(const char *text, size_t *n, item_fn fn, struct passthrough_vf *v, const char **ret_why)
{
        char item[32];
        size_t i = 0;

        for (const char *p = text;; i++) {
                size_t len = strcspn(p, ",");

                if (i >= PASSTHROUGH_VF_MAX) {
                        *ret_why = "at most 16 items, one per VF";
                        return -EINVAL;
                }
                if (len >= sizeof(item)) {
                        *ret_why = "shorter items";
                        return -EINVAL;
                }
                memcpy(item, p, len);
                item[len] = '\0';
                if (fn(item, i, v, ret_why) < 0)
                        return -EINVAL;
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        *n = i + 1;
        return 0;
}

static int parse_pool(const char *text, struct passthrough_vf *v, const char **ret_why)
{
        if (!text[0] || strlen(text) >= sizeof(v->pool)) {
                *ret_why = "a pool name of 1 to 63 characters";
                return -EINVAL;
        }
        snprintf(v->pool, sizeof(v->pool), "%s", text);
        return 0;
}

static int parse_count(const char *t, struct passthrough_vf *v, const char **w)
{
        return passthrough_parse_count(t, &v->count, w);
}
static int parse_names(const char *t, struct passthrough_vf *v, const char **w)
{
        return split(t, &v->n_names, passthrough_parse_name_item, v, w);
}
static int parse_macs(const char *t, struct passthrough_vf *v, const char **w)
{
        return split(t, &v->n_macs, passthrough_parse_mac_item, v, w);
}
static int parse_vlan(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_vlan = passthrough_parse_vlan(t, &v->vlan, w) == 0) ? 0 : -EINVAL;
}
static int parse_rate(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_rate = passthrough_parse_rate(t, &v->rate, w) == 0) ? 0 : -EINVAL;
}
static int parse_trust(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_trust = passthrough_parse_bool(t, &v->trust, w) == 0) ? 0 : -EINVAL;
}
static int parse_spoofchk(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_spoofchk = passthrough_parse_bool(t, &v->spoofchk, w) == 0) ? 0 : -EINVAL;
}
static int parse_link_state(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_link_state = passthrough_parse_link_state(t, &v->link_state, w) == 0) ? 0 : -EINVAL;
}
static int parse_up(const char *t, struct passthrough_vf *v, const char **w)
{
        return (v->has_up = passthrough_parse_bool(t, &v->up, w) == 0) ? 0 : -EINVAL;
}

static const struct {
        const char *annotation, *policy_key;
        parse_fn parse;
} fields[_F_MAX] = {
        [F_POOL] = { DEVICES_ANNOTATION_POOL, "pool", parse_pool },
        [F_COUNT] = { DEVICES_ANNOTATION_COUNT, "count", parse_count },
        [F_NAME] = { DEVICES_ANNOTATION_NAME, "name", parse_names },
        [F_MAC] = { DEVICES_ANNOTATION_MAC, "mac", parse_macs },
        [F_VLAN] = { DEVICES_ANNOTATION_VLAN, "vlan", parse_vlan },
        [F_RATE] = { DEVICES_ANNOTATION_RATE, "rate", parse_rate },
        [F_TRUST] = { DEVICES_ANNOTATION_TRUST, "trust", parse_trust },
        [F_SPOOFCHK] = { DEVICES_ANNOTATION_SPOOFCHK, "spoofchk", parse_spoofchk },
        [F_LINK_STATE] = { DEVICES_ANNOTATION_LINK_STATE, "link_state", parse_link_state },
        [F_UP] = { DEVICES_ANNOTATION_UP, "up", parse_up },
};

static bool has(const struct passthrough_vf *v, enum field f)
{
        switch (f) {
        case F_POOL: return v->pool[0] != '\0';
        case F_COUNT: return v->count != 0;
        case F_NAME: return v->n_names != 0;
        case F_MAC: return v->n_macs != 0;
        case F_VLAN: return v->has_vlan;
        case F_RATE: return v->has_rate;
        case F_TRUST: return v->has_trust;
        case F_SPOOFCHK: return v->has_spoofchk;
        case F_LINK_STATE: return v->has_link_state;
        case F_UP: return v->has_up;
        default: return false;
        }
}

/* Both have field |f|: the same value? */
static bool same(const struct passthrough_vf *a, const struct passthrough_vf *b, enum field f)
{
        switch (f) {
        case F_POOL: return strcmp(a->pool, b->pool) == 0;
        case F_COUNT: return a->count == b->count;
        case F_NAME: return a->n_names == b->n_names && memcmp(a->names, b->names, sizeof(a->names)) == 0;
        case F_MAC: return a->n_macs == b->n_macs && memcmp(a->macs, b->macs, a->n_macs * 6) == 0;
        case F_VLAN:
                return a->vlan.id == b->vlan.id && a->vlan.qos == b->vlan.qos && a->vlan.proto == b->vlan.proto;
        case F_RATE: return a->rate.min == b->rate.min && a->rate.max == b->rate.max;
        case F_TRUST: return a->trust == b->trust;
        case F_SPOOFCHK: return a->spoofchk == b->spoofchk;
        case F_LINK_STATE: return a->link_state == b->link_state;
        case F_UP: return a->up == b->up;
        default: return false;
        }
}

static void take(struct passthrough_vf *dst, const struct passthrough_vf *src, enum field f)
{
        switch (f) {
        case F_POOL: memcpy(dst->pool, src->pool, sizeof(dst->pool)); break;
        case F_COUNT: dst->count = src->count; break;
        case F_NAME: dst->n_names = src->n_names; memcpy(dst->names, src->names, sizeof(dst->names)); break;
        case F_MAC: dst->n_macs = src->n_macs; memcpy(dst->macs, src->macs, sizeof(dst->macs)); break;
        case F_VLAN: dst->has_vlan = true; dst->vlan = src->vlan; break;
        case F_RATE: dst->has_rate = true; dst->rate = src->rate; break;
        case F_TRUST: dst->has_trust = true; dst->trust = src->trust; break;
        case F_SPOOFCHK: dst->has_spoofchk = true; dst->spoofchk = src->spoofchk; break;
        case F_LINK_STATE: dst->has_link_state = true; dst->link_state = src->link_state; break;
        case F_UP: dst->has_up = true; dst->up = src->up; break;
        default: break;
        }
}

/* One per VF: names and MACs match the count (the default names are vfN). */
static int complete(struct passthrough_vf *v, char *errbuf, size_t errlen)
{
        if (!v->count)
                v->count = 1;
        if (v->n_names && v->n_names != v->count) {
                snprintf(errbuf, errlen, "%zu interface name(s) for %u VF(s): one per VF expected (%s)", v->n_names,
                         v->count, DEVICES_ANNOTATION_NAME);
                return -EINVAL;
        }
        if (v->n_macs && v->n_macs != v->count) {
                snprintf(errbuf, errlen, "%zu MAC address(es) for %u VF(s): one per VF expected (%s)", v->n_macs,
                         v->count, DEVICES_ANNOTATION_MAC);
                return -EINVAL;
        }
        for (unsigned i = 0; !v->n_names && i < v->count; i++)
                snprintf(v->names[i], IF_NAMESIZE, "vf%u", i);
        v->n_names = v->count;
        if (!v->has_up)
                v->up = true;
        return 0;
}

int devices_request_merge(const struct passthrough_vf *policy_vf, const char *policy_name, devices_annotation_fn get,
                          void *userdata, struct passthrough_vf *ret, char *errbuf, size_t errlen)
{
        struct passthrough_vf v = { 0 }, ann = { 0 };
        const char *any = NULL;

        if (policy_vf)
                v = *policy_vf;
        for (enum field f = 0; f < _F_MAX; f++) {
                const char *text = get(fields[f].annotation, userdata), *reason = "";

                if (!text)
                        continue;
                any = fields[f].annotation;
                if (fields[f].parse(text, &ann, &reason) < 0) {
                        snprintf(errbuf, errlen, "%s=\"%s\": %s expected", fields[f].annotation, text, reason);
                        return -EINVAL;
                }
                if (has(&v, f) && !same(&v, &ann, f)) {
                        snprintf(errbuf, errlen, "%s=\"%s\" contradicts policy \"%s\" (passthrough.vf.%s)",
                                 fields[f].annotation, text, policy_name, fields[f].policy_key);
                        return -EINVAL;
                }
                take(&v, &ann, f);
        }
        if (!v.pool[0]) {
                if (!any)
                        return 0;
                snprintf(errbuf, errlen, "%s without %s (nor a passthrough.vf section in policy \"%s\")", any,
                         DEVICES_ANNOTATION_POOL, policy_name);
                return -EINVAL;
        }
        if (complete(&v, errbuf, errlen) < 0)
                return -EINVAL;
        *ret = v;
        return 1;
}

void devices_request_vf_config(const struct passthrough_vf *req, size_t i, uint32_t vf_index, struct vf_config *ret)
{
        *ret = (struct vf_config) {
                .vf = vf_index,
                .set_mac = i < req->n_macs,
                .set_vlan = req->has_vlan, .vlan = req->vlan.id, .qos = req->vlan.qos, .vlan_proto = req->vlan.proto,
                .set_trust = req->has_trust, .trust = req->trust,
                .set_spoofchk = req->has_spoofchk, .spoofchk = req->spoofchk,
                .set_rate = req->has_rate, .min_tx_rate = req->rate.min, .max_tx_rate = req->rate.max,
                .set_link_state = req->has_link_state, .link_state = (uint32_t) req->link_state,
        };
        if (ret->set_mac)
                memcpy(ret->mac, req->macs[i], sizeof(ret->mac));
}
