/* overlayfs's options for the emulated mount(2): the parser (the kernel's
 * fs/overlayfs/params.c rules, checked against 6.18), the daemon's layer
 * resolution and the helper's fsconfig() calls. Does not log.
 *
 * Why the allowlist: the helper mounts with host credentials, so overlayfs
 * trusts trusted.overlay.* on the layers, and the container sets those itself
 * (emulated setxattr). Following a redirect or a metacopy origin would then
 * open whatever lower file the container names, past the permissions of the
 * directories on the way; the kernel forbids both with userxattr for the same
 * reason, and seccompd always mounts with redirect_dir=nofollow,metacopy=off.
 * Layers are opened with seccompd's rights: each must be a directory whose
 * owner and group have ids in the caller's user namespace (as for emulated
 * setxattr), so a container reaches only its own directories that way. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "emulators/mount_overlay.h"
#include "emulators/resolve.h"

#define KEY_LOWER_ADD "lowerdir+"
#define KEY_UPPER "upperdir"
#define KEY_WORK "workdir"

/* An option passed on. A flag takes no value; an enum takes one of values. */
struct option_rule {
        const char *key;
        bool flag;
        const char *values[5];  /* allowed */
        const char *refused[3]; /* the kernel takes them, seccompd does not: EPERM */
        const char *forced;     /* passed whatever the caller said, or NULL */
};

static const struct option_rule rules[] = {
        { "redirect_dir", false, { "nofollow", "off" }, { "on", "follow" }, "nofollow" },
        { "metacopy", false, { "off" }, { "on" }, "off" },
        { "verity", false, { "off" }, { "on", "require" }, NULL },
        { "index", false, { "on", "off" }, { NULL }, NULL },
        { "nfs_export", false, { "on", "off" }, { NULL }, NULL },
        { "xino", false, { "on", "off", "auto" }, { NULL }, NULL },
        { "uuid", false, { "on", "off", "null", "auto" }, { NULL }, NULL },
        { "fsync", false, { "volatile", "auto", "strict" }, { NULL }, NULL },
        { "userxattr", true, { NULL }, { NULL }, NULL },
        { "volatile", true, { NULL }, { NULL }, NULL },
        { "default_permissions", true, { NULL }, { NULL }, NULL },
};

/* Keys the kernel takes that seccompd refuses whatever their value: data-only
 * layers (they need metacopy); whose credentials overlayfs uses (6.15+: the
 * helper's, always); superblock flags, which belong in mount(2)'s flags where
 * the policy checks them. */
static const char *const refused_keys[] = {
        "datadir+", "override_creds", "nooverride_creds", "ro", "rw", "sync", "async",
        "dirsync", "lazytime", "nolazytime", "mand", "nomand",
};

struct parse_state {
        struct mount_overlay_opts *o;
        const char *chosen[ARRAY_SIZE(rules)]; /* value, "" for a flag, NULL unset */
        bool lowerdir_set;                     /* a non-empty lowerdir=: lowerdir+ is refused */
        bool refused;                          /* EPERM once the whole string parsed */
};

/* The entry of |list| equal to |s|, or NULL. */
static const char *find(const char *const *list, size_t n, const char *s)
{
        for (size_t i = 0; i < n && list[i]; i++)
                if (strcmp(list[i], s) == 0)
                        return list[i];
        return NULL;
}

/* ovl_next_opt(): the next option, cut at an unescaped ','; NULL at the end. */
static char *next_opt(char **s)
{
        char *begin = *s;

        if (!begin)
                return NULL;
        for (char *p = begin; *p; p++) {
                if (*p == '\\') {
                        if (*++p == '\0')
                                break;
                } else if (*p == ',') {
                        *p = '\0';
                        *s = p + 1;
                        return begin;
                }
        }
        *s = NULL;
        return begin;
}

/* ovl_unescape(): every "\" makes the next byte literal; a final "\" goes. */
static void unescape(char *s)
{
        char *d = s;

        for (;; s++, d++) {
                if (*s == '\\')
                        s++;
                *d = *s;
                if (*s == '\0')
                        break;
        }
}

static int add_lower(struct parse_state *st, const char *path)
{
        if (path[0] == '\0')
                return -EINVAL;
        if (st->o->n_lower >= MOUNT_OVERLAY_MAX_LOWER)
                return -EINVAL;
        st->o->lower[st->o->n_lower++] = path;
        return 0;
}

/* lowerdir=: layers separated by unescaped ':', "::" before data-only layers
 * (refused), no leading, trailing or ":::" runs. Replaces the lower layers. */
