/* A filter plan as text: the OCI seccomp object (parsed back as JSON), the LXC
 * v2 profile (read as LXC's parser reads it) and the summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "common/fy_cleanup.h"
#include "common/macro.h"
#include "policy/builtin.h"
#include "policy/filter.h"
#include "policy/parse.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy_fixture.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free)

static char *oci_text(const struct filter_plan *plan, const char *listener)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f || filter_print_oci(plan, listener, f) < 0 || fclose(f) != 0)
                abort();
        return text;
}

static const char *get(struct fy_node *map, const char *key)
{
        return fy_node_mapping_lookup_scalar0_by_simple_key(map, key, FY_NT);
}

TEST(oci_text_is_the_seccomp_object)
{
        static const struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        _cleanup_free_ char *text = oci_text(plan, "/run/x \"y\".sock");
        _cleanup_(fy_document_destroyp) struct fy_document *doc = fy_document_build_from_string(&cfg, text, FY_NT);
        struct fy_node *root, *seq, *e;
        unsigned entries = 0, mknod = 0, mknodat = 0;
        void *iter = NULL;

        ASSERT_TRUE(doc != NULL);
        root = fy_document_root(doc);
        EXPECT_STREQ(get(root, "defaultAction"), "SCMP_ACT_ALLOW");
        EXPECT_STREQ(get(root, "listenerPath"), "/run/x \"y\".sock");
        EXPECT_STREQ(get(root, "listenerMetadata"), "policy=default");
        seq = fy_node_mapping_lookup_by_string(root, "syscalls", FY_NT);
        ASSERT_TRUE(seq && fy_node_is_sequence(seq));
        while ((e = fy_node_sequence_iterate(seq, &iter))) {
                struct fy_node *names = fy_node_mapping_lookup_by_string(e, "names", FY_NT);
                struct fy_node *args = fy_node_mapping_lookup_by_string(e, "args", FY_NT);
                struct fy_node *a0 = fy_node_sequence_get_by_index(args, 0);
                const char *name = fy_node_get_scalar0(fy_node_sequence_get_by_index(names, 0));

                entries++;
                EXPECT_STREQ(get(e, "action"), "SCMP_ACT_NOTIFY");
                ASSERT_EQ(fy_node_sequence_item_count(args), 1);
                EXPECT_STREQ(get(a0, "op"), "SCMP_CMP_MASKED_EQ");
                EXPECT_STREQ(get(a0, "value"), "61440"); /* OCI: value is the mask, valueTwo the datum */
                EXPECT_STREQ(get(a0, "index"), strcmp(name, "mknod") == 0 ? "1" : "2");
                mknod += strcmp(name, "mknod") == 0;
                mknodat += strcmp(name, "mknodat") == 0;
                EXPECT_NE(strtoull(get(a0, "valueTwo"), NULL, 10), S_IFIFO);
                EXPECT_NE(strtoull(get(a0, "valueTwo"), NULL, 10), S_IFREG);
        }
        /* One entry per rule of the plan (the two syscalls' args differ in index). */
        EXPECT_EQ(mknod, filter_plan_find(plan, "mknod")->n_rules);
        EXPECT_EQ(mknodat, filter_plan_find(plan, "mknodat")->n_rules);
        EXPECT_EQ(entries, mknod + mknodat);
}

TEST(oci_text_groups_unconditional_syscalls)
{
        _cleanup_(policy_freep) struct policy *p = parse("name: two\ndescription: d\ndefault: errno EPERM\n"
                                                          "rules:\n  - syscalls: [mount, umount2]\n"
                                                          "    action: errno EPERM\n");
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        _cleanup_free_ char *text = oci_text(plan, NULL);

        EXPECT_TRUE(strstr(text, "\"names\": [\"mount\", \"umount2\"],\n      \"action\": \"SCMP_ACT_NOTIFY\"\n") !=
                    NULL);
        EXPECT_TRUE(strstr(text, "\"listenerPath\": \"" FILTER_LISTENER_DEFAULT "\"") != NULL);
        EXPECT_TRUE(strstr(text, "\"args\"") == NULL);
}

TEST(lxc_profile_has_lxc_shape)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        _cleanup_free_ char *text = NULL;
        size_t len = 0, rules = 0;
        FILE *f = open_memstream(&text, &len);
        char *line, *save = NULL;
        unsigned n = 0;

        ASSERT_EQ(filter_print_lxc(plan, "/run/s.sock", f), 0);
        ASSERT_EQ(fclose(f), 0);
        EXPECT_TRUE(strncmp(text, "2\ndenylist\n", 11) == 0); /* LXC reads these two lines first */
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
                unsigned idx = 0;
                unsigned long long value = 0, mask = 0;
                char name[32], op[32];

                if (n < 2 || line[0] == '#' || line[0] == '[')
                        continue;
                /* LXC's own parse: "NAME ACTION [index,value,op,mask]". */
                ASSERT_EQ(sscanf(line, "%31s notify [%u,%llu,%31[^0-9^,],%llu]", name, &idx, &value, op, &mask), 5);
                EXPECT_STREQ(op, "SCMP_CMP_MASKED_EQ");
                EXPECT_EQ(mask, S_IFMT);
                EXPECT_EQ(idx, strcmp(name, "mknod") == 0 ? 1 : 2);
                rules++;
        }
        EXPECT_EQ(rules, filter_plan_find(plan, "mknod")->n_rules + filter_plan_find(plan, "mknodat")->n_rules);
}

TEST(lxc_profile_ends_with_the_config_lines)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ASSERT_EQ(filter_print_lxc(plan, "/run/s.sock", f), 0);
        ASSERT_EQ(fclose(f), 0);
        EXPECT_TRUE(strstr(text, "[x86_64]\nmknod notify [1,8192,SCMP_CMP_MASKED_EQ,61440]\n") != NULL); /* S_IFCHR */
        EXPECT_TRUE(strstr(text, "#   lxc.seccomp.profile = ") != NULL);
        EXPECT_TRUE(strstr(text, "#   lxc.seccomp.notify.proxy = unix:/run/s.sock\n") != NULL);
        EXPECT_TRUE(strstr(text, "#   lxc.seccomp.notify.cookie = policy=default\n") != NULL);
}

TEST(summary_names_file_types)
{
        _cleanup_(policy_freep) struct policy *p = builtin();
        _cleanup_(filter_plan_freep) struct filter_plan *plan = plan_of(p);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ASSERT_EQ(filter_print_summary(plan, f), 0);
        ASSERT_EQ(fclose(f), 0);
        EXPECT_TRUE(strstr(text, "mknod (nr 133): trapped when mode & S_IFMT in {S_IFCHR, ") != NULL);
        EXPECT_TRUE(strstr(text, "S_IFBLK") != NULL);
        EXPECT_TRUE(strstr(text, "the kernel runs the rest: mode & S_IFMT in {0, S_IFIFO, ") != NULL);
}
