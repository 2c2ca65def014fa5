/* key=value pairs in listenerMetadata and LXC cookies. */
#include <errno.h>
#include <string.h>

#include "supervisor/metadata.h"

#define SEPARATORS " ,\t\n"

int metadata_get(const char *text, const char *key, char *buf, size_t size)
{
        size_t klen = strlen(key);
        const char *p = text;

        while (p && *p) {
                size_t n = strcspn(p, SEPARATORS);

                if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
                        size_t vlen = n - klen - 1;

                        if (vlen >= size)
                                return -ENAMETOOLONG;
                        memcpy(buf, p + klen + 1, vlen);
                        buf[vlen] = '\0';
                        return 0;
                }
                p += n;
                p += strspn(p, SEPARATORS);
        }
        return -ENOENT;
}

int metadata_check(const char *text)
{
        const char *p = text + strspn(text, SEPARATORS);

        while (*p) {
                size_t n = strcspn(p, SEPARATORS);
                const char *eq = memchr(p, '=', n);

                if (!eq || eq == p)
                        return -EINVAL;
                p += n;
                p += strspn(p, SEPARATORS);
        }
        return 0;
}
