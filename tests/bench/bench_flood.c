/* bench-flood: is a quiet container served while another floods seccompd? A
 * quiet child makes one trapped mknodat every --interval-us and times each
 * call: served by a bare RECV/SEND loop (the floor), by seccompd alone, and by
 * seccompd while a flooder container's threads make the same call in tight
 * loops. Prints the quiet caller's p50/p99 in each case and the p99 ratio
 * flooded/alone (issue 8's target: within 2x), medians over rounds. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "shim/oci_send.h"
#include "tests/bench/bench_env.h"
#include "tests/bench/bench_median.h"
#include "tests/bench/bench_trap.h"

#ifndef BENCH_SECCOMPD
#define BENCH_SECCOMPD "seccompd"
#endif

#define MAX_ROUNDS 99
#define MAX_CALLS 100000
#define MAX_THREADS 64
#define WARMUP_CALLS 100

enum phase { PHASE_RAW, PHASE_ALONE, PHASE_FLOOD, _PHASE_MAX };

static const char *const phase_names[_PHASE_MAX] = { "raw", "alone", "flooded" };

struct options {
        unsigned rounds;
        unsigned long calls;    /* timed quiet calls per phase */
        unsigned threads;       /* flooder threads */
        unsigned interval_us;   /* between two quiet calls */
        const char *seccompd;
};

/* The quiet caller's latency in one phase, in µs. */
struct quiet_result {
        double p50, p99;
};

struct bench {
        struct bench_env env;
        char node[128];              /* the path every trapped mknodat names; never made */
        _Atomic uint64_t *flood_calls; /* shared with the flooder: its calls so far */
};

#define BENCH_NULL { .env = BENCH_ENV_NULL }

/* ------------------------------------------------------- the trapped children */

/* A block device 8:0: refused EPERM by the default policy and by the raw loop. */
static int trapped_call(const char *path)
{
        return mknodat(AT_FDCWD, path, S_IFBLK | 0600, makedev(8, 0)) < 0 ? errno : 0;
}

static uint64_t now_ns(void)
{
        return bench_env_now_ns();
}

