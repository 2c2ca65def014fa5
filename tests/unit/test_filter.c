/* Policy -> seccomp filter plan: the plans of the default policy and of
 * hand-written ones, the safety invariant (a call the plan does not trap is one
 * the policy continues) checked exhaustively and on random calls, and the
 * filter loaded into the kernel for a real child. Texts: test_filter_print.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/macro.h"
#include "policy/builtin.h"
#include "policy/filter.h"
#include "policy/parse.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy_fixture.h"

/* ---- helpers ---- */

/* The test's own reading of libseccomp comparisons (unsigned, 64-bit). */
static bool cmp_holds(const struct scmp_arg_cmp *c, const uint64_t args[6])
{
        uint64_t v = args[c->arg];

        switch (c->op) {
        case SCMP_CMP_NE:
                return v != c->datum_a;
        case SCMP_CMP_LT:
                return v < c->datum_a;
        case SCMP_CMP_LE:
                return v <= c->datum_a;
        case SCMP_CMP_EQ:
                return v == c->datum_a;
        case SCMP_CMP_GE:
                return v >= c->datum_a;
        case SCMP_CMP_GT:
                return v > c->datum_a;
        case SCMP_CMP_MASKED_EQ:
                return (v & c->datum_a) == c->datum_b;
        default:
                abort();
        }
}

static bool any_rule_holds(const struct filter_rule *v, size_t n, const uint64_t args[6])
{
        for (size_t i = 0; i < n; i++) {
                bool all = true;

                for (unsigned k = 0; k < v[i].n_cmps; k++)
                        all = all && cmp_holds(&v[i].cmps[k], args);
                if (all)
                        return true;
        }
        return false;
}

static bool traps(const struct filter_plan *plan, const char *syscall, const uint64_t args[6])
{
        const struct filter_syscall *fs = filter_plan_find(plan, syscall);

        if (!fs)
                return false;
        if (fs->trap == FILTER_TRAP_ALWAYS)
                return true;
        return fs->trap == FILTER_TRAP_WHEN && any_rule_holds(fs->rules, fs->n_rules, args);
}

/* The verdict, for every caller context a call could come with: strings read or
 * not, a caller or none. True when all of them continue. */
static bool always_continued(const struct policy *p, const char *syscall, const uint64_t args[6])
{
        static const char *const strs[] = { NULL, "/dev/null", "user.x", "trusted.overlay.opaque", "tmpfs" };
        static const struct policy_caller root = { .uid = 0, .userns = true, .cap_effective = ~UINT64_C(0) };
        const struct policy_caller *callers[] = { NULL, &root };

        for (size_t s = 0; s < ARRAY_SIZE(strs); s++)
                for (size_t c = 0; c < ARRAY_SIZE(callers); c++) {
                        struct policy_call call = { .syscall = syscall, .cwd = "/", .caller = callers[c] };
                        struct verdict v;

                        memcpy(call.args, args, sizeof(call.args));
                        for (unsigned i = 0; i < 6; i++)
                                call.strs[i] = strs[s];
                        policy_evaluate(p, &call, &v);
                        if (v.kind != VERDICT_CONTINUE)
                                return false;
                }
        return true;
}

/* The invariant for one call; with an exact plan, also the converse. Returns
 * false (and says why) on a violation. */
static bool check_call(const struct policy *p, const struct filter_plan *plan, const char *syscall,
                       const uint64_t args[6])
{
        const struct filter_syscall *fs = filter_plan_find(plan, syscall);
        bool trapped = traps(plan, syscall, args), cont = always_continued(p, syscall, args);

        if (!trapped && !cont) {
                fprintf(stderr, "# UNSAFE: %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ") runs untrapped, the policy does not continue it\n",
                        syscall, args[0], args[1], args[2], args[3]);
                return false;
        }
        if (fs && fs->trap == FILTER_TRAP_WHEN && fs->why == FILTER_WHY_EXACT && trapped && cont) {
                fprintf(stderr, "# inexact: %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ") trapped, though continued\n", syscall,
                        args[0], args[1], args[2], args[3]);
                return false;
        }
        if (fs && fs->trap == FILTER_TRAP_WHEN && fs->untrapped_known &&
            any_rule_holds(fs->untrapped, fs->n_untrapped, args) == trapped) {
                fprintf(stderr, "# untrapped rules disagree for %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ")\n", syscall, args[0],
                        args[1], args[2], args[3]);
                return false;
        }
        return true;
}

