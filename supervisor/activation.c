/* The LISTEN_FDS protocol (sd_listen_fds(3)): the manager binds the sockets,
 * so they exist (and queue connections) before seccompd runs and across its
 * restarts, and passes them as fds 3.. to the process whose pid it wrote. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/socket_util.h"
#include "supervisor/activation.h"

/* Long enough for any value the protocol defines (16 names of 255 bytes). */
#define VALUE_MAX (ACTIVATION_MAX_FDS * (ACTIVATION_NAME_MAX + 1))

static int parse_count(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        if (v > max)
                return -E2BIG;
        *ret = v;
        return 0;
}

/* Copies the variable and unsets it: a child we start must not take our fds for
 * its own. 1 when it was set, 0 when not, -E2BIG when longer than |size| - 1. */
static int take_env(const char *name, char *buf, size_t size)
{
        const char *v = getenv(name);
        size_t len;

        if (!v)
                return 0;
        len = strlen(v);
        if (len >= size) {
                (void) unsetenv(name);
                return -E2BIG;
        }
        memcpy(buf, v, len + 1);
        (void) unsetenv(name);
        return 1;
}

/* Writes the reason for |r| into buf; returns r. */
_printf_(4, 5) static int reason(char *buf, size_t size, int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return r;
}

/* LISTEN_FDNAMES: one name per fd, ':'-separated. */
static int split_names(char *names, struct activation *a, char *errbuf, size_t errlen)
{
        size_t n = names[0] ? 1 : 0, i = 0;

        for (const char *p = names; *p; p++)
                n += *p == ':';
        if (n != a->n_fds)
                return reason(errbuf, errlen, -EINVAL, "LISTEN_FDNAMES names %zu fds, LISTEN_FDS=%zu", n,
                              a->n_fds);
        for (char *p = names; i < n; i++) {
                char *colon = strchr(p, ':');

                if (colon)
                        *colon = '\0';
                if (strlen(p) > ACTIVATION_NAME_MAX)
                        return reason(errbuf, errlen, -EINVAL, "a LISTEN_FDNAMES name is longer than %d bytes",
                                      ACTIVATION_NAME_MAX);
                /* systemd names sockets without FileDescriptorName= "unknown". */
                snprintf(a->fds[i].name, sizeof(a->fds[i].name), "%s", strcmp(p, "unknown") == 0 ? "" : p);
                p = colon ? colon + 1 : p + strlen(p);
        }
        return 0;
}

static const char *file_kind(mode_t mode)
{
        switch (mode & S_IFMT) {
        case S_IFREG:
                return "a regular file";
        case S_IFDIR:
                return "a directory";
        case S_IFCHR:
                return "a character device";
        case S_IFBLK:
                return "a block device";
        case S_IFIFO:
                return "a pipe";
        default:
                return "not a socket";
        }
}

static int sockopt(int fd, int opt, int *ret)
{
        socklen_t len = sizeof(*ret);

        if (getsockopt(fd, SOL_SOCKET, opt, ret, &len) < 0)
                return -errno;
        return 0;
}

/* Why |fd| is not a listening unix stream socket, into |buf|; 0 when it is. */
static int check_listening_unix(int fd, char *buf, size_t size)
{
        int domain, type, listening, r;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return reason(buf, size, -EBADF, "is not open");
        if (!S_ISSOCK(st.st_mode))
                return reason(buf, size, -ENOTSOCK, "is %s", file_kind(st.st_mode));
        r = sockopt(fd, SO_DOMAIN, &domain);
        if (r >= 0)
                r = sockopt(fd, SO_TYPE, &type);
        if (r >= 0)
                r = sockopt(fd, SO_ACCEPTCONN, &listening);
        if (r < 0)
                return reason(buf, size, r, "cannot be inspected (%s)", strerror(-r));
        if (domain != AF_UNIX)
                return reason(buf, size, -ENOTSOCK, "is a socket of address family %d, not AF_UNIX", domain);
        if (type != SOCK_STREAM)
                return reason(buf, size, -ENOTSOCK, "is a %s socket, not SOCK_STREAM",
                              type == SOCK_DGRAM ? "datagram" : type == SOCK_SEQPACKET ? "seqpacket" : "non-stream");
        if (!listening)
                return reason(buf, size, -ENOTSOCK, "is a unix stream socket that is not listening");
        return 0;
}

