/* Policy files: every error and warning class with its file:line:col, the
 * model the parser builds (arg indexes per syscall, symbols, devices), and the
 * shipped examples (read from the source tree, SOURCE_ROOT from meson). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "policy/parse.h"
#include "policy/policy.h"
#include "policy/schema.h"
#include "tests/unit/harness.h"

#include "tests/unit/policy_parse_util.h"

TEST(schema_names_errnos_capabilities_and_symbols)
{
        const struct syscall_schema *s = schema_lookup("mknodat");
        uint64_t v = 0;

        EXPECT_EQ(errno_from_name("EPERM"), EPERM);
        EXPECT_EQ(errno_from_name("EWOULDBLOCK"), EAGAIN);
        EXPECT_EQ(errno_from_name("ENOTSUP"), EOPNOTSUPP);
        EXPECT_EQ(errno_from_name("eperm"), -EINVAL);
        EXPECT_STREQ(errno_to_name(ENOSYS), "ENOSYS");
        EXPECT_TRUE(errno_to_name(0) == NULL);
        EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), 21);
        EXPECT_EQ(capability_from_name("sys_admin"), 21);
        EXPECT_EQ(capability_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        EXPECT_EQ(capability_from_name("CAP_"), -EINVAL);
        ASSERT_TRUE(s != NULL);
        EXPECT_EQ(schema_arg(s, "mode")->index, 2);
        EXPECT_EQ(schema_arg(s, "mode")->width_mask, 0xffff);
        EXPECT_EQ(schema_arg(s, "arg5")->kind, ARG_INT);
        EXPECT_TRUE(schema_arg(s, "arg6") == NULL);
        EXPECT_TRUE(schema_arg(NULL, "arg0") != NULL);
        EXPECT_TRUE(schema_lookup("chmod") == NULL);
        EXPECT_EQ(symbol_lookup(schema_arg(schema_lookup("bpf"), "cmd")->symbols, "BPF_PROG_ATTACH", &v), 0);
        EXPECT_EQ(v, 8);
        EXPECT_EQ(symbol_lookup(schema_arg(schema_lookup("mount"), "flags")->symbols, "MS_NOUSER", &v), 0);
        EXPECT_TRUE(v == 0x80000000);
        EXPECT_EQ(symbol_lookup(symbols_file_types(), "S_IFBLK", &v), 0);
        EXPECT_EQ(v, S_IFBLK);
        EXPECT_EQ(symbol_lookup(symbols_open_flags(), "O_NOPE", &v), -ENOENT);
        EXPECT_TRUE(schema_runtime_syscall("epoll_pwait"));
        EXPECT_FALSE(schema_runtime_syscall("mknod"));
        /* The table is sorted for bsearch: every entry is found. */
        for (const char *const *n = (const char *const[]) { "mknod", "mknodat", "mount", "umount2", "setxattr",
                                                           "lsetxattr", "fsetxattr", "sysinfo", "bpf", "open",
                                                           "openat", "openat2", "socket", "memfd_create", NULL };
             *n; n++)
                EXPECT_TRUE(schema_lookup(*n) != NULL);
}

/* ---- the shipped examples ---- */

TEST(every_example_policy_parses_without_errors_or_warnings)
{
        char dir[4096];
        DIR *dp;
        struct dirent *de;
        unsigned n = 0;

        snprintf(dir, sizeof(dir), "%s/examples/policies", SOURCE_ROOT);
        dp = opendir(dir);
        ASSERT_TRUE(dp != NULL);
        while ((de = readdir(dp))) {
                size_t len = strlen(de->d_name);
                struct policy_diags d = { 0 };
                struct policy *p;

                if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
                        continue;
                p = parse_example(de->d_name, &d);
                EXPECT_TRUE(strncmp(p->name, de->d_name, len - 5) == 0);
                EXPECT_GT(p->n_rules, 0);
                policy_free(p);
                policy_diags_clear(&d);
                n++;
        }
        closedir(dp);
        EXPECT_GE(n, 3);
}

TEST(default_example_builds_the_expected_model)
{
        struct policy_diags d = { 0 };
        struct policy *p = parse_example("default.yaml", &d);
        const struct policy_rule *r;
        const struct policy_match *m;

        EXPECT_STREQ(p->name, "default");
        EXPECT_TRUE(strstr(p->file, "examples/policies/default.yaml") != NULL);
        EXPECT_EQ(p->dflt.kind, VERDICT_ERRNO);
        EXPECT_EQ(p->dflt.error, EPERM);
        ASSERT_EQ(p->n_rules, 3);
        EXPECT_EQ(p->n_syscalls, 2);

        r = &p->rules[0];
        EXPECT_EQ(r->action.kind, VERDICT_CONTINUE);
        m = find_match(r, "mode", MATCH_INT_IN);
        EXPECT_EQ(m->mask, S_IFMT);
        EXPECT_TRUE(has_value(m, S_IFREG) && has_value(m, S_IFIFO) && has_value(m, S_IFSOCK));
        EXPECT_TRUE(has_value(m, 0)); /* mknod's type 0 is a regular file */

        r = &p->rules[1];
        EXPECT_EQ(r->action.kind, VERDICT_EMULATE);
        EXPECT_EQ(r->action.emulator, EMULATOR_MKNOD);
        m = find_match(r, "dev", MATCH_DEV);
        ASSERT_EQ(m->n_devs, 8);
        EXPECT_EQ(m->devs[0].major, 1);
        EXPECT_EQ(m->devs[0].minor, 3);
        EXPECT_EQ(m->devs[7].major, 0);
        EXPECT_EQ(m->devs[7].minor, 0);

        r = &p->rules[2];
        EXPECT_EQ(r->n_matches, 0);
        EXPECT_EQ(r->action.kind, VERDICT_ERRNO);
        EXPECT_EQ(r->action.error, EPERM);
        policy_free(p);
        policy_diags_clear(&d);
}

