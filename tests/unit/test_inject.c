/* emulators/inject.c: the flags a brokered open uses, and the open itself on the
 * host and inside the root of a real trapped caller (chrooted into a temporary
 * dir), where ".." and symlinks must stop. The caller only pins a root here:
 * trap.c's child traps mknodat, which is answered EPERM at the end. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/macro.h"
#include "emulators/inject.h"
#include "emulators/notify.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

struct box {
        char dir[64];           /* host temporary dir; the caller's root is dir/root */
        char path[PATH_MAX];    /* host path scratch */
};

static const char *at(struct box *b, const char *rel)
{
        snprintf(b->path, sizeof(b->path), "%s%s", b->dir, rel);
        return b->path;
}

static void write_file(struct box *b, const char *rel, const char *text)
{
        _cleanup_close_ int fd = open(at(b, rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t) strlen(text));
}

/* What |fd| reads from offset 0, or "errno N". */
static const char *read_fd(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);

        if (n < 0)
                snprintf(buf, size, "errno %d", errno);
        else
                buf[n] = '\0';
        return buf;
}

static const char *read_file(struct box *b, const char *rel, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(at(b, rel), O_RDONLY | O_CLOEXEC);

        return fd < 0 ? "missing" : read_fd(fd, buf, size);
}

static void box_init(struct box *b)
{
        memset(b, 0, sizeof(*b));
        ASSERT_EQ(trap_tmpdir(b->dir, sizeof(b->dir)), 0);
        ASSERT_EQ(mkdir(at(b, "/root"), 0755), 0);
        ASSERT_EQ(mkdir(at(b, "/root/dev"), 0755), 0);
}

static int enter_root(void *userdata)
{
        struct box *b = userdata;

        return chroot(at(b, "/root")) < 0 || chdir("/") < 0 ? -errno : 0;
}

static int act_mknodat(void *userdata)
{
        (void) userdata;
        return mknodat(AT_FDCWD, "/node", S_IFCHR | 0600, makedev(1, 3)) < 0 ? errno : 0;
}

/* A caller chrooted into the box's root, pinned on its trapped mknodat. */
static void pin_caller(struct box *b, struct trap *trap, struct target *t)
{
        struct trap_opts o = { .setup = enter_root, .act = act_mknodat, .userdata = b };
        struct seccomp_notif n;

        ASSERT_EQ(trap_start(&o, trap), 0);
        ASSERT_EQ(trap_recv(trap, &n), 0);
        ASSERT_EQ(target_open(t, trap->listener_fd, n.id, (pid_t) n.pid), 0);
}

static void unpin_caller(struct trap *trap, struct target *t)
{
        int error = 0;

        EXPECT_EQ(notify_send_error(trap->listener_fd, t->id, EPERM), 0);
        EXPECT_EQ(trap_finish(trap, &error), 0);
        target_close(t);
        trap_done(trap);
}

static const struct inject_params host = { .requested = true, .root = INJECT_ROOT_HOST };
static const struct inject_params in_root = { .requested = true, .root = INJECT_ROOT_CONTAINER };

/* ---- flags ---- */

TEST(open_flags_drop_create_cloexec_and_forbidden_bits)
{
        EXPECT_EQ(inject_open_flags(O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, O_TRUNC), O_RDWR | O_NOCTTY);
        EXPECT_EQ(inject_open_flags(O_WRONLY | O_APPEND | O_TRUNC, O_TRUNC | O_APPEND), O_WRONLY | O_NOCTTY);
        /* Without O_CREAT, O_EXCL is the exclusive open of a block device. */
        EXPECT_EQ(inject_open_flags(O_RDONLY | O_EXCL, 0), O_EXCL | O_NOCTTY);
        /* The kernel keeps only these of an O_PATH open. */
        EXPECT_EQ(inject_open_flags(O_PATH | O_RDWR | O_TRUNC | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0),
                  O_PATH | O_NOFOLLOW | O_DIRECTORY);
        EXPECT_EQ(inject_fd_flags(O_RDONLY | O_CLOEXEC), O_CLOEXEC);
        EXPECT_EQ(inject_fd_flags(O_RDWR), 0);
}

