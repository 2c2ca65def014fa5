/* The control socket: accepts root clients, reads one request line, answers with
 * one JSON document built with libfyaml, closes. Every connection has its own
 * uv_poll and timeout timer, so a slow or silent client never blocks the loop. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libfyaml.h>
#include <uv.h>

#include "common/list.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/socket_util.h"
#include "emulators/bpf.h"
#include "emulators/syscalls.h"
#include "policy/schema.h"
#include "policy/verdict.h"
#include "supervisor/control.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/intake_hook.h"
#include "supervisor/oci_state.h"
#include "supervisor/policy_store.h"
#include "supervisor/registry.h"
#include "supervisor/reload.h"
#include "supervisor/stats.h"

#define CONTROL_BACKLOG 16
#define ACCEPT_BATCH 16
#define ACCEPT_RETRY_MS 1000

struct control {
        uv_poll_t poll;         /* the listening socket: readable = connections to accept */
        uv_timer_t retry;       /* resumes accepting after fd exhaustion */
        int fd;                 /* owned, closed with poll */
        unsigned n_handles;     /* open libuv handles above */
        bool bound;             /* we bound the socket file at path (not passed to us) */
        dev_t dev;              /* of the socket file bound here: unlink only our own */
        ino_t ino;
        struct daemon *daemon;
        struct list_node conns; /* struct conn, open ones */
        size_t n_conns;         /* including those whose handles are still closing */
        struct ratelimit log_rl;/* connection-level warnings */
        bool closing;
        char path[];
};

struct conn {
        uv_poll_t poll;
        uv_timer_t timeout;
        int fd;                 /* owned, closed when both handles are */
        unsigned n_handles;
        struct control *control;
        struct list_node node;  /* in control->conns */
        size_t in_len;
        size_t line_len;        /* of the complete request, once conn_read() returned 1 */
        char in[CONTROL_MAX_REQUEST + 1];
        char *out;              /* the reply (libfyaml's malloc'd string), once built */
        size_t out_len, out_off;
        bool closing;
};

/* ---- reply documents ---- */

/* One reply document being built. The first failure (always -ENOMEM) sticks and
 * later puts become no-ops, so the builders need no error paths of their own. */
struct reply {
        struct fy_document *doc;
        int error;
};

static struct fy_node *put_node(struct reply *r, struct fy_node *parent, const char *key, struct fy_node *v)
{
        struct fy_node *k = NULL;

        if (r->error == 0 && parent && v) {
                if (fy_node_is_sequence(parent)) {
                        if (fy_node_sequence_append(parent, v) == 0)
                                return v;
                } else {
                        /* Keys are string literals: referenced, not copied. */
                        k = fy_node_create_scalar(r->doc, key, FY_NT);
                        if (k && fy_node_mapping_append(parent, k, v) == 0)
                                return v;
                }
        }
        if (k)
                fy_node_free(k);
        if (v)
                fy_node_free(v);
        if (r->error == 0)
                r->error = -ENOMEM;
        return NULL;
}

static struct fy_node *put_map(struct reply *r, struct fy_node *parent, const char *key)
{
        return put_node(r, parent, key, fy_node_create_mapping(r->doc));
}

static struct fy_node *put_seq(struct reply *r, struct fy_node *parent, const char *key)
{
        return put_node(r, parent, key, fy_node_create_sequence(r->doc));
}

/* Plain scalars: JSON mode emits them bare, as numbers. */
static void put_u64(struct reply *r, struct fy_node *parent, const char *key, uint64_t v)
{
        put_node(r, parent, key, fy_node_create_scalarf(r->doc, "%" PRIu64, v));
}

static void put_i64(struct reply *r, struct fy_node *parent, const char *key, int64_t v)
{
        put_node(r, parent, key, fy_node_create_scalarf(r->doc, "%" PRId64, v));
}

/* Printable ASCII as is, backslash doubled, any other byte and a space at either
 * end as \xNN. Bytes from a trapped process can then never reach an operator's
 * terminal, and libfyaml 0.7 gets what it handles: it requires valid UTF-8 and
 * drops a scalar's leading and trailing spaces (libfyaml issue #109). */
