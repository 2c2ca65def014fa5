/* Policy test files (policy/testsuite.c): parsing cases, encoding args as the
 * kernel hands them to seccomp, callers, expectations, errors with line:col, and
 * running cases against a parsed policy. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <seccomp.h>

#include "policy/parse.h"
#include "policy/testsuite.h"
#include "tests/unit/harness.h"

/* new_encode_dev(), written out independently of the code under test. */
static uint64_t kdev(uint32_t major, uint32_t minor)
{
        return (minor & 0xff) | (major << 8) | ((uint64_t) (minor & ~0xffU) << 12);
}

static struct testsuite *parse_ok(const char *text)
{
        struct policy_diags d = {};
        struct testsuite *t = NULL;
        int r = testsuite_parse(text, strlen(text), 0, &t, &d);

        if (r < 0 || d.n > 0) {
                policy_diags_print(&d, "<test>", stderr);
                HARNESS_FAIL(true, "testsuite_parse: %d", r);
        }
        policy_diags_clear(&d);
        return t;
}

/* Parsing fails, and one diagnostic is at line:col and contains |msg|. */
static void parse_fails(const char *text, uint32_t arch, unsigned line, unsigned col, const char *msg)
{
        struct policy_diags d = {};
        struct testsuite *t = NULL;
        bool found = false;
        int r = testsuite_parse(text, strlen(text), arch, &t, &d);

        EXPECT_EQ(r, -EINVAL);
        EXPECT_TRUE(t == NULL);
        EXPECT_GT(d.n_errors, 0);
        for (size_t i = 0; i < d.n; i++)
                found = found || (d.v[i].pos.line == line && d.v[i].pos.col == col && strstr(d.v[i].msg, msg));
        if (!found) {
                policy_diags_print(&d, "<test>", stderr);
                HARNESS_FAIL(false, "no error %u:%u containing \"%s\"", line, col, msg);
        }
        policy_diags_clear(&d);
        testsuite_free(t);
}

/* One case of mknodat/mknod/... with |args| (a flow mapping) and an expectation. */
static struct testsuite *one_case(const char *syscall, const char *args, const char *extra)
{
        char text[2048];

        snprintf(text, sizeof(text),
                 "policy: default\n"
                 "cases:\n"
                 "  - name: c\n"
                 "    syscall: %s\n"
                 "    args: %s\n"
                 "%s"
                 "    expect: continue\n",
                 syscall, args, extra ? extra : "");
        return parse_ok(text);
}

static struct policy *policy_ok(const char *text)
{
        struct policy_diags d = {};
        struct policy *p = NULL;
        int r = policy_parse(text, strlen(text), "test.yaml", 0, &p, &d);

        if (r < 0) {
                policy_diags_print(&d, "test.yaml", stderr);
                HARNESS_FAIL(true, "policy_parse: %d", r);
        }
        policy_diags_clear(&d);
        return p;
}

static const char mknod_policy[] =
        "name: test\n"                                    /* 1 */
        "description: t\n"                                /* 2 */
        "default: errno EPERM\n"                          /* 3 */
        "rules:\n"                                        /* 4 */
        "  - name: plain\n"                               /* 5 */
        "    syscalls: [mknod, mknodat]\n"
        "    match: {mode: {type: [S_IFREG, S_IFIFO]}}\n"
        "    action: continue\n"
        "  - name: safe\n"                                /* 9 */
        "    syscalls: [mknod, mknodat]\n"
        "    match: {mode: {type: S_IFCHR}, dev: [\"1:3\"]}\n"
        "    action: emulate mknod\n"
        "  - syscalls: [openat]\n"                        /* 13 */
        "    match: {path: [/dev/net/tun]}\n"
        "    action: {inject: /dev/net/tun, flags: O_RDWR}\n"
        "  - syscalls: [mknodat]\n"                       /* 16 */
        "    match: {caller: {capabilities: [CAP_MKNOD], userns: false}}\n"
        "    action: errno ENOSYS\n";

