/* VF settings around a passthrough, without a PF: the originals kept of what
 * a request changes, the read-back check, the originals in the allocation
 * record (and records without them), and a request merged from a policy and
 * annotations. */
#include <errno.h>
#include <string.h>

#include "supervisor/devices/devices_request.h"
#include "supervisor/devices/vf_settings.h"
#include "supervisor/devices/vf_state.h"
#include "tests/unit/harness.h"

static const struct vf_table_entry entry = {
        .vf = 2, .mac = { 2, 0, 0, 0, 0, 0x22 }, .vlan = 7, .qos = 1, .vlan_proto = 0x8100,
        .has_trust = true, .trust = false, .has_spoofchk = true, .spoofchk = true,
        .has_link_state = true, .link_state = 0, .max_tx_rate = 0,
};

TEST(originals_are_kept_of_what_is_changed_only)
{
        struct vf_config want = { .vf = 2, .set_mac = true, .mac = { 2, 0, 0, 0, 0, 0x99 }, .set_trust = true,
                                  .trust = true };
        struct vf_config orig;

        vf_settings_originals(&want, &entry, &orig);
        EXPECT_EQ(orig.vf, 2);
        EXPECT_TRUE(orig.set_mac);
        EXPECT_EQ(orig.mac[5], 0x22);
        EXPECT_TRUE(orig.set_trust);
        EXPECT_FALSE(orig.trust);
        EXPECT_FALSE(orig.set_vlan || orig.set_spoofchk || orig.set_rate || orig.set_link_state);
}

TEST(read_back_check_names_the_first_difference)
{
        struct vf_config want = { .vf = 2, .set_mac = true, .mac = { 2, 0, 0, 0, 0, 0x22 }, .set_vlan = true,
                                  .vlan = 7, .qos = 1 };
        struct vf_table_entry e = entry;
        char what[32] = "";

        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), 0);
        e.mac[5] = 0x23;
        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), -EIO);
        EXPECT_STREQ(what, "MAC");
        e = entry;
        e.vlan_proto = 0x88a8;
        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), -EIO);
        EXPECT_STREQ(what, "VLAN");
        /* A setting the driver does not report cannot be checked. */
        want = (struct vf_config) { .vf = 2, .set_trust = true, .trust = true };
        e = entry;
        e.has_trust = false;
        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), 0);
        e.has_trust = true;
        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), -EIO);
        EXPECT_STREQ(what, "trust");
}

TEST(originals_round_trip_through_the_allocation_record)
{
        struct vf_alloc a = { .addr = "0000:3b:02.2", .pool = "fast", .container = "ct", .pid = 5, .pid_start = 6 };
        struct vf_alloc b;
        char text[4096];

        a.saved = (struct vf_saved) {
                .pf_ifname = "ens1f0",
                .orig = { .vf = 2, .set_mac = true, .mac = { 2, 0, 0, 0, 0, 0x22 }, .set_vlan = true, .vlan = 7,
                          .qos = 1, .vlan_proto = 0x88a8, .set_rate = true, .min_tx_rate = 1, .max_tx_rate = 9,
                          .set_trust = true, .set_spoofchk = true, .spoofchk = true, .set_link_state = true,
                          .link_state = 2 },
        };
        ASSERT_LT(vf_state_format(&a, text, sizeof(text)), (int) sizeof(text));
        EXPECT_TRUE(strstr(text, "saved_pf=ens1f0\nsaved_vf=2\nsaved_mac=02:00:00:00:00:22\nsaved_vlan=7:1:0x88a8\n"));
        ASSERT_EQ(vf_state_parse(text, &b), 0);
        EXPECT_EQ(memcmp(&a.saved, &b.saved, sizeof(a.saved)), 0);

        /* A record from before: nothing to restore. One with a bad value: unreadable. */
        ASSERT_EQ(vf_state_parse("addr=0000:3b:02.2\ncontainer=ct\npid=5\n", &b), 0);
        EXPECT_EQ(b.saved.pf_ifname[0], '\0');
        EXPECT_FALSE(vf_config_any(&b.saved.orig));
        EXPECT_EQ(vf_state_parse("addr=0000:3b:02.2\ncontainer=ct\npid=5\nsaved_vlan=5000:0:0x8100\n", &b), -EINVAL);
        EXPECT_EQ(vf_state_parse("addr=0000:3b:02.2\ncontainer=ct\npid=5\nsaved_mac=02:00:00:00:00\n", &b), -EINVAL);
}

/* Annotations as key/value pairs, NULL-terminated. */
static const char *lookup(const char *key, void *userdata)
{
        const char *const *kv = userdata;

        for (size_t i = 0; kv[i]; i += 2)
                if (strcmp(kv[i], key) == 0)
                        return kv[i + 1];
        return NULL;
}