static uint64_t rnd64(void)
{
        return (uint64_t) random() << 42 ^ (uint64_t) random() << 21 ^ (uint64_t) random();
}

/* A value likely to sit on an edge of some match: a named one, bits of one, a
 * random one, sign-extended or with stray high bits. */
static uint64_t interesting(const uint64_t *pool, size_t n)
{
        uint64_t v = pool[random() % n];

        switch (random() % 6) {
        case 0:
                return v;
        case 1:
                return v ^ (UINT64_C(1) << (random() % 64));
        case 2:
                return (uint64_t) (int64_t) (int32_t) v;
        case 3:
                return v | (rnd64() << 32);
        case 4:
                return v + (uint64_t) (random() % 3) - 1;
        default:
                return random() % 2 ? rnd64() : (uint64_t) (random() % 0x10000);
        }
}

/* Random calls of every syscall the policy names: how many ran untrapped (so
 * that a test can see the check was not vacuous), or -1 on a violation. */
static long check_random(const struct policy *p, const struct filter_plan *plan, const uint64_t *pool, size_t n,
                         unsigned rounds)
{
        long untrapped = 0;

        for (size_t s = 0; s < plan->n_syscalls; s++)
                for (unsigned i = 0; i < rounds; i++) {
                        uint64_t args[6];

                        for (unsigned a = 0; a < 6; a++)
                                args[a] = interesting(pool, n);
                        if (!check_call(p, plan, plan->syscalls[s].name, args))
                                return -1;
                        untrapped += !traps(plan, plan->syscalls[s].name, args);
                }
        return untrapped;
}

static const uint64_t pool[] = {
        0,          1,          2,          3,          10,        16,        4095,      4096,       4097,
        S_IFIFO,    S_IFCHR,    S_IFDIR,    S_IFBLK,    S_IFREG,   S_IFLNK,   S_IFSOCK,  S_IFCHR | 0666, S_IFIFO | 0644,
        0x103,      0x105,      0x101,      0x800,      0x0a00c8, 0x0a00e5, 0x10300000, 0x10042c,  0xffffff9c, 0x1000,
        0x20,       0x1020,     0x4000,     0x80000000, UINT32_MAX, UINT64_MAX,
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free)

/* ---- the default policy ---- */

/* Bit t set: the policy never continues mknod of file type t (mode & S_IFMT ==
 * t << 12), whatever the device. Derived from the policy, so the tests follow
 * edits of default.yaml. */
static uint64_t types_not_continued(const struct policy *p)
{
        static const uint64_t devs[] = { 0, 0x103, 0x800 };
        uint64_t mask = 0;

        for (uint64_t t = 0; t < 16; t++) {
                bool cont = false;

                for (size_t d = 0; d < ARRAY_SIZE(devs); d++) {
                        uint64_t args[6] = { 0, t << 12 | 0644, devs[d] };

                        cont = cont || always_continued(p, "mknod", args);
                }
                mask |= cont ? 0 : UINT64_C(1) << t;
        }
        return mask;
}

TEST(default_policy_traps_device_types_only)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        static const char *const names[] = { "mknod", "mknodat" };
        uint64_t want = types_not_continued(p);

        /* What issue 3 asks of the default policy's filter. */
        EXPECT_TRUE(want & (1 << (S_IFCHR >> 12)));
        EXPECT_TRUE(want & (1 << (S_IFBLK >> 12)));
        EXPECT_FALSE(want & (1 << (S_IFIFO >> 12) | 1 << (S_IFREG >> 12) | 1 << (S_IFSOCK >> 12) | 1 << 0));
        ASSERT_EQ(plan->n_syscalls, 2);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                const struct filter_syscall *fs = filter_plan_find(plan, names[i]);
                unsigned mode_arg = i == 0 ? 1 : 2;
                uint64_t seen = 0;

                ASSERT_TRUE(fs != NULL);
                ASSERT_EQ(fs->trap, FILTER_TRAP_WHEN);
                EXPECT_EQ(fs->why, FILTER_WHY_EXACT);
                /* One rule per file type the policy does not continue. */
                ASSERT_EQ(fs->n_rules, (size_t) __builtin_popcountll(want));
                for (size_t k = 0; k < fs->n_rules; k++) {
                        const struct scmp_arg_cmp *c = &fs->rules[k].cmps[0];

                        ASSERT_EQ(fs->rules[k].n_cmps, 1);
                        EXPECT_EQ(c->arg, mode_arg);
                        EXPECT_EQ(c->op, SCMP_CMP_MASKED_EQ);
                        EXPECT_EQ(c->datum_a, S_IFMT);
                        seen |= UINT64_C(1) << (c->datum_b >> 12);
                }
                EXPECT_EQ(seen, want);
                ASSERT_TRUE(fs->untrapped_known);
                EXPECT_EQ(fs->n_untrapped, 16 - fs->n_rules);
        }
}

