/* bench-nshelper: microseconds per emulated mount-namespace operation, through
 * the per-container namespace helper (one round trip over its socketpair)
 * against a fork per call (fork, setns into the container's mount namespace,
 * the operation, exit, waitpid). The "container" is a process in a mount
 * namespace of its own. Operations: a no-op (NSHELPER_PING), and a tmpfs mount
 * then its umount (two calls). Rounds of N calls; prints each round, the
 * medians and the ratio. Root only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/nshelper.h"
#include "tests/bench/bench_median.h"

#define REPLY_TIMEOUT_MS 10000

enum op { OP_PING, OP_MOUNT, _OP_MAX };
enum mode { MODE_HELPER, MODE_FORK, _MODE_MAX };

static const char *const op_names[_OP_MAX] = { "ping", "mount+umount" };

struct bench {
        pid_t box;          /* the "container" */
        int box_pidfd;
        int box_hold;       /* closing it ends the box */
        char dir[64];       /* mount point (exists in both namespaces) */
        char parent[64];
        const char *name;   /* last component of dir */
        struct nshelper *helper;
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int box_start(struct bench *b)
{
        int ready[2], hold[2];
        char c;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0)
                return -errno;
        b->box = fork();
        if (b->box < 0)
                return -errno;
        if (b->box == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    write(ready[1], "x", 1) != 1)
                        _exit(1);
                close(hold[1]);
                (void) read(hold[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(hold[0]);
        b->box_hold = hold[1];
        if (read(ready[0], &c, 1) != 1)
                return -ECHILD;
        close(ready[0]);
        b->box_pidfd = (int) syscall(SYS_pidfd_open, b->box, 0);
        return b->box_pidfd < 0 ? -errno : 0;
}

/* O_PATH fd of |path| in the box's mount namespace, as the daemon resolves it. */
static int box_open(const struct bench *b, const char *path)
{
        char p[PATH_MAX];
        int fd;

        snprintf(p, sizeof(p), "/proc/%d/root%s", (int) b->box, path);
        fd = open(p, O_PATH | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static void mount_request(struct nshelper_request *req)
{
        memset(req, 0, sizeof(*req));
        req->opcode = NSHELPER_MOUNT_FS;
        snprintf(req->fstype, sizeof(req->fstype), "tmpfs");
        snprintf(req->source, sizeof(req->source), "none");
        snprintf(req->data, sizeof(req->data), "size=1m");
}

static void umount_request(const struct bench *b, struct nshelper_request *req)
{
        memset(req, 0, sizeof(*req));
        req->opcode = NSHELPER_UMOUNT;
        snprintf(req->source, sizeof(req->source), "%s", b->name);
}

/* One helper round trip: 0, or the -errno the helper (or the socket) gave. */
static int helper_call(struct bench *b, struct nshelper_request *req, int fd)
{
        struct pollfd p = { .fd = nshelper_fd(b->helper), .events = POLLIN };
        struct nshelper_reply rep;
        int r;

        req->n_fds = fd >= 0 ? 1 : 0;
        r = nshelper_submit(b->helper, req, &fd, req->n_fds);
        if (r < 0)
                return r;
        if (poll(&p, 1, REPLY_TIMEOUT_MS) != 1)
                return -ETIMEDOUT;
        r = nshelper_read_reply(b->helper, &rep);
        return r < 0 ? r : rep.result;
}

/* Mount, then unmount, through the helper. */
static int helper_mount(struct bench *b)
{
        struct nshelper_request req;
        _cleanup_close_ int target = box_open(b, b->dir), parent = box_open(b, b->parent);
        int r;

        if (target < 0 || parent < 0)
                return target < 0 ? target : parent;
        mount_request(&req);
        r = helper_call(b, &req, target);
        target = safe_close(target);
        if (r < 0)
                return r;
        umount_request(b, &req);
        return helper_call(b, &req, parent);
}

/* What one forked process per call runs in the child: the same code the helper
 * runs, after the same set-up (the mount namespace, the jail). */
static int child_op(const struct bench *b, enum op op, bool unmount, int fd)
{
        struct nshelper_request req;
        struct mount_helper mh;
        int r;

        if (setns(b->box_pidfd, CLONE_NEWNS) < 0)
                return -errno;
        if (op == OP_PING)
                return 0;
        r = mount_helper_init(&mh);
        if (r < 0)
                return r;
        if (unmount) {
                /* A fresh process did not make the mount: unmount by name directly. */
                if (fchdir(fd) < 0 || umount2(b->name, UMOUNT_NOFOLLOW) < 0)
                        return -errno;
                return 0;
        }
        mount_request(&req);
        req.n_fds = 1;
        return mount_perform(&mh, &req, &fd, 1);
}

static int fork_call(const struct bench *b, enum op op, bool unmount, int fd)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(child_op(b, op, unmount, fd) < 0 ? 1 : 0);
        if (waitpid(pid, &status, 0) != pid)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int fork_mount(const struct bench *b)
{
        _cleanup_close_ int target = box_open(b, b->dir), parent = box_open(b, b->parent);
        int r;

        if (target < 0 || parent < 0)
                return target < 0 ? target : parent;
        r = fork_call(b, OP_MOUNT, false, target);
        target = safe_close(target);
        return r < 0 ? r : fork_call(b, OP_MOUNT, true, parent);
}

static int one(struct bench *b, enum mode m, enum op op)
{
        struct nshelper_request req;

        if (m == MODE_FORK)
                return op == OP_PING ? fork_call(b, OP_PING, false, -EBADF) : fork_mount(b);
        if (op == OP_MOUNT)
                return helper_mount(b);
        memset(&req, 0, sizeof(req));
        req.opcode = NSHELPER_PING;
        return helper_call(b, &req, -EBADF);
}

/* Microseconds per call (a mount+umount pair counts as two calls). */
static int measure(struct bench *b, enum mode m, enum op op, unsigned long n, double *ret_us)
{
        uint64_t start = now_ns();
        int r;

        for (unsigned long i = 0; i < n; i++) {
                r = one(b, m, op);
                if (r < 0) {
                        fprintf(stderr, "bench-nshelper: %s %s call %lu: %s\n", m == MODE_FORK ? "fork" : "helper",
                                op_names[op], i, strerror(-r));
                        return r;
                }
        }
        *ret_us = (double) (now_ns() - start) / 1000.0 / (double) (n * (op == OP_MOUNT ? 2 : 1));
        return 0;
}

static int run(struct bench *b, unsigned rounds, unsigned long calls)
{
        double us[_OP_MAX][_MODE_MAX][64];
        int r;

        printf("bench-nshelper: %u rounds x %lu calls per operation; us per call (mount+umount: per call of the two)\n"
               "op            round  helper us  fork us  ratio\n",
               rounds, calls);
        for (unsigned i = 0; i < rounds; i++)
                for (int op = 0; op < _OP_MAX; op++) {
                        for (int m = 0; m < _MODE_MAX; m++) {
                                r = measure(b, (enum mode) m, (enum op) op, calls, &us[op][m][i]);
                                if (r < 0)
                                        return r;
                        }
                        printf("%-12s  %5u  %9.1f  %7.1f  %5.1f\n", op_names[op], i + 1, us[op][MODE_HELPER][i],
                               us[op][MODE_FORK][i], us[op][MODE_FORK][i] / us[op][MODE_HELPER][i]);
                }
        printf("\n");
        for (int op = 0; op < _OP_MAX; op++) {
                double h = bench_median(us[op][MODE_HELPER], rounds), f = bench_median(us[op][MODE_FORK], rounds);

                printf("median %-12s helper %.1f us/call, fork per call %.1f us/call, ratio %.1f\n", op_names[op], h, f,
                       f / h);
        }
        return 0;
}

static int setup(struct bench *b)
{
        int r;

        snprintf(b->dir, sizeof(b->dir), "/tmp/bench-nshelper-XXXXXX");
        if (!mkdtemp(b->dir))
                return -errno;
        snprintf(b->parent, sizeof(b->parent), "/tmp");
        b->name = b->dir + strlen("/tmp/");
        r = box_start(b);
        if (r < 0)
                return r;
        return nshelper_start(b->box_pidfd, &b->helper);
}

static void teardown(struct bench *b)
{
        b->helper = nshelper_free(b->helper);
        if (b->box > 0) {
                b->box_hold = safe_close(b->box_hold);
                (void) waitpid(b->box, NULL, 0);
        }
        b->box_pidfd = safe_close(b->box_pidfd);
        if (b->dir[0])
                (void) rmdir(b->dir);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v == 0 || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "rounds", required_argument, NULL, 'r' },
                { "calls", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct bench b = { .box_pidfd = -EBADF, .box_hold = -EBADF };
        unsigned long rounds = 5, calls = 500;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("Usage: bench-nshelper [--rounds N (<= 64)] [--calls N]\n");
                        return 0;
                }
                if ((c == 'r' && parse_ulong(optarg, 64, &rounds) < 0) ||
                    (c == 'n' && parse_ulong(optarg, 1000000, &calls) < 0) || (c != 'r' && c != 'n')) {
                        fprintf(stderr, "bench-nshelper: bad option (see --help)\n");
                        return 2;
                }
        }
        if (geteuid() != 0) {
                fprintf(stderr, "bench-nshelper: skipped: needs root (setns, mounts)\n");
                return 77;
        }
        r = setup(&b);
        if (r < 0)
                fprintf(stderr, "bench-nshelper: setting up: %s\n", strerror(-r));
        else
                r = run(&b, (unsigned) rounds, calls);
        teardown(&b);
        return r < 0 ? 1 : 0;
}
