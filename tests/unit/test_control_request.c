/* supervisor/control_request.c: framing a request line in the bytes received so
 * far, and splitting it into command and arguments, without a socket. */
#include <errno.h>
#include <string.h>

#include "supervisor/control_request.h"
#include "tests/unit/harness.h"

static char big[CONTROL_MAX_REQUEST + 8];

TEST(frame_waits_for_the_newline_then_ends_before_it)
{
        size_t n = 99;

        EXPECT_EQ(control_request_frame("stat", 4, 0, false, &n), 0);
        EXPECT_EQ(n, 99);
        EXPECT_EQ(control_request_frame("stats\nmore", 10, 4, false, &n), 1);
        EXPECT_EQ(n, 5);
}

TEST(frame_takes_eof_as_the_end_but_not_before_any_byte)
{
        size_t n = 0;

        EXPECT_EQ(control_request_frame("ping", 4, 0, true, &n), 1);
        EXPECT_EQ(n, 4);
        EXPECT_EQ(control_request_frame("", 0, 0, true, &n), -ECONNRESET);
}

TEST(frame_refuses_a_line_longer_than_the_limit)
{
        size_t n = 0;

        memset(big, 'a', sizeof(big));
        EXPECT_EQ(control_request_frame(big, CONTROL_MAX_REQUEST - 1, 0, false, &n), 0);
        EXPECT_EQ(control_request_frame(big, CONTROL_MAX_REQUEST, 0, false, &n), -EMSGSIZE);
        /* A newline past the limit does not make it servable. */
        big[CONTROL_MAX_REQUEST] = '\n';
        EXPECT_EQ(control_request_frame(big, CONTROL_MAX_REQUEST + 1, 0, false, &n), -EMSGSIZE);
        big[CONTROL_MAX_REQUEST - 1] = '\n';
        EXPECT_EQ(control_request_frame(big, CONTROL_MAX_REQUEST, 0, false, &n), 1);
        EXPECT_EQ(n, CONTROL_MAX_REQUEST - 1);
}

TEST(frame_scans_only_from_the_new_bytes)
{
        size_t n = 0;

        /* The caller says the first 6 bytes hold no newline: it is believed. */
        EXPECT_EQ(control_request_frame("ab\ncdef", 7, 6, false, &n), 0);
}

TEST(parse_splits_command_and_arguments_around_blanks)
{
        const char line[] = " \tregister  {\"id\": \"a b\"} \r";
        struct control_request r;

        ASSERT_EQ(control_request_parse(line, strlen(line), &r), 0);
        EXPECT_TRUE(control_request_is(&r, "register"));
        EXPECT_FALSE(control_request_is(&r, "registe"));
        EXPECT_FALSE(control_request_is(&r, "registers"));
        EXPECT_STREQ(r.args, "{\"id\": \"a b\"} \r");
        EXPECT_EQ(r.args_len, strlen(r.args));
}

TEST(parse_of_a_bare_command_has_empty_arguments)
{
        struct control_request r;

        ASSERT_EQ(control_request_parse("stats  ", 7, &r), 0);
        EXPECT_TRUE(control_request_is(&r, "stats"));
        EXPECT_EQ(r.args_len, 0);
}

TEST(parse_refuses_blank_lines_and_nul_bytes)
{
        struct control_request r = { 0 };

        EXPECT_EQ(control_request_parse("", 0, &r), -ENOMSG);
        EXPECT_EQ(control_request_parse(" \t\r", 3, &r), -ENOMSG);
        EXPECT_EQ(control_request_parse("ping\0reload", 11, &r), -EBADMSG);
        EXPECT_EQ(control_request_parse("\0", 1, &r), -EBADMSG);
        EXPECT_TRUE(r.command == NULL);
}
