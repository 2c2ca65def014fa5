/* seccompd-shim exec: policy → filter, installed by a second thread
 * (filter_thread.h), the listener handed to seccompd as runc hands it over
 * (oci_send.h), seccompd's "ok" awaited, then the command exec'd under it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy/filter.h"
#include "shim/filter_prog.h"
#include "shim/handoff.h"
#include "shim/oci_send.h"
#include "shim/shim_exec.h"
#include "supervisor/policy_store.h"

#define WHO "seccompd-shim exec"
#define ACK_TIMEOUT_SEC_DEFAULT 10
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct exec_options {
        const char *policy;
        const char *policy_dir;
        const char *socket;
        const char *id;
        unsigned timeout_sec;
        bool allow_unsupervised;
        char **argv;                   /* the command */
};

static void help(void)
{
        printf("Usage: seccompd-shim exec --policy NAME|FILE [OPTIONS] [--] COMMAND [ARG...]\n"
               "Runs COMMAND under the seccomp filter policy NAME needs, supervised by seccompd:\n"
               "the filter traps the calls the policy handles (calls it would let run anyway\n"
               "stay in the kernel where their arguments tell), its listener goes to seccompd\n"
               "as an OCI runtime hands it over (listenerPath protocol, listenerMetadata\n"
               "\"policy=NAME\"), and COMMAND runs only once seccompd has answered \"ok\".\n"
               "COMMAND keeps the shim's pid; it is found in PATH before anything is set up.\n\n"
               "  -P, --policy NAME|FILE     the policy (required): a FILE path, or NAME.yaml in\n"
               "                             the policy directory, or the built-in \"default\".\n"
               "                             seccompd applies its own copy of the policy of\n"
               "                             that name\n"
               "  -p, --policy-dir DIR       where NAMEs are found (default %s)\n"
               "  -s, --socket PATH          seccompd's listener socket (default %s)\n"
               "  -i, --id ID                the container id seccompctl shows (default shim-PID)\n"
               "  -t, --timeout SECONDS      how long to wait for seccompd's answer (default %d)\n"
               "  -u, --allow-unsupervised   when seccompd cannot be reached, refuses, does not\n"
               "                             answer, or the filter cannot be installed: warn and\n"
               "                             run COMMAND without any filter instead of failing\n"
               "  -h, --help                 show this help\n\n"
               "seccompd accepts listeners from root only. no_new_privs is set only without\n"
               "CAP_SYS_ADMIN, where the kernel requires it.\n\n"
               "Exit status: COMMAND's; %d when the shim failed before COMMAND ran (no policy,\n"
               "seccompd unreachable or refusing, no answer in time; COMMAND did not run);\n"
               "%d when COMMAND cannot be run; %d when it is not found.\n",
               POLICY_DIR_DEFAULT, FILTER_LISTENER_DEFAULT, ACK_TIMEOUT_SEC_DEFAULT, SHIM_EXIT_FAILURE,
               SHIM_EXIT_CANNOT_RUN, SHIM_EXIT_NOT_FOUND);
}