/* Every file type (mode & S_IFMT: 16 values), with permission bits, stray high
 * bits and a few devices and dirfds: not trapped implies continued. */
TEST(default_policy_safety_exhaustive)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        static const uint64_t perms[] = { 0, 0644, 07777, UINT64_C(1) << 40 };
        static const uint64_t devs[] = { 0, 0x103, 0x101, 0x800, 0x10300000, UINT64_MAX };
        static const uint64_t dirfds[] = { (uint64_t) (int64_t) AT_FDCWD, 3 };
        unsigned checked = 0;

        for (uint64_t type = 0; type < 16; type++)
                for (size_t m = 0; m < ARRAY_SIZE(perms); m++)
                        for (size_t d = 0; d < ARRAY_SIZE(devs); d++) {
                                uint64_t mode = type << 12 | perms[m];
                                uint64_t a1[6] = { 0x7fff0000, mode, devs[d] };

                                ASSERT_TRUE(check_call(p, plan, "mknod", a1));
                                for (size_t f = 0; f < ARRAY_SIZE(dirfds); f++) {
                                        uint64_t a2[6] = { dirfds[f], 0x7fff0000, mode, devs[d] };

                                        ASSERT_TRUE(check_call(p, plan, "mknodat", a2));
                                        checked++;
                                }
                        }
        EXPECT_EQ(checked, 16 * 4 * 6 * 2);
}

TEST(default_policy_fifo_untrapped_devices_trapped)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        uint64_t fifo[6] = { 0, S_IFIFO | 0644, 0 }, sock[6] = { 0, S_IFSOCK | 0600, 0 };
        uint64_t reg[6] = { 0, S_IFREG | 0600, 0 }, none[6] = { 0, 0600, 0 };
        uint64_t chr[6] = { 0, S_IFCHR | 0666, makedev(1, 3) }, blk[6] = { 0, S_IFBLK | 0600, makedev(8, 0) };
        uint64_t chr_at[6] = { (uint64_t) (int64_t) AT_FDCWD, 0, S_IFCHR | 0666, makedev(1, 3) };

        EXPECT_FALSE(traps(plan, "mknod", fifo));
        EXPECT_FALSE(traps(plan, "mknod", sock));
        EXPECT_FALSE(traps(plan, "mknod", reg));
        EXPECT_FALSE(traps(plan, "mknod", none));
        EXPECT_TRUE(traps(plan, "mknod", chr));
        EXPECT_TRUE(traps(plan, "mknod", blk));
        EXPECT_TRUE(traps(plan, "mknodat", chr_at));
        EXPECT_FALSE(traps(plan, "mkdir", chr));
}

/* ---- hand-written policies ---- */

