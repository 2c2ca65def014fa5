/* The PF's VF table from an RTM_NEWLINK (vf_table.h), read with libnl's
 * attribute helpers. libnl 3.7's own VF list parser (rtnl_link_vf_*) is not
 * used: it reads IFLA_VF_VLAN_INFO entries without checking their length. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "common/macro.h"
#include "supervisor/devices/vf_table.h"

/* The kernel's "not supported by this driver" for trust and spoofchk. */
#define SETTING_UNSET UINT32_MAX

static struct nla_policy link_policy[IFLA_MAX + 1] = {
        [IFLA_NUM_VF] = { .type = NLA_U32 },
        [IFLA_VFINFO_LIST] = { .type = NLA_NESTED },
};

/* minlen: the struct each attribute carries (nla_parse checks it). */
static struct nla_policy vf_policy[IFLA_VF_MAX + 1] = {
        [IFLA_VF_MAC] = { .minlen = sizeof(struct ifla_vf_mac) },
        [IFLA_VF_VLAN] = { .minlen = sizeof(struct ifla_vf_vlan) },
        [IFLA_VF_VLAN_LIST] = { .type = NLA_NESTED },
        [IFLA_VF_SPOOFCHK] = { .minlen = sizeof(struct ifla_vf_spoofchk) },
        [IFLA_VF_RATE] = { .minlen = sizeof(struct ifla_vf_rate) },
        [IFLA_VF_LINK_STATE] = { .minlen = sizeof(struct ifla_vf_link_state) },
        [IFLA_VF_TRUST] = { .minlen = sizeof(struct ifla_vf_trust) },
};

void vf_table_clear(struct vf_table *t)
{
        free(t->v);
        *t = (struct vf_table) { 0 };
}

const struct vf_table_entry *vf_table_find(const struct vf_table *t, uint32_t vf)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->v[i].vf == vf)
                        return &t->v[i];
        return NULL;
}

/* The attribute's struct, copied: attributes are only 4-byte aligned. */
static void get(const struct nlattr *a, void *ret, size_t size)
{
        memcpy(ret, nla_data(a), size);
}

/* The first IFLA_VF_VLAN_INFO (the kernel sends one), or IFLA_VF_VLAN. */
static int parse_vlan(struct nlattr **vt, struct vf_table_entry *e)
{
        struct ifla_vf_vlan_info info;
        struct ifla_vf_vlan v;
        struct nlattr *a;
        int rem;

        e->vlan_proto = 0x8100;
        if (vt[IFLA_VF_VLAN_LIST]) {
                nla_for_each_nested(a, vt[IFLA_VF_VLAN_LIST], rem) {
                        if (nla_type(a) != IFLA_VF_VLAN_INFO || nla_len(a) < (int) sizeof(info))
                                return -EINVAL;
                        get(a, &info, sizeof(info));
                        e->vlan = (uint16_t) info.vlan;
                        e->qos = (uint16_t) info.qos;
                        e->vlan_proto = info.vlan_proto ? ntohs(info.vlan_proto) : 0x8100;
                        return 0;
                }
        }
        if (vt[IFLA_VF_VLAN]) {
                get(vt[IFLA_VF_VLAN], &v, sizeof(v));
                e->vlan = (uint16_t) v.vlan;
                e->qos = (uint16_t) v.qos;
        }
        return 0;
}

static void parse_settings(struct nlattr **vt, struct vf_table_entry *e)
{
        struct ifla_vf_trust trust;
        struct ifla_vf_spoofchk spoof;
        struct ifla_vf_rate rate;
        struct ifla_vf_link_state ls;

        if (vt[IFLA_VF_TRUST]) {
                get(vt[IFLA_VF_TRUST], &trust, sizeof(trust));
                e->has_trust = trust.setting != SETTING_UNSET;
                e->trust = trust.setting == 1;
        }
        if (vt[IFLA_VF_SPOOFCHK]) {
                get(vt[IFLA_VF_SPOOFCHK], &spoof, sizeof(spoof));
                e->has_spoofchk = spoof.setting != SETTING_UNSET;
                e->spoofchk = spoof.setting == 1;
        }
        if (vt[IFLA_VF_RATE]) {
                get(vt[IFLA_VF_RATE], &rate, sizeof(rate));
                e->min_tx_rate = rate.min_tx_rate;
                e->max_tx_rate = rate.max_tx_rate;
        }
        if (vt[IFLA_VF_LINK_STATE]) {
                get(vt[IFLA_VF_LINK_STATE], &ls, sizeof(ls));
                e->has_link_state = true;
                e->link_state = ls.link_state;
        }
}

static int parse_entry(struct nlattr *info, struct vf_table_entry *e)
{
        struct nlattr *vt[IFLA_VF_MAX + 1];
        struct ifla_vf_mac mac;

        if (nla_type(info) != IFLA_VF_INFO || nla_parse_nested(vt, IFLA_VF_MAX, info, vf_policy) < 0)
                return -EINVAL;
        /* Every entry the kernel fills starts with the MAC: it carries the index. */
        if (!vt[IFLA_VF_MAC])
                return -EINVAL;
        get(vt[IFLA_VF_MAC], &mac, sizeof(mac));
        e->vf = mac.vf;
        memcpy(e->mac, mac.mac, sizeof(e->mac));
        parse_settings(vt, e);
        return parse_vlan(vt, e);
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

/* No VF index twice: the table is looked up by index. */
static int check_unique(const struct vf_table *t)
{
        _cleanup_free_ uint32_t *idx = NULL;

        if (t->n < 2)
                return 0;
        idx = calloc(t->n, sizeof(*idx));
        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < t->n; i++)
                idx[i] = t->v[i].vf;
        qsort(idx, t->n, sizeof(*idx), cmp_u32);
        for (size_t i = 1; i < t->n; i++)
                if (idx[i] == idx[i - 1])
                        return -EINVAL;
        return 0;
}

static int parse_list(struct nlattr *list, struct vf_table *t)
{
        struct nlattr *a;
        size_t n = 0;
        int rem, r;

        nla_for_each_nested(a, list, rem)
                n++;
        if (n == 0)
                return 0;
        t->v = calloc(n, sizeof(*t->v));
        if (!t->v)
                return -ENOMEM;
        nla_for_each_nested(a, list, rem) {
                r = parse_entry(a, &t->v[t->n]);
                if (r < 0)
                        return r;
                t->n++;
        }
        return check_unique(t);
}

int vf_table_parse(const void *msg, size_t len, struct vf_table *ret)
{
        struct nlmsghdr *h = (struct nlmsghdr *) msg;
        struct nlattr *tb[IFLA_MAX + 1];
        struct ifinfomsg ifi;
        struct vf_table t = { 0 };
        int r;

        if (len > INT_MAX || !nlmsg_ok(h, (int) len) || h->nlmsg_type != RTM_NEWLINK ||
            nlmsg_parse(h, sizeof(ifi), tb, IFLA_MAX, link_policy) < 0)
                return -EINVAL;
        memcpy(&ifi, nlmsg_data(h), sizeof(ifi));
        t.ifindex = ifi.ifi_index;
        if (tb[IFLA_NUM_VF]) {
                t.has_num_vf = true;
                t.num_vf = nla_get_u32(tb[IFLA_NUM_VF]);
        }
        r = tb[IFLA_VFINFO_LIST] ? parse_list(tb[IFLA_VFINFO_LIST], &t) : 0;
        if (r < 0) {
                vf_table_clear(&t);
                return r;
        }
        *ret = t;
        return 0;
}
