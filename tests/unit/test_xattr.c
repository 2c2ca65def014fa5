/* xattr_emulate() for a real caller under a real seccomp notify filter that traps
 * setxattr, lsetxattr and fsetxattr: the test is the supervisor (receive, decode,
 * read, open target, emulate, answer) and checks the attribute on disk and the
 * errno the caller saw. trap.c's child traps mknod only, so the child here is
 * its own, speaking trap.c's protocol so that trap_recv/finish/done serve it. */
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "common/macro.h"
#include "emulators/notify.h"
#include "emulators/request.h"
#include "emulators/syscalls.h"
#include "emulators/target.h"
#include "emulators/xattr.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

#define CALLER_FD 50
#define OPAQUE "trusted.overlay.opaque"
#define MAP_OUTER 100000
#define TIMEOUT_MS 5000

/* What the trapped caller does. Host paths are absolute; the rest as the caller sees them. */
struct call {
        char dir[64];           /* host temporary dir */
        long nr;                /* SYS_setxattr, SYS_lsetxattr or SYS_fsetxattr */
        const char *path;       /* the caller's path argument */
        char path_buf[PATH_MAX];
        const char *fd_path;    /* host path opened as CALLER_FD before chroot */
        int fd_flags;           /* O_RDONLY, O_PATH, ... */
        int fd;                 /* fsetxattr's fd argument */
        const char *chroot;     /* host path to chroot into */
        const char *cwd;        /* chdir after chroot */
        const char *name;
        const char *value;
        size_t size;
        int flags;
        bool unmapped_value;    /* value points at a page the caller unmapped */
        bool drop_sys_admin;    /* drop CAP_SYS_ADMIN from the effective set */
        bool userns;            /* map 0..65535 to MAP_OUTER.. */
};

static void call_init(struct call *c, long nr, const char *path)
{
        memset(c, 0, sizeof(*c));
        ASSERT_EQ(trap_tmpdir(c->dir, sizeof(c->dir)), 0);
        c->nr = nr;
        c->path = path;
        c->fd = CALLER_FD;
        c->name = OPAQUE;
        c->value = "y";
        c->size = 1;
}

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

static void host_mkdir(const struct call *c, const char *rel, uid_t uid, gid_t gid)
{
        char p[PATH_MAX];

        ASSERT_EQ(mkdir(host(c, rel, p, sizeof(p)), 0755), 0);
        ASSERT_EQ(chown(p, uid, gid), 0);
}

static void host_file(const struct call *c, const char *rel, uid_t uid, gid_t gid)
{
        char p[PATH_MAX];
        int fd = open(host(c, rel, p, sizeof(p)), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

        ASSERT_GE(fd, 0);
        close(fd);
        ASSERT_EQ(lchown(p, uid, gid), 0);
}

/* The attribute's value on the host file (not following a final symlink), or "" plus
 * the errno when it has none. */
static const char *host_xattr(const struct call *c, const char *rel, const char *name, char *buf, size_t size)
{
        char p[PATH_MAX];
        ssize_t n = lgetxattr(host(c, rel, p, sizeof(p)), name, buf, size - 1);

        if (n < 0) {
                snprintf(buf, size, "errno %d", errno);
                return buf;
        }
        buf[n] = '\0';
        return buf;
}

/* ---- the trapped child (trap.c's protocol: setup result, maps, fd, result) ---- */

static int send_int(int sock, int value, int fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                struct cmsghdr *cm;

                msg.msg_control = control.buf;
                msg.msg_controllen = sizeof(control.buf);
                cm = CMSG_FIRSTHDR(&msg);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        }
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_int(int sock, int *ret_value, int *ret_fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        int value = 0, fd = -EBADF;
        struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        struct pollfd p = { .fd = sock, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, TIMEOUT_MS) <= 0)
                return -ETIMEDOUT;
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        if (n != sizeof(value)) {
                safe_close(fd);
                return -EPIPE;
        }
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        *ret_value = value;
        return 0;
}