TEST(parses_cases_in_order_with_their_first_line)
{
        struct testsuite *t = parse_ok("# a comment\n"
                                       "policy: default\n"
                                       "description: two cases\n"
                                       "cases:\n"
                                       "  - name: first\n"
                                       "    syscall: mknod\n"
                                       "    expect: errno EPERM\n"
                                       "  - syscall: mknodat\n"
                                       "    name: second\n"
                                       "    expect: emulate mknod\n"
                                       "    rule: safe-devices\n");

        ASSERT_EQ(t->n_cases, 2);
        EXPECT_STREQ(t->policy, "default");
        EXPECT_EQ(t->policy_pos.line, 2);
        EXPECT_EQ(t->policy_pos.col, 9);
        EXPECT_STREQ(t->description, "two cases");
        EXPECT_STREQ(t->cases[0].name, "first");
        EXPECT_EQ(t->cases[0].pos.line, 5);
        EXPECT_STREQ(t->cases[0].syscall, "mknod");
        EXPECT_EQ(t->cases[0].expect.kind, VERDICT_ERRNO);
        EXPECT_EQ(t->cases[0].expect.error, EPERM);
        EXPECT_EQ(t->cases[0].expect.rule_kind, TESTSUITE_RULE_ANY);
        EXPECT_FALSE(t->cases[0].has_caller);
        EXPECT_STREQ(t->cases[1].name, "second");
        EXPECT_EQ(t->cases[1].pos.line, 8);
        EXPECT_EQ(t->cases[1].expect.kind, VERDICT_EMULATE);
        EXPECT_EQ(t->cases[1].expect.emulator, EMULATOR_MKNOD);
        EXPECT_EQ(t->cases[1].expect.rule_kind, TESTSUITE_RULE_NAME);
        EXPECT_STREQ(t->cases[1].expect.rule_name, "safe-devices");
        for (size_t i = 0; i < 6; i++) {
                EXPECT_EQ(t->cases[0].args[i], 0);
                EXPECT_TRUE(t->cases[0].strs[i] == NULL);
        }
        testsuite_free(t);
}

TEST(dev_is_encoded_like_new_encode_dev)
{
        static const uint32_t devs[][2] = {
                { 1, 3 }, { 0, 0 }, { 1, 259 }, { 257, 3 }, { 10, 200 }, { 4095, 1048575 }, { 8, 65539 },
        };

        for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
                char args[128];
                struct testsuite *t;
                struct policy_dev d;

                snprintf(args, sizeof(args), "{path: /dev/x, mode: S_IFCHR, dev: \"%u:%u\"}", devs[i][0], devs[i][1]);
                t = one_case("mknod", args, NULL);
                EXPECT_EQ(t->cases[0].args[2], kdev(devs[i][0], devs[i][1]));
                d = policy_decode_dev(t->cases[0].args[2]);
                EXPECT_EQ(d.major, devs[i][0]);
                EXPECT_EQ(d.minor, devs[i][1]);
                testsuite_free(t);
        }
}

TEST(dev_as_a_plain_number_is_the_raw_register)
{
        struct testsuite *t = one_case("mknodat", "{dev: 0x103, arg2: 0x21b6}", NULL);

        EXPECT_EQ(t->cases[0].args[3], 0x103);
        EXPECT_EQ(t->cases[0].args[2], S_IFCHR | 0666);
        testsuite_free(t);
        t = one_case("mknodat", "{arg3: 0xdead000000000103}", NULL);
        EXPECT_EQ(t->cases[0].args[3], UINT64_C(0xdead000000000103));
        testsuite_free(t);
}

TEST(mode_takes_file_types_permission_symbols_and_octal)
{
        struct testsuite *t = one_case("mknodat", "{mode: S_IFCHR|0666}", NULL);

        EXPECT_EQ(t->cases[0].args[2], S_IFCHR | 0666);
        testsuite_free(t);
        t = one_case("mknod", "{mode: S_IFBLK | S_ISUID | 0o640}", NULL);
        EXPECT_EQ(t->cases[0].args[1], S_IFBLK | S_ISUID | 0640);
        testsuite_free(t);
        t = one_case("mknod", "{mode: 0644}", NULL);
        EXPECT_EQ(t->cases[0].args[1], 0644);
        testsuite_free(t);
        t = one_case("mknod", "{mode: S_IRWXU|S_IRGRP|S_IFIFO}", NULL);
        EXPECT_EQ(t->cases[0].args[1], S_IFIFO | 0740);
        testsuite_free(t);
}

