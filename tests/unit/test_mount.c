/* mount_prepare() for a real caller under a real seccomp notify filter (mount
 * and umount2 trapped): the test is the supervisor up to the helper, and checks
 * the policy's refusals, the caller's capability, and that target and source
 * are found inside the caller's root. Each test has its own mount namespace. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/notify.h"
#include "emulators/request.h"
#include "emulators/syscalls.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

/* What the trapped caller does; paths as it sees them (after chroot). */
struct call {
        char dir[64];           /* host temporary dir; the caller's root is dir/root */
        const char *cwd;        /* chdir after chroot */
        bool umount;            /* umount2(target, uflags) instead of mount(...) */
        const char *source, *target, *fstype;
        unsigned long flags;
        const void *data;
        int uflags;
        bool drop_admin;        /* CAP_SYS_ADMIN out of the effective set */
};

static const char *host(const struct call *c, const char *rel, char *buf, size_t size)
{
        if ((size_t) snprintf(buf, size, "%s/root%s", c->dir, rel) >= size)
                abort(); /* test paths are short: a fixture bug */
        return buf;
}

static void host_mkdir(const struct call *c, const char *rel)
{
        char p[PATH_MAX];

        ASSERT_EQ(mkdir(host(c, rel, p, sizeof(p)), 0755), 0);
}

/* A private mount namespace for this test, and a root for its caller. */
static void call_init(struct call *c)
{
        memset(c, 0, sizeof(*c));
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ASSERT_EQ(trap_tmpdir(c->dir, sizeof(c->dir)), 0);
        host_mkdir(c, "");
        host_mkdir(c, "/mnt");
        c->target = "/mnt";
        c->source = "none";
        c->fstype = "tmpfs";
        c->cwd = "/";
}

static int drop_admin(void)
{
        cap_value_t v = CAP_SYS_ADMIN;
        cap_t caps = cap_get_proc();
        int r;

        if (!caps)
                return -errno;
        r = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) || cap_set_proc(caps);
        cap_free(caps);
        return r ? -EPERM : 0;
}

static int load_filter(void)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r, fd;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mount), 0);
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(umount2), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        fd = r == 0 ? seccomp_notify_fd(ctx) : r;
        seccomp_release(ctx);
        return fd;
}

static int send_fd(int sock, int fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte = 'x';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        struct cmsghdr *cm;
        int fd = -EBADF;

        if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
                return -EIO;
        cm = CMSG_FIRSTHDR(&msg);
        if (cm && cm->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
}

/* The caller: chroot, chdir, capabilities, filter, then the call. Exits with its errno. */
_Noreturn static void caller(const struct call *c, int sock)
{
        char root[PATH_MAX];
        long r;
        int fd;

        if (chroot(host(c, "", root, sizeof(root))) < 0 || chdir(c->cwd) < 0)
                _exit(100);
        if (c->drop_admin && drop_admin() < 0)
                _exit(101);
        fd = load_filter();
        if (fd < 0 || send_fd(sock, fd) < 0)
                _exit(102);
        if (c->umount)
                r = syscall(SYS_umount2, c->target, c->uflags);
        else
                r = syscall(SYS_mount, c->source, c->target, c->fstype, c->flags, c->data);
        _exit(r < 0 ? errno : 0);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct syscall_table *, syscall_table_free);

/* Runs the call up to mount_prepare(); answers EPERM whatever it said, so the
 * caller never mounts. Returns mount_prepare()'s result; *job is filled. */
static int run(const struct call *c, const struct mount_params *p, struct mount_job *job)
{
        _cleanup_(syscall_table_freep) struct syscall_table *table = NULL;
        struct target t = TARGET_NULL;
        struct seccomp_notif n;
        struct request req;
        int sv[2], listener, status, r;
        pid_t pid;

        ASSERT_EQ(syscall_table_new(&table), 0);
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        fflush(NULL);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
                caller(c, sv[1]);
        close(sv[1]);
        listener = recv_fd(sv[0]);
        ASSERT_GE(listener, 0);
        ASSERT_EQ(notify_recv(listener, &n), 0);
        request_decode(&req, table, &n);
        ASSERT_EQ(request_read_args(&req), 0);
        ASSERT_EQ(target_open(&t, listener, n.id, (pid_t) n.pid), 0);
        r = mount_prepare(&req, p, &t, job);
        target_close(&t);
        ASSERT_EQ(notify_send_error(listener, n.id, EPERM), 0);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EPERM);
        close(listener);
        close(sv[0]);
        return r;
}