static char *escape_text(const char *s)
{
        size_t len = strlen(s);
        char *buf = malloc(len * 4 + 1), *p = buf;

        if (!buf)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char) s[i];

                if (ch == '\\') {
                        *p++ = '\\';
                        *p++ = '\\';
                } else if (ch > ' ' && ch < 0x7f) {
                        *p++ = (char) ch;
                } else if (ch == ' ' && i > 0 && i + 1 < len) {
                        *p++ = ' ';
                } else {
                        p += sprintf(p, "\\x%02x", ch);
                }
        }
        *p = '\0';
        return buf;
}

/* A string node, escaped and tagged !!str so that JSON mode quotes it even when
 * it reads as a number, true or null; NULL on ENOMEM. */
static struct fy_node *str_node(struct reply *r, const char *s)
{
        _cleanup_free_ char *text = escape_text(s ? s : "");
        struct fy_node *v = text ? fy_node_create_scalar_copy(r->doc, text, FY_NT) : NULL;

        if (v && fy_node_set_tag(v, "!!str", FY_NT) < 0) {
                fy_node_free(v);
                v = NULL;
        }
        return v;
}

static void put_str(struct reply *r, struct fy_node *parent, const char *key, const char *s)
{
        put_node(r, parent, key, str_node(r, s));
}

static void put_bool(struct reply *r, struct fy_node *parent, const char *key, bool v)
{
        put_node(r, parent, key, fy_node_create_scalar(r->doc, v ? "true" : "false", FY_NT));
}

_printf_(4, 5) static void put_strf(struct reply *r, struct fy_node *parent, const char *key, const char *fmt, ...)
{
        char buf[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        put_str(r, parent, key, buf);
}

static void put_counters(struct reply *r, struct fy_node *parent, const char *key, const struct stats_counters *s)
{
        struct fy_node *m = put_map(r, parent, key);

        put_u64(r, m, "received", s->received);
        put_u64(r, m, "continued", s->continued);
        put_u64(r, m, "errored", s->errored);
        put_u64(r, m, "emulated", s->emulated);
        put_u64(r, m, "emulate_failed", s->emulate_failed);
        put_u64(r, m, "injected", s->injected);
        put_u64(r, m, "caller_gone", s->caller_gone);
        put_u64(r, m, "read_failed", s->read_failed);
}

static const char *file_type_name(uint32_t mode)
{
        static const char *const names[16] = {
                [0] = "regular", [S_IFREG >> 12] = "regular", [S_IFCHR >> 12] = "char",
                [S_IFBLK >> 12] = "block", [S_IFIFO >> 12] = "fifo", [S_IFSOCK >> 12] = "socket",
        };
        const char *name = names[(mode & S_IFMT) >> 12];

        return name ? name : "invalid";
}

static size_t n_strings(const struct request *req)
{
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(req->strs); i++)
                n += req->strs[i] != NULL;
        return n;
}

/* String args the schema names, as read from the caller (NULL pointers skipped). */
static void put_strings(struct reply *r, struct fy_node *m, const struct request *req)
{
        for (size_t i = 0; req->schema && i < req->schema->n_args; i++) {
                const struct arg_schema *a = &req->schema->args[i];

                if ((a->kind == ARG_PATH || a->kind == ARG_STRING) && req->strs[a->index])
                        put_str(r, m, a->name, req->strs[a->index]);
        }
}

/* The typed fields of a decoded request; nothing for a syscall without decoder. */
static void put_decoded(struct reply *r, struct fy_node *parent, const struct request *req)
{
        struct fy_node *m;

        if (req->sysid != SYSID_MKNOD && req->sysid != SYSID_MKNODAT) {
                if (req->schema && n_strings(req) > 0)
                        put_strings(r, put_map(r, parent, "decoded"), req);
                return;
        }
        m = put_map(r, parent, "decoded");
        if (req->sysid == SYSID_MKNODAT)
                put_i64(r, m, "dirfd", req->dirfd);
        if (req->path)
                put_str(r, m, "path", req->path);
        put_str(r, m, "type", file_type_name(req->mode));
        put_strf(r, m, "mode", "%#o", req->mode);
        put_strf(r, m, "dev", "%u:%u", req->dev_major, req->dev_minor);
}

