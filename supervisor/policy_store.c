/* Policies by name, versioned, reloaded atomically per file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "policy/builtin.h"
#include "policy/filter.h"
#include "supervisor/policy_store.h"

/* FNV-1a: tells whether a file changed; not a security boundary. */
static uint64_t digest(const char *text, size_t len)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < len; i++)
                h = (h ^ (uint8_t) text[i]) * 0x100000001b3ULL;
        return h;
}

void policy_reload_report_clear(struct policy_reload_report *r)
{
        free(r->messages);
        *r = (struct policy_reload_report) {};
}

struct policy_version *policy_version_ref(struct policy_version *v)
{
        if (v)
                v->refs++;
        return v;
}

struct policy_version *policy_version_unref(struct policy_version *v)
{
        if (v && --v->refs == 0) {
                policy_free(v->policy);
                free(v);
        }
        return NULL;
}

int policy_store_new(const char *dir, uint32_t arch, struct policy_store **ret)
{
        struct policy_store *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->dir = strdup(dir ? dir : POLICY_DIR_DEFAULT);
        if (!s->dir) {
                free(s);
                return -ENOMEM;
        }
        s->arch = arch;
        *ret = s;
        return 0;
}

static void versions_free(struct policy_version **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                policy_version_unref(v[i]);
        free(v);
}

struct policy_store *policy_store_free(struct policy_store *s)
{
        if (!s)
                return NULL;
        versions_free(s->current, s->n);
        free(s->dir);
        free(s);
        return NULL;
}

static struct policy_version **find_slot(struct policy_version **v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i]->policy->name, name) == 0)
                        return &v[i];
        return NULL;
}

const struct policy_version *policy_store_peek(const struct policy_store *s, const char *name)
{
        struct policy_version **slot = find_slot(s->current, s->n, name);

        return slot ? *slot : NULL;
}

struct policy_version *policy_store_get(struct policy_store *s, const char *name)
{
        return policy_version_ref((struct policy_version *) policy_store_peek(s, name));
}

/* The reload being built: the new table, and where messages go. */
struct reload {
        const struct policy_store *old;
        struct policy_version **v;
        size_t n, cap;
        struct policy_reload_report *report;
        FILE *msg;
};