static char *tmpfs_only[] = { "tmpfs" };
static struct mount_source none_source[] = { { .kind = MOUNT_SOURCE_NONE } };

static struct mount_params tmpfs_params(void)
{
        return (struct mount_params) {
                .n_fstypes = 1, .fstypes = tmpfs_only, .n_sources = 1, .sources = none_source,
                .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_REMOUNT | MS_BIND,
        };
}

/* |fd| is the same inode as host path |rel| under the caller's root. */
static void expect_same(const struct call *c, int fd, const char *rel)
{
        char p[PATH_MAX];
        struct stat a, b;

        ASSERT_EQ(fstat(fd, &a), 0);
        ASSERT_EQ(stat(host(c, rel, p, sizeof(p)), &b), 0);
        EXPECT_EQ(a.st_dev, b.st_dev);
        EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST(tmpfs_with_allowed_flags_becomes_a_helper_request)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.flags = MS_NOSUID | MS_NODEV;
        c.data = "size=1m,mode=0755";
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.opcode, NSHELPER_MOUNT_FS);
        EXPECT_EQ(job.req.flags, MS_NOSUID | MS_NODEV);
        EXPECT_STREQ(job.req.fstype, "tmpfs");
        EXPECT_STREQ(job.req.source, "none");
        EXPECT_STREQ(job.req.data, "size=1m,mode=0755");
        ASSERT_EQ(job.n_fds, 1);
        EXPECT_EQ(job.req.n_fds, 1);
        expect_same(&c, job.fds[0], "/mnt");
        mount_job_done(&job);
        EXPECT_EQ(job.fds[0], -EBADF);
}

TEST(fstype_not_allowed_is_eperm)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.fstype = "proc";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
        /* No type at all: the kernel's EINVAL. */
        c.fstype = NULL;
        EXPECT_EQ(run(&c, &p, &job), -EINVAL);
        mount_job_done(&job);
}

TEST(fuse_redirected_fstype_is_checked_then_left_to_its_program)
{
        struct fuse_redirect fr = { .fstype = "tmpfs", .program = "/usr/bin/fuse2fs" };
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        p.n_fuse = 1;
        p.fuse = &fr;
        call_init(&c);
        c.flags = MS_NOSUID;
        c.data = "size=1m";
        EXPECT_EQ(run(&c, &p, &job), MOUNT_FUSE);
        EXPECT_EQ(job.req.flags, (uint64_t) MS_NOSUID);
        EXPECT_STREQ(job.req.data, "size=1m");
        mount_job_done(&job);
        /* The same checks as a kernel mount: a flag outside the allowlist. */
        c.flags = MS_SYNCHRONOUS;
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
}

TEST(flags_outside_allowlist_are_eperm)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.flags = MS_NOSUID | MS_SYNCHRONOUS;
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
        /* A bind is a flag too. */
        p.flags = MS_NOSUID;
        c.flags = MS_BIND;
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
}

TEST(magic_and_ignored_flag_bits_are_stripped)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.flags = MS_MGC_VAL | MS_NOSUID;
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.flags, MS_NOSUID);
        mount_job_done(&job);
        c.flags = MS_NOSUID | MS_KERNMOUNT | MS_ACTIVE;
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.flags, MS_NOSUID);
        mount_job_done(&job);
        c.flags = MS_NOUSER;
        EXPECT_EQ(run(&c, &p, &job), -EINVAL);
        mount_job_done(&job);
}

