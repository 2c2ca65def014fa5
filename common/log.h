/* Logging to stderr with levels; *_errno variants set errno for %m and return the
 * negative error so callers can `return log_error_errno(r, "...: %m");`. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/macro.h"

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

void log_set_max_level(enum log_level level);
enum log_level log_get_max_level(void);
/* Parses "error", "warning", "info", "debug"; returns the level or -EINVAL. */
int log_level_from_string(const char *s);
/* The name log_level_from_string() reads back. */
const char *log_level_to_string(enum log_level level);

/* Logs at level with errno set to |error| for %m; returns -|error| (or 0 when error is 0). */
int log_internal(enum log_level level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_LEVEL_ERROR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_internal(LOG_LEVEL_INFO, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_LEVEL_DEBUG, (e), __VA_ARGS__)

/* A token bucket: at most |burst| events per |interval_usec|; the owner embeds it. */
struct ratelimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin;
        unsigned num;
        unsigned suppressed;
};

/* True when the event may be logged; counts suppressed events otherwise. */
bool ratelimit_below(struct ratelimit *rl);

/* Monotonic clock in microseconds / nanoseconds. */
uint64_t now_usec(void);
uint64_t now_nsec(void);
