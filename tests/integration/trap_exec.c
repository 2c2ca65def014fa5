/* sc-trap: runs a command under a seccomp notify filter whose listener is handed
 * to seccompd exactly as runc hands it over (or deliberately malformed, to test
 * the intake). Without a runtime, this is the smallest real "container". */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/oci_send.h"

#define EXIT_SETUP 125 /* our own failure, before the command ran */

enum fd_kind { FD_LISTENER, FD_PIPE, FD_NONE, FD_SOCKET, FD_EVENTFD, FD_DEAD };

static const char *arg_socket = "/run/seccompd/seccompd.sock";
static const char *arg_id;
static const char *arg_metadata = "policy=default";
static const char *arg_syscalls = "mknod,mknodat";
static const char *arg_json;
static pid_t arg_pid;
static enum fd_kind arg_fd = FD_LISTENER;
static unsigned arg_split = 1;
static long arg_truncate = -1;
static size_t arg_pad;
static bool arg_pretty, arg_keep_open, arg_ack, arg_no_exec;

static void help(void)
{
        printf("Usage: sc-trap [OPTIONS] [--] COMMAND [ARG...]\n"
               "Trap syscalls with SECCOMP_RET_USER_NOTIF, hand the listener to seccompd as\n"
               "runc does, then exec COMMAND under the filter.\n\n"
               "  --socket PATH     daemon socket (default %s)\n"
               "  --id ID           container id (default sc-trap-<pid>)\n"
               "  --metadata STR    listenerMetadata (default \"%s\")\n"
               "  --syscalls LIST   comma-separated syscalls to trap (default %s)\n"
               "  --pretty          send pretty-printed JSON\n"
               "  --json TEXT       send TEXT instead (@PID@ is replaced by our pid)\n"
               "  --pid N           claim pid N in the state instead of our own\n"
               "  --fd KIND         attach 'listener' (default), a 'pipe', a unix 'socket', an\n"
               "                    'eventfd', 'dead' (the listener of a process that exited), or 'none'\n"
               "  --split N         send the message in N sendmsg calls, the fd with the 2nd\n"
               "  --truncate N      send only the first N bytes\n"
               "  --pad N           add N spaces inside the JSON (oversized message)\n"
               "  --keep-open       keep the connection open while COMMAND runs (runc 1.1 does)\n"
               "  --ack             wait up to 10 s for the reply line, print it to stderr\n"
               "  --no-exec         exit 0 after sending instead of running COMMAND\n",
               arg_socket, arg_metadata, arg_syscalls);
}