static int load_filter(int *ret_fd)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r, fd;

        if (!ctx)
                return -ENOMEM;
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(setxattr), 0);
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(lsetxattr), 0);
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(fsetxattr), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        fd = r == 0 ? seccomp_notify_fd(ctx) : -1;
        seccomp_release(ctx);
        if (r < 0)
                return r;
        if (fd < 0)
                return -EBADF;
        *ret_fd = fd;
        return 0;
}

static int child_setup(struct call *c)
{
        if (c->fd_path) {
                int fd = open(c->fd_path, c->fd_flags | O_CLOEXEC);

                if (fd < 0 || dup2(fd, CALLER_FD) < 0)
                        return -errno;
                close(fd);
        }
        if (c->chroot && chroot(c->chroot) < 0)
                return -errno;
        if (c->cwd && chdir(c->cwd) < 0)
                return -errno;
        return 0;
}

/* unshare(CLONE_NEWUSER), wait for the parent to write the maps, become its root. */
static int child_userns(int sock)
{
        int r, ok;

        if (unshare(CLONE_NEWUSER) < 0)
                return -errno;
        r = send_int(sock, 0, -EBADF);
        if (r == 0)
                r = recv_int(sock, &ok, NULL);
        if (r < 0)
                return r;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return -errno;
        return 0;
}

static int drop_sys_admin(void)
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

static int child_act(const struct call *c)
{
        const void *value = c->value;
        long r;

        if (c->unmapped_value) {
                void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (page == MAP_FAILED || munmap(page, 4096) < 0)
                        return ENOMEM;
                value = page;
        }
        if (c->nr == SYS_fsetxattr)
                r = syscall(SYS_fsetxattr, c->fd, c->name, value, c->size, c->flags);
        else
                r = syscall(c->nr, c->path, c->name, value, c->size, c->flags);
        return r < 0 ? errno : 0;
}

_Noreturn static void child_run(struct call *c, int sock, pid_t parent)
{
        int r, fd = -EBADF;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(2);
        r = child_setup(c);
        if (r == 0 && c->userns)
                r = child_userns(sock);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(2);
        if (r == 0 && c->drop_sys_admin)
                r = drop_sys_admin();
        if (r == 0)
                r = load_filter(&fd);
        if (send_int(sock, r, fd) < 0 || r < 0)
                _exit(3);
        safe_close(fd);
        r = child_act(c);
        _exit(send_int(sock, r, -EBADF) < 0 ? 4 : 0);
}

static int write_file(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        return write(fd, text, len) == (ssize_t) len ? 0 : -EIO;
}

static int write_maps(pid_t pid)
{
        char path[64], map[64];
        int r;

        snprintf(map, sizeof(map), "0 %u 65536\n", MAP_OUTER);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        r = write_file(path, map);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        return write_file(path, map);
}

static int handshake(const struct call *c, struct trap *t)
{
        int status = 0, r;

        if (c->userns) {
                r = recv_int(t->sock, &status, NULL);
                if (r < 0 || status < 0)
                        return r < 0 ? r : status;
                r = write_maps(t->pid);
                if (r == 0)
                        r = send_int(t->sock, 0, -EBADF);
                if (r < 0)
                        return r;
        }
        r = recv_int(t->sock, &status, &t->listener_fd);
        if (r < 0 || status < 0)
                return r < 0 ? r : status;
        return t->listener_fd < 0 ? -EBADF : 0;
}

static void call_start(struct call *c, struct trap *ret)
{
        struct trap t = TRAP_NULL;
        pid_t parent = getpid();
        int sv[2];

        ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        fflush(NULL);
        t.pid = fork();
        ASSERT_GE(t.pid, 0);
        if (t.pid == 0) {
                safe_close(sv[0]);
                child_run(c, sv[1], parent);
        }
        safe_close(sv[1]);
        t.sock = sv[0];
        if (handshake(c, &t) < 0) {
                trap_done(&t);
                HARNESS_FAIL(true, "%s", "the trapped child did not start");
        }
        *ret = t;
}

