/* The control socket's client: connect with timeouts, one request line, the
 * reply read to EOF. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/macro.h"
#include "supervisor/control_client.h"

/* 0, or the -errno of socket/connect: -ENOENT and -ECONNREFUSED mean no daemon. */
static int connect_control(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = CONTROL_CLIENT_TIMEOUT_SEC };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int send_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Reads to EOF; the reply is NUL-terminated. -EAGAIN on timeout, -EFBIG past the maximum. */
static int read_all(int fd, char **ret_buf, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (alloc - len < 4096) {
                        char *p;

                        if (alloc >= CONTROL_CLIENT_REPLY_MAX)
                                return -EFBIG;
                        alloc = alloc ? alloc * 2 : 16384;
                        p = realloc(buf, alloc + 1);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                }
                n = recv(fd, buf + len, alloc - len, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                /* A daemon that answered without reading our request (busy, refused)
                 * resets the connection after its reply: that reply still counts. */
                if (n == 0 || (n < 0 && errno == ECONNRESET && len > 0))
                        break;
                if (n < 0)
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret_len = len;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

int control_client_query(const char *path, const char *request, char **ret_buf, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = connect_control(path, &fd);
        if (r < 0)
                return r;
        r = send_all(fd, request, strlen(request));
        if (r == 0)
                r = send_all(fd, "\n", 1);
        /* The daemon may answer before reading (refused, busy) and hang up. */
        if (r < 0 && r != -EPIPE && r != -ECONNRESET)
                return r;
        return read_all(fd, ret_buf, ret_len);
}

void control_client_explain(const char *who, int r, const char *path)
{
        if (r == -ENOENT)
                fprintf(stderr, "%s: seccompd is not running (no control socket at %s)\n", who, path);
        else if (r == -ECONNREFUSED)
                fprintf(stderr, "%s: seccompd is not running (nothing listens on %s)\n", who, path);
        else if (r == -EACCES || r == -EPERM)
                fprintf(stderr, "%s: permission denied on %s: the control socket is for root only\n", who, path);
        else if (r == -EAGAIN)
                fprintf(stderr, "%s: seccompd did not answer within %d s\n", who, CONTROL_CLIENT_TIMEOUT_SEC);
        else
                fprintf(stderr, "%s: cannot query seccompd at %s: %s\n", who, path, strerror(-r));
}
