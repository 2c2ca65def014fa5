/* The runtime side of the OCI listenerPath protocol (see oci_send.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/json_write.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "shim/oci_send.h"

/* |s| as a quoted JSON string (malloc'd), or NULL. */
static char *quoted(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        json_write_string(f, s);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

int oci_send_format_state(char *buf, size_t size, pid_t pid, const char *id, const char *metadata,
                          const char *bundle, bool pretty)
{
        /* The field order and the omitted empty "annotations" are what runc 1.1.5 sends. */
        static const char compact[] =
                "{\"ociVersion\":\"1.0.2-dev\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%s,"
                "\"state\":{\"ociVersion\":\"1.0.2-dev\",\"id\":%s,\"status\":\"creating\","
                "\"pid\":%d,\"bundle\":%s}}";
        static const char indented[] =
                "{\n  \"ociVersion\": \"1.0.2\",\n  \"fds\": [\n    \"seccompFd\"\n  ],\n"
                "  \"pid\": %d,\n  \"metadata\": %s,\n  \"state\": {\n"
                "    \"ociVersion\": \"1.0.2\",\n    \"id\": %s,\n    \"status\": \"creating\",\n"
                "    \"pid\": %d,\n    \"bundle\": %s,\n    \"annotations\": {}\n  }\n}\n";
        _cleanup_free_ char *qid = quoted(id), *qmeta = quoted(metadata), *qbundle = quoted(bundle);
        int n;

        if (!qid || !qmeta || !qbundle)
                return -ENOMEM;
        n = snprintf(buf, size, pretty ? indented : compact, (int) pid, qmeta, qid, (int) pid, qbundle);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return n;
}

int oci_send_connect(const char *socket_path, bool inheritable)
{
        int fd = socket_connect_unix(socket_path);

        /* sc-trap --keep-open keeps the connection across exec, as runc 1.1 does. */
        if (fd >= 0 && inheritable && fcntl(fd, F_SETFD, 0) < 0) {
                int r = -errno;

                safe_close(fd);
                return r;
        }
        return fd;
}

static int send_chunk(int sock, const char *p, size_t len, int fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } cbuf;
        struct iovec iov = { .iov_base = (void *) p, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0)
                socket_put_fds(&mh, cbuf.buf, &fd, 1);
        while (iov.iov_len > 0 || fd >= 0) {
                ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                /* The fds went with the first byte; the rest goes without them. */
                mh.msg_control = NULL;
                mh.msg_controllen = 0;
                fd = -1;
                iov.iov_base = (char *) iov.iov_base + n;
                iov.iov_len -= (size_t) n;
        }
        return 0;
}

int oci_send(int sock, const char *msg, size_t len, int fd, unsigned chunks)
{
        size_t off = 0;

        if (chunks == 0)
                chunks = 1;
        if (chunks > len)
                chunks = len > 0 ? (unsigned) len : 1;
        for (unsigned i = 0; i < chunks; i++) {
                size_t n = i + 1 == chunks ? len - off : len / chunks;
                bool with_fd = chunks == 1 || i == 1;
                int r = send_chunk(sock, msg + off, n, with_fd ? fd : -1);

                if (r < 0)
                        return r;
                off += n;
                /* Separate sendmsg calls can still merge in the receive queue; a
                 * short pause makes the daemon see them as separate reads. */
                if (i + 1 < chunks)
                        usleep(20 * 1000);
        }
        return 0;
}

int oci_send_read_ack(int sock, char *buf, size_t size, int timeout_ms)
{
        size_t n = 0;

        if (size == 0)
                return -EINVAL;
        while (n + 1 < size) {
                struct pollfd p = { .fd = sock, .events = POLLIN };
                ssize_t k;
                int r = poll(&p, 1, timeout_ms);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -ETIMEDOUT;
                k = read(sock, buf + n, 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNRESET)
                                break;
                        return -errno;
                }
                if (k == 0 || buf[n] == '\n')
                        break;
                n++;
        }
        buf[n] = '\0';
        return (int) n;
}
