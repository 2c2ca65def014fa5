/* LXC proxy messages: the layout LXC 5.0's monitor sends, sizes larger and
 * smaller than ours, lengths, cookies, fd counts; and the reply it reads back. */
#include <errno.h>
#include <string.h>

#include "supervisor/lxc_proxy.h"
#include "tests/unit/harness.h"

#define HDR sizeof(struct lxc_proxy_header)

/* A message as LXC builds it: header, notif, resp (id already set), cookie. */
static size_t build(unsigned char *buf, uint16_t notif_size, uint16_t resp_size, uint16_t data_size,
                    const char *cookie, size_t cookie_len)
{
        struct lxc_proxy_header h = {
                .monitor_pid = 100, .init_pid = 101,
                .notif_size = notif_size, .resp_size = resp_size, .data_size = data_size,
                .cookie_len = cookie_len,
        };
        struct seccomp_notif n = { .id = 0x1122334455667788ULL, .pid = 4242 };
        struct seccomp_notif_resp r = { .id = n.id };

        n.data.nr = 259;
        n.data.args[5] = 0xabcdef;
        memset(buf, 0xee, HDR + notif_size + resp_size + cookie_len); /* tails beyond our structs */
        memcpy(buf, &h, HDR);
        memcpy(buf + HDR, &n, sizeof(n));
        memcpy(buf + HDR + notif_size, &r, sizeof(r));
        memcpy(buf + HDR + notif_size + resp_size, cookie, cookie_len);
        return HDR + notif_size + resp_size + cookie_len;
}

static unsigned char buf[LXC_PROXY_MAX_MESSAGE + 16];

TEST(message_with_todays_sizes_parses_every_field)
{
        size_t len = build(buf, 80, 24, 64, "policy=default", 14);
        struct lxc_proxy_msg m;
        const char *why = NULL;

        ASSERT_EQ(len, 150); /* what LXC 5.0.2 sends on Linux 6.x */
        ASSERT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), 0);
        EXPECT_EQ(m.origin.monitor_pid, 100);
        EXPECT_EQ(m.origin.init_pid, 101);
        EXPECT_EQ(m.origin.sizes.seccomp_notif, 80);
        EXPECT_EQ(m.origin.sizes.seccomp_notif_resp, 24);
        EXPECT_EQ(m.origin.sizes.seccomp_data, 64);
        EXPECT_EQ(m.notif.id, 0x1122334455667788ULL);
        EXPECT_EQ(m.notif.pid, 4242);
        EXPECT_EQ(m.notif.data.nr, 259);
        EXPECT_EQ(m.notif.data.args[5], 0xabcdef);
        ASSERT_EQ(m.cookie_len, 14);
        EXPECT_TRUE(memcmp(m.cookie, "policy=default", 14) == 0);
}

TEST(larger_announced_sizes_are_accepted_and_their_tails_ignored)
{
        size_t len = build(buf, 200, 40, 184, "c", 1);
        struct lxc_proxy_msg m;
        const char *why = NULL;

        ASSERT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), 0);
        EXPECT_EQ(m.origin.sizes.seccomp_notif, 200);
        EXPECT_EQ(m.origin.sizes.seccomp_notif_resp, 40);
        EXPECT_EQ(m.notif.pid, 4242);
        ASSERT_EQ(m.cookie_len, 1);
        EXPECT_EQ(m.cookie[0], 'c');
}

TEST(smaller_announced_sizes_are_eproto)
{
        const char *why = NULL;
        struct lxc_proxy_msg m;

        EXPECT_EQ(lxc_proxy_parse(buf, build(buf, 79, 24, 64, "", 0), 3, &m, &why), -EPROTO);
        EXPECT_TRUE(strstr(why, "seccomp_notif size") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, build(buf, 80, 23, 64, "", 0), 3, &m, &why), -EPROTO);
        EXPECT_TRUE(strstr(why, "seccomp_notif_resp size") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, build(buf, 80, 24, 63, "", 0), 3, &m, &why), -EPROTO);
        EXPECT_TRUE(strstr(why, "seccomp_data size") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, build(buf, 0, 0, 0, "", 0), 3, &m, &why), -EPROTO);
}

TEST(length_must_be_exactly_what_the_header_announces)
{
        size_t len = build(buf, 80, 24, 64, "policy=default", 14);
        const char *why = NULL;
        struct lxc_proxy_msg m;

        EXPECT_EQ(lxc_proxy_parse(buf, 0, 3, &m, &why), -EBADMSG);
        EXPECT_EQ(lxc_proxy_parse(buf, HDR - 1, 3, &m, &why), -EBADMSG);
        EXPECT_TRUE(strstr(why, "header") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, HDR, 3, &m, &why), -EBADMSG);
        EXPECT_EQ(lxc_proxy_parse(buf, len - 1, 3, &m, &why), -EBADMSG);
        EXPECT_TRUE(strstr(why, "length") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, len + 1, 3, &m, &why), -EBADMSG);
        /* A reply-shaped message (no cookie) is one of ours, not LXC's: still well-formed. */
        EXPECT_EQ(lxc_proxy_parse(buf, build(buf, 80, 24, 64, "", 0), 3, &m, &why), 0);
        EXPECT_EQ(m.cookie_len, 0);
}

