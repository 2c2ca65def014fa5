/* The fd keeper: a poll() loop over its socket and a few daemon connections,
 * and a table of named fds. It never interprets what it keeps beyond the name
 * prefix ("l/" listeners and "p/" pidfds are dropped once dead while no daemon
 * is connected): the records are the daemon's business. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "supervisor/keeper.h"
#include "supervisor/keeper_wire.h"

#define KEEPER_MAX_CONNS 8
#define KEEPER_MAX_ENTRIES 65536
#define KEEPER_TICK_MS 1000

struct entry {
        char name[KEEPER_NAME_MAX + 1];
        int fd;
};

struct keeper {
        int listen_fd;
        dev_t dev;              /* of the socket file we bound: unlinked at exit only if still ours */
        ino_t ino;
        struct entry *entries;
        size_t n_entries, cap;
        int conns[KEEPER_MAX_CONNS];
        size_t n_conns;
        uint64_t idle_since_ms; /* when the last daemon left (or we started) */
        bool stop;
};

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static struct entry *find(struct keeper *k, const char *name)
{
        for (size_t i = 0; i < k->n_entries; i++)
                if (strcmp(k->entries[i].name, name) == 0)
                        return &k->entries[i];
        return NULL;
}

static void drop_at(struct keeper *k, size_t i)
{
        safe_close(k->entries[i].fd);
        k->entries[i] = k->entries[--k->n_entries];
}