static int parse_lowerdir(struct parse_state *st, char *value)
{
        bool data_layers = false;
        char *start = value;
        int r;

        st->o->n_lower = 0;
        st->lowerdir_set = value[0] != '\0';
        if (value[0] == '\0')
                return 0;
        if (value[0] == ':')
                return -EINVAL;
        for (char *p = value;; p++) {
                size_t colons;

                if (*p == '\\') {
                        if (*++p == '\0')
                                break;
                        continue;
                }
                if (*p == '\0')
                        break;
                if (*p != ':')
                        continue;
                colons = strspn(p, ":");
                if (colons > 2 || p[colons] == '\0')
                        return -EINVAL;
                data_layers |= colons == 2;
                memset(p, '\0', colons);
                unescape(start);
                r = add_lower(st, start);
                if (r < 0)
                        return r;
                p += colons - 1;
                start = p + 1;
        }
        unescape(start);
        r = add_lower(st, start);
        if (r < 0)
                return r;
        st->refused |= data_layers;
        return 0;
}

/* upperdir=, workdir=: one path, unescaped; the last one given counts. */
static int parse_dir(char *value, const char **ret)
{
        unescape(value);
        if (value[0] == '\0')
                return -EINVAL;
        *ret = value;
        return 0;
}

static int parse_rule(struct parse_state *st, size_t i, const char *value)
{
        const struct option_rule *rule = &rules[i];

        if (rule->flag) {
                if (value)
                        return -EINVAL;
                st->chosen[i] = "";
                return 0;
        }
        if (!value)
                return -EINVAL;
        if (find(rule->refused, ARRAY_SIZE(rule->refused), value)) {
                st->refused = true;
                return 0;
        }
        /* Our copy of the value: nothing the caller wrote reaches the helper. */
        st->chosen[i] = find(rule->values, ARRAY_SIZE(rule->values), value);
        return st->chosen[i] ? 0 : -EINVAL;
}

/* One option: key, and value (NULL when there was no '='). */
static int parse_option(struct parse_state *st, const char *key, char *value)
{
        if (strcmp(key, "lowerdir") == 0)
                return value ? parse_lowerdir(st, value) : -EINVAL;
        if (strcmp(key, KEY_LOWER_ADD) == 0) {
                /* 6.8+: the path as written, after no lowerdir=. */
                if (!value || st->lowerdir_set)
                        return -EINVAL;
                return add_lower(st, value);
        }
        if (strcmp(key, KEY_UPPER) == 0)
                return value ? parse_dir(value, &st->o->upper) : -EINVAL;
        if (strcmp(key, KEY_WORK) == 0)
                return value ? parse_dir(value, &st->o->work) : -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
                if (strcmp(key, rules[i].key) == 0)
                        return parse_rule(st, i, value);
        if (find(refused_keys, ARRAY_SIZE(refused_keys), key)) {
                st->refused = true;
                return 0;
        }
        return -EINVAL;
}

/* Appends ",item" (no comma first) to buf; -EINVAL if it does not fit. */
static int append(char *buf, size_t size, const char *key, const char *value)
{
        size_t n = strlen(buf);
        int w = snprintf(buf + n, size - n, "%s%s%s%s", n ? "," : "", key, value && value[0] ? "=" : "",
                         value ? value : "");

        return w < 0 || (size_t) w >= size - n ? -EINVAL : 0;
}

static int build_helper_data(struct parse_state *st)
{
        struct mount_overlay_opts *o = st->o;
        size_t size = sizeof(o->helper_data);
        int r = 0;

        o->helper_data[0] = '\0';
        for (size_t i = 0; i < o->n_lower && r == 0; i++)
                r = append(o->helper_data, size, KEY_LOWER_ADD, NULL);
        if (r == 0 && o->upper)
                r = append(o->helper_data, size, KEY_UPPER, NULL);
        if (r == 0 && o->work)
                r = append(o->helper_data, size, KEY_WORK, NULL);
        for (size_t i = 0; i < ARRAY_SIZE(rules) && r == 0; i++) {
                const char *v = rules[i].forced ? rules[i].forced : st->chosen[i];

                if (v)
                        r = append(o->helper_data, size, rules[i].key, v);
        }
        return r;
}

int mount_overlay_parse(const char *data, struct mount_overlay_opts *o)
{
        struct parse_state st = { .o = o };
        char *rest = o->buf, *item;
        int r;

        if (strlen(data) >= sizeof(o->buf))
                return -EINVAL;
        strcpy(o->buf, data);
        o->n_lower = 0;
        o->upper = o->work = NULL;
        o->helper_data[0] = '\0';
        while ((item = next_opt(&rest))) {
                char *value = strchr(item, '=');

                /* vfs_parse_monolithic_sep(): "" and "=..." are skipped. */
                if (item[0] == '\0' || value == item)
                        continue;
                if (value)
                        *value++ = '\0';
                r = parse_option(&st, item, value);
                if (r < 0)
                        return r;
        }
        if (st.refused)
                return -EPERM;
        return build_helper_data(&st);
}

