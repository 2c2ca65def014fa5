/* The FUSE redirect's pure parts (the program's options and argv, the caller's
 * credentials from /proc/<pid>/status, what an outcome means for the call),
 * and the spawner against a real caller in a user namespace mapped to host
 * 100000: the program runs as that namespace's root with the caller's bounding
 * set and no_new_privs, never as host root; a missing program, a failing one
 * and a hanging one each give their errno. */
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "common/macro.h"
#include "emulators/cgroup.h"
#include "emulators/mount_fuse.h"
#include "tests/unit/harness.h"
#include "tests/unit/trap.h"

/* ---- options and argv ---- */

TEST(options_name_the_flags_fuse_knows)
{
        char buf[256];

        ASSERT_EQ(mount_fuse_options(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "ro,nosuid,nodev,noexec");
        ASSERT_EQ(mount_fuse_options(MS_SYNCHRONOUS | MS_DIRSYNC | MS_NOATIME, "", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "sync,dirsync,noatime");
}

TEST(options_drop_flags_without_a_fuse_name)
{
        char buf[64];

        ASSERT_EQ(mount_fuse_options(MS_SILENT | MS_RELATIME | MS_LAZYTIME | MS_POSIXACL, NULL, buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "");
}

TEST(options_put_the_callers_data_after_the_flags)
{
        char buf[64];

        ASSERT_EQ(mount_fuse_options(MS_RDONLY, "errors=remount-ro,fakeroot", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "ro,errors=remount-ro,fakeroot");
        ASSERT_EQ(mount_fuse_options(0, "fakeroot", buf, sizeof(buf)), 0);
        EXPECT_STREQ(buf, "fakeroot");
}

TEST(options_that_do_not_fit_are_e2big)
{
        char buf[8];

        EXPECT_EQ(mount_fuse_options(MS_RDONLY, "fakeroot", buf, sizeof(buf)), -E2BIG);
        EXPECT_EQ(mount_fuse_options(MS_RDONLY | MS_NOSUID, NULL, buf, sizeof(buf)), -E2BIG);
        EXPECT_EQ(mount_fuse_options(MS_RDONLY, NULL, buf, 3), 0);
        EXPECT_STREQ(buf, "ro");
        EXPECT_EQ(mount_fuse_options(0, NULL, buf, 0), -E2BIG);
}

TEST(argv_is_program_source_target_then_options)
{
        static struct mount_fuse_job job;
        const char *argv[6];

        strcpy(job.program, "/usr/bin/fuse2fs");
        strcpy(job.source, "/dev/loop3");
        strcpy(job.target, "/mnt");
        strcpy(job.options, "ro,fakeroot");
        mount_fuse_argv(&job, argv);
        EXPECT_STREQ(argv[0], "/usr/bin/fuse2fs");
        EXPECT_STREQ(argv[1], "/dev/loop3");
        EXPECT_STREQ(argv[2], "/mnt");
        EXPECT_STREQ(argv[3], "-o");
        EXPECT_STREQ(argv[4], "ro,fakeroot");
        EXPECT_TRUE(argv[5] == NULL);
        /* No options, no "-o". */
        job.options[0] = '\0';
        mount_fuse_argv(&job, argv);
        EXPECT_STREQ(argv[2], "/mnt");
        EXPECT_TRUE(argv[3] == NULL);
}

TEST(program_is_found_by_fstype)
{
        struct fuse_redirect fr[] = { { .fstype = "ext4", .program = "/usr/bin/fuse2fs" },
                                      { .fstype = "squashfs", .program = "/usr/bin/squashfuse" } };
        struct mount_params p = { .n_fuse = 2, .fuse = fr };

        EXPECT_STREQ(mount_fuse_program(&p, "squashfs"), "/usr/bin/squashfuse");
        EXPECT_STREQ(mount_fuse_program(&p, "ext4"), "/usr/bin/fuse2fs");
        EXPECT_TRUE(mount_fuse_program(&p, "ext3") == NULL);
        EXPECT_TRUE(mount_fuse_program(&p, NULL) == NULL);
}

/* ---- the caller's credentials ---- */

static const char status_text[] = "Name:\tsh\n"
                                   "Umask:\t0027\n"
                                   "State:\tS (sleeping)\n"
                                   "Uid:\t100000\t100001\t100002\t100001\n"
                                   "Gid:\t100010\t100011\t100012\t100011\n"
                                   "FDSize:\t64\n"
                                   "Groups:\t100004 100005 \n"
                                   "CapInh:\t0000000000000000\n"
                                   "CapPrm:\t00000000a80425fb\n"
                                   "CapEff:\t00000000a80425fb\n"
                                   "CapBnd:\t000001ffffffffff\n"
                                   "CapAmb:\t0000000000000400\n"
                                   "NoNewPrivs:\t1\n"
                                   "Seccomp:\t2\n";

TEST(status_gives_ids_groups_capabilities_and_no_new_privs)
{
        struct mount_fuse_creds c;

        ASSERT_EQ(mount_fuse_parse_status(status_text, &c), 0);
        EXPECT_EQ(c.uid[0], 100000);
        EXPECT_EQ(c.uid[1], 100001);
        EXPECT_EQ(c.uid[2], 100002);
        EXPECT_EQ(c.gid[0], 100010);
        EXPECT_EQ(c.gid[2], 100012);
        ASSERT_EQ(c.n_groups, 2);
        EXPECT_EQ(c.groups[0], 100004);
        EXPECT_EQ(c.groups[1], 100005);
        EXPECT_EQ(c.cap_inh, 0);
        EXPECT_EQ(c.cap_prm, 0xa80425fb);
        EXPECT_EQ(c.cap_eff, 0xa80425fb);
        EXPECT_EQ(c.cap_bnd, 0x1ffffffffff);
        EXPECT_EQ(c.cap_amb, 0x400);
        EXPECT_TRUE(c.no_new_privs);
        EXPECT_EQ(c.umask, 027);
}

TEST(status_without_a_field_or_with_a_bad_number_is_eio)
{
        static const char *const keys[] = { "Uid:", "Gid:", "Groups:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Umask:" };
        struct mount_fuse_creds c;
        char text[sizeof(status_text)];

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                memcpy(text, status_text, sizeof(text));
                /* Renaming the key hides the field. */
                memcpy(strstr(text, keys[i]), "X", 1);
                EXPECT_EQ(mount_fuse_parse_status(text, &c), -EIO);
        }
        EXPECT_EQ(mount_fuse_parse_status("Uid:\t4294967296\t0\t0\t0\n", &c), -EIO);
        memcpy(text, status_text, sizeof(text));
        memcpy(strstr(text, "NoNewPrivs:\t1"), "NoNewPrivs:\t2", 13);
        EXPECT_EQ(mount_fuse_parse_status(text, &c), -EIO);
}

/* ---- outcomes ---- */

TEST(outcomes_map_to_the_calls_errno)
{
        static const struct {
                enum mount_fuse_step step;
                int error, expect;
        } cases[] = {
                { MOUNT_FUSE_STEP_DONE, 0, 0 },
                { MOUNT_FUSE_STEP_EXEC, ENOENT, -ENODEV },
                { MOUNT_FUSE_STEP_EXEC, EACCES, -ENODEV },
                { MOUNT_FUSE_STEP_EXEC, ENOMEM, -ENOMEM },
                { MOUNT_FUSE_STEP_EXIT, 1, -EIO },
                { MOUNT_FUSE_STEP_SIGNAL, SIGSEGV, -EIO },
                { MOUNT_FUSE_STEP_NOT_MOUNTED, EIO, -EIO },
                { MOUNT_FUSE_STEP_LOST, 9, -EIO },
                { MOUNT_FUSE_STEP_TIMEOUT, ETIMEDOUT, -ETIMEDOUT },
                { MOUNT_FUSE_STEP_CGROUP, EAGAIN, -EAGAIN },
                { MOUNT_FUSE_STEP_SETNS, EPERM, -EPERM },
                { MOUNT_FUSE_STEP_CREDS, 0, -EIO },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct mount_fuse_outcome o = { .step = cases[i].step, .error = cases[i].error };

                EXPECT_EQ(mount_fuse_errno(&o), cases[i].expect);
        }
        EXPECT_STREQ(mount_fuse_step_to_string(MOUNT_FUSE_STEP_EXEC), "exec");
        EXPECT_STREQ(mount_fuse_step_to_string(_MOUNT_FUSE_STEP_MAX), "invalid");
}

/* ---- the spawner, for real ---- */

#define MAP_OUTER 100000
#define CAPS ((UINT64_C(1) << CAP_SYS_ADMIN) | (UINT64_C(1) << CAP_CHOWN))

/* A caller in its own user (0..65535 -> MAP_OUTER) and mount namespaces,
 * sleeping until the test ends. Returns its pidfd. */
static int caller_start(pid_t *ret_pid)
{
        int ready[2], go[2], fd;
        char b, path[64];
        pid_t pid;

        ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
        ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || write(ready[1], "r", 1) != 1 ||
                    read(go[0], &b, 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        ASSERT_EQ(read(ready[0], &b, 1), 1);
        for (int i = 0; i < 2; i++) {
                snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, i ? "gid_map" : "uid_map");
                fd = open(path, O_WRONLY | O_CLOEXEC);
                ASSERT_GE(fd, 0);
                ASSERT_GT(dprintf(fd, "0 %d 65536\n", MAP_OUTER), 0);
                close(fd);
        }
        ASSERT_EQ(write(go[1], "g", 1), 1);
        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        ASSERT_GE(fd, 0);
        *ret_pid = pid;
        return fd;
}

/* A job as mount_fuse_prepare() would make it for that caller, as its root. */
static struct mount_fuse_job *job_new(int pidfd, const char *program, const char *source, const char *target)
{
        struct mount_fuse_job *job = calloc(1, sizeof(*job));
        int self, n;

        ASSERT_TRUE(job != NULL);
        snprintf(job->program, sizeof(job->program), "%s", program);
        snprintf(job->source, sizeof(job->source), "%s", source);
        snprintf(job->target, sizeof(job->target), "%s", target);
        job->creds = (struct mount_fuse_creds) {
                .cap_bnd = CAPS, .cap_prm = CAPS, .cap_eff = CAPS, .no_new_privs = true, .umask = 022,
        };
        for (int i = 0; i < RLIM_NLIMITS; i++)
                ASSERT_EQ(getrlimit((__rlimit_resource_t) i, &job->rlimits[i]), 0);
        job->ns_flags = CLONE_NEWUSER | CLONE_NEWNS;
        job->pidfd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
        job->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        n = cgroup_open_procs(self, job->cgroup_fds, ARRAY_SIZE(job->cgroup_fds));
        close(self);
        ASSERT_GE(n, 1);
        job->n_cgroup_fds = (size_t) n;
        job->timeout_ms = 5000;
        return job;
}

/* Spawns and waits (at most 10 s) for the outcome. */
static void run(const struct mount_fuse_job *job, struct mount_fuse_outcome *o)
{
        struct mount_fuse_child *c = NULL;
        struct pollfd p;

        ASSERT_EQ(mount_fuse_spawn(job, &c), 0);
        p = (struct pollfd) { .fd = mount_fuse_child_fd(c), .events = POLLIN };
        ASSERT_EQ(poll(&p, 1, 10000), 1);
        ASSERT_EQ(mount_fuse_child_reap(c, o), 0);
        mount_fuse_child_free(c);
}

/* |body| as a /bin/sh script in |dir|; the job runs it as "sh SCRIPT TARGET". */
static void write_script(const char *dir, const char *body, char *ret, size_t size)
{
        FILE *f;

        snprintf(ret, size, "%s/prog.sh", dir);
        f = fopen(ret, "we");
        ASSERT_TRUE(f != NULL);
        fprintf(f, "%s\n", body);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_EQ(chmod(ret, 0644), 0);
}

static void tmpdir_for_container(char *dir, size_t size)
{
        ASSERT_EQ(trap_tmpdir(dir, size), 0);
        ASSERT_EQ(chown(dir, MAP_OUTER, MAP_OUTER), 0);
}

TEST(program_runs_as_the_callers_root_never_host_root)
{
        struct mount_fuse_job *job;
        struct mount_fuse_outcome o;
        char dir[64], script[128], made[128];
        struct stat st;
        pid_t pid;
        int pidfd = caller_start(&pid);

        tmpdir_for_container(dir, sizeof(dir));
        write_script(dir,
                     "read a b c </proc/self/uid_map\n"
                     "echo \"u=$(id -u) map=$a:$b:$c $(grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status | tr -d '\\t' "
                     "| tr '\\n' ' ')\"\n"
                     "touch \"$1/made\"",
                     script, sizeof(script));
        job = job_new(pidfd, "/bin/sh", script, dir);
        run(job, &o);
        /* It exited 0 but mounted nothing. */
        EXPECT_EQ(o.step, MOUNT_FUSE_STEP_NOT_MOUNTED);
        EXPECT_EQ(mount_fuse_errno(&o), -EIO);
        EXPECT_STREQ(o.output, "u=0 map=0:100000:65536 CapBnd:0000000000200001 NoNewPrivs:1");
        snprintf(made, sizeof(made), "%s/made", dir);
        ASSERT_EQ(stat(made, &st), 0);
        EXPECT_EQ(st.st_uid, MAP_OUTER);
        EXPECT_EQ(st.st_gid, MAP_OUTER);
        EXPECT_EQ(st.st_mode & 0777, 0644);
        mount_fuse_job_free(job);
}

TEST(missing_program_is_enodev)
{
        struct mount_fuse_job *job;
        struct mount_fuse_outcome o;
        pid_t pid;
        int pidfd = caller_start(&pid);

        job = job_new(pidfd, "/nonexistent/fuse2fs", "/dev/null", "/");
        run(job, &o);
        EXPECT_EQ(o.step, MOUNT_FUSE_STEP_EXEC);
        EXPECT_EQ(o.error, ENOENT);
        EXPECT_EQ(mount_fuse_errno(&o), -ENODEV);
        mount_fuse_job_free(job);
}

TEST(failing_program_is_eio_and_its_output_is_kept)
{
        struct mount_fuse_job *job;
        struct mount_fuse_outcome o;
        char dir[64], script[128];
        pid_t pid;
        int pidfd = caller_start(&pid);

        tmpdir_for_container(dir, sizeof(dir));
        write_script(dir, "echo 'bad superblock' >&2; exit 3", script, sizeof(script));
        job = job_new(pidfd, "/bin/sh", script, dir);
        run(job, &o);
        EXPECT_EQ(o.step, MOUNT_FUSE_STEP_EXIT);
        EXPECT_EQ(o.error, 3);
        EXPECT_EQ(mount_fuse_errno(&o), -EIO);
        EXPECT_STREQ(o.output, "bad superblock");
        mount_fuse_job_free(job);
}

TEST(hanging_program_is_killed_after_the_timeout)
{
        struct mount_fuse_job *job;
        struct mount_fuse_outcome o;
        char dir[64], script[128];
        struct timespec a, b;
        pid_t pid;
        int pidfd = caller_start(&pid);

        tmpdir_for_container(dir, sizeof(dir));
        write_script(dir, "exec sleep 30", script, sizeof(script));
        job = job_new(pidfd, "/bin/sh", script, dir);
        job->timeout_ms = 300;
        clock_gettime(CLOCK_MONOTONIC, &a);
        run(job, &o);
        clock_gettime(CLOCK_MONOTONIC, &b);
        EXPECT_EQ(o.step, MOUNT_FUSE_STEP_TIMEOUT);
        EXPECT_EQ(mount_fuse_errno(&o), -ETIMEDOUT);
        EXPECT_LT(b.tv_sec - a.tv_sec, 5);
        mount_fuse_job_free(job);
}

TEST(caller_gone_fails_at_setns)
{
        struct mount_fuse_job *job;
        struct mount_fuse_outcome o;
        pid_t pid;
        int pidfd = caller_start(&pid);

        job = job_new(pidfd, "/bin/true", "none", "/");
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        ASSERT_EQ(waitpid(pid, NULL, 0), pid);
        run(job, &o);
        EXPECT_EQ(o.step, MOUNT_FUSE_STEP_SETNS);
        EXPECT_EQ(mount_fuse_errno(&o), -ESRCH);
        mount_fuse_job_free(job);
}
