/* bench-policy: nanoseconds per policy evaluation, the same policy_evaluate()
 * the daemon runs for every trapped call, on a mix of calls that reach every
 * rule of a policy file (default: examples/policies/nested-containers.yaml).
 * Rounds of N evaluations; prints each round and the median. No privileges. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "policy/parse.h"
#include "policy/policy.h"

struct options {
        const char *policy;
        unsigned rounds;
        unsigned long evals;
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

/* mknodat(AT_FDCWD, path, mode, dev) as the daemon hands it to policy. */
static struct policy_call mknodat_call(uint32_t mode, unsigned maj, unsigned min)
{
        struct policy_call c = { .syscall = "mknodat", .strs = { [1] = "/var/lib/containers/storage/x" } };

        c.args[0] = (uint64_t) (int64_t) AT_FDCWD;
        c.args[1] = 0x7ffd0000;
        c.args[2] = mode;
        c.args[3] = makedev(maj, min);
        return c;
}

static int load(const char *path, struct policy **ret)
{
        _cleanup_free_ char *text = NULL;
        struct policy_diags d = {};
        size_t len;
        int r = read_file_bounded(AT_FDCWD, path, 1 << 20, &text, &len);

        if (r < 0) {
                fprintf(stderr, "bench-policy: cannot read %s: %s\n", path, strerror(-r));
                return r;
        }
        r = policy_parse(text, len, path, 0, ret, &d);
        policy_diags_print(&d, path, stderr);
        policy_diags_clear(&d);
        return r;
}

static int parse_args(int argc, char **argv, struct options *o)
{
        static const struct option options[] = {
                { "policy", required_argument, NULL, 'p' },
                { "rounds", required_argument, NULL, 'r' },
                { "evals", required_argument, NULL, 'n' },
                { 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "p:r:n:", options, NULL)) >= 0) {
                if (c == 'p')
                        o->policy = optarg;
                else if (c == 'r')
                        o->rounds = (unsigned) strtoul(optarg, NULL, 10);
                else if (c == 'n')
                        o->evals = strtoul(optarg, NULL, 10);
                else
                        return -EINVAL;
        }
        if (o->rounds == 0 || o->rounds > 101 || o->evals == 0) {
                fprintf(stderr, "bench-policy: --rounds 1..101 and --evals > 0\n");
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = { .policy = BENCH_POLICY, .rounds = 7, .evals = 2000000 };
        struct policy_call calls[] = {
                mknodat_call(S_IFIFO | 0644, 0, 0),      /* first rule */
                mknodat_call(S_IFCHR | 0666, 1, 3),      /* device list, early */
                mknodat_call(S_IFCHR, 0, 0),             /* whiteout, last in the list */
                mknodat_call(S_IFBLK | 0600, 8, 0),      /* falls to the EPERM rule */
        };
        struct policy *p = NULL;
        double ns[101];
        unsigned long sink = 0;

        if (parse_args(argc, argv, &o) < 0 || load(o.policy, &p) < 0)
                return 1;
        printf("policy %s: %zu rules; %lu evaluations per round over %zu calls\n", o.policy, p->n_rules, o.evals,
               ARRAY_SIZE(calls));
        for (unsigned r = 0; r < o.rounds; r++) {
                uint64_t t0 = now_ns();

                for (unsigned long i = 0; i < o.evals; i++) {
                        struct verdict v;

                        policy_evaluate(p, &calls[i % ARRAY_SIZE(calls)], &v);
                        sink += (unsigned long) v.kind;
                }
                ns[r] = (double) (now_ns() - t0) / (double) o.evals;
                printf("round %u: %.1f ns/evaluation\n", r + 1, ns[r]);
        }
        qsort(ns, o.rounds, sizeof(ns[0]), cmp_double);
        printf("median %.1f ns per policy evaluation (%s)\n", ns[o.rounds / 2], p->name);
        policy_free(p);
        return sink == 0; /* keeps the loop from being optimised away */
}