static int reload_add(struct reload *rl, struct policy_version *pv)
{
        if (rl->n == rl->cap) {
                size_t cap = rl->cap ? rl->cap * 2 : 8;
                struct policy_version **v = realloc(rl->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                rl->v = v;
                rl->cap = cap;
        }
        rl->v[rl->n++] = pv;
        return 0;
}

/* Keeps the old version of |name| (if any) in the new table. */
static int keep_old(struct reload *rl, const char *name)
{
        struct policy_version **old = find_slot(rl->old->current, rl->old->n, name);

        if (!old || find_slot(rl->v, rl->n, name))
                return 0;
        return reload_add(rl, policy_version_ref(*old));
}

/* A parsed policy becomes the name's version: the old one if the text is the
 * same, else a new version numbered after it. */
static int install(struct reload *rl, struct policy *p, uint64_t dg)
{
        struct policy_version **old = find_slot(rl->old->current, rl->old->n, p->name);
        struct policy_version *pv;

        if (old && (*old)->digest == dg) {
                rl->report->unchanged++;
                policy_free(p);
                return reload_add(rl, policy_version_ref(*old));
        }
        pv = calloc(1, sizeof(*pv));
        if (!pv) {
                policy_free(p);
                return -ENOMEM;
        }
        *pv = (struct policy_version) { .policy = p, .version = old ? (*old)->version + 1 : 1, .refs = 1, .digest = dg };
        rl->report->loaded++;
        return reload_add(rl, pv);
}

static int load_text(struct reload *rl, const char *text, size_t len, const char *file)
{
        struct policy_diags diags = {};
        struct policy *p = NULL;
        int r = policy_parse(text, len, file, rl->old->arch, &p, &diags);

        policy_diags_print(&diags, file, rl->msg);
        policy_diags_clear(&diags);
        if (r < 0)
                return r;
        if (find_slot(rl->v, rl->n, p->name)) {
                fprintf(rl->msg, "%s: error: policy \"%s\" is already defined by another file; ignored\n", file,
                        p->name);
                policy_free(p);
                return -EINVAL;
        }
        return install(rl, p, digest(text, len));
}

static bool is_policy_file(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The policy file names in the directory, sorted so a reload is deterministic. */
static int list_dir(DIR *d, char ***ret, size_t *ret_n)
{
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;

        while ((de = readdir(d))) {
                char **grown;

                if (!is_policy_file(de->d_name))
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown || !(grown[n] = strdup(de->d_name))) {
                        names = grown ? grown : names;
                        for (size_t i = 0; i < n; i++)
                                free(names[i]);
                        free(names);
                        return -ENOMEM;
                }
                names = grown;
                n++;
        }
        qsort(names, n, sizeof(*names), cmp_name);
        *ret = names;
        *ret_n = n;
        return 0;
}

/* A failed file keeps the last good version of the name it had (its basename). */
static int load_file(struct reload *rl, int dirfd, const char *name)
{
        _cleanup_free_ char *text = NULL, *path = NULL, *base = strndup(name, strlen(name) - 5);
        size_t len;
        int r;

        if (!base || asprintf(&path, "%s/%s", rl->old->dir, name) < 0)
                return -ENOMEM;
        r = read_file_bounded(dirfd, name, POLICY_FILE_MAX, &text, &len);
        if (r < 0) {
                fprintf(rl->msg, "%s: error: cannot read: %s\n", path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        } else {
                r = load_text(rl, text, len, path);
                if (r == -ENOMEM)
                        return r;
        }
        if (r < 0) {
                rl->report->failed++;
                return keep_old(rl, base);
        }
        return 0;
}

/* Without a default.yaml in the directory, "default" is the built-in one. */
static int add_builtin(struct reload *rl)
{
        size_t len;
        const char *text = policy_builtin_default_text(&len);

        if (find_slot(rl->v, rl->n, POLICY_BUILTIN_NAME))
                return 0;
        return load_text(rl, text, len, POLICY_BUILTIN_FILE);
}

static int reload_dir(struct reload *rl)
{
        _cleanup_close_ int dirfd = open(rl->old->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **names = NULL;
        size_t n = 0;
        DIR *d;
        int r = 0;

        if (dirfd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(dup(dirfd));
        if (!d)
                return -errno;
        r = list_dir(d, &names, &n);
        closedir(d);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = load_file(rl, dirfd, names[i]);
                free(names[i]);
        }
        free(names);
        return r;
}

static void count_removed(struct reload *rl)
{
        for (size_t i = 0; i < rl->old->n; i++)
                if (!find_slot(rl->v, rl->n, rl->old->current[i]->policy->name))
                        rl->report->removed++;
}

static int cmp_version(const void *a, const void *b)
{
        return strcmp((*(struct policy_version *const *) a)->policy->name,
                      (*(struct policy_version *const *) b)->policy->name);
}

int policy_store_reload(struct policy_store *s, struct policy_reload_report *report)
{
        struct reload rl = { .old = s, .report = report };
        size_t msg_len = 0;
        int r;

        *report = (struct policy_reload_report) {};
        rl.msg = open_memstream(&report->messages, &msg_len);
        if (!rl.msg)
                return -ENOMEM;
        r = reload_dir(&rl);
        if (r >= 0)
                r = add_builtin(&rl);
        fclose(rl.msg);
        if (r < 0 && r != -EINVAL) {
                versions_free(rl.v, rl.n);
                return r;
        }
        count_removed(&rl);
        qsort(rl.v, rl.n, sizeof(*rl.v), cmp_version);
        versions_free(s->current, s->n);
        s->current = rl.v;
        s->n = rl.n;
        s->reloads++;
        return report->failed > 0 ? -EINVAL : 0;
}

static bool looks_like_path(const char *s)
{
        size_t n = strlen(s);

        return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".yaml") == 0);
}

static int parse_file(const char *path, uint32_t arch, FILE *diag_out, struct policy **ret)
{
        _cleanup_free_ char *text = NULL;
        struct policy_diags diags = {};
        size_t len;
        int r = read_file_bounded(AT_FDCWD, path, POLICY_FILE_MAX, &text, &len);

        if (r < 0) {
                fprintf(diag_out, "%s: error: cannot read: %s\n", path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
                return r == -ENOENT ? -ENOENT : -EINVAL;
        }
        r = policy_parse(text, len, path, arch, ret, &diags);
        policy_diags_print(&diags, path, diag_out);
        policy_diags_clear(&diags);
        return r;
}

int policy_load_one(const char *dir, const char *name_or_path, uint32_t arch, FILE *diag_out,
                    struct policy **ret)
{
        _cleanup_free_ char *path = NULL;
        struct policy_diags diags = {};
        int r;

        if (looks_like_path(name_or_path))
                return parse_file(name_or_path, arch, diag_out, ret);
        if (asprintf(&path, "%s/%s.yaml", dir ? dir : POLICY_DIR_DEFAULT, name_or_path) < 0)
                return -ENOMEM;
        if (access(path, F_OK) == 0)
                return parse_file(path, arch, diag_out, ret);
        if (strcmp(name_or_path, POLICY_BUILTIN_NAME) != 0)
                return -ENOENT;
        r = policy_builtin_default(arch, ret, &diags);
        policy_diags_print(&diags, POLICY_BUILTIN_FILE, diag_out);
        policy_diags_clear(&diags);
        return r;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free)

int policy_load_plan(const char *dir, const char *name_or_path, uint32_t arch, FILE *diag_out, const char *who,
                     struct filter_plan **ret)
{
        _cleanup_(policy_freep) struct policy *p = NULL;
        int r;

        r = policy_load_one(dir, name_or_path, arch, diag_out, &p);
        if (r == -ENOENT && looks_like_path(name_or_path))
                fprintf(diag_out, "%s: no policy file \"%s\"\n", who, name_or_path);
        else if (r == -ENOENT)
                fprintf(diag_out, "%s: no policy \"%s\" in %s\n", who, name_or_path, dir ? dir : POLICY_DIR_DEFAULT);
        else if (r == -EINVAL)
                fprintf(diag_out, "%s: policy \"%s\" has errors (see above)\n", who, name_or_path);
        else if (r < 0)
                fprintf(diag_out, "%s: cannot load policy \"%s\": %s\n", who, name_or_path, strerror(-r));
        if (r < 0)
                return r;
        r = filter_plan_build(p, arch, ret);
        if (r < 0)
                fprintf(diag_out, "%s: cannot compile policy \"%s\": %s\n", who, name_or_path,
                        r == -ENOENT ? "it names a syscall this arch does not have" : strerror(-r));
        return r;
}