/* ---- the supervisor side ---- */

/* req.name points into the table: it lives as long as the request. */
struct pending {
        struct syscall_table *table;
        struct seccomp_notif notif;
        struct request req;
        struct target target;
};

/* Returns request_read_args()'s result: the daemon answers a failed read with
 * its errno before any emulator runs. */
static int pending_open(const struct trap *trap, struct pending *p)
{
        int r;

        ASSERT_EQ(syscall_table_new(&p->table), 0);
        ASSERT_EQ(trap_recv(trap, &p->notif), 0);
        request_decode(&p->req, p->table, &p->notif);
        r = request_read_args(&p->req);
        p->target = (struct target) TARGET_NULL;
        ASSERT_EQ(target_open(&p->target, trap->listener_fd, p->notif.id, (pid_t) p->notif.pid), 0);
        return r;
}

static int pending_answer(const struct trap *trap, struct pending *p, int r)
{
        target_close(&p->target);
        p->table = syscall_table_free(p->table);
        if (r < 0)
                return notify_send_error(trap->listener_fd, p->notif.id, -r);
        return notify_send_value(trap->listener_fd, p->notif.id, 0);
}

static char overlay_prefix[] = "trusted.overlay.";
static char *overlay_names[] = { overlay_prefix };
static const struct xattr_params overlay_params = { .n_names = 1, .names = overlay_names };

/* Runs the call through the emulator with |p|; returns the errno the caller saw. */
static int run_with(struct call *c, const struct xattr_params *params)
{
        struct trap trap = TRAP_NULL;
        struct pending p;
        int r, error = -1;

        call_start(c, &trap);
        r = pending_open(&trap, &p);
        if (r == 0)
                r = xattr_emulate(&p.req, params, &p.target);
        ASSERT_EQ(pending_answer(&trap, &p, r), 0);
        ASSERT_EQ(trap_finish(&trap, &error), 0);
        trap_done(&trap);
        EXPECT_EQ(error, -r);
        return error;
}

static int run(struct call *c)
{
        return run_with(c, &overlay_params);
}

/* ---- params ---- */

TEST(params_allow_exact_names_and_dot_prefixes)
{
        char exact[] = "trusted.overlay.opaque", prefix[] = "trusted.foo.";
        char *names[] = { exact, prefix };
        struct xattr_params p = { .n_names = 2, .names = names };

        EXPECT_TRUE(xattr_params_allow(&p, "trusted.overlay.opaque"));
        EXPECT_FALSE(xattr_params_allow(&p, "trusted.overlay.opaquex"));
        EXPECT_FALSE(xattr_params_allow(&p, "trusted.overlay.redirect"));
        EXPECT_TRUE(xattr_params_allow(&p, "trusted.foo.bar"));
        EXPECT_FALSE(xattr_params_allow(&p, "trusted.foo."));
        EXPECT_FALSE(xattr_params_allow(&p, "trusted.foo"));
        EXPECT_FALSE(xattr_params_allow(&p, NULL));
}

TEST(params_allow_only_trusted_names)
{
        char user[] = "user.", sec[] = "security.capability", all[] = "";
        char *names[] = { user, sec, all };
        struct xattr_params p = { .n_names = 3, .names = names };

        EXPECT_FALSE(xattr_params_allow(&p, "user.x"));
        EXPECT_FALSE(xattr_params_allow(&p, "security.capability"));
        EXPECT_FALSE(xattr_params_allow(&p, ""));
}

TEST(params_without_names_allow_trusted_overlay)
{
        struct xattr_params p = { .n_names = 0 };

        EXPECT_TRUE(xattr_params_allow(&p, "trusted.overlay.redirect"));
        EXPECT_TRUE(xattr_params_allow(NULL, "trusted.overlay.origin"));
        EXPECT_FALSE(xattr_params_allow(&p, "trusted.other"));
}

/* ---- setting ---- */

