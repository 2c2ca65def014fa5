/* seccompctl policy filter: the seccomp filter a policy needs, for people, OCI
 * runtimes, LXC or the kernel; and seccompctl oci-patch: an OCI bundle's
 * config.json edited in place to hand the policy's calls to seccompd. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>
#include <seccomp.h>

#include "common/fileio.h"
#include "common/fy_cleanup.h"
#include "common/json_write.h"
#include "common/macro.h"
#include "policy/filter.h"
#include "supervisor/ctl.h"
#include "supervisor/policy_store.h"

#define CONFIG_MAX (16U << 20)

enum format {
        FORMAT_SUMMARY,
        FORMAT_OCI,
        FORMAT_LXC,
        FORMAT_BPF,
};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* Loads |name| (a NAME in the policy directory or a FILE) and compiles it. Says
 * why on stderr when it cannot. 0 or -errno. */
static int load_plan(const struct ctl_options *o, const char *cmd, const char *name, uint32_t arch,
                     struct filter_plan **ret)
{
        char who[64];

        snprintf(who, sizeof(who), "seccompctl: %s", cmd);
        return policy_load_plan(o->policy_dir, name, arch, stderr, who, ret);
}

/* ---- policy filter ---- */

static void filter_help(void)
{
        printf("Usage: seccompctl policy filter [OPTIONS] NAME|FILE\n"
               "Prints the seccomp filter a policy needs: its syscalls, with the argument\n"
               "conditions libseccomp can check pushed into the filter, so that calls the\n"
               "policy continues anyway never leave the kernel.\n\n"
               "  -f, --format FORMAT   summary (default), oci (the linux.seccomp object of\n"
               "                        config.json), lxc (a seccomp v2 profile and the lxc.*\n"
               "                        lines), bpf (the raw program; not to a terminal)\n"
               "  -s, --socket PATH     seccompd's socket for the runtime (default %s,\n"
               "                        with --format lxc %s)\n"
               "  -a, --arch ARCH       compile for ARCH (libseccomp names; default: this machine)\n",
               FILTER_LISTENER_DEFAULT, FILTER_LXC_PROXY_DEFAULT);
}

static int parse_format(const char *s, enum format *ret)
{
        static const char *const names[] = {
                [FORMAT_SUMMARY] = "summary",
                [FORMAT_OCI] = "oci",
                [FORMAT_LXC] = "lxc",
                [FORMAT_BPF] = "bpf",
        };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = (enum format) i;
                        return 0;
                }
        return -EINVAL;
}

static int parse_arch(const char *s, uint32_t *ret)
{
        uint32_t arch = seccomp_arch_resolve_name(s);

        if (arch == 0)
                return -EINVAL;
        *ret = arch;
        return 0;
}

static int print_bpf(const struct filter_plan *plan)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        if (isatty(STDOUT_FILENO)) {
                fprintf(stderr, "seccompctl: policy filter: refusing to write a binary BPF program to a terminal; "
                                "redirect the output\n");
                return -EINVAL;
        }
        r = filter_plan_new_ctx(plan, &ctx);
        if (r < 0) {
                fprintf(stderr, "seccompctl: policy filter: libseccomp refused the filter: %s\n", strerror(-r));
                return r;
        }
        fflush(stdout);
        r = seccomp_export_bpf(ctx, STDOUT_FILENO);
        if (r < 0)
                fprintf(stderr, "seccompctl: policy filter: cannot write the program: %s\n", strerror(-r));
        return r;
}

static int print_plan(const struct filter_plan *plan, enum format format, const char *socket_path)
{
        int r;

        switch (format) {
        case FORMAT_OCI:
                r = filter_print_oci(plan, socket_path, stdout);
                break;
        case FORMAT_LXC:
                r = filter_print_lxc(plan, socket_path, stdout);
                break;
        case FORMAT_BPF:
                return print_bpf(plan);
        default:
                r = filter_print_summary(plan, stdout);
                break;
        }
        if (r < 0)
                fprintf(stderr, "seccompctl: policy filter: cannot write: %s\n", strerror(-r));
        return r;
}

