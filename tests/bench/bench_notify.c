/* bench-notify: microseconds per trapped syscall, seccompd against the kernel's
 * floor. A child traps mknodat (SECCOMP_RET_USER_NOTIF) and times N calls answered
 * EPERM, either by a bare RECV/SEND loop here ("raw") or by a real seccompd; and
 * ("inject") traps openat and times N brokered opens of one file (inject
 * requested: seccompd opens it and installs the fd with ADDFD), each fd closed
 * by the caller. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <seccomp.h>

#include "common/macro.h"
#include "tests/bench/bench_env.h"
#include "tests/bench/bench_median.h"
#include "tests/bench/bench_trap.h"
#include "shim/oci_send.h"

#ifndef BENCH_SECCOMPD
#define BENCH_SECCOMPD "seccompd"
#endif

#define MAX_ROUNDS 99
#define WARMUP_CALLS 200

/* bpf-host: the same load made directly by root, no filter: the kernel's own
 * cost of loading, which the emulated load includes. */
enum mode { MODE_RAW, MODE_SECCOMPD, MODE_INJECT, MODE_BPF, MODE_BPF_HOST, _MODE_MAX };

static const char *const mode_names[_MODE_MAX] = {
        [MODE_RAW] = "raw",
        [MODE_SECCOMPD] = "seccompd",
        [MODE_INJECT] = "inject",
        [MODE_BPF] = "bpf",
        [MODE_BPF_HOST] = "bpf-host",
};

#define BROKERED_TEXT "brokered by seccompd\n"

struct options {
        unsigned rounds;
        unsigned long calls;
        const char *seccompd;
};

struct bench {
        struct bench_env env;
        char node[128];     /* the path every trapped mknodat names; never made */
        char brokered[128]; /* the file every trapped openat opens, through seccompd */
};

#define BENCH_NULL { .env = BENCH_ENV_NULL }

/* -------------------------------------------------------- the trapped child */

/* The one syscall each mode traps. */
static int trapped_syscall(enum mode mode)
{
        return mode == MODE_INJECT ? SCMP_SYS(openat) : mode == MODE_BPF ? SCMP_SYS(bpf) : SCMP_SYS(mknodat);
}

/* A block device 8:0: refused by any sane policy, and by both answerers here. 0 when
 * the call succeeded, else -errno. */
static int trapped_call(const char *path)
{
        if (mknodat(AT_FDCWD, path, S_IFBLK | 0600, makedev(8, 0)) < 0)
                return -errno;
        return 0;
}

static int call_expect_eperm(const char *who, const char *path, unsigned long i)
{
        int r = trapped_call(path);
        const char *name;

        if (r == -EPERM)
                return 0;
        if (r == 0) {
                fprintf(stderr, "bench-notify: %s: call %lu succeeded instead of failing with EPERM\n", who, i);
                return -EPROTO;
        }
        name = strerrorname_np(-r);
        fprintf(stderr, "bench-notify: %s: call %lu failed with %s instead of EPERM\n", who, i,
                name ? name : strerror(-r));
        return -EPROTO;
}

/* A brokered open: an fd for the file (checked by size on the first call), closed at once. */
static int call_expect_fd(const char *path, unsigned long i)
{
        int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        const char *name;

        if (fd < 0) {
                name = strerrorname_np(errno);
                fprintf(stderr, "bench-notify: inject: call %lu failed with %s instead of returning an fd\n", i,
                        name ? name : strerror(errno));
                return -EPROTO;
        }
        if (i == 0 && (fstat(fd, &st) < 0 || st.st_size != (off_t) strlen(BROKERED_TEXT))) {
                fprintf(stderr, "bench-notify: inject: the fd is not the brokered file\n");
                close(fd);
                return -EPROTO;
        }
        close(fd);
        return 0;
}

/* An emulated BPF_PROG_LOAD of the smallest device program (allow everything):
 * the fd seccompd installs, closed at once. */
static int call_expect_prog(unsigned long i)
{
        static const struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        union bpf_attr a = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insn_cnt = ARRAY_SIZE(insns),
                .insns = (uintptr_t) insns,
                .license = (uintptr_t) "GPL",
        };
        int fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
        const char *name;

        if (fd < 0) {
                name = strerrorname_np(errno);
                fprintf(stderr, "bench-notify: bpf: load %lu failed with %s\n", i, name ? name : strerror(errno));
                return -EPROTO;
        }
        close(fd);
        return 0;
}