TEST(setxattr_sets_allowed_name_on_file_and_dir)
{
        char v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "y");

        call_init(&c, SYS_setxattr, NULL);
        host_mkdir(&c, "/d", 0, 0);
        call_path(&c, "/d");
        c.name = "trusted.overlay.redirect";
        c.value = "/lower/d";
        c.size = strlen(c.value);
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/d", "trusted.overlay.redirect", v, sizeof(v)), "/lower/d");
}

TEST(setxattr_relative_path_uses_cwd)
{
        char cwd[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, "d");
        host_mkdir(&c, "/sub", 0, 0);
        host_mkdir(&c, "/sub/d", 0, 0);
        c.cwd = host(&c, "/sub", cwd, sizeof(cwd));
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/sub/d", OPAQUE, v, sizeof(v)), "y");
}

TEST(zero_size_sets_empty_value_without_reading)
{
        char v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.value = NULL;
        c.size = 0;
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "");
}

TEST(disallowed_name_is_eperm)
{
        char v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.name = "trusted.other";
        EXPECT_EQ(run(&c), EPERM);
        EXPECT_STREQ(host_xattr(&c, "/f", "trusted.other", v, sizeof(v)), "errno 61");

        c.name = "security.capability";
        EXPECT_EQ(run_with(&c, &(struct xattr_params) { .n_names = 0 }), EPERM);
}

TEST(value_at_unmapped_address_is_efault)
{
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.unmapped_value = true;
        c.size = 16;
        EXPECT_EQ(run(&c), EFAULT);

        c.unmapped_value = false;
        c.value = NULL;
        EXPECT_EQ(run(&c), EFAULT);
}

TEST(size_over_xattr_size_max_is_e2big)
{
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.size = XATTR_SIZE_MAX + 1;
        EXPECT_EQ(run(&c), E2BIG);
}

TEST(bad_flags_and_names_fail_like_kernel)
{
        static char long_name[XATTR_NAME_MAX + 2];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.flags = 4;
        EXPECT_EQ(run(&c), EINVAL);

        c.flags = 0;
        c.name = "";
        EXPECT_EQ(run(&c), ERANGE);

        memset(long_name, 'a', sizeof(long_name) - 1);
        memcpy(long_name, "trusted.overlay.", 16);
        c.name = long_name;
        EXPECT_EQ(run(&c), ERANGE);

        c.name = NULL;
        EXPECT_EQ(run(&c), EFAULT);

        /* The arguments are checked before the path, as in setxattr_copy(). */
        c.name = OPAQUE;
        c.size = XATTR_SIZE_MAX + 1;
        call_path(&c, "/missing");
        EXPECT_EQ(run(&c), E2BIG);
}

TEST(path_errors_are_the_kernels)
{
        struct call c;

        call_init(&c, SYS_setxattr, "");
        EXPECT_EQ(run(&c), ENOENT);
        call_init(&c, SYS_setxattr, NULL);
        call_path(&c, "/missing");
        EXPECT_EQ(run(&c), ENOENT);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f/x");
        EXPECT_EQ(run(&c), ENOTDIR);
        c.path = NULL;
        EXPECT_EQ(run(&c), EFAULT);
}

TEST(xattr_create_on_existing_is_eexist_and_replace_on_missing_enodata)
{
        char p[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        ASSERT_EQ(setxattr(host(&c, "/f", p, sizeof(p)), OPAQUE, "x", 1, 0), 0);
        call_path(&c, "/f");
        c.flags = XATTR_CREATE;
        EXPECT_EQ(run(&c), EEXIST);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "x");

        c.flags = XATTR_REPLACE;
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "y");

        c.name = "trusted.overlay.origin";
        EXPECT_EQ(run(&c), ENODATA);
}