TEST(nested_containers_example_passes_a_device_allowlist_to_the_emulator)
{
        struct policy_diags d = { 0 };
        struct policy *p = parse_example("nested-containers.yaml", &d);
        const struct mknod_params *mp;

        ASSERT_EQ(p->n_rules, 11);
        ASSERT_EQ(p->rules[1].action.kind, VERDICT_EMULATE);
        mp = &p->rules[1].action.params.mknod;
        ASSERT_EQ(mp->n_devices, 10);
        EXPECT_EQ(mp->devices[9].major, 0);
        EXPECT_EQ(mp->devices[9].minor, 0);
        /* The handlers of issue 4: overlay and tmpfs, trusted.overlay.*, sysinfo. */
        ASSERT_EQ(p->rules[3].action.emulator, EMULATOR_MOUNT);
        EXPECT_EQ(p->rules[3].action.params.mount.n_fstypes, 2);
        EXPECT_EQ(p->rules[3].action.params.mount.sources[0].kind, MOUNT_SOURCE_NONE);
        EXPECT_EQ(p->rules[5].action.emulator, EMULATOR_MOUNT);
        ASSERT_EQ(p->rules[6].action.emulator, EMULATOR_XATTR);
        EXPECT_STREQ(p->rules[6].action.params.xattr.names[0], "trusted.overlay.");
        EXPECT_EQ(p->rules[8].action.emulator, EMULATOR_SYSINFO);
        /* Issue 5: cgroup device programs, with the handler's defaults. */
        ASSERT_EQ(p->rules[9].action.emulator, EMULATOR_BPF);
        EXPECT_EQ(p->rules[9].action.params.bpf.max_insns, 4096);
        EXPECT_EQ(p->rules[10].action.kind, VERDICT_ERRNO);
        policy_free(p);
        policy_diags_clear(&d);
}

/* ---- the model ---- */

TEST(multi_syscall_rule_records_each_syscalls_arg_index)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [mknod, mknodat]\n"
                                         "    match:\n"
                                         "      path: [\"/dev/*\"]\n"
                                         "      mode: {type: S_IFCHR}\n"
                                         "      dev: [\"1:3\"]\n"
                                         "    action: emulate mknod\n");
        const struct policy_rule *r = &p->rules[0];
        const struct policy_match *m;

        ASSERT_EQ(r->n_syscalls, 2);
        EXPECT_STREQ(r->syscalls[0], "mknod");
        EXPECT_STREQ(r->syscalls[1], "mknodat");
        m = find_match(r, "path", MATCH_STR_GLOB);
        EXPECT_EQ(m->args[0], 0);
        EXPECT_EQ(m->args[1], 1);
        m = find_match(r, "mode", MATCH_INT_IN);
        EXPECT_EQ(m->args[0], 1);
        EXPECT_EQ(m->args[1], 2);
        EXPECT_EQ(m->pos.line, 8);
        m = find_match(r, "dev", MATCH_DEV);
        EXPECT_EQ(m->args[0], 2);
        EXPECT_EQ(m->args[1], 3);
        EXPECT_TRUE(p->needs & POLICY_NEEDS_STRINGS);
        policy_free(p);
}

TEST(multi_syscall_rule_evaluates_each_syscall_at_its_own_index)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [mknod, mknodat]\n"
                                         "    match:\n"
                                         "      mode: {type: S_IFCHR}\n"
                                         "    action: continue\n");
        struct policy_call mknod = { .syscall = "mknod", .args = { 0, S_IFCHR | 0600, 0 } };
        struct policy_call mknodat = { .syscall = "mknodat", .args = { (uint32_t) AT_FDCWD, 0, S_IFCHR, 0 } };
        struct policy_call blk = { .syscall = "mknodat", .args = { 0, S_IFCHR, S_IFBLK, 0 } };
        struct verdict v;

        policy_evaluate(p, &mknod, &v);
        EXPECT_EQ(v.rule, 0);
        policy_evaluate(p, &mknodat, &v);
        EXPECT_EQ(v.rule, 0);
        policy_evaluate(p, &blk, &v);
        EXPECT_EQ(v.rule, -1);
        policy_free(p);
}