static void put_notification(struct reply *r, struct fy_node *seq, const struct notification *n, uint64_t now)
{
        const struct seccomp_notif *sn = &n->req.notif;
        const struct container *ct = n->listener ? n->listener->container : NULL;
        struct fy_node *m = put_map(r, seq, NULL), *args;
        char name[64], vbuf[PATH_MAX + 16];

        put_strf(r, m, "id", "%016" PRIx64, (uint64_t) sn->id); /* as the daemon logs it */
        put_str(r, m, "container", ct ? ct->id : NULL);
        put_i64(r, m, "pid", sn->pid);
        put_str(r, m, "syscall", syscall_name(sn->data.arch, sn->data.nr, name, sizeof(name)));
        args = put_seq(r, m, "args");
        for (size_t i = 0; i < ARRAY_SIZE(sn->data.args); i++)
                put_strf(r, args, NULL, "0x%" PRIx64, (uint64_t) sn->data.args[i]);
        put_decoded(r, m, &n->req);
        put_u64(r, m, "age_us", now > n->start_nsec ? (now - n->start_nsec) / 1000 : 0);
        put_str(r, m, "stage", notif_stage_to_string(n->stage));
        if (n->stage >= NOTIF_STAGE_EVALUATED && n->stage < _NOTIF_STAGE_MAX)
                put_str(r, m, "verdict", verdict_format(&n->verdict, vbuf, sizeof(vbuf)));
}

static void build_pending(struct reply *r, struct fy_node *root, struct daemon *d)
{
        struct fy_node *seq = put_seq(r, root, "pending");
        uint64_t now = now_nsec();

        list_for_each(pos, &d->pending)
                put_notification(r, seq, list_entry(pos, struct notification, pending_node), now);
}

/* The hook's annotations: keys came from the runtime, so they are copied and
 * escaped like values (put_node references its literal keys). */
static void put_annotations(struct reply *r, struct fy_node *parent, const struct oci_state *s)
{
        struct fy_node *m = put_map(r, parent, "annotations");

        for (size_t i = 0; s && m && i < s->n_annotations && r->error == 0; i++) {
                struct fy_node *k = str_node(r, s->annotations[i].key), *v = str_node(r, s->annotations[i].value);

                if (k && v && fy_node_mapping_append(m, k, v) == 0)
                        continue;
                fy_node_free(k);
                fy_node_free(v);
                r->error = -ENOMEM;
        }
}

static void put_container(struct reply *r, struct fy_node *seq, const struct container *ct, uint64_t now)
{
        struct fy_node *m = put_map(r, seq, NULL);
        const struct policy_version *current;
        uint64_t listeners = 0, pending = 0;

        list_for_each(pos, &ct->listeners) {
                const struct listener *l = list_entry(pos, struct listener, node);

                if (!l->closing)
                        listeners++;
                list_for_each(npos, &l->notifications)
                        pending++;
        }
        put_str(r, m, "id", ct->id);
        put_i64(r, m, "init_pid", ct->init_pid);
        put_str(r, m, "bundle", ct->bundle);
        put_str(r, m, "policy", ct->policy_name); /* "" until a hook-registered record's first listener */
        put_str(r, m, "cgroup2", ct->cgroup2);
        put_u64(r, m, "bpf_programs", bpf_container_attached(ct->bpf));
        put_u64(r, m, "policy_version", ct->policy_version ? ct->policy_version->version : 0);
        current = ct->policy_name ? policy_store_peek(ct->daemon->policies, ct->policy_name) : NULL;
        put_u64(r, m, "policy_current_version", current ? current->version : 0);
        put_u64(r, m, "listeners", listeners);
        put_u64(r, m, "pending", pending);
        put_u64(r, m, "age_us", now > ct->registered_usec ? now - ct->registered_usec : 0);
        put_counters(r, m, "counters", &ct->counters);
        put_bool(r, m, "hook", ct->hooked);
        if (ct->oci)
                put_annotations(r, m, ct->oci);
}