TEST(fd_args_are_sign_extended_like_glibc_passes_them)
{
        struct testsuite *t = one_case("mknodat", "{dirfd: AT_FDCWD}", NULL);

        EXPECT_EQ(t->cases[0].args[0], (uint64_t) (int64_t) AT_FDCWD);
        testsuite_free(t);
        t = one_case("mknodat", "{dirfd: -100}", NULL);
        EXPECT_EQ(t->cases[0].args[0], (uint64_t) (int64_t) AT_FDCWD);
        testsuite_free(t);
        t = one_case("mknodat", "{dirfd: 3}", NULL);
        EXPECT_EQ(t->cases[0].args[0], 3);
        testsuite_free(t);
}

TEST(flags_take_expressions_and_lists)
{
        struct testsuite *t = one_case("mount", "{flags: [MS_BIND, MS_REC]}", NULL);

        EXPECT_EQ(t->cases[0].args[3], MS_BIND | MS_REC);
        testsuite_free(t);
        t = one_case("mount", "{flags: MS_NOSUID|MS_NODEV|0x8}", NULL);
        EXPECT_EQ(t->cases[0].args[3], MS_NOSUID | MS_NODEV | MS_NOEXEC);
        testsuite_free(t);
        t = one_case("openat", "{flags: O_RDWR|O_CLOEXEC}", NULL);
        EXPECT_EQ(t->cases[0].args[2], O_RDWR | O_CLOEXEC);
        testsuite_free(t);
}

TEST(string_args_get_text_and_a_fake_pointer)
{
        struct testsuite *t = one_case("mount", "{source: none, target: /mnt, fstype: tmpfs, data: 0}", NULL);
        struct policy_call call;

        EXPECT_STREQ(t->cases[0].strs[0], "none");
        EXPECT_STREQ(t->cases[0].strs[1], "/mnt");
        EXPECT_STREQ(t->cases[0].strs[2], "tmpfs");
        EXPECT_TRUE(t->cases[0].strs[4] == NULL);
        EXPECT_EQ(t->cases[0].args[1], TESTSUITE_FAKE_PTR(1));
        EXPECT_NE(t->cases[0].args[2], 0);
        EXPECT_EQ(t->cases[0].args[4], 0);
        testsuite_case_call(&t->cases[0], &call);
        EXPECT_STREQ(call.syscall, "mount");
        EXPECT_STREQ(call.strs[2], "tmpfs");
        EXPECT_EQ(call.args[1], TESTSUITE_FAKE_PTR(1));
        EXPECT_TRUE(call.caller == NULL);
        EXPECT_TRUE(call.cwd == NULL);
        testsuite_free(t);
}

TEST(null_string_is_a_null_pointer_and_quoted_null_is_text)
{
        struct testsuite *t = one_case("mknod", "{path: null}", NULL);

        EXPECT_EQ(t->cases[0].args[0], 0);
        EXPECT_TRUE(t->cases[0].strs[0] == NULL);
        testsuite_free(t);
        t = one_case("mknod", "{path: \"null\"}", NULL);
        EXPECT_STREQ(t->cases[0].strs[0], "null");
        EXPECT_EQ(t->cases[0].args[0], TESTSUITE_FAKE_PTR(0));
        testsuite_free(t);
}

TEST(caller_fields_fill_policy_caller)
{
        struct testsuite *t = one_case(
                "mknod", "{}",
                "    caller: {uid: 1000, gid: 100, capabilities: [CAP_MKNOD, sys_admin], uid_map: \"0 100000 65536\","
                " cwd: /root}\n");
        struct policy_call call;

        ASSERT_TRUE(t->cases[0].has_caller);
        EXPECT_EQ(t->cases[0].caller.uid, 1000);
        EXPECT_EQ(t->cases[0].caller.gid, 100);
        EXPECT_EQ(t->cases[0].caller.cap_effective, (UINT64_C(1) << CAP_MKNOD) | (UINT64_C(1) << CAP_SYS_ADMIN));
        EXPECT_TRUE(t->cases[0].caller.userns);
        EXPECT_STREQ(t->cases[0].cwd, "/root");
        testsuite_case_call(&t->cases[0], &call);
        EXPECT_TRUE(call.caller == &t->cases[0].caller);
        EXPECT_STREQ(call.cwd, "/root");
        testsuite_free(t);
}

