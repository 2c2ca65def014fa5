/* key=value metadata: OCI listenerMetadata and LXC cookies read the same way. */
#include <errno.h>

#include "supervisor/metadata.h"
#include "tests/unit/harness.h"

TEST(value_is_found_among_space_and_comma_separated_pairs)
{
        char v[32];

        ASSERT_EQ(metadata_get("a=1, policy=nested-containers\tb=2", "policy", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "nested-containers");
        ASSERT_EQ(metadata_get("a=1, policy=nested-containers\tb=2", "b", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "2");
        ASSERT_EQ(metadata_get("policy=", "policy", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "");
}

TEST(first_pair_with_the_key_wins)
{
        char v[8];

        ASSERT_EQ(metadata_get("policy=a policy=b", "policy", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "a");
}

TEST(absent_prefix_and_null_text_are_enoent)
{
        char v[8];

        EXPECT_EQ(metadata_get("policyx=a pol=b", "policy", v, sizeof(v)), -ENOENT);
        EXPECT_EQ(metadata_get("policy", "policy", v, sizeof(v)), -ENOENT);
        EXPECT_EQ(metadata_get(NULL, "policy", v, sizeof(v)), -ENOENT);
        EXPECT_EQ(metadata_get("", "policy", v, sizeof(v)), -ENOENT);
}

TEST(value_that_does_not_fit_is_enametoolong)
{
        char v[4];

        EXPECT_EQ(metadata_get("policy=abcd", "policy", v, sizeof(v)), -ENAMETOOLONG);
        ASSERT_EQ(metadata_get("policy=abc", "policy", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "abc");
}

TEST(check_accepts_pairs_and_empty_text)
{
        EXPECT_EQ(metadata_check(""), 0);
        EXPECT_EQ(metadata_check("  ,\t"), 0);
        EXPECT_EQ(metadata_check("policy=default"), 0);
        EXPECT_EQ(metadata_check(" policy=default, site=a=b "), 0);
        EXPECT_EQ(metadata_check("policy="), 0);
}

TEST(check_refuses_tokens_that_are_not_pairs)
{
        EXPECT_EQ(metadata_check("default"), -EINVAL);
        EXPECT_EQ(metadata_check("policy=default junk"), -EINVAL);
        EXPECT_EQ(metadata_check("=default"), -EINVAL);
        EXPECT_EQ(metadata_check("policy = default"), -EINVAL);
}
