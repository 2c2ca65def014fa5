/* The control socket: reply documents built from a fake daemon (registry and
 * pending list filled by hand), and the server on a real loop and socket. */
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfyaml.h>
#include <uv.h>

#include "common/list.h"
#include "common/log.h"
#include "supervisor/control.h"
#include "supervisor/control_reply.h"
#include "supervisor/daemon.h"
#include "supervisor/dispatch.h"
#include "supervisor/registry.h"
#include "supervisor/policy_store.h"
#include "tests/unit/harness.h"
#include "tests/unit/control_reply_util.h"

struct fixture {
        struct daemon d;
        struct policy_store store;
        struct policy_version version;
        struct container ct;
        struct listener l;
        struct notification n;
        char dir[32], run[48], path[80];
};

/* A daemon with one container, one listener and one held mknodat in flight; the
 * loop is initialised only by fixture_socket(). */
static void fixture_init(struct fixture *f, const char *ct_id, const char *bundle, const char *file)
{
        struct request *req = &f->n.req;

        memset(f, 0, sizeof(*f));
        registry_init(&f->d.registry);
        list_init(&f->d.pending);
        f->d.started_usec = now_usec() - 3000000;
        f->d.totals = (struct stats_counters) { .received = 9, .emulated = 4, .errored = 3, .caller_gone = 1 };
        f->d.intake_accepted = 2;
        f->d.intake_rejected = 1;

        f->ct.id = (char *) ct_id;
        f->ct.init_pid = 4242;
        f->ct.bundle = (char *) bundle;
        f->ct.policy_name = (char *) "default";
        /* A container still on v1 of a policy the store has at v1: no store entry. */
        f->store.dir = (char *) "/nonexistent";
        f->d.policies = &f->store;
        f->version = (struct policy_version) { .version = 1, .refs = 2 };
        f->ct.policy_version = &f->version;
        f->ct.daemon = &f->d;
        f->ct.registered_usec = now_usec() - 1000000;
        f->ct.counters = (struct stats_counters) { .received = 7, .emulated = 4, .errored = 2, .emulate_failed = 1 };
        list_init(&f->ct.listeners);
        list_add_tail(&f->d.registry.containers, &f->ct.node);
        f->d.registry.n_containers = 1;

        f->l.container = &f->ct;
        list_init(&f->l.notifications);
        list_add_tail(&f->ct.listeners, &f->l.node);

        f->n.listener = &f->l;
        list_init(&f->n.helper_node);
        req->notif.id = 0xdeadbeef12ULL;
        req->notif.pid = 4243;
        req->notif.data.arch = AUDIT_ARCH_X86_64;
        req->notif.data.nr = SYS_mknodat;
        req->notif.data.args[0] = (uint64_t) AT_FDCWD;
        req->notif.data.args[2] = S_IFCHR | 0666;
        req->notif.data.args[3] = 0x103;
        req->sysid = SYSID_MKNODAT;
        req->dirfd = AT_FDCWD;
        req->mode = S_IFCHR | 0666;
        req->dev_major = 1;
        req->dev_minor = 3;
        if (file) {
                snprintf(req->str_buf[0], sizeof(req->str_buf[0]), "%s", file);
                req->path = req->strs[1] = req->str_buf[0];
        }
        f->n.stage = NOTIF_STAGE_HELD;
        f->n.verdict.kind = VERDICT_EMULATE;
        f->n.verdict.emulator = EMULATOR_MKNOD;
        f->n.start_nsec = now_nsec() - 2000000;
        list_add_tail(&f->d.pending, &f->n.pending_node);
        list_add_tail(&f->l.notifications, &f->n.listener_node);
        f->d.n_pending = 1;
}

