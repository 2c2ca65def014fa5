/* The namespace helper against a real "container": a child in a mount namespace
 * of its own (private propagation). Mounts made through the helper must show in
 * that namespace only; the helper must hold no fd but its own, answer malformed
 * requests with EINVAL, and show its death as EPIPE. Root only. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/nshelper.h"
#include "tests/unit/harness.h"
#include "tests/unit/mntns.h"
#include "tests/unit/trap.h"

#define REPLY_TIMEOUT_MS 5000

static struct nshelper *helper_start(const struct box *b)
{
        struct nshelper *h = NULL;

        ASSERT_EQ(nshelper_start(b->pidfd, &h), 0);
        ASSERT_TRUE(h);
        return h;
}

/* The next reply, waiting for it. */
static int reply(struct nshelper *h, struct nshelper_reply *rep)
{
        struct pollfd p = { .fd = nshelper_fd(h), .events = POLLIN };

        ASSERT_EQ(poll(&p, 1, REPLY_TIMEOUT_MS), 1);
        return nshelper_read_reply(h, rep);
}

/* Submits and returns the result the helper answered. */
static int call(struct nshelper *h, struct nshelper_request *req, const int *fds, size_t n_fds)
{
        static uint64_t tag = 100;
        struct nshelper_reply rep;

        req->tag = ++tag;
        req->n_fds = (uint32_t) n_fds;
        ASSERT_EQ(nshelper_submit(h, req, fds, n_fds), 0);
        ASSERT_EQ(reply(h, &rep), 0);
        ASSERT_EQ(rep.tag, req->tag);
        return rep.result;
}

static void request_init(struct nshelper_request *req, enum nshelper_opcode op)
{
        memset(req, 0, sizeof(*req));
        req->opcode = op;
}

/* The fstype mounted at |path| in pid's mountinfo ("" if none), last wins. */
static bool mounted_at(pid_t pid, const char *path, const char *fstype, const char *opt)
{
        char file[64], line[4096], point[PATH_MAX], opts[512], type[64];
        bool found = false;
        FILE *f;

        snprintf(file, sizeof(file), "/proc/%d/mountinfo", (int) pid);
        f = fopen(file, "re");
        ASSERT_TRUE(f);
        while (fgets(line, sizeof(line), f)) {
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s %511s", point, opts) != 2 ||
                    sscanf(sep, " - %63s", type) != 1)
                        continue;
                if (strcmp(point, path) == 0)
                        found = strcmp(type, fstype) == 0 && (!opt || strstr(opts, opt));
        }
        fclose(f);
        return found;
}

static void make_tmpfs(struct nshelper *h, const struct box *b, const char *dir, uint64_t flags, int expect)
{
        struct nshelper_request req;
        int fd = box_open(b, dir);

        request_init(&req, NSHELPER_MOUNT_FS);
        snprintf(req.fstype, sizeof(req.fstype), "tmpfs");
        snprintf(req.source, sizeof(req.source), "none");
        snprintf(req.data, sizeof(req.data), "size=1m,mode=0755");
        req.flags = flags;
        EXPECT_EQ(call(h, &req, &fd, 1), expect);
        close(fd);
}

/* As the daemon asks: the directory |dir| is in, and its name there. */
static int unmount(struct nshelper *h, const struct box *b, const char *dir)
{
        struct nshelper_request req;
        char parent[PATH_MAX];
        int fd, r;

        snprintf(parent, sizeof(parent), "%.*s", (int) (strrchr(dir, '/') - dir), dir);
        fd = box_open(b, parent[0] ? parent : "/");
        request_init(&req, NSHELPER_UMOUNT);
        snprintf(req.source, sizeof(req.source), "%s", strrchr(dir, '/') + 1);
        r = call(h, &req, &fd, 1);
        close(fd);
        return r;
}

