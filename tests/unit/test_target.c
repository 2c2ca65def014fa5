/* emulators/target.c: reading a forked child's memory, and the /proc view of a real
 * trapped caller (cwd, root, fds, credentials, capabilities, id maps). */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <sys/capability.h>

#include "common/macro.h"
#include "emulators/idmap.h"
#include "emulators/notify.h"
#include "emulators/request.h"
#include "emulators/syscalls.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

/* ---- memory of a forked child ---- */

struct pages {
        char *base;   /* n mapped pages, then what the test did to the next one */
        size_t ps;
        pid_t child;
};

/* Maps n read-write pages followed by a page that is unmapped (or PROT_NONE). */
static void pages_map(struct pages *p, size_t n, bool prot_none)
{
        p->ps = (size_t) sysconf(_SC_PAGESIZE);
        p->base = mmap(NULL, (n + 1) * p->ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_TRUE(p->base != MAP_FAILED);
        memset(p->base, 'a', n * p->ps);
        if (prot_none)
                ASSERT_EQ(mprotect(p->base + n * p->ps, p->ps, PROT_NONE), 0);
        else
                ASSERT_EQ(munmap(p->base + n * p->ps, p->ps), 0);
}

/* Forks a child that keeps the same memory layout and waits to be killed. */
static void pages_fork(struct pages *p)
{
        pid_t parent = getpid();

        fflush(NULL);
        p->child = fork();
        ASSERT_GE(p->child, 0);
        if (p->child == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(1);
                for (;;)
                        pause();
        }
        /* Our copy no longer matters: scribble on it to prove reads come from the child. */
}

static uint64_t addr_of(const void *p)
{
        return (uint64_t) (uintptr_t) p;
}

TEST(read_string_reads_short_string)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 1, false);
        strcpy(p.base + 8, "/dev/null");
        pages_fork(&p);
        memset(p.base, 'x', p.ps);
        ASSERT_EQ(target_read_string(p.child, addr_of(p.base + 8), buf, sizeof(buf)), 9);
        EXPECT_STREQ(buf, "/dev/null");
}

TEST(read_string_stops_at_page_boundary_before_unmapped_page)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 1, false);
        p.base[p.ps - 1] = '\0'; /* the NUL is the page's last byte, the next page is unmapped */
        pages_fork(&p);
        ASSERT_EQ(target_read_string(p.child, addr_of(p.base + 100), buf, sizeof(buf)), (int) p.ps - 101);
        EXPECT_EQ(buf[0], 'a');
        EXPECT_EQ(buf[p.ps - 101], '\0');
}

TEST(read_string_stops_at_page_boundary_before_prot_none_page)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 1, true);
        p.base[p.ps - 1] = '\0';
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + p.ps - 1), buf, sizeof(buf)), 0);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base), buf, sizeof(buf)), (int) p.ps - 1);
}

TEST(read_string_straddling_page_boundary)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 2, false);
        memcpy(p.base + p.ps - 10, "0123456789ABCDEFGHIJ", 21);
        pages_fork(&p);
        ASSERT_EQ(target_read_string(p.child, addr_of(p.base + p.ps - 10), buf, sizeof(buf)), 20);
        EXPECT_STREQ(buf, "0123456789ABCDEFGHIJ");
}

TEST(read_string_exactly_at_limit_fits)
{
        struct pages p;
        char buf[64];

        pages_map(&p, 2, false);
        /* 63 bytes and the NUL across the page boundary: size 64 holds it exactly. */
        p.base[p.ps + 31] = '\0';
        pages_fork(&p);
        ASSERT_EQ(target_read_string(p.child, addr_of(p.base + p.ps - 32), buf, sizeof(buf)), 63);
        EXPECT_EQ(strlen(buf), 63);
}

TEST(read_string_one_byte_over_limit_is_enametoolong)
{
        struct pages p;
        char buf[64];

        pages_map(&p, 2, false);
        p.base[p.ps + 32] = '\0'; /* 64 bytes before the NUL */
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + p.ps - 32), buf, sizeof(buf)), -ENAMETOOLONG);
}

TEST(read_string_of_path_max_without_nul_is_enametoolong)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 3, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + 17), buf, sizeof(buf)), -ENAMETOOLONG);
}

TEST(read_string_without_nul_before_unmapped_page_is_efault)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + p.ps - 5), buf, sizeof(buf)), -EFAULT);
}