TEST(integer_expressions_take_numbers_symbols_and_or)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [mknodat]\n"
                                         "    match:\n"
                                         "      mode: {mask: S_IFMT|07777, in: [S_IFCHR|0666, 0o644, 0x41ed, 420, S_IFIFO | S_IRUSR]}\n"
                                         "      dirfd: [AT_FDCWD, -100, 3]\n"
                                         "    action: continue\n"
                                         "  - syscalls: [mount]\n"
                                         "    match:\n"
                                         "      flags: {all: MS_BIND|MS_REC, none: [MS_REMOUNT, MS_MOVE], any: 0x1}\n"
                                         "    action: continue\n"
                                         "  - syscalls: [bpf]\n"
                                         "    match:\n"
                                         "      cmd: {range: [BPF_MAP_CREATE, BPF_PROG_LOAD]}\n"
                                         "      arg1: {mask: 0xffffffffffffffff, equals: 0xffffffffffffffff}\n"
                                         "    action: continue\n");
        const struct policy_match *m = find_match(&p->rules[0], "mode", MATCH_INT_IN);

        EXPECT_EQ(m->mask, S_IFMT | 07777);
        ASSERT_EQ(m->n_values, 5);
        EXPECT_EQ(m->values[0], S_IFCHR | 0666);
        EXPECT_EQ(m->values[1], 0644);
        EXPECT_EQ(m->values[2], 0x41ed);
        EXPECT_EQ(m->values[3], 420);
        EXPECT_EQ(m->values[4], S_IFIFO | S_IRUSR);
        m = find_match(&p->rules[0], "dirfd", MATCH_INT_IN);
        EXPECT_EQ(m->mask, 0xffffffff);
        EXPECT_EQ(m->values[0], 0xffffff9c);
        EXPECT_EQ(m->values[1], 0xffffff9c);
        EXPECT_EQ(m->values[2], 3);
        m = find_match(&p->rules[1], "flags", MATCH_FLAGS);
        EXPECT_EQ(m->all, 4096 | 16384);
        EXPECT_EQ(m->none, 32 | 8192);
        EXPECT_EQ(m->any, 1);
        m = find_match(&p->rules[2], "cmd", MATCH_INT_RANGE);
        EXPECT_EQ(m->lo, 0);
        EXPECT_EQ(m->hi, 5);
        m = find_match(&p->rules[2], "arg1", MATCH_INT_IN);
        EXPECT_TRUE(m->values[0] == UINT64_MAX);
        policy_free(p);
}

TEST(mode_type_regular_includes_type_zero_and_perm_uses_its_own_mask)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: mknod\n"
                                         "    match:\n"
                                         "      mode: {type: S_IFREG, perm: [0644, S_IRWXU]}\n"
                                         "    action: continue\n"
                                         "  - syscalls: mknod\n"
                                         "    match:\n"
                                         "      mode: {type: [S_IFCHR, S_IFBLK]}\n"
                                         "    action: continue\n");
        const struct policy_match *t = &p->rules[0].matches[0], *perm = &p->rules[0].matches[1];

        EXPECT_EQ(t->mask, S_IFMT);
        EXPECT_EQ(t->n_values, 2);
        EXPECT_TRUE(has_value(t, S_IFREG) && has_value(t, 0));
        EXPECT_EQ(perm->mask, 07777);
        EXPECT_TRUE(has_value(perm, 0644) && has_value(perm, 0700));
        EXPECT_EQ(p->rules[1].matches[0].n_values, 2);
        EXPECT_FALSE(has_value(&p->rules[1].matches[0], 0));
        policy_free(p);
}

TEST(dev_wildcards_and_limits)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: mknod\n"
                                         "    match:\n"
                                         "      dev: [\"5:*\", \"*:1\", \"*:*\", \"4095:1048575\", \"0x1:0\", 7:8]\n"
                                         "    action: continue\n");
        const struct policy_match *m = &p->rules[0].matches[0];

        ASSERT_EQ(m->n_devs, 6);
        EXPECT_EQ(m->devs[0].major, 5);
        EXPECT_EQ(m->devs[0].minor, POLICY_ANY);
        EXPECT_EQ(m->devs[1].major, POLICY_ANY);
        EXPECT_EQ(m->devs[1].minor, 1);
        EXPECT_EQ(m->devs[2].major, POLICY_ANY);
        EXPECT_EQ(m->devs[2].minor, POLICY_ANY);
        EXPECT_EQ(m->devs[3].major, 4095);
        EXPECT_EQ(m->devs[3].minor, 1048575);
        EXPECT_EQ(m->devs[4].major, 1);
        EXPECT_EQ(m->devs[5].major, 7);
        EXPECT_EQ(m->devs[5].minor, 8);
        policy_free(p);
}

