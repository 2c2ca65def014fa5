#include <errno.h>

#include "common/number.h"

int number_scan_u64(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EIO;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -EIO;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}
