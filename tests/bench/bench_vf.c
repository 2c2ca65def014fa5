/* bench-vf: milliseconds to pass one VF into a container and to give it back,
 * as the daemon does it (devices.c): the pass is a scan of the sysfs tree, the
 * allocation (lock, record written and fsynced), the netdev moved into the
 * container's network namespace under its name (vf_netdev_pass) and the record
 * updated; the release is the netdev taken back under its host name
 * (vf_netdev_reclaim) and the record removed. The VF is a veth in a fake
 * sysfs tree (tests/unit/fake_sysfs.h), the container a process in a network
 * namespace of its own. Prints the medians over N iterations and the rtnetlink
 * round trips each way. Root only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "common/macro.h"
#include "supervisor/devices/sysfs_vf.h"
#include "supervisor/devices/vf_netdev.h"
#include "supervisor/devices/vf_pool.h"
#include "supervisor/devices/vf_state.h"
#include "tests/unit/fake_sysfs.h"
#include "tests/bench/bench_median.h"

struct bench {
        char root[64];        /* the fake sysfs tree */
        char state[64];       /* the state dir */
        char veth[IF_NAMESIZE], peer[IF_NAMESIZE];
        pid_t box;            /* the "container": a process in its own netns */
        int box_hold;         /* closing it ends the box */
        int netns_fd;
        int sysfs_fd, state_fd;
};

struct sample {
        double pass_ms, release_ms;
        double move_in_ms, move_out_ms;  /* the rtnetlink part alone */
        unsigned pass_rt, release_rt;
};

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int box_start(struct bench *b)
{
        int hold[2];
        char path[64], c;

        if (pipe2(hold, O_CLOEXEC) < 0)
                return -errno;
        b->box = fork();
        if (b->box < 0)
                return -errno;
        if (b->box == 0) {
                close(hold[1]);
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                (void) !write(STDOUT_FILENO, "", 0);
                (void) !read(hold[0], &c, 1); /* EOF: the benchmark is done */
                _exit(0);
        }
        close(hold[0]);
        b->box_hold = hold[1];
        /* Its namespace once it has unshared: poll until it differs from ours. */
        for (int i = 0; i < 1000; i++) {
                char mine[64], its[64];
                ssize_t m, n;

                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) b->box);
                m = readlink("/proc/self/ns/net", mine, sizeof(mine) - 1);
                n = readlink(path, its, sizeof(its) - 1);
                if (m > 0 && n > 0 && (m != n || memcmp(mine, its, (size_t) n) != 0))
                        break;
                usleep(1000);
        }
        b->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        return b->netns_fd < 0 ? -errno : 0;
}

static int veth_add(const char *name, const char *peer, bool add)
{
        struct nl_sock *sk = nl_socket_alloc();
        int r;

        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r >= 0 && add)
                r = rtnl_link_veth_add(sk, name, peer, getpid());
        else if (r >= 0) {
                struct rtnl_link *l = rtnl_link_alloc();

                rtnl_link_set_name(l, name);
                r = rtnl_link_delete(sk, l);
                rtnl_link_put(l);
        }
        nl_socket_free(sk);
        return r < 0 ? -EIO : 0;
}

