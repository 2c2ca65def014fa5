/* Process-wide logging. The level is the one piece of process state common/ keeps;
 * it is set from main() and read-only afterwards. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

static enum log_level max_level = LOG_LEVEL_INFO;

void log_set_max_level(enum log_level level)
{
        max_level = level;
}

enum log_level log_get_max_level(void)
{
        return max_level;
}

static const char *const level_names[] = { "error", "warning", "info", "debug" };

const char *log_level_to_string(enum log_level level)
{
        return (unsigned) level < ARRAY_SIZE(level_names) ? level_names[level] : "info";
}

int log_level_from_string(const char *s)
{
        const char *const *names = level_names;

        for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
                if (strcmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

int log_internal(enum log_level level, int error, const char *fmt, ...)
{
        static const char prefix[][8] = { "error", "warning", "info", "debug" };
        int e = error < 0 ? -error : error;
        va_list ap;

        if (level <= max_level) {
                char buf[2048];

                errno = e;
                va_start(ap, fmt);
                vsnprintf(buf, sizeof(buf), fmt, ap);
                va_end(ap);
                fprintf(stderr, "%s: %s\n", prefix[level], buf);
        }
        return -e;
}

uint64_t now_nsec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

uint64_t now_usec(void)
{
        return now_nsec() / 1000;
}

bool ratelimit_below(struct ratelimit *rl)
{
        uint64_t ts = now_usec();

        if (rl->interval_usec == 0 || rl->burst == 0)
                return true;
        if (rl->begin == 0 || ts - rl->begin >= rl->interval_usec) {
                if (rl->suppressed > 0)
                        log_warning("%u messages suppressed", rl->suppressed);
                rl->begin = ts;
                rl->num = 0;
                rl->suppressed = 0;
        }
        if (rl->num < rl->burst) {
                rl->num++;
                return true;
        }
        rl->suppressed++;
        return false;
}
