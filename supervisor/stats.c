/* The latency histogram: log-linear buckets (HdrHistogram's layout with 4 bits of
 * precision), so recording is a few instructions and no allocation on the hot path. */
#include "supervisor/stats.h"

#define SUB_BITS 4 /* log2(LATENCY_SUB_BUCKETS) */
_Static_assert(LATENCY_SUB_BUCKETS == 1 << SUB_BITS, "sub-buckets must be a power of two");

/* Values below 2 * LATENCY_SUB_BUCKETS get exact buckets; above, a value with its top
 * bit at 2^e lands in power e - SUB_BITS + 1, sub-bucket = the SUB_BITS bits below it. */
static unsigned bucket_of(uint64_t ns)
{
        unsigned e, power;

        if (ns < LATENCY_SUB_BUCKETS)
                return (unsigned) ns;
        e = 63 - (unsigned) __builtin_clzll(ns);
        power = e - SUB_BITS + 1;
        if (power >= LATENCY_POWERS)
                return LATENCY_BUCKETS - 1;
        return power * LATENCY_SUB_BUCKETS + (unsigned) ((ns >> (e - SUB_BITS)) & (LATENCY_SUB_BUCKETS - 1));
}

static uint64_t bucket_lower(unsigned b)
{
        unsigned power = b / LATENCY_SUB_BUCKETS, sub = b % LATENCY_SUB_BUCKETS;

        if (power == 0)
                return sub;
        return (uint64_t) (LATENCY_SUB_BUCKETS + sub) << (power - 1);
}

static uint64_t bucket_width(unsigned b)
{
        unsigned power = b / LATENCY_SUB_BUCKETS;

        return power == 0 ? 1 : (uint64_t) 1 << (power - 1);
}

void latency_hist_add(struct latency_hist *h, uint64_t ns)
{
        if (h->count == 0 || ns < h->min_ns)
                h->min_ns = ns;
        if (ns > h->max_ns)
                h->max_ns = ns;
        h->sum_ns = ns > UINT64_MAX - h->sum_ns ? UINT64_MAX : h->sum_ns + ns;
        h->count++;
        h->buckets[bucket_of(ns)]++;
}

/* The 1-based rank of the p-th percentile among count samples: ceil(p% of count). */
static uint64_t percentile_rank(uint64_t count, double p)
{
        double exact;
        uint64_t rank;

        if (!(p > 0.0))
                return 1;
        if (p >= 100.0)
                return count;
        exact = p / 100.0 * (double) count;
        rank = (uint64_t) exact;
        if ((double) rank < exact)
                rank++;
        if (rank < 1)
                rank = 1;
        return rank > count ? count : rank;
}

uint64_t latency_hist_percentile(const struct latency_hist *h, double p)
{
        uint64_t rank, seen = 0, mid = 0;

        if (h->count == 0)
                return 0;
        rank = percentile_rank(h->count, p);
        /* The extremes are known exactly. */
        if (rank == h->count)
                return h->max_ns;
        if (rank == 1)
                return h->min_ns;
        for (unsigned b = 0; b < LATENCY_BUCKETS; b++) {
                seen += h->buckets[b];
                if (seen >= rank) {
                        mid = bucket_lower(b) + bucket_width(b) / 2;
                        break;
                }
        }
        /* The middle of the bucket, but never outside what was recorded (the last
         * bucket is open-ended). */
        if (mid < h->min_ns)
                return h->min_ns;
        return mid > h->max_ns ? h->max_ns : mid;
}
