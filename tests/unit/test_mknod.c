/* mknod_emulate() for a real caller under a real seccomp notify filter: the test is
 * the supervisor (receive, decode, read, open target, emulate, answer) and checks
 * the node on disk and the errno the caller saw. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <sys/capability.h>

#include "common/macro.h"
#include "emulators/mknod.h"
#include "emulators/notify.h"
#include "emulators/request.h"
#include "emulators/syscalls.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

#define CALLER_DIRFD 50

/* What the trapped caller does. Host paths are absolute; the rest as the caller sees them. */
struct call {
        char dir[64];           /* host temporary dir */
        const char *dirfd_path; /* host path opened as CALLER_DIRFD before chroot */
        const char *chroot;     /* host path to chroot into */
        const char *cwd;        /* chdir after chroot */
        bool at;                /* mknodat(dirfd, ...) instead of mknod(...) */
        int dirfd;
        const char *path;       /* the caller's path argument */
        char path_buf[PATH_MAX];
        mode_t mode, umask;
        unsigned major, minor;
        uid_t uid;              /* non-zero: become uid/gid, keep only CAP_MKNOD */
        gid_t gid;
        bool drop_mknod;        /* drop CAP_MKNOD from the effective set */
        bool userns;            /* map 0..65535 to 100000.. */
        bool resumed;           /* as after a restart past target_commit() */
};

static void call_init(struct call *c, const char *path)
{
        memset(c, 0, sizeof(*c));
        ASSERT_EQ(trap_tmpdir(c->dir, sizeof(c->dir)), 0);
        c->path = path;
        c->dirfd = AT_FDCWD;
        c->mode = S_IFCHR | 0666;
        c->umask = 022;
        c->major = 1;
        c->minor = 3;
}

/* Host path below the temporary dir. */
static const char *host(const struct call *c, const char *rel, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s", c->dir, rel);
        return buf;
}

/* Makes the caller's path the host path of |rel| (no chroot); returns it. */
static const char *call_path(struct call *c, const char *rel)
{
        c->path = host(c, rel, c->path_buf, sizeof(c->path_buf));
        return c->path;
}

static void host_mkdir(const struct call *c, const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
        char p[PATH_MAX];

        ASSERT_EQ(mkdir(host(c, rel, p, sizeof(p)), mode), 0);
        ASSERT_EQ(chmod(p, mode), 0);
        ASSERT_EQ(chown(p, uid, gid), 0);
}

/* mkdir -p of a path below the temporary dir. */
static void host_mkdir_p(const struct call *c, const char *rel)
{
        char p[PATH_MAX];
        size_t base = strlen(c->dir);

        host(c, rel, p, sizeof(p));
        for (char *s = strchr(p + base + 1, '/');; s = strchr(s + 1, '/')) {
                if (s)
                        *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        HARNESS_FAIL(true, "mkdir %s: %s", p, strerror(errno));
                if (!s)
                        break;
                *s = '/';
        }
}

static int set_caps(cap_value_t keep, bool only)
{
        cap_value_t v = keep;
        cap_t caps = only ? cap_init() : cap_get_proc();
        int r;

        if (!caps)
                return -errno;
        if (only)
                r = cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) ||
                    cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
        else
                r = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
        if (r == 0)
                r = cap_set_proc(caps);
        cap_free(caps);
        return r ? -EPERM : 0;
}

/* Becomes uid/gid (no supplementary groups) keeping CAP_MKNOD alone. */
static int become_user(const struct call *c)
{
        if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
            setresuid(c->uid, c->uid, c->uid) < 0)
                return -errno;
        return set_caps(CAP_MKNOD, true);
}

static int call_setup(void *userdata)
{
        struct call *c = userdata;

        umask(c->umask);
        if (c->dirfd_path) {
                int fd = open(c->dirfd_path, O_RDONLY | O_CLOEXEC);

                if (fd < 0 || dup2(fd, CALLER_DIRFD) < 0)
                        return -errno;
                close(fd);
                c->dirfd = CALLER_DIRFD;
        }
        if (c->chroot && chroot(c->chroot) < 0)
                return -errno;
        if (c->cwd && chdir(c->cwd) < 0)
                return -errno;
        if (c->uid != 0)
                return become_user(c);
        if (c->drop_mknod)
                return set_caps(CAP_MKNOD, false);
        return 0;
}

static int call_act(void *userdata)
{
        const struct call *c = userdata;
        dev_t dev = makedev(c->major, c->minor);
        long r;

        if (c->at)
                r = syscall(SYS_mknodat, c->dirfd, c->path, c->mode, dev);
        else
                r = syscall(SYS_mknod, c->path, c->mode, dev);
        return r < 0 ? errno : 0;
}

