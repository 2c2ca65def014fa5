/* overlayfs through the emulated mount(2): the parser of the caller's data (the
 * kernel's escaping rules, the layer limit, the allowlist), the daemon's layer
 * resolution for a real trapped caller (inside its root, from its cwd, only
 * directories of its own ids), and the helper's fd-based fsconfig() through a
 * real namespace helper (whiteouts and trusted.overlay.opaque honoured, a
 * redirect not followed). Root only. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "common/macro.h"
#include "emulators/mount.h"
#include "emulators/mount_overlay.h"
#include "emulators/notify.h"
#include "emulators/nshelper.h"
#include "emulators/target.h"
#include "tests/unit/harness.h"
#include "tests/unit/mntns.h"
#include "tests/unit/trap.h"

#define FORCED "redirect_dir=nofollow,metacopy=off"
#define MAP_OUTER 100000
#define REPLY_TIMEOUT_MS 5000

/* ---------------------------------------------------------------- the parser */

/* The lower layers joined by "|". */
static const char *lowers(const struct mount_overlay_opts *o, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < o->n_lower; i++)
                n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? "|" : "", o->lower[i]);
        return buf;
}

/* Parses |data|, expecting success and these lowers (joined by "|"). */
static void expect_parse(const char *data, const char *want_lowers, struct mount_overlay_opts *o)
{
        char buf[MOUNT_DATA_MAX];

        ASSERT_EQ(mount_overlay_parse(data, o), 0);
        EXPECT_STREQ(lowers(o, buf, sizeof(buf)), want_lowers);
}

static int parse(const char *data)
{
        struct mount_overlay_opts o;

        return mount_overlay_parse(data, &o);
}

TEST(layers_become_bare_keys_in_fd_order)
{
        struct mount_overlay_opts o;

        expect_parse("lowerdir=/a:/b:c,upperdir=/u,workdir=w", "/a|/b|c", &o);
        EXPECT_STREQ(o.upper, "/u");
        EXPECT_STREQ(o.work, "w");
        EXPECT_STREQ(o.helper_data, "lowerdir+,lowerdir+,lowerdir+,upperdir,workdir," FORCED);

        expect_parse("upperdir=/u,lowerdir=/a:/b", "/a|/b", &o);
        EXPECT_TRUE(o.work == NULL);
        EXPECT_STREQ(o.helper_data, "lowerdir+,lowerdir+,upperdir," FORCED);
}

TEST(escaped_comma_colon_and_backslash_are_unescaped)
{
        struct mount_overlay_opts o;

        expect_parse("lowerdir=/x\\:y:/c\\,d:/e\\\\f,upperdir=/u\\,1,workdir=/w\\:2", "/x:y|/c,d|/e\\f", &o);
        EXPECT_STREQ(o.upper, "/u,1");
        EXPECT_STREQ(o.work, "/w:2");
        /* Any escaped byte is itself; a final "\" goes (ovl_unescape()). */
        expect_parse("lowerdir=/a\\b:/c\\", "/ab|/c", &o);
}

TEST(lowerdir_add_is_taken_as_written)
{
        struct mount_overlay_opts o;

        /* Still cut at an unescaped comma only; neither ':' nor "\" is special. */
        expect_parse("lowerdir+=/a\\:b,lowerdir+=/c:d,lowerdir+=/e\\,f", "/a\\:b|/c:d|/e\\,f", &o);
        EXPECT_STREQ(o.helper_data, "lowerdir+,lowerdir+,lowerdir+," FORCED);
}

TEST(colon_runs_follow_the_kernel)
{
        EXPECT_EQ(parse("lowerdir=:/a"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a:"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a::"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a:::/b"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a:\\"), -EINVAL); /* an empty path once unescaped */
        /* "::" starts data-only layers: they need metacopy, which is refused. */
        EXPECT_EQ(parse("lowerdir=/a::/b"), -EPERM);
}

