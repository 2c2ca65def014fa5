/* sysinfo emulation: the parsers of /proc/<pid>/stat, /proc/<pid>/cgroup,
 * mountinfo and cgroup files with hostile input; the container's figures for a
 * real child in a fresh v1 memory cgroup; target_write_mem() on a real child;
 * sysinfo_emulate() answering a real trapped caller. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <linux/audit.h>
#include <linux/magic.h>

#include "common/macro.h"
#include "emulators/cgroup.h"
#include "emulators/cgroup_parse.h"
#include "emulators/notify.h"
#include "emulators/procfs.h"
#include "emulators/request.h"
#include "emulators/sysinfo.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

#define MIB (1024ULL * 1024)
#define CG_V1_MEMORY "/sys/fs/cgroup/memory"
#define CG_V1_PIDS "/sys/fs/cgroup/pids"
#define CG_UNIFIED "/sys/fs/cgroup/unified"

/* ---- /proc/<pid>/stat ---- */

/* A stat line of the shape fs/proc/array.c prints, with |start| as field 22. */
static const char *stat_line(char *buf, size_t size, const char *comm, const char *start)
{
        snprintf(buf, size, "4242 (%s) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 %s 1234567 89 "
                            "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n", comm, start);
        return buf;
}

static int starttime_of(const char *comm, const char *start, uint64_t *ret)
{
        char buf[512];

        return procfs_parse_starttime(stat_line(buf, sizeof(buf), comm, start), ret);
}

TEST(starttime_plain_comm)
{
        uint64_t v = 0;

        ASSERT_EQ(starttime_of("bash", "5678", &v), 0);
        EXPECT_EQ(v, 5678);
}

TEST(starttime_comm_with_paren_space_paren)
{
        uint64_t v = 0;

        ASSERT_EQ(starttime_of(") (", "99", &v), 0);
        EXPECT_EQ(v, 99);
}

TEST(starttime_comm_that_mimics_fields_is_skipped)
{
        uint64_t v = 0;

        /* 15 bytes, as TASK_COMM_LEN allows: looks like a state and numbers. */
        ASSERT_EQ(starttime_of(") R 1 2 3 4 5 6", "7", &v), 0);
        EXPECT_EQ(v, 7);
        ASSERT_EQ(starttime_of("a)", "8", &v), 0);
        EXPECT_EQ(v, 8);
        ASSERT_EQ(starttime_of("a\nb) 1", "9", &v), 0);
        EXPECT_EQ(v, 9);
        ASSERT_EQ(starttime_of("", "10", &v), 0);
        EXPECT_EQ(v, 10);
}

TEST(starttime_huge_values)
{
        uint64_t v = 0;

        ASSERT_EQ(starttime_of("x", "18446744073709551615", &v), 0);
        EXPECT_TRUE(v == UINT64_MAX);
        EXPECT_EQ(starttime_of("x", "18446744073709551616", &v), -EIO);
        EXPECT_EQ(starttime_of("x", "99999999999999999999999", &v), -EIO);
}

TEST(starttime_malformed_is_eio)
{
        uint64_t v = 0;

        EXPECT_EQ(starttime_of("x", "-5", &v), -EIO);
        EXPECT_EQ(starttime_of("x", "12a", &v), -EIO);
        EXPECT_EQ(starttime_of("x", "", &v), -EIO);
        EXPECT_EQ(procfs_parse_starttime("", &v), -EIO);
        EXPECT_EQ(procfs_parse_starttime("4242 (bash S 1 2 3", &v), -EIO);
        EXPECT_EQ(procfs_parse_starttime("4242 (bash)", &v), -EIO);
        EXPECT_EQ(procfs_parse_starttime("4242 (bash)S 1", &v), -EIO);
        /* Cut after field 21. */
        EXPECT_EQ(procfs_parse_starttime("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18", &v), -EIO);
        EXPECT_EQ(procfs_parse_starttime("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 ", &v), -EIO);
        /* Field 22 last, without a newline, is fine. */
        ASSERT_EQ(procfs_parse_starttime("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77", &v), 0);
        EXPECT_EQ(v, 77);
}

TEST(starttime_of_ourselves_is_in_the_past)
{
        _cleanup_close_ int fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct timespec now;
        uint64_t v = 0;

        ASSERT_GE(fd, 0);
        ASSERT_EQ(procfs_read_starttime(fd, &v), 0);
        ASSERT_EQ(clock_gettime(CLOCK_BOOTTIME, &now), 0);
        EXPECT_GT(v, 0);
        EXPECT_LE(v / (uint64_t) sysconf(_SC_CLK_TCK), (uint64_t) now.tv_sec);
        EXPECT_LE(procfs_seconds_since(v, sysconf(_SC_CLK_TCK), &now), 5);
}