static void build_containers(struct reply *r, struct fy_node *root, struct daemon *d)
{
        struct fy_node *seq = put_seq(r, root, "containers");
        uint64_t now = now_usec();

        list_for_each(pos, &d->registry.containers)
                put_container(r, seq, list_entry(pos, struct container, node), now);
}

static void build_stats(struct reply *r, struct fy_node *root, struct daemon *d)
{
        const struct latency_hist *h = &d->latency;
        uint64_t now = now_usec();
        struct fy_node *m;

        put_u64(r, root, "uptime_us", now > d->started_usec ? now - d->started_usec : 0);
        put_u64(r, root, "containers", d->registry.n_containers);
        put_u64(r, root, "pending", d->n_pending);
        put_counters(r, root, "totals", &d->totals);
        m = put_map(r, root, "intake");
        put_u64(r, m, "accepted", d->intake_accepted);
        put_u64(r, m, "rejected", d->intake_rejected);
        m = put_map(r, root, "latency_ns");
        put_u64(r, m, "count", h->count);
        put_u64(r, m, "min", h->count ? h->min_ns : 0);
        put_u64(r, m, "mean", h->count ? h->sum_ns / h->count : 0);
        put_u64(r, m, "p50", latency_hist_percentile(h, 50));
        put_u64(r, m, "p90", latency_hist_percentile(h, 90));
        put_u64(r, m, "p99", latency_hist_percentile(h, 99));
        put_u64(r, m, "max", h->max_ns);
}

static void put_policy(struct reply *r, struct fy_node *seq, const struct policy_version *v)
{
        struct fy_node *m = put_map(r, seq, NULL);

        put_str(r, m, "name", v->policy->name);
        put_u64(r, m, "version", v->version);
        put_str(r, m, "file", v->policy->file);
        put_str(r, m, "description", v->policy->description);
        put_u64(r, m, "rules", v->policy->n_rules);
        /* The store holds one reference; the rest are containers using this version. */
        put_u64(r, m, "containers", v->refs - 1);
}

static void build_policies(struct reply *r, struct fy_node *root, struct daemon *d)
{
        struct fy_node *seq;

        put_str(r, root, "dir", d->policies->dir);
        seq = put_seq(r, root, "policies");
        for (size_t i = 0; i < d->policies->n; i++)
                put_policy(r, seq, d->policies->current[i]);
}

static void build_reload(struct reply *r, struct fy_node *root, struct daemon *d)
{
        struct policy_reload_report rep;
        int ret = daemon_reload_policies(d, &rep);

        if (ret < 0 && ret != -EINVAL) {
                put_strf(r, root, "error", "cannot read %s: %s", d->policies->dir, strerror(-ret));
                policy_reload_report_clear(&rep);
                return;
        }
        put_u64(r, root, "loaded", rep.loaded);
        put_u64(r, root, "unchanged", rep.unchanged);
        put_u64(r, root, "failed", rep.failed);
        put_u64(r, root, "removed", rep.removed);
        put_str(r, root, "messages", rep.messages ? rep.messages : "");
        build_policies(r, root, d);
        policy_reload_report_clear(&rep);
}

static void build_ping(struct reply *r, struct fy_node *root, struct daemon *d)
{
        (void) d;
        put_bool(r, root, "pong", true);
        put_i64(r, root, "pid", getpid());
}

/* register STATE: an OCI hook's container, before it runs (supervisor/intake_hook.h). */
static void build_register(struct reply *r, struct fy_node *root, struct daemon *d, const char *args)
{
        char err[512] = "";
        struct container *c;

        if (intake_hook_register(d, args, &c, err, sizeof(err)) < 0) {
                put_str(r, root, "error", err);
                return;
        }
        put_str(r, root, "registered", c->id);
        put_i64(r, root, "init_pid", c->init_pid);
        put_str(r, root, "cgroup2", c->cgroup2);
}

/* unregister STATE: poststop; "unregistered": false when it had already ended. */
static void build_unregister(struct reply *r, struct fy_node *root, struct daemon *d, const char *args)
{
        char err[512] = "";
        int ret = intake_hook_unregister(d, args, err, sizeof(err));

        if (ret < 0)
                put_str(r, root, "error", err);
        else
                put_bool(r, root, "unregistered", ret > 0);
}