TEST(ping_answers_zero_with_its_tag)
{
        struct box b;
        struct nshelper *h;
        struct nshelper_request req;

        box_start(&b);
        h = helper_start(&b);
        request_init(&req, NSHELPER_PING);
        EXPECT_EQ(call(h, &req, NULL, 0), 0);
        EXPECT_EQ(call(h, &req, NULL, 0), 0);
        nshelper_free(h);
}

static void ns_link(pid_t pid, const char *ns, char *buf, size_t size)
{
        char p[64];
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int) pid, ns);
        n = readlink(p, buf, size - 1);
        ASSERT_GT(n, 0);
        buf[n] = '\0';
}

TEST(helper_joins_mount_ns_only)
{
        char a[64], c[64];
        struct box b;
        struct nshelper *h;
        struct nshelper_request req;

        box_start(&b);
        h = helper_start(&b);
        request_init(&req, NSHELPER_PING);
        ASSERT_EQ(call(h, &req, NULL, 0), 0);
        ns_link(nshelper_pid(h), "mnt", a, sizeof(a));
        ns_link(b.pid, "mnt", c, sizeof(c));
        EXPECT_STREQ(a, c);
        ns_link(getpid(), "mnt", c, sizeof(c));
        EXPECT_TRUE(strcmp(a, c) != 0);
        ns_link(nshelper_pid(h), "pid", a, sizeof(a));
        ns_link(getpid(), "pid", c, sizeof(c));
        EXPECT_STREQ(a, c);
        ns_link(nshelper_pid(h), "user", a, sizeof(a));
        ns_link(getpid(), "user", c, sizeof(c));
        EXPECT_STREQ(a, c);
        nshelper_free(h);
}

TEST(tmpfs_mounts_in_container_ns_only_and_unmounts)
{
        char dir[64];
        struct box b;
        struct nshelper *h;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        box_start(&b);
        h = helper_start(&b);
        make_tmpfs(h, &b, dir, MS_NOSUID, 0);
        EXPECT_TRUE(mounted_at(b.pid, dir, "tmpfs", "nosuid"));
        EXPECT_FALSE(mounted_at(getpid(), dir, "tmpfs", NULL));
        EXPECT_EQ(unmount(h, &b, dir), 0);
        EXPECT_FALSE(mounted_at(b.pid, dir, "tmpfs", NULL));
        nshelper_free(h);
}

TEST(remount_of_own_mount_changes_flags)
{
        struct nshelper_request req;
        char dir[64];
        struct box b;
        struct nshelper *h;
        int fd;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        box_start(&b);
        h = helper_start(&b);
        make_tmpfs(h, &b, dir, 0, 0);
        fd = box_open(&b, dir);
        request_init(&req, NSHELPER_REMOUNT);
        req.flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
        EXPECT_EQ(call(h, &req, &fd, 1), 0);
        close(fd);
        EXPECT_TRUE(mounted_at(b.pid, dir, "tmpfs", "ro"));
        nshelper_free(h);
}

/* Mounts |dir| in the box's namespace ourselves (not through the helper). */
static void box_mount_tmpfs(const struct box *b, const char *dir)
{
        pid_t pid = fork();
        int status;

        ASSERT_GE(pid, 0);
        if (pid == 0)
                _exit(setns(b->pidfd, CLONE_NEWNS) < 0 || mount("x", dir, "tmpfs", 0, NULL) < 0);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_EQ(status, 0);
}

TEST(umount_and_remount_of_a_mount_not_ours_continue)
{
        struct nshelper_request req;
        char dir[64];
        struct box b;
        struct nshelper *h;
        int fd;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        box_start(&b);
        box_mount_tmpfs(&b, dir);
        h = helper_start(&b);
        EXPECT_EQ(unmount(h, &b, dir), MOUNT_CONTINUE);
        fd = box_open(&b, dir);
        request_init(&req, NSHELPER_REMOUNT);
        req.flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
        EXPECT_EQ(call(h, &req, &fd, 1), MOUNT_CONTINUE);
        close(fd);
        EXPECT_TRUE(mounted_at(b.pid, dir, "tmpfs", "rw"));

        /* Ours stacked on the box's own: only ours goes. */
        make_tmpfs(h, &b, dir, 0, 0);
        EXPECT_EQ(unmount(h, &b, dir), 0);
        EXPECT_TRUE(mounted_at(b.pid, dir, "tmpfs", NULL));
        nshelper_free(h);
}