TEST(lowerdir_replaces_and_empty_lowerdir_resets)
{
        struct mount_overlay_opts o;

        expect_parse("lowerdir=/a:/b,lowerdir=/c", "/c", &o);
        expect_parse("lowerdir+=/a,lowerdir=/c:/d", "/c|/d", &o);
        expect_parse("lowerdir=/a:/b,lowerdir=,lowerdir+=/c,lowerdir+=/d", "/c|/d", &o);
        expect_parse("lowerdir=", "", &o);
        EXPECT_STREQ(o.helper_data, FORCED);
        /* "lowerdir+ and datadir+ cannot follow lowerdir". */
        EXPECT_EQ(parse("lowerdir=/a,lowerdir+=/b"), -EINVAL);
}

TEST(missing_or_empty_values_are_einval)
{
        EXPECT_EQ(parse("lowerdir"), -EINVAL);
        EXPECT_EQ(parse("lowerdir+"), -EINVAL);
        EXPECT_EQ(parse("lowerdir+="), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,upperdir"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,upperdir="), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,upperdir=\\"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,workdir="), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,index"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,userxattr=1"), -EINVAL);
}

TEST(empty_options_and_bare_values_are_skipped)
{
        struct mount_overlay_opts o;

        expect_parse(",,lowerdir=/a,,=junk,=,upperdir=/u,workdir=/w,", "/a", &o);
        EXPECT_STREQ(o.helper_data, "lowerdir+,upperdir,workdir," FORCED);
        expect_parse("", "", &o);
}

/* "lowerdir=/l0:/l1:..." */
static void many_lowers(char *buf, size_t size, size_t n)
{
        size_t len = (size_t) snprintf(buf, size, "lowerdir=");

        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s/l%zu", i ? ":" : "", i);
}

/* "lowerdir+=/l0,lowerdir+=/l1,..." */
static void many_adds(char *buf, size_t size, size_t n)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(buf + len, size - len, "%slowerdir+=/l%zu", i ? "," : "", i);
}

TEST(more_than_the_lower_limit_is_einval)
{
        char data[MOUNT_DATA_MAX];
        struct mount_overlay_opts o;

        many_lowers(data, sizeof(data), MOUNT_OVERLAY_MAX_LOWER);
        ASSERT_EQ(mount_overlay_parse(data, &o), 0);
        EXPECT_EQ(o.n_lower, MOUNT_OVERLAY_MAX_LOWER);
        EXPECT_STREQ(o.lower[MOUNT_OVERLAY_MAX_LOWER - 1], "/l59");
        EXPECT_TRUE(strlen(o.helper_data) < sizeof(o.helper_data));
        many_lowers(data, sizeof(data), MOUNT_OVERLAY_MAX_LOWER + 1);
        EXPECT_EQ(mount_overlay_parse(data, &o), -EINVAL);

        many_adds(data, sizeof(data), MOUNT_OVERLAY_MAX_LOWER);
        ASSERT_EQ(mount_overlay_parse(data, &o), 0);
        EXPECT_EQ(o.n_lower, MOUNT_OVERLAY_MAX_LOWER);
        many_adds(data, sizeof(data), MOUNT_OVERLAY_MAX_LOWER + 1);
        EXPECT_EQ(mount_overlay_parse(data, &o), -EINVAL);
}

TEST(data_longer_than_a_page_is_einval)
{
        char data[MOUNT_DATA_MAX + 1];
        struct mount_overlay_opts o;

        memset(data, ',', sizeof(data) - 1);
        data[sizeof(data) - 1] = '\0';
        EXPECT_EQ(mount_overlay_parse(data, &o), -EINVAL);
        data[sizeof(data) - 2] = '\0';
        EXPECT_EQ(mount_overlay_parse(data, &o), 0);
}

TEST(allowed_options_pass_once_with_their_last_value)
{
        struct mount_overlay_opts o;

        expect_parse("lowerdir=/a:/b,index=on,xino=auto,userxattr,volatile,uuid=null,nfs_export=off,"
                     "redirect_dir=off,metacopy=off,verity=off,default_permissions,fsync=strict,index=off,"
                     "userxattr",
                     "/a|/b", &o);
        EXPECT_STREQ(o.helper_data, "lowerdir+,lowerdir+,redirect_dir=nofollow,metacopy=off,verity=off,index=off,"
                                    "nfs_export=off,xino=auto,uuid=null,fsync=strict,userxattr,volatile,"
                                    "default_permissions");
        expect_parse("lowerdir=/a:/b,redirect_dir=nofollow", "/a|/b", &o);
        EXPECT_STREQ(o.helper_data, "lowerdir+,lowerdir+," FORCED);
}