static int setup(struct bench *b)
{
        const char *const names[] = { b->veth };
        struct fake_pf pf = { "0000:3b:00.0", "sdbpf", 0, 8, 1, "iavf", names, 40 };
        int r;

        snprintf(b->veth, sizeof(b->veth), "sdb%dv", (int) getpid());
        snprintf(b->peer, sizeof(b->peer), "sdb%dp", (int) getpid());
        strcpy(b->root, "/tmp/bench-vf.XXXXXX");
        if (!mkdtemp(b->root))
                return -errno;
        snprintf(b->state, sizeof(b->state), "%s/state", b->root);
        r = fake_sysfs_add_pf(b->root, &pf);
        if (r < 0)
                return r;
        r = veth_add(b->veth, b->peer, true);
        if (r < 0)
                return r;
        b->sysfs_fd = open(b->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        b->state_fd = vf_state_open(b->state);
        if (b->sysfs_fd < 0 || b->state_fd < 0)
                return -EIO;
        return box_start(b);
}

static void teardown(struct bench *b)
{
        safe_close(b->netns_fd);
        safe_close(b->sysfs_fd);
        safe_close(b->state_fd);
        if (b->box > 0) {
                safe_close(b->box_hold);
                waitpid(b->box, NULL, 0);
        }
        if (b->veth[0])
                (void) veth_add(b->veth, b->peer, false);
        if (b->root[0])
                fake_sysfs_remove(b->root);
}

/* One pass and release, as devices.c does them. */
static int once(struct bench *b, const struct vf_pool_spec *pool, struct sample *s)
{
        _cleanup_(sysfs_vf_table_clear) struct sysfs_vf_table t = { 0 };
        struct vf_request req = { .container = "bench", .pid = b->box, .count = 1 };
        struct vf_netdev *host = NULL;
        enum vf_pass_step step;
        char back[IF_NAMESIZE];
        struct vf_alloc a;
        double t0 = now_ms();
        int r = vf_netdev_new(&host);

        if (r >= 0)
                r = sysfs_vf_scan(b->sysfs_fd, &t);
        if (r >= 0)
                r = vf_pool_allocate(b->state_fd, pool, &t, &req, &a);
        s->move_in_ms = now_ms();
        if (r >= 0)
                r = vf_netdev_pass(host, b->netns_fd, b->veth, "eth1", true, &step);
        s->move_in_ms = now_ms() - s->move_in_ms;
        snprintf(a.ct_ifname, sizeof(a.ct_ifname), "eth1");
        if (r >= 0)
                r = vf_pool_update(b->state_fd, &a);
        s->pass_ms = now_ms() - t0;
        s->pass_rt = vf_netdev_round_trips(host);
        t0 = now_ms();
        if (r >= 0)
                r = vf_netdev_reclaim(host, b->netns_fd, "eth1", b->veth, back, &step);
        s->move_out_ms = now_ms() - t0;
        if (r >= 0)
                r = vf_pool_release(b->state_fd, a.addr, "bench");
        s->release_ms = now_ms() - t0;
        s->release_rt = vf_netdev_round_trips(host) - s->pass_rt;
        vf_netdev_free(host);
        if (r < 0)
                fprintf(stderr, "bench-vf: iteration failed (step %s): %s\n", vf_pass_step_name(step), strerror(-r));
        return r;
}

int main(int argc, char **argv)
{
        char *drivers[] = { (char *) "iavf" };
        struct vf_pool_spec pool = { .name = (char *) "bench", .drivers = drivers, .n_drivers = 1,
                                     .numa = VF_POOL_NUMA_IGNORE, .numvfs = -1 };
        struct bench b = { .box_hold = -EBADF, .netns_fd = -EBADF, .sysfs_fd = -EBADF, .state_fd = -EBADF };
        unsigned n = 50;
        double *pass, *release, *move_in, *move_out;
        struct sample s = { 0 };
        int opt, r;

        while ((opt = getopt(argc, argv, "n:")) != -1)
                if (opt == 'n')
                        n = (unsigned) strtoul(optarg, NULL, 10);
        if (n == 0 || n > 100000) {
                fprintf(stderr, "usage: bench-vf [-n ITERATIONS (default 50)]\n");
                return 2;
        }
        pass = calloc(n, sizeof(*pass));
        release = calloc(n, sizeof(*release));
        move_in = calloc(n, sizeof(*move_in));
        move_out = calloc(n, sizeof(*move_out));
        r = pass && release && move_in && move_out ? setup(&b) : -ENOMEM;
        if (r < 0)
                fprintf(stderr, "bench-vf: setup failed: %s (root needed)\n", strerror(-r));
        for (unsigned i = 0; r >= 0 && i < n; i++) {
                r = once(&b, &pool, &s);
                pass[i] = s.pass_ms;
                release[i] = s.release_ms;
                move_in[i] = s.move_in_ms;
                move_out[i] = s.move_out_ms;
        }
        teardown(&b);
        if (r >= 0) {
                printf("VF pass (scan, allocate, move in, rename, up, record): median %.3f ms over %u, "
                       "%u rtnetlink round trips\n", bench_median(pass, n), n, s.pass_rt);
                printf("VF release (back out, host name, free):                median %.3f ms over %u, "
                       "%u rtnetlink round trips\n", bench_median(release, n), n, s.release_rt);
                printf("  of which rtnetlink: in %.3f ms, out %.3f ms (medians); the rest is the sysfs scan and\n"
                       "  the state records (written whole and fsynced, directory too)\n", bench_median(move_in, n),
                       bench_median(move_out, n));
        }
        free(pass);
        free(release);
        free(move_in);
        free(move_out);
        return r < 0 ? 1 : 0;
}