static int put(struct keeper *k, const char *name, int fd)
{
        struct entry *e = find(k, name);

        if (e) {
                safe_close(e->fd);
                e->fd = fd;
                return 0;
        }
        if (k->n_entries == k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 64;
                struct entry *n;

                if (cap > KEEPER_MAX_ENTRIES)
                        return -ENOSPC;
                n = realloc(k->entries, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                k->entries = n;
                k->cap = cap;
        }
        e = &k->entries[k->n_entries++];
        snprintf(e->name, sizeof(e->name), "%s", name);
        e->fd = fd;
        return 0;
}

static void del(struct keeper *k, const char *name)
{
        struct entry *e = find(k, name);

        if (e)
                drop_at(k, (size_t) (e - k->entries));
}

/* Everything kept, in batches, then END. */
static int send_all(struct keeper *k, int conn)
{
        char msg[KEEPER_WIRE_MAX_MESSAGE];
        int fds[KEEPER_WIRE_MAX_FDS];
        size_t i = 0;
        int r;

        while (i < k->n_entries) {
                size_t len = (size_t) snprintf(msg, sizeof(msg), "FDS"), n = 0;

                for (; i < k->n_entries && n < KEEPER_WIRE_MAX_FDS; i++, n++) {
                        len += (size_t) snprintf(msg + len, sizeof(msg) - len, "\n%s", k->entries[i].name);
                        fds[n] = k->entries[i].fd;
                }
                r = keeper_wire_send(conn, msg, len, fds, n);
                if (r < 0)
                        return r;
        }
        return keeper_wire_send(conn, "END", 3, NULL, 0);
}

static void conn_drop(struct keeper *k, size_t i)
{
        safe_close(k->conns[i]);
        k->conns[i] = k->conns[--k->n_conns];
        if (k->n_conns == 0)
                k->idle_since_ms = now_ms();
}

static void drain_others(struct keeper *k, int except);

/* One message from connection i. 0, or -errno to drop the connection. */
static int handle(struct keeper *k, size_t i, const char *msg, int *fds, size_t n_fds)
{
        int conn = k->conns[i], r = 0;

        if (strncmp(msg, "PUT ", 4) == 0 && n_fds == 1 && keeper_name_valid(msg + 4, strlen(msg + 4))) {
                r = put(k, msg + 4, fds[0]);
                if (r < 0) {
                        log_warning_errno(r, "keeper: cannot keep %s: %m", msg + 4);
                        safe_close(fds[0]);
                }
                return 0;
        }
        for (size_t j = 0; j < n_fds; j++)
                safe_close(fds[j]);
        if (n_fds > 0)
                return -EBADMSG;
        if (strncmp(msg, "DEL ", 4) == 0)
                del(k, msg + 4);
        else if (strcmp(msg, "GET") == 0) {
                /* What a daemon that just died or is handing over sent last must be in. */
                drain_others(k, conn);
                r = send_all(k, conn);
        } else if (strcmp(msg, "READY") == 0) {
                for (size_t j = 0; j < k->n_conns; j++)
                        if (k->conns[j] != conn)
                                (void) keeper_wire_send(k->conns[j], "TAKEN", 5, NULL, 0);
        } else if (strcmp(msg, "STOP") == 0)
                k->stop = true;
        else
                r = -EBADMSG;
        return r;
}

/* Reads what connection i has queued (all of it with |all|, else one message).
 * Returns false when the connection went away (removed). */
static bool serve(struct keeper *k, size_t i, bool all)
{
        char msg[KEEPER_WIRE_MAX_MESSAGE + 1];
        int fds[KEEPER_WIRE_MAX_FDS];
        size_t n_fds;
        int r;

        do {
                r = keeper_wire_recv(k->conns[i], true, msg, sizeof(msg), fds, KEEPER_WIRE_MAX_FDS, &n_fds);
                if (r == -EAGAIN)
                        return true;
                if (r > 0)
                        r = handle(k, i, msg, fds, n_fds);
                else if (r == 0)
                        r = -ECONNRESET; /* the daemon went away: routine */
                if (r < 0) {
                        if (r != -ECONNRESET)
                                log_warning_errno(r, "keeper: dropping a daemon connection: %m");
                        conn_drop(k, i);
                        return false;
                }
        } while (all && !k->stop);
        return true;
}

static void drain_others(struct keeper *k, int except)
{
        for (size_t j = k->n_conns; j-- > 0;)
                if (k->conns[j] != except)
                        (void) serve(k, j, true);
}

static void accept_one(struct keeper *k)
{
        struct ucred cred = { .uid = (uid_t) -1 };
        int fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (fd < 0)
                return;
        if (socket_peer_cred(fd, &cred) < 0 || cred.uid != geteuid()) {
                log_warning("keeper: refused a connection from uid %d", (int) cred.uid);
                safe_close(fd);
                return;
        }
        if (k->n_conns == KEEPER_MAX_CONNS) {
                log_warning("keeper: refused a connection: %d daemons connected already", KEEPER_MAX_CONNS);
                safe_close(fd);
                return;
        }
        k->conns[k->n_conns++] = fd;
}

/* A listener whose processes all exited hangs up; a pidfd whose process exited
 * is readable. Either is dead weight once no daemon is there to notice. */
static bool entry_dead(const struct entry *e)
{
        struct pollfd p = { .fd = e->fd, .events = POLLIN };

        if (strncmp(e->name, "l/", 2) != 0 && strncmp(e->name, "p/", 2) != 0)
                return false;
        if (poll(&p, 1, 0) <= 0)
                return false;
        if (e->name[0] == 'p')
                return true;
        return (p.revents & POLLHUP) && !(p.revents & POLLIN);
}

/* Whether anything live is kept; prunes the dead. */
static bool prune(struct keeper *k)
{
        bool live = false;

        for (size_t i = k->n_entries; i-- > 0;) {
                if (entry_dead(&k->entries[i]))
                        drop_at(k, i);
                else if (k->entries[i].name[0] == 'l' || k->entries[i].name[0] == 'p')
                        live = true;
        }
        return live;
}

static void loop(struct keeper *k)
{
        while (!k->stop) {
                struct pollfd p[1 + KEEPER_MAX_CONNS];
                size_t n = 0;

                p[n++] = (struct pollfd) { .fd = k->listen_fd, .events = POLLIN };
                for (size_t i = 0; i < k->n_conns; i++)
                        p[n++] = (struct pollfd) { .fd = k->conns[i], .events = POLLIN };
                if (poll(p, n, KEEPER_TICK_MS) < 0 && errno != EINTR)
                        return;
                /* Backwards: serve() may drop a connection by moving the last one down. */
                for (size_t i = n - 1; i >= 1 && !k->stop; i--)
                        if (p[i].revents && i - 1 < k->n_conns && k->conns[i - 1] == p[i].fd)
                                (void) serve(k, i - 1, false);
                if (p[0].revents & POLLIN)
                        accept_one(k);
                if (k->n_conns > 0)
                        continue;
                /* conn_drop() set idle_since_ms when the last daemon left. */
                if (now_ms() - k->idle_since_ms >= KEEPER_ORPHAN_MS) {
                        log_warning("keeper: no daemon for %d s, letting go of %zu fd(s)", KEEPER_ORPHAN_MS / 1000,
                                    k->n_entries);
                        return;
                }
                if (!prune(k) && now_ms() - k->idle_since_ms >= KEEPER_IDLE_MS)
                        return;
        }
}

int keeper_run(const char *path)
{
        struct keeper k = { .listen_fd = -EBADF, .idle_since_ms = now_ms() };
        struct stat st;

        /* Not the daemon's session: a signal to its group or its end leaves us be. */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        k.listen_fd = socket_listen_unix(path, SOCK_SEQPACKET, 16);
        if (k.listen_fd == -EADDRINUSE) {
                log_debug("keeper: another keeper serves %s", path);
                return 1;
        }
        if (k.listen_fd < 0) {
                log_error_errno(k.listen_fd, "keeper: cannot listen on %s: %m", path);
                return 1;
        }
        if (stat(path, &st) == 0) {
                k.dev = st.st_dev;
                k.ino = st.st_ino;
        }
        log_info("keeper: pid %d holding fds on %s", (int) getpid(), path);
        loop(&k);
        log_info("keeper: exiting (%s)", k.stop ? "asked to" : "no daemon");
        /* Unlink before closing (a daemon starting now starts a new keeper),
         * unless another keeper has bound the path since. */
        if (stat(path, &st) == 0 && st.st_dev == k.dev && st.st_ino == k.ino)
                (void) unlink(path);
        for (size_t i = 0; i < k.n_conns; i++)
                safe_close(k.conns[i]);
        for (size_t i = 0; i < k.n_entries; i++)
                safe_close(k.entries[i].fd);
        free(k.entries);
        safe_close(k.listen_fd);
        return 0;
}