/* Every command is root only (the peer check in conn_new), the mutating ones
 * (reload, register, unregister) included. */
struct command {
        const char *name;
        void (*build)(struct reply *r, struct fy_node *root, struct daemon *d);
        /* Instead, for a command taking the rest of the line as its argument. */
        void (*build_args)(struct reply *r, struct fy_node *root, struct daemon *d, const char *args);
};

static const struct command commands[] = {
        { "ping", build_ping, NULL },
        { "pending", build_pending, NULL },
        { "containers", build_containers, NULL },
        { "stats", build_stats, NULL },
        { "policies", build_policies, NULL },
        { "reload", build_reload, NULL },
        { "register", NULL, build_register },
        { "unregister", NULL, build_unregister },
};

static void build_error(struct reply *r, struct fy_node *root, const char *message)
{
        struct fy_node *seq;

        put_str(r, root, "error", message);
        seq = put_seq(r, root, "commands");
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                put_str(r, seq, NULL, commands[i].name);
}

/* Runs the request's command, or answers why there is none to run. */
static void build_request(struct reply *r, struct fy_node *root, struct daemon *d, const char *line, size_t len)
{
        struct control_request req;
        char message[128];
        int ret = control_request_parse(line, len, &req);

        if (ret == -EBADMSG) {
                build_error(r, root, "request contains a NUL byte");
                return;
        }
        if (ret < 0) {
                build_error(r, root, "empty request");
                return;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                if (!control_request_is(&req, commands[i].name))
                        continue;
                if (commands[i].build_args) {
                        commands[i].build_args(r, root, d, req.args);
                        return;
                }
                if (req.args_len == 0) {
                        commands[i].build(r, root, d);
                        return;
                }
                snprintf(message, sizeof(message), "command '%s' takes no arguments", commands[i].name);
                build_error(r, root, message);
                return;
        }
        snprintf(message, sizeof(message), "unknown command '%.*s'", req.command_len > 32 ? 32 : (int) req.command_len,
                 req.command);
        build_error(r, root, message);
}

/* A document with an empty mapping as root; NULL (and r->error set) on ENOMEM. */
static struct fy_node *reply_begin(struct reply *r)
{
        struct fy_node *root;

        r->error = 0;
        r->doc = fy_document_create(NULL);
        root = r->doc ? fy_node_create_mapping(r->doc) : NULL;
        if (root && fy_document_set_root(r->doc, root) == 0)
                return root;
        if (root)
                fy_node_free(root);
        r->error = -ENOMEM;
        return NULL;
}

/* The document as JSON (malloc'd), or NULL on ENOMEM; destroys the document. */
static char *reply_end(struct reply *r)
{
        char *json = NULL;

        if (r->doc && r->error == 0)
                json = fy_emit_document_to_string(r->doc, FYECF_MODE_JSON | FYECF_INDENT_2 | FYECF_WIDTH_INF);
        fy_document_destroy(r->doc);
        r->doc = NULL;
        return json;
}

int control_reply(struct daemon *d, const char *request, size_t len, char **ret_json)
{
        struct reply r;
        struct fy_node *root = reply_begin(&r);
        char *json;

        build_request(&r, root, d, request, len);
        json = reply_end(&r);
        if (!json)
                return -ENOMEM;
        *ret_json = json;
        return 0;
}

static char *error_json(const char *message)
{
        struct reply r;
        struct fy_node *root = reply_begin(&r);

        put_str(&r, root, "error", message);
        return reply_end(&r);
}

/* ---- connections ---- */

static void control_release(struct control *c);

static void conn_unref(struct conn *conn)
{
        struct control *c = conn->control;

        if (--conn->n_handles > 0)
                return;
        safe_close(conn->fd);
        free(conn->out);
        free(conn);
        c->n_conns--;
        control_release(c);
}

static void on_conn_poll_closed(uv_handle_t *h)
{
        conn_unref(container_of(h, struct conn, poll));
}

static void on_conn_timeout_closed(uv_handle_t *h)
{
        conn_unref(container_of(h, struct conn, timeout));
}

