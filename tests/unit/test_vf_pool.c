/* The VF allocator: selectors, NUMA order, all-or-nothing allocation persisted
 * in a state directory, ownership, and two processes racing for the last VF.
 * Also the pieces it stands on: records, cpulists, NUMA nodes of CPUs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/devices/numa.h"
#include "supervisor/devices/vf_pool.h"
#include "tests/unit/fake_sysfs.h"
#include "tests/unit/harness.h"

struct fixture {
        char root[64], state[80];
        int root_fd, state_fd;
        struct sysfs_vf_table t;
};

static const char *const names_a[] = { "vfa0", "vfa1", "vfa2" };
static const char *const names_b[] = { "vfb0", "vfb1", "vfb2" };

/* PF A on node 0 (CPUs 0-1), PF B on node 1 (CPUs 2-3), three VFs each. */
static void setup(struct fixture *f)
{
        struct fake_pf a = { "0000:3b:00.0", "ens1f0", 0, 8, 3, "iavf", names_a, 40 };
        struct fake_pf b = { "0000:af:00.0", "ens2f0", 1, 8, 3, "iavf", names_b, 60 };

        strcpy(f->root, "/tmp/test-vf-pool.XXXXXX");
        ASSERT_TRUE(mkdtemp(f->root) != NULL);
        ASSERT_EQ(fake_sysfs_add_pf(f->root, &a), 0);
        ASSERT_EQ(fake_sysfs_add_pf(f->root, &b), 0);
        ASSERT_EQ(fake_sysfs_add_node(f->root, 0, "0-1\n"), 0);
        ASSERT_EQ(fake_sysfs_add_node(f->root, 1, "2-3\n"), 0);
        snprintf(f->state, sizeof(f->state), "%s/state/sub", f->root);
        f->state_fd = vf_state_open(f->state);
        ASSERT_GE(f->state_fd, 0);
        f->root_fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(f->root_fd, 0);
        ASSERT_EQ(sysfs_vf_scan(f->root_fd, &f->t), 0);
        ASSERT_EQ(f->t.n_vfs, 6);
}

static void teardown(struct fixture *f)
{
        sysfs_vf_table_clear(&f->t);
        fake_sysfs_remove(f->root);
}

static struct vf_request request(const char *id, unsigned count, uint64_t nodes)
{
        struct vf_request r = { .container = id, .pid = getpid(), .count = count, .numa_nodes = nodes };

        (void) vf_state_pid_start(r.pid, &r.pid_start);
        return r;
}

TEST(cpulists_parse_ranges_and_singles)
{
        struct cpu_mask m, other = { 0 };

        ASSERT_EQ(cpulist_parse("0-3,8,10-11\n", &m), 0);
        EXPECT_EQ(m.bits[0], 0xd0f);
        ASSERT_EQ(cpulist_parse("", &m), 0);
        EXPECT_EQ(m.bits[0], 0);
        EXPECT_EQ(cpulist_parse("3-1", &m), -EINVAL);
        EXPECT_EQ(cpulist_parse("1,,2", &m), -EINVAL);
        EXPECT_EQ(cpulist_parse("a", &m), -EINVAL);
        EXPECT_EQ(cpulist_parse("99999", &m), -ERANGE);
        ASSERT_EQ(cpulist_parse("4095", &m), 0);
        other.bits[63] = UINT64_C(1) << 63;
        EXPECT_TRUE(cpu_mask_intersects(&m, &other));
}

TEST(numa_nodes_of_cpus_come_from_node_cpulists)
{
        struct fixture f;
        struct cpu_mask cpus;
        uint64_t nodes = 0;

        setup(&f);
        ASSERT_EQ(cpulist_parse("1", &cpus), 0);
        ASSERT_EQ(numa_nodes_of(f.root_fd, &cpus, &nodes), 0);
        EXPECT_EQ(nodes, 1);
        ASSERT_EQ(cpulist_parse("1-2", &cpus), 0);
        ASSERT_EQ(numa_nodes_of(f.root_fd, &cpus, &nodes), 0);
        EXPECT_EQ(nodes, 3);
        ASSERT_EQ(cpulist_parse("3", &cpus), 0);
        ASSERT_EQ(numa_nodes_of(f.root_fd, &cpus, &nodes), 0);
        EXPECT_EQ(nodes, 2);
        EXPECT_EQ(numa_cpus_of_pid(getpid(), &cpus), 0);
        teardown(&f);
}

