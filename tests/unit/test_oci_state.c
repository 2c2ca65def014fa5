/* ContainerProcessState parsing: layouts runtimes send, and what must be refused. */
#include <errno.h>
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

static void expect_rejected(const char *json, int error, const char *reason_part)
{
        struct oci_state *s = NULL;
        char err[256] = "";

        EXPECT_EQ(oci_state_parse(json, strlen(json), &s, err, sizeof(err)), error);
        EXPECT_TRUE(s == NULL);
        if (!strstr(err, reason_part))
                HARNESS_FAIL(false, "reason \"%s\" lacks \"%s\"", err, reason_part);
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
