/* Policy files: the emulate handlers' params (mount, setxattr, sysinfo, bpf)
 * and inject requested's: the model they build and every error with its
 * file:line:col. */
#include "tests/unit/harness.h"
#include "tests/unit/policy_parse_util.h"

TEST(emulate_mount_params_build_the_model)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [mount, umount2]\n"
                                         "    match: {target: [\"/mnt/*\"]}\n"
                                         "    action:\n"
                                         "      emulate: mount\n"
                                         "      filesystems: [ext4, tmpfs, fuse.sshfs]\n"
                                         "      sources: [\"7:*\", none, \"/var/lib/images/*\"]\n"
                                         "      flags: [MS_RDONLY, MS_NOSUID|MS_NODEV, MS_BIND]\n"
                                         "      fuse: {ext4: /usr/bin/fuse2fs}\n"
                                         "      timeout: 5s\n"
                                         "      timeout_errno: EIO\n"
                                         "  - syscalls: mount\n"
                                         "    action: {emulate: mount, filesystems: proc, timeout: 250ms}\n"
                                         "  - syscalls: umount2\n"
                                         "    action: {emulate: mount, filesystems: [tmpfs], timeout: 600000}\n");
        const struct mount_params *mp = &p->rules[0].action.params.mount;

        EXPECT_EQ(p->rules[0].action.emulator, EMULATOR_MOUNT);
        ASSERT_EQ(mp->n_fstypes, 3);
        EXPECT_STREQ(mp->fstypes[2], "fuse.sshfs");
        ASSERT_EQ(mp->n_sources, 3);
        EXPECT_EQ(mp->sources[0].kind, MOUNT_SOURCE_DEVICE);
        EXPECT_EQ(mp->sources[0].dev.major, 7);
        EXPECT_EQ(mp->sources[0].dev.minor, POLICY_ANY);
        EXPECT_EQ(mp->sources[1].kind, MOUNT_SOURCE_NONE);
        EXPECT_EQ(mp->sources[2].kind, MOUNT_SOURCE_PATH);
        EXPECT_STREQ(mp->sources[2].glob, "/var/lib/images/*");
        EXPECT_TRUE(mp->flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_BIND));
        ASSERT_EQ(mp->n_fuse, 1);
        EXPECT_STREQ(mp->fuse[0].fstype, "ext4");
        EXPECT_STREQ(mp->fuse[0].program, "/usr/bin/fuse2fs");
        EXPECT_EQ(mp->timeout_ms, 5000);
        EXPECT_EQ(mp->timeout_error, EIO);
        /* Defaults: no flags, no sources but none-style, 30 s, ETIMEDOUT. */
        mp = &p->rules[1].action.params.mount;
        ASSERT_EQ(mp->n_fstypes, 1);
        EXPECT_STREQ(mp->fstypes[0], "proc");
        EXPECT_EQ(mp->n_sources, 0);
        EXPECT_EQ(mp->n_fuse, 0);
        EXPECT_TRUE(mp->flags == 0);
        EXPECT_EQ(mp->timeout_ms, 250);
        EXPECT_EQ(mp->timeout_error, ETIMEDOUT);
        EXPECT_EQ(p->rules[2].action.params.mount.timeout_ms, 600000);
        policy_free(p);
        p = parse_ok(HEAD "  - syscalls: mount\n    action: {emulate: mount, filesystems: tmpfs}\n");
        EXPECT_EQ(p->rules[0].action.params.mount.timeout_ms, 30000);
        policy_free(p);
}