static void call_start(struct call *c, struct trap *trap)
{
        struct trap_opts o = {
                .setup = call_setup, .act = call_act, .userdata = c, .userns = c->userns, .map_outer = 100000,
        };

        ASSERT_EQ(trap_start(&o, trap), 0);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct syscall_table *, syscall_table_free);

/* One trapped call as the supervisor holds it. */
struct pending {
        struct seccomp_notif notif;
        struct request req;
        struct target target;
};

/* Receive, decode, read the path, open the target: the steps before emulation. */
static void pending_open(const struct trap *trap, struct pending *p)
{
        _cleanup_(syscall_table_freep) struct syscall_table *table = NULL;

        ASSERT_EQ(syscall_table_new(&table), 0);
        ASSERT_EQ(trap_recv(trap, &p->notif), 0);
        request_decode(&p->req, table, &p->notif);
        ASSERT_TRUE(p->req.sysid == SYSID_MKNOD || p->req.sysid == SYSID_MKNODAT);
        ASSERT_EQ(request_read_args(&p->req), 0);
        p->target = (struct target) TARGET_NULL;
        ASSERT_EQ(target_open(&p->target, trap->listener_fd, p->notif.id, (pid_t) p->notif.pid), 0);
}

/* Answers with what the emulator returned; returns what SEND returned. */
static int pending_answer(const struct trap *trap, struct pending *p, int r)
{
        target_close(&p->target);
        if (r < 0)
                return notify_send_error(trap->listener_fd, p->notif.id, -r);
        return notify_send_value(trap->listener_fd, p->notif.id, 0);
}

/* Runs the call through the emulator; returns the errno the caller saw (0: success). */
static int run(struct call *c)
{
        struct trap trap = TRAP_NULL;
        struct pending p;
        int r, error = -1;

        /* Our own umask must not leak into the caller's node. */
        umask(077);
        call_start(c, &trap);
        pending_open(&trap, &p);
        p.target.resumed = c->resumed;
        r = mknod_emulate(&p.req, &p.target);
        ASSERT_EQ(pending_answer(&trap, &p, r), 0);
        ASSERT_EQ(trap_finish(&trap, &error), 0);
        trap_done(&trap);
        EXPECT_EQ(error, -r);
        return error;
}

static void expect_node(const struct call *c, const char *rel, mode_t mode, unsigned major, unsigned minor,
                        uid_t uid, gid_t gid)
{
        char p[PATH_MAX];
        struct stat st;

        ASSERT_EQ(lstat(host(c, rel, p, sizeof(p)), &st), 0);
        EXPECT_EQ(st.st_mode, mode);
        if (S_ISCHR(mode) || S_ISBLK(mode)) {
                EXPECT_EQ(major(st.st_rdev), major);
                EXPECT_EQ(minor(st.st_rdev), minor);
        }
        EXPECT_EQ(st.st_uid, uid);
        EXPECT_EQ(st.st_gid, gid);
}

static bool host_exists(const struct call *c, const char *rel)
{
        char p[PATH_MAX];
        struct stat st;

        return lstat(host(c, rel, p, sizeof(p)), &st) == 0;
}

TEST(mknod_creates_char_device_with_type_rdev_and_mode)
{
        struct call c;

        call_init(&c, NULL);
        host_mkdir(&c, "/dev", 0755, 0, 0);
        call_path(&c, "/dev/null");
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/dev/null", S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(mknodat_creates_block_device)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/loop7");
        c.at = true;
        c.mode = S_IFBLK | 0660;
        c.major = 7;
        c.minor = 7;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/loop7", S_IFBLK | 0640, 7, 7, 0, 0);
}

TEST(mknod_applies_caller_umask_not_ours)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/a");
        c.umask = 0;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/a", S_IFCHR | 0666, 1, 3, 0, 0);

        call_init(&c, NULL);
        call_path(&c, "/b");
        c.umask = 0177;
        c.mode = S_IFCHR | 0666;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/b", S_IFCHR | 0600, 1, 3, 0, 0);
}