int ctl_policy_filter(int argc, char **argv, const struct ctl_options *o)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                { "socket", required_argument, NULL, 's' },
                { "arch", required_argument, NULL, 'a' },
                { 0 },
        };
        _cleanup_(filter_plan_freep) struct filter_plan *plan = NULL;
        const char *socket_path = NULL; /* each format's default */
        enum format format = FORMAT_SUMMARY;
        uint32_t arch = SCMP_ARCH_NATIVE;
        int c;

        while ((c = getopt_long(argc, argv, "hf:s:a:", options, NULL)) >= 0) {
                if (c == 'h') {
                        filter_help();
                        return 0;
                }
                if (c == 'f' && parse_format(optarg, &format) < 0) {
                        fprintf(stderr, "seccompctl: policy filter: unknown format \"%s\" (summary, oci, lxc, bpf)\n",
                                optarg);
                        return 2;
                }
                if (c == 'a' && parse_arch(optarg, &arch) < 0) {
                        fprintf(stderr, "seccompctl: policy filter: unknown arch \"%s\"\n", optarg);
                        return 2;
                }
                if (c == 's')
                        socket_path = optarg;
                else if (c != 'f' && c != 'a')
                        return 2;
        }
        if (optind + 1 != argc) {
                fprintf(stderr, "seccompctl: policy filter: expected one FILE or NAME; see --help\n");
                return 2;
        }
        if (load_plan(o, "policy filter", argv[optind], arch, &plan) < 0)
                return 1;
        return print_plan(plan, format, socket_path) < 0 ? 1 : 0;
}

/* ---- oci-patch: the JSON document ---- */

/* A node of |doc| built from JSON text made by |print|; NULL on failure. The
 * document takes the text: libfyaml's nodes point into their source. */
static struct fy_node *node_from(struct fy_document *doc, void (*print)(FILE *f, const void *arg), const void *arg)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return NULL;
        print(f, arg);
        if (fclose(f) != 0)
                return NULL;
        return fy_node_build_from_malloc_string(doc, TAKE_PTR(text), len);
}

static void print_string(FILE *f, const void *s)
{
        json_write_string(f, s);
}

static void print_args(FILE *f, const void *rule)
{
        filter_print_oci_args(rule, f);
}

static void print_names(FILE *f, const void *name)
{
        fputc('[', f);
        json_write_string(f, name);
        fputc(']', f);
}

