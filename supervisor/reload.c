/* Loading and reloading the daemon's policy directory, with logging. */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "supervisor/reload.h"

/* Each diagnostic line as its own log line. */
static void log_messages(const char *messages, enum log_level level)
{
        const char *p = messages;

        while (p && *p) {
                size_t n = strcspn(p, "\n");

                log_internal(level, 0, "%.*s", (int) n, p);
                p += n + (p[n] == '\n');
        }
}

int daemon_reload_policies(struct daemon *d, struct policy_reload_report *report)
{
        int r = policy_store_reload(d->policies, report);

        if (r < 0 && r != -EINVAL) {
                log_error_errno(r, "policies: cannot read %s, keeping the loaded ones: %m", d->policies->dir);
                return r;
        }
        log_messages(report->messages, r < 0 ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING);
        log_info("policies from %s: %u loaded, %u unchanged, %u failed (last good version kept), %u removed; "
                 "%zu available",
                 d->policies->dir, report->loaded, report->unchanged, report->failed, report->removed,
                 d->policies->n);
        return r;
}

int daemon_load_policies(struct daemon *d)
{
        struct policy_reload_report report;
        int r = policy_store_new(d->opt.policy_dir, 0, &d->policies);

        if (r < 0)
                return log_error_errno(r, "cannot create the policy store: %m");
        r = daemon_reload_policies(d, &report);
        policy_reload_report_clear(&report);
        return r == -EINVAL ? 0 : r;
}