TEST(mknod_relative_path_uses_cwd)
{
        char cwd[PATH_MAX];
        struct call c;

        call_init(&c, "node");
        host_mkdir(&c, "/sub", 0755, 0, 0);
        c.cwd = host(&c, "/sub", cwd, sizeof(cwd));
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/sub/node", S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(mknodat_relative_path_uses_dirfd)
{
        char cwd[PATH_MAX], d[PATH_MAX];
        struct call c;

        call_init(&c, "node");
        host_mkdir(&c, "/sub", 0755, 0, 0);
        host_mkdir(&c, "/d", 0755, 0, 0);
        c.cwd = host(&c, "/sub", cwd, sizeof(cwd));
        c.dirfd_path = host(&c, "/d", d, sizeof(d));
        c.at = true;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/d/node", S_IFCHR | 0644, 1, 3, 0, 0);
        EXPECT_FALSE(host_exists(&c, "/sub/node"));
}

TEST(mknodat_at_fdcwd_uses_cwd)
{
        char cwd[PATH_MAX];
        struct call c;

        call_init(&c, "sub2/node");
        host_mkdir(&c, "/sub", 0755, 0, 0);
        host_mkdir(&c, "/sub/sub2", 0755, 0, 0);
        c.cwd = host(&c, "/sub", cwd, sizeof(cwd));
        c.at = true;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/sub/sub2/node", S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(mknodat_absolute_path_ignores_dirfd)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/node");
        c.at = true;
        c.dirfd = 999; /* not open: the kernel does not look at it either */
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/node", S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(mknodat_relative_path_with_bad_dirfd_is_ebadf)
{
        struct call c;

        call_init(&c, "node");
        c.at = true;
        c.dirfd = 999;
        EXPECT_EQ(run(&c), EBADF);
}

TEST(mknodat_relative_path_with_file_dirfd_is_enotdir)
{
        char f[PATH_MAX];
        struct call c;
        int fd;

        call_init(&c, "node");
        fd = open(host(&c, "/file", f, sizeof(f)), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        close(fd);
        c.at = true;
        c.dirfd_path = f;
        EXPECT_EQ(run(&c), ENOTDIR);
}

TEST(mknod_existing_path_is_eexist)
{
        char l[PATH_MAX];
        struct call c;

        call_init(&c, NULL);
        ASSERT_EQ(mkdir(call_path(&c, "/exists"), 0755), 0);
        EXPECT_EQ(run(&c), EEXIST);

        /* A dangling symlink exists too, and is not followed. */
        call_init(&c, NULL);
        host(&c, "/dangling-target", l, sizeof(l));
        ASSERT_EQ(symlink(l, call_path(&c, "/dangling")), 0);
        EXPECT_EQ(run(&c), EEXIST);
        EXPECT_FALSE(host_exists(&c, "/dangling-target"));
}

TEST(mknod_missing_parent_is_enoent)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/missing/node");
        EXPECT_EQ(run(&c), ENOENT);
}

TEST(mknod_parent_not_directory_is_enotdir)
{
        struct call c;
        int fd;

        call_init(&c, NULL);
        fd = open(call_path(&c, "/file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        close(fd);
        call_path(&c, "/file/node");
        EXPECT_EQ(run(&c), ENOTDIR);
}

TEST(mknod_empty_path_is_enoent)
{
        struct call c;

        call_init(&c, "");
        EXPECT_EQ(run(&c), ENOENT);
}

TEST(mknod_trailing_slash_is_enoent_or_eexist_like_kernel)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/node/");
        EXPECT_EQ(run(&c), ENOENT);
        EXPECT_FALSE(host_exists(&c, "/node"));

        call_init(&c, NULL);
        ASSERT_EQ(mknod(call_path(&c, "/node"), S_IFIFO | 0600, 0), 0);
        call_path(&c, "/node/");
        EXPECT_EQ(run(&c), EEXIST);
}

TEST(mknod_dot_and_dotdot_are_eexist)
{
        struct call c;

        call_init(&c, ".");
        c.cwd = c.dir;
        EXPECT_EQ(run(&c), EEXIST);
        call_init(&c, NULL);
        call_path(&c, "/..");
        EXPECT_EQ(run(&c), EEXIST);
        call_init(&c, "/");
        EXPECT_EQ(run(&c), EEXIST);
}

TEST(mknod_directory_type_is_eperm_and_bad_type_is_einval)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/node");
        c.mode = S_IFDIR | 0755;
        EXPECT_EQ(run(&c), EPERM);
        c.mode = 0170000 | 0644;
        EXPECT_EQ(run(&c), EINVAL);
        EXPECT_FALSE(host_exists(&c, "/node"));
}

TEST(mknod_type_zero_creates_regular_file)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/reg");
        c.mode = 0640;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/reg", S_IFREG | 0640, 0, 0, 0, 0);
}