/* ---- on the host ---- */

TEST(host_path_is_opened_with_the_callers_access_mode)
{
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        struct box b;

        box_init(&b);
        write_file(&b, "/f", "host");
        fd = inject_open_requested(&host, at(&b, "/f"), O_RDWR, NULL);
        ASSERT_GE(fd, 0);
        EXPECT_STREQ(read_fd(fd, buf, sizeof(buf)), "host");
        EXPECT_EQ(pwrite(fd, "HO", 2, 0), 2);
        EXPECT_STREQ(read_file(&b, "/f", buf, sizeof(buf)), "HOst");
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        safe_close(fd);
        fd = inject_open_requested(&host, at(&b, "/f"), O_RDONLY, NULL);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(write(fd, "x", 1), -1);
        EXPECT_EQ(errno, EBADF);
}

TEST(forbidden_trunc_and_append_are_cleared)
{
        const struct inject_params forbid = { .requested = true, .forbid = O_TRUNC | O_APPEND };
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        struct box b;

        box_init(&b);
        write_file(&b, "/f", "keep me");
        fd = inject_open_requested(&forbid, at(&b, "/f"), O_WRONLY | O_TRUNC | O_APPEND, NULL);
        ASSERT_GE(fd, 0);
        EXPECT_FALSE(fcntl(fd, F_GETFL) & O_APPEND);
        EXPECT_STREQ(read_file(&b, "/f", buf, sizeof(buf)), "keep me");
        safe_close(fd);
        /* Not forbidden: the caller's O_TRUNC is honoured. */
        fd = inject_open_requested(&host, at(&b, "/f"), O_WRONLY | O_TRUNC, NULL);
        ASSERT_GE(fd, 0);
        EXPECT_STREQ(read_file(&b, "/f", buf, sizeof(buf)), "");
}

TEST(nothing_is_ever_created)
{
        struct stat st;
        struct box b;

        box_init(&b);
        write_file(&b, "/f", "x");
        ASSERT_EQ(symlink("nowhere", at(&b, "/dangling")), 0);
        EXPECT_EQ(inject_open_requested(&host, at(&b, "/new"), O_WRONLY | O_CREAT, NULL), -ENOENT);
        EXPECT_EQ(inject_open_requested(&host, at(&b, "/new"), O_WRONLY | O_CREAT | O_EXCL, NULL), -ENOENT);
        EXPECT_EQ(stat(at(&b, "/new"), &st), -1);
        /* O_CREAT|O_EXCL on a name that exists: EEXIST, as the kernel; a dangling symlink exists too. */
        EXPECT_EQ(inject_open_requested(&host, at(&b, "/f"), O_WRONLY | O_CREAT | O_EXCL, NULL), -EEXIST);
        EXPECT_EQ(inject_open_requested(&host, at(&b, "/dangling"), O_WRONLY | O_CREAT | O_EXCL, NULL), -EEXIST);
        EXPECT_EQ(stat(at(&b, "/nowhere"), &st), -1);
        EXPECT_EQ(inject_open_requested(&host, b.dir, O_RDWR | O_TMPFILE, NULL), -EOPNOTSUPP);
}

TEST(a_fifo_without_writer_does_not_block_and_gets_the_callers_nonblock)
{
        _cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
        struct box b;

        box_init(&b);
        ASSERT_EQ(mkfifo(at(&b, "/fifo"), 0600), 0);
        fd = inject_open_requested(&host, b.path, O_RDONLY, NULL);
        ASSERT_GE(fd, 0);
        EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
        fd2 = inject_open_requested(&host, b.path, O_RDONLY | O_NONBLOCK, NULL);
        ASSERT_GE(fd2, 0);
        EXPECT_TRUE(fcntl(fd2, F_GETFL) & O_NONBLOCK);
}