TEST(pending_shows_a_held_mknodat_decoded)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "dev/null");
        doc = ask(&f.d, "pending", &json);
        EXPECT_STREQ(at(doc, "/pending/0/id"), "000000deadbeef12");
        EXPECT_STREQ(at(doc, "/pending/0/container"), "web");
        EXPECT_STREQ(at(doc, "/pending/0/pid"), "4243");
        EXPECT_STREQ(at(doc, "/pending/0/syscall"), "mknodat");
        EXPECT_STREQ(at(doc, "/pending/0/args/0"), "0xffffffffffffff9c");
        EXPECT_STREQ(at(doc, "/pending/0/args/2"), "0x21b6");
        EXPECT_STREQ(at(doc, "/pending/0/args/5"), "0x0");
        EXPECT_STREQ(at(doc, "/pending/0/decoded/path"), "dev/null");
        EXPECT_STREQ(at(doc, "/pending/0/decoded/type"), "char");
        EXPECT_STREQ(at(doc, "/pending/0/decoded/mode"), "020666");
        EXPECT_STREQ(at(doc, "/pending/0/decoded/dev"), "1:3");
        EXPECT_STREQ(at(doc, "/pending/0/decoded/dirfd"), "-100");
        EXPECT_STREQ(at(doc, "/pending/0/stage"), "held");
        EXPECT_STREQ(at(doc, "/pending/0/verdict"), "emulate mknod");
        EXPECT_GE(strtoull(at(doc, "/pending/0/age_us"), NULL, 10), 2000);
        EXPECT_LT(strtoull(at(doc, "/pending/0/age_us"), NULL, 10), 60000000);
        EXPECT_FALSE(at(doc, "/pending/1/id"));
        fy_document_destroy(doc);
        free(json);
}

TEST(pending_omits_a_path_not_read_yet)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", NULL);
        f.n.stage = NOTIF_STAGE_RECEIVED;
        doc = ask(&f.d, "pending", &json);
        EXPECT_FALSE(at(doc, "/pending/0/decoded/path"));
        EXPECT_STREQ(at(doc, "/pending/0/stage"), "received");
        EXPECT_FALSE(at(doc, "/pending/0/verdict"));
        fy_document_destroy(doc);
        free(json);
}

TEST(pending_is_an_empty_list_when_idle)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "x");
        list_del(&f.n.pending_node);
        doc = ask(&f.d, "pending", &json);
        ASSERT_TRUE(fy_node_is_sequence(fy_node_by_path(fy_document_root(doc), "/pending", FY_NT, 0)));
        EXPECT_EQ(fy_node_sequence_item_count(fy_node_by_path(fy_document_root(doc), "/pending", FY_NT, 0)), 0);
        fy_document_destroy(doc);
        free(json);
}

TEST(pending_of_a_container_lists_only_its_calls)
{
        struct fixture f;
        struct container other = { .id = (char *) "db" };
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "x");
        list_init(&other.listeners);
        list_add_tail(&f.d.registry.containers, &other.node);
        doc = ask(&f.d, "pending  web \r", &json);
        EXPECT_FALSE(at(doc, "/error"));
        EXPECT_STREQ(at(doc, "/pending/0/container"), "web");
        fy_document_destroy(doc);
        free(json);
        doc = ask(&f.d, "pending db", &json);
        EXPECT_FALSE(at(doc, "/error"));
        EXPECT_EQ(fy_node_sequence_item_count(fy_node_by_path(fy_document_root(doc), "/pending", FY_NT, 0)), 0);
        fy_document_destroy(doc);
        free(json);
}

TEST(pending_of_an_unknown_container_or_two_names_is_an_error)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "x");
        doc = ask(&f.d, "pending nope", &json);
        EXPECT_STREQ(at(doc, "/error"), "no supervised container \"nope\"");
        EXPECT_FALSE(at(doc, "/pending/0/id"));
        fy_document_destroy(doc);
        free(json);
        doc = ask(&f.d, "pending web db", &json);
        EXPECT_STREQ(at(doc, "/error"), "command 'pending' takes one argument");
        fy_document_destroy(doc);
        free(json);
}