TEST(setxattr_follows_final_symlink_and_lsetxattr_does_not)
{
        char v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        ASSERT_EQ(symlink("f", call_path(&c, "/l")), 0);
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "y");
        EXPECT_STREQ(host_xattr(&c, "/l", OPAQUE, v, sizeof(v)), "errno 61");

        c.nr = SYS_lsetxattr;
        c.name = "trusted.overlay.origin";
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/l", "trusted.overlay.origin", v, sizeof(v)), "y");
        EXPECT_STREQ(host_xattr(&c, "/f", "trusted.overlay.origin", v, sizeof(v)), "errno 61");
}

TEST(device_node_is_never_opened_but_gets_the_attribute)
{
        char p[PATH_MAX], v[64];
        struct call c;

        /* A fifo: opening it O_RDONLY would block. */
        call_init(&c, SYS_lsetxattr, NULL);
        ASSERT_EQ(mkfifo(host(&c, "/fifo", p, sizeof(p)), 0600), 0);
        call_path(&c, "/fifo");
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/fifo", OPAQUE, v, sizeof(v)), "y");
}

TEST(symlink_escape_attempt_in_chroot_stays_inside)
{
        char root[128], outside[128], link[256], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, "/link");
        host_mkdir(&c, "/root", 0, 0);
        host_file(&c, "/outside", 0, 0);
        c.chroot = host(&c, "/root", root, sizeof(root));
        c.cwd = "/";
        /* root/link -> <host tmp>/outside: absolute, so it must resolve inside root. */
        host(&c, "/outside", outside, sizeof(outside));
        snprintf(link, sizeof(link), "%s/link", root);
        ASSERT_EQ(symlink(outside, link), 0);
        EXPECT_EQ(run(&c), ENOENT);
        EXPECT_STREQ(host_xattr(&c, "/outside", OPAQUE, v, sizeof(v)), "errno 61");

        /* ".." above the root stays at the root too. */
        call_init(&c, SYS_setxattr, "../../../../../../../outside");
        host_mkdir(&c, "/root", 0, 0);
        host_mkdir(&c, "/root/sub", 0, 0);
        host_file(&c, "/root/outside", 0, 0);
        host_file(&c, "/outside", 0, 0);
        c.chroot = host(&c, "/root", root, sizeof(root));
        c.cwd = "/sub";
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/root/outside", OPAQUE, v, sizeof(v)), "y");
        EXPECT_STREQ(host_xattr(&c, "/outside", OPAQUE, v, sizeof(v)), "errno 61");

        /* "/.." names the root itself, never its host parent. */
        call_init(&c, SYS_setxattr, "/..");
        host_mkdir(&c, "/root", 0, 0);
        c.chroot = host(&c, "/root", root, sizeof(root));
        c.cwd = "/";
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/root", OPAQUE, v, sizeof(v)), "y");
        EXPECT_STREQ(host_xattr(&c, "", OPAQUE, v, sizeof(v)), "errno 61");
}

TEST(magic_link_in_path_is_refused)
{
        struct call c;

        call_init(&c, SYS_setxattr, "/proc/self/cwd");
        c.cwd = c.dir;
        EXPECT_EQ(run(&c), ELOOP);
}

TEST(fsetxattr_uses_the_callers_fd)
{
        char p[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_fsetxattr, NULL);
        host_file(&c, "/f", 0, 0);
        c.fd_path = host(&c, "/f", p, sizeof(p));
        c.fd_flags = O_RDONLY;
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "y");

        call_init(&c, SYS_fsetxattr, NULL);
        host_mkdir(&c, "/d", 0, 0);
        c.fd_path = host(&c, "/d", p, sizeof(p));
        c.fd_flags = O_RDONLY | O_DIRECTORY;
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/d", OPAQUE, v, sizeof(v)), "y");
}

TEST(fsetxattr_bad_or_o_path_fd_is_ebadf)
{
        char p[PATH_MAX];
        struct call c;

        call_init(&c, SYS_fsetxattr, NULL);
        c.fd = 999;
        EXPECT_EQ(run(&c), EBADF);
        c.fd = -1;
        EXPECT_EQ(run(&c), EBADF);

        host_file(&c, "/f", 0, 0);
        c.fd = CALLER_FD;
        c.fd_path = host(&c, "/f", p, sizeof(p));
        c.fd_flags = O_PATH;
        EXPECT_EQ(run(&c), EBADF);
}

