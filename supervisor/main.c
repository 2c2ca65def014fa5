/* seccompd: the supervisor daemon. Parses options, takes the sockets a service
 * manager passed, builds the daemon state, runs the loop until SIGTERM/SIGINT
 * (SIGHUP reloads policies), then closes every handle and exits. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "common/log.h"
#include "common/macro.h"
#include "emulators/syscalls.h"
#include "supervisor/activation.h"
#include "supervisor/control.h"
#include "supervisor/daemon.h"
#include "supervisor/devices/devices_numvfs.h"
#include "supervisor/devices/devices_reconcile.h"
#include "supervisor/dispatch.h"
#include "supervisor/fuse_run.h"
#include "supervisor/intake_lxc.h"
#include "supervisor/intake_oci.h"
#include "supervisor/keeper.h"
#include "supervisor/policy_store.h"
#include "supervisor/readiness.h"
#include "supervisor/reload.h"
#include "supervisor/restore.h"
#include "supervisor/survive.h"
#include "supervisor/upgrade.h"

#define DEFAULT_SOCKET "/run/seccompd/seccompd.sock"
#define DEFAULT_CONTROL "/run/seccompd/control.sock"
#define DEFAULT_LXC_SOCKET "/run/seccompd/lxc.sock"
#define DEFAULT_SYSFS "/sys"
/* VF allocations must outlive the daemon (restart, crash) but not the machine:
 * after a reboot no container holds a VF. /run is a tmpfs that does just that. */
#define DEFAULT_STATE_DIR "/run/seccompd/state"