TEST(bind_mount_through_the_helper)
{
        struct nshelper_request req;
        char dir[64], src[80], dst[80], file[PATH_MAX];
        struct box b;
        struct nshelper *h;
        int fds[2], fd;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        snprintf(src, sizeof(src), "%s/src", dir);
        snprintf(dst, sizeof(dst), "%s/dst", dir);
        ASSERT_EQ(mkdir(src, 0755), 0);
        ASSERT_EQ(mkdir(dst, 0755), 0);
        snprintf(file, sizeof(file), "%s/marker", src);
        fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        close(fd);
        box_start(&b);
        h = helper_start(&b);
        fds[0] = box_open(&b, dst);
        fds[1] = box_open(&b, src);
        request_init(&req, NSHELPER_MOUNT_BIND);
        EXPECT_EQ(call(h, &req, fds, 2), 0);
        close(fds[0]);
        close(fds[1]);
        snprintf(file, sizeof(file), "/proc/%d/root%s/marker", (int) b.pid, dst);
        EXPECT_EQ(access(file, F_OK), 0);
        snprintf(file, sizeof(file), "%s/marker", dst);
        EXPECT_EQ(access(file, F_OK), -1);
        EXPECT_EQ(unmount(h, &b, dst), 0);
        nshelper_free(h);
}

TEST(unknown_fstype_is_enodev)
{
        struct nshelper_request req;
        char dir[64];
        struct box b;
        struct nshelper *h;
        int fd;

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        box_start(&b);
        h = helper_start(&b);
        fd = box_open(&b, dir);
        request_init(&req, NSHELPER_MOUNT_FS);
        snprintf(req.fstype, sizeof(req.fstype), "nosuchfs");
        EXPECT_EQ(call(h, &req, &fd, 1), -ENODEV);
        /* Bad options come back as the filesystem's errno. */
        snprintf(req.fstype, sizeof(req.fstype), "tmpfs");
        snprintf(req.data, sizeof(req.data), "size=1m,nosuchoption");
        EXPECT_EQ(call(h, &req, &fd, 1), -EINVAL);
        close(fd);
        nshelper_free(h);
}

/* Sends raw bytes as a request; returns the reply. */
static struct nshelper_reply raw_call(struct nshelper *h, const void *buf, size_t len)
{
        struct nshelper_reply rep;

        ASSERT_EQ(send(nshelper_fd(h), buf, len, MSG_NOSIGNAL), (ssize_t) len);
        ASSERT_EQ(reply(h, &rep), 0);
        return rep;
}

TEST(malformed_requests_get_einval)
{
        struct nshelper_request req;
        struct nshelper_reply rep;
        struct box b;
        struct nshelper *h;
        char shortmsg[10] = { 1 };

        box_start(&b);
        h = helper_start(&b);

        rep = raw_call(h, shortmsg, sizeof(shortmsg));
        EXPECT_EQ(rep.result, -EINVAL);

        request_init(&req, NSHELPER_MOUNT_FS);
        req.tag = 7;
        memset(req.fstype, 'a', sizeof(req.fstype));
        rep = raw_call(h, &req, sizeof(req));
        EXPECT_EQ(rep.tag, 7);
        EXPECT_EQ(rep.result, -EINVAL);

        request_init(&req, NSHELPER_MOUNT_FS);
        req.tag = 8;
        memset(req.data, 'a', sizeof(req.data));
        rep = raw_call(h, &req, sizeof(req));
        EXPECT_EQ(rep.result, -EINVAL);

        /* n_fds says one, none came. */
        request_init(&req, NSHELPER_UMOUNT);
        req.tag = 9;
        req.n_fds = 1;
        rep = raw_call(h, &req, sizeof(req));
        EXPECT_EQ(rep.tag, 9);
        EXPECT_EQ(rep.result, -EINVAL);

        /* Unknown opcode; a mount with no target fd. */
        request_init(&req, 99);
        EXPECT_EQ(call(h, &req, NULL, 0), -EINVAL);
        request_init(&req, NSHELPER_MOUNT_FS);
        EXPECT_EQ(call(h, &req, NULL, 0), -EINVAL);

        /* Still serving. */
        request_init(&req, NSHELPER_PING);
        EXPECT_EQ(call(h, &req, NULL, 0), 0);

        /* The daemon side refuses a count that does not match. */
        req.n_fds = 1;
        EXPECT_EQ(nshelper_submit(h, &req, NULL, 0), -EINVAL);
        req.n_fds = NSHELPER_MAX_FDS + 1;
        EXPECT_EQ(nshelper_submit(h, &req, (int[NSHELPER_MAX_FDS + 1]) { 0 }, NSHELPER_MAX_FDS + 1), -EINVAL);
        nshelper_free(h);
}