static const char mixed_policy[] =
        "name: test\n"
        "description: one of each shape\n"
        "default: errno EPERM\n"
        "rules:\n"
        "  - syscalls: [bpf]\n"
        "    match: {cmd: [BPF_MAP_CREATE]}\n"
        "    action: continue\n"
        "  - syscalls: [umount2]\n"
        "    match: {flags: {none: [MNT_FORCE]}}\n"
        "    action: continue\n"
        "  - syscalls: [mount]\n"
        "    match: {flags: {all: [MS_BIND], none: [MS_REMOUNT]}}\n"
        "    action: continue\n"
        "  - syscalls: [setxattr]\n"
        "    match: {size: {range: [0, 4096]}}\n"
        "    action: continue\n"
        "  - syscalls: [fsetxattr]\n"
        "    match: {size: {range: [16, 4096]}}\n"
        "    action: continue\n"
        "  - syscalls: [lsetxattr]\n"
        "    match: {name: {prefix: [user.]}}\n"
        "    action: continue\n"
        "  - syscalls: [mknodat]\n"
        "    match: {dirfd: AT_FDCWD, mode: {type: S_IFIFO}}\n"
        "    action: continue\n"
        "  - syscalls: [mknod]\n"
        "    match: {mode: {type: S_IFCHR}, dev: [\"1:3\", \"4:300\"]}\n"
        "    action: errno EPERM\n"
        "  - syscalls: [mknod]\n"
        "    match: {mode: {type: [S_IFCHR, S_IFIFO]}}\n"
        "    action: continue\n"
        "  - syscalls: [socket]\n"
        "    match: {domain: [AF_UNIX, AF_INET, AF_INET6]}\n"
        "    action: continue\n"
        "  - syscalls: [openat]\n"
        "    match: {path: [\"/dev/*\"]}\n"
        "    action: errno EPERM\n"
        "  - syscalls: [openat]\n"
        "    match: {flags: {any: [O_WRONLY, O_RDWR]}}\n"
        "    action: continue\n";

static const struct filter_syscall *find(const struct filter_plan *plan, const char *name)
{
        const struct filter_syscall *fs = filter_plan_find(plan, name);

        if (!fs)
                abort();
        return fs;
}

TEST(single_value_is_trapped_with_ne)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        const struct filter_syscall *fs = find(plan, "bpf");

        ASSERT_EQ(fs->trap, FILTER_TRAP_WHEN);
        ASSERT_EQ(fs->n_rules, 1);
        ASSERT_EQ(fs->rules[0].n_cmps, 1);
        EXPECT_EQ(fs->rules[0].cmps[0].op, SCMP_CMP_NE);
        EXPECT_EQ(fs->rules[0].cmps[0].arg, 0);
        EXPECT_EQ(fs->rules[0].cmps[0].datum_a, 0); /* BPF_MAP_CREATE */
        /* cmd is an int: a stray high bit is compared too, and trapped. */
        EXPECT_EQ(fs->why, FILTER_WHY_WIDE_ARG);
}

TEST(negative_int_is_compared_sign_extended)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        uint64_t glibc[6] = { (uint64_t) (int64_t) AT_FDCWD, 0, S_IFIFO | 0644, 0 };

        EXPECT_FALSE(traps(plan, "mknodat", glibc));
        glibc[0] = 3;
        EXPECT_TRUE(traps(plan, "mknodat", glibc));
}

TEST(range_is_trapped_with_lt_and_gt)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        const struct filter_syscall *both = find(plan, "fsetxattr"), *high = find(plan, "setxattr");

        ASSERT_EQ(both->n_rules, 2);
        EXPECT_EQ(both->rules[0].cmps[0].op, SCMP_CMP_LT);
        EXPECT_EQ(both->rules[0].cmps[0].datum_a, 16);
        EXPECT_EQ(both->rules[1].cmps[0].op, SCMP_CMP_GT);
        EXPECT_EQ(both->rules[1].cmps[0].datum_a, 4096);
        EXPECT_EQ(both->rules[0].cmps[0].arg, 3);
        EXPECT_FALSE(both->untrapped_known); /* 16 <= size <= 4096 takes two comparisons of one arg */
        ASSERT_EQ(high->n_rules, 1);
        EXPECT_EQ(high->rules[0].cmps[0].op, SCMP_CMP_GT);
        EXPECT_EQ(high->why, FILTER_WHY_EXACT); /* size is 64-bit */
}

TEST(flags_enumerate_the_masked_values_not_continued)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        const struct filter_syscall *fs = find(plan, "mount");
        uint64_t bind[6] = { 0, 0, 0, MS_BIND | MS_REC }, remount[6] = { 0, 0, 0, MS_BIND | MS_REMOUNT };

        ASSERT_EQ(fs->n_rules, 3); /* of the 4 values of flags & (MS_BIND|MS_REMOUNT), MS_BIND alone is continued */
        for (size_t k = 0; k < fs->n_rules; k++) {
                EXPECT_EQ(fs->rules[k].cmps[0].op, SCMP_CMP_MASKED_EQ);
                EXPECT_EQ(fs->rules[k].cmps[0].datum_a, MS_BIND | MS_REMOUNT);
                EXPECT_NE(fs->rules[k].cmps[0].datum_b, MS_BIND);
        }
        EXPECT_FALSE(traps(plan, "mount", bind));
        EXPECT_TRUE(traps(plan, "mount", remount));
}

