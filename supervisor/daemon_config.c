/* The daemon config file: YAML through the policy parser's node helpers, so
 * its errors read like a policy's (file:line:col). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/log.h"
#include "policy/yaml.h"
#include "supervisor/daemon_config.h"

#define CONFIG_MAX_SIZE (1024 * 1024)
#define POOL_NAME_MAX 63

const char *vf_pool_mode_name(enum vf_pool_mode m)
{
        return m == VF_POOL_VFIO ? "vfio" : "netdev";
}

const char *vf_pool_numa_name(enum vf_pool_numa n)
{
        return n == VF_POOL_NUMA_REQUIRE ? "require" : n == VF_POOL_NUMA_IGNORE ? "ignore" : "prefer";
}

static void pool_clear(struct vf_pool_spec *p)
{
        for (size_t i = 0; i < p->n_pfs; i++)
                free(p->pfs[i]);
        for (size_t i = 0; i < p->n_drivers; i++)
                free(p->drivers[i]);
        free(p->pfs);
        free(p->drivers);
        free(p->vendors);
        free(p->devices);
        free(p->name);
}

void daemon_config_clear(struct daemon_config *c)
{
        for (size_t i = 0; i < c->n_pools; i++)
                pool_clear(&c->pools[i]);
        free(c->pools);
        *c = (struct daemon_config) { 0 };
}

const struct vf_pool_spec *daemon_config_pool(const struct daemon_config *c, const char *name)
{
        for (size_t i = 0; i < c->n_pools; i++)
                if (strcmp(c->pools[i].name, name) == 0)
                        return &c->pools[i];
        return NULL;
}

static bool name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > POOL_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("_.-", s[i]))
                        return false;
        return true;
}

/* A list of strings (yaml_each): |userdata| is the char ** array, sized beforehand. */
static int str_item(struct yaml_ctx *c _unused_, const char *text, struct policy_pos pos _unused_, size_t i,
                    void *userdata)
{
        char **v = userdata;

        v[i] = strdup(text);
        return v[i] ? 0 : -ENOMEM;
}

/* "0x8086" or "8086": PCI ids as lspci and sysfs print them. */
static int id_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i, void *userdata)
{
        uint16_t *v = userdata;
        const char *hex = strncmp(text, "0x", 2) == 0 ? text + 2 : text;
        char *end;
        unsigned long id;

        errno = 0;
        id = strtoul(hex, &end, 16);
        if (!isxdigit((unsigned char) hex[0]) || *end || errno || id > UINT16_MAX)
                return yaml_error(c, pos, "\"%s\" is not a PCI id (4 hex digits, as 0x8086)", text);
        v[i] = (uint16_t) id;
        return 0;
}

static int list(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, size_t elem, yaml_item_fn fn,
                void **ret, size_t *ret_n)
{
        size_t n;
        void *v;

        if (!f->value)
                return 0;
        n = yaml_list_len(f->value);
        v = calloc(n ? n : 1, elem);
        if (!v)
                return -ENOMEM;
        /* Stored first so pool_clear() frees what was filled, even on error. */
        *ret = v;
        *ret_n = n;
        return yaml_each(c, f->value, yaml_field_pos(f, fb), f->key, fn, v);
}

static int parse_selectors(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, struct vf_pool_spec *p)
{
        struct yaml_field f[] = { { .key = "pfs" }, { .key = "vendors" }, { .key = "devices" }, { .key = "drivers" } };
        int r = yaml_mapping(c, n, fb, "\"selectors\"");

        if (r < 0)
                return r;
        r = yaml_fields(c, n, fb, "key", "\"selectors\"", f, ARRAY_SIZE(f));
        r = yaml_worse(r, list(c, &f[0], fb, sizeof(char *), str_item, (void **) &p->pfs, &p->n_pfs));
        r = yaml_worse(r, list(c, &f[1], fb, sizeof(uint16_t), id_item, (void **) &p->vendors, &p->n_vendors));
        r = yaml_worse(r, list(c, &f[2], fb, sizeof(uint16_t), id_item, (void **) &p->devices, &p->n_devices));
        return yaml_worse(r, list(c, &f[3], fb, sizeof(char *), str_item, (void **) &p->drivers, &p->n_drivers));
}

/* The index of |text| in |names| (n of them), or an error naming them. */
static int keyword(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, const char *const *names,
                   size_t n, int *ret)
{
        const char *s;
        int r = yaml_scalar(c, f->value, yaml_field_pos(f, fb), f->key, &s);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = (int) i;
                        return 0;
                }
        return yaml_error(c, yaml_pos_or(f->value, fb), "unknown %s \"%s\" (%s, %s%s%s)", f->key, s, names[0],
                          names[1], n > 2 ? " or " : "", n > 2 ? names[2] : "");
}

static int parse_numvfs(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, int *ret)
{
        const char *s;
        char *end;
        long v;
        int r = yaml_scalar(c, f->value, yaml_field_pos(f, fb), "numvfs", &s);

        if (r < 0)
                return r;
        errno = 0;
        v = strtol(s, &end, 10);
        if (!isdigit((unsigned char) s[0]) || *end || errno || v > 4096)
                return yaml_error(c, yaml_pos_or(f->value, fb), "numvfs \"%s\" is not a count of VFs (0-4096)", s);
        *ret = (int) v;
        return 0;
}

enum { P_NAME, P_MODE, P_NUMA, P_NUMVFS, P_SELECTORS, _P_MAX };

