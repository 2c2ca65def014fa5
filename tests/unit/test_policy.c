/* Policy evaluation: the built-in default policy (the shipped default.yaml),
 * and each match kind on hand-built policies. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy/builtin.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy_fixture.h"

/* mknod(path, mode, dev) or mknodat(AT_FDCWD, path, mode, dev). */
static struct verdict eval_mknod(const struct policy *p, bool at, uint32_t mode, unsigned maj, unsigned min)
{
        struct policy_call call = { .syscall = at ? "mknodat" : "mknod" };
        struct verdict v;
        unsigned base = at ? 1 : 0;

        if (at)
                call.args[0] = (uint64_t) (int64_t) AT_FDCWD;
        call.args[base] = 0x7fff0000;
        call.strs[base] = "/dev/x";
        call.args[base + 1] = mode;
        call.args[base + 2] = makedev(maj, min);
        policy_evaluate(p, &call, &v);
        return v;
}

TEST(default_policy_emulates_every_safe_char_device)
{
        static const unsigned devs[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 }, { 5, 2 }, { 0, 0 } };
        struct policy *p = builtin();

        for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
                struct verdict v = eval_mknod(p, true, S_IFCHR | 0666, devs[i][0], devs[i][1]);

                EXPECT_EQ(v.kind, VERDICT_EMULATE);
                EXPECT_EQ(v.emulator, EMULATOR_MKNOD);
                v = eval_mknod(p, false, S_IFCHR | 0600, devs[i][0], devs[i][1]);
                EXPECT_EQ(v.kind, VERDICT_EMULATE);
        }
        policy_free(p);
}

TEST(default_policy_fails_other_devices_with_eperm)
{
        struct policy *p = builtin();
        struct verdict v = eval_mknod(p, false, S_IFBLK | 0600, 8, 0);

        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        v = eval_mknod(p, false, S_IFBLK | 0600, 1, 3); /* a block 1:3 is not /dev/null */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        v = eval_mknod(p, true, S_IFCHR | 0600, 1, 1); /* /dev/mem */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        v = eval_mknod(p, false, S_IFCHR | 0600, 10, 200); /* /dev/net/tun */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        /* Large device numbers decode as the kernel does: 1:3 with minor bits above 8. */
        v = eval_mknod(p, false, S_IFCHR | 0600, 1, 3 + 256);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        policy_free(p);
}

TEST(default_policy_continues_files_fifos_and_sockets)
{
        struct policy *p = builtin();

        EXPECT_EQ(eval_mknod(p, false, S_IFIFO | 0600, 0, 0).kind, VERDICT_CONTINUE);
        EXPECT_EQ(eval_mknod(p, true, S_IFSOCK | 0600, 0, 0).kind, VERDICT_CONTINUE);
        EXPECT_EQ(eval_mknod(p, false, S_IFREG | 0600, 0, 0).kind, VERDICT_CONTINUE);
        /* No type bits means a regular file, as in the kernel; dev is ignored then. */
        EXPECT_EQ(eval_mknod(p, true, 0600, 1, 1).kind, VERDICT_CONTINUE);
        policy_free(p);
}

TEST(default_policy_unknown_syscall_gets_the_default)
{
        struct policy *p = builtin();
        struct policy_call call = { .syscall = "mount" };
        struct verdict v;

        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        EXPECT_EQ(v.rule, -1);
        call.syscall = NULL; /* a number libseccomp does not know */
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.rule, -1);
        policy_free(p);
}

/* ---- hand-built policies: one rule with one match, on syscall "s" ---- */

static char **strv(const char *a, const char *b)
{
        char **v = calloc(3, sizeof(*v));

        v[0] = strdup(a);
        if (b)
                v[1] = strdup(b);
        return v;
}

static struct policy *one_rule(struct policy_match m, enum verdict_kind kind)
{
        struct policy *p = calloc(1, sizeof(*p));
        struct policy_rule *r = calloc(1, sizeof(*r));

