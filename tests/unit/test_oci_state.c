/* ContainerProcessState and plain OCI state parsing: layouts runtimes send, what
 * must be refused, and the plain state written back on one line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/oci_state.h"
#include "tests/unit/harness.h"

static int parse(const char *json, struct oci_state **ret, char *err, size_t errlen)
{
        return oci_state_parse(json, strlen(json), ret, err, errlen);
}

TEST(runc_compact_message_parses_every_field)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        char err[256] = "", v[64];

        ASSERT_EQ(parse("{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
                        "\"metadata\":\"policy=default\",\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"ct1\","
                        "\"status\":\"creating\",\"pid\":4243,\"bundle\":\"/tmp/b\","
                        "\"annotations\":{\"org.seccompd.policy\":\"nested\"}}}",
                        &s, err, sizeof(err)),
                  0);
        EXPECT_STREQ(s->oci_version, "1.0.2");
        EXPECT_EQ(s->n_fds, 1);
        EXPECT_EQ(oci_state_fd_index(s, "seccompFd"), 0);
        EXPECT_EQ(s->pid, 4242);
        EXPECT_EQ(s->init_pid, 4243);
        EXPECT_STREQ(s->id, "ct1");
        EXPECT_STREQ(s->status, "creating");
        EXPECT_STREQ(s->bundle, "/tmp/b");
        EXPECT_STREQ(oci_state_annotation(s, "org.seccompd.policy"), "nested");
        ASSERT_EQ(oci_state_metadata_get(s, "policy", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "default");
}

TEST(pretty_printed_message_with_extra_fields_and_fds_parses)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        char err[256] = "";

        ASSERT_EQ(parse("{\n  \"ociVersion\": \"1.2.0\",\n  \"fds\": [ \"pidFd\", \"seccompFd\" ],\n"
                        "  \"pid\": 7,\n  \"future\": {\"x\": [1, 2]},\n"
                        "  \"state\": { \"id\": \"p\", \"status\": \"running\", \"pid\": 1 }\n}\n",
                        &s, err, sizeof(err)),
                  0);
        EXPECT_EQ(oci_state_fd_index(s, "seccompFd"), 1);
        EXPECT_EQ(oci_state_fd_index(s, "nope"), -ENOENT);
        EXPECT_TRUE(s->metadata == NULL);
}

TEST(metadata_lookup_handles_several_pairs_and_absence)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        char err[256] = "", v[8];

        ASSERT_EQ(parse("{\"ociVersion\":\"1\",\"fds\":[\"seccompFd\"],\"pid\":1,"
                        "\"metadata\":\"a=1, policy=nested-containers  b=2\",\"state\":{\"id\":\"x\"}}",
                        &s, err, sizeof(err)),
                  0);
        EXPECT_EQ(oci_state_metadata_get(s, "policy", v, sizeof(v)), -ENAMETOOLONG);
        ASSERT_EQ(oci_state_metadata_get(s, "a", v, sizeof(v)), 0);
        EXPECT_STREQ(v, "1");
        EXPECT_EQ(oci_state_metadata_get(s, "pol", v, sizeof(v)), -ENOENT);
}

static void expect_rejected_by(int (*parse_with)(const char *buf, size_t len, struct oci_state **ret, char *errbuf,
                                                size_t errlen),
                               const char *json, int error, const char *reason_part)
{
        struct oci_state *s = NULL;
        char err[256] = "";

        EXPECT_EQ(parse_with(json, strlen(json), &s, err, sizeof(err)), error);
        EXPECT_TRUE(s == NULL);
        if (!strstr(err, reason_part))
                HARNESS_FAIL(false, "reason \"%s\" lacks \"%s\"", err, reason_part);
}

static void expect_rejected(const char *json, int error, const char *reason_part)
{
        expect_rejected_by(oci_state_parse, json, error, reason_part);
}

TEST(malformed_messages_are_refused_with_a_reason)
{
        expect_rejected("", -EINVAL, "empty");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[\"seccompFd\"", -EINVAL, "malformed JSON");
        expect_rejected("[1,2]", -EINVAL, "not a JSON object");
        expect_rejected("{\"fds\":[\"seccompFd\"],\"pid\":1,\"state\":{\"id\":\"x\"}}", -EINVAL, "ociVersion");
        expect_rejected("{\"ociVersion\":\"1\",\"pid\":1,\"state\":{\"id\":\"x\"}}", -EINVAL, "fds");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[3],\"pid\":1,\"state\":{\"id\":\"x\"}}", -EINVAL, "fds");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":-4,\"state\":{\"id\":\"x\"}}", -EINVAL, "pid");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":\"12\",\"state\":{\"id\":\"x\"}}", -EINVAL, "pid");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":99999999999,\"state\":{\"id\":\"x\"}}", -EINVAL,
                        "pid");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":1}", -EINVAL, "state");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":1,\"state\":{\"id\":\"\"}}", -EINVAL, "state.id");
        expect_rejected("{\"ociVersion\":\"1\",\"fds\":[],\"pid\":1,\"state\":{\"id\":\"a\\u0000b\"}}", -EINVAL,
                        "state.id");
}

TEST(too_many_fds_is_e2big)
{
        char json[1024] = "{\"ociVersion\":\"1\",\"fds\":[";

        for (int i = 0; i <= OCI_STATE_MAX_FDS; i++)
                strcat(json, i ? ",\"f\"" : "\"f\"");
        strcat(json, "],\"pid\":1,\"state\":{\"id\":\"x\"}}");
        expect_rejected(json, -E2BIG, "fds");
}

TEST(message_need_not_be_nul_terminated)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        const char *json = "{\"ociVersion\":\"1\",\"fds\":[\"seccompFd\"],\"pid\":1,\"state\":{\"id\":\"x\"}}garbage";
        char err[256] = "";

        ASSERT_EQ(oci_state_parse(json, strlen(json) - strlen("garbage"), &s, err, sizeof(err)), 0);
        EXPECT_STREQ(s->id, "x");
}

TEST(malformed_json_names_the_1_based_line_and_column)
{
        const char *json = "{\n  \"a\": 1,\n  \"b\": }\n";
        struct oci_state *s = NULL;
        char err[256] = "";

        EXPECT_LT(oci_state_parse(json, strlen(json), &s, err, sizeof(err)), 0);
        EXPECT_TRUE(strstr(err, "at 3:8:") != NULL);
}

/* ---- the plain OCI state an OCI hook reads on stdin ---- */

