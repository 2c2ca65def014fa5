/* OCI hook registrations through the control commands register/unregister: the
 * record a hook makes before any listener, the listener that joins it, and the
 * ways the registration ends (unregister, init's exit, shutdown). Real child
 * processes and a real loop; no socket (control_reply is asked directly). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "common/list.h"
#include "supervisor/answer.h"
#include "supervisor/daemon.h"
#include "supervisor/policy_store.h"
#include "supervisor/registry.h"
#include "tests/unit/harness.h"
#include "tests/unit/control_reply_util.h"
#include "tests/unit/trap.h"

struct fixture {
        struct daemon d;
        struct policy_store store;
};

static void fixture_init(struct fixture *f)
{
        memset(f, 0, sizeof(*f));
        registry_init(&f->d.registry);
        list_init(&f->d.pending);
        list_init(&f->d.fuse_runs);
        f->store.dir = (char *) "/nonexistent";
        f->d.policies = &f->store;
        ASSERT_EQ(uv_loop_init(&f->d.loop), 0);
}

/* Shuts the registry down and checks that every handle went (no leak). */
static void fixture_done(struct fixture *f)
{
        registry_close_all(&f->d.registry);
        ASSERT_EQ(uv_run(&f->d.loop, UV_RUN_DEFAULT), 0);
        EXPECT_EQ(f->d.registry.n_containers, 0);
        EXPECT_EQ(uv_loop_close(&f->d.loop), 0);
}