static void help(void)
{
        printf("Usage: seccompd [OPTIONS]\n"
               "Supervise container syscalls trapped with SECCOMP_RET_USER_NOTIF.\n"
               "Sockets passed by a service manager (LISTEN_FDS, names intake and control)\n"
               "are used instead of binding --socket and --control.\n\n"
               "  -s, --socket PATH       OCI listenerPath socket (default %s)\n"
               "      --lxc-socket PATH   LXC lxc.seccomp.notify.proxy socket (default %s)\n"
               "      --lxc-path DIR      where LXC container names are looked up (default: liblxc's)\n"
               "  -c, --control PATH      control socket for seccompctl (default %s)\n"
               "  -p, --policy-dir DIR    policy files NAME.yaml (default %s)\n"
               "  -C, --config PATH       daemon config, VF pools (default %s; built-in\n"
               "                          defaults when it does not exist)\n"
               "      --sysfs-root DIR    read SR-IOV state under DIR (default %s)\n"
               "      --state-dir DIR     VF allocations, kept across restarts (default %s)\n"
               "  -l, --log-level LEVEL   error, warning, info (default) or debug\n"
               "      --keeper-socket PATH  the fd keeper that carries containers across restarts\n"
               "                          (default: keeper.sock beside the control socket)\n"
               "      --no-keeper         no fd keeper: containers are lost when seccompd exits\n"
               "      --keeper PATH       run as the fd keeper on PATH (seccompd starts it itself)\n"
               "      --debug-hold-ms MS  test only: hold each emulated call MS ms before acting\n"
               "  -h, --help              show this help\n"
               "      --version           show the version\n",
               DEFAULT_SOCKET, DEFAULT_LXC_SOCKET, DEFAULT_CONTROL, POLICY_DIR_DEFAULT, DAEMON_CONFIG_DEFAULT,
               DEFAULT_SYSFS, DEFAULT_STATE_DIR);
}

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > max || s[0] == '-')
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* 1 to run, 0 to exit successfully (help/version), -EINVAL on bad usage. */
static int parse_argv(int argc, char **argv, struct daemon_options *opt)
{
        enum {
                ARG_VERSION = 0x100,
                ARG_DEBUG_HOLD,
                ARG_LXC_SOCKET,
                ARG_LXC_PATH,
                ARG_SYSFS_ROOT,
                ARG_STATE_DIR,
                ARG_KEEPER_SOCKET,
                ARG_NO_KEEPER,
                ARG_KEEPER,
        };
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "lxc-socket", required_argument, NULL, ARG_LXC_SOCKET },
                { "lxc-path", required_argument, NULL, ARG_LXC_PATH },
                { "control", required_argument, NULL, 'c' },
                { "policy-dir", required_argument, NULL, 'p' },
                { "config", required_argument, NULL, 'C' },
                { "sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "log-level", required_argument, NULL, 'l' },
                { "debug-hold-ms", required_argument, NULL, ARG_DEBUG_HOLD },
                { "keeper-socket", required_argument, NULL, ARG_KEEPER_SOCKET },
                { "no-keeper", no_argument, NULL, ARG_NO_KEEPER },
                { "keeper", required_argument, NULL, ARG_KEEPER },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { 0 },
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "s:c:p:C:l:h", options, NULL)) >= 0) {
                switch (c) {
                case 's':
                        opt->socket_path = optarg;
                        break;
                case ARG_LXC_SOCKET:
                        opt->lxc_socket_path = optarg;
                        break;
                case ARG_LXC_PATH:
                        opt->lxc_path = optarg;
                        break;
                case 'c':
                        opt->control_path = optarg;
                        break;
                case 'p':
                        opt->policy_dir = optarg;
                        break;
                case 'C':
                        opt->config_path = optarg;
                        break;
                case ARG_SYSFS_ROOT:
                        opt->sysfs_root = optarg;
                        break;
                case ARG_STATE_DIR:
                        opt->state_dir = optarg;
                        break;
                case 'l':
                        r = log_level_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(r, "invalid log level \"%s\"", optarg);
                        log_set_max_level((enum log_level) r);
                        break;
                case ARG_KEEPER_SOCKET:
                        opt->keeper_path = optarg;
                        break;
                case ARG_NO_KEEPER:
                        opt->no_keeper = true;
                        break;
                case ARG_KEEPER:
                        opt->run_keeper = optarg;
                        break;
                case ARG_DEBUG_HOLD:
                        if (parse_uint(optarg, 600000, &opt->debug_hold_ms) < 0)
                                return log_error_errno(-EINVAL, "invalid --debug-hold-ms \"%s\"", optarg);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("seccompd %s\n", SECCOMPD_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc)
                return log_error_errno(-EINVAL, "unexpected argument \"%s\"", argv[optind]);
        return 1;
}

/* keeper.sock beside the control socket, unless --keeper-socket says otherwise:
 * daemons on other control sockets (tests) get keepers of their own. */
static int default_keeper_path(struct daemon_options *opt, char *buf, size_t size)
{
        const char *slash = strrchr(opt->control_path, '/');
        int n;

        if (opt->keeper_path)
                return 0;
        if (!slash)
                n = snprintf(buf, size, "keeper.sock");
        else
                n = snprintf(buf, size, "%.*s/keeper.sock", (int) (slash - opt->control_path), opt->control_path);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        opt->keeper_path = buf;
        return 0;
}

/* Readiness is a courtesy to the manager: a failure to tell it is logged, never fatal. */
static void notify_manager(const char *state)
{
        int r = readiness_notify(state);

        if (r < 0)
                log_warning_errno(r, "cannot send %s to NOTIFY_SOCKET: %m", state);
}

static void close_intakes(struct daemon *d)
{
        d->intake = intake_oci_free(d->intake);
        d->lxc = intake_lxc_free(d->lxc);
}

static void daemon_stop(struct daemon *d, const char *why, bool keep_containers)
{
        if (d->stopping)
                return;
        d->stopping = true;
        log_info("%s: shutting down", why);
        /* A daemon handing over is not the service stopping: its successor is
         * the main pid now (MAINPID= was sent). */
        if (!d->upgrade)
                notify_manager("STOPPING=1");
        /* A deliberate stop ends supervision (the keeper lets go of every
         * listener); a handover leaves everything to the next daemon. */
        survive_detach(d, !keep_containers);
        upgrade_cancel(d);
        close_intakes(d);
        d->control = control_free(d->control);
        registry_close_all(&d->registry);
        devices_reconcile_stop(d);
        fuse_run_close_all(d);
        uv_close((uv_handle_t *) &d->sigterm, NULL);
        uv_close((uv_handle_t *) &d->sigint, NULL);
        uv_close((uv_handle_t *) &d->sighup, NULL);
        uv_close((uv_handle_t *) &d->sigusr2, NULL);
}

static void on_signal(uv_signal_t *handle, int signum)
{
        struct daemon *d = handle->data;

        daemon_stop(d, strsignal(signum), false);
}

static void on_sigusr2(uv_signal_t *handle, int signum)
{
        char err[256];

        (void) signum;
        if (upgrade_start(handle->data, NULL, err, sizeof(err)) < 0)
                log_error("SIGUSR2: no upgrade: %s", err);
}

static void on_sighup(uv_signal_t *handle, int signum)
{
        struct policy_reload_report report;

        (void) signum;
        (void) daemon_reload_policies(handle->data, &report);
        policy_reload_report_clear(&report);
}

/* The passed socket for a role, or -ENOENT when there is none. */
static int take_passed(struct activation *act, const char *role, const char *path, bool any_unnamed)
{
        int fd = activation_take(act, role, path, any_unnamed);

        if (fd < 0 && fd != -ENOENT)
                return log_error_errno(fd, "%s: cannot use the passed socket: %m", role);
        return fd;
}

/* The sockets a service manager passed are used as they are (the one named
 * "control", or bound at --control; "intake", bound at --socket, or the first
 * unnamed one); a role without one binds its path. Every fd is taken over. */
static int open_sockets(struct daemon *d, struct activation *act)
{
        _cleanup_close_ int control_fd = -EBADF;
        int intake_fd, r;

        control_fd = take_passed(act, "control", d->opt.control_path, false);
        if (control_fd < 0 && control_fd != -ENOENT)
                return control_fd;
        intake_fd = take_passed(act, "intake", d->opt.socket_path, true);
        if (intake_fd < 0 && intake_fd != -ENOENT)
                return intake_fd;
        for (size_t i = 0; i < act->n_fds; i++)
                if (act->fds[i].fd >= 0)
                        log_warning("closing passed fd %d (\"%s\"): seccompd listens on intake and control only",
                                    act->fds[i].fd, act->fds[i].name);
        (void) activation_close_rest(act);
        /* A passed socket cannot be bound again by a daemon an upgrade starts. */
        if (intake_fd >= 0)
                survive_keep(d, "s/intake", intake_fd);
        if (control_fd >= 0)
                survive_keep(d, "s/control", control_fd);
        if (intake_fd >= 0)
                r = intake_oci_adopt(d, intake_fd, &d->intake);
        else
                r = intake_oci_new(d, d->opt.socket_path, &d->intake);
        if (r < 0)
                return r;
        /* LXC's monitors connect to a SOCK_SEQPACKET socket: never passed by the units. */
        r = intake_lxc_new(d, d->opt.lxc_socket_path, d->opt.lxc_path, &d->lxc);
        if (r < 0)
                return r;
        if (control_fd >= 0)
                return control_adopt(d, TAKE_FD(control_fd), &d->control);
        return control_new(d, d->opt.control_path, &d->control);
}

static int reopen_sockets(struct daemon *d)
{
        struct activation none = { 0 };

        return open_sockets(d, &none);
}

/* The config file, or the built-in defaults when there is none. */
static int load_config(struct daemon *d)
{
        int r = daemon_config_load(d->opt.config_path, &d->config);

        if (r == -ENOENT) {
                log_info("%s: no config, using the defaults (no VF pools)", d->opt.config_path);
                return 0;
        }
        if (r < 0)
                return r;
        log_info("%s: %zu VF pool(s)", d->opt.config_path, d->config.n_pools);
        return 0;
}

/* Takes what the fd keeper kept for us: the containers a previous daemon
 * supervised come back before anything new is accepted. Without a keeper the
 * daemon runs on (logged): supervision then ends with this process. */
/* The sockets a service manager passed to an earlier daemon, kept for an
 * upgrade (this daemon got no LISTEN_FDS from the manager then): used as if
 * passed. Ones the manager passed again win; the kept copies are forgotten. */
static void take_kept_sockets(struct survive_handover *h, struct activation *act)
{
        static const char *const roles[] = { "intake", "control" };

        for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
                char name[16];
                int fd;

                snprintf(name, sizeof(name), "s/%s", roles[i]);
                fd = survive_handover_take(h, name);
                if (fd < 0)
                        continue;
                if (act->n_fds == ACTIVATION_MAX_FDS || activation_has(act, roles[i])) {
                        safe_close(fd);
                        continue;
                }
                act->fds[act->n_fds].fd = fd;
                snprintf(act->fds[act->n_fds].name, sizeof(act->fds[0].name), "%s", roles[i]);
                act->n_fds++;
        }
}

