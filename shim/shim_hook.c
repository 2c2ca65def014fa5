/* seccompd-shim hook: the OCI state on stdin → "register STATE" (createRuntime)
 * or "unregister STATE" (poststop) on seccompd's control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfyaml.h>

#include "common/fileio.h"
#include "common/fy_cleanup.h"
#include "common/macro.h"
#include "shim/shim_hook.h"
#include "supervisor/control.h"
#include "supervisor/control_client.h"
#include "supervisor/oci_state.h"

#define STATE_MAX (1024 * 1024)

struct stage {
        const char *name;     /* the OCI hook it runs as */
        const char *command;  /* the control command */
        bool needs_pid;
        const char *status[2];/* the state's status at that hook (runtime-spec runtime.md) */
};

static const struct stage stages[] = {
        { "createRuntime", "register", true, { "creating", "created" } },
        { "poststop", "unregister", false, { "stopped", NULL } },
};

static void help(void)
{
        printf("Usage: seccompd-shim hook [createRuntime|poststop] [--socket PATH]\n"
               "An OCI hook (config.json \"hooks\", or a hooks.d file for podman and CRI-O).\n"
               "Reads the container's OCI state (JSON: ociVersion, id, status, pid, bundle,\n"
               "annotations) from stdin, as the runtime writes it, and tells seccompd:\n\n"
               "  createRuntime   register the container before it runs: seccompd keeps its\n"
               "                  record (init pidfd, cgroup, bundle, annotations) from now on,\n"
               "                  with or without listeners, until poststop or until init exits;\n"
               "                  a listener the runtime sends later joins that record\n"
               "  poststop        end the registration (not an error when it already ended)\n"
               "  (no stage)      the state's status says which: creating or created is\n"
               "                  createRuntime, stopped is poststop (one hooks.d file can\n"
               "                  then serve both stages)\n\n"
               "  -s, --socket PATH   seccompd's control socket (default %s)\n"
               "  -h, --help          show this help\n\n"
               "Exit status: 0 done; 1 invalid state on stdin, seccompd unreachable or refusing\n"
               "(a runtime then fails createRuntime: the container does not start); 2 bad usage.\n",
               CONTROL_SOCKET_DEFAULT);
}

static const struct stage *stage_by_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(stages); i++)
                if (strcmp(name, stages[i].name) == 0)
                        return &stages[i];
        return NULL;
}

/* The stage a state's status is seen at; NULL for another status. */
static const struct stage *stage_by_status(const char *status)
{
        for (size_t i = 0; status && i < ARRAY_SIZE(stages); i++)
                for (size_t k = 0; k < ARRAY_SIZE(stages[i].status) && stages[i].status[k]; k++)
                        if (strcmp(status, stages[i].status[k]) == 0)
                                return &stages[i];
        return NULL;
}

/* 1 to run (*ret_stage NULL: from the state's status), 0 after help, -EINVAL on
 * bad usage (said). */
static int parse_argv(int argc, char **argv, const char **ret_socket, const struct stage **ret_stage)
{
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "control", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "s:h", options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                if (c != 's')
                        return -EINVAL;
                *ret_socket = optarg;
        }
        if (optind + 1 < argc) {
                fprintf(stderr, "seccompd-shim hook: expected at most one stage, createRuntime or poststop\n");
                return -EINVAL;
        }
        *ret_stage = NULL;
        if (optind == argc)
                return 1;
        *ret_stage = stage_by_name(argv[optind]);
        if (!*ret_stage) {
                fprintf(stderr, "seccompd-shim hook: unknown stage \"%s\" (createRuntime or poststop)\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* The state from stdin, checked, and the stage when not given (*stage NULL);
 * says why not. */
static int read_state(const struct stage **stage, struct oci_state **ret)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        const char *who = *stage ? (*stage)->name : "hook";
        _cleanup_free_ char *text = NULL;
        char reason[256] = "";
        size_t len = 0;
        int r;

        r = read_fd_bounded(STDIN_FILENO, STATE_MAX, &text, &len);
        if (r < 0) {
                fprintf(stderr, "seccompd-shim hook %s: cannot read the container state on stdin: %s\n", who,
                        r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
                return r;
        }
        r = oci_state_parse_state(text, len, &s, reason, sizeof(reason));
        if (r < 0) {
                fprintf(stderr,
                        "seccompd-shim hook %s: invalid container state on stdin (expected the OCI state JSON): %s\n",
                        who, reason[0] ? reason : strerror(-r));
                return r;
        }
        if (!*stage)
                *stage = stage_by_status(s->status);
        if (!*stage) {
                fprintf(stderr, "seccompd-shim hook: container %s: status \"%s\" is neither createRuntime's nor "
                                "poststop's: name the stage\n", s->id, s->status ? s->status : "");
                return -EINVAL;
        }
        if ((*stage)->needs_pid && s->init_pid <= 0) {
                fprintf(stderr, "seccompd-shim hook %s: container %s: the state on stdin has no pid\n", (*stage)->name,
                        s->id);
                return -EINVAL;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* "COMMAND STATE" on one line; says why not. */
static int format_request(const char *who, const struct stage *st, const struct oci_state *s, char **ret)
{
        _cleanup_free_ char *line = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&line, &len);
        int r;

        if (f) {
                fprintf(f, "%s ", st->command);
                r = oci_state_write_state(s, f);
        }
        if (!f || fclose(f) != 0 || r < 0) {
                fprintf(stderr, "%s: out of memory\n", who);
                return -ENOMEM;
        }
        if (len >= CONTROL_MAX_REQUEST) {
                fprintf(stderr, "%s: container %s: its state is %zu bytes, seccompd takes %d (annotations?)\n",
                        who, s->id, len, CONTROL_MAX_REQUEST);
                return -E2BIG;
        }
        *ret = TAKE_PTR(line);
        return 0;
}

/* seccompd's answer: 0, or -EREMOTEIO with its error said. */
static int check_reply(const char *who, const char *id, const char *reply, size_t len)
{
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        _cleanup_(fy_document_destroyp) struct fy_document *doc = fy_document_build_from_string(&cfg, reply, len);
        struct fy_node *root = doc ? fy_document_root(doc) : NULL;
        const char *error;

        if (!root || !fy_node_is_mapping(root)) {
                fprintf(stderr, "%s: container %s: seccompd's reply is not a JSON object\n", who, id);
                return -EBADMSG;
        }
        error = fy_node_mapping_lookup_scalar0_by_simple_key(root, "error", FY_NT);
        if (error) {
                fprintf(stderr, "%s: container %s: seccompd refused: %s\n", who, id, error);
                return -EREMOTEIO;
        }
        return 0;
}

int shim_hook(int argc, char **argv)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        _cleanup_free_ char *request = NULL, *reply = NULL;
        const char *socket = CONTROL_SOCKET_DEFAULT;
        const struct stage *st = NULL;
        char who[64];
        size_t len = 0;
        int r;

        r = parse_argv(argc, argv, &socket, &st);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (read_state(&st, &s) < 0)
                return 1;
        snprintf(who, sizeof(who), "seccompd-shim hook %s", st->name);
        if (format_request(who, st, s, &request) < 0)
                return 1;
        r = control_client_query(socket, request, &reply, &len);
        if (r < 0) {
                control_client_explain(who, r, socket);
                return 1;
        }
        return check_reply(who, s->id, reply, len) < 0 ? 1 : 0;
}