static void conn_close(struct conn *conn)
{
        if (conn->closing)
                return;
        conn->closing = true;
        list_del(&conn->node);
        uv_close((uv_handle_t *) &conn->poll, on_conn_poll_closed);
        uv_close((uv_handle_t *) &conn->timeout, on_conn_timeout_closed);
}

/* Writes what the socket takes; closes once the whole reply is out. */
static void conn_flush(struct conn *conn)
{
        while (conn->out_off < conn->out_len) {
                ssize_t n = send(conn->fd, conn->out + conn->out_off, conn->out_len - conn->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return; /* polled for UV_WRITABLE */
                        log_debug_errno(errno, "control: writing reply failed: %m");
                        break;
                }
                conn->out_off += (size_t) n;
        }
        conn_close(conn);
}

static void on_conn_event(uv_poll_t *p, int status, int events);

/* Takes |json|; NULL (out of memory) just drops the connection. */
static void conn_send(struct conn *conn, char *json)
{
        int r = json ? 0 : -ENOMEM;

        if (r == 0) {
                conn->out = json;
                conn->out_len = strlen(json);
                r = uv_poll_start(&conn->poll, UV_WRITABLE, on_conn_event);
        }
        if (r < 0) {
                log_warning_errno(r, "control: cannot answer: %m");
                conn_close(conn);
                return;
        }
        conn_flush(conn);
}

/* Reads what has arrived: 1 once the request line is complete (conn->line_len
 * bytes, NUL-terminated in conn->in), 0 while more is to come, or
 * control_request_frame()'s -EMSGSIZE, -ECONNRESET, or the -errno of recv. */
static int conn_read(struct conn *conn)
{
        for (;;) {
                size_t room = CONTROL_MAX_REQUEST - conn->in_len, from = conn->in_len;
                ssize_t n = 0;
                int r;

                if (room > 0) {
                        n = recv(conn->fd, conn->in + conn->in_len, room, MSG_DONTWAIT);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return errno == EAGAIN ? 0 : -errno;
                        conn->in_len += (size_t) n;
                }
                r = control_request_frame(conn->in, conn->in_len, from, n == 0 && room > 0, &conn->line_len);
                if (r == 0)
                        continue; /* until recv says EAGAIN */
                if (r > 0)
                        conn->in[conn->line_len] = '\0';
                return r;
        }
}

static void conn_answer(struct conn *conn)
{
        char *json = NULL;

        log_debug("control: request '%.64s'", conn->in);
        (void) control_reply(conn->control->daemon, conn->in, conn->line_len, &json);
        conn_send(conn, json);
}

static void on_conn_event(uv_poll_t *p, int status, int events)
{
        struct conn *conn = container_of(p, struct conn, poll);
        int r;

        (void) events;
        if (conn->out && status == 0) {
                conn_flush(conn);
                return;
        }
        r = status < 0 ? status : conn_read(conn);
        if (r > 0) {
                conn_answer(conn);
        } else if (r == -EMSGSIZE) {
                conn_send(conn, error_json("request too long"));
        } else if (r < 0) {
                log_debug_errno(r, "control: dropping connection: %m");
                conn_close(conn);
        }
}

static void on_conn_timeout(uv_timer_t *t)
{
        struct conn *conn = container_of(t, struct conn, timeout);

        log_debug("control: dropping a connection unfinished after %u ms", CONTROL_TIMEOUT_MS);
        conn_close(conn);
}

/* Who connected (as of connect()): 0 or -errno. */
static int peer_cred(int fd, struct ucred *ret)
{
        socklen_t len = sizeof(*ret);

        return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ret, &len) < 0 ? -errno : 0;
}

