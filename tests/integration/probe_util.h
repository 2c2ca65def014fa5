/* Shared by the static in-container probes (sc-probe, sc-bpf): each is built
 * from one .c file by a plain compiler call, so this is a header of static
 * functions. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

/* "EPERM" for EPERM; the number for one glibc has no name for. Not reentrant. */
static inline const char *errno_name(int e)
{
        static char buf[32];
        const char *name = strerrorname_np(e);

        if (name)
                return name;
        snprintf(buf, sizeof(buf), "%d", e);
        return buf;
}

/* |n| fresh read-write pages; a probe that cannot map them exits 2 (usage error). */
static inline void *map_pages(size_t n)
{
        void *p = mmap(NULL, n * (size_t) getpagesize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
                fprintf(stderr, "%s: mmap: %s\n", program_invocation_short_name, strerror(errno));
                exit(2);
        }
        return p;
}

/* "MAJ:MIN" into *ret: 0, or -EINVAL for anything else. */
static inline int parse_maj_min(const char *s, dev_t *ret)
{
        unsigned maj, min;
        char tail;

        if (sscanf(s, "%u:%u%c", &maj, &min, &tail) != 2)
                return -EINVAL;
        *ret = makedev(maj, min);
        return 0;
}

/* A copy of |text| with half of it at the end of one page and the rest at the
 * start of the next; NULL when it is empty or longer than a page. */
static inline char *straddled_copy(const char *text)
{
        size_t pg = (size_t) getpagesize(), len = strlen(text) + 1;
        char *p;

        if (len < 2 || len > pg)
                return NULL;
        p = (char *) map_pages(2) + pg - len / 2;
        memcpy(p, text, len);
        return p;
}