TEST(string_matches_globs_sets_and_prefixes)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: mount\n"
                                         "    match:\n"
                                         "      target: [\"/mnt/*\", /run/x]\n"
                                         "      source: {glob: /dev/*}\n"
                                         "      fstype: [tmpfs, proc]\n"
                                         "    action: continue\n"
                                         "  - syscalls: [setxattr, lsetxattr, fsetxattr]\n"
                                         "    match:\n"
                                         "      name: {prefix: [trusted.overlay.], in: [user.x]}\n"
                                         "    action: errno EPERM\n");
        const struct policy_match *m = find_match(&p->rules[0], "target", MATCH_STR_GLOB);

        ASSERT_EQ(m->n_strs, 2);
        EXPECT_STREQ(m->strs[0], "/mnt/*");
        EXPECT_STREQ(m->strs[1], "/run/x");
        EXPECT_EQ(m->args[0], 1);
        m = find_match(&p->rules[0], "source", MATCH_STR_GLOB);
        EXPECT_STREQ(m->strs[0], "/dev/*");
        m = find_match(&p->rules[0], "fstype", MATCH_STR_IN);
        EXPECT_EQ(m->n_strs, 2);
        m = find_match(&p->rules[1], "name", MATCH_STR_PREFIX);
        EXPECT_STREQ(m->strs[0], "trusted.overlay.");
        EXPECT_EQ(m->args[2], 1);
        m = find_match(&p->rules[1], "name", MATCH_STR_IN);
        EXPECT_STREQ(m->strs[0], "user.x");
        policy_free(p);
}

TEST(caller_matches_and_actions_with_params)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [bpf]\n"
                                         "    match:\n"
                                         "      cmd: [BPF_PROG_LOAD]\n"
                                         "      caller: {capabilities: [CAP_SYS_ADMIN, net_admin], uid: [0, 1000], userns: true}\n"
                                         "    action: errno ENOSYS\n"
                                         "  - syscalls: openat\n"
                                         "    match:\n"
                                         "      path: [/dev/net/tun]\n"
                                         "    action: {inject: /dev/net/tun, flags: O_RDWR|O_NONBLOCK, cloexec: true}\n"
                                         "  - syscalls: [mknod]\n"
                                         "    action: {emulate: mknod, devices: [\"1:3\", \"5:*\"]}\n");
        const struct policy_rule *r = &p->rules[0];
        const struct policy_match *m;

        m = find_match(r, "caller.capabilities", MATCH_CALLER_CAPS);
        EXPECT_TRUE(m->all == ((UINT64_C(1) << 21) | (UINT64_C(1) << 12)));
        EXPECT_TRUE(m->args == NULL);
        m = find_match(r, "caller.uid", MATCH_CALLER_UID);
        EXPECT_EQ(m->n_values, 2);
        EXPECT_EQ(m->values[1], 1000);
        m = find_match(r, "caller.userns", MATCH_CALLER_USERNS);
        EXPECT_EQ(m->values[0], 1);
        EXPECT_EQ(r->action.error, ENOSYS);
        EXPECT_TRUE(p->needs & POLICY_NEEDS_CALLER);

        r = &p->rules[1];
        EXPECT_EQ(r->action.kind, VERDICT_INJECT);
        EXPECT_STREQ(r->action.params.inject.path, "/dev/net/tun");
        EXPECT_EQ(r->action.params.inject.open_flags, O_RDWR | O_NONBLOCK);
        EXPECT_EQ(r->action.params.inject.fd_flags, O_CLOEXEC);
        EXPECT_EQ(r->action.pos.line, 13);
        EXPECT_EQ(r->action.pos.col, 14);

        r = &p->rules[2];
        EXPECT_EQ(r->action.kind, VERDICT_EMULATE);
        ASSERT_EQ(r->action.params.mknod.n_devices, 2);
        EXPECT_EQ(r->action.params.mknod.devices[1].minor, POLICY_ANY);
        policy_free(p);
}

TEST(empty_rules_and_empty_match_are_fine)
{
        struct policy *p = parse_ok("name: t\ndescription: d\ndefault: continue\nrules: []\n");

        EXPECT_EQ(p->n_rules, 0);
        policy_free(p);
        p = parse_ok("name: t\ndescription: d\ndefault: continue\nrules:\n");
        EXPECT_EQ(p->n_rules, 0);
        policy_free(p);
        p = parse_ok(HEAD "  - syscalls: mknod\n    match:\n    action: continue\n");
        EXPECT_EQ(p->rules[0].n_matches, 0);
        EXPECT_STREQ(p->file, "dir/t.yaml");
        policy_free(p);
}

/* ---- errors ---- */

TEST(yaml_syntax_errors_carry_their_position)
{
        expect_error("name: t\ndescription: d\nname: u\n", 1, 3, 1, "YAML: duplicate key");
        expect_error("name: t\nrules: [a, b]]\n", 1, 2, 14, "YAML: ");
        expect_error("name: t\n\tdescription: d\n", 1, 1, 7, "YAML: invalid multiline plain key");
        expect_error("", 1, 0, 0, "empty policy");
        expect_error("name: t\ndescription: d\ndefault: continue\nrules: []\n---\nname: u\n", 1, 6, 1,
                     "one YAML document");
        expect_error("name: &n t\ndescription: *n\ndefault: continue\nrules: []\n", 1, 2, 14, "alias");
        expect_error("name: t\ndescription: \"a\\0b\"\ndefault: continue\nrules: []\n", 1, 2, 14, "NUL");
}