/* Takes |fd| in every case. */
static void conn_new(struct control *c, int fd_in)
{
        _cleanup_close_ int fd = fd_in;
        struct conn *conn;
        struct ucred cred;
        int r;

        if (c->n_conns >= CONTROL_MAX_CONNECTIONS) {
                /* Best effort, without blocking: a fresh socket buffer takes this. */
                _cleanup_free_ char *json = error_json("busy: too many control connections, try again");

                if (json)
                        (void) send(fd, json, strlen(json), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (ratelimit_below(&c->log_rl))
                        log_warning("control: more than %u connections, refusing one", CONTROL_MAX_CONNECTIONS);
                return;
        }
        conn = calloc(1, sizeof(*conn));
        r = conn ? uv_poll_init(&c->daemon->loop, &conn->poll, fd) : -ENOMEM;
        if (r < 0) {
                free(conn);
                log_warning_errno(r, "control: cannot take a connection: %m");
                return;
        }
        (void) uv_timer_init(&c->daemon->loop, &conn->timeout);
        conn->fd = TAKE_FD(fd);
        conn->n_handles = 2;
        conn->control = c;
        list_add_tail(&c->conns, &conn->node);
        c->n_conns++;
        (void) uv_timer_start(&conn->timeout, on_conn_timeout, CONTROL_TIMEOUT_MS, 0);

        r = peer_cred(conn->fd, &cred);
        if (r == 0 && cred.uid != 0) {
                if (ratelimit_below(&c->log_rl))
                        log_warning("control: refused uid %u (pid %d): root only", (unsigned) cred.uid,
                                    (int) cred.pid);
                conn_send(conn, error_json("permission denied: the control socket is for root only"));
                return;
        }
        if (r == 0)
                r = uv_poll_start(&conn->poll, UV_READABLE, on_conn_event);
        if (r < 0) {
                log_warning_errno(r, "control: cannot serve a connection: %m");
                conn_close(conn);
        }
}

/* ---- the listening socket ---- */

static void on_accept(uv_poll_t *p, int status, int events);

static void on_accept_retry(uv_timer_t *t)
{
        struct control *c = container_of(t, struct control, retry);
        int r;

        r = uv_poll_start(&c->poll, UV_READABLE, on_accept);
        if (r < 0)
                log_error_errno(r, "control: cannot poll %s: %m", c->path);
}

/* The poll is level-triggered: an error that leaves the connection queued would
 * fire it again at once. Pause accepting instead of spinning. */
static void accept_pause(struct control *c, int error)
{
        log_warning_errno(error, "control: cannot accept connections (%m), pausing for %u ms", ACCEPT_RETRY_MS);
        (void) uv_poll_stop(&c->poll);
        (void) uv_timer_start(&c->retry, on_accept_retry, ACCEPT_RETRY_MS, 0);
}

static void on_accept(uv_poll_t *p, int status, int events)
{
        struct control *c = container_of(p, struct control, poll);

        (void) events;
        if (status < 0) {
                accept_pause(c, status);
                return;
        }
        for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
                int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd >= 0) {
                        conn_new(c, fd);
                        continue;
                }
                if (errno == EINTR || errno == ECONNABORTED)
                        continue;
                if (errno != EAGAIN)
                        accept_pause(c, errno);
                return;
        }
}

static void control_release(struct control *c)
{
        if (!c->closing || c->n_handles > 0 || c->n_conns > 0)
                return;
        free(c);
}

static void on_control_poll_closed(uv_handle_t *h)
{
        struct control *c = container_of(h, struct control, poll);

        c->fd = safe_close(c->fd);
        c->n_handles--;
        control_release(c);
}

static void on_control_retry_closed(uv_handle_t *h)
{
        struct control *c = container_of(h, struct control, retry);

        c->n_handles--;
        control_release(c);
}

/* Unlinks |path| only while it is still the socket this daemon bound. */
static void unlink_socket(const char *path, dev_t dev, ino_t ino)
{
        struct stat st;

        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino)
                (void) unlink(path);
}

struct control *control_free(struct control *c)
{
        if (!c)
                return NULL;
        assert(!c->closing);
        c->closing = true;
        list_for_each_safe(pos, tmp, &c->conns)
                conn_close(list_entry(pos, struct conn, node));
        if (c->bound)
                unlink_socket(c->path, c->dev, c->ino);
        uv_close((uv_handle_t *) &c->poll, on_control_poll_closed);
        uv_close((uv_handle_t *) &c->retry, on_control_retry_closed);
        return NULL;
}