        r->n_syscalls = 2;
        r->syscalls = strv("s", "t");
        r->matches = calloc(1, sizeof(*r->matches));
        r->matches[0] = m;
        if (!m.args && m.kind < MATCH_CALLER_UID) {
                r->matches[0].args = calloc(2, sizeof(uint8_t));
                r->matches[0].args[0] = 1; /* arg 1 of s */
                r->matches[0].args[1] = 2; /* arg 2 of t */
        }
        r->n_matches = 1;
        r->action.kind = kind;
        p->rules = r;
        p->n_rules = 1;
        p->dflt = (struct policy_action) { .kind = VERDICT_ERRNO, .error = EACCES };
        if (policy_index(p) < 0)
                abort();
        return p;
}

static uint64_t *values(size_t n, ...)
{
        uint64_t *v = calloc(n, sizeof(*v));
        va_list ap;

        va_start(ap, n);
        for (size_t i = 0; i < n; i++)
                v[i] = va_arg(ap, uint64_t);
        va_end(ap);
        return v;
}

static enum verdict_kind eval_arg(const struct policy *p, const char *sys, uint64_t arg, const char *str)
{
        struct policy_call call = { .syscall = sys };
        unsigned i = strcmp(sys, "s") == 0 ? 1 : 2;
        struct verdict v;

        call.args[i] = arg;
        call.strs[i] = str;
        policy_evaluate(p, &call, &v);
        return v.kind;
}

TEST(match_int_in_uses_the_mask_and_the_slot_of_each_syscall)
{
        struct policy *p = one_rule((struct policy_match) {
                .kind = MATCH_INT_IN, .mask = 0xf000, .n_values = 2, .values = values(2, (uint64_t) 0x1000, (uint64_t) 0x2000),
        }, VERDICT_CONTINUE);

        EXPECT_EQ(eval_arg(p, "s", 0x1fff, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "t", 0x2001, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0x3000, NULL), VERDICT_ERRNO);
        EXPECT_EQ(eval_arg(p, "u", 0x1000, NULL), VERDICT_ERRNO); /* not named */
        policy_free(p);
}

TEST(match_range_is_inclusive)
{
        struct policy *p = one_rule((struct policy_match) {
                .kind = MATCH_INT_RANGE, .mask = UINT64_MAX, .lo = 10, .hi = 20,
        }, VERDICT_CONTINUE);

        EXPECT_EQ(eval_arg(p, "s", 9, NULL), VERDICT_ERRNO);
        EXPECT_EQ(eval_arg(p, "s", 10, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 20, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 21, NULL), VERDICT_ERRNO);
        policy_free(p);
}

TEST(match_flags_all_none_any)
{
        struct policy *p = one_rule((struct policy_match) {
                .kind = MATCH_FLAGS, .all = 0x1, .none = 0x2, .any = 0xc,
        }, VERDICT_CONTINUE);

        EXPECT_EQ(eval_arg(p, "s", 0x5, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0x9, NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0x1, NULL), VERDICT_ERRNO);  /* none of any */
        EXPECT_EQ(eval_arg(p, "s", 0x7, NULL), VERDICT_ERRNO);  /* a none bit */
        EXPECT_EQ(eval_arg(p, "s", 0x4, NULL), VERDICT_ERRNO);  /* all missing */
        policy_free(p);
}

TEST(match_dev_wildcards)
{
        struct policy_dev *d = calloc(2, sizeof(*d));
        struct policy *p;

        d[0] = (struct policy_dev) { 1, POLICY_ANY };
        d[1] = (struct policy_dev) { POLICY_ANY, 7 };
        p = one_rule((struct policy_match) { .kind = MATCH_DEV, .n_devs = 2, .devs = d }, VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", makedev(1, 300), NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", makedev(9, 7), NULL), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", makedev(9, 8), NULL), VERDICT_ERRNO);
        /* The kernel looks at 32 bits only. */
        EXPECT_EQ(eval_arg(p, "s", (1ULL << 40) | makedev(1, 0), NULL), VERDICT_CONTINUE);
        policy_free(p);
}