TEST(killed_helper_reads_as_epipe_and_a_new_one_starts)
{
        struct nshelper_request req;
        struct nshelper_reply rep;
        struct box b;
        struct nshelper *h;

        box_start(&b);
        h = helper_start(&b);
        request_init(&req, NSHELPER_PING);
        ASSERT_EQ(call(h, &req, NULL, 0), 0);
        ASSERT_EQ(kill(nshelper_pid(h), SIGKILL), 0);
        EXPECT_EQ(reply(h, &rep), -EPIPE);
        EXPECT_EQ(nshelper_read_reply(h, &rep), -EPIPE);
        EXPECT_EQ(nshelper_submit(h, &req, NULL, 0), -EPIPE);
        nshelper_free(h);

        h = helper_start(&b);
        EXPECT_EQ(call(h, &req, NULL, 0), 0);
        nshelper_free(h);
}

TEST(start_for_a_dead_container_is_esrch)
{
        struct nshelper *h = NULL;
        struct box b;

        box_start(&b);
        close(b.hold);
        ASSERT_EQ(waitpid(b.pid, NULL, 0), b.pid);
        EXPECT_EQ(nshelper_start(b.pidfd, &h), -ESRCH);
        EXPECT_FALSE(h);
}

/* What the helper's fd table holds: /dev/null on 0-2, one socket, its jail. */
TEST(helper_holds_no_fds_of_ours)
{
        char dir[64], link[PATH_MAX], target[PATH_MAX];
        struct nshelper_request req;
        struct dirent *e;
        struct box b;
        struct nshelper *h;
        unsigned n = 0, sockets = 0;
        DIR *d;

        box_start(&b);
        /* Fds the helper must not inherit, with and without close-on-exec. */
        ASSERT_GE(open("/etc/hostname", O_RDONLY), 0);
        ASSERT_GE(dup(b.pidfd), 0);
        ASSERT_GE(open("/", O_PATH | O_CLOEXEC), 0);
        h = helper_start(&b);
        request_init(&req, NSHELPER_PING);
        ASSERT_EQ(call(h, &req, NULL, 0), 0);
        snprintf(dir, sizeof(dir), "/proc/%d/fd", (int) nshelper_pid(h));
        d = opendir(dir);
        ASSERT_TRUE(d);
        while ((e = readdir(d))) {
                ssize_t len;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
                len = readlink(link, target, sizeof(target) - 1);
                ASSERT_GT(len, 0);
                target[len] = '\0';
                n++;
                if (strncmp(target, "socket:", 7) == 0)
                        sockets++;
                else if (atoi(e->d_name) < 3)
                        EXPECT_STREQ(target, "/dev/null");
                else if (strcmp(target, "/") != 0) /* its own empty root */
                        HARNESS_FAIL(false, "helper holds fd %s -> %s", e->d_name, target);
        }
        closedir(d);
        EXPECT_EQ(n, 5);
        EXPECT_EQ(sockets, 1);
        nshelper_free(h);
}

