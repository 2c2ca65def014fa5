/* seccompctl upgrade: asks the daemon to hand over to a new binary
 * (supervisor/upgrade.h) and waits until a daemon with another pid answers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfyaml.h>

#include "common/macro.h"
#include "supervisor/control_client.h"
#include "supervisor/ctl.h"

#define POLL_MS 20

static void upgrade_help(void)
{
        printf("Usage: seccompctl upgrade [--binary PATH] [--timeout S]\n"
               "Hands the running seccompd's containers, in-flight calls and sockets over to\n"
               "a new daemon started from PATH (default: the daemon's own binary, as its path\n"
               "names it now) with the same arguments, and waits until it answers.\n\n"
               "  --binary PATH   the new seccompd (an absolute path)\n"
               "  --timeout S     how long to wait for the new daemon (default 40)\n");
}

/* The "pid" of a parsed reply, or its "error" on stderr and -EREMOTEIO. */
static int root_pid(struct fy_node *root, long *ret)
{
        struct fy_node *err = root ? fy_node_by_path(root, "/error", FY_NT, FYNWF_DONT_FOLLOW) : NULL;
        struct fy_node *pid = root ? fy_node_by_path(root, "/pid", FY_NT, FYNWF_DONT_FOLLOW) : NULL;
        const char *text;
        size_t n;

        if (err) {
                text = fy_node_get_scalar(err, &n);
                fprintf(stderr, "seccompctl: upgrade: %.*s\n", text ? (int) n : 0, text ? text : "");
                return -EREMOTEIO;
        }
        text = pid ? fy_node_get_scalar(pid, &n) : NULL;
        if (!text)
                return -EBADMSG;
        *ret = strtol(text, NULL, 10);
        return 0;
}

static int reply_pid(const char *json, size_t len, long *ret)
{
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        struct fy_document *doc = fy_document_build_from_string(&cfg, json, len);
        int r = root_pid(doc ? fy_document_root(doc) : NULL, ret);

        fy_document_destroy(doc);
        return r;
}

static int query_pid(const char *control, const char *request, long *ret)
{
        _cleanup_free_ char *reply = NULL;
        size_t len;
        int r = control_client_query(control, request, &reply, &len);

        return r < 0 ? r : reply_pid(reply, len, ret);
}

/* Polls ping until a daemon other than |old| answers, for |timeout_s|. */
static int wait_new(const char *control, long old, unsigned timeout_s, long *ret)
{
        for (unsigned waited = 0; waited < timeout_s * 1000; waited += POLL_MS) {
                long pid;

                if (query_pid(control, "ping", &pid) == 0 && pid != old) {
                        *ret = pid;
                        return 0;
                }
                nanosleep(&(struct timespec) { .tv_nsec = POLL_MS * 1000000L }, NULL);
        }
        return -ETIMEDOUT;
}

int ctl_upgrade(int argc, char **argv, const struct ctl_options *o)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "binary", required_argument, NULL, 'b' },
                { "timeout", required_argument, NULL, 't' },
                { 0 },
        };
        const char *binary = NULL;
        unsigned timeout_s = 40;
        char request[4200];
        long old, new_pid;
        int c, r;

        while ((c = getopt_long(argc, argv, "hb:t:", options, NULL)) >= 0) {
                if (c == 'h') {
                        upgrade_help();
                        return 0;
                }
                if (c == 'b')
                        binary = optarg;
                else if (c == 't' && atoi(optarg) > 0)
                        timeout_s = (unsigned) atoi(optarg);
                else
                        return 2;
        }
        if (optind < argc || (binary && (strpbrk(binary, " \t\r\n") || strlen(binary) > 4096))) {
                fprintf(stderr, "seccompctl: upgrade: takes only --binary PATH (no blanks) and --timeout S\n");
                return 2;
        }
        snprintf(request, sizeof(request), binary ? "upgrade %s" : "upgrade", binary);
        r = query_pid(o->control, request, &old);
        if (r < 0) {
                if (r != -EREMOTEIO)
                        control_client_explain("seccompctl", r, o->control);
                return 1;
        }
        r = wait_new(o->control, old, timeout_s, &new_pid);
        if (r < 0) {
                fprintf(stderr, "seccompctl: upgrade: no new daemon answered within %u s\n", timeout_s);
                return 1;
        }
        printf("upgraded: pid %ld -> pid %ld\n", old, new_pid);
        return 0;
}