TEST(match_strings_glob_set_prefix_and_unread)
{
        struct policy *p = one_rule((struct policy_match) { .kind = MATCH_STR_GLOB, .n_strs = 2, .strs = strv("/dev/*", "/run/x") },
                                    VERDICT_CONTINUE);

        EXPECT_EQ(eval_arg(p, "s", 0, "/dev/null"), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0, "/dev/net/tun"), VERDICT_ERRNO); /* FNM_PATHNAME */
        EXPECT_EQ(eval_arg(p, "s", 0, "/run/x"), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0, NULL), VERDICT_ERRNO);
        policy_free(p);

        p = one_rule((struct policy_match) { .kind = MATCH_STR_PREFIX, .n_strs = 1, .strs = strv("trusted.overlay.", NULL) },
                     VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "t", 0, "trusted.overlay.opaque"), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "t", 0, "trusted.other"), VERDICT_ERRNO);
        policy_free(p);

        p = one_rule((struct policy_match) { .kind = MATCH_STR_IN, .n_strs = 1, .strs = strv("tmpfs", NULL) }, VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0, "tmpfs"), VERDICT_CONTINUE);
        EXPECT_EQ(eval_arg(p, "s", 0, "tmpfs2"), VERDICT_ERRNO);
        policy_free(p);
}

TEST(match_caller_needs_a_caller)
{
        struct policy *p = one_rule((struct policy_match) { .kind = MATCH_CALLER_CAPS, .all = 1ULL << 21 }, VERDICT_CONTINUE);
        struct policy_caller c = { .cap_effective = 1ULL << 21 };
        struct policy_call call = { .syscall = "s" };
        struct verdict v;

        EXPECT_TRUE(p->needs & POLICY_NEEDS_CALLER);
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        call.caller = &c;
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_CONTINUE);
        c.cap_effective = 1ULL << 0;
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        policy_free(p);
}

TEST(first_match_wins_and_rule_index_is_reported)
{
        struct policy *p = one_rule((struct policy_match) { .kind = MATCH_INT_IN, .mask = UINT64_MAX, .n_values = 1,
                                                            .values = values(1, (uint64_t) 5) },
                                    VERDICT_CONTINUE);
        struct policy_call call = { .syscall = "t" };
        struct verdict v;

        call.args[2] = 5;
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.rule, 0);
        EXPECT_EQ(v.kind, VERDICT_CONTINUE);
        call.args[2] = 6;
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.rule, -1);
        EXPECT_EQ(v.error, EACCES);
        policy_free(p);
}



static const char *norm(const char *cwd, const char *path)
{
        static char buf[2 * 4096];

        return policy_normalize_path(cwd, path, buf, sizeof(buf));
}

TEST(paths_are_normalised_lexically_and_keep_directory_slashes)
{
        EXPECT_STREQ(norm(NULL, "/dev//./null"), "/dev/null");
        EXPECT_STREQ(norm(NULL, "/dev/../etc/x"), "/etc/x");
        EXPECT_STREQ(norm(NULL, "/../../x"), "/x");
        EXPECT_STREQ(norm("/root", "a/../b"), "/root/b");
        EXPECT_STREQ(norm("/", "x"), "/x");
        EXPECT_STREQ(norm(NULL, "rel/x"), "rel/x"); /* no cwd: as given */
        EXPECT_STREQ(norm(NULL, "/dev/net/tun/"), "/dev/net/tun/");
        EXPECT_STREQ(norm("/dev/net/tun", "."), "/dev/net/tun/");
        EXPECT_STREQ(norm(NULL, "/dev/net/.."), "/dev/");
        EXPECT_STREQ(norm(NULL, "/"), "/");
}

TEST(globs_never_match_an_empty_path_or_a_directory_form)
{
        struct policy *p = one_rule((struct policy_match) { .kind = MATCH_STR_GLOB, .n_strs = 1, .strs = strv("/dev/net/tun", NULL) },
                                    VERDICT_CONTINUE);
        struct policy_call call = { .syscall = "s", .cwd = "/dev/net/tun" };
        struct verdict v;

        call.strs[1] = "";
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        call.strs[1] = ".";
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        call.strs[1] = "/dev/net/tun/";
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        call.strs[1] = "../tun";
        policy_evaluate(p, &call, &v);
        EXPECT_EQ(v.kind, VERDICT_CONTINUE);
        policy_free(p);
}
