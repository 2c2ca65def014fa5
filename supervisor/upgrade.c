/* The handover's steps, each on a libuv handle so the loop never waits:
 * drain (timer), start the new binary, then whichever comes first of "TAKEN"
 * on the keeper socket (exit), the new daemon's exit or a timeout (resume). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/macro.h"
#include "supervisor/control.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/keeper_wire.h"
#include "supervisor/readiness.h"
#include "supervisor/registry.h"
#include "supervisor/survive.h"
#include "supervisor/upgrade.h"

#define DRAIN_TICK_MS 5

struct upgrade {
        uv_timer_t timer;       /* drain ticks, then the take-over deadline */
        uv_poll_t keeper_poll;  /* "TAKEN" */
        uv_poll_t child_poll;   /* the new daemon's pidfd: it exited before taking over */
        bool keeper_polling, child_polling;
        unsigned n_handles;
        int child_pidfd;
        pid_t child;
        uint64_t drain_start_usec;
        struct daemon *daemon;
        char binary[];
};

static void on_handle_closed(uv_handle_t *h)
{
        struct upgrade *u = h->data;

        if (--u->n_handles == 0) {
                safe_close(u->child_pidfd);
                free(u);
        }
}

static void upgrade_end(struct upgrade *u)
{
        struct daemon *d = u->daemon;

        d->upgrade = NULL;
        uv_close((uv_handle_t *) &u->timer, on_handle_closed);
        if (u->keeper_polling)
                uv_close((uv_handle_t *) &u->keeper_poll, on_handle_closed);
        if (u->child_polling)
                uv_close((uv_handle_t *) &u->child_poll, on_handle_closed);
}

void upgrade_cancel(struct daemon *d)
{
        if (d->upgrade)
                upgrade_end(d->upgrade);
}

/* The new daemon failed: this one serves again, as it was. */
static void resume(struct upgrade *u, const char *why)
{
        struct daemon *d = u->daemon;

        log_error("upgrade to %s failed (%s): resuming", u->binary, why);
        if (u->child > 0 && u->child_pidfd >= 0)
                (void) syscall(SYS_pidfd_send_signal, u->child_pidfd, SIGKILL, NULL, 0);
        upgrade_end(u);
        survive_thaw(d);
        if (d->reopen_sockets(d) < 0) {
                /* Sockets a manager passed cannot be bound here: it starts us again. */
                d->failed = true;
                d->stop(d, "cannot listen again after a failed upgrade", true);
                return;
        }
        registry_resume(&d->registry);
}

static void on_takeover_timeout(uv_timer_t *t)
{
        resume(container_of(t, struct upgrade, timer), "no take-over in time");
}

static void on_child_exit(uv_poll_t *p, int status, int events)
{
        (void) status;
        (void) events;
        resume(container_of(p, struct upgrade, child_poll), "the new daemon exited");
}

static void on_keeper(uv_poll_t *p, int status, int events)
{
        struct upgrade *u = container_of(p, struct upgrade, keeper_poll);
        struct daemon *d = u->daemon;
        char msg[KEEPER_WIRE_MAX_MESSAGE + 1], line[64];
        int fds[KEEPER_WIRE_MAX_FDS];
        size_t n_fds;
        int fd = -EBADF, r;

        (void) events;
        (void) uv_fileno((uv_handle_t *) p, &fd);
        r = status < 0 ? status : keeper_wire_recv(fd, true, msg, sizeof(msg), fds, 0, &n_fds);
        if (r == -EAGAIN)
                return;
        if (r <= 0 || strcmp(msg, "TAKEN") != 0) {
                resume(u, "lost the fd keeper");
                return;
        }
        log_info("upgrade: pid %d took over, exiting", (int) u->child);
        snprintf(line, sizeof(line), "MAINPID=%d", (int) u->child);
        (void) readiness_notify(line);
        d->stop(d, "upgraded", true);
}

__attribute__((noreturn)) static void exec_new(const char *binary, char **argv)
{
        child_reset_signals();
        if (child_keep_fds(NULL, 0) < 0)
                _exit(127);
        execv(binary, argv);
        _exit(127);
}