static int make_parent_dir(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        struct stat st;
        char *slash;

        if (!dir)
                return log_error_errno(ENOMEM, "control: %m");
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "control: cannot create %s: %m", dir);
        if (stat(dir, &st) < 0)
                return log_error_errno(errno, "control: cannot inspect %s: %m", dir);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(ENOTDIR, "control: %s is not a directory", dir);
        return 0;
}

/* A socket file nobody listens on is what a dead daemon left: replace it. Anything
 * else at the path is left alone. */
static int remove_stale_socket(const char *path, const struct sockaddr_un *sa)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_error_errno(errno, "control: cannot inspect %s: %m", path);
        }
        if (!S_ISSOCK(st.st_mode))
                return log_error_errno(EEXIST, "control: %s exists and is not a socket, not replacing it", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "control: cannot create socket: %m");
        /* Nonblocking: a listener with a full backlog answers EAGAIN, still alive. */
        if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0 || errno == EAGAIN)
                return log_error_errno(EADDRINUSE, "control: %s is in use: is another seccompd running?", path);
        if (errno != ECONNREFUSED)
                return log_error_errno(errno, "control: cannot probe %s: %m", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "control: cannot remove stale socket %s: %m", path);
        log_info("control: replaced stale socket %s", path);
        return 0;
}

/* Socket bound and listening at |path|, mode 0600 from birth (bind applies the
 * socket inode's mode, set by fchmod, less the umask). */
static int open_socket(const char *path, int *ret_fd, struct stat *ret_st)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(ENAMETOOLONG, "control: socket path too long: %s", path);
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "control: cannot create socket: %m");
        if (fchmod(fd, 0600) < 0)
                return log_error_errno(errno, "control: cannot set socket mode: %m");
        r = remove_stale_socket(path, &sa);
        if (r < 0)
                return r;
        if (bind(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "control: cannot bind %s: %m", path);
        r = listen(fd, CONTROL_BACKLOG) < 0 || lstat(path, ret_st) < 0 ? -errno : 0;
        if (r < 0) {
                (void) unlink(path);
                return log_error_errno(r, "control: cannot listen on %s: %m", sa.sun_path);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Serves the listening |fd| (taken over on every path). |st| is the socket file
 * we bound at |path|, removed at exit while it is still ours; NULL for a socket
 * a service manager passed, whose file is the manager's. */
static int control_start(struct daemon *d, int fd, const char *path, const struct stat *st, struct control **ret)
{
        struct control *c;
        int r;

        c = calloc(1, sizeof(*c) + strlen(path) + 1);
        r = c ? uv_poll_init(&d->loop, &c->poll, fd) : -ENOMEM;
        if (r < 0) {
                if (st)
                        unlink_socket(path, st->st_dev, st->st_ino);
                safe_close(fd);
                free(c);
                return log_error_errno(r, "control: cannot set up %s: %m", path);
        }
        (void) uv_timer_init(&d->loop, &c->retry);
        c->n_handles = 2;
        c->fd = fd;
        c->bound = st != NULL;
        if (st) {
                c->dev = st->st_dev;
                c->ino = st->st_ino;
        }
        c->daemon = d;
        c->log_rl = (struct ratelimit) { .interval_usec = 10 * 1000000ULL, .burst = 5 };
        strcpy(c->path, path);
        list_init(&c->conns);
        r = uv_poll_start(&c->poll, UV_READABLE, on_accept);
        if (r < 0) {
                control_free(c);
                return log_error_errno(r, "control: cannot poll %s: %m", path);
        }
        log_debug("control: listening on %s", path);
        *ret = c;
        return 0;
}

int control_new(struct daemon *d, const char *path, struct control **ret)
{
        struct stat st = { 0 };
        int fd = -EBADF, r;

        r = make_parent_dir(path);
        if (r < 0)
                return r;
        r = open_socket(path, &fd, &st);
        if (r < 0)
                return r;
        return control_start(d, fd, path, &st, ret);
}

int control_adopt(struct daemon *d, int fd, struct control **ret)
{
        char name[sizeof(((struct sockaddr_un *) 0)->sun_path)];

        socket_describe(fd, name, sizeof(name));
        return control_start(d, fd, name, NULL, ret);
}

const char *control_path(const struct control *c)
{
        return c->path;
}
