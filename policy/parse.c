/* Policy files: YAML (libfyaml) -> struct policy. Every error is collected with
 * its line:column (never stopping at the first); docs/policy-format.md is the
 * spec. Pure: no I/O besides what libfyaml does in memory, no logging. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/limits.h>

#include <libfyaml.h>
#include <seccomp.h>

#include "common/macro.h"
#include "policy/expr.h"
#include "policy/inject_parse.h"
#include "policy/policy_limits.h"
#include "policy/match.h"
#include "policy/parse.h"
#include "policy/passthrough.h"
#include "policy/schema.h"
#include "policy/yaml.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free);

/* ---- actions ---- */

static bool can_emulate(enum emulator_id e, const char *syscall)
{
        static const struct {
                enum emulator_id e;
                const char *syscall;
        } table[] = {
                { EMULATOR_MKNOD, "mknod" },      { EMULATOR_MKNOD, "mknodat" },   { EMULATOR_MOUNT, "mount" },
                { EMULATOR_MOUNT, "umount2" },    { EMULATOR_XATTR, "setxattr" },  { EMULATOR_XATTR, "lsetxattr" },
                { EMULATOR_XATTR, "fsetxattr" },  { EMULATOR_SYSINFO, "sysinfo" },
                { EMULATOR_BPF, "bpf" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(table); i++)
                if (table[i].e == e && strcmp(table[i].syscall, syscall) == 0)
                        return true;
        return false;
}

/* The param a handler cannot do without, or NULL. */
static const char *required_param(enum emulator_id e)
{
        return e == EMULATOR_MOUNT ? "filesystems" : e == EMULATOR_XATTR ? "names" : NULL;
}

static bool returns_fd(const char *syscall)
{
        static const char *const fd_syscalls[] = { "open", "openat", "openat2", "socket", "memfd_create" };

        for (size_t i = 0; i < ARRAY_SIZE(fd_syscalls); i++)
                if (strcmp(fd_syscalls[i], syscall) == 0)
                        return true;
        return false;
}

/* Can |a| be the verdict for |syscall|? |whose| names the action in the error. */
static int check_action(struct yaml_ctx *c, const struct policy_action *a, const char *syscall, const char *whose)
{
        if (a->kind == VERDICT_EMULATE && a->emulator != EMULATOR_NONE && !can_emulate(a->emulator, syscall))
                return yaml_error(c, a->pos, "%shandler %s cannot emulate %s", whose, emulator_to_string(a->emulator),
                                  syscall);
        if (a->kind == VERDICT_INJECT && a->params.inject.requested)
                return inject_parse_check(c, a, syscall, whose);
        if (a->kind == VERDICT_INJECT && !returns_fd(syscall))
                return yaml_error(c, a->pos, "%sinject on %s, which returns no fd (only open, openat, openat2, socket, "
                                  "memfd_create do)",
                                  whose, syscall);
        return 0;
}

/* What "emulate bpf" without params means. */
static void bpf_params_default(struct bpf_params *bp)
{
        *bp = (struct bpf_params) { .max_insns = 4096, .max_programs = 64, .other_types = EPERM, .no_cgroup2 = EPERM };
}

static int parse_action_words(struct yaml_ctx *c, const char *text, struct policy_action *a)
{
        _cleanup_free_ char *buf = strdup(text);
        char *save = NULL, *verb, *arg, *extra;
        int v;

        if (!buf)
                return -ENOMEM;
        verb = strtok_r(buf, " \t", &save);
        arg = verb ? strtok_r(NULL, " \t", &save) : NULL;
        extra = arg ? strtok_r(NULL, " \t", &save) : NULL;
        if (verb && strcmp(verb, "continue") == 0 && !arg) {
                a->kind = VERDICT_CONTINUE;
                return 0;
        }
        if (verb && strcmp(verb, "errno") == 0 && arg && !extra) {
                v = errno_from_name(arg);
                if (v < 0)
                        return yaml_error(c, a->pos, "unknown errno \"%s\"", arg);
                a->kind = VERDICT_ERRNO;
                a->error = v;
                return 0;
        }
        if (verb && strcmp(verb, "emulate") == 0 && arg && !extra) {
                v = emulator_from_string(arg);
                if (v < 0)
                        return yaml_error(c, a->pos, "unknown handler \"%s\"", arg);
                a->kind = VERDICT_EMULATE;
                a->emulator = (enum emulator_id) v;
                if (a->emulator == EMULATOR_BPF)
                        bpf_params_default(&a->params.bpf);
                if (required_param(a->emulator))
                        return yaml_error(c, a->pos, "emulate %s needs params: {emulate: %s, %s: [...]}", arg, arg,
                                          required_param(a->emulator));
                return 0;
        }
        return yaml_error(c, a->pos, "unknown action \"%s\": expected continue, errno NAME, emulate HANDLER, "
                          "{emulate: HANDLER, ...} or {inject: PATH, ...}",
                          text);
}

/* ---- emulate params ---- */

static bool valid_fstype(const char *s)
{
        return s[0] && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-")] == '\0';
}

/* Appends a copy of |s| to v[*n] (room was made for the whole list). */
static int str_append(char **v, size_t *n, const char *s)
{
        v[*n] = strdup(s);
        if (!v[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

static int fstype_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i _unused_, void *userdata)
{
        struct mount_params *mp = userdata;

        if (!valid_fstype(text))
                return yaml_error(c, pos, "bad filesystem type \"%s\": use [a-z0-9._-]+", text);
        return str_append(mp->fstypes, &mp->n_fstypes, text);
}

/* "MAJ:MIN" (a block device), none (no device: tmpfs, proc, overlay) or an
 * absolute glob on the source path inside the container (bind mounts). */
static int source_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i _unused_, void *userdata)
{
        struct mount_params *mp = userdata;
        struct mount_source *src = &mp->sources[mp->n_sources];
        int r;

        if (strcmp(text, "none") == 0)
                src->kind = MOUNT_SOURCE_NONE;
        else if (text[0] == '/') {
                src->kind = MOUNT_SOURCE_PATH;
                src->glob = strdup(text);
                if (!src->glob)
                        return -ENOMEM;
        } else if (strchr(text, ':')) {
                src->kind = MOUNT_SOURCE_DEVICE;
                r = expr_dev(c, text, pos, &src->dev);
                if (r < 0)
                        return r;
        } else
                return yaml_error(c, pos, "bad source \"%s\": expected \"MAJOR:MINOR\", none or an absolute path glob",
                                  text);
        mp->n_sources++;
        return 0;
}

/* Bits a caller never gets to choose: kernel-internal, or the MS_MGC_VAL magic
 * (0xc0ed0000) that the kernel, and the emulator, strip before looking. */
#define MOUNT_FLAGS_INTERNAL (MS_KERNMOUNT | MS_ACTIVE | MS_NOUSER | ~UINT64_C(0xffffffff))

static int mount_flags(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, uint64_t *ret)
{
        const struct arg_schema *s = schema_arg(schema_lookup("mount"), "flags");
        struct expr_arg fa = { .name = "flags", .width = s->width_mask, .symbols = s->symbols };
        uint64_t v = 0;
        int r = expr_or(c, &fa, f->value, yaml_field_pos(f, fb), &v);

        if (r < 0)
                return r;
        if (v & MOUNT_FLAGS_INTERNAL)
                return yaml_error(c, yaml_field_pos(f, fb), "mount flags 0x%" PRIx64 " are kernel-internal "
                                  "(MS_KERNMOUNT, MS_ACTIVE, MS_NOUSER, MS_MGC_VAL): a caller is never allowed them",
                                  v & MOUNT_FLAGS_INTERNAL);
        *ret = v;
        return 0;
}

static bool has_fstype(const struct mount_params *mp, const char *fstype)
{
        for (size_t i = 0; i < mp->n_fstypes; i++)
                if (strcmp(mp->fstypes[i], fstype) == 0)
                        return true;
        return false;
}

/* fuse: {FSTYPE: /abs/program, ...}; |check| whether FSTYPE must be one of
 * mp->fstypes (skipped when "filesystems" itself had errors). */
static int mount_fuse(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, bool check,
                      struct mount_params *mp)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        struct fy_node_pair *pair;
        void *iter = NULL;
        int r = yaml_mapping(c, f->value, pos, "\"fuse\"");

        if (r < 0)
                return r;
        if (fy_node_mapping_item_count(f->value) <= 0)
                return yaml_error(c, pos, "\"fuse\": empty mapping");
        mp->fuse = calloc((size_t) fy_node_mapping_item_count(f->value), sizeof(*mp->fuse));
        if (!mp->fuse)
                return -ENOMEM;
        while ((pair = fy_node_mapping_iterate(f->value, &iter))) {
                struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
                struct fuse_redirect *fr = &mp->fuse[mp->n_fuse];
                const char *fstype, *program;
                int q = yaml_scalar(c, k, pos, "a filesystem type", &fstype);

                if (q == 0 && !valid_fstype(fstype))
                        q = yaml_error(c, yaml_pos_or(k, pos), "bad filesystem type \"%s\": use [a-z0-9._-]+", fstype);
                else if (q == 0 && check && !has_fstype(mp, fstype))
                        q = yaml_error(c, yaml_pos_or(k, pos), "fuse redirect for \"%s\", which is not in "
                                       "\"filesystems\"", fstype);
                if (q == 0)
                        q = yaml_scalar(c, v, yaml_pos_or(k, pos), "a FUSE program", &program);
                if (q == 0 && program[0] != '/')
                        q = yaml_error(c, yaml_pos_or(v, pos), "FUSE program \"%s\" is not absolute", program);
                if (q == 0) {
                        fr->fstype = strdup(fstype);
                        fr->program = strdup(program);
                        mp->n_fuse++;
                        if (!fr->fstype || !fr->program)
                                return -ENOMEM;
                }
                r = yaml_worse(r, q);
        }
        return r;
}

static int errno_param(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, int *ret)
{
        char what[64];
        const char *s;
        int r, v;

        snprintf(what, sizeof(what), "\"%s\"", f->key);
        r = yaml_scalar(c, f->value, yaml_field_pos(f, fb), what, &s);
        if (r < 0)
                return r;
        v = errno_from_name(s);
        if (v < 0)
                return yaml_error(c, yaml_field_pos(f, fb), "unknown errno \"%s\"", s);
        *ret = v;
        return 0;
}

/* Room for every item of list |n| up front: the item callbacks fill it and
 * count what they filled (n_*), which is what action_free frees. */
static void *list_alloc(struct fy_node *n, size_t size)
{
        size_t count = yaml_list_len(n);

        return calloc(count ? count : 1, size);
}

static int list_each(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, const char *what,
                     const void *array, yaml_item_fn fn, void *userdata)
{
        return array ? yaml_each(c, f->value, yaml_field_pos(f, fb), what, fn, userdata) : -ENOMEM;
}

enum { M_EMULATE, M_FILESYSTEMS, M_SOURCES, M_FLAGS, M_FUSE, M_TIMEOUT, M_TIMEOUT_ERRNO, _M_MAX };

static int parse_mount(struct yaml_ctx *c, struct fy_node *map, const char *where, struct policy_action *a)
{
        struct yaml_field f[_M_MAX] = {
                [M_EMULATE] = { .key = "emulate", .required = true },
                [M_FILESYSTEMS] = { .key = "filesystems", .required = true },
                [M_SOURCES] = { .key = "sources" }, [M_FLAGS] = { .key = "flags" }, [M_FUSE] = { .key = "fuse" },
                [M_TIMEOUT] = { .key = "timeout" }, [M_TIMEOUT_ERRNO] = { .key = "timeout_errno" },
        };
        struct mount_params *mp = &a->params.mount;
        int r, q = -EINVAL;

        mp->timeout_ms = 30000;
        mp->timeout_error = ETIMEDOUT;
        r = yaml_fields(c, map, a->pos, "param", where, f, _M_MAX);
        if (r != -ENOMEM && f[M_FILESYSTEMS].key_node) {
                mp->fstypes = list_alloc(f[M_FILESYSTEMS].value, sizeof(*mp->fstypes));
                q = list_each(c, &f[M_FILESYSTEMS], a->pos, "a filesystem type", mp->fstypes, fstype_item, mp);
                r = yaml_worse(r, q);
        }
        if (r != -ENOMEM && f[M_SOURCES].key_node) {
                mp->sources = list_alloc(f[M_SOURCES].value, sizeof(*mp->sources));
                r = yaml_worse(r, list_each(c, &f[M_SOURCES], a->pos, "a mount source", mp->sources, source_item, mp));
        }
        if (r != -ENOMEM && f[M_FLAGS].key_node)
                r = yaml_worse(r, mount_flags(c, &f[M_FLAGS], a->pos, &mp->flags));
        if (r != -ENOMEM && f[M_FUSE].key_node)
                r = yaml_worse(r, mount_fuse(c, &f[M_FUSE], a->pos, q == 0, mp));
        if (r != -ENOMEM && f[M_TIMEOUT].key_node)
                r = yaml_worse(r, expr_duration_ms(c, f[M_TIMEOUT].value, yaml_field_pos(&f[M_TIMEOUT], a->pos),
                                                   "\"timeout\"", 600 * 1000, &mp->timeout_ms));
        if (r != -ENOMEM && f[M_TIMEOUT_ERRNO].key_node)
                r = yaml_worse(r, errno_param(c, &f[M_TIMEOUT_ERRNO], a->pos, &mp->timeout_error));
        return r;
}

/* An errno name, or "continue" (0). */
static int errno_or_continue(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, int *ret)
{
        const char *s;

        if (yaml_scalar(c, f->value, yaml_field_pos(f, fb), "\"other_types\"", &s) == 0 && strcmp(s, "continue") == 0) {
                *ret = 0;
                return 0;
        }
        return errno_param(c, f, fb, ret);
}

static int uint_param(struct yaml_ctx *c, const struct yaml_field *f, struct policy_pos fb, uint32_t max,
                      uint32_t *ret)
{
        struct expr_arg ea = { .name = f->key, .width = UINT32_MAX, .no_negative = true };
        uint64_t v;
        int r = expr_one(c, &ea, f->value, yaml_field_pos(f, fb), &v);

        if (r < 0)
                return r;
        if (v < 1 || v > max)
                return yaml_error(c, yaml_field_pos(f, fb), "\"%s\" must be 1..%" PRIu32 ", not %" PRIu64, f->key,
                                  max, v);
        *ret = (uint32_t) v;
        return 0;
}

enum { B_EMULATE, B_MAX_INSNS, B_MAX_PROGRAMS, B_ATTACH_ROOT, B_OTHER_TYPES, B_NO_CGROUP2, _B_MAX };

/* The kernel's own ceilings: BPF_COMPLEXITY_LIMIT_INSNS, BPF_CGROUP_MAX_PROGS per cgroup. */
#define BPF_INSNS_CEILING 1000000
#define BPF_PROGRAMS_CEILING 4096

static int parse_bpf(struct yaml_ctx *c, struct fy_node *map, const char *where, struct policy_action *a)
{
        struct yaml_field f[_B_MAX] = {
                [B_EMULATE] = { .key = "emulate", .required = true },
                [B_MAX_INSNS] = { .key = "max_insns" }, [B_MAX_PROGRAMS] = { .key = "max_programs" },
                [B_ATTACH_ROOT] = { .key = "attach_root" }, [B_OTHER_TYPES] = { .key = "other_types" },
                [B_NO_CGROUP2] = { .key = "no_cgroup2" },
        };
        struct bpf_params *bp = &a->params.bpf;
        int r;

        bpf_params_default(bp);
        r = yaml_fields(c, map, a->pos, "param", where, f, _B_MAX);
        if (r != -ENOMEM && f[B_MAX_INSNS].key_node)
                r = yaml_worse(r, uint_param(c, &f[B_MAX_INSNS], a->pos, BPF_INSNS_CEILING, &bp->max_insns));
        if (r != -ENOMEM && f[B_MAX_PROGRAMS].key_node)
                r = yaml_worse(r, uint_param(c, &f[B_MAX_PROGRAMS], a->pos, BPF_PROGRAMS_CEILING, &bp->max_programs));
        if (r != -ENOMEM && f[B_ATTACH_ROOT].key_node)
                r = yaml_worse(r, yaml_bool(c, f[B_ATTACH_ROOT].value, yaml_field_pos(&f[B_ATTACH_ROOT], a->pos),
                                            "\"attach_root\"", &bp->attach_root));
        if (r != -ENOMEM && f[B_OTHER_TYPES].key_node)
                r = yaml_worse(r, errno_or_continue(c, &f[B_OTHER_TYPES], a->pos, &bp->other_types));
        if (r != -ENOMEM && f[B_NO_CGROUP2].key_node)
                r = yaml_worse(r, errno_param(c, &f[B_NO_CGROUP2], a->pos, &bp->no_cgroup2));
        return r;
}

/* Only trusted.* is emulated: the kernel decides user.* and security.* itself,
 * and a container may set those it is allowed to without seccompd. */
static int xattr_item(struct yaml_ctx *c, const char *text, struct policy_pos pos, size_t i _unused_, void *userdata)
{
        struct xattr_params *xp = userdata;

        if (strncmp(text, "trusted.", 8) != 0)
                return yaml_error(c, pos, "bad xattr name \"%s\": only trusted.* names are emulated (the kernel "
                                  "handles the other namespaces itself)", text);
        if (strlen(text) > XATTR_NAME_MAX)
                return yaml_error(c, pos, "xattr name \"%.32s...\" is longer than %d bytes", text, XATTR_NAME_MAX);
        return str_append(xp->names, &xp->n_names, text);
}

/* {emulate: HANDLER, PARAM: VALUE...} */
static int parse_emulate(struct yaml_ctx *c, struct fy_node *map, struct policy_action *a)
{
        struct yaml_field f[2] = { { .key = "emulate", .required = true }, { .key = "devices" } };
        struct fy_node *h = fy_node_mapping_lookup_by_string(map, "emulate", FY_NT);
        const char *name;
        char where[64];
        int r = yaml_scalar(c, h, a->pos, "the handler", &name), e;

        if (r < 0)
                return r;
        e = emulator_from_string(name);
        if (e < 0)
                return yaml_error(c, yaml_pos_or(h, a->pos), "unknown handler \"%s\"", name);
        a->kind = VERDICT_EMULATE;
        a->emulator = (enum emulator_id) e;
        snprintf(where, sizeof(where), "emulate %s", name);
        switch (a->emulator) {
        case EMULATOR_MOUNT:
                return parse_mount(c, map, where, a);
        case EMULATOR_BPF:
                return parse_bpf(c, map, where, a);
        case EMULATOR_XATTR:
                f[1] = (struct yaml_field) { .key = "names", .required = true };
                r = yaml_fields(c, map, a->pos, "param", where, f, 2);
                if (r != -ENOMEM && f[1].key_node) {
                        a->params.xattr.names = list_alloc(f[1].value, sizeof(char *));
                        r = yaml_worse(r, list_each(c, &f[1], a->pos, "an xattr name", a->params.xattr.names,
                                                    xattr_item, &a->params.xattr));
                }
                return r;
        case EMULATOR_MKNOD:
                r = yaml_fields(c, map, a->pos, "param", where, f, 2);
                if (r != -ENOMEM && f[1].key_node)
                        r = yaml_worse(r, expr_devs(c, f[1].value, yaml_field_pos(&f[1], a->pos), "\"devices\"",
                                                    &a->params.mknod.devices, &a->params.mknod.n_devices));
                return r;
        default:
                return yaml_fields(c, map, a->pos, "param", where, f, 1);
        }
}

static int parse_action(struct yaml_ctx *c, struct fy_node *n, struct policy_pos fb, struct policy_action *a)
{
        bool emulate, inject;
        const char *s;
        int r;

        a->pos = yaml_pos_or(n, fb);
        if (!n || !fy_node_is_mapping(n)) {
                r = yaml_scalar(c, n, fb, "an action", &s);
                return r < 0 ? r : parse_action_words(c, s, a);
        }
        emulate = fy_node_mapping_lookup_key_by_string(n, "emulate", FY_NT) != NULL;
        inject = fy_node_mapping_lookup_key_by_string(n, "inject", FY_NT) != NULL;
        if (emulate && inject)
                return yaml_error(c, a->pos, "an action either emulates or injects, not both");
        if (emulate)
                return parse_emulate(c, n, a);
        if (inject)
                return inject_parse(c, n, a);
        return yaml_error(c, a->pos, "an action mapping needs \"emulate\" or \"inject\"");
}

/* ---- reachability: is every call rule r matches matched by an earlier q? ---- */

static bool names_syscall(const struct policy_rule *rule, const char *syscall)
{
        for (size_t i = 0; i < rule->n_syscalls; i++)
                if (strcmp(rule->syscalls[i], syscall) == 0)
                        return true;
        return false;
}

static bool rule_covers(const struct policy_rule *q, const struct policy_rule *r)
{
        for (size_t i = 0; i < r->n_syscalls; i++)
                if (!names_syscall(q, r->syscalls[i]))
                        return false;
        for (size_t i = 0; i < q->n_matches; i++) {
                bool implied = false;

                for (size_t j = 0; j < r->n_matches && !implied; j++)
                        implied = match_implies(&r->matches[j], &q->matches[i]);
                if (!implied)
                        return false;
        }
        return true;
}

static void rule_label(const struct policy_rule *rule, size_t i, char *buf, size_t size)
{
        if (rule->name)
                snprintf(buf, size, "rule %zu \"%s\"", i + 1, rule->name);
        else
                snprintf(buf, size, "rule %zu", i + 1);
}

/* Only rules without errors (|ok|) take part: a half-parsed rule proves nothing. */
static int check_reachable(struct yaml_ctx *c, const struct policy *p, const bool *ok)
{
        int r = 0;

        for (size_t i = 0; i < p->n_rules; i++)
                for (size_t j = 0; ok[i] && j < i; j++) {
                        char ri[96], rj[96];

                        if (!ok[j] || !rule_covers(&p->rules[j], &p->rules[i]))
                                continue;
                        rule_label(&p->rules[i], i, ri, sizeof(ri));
                        rule_label(&p->rules[j], j, rj, sizeof(rj));
                        r = yaml_worse(r, yaml_error(c, p->rules[i].pos,
                                                     "%s is unreachable: %s (line %u) matches everything it does", ri,
                                                     rj, p->rules[j].pos.line));
                        if (r == -ENOMEM)
                                return r;
                        break;
                }
        return r;
}

/* ---- rules ---- */

struct syscalls_ud {
        struct policy_rule *rule;
        size_t index;
};

static int syscall_item(struct yaml_ctx *c, const char *name, struct policy_pos pos, size_t i _unused_, void *userdata)
{
        struct syscalls_ud *ud = userdata;
        struct policy_rule *rule = ud->rule;
        char label[96];
        int r;

        rule_label(rule, ud->index, label, sizeof(label));
        /* Names libseccomp knows but this arch lacks (mknod on arm64) resolve to a
         * negative pseudo number: accepted, so one policy serves every arch. */
        if (seccomp_syscall_resolve_name_arch(c->arch, name) == __NR_SCMP_ERROR)
                return yaml_error(c, pos, "unknown syscall \"%s\" for this architecture", name);
        if (names_syscall(rule, name))
                return yaml_warn(c, pos, "syscall %s is listed twice in %s", name, label);
        if (schema_runtime_syscall(name)) {
                r = yaml_warn(c, pos, "%s traps %s, which runtimes call between loading the filter and exec: "
                              "this can deadlock the runtime", label, name);
                if (r < 0)
                        return r;
        }
        rule->syscalls[rule->n_syscalls] = strdup(name);
        if (!rule->syscalls[rule->n_syscalls])
                return -ENOMEM;
        rule->n_syscalls++;
        return 0;
}

static int parse_syscalls(struct yaml_ctx *c, struct policy_rule *rule, size_t index, const struct yaml_field *f,
                          struct policy_pos fb)
{
        struct syscalls_ud ud = { rule, index };
        size_t count = yaml_list_len(f->value);

        rule->syscalls = calloc(count ? count : 1, sizeof(*rule->syscalls));
        if (!rule->syscalls)
                return -ENOMEM;
        return yaml_each(c, f->value, yaml_field_pos(f, fb), "a syscall name", syscall_item, &ud);
}

enum { R_NAME, R_SYSCALLS, R_MATCH, R_ACTION, _R_MAX };

static int parse_rule(struct yaml_ctx *c, struct fy_node *n, size_t index, struct policy_pos fb,
                      struct policy_rule *rule)
{
        struct yaml_field f[_R_MAX] = {
                [R_NAME] = { .key = "name" }, [R_SYSCALLS] = { .key = "syscalls", .required = true },
                [R_MATCH] = { .key = "match" }, [R_ACTION] = { .key = "action", .required = true },
        };
        char where[32];
        const char *name;
        int r = yaml_mapping(c, n, fb, "a rule");

        rule->pos = yaml_pos_or(n, fb);
        if (r < 0)
                return r;
        snprintf(where, sizeof(where), "rule %zu", index + 1);
        r = yaml_fields(c, n, fb, "key", where, f, _R_MAX);
        if (r != -ENOMEM && f[R_NAME].key_node) {
                int q = yaml_scalar(c, f[R_NAME].value, yaml_field_pos(&f[R_NAME], fb), "\"name\"", &name);

                if (q == 0 && !(rule->name = strdup(name)))
                        return -ENOMEM;
                r = yaml_worse(r, q);
        }
        if (r != -ENOMEM && f[R_SYSCALLS].key_node)
                r = yaml_worse(r, parse_syscalls(c, rule, index, &f[R_SYSCALLS], fb));
        if (r != -ENOMEM && f[R_MATCH].key_node)
                r = yaml_worse(r, match_parse(c, rule, f[R_MATCH].value, yaml_field_pos(&f[R_MATCH], fb)));
        if (r != -ENOMEM && f[R_ACTION].key_node) {
                int q = parse_action(c, f[R_ACTION].value, yaml_field_pos(&f[R_ACTION], fb), &rule->action);

                for (size_t i = 0; q == 0 && i < rule->n_syscalls; i++)
                        q = check_action(c, &rule->action, rule->syscalls[i], "");
                r = yaml_worse(r, q);
        }
        return r;
}

static int parse_rules(struct yaml_ctx *c, struct policy *p, const struct yaml_field *f, struct policy_pos fb)
{
        _cleanup_free_ bool *ok = NULL;
        struct fy_node *item;
        void *iter = NULL;
        int r = 0;

        if (yaml_null(f->value))
                return 0;
        if (yaml_sequence(c, f->value, yaml_field_pos(f, fb), "\"rules\"") < 0)
                return -EINVAL;
        p->rules = calloc(yaml_list_len(f->value) + 1, sizeof(*p->rules));
        ok = calloc(yaml_list_len(f->value) + 1, sizeof(*ok));
        if (!p->rules || !ok)
                return -ENOMEM;
        p->n_rules = yaml_list_len(f->value);
        for (size_t i = 0; (item = fy_node_sequence_iterate(f->value, &iter)); i++) {
                int q = parse_rule(c, item, i, yaml_field_pos(f, fb), &p->rules[i]);

                ok[i] = q == 0;
                r = yaml_worse(r, q);
                if (r == -ENOMEM)
                        return r;
        }
        return yaml_worse(r, check_reachable(c, p, ok));
}

/* ---- the document ---- */

static bool valid_name(const char *s)
{
        static const char first[] = "abcdefghijklmnopqrstuvwxyz0123456789";

        return s[0] && strchr(first, s[0]) && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-")] == '\0';
}

static int parse_name(struct yaml_ctx *c, struct policy *p, const struct yaml_field *f, struct policy_pos fb)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *name, *base;
        size_t len;
        int r = yaml_scalar(c, f->value, pos, "\"name\"", &name);

        if (r < 0)
                return r;
        if (!valid_name(name))
                return yaml_error(c, pos, "bad policy name \"%s\": use [a-z0-9][a-z0-9._-]*", name);
        p->name = strdup(name);
        if (!p->name)
                return -ENOMEM;
        if (!c->file)
                return 0;
        base = strrchr(c->file, '/');
        base = base ? base + 1 : c->file;
        len = strlen(base);
        if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
                len -= 5;
        else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
                len -= 4;
        if (strlen(name) == len && strncmp(name, base, len) == 0)
                return 0;
        return yaml_warn(c, pos, "policy name \"%s\" differs from the file's basename \"%.*s\"", name, (int) len, base);
}