TEST(read_string_without_nul_before_prot_none_page_is_efault)
{
        struct pages p;
        char buf[PATH_MAX];

        pages_map(&p, 1, true);
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + 5), buf, sizeof(buf)), -EFAULT);
}

/* ---- string args of a whole request, with each syscall's own limit ---- */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct syscall_table *, syscall_table_free);

/* Reads the string args of syscall |nr| whose arg |index| points at |addr| in the
 * child (the other args NULL); request_read_args()'s result. */
static int read_args_of(pid_t child, int nr, unsigned index, uint64_t addr)
{
        _cleanup_(syscall_table_freep) struct syscall_table *table = NULL;
        struct seccomp_notif n = { .pid = (uint32_t) child, .data = { .nr = nr, .arch = AUDIT_ARCH_X86_64 } };
        struct request req;

        ASSERT_EQ(syscall_table_new(&table), 0);
        n.data.args[index] = addr;
        request_decode(&req, table, &n);
        return request_read_args(&req);
}

/* setxattr_copy() reads XATTR_NAME_MAX + 1 bytes: no NUL in them is ERANGE, even
 * when unmapped memory follows them. */
TEST(xattr_name_without_nul_within_256_bytes_is_erange)
{
        struct pages p;

        pages_map(&p, 2, false);
        pages_fork(&p);
        EXPECT_EQ(read_args_of(p.child, SYS_setxattr, 1, addr_of(p.base)), -ERANGE);
        EXPECT_EQ(read_args_of(p.child, SYS_fsetxattr, 1, addr_of(p.base + 2 * p.ps - 300)), -ERANGE);
        EXPECT_EQ(read_args_of(p.child, SYS_lsetxattr, 1, addr_of(p.base + 2 * p.ps - 200)), -EFAULT);
}

/* copy_mount_string() is strndup_user(PATH_MAX): too long is EINVAL, where the
 * target, a path the kernel looks up with getname(), is ENAMETOOLONG. */
TEST(mount_source_and_fstype_without_nul_are_einval)
{
        struct pages p;

        pages_map(&p, 3, false);
        p.base[3 * p.ps - 1] = '\0';
        pages_fork(&p);
        EXPECT_EQ(read_args_of(p.child, SYS_mount, 0, addr_of(p.base)), -EINVAL);
        EXPECT_EQ(read_args_of(p.child, SYS_mount, 2, addr_of(p.base)), -EINVAL);
        EXPECT_EQ(read_args_of(p.child, SYS_mount, 1, addr_of(p.base)), -ENAMETOOLONG);
        EXPECT_EQ(read_args_of(p.child, SYS_mknod, 0, addr_of(p.base)), -ENAMETOOLONG);
        /* PATH_MAX - 1 bytes and the NUL fit, as in the kernel. */
        EXPECT_EQ(read_args_of(p.child, SYS_mount, 2, addr_of(p.base + 3 * p.ps - PATH_MAX)), 0);
}

TEST(read_string_at_null_address_is_efault)
{
        struct pages p;
        char buf[16];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, 0, buf, sizeof(buf)), -EFAULT);
}

TEST(read_string_from_unmapped_address_is_efault)
{
        struct pages p;
        char buf[16];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base + p.ps), buf, sizeof(buf)), -EFAULT);
        EXPECT_EQ(target_read_string(p.child, UINT64_MAX - 3, buf, sizeof(buf)), -EFAULT);
}

TEST(read_string_from_dead_pid_is_esrch)
{
        struct pages p;
        char buf[16];
        int status;

        pages_map(&p, 1, false);
        p.base[5] = '\0';
        pages_fork(&p);
        ASSERT_EQ(kill(p.child, SIGKILL), 0);
        ASSERT_EQ(waitpid(p.child, &status, 0), p.child);
        EXPECT_EQ(target_read_string(p.child, addr_of(p.base), buf, sizeof(buf)), -ESRCH);
        EXPECT_EQ(target_read_mem(p.child, addr_of(p.base), buf, 4), -ESRCH);
}