TEST(unknown_options_and_values_are_einval)
{
        EXPECT_EQ(parse("lowerdir=/a,bogus"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,bogus=1"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,index=maybe"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,Index=on"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,index=o\\n"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,source=/dev/sda"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,context=system_u:object_r:container_file_t:s0"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a,lowerdir-=/b"), -EINVAL);
}

TEST(refused_options_are_eperm)
{
        static const char *const refused[] = {
                "metacopy=on", "redirect_dir=on", "redirect_dir=follow", "verity=on", "verity=require",
                "datadir+=/d", "override_creds", "nooverride_creds", "ro", "rw", "sync", "dirsync",
                "lazytime", "mand",
        };
        char data[256];

        for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
                snprintf(data, sizeof(data), "lowerdir=/a:/b,%s", refused[i]);
                EXPECT_EQ(parse(data), -EPERM);
        }
}

TEST(eperm_only_once_the_whole_string_parsed)
{
        /* The kernel would have taken metacopy=on and failed on what follows. */
        EXPECT_EQ(parse("metacopy=on,lowerdir=/a:"), -EINVAL);
        EXPECT_EQ(parse("metacopy=on,bogus"), -EINVAL);
        EXPECT_EQ(parse("lowerdir=/a::/b,upperdir="), -EINVAL);
}

/* ---------------------------------------------- the daemon: layers found for a caller */

struct caller {
        char dir[64];      /* host temporary dir */
        const char *root;  /* chroot into dir + root, or NULL */
        const char *cwd;   /* chdir, after the chroot */
        char root_buf[PATH_MAX];
};

static int caller_setup(void *userdata)
{
        const struct caller *c = userdata;

        if (c->root && chroot(c->root_buf) < 0)
                return -errno;
        if (c->cwd && chdir(c->cwd) < 0)
                return -errno;
        return 0;
}

/* Any trapped call gives us the caller; its result does not matter. */
static int caller_act(void *userdata)
{
        (void) userdata;
        return mknodat(AT_FDCWD, "never-made", S_IFIFO | 0600, 0) < 0 ? errno : 0;
}

static const char *host(const struct caller *c, const char *rel, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s", c->dir, rel);
        return buf;
}

static void host_mkdir(const struct caller *c, const char *rel, uid_t uid, gid_t gid)
{
        char p[PATH_MAX];

        ASSERT_EQ(mkdir(host(c, rel, p, sizeof(p)), 0755), 0);
        ASSERT_EQ(chown(p, uid, gid), 0);
}

static void host_symlink(const struct caller *c, const char *target, const char *rel)
{
        char p[PATH_MAX];

        ASSERT_EQ(symlink(target, host(c, rel, p, sizeof(p))), 0);
}

/* A private mount namespace for the test; the caller's root is dir/root. */
static void caller_init(struct caller *c)
{
        memset(c, 0, sizeof(*c));
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ASSERT_EQ(trap_tmpdir(c->dir, sizeof(c->dir)), 0);
        c->root = "/root";
        host(c, c->root, c->root_buf, sizeof(c->root_buf));
        c->cwd = "/";
        host_mkdir(c, "/root", 0, 0);
        host_mkdir(c, "/root/ovl", 0, 0);
        host_mkdir(c, "/root/ovl/l1", 0, 0);
        host_mkdir(c, "/root/ovl/l2", 0, 0);
        host_mkdir(c, "/root/ovl/u", 0, 0);
        host_mkdir(c, "/root/ovl/w", 0, 0);
}

static void job_init(struct mount_job *job, const char *data)
{
        memset(&job->req, 0, sizeof(job->req));
        for (size_t i = 0; i < MOUNT_MAX_FDS; i++)
                job->fds[i] = -EBADF;
        job->n_fds = 0;
        snprintf(job->req.data, sizeof(job->req.data), "%s", data);
}

/* mount_overlay_prepare() for the caller, which then fails its call (EPERM). */
static int prepare(struct caller *c, bool userns, const char *data, struct mount_job *job)
{
        struct trap_opts o = {
                .setup = caller_setup, .act = caller_act, .userdata = c, .userns = userns, .map_outer = MAP_OUTER,
        };
        struct trap trap = TRAP_NULL;
        struct target t = TARGET_NULL;
        struct seccomp_notif n;
        int root_fd, r, error = -1;

        job_init(job, data);
        ASSERT_EQ(trap_start(&o, &trap), 0);
        ASSERT_EQ(trap_recv(&trap, &n), 0);
        ASSERT_EQ(target_open(&t, trap.listener_fd, n.id, (pid_t) n.pid), 0);
        root_fd = target_open_root(&t);
        ASSERT_GE(root_fd, 0);
        r = mount_overlay_prepare(&t, root_fd, job);
        close(root_fd);
        target_close(&t);
        ASSERT_EQ(notify_send_error(trap.listener_fd, n.id, EPERM), 0);
        ASSERT_EQ(trap_finish(&trap, &error), 0);
        EXPECT_EQ(error, EPERM);
        trap_done(&trap);
        return r;
}

/* |fd| is the host directory dir + rel. */
static void expect_same(const struct caller *c, int fd, const char *rel)
{
        char p[PATH_MAX];
        struct stat a, b;
        int fl = fcntl(fd, F_GETFL);

        EXPECT_TRUE(fl >= 0 && (fl & O_PATH));
        ASSERT_EQ(fstat(fd, &a), 0);
        ASSERT_EQ(stat(host(c, rel, p, sizeof(p)), &b), 0);
        EXPECT_EQ(a.st_dev, b.st_dev);
        EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST(layers_resolve_in_the_callers_root_from_its_cwd)
{
        struct mount_job job;
        struct caller c;

        caller_init(&c);
        c.cwd = "/ovl";
        ASSERT_EQ(prepare(&c, false, "lowerdir=l1:/ovl/l2,upperdir=./u,workdir=../ovl/w,index=off", &job), 0);
        EXPECT_EQ(job.req.opcode, NSHELPER_MOUNT_OVERLAY);
        EXPECT_STREQ(job.req.data, "lowerdir+,lowerdir+,upperdir,workdir," FORCED ",index=off");
        ASSERT_EQ(job.n_fds, 4);
        EXPECT_EQ(job.req.n_fds, 4);
        expect_same(&c, job.fds[0], "/root/ovl/l1");
        expect_same(&c, job.fds[1], "/root/ovl/l2");
        expect_same(&c, job.fds[2], "/root/ovl/u");
        expect_same(&c, job.fds[3], "/root/ovl/w");
        mount_job_done(&job);
}

TEST(dotdot_and_absolute_symlinks_stop_at_the_root)
{
        char p[PATH_MAX];
        struct mount_job job;
        struct caller c;

        caller_init(&c);
        c.cwd = "/ovl/l1";
        /* Host directories the symlinks name; inside the root there are none. */
        host_mkdir(&c, "/hostonly", 0, 0);
        host_symlink(&c, host(&c, "/hostonly", p, sizeof(p)), "/root/ovl/esc");
        host_symlink(&c, "/ovl/l2", "/root/ovl/abs");
        host_symlink(&c, "../../../../../../ovl/u", "/root/ovl/rel");

        ASSERT_EQ(prepare(&c, false, "lowerdir=../../../../../ovl/l1:/../../ovl/abs,upperdir=/ovl/rel,workdir=/ovl/w",
                          &job),
                  0);
        ASSERT_EQ(job.n_fds, 4);
        expect_same(&c, job.fds[0], "/root/ovl/l1");
        expect_same(&c, job.fds[1], "/root/ovl/l2");
        expect_same(&c, job.fds[2], "/root/ovl/u");
        mount_job_done(&job);

        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/ovl/esc", &job), -ENOENT);
        mount_job_done(&job);
        snprintf(p, sizeof(p), "lowerdir=/ovl/l1:%s/hostonly", c.dir);
        EXPECT_EQ(prepare(&c, false, p, &job), -ENOENT);
        mount_job_done(&job);
}

TEST(a_layer_must_be_a_directory)
{
        char p[PATH_MAX];
        struct mount_job job;
        struct caller c;
        int fd;

        caller_init(&c);
        fd = open(host(&c, "/root/ovl/file", p, sizeof(p)), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        close(fd);
        /* The kernel's "not a directory" is EINVAL; a file on the way is ENOTDIR. */
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/ovl/file", &job), -EINVAL);
        mount_job_done(&job);
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/ovl/file/x", &job), -ENOTDIR);
        mount_job_done(&job);
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/ovl/missing", &job), -ENOENT);
        mount_job_done(&job);
        /* A parse error opens nothing. */
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/ovl/l2,metacopy=on", &job), -EPERM);
        EXPECT_EQ(job.n_fds, 0);
        mount_job_done(&job);
}

TEST(magic_links_are_refused)
{
        char p[PATH_MAX];
        struct mount_job job;
        struct caller c;

        caller_init(&c);
        host_mkdir(&c, "/root/proc", 0, 0);
        ASSERT_EQ(mount("proc", host(&c, "/root/proc", p, sizeof(p)), "proc", 0, NULL), 0);
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/proc/self/cwd", &job), -ELOOP);
        mount_job_done(&job);
        EXPECT_EQ(prepare(&c, false, "lowerdir=/ovl/l1:/proc/self/root/ovl/l2", &job), -ELOOP);
        mount_job_done(&job);
}

TEST(layers_of_ids_outside_the_callers_userns_are_eperm)
{
        char data[PATH_MAX * 2];
        struct mount_job job;
        struct caller c;

        /* No chroot: a chrooted process cannot make a user namespace. */
        caller_init(&c);
        c.root = NULL;
        c.cwd = c.dir;
        host_mkdir(&c, "/m1", MAP_OUTER, MAP_OUTER);
        host_mkdir(&c, "/m2", MAP_OUTER + 5, MAP_OUTER + 5);
        host_mkdir(&c, "/host", 0, 0);
        host_mkdir(&c, "/halfgroup", MAP_OUTER, 0);

        ASSERT_EQ(prepare(&c, true, "lowerdir=m1,upperdir=m2,workdir=m1", &job), 0);
        EXPECT_EQ(job.n_fds, 3);
        mount_job_done(&job);
        EXPECT_EQ(prepare(&c, true, "lowerdir=m1:host", &job), -EPERM);
        mount_job_done(&job);
        snprintf(data, sizeof(data), "lowerdir=m1,upperdir=%s/halfgroup,workdir=m2", c.dir);
        EXPECT_EQ(prepare(&c, true, data, &job), -EPERM);
        mount_job_done(&job);
}

/* ------------------------------------------------ the helper: layers as fds */

static int call(struct nshelper *h, struct nshelper_request *req, const int *fds, size_t n_fds)
{
        static uint64_t tag;
        struct nshelper_reply rep;
        struct pollfd p = { .fd = nshelper_fd(h), .events = POLLIN };

        req->tag = ++tag;
        req->n_fds = (uint32_t) n_fds;
        ASSERT_EQ(nshelper_submit(h, req, fds, n_fds), 0);
        ASSERT_EQ(poll(&p, 1, REPLY_TIMEOUT_MS), 1);
        ASSERT_EQ(nshelper_read_reply(h, &rep), 0);
        ASSERT_EQ(rep.tag, req->tag);
        return rep.result;
}

/* Names under |path| in the box, sorted, joined by " ", or "errno N". */
static const char *box_ls(const struct box *b, const char *path, char *buf, size_t size)
{
        char p[PATH_MAX], cmd[PATH_MAX + 64];
        FILE *f;
        size_t n;

        snprintf(p, sizeof(p), "/proc/%d/root%s", (int) b->pid, path);
        snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>&1 | sort | tr '\\n' ' '", p);
        f = popen(cmd, "r");
        ASSERT_TRUE(f);
        n = fread(buf, 1, size - 1, f);
        pclose(f);
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        buf[n] = '\0';
        return buf;
}

static void write_file(const char *dir, const char *rel, const char *text)
{
        char p[PATH_MAX];
        int fd;

        snprintf(p, sizeof(p), "%s%s", dir, rel);
        fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void mkdirs(const char *dir, const char *const *rels, size_t n)
{
        char p[PATH_MAX];

        for (size_t i = 0; i < n; i++) {
                snprintf(p, sizeof(p), "%s%s", dir, rels[i]);
                ASSERT_EQ(mkdir(p, 0755), 0);
        }
}

TEST(helper_mounts_overlay_from_layer_fds_with_trusted_xattrs)
{
        static const char *const dirs[] = {
                "/lower", "/lower/dir", "/lower/secret", "/upper", "/upper/dir", "/upper/moved", "/work", "/merged",
        };
        char dir[64], p[PATH_MAX], ls[1024];
        struct nshelper_request req;
        struct nshelper *h = NULL;
        struct box b;
        int fds[4];

        ASSERT_EQ(trap_tmpdir(dir, sizeof(dir)), 0);
        mkdirs(dir, dirs, ARRAY_SIZE(dirs));
        write_file(dir, "/lower/gone", "lower");
        write_file(dir, "/lower/keep", "lower");
        write_file(dir, "/lower/dir/hidden", "lower");
        write_file(dir, "/lower/secret/s", "lower");
        write_file(dir, "/upper/dir/new", "upper");
        snprintf(p, sizeof(p), "%s/upper/gone", dir);
        ASSERT_EQ(mknod(p, S_IFCHR, makedev(0, 0)), 0);
        snprintf(p, sizeof(p), "%s/upper/dir", dir);
        ASSERT_EQ(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
        /* A redirect to the lower "secret": never followed. */
        snprintf(p, sizeof(p), "%s/upper/moved", dir);
        ASSERT_EQ(setxattr(p, "trusted.overlay.redirect", "/secret", 7, 0), 0);

        box_start(&b);
        ASSERT_EQ(nshelper_start(b.pidfd, &h), 0);
        snprintf(p, sizeof(p), "%s/merged", dir);
        fds[0] = box_open(&b, p);
        snprintf(p, sizeof(p), "%s/lower", dir);
        fds[1] = box_open(&b, p);
        snprintf(p, sizeof(p), "%s/upper", dir);
        fds[2] = box_open(&b, p);
        snprintf(p, sizeof(p), "%s/work", dir);
        fds[3] = box_open(&b, p);

        memset(&req, 0, sizeof(req));
        req.opcode = NSHELPER_MOUNT_OVERLAY;
        snprintf(req.fstype, sizeof(req.fstype), "overlay");
        snprintf(req.source, sizeof(req.source), "overlay");
        /* One layer key more than fds: refused before anything is mounted. */
        snprintf(req.data, sizeof(req.data), "lowerdir+,lowerdir+,upperdir,workdir," FORCED);
        EXPECT_EQ(call(h, &req, fds, 4), -EINVAL);
        /* One fd more than layer keys. */
        snprintf(req.data, sizeof(req.data), "lowerdir+,upperdir," FORCED);
        EXPECT_EQ(call(h, &req, fds, 4), -EINVAL);

        snprintf(req.data, sizeof(req.data), "lowerdir+,upperdir,workdir," FORCED);
        ASSERT_EQ(call(h, &req, fds, 4), 0);
        snprintf(p, sizeof(p), "%s/merged", dir);
        EXPECT_STREQ(box_ls(&b, p, ls, sizeof(ls)), "dir keep moved secret");
        snprintf(p, sizeof(p), "%s/merged/dir", dir);
        EXPECT_STREQ(box_ls(&b, p, ls, sizeof(ls)), "new");
        snprintf(p, sizeof(p), "%s/merged/moved", dir);
        /* redirect_dir=nofollow: "refusing to follow redirect", EPERM. */
        EXPECT_TRUE(strstr(box_ls(&b, p, ls, sizeof(ls)), "Operation not permitted") != NULL);
        /* Not in our namespace. */
        snprintf(p, sizeof(p), "%s/merged/keep", dir);
        EXPECT_EQ(access(p, F_OK), -1);
        /* A file written through the mount lands in upper. */
        snprintf(p, sizeof(p), "/proc/%d/root%s/merged", (int) b.pid, dir);
        write_file(p, "/fresh", "merged");
        snprintf(p, sizeof(p), "%s/upper/fresh", dir);
        EXPECT_EQ(access(p, F_OK), 0);

        for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
                close(fds[i]);
        nshelper_free(h);
        close(b.hold);
        (void) waitpid(b.pid, NULL, 0);
}