static int parse_description(struct yaml_ctx *c, struct policy *p, const struct yaml_field *f, struct policy_pos fb)
{
        const char *s;
        int r = yaml_scalar(c, f->value, yaml_field_pos(f, fb), "\"description\"", &s);

        if (r < 0)
                return r;
        if (s[0] == '\0' || strchr(s, '\n'))
                return yaml_error(c, yaml_field_pos(f, fb), "\"description\" must be one non-empty line");
        p->description = strdup(s);
        return p->description ? 0 : -ENOMEM;
}

/* The default answers every trapped syscall, so it must suit each of them. */
static int parse_default(struct yaml_ctx *c, struct policy *p, const struct yaml_field *f, struct policy_pos fb)
{
        int r = parse_action(c, f->value, yaml_field_pos(f, fb), &p->dflt);

        for (size_t i = 0; r == 0 && i < p->n_rules; i++)
                for (size_t k = 0; r == 0 && k < p->rules[i].n_syscalls; k++)
                        r = check_action(c, &p->dflt, p->rules[i].syscalls[k], "default: ");
        return r;
}

/* on_restart: rerun | errno NAME (docs/survival.md). */
static int parse_on_restart(struct yaml_ctx *c, struct policy *p, const struct yaml_field *f, struct policy_pos fb)
{
        struct policy_pos pos = yaml_field_pos(f, fb);
        const char *s;
        int r = yaml_scalar(c, f->value, pos, "\"on_restart\"", &s), v;

        if (r < 0)
                return r;
        if (strcmp(s, "rerun") == 0) {
                p->restart_rerun = true;
                return 0;
        }
        if (strncmp(s, "errno ", 6) != 0)
                return yaml_error(c, pos, "\"on_restart\" must be \"rerun\" or \"errno NAME\", not \"%s\"", s);
        v = errno_from_name(s + 6);
        if (v < 0)
                return yaml_error(c, pos, "unknown errno \"%s\"", s + 6);
        p->restart_errno = v;
        return 0;
}