static int parse_state(const char *json, struct oci_state **ret)
{
        char err[256] = "";

        return oci_state_parse_state(json, strlen(json), ret, err, sizeof(err));
}

TEST(runc_create_runtime_hook_state_parses_every_field)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;

        /* As runc 1.1.5 writes it to a createRuntime hook's stdin. */
        ASSERT_EQ(parse_state("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ct1\",\"status\":\"creating\",\"pid\":4242,"
                              "\"bundle\":\"/tmp/b\",\"annotations\":{\"org.seccompd.policy\":\"nested\","
                              "\"io.kubernetes.pod\":\"p\"}}",
                              &s),
                  0);
        EXPECT_STREQ(s->oci_version, "1.0.2-dev");
        EXPECT_STREQ(s->id, "ct1");
        EXPECT_STREQ(s->status, "creating");
        EXPECT_EQ(s->init_pid, 4242);
        EXPECT_EQ(s->pid, 0);
        EXPECT_EQ(s->n_fds, 0);
        EXPECT_TRUE(s->metadata == NULL);
        EXPECT_STREQ(s->bundle, "/tmp/b");
        EXPECT_EQ(s->n_annotations, 2);
        EXPECT_STREQ(oci_state_annotation(s, "org.seccompd.policy"), "nested");
}

