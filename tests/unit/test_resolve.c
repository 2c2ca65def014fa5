/* resolve_parent_in_root() inside a temporary root: symlinks, "..", limits. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "emulators/resolve.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

struct fixture {
        char host[64];       /* the temporary dir; the root is host/root */
        char root[128];
        int root_fd;
};

static void fixture_init(struct fixture *f)
{
        ASSERT_EQ(trap_tmpdir(f->host, sizeof(f->host)), 0);
        snprintf(f->root, sizeof(f->root), "%s/root", f->host);
        ASSERT_EQ(mkdir(f->root, 0755), 0);
        f->root_fd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(f->root_fd, 0);
}

/* Builds f->root + rel into buf. */
static const char *in_root(const struct fixture *f, const char *rel, char *buf, size_t size)
{
        /* A truncated path would make the test check the wrong file: stop instead. */
        if ((size_t) snprintf(buf, size, "%s%s", f->root, rel) >= size)
                abort();
        return buf;
}

static void make_dir(const struct fixture *f, const char *rel)
{
        char p[PATH_MAX];

        ASSERT_EQ(mkdir(in_root(f, rel, p, sizeof(p)), 0755), 0);
}

static void make_symlink(const struct fixture *f, const char *target, const char *rel)
{
        char p[PATH_MAX];

        ASSERT_EQ(symlink(target, in_root(f, rel, p, sizeof(p))), 0);
}

/* Whether fd is the directory at host path |path|. */
static bool is_dir_at(int fd, const char *path)
{
        struct stat a, b;

        if (fd < 0 || fstat(fd, &a) < 0 || stat(path, &b) < 0)
                return false;
        return S_ISDIR(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool is_root_dir(const struct fixture *f, int fd, const char *rel)
{
        char p[PATH_MAX];

        return is_dir_at(fd, in_root(f, rel, p, sizeof(p)));
}

/* Resolves and checks the parent is root + expected_rel and the name is as given. */
static void expect_parent(const struct fixture *f, const char *base, const char *path, const char *expected_rel,
                          const char *expected_name)
{
        char name[NAME_MAX + 2] = "";
        _cleanup_close_ int fd = resolve_parent_in_root(f->root_fd, base, path, name, sizeof(name));

        if (fd < 0)
                HARNESS_FAIL(true, "resolve(%s, %s) = %d", base, path, fd);
        if (!is_root_dir(f, fd, expected_rel))
                HARNESS_FAIL(true, "resolve(%s, %s): parent is not root%s", base, path, expected_rel);
        EXPECT_STREQ(name, expected_name);
}

static int resolve(const struct fixture *f, const char *base, const char *path)
{
        char name[NAME_MAX + 2];
        int fd = resolve_parent_in_root(f->root_fd, base, path, name, sizeof(name));

        safe_close(fd);
        return fd < 0 ? fd : 0;
}

TEST(absolute_path_opens_parent_and_returns_last_component)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/dev");
        expect_parent(&f, "/", "/dev/null", "/dev", "null");
        expect_parent(&f, "/", "/node", "", "node");
}

TEST(relative_path_is_joined_with_base)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/a");
        make_dir(&f, "/a/b");
        expect_parent(&f, "/a", "b/node", "/a/b", "node");
        expect_parent(&f, "/a/b", "node", "/a/b", "node");
        expect_parent(&f, "/a/b", "../node", "/a", "node");
        expect_parent(&f, "/", "a/node", "/a", "node");
}

TEST(absolute_path_ignores_base)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/a");
        make_dir(&f, "/dev");
        expect_parent(&f, "/a", "/dev/x", "/dev", "x");
        expect_parent(&f, "/does/not/exist", "/dev/x", "/dev", "x");
}

TEST(symlink_to_host_path_stays_inside_root)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/etc");
        make_symlink(&f, "/etc", "/etclink");
        /* The host's /etc exists; the root's /etc is what the link must reach. */
        expect_parent(&f, "/", "/etclink/passwd", "/etc", "passwd");
        expect_parent(&f, "/etclink", "passwd", "/etc", "passwd");
}

