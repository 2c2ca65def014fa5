/* ContainerProcessState JSON and the plain OCI state an OCI hook reads →
 * struct oci_state, with libfyaml in JSON mode; and that state written back. */
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fy_cleanup.h"
#include "common/json_write.h"
#include "common/macro.h"
#include "supervisor/metadata.h"
#include "supervisor/oci_state.h"

_printf_(3, 4) static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (errlen > 0)
                vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* A scalar's text as a new string; NUL bytes inside a JSON string are refused. */
static int scalar_dup(struct fy_node *n, char **ret)
{
        const char *s;
        size_t len;
        char *copy;

        if (!n || !fy_node_is_scalar(n))
                return -EINVAL;
        s = fy_node_get_scalar(n, &len);
        if (!s || memchr(s, '\0', len))
                return -EINVAL;
        copy = strndup(s, len);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

static int get_string(struct fy_node *map, const char *key, bool required, char **ret)
{
        struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);

        if (!n)
                return required ? -ENOENT : 0;
        if (fy_node_get_style(n) != FYNS_DOUBLE_QUOTED)
                return -EINVAL;
        return scalar_dup(n, ret);
}

/* A pid of at least |min|: 0 is "no process" where a stopped container's state has one. */
static int get_pid(struct fy_node *map, const char *key, bool required, long min, pid_t *ret)
{
        struct fy_node *n = fy_node_mapping_lookup_by_string(map, key, FY_NT);
        char buf[32], *end;
        const char *s;
        size_t len;
        long v;

        if (!n)
                return required ? -ENOENT : 0;
        if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
                return -EINVAL;
        s = fy_node_get_scalar(n, &len);
        if (!s || len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno || *end || v < min || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t) v;
        return 0;
}

static int parse_fds(struct fy_node *root, struct oci_state *s, char *errbuf, size_t errlen)
{
        struct fy_node *fds = fy_node_mapping_lookup_by_string(root, "fds", FY_NT), *item;
        void *iter = NULL;

        if (!fds || !fy_node_is_sequence(fds))
                return fail(errbuf, errlen, "\"fds\" missing or not an array");
        while ((item = fy_node_sequence_iterate(fds, &iter))) {
                if (s->n_fds >= OCI_STATE_MAX_FDS) {
                        fail(errbuf, errlen, "more than %d fds", OCI_STATE_MAX_FDS);
                        return -E2BIG;
                }
                if (fy_node_get_style(item) != FYNS_DOUBLE_QUOTED || scalar_dup(item, &s->fds[s->n_fds]) < 0)
                        return fail(errbuf, errlen, "\"fds\"[%zu] is not a string", s->n_fds);
                s->n_fds++;
        }
        return 0;
}

static int parse_annotations(struct fy_node *state, const char *where, struct oci_state *s, char *errbuf,
                             size_t errlen)
{
        struct fy_node *map = fy_node_mapping_lookup_by_string(state, "annotations", FY_NT);
        struct fy_node_pair *pair;
        void *iter = NULL;

        if (!map || fy_node_is_null(map))
                return 0;
        if (!fy_node_is_mapping(map))
                return fail(errbuf, errlen, "\"%sannotations\" is not an object", where);
        while ((pair = fy_node_mapping_iterate(map, &iter))) {
                struct oci_annotation *a;

                if (s->n_annotations >= OCI_STATE_MAX_ANNOTATIONS) {
                        fail(errbuf, errlen, "more than %d annotations", OCI_STATE_MAX_ANNOTATIONS);
                        return -E2BIG;
                }
                a = &s->annotations[s->n_annotations];
                if (scalar_dup(fy_node_pair_key(pair), &a->key) < 0)
                        return fail(errbuf, errlen, "annotation key is not a string");
                s->n_annotations++;
                if (scalar_dup(fy_node_pair_value(pair), &a->value) < 0)
                        return fail(errbuf, errlen, "annotation \"%s\" is not a string", a->key);
        }
        return 0;
}

/* The fields of the OCI state object (runtime-spec runtime.md "State"), |where|
 * it sits ("state." inside a ContainerProcessState, "" on its own); a pid of at
 * least |min_pid|. */
static int parse_state(struct fy_node *state, const char *where, long min_pid, struct oci_state *s, char *errbuf,
                       size_t errlen)
{
        if (!state || !fy_node_is_mapping(state))
                return fail(errbuf, errlen, "\"state\" missing or not an object");
        if (get_string(state, "id", true, &s->id) < 0 || s->id[0] == '\0')
                return fail(errbuf, errlen, "\"%sid\" missing or not a non-empty string", where);
        if (get_string(state, "status", false, &s->status) < 0)
                return fail(errbuf, errlen, "\"%sstatus\" is not a string", where);
        if (get_pid(state, "pid", false, min_pid, &s->init_pid) < 0)
                return fail(errbuf, errlen, "\"%spid\" is not a %s integer", where,
                            min_pid > 0 ? "positive" : "non-negative");
        if (get_string(state, "bundle", false, &s->bundle) < 0)
                return fail(errbuf, errlen, "\"%sbundle\" is not a string", where);
        return parse_annotations(state, where, s, errbuf, errlen);
}