TEST(containers_lists_counters_by_verdict)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/srv/bundle", "x");
        doc = ask(&f.d, "containers", &json);
        EXPECT_STREQ(at(doc, "/containers/0/id"), "web");
        EXPECT_STREQ(at(doc, "/containers/0/runtime"), "oci");
        EXPECT_FALSE(at(doc, "/containers/0/lxc_monitor_pid"));
        EXPECT_STREQ(at(doc, "/containers/0/init_pid"), "4242");
        EXPECT_STREQ(at(doc, "/containers/0/bundle"), "/srv/bundle");
        EXPECT_STREQ(at(doc, "/containers/0/policy"), "default");
        EXPECT_STREQ(at(doc, "/containers/0/policy_version"), "1");
        EXPECT_STREQ(at(doc, "/containers/0/policy_current_version"), "0");
        EXPECT_STREQ(at(doc, "/containers/0/listeners"), "1");
        EXPECT_STREQ(at(doc, "/containers/0/pending"), "1");
        EXPECT_STREQ(at(doc, "/containers/0/counters/received"), "7");
        EXPECT_STREQ(at(doc, "/containers/0/counters/emulated"), "4");
        EXPECT_STREQ(at(doc, "/containers/0/counters/errored"), "2");
        EXPECT_STREQ(at(doc, "/containers/0/counters/emulate_failed"), "1");
        EXPECT_STREQ(at(doc, "/containers/0/counters/continued"), "0");
        EXPECT_GE(strtoull(at(doc, "/containers/0/age_us"), NULL, 10), 1000000);
        fy_document_destroy(doc);
        free(json);
}

TEST(containers_show_the_limits_in_force)
{
        struct fixture f;
        struct policy p = { .limits = { .helper_queue = 3, .read_bytes = LIMIT_UNLIMITED } };
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/srv/bundle", "x");
        f.ct.counters.limited = 5;
        f.ct.policy = &p;
        f.d.config.limits = (struct policy_limits) { .helper_queue = 9, .error = ENOBUFS };
        doc = ask(&f.d, "containers", &json);
        EXPECT_STREQ(at(doc, "/containers/0/counters/limited"), "5");
        EXPECT_STREQ(at(doc, "/containers/0/limits/in_flight"), "256"); /* the default */
        EXPECT_STREQ(at(doc, "/containers/0/limits/helper_queue"), "3"); /* the policy's */
        EXPECT_STREQ(at(doc, "/containers/0/limits/read_bytes"), "unlimited");
        EXPECT_STREQ(at(doc, "/containers/0/limits/errno"), "ENOBUFS"); /* the config's */
        fy_document_destroy(doc);
        free(json);
}

TEST(stats_reports_totals_intake_and_latency)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "x");
        for (uint64_t v = 1; v <= 100; v++)
                latency_hist_add(&f.d.latency, v * 1000);
        doc = ask(&f.d, "stats", &json);
        EXPECT_GE(strtoull(at(doc, "/uptime_us"), NULL, 10), 3000000);
        EXPECT_STREQ(at(doc, "/containers"), "1");
        EXPECT_STREQ(at(doc, "/pending"), "1");
        EXPECT_STREQ(at(doc, "/totals/received"), "9");
        EXPECT_STREQ(at(doc, "/totals/caller_gone"), "1");
        EXPECT_STREQ(at(doc, "/intake/accepted"), "2");
        EXPECT_STREQ(at(doc, "/intake/rejected"), "1");
        EXPECT_STREQ(at(doc, "/latency_ns/count"), "100");
        EXPECT_STREQ(at(doc, "/latency_ns/min"), "1000");
        EXPECT_STREQ(at(doc, "/latency_ns/max"), "100000");
        EXPECT_STREQ(at(doc, "/latency_ns/mean"), "50500");
        EXPECT_LE(strtoull(at(doc, "/latency_ns/p50"), NULL, 10), 52000);
        EXPECT_GE(strtoull(at(doc, "/latency_ns/p50"), NULL, 10), 48000);
        EXPECT_GE(strtoull(at(doc, "/latency_ns/p99"), NULL, 10), 95000);
        /* Numbers are JSON numbers, not strings. */
        EXPECT_TRUE(strstr(json, "\"count\": 100"));
        fy_document_destroy(doc);
        free(json);
}

TEST(strings_that_look_like_numbers_stay_strings)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "1234", "null", "true");
        doc = ask(&f.d, "containers", &json);
        EXPECT_TRUE(strstr(json, "\"id\": \"1234\""));
        EXPECT_TRUE(strstr(json, "\"bundle\": \"null\""));
        fy_document_destroy(doc);
        free(json);
        doc = ask(&f.d, "pending", &json);
        EXPECT_TRUE(strstr(json, "\"container\": \"1234\""));
        EXPECT_TRUE(strstr(json, "\"path\": \"true\""));
        fy_document_destroy(doc);
        free(json);
}