TEST(absolute_symlink_to_host_dir_missing_in_root_is_enoent)
{
        char outside[PATH_MAX];
        struct fixture f;

        fixture_init(&f);
        snprintf(outside, sizeof(outside), "%s/outside", f.host);
        ASSERT_EQ(mkdir(outside, 0755), 0);
        make_symlink(&f, outside, "/escape");
        EXPECT_EQ(resolve(&f, "/", "/escape/node"), -ENOENT);
}

TEST(absolute_symlink_is_resolved_against_root)
{
        char outside[PATH_MAX], inside[PATH_MAX];
        struct fixture f;

        fixture_init(&f);
        snprintf(outside, sizeof(outside), "%s/outside", f.host);
        ASSERT_EQ(mkdir(outside, 0755), 0);
        /* Make the same absolute path exist inside the root: the link must land there. */
        snprintf(inside, sizeof(inside), "%s", outside);
        for (char *s = strchr(inside + 1, '/');; s = strchr(s + 1, '/')) {
                if (s)
                        *s = '\0';
                make_dir(&f, inside);
                if (!s)
                        break;
                *s = '/';
        }
        make_symlink(&f, outside, "/escape");
        expect_parent(&f, "/", "/escape/node", outside, "node");
}

TEST(dotdot_cannot_escape_root)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/dev");
        make_dir(&f, "/a");
        expect_parent(&f, "/", "/../../../../../../node", "", "node");
        expect_parent(&f, "/", "/../../../../dev/node", "/dev", "node");
        expect_parent(&f, "/a", "../../../../../../../node", "", "node");
        expect_parent(&f, "/a", "../../../../../../../dev/node", "/dev", "node");
}

TEST(relative_symlink_with_dotdot_stays_inside)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/a");
        make_symlink(&f, "../../../../../../../../..", "/a/up");
        make_symlink(&f, "../../../../../../../../../tmp", "/a/tmp");
        expect_parent(&f, "/", "/a/up/node", "", "node");
        /* root/tmp does not exist: the host's /tmp must not be used instead. */
        EXPECT_EQ(resolve(&f, "/", "/a/tmp/node"), -ENOENT);
}

TEST(missing_parent_is_enoent)
{
        struct fixture f;

        fixture_init(&f);
        EXPECT_EQ(resolve(&f, "/", "/nope/node"), -ENOENT);
        EXPECT_EQ(resolve(&f, "/nope", "node"), -ENOENT);
}

TEST(parent_not_directory_is_enotdir)
{
        char p[PATH_MAX];
        struct fixture f;

        fixture_init(&f);
        ASSERT_EQ(mknod(in_root(&f, "/file", p, sizeof(p)), S_IFREG | 0644, 0), 0);
        EXPECT_EQ(resolve(&f, "/", "/file/node"), -ENOTDIR);
}

TEST(last_component_symlink_is_not_followed)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/dev");
        make_symlink(&f, "/etc/passwd", "/dev/sym");
        make_symlink(&f, "/missing", "/dev/dangling");
        expect_parent(&f, "/", "/dev/sym", "/dev", "sym");
        expect_parent(&f, "/", "/dev/dangling", "/dev", "dangling");
}

TEST(empty_path_is_enoent)
{
        struct fixture f;

        fixture_init(&f);
        EXPECT_EQ(resolve(&f, "/", ""), -ENOENT);
}

TEST(name_longer_than_name_max_is_enametoolong)
{
        char path[NAME_MAX + 3], name[NAME_MAX + 1];
        struct fixture f;

        fixture_init(&f);
        path[0] = '/';
        memset(path + 1, 'a', NAME_MAX + 1);
        path[NAME_MAX + 2] = '\0';
        EXPECT_EQ(resolve(&f, "/", path), -ENAMETOOLONG);
        path[NAME_MAX + 1] = '\0'; /* exactly NAME_MAX */
        memcpy(name, path + 1, NAME_MAX + 1);
        expect_parent(&f, "/", path, "", name);
}

