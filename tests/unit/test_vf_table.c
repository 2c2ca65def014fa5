/* The PF's VF table: synthetic RTM_NEWLINK messages as the kernel fills them
 * (and broken ones), the request that asks for the table, and a real veth's
 * table read over rtnetlink in a fresh network namespace (no VFs: empty). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_settings.h"
#include "supervisor/devices/vf_table.h"
#include "tests/unit/harness.h"

/* What a VF entry carries; trust/spoofchk UINT32_MAX: "not supported". */
struct fake_vf {
        uint32_t vf;
        uint8_t mac5;
        uint32_t vlan, qos;
        uint16_t proto;            /* 0: no IFLA_VF_VLAN_LIST */
        uint32_t trust, spoofchk, link_state, min_rate, max_rate;
        bool no_mac;
        bool short_vlan_info;
};

static int put_entry(struct nl_msg *m, const struct fake_vf *f)
{
        struct ifla_vf_mac mac = { .vf = f->vf, .mac = { 2, 0, 0, 0, 0, f->mac5 } };
        struct ifla_vf_vlan vlan = { .vf = f->vf, .vlan = f->vlan, .qos = f->qos };
        struct ifla_vf_vlan_info vi = { .vf = f->vf, .vlan = f->vlan, .qos = f->qos, .vlan_proto = htons(f->proto) };
        struct ifla_vf_trust trust = { .vf = f->vf, .setting = f->trust };
        struct ifla_vf_spoofchk spoof = { .vf = f->vf, .setting = f->spoofchk };
        struct ifla_vf_link_state ls = { .vf = f->vf, .link_state = f->link_state };
        struct ifla_vf_rate rate = { .vf = f->vf, .min_tx_rate = f->min_rate, .max_tx_rate = f->max_rate };
        struct nlattr *info = nla_nest_start(m, IFLA_VF_INFO), *list;

        if (!info || (!f->no_mac && nla_put(m, IFLA_VF_MAC, sizeof(mac), &mac) < 0) ||
            nla_put(m, IFLA_VF_VLAN, sizeof(vlan), &vlan) < 0)
                return -ENOMEM;
        if (f->proto) {
                list = nla_nest_start(m, IFLA_VF_VLAN_LIST);
                if (!list || nla_put(m, IFLA_VF_VLAN_INFO, f->short_vlan_info ? 8 : sizeof(vi), &vi) < 0)
                        return -ENOMEM;
                nla_nest_end(m, list);
        }
        if (nla_put(m, IFLA_VF_RATE, sizeof(rate), &rate) < 0 || nla_put(m, IFLA_VF_TRUST, sizeof(trust), &trust) < 0 ||
            nla_put(m, IFLA_VF_SPOOFCHK, sizeof(spoof), &spoof) < 0 ||
            nla_put(m, IFLA_VF_LINK_STATE, sizeof(ls), &ls) < 0)
                return -ENOMEM;
        nla_nest_end(m, info);
        return 0;
}

/* An RTM_NEWLINK of ifindex 7 with |n| VFs (n < 0: no IFLA_NUM_VF nor list). */
static struct nl_msg *newlink(const struct fake_vf *vfs, int n)
{
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7 };
        struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
        struct nlattr *list;

        if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(m, IFLA_IFNAME, "pf0") < 0)
                abort();
        if (n < 0)
                return m;
        if (nla_put_u32(m, IFLA_NUM_VF, (uint32_t) n) < 0 || !(list = nla_nest_start(m, IFLA_VFINFO_LIST)))
                abort();
        for (int i = 0; i < n; i++)
                if (put_entry(m, &vfs[i]) < 0)
                        abort();
        nla_nest_end(m, list);
        return m;
}

static int parse_msg(struct nl_msg *m, struct vf_table *t)
{
        int r = vf_table_parse(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, t);

        nlmsg_free(m);
        return r;
}

TEST(table_has_every_vf_with_its_settings)
{
        struct fake_vf vfs[2] = {
                { .vf = 0, .mac5 = 1, .trust = 1, .spoofchk = 0, .link_state = IFLA_VF_LINK_STATE_DISABLE },
                { .vf = 1, .mac5 = 2, .vlan = 100, .qos = 3, .proto = 0x88a8, .trust = UINT32_MAX,
                  .spoofchk = UINT32_MAX, .min_rate = 10, .max_rate = 1000 },
        };
        struct vf_table t = { 0 };
        const struct vf_table_entry *e;

        ASSERT_EQ(parse_msg(newlink(vfs, 2), &t), 0);
        EXPECT_EQ(t.ifindex, 7);
        EXPECT_TRUE(t.has_num_vf);
        EXPECT_EQ(t.num_vf, 2);
        ASSERT_EQ(t.n, 2);
        e = vf_table_find(&t, 0);
        ASSERT_TRUE(e != NULL);
        EXPECT_EQ(e->mac[0], 2);
        EXPECT_EQ(e->mac[5], 1);
        EXPECT_EQ(e->vlan, 0);
        EXPECT_EQ(e->vlan_proto, 0x8100);
        EXPECT_TRUE(e->has_trust && e->trust);
        EXPECT_TRUE(e->has_spoofchk);
        EXPECT_FALSE(e->spoofchk);
        EXPECT_TRUE(e->has_link_state);
        EXPECT_EQ(e->link_state, IFLA_VF_LINK_STATE_DISABLE);
        e = vf_table_find(&t, 1);
        ASSERT_TRUE(e != NULL);
        EXPECT_EQ(e->mac[5], 2);
        EXPECT_EQ(e->vlan, 100);
        EXPECT_EQ(e->qos, 3);
        EXPECT_EQ(e->vlan_proto, 0x88a8);
        EXPECT_FALSE(e->has_trust);
        EXPECT_FALSE(e->has_spoofchk);
        EXPECT_EQ(e->min_tx_rate, 10);
        EXPECT_EQ(e->max_tx_rate, 1000);
        EXPECT_TRUE(vf_table_find(&t, 2) == NULL);
        vf_table_clear(&t);
}

