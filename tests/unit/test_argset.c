/* The argset algebra: complement exact on every point of a small space,
 * neighbours merged, subsets dropped. */
#include <stdlib.h>
#include <sys/stat.h>

#include "policy/argset.h"
#include "tests/unit/harness.h"

static void random_cube(struct argset_cube *c)
{
        *c = (struct argset_cube) {};
        for (unsigned a = 0; a < 2; a++) {
                uint64_t mask = random() % 3 ? (uint64_t) (random() & 0xf) : 0;

                c->arg[a] = (struct argset_pattern) { mask, (uint64_t) random() & mask };
        }
}

TEST(argset_complement_is_exact)
{
        srandom(4);
        for (unsigned round = 0; round < 300; round++) {
                struct argset s = {}, not_s = {}, both = {};
                unsigned n = 1 + (unsigned) (random() % 5);

                for (unsigned i = 0; i < n; i++) {
                        struct argset_cube c;

                        random_cube(&c);
                        ASSERT_EQ(argset_add(&s, &c), 0);
                }
                ASSERT_EQ(argset_complement(&s, &not_s), 0);
                ASSERT_EQ(argset_meet(&s, &not_s, &both), 0);
                EXPECT_EQ(both.n, 0);
                /* Two args of four bits each: check all 256 points. */
                for (uint64_t x = 0; x < 256; x++) {
                        uint64_t args[6] = { x & 0xf, x >> 4 };

                        ASSERT_NE(argset_contains(&s, args), argset_contains(&not_s, args));
                }
                argset_done(&s);
                argset_done(&not_s);
                argset_done(&both);
        }
}

TEST(argset_merges_neighbours_and_drops_subsets)
{
        struct argset s = {};

        ASSERT_EQ(argset_add_pattern(&s, 1, S_IFMT, 0), 0);
        ASSERT_EQ(argset_add_pattern(&s, 1, S_IFMT, S_IFREG), 0); /* differs from 0 in one bit */
        EXPECT_EQ(s.n, 1);
        EXPECT_EQ(s.v[0].arg[1].mask, S_IFMT & ~S_IFREG);
        ASSERT_EQ(argset_add_pattern(&s, 1, S_IFMT, S_IFMT & ~S_IFREG), 0); /* 070000: inside it */
        EXPECT_EQ(s.n, 2);
        ASSERT_EQ(argset_add_pattern(&s, 1, 0, 0), 0); /* everything */
        EXPECT_TRUE(argset_is_all(&s));
        EXPECT_EQ(s.n, 1);
        argset_done(&s);
}
