/* supervisor/inflight.c: the in-flight table a restarted daemon reads, and the
 * kernel behaviour its restore relies on: notification ids are consecutive per
 * filter, and ID_VALID answers 0 only for a received, unanswered call. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emulators/notify.h"
#include "supervisor/inflight.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

/* Three trapped calls in a row, each waiting for its answer. */
static int three_calls(void *userdata)
{
        (void) userdata;
        for (int i = 0; i < 3; i++)
                if (mknod("/nonexistent-dir/x", S_IFCHR | 0600, makedev(1, 3)) == 0 || errno != EPERM)
                        return errno ? errno : EINVAL;
        return 0;
}

static void wait_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        (void) poll(&p, 1, 5000);
}

TEST(kernel_ids_are_consecutive_and_valid_only_once_received)
{
        struct trap t = TRAP_NULL;
        struct trap_opts o = { .act = three_calls };
        struct seccomp_notif n;
        uint64_t first;
        int err = -1;

        ASSERT_EQ(trap_start(&o, &t), 0);
        ASSERT_EQ(trap_recv(&t, &n), 0);
        first = n.id;
        EXPECT_EQ(notify_id_valid(t.listener_fd, first), 0);
        /* The next id is not issued yet, then queued but not received: not valid either way. */
        EXPECT_EQ(notify_id_valid(t.listener_fd, first + 1), -ENOENT);
        ASSERT_EQ(notify_send_error(t.listener_fd, first, EPERM), 0);
        EXPECT_EQ(notify_id_valid(t.listener_fd, first), -ENOENT);
        wait_readable(t.listener_fd);
        EXPECT_EQ(notify_id_valid(t.listener_fd, first + 1), -ENOENT);
        for (uint64_t k = 1; k <= 2; k++) {
                ASSERT_EQ(trap_recv(&t, &n), 0);
                EXPECT_EQ(n.id, first + k);
                EXPECT_EQ(notify_id_valid(t.listener_fd, first + k), 0);
                /* A received, unanswered call is answered by id alone, as a restarted daemon does. */
                ASSERT_EQ(notify_send_error(t.listener_fd, first + k, EPERM), 0);
        }
        ASSERT_EQ(trap_finish(&t, &err), 0);
        EXPECT_EQ(err, 0);
        trap_done(&t);
}

static struct seccomp_notif notif_with_id(uint64_t id)
{
        struct seccomp_notif n = { .id = id, .pid = 42 };

        n.data.nr = 133;
        return n;
}

/* Opens a table, forgets the previous contents, as a first daemon does. */
static struct inflight *fresh(int fd)
{
        struct inflight *t = NULL;
        struct inflight_slot *s;
        struct inflight_last *l;
        size_t ns, nl;

        if (inflight_open(fd, &t) < 0 || inflight_take_old(t, &s, &ns, &l, &nl) < 0)
                return NULL;
        free(s);
        free(l);
        return t;
}

TEST(a_second_daemon_finds_what_the_first_left)
{
        struct inflight *a = fresh(-EBADF), *b = NULL;
        struct seccomp_notif n1 = notif_with_id(1000), n2 = notif_with_id(1001);
        struct inflight_slot *slots;
        struct inflight_last *last;
        size_t n_slots, n_last;
        uint32_t lslot, s1, s2, s3;

        ASSERT_TRUE(a);
        lslot = inflight_listener_add(a, 7);
        ASSERT_GT(lslot, 0);
        s1 = inflight_record(a, lslot, 7, &n1);
        s2 = inflight_record(a, lslot, 7, &n2);
        ASSERT_GT(s1, 0);
        ASSERT_GT(s2, 0);
        inflight_set_stage(a, s2, INFLIGHT_ACTING);
        inflight_clear(a, s1);
        s3 = inflight_record(a, lslot, 7, &n1);
        EXPECT_EQ(s3, s1); /* the freed slot is reused */
        inflight_clear(a, s3);

        /* The next daemon maps the same memfd (the keeper's copy). */
        ASSERT_EQ(inflight_open(fcntl(inflight_fd(a), F_DUPFD_CLOEXEC, 3), &b), 0);
        ASSERT_EQ(inflight_take_old(b, &slots, &n_slots, &last, &n_last), 0);
        ASSERT_EQ(n_slots, 1);
        EXPECT_EQ(slots[0].listener_key, 7);
        EXPECT_EQ(slots[0].stage, INFLIGHT_ACTING);
        EXPECT_EQ(slots[0].notif.id, 1001);
        EXPECT_EQ(slots[0].notif.data.nr, 133);
        ASSERT_EQ(n_last, 1);
        EXPECT_EQ(last[0].listener_key, 7);
        EXPECT_EQ(last[0].last_id, 1000); /* the last received: n1 again */
        free(slots);
        free(last);
        /* A daemon killed during its restore leaves the old entries to the next one... */
        ASSERT_EQ(inflight_take_old(b, &slots, &n_slots, &last, &n_last), 0);
        EXPECT_EQ(n_slots, 1);
        EXPECT_EQ(n_last, 1);
        free(slots);
        free(last);
        /* ...a restore that completes releases them: a third daemon finds nothing. */
        inflight_release_old(b);
        ASSERT_EQ(inflight_take_old(b, &slots, &n_slots, &last, &n_last), 0);
        EXPECT_EQ(n_slots, 0);
        EXPECT_EQ(n_last, 0);
        free(slots);
        free(last);
        inflight_free(a);
        inflight_free(b);
}