TEST(link_without_vfs_is_an_empty_table)
{
        struct vf_table t = { 0 };

        ASSERT_EQ(parse_msg(newlink(NULL, -1), &t), 0);
        EXPECT_EQ(t.ifindex, 7);
        EXPECT_FALSE(t.has_num_vf);
        EXPECT_EQ(t.n, 0);
        ASSERT_EQ(parse_msg(newlink(NULL, 0), &t), 0);
        EXPECT_TRUE(t.has_num_vf);
        EXPECT_EQ(t.n, 0);
        vf_table_clear(&t);
}

TEST(broken_messages_are_refused)
{
        struct fake_vf dup[2] = { { .vf = 3 }, { .vf = 3 } };
        struct fake_vf nomac = { .vf = 0, .no_mac = true };
        struct fake_vf shortvlan = { .vf = 0, .vlan = 5, .proto = 0x8100, .short_vlan_info = true };
        struct vf_table t = { 0 };
        struct nl_msg *m = newlink(dup, 1);
        struct nlmsghdr *h = nlmsg_hdr(m);

        EXPECT_EQ(parse_msg(newlink(dup, 2), &t), -EINVAL);
        EXPECT_EQ(parse_msg(newlink(&nomac, 1), &t), -EINVAL);
        EXPECT_EQ(parse_msg(newlink(&shortvlan, 1), &t), -EINVAL);
        /* Shorter than it says, or than a header; another type. */
        EXPECT_EQ(vf_table_parse(h, h->nlmsg_len - 4, &t), -EINVAL);
        EXPECT_EQ(vf_table_parse(h, 8, &t), -EINVAL);
        h->nlmsg_type = RTM_NEWADDR;
        EXPECT_EQ(vf_table_parse(h, h->nlmsg_len, &t), -EINVAL);
        h->nlmsg_type = RTM_NEWLINK;
        h->nlmsg_len = NLMSG_HDRLEN + 4;
        EXPECT_EQ(vf_table_parse(h, 64, &t), -EINVAL);
        nlmsg_free(m);
}

TEST(table_request_asks_for_the_vf_list)
{
        struct nl_msg *m = NULL;
        struct nlattr *tb[IFLA_MAX + 1];

        ASSERT_EQ(vf_netdev_build_get_vf_table("pf0", &m), 0);
        EXPECT_EQ(nlmsg_hdr(m)->nlmsg_type, RTM_GETLINK);
        ASSERT_EQ(nlmsg_parse(nlmsg_hdr(m), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL), 0);
        ASSERT_TRUE(tb[IFLA_EXT_MASK] != NULL);
        EXPECT_TRUE(nla_get_u32(tb[IFLA_EXT_MASK]) & RTEXT_FILTER_VF);
        ASSERT_TRUE(tb[IFLA_IFNAME] != NULL);
        EXPECT_STREQ(nla_get_string(tb[IFLA_IFNAME]), "pf0");
        nlmsg_free(m);
}

static int never_record(const struct vf_saved *saved, void *userdata)
{
        (void) saved;
        *(int *) userdata += 1;
        return 0;
}

/* Each test runs forked: this one in a network namespace of its own. */
TEST(veth_pf_reads_as_an_empty_table_and_refuses_vf_settings)
{
        struct vf_config want = { .vf = 0, .set_mac = true, .mac = { 2, 0, 0, 0, 0, 9 } };
        enum vf_settings_step step = VF_SETTINGS_DONE;
        struct vf_saved saved = { 0 };
        struct vf_netdev *nd = NULL;
        struct vf_table t = { 0 };
        char what[32] = "";
        int recorded = 0;

        ASSERT_EQ(unshare(CLONE_NEWNET), 0);
        ASSERT_EQ(system("ip link add tvtpf type veth peer name tvtpfp"), 0);
        ASSERT_EQ(vf_netdev_new(&nd), 0);
        ASSERT_EQ(vf_netdev_read_vf_table(nd, "tvtpf", &t), 0);
        EXPECT_EQ(vf_netdev_round_trips(nd), 1);
        EXPECT_EQ(t.ifindex, (int) if_nametoindex("tvtpf"));
        EXPECT_FALSE(t.has_num_vf);
        EXPECT_EQ(t.n, 0);
        vf_table_clear(&t);
        EXPECT_EQ(vf_netdev_read_vf_table(nd, "nonexistent0", &t), -ENODEV);
        /* The kernel itself refuses: a veth has no ndo_set_vf_mac. */
        EXPECT_EQ(vf_netdev_set_vf_at(nd, (int) if_nametoindex("tvtpf"), &want), -EOPNOTSUPP);
        EXPECT_EQ(vf_netdev_round_trips(nd), 3);
        /* Without the VF in the table nothing could be restored: nothing is set. */
        EXPECT_EQ(vf_settings_apply(nd, "tvtpf", &want, never_record, &recorded, &saved, &step, what, sizeof(what)),
                  -EOPNOTSUPP);
        EXPECT_EQ(step, VF_SETTINGS_NO_VF);
        EXPECT_EQ(recorded, 0);
        EXPECT_EQ(vf_netdev_round_trips(nd), 4);
        EXPECT_EQ(vf_settings_apply(nd, "nonexistent0", &want, never_record, &recorded, &saved, &step, what,
                                    sizeof(what)),
                  -ENODEV);
        EXPECT_EQ(step, VF_SETTINGS_READ);
        EXPECT_EQ(saved.pf_ifname[0], '\0');
        vf_netdev_free(nd);
}