/* A trapped process chooses its path bytes: escapes, invalid UTF-8, edge spaces. */
TEST(hostile_bytes_are_escaped_to_printable_ascii)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", " /b ", "\x1b[31mred\xff\\ x\n");
        doc = ask(&f.d, "pending", &json);
        EXPECT_STREQ(at(doc, "/pending/0/decoded/path"), "\\x1b[31mred\\xff\\\\ x\\x0a");
        for (const char *p = json; *p; p++)
                EXPECT_TRUE((*p >= ' ' && *p < 0x7f) || *p == '\n');
        fy_document_destroy(doc);
        free(json);
        doc = ask(&f.d, "containers", &json);
        EXPECT_STREQ(at(doc, "/containers/0/bundle"), "\\x20/b\\x20");
        fy_document_destroy(doc);
        free(json);
}

TEST(a_long_path_is_one_valid_json_string)
{
        struct fixture f;
        char *json, big[PATH_MAX];
        struct fy_document *doc;

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        big[100] = ' ';
        fixture_init(&f, "web", "/b", big);
        doc = ask(&f.d, "pending", &json);
        EXPECT_STREQ(at(doc, "/pending/0/decoded/path"), big);
        fy_document_destroy(doc);
        free(json);
}

TEST(unknown_and_malformed_requests_get_an_error_document)
{
        static const char *const requests[] = { "frobnicate", "", "   ", "stats now", "pendingx",
                                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
        struct fixture f;

        fixture_init(&f, "web", "/b", "x");
        for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
                char *json;
                struct fy_document *doc = ask(&f.d, requests[i], &json);

                EXPECT_TRUE(at(doc, "/error"));
                EXPECT_STREQ(at(doc, "/commands/0"), "ping");
                fy_document_destroy(doc);
                free(json);
        }
}

TEST(blanks_around_the_command_are_ignored)
{
        struct fixture f;
        char *json;
        struct fy_document *doc;

        fixture_init(&f, "web", "/b", "x");
        doc = ask(&f.d, " \tping \r", &json);
        EXPECT_STREQ(at(doc, "/pong"), "true");
        EXPECT_FALSE(at(doc, "/error"));
        fy_document_destroy(doc);
        free(json);
}

/* ---- the server ---- */

static void fixture_socket(struct fixture *f)
{
        ASSERT_EQ(uv_loop_init(&f->d.loop), 0);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_control.XXXXXX");
        ASSERT_TRUE(mkdtemp(f->dir));
        snprintf(f->run, sizeof(f->run), "%s/run", f->dir);
        snprintf(f->path, sizeof(f->path), "%s/control.sock", f->run);
}

static void fixture_cleanup(struct fixture *f)
{
        (void) rmdir(f->run);
        (void) rmdir(f->dir);
}

static int client_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                if (fd >= 0)
                        close(fd);
                return r;
        }
        return fd;
}

/* Runs the loop while reading the client side to EOF (or for at most ~2 s). */
static size_t run_until_eof(uv_loop_t *loop, int fd, char *buf, size_t size)
{
        size_t len = 0;

        for (int i = 0; i < 400; i++) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                uv_run(loop, UV_RUN_NOWAIT);
                (void) poll(&p, 1, 5);
                n = recv(fd, buf + len, size - 1 - len, 0);
                if (n == 0)
                        break;
                if (n > 0)
                        len += (size_t) n;
        }
        buf[len] = '\0';
        return len;
}

/* A new connection asks "ping" and is answered. */
static void expect_pong(uv_loop_t *loop, const char *path)
{
        char reply[4096];
        int fd = client_connect(path);

        ASSERT_GE(fd, 0);
        ASSERT_EQ(send(fd, "ping\n", 5, 0), 5);
        run_until_eof(loop, fd, reply, sizeof(reply));
        EXPECT_TRUE(strstr(reply, "\"pong\": true"));
        close(fd);
}

