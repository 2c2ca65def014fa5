/* uid_map / gid_map text as /proc shows it ("%10u %10u %10u\n" per range) and
 * translation through it. Validates like the kernel's map_write(): no zero counts,
 * no wrap-around, no overlapping ranges. Pure: no syscalls, no logging. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "emulators/idmap.h"

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* One unsigned 32-bit decimal at text[*pos] after blanks; advances *pos. */
static int parse_u32(const char *text, size_t len, size_t *pos, uint32_t *ret)
{
        size_t i = *pos;
        uint64_t v = 0;
        size_t digits = 0;

        while (i < len && is_blank(text[i]))
                i++;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
                v = v * 10 + (uint64_t) (text[i] - '0');
                if (v > UINT32_MAX)
                        return -EINVAL;
        }
        if (digits == 0)
                return -EINVAL;
        *pos = i;
        *ret = (uint32_t) v;
        return 0;
}

/* Parses one line (without its '\n') into *ret; 0, 1 for a blank line, or -EINVAL. */
static int parse_line(const char *line, size_t len, struct idmap_range *ret)
{
        struct idmap_range r;
        size_t pos = 0;

        while (pos < len && is_blank(line[pos]))
                pos++;
        if (pos == len)
                return 1;
        if (parse_u32(line, len, &pos, &r.inner) < 0 || parse_u32(line, len, &pos, &r.outer) < 0 ||
            parse_u32(line, len, &pos, &r.count) < 0)
                return -EINVAL;
        while (pos < len && is_blank(line[pos]))
                pos++;
        if (pos != len)
                return -EINVAL;
        /* The kernel refuses zero counts and ranges whose end wraps past UINT32_MAX. */
        if (r.count == 0 || (uint64_t) r.inner + r.count > UINT32_MAX ||
            (uint64_t) r.outer + r.count > UINT32_MAX)
                return -EINVAL;
        *ret = r;
        return 0;
}

static bool overlaps(uint32_t a, uint32_t b, uint32_t count_a, uint32_t count_b)
{
        return (uint64_t) a < (uint64_t) b + count_b && (uint64_t) b < (uint64_t) a + count_a;
}

static bool overlaps_any(const struct idmap *m, const struct idmap_range *r)
{
        for (size_t i = 0; i < m->n; i++) {
                const struct idmap_range *o = &m->ranges[i];

                if (overlaps(o->inner, r->inner, o->count, r->count) ||
                    overlaps(o->outer, r->outer, o->count, r->count))
                        return true;
        }
        return false;
}

int idmap_parse(const char *text, size_t len, struct idmap *ret)
{
        struct idmap m = { .n = 0 };
        size_t pos = 0;

        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t line_len = nl ? (size_t) (nl - (text + pos)) : len - pos;
                struct idmap_range r;
                int k;

                k = parse_line(text + pos, line_len, &r);
                if (k < 0)
                        return k;
                pos += line_len + (nl ? 1 : 0);
                if (k > 0)
                        continue;
                if (m.n >= IDMAP_MAX_RANGES)
                        return -E2BIG;
                if (overlaps_any(&m, &r))
                        return -EINVAL;
                m.ranges[m.n++] = r;
        }
        *ret = m;
        return 0;
}

void idmap_identity(struct idmap *ret)
{
        /* As the initial namespace shows it: "0 0 4294967295"; (uid_t) -1 stays invalid. */
        ret->n = 1;
        ret->ranges[0] = (struct idmap_range) { .inner = 0, .outer = 0, .count = UINT32_MAX };
}

static int translate(const struct idmap *m, uint32_t id, bool to_outer, uint32_t *ret)
{
        for (size_t i = 0; i < m->n; i++) {
                const struct idmap_range *r = &m->ranges[i];
                uint32_t from = to_outer ? r->inner : r->outer;
                uint32_t to = to_outer ? r->outer : r->inner;

                if (id >= from && id - from < r->count) {
                        *ret = to + (id - from);
                        return 0;
                }
        }
        return -ERANGE;
}

int idmap_to_outer(const struct idmap *m, uint32_t inner, uint32_t *ret)
{
        return translate(m, inner, true, ret);
}

int idmap_to_inner(const struct idmap *m, uint32_t outer, uint32_t *ret)
{
        return translate(m, outer, false, ret);
}
