/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. The manager
 * learns our pid from the credentials the kernel attaches (it sets SO_PASSCRED),
 * so the message is the state text alone. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/macro.h"
#include "supervisor/readiness.h"

/* The address and its length: abstract names ('@' first) are not NUL-terminated. */
static int notify_address(const char *name, struct sockaddr_un *sa, socklen_t *ret_len)
{
        size_t len = strlen(name);

        if ((name[0] != '/' && name[0] != '@') || len < 2 || len > sizeof(sa->sun_path))
                return -EINVAL;
        /* A path needs room for its NUL; an abstract name uses every byte. */
        if (name[0] == '/' && len == sizeof(sa->sun_path))
                return -EINVAL;
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        memcpy(sa->sun_path, name, len);
        if (name[0] == '@')
                sa->sun_path[0] = '\0';
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
        return 0;
}

int readiness_notify(const char *state)
{
        _cleanup_close_ int fd = -EBADF;
        const char *name = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        if (!name)
                return 0;
        r = notify_address(name, &sa, &len);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        return 1;
}