static void close_and_drain(struct fixture *f, struct control *c)
{
        ASSERT_TRUE(control_free(c) == NULL);
        ASSERT_EQ(uv_run(&f->d.loop, UV_RUN_DEFAULT), 0);
        ASSERT_EQ(uv_loop_close(&f->d.loop), 0);
}

TEST(server_answers_one_request_and_closes)
{
        struct fixture f;
        struct control *c = NULL;
        struct fy_document *doc;
        struct stat st;
        char reply[65536];
        int fd;

        fixture_init(&f, "web", "/b", "dev/null");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        ASSERT_EQ(lstat(f.path, &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, 0600);
        ASSERT_EQ(stat(f.run, &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0700);
        fd = client_connect(f.path);
        ASSERT_GE(fd, 0);
        /* In two pieces: the server must wait for the newline. */
        ASSERT_EQ(send(fd, "pend", 4, 0), 4);
        uv_run(&f.d.loop, UV_RUN_NOWAIT);
        ASSERT_EQ(send(fd, "ing\n", 4, 0), 4);
        ASSERT_GT(run_until_eof(&f.d.loop, fd, reply, sizeof(reply)), 0);
        doc = parse(reply);
        ASSERT_TRUE(doc);
        EXPECT_STREQ(at(doc, "/pending/0/decoded/path"), "dev/null");
        fy_document_destroy(doc);
        close(fd);
        close_and_drain(&f, c);
        EXPECT_EQ(lstat(f.path, &st), -1);
        fixture_cleanup(&f);
}

/* What a service manager passes, bound and listening before we run (made
 * non-blocking by activation_take()). */
static int manager_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        ASSERT_GE(fd, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ASSERT_EQ(listen(fd, 4), 0);
        return fd;
}

TEST(passed_socket_is_served_and_left_in_place)
{
        struct fixture f;
        struct control *c = NULL;
        struct stat st;
        int lfd, manager_copy, fd;

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(mkdir(f.run, 0700), 0);
        lfd = manager_socket(f.path);
        manager_copy = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
        ASSERT_EQ(control_adopt(&f.d, lfd, &c), 0);
        EXPECT_STREQ(control_path(c), f.path);
        expect_pong(&f.d.loop, f.path);
        close_and_drain(&f, c);
        /* The manager still listens there: the file stays, and so does the socket. */
        ASSERT_EQ(lstat(f.path, &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        fd = client_connect(f.path);
        EXPECT_GE(fd, 0);
        close(fd);
        close(manager_copy);
        unlink(f.path);
        fixture_cleanup(&f);
}

TEST(request_without_newline_is_ended_by_eof)
{
        struct fixture f;
        struct control *c = NULL;
        char reply[65536];
        int fd;

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        fd = client_connect(f.path);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(send(fd, "ping", 4, 0), 4);
        ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
        run_until_eof(&f.d.loop, fd, reply, sizeof(reply));
        EXPECT_TRUE(strstr(reply, "\"pong\": true"));
        close(fd);
        close_and_drain(&f, c);
        fixture_cleanup(&f);
}

TEST(oversized_request_gets_an_error)
{
        struct fixture f;
        struct control *c = NULL;
        char big[CONTROL_MAX_REQUEST + 100], reply[4096];
        int fd;

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        fd = client_connect(f.path);
        ASSERT_GE(fd, 0);
        memset(big, 'a', sizeof(big));
        ASSERT_EQ(send(fd, big, sizeof(big), 0), (ssize_t) sizeof(big));
        run_until_eof(&f.d.loop, fd, reply, sizeof(reply));
        EXPECT_TRUE(strstr(reply, "request too long"));
        close(fd);
        close_and_drain(&f, c);
        fixture_cleanup(&f);
}

/* The socket is 0600 in a 0700 directory; opened up here to reach the peer check. */
TEST(non_root_peer_is_refused)
{
        struct fixture f;
        struct control *c = NULL;
        int status = -1;
        pid_t pid, w = 0;

        /* Root is needed to switch to an unprivileged uid; CI runs as root. */
        ASSERT_EQ(geteuid(), 0);
        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        ASSERT_EQ(chmod(f.dir, 0755), 0);
        ASSERT_EQ(chmod(f.run, 0755), 0);
        ASSERT_EQ(chmod(f.path, 0666), 0);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
                char reply[4096];
                ssize_t n;
                int fd;

                if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        _exit(10);
                fd = client_connect(f.path);
                if (fd < 0 || fcntl(fd, F_SETFL, 0) < 0)
                        _exit(11);
                (void) send(fd, "stats\n", 6, MSG_NOSIGNAL); /* the server may have hung up already */
                n = recv(fd, reply, sizeof(reply) - 1, MSG_WAITALL);
                if (n <= 0)
                        _exit(12);
                reply[n] = '\0';
                _exit(strstr(reply, "permission denied") && !strstr(reply, "totals") ? 0 : 13);
        }
        for (int i = 0; i < 400 && w == 0; i++) {
                uv_run(&f.d.loop, UV_RUN_NOWAIT);
                usleep(5000);
                w = waitpid(pid, &status, WNOHANG);
        }
        if (w == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
        }
        ASSERT_EQ(w, pid);
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0);
        close_and_drain(&f, c);
        fixture_cleanup(&f);
}

TEST(stale_socket_is_replaced_but_live_one_and_files_are_not)
{
        struct fixture f;
        struct control *c = NULL, *c2 = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(mkdir(f.run, 0700), 0);

        /* Bound, never listened on, closed: what a killed daemon leaves behind. */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f.path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(fd);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);

        EXPECT_EQ(control_new(&f.d, f.path, &c2), -EADDRINUSE);
        EXPECT_TRUE(c2 == NULL);
        close_and_drain(&f, c);

        ASSERT_EQ(uv_loop_init(&f.d.loop), 0);
        fd = open(f.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        close(fd);
        EXPECT_EQ(control_new(&f.d, f.path, &c2), -EEXIST);
        unlink(f.path);
        EXPECT_EQ(uv_loop_close(&f.d.loop), 0);
        fixture_cleanup(&f);
}

TEST(free_drops_open_connections_and_releases_everything)
{
        struct fixture f;
        struct control *c = NULL;
        char buf[16];
        int fd1, fd2;

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        fd1 = client_connect(f.path);
        fd2 = client_connect(f.path);
        ASSERT_GE(fd1, 0);
        ASSERT_GE(fd2, 0);
        ASSERT_EQ(send(fd2, "pi", 2, 0), 2);
        for (int i = 0; i < 10; i++)
                uv_run(&f.d.loop, UV_RUN_NOWAIT);
        close_and_drain(&f, c);
        EXPECT_EQ(recv(fd1, buf, sizeof(buf), 0), 0);
        EXPECT_EQ(recv(fd2, buf, sizeof(buf), 0), 0);
        EXPECT_EQ(client_connect(f.path), -ENOENT);
        close(fd1);
        close(fd2);
        EXPECT_FALSE(control_free(NULL));
        fixture_cleanup(&f);
}

TEST(connections_beyond_the_limit_are_told_busy)
{
        struct fixture f;
        struct control *c = NULL;
        int fds[CONTROL_MAX_CONNECTIONS], extra;
        char reply[4096];

        fixture_init(&f, "web", "/b", "x");
        fixture_socket(&f);
        ASSERT_EQ(control_new(&f.d, f.path, &c), 0);
        for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
                fds[i] = client_connect(f.path);
                ASSERT_GE(fds[i], 0);
        }
        for (int i = 0; i < 10; i++)
                uv_run(&f.d.loop, UV_RUN_NOWAIT);
        extra = client_connect(f.path);
        ASSERT_GE(extra, 0);
        run_until_eof(&f.d.loop, extra, reply, sizeof(reply));
        EXPECT_TRUE(strstr(reply, "busy"));
        close(extra);
        /* A slot frees up: served again. */
        close(fds[0]);
        for (int i = 0; i < 10; i++)
                uv_run(&f.d.loop, UV_RUN_NOWAIT);
        expect_pong(&f.d.loop, f.path);
        for (size_t i = 1; i < ARRAY_SIZE(fds); i++)
                close(fds[i]);
        close_and_drain(&f, c);
        fixture_cleanup(&f);
}
