/* Messages with fds on the keeper's SOCK_SEQPACKET socket. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/socket_util.h"
#include "supervisor/keeper_wire.h"

int keeper_wire_send(int sock, const char *msg, size_t len, const int *fds, size_t n_fds)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * KEEPER_WIRE_MAX_FDS)];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n_fds > KEEPER_WIRE_MAX_FDS)
                return -E2BIG;
        if (n_fds > 0)
                socket_put_fds(&mh, u.buf, fds, n_fds);
        for (;;) {
                if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

/* Moves the fds of every SCM_RIGHTS message into fds[]; false when there were
 * more than |max| (all closed then). */
int keeper_wire_recv(int sock, bool nonblock, char *buf, size_t size, int *fds, size_t max_fds,
                     size_t *ret_n_fds)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * KEEPER_WIRE_MAX_FDS)];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf) };
        size_t n_fds;
        ssize_t n;

        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        n_fds = 0;
        if (socket_take_fds(&mh, fds, max_fds, &n_fds) > 0) {
                for (size_t i = 0; i < n_fds; i++)
                        close(fds[i]);
                return -EBADMSG;
        }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
                for (size_t i = 0; i < n_fds; i++)
                        close(fds[i]);
                return -EBADMSG;
        }
        buf[n] = '\0';
        *ret_n_fds = n_fds;
        return (int) n;
}

bool keeper_name_valid(const char *name, size_t len)
{
        if (len == 0 || len > KEEPER_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (name[i] <= ' ' || name[i] > '~')
                        return false;
        return true;
}