enum { P_NAME, P_DESCRIPTION, P_DEFAULT, P_RULES, P_PASSTHROUGH, P_LIMITS, P_ON_RESTART, _P_MAX };

static int parse_root(struct yaml_ctx *c, struct fy_node *root, struct policy *p)
{
        struct yaml_field f[_P_MAX] = {
                [P_NAME] = { .key = "name", .required = true },
                [P_DESCRIPTION] = { .key = "description", .required = true },
                [P_DEFAULT] = { .key = "default", .required = true },
                [P_RULES] = { .key = "rules", .required = true },
                [P_PASSTHROUGH] = { .key = "passthrough" },
                [P_LIMITS] = { .key = "limits" },
                [P_ON_RESTART] = { .key = "on_restart" },
        };
        const struct policy_pos top = { 1, 1 };
        int r = yaml_mapping(c, root, top, "a policy");

        if (r < 0)
                return r;
        r = yaml_fields(c, root, top, "key", "the policy", f, _P_MAX);
        if (r != -ENOMEM && f[P_NAME].key_node)
                r = yaml_worse(r, parse_name(c, p, &f[P_NAME], top));
        if (r != -ENOMEM && f[P_DESCRIPTION].key_node)
                r = yaml_worse(r, parse_description(c, p, &f[P_DESCRIPTION], top));
        if (r != -ENOMEM && f[P_RULES].key_node)
                r = yaml_worse(r, parse_rules(c, p, &f[P_RULES], top));
        if (r != -ENOMEM && f[P_DEFAULT].key_node)
                r = yaml_worse(r, parse_default(c, p, &f[P_DEFAULT], top));
        if (r != -ENOMEM && f[P_PASSTHROUGH].key_node)
                r = yaml_worse(r, passthrough_parse_section(c, &f[P_PASSTHROUGH], top, &p->passthrough));
        if (r != -ENOMEM && f[P_LIMITS].key_node)
                r = yaml_worse(r, policy_limits_parse(c, f[P_LIMITS].value, yaml_field_pos(&f[P_LIMITS], top),
                                                      &p->limits));
        if (r != -ENOMEM && f[P_ON_RESTART].key_node)
                r = yaml_worse(r, parse_on_restart(c, p, &f[P_ON_RESTART], top));
        return r;
}

static int load_root(struct yaml_ctx *c, struct fy_node *root, void *userdata)
{
        return parse_root(c, root, userdata);
}

int policy_parse(const char *text, size_t len, const char *file, uint32_t arch, struct policy **ret,
                 struct policy_diags *diags)
{
        _cleanup_(policy_freep) struct policy *p = NULL;
        struct policy_diags local = { 0 };
        struct yaml_ctx c = { .diags = diags ? diags : &local, .file = file, .arch = arch };
        size_t from = c.diags->n, errors = c.diags->n_errors;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->restart_errno = EINTR;
        r = yaml_load(&c, text, len, "policy", "policy file", load_root, p);
        yaml_diags_sort(c.diags, from);
        if (r != -ENOMEM && c.diags->n_errors > errors)
                r = -EINVAL;
        policy_diags_clear(&local);
        if (r < 0)
                return r;
        r = policy_index(p);
        if (r < 0)
                return r;
        p->file = strdup(file ? file : "<policy>");
        if (!p->file)
                return -ENOMEM;
        *ret = TAKE_PTR(p);
        return 0;
}