TEST(text_that_is_not_printable_utf8_is_refused_before_yaml_parsing)
{
        /* libfyaml 0.7.12 loops forever on this one. */
        expect_error("name: t\n%a\xe1", 1, 2, 3, "byte 0xe1 is not printable UTF-8");
        expect_error("name: t\x01\n", 1, 1, 8, "byte 0x01");
        expect_error("name: \xc3\xa9\xff\n", 1, 1, 8, "byte 0xff");
        expect_error("name: \xc0\xaf\n", 1, 1, 7, "byte 0xc0");        /* overlong "/" */
        expect_error("name: \xed\xa0\x80\n", 1, 1, 7, "byte 0xed");    /* surrogate */
}

TEST(nul_bytes_in_the_text_are_refused_with_their_position)
{
        static const char text[] = "name: t\ndescription: d\0\ndefault: continue\nrules: []\n";
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(policy_parse(text, sizeof(text) - 1, "t.yaml", 0, &p, &d), -EINVAL);
        EXPECT_EQ(d.n_errors, 1);
        EXPECT_DIAG(&d, false, 2, 15, "byte 0x00");
        policy_diags_clear(&d);
}

TEST(unknown_keys_are_errors_at_the_key)
{
        expect_error(HEAD "  - syscalls: mknod\n    action: continue\n    actoin: continue\nextra: 1\n", 2, 7, 5,
                     "unknown key \"actoin\" in rule 1");
        expect_error(HEAD "  - syscalls: mknod\n    action: continue\nextra: 1\n", 1, 7, 1,
                     "unknown key \"extra\" in the policy");
        expect_error(HEAD "  - syscalls: mknod\n    match:\n      mode: {tyep: S_IFCHR}\n    action: continue\n", 1, 7,
                     14, "unknown key \"tyep\"");
        expect_error(HEAD "  - syscalls: mknod\n    match:\n      caller: {gid: 0}\n    action: continue\n", 1, 7, 16,
                     "unknown key \"gid\" in \"caller\"");
        /* type and perm are for mode args only */
        expect_error(HEAD "  - syscalls: umount2\n    match:\n      flags: {type: 1}\n    action: continue\n", 1, 7, 15,
                     "unknown key \"type\"");
}

TEST(missing_keys_are_errors)
{
        expect_error("description: d\ndefault: continue\nrules: []\n", 1, 1, 1, "missing key \"name\"");
        expect_error("name: t\ndefault: continue\nrules: []\n", 1, 1, 1, "missing key \"description\"");
        expect_error("name: t\ndescription: d\nrules: []\n", 1, 1, 1, "missing key \"default\"");
        expect_error("name: t\ndescription: d\ndefault: continue\n", 1, 1, 1, "missing key \"rules\"");
        expect_error(HEAD "  - action: continue\n", 1, 5, 5, "missing key \"syscalls\" in rule 1");
        expect_error(HEAD "  - syscalls: mknod\n", 1, 5, 5, "missing key \"action\" in rule 1");
        expect_error(HEAD "  - syscalls: openat\n    action: {flags: O_RDWR}\n", 1, 6, 14, "needs \"emulate\" or \"inject\"");
}

TEST(wrong_types_are_errors)
{
        expect_error("- a\n", 1, 1, 3, "a policy must be a mapping, not a list");
        expect_error("name: t\ndescription: d\ndefault: continue\nrules: {a: b}\n", 1, 4, 9,
                     "\"rules\" must be a list, not a mapping");
        expect_error("name: [t]\ndescription: d\ndefault: continue\nrules: []\n", 1, 1, 8, "\"name\" must be a scalar");
        expect_error("name: t\ndescription: \"two\\nlines\"\ndefault: continue\nrules: []\n", 1, 2, 14, "one non-empty line");
        expect_error(HEAD "  - syscalls: {a: b}\n    action: continue\n", 1, 5, 16, "scalar or a list");
        expect_error(HEAD "  - syscalls: []\n    action: continue\n", 1, 5, 5, "empty list");
        expect_error(HEAD "  - syscalls: mknod\n    match: [mode]\n    action: continue\n", 1, 6, 13,
                     "\"match\" must be a mapping, not a list");
        expect_error(HEAD "  - 5\n", 1, 5, 5, "a rule must be a mapping");
        expect_error(HEAD "  - syscalls: mknod\n    match:\n      mode: {equals: [1, 2]}\n    action: continue\n", 1, 7,
                     23, "use \"in\"");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: /x, cloexec: yes}\n", 1, 6, 35, "true or false");
        expect_error("name: Bad_Name\ndescription: d\ndefault: continue\nrules: []\n", 1, 1, 7, "bad policy name");
}

TEST(unknown_syscall_arg_symbol_errno_capability)
{
        expect_error(HEAD "  - syscalls: [mknod, mknodd]\n    action: continue\n", 1, 5, 23,
                     "unknown syscall \"mknodd\"");
        expect_error(HEAD "  - syscalls: [mknod, mount]\n    match:\n      mode: 0\n    action: continue\n", 1, 7, 7,
                     "unknown arg \"mode\" for syscall mount");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      arg6: 0\n    action: continue\n", 1, 7, 7,
                     "unknown arg \"arg6\"");
        expect_error(HEAD "  - syscalls: [mount, umount2]\n    match:\n      flags: 0\n    action: continue\n", 1, 7, 7,
                     "arg \"flags\" differs between mount and umount2");
        expect_error(HEAD "  - syscalls: [mount]\n    match:\n      flags: {all: MS_BIND|MS_BLIND}\n    action: continue\n",
                     1, 7, 20, "unknown symbol \"MS_BLIND\" for \"flags\"");
        expect_error(HEAD "  - syscalls: [mknod]\n    action: errno EFOO\n", 1, 6, 13, "unknown errno \"EFOO\"");
        expect_error("name: t\ndescription: d\ndefault: errno\nrules: []\n", 1, 3, 10, "unknown action \"errno\"");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      caller: {capabilities: CAP_FLY}\n    action: continue\n",
                     1, 7, 30, "unknown capability \"CAP_FLY\"");
}

