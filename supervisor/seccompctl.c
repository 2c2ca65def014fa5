/* seccompctl: asks a running seccompd over its control socket (one request line,
 * one JSON document back) and prints the answer as aligned tables, or as the
 * daemon's JSON with --json; and runs the local policy commands (ctl.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfyaml.h>

#include "common/fy_cleanup.h"
#include "common/macro.h"
#include "supervisor/control_client.h"
#include "supervisor/ctl.h"
#include "supervisor/policy_store.h"

#define TABLE_MAX_COLUMNS 12
#define TABLE_POLICY_WIDTH 300

static void help(void)
{
        printf("Usage: seccompctl [OPTIONS] COMMAND\n"
               "Show what a running seccompd is doing.\n\n"
               "Commands that ask the daemon:\n"
               "  pending [--container NAME]\n"
               "                          notifications being handled right now (of one container:\n"
               "                          its id as `containers` shows it, an LXC container's name)\n"
               "  containers              supervised containers (also those OCI hooks registered),\n"
               "                          their policy version and counters\n"
               "  stats                   totals and latency percentiles\n"
               "  policies                the policies the daemon has loaded\n"
               "  vf list [--json]        SR-IOV VFs of the pools: state (free, in use by a\n"
               "                          container, missing) and NUMA node\n"
               "  reload                  re-read the policy directory (as SIGHUP does)\n"
               "  ping                    check that the daemon answers\n"
               "  upgrade [--binary PATH] hand over to a new daemon binary without losing a call\n\n"
               "Commands that run here (see COMMAND --help):\n"
               "  policy check FILE|NAME...   validate policies, print errors with file:line:col\n"
               "  policy test FILE|DIR...     run policy test files, print failures and a summary\n"
               "  policy filter NAME|FILE     the seccomp filter a policy needs (summary, oci, lxc, bpf)\n"
               "  oci-patch --policy NAME CONFIG.JSON   make an OCI bundle use seccompd\n\n"
               "Options:\n"
               "  -c, --control PATH      the daemon's control socket (default %s)\n"
               "  -p, --policy-dir DIR    where policy NAMEs are found (default %s)\n"
               "  -j, --json              print the daemon's JSON as is\n"
               "  -h, --help              show this help\n"
               "      --version           show the version\n",
               CONTROL_SOCKET_DEFAULT, POLICY_DIR_DEFAULT);
}

/* ---- tables ---- */

/* Rows of cells, row 0 the header; printed with columns padded to their widest cell. */
struct table {
        size_t n_columns, n_cells, alloc;
        char **cells;
        size_t widths[TABLE_MAX_COLUMNS];
};

static void table_done(struct table *t)
{
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
}

/* Appends one cell, the next column of the current row. Bytes that are not
 * printable ASCII become '?': the daemon escapes what it sends, but a terminal is
 * not the place to find out that it did not. */
static int table_add(struct table *t, const char *text)
{
        char *cell;
        size_t len;

        if (t->n_cells == t->alloc) {
                size_t n = t->alloc ? t->alloc * 2 : 64;
                char **cells = realloc(t->cells, n * sizeof(*cells));

                if (!cells)
                        return -ENOMEM;
                t->cells = cells;
                t->alloc = n;
        }
        cell = strdup(text ? text : "-");
        if (!cell)
                return -ENOMEM;
        for (char *p = cell; *p; p++)
                if ((unsigned char) *p < ' ' || (unsigned char) *p >= 0x7f)
                        *p = '?';
        len = strlen(cell);
        if (len > t->widths[t->n_cells % t->n_columns])
                t->widths[t->n_cells % t->n_columns] = len;
        t->cells[t->n_cells++] = cell;
        return 0;
}

