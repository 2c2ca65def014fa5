/* Shared by the static in-container probes (sc-probe, sc-bpf): each is built
 * from one .c file by a plain compiler call, so this is a header of static
 * functions. */
#pragma once

#include <stdio.h>
#include <string.h>

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