/* A child that waits to be killed: the container's init. */
static pid_t sleeper(void)
{
        pid_t pid = fork();

        ASSERT_GE(pid, 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        return pid;
}

static void reap(pid_t pid)
{
        kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

/* "register"/"unregister" and runc's createRuntime state for |id| and |pid|. */
static void request(char *buf, size_t size, const char *cmd, const char *id, pid_t pid)
{
        snprintf(buf, size,
                 "%s {\"ociVersion\":\"1.0.2-dev\",\"id\":\"%s\",\"status\":\"creating\",\"pid\":%d,"
                 "\"bundle\":\"/srv/b\",\"annotations\":{\"org.seccompd.policy\":\"default\",\"k \\\"q\\\"\":\"v\"}}",
                 cmd, id, (int) pid);
}

/* What `cmd` answers at |path|; the caller frees nothing (copied into |buf|). */
static const char *answer(struct fixture *f, const char *req, const char *path, char *buf, size_t size)
{
        _cleanup_free_ char *json = NULL;
        struct fy_document *doc = ask(&f->d, req, &json);
        const char *v = at(doc, path);

        snprintf(buf, size, "%s", v ? v : "(none)");
        fy_document_destroy(doc);
        return buf;
}

/* Registers |id| with init |pid| and checks the daemon said so. */
static void register_ok(struct fixture *f, const char *id, pid_t pid)
{
        char req[512], buf[64];

        request(req, sizeof(req), "register", id, pid);
        EXPECT_STREQ(answer(f, req, "/registered", buf, sizeof(buf)), id);
}

static size_t n_containers(struct fixture *f)
{
        _cleanup_free_ char *json = NULL;
        struct fy_document *doc = ask(&f->d, "containers", &json);
        size_t n = fy_node_sequence_item_count(fy_node_by_path(fy_document_root(doc), "/containers", FY_NT, 0));

        fy_document_destroy(doc);
        return n;
}

TEST(register_records_a_container_with_no_listener_yet)
{
        _cleanup_free_ char *json = NULL;
        struct fixture f;
        struct fy_document *doc;
        char req[512], pid_s[16];
        pid_t pid = sleeper();

        fixture_init(&f);
        request(req, sizeof(req), "register", "ct1", pid);
        doc = ask(&f.d, req, &json);
        EXPECT_STREQ(at(doc, "/registered"), "ct1");
        snprintf(pid_s, sizeof(pid_s), "%d", (int) pid);
        EXPECT_STREQ(at(doc, "/init_pid"), pid_s);
        fy_document_destroy(doc);
        free(TAKE_PTR(json));

        doc = ask(&f.d, "containers", &json);
        EXPECT_STREQ(at(doc, "/containers/0/id"), "ct1");
        EXPECT_STREQ(at(doc, "/containers/0/init_pid"), pid_s);
        EXPECT_STREQ(at(doc, "/containers/0/bundle"), "/srv/b");
        EXPECT_STREQ(at(doc, "/containers/0/hook"), "true");
        EXPECT_STREQ(at(doc, "/containers/0/listeners"), "0");
        EXPECT_STREQ(at(doc, "/containers/0/policy"), "");
        EXPECT_STREQ(at(doc, "/containers/0/policy_version"), "0");
        EXPECT_STREQ(at(doc, "/containers/0/annotations/org.seccompd.policy"), "default");
        /* Read at once from /proc/PID/cgroup: the test's own cgroup. */
        EXPECT_TRUE(at(doc, "/containers/0/cgroup2") && at(doc, "/containers/0/cgroup2")[0] == '/');
        fy_document_destroy(doc);
        reap(pid);
        fixture_done(&f);
}

TEST(unregister_forgets_a_record_without_listeners_at_once)
{
        struct fixture f;
        char req[512], buf[64];
        pid_t pid = sleeper();

        fixture_init(&f);
        register_ok(&f, "ct1", pid);
        request(req, sizeof(req), "unregister", "ct1", pid);
        EXPECT_STREQ(answer(&f, req, "/unregistered", buf, sizeof(buf)), "true");
        EXPECT_EQ(n_containers(&f), 0);
        /* Poststop of a container whose registration already ended: not an error. */
        EXPECT_STREQ(answer(&f, req, "/unregistered", buf, sizeof(buf)), "false");
        EXPECT_STREQ(answer(&f, req, "/error", buf, sizeof(buf)), "(none)");
        reap(pid);
        fixture_done(&f);
}

TEST(init_exit_ends_the_registration)
{
        struct fixture f;
        pid_t pid = sleeper();

        fixture_init(&f);
        register_ok(&f, "ct1", pid);
        reap(pid);
        /* The pidfd poll fires, closes, and frees the record: then the loop is idle. */
        ASSERT_EQ(uv_run(&f.d.loop, UV_RUN_DEFAULT), 0);
        EXPECT_EQ(n_containers(&f), 0);
        EXPECT_EQ(uv_loop_close(&f.d.loop), 0);
}

TEST(a_listener_joins_the_hook_record_and_brings_its_policy)
{
        struct policy_version v = { .version = 3, .refs = 2 }; /* never freed by the record */
        struct trap_opts o = { 0 };
        struct trap t = TRAP_NULL;
        struct container *c = NULL;
        struct fixture f;
        char req[512], buf[64];

        fixture_init(&f);
        ASSERT_EQ(trap_start(&o, &t), 0);
        register_ok(&f, "ct1", t.pid);

        struct container_info info = { .id = "ct1", .init_pid = t.pid, .bundle = "/srv/b",
                                       .policy_name = "default", .policy_version = &v };
        struct listener_spec spec = { .ops = &answer_notify_fd_ops, .fd = t.listener_fd, .poll_fd = t.listener_fd };
        struct listener *l = NULL;

        ASSERT_EQ(registry_add_listener(&f.d, &info, &spec, &l), 0);
        t.listener_fd = -EBADF; /* the registry's now */
        c = l->container;
        EXPECT_TRUE(c == registry_find(&f.d.registry, "ct1"));
        EXPECT_EQ(n_containers(&f), 1);
        EXPECT_STREQ(answer(&f, "containers", "/containers/0/policy", buf, sizeof(buf)), "default");
        EXPECT_STREQ(answer(&f, "containers", "/containers/0/policy_version", buf, sizeof(buf)), "3");
        EXPECT_STREQ(answer(&f, "containers", "/containers/0/listeners", buf, sizeof(buf)), "1");

        /* Unregistered while a listener is open: listed until the listener goes. */
        request(req, sizeof(req), "unregister", "ct1", t.pid);
        EXPECT_STREQ(answer(&f, req, "/unregistered", buf, sizeof(buf)), "true");
        EXPECT_STREQ(answer(&f, "containers", "/containers/0/hook", buf, sizeof(buf)), "false");
        trap_done(&t);
        fixture_done(&f);
}

TEST(bad_requests_are_refused_with_a_reason)
{
        struct fixture f;
        char req[512], buf[256];

        fixture_init(&f);
        EXPECT_TRUE(strstr(answer(&f, "register", "/error", buf, sizeof(buf)), "expected the container's OCI state"));
        EXPECT_TRUE(strstr(answer(&f, "register {nope", "/error", buf, sizeof(buf)), "invalid container state"));
        EXPECT_TRUE(strstr(answer(&f, "register {\"ociVersion\":\"1\",\"id\":\"x\"}", "/error", buf, sizeof(buf)),
                           "has no pid"));
        EXPECT_TRUE(strstr(answer(&f, "unregister [1]", "/error", buf, sizeof(buf)), "not a JSON object"));
        request(req, sizeof(req), "register", "ct1", 999999999);
        EXPECT_TRUE(strstr(answer(&f, req, "/error", buf, sizeof(buf)), "pid 999999999 does not exist"));
        EXPECT_EQ(n_containers(&f), 0);
        fixture_done(&f);
}

TEST(an_id_in_use_by_another_live_init_is_refused)
{
        struct fixture f;
        char req[512], buf[256];
        pid_t a = sleeper(), b = sleeper();

        fixture_init(&f);
        register_ok(&f, "ct1", a);
        request(req, sizeof(req), "register", "ct1", b);
        EXPECT_TRUE(strstr(answer(&f, req, "/error", buf, sizeof(buf)), "already registered"));
        request(req, sizeof(req), "unregister", "ct1", b);
        EXPECT_TRUE(strstr(answer(&f, req, "/error", buf, sizeof(buf)), "is not its live init"));
        /* Once the first init is gone, the id is free for the second. */
        reap(a);
        register_ok(&f, "ct1", b);
        EXPECT_EQ(n_containers(&f), 1);
        reap(b);
        fixture_done(&f);
}