TEST(seconds_since_rounds_up_and_clamps)
{
        struct timespec t = { .tv_sec = 10, .tv_nsec = 0 };

        EXPECT_EQ(procfs_seconds_since(0, 100, &t), 10);
        EXPECT_EQ(procfs_seconds_since(150, 100, &t), 9); /* 8.5 s */
        t.tv_nsec = 1;
        EXPECT_EQ(procfs_seconds_since(0, 100, &t), 11);
        EXPECT_EQ(procfs_seconds_since(1000, 100, &t), 1); /* 1 ns */
        EXPECT_EQ(procfs_seconds_since(1001, 100, &t), 0); /* in the future */
        EXPECT_EQ(procfs_seconds_since(UINT64_MAX, 100, &t), 0);
        EXPECT_EQ(procfs_seconds_since(0, 0, &t), 0);
        EXPECT_EQ(procfs_seconds_since(0, -1, &t), 0);
}

/* ---- /proc/<pid>/cgroup ---- */

static const char hybrid[] = "9:name=systemd:/\n"
                             "8:pids:/\n"
                             "4:memory:/process_api/986adaf2\n"
                             "2:cpu,cpuacct:/a\n"
                             "0::/init.scope\n";

TEST(proc_cgroup_finds_v1_controllers_and_v2)
{
        char p[PATH_MAX];

        ASSERT_EQ(cgroup_parse_proc(hybrid, "memory", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/process_api/986adaf2");
        ASSERT_EQ(cgroup_parse_proc(hybrid, "pids", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/");
        ASSERT_EQ(cgroup_parse_proc(hybrid, "cpuacct", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/a");
        ASSERT_EQ(cgroup_parse_proc(hybrid, "name=systemd", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/");
        ASSERT_EQ(cgroup_parse_proc(hybrid, NULL, p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/init.scope");
        EXPECT_EQ(cgroup_parse_proc(hybrid, "systemd", p, sizeof(p)), -ENOENT);
        EXPECT_EQ(cgroup_parse_proc(hybrid, "cpu,cpuacct", p, sizeof(p)), -ENOENT);
        EXPECT_EQ(cgroup_parse_proc(hybrid, "blkio", p, sizeof(p)), -ENOENT);
}

TEST(proc_cgroup_v2_only)
{
        char p[PATH_MAX];

        ASSERT_EQ(cgroup_parse_proc("0::/user.slice/x.scope", NULL, p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/user.slice/x.scope");
        EXPECT_EQ(cgroup_parse_proc("0::/user.slice\n", "memory", p, sizeof(p)), -ENOENT);
        EXPECT_EQ(cgroup_parse_proc("", NULL, p, sizeof(p)), -ENOENT);
        /* Only the v2 line has id 0, and it alone has no controllers. */
        EXPECT_EQ(cgroup_parse_proc("0:memory:/x\n", "memory", p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("0:memory:/x\n", NULL, p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("3::/x\n", NULL, p, sizeof(p)), -EIO);
}

TEST(proc_cgroup_path_may_hold_colons_and_spaces)
{
        char p[PATH_MAX];

        ASSERT_EQ(cgroup_parse_proc("4:memory:/a:b c\n0::/\n", "memory", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/a:b c");
}

TEST(proc_cgroup_forged_duplicate_line_is_eio)
{
        char p[PATH_MAX];

        /* What a cgroup named "x\n4:memory:/evil" would print. */
        EXPECT_EQ(cgroup_parse_proc("8:pids:/x\n4:memory:/evil\n4:memory:/real\n0::/\n", "memory", p, sizeof(p)),
                  -EIO);
        EXPECT_EQ(cgroup_parse_proc("4:memory:/real\n0::/x\n0::/evil\n", NULL, p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("4:memory:/a\n3:cpu,memory:/b\n", "memory", p, sizeof(p)), -EIO);
}

TEST(proc_cgroup_bad_paths_are_eio)
{
        static const char *const bad[] = {
                "4:memory:/..\n",       "4:memory:/../../x\n", "4:memory:/a/../b\n", "4:memory:/a/./b\n",
                "4:memory:relative\n",  "4:memory://a\n",      "4:memory:/a/\n",     "4:memory:\n",
                "4:memory:/a//b\n",     "4:memory:.\n",
        };
        char p[PATH_MAX];

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                if (cgroup_parse_proc(bad[i], "memory", p, sizeof(p)) != -EIO)
                        HARNESS_FAIL(false, "accepted %s", bad[i]);
        /* ".." inside a name is just a name. */
        ASSERT_EQ(cgroup_parse_proc("4:memory:/a..b/...\n", "memory", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/a..b/...");
}

TEST(proc_cgroup_malformed_lines_are_eio)
{
        char p[PATH_MAX];

        EXPECT_EQ(cgroup_parse_proc("garbage\n4:memory:/a\n", "memory", p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("4:memory\n", "memory", p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("x:memory:/a\n", "memory", p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc(":memory:/a\n", "memory", p, sizeof(p)), -EIO);
        EXPECT_EQ(cgroup_parse_proc("4:memory:/a\n\n", "memory", p, sizeof(p)), -EIO);
}

TEST(proc_cgroup_long_path_is_enametoolong)
{
        char p[8];

        EXPECT_EQ(cgroup_parse_proc("4:memory:/abcdefgh\n", "memory", p, sizeof(p)), -ENAMETOOLONG);
        ASSERT_EQ(cgroup_parse_proc("4:memory:/abcdef\n", "memory", p, sizeof(p)), 0);
        EXPECT_STREQ(p, "/abcdef");
}

/* ---- /proc/self/mountinfo ---- */

TEST(mountinfo_v1_controller)
{
        struct cgroup_mount m;

        ASSERT_EQ(cgroup_parse_mountinfo_line(
                          "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:5 - cgroup cgroup rw,memory\n",
                          "memory", &m),
                  1);
        EXPECT_STREQ(m.mountpoint, "/sys/fs/cgroup/memory");
        EXPECT_STREQ(m.root, "/");
        EXPECT_EQ(cgroup_parse_mountinfo_line("34 30 0:31 / /m rw - cgroup cgroup rw,memory", "pids", &m), 0);
        EXPECT_EQ(cgroup_parse_mountinfo_line("34 30 0:31 / /m rw - cgroup cgroup rw,memory", NULL, &m), 0);
        ASSERT_EQ(cgroup_parse_mountinfo_line("31 30 0:28 /x /c rw - cgroup cgroup rw,cpu,cpuacct", "cpuacct", &m), 1);
        EXPECT_STREQ(m.root, "/x");
        /* A token, not a substring. */
        EXPECT_EQ(cgroup_parse_mountinfo_line("31 30 0:28 / /c rw - cgroup cgroup rw,name=memoryx", "memory", &m), 0);
        EXPECT_EQ(cgroup_parse_mountinfo_line("31 30 0:28 / /c rw - cgroup cgroup rw,memory_x", "memory", &m), 0);
}

TEST(mountinfo_v2_and_other_filesystems)
{
        struct cgroup_mount m;

        ASSERT_EQ(cgroup_parse_mountinfo_line("40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 master:1 "
                                              "propagate_from:2 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
                                              NULL, &m),
                  1);
        EXPECT_STREQ(m.mountpoint, "/sys/fs/cgroup/unified");
        /* cgroup2's options are not controllers. */
        EXPECT_EQ(cgroup_parse_mountinfo_line("40 30 0:37 / /u rw - cgroup2 cgroup2 rw,memory", "memory", &m), 0);
        EXPECT_EQ(cgroup_parse_mountinfo_line("22 1 0:21 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755", NULL, &m),
                  0);
        EXPECT_EQ(cgroup_parse_mountinfo_line("22 1 0:21 / /x rw - cgroup2x none rw", NULL, &m), 0);
}

TEST(mountinfo_escapes_are_decoded)
{
        struct cgroup_mount m;

        ASSERT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 /a\\012b /my\\040cg\\134x rw - cgroup2 cgroup2 rw", NULL, &m),
                  1);
        EXPECT_STREQ(m.root, "/a\nb");
        EXPECT_STREQ(m.mountpoint, "/my cg\\x");
        /* Not an escape: kept as it is. */
        ASSERT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /a\\9b\\04 rw - cgroup2 cgroup2 rw", NULL, &m), 1);
        EXPECT_STREQ(m.mountpoint, "/a\\9b\\04");
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /a\\000b rw - cgroup2 cgroup2 rw", NULL, &m), -EIO);
}

TEST(mountinfo_malformed_lines)
{
        struct cgroup_mount m;

        EXPECT_EQ(cgroup_parse_mountinfo_line("", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("\n", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /u rw", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /u rw shared:1 cgroup2 cgroup2 rw", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /u rw - cgroup2 cgroup2", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / /u rw -", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 x /u rw - cgroup2 cgroup2 rw", NULL, &m), -EIO);
        EXPECT_EQ(cgroup_parse_mountinfo_line("1 2 0:3 / u rw - cgroup2 cgroup2 rw", NULL, &m), -EIO);
}

TEST(mountinfo_long_mountpoint_is_enametoolong)
{
        size_t n = PATH_MAX + 100;
        _cleanup_free_ char *line = malloc(n + 64);
        struct cgroup_mount m;

        ASSERT_TRUE(line);
        strcpy(line, "1 2 0:3 / /");
        memset(line + strlen(line), 'a', n);
        strcpy(line + strlen("1 2 0:3 / /") + n, " rw - cgroup2 cgroup2 rw");
        EXPECT_EQ(cgroup_parse_mountinfo_line(line, NULL, &m), -ENAMETOOLONG);
}

/* ---- value files and memory.stat ---- */

TEST(value_numbers_and_max)
{
        uint64_t v = 0;

        ASSERT_EQ(cgroup_parse_value("max\n", &v), 0);
        EXPECT_TRUE(v == CGROUP_UNLIMITED);
        ASSERT_EQ(cgroup_parse_value("max", &v), 0);
        EXPECT_TRUE(v == CGROUP_UNLIMITED);
        ASSERT_EQ(cgroup_parse_value("0\n", &v), 0);
        EXPECT_EQ(v, 0);
        ASSERT_EQ(cgroup_parse_value("9223372036854771712\n", &v), 0);
        EXPECT_TRUE(v == 9223372036854771712ULL);
        ASSERT_EQ(cgroup_parse_value("18446744073709551615", &v), 0);
        EXPECT_TRUE(v == UINT64_MAX);
}

TEST(value_hostile_is_eio)
{
        static const char *const bad[] = {
                "", "\n", "-1\n", "12 34\n", "maxx\n", " 12\n", "12\n\n", "0x10\n", "18446744073709551616\n",
                "99999999999999999999999999\n", "max 1", "MAX\n", "1e9\n",
        };
        uint64_t v = 7;

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                if (cgroup_parse_value(bad[i], &v) != -EIO)
                        HARNESS_FAIL(false, "accepted \"%s\"", bad[i]);
        EXPECT_EQ(v, 7);
}

TEST(memstat_v1_prefers_hierarchical_totals)
{
        struct cgroup_memstat st;

        ASSERT_EQ(cgroup_parse_memstat("cache 100\nshmem 5\ninactive_file 10\n"
                                       "hierarchical_memory_limit 67108864\nhierarchical_memsw_limit 83886080\n"
                                       "total_shmem 50\ntotal_inactive_file 1000\ntotal_active_file 7\n",
                                       &st),
                  0);
        EXPECT_EQ(st.inactive_file, 1000);
        EXPECT_EQ(st.shmem, 50);
        EXPECT_EQ(st.limit, 64 * MIB);
        EXPECT_EQ(st.memsw_limit, 80 * MIB);
        /* Totals win whatever the order. */
        ASSERT_EQ(cgroup_parse_memstat("total_inactive_file 3\ninactive_file 2", &st), 0);
        EXPECT_EQ(st.inactive_file, 3);
}

TEST(memstat_v2_and_missing_keys)
{
        struct cgroup_memstat st;

        ASSERT_EQ(cgroup_parse_memstat("anon 4096\nfile 8192\nshmem 4096\nactive_file 0\ninactive_file 8192\n", &st),
                  0);
        EXPECT_EQ(st.inactive_file, 8192);
        EXPECT_EQ(st.shmem, 4096);
        EXPECT_TRUE(st.limit == CGROUP_UNLIMITED);
        EXPECT_TRUE(st.memsw_limit == CGROUP_UNLIMITED);
        ASSERT_EQ(cgroup_parse_memstat("", &st), 0);
        EXPECT_EQ(st.inactive_file, 0);
        EXPECT_EQ(st.shmem, 0);
        /* Keys are whole words; unknown keys may hold anything. */
        ASSERT_EQ(cgroup_parse_memstat("inactive_file_x 5\nx_inactive_file 6\nweird garbage!\nnokey\n\n", &st), 0);
        EXPECT_EQ(st.inactive_file, 0);
}

TEST(memstat_bad_value_of_a_used_key_is_eio)
{
        struct cgroup_memstat st;

        EXPECT_EQ(cgroup_parse_memstat("inactive_file\n", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("inactive_file", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("inactive_file 12x\n", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("inactive_file  12\n", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("total_shmem -1\n", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("hierarchical_memory_limit 18446744073709551616\n", &st), -EIO);
        EXPECT_EQ(cgroup_parse_memstat("shmem 1 2\n", &st), -EIO);
}

/* ---- the container's view of memory ---- */

static struct sysinfo host_like(void)
{
        return (struct sysinfo) {
                .uptime = 1000, .loads = { 1, 2, 3 },
                .totalram = 24ULL * 1024 * MIB, .freeram = 20ULL * 1024 * MIB,
                .sharedram = 9 * MIB, .bufferram = 3 * MIB,
                .totalswap = 0, .freeswap = 0, .procs = 300, .mem_unit = 1,
        };
}

TEST(apply_limited_memory)
{
        struct sysinfo si = host_like();
        struct cgroup_memory m = { .limit = 64 * MIB, .usage = 10 * MIB, .inactive_file = 2 * MIB,
                                   .shmem = 1 * MIB, .swap_limit = CGROUP_UNLIMITED };

        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.totalram, 64 * MIB);
        EXPECT_EQ(si.freeram, 56 * MIB);
        EXPECT_EQ(si.sharedram, 1 * MIB);
        EXPECT_EQ(si.bufferram, 0);
        EXPECT_EQ(si.totalswap, 0);
        EXPECT_EQ(si.loads[2], 3);
        EXPECT_EQ(si.procs, 300);
        EXPECT_EQ(si.mem_unit, 1);
}

TEST(apply_usage_over_limit_and_cache_over_usage)
{
        struct sysinfo si = host_like();
        struct cgroup_memory m = { .limit = 64 * MIB, .usage = 65 * MIB, .swap_limit = CGROUP_UNLIMITED };

        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.freeram, 0);
        si = host_like();
        m = (struct cgroup_memory) { .limit = 64 * MIB, .usage = 1 * MIB, .inactive_file = UINT64_MAX,
                                     .shmem = UINT64_MAX, .swap_limit = CGROUP_UNLIMITED };
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.freeram, 64 * MIB);
        EXPECT_EQ(si.sharedram, 64 * MIB);
}

TEST(apply_without_limit_keeps_the_host_figures)
{
        struct sysinfo want = host_like(), si = host_like();
        struct cgroup_memory m = { .limit = CGROUP_UNLIMITED, .usage = UINT64_MAX, .swap_limit = CGROUP_UNLIMITED };

        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(memcmp(&si, &want, sizeof(si)), 0);
        m.limit = 9223372036854771712ULL; /* v1's "no limit" */
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(memcmp(&si, &want, sizeof(si)), 0);
        m.limit = want.totalram; /* a limit at the host's RAM limits nothing */
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(memcmp(&si, &want, sizeof(si)), 0);
}

TEST(apply_respects_mem_unit)
{
        struct sysinfo si = host_like();
        struct cgroup_memory m = { .limit = 64 * MIB + 100, .usage = 4097, .swap_limit = CGROUP_UNLIMITED };

        si.mem_unit = 4096;
        si.totalram /= 4096;
        si.freeram /= 4096;
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.totalram, 16384);
        EXPECT_EQ(si.freeram, 16384 - 2); /* usage rounds up to whole units */
        EXPECT_EQ(si.mem_unit, 4096);
}

TEST(apply_swap_limit)
{
        struct sysinfo si = host_like();
        struct cgroup_memory m = { .limit = CGROUP_UNLIMITED, .swap_limit = 100 * MIB, .swap_usage = 10 * MIB };

        si.totalswap = si.freeswap = 1024 * MIB;
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.totalswap, 100 * MIB);
        EXPECT_EQ(si.freeswap, 90 * MIB);
        EXPECT_EQ(si.totalram, host_like().totalram);
        /* No host swap: none for the container either. */
        si = host_like();
        cgroup_memory_apply(&m, &si);
        EXPECT_EQ(si.totalswap, 0);
        EXPECT_EQ(si.freeswap, 0);
}

/* ---- real processes ---- */

/* A child that waits for a byte on |go|, forks |extra| children that stay
 * (its threads of a sort), answers a byte on |ready|, then sleeps until killed. */
struct kid {
        pid_t pid;
        int pidfd;
        int go;    /* our end */
        int ready; /* our end */
};

_Noreturn static void kid_run(int go, int ready, int extra)
{
        char c;

        for (int i = 0; i < extra; i++) {
                pid_t p, me = getpid();

                if (read(go, &c, 1) != 1)
                        _exit(1);
                p = fork();
                if (p == 0) {
                        /* A kid that died before this would leave us orphaned for good. */
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != me)
                                _exit(1);
                        for (;;)
                                pause();
                }
        }
        if (extra == 0 && read(go, &c, 1) != 1)
                _exit(1);
        if (write(ready, "r", 1) != 1)
                _exit(1);
        for (;;)
                pause();
}

static void kid_start(struct kid *k, int extra)
{
        int go[2], ready[2];
        pid_t parent = getpid();

        ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
        ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
        fflush(NULL);
        k->pid = fork();
        ASSERT_GE(k->pid, 0);
        if (k->pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(1);
                kid_run(go[0], ready[1], extra);
        }
        close(go[0]);
        close(ready[1]);
        k->go = go[1];
        k->ready = ready[0];
        k->pidfd = (int) syscall(SYS_pidfd_open, k->pid, 0);
        ASSERT_GE(k->pidfd, 0);
}

/* Lets the kid go on (after it was moved into cgroups) and waits for it. */
static void kid_go(struct kid *k, int extra)
{
        char c;

        for (int i = 0; i < (extra ? extra : 1); i++)
                ASSERT_EQ(write(k->go, "g", 1), 1);
        ASSERT_EQ(read(k->ready, &c, 1), 1);
}

/* ---- cgroups made for a test, removed however the test ends ---- */

#define CG_MAX_DIRS 3

/* Kills what is left in |path| and removes it; a cgroup goes once it is empty. */
static void cg_empty_and_remove(const char *path)
{
        char procs[PATH_MAX];

        snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
        for (int i = 0; i < 200; i++) {
                FILE *f = fopen(procs, "re");
                int pid;

                if (f) {
                        while (fscanf(f, "%d", &pid) == 1)
                                (void) kill(pid, SIGKILL);
                        fclose(f);
                }
                if (rmdir(path) == 0 || errno == ENOENT)
                        return;
                usleep(25000);
        }
}

static int cg_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                cg_empty_and_remove(path);
        return 0;
}

_Noreturn static void cg_watcher(int fd, char (*dirs)[PATH_MAX], int n)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c;

        if (null >= 0) {
                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
        }
        (void) setsid();
        while (read(fd, &c, 1) < 0 && errno == EINTR)
                ;
        for (int i = 0; i < n; i++)
                (void) nftw(dirs[i], cg_remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        _exit(0);
}

/* Creates <hierarchy>/seccompd-test-<pid>-<n> for each hierarchy given, and a
 * watcher that removes them (and what tests made below) once this process and
 * its children are gone. */
static void cg_create(const char *const *hier, int n, char (*ret)[PATH_MAX])
{
        static int counter;
        int p[2];
        pid_t pid;

        ASSERT_LE(n, CG_MAX_DIRS);
        for (int i = 0; i < n; i++) {
                snprintf(ret[i], PATH_MAX, "%s/seccompd-test-%d-%d", hier[i], (int) getpid(), counter++);
                ASSERT_EQ(mkdir(ret[i], 0755), 0);
        }
        ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
        fflush(NULL);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
                close(p[1]);
                cg_watcher(p[0], ret, n);
        }
        close(p[0]);
        /* p[1] stays open here (and in children) until they exit. */
}

static void write_file(const char *dir, const char *name, const char *value)
{
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                HARNESS_FAIL(true, "open %s: %s", path, strerror(errno));
        if (write(fd, value, strlen(value)) != (ssize_t) strlen(value))
                HARNESS_FAIL(true, "write %s to %s: %s", value, path, strerror(errno));
        close(fd);
}

static void cg_join(const char *dir, pid_t pid)
{
        char v[32];

        snprintf(v, sizeof(v), "%d", (int) pid);
        write_file(dir, "cgroup.procs", v);
}

static bool is_fs(const char *path, long magic)
{
        struct statfs st;

        return statfs(path, &st) == 0 && st.f_type == magic;
}

static void need_v1_memory_and_pids(void)
{
        if (!is_fs(CG_V1_MEMORY, CGROUP_SUPER_MAGIC) || !is_fs(CG_V1_PIDS, CGROUP_SUPER_MAGIC))
                HARNESS_FAIL(true, "%s", "needs the cgroup v1 memory and pids hierarchies (hybrid layout)");
}

TEST(container_in_a_v1_memory_cgroup_sees_its_limit)
{
        const char *const hier[] = { CG_V1_MEMORY, CG_V1_PIDS };
        char dirs[2][PATH_MAX];
        struct kid k;
        struct sysinfo host, si;
        struct container_view v;

        need_v1_memory_and_pids();
        cg_create(hier, 2, dirs);
        write_file(dirs[0], "memory.limit_in_bytes", "67108864");
        kid_start(&k, 0);
        cg_join(dirs[0], k.pid);
        cg_join(dirs[1], k.pid);
        kid_go(&k, 0);
        v = (struct container_view) { .init_pidfd = k.pidfd, .init_pid = k.pid };
        ASSERT_EQ(sysinfo(&host), 0);
        ASSERT_EQ(sysinfo_for_container(&v, &si), 0);
        EXPECT_EQ((uint64_t) si.totalram * si.mem_unit, 64 * MIB);
        EXPECT_LE(si.freeram, si.totalram);
        EXPECT_GT(si.freeram, si.totalram / 2);
        EXPECT_LE(si.sharedram, si.totalram);
        EXPECT_EQ(si.bufferram, 0);
        EXPECT_EQ(si.procs, 1);
        EXPECT_GE(si.uptime, 0);
        EXPECT_LE(si.uptime, 5);
        EXPECT_EQ(si.mem_unit, host.mem_unit);
        EXPECT_LE(si.totalswap, host.totalswap);
}

TEST(child_cgroup_sees_its_ancestors_limit_and_counts_all_tasks)
{
        const char *const hier[] = { CG_V1_MEMORY, CG_V1_PIDS };
        char dirs[2][PATH_MAX], inner[PATH_MAX + 8];
        struct kid k;
        struct sysinfo si;
        struct container_view v;

        need_v1_memory_and_pids();
        cg_create(hier, 2, dirs);
        write_file(dirs[0], "memory.limit_in_bytes", "50331648");
        snprintf(inner, sizeof(inner), "%s/inner", dirs[0]);
        ASSERT_EQ(mkdir(inner, 0755), 0);
        kid_start(&k, 2);
        cg_join(inner, k.pid);
        cg_join(dirs[1], k.pid);
        kid_go(&k, 2); /* two more processes, in the same cgroups */
        v = (struct container_view) { .init_pidfd = k.pidfd, .init_pid = k.pid };
        ASSERT_EQ(sysinfo_for_container(&v, &si), 0);
        EXPECT_EQ((uint64_t) si.totalram * si.mem_unit, 48 * MIB);
        EXPECT_EQ(si.procs, 3);
}

TEST(without_v1_controllers_the_v2_cgroup_counts_tasks)
{
        const char *const hier[] = { CG_UNIFIED };
        char dirs[1][PATH_MAX];
        struct kid k;
        struct sysinfo host, si;
        struct container_view v;

        if (!is_fs(CG_UNIFIED, CGROUP2_SUPER_MAGIC))
                HARNESS_FAIL(true, "%s", "needs cgroup2 at " CG_UNIFIED " (hybrid layout)");
        cg_create(hier, 1, dirs);
        /* Hide the v1 hierarchies from ourselves only. */
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ASSERT_EQ(umount2(CG_V1_MEMORY, MNT_DETACH), 0);
        ASSERT_EQ(umount2(CG_V1_PIDS, MNT_DETACH), 0);
        kid_start(&k, 1);
        cg_join(dirs[0], k.pid);
        kid_go(&k, 1);
        v = (struct container_view) { .init_pidfd = k.pidfd, .init_pid = k.pid };
        ASSERT_EQ(sysinfo(&host), 0);
        ASSERT_EQ(sysinfo_for_container(&v, &si), 0);
        /* Memory is a v1 controller here: no v2 accounting, the host's figures. */
        EXPECT_EQ(si.totalram, host.totalram);
        EXPECT_EQ(si.procs, 2);
}

TEST(stale_pidfd_with_a_live_pid_is_esrch)
{
        struct kid dead, live;
        struct container_view v;
        struct sysinfo si;

        kid_start(&dead, 0);
        kid_start(&live, 0);
        ASSERT_EQ(kill(dead.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(dead.pid, NULL, 0), dead.pid);
        /* As if dead.pid had been reused by live. */
        v = (struct container_view) { .init_pidfd = dead.pidfd, .init_pid = live.pid };
        EXPECT_EQ(sysinfo_for_container(&v, &si), -ESRCH);
        v.init_pid = dead.pid;
        EXPECT_EQ(sysinfo_for_container(&v, &si), -ESRCH);
        EXPECT_EQ(procfs_open_pidfd(dead.pidfd, live.pid), -ESRCH);
        v = (struct container_view) { .init_pidfd = live.pidfd, .init_pid = live.pid };
        EXPECT_EQ(sysinfo_for_container(&v, &si), 0);
}

/* ---- target_write_mem on a forked child ---- */

struct pages {
        char *base; /* n mapped pages, then one unmapped */
        size_t ps;
        struct kid k;
};

static void pages_fork(struct pages *p, size_t n)
{
        p->ps = (size_t) sysconf(_SC_PAGESIZE);
        p->base = mmap(NULL, (n + 1) * p->ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_TRUE(p->base != MAP_FAILED);
        memset(p->base, 'a', n * p->ps);
        ASSERT_EQ(munmap(p->base + n * p->ps, p->ps), 0);
        kid_start(&p->k, 0);
        kid_go(&p->k, 0);
}

static uint64_t addr_of(const void *p)
{
        return (uint64_t) (uintptr_t) p;
}

TEST(write_mem_writes_across_a_page_boundary)
{
        struct pages p;
        char buf[16] = {};

        pages_fork(&p, 2);
        ASSERT_EQ(target_write_mem(p.k.pid, addr_of(p.base + p.ps - 5), "0123456789", 10), 0);
        ASSERT_EQ(target_read_mem(p.k.pid, addr_of(p.base + p.ps - 6), buf, 12), 0);
        EXPECT_EQ(memcmp(buf, "a0123456789a", 12), 0);
        /* Our copy is untouched: the write went to the child. */
        EXPECT_EQ(p.base[p.ps - 5], 'a');
}

TEST(write_mem_into_an_unmapped_page_is_efault)
{
        struct pages p;
        char buf[8];

        pages_fork(&p, 1);
        EXPECT_EQ(target_write_mem(p.k.pid, addr_of(p.base + p.ps - 4), "01234567", 8), -EFAULT);
        EXPECT_EQ(target_write_mem(p.k.pid, addr_of(p.base + p.ps), "0", 1), -EFAULT);
        EXPECT_EQ(target_write_mem(p.k.pid, 0, "0", 1), -EFAULT);
        EXPECT_EQ(target_write_mem(p.k.pid, UINT64_MAX - 2, "0123", 4), -EFAULT);
        /* As copy_to_user: the mapped part was written before the fault. */
        ASSERT_EQ(target_read_mem(p.k.pid, addr_of(p.base + p.ps - 4), buf, 4), 0);
        EXPECT_EQ(memcmp(buf, "0123", 4), 0);
}

TEST(write_mem_into_a_read_only_page_is_efault)
{
        struct pages p;

        pages_fork(&p, 1);
        ASSERT_EQ(mprotect(p.base, p.ps, PROT_READ), 0);
        kill(p.k.pid, SIGKILL);
        kid_start(&p.k, 0);
        kid_go(&p.k, 0);
        EXPECT_EQ(target_write_mem(p.k.pid, addr_of(p.base), "x", 1), -EFAULT);
}

TEST(write_mem_to_a_gone_process_is_esrch)
{
        struct pages p;

        pages_fork(&p, 1);
        ASSERT_EQ(kill(p.k.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(p.k.pid, NULL, 0), p.k.pid);
        EXPECT_EQ(target_write_mem(p.k.pid, addr_of(p.base), "x", 1), -ESRCH);
}

/* ---- sysinfo_emulate for a real trapped caller ---- */

enum buf_kind { BUF_PAGE, BUF_NULL, BUF_UNMAPPED, BUF_CLIFF };

struct caller {
        enum buf_kind kind;
};

/* Under the filter: mknod is trapped; its first argument stands for sysinfo's. */
static int act_trapped_buffer(void *userdata)
{
        const struct caller *c = userdata;
        size_t ps = (size_t) sysconf(_SC_PAGESIZE);
        char *page = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *arg = page;

        if (page == MAP_FAILED)
                return errno;
        memset(page, 0xaa, 2 * ps);
        if (c->kind == BUF_NULL)
                arg = NULL;
        else if (c->kind == BUF_UNMAPPED)
                munmap(page, 2 * ps);
        else if (c->kind == BUF_CLIFF) {
                munmap(page + ps, ps);
                arg = page + ps - 16;
        }
        if (syscall(SYS_mknod, arg, S_IFCHR | 0600, makedev(1, 3)) < 0)
                return errno;
        return 0;
}

struct served {
        struct trap trap;
        struct seccomp_notif notif;
        int result;    /* of sysinfo_emulate */
        int caller_rc; /* the errno the caller saw */
        char mem[256]; /* the caller's buffer after emulation (BUF_PAGE) */
};

/* Receives the trapped call, runs sysinfo_emulate as the caller's arch |arch|
 * says, reads back the buffer, answers, and collects what the caller saw. */
static void serve(enum buf_kind kind, uint32_t arch, struct served *s)
{
        struct caller c = { .kind = kind };
        struct trap_opts o = { .act = act_trapped_buffer, .userdata = &c };
        struct target t = TARGET_NULL;
        struct request req = {};
        struct container_view v;
        _cleanup_close_ int pidfd = -EBADF;

        s->trap = (struct trap) TRAP_NULL;
        ASSERT_EQ(trap_start(&o, &s->trap), 0);
        ASSERT_EQ(trap_recv(&s->trap, &s->notif), 0);
        req.notif = s->notif;
        req.notif.data.arch = arch;
        ASSERT_EQ(target_open(&t, s->trap.listener_fd, s->notif.id, (pid_t) s->notif.pid), 0);
        pidfd = (int) syscall(SYS_pidfd_open, s->trap.pid, 0);
        ASSERT_GE(pidfd, 0);
        v = (struct container_view) { .init_pidfd = pidfd, .init_pid = s->trap.pid };
        s->result = sysinfo_emulate(&req, &v, &t);
        if (kind == BUF_PAGE)
                ASSERT_EQ(target_read_mem(t.pid, s->notif.data.args[0], s->mem, sizeof(s->mem)), 0);
        target_close(&t);
        if (s->result < 0)
                ASSERT_EQ(notify_send_error(s->trap.listener_fd, s->notif.id, -s->result), 0);
        else
                ASSERT_EQ(notify_send_value(s->trap.listener_fd, s->notif.id, 0), 0);
        ASSERT_EQ(trap_finish(&s->trap, &s->caller_rc), 0);
        trap_done(&s->trap);
}

TEST(emulate_writes_the_struct_into_the_caller)
{
        struct served s;
        struct sysinfo host, got;

        serve(BUF_PAGE, AUDIT_ARCH_X86_64, &s);
        ASSERT_EQ(s.result, 0);
        EXPECT_EQ(s.caller_rc, 0);
        ASSERT_EQ(sysinfo(&host), 0);
        memcpy(&got, s.mem, sizeof(got));
        /* Our own cgroup has no memory limit here: the host's RAM. */
        EXPECT_EQ(got.totalram, host.totalram);
        EXPECT_EQ(got.mem_unit, host.mem_unit);
        EXPECT_GE(got.procs, 1);
        EXPECT_LE(got.uptime, 5);
        EXPECT_LE(got.freeram, got.totalram);
        /* Exactly sizeof(struct sysinfo) bytes, padding zeroed. */
        EXPECT_EQ((unsigned char) s.mem[sizeof(got)], 0xaa);
        EXPECT_EQ(got.pad, 0);
}

TEST(emulate_writes_the_compat_layout_for_a_32_bit_caller)
{
        struct served s;
        struct sysinfo host;
        uint32_t totalram, mem_unit;
        uint16_t procs;

        serve(BUF_PAGE, AUDIT_ARCH_I386, &s);
        ASSERT_EQ(s.result, 0);
        ASSERT_EQ(sysinfo(&host), 0);
        /* struct compat_sysinfo: totalram at 16, procs at 40, mem_unit at 52; 64 bytes. */
        memcpy(&totalram, s.mem + 16, 4);
        memcpy(&procs, s.mem + 40, 2);
        memcpy(&mem_unit, s.mem + 52, 4);
        if ((uint64_t) host.totalram * host.mem_unit >> 32) {
                EXPECT_EQ(mem_unit, (uint32_t) sysconf(_SC_PAGESIZE));
                EXPECT_EQ(totalram, (uint64_t) host.totalram * host.mem_unit / mem_unit);
        } else {
                EXPECT_EQ(mem_unit, host.mem_unit);
                EXPECT_EQ(totalram, host.totalram);
        }
        EXPECT_GE(procs, 1);
        EXPECT_EQ((unsigned char) s.mem[63], 0);
        EXPECT_EQ((unsigned char) s.mem[64], 0xaa);
}

TEST(emulate_null_unmapped_or_cut_buffer_is_efault)
{
        static const enum buf_kind kinds[] = { BUF_NULL, BUF_UNMAPPED, BUF_CLIFF };

        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
                struct served s;

                serve(kinds[i], AUDIT_ARCH_X86_64, &s);
                EXPECT_EQ(s.result, -EFAULT);
                EXPECT_EQ(s.caller_rc, EFAULT);
        }
}

TEST(emulate_refuses_a_layout_it_cannot_write)
{
        struct served s;

        serve(BUF_PAGE, AUDIT_ARCH_PPC64, &s); /* big-endian */
        EXPECT_EQ(s.result, -ENOSYS);
        EXPECT_EQ(s.caller_rc, ENOSYS);
}