static int check_fds(struct activation *a, char *errbuf, size_t errlen)
{
        for (size_t i = 0; i < a->n_fds; i++) {
                int fd = ACTIVATION_FDS_START + (int) i, r;
                char why[128];

                r = check_listening_unix(fd, why, sizeof(why));
                if (r >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                        r = reason(why, sizeof(why), -errno, "cannot be made close-on-exec");
                if (r < 0)
                        return reason(errbuf, errlen, r,
                                      "passed fd %d%s%s%s %s; expected a listening unix stream socket", fd,
                                      a->fds[i].name[0] ? " (\"" : "", a->fds[i].name,
                                      a->fds[i].name[0] ? "\")" : "", why);
                a->fds[i].fd = fd;
        }
        return 0;
}

static int parse_env(struct activation *a, char *errbuf, size_t errlen)
{
        char pid[32], fds[32], names[VALUE_MAX];
        int have_pid, have_fds, have_names, r;
        unsigned long v;

        have_pid = take_env("LISTEN_PID", pid, sizeof(pid));
        have_fds = take_env("LISTEN_FDS", fds, sizeof(fds));
        have_names = take_env("LISTEN_FDNAMES", names, sizeof(names));
        if (have_pid == 0)
                return 0;
        if (have_pid < 0 || parse_count(pid, INT_MAX, &v) < 0)
                return reason(errbuf, errlen, -EINVAL, "LISTEN_PID is not a pid");
        if (v != (unsigned long) getpid())
                return 0; /* set for another process: not ours to use */
        if (have_fds <= 0)
                return reason(errbuf, errlen, -EINVAL, "LISTEN_PID is set but LISTEN_FDS is not a number");
        r = parse_count(fds, ACTIVATION_MAX_FDS, &v);
        if (r == -E2BIG)
                return reason(errbuf, errlen, r, "LISTEN_FDS passes more sockets than seccompd takes (%d)",
                              ACTIVATION_MAX_FDS);
        if (r < 0)
                return reason(errbuf, errlen, r, "LISTEN_FDS is not a number");
        a->n_fds = v;
        if (have_names < 0)
                return reason(errbuf, errlen, -EINVAL, "LISTEN_FDNAMES is too long");
        if (have_names > 0)
                return split_names(names, a, errbuf, errlen);
        return 0;
}

int activation_listen_fds(struct activation *ret, char *errbuf, size_t errlen)
{
        struct activation a = { 0 };
        int r;

        r = parse_env(&a, errbuf, errlen);
        if (r < 0)
                return r;
        r = check_fds(&a, errbuf, errlen);
        if (r < 0)
                return r;
        *ret = a;
        return (int) a.n_fds;
}

static bool bound_at(int fd, const char *path)
{
        char bound[sizeof(((struct sockaddr_un *) 0)->sun_path)];

        return path && socket_bound_path(fd, bound, sizeof(bound)) >= 0 && strcmp(bound, path) == 0;
}

/* Managers pass blocking sockets (unless NonBlocking=); seccompd's accept loops
 * drain until EAGAIN, and a blocking accept would stall the event loop. */
static int take(struct activation_fd *f)
{
        int r = socket_set_nonblock(f->fd);

        if (r < 0)
                return r;
        return TAKE_FD(f->fd);
}

/* No name of its own: none given (or sd_listen_fds's "unknown"), or systemd's
 * default, the socket unit's name. */
static bool unnamed(const char *name)
{
        size_t len = strlen(name);

        return len == 0 || (len > 7 && strcmp(name + len - 7, ".socket") == 0);
}

int activation_take(struct activation *a, const char *name, const char *path, bool any_unnamed)
{
        for (size_t i = 0; i < a->n_fds; i++)
                if (a->fds[i].fd >= 0 && strcmp(a->fds[i].name, name) == 0)
                        return take(&a->fds[i]);
        for (size_t i = 0; i < a->n_fds; i++)
                if (a->fds[i].fd >= 0 && bound_at(a->fds[i].fd, path))
                        return take(&a->fds[i]);
        for (size_t i = 0; any_unnamed && i < a->n_fds; i++)
                if (a->fds[i].fd >= 0 && unnamed(a->fds[i].name))
                        return take(&a->fds[i]);
        return -ENOENT;
}

bool activation_has(const struct activation *a, const char *name)
{
        for (size_t i = 0; i < a->n_fds; i++)
                if (a->fds[i].fd >= 0 && strcmp(a->fds[i].name, name) == 0)
                        return true;
        return false;
}

size_t activation_close_rest(struct activation *a)
{
        size_t n = 0;

        for (size_t i = 0; i < a->n_fds; i++)
                if (a->fds[i].fd >= 0) {
                        a->fds[i].fd = safe_close(a->fds[i].fd);
                        n++;
                }
        return n;
}