TEST(numbers_that_do_not_fit_or_do_not_parse_are_errors)
{
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      mode: 0x10000\n    action: continue\n", 1, 7, 13,
                     "does not fit \"mode\" (mask 0xffff)");
        expect_error(HEAD "  - syscalls: [umount2]\n    match:\n      flags: 0x100000000\n    action: continue\n", 1, 7,
                     14, "does not fit \"flags\" (mask 0xffffffff)");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      arg0: 18446744073709551616\n    action: continue\n", 1, 7,
                     13, "does not fit");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      arg0: [08, 0x, 1|]\n    action: continue\n", 3, 7, 14,
                     "bad number \"08\"");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      arg0: \"1||2\"\n    action: continue\n", 1, 7, 13,
                     "bad value");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      mode: {mask: S_IFMT, equals: S_IFCHR|0600}\n"
                          "    action: continue\n",
                     1, 7, 36, "bits outside the mask");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      mode: {type: 0644}\n    action: continue\n", 1, 7,
                     20, "not a file type");
        expect_error(HEAD "  - syscalls: [mount]\n    match:\n      flags: {all: MS_BIND, none: MS_BIND}\n"
                          "    action: continue\n",
                     1, 7, 15, "never matches");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      mode: {mask: 1}\n    action: continue\n", 1, 7, 14,
                     "needs equals, in or range");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      caller: {uid: [-1]}\n    action: continue\n", 1, 7,
                     22, "\"uid\" cannot be negative");
}

TEST(bad_devices_and_ranges_are_errors)
{
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      dev: [\"1:3\", \"4096:0\", \"1:1048576\", \"1\", \"a:b\"]\n"
                          "    action: continue\n",
                     4, 7, 20, "bad device \"4096:0\"");
        expect_error(HEAD "  - syscalls: [mknod]\n    match:\n      dev: {in: [\"1:3\"]}\n    action: continue\n", 1, 7, 13,
                     "\"dev\" must be a scalar or a list");
        expect_error(HEAD "  - syscalls: [mknod]\n    action: {emulate: mknod, devices: [\"1:x\"]}\n", 1, 6, 40,
                     "bad device \"1:x\"");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      cmd: {range: [BPF_PROG_LOAD, BPF_MAP_CREATE]}\n"
                          "    action: continue\n",
                     1, 7, 21, "bad range for \"cmd\"");
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      cmd: {range: [1]}\n    action: continue\n", 1, 7, 21,
                     "expected [LOW, HIGH]");
}

TEST(handlers_and_injects_are_checked_against_the_rules_syscalls)
{
        expect_error(HEAD "  - syscalls: [mknod]\n    action: emulate mountt\n", 1, 6, 13, "unknown handler \"mountt\"");
        expect_error(HEAD "  - syscalls: [mknod]\n    action: {emulate: mknodd}\n", 1, 6, 23, "unknown handler \"mknodd\"");
        expect_error(HEAD "  - syscalls: [mknod]\n    action: {emulate: mknod, allow: all}\n", 1, 6, 30,
                     "unknown param \"allow\" in emulate mknod");
        expect_error(HEAD "  - syscalls: [mknod, mount]\n    action: emulate mknod\n", 1, 6, 13,
                     "handler mknod cannot emulate mount");
        expect_error(HEAD "  - syscalls: [mount, mknod]\n    action: {emulate: mount, filesystems: tmpfs}\n", 1, 6, 14,
                     "handler mount cannot emulate mknod");
        expect_error(HEAD "  - syscalls: [setxattr, removexattr]\n    action: {emulate: setxattr, names: trusted.x}\n", 1,
                     6, 14, "handler setxattr cannot emulate removexattr");
        expect_error(HEAD "  - syscalls: [getrusage]\n    action: emulate sysinfo\n", 1, 6, 13,
                     "handler sysinfo cannot emulate getrusage");
        expect_error(HEAD "  - syscalls: [mknodat]\n    action: {inject: /dev/null}\n", 1, 6, 14,
                     "inject on mknodat, which returns no fd");
        expect_error(HEAD "  - syscalls: [openat]\n    action: {inject: dev/null}\n", 1, 6, 22,
                     "inject path \"dev/null\" is not absolute");
        expect_error(HEAD "  - syscalls: [openat]\n    action: {inject: /x, flags: O_RDWR, frob: 1}\n", 1, 6, 41,
                     "unknown param \"frob\" in inject");
        /* The default answers every trapped syscall. */
        expect_error("name: t\ndescription: d\ndefault: emulate mknod\nrules:\n  - syscalls: [mount]\n"
                     "    action: continue\n",
                     1, 3, 10, "default: handler mknod cannot emulate mount");
}