static int parse_long(const char *s, long min, long *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char **argv)
{
        enum { A_SOCKET = 0x100, A_ID, A_META, A_SYSCALLS, A_PRETTY, A_JSON, A_PID, A_FD, A_SPLIT,
               A_TRUNC, A_PAD, A_KEEP, A_ACK, A_NOEXEC };
        static const struct option options[] = {
                { "socket", required_argument, NULL, A_SOCKET },
                { "id", required_argument, NULL, A_ID },
                { "metadata", required_argument, NULL, A_META },
                { "syscalls", required_argument, NULL, A_SYSCALLS },
                { "pretty", no_argument, NULL, A_PRETTY },
                { "json", required_argument, NULL, A_JSON },
                { "pid", required_argument, NULL, A_PID },
                { "fd", required_argument, NULL, A_FD },
                { "split", required_argument, NULL, A_SPLIT },
                { "truncate", required_argument, NULL, A_TRUNC },
                { "pad", required_argument, NULL, A_PAD },
                { "keep-open", no_argument, NULL, A_KEEP },
                { "ack", no_argument, NULL, A_ACK },
                { "no-exec", no_argument, NULL, A_NOEXEC },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        long v;
        int c;

        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case A_SOCKET: arg_socket = optarg; break;
                case A_ID: arg_id = optarg; break;
                case A_META: arg_metadata = optarg; break;
                case A_SYSCALLS: arg_syscalls = optarg; break;
                case A_PRETTY: arg_pretty = true; break;
                case A_JSON: arg_json = optarg; break;
                case A_KEEP: arg_keep_open = true; break;
                case A_ACK: arg_ack = true; break;
                case A_NOEXEC: arg_no_exec = true; break;
                case A_PID:
                        if (parse_long(optarg, 0, &v) < 0 || v > INT_MAX)
                                goto bad;
                        arg_pid = (pid_t) v;
                        break;
                case A_FD:
                        if (strcmp(optarg, "listener") == 0)
                                arg_fd = FD_LISTENER;
                        else if (strcmp(optarg, "pipe") == 0)
                                arg_fd = FD_PIPE;
                        else if (strcmp(optarg, "none") == 0)
                                arg_fd = FD_NONE;
                        else if (strcmp(optarg, "socket") == 0)
                                arg_fd = FD_SOCKET;
                        else if (strcmp(optarg, "eventfd") == 0)
                                arg_fd = FD_EVENTFD;
                        else if (strcmp(optarg, "dead") == 0)
                                arg_fd = FD_DEAD;
                        else
                                goto bad;
                        break;
                case A_SPLIT:
                        if (parse_long(optarg, 1, &v) < 0 || v > 64)
                                goto bad;
                        arg_split = (unsigned) v;
                        break;
                case A_TRUNC:
                        if (parse_long(optarg, 0, &arg_truncate) < 0)
                                goto bad;
                        break;
                case A_PAD:
                        if (parse_long(optarg, 0, &v) < 0 || v > 64L * 1024 * 1024)
                                goto bad;
                        arg_pad = (size_t) v;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (!arg_no_exec && optind >= argc) {
                fprintf(stderr, "sc-trap: no command given (see --help)\n");
                return -EINVAL;
        }
        return 1;
bad:
        fprintf(stderr, "sc-trap: invalid value '%s' (see --help)\n", optarg);
        return -EINVAL;
}

/* Loads the filter; returns the listener fd (close-on-exec) or -errno. */
static int install_filter(void)
{
        char *list = strdup(arg_syscalls), *save = NULL;
        scmp_filter_ctx ctx;
        int r, fd = -1;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx || !list) {
                free(list);
                seccomp_release(ctx);
                return -ENOMEM;
        }
        for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
                int nr = seccomp_syscall_resolve_name(name);

                if (nr == __NR_SCMP_ERROR) {
                        fprintf(stderr, "sc-trap: unknown syscall '%s'\n", name);
                        r = -EINVAL;
                        goto out;
                }
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
                if (r < 0)
                        goto out;
        }
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
        if (r >= 0)
                r = seccomp_load(ctx);
        if (r >= 0) {
                fd = seccomp_notify_fd(ctx);
                r = fd < 0 ? fd : 0;
        }
out:
        free(list);
        seccomp_release(ctx);
        return r < 0 ? r : fd;
}

/* A real seccomp listener whose every process has exited: a child installs a
 * filter and tells its fd number, we copy the fd with pidfd_getfd and reap it. */
static int dead_listener(void)
{
        int p[2], fd = -1, pidfd, r = -1, status;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid == 0) {
                fd = install_filter();
                if (write(p[1], &fd, sizeof(fd)) != sizeof(fd))
                        _exit(1);
                pause();
                _exit(0);
        }
        close(p[1]);
        if (pid > 0 && read(p[0], &fd, sizeof(fd)) == sizeof(fd) && fd >= 0 &&
            (pidfd = (int) syscall(SYS_pidfd_open, pid, 0)) >= 0) {
                r = (int) syscall(SYS_pidfd_getfd, pidfd, fd, 0);
                close(pidfd);
        }
        close(p[0]);
        if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
        }
        return r < 0 ? -EIO : r;
}

/* The fd to attach in place of the listener, per --fd; -errno. */
static int fake_fd(int *pipefd)
{
        int sv[2];

        switch (arg_fd) {
        case FD_PIPE:
                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        return -errno;
                return pipefd[0];
        case FD_SOCKET:
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return -errno;
                pipefd[1] = sv[1];
                return pipefd[0] = sv[0];
        case FD_EVENTFD:
                pipefd[0] = eventfd(0, EFD_CLOEXEC);
                return pipefd[0] < 0 ? -errno : pipefd[0];
        case FD_DEAD:
                return pipefd[0] = dead_listener();
        default:
                return -1;
        }
}