static int one_call(const struct bench *b, enum mode mode, unsigned long i)
{
        if (mode == MODE_INJECT)
                return call_expect_fd(b->brokered, i);
        if (mode == MODE_BPF || mode == MODE_BPF_HOST)
                return call_expect_prog(i);
        return call_expect_eperm(mode_names[mode], b->node, i);
}

/* Warms up, then times |n| calls; every one must fail with EPERM (or, for
 * inject, return an fd). */
static int timed_calls(const struct bench *b, enum mode mode, unsigned long n, uint64_t *ret_ns)
{
        uint64_t start;

        for (unsigned long i = 0; i < WARMUP_CALLS; i++)
                if (one_call(b, mode, i) < 0)
                        return -EPROTO;
        start = bench_env_now_ns();
        for (unsigned long i = 0; i < n; i++)
                if (one_call(b, mode, WARMUP_CALLS + i) < 0)
                        return -EPROTO;
        *ret_ns = bench_env_now_ns() - start;
        return 0;
}

/* Gives the listener to |sock|'s peer: ourselves (raw) or seccompd. */
static int hand_over(const struct bench *b, enum mode mode, const char *id, int sock)
{
        _cleanup_close_ int daemon_sock = -EBADF, listener = -EBADF;

        if (mode != MODE_RAW) {
                /* Connect first: a refused connection is then reported before anything is trapped. */
                daemon_sock = oci_send_connect(b->env.sock, false);
                if (daemon_sock < 0)
                        return daemon_sock;
        }
        listener = bench_trap_install(trapped_syscall(mode));
        if (listener < 0)
                return listener;
        if (mode == MODE_RAW)
                return bench_trap_send_listener(sock, listener);
        return bench_trap_register(&b->env, daemon_sock, id,
                                   mode == MODE_INJECT ? "policy=bench-inject"
                                   : mode == MODE_BPF  ? "policy=bench-bpf"
                                                       : "policy=default",
                                   listener);
}

/* What a round's trapped child is told. */
struct child_args {
        const struct bench *b;
        enum mode mode;
        const char *id;
        unsigned long calls;
};

_Noreturn static void child_run(void *arg, int sock)
{
        const struct child_args *a = arg;
        const struct bench *b = a->b;
        enum mode mode = a->mode;
        uint64_t ns;
        int r;

        r = hand_over(b, mode, a->id, sock);
        if (r < 0) {
                fprintf(stderr, "bench-notify: %s child: handing over the listener: %s\n", mode_names[mode],
                        strerror(-r));
                _exit(3);
        }
        if (timed_calls(b, mode, a->calls, &ns) < 0)
                _exit(4);
        _exit(send(sock, &ns, sizeof(ns), MSG_NOSIGNAL) == (ssize_t) sizeof(ns) ? 0 : 5);
}

/* One round of one mode: µs per call in *ret_us. Prints why it failed. */
static int run_round(struct bench *b, enum mode mode, unsigned round, unsigned long calls, double *ret_us)
{
        _cleanup_(bench_trap_child_done) struct bench_trap_child c = BENCH_TRAP_CHILD_NULL;
        _cleanup_close_ int listener = -EBADF;
        /* Generous: 500 µs a call on top of a fixed allowance. */
        uint64_t deadline = bench_env_deadline_ms(40000 + (WARMUP_CALLS + calls) / 2);
        uint64_t ns = 0;
        char id[64];
        int r;

        if (mode == MODE_BPF_HOST) {
                r = timed_calls(b, mode, calls, &ns);
                *ret_us = (double) ns / 1000.0 / (double) calls;
                return r;
        }
        snprintf(id, sizeof(id), "bench-notify-%d-%u", (int) getpid(), round);
        r = bench_trap_child_start(&b->env, child_run,
                                   &(struct child_args) { .b = b, .mode = mode, .id = id, .calls = calls }, &c);
        if (r >= 0 && mode == MODE_RAW) {
                listener = bench_trap_recv_listener(&b->env, c.sock, deadline);
                r = listener < 0 ? listener : bench_trap_serve_raw(&b->env, listener, WARMUP_CALLS + calls, deadline);
        }
        if (r >= 0)
                r = bench_trap_child_read(&b->env, &c, &ns, sizeof(ns), true, deadline);
        if (r >= 0 && mode != MODE_RAW)
                r = bench_env_daemon_check(&b->env);
        if (r < 0) {
                fprintf(stderr, "bench-notify: round %u (%s) failed: %s\n", round, mode_names[mode], bench_env_why(r));
                /* Whether the daemon is why. */
                if (b->env.daemon > 0)
                        (void) bench_env_daemon_check(&b->env);
                return r;
        }
        *ret_us = (double) ns / 1000.0 / (double) calls;
        return 0;
}

