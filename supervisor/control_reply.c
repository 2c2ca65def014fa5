/* The control socket's reply documents: one request line in, one JSON document
 * out, built with libfyaml from the daemon's state. Pure of I/O: the socket
 * side is control.c. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "common/list.h"
#include "common/macro.h"
#include "emulators/bpf.h"
#include "emulators/syscalls.h"
#include "policy/policy.h"
#include "policy/policy_limits.h"
#include "policy/schema.h"
#include "policy/verdict.h"
#include "supervisor/control_reply.h"
#include "supervisor/control_request.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices.h"
#include "supervisor/dispatch.h"
#include "supervisor/intake_hook.h"
#include "supervisor/oci_state.h"
#include "supervisor/policy_store.h"
#include "supervisor/registry.h"
#include "supervisor/reload.h"
#include "supervisor/stats.h"
#include "supervisor/upgrade.h"

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
        put_u64(r, m, "limited", s->limited);
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

/* Every notification in flight, or those of container |only|. */
static void put_pending(struct reply *r, struct fy_node *root, struct daemon *d, const struct container *only)
{
        struct fy_node *seq = put_seq(r, root, "pending");
        uint64_t now = now_nsec();

        list_for_each(pos, &d->pending) {
                const struct notification *n = list_entry(pos, struct notification, pending_node);

                if (!only || n->listener->container == only)
                        put_notification(r, seq, n, now);
        }
}

static void build_pending(struct reply *r, struct fy_node *root, struct daemon *d)
{
        put_pending(r, root, d, NULL);
}

/* "pending NAME": by the id the daemon gave the container (an LXC container's
 * is its name once liblxc found it). */