TEST(caller_defaults_and_explicit_userns)
{
        struct testsuite *t = one_case("mknod", "{}", "    caller: {}\n");

        EXPECT_TRUE(t->cases[0].has_caller);
        EXPECT_EQ(t->cases[0].caller.uid, 0);
        EXPECT_EQ(t->cases[0].caller.cap_effective, 0);
        EXPECT_FALSE(t->cases[0].caller.userns);
        testsuite_free(t);
        t = one_case("mknod", "{}", "    caller: {uid_map: \"0 0 4294967295\", userns: false, capabilities: all}\n");
        EXPECT_FALSE(t->cases[0].caller.userns);
        EXPECT_EQ(t->cases[0].caller.cap_effective, (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1);
        testsuite_free(t);
        t = one_case("mknod", "{}", "    caller: {userns: true, capabilities: []}\n");
        EXPECT_TRUE(t->cases[0].caller.userns);
        EXPECT_EQ(t->cases[0].caller.cap_effective, 0);
        testsuite_free(t);
}

TEST(expect_forms)
{
        static const struct {
                const char *text;
                enum verdict_kind kind;
                int error;
        } forms[] = {
                { "continue", VERDICT_CONTINUE, 0 },   { "errno EPERM", VERDICT_ERRNO, EPERM },
                { "errno   ENOSYS", VERDICT_ERRNO, ENOSYS }, { "errno EWOULDBLOCK", VERDICT_ERRNO, EAGAIN },
                { "emulate mknod", VERDICT_EMULATE, 0 }, { "inject", VERDICT_INJECT, 0 },
                { "inject /dev/net/tun", VERDICT_INJECT, 0 }, { "inject requested", VERDICT_INJECT, 0 },
        };

        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
                char text[256];
                struct testsuite *t;

                snprintf(text, sizeof(text), "policy: p.yaml\ncases:\n- {name: a, syscall: openat, expect: %s}\n",
                         forms[i].text);
                t = parse_ok(text);
                EXPECT_EQ(t->cases[0].expect.kind, forms[i].kind);
                EXPECT_EQ(t->cases[0].expect.error, forms[i].error);
                if (i == 6)
                        EXPECT_STREQ(t->cases[0].expect.inject_path, "/dev/net/tun");
                else
                        EXPECT_TRUE(t->cases[0].expect.inject_path == NULL);
                EXPECT_EQ(t->cases[0].expect.inject_requested, i == 7);
                testsuite_free(t);
        }
}

TEST(rule_by_number_and_default)
{
        struct testsuite *t = parse_ok("policy: x\ncases:\n"
                                       "- {name: a, syscall: mknod, expect: continue, rule: 2}\n"
                                       "- {name: b, syscall: mknod, expect: continue, rule: default}\n");

        EXPECT_EQ(t->cases[0].expect.rule_kind, TESTSUITE_RULE_NUMBER);
        EXPECT_EQ(t->cases[0].expect.rule_number, 2);
        EXPECT_EQ(t->cases[1].expect.rule_kind, TESTSUITE_RULE_DEFAULT);
        testsuite_free(t);
}

TEST(policy_is_a_path_when_it_has_a_slash_or_yaml_suffix)
{
        EXPECT_FALSE(testsuite_policy_is_path("default"));
        EXPECT_FALSE(testsuite_policy_is_path("nested-containers"));
        EXPECT_TRUE(testsuite_policy_is_path("default.yaml"));
        EXPECT_TRUE(testsuite_policy_is_path("../../examples/policies/default"));
        EXPECT_TRUE(testsuite_policy_is_path("/etc/seccompd/policies/x.yaml"));
}

/* ---- errors, each at its line:col ---- */

#define HEAD "policy: default\ncases:\n"

TEST(error_unknown_keys)
{
        parse_fails("policy: default\npolcy: x\ncases:\n- {name: a, syscall: mknod, expect: continue}\n", 0, 2, 1,
                    "unknown key \"polcy\"");
        parse_fails(HEAD "  - name: a\n    syscall: mknod\n    expcet: continue\n", 0, 5, 5, "unknown key \"expcet\"");
        parse_fails(HEAD "  - name: a\n    syscall: mknod\n    expcet: continue\n", 0, 3, 5, "missing key \"expect\"");
        parse_fails(HEAD "  - name: a\n    syscall: mknod\n    expect: continue\n    caller: {uid: 0, caps: []}\n", 0, 6,
                    22, "unknown key \"caps\" in caller");
}

