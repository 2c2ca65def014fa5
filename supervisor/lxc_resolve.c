/* LXC names off the loop: one uv_work at a time walks the queue; results come
 * back to the loop, which renames the record if it is still there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "supervisor/daemon.h"
#include "supervisor/lxc_names.h"
#include "supervisor/lxc_resolve.h"

#define MONITOR_TITLE "[lxc monitor] "

struct lookup {
        struct list_node node;          /* in lxc_resolve.queue */
        char *id;                       /* the record's id when queued */
        pid_t init_pid, monitor_pid;
        char *name, *config;            /* the worker's result */
        int error;
};

struct lxc_resolve {
        uv_work_t work;
        struct daemon *daemon;
        char *lxcpath;                  /* NULL: only the monitor's title is looked at */
        struct list_node queue;
        struct lookup *running;         /* owned by the worker until on_done */
        bool closing;
};

static struct lookup *lookup_free(struct lookup *lk)
{
        if (!lk)
                return NULL;
        free(lk->id);
        free(lk->name);
        free(lk->config);
        free(lk);
        return NULL;
}

/* A daemonized LXC monitor retitles itself "[lxc monitor] PATH NAME": the
 * lxcpath liblxc must look in, whatever the operator passed to lxc-start -P. */
static int monitor_title(pid_t pid, char **ret_path, char **ret_name)
{
        _cleanup_close_ int fd = -EBADF;
        char file[64], buf[4096], *space;
        ssize_t n;

        snprintf(file, sizeof(file), "/proc/%d/cmdline", (int) pid);
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        space = strrchr(buf, ' ');
        if (strncmp(buf, MONITOR_TITLE, strlen(MONITOR_TITLE)) != 0 || !space ||
            space < buf + strlen(MONITOR_TITLE) || !space[1])
                return -ENOENT;
        *space = '\0';
        *ret_path = strdup(buf + strlen(MONITOR_TITLE));
        *ret_name = strdup(space + 1);
        return *ret_path && *ret_name ? 0 : -ENOMEM;
}

/* On a pool thread: touches only the lookup and the immutable lxcpath. */
static void on_work(uv_work_t *w)
{
        struct lxc_resolve *rs = container_of(w, struct lxc_resolve, work);
        struct lookup *lk = rs->running;
        _cleanup_free_ char *path = NULL, *name = NULL;
        int r = monitor_title(lk->monitor_pid, &path, &name);

        if (r == 0)
                r = lxc_names_find(path, name, lk->init_pid, &lk->name, &lk->config);
        if (r < 0 && r != -ENOMEM && r != -EOPNOTSUPP && rs->lxcpath && (!path || strcmp(path, rs->lxcpath) != 0))
                r = lxc_names_find(rs->lxcpath, NULL, lk->init_pid, &lk->name, &lk->config);
        lk->error = r;
}

static void finish(struct lxc_resolve *rs, const struct lookup *lk)
{
        struct container *c = registry_find(&rs->daemon->registry, lk->id);
        int r;

        if (!c || c->init_pid != lk->init_pid || c->lxc_monitor_pid != lk->monitor_pid)
                return; /* gone meanwhile */
        if (lk->error == -EOPNOTSUPP) {
                log_debug("container %s: built without liblxc, keeping the id", c->id);
                return;
        }
        if (lk->error < 0) {
                log_info_errno(lk->error, "container %s: no LXC container with init pid %d found (%m), keeping the id",
                               c->id, (int) c->init_pid);
                return;
        }
        r = registry_rename(&rs->daemon->registry, c, lk->name, lk->config);
        if (r < 0) {
                log_warning_errno(r, "container %s: cannot take its LXC name %s: %m", c->id, lk->name);
                return;
        }
        log_info("container %s is LXC container %s (%s)", lk->id, c->id, c->bundle ? c->bundle : "no config");
}

static void on_done(uv_work_t *w, int status);

static void start_next(struct lxc_resolve *rs)
{
        int r;

        while (!rs->running && !list_empty(&rs->queue)) {
                rs->running = list_entry(rs->queue.next, struct lookup, node);
                list_del(&rs->running->node);
                r = uv_queue_work(&rs->daemon->loop, &rs->work, on_work, on_done);
                if (r < 0) {
                        log_warning_errno(r, "container %s: cannot look up its LXC name: %m", rs->running->id);
                        rs->running = lookup_free(rs->running);
                }
        }
}

static void on_done(uv_work_t *w, int status)
{
        struct lxc_resolve *rs = container_of(w, struct lxc_resolve, work);
        struct lookup *lk = TAKE_PTR(rs->running);

        if (rs->closing) {
                lookup_free(lk);
                free(rs->lxcpath);
                free(rs);
                return;
        }
        if (status == 0)
                finish(rs, lk);
        lookup_free(lk);
        start_next(rs);
}

int lxc_resolve_new(struct daemon *d, const char *lxcpath, struct lxc_resolve **ret)
{
        struct lxc_resolve *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return log_error_errno(-ENOMEM, "lxc: %m");
        rs->daemon = d;
        list_init(&rs->queue);
        rs->lxcpath = lxcpath ? strdup(lxcpath) : lxc_names_default_path();
        *ret = rs;
        return 0;
}

void lxc_resolve_submit(struct lxc_resolve *rs, const struct container *c)
{
        struct lookup *lk = calloc(1, sizeof(*lk));

        if (!lk || !(lk->id = strdup(c->id))) {
                free(lk);
                log_warning_errno(-ENOMEM, "container %s: cannot look up its LXC name: %m", c->id);
                return;
        }
        lk->init_pid = c->init_pid;
        lk->monitor_pid = c->lxc_monitor_pid;
        list_add_tail(&rs->queue, &lk->node);
        start_next(rs);
}

struct lxc_resolve *lxc_resolve_free(struct lxc_resolve *rs)
{
        if (!rs)
                return NULL;
        list_for_each_safe(pos, tmp, &rs->queue) {
                list_del(pos);
                lookup_free(list_entry(pos, struct lookup, node));
        }
        if (rs->running) {
                /* The worker may be inside liblxc: on_done frees once it is back. */
                rs->closing = true;
                (void) uv_cancel((uv_req_t *) &rs->work);
                return NULL;
        }
        free(rs->lxcpath);
        free(rs);
        return NULL;
}