TEST(cookie_length_is_bounded_without_overflow)
{
        static char cookie[LXC_PROXY_MAX_COOKIE + 1];
        struct lxc_proxy_header h;
        const char *why = NULL;
        struct lxc_proxy_msg m;
        size_t len;

        memset(cookie, 'x', sizeof(cookie));
        len = build(buf, 80, 24, 64, cookie, LXC_PROXY_MAX_COOKIE);
        ASSERT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), 0);
        EXPECT_EQ(m.cookie_len, LXC_PROXY_MAX_COOKIE);
        len = build(buf, 80, 24, 64, cookie, LXC_PROXY_MAX_COOKIE + 1);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), -E2BIG);
        EXPECT_TRUE(strstr(why, "4096") != NULL);
        /* A length that would wrap the sum must not pass as a short one. */
        len = build(buf, 80, 24, 64, "", 0);
        memcpy(&h, buf, HDR);
        h.cookie_len = UINT64_MAX - 103;
        memcpy(buf, &h, HDR);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), -E2BIG);
}

TEST(exactly_three_fds_are_required)
{
        size_t len = build(buf, 80, 24, 64, "", 0);
        const char *why = NULL;
        struct lxc_proxy_msg m;

        EXPECT_EQ(lxc_proxy_parse(buf, len, 0, &m, &why), -EBADMSG);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 2, &m, &why), -EBADMSG);
        EXPECT_TRUE(strstr(why, "three fds") != NULL);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 4, &m, &why), -EBADMSG);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), 0);
}

TEST(nonpositive_pids_and_nul_in_cookie_are_refused)
{
        struct lxc_proxy_header h;
        const char *why = NULL;
        struct lxc_proxy_msg m;
        size_t len;

        len = build(buf, 80, 24, 64, "a\0b", 3);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), -EBADMSG);
        EXPECT_TRUE(strstr(why, "NUL") != NULL);
        len = build(buf, 80, 24, 64, "", 0);
        memcpy(&h, buf, HDR);
        h.init_pid = 0;
        memcpy(buf, &h, HDR);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), -EBADMSG);
        h.init_pid = 1;
        h.monitor_pid = -5;
        memcpy(buf, &h, HDR);
        EXPECT_EQ(lxc_proxy_parse(buf, len, 3, &m, &why), -EBADMSG);
}

TEST(reply_echoes_pids_and_sizes_without_cookie)
{
        struct lxc_proxy_origin o = { .monitor_pid = 100, .init_pid = 101,
                                      .sizes = { .seccomp_notif = 96, .seccomp_notif_resp = 32, .seccomp_data = 80 } };
        struct seccomp_notif n = { .id = 77, .pid = 5 };
        struct seccomp_notif_resp r = { .id = 77, .error = -EPERM, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        struct seccomp_notif_resp got;
        struct lxc_proxy_header h;
        unsigned char out[256];
        struct lxc_proxy_msg m;
        const char *why = NULL;

        memset(out, 0xee, sizeof(out));
        ASSERT_EQ(lxc_proxy_reply_size(&o.sizes), HDR + 96 + 32);
        ASSERT_EQ(lxc_proxy_reply(&o, &n, &r, out, sizeof(out)), (ssize_t) (HDR + 96 + 32));
        memcpy(&h, out, HDR);
        EXPECT_EQ(h.reserved, 0);
        EXPECT_EQ(h.monitor_pid, 100);
        EXPECT_EQ(h.init_pid, 101);
        EXPECT_EQ(h.notif_size, 96);
        EXPECT_EQ(h.resp_size, 32);
        EXPECT_EQ(h.data_size, 80);
        EXPECT_EQ(h.padding, 0);
        EXPECT_EQ(h.cookie_len, 0);
        memcpy(&got, out + HDR + 96, sizeof(got));
        EXPECT_EQ(got.id, 77);
        EXPECT_EQ(got.error, -EPERM);
        EXPECT_EQ(got.flags, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
        for (size_t i = HDR + sizeof(n); i < HDR + 96; i++)
                EXPECT_EQ(out[i], 0);
        for (size_t i = HDR + 96 + sizeof(r); i < HDR + 96 + 32; i++)
                EXPECT_EQ(out[i], 0);
        /* Read back as a message, the reply says what it answered. */
        ASSERT_EQ(lxc_proxy_parse(out, HDR + 96 + 32, 3, &m, &why), 0);
        EXPECT_EQ(m.notif.id, 77);
}

TEST(reply_refuses_a_short_buffer_or_sizes_below_ours)
{
        struct lxc_proxy_origin o = { .monitor_pid = 1, .init_pid = 2,
                                      .sizes = { .seccomp_notif = 80, .seccomp_notif_resp = 24, .seccomp_data = 64 } };
        struct seccomp_notif n = { .id = 1 };
        struct seccomp_notif_resp r = { .id = 1 };
        unsigned char out[256];

        EXPECT_EQ(lxc_proxy_reply(&o, &n, &r, out, HDR + 80 + 23), -ENOBUFS);
        EXPECT_EQ(lxc_proxy_reply(&o, &n, &r, out, HDR + 80 + 24), (ssize_t) (HDR + 80 + 24));
        o.sizes.seccomp_notif_resp = 16;
        EXPECT_EQ(lxc_proxy_reply(&o, &n, &r, out, sizeof(out)), -ENOBUFS);
}