/* Traps mknodat and gives the listener away: to the parent (raw) or to seccompd as container |id|. */
static int hand_over(const struct bench *b, bool raw, const char *id, int sock)
{
        _cleanup_close_ int daemon_sock = -EBADF, listener = -EBADF;

        if (!raw) {
                daemon_sock = oci_send_connect(b->env.sock, false);
                if (daemon_sock < 0)
                        return daemon_sock;
        }
        listener = bench_trap_install(SCMP_SYS(mknodat));
        if (listener < 0)
                return listener;
        if (raw)
                return bench_trap_send_listener(sock, listener);
        return bench_trap_register(&b->env, daemon_sock, id, "policy=default", listener);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

/* Warm-up, then |calls| timed calls |interval_us| apart; sends p50 and p99 (ns). */
_Noreturn static void quiet_run(const struct bench *b, const struct options *o, bool raw, const char *id, int sock)
{
        static uint64_t ns[MAX_CALLS];
        const struct timespec gap = { .tv_sec = o->interval_us / 1000000, .tv_nsec = (o->interval_us % 1000000) * 1000L };
        uint64_t out[2];

        if (hand_over(b, raw, id, sock) < 0)
                _exit(3);
        for (unsigned long i = 0; i < WARMUP_CALLS + o->calls; i++) {
                uint64_t t0 = now_ns();
                int e = trapped_call(b->node);

                if (i >= WARMUP_CALLS)
                        ns[i - WARMUP_CALLS] = now_ns() - t0;
                if (e != EPERM) {
                        fprintf(stderr, "bench-flood: quiet call %lu: %s instead of EPERM\n", i,
                                e ? strerrorname_np(e) : "success");
                        _exit(4);
                }
                nanosleep(&gap, NULL);
        }
        qsort(ns, o->calls, sizeof(ns[0]), cmp_u64);
        out[0] = ns[o->calls / 2];
        out[1] = ns[o->calls * 99 / 100];
        _exit(send(sock, out, sizeof(out), MSG_NOSIGNAL) == (ssize_t) sizeof(out) ? 0 : 5);
}

static void *flood_thread(void *arg)
{
        const struct bench *b = arg;

        for (;;) {
                if (trapped_call(b->node) != EPERM)
                        _exit(4);
                atomic_fetch_add_explicit(b->flood_calls, 1, memory_order_relaxed);
        }
        return NULL;
}

/* Tight loops on every thread until killed; a byte on |sock| once they run. */
_Noreturn static void flooder_run(const struct bench *b, const struct options *o, const char *id, int sock)
{
        pthread_t t;

        if (hand_over(b, false, id, sock) < 0)
                _exit(3);
        for (unsigned i = 0; i < o->threads; i++)
                if (pthread_create(&t, NULL, flood_thread, (void *) b) != 0)
                        _exit(6);
        if (send(sock, "R", 1, MSG_NOSIGNAL) != 1)
                _exit(5);
        for (;;)
                pause();
}

/* ------------------------------------------------------- children, parent side */

/* What a child is told. */
struct child_args {
        const struct bench *b;
        const struct options *o;
        bool raw;
        const char *id;
};

_Noreturn static void quiet_main(void *arg, int sock)
{
        const struct child_args *a = arg;

        quiet_run(a->b, a->o, a->raw, a->id, sock);
}

_Noreturn static void flooder_main(void *arg, int sock)
{
        const struct child_args *a = arg;

        flooder_run(a->b, a->o, a->id, sock);
}

/* One quiet run: served by us (raw) or by seccompd. */
static int quiet_phase(struct bench *b, const struct options *o, bool raw, const char *id, uint64_t deadline,
                       struct quiet_result *ret)
{
        _cleanup_(bench_trap_child_done) struct bench_trap_child c = BENCH_TRAP_CHILD_NULL;
        _cleanup_close_ int listener = -EBADF;
        uint64_t ns[2];
        int r;

        r = bench_trap_child_start(&b->env, quiet_main, &(struct child_args) { .b = b, .o = o, .raw = raw, .id = id },
                                   &c);
        if (r >= 0 && raw) {
                listener = bench_trap_recv_listener(&b->env, c.sock, deadline);
                r = listener < 0 ? listener
                                 : bench_trap_serve_raw(&b->env, listener, WARMUP_CALLS + o->calls, deadline);
        }
        if (r >= 0)
                r = bench_trap_child_read(&b->env, &c, ns, sizeof(ns), true, deadline);
        if (r < 0)
                return r;
        *ret = (struct quiet_result) { .p50 = (double) ns[0] / 1e3, .p99 = (double) ns[1] / 1e3 };
        return 0;
}

/* The quiet run while the flooder runs; its calls per second in *ret_rate. */
static int flood_phase(struct bench *b, const struct options *o, unsigned round, uint64_t deadline,
                       struct quiet_result *ret, double *ret_rate)
{
        _cleanup_(bench_trap_child_done) struct bench_trap_child f = BENCH_TRAP_CHILD_NULL;
        uint64_t calls0, t0;
        char id[64], ready;
        int r;

        snprintf(id, sizeof(id), "bench-flood-flooder-%d-%u", (int) getpid(), round);
        r = bench_trap_child_start(&b->env, flooder_main, &(struct child_args) { .b = b, .o = o, .id = id }, &f);
        if (r >= 0)
                r = bench_trap_child_read(&b->env, &f, &ready, 1, false, deadline);
        if (r < 0)
                return r;
        calls0 = atomic_load(b->flood_calls);
        t0 = now_ns();
        snprintf(id, sizeof(id), "bench-flood-quiet-%d-%u-flooded", (int) getpid(), round);
        r = quiet_phase(b, o, false, id, deadline, ret);
        *ret_rate = (double) (atomic_load(b->flood_calls) - calls0) * 1e9 / (double) (now_ns() - t0);
        return r;
}

/* One round: every phase; |res| by phase, the flooder's rate. Prints why it failed. */
static int run_round(struct bench *b, const struct options *o, unsigned round, struct quiet_result *res,
                     double *rate)
{
        uint64_t deadline = bench_env_deadline_ms(30000 + (WARMUP_CALLS + o->calls) * (o->interval_us / 1000 + 2));
        char id[64];
        int r;

        for (int p = 0; p < _PHASE_MAX; p++) {
                snprintf(id, sizeof(id), "bench-flood-quiet-%d-%u-%s", (int) getpid(), round, phase_names[p]);
                if (p == PHASE_FLOOD)
                        r = flood_phase(b, o, round, deadline, &res[p], rate);
                else
                        r = quiet_phase(b, o, p == PHASE_RAW, id, deadline, &res[p]);
                if (r >= 0 && p != PHASE_RAW)
                        r = bench_env_daemon_check(&b->env);
                if (r < 0) {
                        fprintf(stderr, "bench-flood: round %u (%s) failed: %s\n", round, phase_names[p], bench_env_why(r));
                        return r;
                }
        }
        return 0;
}

/* -------------------------------------------------------------- the report */

static void print_row(const char *label, const struct quiet_result *r, double ratio, double rate)
{
        printf("%-5s  %8.1f %8.1f  %8.1f %8.1f  %8.1f %8.1f  %9.2f  %12.0f\n", label, r[PHASE_RAW].p50,
               r[PHASE_RAW].p99, r[PHASE_ALONE].p50, r[PHASE_ALONE].p99, r[PHASE_FLOOD].p50, r[PHASE_FLOOD].p99,
               ratio, rate);
}

static void print_header(const struct options *o)
{
        struct utsname u;

        if (uname(&u) < 0)
                snprintf(u.release, sizeof(u.release), "?");
        printf("bench-flood: %u rounds; per phase the quiet container makes %lu timed mknodat (+%d warm-up),\n"
               "one every %u us, each answered EPERM:\n"
               "  raw      by a bare blocking RECV/SEND loop (the floor)\n"
               "  alone    by %s (policy \"default\"), nothing else trapped\n"
               "  flooded  by that seccompd while another container's %u threads make the same call\n"
               "           in tight loops\n"
               "  Linux %s, %ld CPUs online, nothing pinned; latencies in us as the caller sees them\n\n"
               "round  raw  p50      p99  alone p50      p99  flood p50      p99  p99 ratio  flooder c/s\n",
               o->rounds, o->calls, WARMUP_CALLS, o->interval_us, o->seccompd, o->threads, u.release,
               sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_summary(struct quiet_result res[][_PHASE_MAX], const double *rate, unsigned n)
{
        double v[MAX_ROUNDS], ratio, r;
        struct quiet_result med[_PHASE_MAX];

        for (int p = 0; p < _PHASE_MAX; p++) {
                for (unsigned i = 0; i < n; i++)
                        v[i] = res[i][p].p50;
                med[p].p50 = bench_median(v, n);
                for (unsigned i = 0; i < n; i++)
                        v[i] = res[i][p].p99;
                med[p].p99 = bench_median(v, n);
        }
        for (unsigned i = 0; i < n; i++)
                v[i] = res[i][PHASE_FLOOD].p99 / res[i][PHASE_ALONE].p99;
        ratio = bench_median(v, n);
        memcpy(v, rate, n * sizeof(*v));
        r = bench_median(v, n);
        print_row("med.", med, ratio, r);
        printf("\nquiet container p99: alone %.1f us, under the flood %.1f us: ratio %.2f (target <= 2)\n"
               "quiet container p50: alone %.1f us, under the flood %.1f us; raw loop p50 %.1f us, p99 %.1f us\n"
               "the flooder got %.0f calls/s answered meanwhile\n",
               med[PHASE_ALONE].p99, med[PHASE_FLOOD].p99, ratio, med[PHASE_ALONE].p50, med[PHASE_FLOOD].p50,
               med[PHASE_RAW].p50, med[PHASE_RAW].p99, r);
}

/* ---------------------------------------------------------------- options */

static void help(void)
{
        printf("Usage: bench-flood [OPTIONS]\n"
               "A quiet container's trapped-call latency (p50, p99), alone and while another\n"
               "container floods seccompd, against a bare RECV/SEND loop. Root only: starts its\n"
               "own seccompd on private sockets.\n\n"
               "  --rounds N       rounds, each running every phase (default 5)\n"
               "  --calls N        timed quiet calls per phase (default 2000)\n"
               "  --threads N      flooder threads (default 4)\n"
               "  --interval-us N  between two quiet calls (default 500)\n"
               "  --seccompd PATH  the daemon (default $SECCOMPD, else %s)\n"
               "  -h, --help       show this help\n",
               BENCH_SECCOMPD);
}

/* 1 to run, 0 to exit successfully (help), -EINVAL on bad usage (printed). */
static int parse_argv(int argc, char **argv, struct options *o)
{
        enum { A_ROUNDS = 0x100, A_CALLS, A_THREADS, A_INTERVAL, A_SECCOMPD };
        static const struct option options[] = {
                { "rounds", required_argument, NULL, A_ROUNDS },
                { "calls", required_argument, NULL, A_CALLS },
                { "threads", required_argument, NULL, A_THREADS },
                { "interval-us", required_argument, NULL, A_INTERVAL },
                { "seccompd", required_argument, NULL, A_SECCOMPD },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        unsigned long v;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case A_ROUNDS:
                        if (bench_env_parse_ulong(optarg, 1, MAX_ROUNDS, &v) < 0)
                                goto bad;
                        o->rounds = (unsigned) v;
                        break;
                case A_CALLS:
                        if (bench_env_parse_ulong(optarg, 100, MAX_CALLS, &o->calls) < 0)
                                goto bad;
                        break;
                case A_THREADS:
                        if (bench_env_parse_ulong(optarg, 1, MAX_THREADS, &v) < 0)
                                goto bad;
                        o->threads = (unsigned) v;
                        break;
                case A_INTERVAL:
                        if (bench_env_parse_ulong(optarg, 0, 1000000, &v) < 0)
                                goto bad;
                        o->interval_us = (unsigned) v;
                        break;
                case A_SECCOMPD:
                        o->seccompd = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "bench-flood: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
bad:
        fprintf(stderr, "bench-flood: invalid value '%s' (see --help)\n", optarg);
        return -EINVAL;
}

static void bench_done(struct bench *b)
{
        if (b->flood_calls)
                munmap((void *) b->flood_calls, sizeof(*b->flood_calls));
        bench_env_done(&b->env);
}

static int bench_init(struct bench *b)
{
        void *m;
        int r;

        r = bench_trap_alarm_init();
        if (r < 0)
                return r;
        m = mmap(NULL, sizeof(*b->flood_calls), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
                return -errno;
        b->flood_calls = m;
        r = bench_env_init(&b->env);
        if (r < 0)
                return r;
        return bench_env_path(&b->env, "never-made", b->node, sizeof(b->node));
}

int main(int argc, char **argv)
{
        _cleanup_(bench_done) struct bench b = BENCH_NULL;
        struct options o = { .rounds = 5, .calls = 2000, .threads = 4, .interval_us = 500,
                             .seccompd = getenv("SECCOMPD") };
        struct quiet_result res[MAX_ROUNDS][_PHASE_MAX];
        double rate[MAX_ROUNDS];
        char label[16];
        int r;

        if (!o.seccompd || !o.seccompd[0])
                o.seccompd = BENCH_SECCOMPD;
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (geteuid() != 0) {
                fprintf(stderr, "bench-flood: skipped: needs root (seccompd takes listeners from root only)\n");
                return BENCH_EXIT_SKIP;
        }
        r = bench_init(&b);
        if (r < 0) {
                fprintf(stderr, "bench-flood: setting up: %s\n", strerror(-r));
                return 1;
        }
        if (bench_env_daemon_start(&b.env, o.seccompd) < 0)
                return 1;
        print_header(&o);
        for (unsigned i = 0; i < o.rounds; i++) {
                if (run_round(&b, &o, i + 1, res[i], &rate[i]) < 0)
                        return 1;
                snprintf(label, sizeof(label), "%u", i + 1);
                print_row(label, res[i], res[i][PHASE_FLOOD].p99 / res[i][PHASE_ALONE].p99, rate[i]);
                fflush(stdout);
        }
        print_summary(res, rate, o.rounds);
        return bench_env_daemon_stop(&b.env) < 0 ? 1 : 0;
}