TEST(records_round_trip_through_the_state_dir)
{
        struct fixture f;
        struct vf_alloc a = { "0000:3b:02.1", "fast", "ct-1", 42, 777, "vfa1", "eth1", "02:00:00:00:00:01", "", { .pf_ifname = "" }, "vfio" }, b;
        struct vf_alloc *all = NULL;
        size_t n = 0;

        setup(&f);
        EXPECT_EQ(vf_state_read(f.state_fd, a.addr, &b), -ENOENT);
        ASSERT_EQ(vf_state_write(f.state_fd, &a), 0);
        ASSERT_EQ(vf_state_read(f.state_fd, a.addr, &b), 0);
        EXPECT_EQ(memcmp(&a, &b, sizeof(a)), 0);
        ASSERT_EQ(vf_state_list(f.state_fd, &all, &n), 0);
        ASSERT_EQ(n, 1);
        EXPECT_STREQ(all[0].ct_ifname, "eth1");
        free(all);
        strcpy(a.container, "two\nlines");
        EXPECT_EQ(vf_state_write(f.state_fd, &a), -EINVAL);
        ASSERT_EQ(vf_state_remove(f.state_fd, a.addr), 0);
        EXPECT_EQ(vf_state_remove(f.state_fd, a.addr), 0);
        EXPECT_EQ(vf_state_read(f.state_fd, a.addr, &b), -ENOENT);
        EXPECT_EQ(vf_state_parse("addr=0000:3b:02.1\ncontainer=x\n", &b), -EINVAL); /* no pid */
        EXPECT_EQ(vf_state_parse("addr=0000:3b:02.1\ncontainer=x\npid=1\nfuture=ok\n", &b), 0);
        EXPECT_EQ(vf_state_read(f.state_fd, "../../etc/passwd", &b), -EINVAL);
        teardown(&f);
}

TEST(owner_alive_sees_exit_and_pid_reuse)
{
        struct vf_alloc a = { .pid = getpid() };
        pid_t child = fork();

        ASSERT_GE(child, 0);
        if (child == 0)
                _exit(0);
        ASSERT_EQ(vf_state_pid_start(a.pid, &a.pid_start), 0);
        EXPECT_EQ(vf_state_owner_alive(&a), 1);
        a.pid_start++;
        EXPECT_EQ(vf_state_owner_alive(&a), 0);
        waitpid(child, NULL, 0);
        a.pid = child;
        EXPECT_EQ(vf_state_owner_alive(&a), 0);
}

TEST(selectors_match_pf_by_name_or_address_and_ids)
{
        struct fixture f;
        char *pfs[] = { "ens2f0" }, *addrs[] = { "0000:3b:00.0" }, *drivers[] = { "none" };
        uint16_t dev[] = { 0x1889 };
        struct vf_pool_spec p = { .name = "p", .pfs = pfs, .n_pfs = 1 };

        setup(&f);
        EXPECT_FALSE(vf_pool_matches(&p, &f.t.vfs[0]));
        EXPECT_TRUE(vf_pool_matches(&p, &f.t.vfs[3]));
        p.pfs = addrs;
        EXPECT_TRUE(vf_pool_matches(&p, &f.t.vfs[0]));
        p.n_pfs = 0;
        p.devices = dev;
        p.n_devices = 1;
        EXPECT_FALSE(vf_pool_matches(&p, &f.t.vfs[0]));
        dev[0] = 0x154c;
        EXPECT_TRUE(vf_pool_matches(&p, &f.t.vfs[0]));
        p.drivers = drivers;
        p.n_drivers = 1;
        EXPECT_FALSE(vf_pool_matches(&p, &f.t.vfs[0]));
        teardown(&f);
}