TEST(unreachable_rules_are_errors_naming_the_earlier_rule)
{
        /* Rule 1 has no match: everything later on its syscalls is dead. */
        expect_error(HEAD "  - syscalls: [mknod, mknodat]\n    action: continue\n"
                          "  - syscalls: [mknod]\n    action: continue\n"
                          "  - syscalls: [mknodat]\n    match:\n      dev: [\"1:3\"]\n    action: continue\n",
                     2, 9, 5, "rule 3 is unreachable: rule 1 (line 5) matches everything it does");
        /* Covered devices, subset of types, extra matches in the later rule. */
        expect_error(HEAD "  - name: wide\n    syscalls: [mknod]\n    match:\n      mode: {type: [S_IFCHR, S_IFBLK]}\n"
                          "      dev: [\"1:*\"]\n    action: continue\n"
                          "  - name: narrow\n    syscalls: [mknod]\n    match:\n      mode: {type: S_IFCHR}\n"
                          "      dev: [\"1:3\", \"1:5\"]\n      caller: {uid: 0}\n    action: errno EPERM\n",
                     1, 11, 5, "rule 2 \"narrow\" is unreachable: rule 1 \"wide\" (line 5)");
        /* Ranges, flags, strings, prefixes. */
        expect_error(HEAD "  - syscalls: [bpf]\n    match:\n      cmd: {range: [0, 10]}\n    action: continue\n"
                          "  - syscalls: [bpf]\n    match:\n      cmd: {range: [2, 3]}\n    action: continue\n",
                     1, 9, 5, "rule 2 is unreachable");
        expect_error(HEAD "  - syscalls: [mount]\n    match:\n      flags: {all: MS_BIND, none: MS_RDONLY}\n"
                          "    action: continue\n"
                          "  - syscalls: [mount]\n    match:\n      flags: {all: MS_BIND|MS_REC, none: MS_RDONLY|MS_MOVE}\n"
                          "    action: continue\n",
                     1, 9, 5, "rule 2 is unreachable");
        expect_error(HEAD "  - syscalls: [mount]\n    match:\n      fstype: [tmpfs, proc]\n    action: continue\n"
                          "  - syscalls: [mount]\n    match:\n      fstype: proc\n    action: continue\n",
                     1, 9, 5, "rule 2 is unreachable");
        expect_error(HEAD "  - syscalls: [setxattr]\n    match:\n      name: {prefix: trusted.}\n    action: continue\n"
                          "  - syscalls: [setxattr]\n    match:\n      name: {prefix: trusted.overlay.}\n"
                          "    action: continue\n",
                     1, 9, 5, "rule 2 is unreachable");
}

TEST(reachable_rules_are_not_flagged)
{
        struct policy *p = parse_ok(HEAD
                                    /* the later rule names a syscall the earlier one does not */
                                    "  - syscalls: [mknod]\n    action: continue\n"
                                    "  - syscalls: [mknod, mknodat]\n    action: continue\n"
                                    /* the earlier rule matches on something the later one leaves open */
                                    "  - syscalls: [mount]\n    match:\n      fstype: tmpfs\n    action: continue\n"
                                    "  - syscalls: [mount]\n    match:\n      flags: {all: MS_BIND}\n    action: continue\n"
                                    /* overlapping but not contained */
                                    "  - syscalls: [bpf]\n    match:\n      cmd: {range: [0, 5]}\n    action: continue\n"
                                    "  - syscalls: [bpf]\n    match:\n      cmd: {range: [3, 8]}\n    action: continue\n"
                                    /* the same arg under another name is not compared (conservative) */
                                    "  - syscalls: [umount2]\n    match:\n      flags: 1\n    action: continue\n"
                                    "  - syscalls: [umount2]\n    match:\n      arg1: 1\n    action: continue\n");

        EXPECT_EQ(p->n_rules, 8);
        policy_free(p);
}

TEST(every_error_is_reported_not_just_the_first)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(parse("name: t\n"
                        "description: d\n"
                        "default: errno EFOO\n"
                        "rules:\n"
                        "  - syscalls: [mknod, nosuch]\n"
                        "    match:\n"
                        "      mode: {type: S_IFXXX}\n"
                        "      dev: [\"1:3\", \"9999:0\"]\n"
                        "    action: emulate mknod\n"
                        "  - syscalls: openat\n"
                        "    action: {inject: rel}\n"
                        "  - bogus: 1\n",
                        &p, &d),
                  -EINVAL);
        EXPECT_DIAG(&d, false, 3, 10, "unknown errno");
        EXPECT_DIAG(&d, false, 5, 23, "unknown syscall");
        EXPECT_DIAG(&d, false, 7, 20, "unknown symbol \"S_IFXXX\"");
        EXPECT_DIAG(&d, false, 8, 20, "bad device \"9999:0\"");
        EXPECT_DIAG(&d, false, 11, 22, "not absolute");
        EXPECT_DIAG(&d, false, 12, 5, "unknown key \"bogus\"");
        EXPECT_DIAG(&d, false, 12, 5, "missing key \"syscalls\"");
        EXPECT_DIAG(&d, false, 12, 5, "missing key \"action\"");
        EXPECT_EQ(d.n_errors, 8);
        /* In file order. */
        for (size_t i = 1; i < d.n; i++)
                EXPECT_TRUE(d.v[i - 1].pos.line <= d.v[i].pos.line);
        policy_diags_clear(&d);
}