static int spawn(struct upgrade *u)
{
        struct daemon *d = u->daemon;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                exec_new(u->binary, d->opt.argv);
        u->child = pid;
        u->child_pidfd = child_pidfd(pid);
        return u->child_pidfd < 0 ? u->child_pidfd : 0;
}

static int poll_on(struct upgrade *u, uv_poll_t *p, bool *flag, int fd, uv_poll_cb cb)
{
        int r = uv_poll_init(&u->daemon->loop, p, fd);

        if (r < 0)
                return r;
        p->data = u;
        *flag = true;
        u->n_handles++;
        return uv_poll_start(p, UV_READABLE, cb);
}

/* Everything finished (or given up on): close the sockets, freeze our side of
 * the keeper and start the new binary. */
static void hand_over(struct upgrade *u)
{
        struct daemon *d = u->daemon;
        int sock, r;

        d->control = control_free(d->control);
        sock = survive_freeze(d);
        if (d->n_pending > 0)
                log_warning("upgrade: %zu call(s) still in flight after %d ms, left to the new daemon",
                            d->n_pending, UPGRADE_DRAIN_MS);
        r = sock < 0 ? sock : spawn(u);
        if (r >= 0)
                r = poll_on(u, &u->keeper_poll, &u->keeper_polling, sock, on_keeper);
        if (r >= 0)
                r = poll_on(u, &u->child_poll, &u->child_polling, u->child_pidfd, on_child_exit);
        if (r >= 0)
                r = uv_timer_start(&u->timer, on_takeover_timeout, UPGRADE_TAKEOVER_MS, 0);
        if (r < 0) {
                errno = -r;
                resume(u, strerror(-r));
                return;
        }
        log_info("upgrade: started %s as pid %d", u->binary, (int) u->child);
}

static void on_drain_tick(uv_timer_t *t)
{
        struct upgrade *u = container_of(t, struct upgrade, timer);

        if (u->daemon->n_pending > 0 && now_usec() - u->drain_start_usec < UPGRADE_DRAIN_MS * 1000ULL)
                return;
        uv_timer_stop(t);
        hand_over(u);
}

static int self_binary(char *buf, size_t size)
{
        ssize_t n = readlink("/proc/self/exe", buf, size - 1);
        const char *deleted = " (deleted)";
        size_t dl = strlen(deleted);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        /* Replaced on disk by a package upgrade: the path now names the new binary. */
        if ((size_t) n > dl && strcmp(buf + n - dl, deleted) == 0)
                buf[n - dl] = '\0';
        return 0;
}

int upgrade_start(struct daemon *d, const char *binary, char *errbuf, size_t errlen)
{
        char self[PATH_MAX];
        struct upgrade *u;
        int r;

        if (d->upgrade || d->stopping) {
                snprintf(errbuf, errlen, "an upgrade or a stop is already under way");
                return -EBUSY;
        }
        if (!d->survive || d->survive->sock < 0) {
                snprintf(errbuf, errlen, "no fd keeper (--no-keeper, or it went away): nothing would survive");
                return -ENOTCONN;
        }
        if (!binary) {
                r = self_binary(self, sizeof(self));
                if (r < 0) {
                        snprintf(errbuf, errlen, "cannot read /proc/self/exe: %s", strerror(-r));
                        return r;
                }
                binary = self;
        }
        if (binary[0] != '/' || access(binary, X_OK) < 0) {
                snprintf(errbuf, errlen, "%s: not an executable absolute path", binary);
                return -EACCES;
        }
        u = calloc(1, sizeof(*u) + strlen(binary) + 1);
        if (!u) {
                snprintf(errbuf, errlen, "out of memory");
                return -ENOMEM;
        }
        strcpy(u->binary, binary);
        u->daemon = d;
        u->child_pidfd = -EBADF;
        uv_timer_init(&d->loop, &u->timer);
        u->timer.data = u;
        u->n_handles = 1;
        d->upgrade = u;
        log_info("upgrade to %s: no longer receiving, %zu call(s) in flight to finish", binary, d->n_pending);
        /* No new container, no new call: what arrives now waits for the new daemon. */
        d->close_intakes(d);
        registry_pause(&d->registry);
        u->drain_start_usec = now_usec();
        uv_timer_start(&u->timer, on_drain_tick, 0, DRAIN_TICK_MS);
        return 0;
}
