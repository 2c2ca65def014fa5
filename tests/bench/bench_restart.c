/* bench-restart: how long containers wait when seccompd is killed and started
 * again (docs/survival.md). N processes, each under its own filter trapping
 * mknodat with its listener handed to seccompd as runc does, each block in a
 * trapped call while the daemon is down; the bench then starts the daemon and
 * times, from that exec, the first and the last call answered (every
 * container supervised again), and reads the daemon's own restore time. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/macro.h"
#include "shim/oci_send.h"
#include "tests/bench/bench_env.h"
#include "tests/bench/bench_median.h"

#ifndef BENCH_SECCOMPD
#define BENCH_SECCOMPD "seccompd"
#endif

#define MAX_CONTAINERS 1000
#define MAX_ROUNDS 99

struct child {
        pid_t pid;
        int go;        /* write a byte: make one trapped call */
};

struct bench {
        struct bench_env env;
        unsigned n;
        struct child children[MAX_CONTAINERS];
        uint64_t *done_ns;      /* shared: when each child's last call returned */
        int results;            /* read: one byte per call, 0 when it was answered EPERM */
};

static int install_filter(void)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r, fd;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mknodat), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        fd = r == 0 ? seccomp_notify_fd(ctx) : -EBADF;
        seccomp_release(ctx);
        return r < 0 ? r : fd < 0 ? -EBADF : fd;
}

static int register_self(const struct bench *b, unsigned i)
{
        _cleanup_close_ int sock = oci_send_connect(b->env.sock, false), listener = -EBADF;
        char msg[4096], ack[512], id[64];
        int len, r;

        if (sock < 0)
                return sock;
        listener = install_filter();
        if (listener < 0)
                return listener;
        snprintf(id, sizeof(id), "bench-restart-%u", i);
        len = oci_send_format_state(msg, sizeof(msg), getpid(), id, "policy=default", b->env.dir, false);
        if (len < 0)
                return len;
        r = oci_send(sock, msg, (size_t) len, listener, 1);
        if (r >= 0)
                r = oci_send_read_ack(sock, ack, sizeof(ack), BENCH_ENV_TIMEOUT_MS);
        return r < 0 ? r : strncmp(ack, "ok ", 3) == 0 ? 0 : -EPROTO;
}

/* A block device: refused (EPERM) by the default policy. */
static char call_once(const struct bench *b)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/never-made", b->env.dir);
        return mknodat(AT_FDCWD, path, S_IFBLK | 0600, makedev(8, 0)) < 0 && errno == EPERM ? 0 : 1;
}

_Noreturn static void child_run(struct bench *b, unsigned i, int go, int results)
{
        char byte;

        byte = register_self(b, i) < 0 ? 2 : call_once(b);
        if (write(results, &byte, 1) != 1 || byte != 0)
                _exit(3);
        while (read(go, &byte, 1) == 1) {
                byte = call_once(b);
                b->done_ns[i] = bench_env_now_ns();
                if (write(results, &byte, 1) != 1)
                        _exit(3);
        }
        _exit(0);
}

/* Reads one result byte per child; -EPROTO if any call was not answered EPERM. */
static int collect(struct bench *b, uint64_t deadline)
{
        unsigned got = 0, bad = 0;
        char buf[MAX_CONTAINERS];

        while (got < b->n) {
                int r = bench_env_wait_readable(&b->env, b->results, deadline);
                ssize_t n;

                if (r < 0)
                        return r;
                n = read(b->results, buf, b->n - got);
                if (n <= 0)
                        return n < 0 ? -errno : -EPIPE;
                for (ssize_t k = 0; k < n; k++)
                        bad += buf[k] != 0;
                got += (unsigned) n;
        }
        return bad ? -EPROTO : 0;
}

static int start_children(struct bench *b)
{
        int res[2];

        if (pipe2(res, O_CLOEXEC) < 0)
                return -errno;
        b->results = res[0];
        for (unsigned i = 0; i < b->n; i++) {
                int go[2];
                pid_t pid;

                if (pipe2(go, O_CLOEXEC) < 0)
                        return -errno;
                pid = bench_env_fork(&b->env, SIGKILL);
                if (pid < 0)
                        return pid;
                if (pid == 0) {
                        close(go[1]);
                        child_run(b, i, go[0], res[1]);
                }
                close(go[0]);
                b->children[i] = (struct child) { .pid = pid, .go = go[1] };
        }
        close(res[1]);
        return collect(b, bench_env_deadline_ms(30000));
}

/* The daemon's "restore: ... back in X ms", or -1. */
static double restore_ms(const struct bench *b)
{
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        double ms = -1;
        FILE *f = fopen(b->env.log, "re");

        if (!f)
                return -1;
        while (getline(&line, &cap, f) > 0) {
                const char *p = strstr(line, " back in ");

                if (strstr(line, "restore: ") && p)
                        ms = strtod(p + 9, NULL);
        }
        fclose(f);
        return ms;
}