TEST(move_and_propagation_changes_continue)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.flags = MS_REC | MS_PRIVATE;
        EXPECT_EQ(run(&c, &p, &job), MOUNT_CONTINUE);
        mount_job_done(&job);
        c.flags = MS_MOVE;
        EXPECT_EQ(run(&c, &p, &job), MOUNT_CONTINUE);
        mount_job_done(&job);
}

TEST(caller_without_cap_sys_admin_is_eperm)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        c.drop_admin = true;
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
        c.umount = true;
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
}

TEST(target_symlink_to_host_path_stays_inside_root)
{
        struct mount_params p = tmpfs_params();
        char outside[PATH_MAX], link[PATH_MAX];
        struct mount_job job;
        struct call c;

        call_init(&c);
        /* A host directory outside the caller's root, and a link to it by its host path. */
        snprintf(outside, sizeof(outside), "%s/outside", c.dir);
        ASSERT_EQ(mkdir(outside, 0755), 0);
        ASSERT_EQ(symlink(outside, host(&c, "/escape", link, sizeof(link))), 0);
        c.target = "/escape";
        EXPECT_EQ(run(&c, &p, &job), -ENOENT);
        mount_job_done(&job);
        snprintf(outside, sizeof(outside), "%s/outside", c.dir);

        /* The same path inside the root is what it reaches. */
        for (char *s = strchr(outside + 1, '/');; s = strchr(s + 1, '/')) {
                if (s)
                        *s = '\0';
                host_mkdir(&c, outside);
                if (!s)
                        break;
                *s = '/';
        }
        ASSERT_EQ(run(&c, &p, &job), 0);
        expect_same(&c, job.fds[0], outside);
        mount_job_done(&job);
}

TEST(dotdot_in_target_clamps_at_root)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        host_mkdir(&c, "/sub");
        c.cwd = "/sub";
        c.target = "../../../../mnt";
        ASSERT_EQ(run(&c, &p, &job), 0);
        expect_same(&c, job.fds[0], "/mnt");
        mount_job_done(&job);

        /* Relative to the cwd. */
        host_mkdir(&c, "/sub/mnt");
        c.target = "mnt";
        ASSERT_EQ(run(&c, &p, &job), 0);
        expect_same(&c, job.fds[0], "/sub/mnt");
        mount_job_done(&job);

        c.target = "/missing/x";
        EXPECT_EQ(run(&c, &p, &job), -ENOENT);
        mount_job_done(&job);
}

TEST(magic_link_target_is_refused)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;

        call_init(&c);
        host_mkdir(&c, "/proc");
        ASSERT_EQ(mount("proc", host(&c, "/proc", (char[PATH_MAX]) {}, PATH_MAX), "proc", 0, NULL), 0);
        c.target = "/proc/self/cwd";
        EXPECT_EQ(run(&c, &p, &job), -ELOOP);
        mount_job_done(&job);
}

static char *ext4_only[] = { "ext4" };

static void make_blockdev(const struct call *c, const char *rel, unsigned maj, unsigned min)
{
        char p[PATH_MAX];

        ASSERT_EQ(mknod(host(c, rel, p, sizeof(p)), S_IFBLK | 0600, makedev(maj, min)), 0);
}

TEST(block_device_source_must_be_listed)
{
        struct mount_source devs[] = { { .kind = MOUNT_SOURCE_DEVICE, .dev = { 7, POLICY_ANY } } };
        struct mount_params p = { .n_fstypes = 1, .fstypes = ext4_only, .n_sources = 1, .sources = devs };
        struct mount_job job;
        struct call c;

        call_init(&c);
        host_mkdir(&c, "/dev");
        make_blockdev(&c, "/dev/loop5", 7, 5);
        make_blockdev(&c, "/dev/sda", 8, 0);
        c.fstype = "ext4";
        c.source = "/dev/loop5";
        ASSERT_EQ(run(&c, &p, &job), 0);
        ASSERT_EQ(job.n_fds, 2);
        expect_same(&c, job.fds[1], "/dev/loop5");
        EXPECT_STREQ(job.req.source, "/dev/loop5");
        mount_job_done(&job);

        c.source = "/dev/sda";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);

        /* A label is not a device, and this policy lists no "none". */
        c.source = "/dev/nothing";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);

        /* No sources at all: pseudo filesystems only. */
        p.n_sources = 0;
        c.source = "/dev/loop5";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
}

