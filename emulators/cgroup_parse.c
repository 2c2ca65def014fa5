/* Pure parsers of the text sysinfo reads about a cgroup: /proc/<pid>/cgroup,
 * /proc/self/mountinfo lines, cgroup value files and memory.stat. No I/O; the
 * kernel wrote the text, but cgroup names and mount paths inside it are chosen
 * by others, so it is parsed as hostile. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/macro.h"
#include "common/number.h"
#include "emulators/cgroup_parse.h"

/* The next space-separated field of *p (start, length); advances past it. */
static bool next_field(const char **p, const char **ret, size_t *ret_len)
{
        const char *s = *p;
        size_t n;

        while (*s == ' ')
                s++;
        n = strcspn(s, " \n");
        if (n == 0)
                return false;
        *ret = s;
        *ret_len = n;
        *p = s + n;
        return true;
}

static bool field_is(const char *f, size_t len, const char *s)
{
        return strlen(s) == len && memcmp(f, s, len) == 0;
}

/* Whether the comma-separated list (len bytes) has |tok| as one of its items. */
static bool has_token(const char *list, size_t len, const char *tok)
{
        size_t n = strlen(tok);
        const char *end = list + len;

        while (list < end) {
                const char *comma = memchr(list, ',', (size_t) (end - list));
                size_t item = comma ? (size_t) (comma - list) : (size_t) (end - list);

                if (item == n && memcmp(list, tok, n) == 0)
                        return true;
                list += item + 1;
        }
        return false;
}

/* Decodes mountinfo's "\ooo" escapes (space, tab, newline, backslash). */
static int unescape(const char *s, size_t len, char *buf, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        c = (char) ((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
                        i += 3;
                        if (c == '\0')
                                return -EIO;
                }
                if (o + 1 >= size)
                        return -ENAMETOOLONG;
                buf[o++] = c;
        }
        buf[o] = '\0';
        return 0;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
int cgroup_parse_mountinfo_line(const char *line, const char *controller, struct cgroup_mount *ret)
{
        const char *f[6], *type, *src, *opts, *sep;
        size_t n[6], type_len, src_len, opts_len, sep_len;
        const char *p = line;
        bool match;
        int r;

        for (int i = 0; i < 6; i++)
                if (!next_field(&p, &f[i], &n[i]))
                        return -EIO;
        do {
                if (!next_field(&p, &sep, &sep_len))
                        return -EIO;
        } while (!field_is(sep, sep_len, "-"));
        if (!next_field(&p, &type, &type_len) || !next_field(&p, &src, &src_len) ||
            !next_field(&p, &opts, &opts_len))
                return -EIO;

        if (controller)
                match = field_is(type, type_len, "cgroup") && has_token(opts, opts_len, controller);
        else
                match = field_is(type, type_len, "cgroup2");
        if (!match)
                return 0;
        r = unescape(f[3], n[3], ret->root, sizeof(ret->root));
        if (r < 0)
                return r;
        r = unescape(f[4], n[4], ret->mountpoint, sizeof(ret->mountpoint));
        if (r < 0)
                return r;
        return ret->root[0] == '/' && ret->mountpoint[0] == '/' ? 1 : -EIO;
}

/* An absolute cgroup path without ".", ".." or empty components ("/" itself is fine). */
static bool path_ok(const char *p, size_t len)
{
        if (len == 0 || p[0] != '/')
                return false;
        if (len == 1)
                return true;
        for (size_t i = 1; i <= len;) {
                const char *slash = memchr(p + i, '/', len - i);
                size_t n = slash ? (size_t) (slash - (p + i)) : len - i;

                if (n == 0 || (n == 1 && p[i] == '.') || (n == 2 && p[i] == '.' && p[i + 1] == '.'))
                        return false;
                i += n + 1;
        }
        return true;
}

static bool all_digits(const char *s, size_t len)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* "ID:CONTROLLERS:PATH" lines; the path is the rest of the line (it may hold ':'). */
int cgroup_parse_proc(const char *text, const char *controller, char *buf, size_t size)
{
        const char *found = NULL;
        size_t found_len = 0;

        for (const char *line = text; *line;) {
                const char *end = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (end - line)), *c2;
                bool v2, match;

                if (!c1)
                        return -EIO;
                c2 = memchr(c1 + 1, ':', (size_t) (end - c1 - 1));
                if (!c2 || !all_digits(line, (size_t) (c1 - line)))
                        return -EIO;
                v2 = field_is(line, (size_t) (c1 - line), "0");
                /* Only the v2 line has id 0, and it alone lists no controllers. */
                if (v2 != (c2 == c1 + 1))
                        return -EIO;
                match = controller ? !v2 && has_token(c1 + 1, (size_t) (c2 - c1 - 1), controller) : v2;
                if (match) {
                        if (found)
                                return -EIO;
                        found = c2 + 1;
                        found_len = (size_t) (end - found);
                }
                line = *end ? end + 1 : end;
        }
        if (!found)
                return -ENOENT;
        if (!path_ok(found, found_len))
                return -EIO;
        if (found_len >= size)
                return -ENAMETOOLONG;
        memcpy(buf, found, found_len);
        buf[found_len] = '\0';
        return 0;
}