TEST(read_mem_reads_exact_bytes_across_pages)
{
        struct pages p;
        char buf[300];

        pages_map(&p, 2, false);
        for (size_t i = 0; i < 2 * p.ps; i++)
                p.base[i] = (char) (i % 251);
        pages_fork(&p);
        memset(p.base, 0, 2 * p.ps);
        ASSERT_EQ(target_read_mem(p.child, addr_of(p.base + p.ps - 150), buf, sizeof(buf)), 0);
        for (size_t i = 0; i < sizeof(buf); i++)
                if (buf[i] != (char) ((p.ps - 150 + i) % 251))
                        HARNESS_FAIL(true, "byte %zu differs", i);
}

TEST(read_mem_ending_before_unmapped_page_succeeds)
{
        struct pages p;
        char buf[64];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_mem(p.child, addr_of(p.base + p.ps - sizeof(buf)), buf, sizeof(buf)), 0);
}

TEST(read_mem_into_unmapped_page_is_efault)
{
        struct pages p;
        char buf[64];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_mem(p.child, addr_of(p.base + p.ps - 32), buf, sizeof(buf)), -EFAULT);
        EXPECT_EQ(target_read_mem(p.child, 0, buf, 1), -EFAULT);
}

TEST(budget_bounds_the_sum_of_reads_and_refuses_before_reading)
{
        struct target_budget b = { .limit = 100 };
        struct pages p;
        struct target t = TARGET_NULL;
        char buf[64];

        pages_map(&p, 1, false);
        memcpy(p.base, "0123456789", 11);
        pages_fork(&p);
        t.pid = p.child;
        t.budget = &b;
        EXPECT_EQ(target_read_str(&t, addr_of(p.base), buf, sizeof(buf)), 10);
        EXPECT_EQ(b.used, 11); /* the string and its NUL */
        EXPECT_EQ(target_read(&t, addr_of(p.base), buf, 64), 0);
        EXPECT_EQ(b.used, 75);
        EXPECT_FALSE(b.exceeded);
        /* 26 left: a 30-byte read is refused whole, and the buffer untouched. */
        memset(buf, 'x', sizeof(buf));
        EXPECT_EQ(target_read(&t, addr_of(p.base), buf, 30), -E2BIG);
        EXPECT_TRUE(b.exceeded);
        EXPECT_EQ(buf[0], 'x');
        EXPECT_EQ(b.used, 75);
        /* No budget, or a zero limit: unbounded. */
        t.budget = NULL;
        EXPECT_EQ(target_read(&t, addr_of(p.base), buf, 64), 0);
        EXPECT_EQ(target_budget_draw(&(struct target_budget) { 0 }, UINT64_MAX), 0);
}

TEST(read_mem_address_overflow_is_efault)
{
        struct pages p;
        char buf[64];

        pages_map(&p, 1, false);
        pages_fork(&p);
        EXPECT_EQ(target_read_mem(p.child, UINT64_MAX - 10, buf, sizeof(buf)), -EFAULT);
}

/* ---- a trapped caller ---- */

struct caller {
        char dir[64]; /* temporary dir: the tests' playground */
        int (*setup)(struct caller *c);
        uid_t uid;
};

static int caller_setup(void *userdata)
{
        struct caller *c = userdata;

        return c->setup ? c->setup(c) : 0;
}

static int caller_act(void *userdata)
{
        (void) userdata;
        return syscall(SYS_mknodat, AT_FDCWD, "node", S_IFCHR | 0600, makedev(1, 3)) < 0 ? errno : 0;
}

/* Starts a caller, receives its trapped mknodat and opens it as a target. */
static void caller_trap(struct caller *c, bool userns, struct trap *trap, struct target *t)
{
        struct trap_opts o = {
                .setup = caller_setup, .act = caller_act, .userdata = c, .userns = userns, .map_outer = 100000,
        };
        struct seccomp_notif n;

        ASSERT_EQ(trap_start(&o, trap), 0);
        ASSERT_EQ(trap_recv(trap, &n), 0);
        ASSERT_EQ(target_open(t, trap->listener_fd, n.id, (pid_t) n.pid), 0);
        EXPECT_EQ(t->pid, trap->pid);
}

/* Answers the notification with EPERM and checks the caller saw it. */
static void caller_release(struct trap *trap, struct target *t)
{
        int error = 0;

        ASSERT_EQ(notify_send_error(trap->listener_fd, t->id, EPERM), 0);
        ASSERT_EQ(trap_finish(trap, &error), 0);
        EXPECT_EQ(error, EPERM);
        target_close(t);
}

