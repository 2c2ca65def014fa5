/* seccompctl policy test: runs policy test files (docs/policy-tests.md) against
 * the policies they name, through policy_evaluate(), the daemon's evaluator. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "policy/testsuite.h"
#include "supervisor/ctl.h"
#include "supervisor/policy_store.h"

#define DESCRIBE_MAX 8192

struct test_run {
        const struct ctl_options *o;
        bool verbose;
        unsigned passed, failed, bad_files;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free);

static void test_help(void)
{
        printf("Usage: seccompctl policy test [--verbose] FILE|DIR...\n"
               "Runs policy test files: each names a policy and lists calls with the verdict\n"
               "expected for them (docs/policy-tests.md). A DIR means every *.yaml in it.\n"
               "Prints FILE:LINE: CASE: expected ..., got ... for each failure (and each pass\n"
               "with --verbose), then \"N passed, N failed\". Exit status 0 only when every\n"
               "case passed, at least one ran, and no file or policy had errors.\n");
}

/* A policy path in a test file is relative to the test file's directory. */
static int policy_path(const char *file, const char *policy, char **ret)
{
        const char *slash = strrchr(file, '/');
        int n;

        if (policy[0] == '/' || !slash)
                n = asprintf(ret, "%s", policy);
        else
                n = asprintf(ret, "%.*s/%s", (int) (slash - file), file, policy);
        return n < 0 ? -ENOMEM : 0;
}

/* The policy a test file names, loaded as the daemon would (diagnostics to stderr). */
static int load_policy(const char *file, const struct testsuite *t, const struct ctl_options *o,
                       struct policy **ret)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (testsuite_policy_is_path(t->policy)) {
                r = policy_path(file, t->policy, &path);
                if (r < 0)
                        return r;
        }
        r = policy_load_one(o->policy_dir, path ? path : t->policy, 0, stderr, ret);
        if (r == -ENOENT)
                fprintf(stderr, "%s:%u:%u: error: no policy \"%s\" (%s %s)\n", file, t->policy_pos.line,
                        t->policy_pos.col, t->policy, path ? "no file" : "not in", path ? path : o->policy_dir);
        else if (r < 0)
                fprintf(stderr, "%s:%u:%u: error: policy \"%s\" does not load\n", file, t->policy_pos.line,
                        t->policy_pos.col, t->policy);
        return r;
}

/* With --verbose: the rules (and default) no case of the file reached. */
static void print_unexercised(const char *file, const struct policy *p, const bool *hit)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if (!hit[i])
                        printf("%s: note: rule %zu%s%s%s (line %u) of policy \"%s\" is not exercised\n", file, i + 1,
                               p->rules[i].name ? " \"" : "", p->rules[i].name ? p->rules[i].name : "",
                               p->rules[i].name ? "\"" : "", p->rules[i].pos.line, p->name);
        if (!hit[p->n_rules])
                printf("%s: note: the default of policy \"%s\" is not exercised\n", file, p->name);
}

static int run_cases(const char *file, const struct testsuite *t, const struct policy *p, struct test_run *run)
{
        _cleanup_free_ bool *hit = calloc(p->n_rules + 1, sizeof(*hit));
        char text[DESCRIBE_MAX];

        if (!hit)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_cases; i++) {
                const struct testsuite_case *tc = &t->cases[i];
                struct verdict got;
                bool ok = testsuite_run_case(p, tc, &got);

                hit[got.rule >= 0 ? (size_t) got.rule : p->n_rules] = true;
                testsuite_describe(p, tc, &got, ok, text, sizeof(text));
                if (!ok)
                        printf("%s:%u: %s: %s\n", file, tc->pos.line, tc->name, text);
                else if (run->verbose)
                        printf("%s:%u: %s: ok: %s\n", file, tc->pos.line, tc->name, text);
                if (ok)
                        run->passed++;
                else
                        run->failed++;
        }
        if (run->verbose)
                print_unexercised(file, p, hit);
        return 0;
}

/* Parses |text|, loads its policy, runs its cases; -EINVAL when the file or
 * the policy has errors (reported). */
static int run_text(const char *file, const char *text, size_t len, struct test_run *run)
{
        _cleanup_(testsuite_freep) struct testsuite *t = NULL;
        _cleanup_(policy_freep) struct policy *p = NULL;
        struct policy_diags diags = {};
        int r = testsuite_parse(text, len, 0, &t, &diags);

        policy_diags_print(&diags, file, stderr);
        policy_diags_clear(&diags);
        if (r < 0)
                return r;
        r = load_policy(file, t, run->o, &p);
        if (r < 0)
                return r;
        return run_cases(file, t, p, run);
}

static void run_file(const char *file, struct test_run *run)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_bounded(AT_FDCWD, file, POLICY_FILE_MAX, &text, &len);

        if (r < 0)
                fprintf(stderr, "%s: error: cannot read: %s\n", file,
                        r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        else
                r = run_text(file, text, len, run);
        if (r == -ENOMEM)
                fprintf(stderr, "%s: error: out of memory\n", file);
        if (r < 0)
                run->bad_files++;
}

static int is_yaml_entry(const struct dirent *d)
{
        size_t n = strlen(d->d_name);

        return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

/* Every *.yaml directly in |dir|, in name order (the NN- prefixes). */
static void run_dir(const char *dir, struct test_run *run)
{
        struct dirent **names = NULL;
        size_t len = strlen(dir);
        int n = scandir(dir, &names, is_yaml_entry, alphasort);

        while (len > 1 && dir[len - 1] == '/')
                len--;
        if (n <= 0) {
                fprintf(stderr, "%s: error: %s\n", dir, n < 0 ? strerror(errno) : "no *.yaml test files");
                run->bad_files++;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%.*s/%s", (int) len, dir, names[i]->d_name) < 0)
                        run->bad_files++;
                else
                        run_file(path, run);
                free(names[i]);
        }
        free(names);
}

static void run_arg(const char *arg, struct test_run *run)
{
        struct stat st;

        if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
                run_dir(arg, run);
        else
                run_file(arg, run);
}

int ctl_policy_test(int argc, char **argv, const struct ctl_options *o)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "verbose", no_argument, NULL, 'v' },
                { 0 },
        };
        struct test_run run = { .o = o };
        int c;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0) {
                if (c == 'h') {
                        test_help();
                        return 0;
                }
                if (c != 'v')
                        return 2;
                run.verbose = true;
        }
        if (optind >= argc) {
                fprintf(stderr, "seccompctl: policy test: expected FILE or DIR; see --help\n");
                return 2;
        }
        /* Failures (stdout) and errors (stderr) in the order they happen. */
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = optind; i < argc; i++)
                run_arg(argv[i], &run);
        if (run.bad_files > 0)
                fprintf(stderr, "seccompctl: policy test: %u test file%s with errors\n", run.bad_files,
                        run.bad_files == 1 ? "" : "s");
        if (run.passed + run.failed == 0)
                fprintf(stderr, "seccompctl: policy test: no test cases ran\n");
        printf("%u passed, %u failed\n", run.passed, run.failed);
        return run.failed > 0 || run.bad_files > 0 || run.passed == 0 ? 1 : 0;
}