/* ---- warnings ---- */

TEST(runtime_syscalls_warn_but_load)
{
        expect_warning(HEAD "  - syscalls: [mknod, write]\n    action: continue\n", 5, 23,
                       "rule 1 traps write, which runtimes call between loading the filter and exec");
        expect_warning(HEAD "  - name: x\n    syscalls: [futex]\n    action: continue\n", 6, 16, "rule 1 \"x\" traps futex");
}

TEST(name_differing_from_the_basename_warns)
{
        expect_warning("name: other\ndescription: d\ndefault: continue\nrules: []\n", 1, 7,
                       "policy name \"other\" differs from the file's basename \"t\"");
}

TEST(syscall_listed_twice_warns_and_is_kept_once)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        expect_warning(HEAD "  - syscalls: [mknod, mknodat, mknod]\n    action: continue\n", 5, 32,
                       "syscall mknod is listed twice in rule 1");
        ASSERT_EQ(parse(HEAD "  - syscalls: [mknod, mknodat, mknod]\n    action: continue\n", &p, &d), 0);
        EXPECT_EQ(p->rules[0].n_syscalls, 2);
        EXPECT_EQ(d.n, 1);
        policy_free(p);
        policy_diags_clear(&d);
}

/* ---- diagnostics ---- */

TEST(diagnostics_print_as_file_line_col)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;
        char *out = NULL;
        size_t size = 0;
        FILE *f;

        EXPECT_EQ(parse(HEAD "  - syscalls: [mknod, write]\n    action: errno EFOO\n", &p, &d), -EINVAL);
        f = open_memstream(&out, &size);
        ASSERT_TRUE(f != NULL);
        policy_diags_print(&d, "p.yaml", f);
        fclose(f);
        EXPECT_STREQ(out, "p.yaml:5:23: warning: rule 1 traps write, which runtimes call between loading the filter "
                          "and exec: this can deadlock the runtime\n"
                          "p.yaml:6:13: error: unknown errno \"EFOO\"\n");
        free(out);
        policy_diags_clear(&d);
        EXPECT_EQ(d.n, 0);
        EXPECT_TRUE(d.v == NULL);

        EXPECT_EQ(parse("", &p, &d), -EINVAL);
        f = open_memstream(&out, &size);
        ASSERT_TRUE(f != NULL);
        policy_diags_print(&d, "e.yaml", f);
        fclose(f);
        EXPECT_STREQ(out, "e.yaml: error: empty policy\n");
        free(out);
        policy_diags_clear(&d);
}

TEST(diagnostics_may_be_null_and_accumulate)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(parse("name: t\n", &p, NULL), -EINVAL);
        EXPECT_EQ(parse("name: t\n", &p, &d), -EINVAL);
        EXPECT_EQ(d.n_errors, 3);
        /* Earlier errors in |d| do not fail a later, valid policy. */
        ASSERT_EQ(parse("name: t\ndescription: d\ndefault: continue\nrules: []\n", &p, &d), 0);
        EXPECT_EQ(d.n_errors, 3);
        policy_free(p);
        policy_diags_clear(&d);
}

TEST(on_restart_is_eintr_unless_the_policy_says_rerun_or_another_errno)
{
        struct policy_diags d = { 0 };
        struct policy *p = parse_ok(HEAD "  - syscalls: mknod\n    action: emulate mknod\n");

        EXPECT_FALSE(p->restart_rerun);
        EXPECT_EQ(p->restart_errno, EINTR);
        policy_free(p);
        p = parse_ok(HEAD "  - syscalls: mknod\n    action: emulate mknod\non_restart: rerun\n");
        EXPECT_TRUE(p->restart_rerun);
        policy_free(p);
        p = parse_ok(HEAD "  - syscalls: mknod\n    action: emulate mknod\non_restart: errno EAGAIN\n");
        EXPECT_FALSE(p->restart_rerun);
        EXPECT_EQ(p->restart_errno, EAGAIN);
        policy_free(p);
        p = NULL;
        EXPECT_EQ(parse(HEAD "  - syscalls: mknod\n    action: emulate mknod\non_restart: errno ENOPE\n", &p, &d), -EINVAL);
        EXPECT_EQ(parse(HEAD "  - syscalls: mknod\n    action: emulate mknod\non_restart: retry\n", &p, &d), -EINVAL);
        ASSERT_EQ(d.n, 2);
        EXPECT_STREQ(d.v[0].msg, "unknown errno \"ENOPE\"");
        EXPECT_STREQ(d.v[1].msg, "\"on_restart\" must be \"rerun\" or \"errno NAME\", not \"retry\"");
        EXPECT_EQ(d.v[1].pos.line, 7);
        policy_diags_clear(&d);
}