static void caller_init(struct caller *c, int (*setup)(struct caller *c))
{
        memset(c, 0, sizeof(*c));
        ASSERT_EQ(trap_tmpdir(c->dir, sizeof(c->dir)), 0);
        c->setup = setup;
}

TEST(target_open_names_the_trapped_caller)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct caller c;

        caller_init(&c, NULL);
        caller_trap(&c, false, &trap, &t);
        EXPECT_GE(t.pidfd, 0);
        EXPECT_GE(t.proc_fd, 0);
        EXPECT_TRUE(fcntl(t.pidfd, F_GETFD) & FD_CLOEXEC);
        EXPECT_TRUE(fcntl(t.proc_fd, F_GETFD) & FD_CLOEXEC);
        EXPECT_EQ(target_still_valid(&t), 0);
        caller_release(&trap, &t);
        target_close(&t); /* twice is harmless */
}

TEST(target_open_after_caller_killed_fails)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct trap_opts o = { .act = caller_act };
        struct seccomp_notif n;
        int r;

        ASSERT_EQ(trap_start(&o, &trap), 0);
        ASSERT_EQ(trap_recv(&trap, &n), 0);
        ASSERT_EQ(kill(trap.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(trap.pid, NULL, 0), trap.pid);
        trap.pid = 0;
        r = target_open(&t, trap.listener_fd, n.id, (pid_t) n.pid);
        EXPECT_TRUE(r == -ENOENT || r == -ESRCH);
        EXPECT_EQ(t.pidfd, -EBADF); /* untouched */
        trap_done(&trap);
}

TEST(target_still_valid_fails_after_caller_killed)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct caller c;

        caller_init(&c, NULL);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(kill(trap.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(trap.pid, NULL, 0), trap.pid);
        trap.pid = 0;
        EXPECT_EQ(target_still_valid(&t), -ENOENT);
        target_close(&t);
        trap_done(&trap);
}

static int setup_chroot_sub(struct caller *c)
{
        char p[PATH_MAX + 16];

        snprintf(p, sizeof(p), "%s/root/sub", c->dir);
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        snprintf(p, sizeof(p), "%s/root", c->dir);
        if (chroot(p) < 0 || chdir("/sub") < 0)
                return -errno;
        return 0;
}

static int mkdir_root(struct caller *c)
{
        char p[PATH_MAX + 16];

        snprintf(p, sizeof(p), "%s/root", c->dir);
        return mkdir(p, 0755) < 0 ? -errno : 0;
}

static int setup_chroot_sub_fresh(struct caller *c)
{
        int r = mkdir_root(c);

        return r < 0 ? r : setup_chroot_sub(c);
}

TEST(dir_path_of_cwd_is_seen_inside_chroot)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX], root[PATH_MAX + 16];
        struct stat a, b;
        struct caller c;
        int fd;

        caller_init(&c, setup_chroot_sub_fresh);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(target_dir_path(&t, AT_FDCWD, buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "/sub");
        fd = target_open_root(&t);
        ASSERT_GE(fd, 0);
        snprintf(root, sizeof(root), "%s/root", c.dir);
        ASSERT_EQ(fstat(fd, &a), 0);
        ASSERT_EQ(stat(root, &b), 0);
        EXPECT_EQ(a.st_ino, b.st_ino);
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        safe_close(fd);
        caller_release(&trap, &t);
}

static int setup_chdir(struct caller *c)
{
        return chdir(c->dir) < 0 ? -errno : 0;
}

TEST(dir_path_of_cwd_without_chroot_is_host_path)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_chdir);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(target_dir_path(&t, AT_FDCWD, buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, c.dir);
        EXPECT_EQ(target_dir_path(&t, AT_FDCWD, buf, 4), -ENAMETOOLONG);
        caller_release(&trap, &t);
}

/* chroot without chdir: the cwd stays outside the new root. */
static int setup_cwd_outside_root(struct caller *c)
{
        char p[PATH_MAX + 16];
        int r = mkdir_root(c);

        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "%s/root", c->dir);
        if (chdir(c->dir) < 0 || chroot(p) < 0)
                return -errno;
        return 0;
}

TEST(dir_path_outside_root_is_enoent)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_cwd_outside_root);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_dir_path(&t, AT_FDCWD, buf, sizeof(buf)), -ENOENT);
        caller_release(&trap, &t);
}