TEST(error_unknown_syscall_for_the_arch)
{
        parse_fails(HEAD "  - name: a\n    syscall: mknodz\n    expect: continue\n", 0, 4, 14,
                    "unknown syscall \"mknodz\"");
        /* aarch64 has only mknodat. */
        parse_fails(HEAD "  - name: a\n    syscall: mknod\n    expect: continue\n", SCMP_ARCH_AARCH64, 4, 14,
                    "unknown syscall \"mknod\"");
}

TEST(error_unknown_arg_and_arg_set_twice)
{
        parse_fails(HEAD "  - name: a\n    syscall: mknodat\n    args: {mdoe: 0}\n    expect: continue\n", 0, 5, 12,
                    "unknown arg \"mdoe\" for mknodat");
        parse_fails(HEAD "  - name: a\n    syscall: mknodat\n    args: {path: /x, arg1: 0}\n    expect: continue\n", 0,
                    5, 22, "sets arg 1 again");
        parse_fails(HEAD "  - name: a\n    syscall: getpid\n    args: {path: /x}\n    expect: continue\n", 0, 5, 12,
                    "unknown arg \"path\" for getpid (its args: arg0..arg5)");
}

TEST(error_bad_values)
{
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {mode: S_IFCHAR|0666}\n  expect: continue\n", 0, 5, 16,
                    "unknown symbol \"S_IFCHAR\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {mode: 0x10000}\n  expect: continue\n", 0, 5, 16,
                    "does not fit");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {dev: \"4096:0\"}\n  expect: continue\n", 0, 5, 15,
                    "bad device \"4096:0\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {dev: \"1:*\"}\n  expect: continue\n", 0, 5, 15,
                    "bad device \"1:*\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {dev: \"1:1048576\"}\n  expect: continue\n", 0, 5, 15,
                    "bad device");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: {path: [a, b]}\n  expect: continue\n", 0, 5, 17,
                    "path must be a scalar");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  args: [path]\n  expect: continue\n", 0, 5, 10,
                    "args must be a mapping");
}

TEST(error_bad_caller)
{
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {uid: -1}\n  expect: continue\n", 0, 5, 17, "uid must be 0..4294967294");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {capabilities: [CAP_MKNODE]}\n  expect: continue\n", 0,
                    5, 27, "unknown capability \"CAP_MKNODE\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {uid_map: \"0 100000\"}\n  expect: continue\n", 0, 5,
                    21, "uid_map: expected lines");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {uid: 70000, uid_map: \"0 100000 65536\"}\n"
                         "  expect: continue\n",
                    0, 5, 33, "does not map the caller's uid 70000");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {cwd: root}\n  expect: continue\n", 0, 5, 17,
                    "cwd must be an absolute path");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  caller: {userns: yes}\n  expect: continue\n", 0, 5, 20,
                    "userns must be true or false");
}

TEST(error_bad_expectations)
{
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  expect: allow\n", 0, 5, 11, "bad expect \"allow\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  expect: errno EPRM\n", 0, 5, 11, "unknown errno \"EPRM\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  expect: emulate frobnicate\n", 0, 5, 11,
                    "unknown handler \"frobnicate\"");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  expect: errno EPERM extra\n", 0, 5, 11, "bad expect");
        parse_fails(HEAD "- name: a\n  syscall: openat\n  expect: inject dev/x\n", 0, 5, 11, "must be absolute");
        parse_fails(HEAD "- name: a\n  syscall: mknod\n  expect: continue\n  rule: 0\n", 0, 6, 9, "bad rule \"0\"");
}