TEST(emulate_setxattr_and_sysinfo_params_build_the_model)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: [setxattr, lsetxattr, fsetxattr]\n"
                                         "    action: {emulate: setxattr, names: [trusted.overlay.opaque, "
                                         "\"trusted.overlay.\"]}\n"
                                         "  - syscalls: sysinfo\n"
                                         "    match: {info: 0}\n"
                                         "    action: {emulate: sysinfo}\n"
                                         "  - syscalls: sysinfo\n"
                                         "    action: emulate sysinfo\n");
        const struct xattr_params *xp = &p->rules[0].action.params.xattr;

        EXPECT_EQ(p->rules[0].action.emulator, EMULATOR_XATTR);
        ASSERT_EQ(xp->n_names, 2);
        EXPECT_STREQ(xp->names[0], "trusted.overlay.opaque");
        EXPECT_STREQ(xp->names[1], "trusted.overlay.");
        EXPECT_EQ(p->rules[1].action.emulator, EMULATOR_SYSINFO);
        EXPECT_EQ(p->rules[2].action.emulator, EMULATOR_SYSINFO);
        policy_free(p);
}

/* One rule on mount with the action |params|, "{emulate: mount, PARAMS}" on line 6 col 14. */
#define MOUNT_RULE(params) HEAD "  - syscalls: [mount]\n    action: {emulate: mount, " params "}\n"

TEST(emulate_mount_param_errors)
{
        expect_error(HEAD "  - syscalls: [mount]\n    action: emulate mount\n", 1, 6, 13,
                     "emulate mount needs params: {emulate: mount, filesystems: [...]}");
        expect_error(MOUNT_RULE("flags: MS_RDONLY"), 1, 6, 14, "missing key \"filesystems\" in emulate mount");
        expect_error(MOUNT_RULE("filesystems: []"), 1, 6, 30, "a filesystem type: empty list");
        expect_error(MOUNT_RULE("filesystems: [ext4, Ext4]"), 1, 6, 50, "bad filesystem type \"Ext4\"");
        expect_error(MOUNT_RULE("filesystems: {ext4: 1}"), 1, 6, 44, "must be a scalar or a list, not a mapping");
        expect_error(MOUNT_RULE("filesystems: tmpfs, devices: [\"1:3\"]"), 1, 6, 50,
                     "unknown param \"devices\" in emulate mount");
        expect_error(MOUNT_RULE("filesystems: ext4, sources: [none, sda]"), 1, 6, 65,
                     "bad source \"sda\": expected \"MAJOR:MINOR\", none or an absolute path glob");
        expect_error(MOUNT_RULE("filesystems: ext4, sources: [\"4096:0\"]"), 1, 6, 59, "bad device \"4096:0\"");
        expect_error(MOUNT_RULE("filesystems: ext4, sources: [\"*:*\", var/x]"), 1, 6, 66, "bad source \"var/x\"");
        expect_error(MOUNT_RULE("filesystems: ext4, flags: [MS_RDONLY, MS_FOO]"), 1, 6, 68,
                     "unknown symbol \"MS_FOO\" for \"flags\"");
        expect_error(MOUNT_RULE("filesystems: ext4, flags: MS_KERNMOUNT"), 1, 6, 56,
                     "mount flags 0x400000 are kernel-internal");
        expect_error(MOUNT_RULE("filesystems: ext4, flags: MS_MGC_VAL"), 1, 6, 56, "kernel-internal");
        expect_error(MOUNT_RULE("filesystems: ext4, flags: 0x100000000"), 1, 6, 56, "kernel-internal");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: {ext4: fuse2fs}"), 1, 6, 62,
                     "FUSE program \"fuse2fs\" is not absolute");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: {xfs: /usr/bin/x}"), 1, 6, 56,
                     "fuse redirect for \"xfs\", which is not in \"filesystems\"");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: {EXT4: /usr/bin/x}"), 1, 6, 56,
                     "bad filesystem type \"EXT4\"");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: [/usr/bin/fuse2fs]"), 1, 6, 56,
                     "\"fuse\" must be a mapping, not a list");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: {ext4: [a]}"), 1, 6, 63, "a FUSE program must be a scalar");
        expect_error(MOUNT_RULE("filesystems: ext4, fuse: {}"), 1, 6, 49, "\"fuse\": empty mapping");
        /* A bad filesystems list does not also make every fuse key an error. */
        expect_error(MOUNT_RULE("filesystems: [Ext4], fuse: {ext4: /x}"), 1, 6, 44, "bad filesystem type");
}

