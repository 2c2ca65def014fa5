/* Shared by the policy parser tests (test_policy_parse.c, test_policy_handlers.c):
 * parse a policy text and check its diagnostics. Include once per test program,
 * after tests/unit/harness.h. */
#pragma once

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

/* Lines 1-4; a policy's rules start on line 5. */
#define HEAD "name: t\ndescription: test\ndefault: errno EPERM\nrules:\n"

static inline void diags_dump(const struct policy_diags *d)
{
        fprintf(stderr, "# diagnostics:\n");
        for (size_t i = 0; i < d->n; i++)
                fprintf(stderr, "#   %u:%u %s: %s\n", d->v[i].pos.line, d->v[i].pos.col,
                        d->v[i].warning ? "warning" : "error", d->v[i].msg);
}

static inline int parse(const char *text, struct policy **ret, struct policy_diags *d)
{
        return policy_parse(text, strlen(text), "dir/t.yaml", 0, ret, d);
}

/* A policy that must parse with no diagnostics at all. */
static inline struct policy *parse_ok(const char *text)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;
        int r = parse(text, &p, &d);

        if (r < 0 || d.n > 0) {
                diags_dump(&d);
                HARNESS_FAIL(true, "parse: %d, %zu diagnostics", r, d.n);
        }
        policy_diags_clear(&d);
        return p;
}

static inline bool has_diag(const struct policy_diags *d, bool warning, unsigned line, unsigned col, const char *part)
{
        for (size_t i = 0; i < d->n; i++)
                if (d->v[i].warning == warning && d->v[i].pos.line == line && d->v[i].pos.col == col &&
                    strstr(d->v[i].msg, part))
                        return true;
        return false;
}

#define EXPECT_DIAG(d, warning, line, col, part) \
        do { \
                if (!has_diag(d, warning, line, col, part)) { \
                        diags_dump(d); \
                        HARNESS_FAIL(false, "no %s at %u:%u with \"%s\"", (warning) ? "warning" : "error", \
                                     (unsigned) (line), (unsigned) (col), part); \
                } \
        } while (0)

/* The policy fails with exactly |n_errors| errors, one of them |part| at line:col. */
static inline void expect_error(const char *text, size_t n_errors, unsigned line, unsigned col, const char *part)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(parse(text, &p, &d), -EINVAL);
        EXPECT_TRUE(p == NULL);
        EXPECT_EQ(d.n_errors, n_errors);
        EXPECT_DIAG(&d, false, line, col, part);
        policy_diags_clear(&d);
}

/* The policy loads, with the warning |part| at line:col. */
static inline void expect_warning(const char *text, unsigned line, unsigned col, const char *part)
{
        struct policy_diags d = { 0 };
        struct policy *p = NULL;

        EXPECT_EQ(parse(text, &p, &d), 0);
        EXPECT_TRUE(p != NULL);
        EXPECT_EQ(d.n_errors, 0);
        EXPECT_DIAG(&d, true, line, col, part);
        policy_free(p);
        policy_diags_clear(&d);
}

static inline const struct policy_match *find_match(const struct policy_rule *r, const char *arg, enum match_kind kind)
{
        for (size_t i = 0; i < r->n_matches; i++)
                if (strcmp(r->matches[i].arg_name, arg) == 0 && r->matches[i].kind == kind)
                        return &r->matches[i];
        HARNESS_FAIL(true, "no %d match on %s", kind, arg);
        return NULL;
}

static inline bool has_value(const struct policy_match *m, uint64_t v)
{
        for (size_t i = 0; i < m->n_values; i++)
                if (m->values[i] == v)
                        return true;
        return false;
}

static inline char *read_file(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        ASSERT_TRUE(f != NULL);
        ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        ASSERT_GE(n, 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        ASSERT_TRUE(buf != NULL);
        ASSERT_EQ(fread(buf, 1, (size_t) n, f), (size_t) n);
        fclose(f);
        buf[n] = '\0';
        *ret_len = (size_t) n;
        return buf;
}

static inline struct policy *parse_example(const char *name, struct policy_diags *d)
{
        char path[4096];
        _cleanup_free_ char *text = NULL;
        struct policy *p = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/examples/policies/%s", SOURCE_ROOT, name);
        text = read_file(path, &len);
        if (policy_parse(text, len, path, 0, &p, d) < 0 || d->n > 0) {
                policy_diags_print(d, path, stderr);
                HARNESS_FAIL(true, "%s does not parse cleanly", name);
        }
        return p;
}

/* ---- schema tables ---- */