TEST(fixed_path_opens_with_the_policys_flags)
{
        struct inject_params fixed = { .open_flags = O_RDONLY };
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        struct box b;

        box_init(&b);
        write_file(&b, "/f", "fixed");
        fixed.path = b.path;
        fd = inject_open_fixed(&fixed);
        ASSERT_GE(fd, 0);
        EXPECT_STREQ(read_fd(fd, buf, sizeof(buf)), "fixed");
        EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
        at(&b, "/missing"); /* fixed.path is b.path */
        EXPECT_EQ(inject_open_fixed(&fixed), -ENOENT);
}

/* ---- inside the caller's root ---- */

TEST(container_root_opens_the_file_inside_it)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        struct box b;

        box_init(&b);
        write_file(&b, "/root/f", "inside");
        write_file(&b, "/f", "outside");
        ASSERT_EQ(mknod(at(&b, "/root/dev/null"), S_IFCHR | 0600, makedev(1, 3)), 0);
        pin_caller(&b, &trap, &t);
        fd = inject_open_requested(&in_root, "/f", O_RDWR, &t);
        ASSERT_GE(fd, 0);
        EXPECT_STREQ(read_fd(fd, buf, sizeof(buf)), "inside");
        safe_close(fd);
        /* A device node of the container, opened with seccompd's rights. */
        fd = inject_open_requested(&in_root, "/dev/null", O_WRONLY, &t);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(write(fd, "x", 1), 1);
        EXPECT_EQ(inject_open_requested(&in_root, "/missing", O_RDONLY, &t), -ENOENT);
        unpin_caller(&trap, &t);
}

TEST(container_root_symlinks_and_dotdot_stay_inside)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64], target_path[PATH_MAX];
        struct box b;

        box_init(&b);
        write_file(&b, "/secret", "host secret");
        /* An absolute link to the host path, and a relative one climbing out. */
        snprintf(target_path, sizeof(target_path), "%s/secret", b.dir);
        ASSERT_EQ(symlink(target_path, at(&b, "/root/abs")), 0);
        ASSERT_EQ(symlink("../../../../../../secret", at(&b, "/root/dev/rel")), 0);
        pin_caller(&b, &trap, &t);
        EXPECT_EQ(inject_open_requested(&in_root, "/abs", O_RDONLY, &t), -ENOENT);
        EXPECT_EQ(inject_open_requested(&in_root, "/dev/rel", O_RDONLY, &t), -ENOENT);
        /* Once the container has a /secret of its own, the relative link finds that one. */
        write_file(&b, "/root/secret", "container's");
        fd = inject_open_requested(&in_root, "/dev/rel", O_RDONLY, &t);
        ASSERT_GE(fd, 0);
        EXPECT_STREQ(read_fd(fd, buf, sizeof(buf)), "container's");
        unpin_caller(&trap, &t);
}

TEST(container_root_nofollow_final_symlink_is_eloop_or_the_link_with_o_path)
{
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        struct box b;

        box_init(&b);
        write_file(&b, "/root/f", "x");
        ASSERT_EQ(symlink("f", at(&b, "/root/link")), 0);
        pin_caller(&b, &trap, &t);
        EXPECT_EQ(inject_open_requested(&in_root, "/link", O_RDONLY | O_NOFOLLOW, &t), -ELOOP);
        fd = inject_open_requested(&in_root, "/link", O_PATH | O_NOFOLLOW, &t);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_TRUE(S_ISLNK(st.st_mode));
        safe_close(fd);
        fd = inject_open_requested(&in_root, "/link", O_RDONLY, &t);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_TRUE(S_ISREG(st.st_mode));
        EXPECT_EQ(inject_open_requested(&in_root, "/f", O_RDONLY | O_DIRECTORY, &t), -ENOTDIR);
        EXPECT_EQ(inject_open_requested(&in_root, "/dev", O_RDWR, &t), -EISDIR);
        EXPECT_EQ(inject_open_requested(&in_root, "/link", O_WRONLY | O_CREAT | O_EXCL, &t), -EEXIST);
        unpin_caller(&trap, &t);
}