TEST(emulate_mount_timeout_errors)
{
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 0"), 1, 6, 58,
                     "\"timeout\" 0 is out of range (1ms..600s)");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 601s"), 1, 6, 58, "\"timeout\" 601s is out of range");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 600001ms"), 1, 6, 58, "out of range");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 99999999999999999999999s"), 1, 6, 58, "out of range");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 10m"), 1, 6, 58,
                     "bad duration \"10m\" for \"timeout\": expected N, Nms or Ns");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: 1.5s"), 1, 6, 58, "bad duration \"1.5s\"");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: s"), 1, 6, 58, "bad duration");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: -1"), 1, 6, 58, "bad duration");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout: [1s]"), 1, 6, 59, "\"timeout\" must be a scalar");
        expect_error(MOUNT_RULE("filesystems: ext4, timeout_errno: ETIMEOUT"), 1, 6, 64,
                     "unknown errno \"ETIMEOUT\"");
}

TEST(emulate_setxattr_and_sysinfo_param_errors)
{
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: emulate setxattr\n", 1, 6, 13,
                     "emulate setxattr needs params: {emulate: setxattr, names: [...]}");
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: {emulate: setxattr}\n", 1, 6, 14,
                     "missing key \"names\" in emulate setxattr");
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: {emulate: setxattr, names: [trusted.a, user.b]}\n", 1,
                     6, 52, "bad xattr name \"user.b\": only trusted.* names are emulated");
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: {emulate: setxattr, names: trusted}\n", 1, 6, 40,
                     "bad xattr name \"trusted\"");
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: {emulate: setxattr, names: trusted.x, flags: 1}\n", 1,
                     6, 51, "unknown param \"flags\" in emulate setxattr");
        expect_error(HEAD "  - syscalls: [setxattr]\n    action: {emulate: setxattr, names: trusted.overlay.aaaaaaaaaaaa"
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n",
                     1, 6, 40, "is longer than 255 bytes");
        expect_error(HEAD "  - syscalls: [sysinfo]\n    action: {emulate: sysinfo, info: 0}\n", 1, 6, 32,
                     "unknown param \"info\" in emulate sysinfo");
        /* The default answers every trapped syscall. */
        expect_error("name: t\ndescription: d\ndefault: emulate sysinfo\nrules:\n  - syscalls: [mount]\n"
                     "    action: continue\n",
                     1, 3, 10, "default: handler sysinfo cannot emulate mount");
}

TEST(every_emulate_param_error_is_reported)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(parse(HEAD "  - syscalls: [mount]\n"
                             "    action:\n"
                             "      emulate: mount\n"
                             "      filesystems: [ext4, BAD]\n"
                             "      sources: [nowhere]\n"
                             "      flags: MS_NOPE\n"
                             "      fuse: {ext4: rel}\n"
                             "      timeout: 0ms\n"
                             "      timeout_errno: ENOPE\n"
                             "      frob: 1\n",
                        &p, &d),
                  -EINVAL);
        EXPECT_DIAG(&d, false, 8, 27, "bad filesystem type \"BAD\"");
        EXPECT_DIAG(&d, false, 9, 17, "bad source \"nowhere\"");
        EXPECT_DIAG(&d, false, 10, 14, "unknown symbol \"MS_NOPE\"");
        EXPECT_DIAG(&d, false, 11, 20, "FUSE program \"rel\" is not absolute");
        EXPECT_DIAG(&d, false, 12, 16, "\"timeout\" 0ms is out of range");
        EXPECT_DIAG(&d, false, 13, 22, "unknown errno \"ENOPE\"");
        EXPECT_DIAG(&d, false, 14, 7, "unknown param \"frob\" in emulate mount");
        EXPECT_EQ(d.n_errors, 7);
        policy_diags_clear(&d);
}

