/* uid_map / gid_map parsing and translation (emulators/idmap.c). */
#include <stdio.h>

#include "emulators/idmap.h"
#include "tests/unit/harness.h"

static int parse(const char *text, struct idmap *m)
{
        return idmap_parse(text, strlen(text), m);
}

TEST(idmap_parses_kernel_padded_format)
{
        struct idmap m;

        ASSERT_EQ(parse("         0     100000      65536\n", &m), 0);
        ASSERT_EQ(m.n, 1);
        EXPECT_EQ(m.ranges[0].inner, 0);
        EXPECT_EQ(m.ranges[0].outer, 100000);
        EXPECT_EQ(m.ranges[0].count, 65536);
}

TEST(idmap_parses_several_ranges_without_final_newline)
{
        struct idmap m;

        ASSERT_EQ(parse("0 1000 1\n1 100000 999\n1000 1001 1", &m), 0);
        ASSERT_EQ(m.n, 3);
        EXPECT_EQ(m.ranges[2].inner, 1000);
        EXPECT_EQ(m.ranges[2].outer, 1001);
        EXPECT_EQ(m.ranges[2].count, 1);
}

TEST(idmap_empty_text_is_empty_map)
{
        struct idmap m = { .n = 7 };
        uint32_t out;

        ASSERT_EQ(idmap_parse("", 0, &m), 0);
        EXPECT_EQ(m.n, 0);
        EXPECT_EQ(idmap_to_outer(&m, 0, &out), -ERANGE);
}

TEST(idmap_translates_both_directions)
{
        struct idmap m;
        uint32_t id = 0;

        ASSERT_EQ(parse("0 100000 65536\n", &m), 0);
        ASSERT_EQ(idmap_to_outer(&m, 0, &id), 0);
        EXPECT_EQ(id, 100000);
        ASSERT_EQ(idmap_to_outer(&m, 65535, &id), 0);
        EXPECT_EQ(id, 165535);
        ASSERT_EQ(idmap_to_inner(&m, 100123, &id), 0);
        EXPECT_EQ(id, 123);
}

TEST(idmap_unmapped_id_is_erange)
{
        struct idmap m;
        uint32_t id = 42;

        ASSERT_EQ(parse("0 100000 65536\n", &m), 0);
        EXPECT_EQ(idmap_to_outer(&m, 65536, &id), -ERANGE);
        EXPECT_EQ(idmap_to_inner(&m, 99999, &id), -ERANGE);
        EXPECT_EQ(idmap_to_inner(&m, 0, &id), -ERANGE);
        EXPECT_EQ(id, 42); /* untouched on failure */
}

TEST(idmap_uses_the_range_holding_the_id)
{
        struct idmap m;
        uint32_t id;

        ASSERT_EQ(parse("0 1000 1\n1 200000 10\n", &m), 0);
        ASSERT_EQ(idmap_to_outer(&m, 0, &id), 0);
        EXPECT_EQ(id, 1000);
        ASSERT_EQ(idmap_to_outer(&m, 5, &id), 0);
        EXPECT_EQ(id, 200004);
        ASSERT_EQ(idmap_to_inner(&m, 1000, &id), 0);
        EXPECT_EQ(id, 0);
}

TEST(idmap_identity_maps_every_valid_id_but_minus_one)
{
        struct idmap m;
        uint32_t id;

        idmap_identity(&m);
        ASSERT_EQ(idmap_to_outer(&m, 0, &id), 0);
        EXPECT_EQ(id, 0);
        ASSERT_EQ(idmap_to_inner(&m, 4294967294U, &id), 0);
        EXPECT_EQ(id, 4294967294U);
        EXPECT_EQ(idmap_to_outer(&m, UINT32_MAX, &id), -ERANGE);
}

TEST(idmap_identity_text_of_initial_namespace_parses)
{
        struct idmap m;
        uint32_t id;

        ASSERT_EQ(parse("         0          0 4294967295\n", &m), 0);
        ASSERT_EQ(idmap_to_outer(&m, 1000, &id), 0);
        EXPECT_EQ(id, 1000);
}

TEST(idmap_malformed_text_is_einval)
{
        static const char *const bad[] = {
                "0 100000\n",            /* two fields */
                "0 100000 65536 7\n",    /* four fields */
                "a 100000 65536\n",      /* not a number */
                "-1 100000 65536\n",     /* negative */
                "0 +100000 65536\n",     /* sign */
                "0x0 100000 65536\n",    /* hex */
                "0 100000 4294967296\n", /* above 32 bits */
                "0,100000,65536\n",      /* wrong separator */
                "0 100000 65536\n0 1",   /* truncated second line */
        };
        struct idmap m;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = parse(bad[i], &m);

                if (r != -EINVAL)
                        HARNESS_FAIL(false, "\"%s\" -> %d", bad[i], r);
        }
}

TEST(idmap_embedded_nul_is_einval)
{
        static const char text[] = "0 100000 65536\n\0 1 1\n";
        struct idmap m;

        EXPECT_EQ(idmap_parse(text, sizeof(text) - 1, &m), -EINVAL);
}

TEST(idmap_zero_count_is_einval)
{
        struct idmap m;

        EXPECT_EQ(parse("0 100000 0\n", &m), -EINVAL);
}

TEST(idmap_range_that_wraps_is_einval)
{
        struct idmap m;

        EXPECT_EQ(parse("4294967295 0 1\n", &m), -EINVAL);
        EXPECT_EQ(parse("0 4294967200 100\n", &m), -EINVAL);
        EXPECT_EQ(parse("1 0 4294967295\n", &m), -EINVAL);
}

TEST(idmap_overlapping_ranges_are_einval)
{
        struct idmap m;

        EXPECT_EQ(parse("0 100000 10\n5 200000 10\n", &m), -EINVAL);  /* inner overlap */
        EXPECT_EQ(parse("0 100000 10\n50 100009 10\n", &m), -EINVAL); /* outer overlap */
        EXPECT_EQ(parse("0 100000 10\n10 100010 10\n", &m), 0);       /* adjacent */
}

TEST(idmap_accepts_max_ranges_and_refuses_one_more)
{
        static char text[(IDMAP_MAX_RANGES + 1) * 32];
        struct idmap m;
        size_t len = 0;

        for (unsigned i = 0; i < IDMAP_MAX_RANGES; i++)
                len += (size_t) snprintf(text + len, sizeof(text) - len, "%u %u 1\n", i, 100000 + i);
        ASSERT_EQ(idmap_parse(text, len, &m), 0);
        EXPECT_EQ(m.n, IDMAP_MAX_RANGES);
        len += (size_t) snprintf(text + len, sizeof(text) - len, "%u %u 1\n", 999, 200000);
        EXPECT_EQ(idmap_parse(text, len, &m), -E2BIG);
}

TEST(idmap_honours_length_not_nul)
{
        struct idmap m;

        /* Only "0 100000 65" is inside len: a shorter count, not the whole line. */
        ASSERT_EQ(idmap_parse("0 100000 65536\n", 11, &m), 0);
        EXPECT_EQ(m.ranges[0].count, 65);
}