/* A sibling whose name starts like the root ("root" vs "rootx") is not under it. */
static int setup_cwd_in_prefix_sibling(struct caller *c)
{
        char p[PATH_MAX + 16];
        int r = mkdir_root(c);

        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "%s/rootx", c->dir);
        if (mkdir(p, 0755) < 0 || chdir(p) < 0)
                return -errno;
        snprintf(p, sizeof(p), "%s/root", c->dir);
        return chroot(p) < 0 ? -errno : 0;
}

TEST(dir_path_in_sibling_with_root_prefix_is_enoent)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_cwd_in_prefix_sibling);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_dir_path(&t, AT_FDCWD, buf, sizeof(buf)), -ENOENT);
        caller_release(&trap, &t);
}

static int setup_deleted_cwd(struct caller *c)
{
        char p[PATH_MAX + 16];

        snprintf(p, sizeof(p), "%s/gone", c->dir);
        if (mkdir(p, 0755) < 0 || chdir(p) < 0 || rmdir(p) < 0)
                return -errno;
        return 0;
}

TEST(dir_path_of_deleted_cwd_is_enoent)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_deleted_cwd);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_dir_path(&t, AT_FDCWD, buf, sizeof(buf)), -ENOENT);
        caller_release(&trap, &t);
}

/* fd 42: a directory; fd 43: a regular file. */
static int setup_fds(struct caller *c)
{
        char p[PATH_MAX + 16];
        int fd;

        snprintf(p, sizeof(p), "%s/d", c->dir);
        if (mkdir(p, 0755) < 0)
                return -errno;
        fd = open(p, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || dup2(fd, 42) < 0)
                return -errno;
        close(fd);
        snprintf(p, sizeof(p), "%s/f", c->dir);
        fd = open(p, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || dup2(fd, 43) < 0)
                return -errno;
        close(fd);
        return 0;
}

TEST(dir_path_of_dirfd_is_its_directory)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX], want[PATH_MAX + 16];
        struct caller c;

        caller_init(&c, setup_fds);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(target_dir_path(&t, 42, buf, sizeof(buf)), 0);
        snprintf(want, sizeof(want), "%s/d", c.dir);
        EXPECT_STREQ(buf, want);
        caller_release(&trap, &t);
}

TEST(dir_path_of_file_fd_is_enotdir)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_fds);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_dir_path(&t, 43, buf, sizeof(buf)), -ENOTDIR);
        caller_release(&trap, &t);
}

TEST(dir_path_of_missing_fd_is_ebadf)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char buf[PATH_MAX];
        struct caller c;

        caller_init(&c, setup_fds);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_dir_path(&t, 999, buf, sizeof(buf)), -EBADF);
        EXPECT_EQ(target_dir_path(&t, -5, buf, sizeof(buf)), -EBADF);
        caller_release(&trap, &t);
}

TEST(getfd_duplicates_the_callers_fd_close_on_exec)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char p[PATH_MAX + 16];
        struct stat a, b;
        struct caller c;
        int fd;

        caller_init(&c, setup_fds);
        caller_trap(&c, false, &trap, &t);
        fd = target_getfd(&t, 43);
        ASSERT_GE(fd, 0);
        snprintf(p, sizeof(p), "%s/f", c.dir);
        ASSERT_EQ(fstat(fd, &a), 0);
        ASSERT_EQ(stat(p, &b), 0);
        EXPECT_EQ(a.st_ino, b.st_ino);
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        safe_close(fd);
        EXPECT_EQ(target_getfd(&t, 999), -EBADF);
        caller_release(&trap, &t);
}

/* uid 4/5/6 + fsuid 6, gid 1/2/3 + fsgid 3, groups 10 20, umask 027. */
static int setup_creds(struct caller *c)
{
        static const gid_t groups[] = { 10, 20 };

        (void) c;
        umask(027);
        if (setgroups(2, groups) < 0 || setresgid(1, 2, 3) < 0 || setresuid(4, 5, 6) < 0)
                return -errno;
        setfsgid(3);
        setfsuid(6);
        return 0;
}

