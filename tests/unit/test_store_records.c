/* supervisor/store_records.c: what one daemon writes the next reads back the
 * same, and anything else (torn, truncated, another version) is refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/store_records.h"
#include "tests/unit/harness.h"

static uint64_t keys[] = { 11, 12 };

static struct store_record two[] = {
        { .key = 3, .init_pid = 1234, .hooked = true, .id = (char *) "ct-a", .bundle = (char *) "/b/a",
          .policy_name = (char *) "default", .cgroup2 = (char *) "/system.slice/a",
          .oci_state = (char *) "{\"ociVersion\":\"1.0.2\",\"id\":\"ct-a\"}", .n_listeners = 2, .listeners = keys },
        { .key = 4, .init_pid = 99, .id = (char *) "lonely" },
};

static void encode_two(void **buf, size_t *len)
{
        struct store_records in = { .generation = 7, .next_key = 13, .n = 2, .records = two };

        if (store_records_encode(&in, buf, len) < 0)
                abort();
}

TEST(records_round_trip)
{
        struct store_records out;
        void *buf;
        size_t len;

        encode_two(&buf, &len);
        ASSERT_EQ(store_records_decode(buf, len, &out), 0);
        EXPECT_EQ(out.generation, 7);
        EXPECT_EQ(out.next_key, 13);
        ASSERT_EQ(out.n, 2);
        EXPECT_EQ(out.records[0].key, 3);
        EXPECT_EQ(out.records[0].init_pid, 1234);
        EXPECT_TRUE(out.records[0].hooked);
        EXPECT_STREQ(out.records[0].id, "ct-a");
        EXPECT_STREQ(out.records[0].bundle, "/b/a");
        EXPECT_STREQ(out.records[0].policy_name, "default");
        EXPECT_STREQ(out.records[0].cgroup2, "/system.slice/a");
        EXPECT_STREQ(out.records[0].oci_state, two[0].oci_state);
        ASSERT_EQ(out.records[0].n_listeners, 2);
        EXPECT_EQ(out.records[0].listeners[1], 12);
        EXPECT_FALSE(out.records[1].hooked);
        EXPECT_TRUE(out.records[1].bundle == NULL);
        EXPECT_TRUE(out.records[1].policy_name == NULL);
        EXPECT_EQ(out.records[1].n_listeners, 0);
        store_records_clear(&out);
        free(buf);
}

TEST(every_truncation_is_refused)
{
        struct store_records out;
        void *buf;
        size_t len;

        encode_two(&buf, &len);
        for (size_t n = 1; n < len; n++)
                EXPECT_EQ(store_records_decode(buf, n, &out), -EBADMSG);
        free(buf);
}

TEST(a_flipped_byte_is_refused)
{
        struct store_records out;
        unsigned char *buf;
        size_t len;

        encode_two((void **) &buf, &len);
        for (size_t i = STORE_RECORDS_HEADER_SIZE; i < len; i++) {
                buf[i] ^= 0x40;
                EXPECT_EQ(store_records_decode(buf, len, &out), -EBADMSG);
                buf[i] ^= 0x40;
        }
        free(buf);
}

TEST(empty_other_version_and_foreign_bytes)
{
        static const char zeros[64];
        struct store_records out;
        unsigned char *buf;
        size_t len;
        uint32_t v = STORE_RECORDS_VERSION + 1;

        EXPECT_EQ(store_records_decode("", 0, &out), -ENODATA);
        EXPECT_EQ(store_records_decode(zeros, sizeof(zeros), &out), -ENODATA);
        EXPECT_EQ(store_records_decode("not records at all, just text....................", 50, &out), -EBADMSG);
        encode_two((void **) &buf, &len);
        memcpy(buf + 8, &v, 4);
        EXPECT_EQ(store_records_decode(buf, len, &out), -EPROTO);
        free(buf);
}

TEST(a_count_the_payload_cannot_hold_is_refused_before_allocating)
{
        struct store_records in = { .generation = 1, .next_key = 1 }, out;
        unsigned char *buf;
        size_t len;
        uint32_t lie = STORE_RECORDS_MAX_CONTAINERS;

        ASSERT_EQ(store_records_encode(&in, (void **) &buf, &len), 0);
        memcpy(buf + 12, &lie, 4);
        EXPECT_EQ(store_records_decode(buf, len, &out), -EBADMSG);
        free(buf);
}

TEST(trailing_bytes_past_the_payload_are_ignored)
{
        struct store_records out;
        unsigned char *buf, *longer;
        size_t len;

        /* A memfd rewritten with shorter records keeps its old tail. */
        encode_two((void **) &buf, &len);
        longer = calloc(1, len + 100);
        ASSERT_TRUE(longer);
        memcpy(longer, buf, len);
        memset(longer + len, 'x', 100);
        ASSERT_EQ(store_records_decode(longer, len + 100, &out), 0);
        EXPECT_EQ(out.n, 2);
        store_records_clear(&out);
        free(longer);
        free(buf);
}