TEST(error_file_structure)
{
        parse_fails("cases:\n- {name: a, syscall: mknod, expect: continue}\n", 0, 1, 1, "missing key \"policy\"");
        parse_fails("policy: default\ncases: []\n", 0, 2, 1, "cases must be a non-empty list");
        parse_fails("policy: default\n", 0, 1, 1, "missing key \"cases\"");
        parse_fails("- a\n- b\n", 0, 1, 3, "a test file must be a mapping");
        parse_fails(HEAD "- {name: a, syscall: mknod, expect: continue}\n- {name: a, syscall: mknod, expect: continue}\n",
                    0, 4, 4, "duplicate case name \"a\" (first at line 3)");
        parse_fails(HEAD "- {name: a, syscall: mknod, expect: continue}\n---\npolicy: x\n", 0, 5, 1,
                    "one YAML document");
        parse_fails(HEAD "- {name: a, syscall: mknod, expect: continue\n", 0, 4, 1, "YAML");
        parse_fails(HEAD "- {name: \"a\\nb\", syscall: mknod, expect: continue}\n", 0, 3, 10, "name must be printable");
}

TEST(every_error_is_reported_not_only_the_first)
{
        const char *text = HEAD "- {name: a, syscall: mknodz, expect: continue}\n"
                                "- {name: b, syscall: mknod, expect: errno EPRM}\n"
                                "- {name: c, syscall: mknod, args: {mode: S_IFOO}, expect: continue}\n";
        struct policy_diags d = {};
        struct testsuite *t = NULL;

        EXPECT_EQ(testsuite_parse(text, strlen(text), 0, &t, &d), -EINVAL);
        EXPECT_EQ(d.n_errors, 3);
        ASSERT_EQ(d.n, 3);
        EXPECT_EQ(d.v[0].pos.line, 3);
        EXPECT_EQ(d.v[1].pos.line, 4);
        EXPECT_EQ(d.v[2].pos.line, 5);
        policy_diags_clear(&d);
}

/* ---- running cases with the daemon's evaluator ---- */

static bool run_one(const struct policy *p, const char *case_yaml, char *text, size_t size)
{
        char buf[1024];
        struct testsuite *t;
        struct verdict got;
        bool ok;

        snprintf(buf, sizeof(buf), "policy: test\ncases:\n- %s\n", case_yaml);
        t = parse_ok(buf);
        ok = testsuite_run_case(p, &t->cases[0], &got);
        testsuite_describe(p, &t->cases[0], &got, ok, text, size);
        testsuite_free(t);
        return ok;
}

TEST(run_passes_and_describes_where_the_verdict_came_from)
{
        struct policy *p = policy_ok(mknod_policy);
        char text[512];

        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknodat, args: {mode: S_IFCHR|0666, dev: \"1:3\"}, expect: emulate mknod}",
                            text, sizeof(text)));
        EXPECT_STREQ(text, "emulate mknod (rule 2 \"safe\", line 9)");
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknod, args: {mode: 0644}, expect: continue, rule: plain}", text,
                            sizeof(text)));
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFBLK, dev: \"1:3\"}, expect: errno EPERM, "
                               "rule: default}",
                            text, sizeof(text)));
        EXPECT_STREQ(text, "errno EPERM (default, line 3)");
        policy_free(p);
}

TEST(run_fails_with_expected_and_got)
{
        struct policy *p = policy_ok(mknod_policy);
        char text[512];

        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFCHR, dev: \"1:3\"}, expect: errno EPERM}",
                             text, sizeof(text)));
        EXPECT_STREQ(text, "expected errno EPERM, got emulate mknod (rule 2 \"safe\", line 9)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFCHR, dev: \"1:259\"}, expect: emulate mknod}",
                             text, sizeof(text)));
        EXPECT_STREQ(text, "expected emulate mknod, got errno EPERM (default, line 3)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFIFO}, expect: continue, rule: 2}", text,
                             sizeof(text)));
        EXPECT_STREQ(text, "expected continue (rule 2), got continue (rule 1 \"plain\", line 5)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFIFO}, expect: continue, rule: default}", text,
                             sizeof(text)));
        EXPECT_STREQ(text, "expected continue (default), got continue (rule 1 \"plain\", line 5)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFIFO}, expect: continue, rule: plian}", text,
                             sizeof(text)));
        EXPECT_STREQ(text, "expected continue (rule \"plian\": the policy has no such rule), got continue (rule 1 "
                           "\"plain\", line 5)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: mknod, args: {mode: S_IFIFO}, expect: continue, rule: 9}", text,
                             sizeof(text)));
        EXPECT_STREQ(text, "expected continue (rule 9: the policy has no such rule), got continue (rule 1 \"plain\", "
                           "line 5)");
        policy_free(p);
}