int cgroup_parse_value(const char *text, uint64_t *ret)
{
        const char *p = text;
        uint64_t v;

        if (strncmp(p, "max", 3) == 0) {
                v = CGROUP_UNLIMITED;
                p += 3;
        } else if (number_scan_u64(&p, &v) < 0) {
                return -EIO;
        }
        if (*p == '\n')
                p++;
        if (*p != '\0')
                return -EIO;
        *ret = v;
        return 0;
}

enum { STAT_INACTIVE_FILE, STAT_SHMEM, STAT_LIMIT, STAT_MEMSW_LIMIT, _STAT_MAX };

static const struct {
        const char *key;
        int slot;
        bool total; /* v1's hierarchical variant: wins over the local one */
} memstat_keys[] = {
        { "inactive_file", STAT_INACTIVE_FILE, false },
        { "total_inactive_file", STAT_INACTIVE_FILE, true },
        { "shmem", STAT_SHMEM, false },
        { "total_shmem", STAT_SHMEM, true },
        { "hierarchical_memory_limit", STAT_LIMIT, true },
        { "hierarchical_memsw_limit", STAT_MEMSW_LIMIT, true },
};

static int memstat_key(const char *key, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(memstat_keys); i++)
                if (field_is(key, len, memstat_keys[i].key))
                        return (int) i;
        return -1;
}

int cgroup_parse_memstat(const char *text, struct cgroup_memstat *ret)
{
        uint64_t val[_STAT_MAX][2] = {};
        bool seen[_STAT_MAX][2] = {};
        const uint64_t dflt[_STAT_MAX] = { 0, 0, CGROUP_UNLIMITED, CGROUP_UNLIMITED };
        uint64_t out[_STAT_MAX];

        for (const char *line = text; *line;) {
                size_t klen = strcspn(line, " \n");
                int k = memstat_key(line, klen);

                if (k >= 0) {
                        const char *p = line + klen;
                        int slot = memstat_keys[k].slot, total = memstat_keys[k].total;

                        if (*p != ' ')
                                return -EIO;
                        p++;
                        if (number_scan_u64(&p, &val[slot][total]) < 0 || (*p != '\n' && *p != '\0'))
                                return -EIO;
                        seen[slot][total] = true;
                }
                line = strchrnul(line, '\n');
                if (*line)
                        line++;
        }
        for (int s = 0; s < _STAT_MAX; s++)
                out[s] = seen[s][1] ? val[s][1] : seen[s][0] ? val[s][0] : dflt[s];
        *ret = (struct cgroup_memstat) {
                .inactive_file = out[STAT_INACTIVE_FILE],
                .shmem = out[STAT_SHMEM],
                .limit = out[STAT_LIMIT],
                .memsw_limit = out[STAT_MEMSW_LIMIT],
        };
        return 0;
}
