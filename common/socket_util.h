/* Unix socket helpers shared by the daemon's listening sockets and its clients. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Creates the parent directory of |path| (mode 0700) if missing, removes a stale
 * socket file nobody listens on, binds a |type| (SOCK_STREAM, SOCK_SEQPACKET)
 * socket there, SOCK_NONBLOCK|SOCK_CLOEXEC, with mode 0600 and listens.
 * Returns the fd or -errno (-EADDRINUSE when a live daemon already listens
 * there). Does not log. */
int socket_listen_unix(const char *path, int type, int backlog);

/* Connects a SOCK_STREAM|SOCK_CLOEXEC socket to |path|; returns fd or -errno. */
int socket_connect_unix(const char *path);

/* The peer as of connect() (SO_PEERCRED: pid in our pid namespace, uid, gid);
 * 0 or -errno. */
int socket_peer_cred(int fd, struct ucred *ret);

/* The uid of the peer (SO_PEERCRED); 0 or -errno. */
int socket_peer_uid(int fd, uid_t *ret);

/* The filesystem path |fd| (an AF_UNIX socket) is bound at, into buf: 0,
 * -ENOENT when it has none (unbound or abstract), -ENAMETOOLONG when it does not
 * fit |size|, or getsockname's -errno. */
int socket_bound_path(int fd, char *buf, size_t size);

/* Names |fd| for messages: the path it is bound at, else "fd N". */
void socket_describe(int fd, char *buf, size_t size);

/* Attaches |fds| (n >= 1) to |mh| as one SCM_RIGHTS message built in |buf|:
 * CMSG_SPACE(n * sizeof(int)) bytes at least, aligned for struct cmsghdr. */
void socket_put_fds(struct msghdr *mh, void *buf, const int *fds, size_t n);

/* Moves the fds of every SCM_RIGHTS message in |mh| (after recvmsg()) into
 * fds[*n..max), advancing *n; those past |max| are closed. Returns how many
 * were closed (0: all fit). */
size_t socket_take_fds(struct msghdr *mh, int *fds, size_t max, size_t *n);

/* Sets O_NONBLOCK on |fd| (the open file description: shared with whoever else
 * holds it). 0 or -errno. */
int socket_set_nonblock(int fd);