TEST(joined_path_of_path_max_is_enametoolong)
{
        static char base[PATH_MAX + 1], path[PATH_MAX + 1];
        struct fixture f;

        fixture_init(&f);
        /* An absolute path of PATH_MAX - 1 bytes is joinable; its parent is missing. */
        path[0] = '/';
        for (size_t i = 1; i < PATH_MAX - 1; i++)
                path[i] = i % 100 == 0 ? '/' : 'a';
        path[PATH_MAX - 1] = '\0';
        EXPECT_EQ(resolve(&f, "/", path), -ENOENT);
        path[PATH_MAX - 1] = 'a';
        path[PATH_MAX] = '\0';
        EXPECT_EQ(resolve(&f, "/", path), -ENAMETOOLONG);

        /* base + "/" + path reaching PATH_MAX. */
        memset(base, 0, sizeof(base));
        base[0] = '/';
        memset(base + 1, 'b', 2047);
        memset(path, 0, sizeof(path));
        memset(path, 'c', PATH_MAX - 2048 - 1); /* joined length PATH_MAX */
        for (size_t i = 100; i < strlen(path); i += 100)
                path[i] = '/';
        EXPECT_EQ(resolve(&f, base, path), -ENAMETOOLONG);
}

TEST(trailing_slash_is_kept_on_the_name)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/dev");
        expect_parent(&f, "/", "/dev/null/", "/dev", "null/");
        expect_parent(&f, "/", "/dev/null///", "/dev", "null/");
        expect_parent(&f, "/dev", "null/", "/dev", "null/");
}

TEST(dot_and_dotdot_last_component_returned_unresolved)
{
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/dev");
        expect_parent(&f, "/", "/dev/..", "/dev", "..");
        expect_parent(&f, "/", "/dev/.", "/dev", ".");
        expect_parent(&f, "/dev", ".", "/dev", ".");
}

TEST(only_slashes_name_the_root)
{
        struct fixture f;

        fixture_init(&f);
        expect_parent(&f, "/", "/", "", ".");
        expect_parent(&f, "/a", "///", "", ".");
}

TEST(symlink_loop_is_eloop)
{
        struct fixture f;

        fixture_init(&f);
        make_symlink(&f, "l2", "/l1");
        make_symlink(&f, "l1", "/l2");
        EXPECT_EQ(resolve(&f, "/", "/l1/node"), -ELOOP);
}

TEST(magic_link_is_refused_with_eloop)
{
        char p[PATH_MAX];
        struct fixture f;

        fixture_init(&f);
        make_dir(&f, "/proc");
        make_dir(&f, "/dev");
        /* A private mount namespace for this test process: gone when it exits. */
        ASSERT_EQ(unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ASSERT_EQ(mount("proc", in_root(&f, "/proc", p, sizeof(p)), "proc", 0, NULL), 0);
        /* The old root fd still names the mount of the namespace we left. */
        safe_close(f.root_fd);
        f.root_fd = open(f.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(f.root_fd, 0);
        EXPECT_EQ(resolve(&f, "/", "/proc/self/root/node"), -ELOOP);
        EXPECT_EQ(resolve(&f, "/", "/proc/self/cwd/node"), -ELOOP);
        make_symlink(&f, "/proc/self/root/tmp", "/dev/hop");
        EXPECT_EQ(resolve(&f, "/", "/dev/hop/node"), -ELOOP);
        /* Plain symlinks in proc ("self") are fine. */
        expect_parent(&f, "/", "/proc/self/node", "/proc/self", "node");
}

TEST(name_buffer_too_small_is_enametoolong)
{
        char name[4];
        struct fixture f;

        fixture_init(&f);
        EXPECT_EQ(resolve_parent_in_root(f.root_fd, "/", "/abcd", name, sizeof(name)), -ENAMETOOLONG);
        ASSERT_EQ(resolve_parent_in_root(f.root_fd, "/", "/abc", name, sizeof(name)) >= 0, true);
        EXPECT_STREQ(name, "abc");
        EXPECT_EQ(resolve_parent_in_root(f.root_fd, "/", "/abc/", name, sizeof(name)), -ENAMETOOLONG);
}
