/* The passthrough request: the value syntax policy files and annotations
 * share, and the policy's passthrough: section with its file:line:col errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/passthrough.h"
#include "tests/unit/harness.h"

#include "tests/unit/policy_parse_util.h"

TEST(values_parse_and_print_back)
{
        struct passthrough_vlan v;
        struct passthrough_rate r;
        enum passthrough_link_state ls;
        const char *why = NULL;
        uint8_t mac[6];
        char buf[64], name[IF_NAMESIZE];
        unsigned n;
        bool b;

        ASSERT_EQ(passthrough_parse_mac("02:00:5E:10:00:01", mac, &why), 0);
        passthrough_format_mac(mac, buf);
        EXPECT_STREQ(buf, "02:00:5e:10:00:01");
        ASSERT_EQ(passthrough_parse_vlan("100", &v, &why), 0);
        EXPECT_EQ(v.id, 100);
        EXPECT_EQ(v.qos, 0);
        EXPECT_EQ(v.proto, PASSTHROUGH_VLAN_8021Q);
        ASSERT_EQ(passthrough_parse_vlan("4095:proto=802.1ad:qos=7", &v, &why), 0);
        passthrough_format_vlan(&v, buf, sizeof(buf));
        EXPECT_STREQ(buf, "4095:qos=7:proto=802.1ad");
        ASSERT_EQ(passthrough_parse_rate("max=1000", &r, &why), 0);
        EXPECT_EQ(r.min, 0);
        EXPECT_EQ(r.max, 1000);
        ASSERT_EQ(passthrough_parse_rate("min=100:max=1000", &r, &why), 0);
        passthrough_format_rate(&r, buf, sizeof(buf));
        EXPECT_STREQ(buf, "min=100:max=1000");
        ASSERT_EQ(passthrough_parse_rate("min=100", &r, &why), 0);
        EXPECT_EQ(r.max, 0);
        ASSERT_EQ(passthrough_parse_link_state("disable", &ls, &why), 0);
        EXPECT_EQ(ls, PASSTHROUGH_LINK_DISABLE);
        EXPECT_STREQ(passthrough_link_state_name(ls), "disable");
        ASSERT_EQ(passthrough_parse_count("16", &n, &why), 0);
        EXPECT_EQ(n, 16);
        ASSERT_EQ(passthrough_parse_bool("false", &b, &why), 0);
        EXPECT_FALSE(b);
        ASSERT_EQ(passthrough_parse_name("eth1", name, &why), 0);
        EXPECT_STREQ(name, "eth1");
}

TEST(bad_values_are_refused_with_a_reason)
{
        static const char *const macs[] = { "2:0:0:0:0:1", "02:00:00:00:00:01x", "02-00-00-00-00-01",
                                            "03:00:00:00:00:01", "00:00:00:00:00:00", "02:00:00:00:00:0g", "" };
        static const char *const vlans[] = { "4096", "-1", "100:qos=8", "100:proto=802.1x", "100:qos=1:qos=2",
                                             "0:qos=3", "100:", "", "100:prio=1", " 100" };
        static const char *const rates[] = { "", "max=", "max=1:min=0", "min=10:max=5", "max=1:", "speed=1",
                                             "max=99999999999" };
        struct passthrough_vlan v;
        struct passthrough_rate r;
        enum passthrough_link_state ls;
        const char *why;
        uint8_t mac[6];
        char name[IF_NAMESIZE];
        unsigned n;
        bool b;

        for (size_t i = 0; i < ARRAY_SIZE(macs); i++) {
                why = NULL;
                EXPECT_EQ(passthrough_parse_mac(macs[i], mac, &why), -EINVAL);
                EXPECT_TRUE(why && why[0]);
        }
        for (size_t i = 0; i < ARRAY_SIZE(vlans); i++)
                EXPECT_EQ(passthrough_parse_vlan(vlans[i], &v, &why), -EINVAL);
        for (size_t i = 0; i < ARRAY_SIZE(rates); i++)
                EXPECT_EQ(passthrough_parse_rate(rates[i], &r, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_link_state("on", &ls, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_count("0", &n, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_count("17", &n, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_bool("yes", &b, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_name("eth1:0", name, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_name("0123456789abcdef", name, &why), -EINVAL);
        EXPECT_EQ(passthrough_parse_name("..", name, &why), -EINVAL);
}

TEST(section_fills_the_model)
{
        struct policy *p = parse_ok(HEAD "  []\n"
                                         "passthrough:\n"
                                         "  vf:\n"
                                         "    pool: fast\n"
                                         "    count: 2\n"
                                         "    name: [eth1, eth2]\n"
                                         "    mac: [\"02:00:5e:10:00:01\", 02:00:5e:10:00:02]\n"
                                         "    vlan: 100:qos=3\n"
                                         "    rate: max=1000\n"
                                         "    trust: false\n"
                                         "    spoofchk: true\n"
                                         "    link_state: enable\n"
                                         "    up: false\n");
        const struct passthrough_vf *vf;

        ASSERT_TRUE(p && p->passthrough && p->passthrough->has_vf);
        vf = &p->passthrough->vf;
        EXPECT_STREQ(vf->pool, "fast");
        EXPECT_EQ(vf->count, 2);
        EXPECT_EQ(vf->n_names, 2);
        EXPECT_STREQ(vf->names[1], "eth2");
        EXPECT_EQ(vf->n_macs, 2);
        EXPECT_EQ(vf->macs[1][5], 2);
        EXPECT_TRUE(vf->has_vlan);
        EXPECT_EQ(vf->vlan.id, 100);
        EXPECT_EQ(vf->vlan.qos, 3);
        EXPECT_TRUE(vf->has_rate);
        EXPECT_EQ(vf->rate.max, 1000);
        EXPECT_TRUE(vf->has_trust);
        EXPECT_FALSE(vf->trust);
        EXPECT_TRUE(vf->has_spoofchk && vf->spoofchk);
        EXPECT_TRUE(vf->has_link_state);
        EXPECT_EQ(vf->link_state, PASSTHROUGH_LINK_ENABLE);
        EXPECT_TRUE(vf->has_up);
        EXPECT_FALSE(vf->up);
        policy_free(p);

        p = parse_ok(HEAD "  []\npassthrough:\n  vf:\n    pool: fast\n    name: eth1\n");
        ASSERT_TRUE(p && p->passthrough);
        EXPECT_EQ(p->passthrough->vf.count, 0);
        EXPECT_EQ(p->passthrough->vf.n_names, 1);
        EXPECT_FALSE(p->passthrough->vf.has_vlan || p->passthrough->vf.has_up || p->passthrough->vf.n_macs);
        policy_free(p);

        p = parse_ok(HEAD "  []\n");
        ASSERT_TRUE(p != NULL);
        EXPECT_TRUE(p->passthrough == NULL);
        policy_free(p);
}

TEST(section_mistakes_are_reported_at_their_line_and_column)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;
        const char *text = HEAD "  []\n"                              /* 5 */
                                "passthrough:\n"                      /* 6 */
                                "  vf:\n"                             /* 7 */
                                "    count: 3\n"                      /* 8 */
                                "    name: [eth1, eth/2]\n"           /* 9 */
                                "    mac: 03:00:5e:10:00:01\n"        /* 10 */
                                "    vlan: 5000\n"                    /* 11 */
                                "    rate: max=10:min=1\n"            /* 12 */
                                "    trust: yes\n"                    /* 13 */
                                "    link_state: off\n"               /* 14 */
                                "    colour: red\n";                  /* 15 */

        EXPECT_EQ(parse(text, &p, &d), -EINVAL);
        EXPECT_DIAG(&d, false, 8, 5, "missing key \"pool\" in \"passthrough.vf\"");
        EXPECT_DIAG(&d, false, 9, 18, "\"name\": \"eth/2\" is not an interface name");
        EXPECT_DIAG(&d, false, 10, 10, "\"mac\": \"03:00:5e:10:00:01\" is not a unicast MAC address");
        EXPECT_DIAG(&d, false, 11, 11, "\"vlan\": \"5000\" is not a VLAN");
        EXPECT_DIAG(&d, false, 12, 11, "\"rate\": \"max=10:min=1\" is not a rate");
        EXPECT_DIAG(&d, false, 13, 12, "\"trust\" must be true or false, not \"yes\"");
        EXPECT_DIAG(&d, false, 14, 17, "\"link_state\": \"off\" is not auto, enable or disable");
        EXPECT_DIAG(&d, false, 15, 5, "unknown key \"colour\" in \"passthrough.vf\"");
        policy_diags_clear(&d);

        /* One name and one MAC per VF. */
        text = HEAD "  []\npassthrough:\n  vf:\n    pool: fast\n    count: 2\n    name: eth1\n";
        EXPECT_EQ(parse(text, &p, &d), -EINVAL);
        EXPECT_DIAG(&d, false, 10, 11, "\"name\": 1 name(s) for 2 VF(s)");
        policy_diags_clear(&d);
        text = HEAD "  []\npassthrough:\n  vf:\n    pool: fast\n    count: 2\n"
                    "    mac: [02:00:00:00:00:01, 02:00:00:00:00:01]\n";
        EXPECT_EQ(parse(text, &p, &d), -EINVAL);
        EXPECT_DIAG(&d, false, 10, 30, "is not a MAC address no other VF has");
        policy_diags_clear(&d);

        text = HEAD "  []\npassthrough:\n  vf: [fast]\n  disk: {}\n";
        EXPECT_EQ(parse(text, &p, &d), -EINVAL);
        EXPECT_DIAG(&d, false, 7, 8, "\"vf\" must be a mapping, not a list");
        EXPECT_DIAG(&d, false, 8, 3, "unknown key \"disk\" in \"passthrough\"");
        policy_diags_clear(&d);
}

TEST(shipped_example_asks_for_one_vf_as_eth1)
{
        struct policy_diags d = { 0 };
        struct policy *p = parse_example("vf-netdev.yaml", &d);
        const struct passthrough_vf *vf;

        ASSERT_TRUE(p->passthrough && p->passthrough->has_vf);
        vf = &p->passthrough->vf;
        EXPECT_STREQ(vf->pool, "fast");
        EXPECT_EQ(vf->count, 1);
        EXPECT_STREQ(vf->names[0], "eth1");
        EXPECT_EQ(vf->n_macs, 1);
        EXPECT_EQ(vf->vlan.id, 100);
        EXPECT_EQ(vf->vlan.qos, 3);
        EXPECT_TRUE(vf->has_spoofchk && vf->spoofchk);
        policy_free(p);
        policy_diags_clear(&d);
}