TEST(a_memfd_of_another_layout_is_replaced_not_trusted)
{
        int fd = memfd_create("junk", MFD_CLOEXEC), copy;
        struct inflight *t = NULL;
        struct stat old_st, new_st;
        char junk[4096], head[8];

        ASSERT_GE(fd, 0);
        memset(junk, 0xa5, sizeof(junk));
        ASSERT_EQ(write(fd, junk, sizeof(junk)), (ssize_t) sizeof(junk));
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        ASSERT_EQ(inflight_open(copy, &t), 0);
        ASSERT_EQ(fstat(fd, &old_st), 0);
        ASSERT_EQ(fstat(inflight_fd(t), &new_st), 0);
        EXPECT_NE(old_st.st_ino, new_st.st_ino);
        /* Nothing was written into the foreign memfd. */
        ASSERT_EQ(pread(fd, head, sizeof(head), 0), (ssize_t) sizeof(head));
        EXPECT_EQ(memcmp(head, junk, sizeof(head)), 0);
        inflight_free(t);
        close(fd);
}

TEST(a_full_table_records_nothing_rather_than_fail)
{
        struct inflight *t = fresh(-EBADF);
        struct seccomp_notif n = notif_with_id(1);
        uint32_t lslot, slot = 1;
        unsigned recorded = 0;

        ASSERT_TRUE(t);
        lslot = inflight_listener_add(t, 1);
        while (slot) {
                slot = inflight_record(t, lslot, 1, &n);
                recorded += slot > 0;
        }
        EXPECT_EQ(recorded, INFLIGHT_SLOTS);
        EXPECT_EQ(inflight_record(NULL, lslot, 1, &n), 0);
        EXPECT_EQ(inflight_record(t, 0, 1, &n), 0);
        inflight_free(t);
}

TEST(an_answer_being_sent_is_kept_for_the_next_daemon)
{
        struct inflight *a = fresh(-EBADF), *b = NULL;
        struct seccomp_notif n = notif_with_id(77);
        struct inflight_slot *slots;
        struct inflight_last *last;
        size_t n_slots, n_last;
        uint32_t lslot, slot;

        ASSERT_TRUE(a);
        lslot = inflight_listener_add(a, 3);
        slot = inflight_record(a, lslot, 3, &n);
        inflight_set_stage(a, slot, INFLIGHT_ACTING);
        inflight_set_answer(a, slot, 0, 5, 0);
        ASSERT_EQ(inflight_open(fcntl(inflight_fd(a), F_DUPFD_CLOEXEC, 3), &b), 0);
        ASSERT_EQ(inflight_take_old(b, &slots, &n_slots, &last, &n_last), 0);
        ASSERT_EQ(n_slots, 1);
        EXPECT_EQ(slots[0].stage, INFLIGHT_ANSWERING);
        EXPECT_EQ(slots[0].val, 5);
        EXPECT_EQ(slots[0].error, 0);
        free(slots);
        free(last);
        inflight_free(a);
        inflight_free(b);
}
