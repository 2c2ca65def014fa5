/* The daemon's side of the fd keeper (keeper.h): connect (starting a keeper
 * when none runs), take everything it holds, and keep it up to date. Each call
 * is one datagram on a SOCK_SEQPACKET socket, so a PUT sent just before the
 * daemon dies is still read by the keeper. */
#pragma once

#include <stddef.h>

struct stored_fd {
        char *name;
        int fd;
};

/* Connects to the keeper at |path|; when none listens there, starts one
 * (`/proc/self/exe --keeper PATH`, in its own session, not our child) and
 * retries for up to a second. Returns the connected socket or -errno. Logs. */
int fd_store_connect(const char *path, const char *log_level);

/* Asks for every stored fd. *ret (free with stored_fds_free()) lists them,
 * each fd close-on-exec and owned by the caller. 0 or -errno (-EBADMSG for a
 * malformed answer, -ETIMEDOUT after 5 s). Does not log. */
int fd_store_get(int sock, struct stored_fd **ret, size_t *ret_n);

/* Stores a duplicate of |fd| as |name| (replacing one of that name); the
 * caller keeps |fd|. 0 or -errno. Does not log. */
int fd_store_put(int sock, const char *name, int fd);

/* Forgets |name| (the keeper closes its copy). 0 or -errno. Does not log. */
int fd_store_del(int sock, const char *name);

/* "READY" (tells a daemon handing over that we took over) or "STOP" (the
 * keeper closes everything and exits). 0 or -errno. Does not log. */
int fd_store_say(int sock, const char *word);

/* Closes the fds nobody took (fd < 0 once taken) and frees the list. */
void stored_fds_free(struct stored_fd *fds, size_t n);