TEST(emulate_bpf_params_build_the_model)
{
        struct policy *p = parse_ok(HEAD "  - syscalls: bpf\n"
                                         "    match: {cmd: [BPF_PROG_LOAD, BPF_PROG_ATTACH]}\n"
                                         "    action: {emulate: bpf, max_insns: 512, max_programs: 8, attach_root: true, "
                                         "other_types: continue, no_cgroup2: EOPNOTSUPP}\n"
                                         "  - syscalls: bpf\n"
                                         "    match: {cmd: BPF_PROG_QUERY}\n"
                                         "    action: {emulate: bpf, other_types: ENOSYS}\n"
                                         "  - syscalls: bpf\n"
                                         "    action: emulate bpf\n");
        const struct bpf_params *bp = &p->rules[0].action.params.bpf;

        EXPECT_EQ(p->rules[0].action.emulator, EMULATOR_BPF);
        EXPECT_EQ(bp->max_insns, 512);
        EXPECT_EQ(bp->max_programs, 8);
        EXPECT_TRUE(bp->attach_root);
        EXPECT_EQ(bp->other_types, 0);
        EXPECT_EQ(bp->no_cgroup2, EOPNOTSUPP);
        bp = &p->rules[1].action.params.bpf;
        EXPECT_EQ(bp->other_types, ENOSYS);
        EXPECT_EQ(bp->max_insns, 4096);
        /* The short form gets the same defaults. */
        bp = &p->rules[2].action.params.bpf;
        EXPECT_EQ(bp->max_insns, 4096);
        EXPECT_EQ(bp->max_programs, 64);
        EXPECT_FALSE(bp->attach_root);
        EXPECT_EQ(bp->other_types, EPERM);
        EXPECT_EQ(bp->no_cgroup2, EPERM);
        policy_free(p);
}

#define BPF_RULE(params) HEAD "  - syscalls: bpf\n    action: {emulate: bpf, " params "}\n"

TEST(emulate_bpf_param_errors)
{
        expect_error(BPF_RULE("max_insns: 0"), 1, 6, 39, "\"max_insns\" must be 1..1000000, not 0");
        expect_error(BPF_RULE("max_insns: 1000001"), 1, 6, 39, "\"max_insns\" must be 1..1000000");
        expect_error(BPF_RULE("max_insns: -1"), 1, 6, 39, "max_insns");
        expect_error(BPF_RULE("max_programs: 5000"), 1, 6, 42, "\"max_programs\" must be 1..4096");
        expect_error(BPF_RULE("attach_root: maybe"), 1, 6, 41, "\"attach_root\"");
        expect_error(BPF_RULE("other_types: EWHAT"), 1, 6, 41, "unknown errno \"EWHAT\"");
        expect_error(BPF_RULE("no_cgroup2: continue"), 1, 6, 40, "unknown errno \"continue\"");
        expect_error(BPF_RULE("max_insn: 5"), 1, 6, 28, "unknown param \"max_insn\" in emulate bpf");
        expect_error(HEAD "  - syscalls: [mknod]\n    action: emulate bpf\n", 1, 6, 13,
                     "handler bpf cannot emulate mknod");
}