static int parse_pool(struct yaml_ctx *c, struct fy_node *n, struct vf_pool_spec *p)
{
        static const char *const modes[] = { "netdev", "vfio" }, *const numa[] = { "prefer", "require", "ignore" };
        struct yaml_field f[_P_MAX] = {
                [P_NAME] = { .key = "name", .required = true }, [P_MODE] = { .key = "mode" },
                [P_NUMA] = { .key = "numa" }, [P_NUMVFS] = { .key = "numvfs" }, [P_SELECTORS] = { .key = "selectors" },
        };
        struct policy_pos fb = yaml_pos(n);
        const char *name;
        int r, k, v = 0;

        p->numvfs = -1;
        r = yaml_mapping(c, n, fb, "a pool");
        if (r < 0)
                return r;
        r = yaml_fields(c, n, fb, "key", "a pool", f, _P_MAX);
        if (f[P_NAME].value && yaml_scalar(c, f[P_NAME].value, fb, "the pool name", &name) == 0) {
                if (!name_valid(name))
                        r = yaml_worse(r, yaml_error(c, yaml_pos(f[P_NAME].value),
                                                     "pool name \"%s\": 1-63 letters, digits, '_', '.', '-'", name));
                else if (!(p->name = strdup(name)))
                        return -ENOMEM;
        }
        if (f[P_MODE].value) {
                k = keyword(c, &f[P_MODE], fb, modes, 2, &v);
                r = yaml_worse(r, k);
                if (k >= 0)
                        p->mode = (enum vf_pool_mode) v;
        }
        if (f[P_NUMA].value) {
                k = keyword(c, &f[P_NUMA], fb, numa, 3, &v);
                r = yaml_worse(r, k);
                if (k >= 0)
                        p->numa = (enum vf_pool_numa) v;
        }
        if (f[P_NUMVFS].value)
                r = yaml_worse(r, parse_numvfs(c, &f[P_NUMVFS], fb, &p->numvfs));
        if (f[P_SELECTORS].value)
                r = yaml_worse(r, parse_selectors(c, f[P_SELECTORS].value, fb, p));
        return r;
}

static int parse_pools(struct yaml_ctx *c, const struct yaml_field *f, struct daemon_config *cfg)
{
        struct fy_node *item;
        void *iter = NULL;
        int r = 0;

        if (yaml_null(f->value))
                return 0;
        if (yaml_sequence(c, f->value, yaml_pos(f->value), "\"pools\"") < 0)
                return -EINVAL;
        cfg->pools = calloc(yaml_list_len(f->value) + 1, sizeof(*cfg->pools));
        if (!cfg->pools)
                return -ENOMEM;
        while ((item = fy_node_sequence_iterate(f->value, &iter))) {
                struct vf_pool_spec *p = &cfg->pools[cfg->n_pools++];

                r = yaml_worse(r, parse_pool(c, item, p));
                if (r == -ENOMEM)
                        return r;
                if (p->name &&
                    daemon_config_pool(&(struct daemon_config) { .pools = cfg->pools, .n_pools = cfg->n_pools - 1 },
                                       p->name))
                        r = yaml_worse(r, yaml_error(c, yaml_pos(item), "a second pool named \"%s\"", p->name));
        }
        return r;
}

static int parse_root(struct yaml_ctx *c, struct fy_node *root, void *userdata)
{
        struct yaml_field f[] = { { .key = "pools" }, { .key = "limits" } };
        struct daemon_config *cfg = userdata;
        int r;

        if (yaml_null(root))
                return 0;
        r = yaml_mapping(c, root, YAML_NO_POS, "the config");
        if (r < 0)
                return r;
        r = yaml_fields(c, root, YAML_NO_POS, "key", "the config", f, ARRAY_SIZE(f));
        if (f[0].value)
                r = yaml_worse(r, parse_pools(c, &f[0], cfg));
        if (r != -ENOMEM && f[1].key_node)
                r = yaml_worse(r, policy_limits_parse(c, f[1].value, yaml_field_pos(&f[1], YAML_NO_POS), &cfg->limits));
        return r;
}

/* Only blank and comment lines: libfyaml sees no document there, which the
 * YAML helpers report as empty; for the config it is the defaults. */
static bool only_comments(const char *text, size_t len)
{
        bool line_start = true, comment = false;

        for (size_t i = 0; i < len; i++) {
                if (text[i] == '\n')
                        line_start = true, comment = false;
                else if (comment || text[i] == ' ' || text[i] == '\t' || text[i] == '\r')
                        continue;
                else if (line_start && text[i] == '#')
                        comment = true;
                else
                        return false;
        }
        return true;
}

int daemon_config_parse(const char *text, size_t len, const char *file, struct daemon_config *ret,
                        struct policy_diags *diags)
{
        struct yaml_ctx c = { .diags = diags, .file = file };
        struct daemon_config cfg = { 0 };
        int r;

        if (only_comments(text, len)) {
                *ret = cfg;
                return 0;
        }
        r = yaml_load(&c, text, len, "config", "config", parse_root, &cfg);
        if (r >= 0 && diags->n_errors)
                r = -EINVAL;
        yaml_diags_sort(diags, 0);
        if (r < 0) {
                daemon_config_clear(&cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

int daemon_config_load(const char *path, struct daemon_config *ret)
{
        struct policy_diags diags = { 0 };
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_bounded(AT_FDCWD, path, CONFIG_MAX_SIZE, &text, &len);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read the config: %m", path);
        r = daemon_config_parse(text, len, path, ret, &diags);
        for (size_t i = 0; i < diags.n; i++)
                log_internal(diags.v[i].warning ? LOG_LEVEL_WARNING : LOG_LEVEL_ERROR, 0, "%s:%u:%u: %s", path,
                             diags.v[i].pos.line, diags.v[i].pos.col, diags.v[i].msg);
        policy_diags_clear(&diags);
        if (r == -ENOMEM)
                return log_error_errno(r, "%s: cannot parse the config: %m", path);
        return r;
}
