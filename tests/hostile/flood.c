/* sc-flood: makes one trapped call over and over from several threads and
 * reports what came back. A flooder (tight loops for a while) or a quiet caller
 * (a call every few milliseconds, each one timed). Prints one "KEY VALUE" line
 * each: calls, the count of each outcome ("ok" or an errno name) and its
 * slowest call (NAME_max_us), and the latency of one call in µs over all
 * (p50_us, p99_us, max_us). Exit 0, 2 on bad usage,
 * 1 when a thread cannot start. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_SAMPLES 100000 /* latencies kept; calls past it are counted, not timed */
#define MAX_ERRNO 4096

enum op { OP_MKNOD, OP_MOUNT };

struct flood {
        enum op op;
        const char *path;
        unsigned threads;
        uint64_t until_ns;        /* stop once past it (0: count only) */
        unsigned long calls;      /* per thread (0: until until_ns) */
        unsigned interval_us;     /* pause between a thread's calls */
        pthread_barrier_t start;  /* every thread calls first at the same moment */
        atomic_ulong outcomes[MAX_ERRNO]; /* [0]: ok */
        _Atomic uint64_t slowest[MAX_ERRNO]; /* ns, the slowest call with that outcome */
        atomic_ulong n_samples;
        uint64_t samples[MAX_SAMPLES];
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
}

/* 0 or the call's errno. */
static int one_call(const struct flood *f)
{
        int r;

        if (f->op == OP_MOUNT)
                r = mount("none", f->path, "tmpfs", MS_SILENT, NULL);
        else
                r = mknodat(-100 /* AT_FDCWD */, f->path, S_IFCHR | 0600, makedev(1, 3));
        return r < 0 ? errno : 0;
}

static void *thread_main(void *arg)
{
        struct flood *f = arg;

        pthread_barrier_wait(&f->start);
        for (unsigned long i = 0; f->calls ? i < f->calls : now_ns() < f->until_ns; i++) {
                uint64_t t0 = now_ns(), ns, prev;
                int e = one_call(f);
                unsigned long k = atomic_fetch_add(&f->n_samples, 1);

                ns = now_ns() - t0;
                if (k < MAX_SAMPLES)
                        f->samples[k] = ns;
                e = e > 0 && e < MAX_ERRNO ? e : 0;
                atomic_fetch_add(&f->outcomes[e], 1);
                prev = atomic_load(&f->slowest[e]);
                while (ns > prev && !atomic_compare_exchange_weak(&f->slowest[e], &prev, ns))
                        ;
                if (f->interval_us)
                        usleep(f->interval_us);
        }
        return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

static void report(struct flood *f)
{
        unsigned long n = atomic_load(&f->n_samples), kept = n < MAX_SAMPLES ? n : MAX_SAMPLES;

        printf("calls %lu\n", n);
        for (int e = 0; e < MAX_ERRNO; e++) {
                unsigned long c = atomic_load(&f->outcomes[e]);

                const char *name = e == 0 ? "ok" : strerrorname_np(e) ? strerrorname_np(e) : "E?";

                if (c)
                        printf("%s %lu\n%s_max_us %llu\n", name, c, name,
                               (unsigned long long) atomic_load(&f->slowest[e]) / 1000);
        }
        if (kept == 0)
                return;
        qsort(f->samples, kept, sizeof(f->samples[0]), cmp_u64);
        printf("p50_us %llu\np99_us %llu\nmax_us %llu\n", (unsigned long long) f->samples[kept / 2] / 1000,
               (unsigned long long) f->samples[(kept * 99) / 100] / 1000,
               (unsigned long long) f->samples[kept - 1] / 1000);
}

_Noreturn static void usage(void)
{
        fprintf(stderr, "Usage: sc-flood [--threads N] [--seconds S | --calls N] [--interval-ms MS] mknod|mount PATH\n"
                        "  mknod: mknodat(AT_FDCWD, PATH, S_IFCHR|0600, 1:3); mount: tmpfs \"none\" on PATH\n");
        exit(2);
}

static unsigned long number(const char *s, unsigned long max)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max)
                usage();
        return v;
}

int main(int argc, char **argv)
{
        static struct flood f; /* large: off the stack */
        pthread_t tids[MAX_THREADS];
        unsigned long seconds = 0;
        int i;

        f.threads = 1;
        for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (strcmp(argv[i], "--threads") == 0)
                        f.threads = (unsigned) number(argv[i + 1], MAX_THREADS);
                else if (strcmp(argv[i], "--seconds") == 0)
                        seconds = number(argv[i + 1], 3600);
                else if (strcmp(argv[i], "--calls") == 0)
                        f.calls = number(argv[i + 1], 100000000);
                else if (strcmp(argv[i], "--interval-ms") == 0)
                        f.interval_us = (unsigned) number(argv[i + 1], 60000) * 1000;
                else
                        usage();
        }
        if (argc - i != 2 || f.threads == 0 || !seconds == !f.calls)
                usage();
        if (strcmp(argv[i], "mknod") == 0)
                f.op = OP_MKNOD;
        else if (strcmp(argv[i], "mount") == 0)
                f.op = OP_MOUNT;
        else
                usage();
        f.path = argv[i + 1];
        f.until_ns = seconds ? now_ns() + seconds * 1000000000ULL : 0;
        if (pthread_barrier_init(&f.start, NULL, f.threads) != 0)
                return 1;
        for (unsigned t = 0; t < f.threads; t++)
                if (pthread_create(&tids[t], NULL, thread_main, &f) != 0) {
                        fprintf(stderr, "sc-flood: cannot start thread %u\n", t);
                        _exit(1); /* the others wait at the barrier forever */
                }
        for (unsigned t = 0; t < f.threads; t++)
                pthread_join(tids[t], NULL);
        report(&f);
        return 0;
}
