/* seccompctl policy check: what a policy author runs before deploying. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "supervisor/ctl.h"
#include "supervisor/policy_store.h"

static void check_help(void)
{
        printf("Usage: seccompctl policy check [--quiet] FILE|NAME...\n"
               "Parses and validates each policy; prints every error and warning as\n"
               "FILE:LINE:COL: error|warning: MESSAGE. A NAME is looked up in the policy\n"
               "directory (--policy-dir before the command). Exit status 1 if any has errors.\n");
}

int ctl_policy_check(int argc, char **argv, const struct ctl_options *o)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                { 0 },
        };
        unsigned ok = 0, bad = 0;
        bool quiet = false;
        int c;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0) {
                if (c == 'h') {
                        check_help();
                        return 0;
                }
                if (c != 'q')
                        return 2;
                quiet = true;
        }
        if (optind >= argc) {
                fprintf(stderr, "seccompctl: policy check: expected FILE or NAME; see --help\n");
                return 2;
        }
        for (int i = optind; i < argc; i++) {
                struct policy *p = NULL;
                int r = policy_load_one(o->policy_dir, argv[i], 0, stderr, &p);

                if (r == -ENOENT)
                        fprintf(stderr, "seccompctl: no policy \"%s\" in %s\n", argv[i], o->policy_dir);
                if (r < 0) {
                        bad++;
                        continue;
                }
                ok++;
                if (!quiet) {
                        struct verdict v = { .kind = p->dflt.kind, .error = p->dflt.error,
                                             .emulator = p->dflt.emulator, .params = &p->dflt.params };
                        char buf[PATH_MAX + 16];

                        printf("%s: ok: policy \"%s\", %zu rules, default %s\n", p->file, p->name, p->n_rules,
                               verdict_format(&v, buf, sizeof(buf)));
                        fflush(stdout);
                }
                policy_free(p);
        }
        if (!quiet || bad)
                printf("%u ok, %u with errors\n", ok, bad);
        return bad ? 1 : 0;
}
