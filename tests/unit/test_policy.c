/* The built-in default policy: which mknod calls continue, emulate or fail. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy/policy.h"
#include "tests/unit/harness.h"

static struct verdict eval_mknod(enum sysid id, uint32_t mode, unsigned maj, unsigned min)
{
        struct request req;
        struct verdict v;

        memset(&req, 0, sizeof(req));
        req.sysid = id;
        req.dirfd = AT_FDCWD;
        req.mode = mode;
        req.dev_major = maj;
        req.dev_minor = min;
        policy_evaluate(policy_builtin_default(), &req, &v);
        return v;
}

TEST(default_policy_emulates_every_safe_char_device)
{
        static const unsigned devs[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 }, { 5, 2 }, { 0, 0 } };

        for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
                struct verdict v = eval_mknod(SYSID_MKNODAT, S_IFCHR | 0666, devs[i][0], devs[i][1]);

                EXPECT_EQ(v.kind, VERDICT_EMULATE);
                EXPECT_EQ(v.emulator, EMULATOR_MKNOD);
                v = eval_mknod(SYSID_MKNOD, S_IFCHR | 0600, devs[i][0], devs[i][1]);
                EXPECT_EQ(v.kind, VERDICT_EMULATE);
        }
}

TEST(default_policy_fails_other_devices_with_eperm)
{
        struct verdict v = eval_mknod(SYSID_MKNOD, S_IFBLK | 0600, 8, 0);

        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        v = eval_mknod(SYSID_MKNOD, S_IFBLK | 0600, 1, 3); /* a block 1:3 is not /dev/null */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        v = eval_mknod(SYSID_MKNODAT, S_IFCHR | 0600, 1, 1); /* /dev/mem */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        v = eval_mknod(SYSID_MKNOD, S_IFCHR | 0600, 10, 200); /* /dev/net/tun */
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
}

TEST(default_policy_continues_files_fifos_and_sockets)
{
        EXPECT_EQ(eval_mknod(SYSID_MKNOD, S_IFIFO | 0600, 0, 0).kind, VERDICT_CONTINUE);
        EXPECT_EQ(eval_mknod(SYSID_MKNODAT, S_IFSOCK | 0600, 0, 0).kind, VERDICT_CONTINUE);
        EXPECT_EQ(eval_mknod(SYSID_MKNOD, S_IFREG | 0600, 0, 0).kind, VERDICT_CONTINUE);
        /* No type bits means a regular file, as in the kernel; dev is ignored then. */
        EXPECT_EQ(eval_mknod(SYSID_MKNOD, 0600, 1, 3).kind, VERDICT_CONTINUE);
}

TEST(default_policy_fails_unknown_trapped_calls_with_eperm)
{
        struct request req;
        struct verdict v;

        memset(&req, 0, sizeof(req));
        req.sysid = SYSID_UNKNOWN;
        policy_evaluate(policy_builtin_default(), &req, &v);
        EXPECT_EQ(v.kind, VERDICT_ERRNO);
        EXPECT_EQ(v.error, EPERM);
        EXPECT_EQ(v.rule, -1);
}
