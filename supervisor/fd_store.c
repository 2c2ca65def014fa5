/* Client of the fd keeper: the keeper is started on demand and talked to with
 * one blocking datagram per change (the keeper's loop answers at once). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/macro.h"
#include "supervisor/fd_store.h"
#include "supervisor/keeper_wire.h"

#define GET_TIMEOUT_S 5
#define START_WAIT_MS 1000

static int connect_seqpacket(const char *path)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(path) >= sizeof(addr.sun_path))
                return -ENAMETOOLONG;
        strcpy(addr.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* The grandchild: a new session, no fd of ours, stdin on /dev/null. */
__attribute__((noreturn)) static void exec_keeper(const char *path, const char *log_level)
{
        char *argv[] = { (char *) "seccompd", (char *) "--keeper", (char *) path, (char *) "--log-level",
                         (char *) log_level, NULL };
        int null_fd;

        child_reset_signals();
        if (child_keep_fds(NULL, 0) < 0)
                _exit(127);
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd >= 0)
                dup2(null_fd, STDIN_FILENO);
        execv("/proc/self/exe", argv);
        _exit(127);
}

/* Double fork: the keeper is nobody's child we would have to reap, and it
 * outlives us by design. */
static int start_keeper(const char *path, const char *log_level)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (setsid() < 0)
                        _exit(127);
                pid = fork();
                if (pid < 0)
                        _exit(127);
                if (pid == 0)
                        exec_keeper(path, log_level);
                _exit(0);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int fd_store_connect(const char *path, const char *log_level)
{
        int fd = connect_seqpacket(path), r;

        if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED))
                return fd >= 0 ? fd : log_error_errno(fd, "cannot connect to the fd keeper at %s: %m", path);
        r = start_keeper(path, log_level);
        if (r < 0)
                return log_error_errno(r, "cannot start an fd keeper: %m");
        for (int waited = 0; waited < START_WAIT_MS; waited += 5) {
                fd = connect_seqpacket(path);
                if (fd >= 0)
                        return fd;
                nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000000 }, NULL);
        }
        return log_error_errno(fd, "the fd keeper did not listen on %s within %d ms: %m", path, START_WAIT_MS);
}

void stored_fds_free(struct stored_fd *fds, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                safe_close(fds[i].fd);
                free(fds[i].name);
        }
        free(fds);
}

/* Appends the names of one "FDS\nname\nname" batch with their fds (taken on
 * every path): one valid name per fd, or -EBADMSG. */
static int add_batch(char *msg, int *fds, size_t n_fds, struct stored_fd **list, size_t *n)
{
        struct stored_fd *grown = realloc(*list, (*n + n_fds) * sizeof(**list));
        char *save = NULL, *name = strtok_r(msg + 4, "\n", &save);
        size_t i = 0;
        int r = 0;

        if (!grown)
                r = -ENOMEM;
        else
                *list = grown;
        for (; r == 0 && i < n_fds && name; i++, name = strtok_r(NULL, "\n", &save)) {
                if (!keeper_name_valid(name, strlen(name)))
                        break;
                (*list)[*n] = (struct stored_fd) { .name = strdup(name), .fd = fds[i] };
                if (!(*list)[*n].name)
                        r = -ENOMEM;
                (*n)++;
        }
        if (r == 0 && (i < n_fds || name))
                r = -EBADMSG;
        for (; i < n_fds; i++)
                safe_close(fds[i]);
        return r;
}

int fd_store_get(int sock, struct stored_fd **ret, size_t *ret_n)
{
        struct timeval tv = { .tv_sec = GET_TIMEOUT_S };
        struct stored_fd *list = NULL;
        size_t n = 0;
        int r;

        if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        r = keeper_wire_send(sock, "GET", 3, NULL, 0);
        while (r >= 0) {
                char msg[KEEPER_WIRE_MAX_MESSAGE + 1];
                int fds[KEEPER_WIRE_MAX_FDS];
                size_t n_fds;

                r = keeper_wire_recv(sock, false, msg, sizeof(msg), fds, KEEPER_WIRE_MAX_FDS, &n_fds);
                if (r == -EAGAIN)
                        r = -ETIMEDOUT;
                else if (r == 0)
                        r = -ECONNRESET;
                if (r < 0)
                        break;
                if (strcmp(msg, "END") == 0 && n_fds == 0) {
                        *ret = list;
                        *ret_n = n;
                        return 0;
                }
                if (strncmp(msg, "FDS\n", 4) == 0)
                        r = add_batch(msg, fds, n_fds, &list, &n);
                else if (strcmp(msg, "TAKEN") != 0) {
                        for (size_t i = 0; i < n_fds; i++)
                                safe_close(fds[i]);
                        r = -EBADMSG;
                }
        }
        stored_fds_free(list, n);
        return r;
}

/* "VERB name", with |fd| when it is >= 0. */
static int send_named(int sock, const char *verb, const char *name, int fd)
{
        char msg[4 + KEEPER_NAME_MAX + 1];
        size_t len = strlen(name);

        if (!keeper_name_valid(name, len))
                return -EINVAL;
        memcpy(msg, verb, 4);
        memcpy(msg + 4, name, len);
        return keeper_wire_send(sock, msg, 4 + len, &fd, fd >= 0 ? 1 : 0);
}

int fd_store_put(int sock, const char *name, int fd)
{
        return send_named(sock, "PUT ", name, fd);
}

int fd_store_del(int sock, const char *name)
{
        return send_named(sock, "DEL ", name, -EBADF);
}

int fd_store_say(int sock, const char *word)
{
        return keeper_wire_send(sock, word, strlen(word), NULL, 0);
}