TEST(string_match_in_a_continue_rule_traps_always)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        const struct filter_syscall *fs = find(plan, "lsetxattr");

        EXPECT_EQ(fs->trap, FILTER_TRAP_ALWAYS);
        EXPECT_EQ(fs->why, FILTER_WHY_UNCHECKABLE);
}

TEST(blocking_rule_before_continue_is_subtracted)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        uint64_t null[6] = { 0, S_IFCHR | 0600, makedev(1, 3) }, zero[6] = { 0, S_IFCHR | 0600, makedev(1, 5) };
        uint64_t fifo[6] = { 0, S_IFIFO | 0600, 0 };
        const struct filter_syscall *fs = find(plan, "mknod");

        EXPECT_EQ(fs->why, FILTER_WHY_EXACT);
        EXPECT_TRUE(traps(plan, "mknod", null));
        EXPECT_FALSE(traps(plan, "mknod", zero));
        EXPECT_FALSE(traps(plan, "mknod", fifo));
        /* openat: a path rule blocks first; the filter cannot see paths, so
         * every call is trapped. */
        EXPECT_EQ(find(plan, "openat")->trap, FILTER_TRAP_ALWAYS);
}

/* Minor bits 8-19 live in bits 20-31 of the dev arg (new_encode_dev). */
TEST(large_minor_is_encoded_as_the_kernel_decodes_it)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        uint64_t big[6] = { 0, S_IFCHR | 0600, makedev(4, 300) }, low[6] = { 0, S_IFCHR | 0600, makedev(4, 44) };

        EXPECT_EQ(makedev(4, 300), 0x10042c);
        EXPECT_TRUE(traps(plan, "mknod", big));
        EXPECT_FALSE(traps(plan, "mknod", low));
}

TEST(mixed_policy_safety_random)
{
        _cleanup_(policy_freep) struct policy *p = parse(mixed_policy);
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);

        srandom(1);
        ASSERT_GT(check_random(p, plan, pool, ARRAY_SIZE(pool), 20000), 1000);
}

TEST(continue_default_traps_only_what_rules_refuse)
{
        _cleanup_(policy_freep) struct policy *p = parse("name: allow\n"
                                                          "description: d\n"
                                                          "default: continue\n"
                                                          "rules:\n"
                                                          "  - syscalls: [mknod]\n"
                                                          "    match: {mode: {type: [S_IFCHR, S_IFBLK]}}\n"
                                                          "    action: errno EPERM\n"
                                                          "  - syscalls: [mkdirat]\n"
                                                          "    action: continue\n");
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        const struct filter_syscall *fs = find(plan, "mknod");

        ASSERT_EQ(fs->trap, FILTER_TRAP_WHEN);
        EXPECT_EQ(fs->n_rules, 2);
        EXPECT_EQ(find(plan, "mkdirat")->trap, FILTER_TRAP_NEVER);
        EXPECT_TRUE(filter_plan_find(plan, "mkdir") == NULL);
        srandom(2);
        ASSERT_GT(check_random(p, plan, pool, ARRAY_SIZE(pool), 5000), 1000);
}

TEST(example_policies_are_safe_on_random_calls)
{
        static const char *const files[] = { "nested-containers.yaml", "deny-all.yaml", "default.yaml",
                                             "device-broker.yaml" };

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                struct policy_diags d = {};
                struct policy *p = NULL;
                struct filter_plan *plan;
                size_t len = 0;
                FILE *f;

                ASSERT_TRUE(asprintf(&path, "%s/examples/policies/%s", SOURCE_ROOT, files[i]) > 0);
                f = fopen(path, "re");
                ASSERT_TRUE(f != NULL);
                text = malloc(1 << 20);
                ASSERT_TRUE(text != NULL);
                len = fread(text, 1, (1 << 20) - 1, f);
                fclose(f);
                ASSERT_EQ(policy_parse(text, len, path, 0, &p, &d), 0);
                policy_diags_clear(&d);
                plan = plan_of(p);
                srandom(3);
                EXPECT_GE(check_random(p, plan, pool, ARRAY_SIZE(pool), 3000), 0);
                filter_plan_free(plan);
                policy_free(p);
        }
}