/* Runs a shell command; true if it exited 0. */
static bool sh(const char *cmd)
{
        int r = system(cmd);

        return r != -1 && WIFEXITED(r) && WEXITSTATUS(r) == 0;
}

/* Detaches the loop device once its last user (this test, a mount) is gone,
 * however the test ends. Returns the fd that keeps it until then. */
static int loop_autoclear(const char *loop)
{
        struct loop_info64 info;
        int fd = open(loop, O_RDONLY | O_CLOEXEC);

        ASSERT_GE(fd, 0);
        ASSERT_EQ(ioctl(fd, LOOP_GET_STATUS64, &info), 0);
        info.lo_flags |= LO_FLAGS_AUTOCLEAR;
        ASSERT_EQ(ioctl(fd, LOOP_SET_STATUS64, &info), 0);
        return fd;
}

/* An ext4 image on a loop device, mounted through the helper with the caller's
 * source path mirrored in the helper's private jail. */
TEST(ext4_on_loop_device_mounts_from_its_node)
{
        char dir[64], img[96], cmd[512], loop[64] = "", node[96], mnt[96], opts[64];
        struct nshelper_request req;
        struct stat st;
        struct box b;
        struct nshelper *h;
        int fds[2];
        FILE *p;

        /* scripts/test.sh installs e2fsprogs; missing tools are a failure, not a skip. */
        ASSERT_TRUE(sh("command -v mkfs.ext4 >/dev/null && command -v losetup >/dev/null"));
        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        snprintf(img, sizeof(img), "%s/img", dir);
        snprintf(cmd, sizeof(cmd), "truncate -s 8M %s && mkfs.ext4 -q %s", img, img);
        ASSERT_TRUE(sh(cmd));
        snprintf(cmd, sizeof(cmd), "losetup --find --show %s", img);
        p = popen(cmd, "r");
        ASSERT_TRUE(p);
        ASSERT_TRUE(fgets(loop, sizeof(loop), p));
        pclose(p);
        loop[strcspn(loop, "\n")] = '\0';
        (void) loop_autoclear(loop);
        ASSERT_EQ(stat(loop, &st), 0);

        snprintf(node, sizeof(node), "%s/dev", dir);
        ASSERT_EQ(mkdir(node, 0755), 0);
        snprintf(node, sizeof(node), "%s/dev/disk", dir);
        ASSERT_EQ(mknod(node, S_IFBLK | 0600, st.st_rdev), 0);
        snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
        ASSERT_EQ(mkdir(mnt, 0755), 0);

        box_start(&b);
        h = helper_start(&b);
        fds[0] = box_open(&b, mnt);
        fds[1] = box_open(&b, node);
        request_init(&req, NSHELPER_MOUNT_FS);
        snprintf(req.fstype, sizeof(req.fstype), "ext4");
        snprintf(req.source, sizeof(req.source), "/dev/./x/../disk");
        snprintf(req.data, sizeof(req.data), "errors=remount-ro");
        req.flags = MS_NOSUID | MS_NODEV;
        EXPECT_EQ(call(h, &req, fds, 2), 0);
        snprintf(opts, sizeof(opts), "nodev");
        EXPECT_TRUE(mounted_at(b.pid, mnt, "ext4", opts));
        EXPECT_FALSE(mounted_at(getpid(), mnt, "ext4", NULL));
        close(fds[0]);
        EXPECT_EQ(unmount(h, &b, mnt), 0);
        EXPECT_FALSE(mounted_at(b.pid, mnt, "ext4", NULL));

        /* Not a block device: the helper refuses it. */
        fds[0] = box_open(&b, mnt);
        close(fds[1]);
        fds[1] = box_open(&b, img);
        EXPECT_EQ(call(h, &req, fds, 2), -EINVAL);
        close(fds[0]);
        close(fds[1]);
        nshelper_free(h);
}