static void take_over(struct daemon *d, struct activation *act)
{
        struct survive_handover h = { 0 };
        struct restore_report rep;
        uint64_t start = now_usec();

        if (d->opt.no_keeper)
                return;
        if (survive_start(d, d->opt.keeper_path, &h) < 0) {
                log_warning("running without an fd keeper: containers will not survive a restart");
                return;
        }
        take_kept_sockets(&h, act);
        restore_run(d, &h, &rep);
        survive_handover_clear(&h);
        log_info("restore: %u container(s), %u listener(s) back in %.1f ms; %u not restored; %u call(s) run "
                 "again, %u answered as recorded, %u resumed, %u failed (on_restart errno)",
                 rep.containers, rep.listeners, (double) (now_usec() - start) / 1000.0, rep.skipped, rep.rerun,
                 rep.resent, rep.resumed, rep.failed);
}

/* Expects d->loop initialised; on failure daemon_stop() undoes what was done. */
static int daemon_init(struct daemon *d, struct activation *act)
{
        int r;

        registry_init(&d->registry);
        list_init(&d->pending);
        list_init(&d->fuse_runs);
        d->started_usec = now_usec();
        uv_signal_init(&d->loop, &d->sigterm);
        uv_signal_init(&d->loop, &d->sigint);
        uv_signal_init(&d->loop, &d->sighup);
        uv_signal_init(&d->loop, &d->sigusr2);
        d->sigterm.data = d->sigint.data = d->sighup.data = d->sigusr2.data = d;
        uv_signal_start(&d->sigterm, on_signal, SIGTERM);
        uv_signal_start(&d->sigint, on_signal, SIGINT);
        uv_signal_start(&d->sighup, on_sighup, SIGHUP);
        uv_signal_start(&d->sigusr2, on_sigusr2, SIGUSR2);
        r = syscall_table_new(&d->syscalls);
        if (r < 0)
                return log_error_errno(r, "cannot build the syscall table: %m");
        r = load_config(d);
        if (r < 0)
                return r;
        /* Before any container can ask for a VF: the records first (a VF of a
         * container that died meanwhile is free again), then the VF counts. */
        r = devices_reconcile(d);
        if (r < 0)
                return r;
        devices_numvfs_apply(d);
        r = daemon_load_policies(d);
        if (r < 0)
                return r;
        take_over(d, act);
        return open_sockets(d, act);
}

