/* Opens a caller-supplied path, or its parent directory, inside a container root with
 * openat2(RESOLVE_IN_ROOT): "..", absolute symlinks and absolute paths all stop at
 * the root, and magic links (/proc/<pid>/root, fd/N) are refused. Does not log.
 *
 * Trailing slashes: "a/b/" names "b" like "a/b" does, but a creation must then fail
 * (the kernel's filename_create(): ENOENT when b is missing, EEXIST when it exists).
 * So the last component keeps exactly one trailing "/" in ret_name ("b/") for the
 * caller to apply that rule; a path of only slashes names the root and yields ".". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macro.h"
#include "emulators/resolve.h"

/* openat2 fails with EAGAIN when a rename raced with ".." resolution (5.6+). */
#define RESOLVE_RETRIES 8

/* base + "/" + path, or path alone when absolute; -ENOENT for an empty path
 * (as the kernel), -ENAMETOOLONG past PATH_MAX - 1. */
static int join_path(const char *base, const char *path, char *buf, size_t size)
{
        size_t bl, pl;

        if (!path || path[0] == '\0')
                return -ENOENT;
        pl = strlen(path);

        if (path[0] == '/' || !base || base[0] == '\0')
                base = "/";
        if (path[0] == '/') {
                if (pl >= size)
                        return -ENAMETOOLONG;
                memcpy(buf, path, pl + 1);
                return 0;
        }
        bl = strlen(base);
        if (bl + 1 + pl >= size)
                return -ENAMETOOLONG;
        memcpy(buf, base, bl);
        buf[bl] = '/';
        memcpy(buf + bl + 1, path, pl + 1);
        return 0;
}

static int open_in_root(int root_fd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (O_PATH | O_CLOEXEC | flags),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd = -1;

        for (int i = 0; i < RESOLVE_RETRIES; i++) {
                fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        return fd < 0 ? -errno : (int) fd;
}

/* Copies name[0..len) plus "/" when |trailing| into ret; -ENAMETOOLONG if too long. */
static int copy_name(const char *name, size_t len, bool trailing, char *ret, size_t size)
{
        if (len > NAME_MAX || len + (trailing ? 1 : 0) >= size)
                return -ENAMETOOLONG;
        memcpy(ret, name, len);
        if (trailing)
                ret[len++] = '/';
        ret[len] = '\0';
        return 0;
}

int resolve_parent_in_root(int root_fd, const char *base, const char *path, char *ret_name, size_t size)
{
        char joined[PATH_MAX];
        size_t len, end, start;
        int r;

        r = join_path(base, path, joined, sizeof(joined));
        if (r < 0)
                return r;

        len = strlen(joined);
        for (end = len; end > 0 && joined[end - 1] == '/'; end--)
                ;
        if (end == 0) {
                r = copy_name(".", 1, false, ret_name, size);
                return r < 0 ? r : open_in_root(root_fd, "/", O_DIRECTORY);
        }
        for (start = end; start > 0 && joined[start - 1] != '/'; start--)
                ;
        r = copy_name(joined + start, end - start, end < len, ret_name, size);
        if (r < 0)
                return r;

        /* joined is "/"-based, so start > 0 and the parent keeps its slash. */
        joined[start] = '\0';
        return open_in_root(root_fd, joined, O_DIRECTORY);
}

int resolve_in_root(int root_fd, const char *base, const char *path, bool follow)
{
        char joined[PATH_MAX];
        int r;

        r = join_path(base, path, joined, sizeof(joined));
        if (r < 0)
                return r;
        return open_in_root(root_fd, joined, follow ? 0 : O_NOFOLLOW);
}
