/* Cleanup attributes, ownership transfer and small macros shared by every part. */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
        ((type *) (void *) ((char *) (ptr) - offsetof(type, member)))

/* Hand ownership out of a cleanup-annotated variable. */
#define TAKE_PTR(p) \
        __extension__({ \
                __typeof__(p) _take_tmp = (p); \
                (p) = NULL; \
                _take_tmp; \
        })

#define TAKE_FD(fd) \
        __extension__({ \
                int _take_fd = (fd); \
                (fd) = -EBADF; \
                _take_fd; \
        })

static inline void freep(void *p)
{
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* close() is never retried: Linux releases the fd even on EINTR. */
static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Declare a pointer-taking cleanup wrapper for a destructor that returns NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) \
        { \
                if (*p) \
                        *p = func(*p); \
        }
