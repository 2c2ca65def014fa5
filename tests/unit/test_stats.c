/* The latency histogram: percentiles of known distributions within one bucket's
 * accuracy, and the edges (empty, tiny, huge, p100). */
#include <stdint.h>
#include <string.h>

#include "supervisor/stats.h"
#include "tests/unit/harness.h"

/* Half a bucket either way: the bucket width is at most 1/16 of its lower bound. */
#define EXPECT_NEAR_BUCKET(got, want) \
        do { \
                uint64_t _w = (want), _g = (got), _tol = _w / 32 + 1; \
                EXPECT_LE(_g, _w + _tol); \
                EXPECT_GE(_g + _tol, _w); \
        } while (0)

TEST(empty_hist_percentiles_are_zero)
{
        struct latency_hist hist = { 0 };

        EXPECT_EQ(latency_hist_percentile(&hist, 50), 0);
        EXPECT_EQ(latency_hist_percentile(&hist, 99), 0);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), 0);
        EXPECT_EQ(hist.count, 0);
}

TEST(single_value_is_every_percentile)
{
        struct latency_hist hist = { 0 };

        latency_hist_add(&hist, 12345);
        EXPECT_EQ(hist.min_ns, 12345);
        EXPECT_EQ(hist.max_ns, 12345);
        EXPECT_EQ(latency_hist_percentile(&hist, 1), 12345);
        EXPECT_EQ(latency_hist_percentile(&hist, 50), 12345);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), 12345);
}

TEST(values_below_32_are_exact)
{
        struct latency_hist hist = { 0 };

        for (uint64_t v = 0; v < 32; v++)
                latency_hist_add(&hist, v);
        EXPECT_EQ(latency_hist_percentile(&hist, 50), 15);
        EXPECT_EQ(latency_hist_percentile(&hist, 100.0 * 20 / 32), 19);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), 31);
        EXPECT_EQ(hist.min_ns, 0);
}

TEST(uniform_1_to_10000_percentiles_within_bucket)
{
        struct latency_hist hist = { 0 };

        for (uint64_t v = 1; v <= 10000; v++)
                latency_hist_add(&hist, v);
        EXPECT_EQ(hist.count, 10000);
        EXPECT_EQ(hist.sum_ns, 10000ULL * 10001 / 2);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 50), 5000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 90), 9000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 99), 9900);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 99.9), 9990);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), 10000);
}

TEST(bimodal_percentiles_pick_the_right_mode)
{
        struct latency_hist hist = { 0 };

        for (int i = 0; i < 90; i++)
                latency_hist_add(&hist, 2000);
        for (int i = 0; i < 10; i++)
                latency_hist_add(&hist, 3000000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 50), 2000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 90), 2000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 90.5), 3000000);
        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 99), 3000000);
}

/* A value between 0 and a far larger one: the median is the value's own bucket,
 * not clamped to min or max, so this checks the bucket mapping itself. */
TEST(every_magnitude_maps_within_bucket_accuracy)
{
        struct latency_hist hist = { 0 };

        for (unsigned shift = 0; shift < 43; shift++)
                for (uint64_t m = 0; m < 64; m += 7) {
                        uint64_t v = ((uint64_t) 1 << shift) + (m << (shift > 6 ? shift - 6 : 0));

                        memset(&hist, 0, sizeof(hist));
                        latency_hist_add(&hist, 0);
                        latency_hist_add(&hist, v);
                        latency_hist_add(&hist, (uint64_t) 1 << 43);
                        EXPECT_NEAR_BUCKET(latency_hist_percentile(&hist, 50), v);
                }
}

TEST(huge_values_land_in_last_bucket_and_saturate_sum)
{
        struct latency_hist hist = { 0 };

        latency_hist_add(&hist, UINT64_MAX);
        latency_hist_add(&hist, (uint64_t) 1 << 50);
        latency_hist_add(&hist, UINT64_MAX - 1);
        EXPECT_EQ(hist.count, 3);
        EXPECT_EQ(hist.sum_ns, UINT64_MAX);
        EXPECT_EQ(hist.buckets[LATENCY_BUCKETS - 1], 3);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), UINT64_MAX);
        EXPECT_GE(latency_hist_percentile(&hist, 10), (uint64_t) 1 << 50);
}

TEST(p100_is_in_the_bucket_of_max)
{
        struct latency_hist hist = { 0 };
        uint64_t x = 88172645463325252ULL, max = 0;

        for (int i = 0; i < 5000; i++) {
                uint64_t v;

                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                v = x % 50000000;
                if (v > max)
                        max = v;
                latency_hist_add(&hist, v);
        }
        EXPECT_EQ(hist.max_ns, max);
        EXPECT_EQ(latency_hist_percentile(&hist, 100), max);
        EXPECT_GE(latency_hist_percentile(&hist, 99.99), max - max / 16);
}

TEST(percentiles_are_monotonic_and_bounded)
{
        struct latency_hist hist = { 0 };
        uint64_t prev = 0;

        for (uint64_t v = 1; v < 1000000; v = v * 3 / 2 + 1)
                latency_hist_add(&hist, v);
        for (double p = 0.5; p <= 100; p += 0.5) {
                uint64_t q = latency_hist_percentile(&hist, p);

                EXPECT_GE(q, prev);
                EXPECT_GE(q, hist.min_ns);
                EXPECT_LE(q, hist.max_ns);
                prev = q;
        }
        EXPECT_EQ(latency_hist_percentile(&hist, 0), hist.min_ns);
        EXPECT_EQ(latency_hist_percentile(&hist, 250), hist.max_ns);
}