/* Both kinds: an object with an ociVersion. */
static int parse_version(struct fy_node *root, struct oci_state *s, char *errbuf, size_t errlen)
{
        if (!root || !fy_node_is_mapping(root))
                return fail(errbuf, errlen, "not a JSON object");
        if (get_string(root, "ociVersion", true, &s->oci_version) < 0)
                return fail(errbuf, errlen, "\"ociVersion\" missing or not a string");
        return 0;
}

static int parse_process_state(struct fy_node *root, struct oci_state *s, char *errbuf, size_t errlen)
{
        int r = parse_version(root, s, errbuf, errlen);

        if (r < 0)
                return r;
        r = parse_fds(root, s, errbuf, errlen);
        if (r < 0)
                return r;
        if (get_pid(root, "pid", true, 1, &s->pid) < 0)
                return fail(errbuf, errlen, "\"pid\" missing or not a positive integer");
        if (get_string(root, "metadata", false, &s->metadata) < 0)
                return fail(errbuf, errlen, "\"metadata\" is not a string");
        return parse_state(fy_node_mapping_lookup_by_string(root, "state", FY_NT), "state.", 1, s, errbuf, errlen);
}

static int parse_plain_state(struct fy_node *root, struct oci_state *s, char *errbuf, size_t errlen)
{
        int r = parse_version(root, s, errbuf, errlen);

        return r < 0 ? r : parse_state(root, "", 0, s, errbuf, errlen);
}

static void first_diag_error(struct fy_diag *diag, char *errbuf, size_t errlen)
{
        void *iter = NULL;
        struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &iter) : NULL;

        if (e)
                fail(errbuf, errlen, "malformed JSON at %d:%d: %s", e->line, e->column, e->msg);
        else
                fail(errbuf, errlen, "malformed JSON");
}

/* Parses |buf| as JSON and fills a new oci_state from its root with |parse|. */
static int parse_with(const char *buf, size_t len, int (*parse)(struct fy_node *root, struct oci_state *s,
                                                                char *errbuf, size_t errlen),
                      struct oci_state **ret, char *errbuf, size_t errlen)
{
        _cleanup_(fy_diag_destroyp) struct fy_diag *diag = NULL;
        _cleanup_(fy_document_destroyp) struct fy_document *doc = NULL;
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        struct fy_diag_cfg dcfg;
        struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        int r;

        fy_diag_cfg_default(&dcfg);
        dcfg.fp = NULL;
        dcfg.output_fn = NULL;
        diag = fy_diag_create(&dcfg);
        if (!diag)
                return -ENOMEM;
        fy_diag_set_collect_errors(diag, true);
        cfg.diag = diag;

        if (len == 0)
                return fail(errbuf, errlen, "empty message");
        doc = fy_document_build_from_string(&cfg, buf, len);
        if (!doc) {
                first_diag_error(diag, errbuf, errlen);
                return -EINVAL;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = parse(fy_document_root(doc), s, errbuf, errlen);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state **ret, char *errbuf, size_t errlen)
{
        return parse_with(buf, len, parse_process_state, ret, errbuf, errlen);
}

int oci_state_parse_state(const char *buf, size_t len, struct oci_state **ret, char *errbuf, size_t errlen)
{
        return parse_with(buf, len, parse_plain_state, ret, errbuf, errlen);
}

int oci_state_write_state(const struct oci_state *s, FILE *f)
{
        fputs("{\"ociVersion\":", f);
        json_write_string(f, s->oci_version ? s->oci_version : "");
        fputs(",\"id\":", f);
        json_write_string(f, s->id);
        if (s->status) {
                fputs(",\"status\":", f);
                json_write_string(f, s->status);
        }
        if (s->init_pid > 0)
                fprintf(f, ",\"pid\":%d", (int) s->init_pid);
        if (s->bundle) {
                fputs(",\"bundle\":", f);
                json_write_string(f, s->bundle);
        }
        fputs(",\"annotations\":{", f);
        for (size_t i = 0; i < s->n_annotations; i++) {
                fputs(i ? "," : "", f);
                json_write_string(f, s->annotations[i].key);
                fputc(':', f);
                json_write_string(f, s->annotations[i].value);
        }
        fputs("}}", f);
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

struct oci_state *oci_state_free(struct oci_state *s)
{
        if (!s)
                return NULL;
        free(s->oci_version);
        for (size_t i = 0; i < s->n_fds; i++)
                free(s->fds[i]);
        free(s->metadata);
        free(s->id);
        free(s->status);
        free(s->bundle);
        for (size_t i = 0; i < s->n_annotations; i++) {
                free(s->annotations[i].key);
                free(s->annotations[i].value);
        }
        free(s);
        return NULL;
}

int oci_state_fd_index(const struct oci_state *s, const char *name)
{
        for (size_t i = 0; i < s->n_fds; i++)
                if (strcmp(s->fds[i], name) == 0)
                        return (int) i;
        return -ENOENT;
}

const char *oci_state_annotation(const struct oci_state *s, const char *key)
{
        for (size_t i = 0; i < s->n_annotations; i++)
                if (strcmp(s->annotations[i].key, key) == 0)
                        return s->annotations[i].value;
        return NULL;
}

int oci_state_metadata_get(const struct oci_state *s, const char *key, char *buf, size_t size)
{
        return metadata_get(s->metadata, key, buf, size);
}