TEST(annotations_alone_make_a_request)
{
        const char *kv[] = { DEVICES_ANNOTATION_POOL, "fast", DEVICES_ANNOTATION_COUNT, "2",
                             DEVICES_ANNOTATION_MAC, "02:00:00:00:00:01,02:00:00:00:00:02",
                             DEVICES_ANNOTATION_VLAN, "100:qos=2", DEVICES_ANNOTATION_SPOOFCHK, "false", NULL };
        const char *none[] = { NULL };
        struct passthrough_vf v;
        struct vf_config cfg;
        char err[256] = "";

        EXPECT_EQ(devices_request_merge(NULL, "default", lookup, none, &v, err, sizeof(err)), 0);
        ASSERT_EQ(devices_request_merge(NULL, "default", lookup, kv, &v, err, sizeof(err)), 1);
        EXPECT_STREQ(v.pool, "fast");
        EXPECT_EQ(v.count, 2);
        EXPECT_STREQ(v.names[0], "vf0");
        EXPECT_STREQ(v.names[1], "vf1");
        EXPECT_TRUE(v.up);
        devices_request_vf_config(&v, 1, 5, &cfg);
        EXPECT_EQ(cfg.vf, 5);
        EXPECT_TRUE(cfg.set_mac);
        EXPECT_EQ(cfg.mac[5], 2);
        EXPECT_TRUE(cfg.set_vlan);
        EXPECT_EQ(cfg.vlan, 100);
        EXPECT_EQ(cfg.qos, 2);
        EXPECT_TRUE(cfg.set_spoofchk);
        EXPECT_FALSE(cfg.spoofchk);
        EXPECT_FALSE(cfg.set_trust || cfg.set_rate || cfg.set_link_state);
}

TEST(annotations_fill_the_policy_but_do_not_contradict_it)
{
        struct passthrough_vf pol = { .pool = "fast", .has_vlan = true, .vlan = { .id = 100, .proto = 0x8100 },
                                      .n_names = 1, .names = { "eth1" } };
        const char *fill[] = { DEVICES_ANNOTATION_TRUST, "true", DEVICES_ANNOTATION_VLAN, "100", NULL };
        const char *clash[] = { DEVICES_ANNOTATION_VLAN, "200", NULL };
        const char *pool[] = { DEVICES_ANNOTATION_POOL, "slow", NULL };
        const char *orphan[] = { DEVICES_ANNOTATION_MAC, "02:00:00:00:00:01", NULL };
        const char *bad[] = { DEVICES_ANNOTATION_POOL, "fast", DEVICES_ANNOTATION_RATE, "fast", NULL };
        const char *counts[] = { DEVICES_ANNOTATION_POOL, "fast", DEVICES_ANNOTATION_COUNT, "2",
                                 DEVICES_ANNOTATION_NAME, "eth1", NULL };
        struct passthrough_vf v;
        struct vf_config cfg;
        char err[256] = "";

        ASSERT_EQ(devices_request_merge(&pol, "vfnet", lookup, fill, &v, err, sizeof(err)), 1);
        EXPECT_STREQ(v.names[0], "eth1");
        devices_request_vf_config(&v, 0, 0, &cfg);
        EXPECT_TRUE(cfg.set_trust && cfg.trust);
        EXPECT_FALSE(cfg.set_mac);
        EXPECT_EQ(devices_request_merge(&pol, "vfnet", lookup, clash, &v, err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "org.seccompd.vf.vlan=\"200\" contradicts policy \"vfnet\" (passthrough.vf.vlan)");
        EXPECT_EQ(devices_request_merge(&pol, "vfnet", lookup, pool, &v, err, sizeof(err)), -EINVAL);
        EXPECT_TRUE(strstr(err, "contradicts policy \"vfnet\" (passthrough.vf.pool)"));
        EXPECT_EQ(devices_request_merge(NULL, "default", lookup, orphan, &v, err, sizeof(err)), -EINVAL);
        EXPECT_STREQ(err, "org.seccompd.vf.mac without org.seccompd.vf.pool (nor a passthrough.vf section in policy "
                          "\"default\")");
        EXPECT_EQ(devices_request_merge(NULL, "default", lookup, bad, &v, err, sizeof(err)), -EINVAL);
        EXPECT_TRUE(strstr(err, "org.seccompd.vf.rate=\"fast\": a rate"));
        EXPECT_EQ(devices_request_merge(NULL, "default", lookup, counts, &v, err, sizeof(err)), -EINVAL);
        EXPECT_TRUE(strstr(err, "1 interface name(s) for 2 VF(s)"));
}

TEST(a_rounded_rate_is_not_a_difference)
{
        struct vf_config want = { .vf = 2, .set_rate = true, .min_tx_rate = 0, .max_tx_rate = 1000 };
        struct vf_table_entry e = entry;
        char what[32] = "";

        e.max_tx_rate = 1024;
        EXPECT_EQ(vf_settings_check(&want, &e, what, sizeof(what)), 0);
}