static const char *scalar(struct fy_node *map, const char *key)
{
        struct fy_node *n = map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL;

        return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

/* map[key] := value (replacing or appending). 0 or -ENOMEM. */
static int set_node(struct fy_document *doc, struct fy_node *map, const char *key, struct fy_node *value)
{
        struct fy_node_pair *pair = fy_node_mapping_lookup_pair_by_string(map, key, FY_NT);
        struct fy_node *k;

        if (!value)
                return -ENOMEM;
        if (pair)
                return fy_node_pair_set_value(pair, value) < 0 ? -ENOMEM : 0;
        k = fy_node_create_scalar_copy(doc, key, FY_NT);
        if (!k || fy_node_mapping_append(map, k, value) < 0)
                return -ENOMEM;
        return 0;
}

/* map[key], created from |json| when absent; -EINVAL (said) when not an object.
 * |what| names it in the message ("linux.seccomp"). */
static int get_object(struct fy_document *doc, struct fy_node *map, const char *key, const char *json,
                      const char *path, const char *what, struct fy_node **ret)
{
        struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
        int r;

        if (n && !fy_node_is_mapping(n)) {
                fprintf(stderr, "seccompctl: oci-patch: %s: %s is not an object\n", path, what);
                return -EINVAL;
        }
        if (!n) {
                n = fy_node_build_from_string(doc, json, FY_NT);
                r = set_node(doc, map, key, n);
                if (r < 0)
                        return r;
        }
        *ret = n;
        return 0;
}

static bool names_has(struct fy_node *entry, const char *name)
{
        struct fy_node *names = fy_node_mapping_lookup_by_string(entry, "names", FY_NT), *n;
        void *iter = NULL;

        while (names && fy_node_is_sequence(names) && (n = fy_node_sequence_iterate(names, &iter)))
                if (fy_node_is_scalar(n) && strcmp(fy_node_get_scalar0(n), name) == 0)
                        return true;
        return false;
}

/* ---- oci-patch: what the profile did with a syscall seccompd now traps ---- */

struct disposition {
        struct fy_node *entry; /* a copy of the entry whose action the untrapped calls keep */
        bool conditional;      /* the profile had conditions on the syscall we cannot keep */
};

static bool args_empty(struct fy_node *entry)
{
        struct fy_node *args = fy_node_mapping_lookup_by_string(entry, "args", FY_NT);

        return !args || (fy_node_is_sequence(args) && fy_node_sequence_item_count(args) == 0);
}

/* Args equal to one of the untrapped rules: an entry an earlier oci-patch wrote. */
static bool args_ours(struct fy_document *doc, struct fy_node *entry, const struct filter_syscall *fs)
{
        struct fy_node *args = fy_node_mapping_lookup_by_string(entry, "args", FY_NT);

        for (size_t k = 0; args && k < fs->n_untrapped; k++) {
                struct fy_node *mine = node_from(doc, print_args, &fs->untrapped[k]);
                bool same = mine && fy_node_compare(args, mine);

                fy_node_free(mine);
                if (same)
                        return true;
        }
        return false;
}

static void find_disposition(struct fy_document *doc, struct fy_node *syscalls, const struct filter_syscall *fs,
                             struct disposition *ret)
{
        struct fy_node *e;
        void *iter = NULL;

        *ret = (struct disposition) {};
        while ((e = fy_node_sequence_iterate(syscalls, &iter))) {
                const char *action = scalar(e, "action");

                if (!fy_node_is_mapping(e) || !names_has(e, fs->name) || !action ||
                    strcmp(action, "SCMP_ACT_NOTIFY") == 0)
                        continue;
                if (args_empty(e) || args_ours(doc, e, fs)) {
                        if (!ret->entry)
                                ret->entry = fy_node_copy(doc, e);
                } else
                        ret->conditional = true;
        }
}

/* ---- oci-patch: editing ---- */

static bool trapped(const struct filter_plan *plan, const char *name)
{
        const struct filter_syscall *fs = filter_plan_find(plan, name);

        return fs && (fs->trap == FILTER_TRAP_WHEN || fs->trap == FILTER_TRAP_ALWAYS);
}

/* Removes the trapped syscalls from one entry's names; true when none is left. */
static bool strip_entry(struct fy_node *entry, const struct filter_plan *plan)
{
        struct fy_node *names = fy_node_mapping_lookup_by_string(entry, "names", FY_NT), *n;
        bool removed = false;
        void *iter = NULL;

        if (!names || !fy_node_is_sequence(names))
                return false;
        while ((n = fy_node_sequence_iterate(names, &iter)))
                if (fy_node_is_scalar(n) && trapped(plan, fy_node_get_scalar0(n))) {
                        fy_node_free(fy_node_sequence_remove(names, n));
                        removed = true;
                        iter = NULL; /* start over: the sequence changed */
                }
        return removed && fy_node_sequence_item_count(names) == 0;
}

static void strip_syscalls(struct fy_node *syscalls, const struct filter_plan *plan)
{
        struct fy_node *e;
        void *iter = NULL;

        while ((e = fy_node_sequence_iterate(syscalls, &iter)))
                if (fy_node_is_mapping(e) && strip_entry(e, plan)) {
                        fy_node_free(fy_node_sequence_remove(syscalls, e));
                        iter = NULL;
                }
}

static int append_notify(struct fy_document *doc, struct fy_node *syscalls, const struct filter_plan *plan)
{
        _cleanup_(fy_document_destroyp) struct fy_document *mine = NULL;
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        _cleanup_free_ char *text = NULL;
        struct fy_node *seq, *e;
        void *iter = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return -ENOMEM;
        filter_print_oci(plan, NULL, f);
        if (fclose(f) != 0)
                return -ENOMEM;
        /* The copies point into this text: the document keeps it alive. */
        mine = fy_document_build_from_malloc_string(&cfg, TAKE_PTR(text), len);
        seq = mine ? fy_node_mapping_lookup_by_string(fy_document_root(mine), "syscalls", FY_NT) : NULL;
        if (!seq)
                return -ENOMEM;
        while ((e = fy_node_sequence_iterate(seq, &iter))) {
                struct fy_node *copy = fy_node_copy(doc, e);

                if (!copy || fy_node_sequence_append(syscalls, copy) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The profile's own action for the calls of |fs| seccompd does not trap, when it
 * differs from defaultAction: one copy of its entry per untrapped rule. */
static int keep_untrapped(struct fy_document *doc, struct fy_node *seccomp, struct fy_node *syscalls,
                          const struct filter_syscall *fs, const struct disposition *d)
{
        const char *dflt = scalar(seccomp, "defaultAction");
        const char *dflt_errno = scalar(seccomp, "defaultErrnoRet"), *e_errno = scalar(d->entry, "errnoRet");
        bool same = dflt && strcmp(dflt, scalar(d->entry, "action")) == 0 &&
                    (!e_errno || (dflt_errno && strcmp(e_errno, dflt_errno) == 0));

        if (same || fs->trap != FILTER_TRAP_WHEN)
                return 0;
        if (!fs->untrapped_known) {
                fprintf(stderr, "seccompctl: oci-patch: warning: %s: the calls seccompd does not trap now get "
                                "defaultAction %s, not %s\n", fs->name, dflt ? dflt : "(none)", scalar(d->entry, "action"));
                return 0;
        }
        for (size_t k = 0; k < fs->n_untrapped; k++) {
                struct fy_node *copy = fy_node_copy(doc, d->entry);
                int r = copy ? set_node(doc, copy, "names", node_from(doc, print_names, fs->name)) : -ENOMEM;

                if (r == 0)
                        r = set_node(doc, copy, "args", node_from(doc, print_args, &fs->untrapped[k]));
                if (r == 0 && fy_node_sequence_append(syscalls, copy) < 0)
                        r = -ENOMEM;
                if (r < 0)
                        return r;
        }
        return 0;
}

static int patch_syscalls(struct fy_document *doc, struct fy_node *seccomp, struct fy_node *syscalls,
                          const struct filter_plan *plan)
{
        struct disposition *d = calloc(plan->n_syscalls ? plan->n_syscalls : 1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_syscalls; i++)
                if (trapped(plan, plan->syscalls[i].name))
                        find_disposition(doc, syscalls, &plan->syscalls[i], &d[i]);
        strip_syscalls(syscalls, plan);
        r = append_notify(doc, syscalls, plan);
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                if (r == 0 && d[i].entry)
                        r = keep_untrapped(doc, seccomp, syscalls, &plan->syscalls[i], &d[i]);
                if (d[i].conditional)
                        fprintf(stderr, "seccompctl: oci-patch: warning: %s: the profile's conditional rules for it "
                                        "were removed\n", plan->syscalls[i].name);
                fy_node_free(d[i].entry);
        }
        free(d);
        return r;
}

static int patch_document(struct fy_document *doc, const struct filter_plan *plan, const char *socket_path,
                          const char *path)
{
        struct fy_node *root = fy_document_root(doc), *linux_, *seccomp, *syscalls;
        char metadata[256];
        int r;

        if (!root || !fy_node_is_mapping(root)) {
                fprintf(stderr, "seccompctl: oci-patch: %s: not a JSON object\n", path);
                return -EINVAL;
        }
        r = get_object(doc, root, "linux", "{}", path, "linux", &linux_);
        if (r == 0)
                r = get_object(doc, linux_, "seccomp", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", path, "linux.seccomp",
                               &seccomp);
        if (r < 0)
                return r;
        syscalls = fy_node_mapping_lookup_by_string(seccomp, "syscalls", FY_NT);
        if (syscalls && !fy_node_is_sequence(syscalls)) {
                fprintf(stderr, "seccompctl: oci-patch: %s: linux.seccomp.syscalls is not an array\n", path);
                return -EINVAL;
        }
        if (!syscalls) {
                syscalls = fy_node_build_from_string(doc, "[]", FY_NT);
                r = set_node(doc, seccomp, "syscalls", syscalls);
                if (r < 0)
                        return r;
        }
        r = patch_syscalls(doc, seccomp, syscalls, plan);
        snprintf(metadata, sizeof(metadata), "policy=%s", plan->policy);
        if (r == 0)
                r = set_node(doc, seccomp, "listenerPath", node_from(doc, print_string, socket_path));
        if (r == 0)
                r = set_node(doc, seccomp, "listenerMetadata", node_from(doc, print_string, metadata));
        return r;
}

/* ---- oci-patch: the file ---- */

/* Parses |text|, which the document takes over (even on failure). */
static int parse_config(const char *path, char *text, size_t len, struct fy_document **ret)
{
        _cleanup_(fy_diag_destroyp) struct fy_diag *diag = NULL;
        _cleanup_(fy_document_destroyp) struct fy_document *doc = NULL;
        struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        struct fy_diag_error *e;
        struct fy_diag_cfg dcfg;
        void *iter = NULL;

        fy_diag_cfg_default(&dcfg);
        dcfg.fp = NULL;
        dcfg.output_fn = NULL;
        diag = fy_diag_create(&dcfg);
        if (!diag)
                return -ENOMEM;
        fy_diag_set_collect_errors(diag, true);
        cfg.diag = diag;
        if (len == 0)
                free(text);
        doc = len > 0 ? fy_document_build_from_malloc_string(&cfg, text, len) : NULL;
        if (doc && !fy_diag_got_error(diag)) {
                *ret = TAKE_PTR(doc);
                return 0;
        }
        e = fy_diag_errors_iterate(diag, &iter);
        /* libfyaml's positions are 1-based. */
        if (e)
                fprintf(stderr, "seccompctl: oci-patch: %s:%d:%d: invalid JSON: %s\n", path, e->line, e->column,
                        e->msg ? e->msg : "syntax error");
        else
                fprintf(stderr, "seccompctl: oci-patch: %s: invalid JSON: %s\n", path, len ? "syntax error" : "empty");
        return -EINVAL;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

static int fill_temp(int fd, const struct stat *st, const char *text)
{
        int r;

        /* As root, keep the owner too; chown before chmod, which it may undo. */
        if (geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) < 0)
                return -errno;
        if (fchmod(fd, st->st_mode & 07777) < 0)
                return -errno;
        r = write_all(fd, text, strlen(text));
        if (r < 0)
                return r;
        return fsync(fd) < 0 ? -errno : 0;
}

static void fsync_dir(const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = -EBADF;

        if (!copy)
                return;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void) fsync(fd);
}

/* Replaces |path| atomically: a temp file in the same directory, with the
 * original's mode, fsync'ed, renamed over it. 0 or -errno. */
static int replace_file(const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (stat(path, &st) < 0)
                return -errno;
        if (asprintf(&tmp, "%s.seccompctl-XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = fill_temp(fd, &st, text);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        fsync_dir(path);
        return 0;
}

static int patch_file(const char *path, const struct filter_plan *plan, const char *socket_path)
{
        _cleanup_(fy_document_destroyp) struct fy_document *doc = NULL;
        _cleanup_free_ char *text = NULL, *out = NULL, *real = NULL;
        size_t len = 0;
        int r;

        real = realpath(path, NULL); /* edit what a symlink points to, not the link */
        r = real ? read_file_bounded(AT_FDCWD, real, CONFIG_MAX, &text, &len) : -errno;
        if (r < 0) {
                fprintf(stderr, "seccompctl: oci-patch: %s: %s\n", path, strerror(-r));
                return r;
        }
        r = parse_config(path, TAKE_PTR(text), len, &doc);
        if (r == 0)
                r = patch_document(doc, plan, socket_path, path);
        if (r == -ENOMEM)
                fprintf(stderr, "seccompctl: oci-patch: out of memory\n");
        if (r < 0)
                return r;
        out = fy_emit_document_to_string(doc, FYECF_MODE_JSON | FYECF_WIDTH_INF);
        r = out ? replace_file(real, out) : -ENOMEM;
        if (r < 0)
                fprintf(stderr, "seccompctl: oci-patch: cannot write %s: %s\n", path, strerror(-r));
        return r;
}

static void oci_patch_help(void)
{
        printf("Usage: seccompctl oci-patch --policy NAME [--socket PATH] CONFIG.JSON\n"
               "Edits an OCI bundle's config.json in place (atomically) so that the runtime\n"
               "hands the calls policy NAME must see to seccompd: the policy's syscalls leave\n"
               "the existing linux.seccomp entries and come back as SCMP_ACT_NOTIFY entries\n"
               "(plus, where the profile had its own action for them, that action for the\n"
               "calls seccompd does not trap); listenerPath and listenerMetadata are set.\n"
               "Everything else is kept as it was.\n\n"
               "  -P, --policy NAME|FILE   the policy (required)\n"
               "  -s, --socket PATH        seccompd's listener socket (default %s)\n",
               FILTER_LISTENER_DEFAULT);
}

int ctl_oci_patch(int argc, char **argv, const struct ctl_options *o)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "policy", required_argument, NULL, 'P' },
                { "socket", required_argument, NULL, 's' },
                { 0 },
        };
        _cleanup_(filter_plan_freep) struct filter_plan *plan = NULL;
        const char *socket_path = FILTER_LISTENER_DEFAULT, *policy = NULL;
        int c;

        while ((c = getopt_long(argc, argv, "hP:s:", options, NULL)) >= 0) {
                if (c == 'h') {
                        oci_patch_help();
                        return 0;
                }
                if (c == 'P')
                        policy = optarg;
                else if (c == 's')
                        socket_path = optarg;
                else
                        return 2;
        }
        if (!policy || optind + 1 != argc) {
                fprintf(stderr, "seccompctl: oci-patch: expected --policy NAME and one CONFIG.JSON; see --help\n");
                return 2;
        }
        if (load_plan(o, "oci-patch", policy, SCMP_ARCH_NATIVE, &plan) < 0)
                return 1;
        return patch_file(argv[optind], plan, socket_path) < 0 ? 1 : 0;
}