TEST(inject_requested_builds_the_model)
{
        struct policy *p = parse_ok(HEAD "  - name: broker-loop-control\n"
                                         "    syscalls: [open, openat]\n"
                                         "    match: {path: \"/dev/loop-control\"}\n"
                                         "    action: {inject: requested, root: host, forbid: [O_TRUNC, O_APPEND]}\n"
                                         "  - syscalls: openat\n"
                                         "    action: {inject: requested, root: container, forbid: O_TRUNC|O_WRONLY}\n"
                                         "  - syscalls: open\n"
                                         "    action: {inject: requested}\n");
        const struct inject_params *ip = &p->rules[0].action.params.inject;
        struct verdict v = { .kind = VERDICT_INJECT, .params = &p->rules[0].action.params };
        char buf[64];

        EXPECT_EQ(p->rules[0].action.kind, VERDICT_INJECT);
        EXPECT_TRUE(ip->requested);
        EXPECT_TRUE(ip->path == NULL);
        EXPECT_EQ(ip->root, INJECT_ROOT_HOST);
        EXPECT_EQ(ip->forbid, O_TRUNC | O_APPEND);
        EXPECT_STREQ(verdict_format(&v, buf, sizeof(buf)), "inject requested (host)");
        ip = &p->rules[1].action.params.inject;
        EXPECT_EQ(ip->root, INJECT_ROOT_CONTAINER);
        EXPECT_EQ(ip->forbid, O_TRUNC | O_WRONLY);
        v.params = &p->rules[1].action.params;
        EXPECT_STREQ(verdict_format(&v, buf, sizeof(buf)), "inject requested (container)");
        ip = &p->rules[2].action.params.inject;
        EXPECT_TRUE(ip->requested);
        EXPECT_EQ(ip->root, INJECT_ROOT_HOST);
        EXPECT_EQ(ip->forbid, 0);
        /* A relative path is opened as the policy saw it: its base is read even
         * for a rule without a path match. */
        EXPECT_TRUE(policy_syscall_needs(p, "open") & POLICY_NEEDS_STRINGS);
        policy_free(p);

        p = parse_ok("name: t\ndescription: d\ndefault: {inject: requested}\nrules:\n"
                     "  - syscalls: openat\n    match:\n      flags: {all: O_PATH}\n    action: errno EPERM\n");
        EXPECT_TRUE(p->needs & POLICY_NEEDS_STRINGS);
        EXPECT_TRUE(p->dflt.params.inject.requested);
        policy_free(p);
}

TEST(inject_requested_param_errors)
{
        expect_error(HEAD "  - syscalls: [openat2]\n    action: {inject: requested}\n", 1, 6, 14,
                     "inject requested needs open or openat (openat2's flags are in a struct seccompd does not read)");
        expect_error(HEAD "  - syscalls: [openat, socket]\n    action: {inject: requested}\n", 1, 6, 14,
                     "inject requested needs open or openat, not socket");
        expect_error(HEAD "  - syscalls: [mknodat]\n    action: {inject: requested}\n", 1, 6, 14,
                     "inject requested needs open or openat, not mknodat");
        expect_error("name: t\ndescription: d\ndefault: {inject: requested}\nrules:\n  - syscalls: [mount]\n"
                     "    action: continue\n",
                     1, 3, 11, "default: inject requested needs open or openat, not mount");
        /* The caller's flags and O_CLOEXEC are used; a fixed path takes neither root nor forbid. */
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, flags: O_RDWR}\n", 1, 6, 33,
                     "\"flags\" cannot be set with inject requested");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, cloexec: true}\n", 1, 6, 33,
                     "\"cloexec\" cannot be set with inject requested");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: /dev/null, root: host}\n", 1, 6, 33,
                     "\"root\" is for inject requested");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: /dev/null, forbid: O_TRUNC}\n", 1, 6, 33,
                     "\"forbid\" is for inject requested");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, root: jail}\n", 1, 6, 39,
                     "bad root \"jail\": expected host or container");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, forbid: [O_TRUNC, O_NOPE]}\n", 1, 6,
                     51, "unknown symbol \"O_NOPE\" for \"forbid\"");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, forbid: O_TRUNC|O_CLOEXEC}\n", 1, 6,
                     41, "\"forbid\" cannot hold O_CLOEXEC");
        expect_error(HEAD "  - syscalls: openat\n    action: {inject: requested, root: [host]}\n", 1, 6, 40,
                     "\"root\" must be a scalar");
}