/* ---- the daemon: the layers, opened inside the caller's root ---- */

/* A directory whose owner and group have ids in the caller's user namespace
 * (capable_wrt_inode_uidgid(), as for emulated setxattr): overlayfs writes
 * into upper and work with host rights, and reads what lower names. */
static int check_layer(const struct target *t, int fd)
{
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        /* ovl_mount_dir_noesc(): "not a directory" is EINVAL. */
        if (!S_ISDIR(st.st_mode))
                return -EINVAL;
        r = target_id_mapped(t, "uid_map", st.st_uid);
        if (r == 1)
                r = target_id_mapped(t, "gid_map", st.st_gid);
        if (r < 0)
                return r;
        return r ? 0 : -EPERM;
}

/* The caller's cwd, read once and only for a relative path. */
struct layer_base {
        const struct target *t;
        bool have;
        char cwd[PATH_MAX];
};

static int open_layer(struct layer_base *b, int root_fd, const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (path[0] != '/' && !b->have) {
                r = target_dir_path(b->t, AT_FDCWD, b->cwd, sizeof(b->cwd));
                if (r < 0)
                        return r;
                b->have = true;
        }
        fd = resolve_in_root(root_fd, path[0] == '/' ? "/" : b->cwd, path, true);
        if (fd < 0)
                return fd;
        r = check_layer(b->t, fd);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int job_add_layer(struct layer_base *b, int root_fd, const char *path, struct mount_job *job)
{
        int fd;

        if (job->n_fds >= MOUNT_MAX_FDS)
                return -EINVAL;
        fd = open_layer(b, root_fd, path);
        if (fd < 0)
                return fd;
        job->fds[job->n_fds++] = fd;
        job->req.n_fds = (uint32_t) job->n_fds;
        return 0;
}

int mount_overlay_prepare(const struct target *t, int root_fd, struct mount_job *job)
{
        /* 8 KiB: off the daemon's stack. */
        _cleanup_free_ struct mount_overlay_opts *o = malloc(sizeof(*o));
        struct layer_base b = { .t = t };
        int r;

        if (!o)
                return -ENOMEM;
        r = mount_overlay_parse(job->req.data, o);
        for (size_t i = 0; r == 0 && i < o->n_lower; i++)
                r = job_add_layer(&b, root_fd, o->lower[i], job);
        if (r == 0 && o->upper)
                r = job_add_layer(&b, root_fd, o->upper, job);
        if (r == 0 && o->work)
                r = job_add_layer(&b, root_fd, o->work, job);
        if (r < 0)
                return r;
        /* helper_data is shorter than the buffer it goes to (build_helper_data()). */
        memcpy(job->req.data, o->helper_data, strlen(o->helper_data) + 1);
        job->req.opcode = NSHELPER_MOUNT_OVERLAY;
        return 0;
}

/* ---- the helper ---- */

static bool is_layer_key(const char *item)
{
        return strcmp(item, KEY_LOWER_ADD) == 0 || strcmp(item, KEY_UPPER) == 0 || strcmp(item, KEY_WORK) == 0;
}

static int set_layer(int fs, const char *key, int fd)
{
        _cleanup_close_ int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dir < 0)
                return -errno;
        return fsconfig(fs, FSCONFIG_SET_FD, key, NULL, dir) < 0 ? -errno : 0;
}

int mount_overlay_configure(int fs, const char *data, const int *fds, size_t n_fds)
{
        char buf[MOUNT_DATA_MAX];
        size_t len = strnlen(data, sizeof(buf)), used = 0;
        char *save = NULL;

        if (len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, data, len + 1);
        for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(item, '=');
                int r;

                if (is_layer_key(item)) {
                        if (used >= n_fds)
                                return -EINVAL;
                        r = set_layer(fs, item, fds[used++]);
                } else if (eq) {
                        *eq = '\0';
                        r = fsconfig(fs, FSCONFIG_SET_STRING, item, eq + 1, 0) < 0 ? -errno : 0;
                } else
                        r = fsconfig(fs, FSCONFIG_SET_FLAG, item, NULL, 0) < 0 ? -errno : 0;
                if (r < 0)
                        return r;
        }
        return used == n_fds ? 0 : -EINVAL;
}