/* -------------------------------------------------------------- the report */

static void print_header(const struct options *o)
{
        struct utsname u;

        if (uname(&u) < 0)
                snprintf(u.release, sizeof(u.release), "?");
        printf("bench-notify: %u rounds x %lu trapped calls per mode (+%d warm-up)\n"
               "  raw       mknodat answered EPERM by a bare blocking RECV/SEND loop (the kernel's floor)\n"
               "  seccompd  mknodat answered EPERM by %s, policy \"default\",\n"
               "            OCI listenerPath intake\n"
               "  inject    openat of one file brokered by that seccompd (inject requested, root: host):\n"
               "            read the path, evaluate, open, ADDFD+SEND; the caller closes each fd\n"
               "  bpf       BPF_PROG_LOAD of a 2-instruction cgroup device program emulated by that\n"
               "            seccompd (emulate bpf): read attr and insns, verify and load on the host,\n"
               "            ADDFD+SEND; the caller closes each fd\n"
               "  bpf-host  the same load by root directly (no filter): the kernel's own cost\n"
               "  Linux %s, %ld CPUs online, nothing pinned; times are the trapped caller's\n\n"
               "round  first      raw us/call  seccompd us/call  ratio  inject us/call  ratio  bpf us/call  ratio  bpf-host us/call\n",
               o->rounds, o->calls, WARMUP_CALLS, o->seccompd, u.release, sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_row(const char *label, const char *first, const double *us)
{
        printf("%-5s  %-9s  %11.2f  %16.2f  %5.2f  %13.2f  %5.2f  %10.2f  %5.2f  %15.2f\n", label, first,
               us[MODE_RAW], us[MODE_SECCOMPD], us[MODE_SECCOMPD] / us[MODE_RAW], us[MODE_INJECT],
               us[MODE_INJECT] / us[MODE_RAW], us[MODE_BPF], us[MODE_BPF] / us[MODE_RAW], us[MODE_BPF_HOST]);
}

static void print_summary(double us[][_MODE_MAX], unsigned n)
{
        double v[MAX_ROUNDS], med[_MODE_MAX];

        for (int m = 0; m < _MODE_MAX; m++) {
                for (unsigned i = 0; i < n; i++)
                        v[i] = us[i][m];
                med[m] = bench_median(v, n);
        }
        print_row("med.", "", med);
        printf("\nmedian raw %.1f us/call, seccompd %.1f us/call, ratio %.2f\n", med[MODE_RAW], med[MODE_SECCOMPD],
               med[MODE_SECCOMPD] / med[MODE_RAW]);
        printf("median injected open %.1f us/call, ratio %.2f to raw\n", med[MODE_INJECT],
               med[MODE_INJECT] / med[MODE_RAW]);
        printf("median emulated BPF_PROG_LOAD %.1f us/call, ratio %.2f to raw; the same load by root "
               "directly %.1f us (seccompd adds %.1f us)\n",
               med[MODE_BPF], med[MODE_BPF] / med[MODE_RAW], med[MODE_BPF_HOST], med[MODE_BPF] - med[MODE_BPF_HOST]);
}

/* Every mode once, the first one rotating from round to round; prints the row. */
static int run_modes(struct bench *b, const struct options *o, unsigned round, double *us)
{
        enum mode first = (enum mode) (round % _MODE_MAX);
        char label[16];
        int r;

        for (int k = 0; k < _MODE_MAX; k++) {
                enum mode m = (enum mode) ((first + k) % _MODE_MAX);

                r = run_round(b, m, round, o->calls, &us[m]);
                if (r < 0)
                        return r;
        }
        snprintf(label, sizeof(label), "%u", round);
        print_row(label, mode_names[first], us);
        fflush(stdout);
        return 0;
}

/* ---------------------------------------------------------------- options */

static void help(void)
{
        printf("Usage: bench-notify [OPTIONS]\n"
               "Microseconds per trapped syscall: seccompd against a bare RECV/SEND loop, and\n"
               "per brokered open (inject requested) and per emulated BPF_PROG_LOAD.\n"
               "Root only: starts its own seccompd on private sockets.\n\n"
               "  --rounds N      rounds, each running every mode, the first rotating (default 7)\n"
               "  --calls N       timed calls per round and mode (default 20000)\n"
               "  --seccompd PATH the daemon (default $SECCOMPD, else %s)\n"
               "  -h, --help      show this help\n",
               BENCH_SECCOMPD);
}

/* 1 to run, 0 to exit successfully (help), -EINVAL on bad usage (printed). */
static int parse_argv(int argc, char **argv, struct options *o)
{
        enum { A_ROUNDS = 0x100, A_CALLS, A_SECCOMPD };
        static const struct option options[] = {
                { "rounds", required_argument, NULL, A_ROUNDS },
                { "calls", required_argument, NULL, A_CALLS },
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
                        if (bench_env_parse_ulong(optarg, 1, 100000000, &o->calls) < 0)
                                goto bad;
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
                fprintf(stderr, "bench-notify: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
bad:
        fprintf(stderr, "bench-notify: invalid value '%s' (see --help)\n", optarg);
        return -EINVAL;
}

static void bench_done(struct bench *b)
{
        bench_env_done(&b->env);
}

/* The inject mode's policy: the brokered file's opens, and nothing else. */
static int write_inject_policy(const struct bench *b)
{
        char text[1024];

        if ((size_t) snprintf(text, sizeof(text),
                              "name: bench-inject\n"
                              "description: brokered opens for bench-notify\n"
                              "default: continue\n"
                              "rules:\n"
                              "  - syscalls: [openat]\n"
                              "    match: {path: [\"%s\"]}\n"
                              "    action: {inject: requested, root: host}\n",
                              b->brokered) >= sizeof(text))
                return -ENAMETOOLONG;
        return bench_env_write(&b->env, "policies/bench-inject.yaml", text);
}

static int bench_init(struct bench *b)
{
        int r;

        r = bench_trap_alarm_init();
        if (r < 0)
                return r;
        r = bench_env_init(&b->env);
        if (r < 0)
                return r;
        r = bench_env_path(&b->env, "never-made", b->node, sizeof(b->node));
        if (r < 0)
                return r;
        r = bench_env_path(&b->env, "brokered", b->brokered, sizeof(b->brokered));
        if (r < 0)
                return r;
        r = bench_env_write(&b->env, "brokered", BROKERED_TEXT);
        if (r == 0)
                r = write_inject_policy(b);
        return r < 0 ? r : bench_env_write(&b->env, "policies/bench-bpf.yaml",
                                           "name: bench-bpf\n"
                                           "description: emulated device program loads for bench-notify\n"
                                           "default: continue\n"
                                           "rules:\n"
                                           "  - syscalls: bpf\n"
                                           "    match: {cmd: BPF_PROG_LOAD}\n"
                                           "    action: emulate bpf\n");
}

int main(int argc, char **argv)
{
        _cleanup_(bench_done) struct bench b = BENCH_NULL;
        struct options o = { .rounds = 7, .calls = 20000, .seccompd = getenv("SECCOMPD") };
        double us[MAX_ROUNDS][_MODE_MAX];
        int r;

        if (!o.seccompd || !o.seccompd[0])
                o.seccompd = BENCH_SECCOMPD;
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (geteuid() != 0) {
                fprintf(stderr, "bench-notify: skipped: needs root (seccompd takes listeners from root only)\n");
                return BENCH_EXIT_SKIP;
        }
        r = bench_init(&b);
        if (r < 0) {
                fprintf(stderr, "bench-notify: setting up: %s\n", strerror(-r));
                return 1;
        }
        if (bench_env_daemon_start(&b.env, o.seccompd) < 0)
                return 1;
        print_header(&o);
        for (unsigned i = 0; i < o.rounds; i++)
                if (run_modes(&b, &o, i + 1, us[i]) < 0)
                        return 1;
        print_summary(us, o.rounds);
        return bench_env_daemon_stop(&b.env) < 0 ? 1 : 0;
}