/* uid 1234, gid 5678 making /home/null in a /home of 1234:1234. */
static void home_call(struct call *c)
{
        call_init(c, NULL);
        host_mkdir(c, "/home", 0755, 1234, 1234);
        call_path(c, "/home/null");
        c->uid = 1234;
        c->gid = 5678;
}

TEST(mknod_node_owned_by_caller_fsuid_fsgid)
{
        struct call c;

        home_call(&c);
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/home/null", S_IFCHR | 0644, 1, 3, 1234, 5678);
}

/* A resumed call (its daemon died past target_commit()): the node that daemon
 * made is its result, finished if it was not yet owned; anyone else's node is
 * still EEXIST. */
TEST(a_resumed_mknod_finishes_its_own_node_and_nothing_else)
{
        static const struct {
                const char *what;
                mode_t mode;            /* 0: no node there */
                uid_t uid;
                gid_t gid;
                int error;
        } cases[] = {
                { "made, not owned yet (the daemon's)", S_IFCHR | 0600, 0, 0, 0 },
                { "made and owned", S_IFCHR | 0644, 1234, 5678, 0 },
                { "owned, not yet chmod'ed", S_IFCHR | 0600, 1234, 5678, 0 },
                { "nothing made", 0, 0, 0, 0 },
                { "another uid's node", S_IFCHR | 0644, 999, 999, EEXIST },
                { "a node of another type", S_IFIFO | 0644, 0, 0, EEXIST },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char p[PATH_MAX];
                struct call c;

                home_call(&c);
                c.resumed = true;
                host(&c, "/home/null", p, sizeof(p));
                if (cases[i].mode) {
                        ASSERT_EQ(mknod(p, cases[i].mode, makedev(1, 3)), 0);
                        ASSERT_EQ(chmod(p, cases[i].mode & 07777), 0);
                        ASSERT_EQ(lchown(p, cases[i].uid, cases[i].gid), 0);
                }
                EXPECT_EQ(run(&c), cases[i].error);
                if (cases[i].error == 0)
                        expect_node(&c, "/home/null", S_IFCHR | 0644, 1, 3, 1234, 5678);
                else
                        expect_node(&c, "/home/null", cases[i].mode, 1, 3, cases[i].uid, cases[i].gid);
        }
}

TEST(mknod_in_setgid_dir_takes_the_dirs_group)
{
        struct call c;

        call_init(&c, NULL);
        host_mkdir(&c, "/shared", 02777, 0, 4242);
        call_path(&c, "/shared/null");
        c.uid = 1234;
        c.gid = 5678;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/shared/null", S_IFCHR | 0644, 1, 3, 1234, 4242);
}

TEST(mknod_without_write_permission_is_eacces)
{
        struct call c;

        call_init(&c, NULL);
        host_mkdir(&c, "/ro", 0755, 0, 0);
        call_path(&c, "/ro/null");
        c.uid = 1234;
        c.gid = 1234;
        EXPECT_EQ(run(&c), EACCES);
        EXPECT_FALSE(host_exists(&c, "/ro/null"));
}

TEST(mknod_without_search_permission_is_eacces)
{
        struct call c;

        call_init(&c, NULL);
        host_mkdir(&c, "/nox", 0776, 0, 1234);
        call_path(&c, "/nox/null");
        c.uid = 1234;
        c.gid = 1234; /* group rwx, other rw- : search comes from the group bits */
        EXPECT_EQ(run(&c), 0);

        call_init(&c, NULL);
        host_mkdir(&c, "/nox", 0776, 0, 0);
        call_path(&c, "/nox/null");
        c.uid = 1234;
        c.gid = 1234;
        EXPECT_EQ(run(&c), EACCES);
        EXPECT_FALSE(host_exists(&c, "/nox/null"));
}

TEST(mknod_with_dac_override_ignores_mode_bits)
{
        struct call c;

        call_init(&c, NULL);
        host_mkdir(&c, "/locked", 0000, 0, 0);
        call_path(&c, "/locked/null");
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/locked/null", S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(mknod_without_cap_mknod_is_eperm)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/null");
        c.drop_mknod = true;
        EXPECT_EQ(run(&c), EPERM);
        EXPECT_FALSE(host_exists(&c, "/null"));
}

TEST(whiteout_without_cap_mknod_is_created_like_kernel)
{
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/wh");
        c.drop_mknod = true;
        c.major = 0;
        c.minor = 0;
        c.mode = S_IFCHR | 0000;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/wh", S_IFCHR, 0, 0, 0, 0);
}