/* libbpf's own messages (feature probes, retries) go to our log, at debug:
 * what the caller needs to know comes back as the call's errno. */
_printf_(2, 0) static int libbpf_log(enum libbpf_print_level level _unused_, const char *fmt, va_list ap)
{
        char buf[512];
        size_t n;

        vsnprintf(buf, sizeof(buf), fmt, ap);
        n = strlen(buf);
        if (n && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        log_debug("libbpf: %s", buf);
        return 0;
}

int main(int argc, char **argv)
{
        struct daemon d = {
                .opt = {
                        .socket_path = DEFAULT_SOCKET,
                        .lxc_socket_path = DEFAULT_LXC_SOCKET,
                        .control_path = DEFAULT_CONTROL,
                        .config_path = DAEMON_CONFIG_DEFAULT,
                        .sysfs_root = DEFAULT_SYSFS,
                        .state_dir = DEFAULT_STATE_DIR,
                },
        };
        struct activation act = { 0 };
        char err[256], keeper_path[PATH_MAX];
        int r;

        r = parse_argv(argc, argv, &d.opt);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (d.opt.run_keeper)
                return keeper_run(d.opt.run_keeper);
        d.opt.argv = argv;
        d.stop = daemon_stop;
        d.reopen_sockets = reopen_sockets;
        d.close_intakes = close_intakes;
        r = default_keeper_path(&d.opt, keeper_path, sizeof(keeper_path));
        if (r < 0) {
                log_error_errno(r, "--keeper-socket: %m");
                return 2;
        }
        r = activation_listen_fds(&act, err, sizeof(err));
        if (r < 0) {
                log_error("socket activation: %s", err);
                return 1;
        }
        /* A peer that hangs up must not kill us; every send uses MSG_NOSIGNAL as well. */
        signal(SIGPIPE, SIG_IGN);
        libbpf_set_print(libbpf_log);

        r = uv_loop_init(&d.loop);
        if (r < 0) {
                log_error_errno(r, "cannot create the event loop: %m");
                return 1;
        }
        r = daemon_init(&d, &act);
        if (r < 0) {
                (void) activation_close_rest(&act);
                daemon_stop(&d, "startup failed", true);
        } else {
                survive_ready(&d);
                log_info("seccompd %s: listening on %s (OCI) and %s (LXC), control on %s", SECCOMPD_VERSION,
                         intake_oci_path(d.intake), d.opt.lxc_socket_path, control_path(d.control));
                notify_manager("READY=1");
        }
        uv_run(&d.loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&d.loop) < 0)
                log_warning("event loop still had handles at exit");
        syscall_table_free(d.syscalls);
        policy_store_free(d.policies);
        daemon_config_clear(&d.config);
        return r < 0 || d.failed ? 1 : 0;
}
