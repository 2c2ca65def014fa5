/* Listening and connecting on unix sockets by path. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/socket_util.h"

static int fill_addr(const char *path, struct sockaddr_un *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(ret->sun_path))
                return -ENAMETOOLONG;
        strcpy(ret->sun_path, path);
        return 0;
}

static int make_parent_dir(const char *path)
{
        char dir[sizeof(((struct sockaddr_un *) 0)->sun_path)];
        char *slash;

        strcpy(dir, path);
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* A |type| socket (SOCK_CLOEXEC added) for |path|, and its address. */
static int socket_at(const char *path, int type, struct sockaddr_un *ret_addr)
{
        int r = fill_addr(path, ret_addr), fd;

        if (r < 0)
                return r;
        fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        return fd < 0 ? -errno : fd;
}

static int connect_type(const char *path, int type)
{
        struct sockaddr_un addr;
        _cleanup_close_ int fd = socket_at(path, type, &addr);

        if (fd < 0)
                return fd;
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* A socket file is stale when connecting to it is refused (with its own type:
 * another type is refused with EPROTOTYPE, alive or not). */
static int remove_stale(const char *path, int type)
{
        int fd = connect_type(path, type);

        if (fd >= 0) {
                safe_close(fd);
                return -EADDRINUSE;
        }
        if (fd == -ECONNREFUSED && unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int socket_listen_unix(const char *path, int type, int backlog)
{
        struct sockaddr_un addr;
        _cleanup_close_ int fd = socket_at(path, type | SOCK_NONBLOCK, &addr);
        int r;

        if (fd < 0)
                return fd;
        r = make_parent_dir(path);
        if (r < 0)
                return r;
        r = remove_stale(path, type);
        if (r < 0)
                return r;
        /* Bind under a 0077 umask so the socket is never briefly reachable by others. */
        mode_t old = umask(0077);
        r = bind(fd, (struct sockaddr *) &addr, sizeof(addr));
        umask(old);
        if (r < 0)
                return -errno;
        if (chmod(path, 0600) < 0 || listen(fd, backlog) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int socket_connect_unix(const char *path)
{
        return connect_type(path, SOCK_STREAM);
}

int socket_peer_cred(int fd, struct ucred *ret)
{
        socklen_t len = sizeof(*ret);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ret, &len) < 0)
                return -errno;
        return 0;
}

int socket_peer_uid(int fd, uid_t *ret)
{
        struct ucred cred;
        int r = socket_peer_cred(fd, &cred);

        if (r < 0)
                return r;
        *ret = cred.uid;
        return 0;
}

int socket_bound_path(int fd, char *buf, size_t size)
{
        struct sockaddr_un sa;
        socklen_t len = sizeof(sa);
        size_t n;

        if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                return -errno;
        if (sa.sun_family != AF_UNIX)
                return -EAFNOSUPPORT;
        /* The kernel reports the full length even when it truncated the copy. */
        n = (len < sizeof(sa) ? len : sizeof(sa)) - offsetof(struct sockaddr_un, sun_path);
        if (n == 0 || sa.sun_path[0] == '\0')
                return -ENOENT;
        n = strnlen(sa.sun_path, n);
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, sa.sun_path, n);
        buf[n] = '\0';
        return 0;
}

void socket_describe(int fd, char *buf, size_t size)
{
        if (socket_bound_path(fd, buf, size) < 0)
                snprintf(buf, size, "fd %d", fd);
}

void socket_put_fds(struct msghdr *mh, void *buf, const int *fds, size_t n)
{
        struct cmsghdr *cm;

        memset(buf, 0, CMSG_SPACE(sizeof(int) * n));
        mh->msg_control = buf;
        mh->msg_controllen = CMSG_SPACE(sizeof(int) * n);
        cm = CMSG_FIRSTHDR(mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
}

size_t socket_take_fds(struct msghdr *mh, int *fds, size_t max, size_t *n)
{
        size_t closed = 0;

        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                size_t k;

                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;

                        /* CMSG_DATA need not be aligned for an int. */
                        memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
                        if (*n < max)
                                fds[(*n)++] = fd;
                        else {
                                safe_close(fd);
                                closed++;
                        }
                }
        }
        return closed;
}

int socket_set_nonblock(int fd)
{
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0)
                return -errno;
        if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        return 0;
}