static int round_once(struct bench *b, const char *seccompd, double *first_ms, double *all_ms, double *restore)
{
        uint64_t t0, first = UINT64_MAX, last = 0;
        int status, r;

        (void) kill(b->env.daemon, SIGKILL);
        (void) waitpid(b->env.daemon, &status, 0);
        b->env.daemon = 0;
        /* Every container calls while no daemon runs: the calls wait in the kernel. */
        for (unsigned i = 0; i < b->n; i++)
                if (write(b->children[i].go, "g", 1) != 1)
                        return -errno;
        usleep(50000);
        t0 = bench_env_now_ns();
        r = bench_env_daemon_start(&b->env, seccompd);
        if (r >= 0)
                r = collect(b, bench_env_deadline_ms(30000));
        if (r < 0)
                return r;
        for (unsigned i = 0; i < b->n; i++) {
                first = b->done_ns[i] < first ? b->done_ns[i] : first;
                last = b->done_ns[i] > last ? b->done_ns[i] : last;
        }
        *first_ms = (double) (first - t0) / 1e6;
        *all_ms = (double) (last - t0) / 1e6;
        *restore = restore_ms(b);
        return 0;
}

static void bench_done(struct bench *b)
{
        for (unsigned i = 0; i < b->n; i++)
                safe_close(b->children[i].go); /* EOF: each child exits */
        bench_env_done(&b->env);
        for (unsigned i = 0; i < b->n; i++)
                if (b->children[i].pid > 0)
                        (void) waitpid(b->children[i].pid, NULL, 0);
}

static int parse_argv(int argc, char **argv, const char **seccompd, unsigned *n, unsigned *rounds)
{
        static const struct option options[] = {
                { "seccompd", required_argument, NULL, 's' },
                { "containers", required_argument, NULL, 'n' },
                { "rounds", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "s:n:r:h", options, NULL)) >= 0) {
                if (c == 's')
                        *seccompd = optarg;
                else if (c == 'n' && atoi(optarg) > 0 && atoi(optarg) <= MAX_CONTAINERS)
                        *n = (unsigned) atoi(optarg);
                else if (c == 'r' && atoi(optarg) > 0 && atoi(optarg) <= MAX_ROUNDS)
                        *rounds = (unsigned) atoi(optarg);
                else {
                        printf("Usage: bench-restart [--seccompd PATH] [--containers N (1-%d)] [--rounds R (1-%d)]\n",
                               MAX_CONTAINERS, MAX_ROUNDS);
                        return c == 'h' ? 0 : -EINVAL;
                }
        }
        return 1;
}

int main(int argc, char **argv)
{
        _cleanup_(bench_done) struct bench b = { .env = BENCH_ENV_NULL, .results = -EBADF };
        const char *seccompd = BENCH_SECCOMPD;
        double first[MAX_ROUNDS], all[MAX_ROUNDS], restore[MAX_ROUNDS];
        unsigned rounds = 5;
        int r;

        b.n = 100;
        r = parse_argv(argc, argv, &seccompd, &b.n, &rounds);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (geteuid() != 0) {
                fprintf(stderr, "bench-restart: skipped: needs root\n");
                return BENCH_EXIT_SKIP;
        }
        b.done_ns = mmap(NULL, MAX_CONTAINERS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0);
        if (b.done_ns == MAP_FAILED || bench_env_init(&b.env) < 0 || bench_env_daemon_start(&b.env, seccompd) < 0)
                return 1;
        r = start_children(&b);
        if (r < 0) {
                fprintf(stderr, "bench-restart: starting %u containers: %s\n", b.n, strerror(-r));
                return 1;
        }
        printf("bench-restart: %u containers, each blocked in a trapped call while seccompd is down;\n"
               "times from the exec of the new seccompd, ms\n%-6s %12s %14s %12s\n",
               b.n, "round", "first answer", "all answered", "restore");
        for (unsigned i = 0; i < rounds; i++) {
                r = round_once(&b, seccompd, &first[i], &all[i], &restore[i]);
                if (r < 0) {
                        fprintf(stderr, "bench-restart: round %u: %s\n", i + 1, strerror(-r));
                        return 1;
                }
                printf("%-6u %12.1f %14.1f %12.1f\n", i + 1, first[i], all[i], restore[i]);
        }
        printf("%-6s %12.1f %14.1f %12.1f\n", "median", bench_median(first, rounds), bench_median(all, rounds),
               bench_median(restore, rounds));
        return bench_env_daemon_stop(&b.env) < 0 ? 1 : 0;
}
