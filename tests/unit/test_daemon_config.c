/* The daemon config file: pools with their selectors, defaults, and errors at
 * the line:column they come from. */
#include <errno.h>
#include <string.h>

#include "supervisor/daemon_config.h"
#include "tests/unit/harness.h"

static int parse(const char *text, struct daemon_config *cfg, struct policy_diags *d)
{
        return daemon_config_parse(text, strlen(text), "seccompd.yaml", cfg, d);
}

/* The first error is |msg_part| at |line|:|col|. */
static void expect_error(const char *text, unsigned line, unsigned col, const char *msg_part)
{
        struct daemon_config cfg = { 0 };
        struct policy_diags d = { 0 };

        EXPECT_EQ(parse(text, &cfg, &d), -EINVAL);
        EXPECT_EQ(cfg.n_pools, 0);
        ASSERT_GE(d.n, 1);
        EXPECT_EQ(d.v[0].pos.line, line);
        EXPECT_EQ(d.v[0].pos.col, col);
        if (!strstr(d.v[0].msg, msg_part))
                HARNESS_FAIL(false, "\"%s\" lacks \"%s\"", d.v[0].msg, msg_part);
        policy_diags_clear(&d);
}

TEST(pools_parse_with_every_key)
{
        struct daemon_config cfg = { 0 };
        struct policy_diags d = { 0 };
        const struct vf_pool_spec *p;

        ASSERT_EQ(parse("pools:\n"
                        "  - name: fast\n"
                        "    mode: netdev\n"
                        "    numa: require\n"
                        "    numvfs: 8\n"
                        "    selectors:\n"
                        "      pfs: [ens1f0, 0000:af:00.0]\n"
                        "      vendors: 0x8086\n"
                        "      devices: [154c, 0x1889]\n"
                        "      drivers: [iavf]\n"
                        "  - name: dpdk\n"
                        "    mode: vfio\n",
                        &cfg, &d),
                  0);
        EXPECT_EQ(d.n, 0);
        ASSERT_EQ(cfg.n_pools, 2);
        p = daemon_config_pool(&cfg, "fast");
        ASSERT_TRUE(p != NULL);
        EXPECT_EQ(p->mode, VF_POOL_NETDEV);
        EXPECT_EQ(p->numa, VF_POOL_NUMA_REQUIRE);
        EXPECT_EQ(p->numvfs, 8);
        ASSERT_EQ(p->n_pfs, 2);
        EXPECT_STREQ(p->pfs[1], "0000:af:00.0");
        ASSERT_EQ(p->n_vendors, 1);
        EXPECT_EQ(p->vendors[0], 0x8086);
        ASSERT_EQ(p->n_devices, 2);
        EXPECT_EQ(p->devices[0], 0x154c);
        EXPECT_EQ(p->devices[1], 0x1889);
        ASSERT_EQ(p->n_drivers, 1);
        EXPECT_STREQ(p->drivers[0], "iavf");
        p = daemon_config_pool(&cfg, "dpdk");
        ASSERT_TRUE(p != NULL);
        EXPECT_EQ(p->mode, VF_POOL_VFIO);
        EXPECT_EQ(p->numa, VF_POOL_NUMA_PREFER);
        EXPECT_EQ(p->numvfs, -1);
        EXPECT_EQ(p->n_pfs, 0);
        EXPECT_TRUE(daemon_config_pool(&cfg, "nope") == NULL);
        daemon_config_clear(&cfg);
}

TEST(empty_and_comment_only_files_are_the_defaults)
{
        struct daemon_config cfg = { 0 };
        struct policy_diags d = { 0 };

        EXPECT_EQ(parse("", &cfg, &d), 0);
        EXPECT_EQ(cfg.n_pools, 0);
        EXPECT_EQ(parse("# nothing configured\n", &cfg, &d), 0);
        EXPECT_EQ(cfg.n_pools, 0);
        EXPECT_EQ(parse("pools:\n", &cfg, &d), 0);
        EXPECT_EQ(cfg.n_pools, 0);
        EXPECT_EQ(d.n, 0);
}

TEST(errors_carry_line_and_column)
{
        expect_error("pool:\n  - name: x\n", 1, 1, "unknown key \"pool\"");
        expect_error("pools:\n  - mode: netdev\n", 2, 5, "missing key \"name\"");
        expect_error("pools:\n  - name: a\n    mode: sriov\n", 3, 11, "unknown mode \"sriov\"");
        expect_error("pools:\n  - name: a\n    selectors: {vendors: [zz]}\n", 3, 27, "not a PCI id");
        expect_error("pools:\n  - name: a\n  - name: a\n", 3, 5, "a second pool named \"a\"");
        expect_error("pools:\n  - name: a/b\n", 2, 11, "pool name");
        expect_error("pools: {name: a}\n", 1, 9, "must be a list");
        expect_error("pools:\n  - name: a\n    numvfs: -1\n", 3, 13, "numvfs");
        expect_error("pools: [\n", 2, 1, "");
}

TEST(the_shipped_example_loads)
{
        struct daemon_config cfg = { 0 };
        const struct vf_pool_spec *p;

        ASSERT_EQ(daemon_config_load(SOURCE_ROOT "/examples/seccompd.yaml", &cfg), 0);
        ASSERT_EQ(cfg.n_pools, 2);
        p = daemon_config_pool(&cfg, "fast");
        ASSERT_TRUE(p != NULL);
        EXPECT_EQ(p->mode, VF_POOL_NETDEV);
        EXPECT_EQ(p->numvfs, 8);
        EXPECT_EQ(p->n_pfs, 2);
        p = daemon_config_pool(&cfg, "dpdk");
        ASSERT_TRUE(p != NULL);
        EXPECT_EQ(p->mode, VF_POOL_VFIO);
        EXPECT_EQ(p->numa, VF_POOL_NUMA_REQUIRE);
        EXPECT_EQ(p->numvfs, -1);
        daemon_config_clear(&cfg);
}