TEST(read_creds_reports_fs_ids_umask_and_groups)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct target_creds cr;
        struct caller c;

        caller_init(&c, setup_creds);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(target_read_creds(&t, &cr), 0);
        EXPECT_EQ(cr.fsuid, 6);
        EXPECT_EQ(cr.fsgid, 3);
        EXPECT_EQ(cr.umask, 027);
        ASSERT_EQ(cr.n_groups, 2);
        EXPECT_EQ(cr.groups[0], 10);
        EXPECT_EQ(cr.groups[1], 20);
        caller_release(&trap, &t);
}

TEST(read_creds_in_user_namespace_reports_host_ids)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct target_creds cr;
        struct caller c;

        caller_init(&c, NULL);
        caller_trap(&c, true, &trap, &t);
        ASSERT_EQ(target_read_creds(&t, &cr), 0);
        EXPECT_EQ(cr.fsuid, 100000);
        EXPECT_EQ(cr.fsgid, 100000);
        caller_release(&trap, &t);
}

static int setup_drop_mknod(struct caller *c)
{
        cap_value_t v = CAP_MKNOD;
        cap_t caps = cap_get_proc();
        int r;

        (void) c;
        if (!caps)
                return -errno;
        r = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
        if (r == 0)
                r = cap_set_proc(caps);
        cap_free(caps);
        return r < 0 ? -errno : 0;
}

TEST(has_cap_reports_the_effective_set)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct caller c;

        caller_init(&c, setup_drop_mknod);
        caller_trap(&c, false, &trap, &t);
        EXPECT_EQ(target_has_cap(&t, CAP_MKNOD), 0);
        EXPECT_EQ(target_has_cap(&t, CAP_CHOWN), 1);
        EXPECT_EQ(target_has_cap(&t, -1), -EINVAL);
        EXPECT_EQ(target_has_cap(&t, CAP_LAST_CAP + 1), -EINVAL);
        caller_release(&trap, &t);
}

TEST(has_cap_of_user_namespace_root_is_set)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct caller c;

        caller_init(&c, NULL);
        caller_trap(&c, true, &trap, &t);
        EXPECT_EQ(target_has_cap(&t, CAP_MKNOD), 1);
        caller_release(&trap, &t);
}

TEST(has_cap_after_caller_killed_fails)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct caller c;
        int r;

        caller_init(&c, NULL);
        caller_trap(&c, false, &trap, &t);
        ASSERT_EQ(kill(trap.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(trap.pid, NULL, 0), trap.pid);
        trap.pid = 0;
        r = target_has_cap(&t, CAP_MKNOD);
        EXPECT_TRUE(r == -ESRCH || r == -ENOENT);
        target_close(&t);
        trap_done(&trap);
}

TEST(read_idmap_text_of_user_namespace_caller)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char text[4096];
        struct idmap m;
        struct caller c;
        uint32_t id;
        int n;

        caller_init(&c, NULL);
        caller_trap(&c, true, &trap, &t);
        n = target_read_idmap_text(&t, "uid_map", text, sizeof(text));
        ASSERT_GT(n, 0);
        ASSERT_EQ(idmap_parse(text, (size_t) n, &m), 0);
        ASSERT_EQ(idmap_to_outer(&m, 0, &id), 0);
        EXPECT_EQ(id, 100000);
        n = target_read_idmap_text(&t, "gid_map", text, sizeof(text));
        ASSERT_GT(n, 0);
        ASSERT_EQ(idmap_parse(text, (size_t) n, &m), 0);
        ASSERT_EQ(idmap_to_inner(&m, 165535, &id), 0);
        EXPECT_EQ(id, 65535);
        EXPECT_EQ(target_read_idmap_text(&t, "../status", text, sizeof(text)), -EINVAL);
        EXPECT_EQ(target_read_idmap_text(&t, "uid_map", text, 8), -E2BIG);
        caller_release(&trap, &t);
}

TEST(read_idmap_text_of_initial_namespace_is_identity)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        char text[4096];
        struct idmap m;
        struct caller c;
        uint32_t id;
        int n;

        caller_init(&c, NULL);
        caller_trap(&c, false, &trap, &t);
        n = target_read_idmap_text(&t, "uid_map", text, sizeof(text));
        ASSERT_GT(n, 0);
        ASSERT_EQ(idmap_parse(text, (size_t) n, &m), 0);
        ASSERT_EQ(idmap_to_outer(&m, 12345, &id), 0);
        EXPECT_EQ(id, 12345);
        caller_release(&trap, &t);
}