static void build_pending_of(struct reply *r, struct fy_node *root, struct daemon *d, const char *id)
{
        const struct container *c = registry_find(&d->registry, id);

        if (!c) {
                put_strf(r, root, "error", "no supervised container \"%.64s\"", id);
                return;
        }
        put_pending(r, root, d, c);
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

static void put_limit(struct reply *r, struct fy_node *m, const char *key, uint64_t v)
{
        if (v == LIMIT_UNLIMITED)
                put_str(r, m, key, "unlimited");
        else
                put_u64(r, m, key, v);
}

/* The limits the container works under (its policy's over the config's over the defaults). */
static void put_limits(struct reply *r, struct fy_node *parent, const struct container *ct)
{
        struct fy_node *m = put_map(r, parent, "limits");
        struct policy_limits lim;

        policy_limits_resolve(ct->policy ? &ct->policy->limits : NULL, &ct->daemon->config.limits, &lim);
        put_limit(r, m, "in_flight", lim.in_flight);
        put_limit(r, m, "helper_queue", lim.helper_queue);
        put_limit(r, m, "read_bytes", lim.read_bytes);
        put_str(r, m, "errno", errno_to_name(lim.error));
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
        put_str(r, m, "runtime", ct->lxc_monitor_pid > 0 ? "lxc" : "oci");
        put_i64(r, m, "init_pid", ct->init_pid);
        if (ct->lxc_monitor_pid > 0)
                put_i64(r, m, "lxc_monitor_pid", ct->lxc_monitor_pid);
        put_str(r, m, "bundle", ct->bundle);
        put_str(r, m, "policy", ct->policy_name); /* "" until a hook-registered record's first listener */
        put_str(r, m, "cgroup2", ct->cgroup2);
        put_u64(r, m, "bpf_programs", bpf_container_attached(ct->bpf));
        put_u64(r, m, "policy_version", ct->policy_version ? ct->policy_version->version : 0);
        current = ct->policy_name ? policy_store_peek(ct->daemon->policies, ct->policy_name) : NULL;
        put_bool(r, m, "hook", ct->hooked);
        if (ct->oci)
                put_annotations(r, m, ct->oci);
        put_u64(r, m, "policy_current_version", current ? current->version : 0);
        put_u64(r, m, "listeners", listeners);
        put_u64(r, m, "pending", pending);
        put_u64(r, m, "age_us", now > ct->registered_usec ? now - ct->registered_usec : 0);
        put_counters(r, m, "counters", &ct->counters);
        put_limits(r, m, ct);
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

/* Every VF of the pools: pool, state (free, in use by CONTAINER, missing from
 * sysfs) and NUMA node. */
static void build_vfs(struct reply *r, struct fy_node *root, struct daemon *d)
{
        _cleanup_free_ struct devices_vf_row *rows = NULL;
        struct fy_node *seq, *m;
        size_t n = 0;
        int e = devices_list(d, &rows, &n);

        if (e < 0) {
                put_str(r, root, "error", strerror(-e));
                return;
        }
        seq = put_seq(r, root, "vfs");
        for (size_t i = 0; i < n; i++) {
                const struct devices_vf_row *v = &rows[i];

                m = put_map(r, seq, NULL);
                put_str(r, m, "addr", v->addr);
                put_str(r, m, "pool", v->pool);
                put_str(r, m, "state", v->missing ? "missing" : v->in_use ? "in_use" : "free");
                put_str(r, m, "container", v->in_use ? v->alloc.container : "");
                put_i64(r, m, "numa_node", v->numa_node);
                put_str(r, m, "host_ifname", v->in_use && v->alloc.host_ifname[0] ? v->alloc.host_ifname : v->ifname);
                put_str(r, m, "container_ifname", v->in_use ? v->alloc.ct_ifname : "");
        }
}

struct command {
        const char *name;
        void (*build)(struct reply *r, struct fy_node *root, struct daemon *d);
        /* With one argument; NULL: the command takes none. */
        void (*build_arg)(struct reply *r, struct fy_node *root, struct daemon *d, const char *arg);
        /* Instead of both, for a command taking the rest of the line as its argument. */
        void (*build_rest)(struct reply *r, struct fy_node *root, struct daemon *d, const char *args);
};

/* Every command is root only (the peer check in conn_new), the mutating ones
 * (reload, register, unregister) included. */

/* upgrade [BINARY]: the reply goes out before the sockets close (supervisor/upgrade.h). */
static void build_upgrade_to(struct reply *r, struct fy_node *root, struct daemon *d, const char *binary)
{
        char err[512];

        if (upgrade_start(d, binary, err, sizeof(err)) < 0) {
                put_str(r, root, "error", err);
                return;
        }
        put_bool(r, root, "upgrading", true);
        put_i64(r, root, "pid", getpid());
}

static void build_upgrade(struct reply *r, struct fy_node *root, struct daemon *d)
{
        build_upgrade_to(r, root, d, NULL);
}

static const struct command commands[] = {
        { "ping", build_ping, NULL, NULL },
        { "pending", build_pending, build_pending_of, NULL },
        { "containers", build_containers, NULL, NULL },
        { "stats", build_stats, NULL, NULL },
        { "policies", build_policies, NULL, NULL },
        { "vfs", build_vfs, NULL, NULL },
        { "reload", build_reload, NULL, NULL },
        { "register", NULL, NULL, build_register },
        { "unregister", NULL, NULL, build_unregister },
        { "upgrade", build_upgrade, build_upgrade_to, NULL },
};

static void build_error(struct reply *r, struct fy_node *root, const char *message)
{
        struct fy_node *seq;

        put_str(r, root, "error", message);
        seq = put_seq(r, root, "commands");
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                put_str(r, seq, NULL, commands[i].name);
}

/* The one word in |args| (blanks around it ignored) into buf: 1, 0 for none,
 * -EINVAL for more than one or one too long. */
static int one_word(const char *args, const char *blanks, char *buf, size_t size)
{
        size_t len = strcspn(args, blanks);

        if (len == 0)
                return 0;
        if (len >= size || args[len + strspn(args + len, blanks)] != '\0')
                return -EINVAL;
        memcpy(buf, args, len);
        buf[len] = '\0';
        return 1;
}

/* Runs the request's command, or answers why there is none to run. */
static void build_request(struct reply *r, struct fy_node *root, struct daemon *d, const char *line, size_t len)
{
        struct control_request req;
        char message[128], arg[256];
        int ret = control_request_parse(line, len, &req), n;

        if (ret == -EBADMSG) {
                build_error(r, root, "request contains a NUL byte");
                return;
        }
        if (ret < 0) {
                build_error(r, root, "empty request");
                return;
        }
        n = one_word(req.args, " \t\r", arg, sizeof(arg));
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                if (!control_request_is(&req, commands[i].name))
                        continue;
                if (commands[i].build_rest) {
                        commands[i].build_rest(r, root, d, req.args);
                        return;
                }
                if (req.args_len == 0) {
                        commands[i].build(r, root, d);
                        return;
                }
                if (n > 0 && commands[i].build_arg) {
                        commands[i].build_arg(r, root, d, arg);
                        return;
                }
                snprintf(message, sizeof(message), "command '%s' takes %s", commands[i].name,
                         commands[i].build_arg ? "one argument" : "no arguments");
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

char *control_reply_error(const char *message)
{
        struct reply r;
        struct fy_node *root = reply_begin(&r);

        put_str(&r, root, "error", message);
        return reply_end(&r);
}