static int parse_seconds(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v == 0 || v > 3600)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* 1 to run, 0 after --help, -EINVAL on bad usage (said). */
static int parse_argv(int argc, char **argv, struct exec_options *o)
{
        static const struct option options[] = {
                { "policy", required_argument, NULL, 'P' },
                { "policy-dir", required_argument, NULL, 'p' },
                { "socket", required_argument, NULL, 's' },
                { "id", required_argument, NULL, 'i' },
                { "timeout", required_argument, NULL, 't' },
                { "allow-unsupervised", no_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;

        /* "+": options end at COMMAND, whose own options follow it. */
        while ((c = getopt_long(argc, argv, "+P:p:s:i:t:uh", options, NULL)) >= 0) {
                switch (c) {
                case 'P':
                        o->policy = optarg;
                        break;
                case 'p':
                        o->policy_dir = optarg;
                        break;
                case 's':
                        o->socket = optarg;
                        break;
                case 'i':
                        o->id = optarg;
                        break;
                case 't':
                        if (parse_seconds(optarg, &o->timeout_sec) < 0)
                                return log_error_errno(-EINVAL, WHO ": invalid --timeout \"%s\" (1 to 3600)", optarg);
                        break;
                case 'u':
                        o->allow_unsupervised = true;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (!o->policy)
                return log_error_errno(-EINVAL, WHO ": --policy is required; see --help");
        if (optind >= argc)
                return log_error_errno(-EINVAL, WHO ": no command given; see --help");
        if (o->id && o->id[0] == '\0')
                return log_error_errno(-EINVAL, WHO ": --id must not be empty");
        o->argv = argv + optind;
        return 1;
}

static bool executable(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* COMMAND's path, as execvp would find it, resolved now: a missing command is
 * reported before anything is trapped, and the filtered thread execs once. */
static int find_command(const char *name, char **ret)
{
        const char *search = getenv("PATH");
        _cleanup_free_ char *dirs = NULL;
        char *save = NULL;

        if (strchr(name, '/')) {
                if (access(name, F_OK) < 0)
                        return -errno;
                if (!executable(name))
                        return -EACCES;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        dirs = strdup(search && *search ? search : DEFAULT_PATH);
        if (!dirs)
                return -ENOMEM;
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *path;

                if (asprintf(&path, "%s/%s", dir, name) < 0)
                        return -ENOMEM;
                if (executable(path)) {
                        *ret = path;
                        return 0;
                }
                free(path);
        }
        return -ENOENT;
}

/* Our failure before COMMAND ran (|why|): 125, or COMMAND without a filter when
 * allowed (then only a failed exec returns). */
static int unsupervised_or_fail(const struct exec_options *o, const char *path, const char *why)
{
        if (!o->allow_unsupervised) {
                log_error(WHO ": %s; not running %s unsupervised (see --allow-unsupervised)", why, o->argv[0]);
                return SHIM_EXIT_FAILURE;
        }
        log_warning(WHO ": %s; running %s WITHOUT seccompd supervision (--allow-unsupervised)", why, o->argv[0]);
        /* From a thread without a filter (the main one before it installs any, or
         * the helper); the exec ends the other. */
        execve(path, o->argv, environ);
        log_error_errno(errno, WHO ": cannot run %s: %m", path);
        return errno == ENOENT ? SHIM_EXIT_NOT_FOUND : SHIM_EXIT_CANNOT_RUN;
}

/* seccompd's reply line to |id|: 0 for "ok ID", else -EPROTO with the reason in |why|. */
static int check_ack(const char *ack, int n, const char *id, char *why, size_t size)
{
        if (n == 0) {
                snprintf(why, size, "seccompd closed the connection without an answer");
                return -EPROTO;
        }
        if (strncmp(ack, "ok ", 3) == 0 && strcmp(ack + 3, id) == 0)
                return 0;
        if (strncmp(ack, "error ", 6) == 0)
                snprintf(why, size, "seccompd refused the listener: %s", ack + 6);
        else
                snprintf(why, size, "unexpected answer from seccompd: \"%.200s\"", ack);
        return -EPROTO;
}

/* Hands |listener| to seccompd over |sock| and reads the answer. The process's
 * copy of the listener is closed here in every case. 0 or -errno, with |why|. */
static int hand_over(const struct exec_options *o, int sock, int listener_in, const char *msg, size_t len,
                     const char *id, char *why, size_t size)
{
        _cleanup_close_ int listener = listener_in;
        char ack[512];
        int r;

        r = oci_send(sock, msg, len, listener, 1);
        /* Only seccompd's copy may keep the filter's listener alive: if it drops
         * it, trapped calls fail (ENOSYS) instead of waiting for nobody. */
        listener = safe_close(listener);
        if (r < 0) {
                snprintf(why, size, "cannot send the listener to seccompd at %s: %s", o->socket, strerror(-r));
                return r;
        }
        r = oci_send_read_ack(sock, ack, sizeof(ack), (int) o->timeout_sec * 1000);
        if (r == -ETIMEDOUT) {
                snprintf(why, size, "seccompd at %s did not answer within %u s", o->socket, o->timeout_sec);
                return r;
        }
        if (r < 0) {
                snprintf(why, size, "cannot read seccompd's answer: %s", strerror(-r));
                return r;
        }
        return check_ack(ack, r, id, why, size);
}

/* Everything that can fail before a filter exists: command, policy, program. */
static int prepare(const struct exec_options *o, char **ret_path, struct sock_fprog *ret_prog, char *metadata,
                   size_t size)
{
        _cleanup_(filter_plan_freep) struct filter_plan *plan = NULL;
        int r;

        r = find_command(o->argv[0], ret_path);
        if (r == -ENOENT) {
                log_error(WHO ": %s: command not found", o->argv[0]);
                return SHIM_EXIT_NOT_FOUND;
        }
        if (r < 0) {
                log_error_errno(r, WHO ": %s: %m", o->argv[0]);
                return SHIM_EXIT_CANNOT_RUN;
        }
        if (policy_load_plan(o->policy_dir, o->policy, SCMP_ARCH_NATIVE, stderr, WHO, &plan) < 0)
                return SHIM_EXIT_FAILURE;
        r = filter_prog_build(plan, ret_prog);
        if (r < 0) {
                log_error_errno(r, WHO ": cannot build the filter of policy \"%s\": %m", plan->policy);
                return SHIM_EXIT_FAILURE;
        }
        /* seccompd looks the policy up by its name, whatever file it came from here. */
        snprintf(metadata, size, "policy=%s", plan->policy);
        return 0;
}

/* What the helper thread needs to hand the listener over. */
struct delivery {
        const struct exec_options *o;
        const char *path;
        const char *id;
        const char *msg;
        size_t len;
        int sock;
};

/* The helper thread (handoff.h): the listener to seccompd, then the go, or our
 * failure (or COMMAND without a filter, when allowed) from this unfiltered
 * thread. Ends with _exit(), not exit(): atexit handlers (a sanitizer's leak
 * check among them) must not run while the main thread still uses the stack. */
static void deliver(struct handoff *h, int listener, void *userdata)
{
        struct delivery *dl = userdata;
        char why[700];
        int r = listener;

        if (listener < 0)
                snprintf(why, sizeof(why), "cannot install the filter: %s", strerror(-listener));
        else
                r = hand_over(dl->o, dl->sock, listener, dl->msg, dl->len, dl->id, why, sizeof(why));
        dl->sock = safe_close(dl->sock);
        if (r == 0) {
                handoff_go(h);
                return;
        }
        _exit(unsupervised_or_fail(dl->o, dl->path, why));
}

/* Connects to seccompd, then installs the filter and execs COMMAND while the
 * helper hands the listener over; returns only a failure before that. */
static int supervise(const struct exec_options *o, const char *path, const struct sock_fprog *prog,
                     const char *metadata)
{
        char default_id[64], why[700], msg[16384];
        struct delivery dl = { .o = o, .path = path, .id = o->id, .msg = msg };
        struct handoff h;
        int r, len;

        snprintf(default_id, sizeof(default_id), "shim-%d", (int) getpid());
        if (!dl.id)
                dl.id = default_id;
        len = oci_send_format_state(msg, sizeof(msg), getpid(), dl.id, metadata, "", false);
        if (len < 0) {
                log_error_errno(len, WHO ": cannot build the message for seccompd: %m");
                return SHIM_EXIT_FAILURE;
        }
        dl.len = (size_t) len;
        dl.sock = oci_send_connect(o->socket, false);
        if (dl.sock < 0) {
                snprintf(why, sizeof(why), "cannot connect to seccompd at %s: %s", o->socket, strerror(-dl.sock));
                return unsupervised_or_fail(o, path, why);
        }
        r = handoff_start(&h, deliver, &dl);
        if (r < 0) {
                safe_close(dl.sock);
                log_error_errno(r, WHO ": cannot start a thread: %m");
                return SHIM_EXIT_FAILURE;
        }
        handoff_install_and_exec(&h, prog, handoff_listener_flags(), handoff_needs_nnp(), path, o->argv);
}

int shim_exec(int argc, char **argv)
{
        struct exec_options o = {
                .socket = FILTER_LISTENER_DEFAULT,
                .timeout_sec = ACK_TIMEOUT_SEC_DEFAULT,
        };
        _cleanup_free_ char *path = NULL;
        struct sock_fprog prog = {};
        char metadata[300];
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? SHIM_EXIT_FAILURE : 0;
        r = prepare(&o, &path, &prog, metadata, sizeof(metadata));
        if (r == 0)
                r = supervise(&o, path, &prog, metadata);
        filter_prog_done(&prog);
        return r;
}