TEST(candidates_follow_numa_preference)
{
        struct fixture f;
        struct vf_pool_spec p = { .name = "p" };
        const struct sysfs_vf *c[8];

        setup(&f);
        ASSERT_EQ(vf_pool_candidates(&p, &f.t, 2, c), 6);
        EXPECT_STREQ(c[0]->addr, "0000:af:02.0");
        EXPECT_STREQ(c[3]->addr, "0000:3b:02.0");
        p.numa = VF_POOL_NUMA_REQUIRE;
        ASSERT_EQ(vf_pool_candidates(&p, &f.t, 2, c), 3);
        EXPECT_STREQ(c[2]->addr, "0000:af:02.2");
        ASSERT_EQ(vf_pool_candidates(&p, &f.t, 0, c), 6);
        p.numa = VF_POOL_NUMA_IGNORE;
        ASSERT_EQ(vf_pool_candidates(&p, &f.t, 2, c), 6);
        EXPECT_STREQ(c[0]->addr, "0000:3b:02.0");
        teardown(&f);
}

TEST(allocation_is_persisted_numa_first_and_all_or_nothing)
{
        struct fixture f;
        struct vf_pool_spec p = { .name = "fast", .numa = VF_POOL_NUMA_REQUIRE };
        struct vf_request a = request("ct-a", 2, 2), b = request("ct-b", 2, 2);
        struct vf_alloc got[4], rec;

        setup(&f);
        ASSERT_EQ(vf_pool_allocate(f.state_fd, &p, &f.t, &a, got), 0);
        EXPECT_STREQ(got[0].addr, "0000:af:02.0");
        EXPECT_STREQ(got[0].host_ifname, "vfb0");
        EXPECT_STREQ(got[1].addr, "0000:af:02.1");
        ASSERT_EQ(vf_state_read(f.state_fd, "0000:af:02.1", &rec), 0);
        EXPECT_STREQ(rec.container, "ct-a");
        EXPECT_STREQ(rec.pool, "fast");
        /* One left on node 1: asking two fails and leaves nothing behind. */
        EXPECT_EQ(vf_pool_allocate(f.state_fd, &p, &f.t, &b, got), -ENOSPC);
        EXPECT_EQ(vf_state_read(f.state_fd, "0000:af:02.2", &rec), -ENOENT);
        /* Preferring instead of requiring spills onto node 0. */
        p.numa = VF_POOL_NUMA_PREFER;
        ASSERT_EQ(vf_pool_allocate(f.state_fd, &p, &f.t, &b, got), 0);
        EXPECT_STREQ(got[0].addr, "0000:af:02.2");
        EXPECT_STREQ(got[1].addr, "0000:3b:02.0");
        EXPECT_EQ(vf_pool_release(f.state_fd, "0000:af:02.0", "ct-b"), -ESTALE);
        EXPECT_EQ(vf_pool_release(f.state_fd, "0000:af:02.0", "ct-a"), 0);
        EXPECT_EQ(vf_pool_release(f.state_fd, "0000:af:02.0", "ct-a"), 0);
        rec = got[1];
        strcpy(rec.ct_ifname, "eth1");
        EXPECT_EQ(vf_pool_update(f.state_fd, &rec), 0);
        strcpy(rec.container, "ct-a");
        EXPECT_EQ(vf_pool_update(f.state_fd, &rec), -ESTALE);
        a.count = 0;
        EXPECT_EQ(vf_pool_allocate(f.state_fd, &p, &f.t, &a, got), -EINVAL);
        teardown(&f);
}

TEST(two_processes_racing_for_the_last_vf_get_it_once)
{
        struct fixture f;
        struct vf_pool_spec p = { .name = "fast" };
        struct vf_request a = request("ct-fill", 5, 0);
        struct vf_alloc got[5];
        pid_t kids[2];
        int wins = 0;

        setup(&f);
        ASSERT_EQ(vf_pool_allocate(f.state_fd, &p, &f.t, &a, got), 0);
        for (int i = 0; i < 2; i++) {
                kids[i] = fork();
                ASSERT_GE(kids[i], 0);
                if (kids[i] == 0) {
                        struct vf_request r = request(i ? "ct-2" : "ct-1", 1, 0);
                        int fd = vf_state_open(f.state);

                        _exit(vf_pool_allocate(fd, &p, &f.t, &r, got) == 0 ? 0 : 1);
                }
        }
        for (int i = 0; i < 2; i++) {
                int status = 0;

                waitpid(kids[i], &status, 0);
                wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        EXPECT_EQ(wins, 1);
        teardown(&f);
}
