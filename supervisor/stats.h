/* Counters by outcome and a latency histogram; embedded in the daemon (totals) and
 * in each container. Pure arithmetic, no logging. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct stats_counters {
        uint64_t received;      /* notifications received */
        uint64_t continued;     /* answered CONTINUE */
        uint64_t errored;       /* failed with the policy's errno */
        uint64_t emulated;      /* emulated successfully */
        uint64_t emulate_failed;/* emulation ran and failed the call with an errno */
        uint64_t injected;      /* answered with an injected fd */
        uint64_t caller_gone;   /* dropped: caller died or was interrupted (ENOENT) */
        uint64_t read_failed;   /* pointer args unreadable: answered EFAULT/ENAMETOOLONG */
        uint64_t limited;       /* over a per-container limit: failed at once with the limits' errno */
};

/* Log-linear buckets: 16 sub-buckets per power of two, from 1 ns up to ~2^40 ns. */
#define LATENCY_SUB_BUCKETS 16
#define LATENCY_POWERS 41
#define LATENCY_BUCKETS (LATENCY_SUB_BUCKETS * LATENCY_POWERS)

struct latency_hist {
        uint64_t count;
        uint64_t sum_ns;
        uint64_t max_ns;
        uint64_t min_ns;
        uint64_t buckets[LATENCY_BUCKETS];
};

void latency_hist_add(struct latency_hist *h, uint64_t ns);
/* The p-th percentile (0 < p <= 100) in ns, accurate to the bucket width (~6%); 0 if empty. */
uint64_t latency_hist_percentile(const struct latency_hist *h, double p);