TEST(run_inject_with_and_without_path)
{
        struct policy *p = policy_ok(mknod_policy);
        char text[512];

        EXPECT_TRUE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/net/tun}, expect: inject}", text,
                            sizeof(text)));
        EXPECT_STREQ(text, "inject /dev/net/tun (rule 3, line 13)");
        EXPECT_TRUE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/net/tun}, expect: inject /dev/net/tun}",
                            text, sizeof(text)));
        EXPECT_FALSE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/net/tun}, expect: inject /dev/fuse}",
                             text, sizeof(text)));
        EXPECT_STREQ(text, "expected inject /dev/fuse, got inject /dev/net/tun (rule 3, line 13)");
        /* Relative paths see the caller's cwd. */
        EXPECT_TRUE(run_one(p, "{name: n, syscall: openat, args: {path: net/tun}, caller: {cwd: /dev}, expect: inject}",
                            text, sizeof(text)));
        EXPECT_FALSE(run_one(p, "{name: n, syscall: openat, args: {path: net/tun}, expect: inject}", text, sizeof(text)));
        EXPECT_FALSE(run_one(p, "{name: n, syscall: openat, args: {path: null}, expect: inject}", text, sizeof(text)));
        policy_free(p);
}

TEST(run_inject_requested)
{
        struct policy *p = policy_ok("name: test\ndescription: t\ndefault: continue\nrules:\n"
                                     "  - syscalls: [open, openat]\n"            /* 5 */
                                     "    match: {path: [\"/dev/loop*\"]}\n"
                                     "    action: {inject: requested, root: container}\n"
                                     "  - syscalls: [openat]\n"                  /* 8 */
                                     "    match: {path: [/dev/net/tun]}\n"
                                     "    action: {inject: /dev/net/tun, flags: O_RDWR}\n");
        char text[512];

        EXPECT_TRUE(run_one(p, "{name: n, syscall: open, args: {path: /dev/loop0}, expect: inject requested}", text,
                            sizeof(text)));
        EXPECT_STREQ(text, "inject requested (container) (rule 1, line 5)");
        /* "inject" alone matches either form; "inject PATH" a fixed path only. */
        EXPECT_TRUE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/loop1}, expect: inject}", text,
                            sizeof(text)));
        EXPECT_FALSE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/loop1}, expect: inject /dev/loop1}", text,
                             sizeof(text)));
        EXPECT_STREQ(text, "expected inject /dev/loop1, got inject requested (container) (rule 1, line 5)");
        EXPECT_FALSE(run_one(p, "{name: n, syscall: openat, args: {path: /dev/net/tun}, expect: inject requested}",
                             text, sizeof(text)));
        EXPECT_STREQ(text, "expected inject requested, got inject /dev/net/tun (rule 2, line 8)");
        EXPECT_TRUE(run_one(p, "{name: n, syscall: openat, args: {path: ../dev/loop2}, caller: {cwd: /tmp}, "
                               "expect: inject requested}",
                            text, sizeof(text)));
        policy_free(p);
}

TEST(run_caller_matches_need_a_caller)
{
        struct policy *p = policy_ok(mknod_policy);
        char text[512];

        /* mknodat of a block device: rule 4 needs CAP_MKNOD on the host. */
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknodat, args: {mode: S_IFBLK}, caller: {capabilities: [CAP_MKNOD]},"
                               " expect: errno ENOSYS, rule: 4}",
                            text, sizeof(text)));
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknodat, args: {mode: S_IFBLK}, expect: errno EPERM, rule: default}",
                            text, sizeof(text)));
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknodat, args: {mode: S_IFBLK}, caller: {capabilities: all,"
                               " uid_map: \"0 1000 1\"}, expect: errno EPERM}",
                            text, sizeof(text)));
        EXPECT_TRUE(run_one(p, "{name: n, syscall: mknodat, args: {mode: S_IFBLK}, caller: {capabilities: [CAP_CHOWN]},"
                               " expect: errno EPERM}",
                            text, sizeof(text)));
        policy_free(p);
}