/* The message to send, per the options; malloc'ed, NUL-terminated. */
static char *build_message(size_t *ret_len)
{
        char id[64], state[16384], cwd[PATH_MAX];
        const char *text = state;
        size_t len, pos;
        char *msg, *p;

        if (arg_json) {
                text = arg_json;
        } else {
                if (!arg_id) {
                        snprintf(id, sizeof(id), "sc-trap-%d", (int) getpid());
                        arg_id = id;
                }
                if (!getcwd(cwd, sizeof(cwd)))
                        strcpy(cwd, "/");
                if (oci_send_format_state(state, sizeof(state), arg_pid ? arg_pid : getpid(), arg_id,
                                          arg_metadata, cwd, arg_pretty) < 0)
                        return NULL;
        }

        /* Room for @PID@ replacements (a pid is at most 10 digits) and the padding. */
        len = strlen(text);
        msg = malloc(len * 3 + arg_pad + 1);
        if (!msg)
                return NULL;
        p = msg;
        for (const char *s = text; *s;) {
                if (strncmp(s, "@PID@", 5) == 0) {
                        p += sprintf(p, "%d", (int) (arg_pid ? arg_pid : getpid()));
                        s += 5;
                } else {
                        *p++ = *s++;
                }
        }
        *p = '\0';
        len = (size_t) (p - msg);

        /* Spaces after the opening brace keep the JSON valid but large. */
        pos = (len > 0 && msg[0] == '{') ? 1 : 0;
        memmove(msg + pos + arg_pad, msg + pos, len - pos + 1);
        memset(msg + pos, ' ', arg_pad);
        len += arg_pad;

        if (arg_truncate >= 0 && (size_t) arg_truncate < len)
                len = (size_t) arg_truncate;
        *ret_len = len;
        return msg;
}

int main(int argc, char **argv)
{
        int r, listener, pipefd[2] = { -1, -1 }, attach = -1, sock;
        char ack[512];
        size_t len;
        char *msg;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        /* Connect first: a connect failure is then reported before anything is trapped. */
        sock = oci_send_connect(arg_socket, arg_keep_open);
        if (sock < 0) {
                fprintf(stderr, "sc-trap: connect %s: %s\n", arg_socket, strerror(-sock));
                return EXIT_SETUP;
        }

        /* Before our filter: libseccomp keeps one listener per process, which
         * the child of a 'dead' listener would otherwise inherit as its own. */
        if (arg_fd != FD_LISTENER && arg_fd != FD_NONE) {
                attach = fake_fd(pipefd);
                if (attach < 0) {
                        fprintf(stderr, "sc-trap: making the fd to attach: %s\n", strerror(-attach));
                        return EXIT_SETUP;
                }
        }
        listener = install_filter();
        if (listener < 0) {
                fprintf(stderr, "sc-trap: installing the filter: %s\n", strerror(-listener));
                return EXIT_SETUP;
        }
        if (arg_fd == FD_LISTENER)
                attach = listener;

        msg = build_message(&len);
        if (!msg) {
                fprintf(stderr, "sc-trap: cannot build the message\n");
                return EXIT_SETUP;
        }
        r = oci_send(sock, msg, len, attach, arg_split);
        free(msg);
        /* A daemon that rejects early may close before we are done: not our failure. */
        if (r < 0)
                fprintf(stderr, "sc-trap: send: %s\n", strerror(-r));

        /* Our copies go: from now on only the daemon holds the listener. */
        close(listener);
        if (pipefd[0] >= 0)
                close(pipefd[0]);
        if (pipefd[1] >= 0)
                close(pipefd[1]);

        if (arg_ack) {
                /* runc never half-closes; only do so when not imitating its open connection. */
                if (!arg_keep_open)
                        (void) shutdown(sock, SHUT_WR);
                r = oci_send_read_ack(sock, ack, sizeof(ack), 10000);
                if (r >= 0)
                        fprintf(stderr, "sc-trap: ack: %s\n", r > 0 ? ack : "(none)");
                else
                        fprintf(stderr, "sc-trap: ack: (%s)\n", strerror(-r));
        }
        if (!arg_keep_open)
                close(sock);

        if (arg_no_exec)
                return 0;
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "sc-trap: exec %s: %s\n", argv[optind], strerror(errno));
        return 127;
}