static int table_add_row(struct table *t, const char *const *cells)
{
        for (size_t i = 0; i < t->n_columns; i++) {
                int r = table_add(t, cells[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

static void table_print(const struct table *t)
{
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t col = i % t->n_columns;

                if (col + 1 == t->n_columns)
                        printf("%s\n", t->cells[i]);
                else
                        printf("%-*s  ", (int) t->widths[col], t->cells[i]);
        }
}

/* ---- reading the reply ---- */

static const char *get(struct fy_node *map, const char *key)
{
        return map ? fy_node_mapping_lookup_scalar0_by_simple_key(map, key, FY_NT) : NULL;
}

static const char *str_or(const char *s, const char *fallback)
{
        return s ? s : fallback;
}

static uint64_t get_u64(struct fy_node *map, const char *key)
{
        const char *s = get(map, key);

        return s ? strtoull(s, NULL, 10) : 0;
}

static struct fy_node *get_node(struct fy_node *map, const char *key)
{
        return map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL;
}

static char *format_u64(char *buf, size_t size, uint64_t v)
{
        snprintf(buf, size, "%" PRIu64, v);
        return buf;
}

/* 850us, 12.5ms, 3.2s, 5m07s, 2h03m. */
static char *format_age(char *buf, size_t size, uint64_t us)
{
        if (us < 1000)
                snprintf(buf, size, "%" PRIu64 "us", us);
        else if (us < 1000000)
                snprintf(buf, size, "%.1fms", (double) us / 1e3);
        else if (us < 60000000)
                snprintf(buf, size, "%.1fs", (double) us / 1e6);
        else if (us < UINT64_C(3600000000))
                snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", us / 60000000, us / 1000000 % 60);
        else
                snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", us / UINT64_C(3600000000), us / 60000000 % 60);
        return buf;
}

/* mknod(at): "path type mode dev [dirfd=N]"; anything else: the raw args. */
static void format_args(char *buf, size_t size, struct fy_node *notif)
{
        struct fy_node *dec = get_node(notif, "decoded"), *args = get_node(notif, "args"), *a;
        const char *fd = get(dec, "dirfd");
        void *iter = NULL;
        size_t len = 0;

        buf[0] = '\0';
        if (dec) {
                snprintf(buf, size, "%s %s %s %s%s%s", str_or(get(dec, "path"), "(unread)"),
                         str_or(get(dec, "type"), "?"), str_or(get(dec, "mode"), "?"), str_or(get(dec, "dev"), "?"),
                         fd ? " dirfd=" : "",
                         !fd ? "" : strcmp(fd, "-100") == 0 ? "AT_FDCWD" : fd);
                return;
        }
        while (args && (a = fy_node_sequence_iterate(args, &iter))) {
                int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", str_or(fy_node_get_scalar0(a), "?"));

                if (n < 0 || (size_t) n >= size - len)
                        break;
                len += (size_t) n;
        }
}

static int print_pending(struct fy_node *root)
{
        static const char *const header[] = { "ID", "CONTAINER", "PID", "SYSCALL", "ARGS", "AGE", "STAGE" };
        _Static_assert(ARRAY_SIZE(header) <= TABLE_MAX_COLUMNS, "widen TABLE_MAX_COLUMNS");
        _cleanup_(table_done) struct table t = { .n_columns = ARRAY_SIZE(header) };
        struct fy_node *seq = get_node(root, "pending"), *n;
        void *iter = NULL;
        int r;

        r = table_add_row(&t, header);
        while (r == 0 && seq && (n = fy_node_sequence_iterate(seq, &iter))) {
                char args[1024], age[32];
                const char *row[] = {
                        get(n, "id"),     get(n, "container"), get(n, "pid"),   get(n, "syscall"),
                        args, format_age(age, sizeof(age), get_u64(n, "age_us")), get(n, "stage"),
                };

                format_args(args, sizeof(args), n);
                r = table_add_row(&t, row);
        }
        if (r < 0)
                return r;
        table_print(&t);
        return 0;
}

/* "default v2", and "(current v3)" when a reload has replaced it since; "-" for
 * a record an OCI hook made that no listener has joined yet. */
static const char *format_policy(char *buf, struct fy_node *ct)
{
        uint64_t v = get_u64(ct, "policy_version"), cur = get_u64(ct, "policy_current_version");

        if (v == 0)
                snprintf(buf, TABLE_POLICY_WIDTH, "-");
        else if (cur == v)
                snprintf(buf, TABLE_POLICY_WIDTH, "%s v%" PRIu64, str_or(get(ct, "policy"), "-"), v);
        else if (cur == 0)
                snprintf(buf, TABLE_POLICY_WIDTH, "%s v%" PRIu64 " (removed)", str_or(get(ct, "policy"), "-"), v);
        else
                snprintf(buf, TABLE_POLICY_WIDTH, "%s v%" PRIu64 " (current v%" PRIu64 ")",
                         str_or(get(ct, "policy"), "-"), v, cur);
        return buf;
}

static int print_containers(struct fy_node *root)
{
        static const char *const header[] = { "ID",       "PID",   "POLICY",   "LISTENERS", "RECEIVED",
                                              "CONTINUED", "ERRNO", "EMULATED", "FAILED",    "GONE",
                                              "LIMITED" };
        char policy[TABLE_POLICY_WIDTH];
        _Static_assert(ARRAY_SIZE(header) <= TABLE_MAX_COLUMNS, "widen TABLE_MAX_COLUMNS");
        _cleanup_(table_done) struct table t = { .n_columns = ARRAY_SIZE(header) };
        struct fy_node *seq = get_node(root, "containers"), *n;
        void *iter = NULL;
        int r;

        r = table_add_row(&t, header);
        while (r == 0 && seq && (n = fy_node_sequence_iterate(seq, &iter))) {
                struct fy_node *c = get_node(n, "counters");
                char failed[24];
                const char *row[] = {
                        get(n, "id"),        get(n, "init_pid"), format_policy(policy, n), get(n, "listeners"),
                        get(c, "received"),  get(c, "continued"), get(c, "errored"), get(c, "emulated"),
                        format_u64(failed, sizeof(failed), get_u64(c, "emulate_failed") + get_u64(c, "read_failed")),
                        get(c, "caller_gone"), get(c, "limited"),
                };

                r = table_add_row(&t, row);
        }
        if (r < 0)
                return r;
        table_print(&t);
        return 0;
}

static void print_value(const char *label, uint64_t v)
{
        char key[32];

        snprintf(key, sizeof(key), "%s:", label);
        printf("%-18s %" PRIu64 "\n", key, v);
}

static int print_stats(struct fy_node *root)
{
        static const char *const counters[][2] = {
                { "received", "received" },
                { "continued", "continued" },
                { "errored", "errno" },
                { "emulated", "emulated" },
                { "emulate_failed", "emulate failed" },
                { "injected", "injected" },
                { "caller_gone", "caller gone" },
                { "read_failed", "read failed" },
                { "limited", "limited" },
        };
        static const char *const latencies[] = { "min", "mean", "p50", "p90", "p99", "max" };
        struct fy_node *totals = get_node(root, "totals"), *intake = get_node(root, "intake");
        struct fy_node *lat = get_node(root, "latency_ns");
        char age[32];

        printf("%-18s %s\n", "uptime:", format_age(age, sizeof(age), get_u64(root, "uptime_us")));
        print_value("containers", get_u64(root, "containers"));
        print_value("pending", get_u64(root, "pending"));
        for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
                print_value(counters[i][1], get_u64(totals, counters[i][0]));
        print_value("intake accepted", get_u64(intake, "accepted"));
        print_value("intake rejected", get_u64(intake, "rejected"));
        print_value("latency count", get_u64(lat, "count"));
        for (size_t i = 0; i < ARRAY_SIZE(latencies); i++) {
                char key[32];

                snprintf(key, sizeof(key), "latency %s:", latencies[i]);
                printf("%-18s %.1f µs\n", key, (double) get_u64(lat, latencies[i]) / 1e3);
        }
        return 0;
}

static int print_ping(struct fy_node *root)
{
        printf("seccompd is running (pid %s)\n", str_or(get(root, "pid"), "?"));
        return 0;
}

static int print_policies(struct fy_node *root)
{
        static const char *const header[] = { "NAME", "VERSION", "RULES", "CONTAINERS", "FILE" };
        _Static_assert(ARRAY_SIZE(header) <= TABLE_MAX_COLUMNS, "widen TABLE_MAX_COLUMNS");
        _cleanup_(table_done) struct table t = { .n_columns = ARRAY_SIZE(header) };
        struct fy_node *seq = get_node(root, "policies"), *n;
        void *iter = NULL;
        int r;

        r = table_add_row(&t, header);
        while (r == 0 && seq && (n = fy_node_sequence_iterate(seq, &iter))) {
                const char *row[] = { get(n, "name"), get(n, "version"), get(n, "rules"), get(n, "containers"),
                                      get(n, "file") };

                r = table_add_row(&t, row);
        }
        if (r < 0)
                return r;
        table_print(&t);
        return 0;
}

static int print_vfs(struct fy_node *root)
{
        static const char *const header[] = { "ADDRESS", "POOL", "STATE", "NUMA", "HOST IF", "CONTAINER IF" };
        _Static_assert(ARRAY_SIZE(header) <= TABLE_MAX_COLUMNS, "widen TABLE_MAX_COLUMNS");
        _cleanup_(table_done) struct table t = { .n_columns = ARRAY_SIZE(header) };
        struct fy_node *seq = get_node(root, "vfs"), *n;
        void *iter = NULL;
        int r;

        r = table_add_row(&t, header);
        while (r == 0 && seq && (n = fy_node_sequence_iterate(seq, &iter))) {
                const char *state = str_or(get(n, "state"), "?"), *ct = str_or(get(n, "container"), "");
                char in_use[300];
                const char *row[6];

                snprintf(in_use, sizeof(in_use), "in use by %s", ct);
                row[0] = get(n, "addr");
                row[1] = get(n, "pool");
                row[2] = strcmp(state, "in_use") == 0 ? in_use : state;
                row[3] = get(n, "numa_node");
                row[4] = get(n, "host_ifname");
                row[5] = get(n, "container_ifname");
                r = table_add_row(&t, row);
        }
        if (r < 0)
                return r;
        table_print(&t);
        return 0;
}

/* Diagnostics first, then the outcome; failed files keep their last good version. */
static int print_reload(struct fy_node *root)
{
        const char *messages = get(root, "messages");

        if (messages && *messages)
                fputs(messages, stderr);
        printf("reloaded: %" PRIu64 " loaded, %" PRIu64 " unchanged, %" PRIu64 " failed, %" PRIu64 " removed\n",
               get_u64(root, "loaded"), get_u64(root, "unchanged"), get_u64(root, "failed"), get_u64(root, "removed"));
        if (get_u64(root, "failed") > 0) {
                fprintf(stderr, "seccompctl: some policies did not load; their last good version stays in use\n");
                return -EINVAL;
        }
        return 0;
}

struct verb {
        const char *name;
        int (*print)(struct fy_node *root);
        const char *request;    /* the daemon's command; NULL: name */
        const char *subcommand; /* a word required after name ("vf list"); NULL: none */
};

static const struct verb verbs[] = {
        { "pending", print_pending, NULL, NULL },
        { "containers", print_containers, NULL, NULL },
        { "stats", print_stats, NULL, NULL },
        { "policies", print_policies, NULL, NULL },
        { "reload", print_reload, NULL, NULL },
        { "ping", print_ping, NULL, NULL },
        { "vf", print_vfs, "vfs", "list" },
};

/* Local commands: "policy check" is found as the words "policy" "check". */
struct local_command {
        const char *word1, *word2;
        int (*run)(int argc, char **argv, const struct ctl_options *o);
};

static const struct local_command local_commands[] = {
        { "policy", "check", ctl_policy_check },
        { "policy", "test", ctl_policy_test },
        { "policy", "filter", ctl_policy_filter },
        { "oci-patch", NULL, ctl_oci_patch },
        { "upgrade", NULL, ctl_upgrade },
};

/* ---- talking to the daemon ---- */

static int print_reply(const struct verb *v, const char *buf, size_t len, bool json)
{
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        _cleanup_(fy_document_destroyp) struct fy_document *doc = NULL;
        struct fy_node *root;
        const char *error;

        if (json)
                fwrite(buf, 1, len, stdout);
        doc = fy_document_build_from_string(&cfg, buf, len);
        root = doc ? fy_document_root(doc) : NULL;
        if (!root || !fy_node_is_mapping(root)) {
                fprintf(stderr, "seccompctl: the daemon's reply is not a JSON object\n");
                return -EBADMSG;
        }
        error = get(root, "error");
        if (error) {
                if (!json)
                        fprintf(stderr, "seccompctl: %s: %s\n", v->name, error);
                return -EREMOTEIO;
        }
        if (json)
                return v->print == print_reload && get_u64(root, "failed") > 0 ? -EINVAL : 0;
        return v->print(root);
}

/* 1 to run (optind at the command), 0 to exit successfully (help/version),
 * -EINVAL on bad usage. Options end at the command word: its own follow it. */
static int parse_argv(int argc, char **argv, struct ctl_options *o)
{
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "control", required_argument, NULL, 'c' },
                { "policy-dir", required_argument, NULL, 'p' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "+c:p:jh", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        o->control = optarg;
                        break;
                case 'p':
                        o->policy_dir = optarg;
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("seccompctl %s\n", SECCOMPD_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "seccompctl: expected a command (pending, containers, stats, policy ...); see --help\n");
                return -EINVAL;
        }
        return 1;
}

static const struct local_command *find_local(int argc, char **argv)
{
        for (size_t i = 0; i < ARRAY_SIZE(local_commands); i++)
                if (strcmp(argv[0], local_commands[i].word1) == 0 &&
                    (!local_commands[i].word2 || (argc > 1 && strcmp(argv[1], local_commands[i].word2) == 0)))
                        return &local_commands[i];
        return NULL;
}

static int run_local(const struct local_command *lc, int argc, char **argv, const struct ctl_options *o)
{
        int skip = lc->word2 ? 1 : 0;

        /* getopt in the command starts over on its own words. */
        optind = 0;
        return lc->run(argc - skip, argv + skip, o);
}

/* The request line: the verb, and for "pending --container NAME" the name
 * (the daemon's container id: an LXC container's name, an OCI container's id).
 * 0, or -EINVAL after saying why. */
static int verb_request(const struct verb *verb, int argc, char **argv, char *buf, size_t size)
{
        const char *name = NULL;

        if (argc == 1) {
                snprintf(buf, size, "%s", verb->name);
                return 0;
        }
        if (verb->print == print_pending && argc == 3 && strcmp(argv[1], "--container") == 0)
                name = argv[2];
        else if (verb->print == print_pending && argc == 2 && strncmp(argv[1], "--container=", 12) == 0)
                name = argv[1] + 12;
        if (!name || !*name || strpbrk(name, " \t\r\n") || strlen(name) >= size - strlen(verb->name) - 1) {
                fprintf(stderr, "seccompctl: %s takes %s; see --help\n", verb->name,
                        verb->print == print_pending ? "only --container NAME" : "no arguments");
                return -EINVAL;
        }
        snprintf(buf, size, "%s %s", verb->name, name);
        return 0;
}

/* "vf list [--json]": the subcommand, then only --json. 0 or -EINVAL after saying why. */
static int subcommand_request(const struct verb *verb, int argc, char **argv, bool *json, char *buf, size_t size)
{
        if (argc < 2 || strcmp(argv[1], verb->subcommand) != 0 ||
            (argc == 3 && strcmp(argv[2], "--json") != 0 && strcmp(argv[2], "-j") != 0) || argc > 3) {
                fprintf(stderr, "seccompctl: usage: %s %s [--json]\n", verb->name, verb->subcommand);
                return -EINVAL;
        }
        *json = *json || argc == 3;
        snprintf(buf, size, "%s", verb->request);
        return 0;
}

static int run_verb(const struct verb *verb, int argc, char **argv, const struct ctl_options *o)
{
        _cleanup_free_ char *reply = NULL;
        char request[300];
        size_t len = 0;
        bool json = o->json;
        int r;

        r = verb->subcommand ? subcommand_request(verb, argc, argv, &json, request, sizeof(request))
                             : verb_request(verb, argc, argv, request, sizeof(request));
        if (r < 0)
                return 2;
        r = control_client_query(o->control, request, &reply, &len);
        if (r < 0) {
                control_client_explain("seccompctl", r, o->control);
                return 1;
        }
        r = print_reply(verb, reply, len, json);
        if (r < 0 && r != -EREMOTEIO && r != -EBADMSG && r != -EINVAL)
                fprintf(stderr, "seccompctl: %s\n", strerror(-r));
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        struct ctl_options o = { .control = CONTROL_SOCKET_DEFAULT, .policy_dir = POLICY_DIR_DEFAULT };
        const struct local_command *lc;
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        argc -= optind;
        argv += optind;
        lc = find_local(argc, argv);
        if (lc)
                return run_local(lc, argc, argv, &o);
        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
                if (strcmp(verbs[i].name, argv[0]) == 0)
                        return run_verb(&verbs[i], argc, argv, &o);
        fprintf(stderr, "seccompctl: unknown command \"%s\"; see --help\n", argv[0]);
        return 2;
}