TEST(arch_without_the_syscall_has_nothing_to_trap)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        struct filter_plan *plan = NULL;

        ASSERT_EQ(filter_plan_build(p, SCMP_ARCH_AARCH64, &plan), 0);
        EXPECT_EQ(find(plan, "mknod")->trap, FILTER_TRAP_ABSENT);
        EXPECT_EQ(find(plan, "mknodat")->trap, FILTER_TRAP_WHEN);
        EXPECT_EQ(find(plan, "mknodat")->nr, 33);
        filter_plan_free(plan);
        EXPECT_EQ(filter_plan_build(p, 0x1234, &plan), -EINVAL);
}

/* ---- in the kernel ---- */

enum load {
        LOAD_LIBSECCOMP, /* seccomp_load() of the plan's context */
        LOAD_BPF_EXPORT, /* seccomp_export_bpf() bytes, loaded with seccomp(2) */
        LOAD_UNTRAPPED,  /* plus the untrapped rules with an action of their own, as
                          * oci-patch writes them for a profile that had one */
};

static int send_fd(int sock, int fd)
{
        char byte = 'f', buf[CMSG_SPACE(sizeof(int))] = {};
        struct iovec iov = { &byte, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
        char byte, buf[CMSG_SPACE(sizeof(int))] = {};
        struct iovec iov = { &byte, 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf) };
        struct cmsghdr *c;
        int fd;

        if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
                return -EIO;
        c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return -EBADMSG;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

/* The exported program, loaded as a runtime without libseccomp would. */
static int load_exported(scmp_filter_ctx ctx)
{
        struct sock_filter insns[4096];
        struct sock_fprog prog;
        int mfd = memfd_create("bpf", MFD_CLOEXEC), r;
        ssize_t n;

        if (mfd < 0 || seccomp_export_bpf(ctx, mfd) < 0)
                return -EIO;
        n = pread(mfd, insns, sizeof(insns), 0);
        close(mfd);
        if (n <= 0 || n % (ssize_t) sizeof(insns[0]) != 0)
                return -EIO;
        prog = (struct sock_fprog) { .len = (unsigned short) (n / (ssize_t) sizeof(insns[0])), .filter = insns };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        r = (int) syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        return r < 0 ? -errno : r;
}

/* ENOTSUP for the calls the plan does not trap. */
static int add_untrapped(const struct filter_plan *plan, scmp_filter_ctx ctx)
{
        for (size_t i = 0; i < plan->n_syscalls; i++) {
                const struct filter_syscall *fs = &plan->syscalls[i];

                for (size_t k = 0; k < fs->n_untrapped; k++) {
                        int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOTSUP), fs->nr, fs->untrapped[k].n_cmps,
                                                       fs->untrapped[k].cmps);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int load_plan(const struct filter_plan *plan, enum load how)
{
        scmp_filter_ctx ctx = NULL;
        int r = filter_plan_new_ctx(plan, &ctx);

        if (r == 0 && how == LOAD_UNTRAPPED)
                r = add_untrapped(plan, ctx);
        if (r < 0)
                return r;
        if (how == LOAD_BPF_EXPORT)
                r = load_exported(ctx);
        else {
                /* libseccomp asks for a listener when the filter has NOTIFY rules. */
                r = seccomp_load(ctx);
                if (r == 0)
                        r = seccomp_notify_fd(ctx);
        }
        seccomp_release(ctx);
        return r;
}

static int result_of(int rc)
{
        return rc < 0 ? errno : 0;
}

/* In the child: the filter, then a FIFO, a regular file (type 0) and a char
 * device; each result (0 or errno) is sent to the parent as one int. */
static void child(int sock, const struct filter_plan *plan, enum load how, const char *dir)
{
        char path[512];
        int fd = load_plan(plan, how), res;

        if (fd < 0 || send_fd(sock, fd) < 0)
                _exit(10);
        snprintf(path, sizeof(path), "%s/fifo", dir);
        res = result_of(mknodat(AT_FDCWD, path, S_IFIFO | 0600, 0));
        snprintf(path, sizeof(path), "%s/reg", dir);
        res = res ? res : result_of(mknod(path, 0600, 0));
        /* Wait until the parent has looked for (no) notifications. */
        if (send(sock, &res, sizeof(res), 0) != sizeof(res) || recv(sock, &res, sizeof(res), 0) != sizeof(res))
                _exit(11);
        snprintf(path, sizeof(path), "%s/null", dir);
        res = result_of(mknodat(AT_FDCWD, path, S_IFCHR | 0600, makedev(1, 3)));
        if (send(sock, &res, sizeof(res), 0) != sizeof(res))
                _exit(12);
        _exit(0);
}

static int recv_int(int sock, int *ret)
{
        struct pollfd p = { .fd = sock, .events = POLLIN };

        if (poll(&p, 1, 5000) != 1)
                return -ETIMEDOUT;
        return recv(sock, ret, sizeof(*ret), 0) == sizeof(*ret) ? 0 : -EIO;
}

/* Receives one notification (within 5 s) and fails the call with EXDEV, an
 * errno only this answer gives. */
static int answer_one(int listener, struct seccomp_notif *req)
{
        struct pollfd p = { .fd = listener, .events = POLLIN };
        struct seccomp_notif_resp resp = {};

        if (poll(&p, 1, 5000) != 1)
                return -ETIMEDOUT;
        memset(req, 0, sizeof(*req));
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
                return -errno;
        resp.id = req->id;
        resp.error = -EXDEV;
        return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

static void run_in_kernel(enum load how)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        char dir[] = "/tmp/seccompd-filter.XXXXXX", path[512];
        struct pollfd none;
        struct seccomp_notif req;
        struct stat st;
        int sv[2], listener, res = -1, status = 0;
        pid_t pid;

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
                child(sv[1], plan, how, dir);
        listener = recv_fd(sv[0]);
        ASSERT_GE(listener, 0);
        ASSERT_EQ(recv_int(sv[0], &res), 0);
        /* FIFO and regular file made by the kernel (or failed by the action of
         * the untrapped rules)... */
        EXPECT_EQ(res, how == LOAD_UNTRAPPED ? ENOTSUP : 0);
        none = (struct pollfd) { .fd = listener, .events = POLLIN };
        EXPECT_EQ(poll(&none, 1, 0), 0); /* ...without a notification */
        ASSERT_EQ(send(sv[0], &res, sizeof(res), 0), (ssize_t) sizeof(res));
        snprintf(path, sizeof(path), "%s/fifo", dir);
        EXPECT_EQ(stat(path, &st) == 0 && S_ISFIFO(st.st_mode), how != LOAD_UNTRAPPED);
        unlink(path);
        snprintf(path, sizeof(path), "%s/reg", dir);
        EXPECT_EQ(stat(path, &st) == 0 && S_ISREG(st.st_mode), how != LOAD_UNTRAPPED);
        unlink(path);
        ASSERT_EQ(answer_one(listener, &req), 0); /* the char device is trapped */
        EXPECT_EQ(req.data.nr, __NR_mknodat);
        EXPECT_EQ(req.data.args[2] & S_IFMT, S_IFCHR);
        ASSERT_EQ(recv_int(sv[0], &res), 0);
        EXPECT_EQ(res, EXDEV);
        snprintf(path, sizeof(path), "%s/null", dir);
        EXPECT_TRUE(access(path, F_OK) < 0);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(listener);
        rmdir(dir);
}

TEST(kernel_runs_fifo_untrapped_and_traps_char_device)
{
        run_in_kernel(LOAD_LIBSECCOMP);
}

TEST(exported_bpf_runs_fifo_untrapped_and_traps_char_device)
{
        run_in_kernel(LOAD_BPF_EXPORT);
}

/* libseccomp combines the NOTIFY rules with other actions on the same syscall's
 * untrapped calls (what oci-patch writes for a default-deny profile). */
TEST(untrapped_rules_take_their_own_action_beside_notify)
{
        run_in_kernel(LOAD_UNTRAPPED);
}
