/* The `limits:` section of policies and of the daemon config: values, units,
 * `unlimited`, errors at their line:column, and how policy, config and the
 * built-in defaults combine. */
#include "tests/unit/harness.h"
#include "tests/unit/policy_parse_util.h"

#include "policy/policy_limits.h"
#include "supervisor/daemon_config.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free)

#define RULES "  - syscalls: mknod\n    action: errno EPERM\n"

TEST(limits_parse_counts_sizes_and_errno)
{
        _cleanup_(policy_freep) struct policy *p =
                parse_ok(HEAD RULES "limits: {in_flight: 64, helper_queue: 4, read_bytes: 64KiB, errno: EBUSY}\n");

        EXPECT_EQ(p->limits.in_flight, 64);
        EXPECT_EQ(p->limits.helper_queue, 4);
        EXPECT_EQ(p->limits.read_bytes, 64 * 1024);
        EXPECT_EQ(p->limits.error, EBUSY);
}

TEST(limits_absent_leaves_every_field_unset)
{
        _cleanup_(policy_freep) struct policy *p = parse_ok(HEAD RULES);

        EXPECT_EQ(p->limits.in_flight, 0);
        EXPECT_EQ(p->limits.helper_queue, 0);
        EXPECT_EQ(p->limits.read_bytes, 0);
        EXPECT_EQ(p->limits.error, 0);
}

TEST(limits_size_units_and_unlimited)
{
        _cleanup_(policy_freep) struct policy *a = parse_ok(HEAD RULES "limits: {read_bytes: 3MiB}\n");
        _cleanup_(policy_freep) struct policy *b = parse_ok(HEAD RULES "limits: {read_bytes: 2GiB}\n");
        _cleanup_(policy_freep) struct policy *c = parse_ok(HEAD RULES "limits: {read_bytes: 100B}\n");
        _cleanup_(policy_freep) struct policy *t = parse_ok(HEAD RULES "limits: {read_bytes: 1TiB}\n");
        _cleanup_(policy_freep) struct policy *d =
                parse_ok(HEAD RULES "limits: {read_bytes: unlimited, in_flight: unlimited}\n");

        EXPECT_EQ(a->limits.read_bytes, 3 * 1024 * 1024);
        EXPECT_EQ(b->limits.read_bytes, UINT64_C(2) << 30);
        EXPECT_EQ(c->limits.read_bytes, 100);
        EXPECT_EQ(t->limits.read_bytes, UINT64_C(1) << 40);
        EXPECT_EQ(d->limits.read_bytes, LIMIT_UNLIMITED);
        EXPECT_EQ(d->limits.in_flight, LIMIT_UNLIMITED);
        EXPECT_EQ(d->limits.helper_queue, 0);
}

TEST(limits_errors_point_at_the_value)
{
        expect_error(HEAD RULES "limits: {in_flight: 0}\n", 1, 7, 21, "in_flight 0 is out of range");
        expect_error(HEAD RULES "limits: {in_flight: 1000001}\n", 1, 7, 21, "out of range (1..1000000");
        expect_error(HEAD RULES "limits: {helper_queue: 4k}\n", 1, 7, 24, "bad helper_queue \"4k\": expected a count");
        expect_error(HEAD RULES "limits: {read_bytes: 1MB}\n", 1, 7, 22, "bad read_bytes \"1MB\": expected a size");
        expect_error(HEAD RULES "limits: {read_bytes: -1}\n", 1, 7, 22, "bad read_bytes");
        expect_error(HEAD RULES "limits: {read_bytes: 2048GiB}\n", 1, 7, 22, "out of range (1..1TiB");
        expect_error(HEAD RULES "limits: {in_flight: 99999999999999999999999}\n", 1, 7, 21, "out of range");
        expect_error(HEAD RULES "limits: {errno: EWHAT}\n", 1, 7, 17, "unknown errno \"EWHAT\"");
        expect_error(HEAD RULES "limits: {inflight: 3}\n", 1, 7, 10, "inflight");
        expect_error(HEAD RULES "limits: [in_flight]\n", 1, 7, 10, "\"limits\" must be a mapping");
        /* Every error is reported, not just the first. */
        expect_error(HEAD RULES "limits:\n  in_flight: x\n  errno: nope\n", 2, 9, 10, "unknown errno");
}

TEST(resolve_prefers_policy_then_config_then_default)
{
        struct policy_limits policy = { .in_flight = 5 }, config = { .in_flight = 7, .read_bytes = 99, .error = EBUSY };
        struct policy_limits r, dflt = POLICY_LIMITS_DEFAULT;

        policy_limits_resolve(&policy, &config, &r);
        EXPECT_EQ(r.in_flight, 5);
        EXPECT_EQ(r.read_bytes, 99);
        EXPECT_EQ(r.helper_queue, dflt.helper_queue);
        EXPECT_EQ(r.error, EBUSY);
        policy_limits_resolve(NULL, NULL, &r);
        EXPECT_EQ(r.in_flight, dflt.in_flight);
        EXPECT_EQ(r.helper_queue, dflt.helper_queue);
        EXPECT_EQ(r.read_bytes, dflt.read_bytes);
        EXPECT_EQ(r.error, EAGAIN);
}

TEST(daemon_config_limits_parse_beside_pools)
{
        const char *text = "limits:\n  in_flight: 32\n  read_bytes: 256KiB\npools: []\n";
        struct daemon_config cfg = { 0 };
        struct policy_diags d = { 0 };

        ASSERT_EQ(daemon_config_parse(text, strlen(text), "seccompd.yaml", &cfg, &d), 0);
        EXPECT_EQ(d.n, 0);
        EXPECT_EQ(cfg.limits.in_flight, 32);
        EXPECT_EQ(cfg.limits.read_bytes, 256 * 1024);
        EXPECT_EQ(cfg.limits.helper_queue, 0);
        daemon_config_clear(&cfg);
        policy_diags_clear(&d);
}

TEST(daemon_config_limits_error_has_line_and_column)
{
        const char *text = "limits:\n  helper_queue: many\n";
        struct daemon_config cfg = { 0 };
        struct policy_diags d = { 0 };

        EXPECT_EQ(daemon_config_parse(text, strlen(text), "seccompd.yaml", &cfg, &d), -EINVAL);
        EXPECT_DIAG(&d, false, 2, 17, "bad helper_queue \"many\"");
        policy_diags_clear(&d);
}

