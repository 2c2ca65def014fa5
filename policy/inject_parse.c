/* The inject action's params in policy files (internal to policy/): a fixed
 * host path with its flags, or `inject: requested` with where the caller's path
 * is opened and which of its flags are cleared. docs/policy-format.md, Actions. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/expr.h"
#include "policy/inject_parse.h"
#include "policy/schema.h"

enum { I_INJECT, I_FLAGS, I_CLOEXEC, I_ROOT, I_FORBID, _I_MAX };

/* A param of the other form of inject: an error at its key. */
static int misplaced(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, const char *why)
{
        if (!f->key_node)
                return 0;
        return yaml_error(c, yaml_pos_or(f->key_node, fb), "\"%s\" %s", f->key, why);
}

/* {inject: PATH, flags: O_RDWR|..., cloexec: BOOL} */
static int fixed_params(struct yaml_ctx *c, const struct yaml_field *f, const char *path, struct policy_action *a)
{
        struct expr_arg fa = { .name = "flags", .width = UINT32_MAX, .symbols = symbols_open_flags() };
        struct inject_params *ip = &a->params.inject;
        uint64_t v = 0;
        bool cloexec = false;
        int r = 0;

        if (path[0] != '/')
                r = yaml_error(c, yaml_field_pos(&f[I_INJECT], a->pos), "inject path \"%s\" is not absolute", path);
        else {
                a->kind = VERDICT_INJECT;
                ip->path = strdup(path);
                if (!ip->path)
                        return -ENOMEM;
        }
        r = yaml_worse(r, misplaced(c, &f[I_ROOT], a->pos, "is for inject requested: a fixed inject path is a host path"));
        r = yaml_worse(r, misplaced(c, &f[I_FORBID], a->pos, "is for inject requested: a fixed inject sets \"flags\""));
        if (f[I_FLAGS].key_node && r != -ENOMEM)
                r = yaml_worse(r, expr_or(c, &fa, f[I_FLAGS].value, yaml_field_pos(&f[I_FLAGS], a->pos), &v));
        if (f[I_CLOEXEC].key_node && r != -ENOMEM)
                r = yaml_worse(r, yaml_bool(c, f[I_CLOEXEC].value, yaml_field_pos(&f[I_CLOEXEC], a->pos),
                                            "\"cloexec\"", &cloexec));
        ip->open_flags = (int) (uint32_t) v;
        ip->fd_flags = cloexec ? O_CLOEXEC : 0;
        return r;
}

static int root_param(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, enum inject_root *ret)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *s;
        int r = yaml_scalar(c, f->value, pos, "\"root\"", &s);

        if (r < 0)
                return r;
        if (strcmp(s, "host") == 0)
                *ret = INJECT_ROOT_HOST;
        else if (strcmp(s, "container") == 0)
                *ret = INJECT_ROOT_CONTAINER;
        else
                return yaml_error(c, pos, "bad root \"%s\": expected host or container", s);
        return 0;
}

/* O_* names or numbers, OR-ed or a list, like mount's flags. */
static int forbid_param(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, int *ret)
{
        struct expr_arg fa = { .name = "forbid", .width = UINT32_MAX, .symbols = symbols_open_flags() };
        struct policy_pos pos = yaml_field_pos(f, fb);
        uint64_t v = 0;
        int r = expr_or(c, &fa, f->value, pos, &v);

        if (r < 0)
                return r;
        /* The caller's O_CLOEXEC is a flag of its fd table, which ADDFD sets; the
         * file is always opened close-on-exec on seccompd's side. */
        if (v & O_CLOEXEC)
                return yaml_error(c, pos, "\"forbid\" cannot hold O_CLOEXEC: the caller's O_CLOEXEC decides "
                                  "only whether its new fd is close-on-exec");
        *ret = (int) (uint32_t) v;
        return 0;
}

/* {inject: requested, root: host|container, forbid: [O_TRUNC, ...]} */
static int requested_params(struct yaml_ctx *c, const struct yaml_field *f, struct policy_action *a)
{
        struct inject_params *ip = &a->params.inject;
        int r;

        a->kind = VERDICT_INJECT;
        ip->requested = true;
        r = misplaced(c, &f[I_FLAGS], a->pos, "cannot be set with inject requested: the caller's flags are used, "
                      "less \"forbid\"");
        r = yaml_worse(r, misplaced(c, &f[I_CLOEXEC], a->pos, "cannot be set with inject requested: the caller's "
                                    "O_CLOEXEC decides"));
        if (f[I_ROOT].key_node && r != -ENOMEM)
                r = yaml_worse(r, root_param(c, &f[I_ROOT], a->pos, &ip->root));
        if (f[I_FORBID].key_node && r != -ENOMEM)
                r = yaml_worse(r, forbid_param(c, &f[I_FORBID], a->pos, &ip->forbid));
        return r;
}

int inject_parse(struct yaml_ctx *c, struct fy_node *map, struct policy_action *a)
{
        struct yaml_field f[_I_MAX] = {
                [I_INJECT] = { .key = "inject", .required = true }, [I_FLAGS] = { .key = "flags" },
                [I_CLOEXEC] = { .key = "cloexec" }, [I_ROOT] = { .key = "root" }, [I_FORBID] = { .key = "forbid" },
        };
        const char *path;
        int r = yaml_fields(c, map, a->pos, "param", "inject", f, _I_MAX), q;

        if (r == -ENOMEM || !f[I_INJECT].key_node)
                return r;
        q = yaml_scalar(c, f[I_INJECT].value, yaml_field_pos(&f[I_INJECT], a->pos), "the inject path", &path);
        if (q < 0)
                return yaml_worse(r, q);
        if (strcmp(path, "requested") == 0)
                return yaml_worse(r, requested_params(c, f, a));
        return yaml_worse(r, fixed_params(c, f, path, a));
}

int inject_parse_check(struct yaml_ctx *c, const struct policy_action *a, const char *syscall, const char *whose)
{
        if (strcmp(syscall, "open") == 0 || strcmp(syscall, "openat") == 0)
                return 0;
        if (strcmp(syscall, "openat2") == 0)
                return yaml_error(c, a->pos, "%sinject requested needs open or openat (openat2's flags are in a "
                                  "struct seccompd does not read)", whose);
        return yaml_error(c, a->pos, "%sinject requested needs open or openat, not %s", whose, syscall);
}