TEST(bind_source_inside_root_matching_glob)
{
        struct mount_source globs[] = { { .kind = MOUNT_SOURCE_PATH, .glob = "/data/*" } };
        struct mount_params p = { .n_fstypes = 1, .fstypes = tmpfs_only, .n_sources = 1, .sources = globs,
                                  .flags = MS_BIND | MS_REC };
        char link[PATH_MAX];
        struct mount_job job;
        struct call c;

        call_init(&c);
        host_mkdir(&c, "/data");
        host_mkdir(&c, "/data/a");
        host_mkdir(&c, "/etc");
        c.flags = MS_BIND | MS_REC;
        c.source = "/data/a";
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.opcode, NSHELPER_MOUNT_BIND);
        ASSERT_EQ(job.n_fds, 2);
        expect_same(&c, job.fds[1], "/data/a");
        mount_job_done(&job);

        c.source = "/etc";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);

        /* The glob sees where the source leads, not how it is spelled. */
        ASSERT_EQ(symlink("/etc", host(&c, "/data/link", link, sizeof(link))), 0);
        c.source = "/data/link";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
        c.source = "/data/a/../../etc";
        EXPECT_EQ(run(&c, &p, &job), -EPERM);
        mount_job_done(&job);
}

TEST(data_is_read_once_bounded_by_a_page)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;
        char *page;

        call_init(&c);
        page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_TRUE(page != MAP_FAILED);
        memset(page, 'a', 8192);
        c.data = page;
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(strlen(job.req.data), MOUNT_DATA_MAX - 1);
        mount_job_done(&job);

        c.data = (const void *) 16;
        EXPECT_EQ(run(&c, &p, &job), -EFAULT);
        mount_job_done(&job);
}

TEST(remount_needs_a_mount_root)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;
        char m[PATH_MAX];

        call_init(&c);
        c.flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
        EXPECT_EQ(run(&c, &p, &job), -EINVAL);
        mount_job_done(&job);
        ASSERT_EQ(mount("x", host(&c, "/mnt", m, sizeof(m)), "tmpfs", 0, NULL), 0);
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.opcode, NSHELPER_REMOUNT);
        EXPECT_EQ(job.req.flags, MS_REMOUNT | MS_BIND | MS_RDONLY);
        mount_job_done(&job);
}

TEST(umount2_sends_the_parent_and_name_or_continues)
{
        struct mount_params p = tmpfs_params();
        struct mount_job job;
        struct call c;
        char m[PATH_MAX];

        call_init(&c);
        c.umount = true;
        /* Not a mount: the kernel says so itself. */
        EXPECT_EQ(run(&c, &p, &job), MOUNT_CONTINUE);
        mount_job_done(&job);
        c.target = "/missing";
        EXPECT_EQ(run(&c, &p, &job), MOUNT_CONTINUE);
        mount_job_done(&job);

        ASSERT_EQ(mount("x", host(&c, "/mnt", m, sizeof(m)), "tmpfs", 0, NULL), 0);
        c.target = "/mnt/";
        c.uflags = MNT_DETACH;
        ASSERT_EQ(run(&c, &p, &job), 0);
        EXPECT_EQ(job.req.opcode, NSHELPER_UMOUNT);
        EXPECT_EQ(job.req.flags, MNT_DETACH);
        EXPECT_STREQ(job.req.source, "mnt");
        ASSERT_EQ(job.n_fds, 1);
        expect_same(&c, job.fds[0], "");
        mount_job_done(&job);

        c.uflags = 0x100;
        EXPECT_EQ(run(&c, &p, &job), -EINVAL);
        mount_job_done(&job);
}