TEST(caller_without_cap_sys_admin_is_eperm)
{
        char p[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        c.drop_sys_admin = true;
        EXPECT_EQ(run(&c), EPERM);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "errno 61");

        call_init(&c, SYS_fsetxattr, NULL);
        host_file(&c, "/f", 0, 0);
        c.fd_path = host(&c, "/f", p, sizeof(p));
        c.drop_sys_admin = true;
        EXPECT_EQ(run(&c), EPERM);
}

TEST(userns_root_sets_on_its_own_files)
{
        char cwd[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, "upper/d");
        host_mkdir(&c, "/ct", MAP_OUTER, MAP_OUTER);
        host_mkdir(&c, "/ct/upper", MAP_OUTER, MAP_OUTER);
        host_mkdir(&c, "/ct/upper/d", MAP_OUTER + 1000, MAP_OUTER + 1000);
        c.cwd = host(&c, "/ct", cwd, sizeof(cwd));
        c.userns = true;
        ASSERT_EQ(run(&c), 0);
        EXPECT_STREQ(host_xattr(&c, "/ct/upper/d", OPAQUE, v, sizeof(v)), "y");
}

TEST(userns_root_cannot_set_on_unmapped_owner_or_group)
{
        char cwd[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, "host");
        host_mkdir(&c, "/ct", MAP_OUTER, MAP_OUTER);
        host_file(&c, "/ct/host", 0, MAP_OUTER);
        host_file(&c, "/ct/group", MAP_OUTER, 0);
        c.cwd = host(&c, "/ct", cwd, sizeof(cwd));
        c.userns = true;
        EXPECT_EQ(run(&c), EPERM);
        EXPECT_STREQ(host_xattr(&c, "/ct/host", OPAQUE, v, sizeof(v)), "errno 61");
        c.path = "group";
        EXPECT_EQ(run(&c), EPERM);
        EXPECT_STREQ(host_xattr(&c, "/ct/group", OPAQUE, v, sizeof(v)), "errno 61");
}

TEST(read_only_mount_is_erofs)
{
        char p[PATH_MAX], v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_mkdir(&c, "/ro", 0, 0);
        host_file(&c, "/ro/f", 0, 0);
        /* A private mount namespace for this test process and its trapped child. */
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        host(&c, "/ro", p, sizeof(p));
        ASSERT_EQ(mount(p, p, NULL, MS_BIND, NULL), 0);
        ASSERT_EQ(mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
        call_path(&c, "/ro/f");
        EXPECT_EQ(run(&c), EROFS);
        c.drop_sys_admin = true; /* the mount is checked first, as mnt_want_write() is */
        EXPECT_EQ(run(&c), EROFS);
        ASSERT_EQ(umount2(p, MNT_DETACH), 0);
        EXPECT_STREQ(host_xattr(&c, "/ro/f", OPAQUE, v, sizeof(v)), "errno 61");
}

TEST(caller_killed_before_emulation_sets_nothing)
{
        struct trap trap = TRAP_NULL;
        struct pending p;
        char v[64];
        struct call c;

        call_init(&c, SYS_setxattr, NULL);
        host_file(&c, "/f", 0, 0);
        call_path(&c, "/f");
        call_start(&c, &trap);
        ASSERT_EQ(pending_open(&trap, &p), 0);
        ASSERT_EQ(kill(trap.pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(trap.pid, NULL, 0), trap.pid);
        trap.pid = 0;
        EXPECT_LT(xattr_emulate(&p.req, &overlay_params, &p.target), 0);
        EXPECT_STREQ(host_xattr(&c, "/f", OPAQUE, v, sizeof(v)), "errno 61");
        EXPECT_EQ(pending_answer(&trap, &p, -EPERM), -ENOENT);
        trap_done(&trap);
}
