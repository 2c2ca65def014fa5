/* A small kselftest-shaped harness: TEST() registers a test, each test runs in a
 * forked child (a crash fails that test only), ASSERT_* stop it, EXPECT_* go on,
 * output is TAP. Include once per test program; main() is provided. */
#pragma once

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct harness_test {
        const char *name;
        void (*fn)(void);
        struct harness_test *next;
};

struct harness_state {
        struct harness_test *head, **tail;
        bool failed; /* in the child: some EXPECT failed */
};

static struct harness_state harness = { NULL, &harness.head, false };

static inline void harness_register(struct harness_test *t)
{
        *harness.tail = t;
        harness.tail = &t->next;
}

#define TEST(name) \
        static void test_##name(void); \
        static struct harness_test harness_t_##name = { #name, test_##name, NULL }; \
        __attribute__((constructor)) static void harness_reg_##name(void) \
        { \
                harness_register(&harness_t_##name); \
        } \
        static void test_##name(void)

#define HARNESS_FAIL(stop, fmt, ...) \
        do { \
                fprintf(stderr, "# %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
                harness.failed = true; \
                if (stop) \
                        _exit(1); \
        } while (0)

#define HARNESS_CMP(stop, a, op, b) \
        do { \
                intmax_t _a = (intmax_t) (a), _b = (intmax_t) (b); \
                if (!(_a op _b)) \
                        HARNESS_FAIL(stop, "%s %s %s (%jd vs %jd)", #a, #op, #b, _a, _b); \
        } while (0)

#define HARNESS_STR(stop, a, op, b) \
        do { \
                const char *_a = (a), *_b = (b); \
                if (!_a || !_b || !(strcmp(_a, _b) op 0)) \
                        HARNESS_FAIL(stop, "%s %s %s (\"%s\" vs \"%s\")", #a, #op, #b, _a ? _a : "(null)", \
                                     _b ? _b : "(null)"); \
        } while (0)

#define ASSERT_EQ(a, b) HARNESS_CMP(true, a, ==, b)
#define ASSERT_NE(a, b) HARNESS_CMP(true, a, !=, b)
#define ASSERT_LT(a, b) HARNESS_CMP(true, a, <, b)
#define ASSERT_LE(a, b) HARNESS_CMP(true, a, <=, b)
#define ASSERT_GT(a, b) HARNESS_CMP(true, a, >, b)
#define ASSERT_GE(a, b) HARNESS_CMP(true, a, >=, b)
#define ASSERT_TRUE(a) HARNESS_CMP(true, !!(a), ==, 1)
#define ASSERT_FALSE(a) HARNESS_CMP(true, !!(a), ==, 0)
#define ASSERT_STREQ(a, b) HARNESS_STR(true, a, ==, b)
#define EXPECT_EQ(a, b) HARNESS_CMP(false, a, ==, b)
#define EXPECT_NE(a, b) HARNESS_CMP(false, a, !=, b)
#define EXPECT_LT(a, b) HARNESS_CMP(false, a, <, b)
#define EXPECT_LE(a, b) HARNESS_CMP(false, a, <=, b)
#define EXPECT_GT(a, b) HARNESS_CMP(false, a, >, b)
#define EXPECT_GE(a, b) HARNESS_CMP(false, a, >=, b)
#define EXPECT_TRUE(a) HARNESS_CMP(false, !!(a), ==, 1)
#define EXPECT_FALSE(a) HARNESS_CMP(false, !!(a), ==, 0)
#define EXPECT_STREQ(a, b) HARNESS_STR(false, a, ==, b)

/* Runs each test in a child; a test may be selected by name as argv[1]. */
int main(int argc, char **argv)
{
        unsigned n = 0, passed = 0, failed = 0;

        for (struct harness_test *t = harness.head; t; t = t->next)
                if (argc < 2 || strcmp(argv[1], t->name) == 0)
                        n++;
        printf("TAP version 13\n1..%u\n", n);
        fflush(stdout);
        n = 0;
        for (struct harness_test *t = harness.head; t; t = t->next) {
                int status = 0;
                pid_t pid;

                if (argc >= 2 && strcmp(argv[1], t->name) != 0)
                        continue;
                n++;
                pid = fork();
                if (pid < 0) {
                        perror("fork");
                        return 1;
                }
                if (pid == 0) {
                        t->fn();
                        fflush(NULL);
                        _exit(harness.failed ? 1 : 0);
                }
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                        printf("ok %u %s\n", n, t->name);
                        passed++;
                } else {
                        if (WIFSIGNALED(status))
                                printf("# %s: killed by signal %d\n", t->name, WTERMSIG(status));
                        printf("not ok %u %s\n", n, t->name);
                        failed++;
                }
                fflush(stdout);
        }
        printf("# %u passed, %u failed\n", passed, failed);
        return failed ? 1 : 0;
}