TEST(stopped_state_without_a_pid_or_with_pid_0_parses)
{
        _cleanup_(oci_state_freep) struct oci_state *a = NULL, *b = NULL;

        /* runc omits a stopped container's pid (poststop); others write 0. */
        ASSERT_EQ(parse_state("{\"ociVersion\":\"1.0.2\",\"id\":\"ct1\",\"status\":\"stopped\",\"bundle\":\"/b\"}", &a), 0);
        EXPECT_EQ(a->init_pid, 0);
        EXPECT_STREQ(a->status, "stopped");
        EXPECT_EQ(a->n_annotations, 0);
        ASSERT_EQ(parse_state("{\"ociVersion\":\"1.0.2\",\"id\":\"ct1\",\"pid\":0}", &b), 0);
        EXPECT_EQ(b->init_pid, 0);
        EXPECT_TRUE(b->bundle == NULL);
}

TEST(malformed_hook_states_are_refused_with_a_reason)
{
        expect_rejected_by(oci_state_parse_state, "", -EINVAL, "empty");
        expect_rejected_by(oci_state_parse_state, "garbage", -EINVAL, "malformed JSON at 1:1");
        expect_rejected_by(oci_state_parse_state, "[\"id\"]", -EINVAL, "not a JSON object");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",", -EINVAL, "malformed JSON");
        expect_rejected_by(oci_state_parse_state, "{\"id\":\"x\"}", -EINVAL, "ociVersion");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",\"pid\":1}", -EINVAL, "\"id\"");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",\"id\":\"x\",\"pid\":-1}", -EINVAL,
                           "\"pid\" is not a non-negative integer");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",\"id\":\"x\",\"bundle\":7}", -EINVAL,
                           "\"bundle\"");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",\"id\":\"x\",\"annotations\":[]}", -EINVAL,
                           "\"annotations\" is not an object");
        expect_rejected_by(oci_state_parse_state, "{\"ociVersion\":\"1\",\"id\":\"x\",\"annotations\":{\"k\":{}}}",
                           -EINVAL, "annotation \"k\"");
        /* A ContainerProcessState is not a plain state (no top-level id). */
        expect_rejected_by(oci_state_parse_state,
                           "{\"ociVersion\":\"1\",\"fds\":[],\"pid\":1,\"state\":{\"id\":\"x\"}}", -EINVAL, "\"id\"");
}

static char *written(const struct oci_state *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        if (oci_state_write_state(s, f) < 0) {
                fclose(f);
                free(buf);
                return NULL;
        }
        fclose(f);
        return buf;
}

TEST(written_state_is_one_line_and_reads_back_the_same)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_EQ(parse_state("{\"ociVersion\":\"1.0.2\",\"id\":\"a \\\"q\\\" b\",\"status\":\"creating\",\"pid\":77,"
                              "\"bundle\":\" /with\\nnewline\\\\ \",\"annotations\":{\"k\\t1\":\"v\\u00e9\",\"k2\":\"\"}}",
                              &s),
                  0);
        text = written(s);
        ASSERT_TRUE(text != NULL);
        EXPECT_TRUE(strchr(text, '\n') == NULL);
        ASSERT_EQ(parse_state(text, &back), 0);
        EXPECT_STREQ(back->oci_version, "1.0.2");
        EXPECT_STREQ(back->id, "a \"q\" b");
        EXPECT_STREQ(back->status, "creating");
        EXPECT_EQ(back->init_pid, 77);
        EXPECT_STREQ(back->bundle, " /with\nnewline\\ ");
        ASSERT_EQ(back->n_annotations, 2);
        EXPECT_STREQ(back->annotations[0].key, "k\t1");
        EXPECT_STREQ(back->annotations[0].value, "v\xc3\xa9");
        EXPECT_STREQ(back->annotations[1].value, "");
}

TEST(written_state_leaves_out_what_is_unset)
{
        _cleanup_(oci_state_freep) struct oci_state *s = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_EQ(parse_state("{\"ociVersion\":\"1\",\"id\":\"x\"}", &s), 0);
        text = written(s);
        ASSERT_TRUE(text != NULL);
        EXPECT_STREQ(text, "{\"ociVersion\":\"1\",\"id\":\"x\",\"annotations\":{}}");
}