TEST(mknod_in_user_namespace_is_owned_by_mapped_root)
{
        char cwd[PATH_MAX];
        struct call c;

        call_init(&c, "null");
        host_mkdir(&c, "/ct", 0755, 100000, 100000);
        c.cwd = host(&c, "/ct", cwd, sizeof(cwd));
        c.userns = true;
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/ct/null", S_IFCHR | 0644, 1, 3, 100000, 100000);
}

TEST(userns_root_cannot_create_in_unmapped_host_owned_dir)
{
        char cwd[PATH_MAX];
        struct call c;

        call_init(&c, "null");
        host_mkdir(&c, "/host", 0755, 0, 0);
        c.cwd = host(&c, "/host", cwd, sizeof(cwd));
        c.userns = true;
        /* CAP_DAC_OVERRIDE in its namespace does not cover uid 0 of the host. */
        EXPECT_EQ(run(&c), EACCES);
        EXPECT_FALSE(host_exists(&c, "/host/null"));
}

TEST(symlink_escape_attempt_in_chroot_stays_inside)
{
        char root[128], outside[128], mirror[256];
        struct call c;

        call_init(&c, "/dev/null");
        host_mkdir(&c, "/root", 0755, 0, 0);
        host_mkdir(&c, "/outside", 0755, 0, 0);
        c.chroot = host(&c, "/root", root, sizeof(root));
        c.cwd = "/";
        /* root/dev -> <host tmp>/outside: absolute, so it must resolve inside root. */
        host(&c, "/outside", outside, sizeof(outside));
        snprintf(mirror, sizeof(mirror), "%s/dev", root);
        ASSERT_EQ(symlink(outside, mirror), 0);
        EXPECT_EQ(run(&c), ENOENT);
        EXPECT_FALSE(host_exists(&c, "/outside/null"));

        /* Give the link's target a twin inside root: the node lands there. */
        snprintf(mirror, sizeof(mirror), "/root%s", outside);
        host_mkdir_p(&c, mirror);
        ASSERT_EQ(run(&c), 0);
        EXPECT_FALSE(host_exists(&c, "/outside/null"));
        snprintf(mirror, sizeof(mirror), "/root%s/null", outside);
        expect_node(&c, mirror, S_IFCHR | 0644, 1, 3, 0, 0);
}

TEST(dotdot_escape_attempt_in_chroot_stays_inside)
{
        char root[128];
        struct call c;

        call_init(&c, "../../../../../../outside/null");
        host_mkdir(&c, "/root", 0755, 0, 0);
        host_mkdir(&c, "/root/sub", 0755, 0, 0);
        host_mkdir(&c, "/root/outside", 0755, 0, 0);
        host_mkdir(&c, "/outside", 0755, 0, 0);
        c.chroot = host(&c, "/root", root, sizeof(root));
        c.cwd = "/sub";
        ASSERT_EQ(run(&c), 0);
        expect_node(&c, "/root/outside/null", S_IFCHR | 0644, 1, 3, 0, 0);
        EXPECT_FALSE(host_exists(&c, "/outside/null"));
}

TEST(mknod_in_deleted_cwd_is_enoent)
{
        struct trap trap = TRAP_NULL;
        char cwd[PATH_MAX];
        struct pending p;
        struct call c;
        int error = -1;

        call_init(&c, "null");
        host_mkdir(&c, "/gone", 0755, 0, 0);
        c.cwd = host(&c, "/gone", cwd, sizeof(cwd));
        call_start(&c, &trap);
        pending_open(&trap, &p);
        ASSERT_EQ(rmdir(cwd), 0);
        EXPECT_EQ(mknod_emulate(&p.req, &p.target), -ENOENT);
        ASSERT_EQ(pending_answer(&trap, &p, -ENOENT), 0);
        ASSERT_EQ(trap_finish(&trap, &error), 0);
        EXPECT_EQ(error, ENOENT);
        trap_done(&trap);
}

TEST(caller_killed_before_emulation_creates_nothing)
{
        struct trap trap = TRAP_NULL;
        struct pending p;
        struct call c;

        call_init(&c, NULL);
        call_path(&c, "/null");
        call_start(&c, &trap);
        pending_open(&trap, &p);
        ASSERT_EQ(kill(trap.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(trap.pid, NULL, 0), trap.pid);
        trap.pid = 0;
        EXPECT_LT(mknod_emulate(&p.req, &p.target), 0);
        EXPECT_FALSE(host_exists(&c, "/null"));
        EXPECT_EQ(pending_answer(&trap, &p, -EPERM), -ENOENT);
        trap_done(&trap);
}
