/* A FUSE redirect, the spawner: a fork of the daemon that becomes the caller
 * (cgroup, limits, namespaces, root, credentials, in that order: each step
 * needs the host privilege the next one drops), forks the FUSE program so it
 * is born in the caller's pid namespace, waits for it at most the policy's
 * timeout, checks that a FUSE filesystem is mounted on the target, and
 * reports the step that failed over a pipe. Does not log.
 *
 * After the fork nothing mallocs (the daemon may have threads) and ids change
 * through raw syscalls: glibc's wrappers would signal threads the fork does not
 * have. The program's stdout and stderr go to a sealed memfd of 4 KiB: writes
 * past it fail, never block and never raise SIGPIPE, so a program that forked
 * to the background cannot be hurt by the daemon no longer reading. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/macro.h"
#include "emulators/mount_fuse.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define OUTPUT_SIZE 4096
#define EXEC_FAILED 127
#define KEEP_MAX (4 + CGROUP_MAX_HIERARCHIES)
_Static_assert(KEEP_MAX <= CHILD_KEEP_MAX, "child_keep_fds() keeps at most CHILD_KEEP_MAX fds");

struct mount_fuse_child {
        pid_t pid;
        int pidfd;
        int report_fd; /* read end, non-blocking */
        int output_fd; /* the program's stdout and stderr */
        bool reaped;
};

/* One record on the report pipe; the first one written is the outcome. */
struct report {
        uint32_t step;
        int32_t error;
};

/* ---- the spawner and the program (after the fork) ---- */

static void report(int fd, enum mount_fuse_step step, int error)
{
        struct report rec = { .step = (uint32_t) step, .error = error };

        /* Eight bytes on an empty pipe: atomic, never short. */
        (void) !write(fd, &rec, sizeof(rec));
}

_Noreturn static void fail(int fd, enum mount_fuse_step step, int error)
{
        report(fd, step, error < 0 ? -error : error);
        _exit(1);
}

/* 0 is /dev/null, 1 and 2 the output memfd (inherited by the program). */
static int stdio_setup(int output)
{
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0)
                return -errno;
        if (dup2(null, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0)
                return -errno;
        return 0;
}

/* Into each hierarchy's cgroup in turn: "0" is the writer. */
static int join_cgroups(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (write(fds[i], "0", 1) < 0)
                        return -errno;
                fds[i] = safe_close(fds[i]);
        }
        return 0;
}

/* The caller's rlimits and oom_score_adj, set while still host root (raising a
 * hard limit above the daemon's needs it). */
static int set_limits(const struct mount_fuse_job *job)
{
        _cleanup_close_ int fd = -EBADF;
        char buf[16];
        int n;

        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (setrlimit((__rlimit_resource_t) i, &job->rlimits[i]) < 0)
                        return -errno;
        fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = snprintf(buf, sizeof(buf), "%d", job->oom_score_adj);
        return write(fd, buf, (size_t) n) < 0 ? -errno : 0;
}

static int enter_root(int root_fd)
{
        /* setns(CLONE_NEWNS) put us at the namespace's root; the caller may be chrooted below it. */
        if (fchdir(root_fd) < 0 || chroot(".") < 0)
                return -errno;
        return 0;
}

static int set_caps(const struct mount_fuse_creds *c)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2];

        /* The bounding set first: dropping needs CAP_SETPCAP, which capset may take away. */
        for (int cap = 0; cap < 64; cap++)
                if (!(c->cap_bnd & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
                    errno != EINVAL)
                        return -errno;
        for (int i = 0; i < 2; i++)
                data[i] = (struct __user_cap_data_struct) {
                        .effective = (uint32_t) (c->cap_eff >> (32 * i)),
                        .permitted = (uint32_t) (c->cap_prm >> (32 * i)),
                        .inheritable = (uint32_t) (c->cap_inh >> (32 * i)),
                };
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return -errno;
        for (int cap = 0; cap < 64; cap++)
                if ((c->cap_amb & (UINT64_C(1) << cap)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                        return -errno;
        return 0;
}

/* In the caller's user namespace with every capability there: becomes the
 * caller. Supplementary groups are refused (EPERM) where the namespace has
 * setgroups "deny"; there we keep none, which can only deny more. */
static int set_creds(const struct mount_fuse_creds *c)
{
        gid_t groups[MOUNT_FUSE_MAX_GROUPS];
        int r;

        for (size_t i = 0; i < c->n_groups; i++)
                groups[i] = c->groups[i];
        umask(c->umask);
        if (syscall(SYS_setresgid, c->gid[0], c->gid[1], c->gid[2]) < 0)
                return -errno;
        if (syscall(SYS_setgroups, c->n_groups, groups) < 0 && errno != EPERM)
                return -errno;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || syscall(SYS_setresuid, c->uid[0], c->uid[1], c->uid[2]) < 0 ||
            prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return -errno;
        r = set_caps(c);
        if (r < 0)
                return r;
        if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

_Noreturn static void program_main(const struct mount_fuse_job *job, int report_fd)
{
        static const char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                            NULL };
        const char *argv[6];

        /* Dies with the spawner (the timeout). Not inherited by its own fork to the background. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        (void) setsid();
        mount_fuse_argv(job, argv);
        execve(job->program, (char *const *) argv, (char *const *) envp);
        report(report_fd, MOUNT_FUSE_STEP_EXEC, errno);
        _exit(EXEC_FAILED);
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the program at most timeout_ms; kills it then (-ETIMEDOUT). */
static int wait_program(pid_t pid, unsigned timeout_ms, int *ret_status)
{
        _cleanup_close_ int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        int64_t deadline = now_ms() + timeout_ms;
        struct pollfd p = { .fd = fd, .events = POLLIN };

        if (fd < 0)
                return -errno;
        for (;;) {
                int64_t left = deadline - now_ms();
                int r = left > 0 ? poll(&p, 1, (int) left) : 0;

                if (r > 0)
                        break;
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return -ETIMEDOUT;
        }
        return waitpid(pid, ret_status, 0) < 0 ? -errno : 0;
}

static uint64_t mount_id_of(const char *path)
{
        struct statx sx;

        if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
                return 0;
        return sx.stx_mnt_id;
}

/* A FUSE filesystem on |path| that was not there before. */
static bool fuse_mounted(const char *path, uint64_t before)
{
        struct statfs sf;
        uint64_t id = mount_id_of(path);

        return id != 0 && id != before && statfs(path, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

_Noreturn static void spawner_main(const struct mount_fuse_job *job, int report_fd, int output, pid_t parent)
{
        int pidfd = job->pidfd, root_fd = job->root_fd, cgroup_fds[CGROUP_MAX_HIERARCHIES];
        int *keep[KEEP_MAX] = { &report_fd, &output, &pidfd, &root_fd };
        size_t n_keep = 4, n_cgroups = job->n_cgroup_fds;
        uint64_t before;
        int r, status = 0;
        pid_t pid;

        for (size_t i = 0; i < n_cgroups; i++) {
                cgroup_fds[i] = job->cgroup_fds[i];
                keep[n_keep++] = &cgroup_fds[i];
        }

        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                _exit(1);
        /* SIGPIPE above all: the daemon ignores it, and an exec would keep that. */
        child_reset_signals();
        r = child_keep_fds(keep, n_keep);
        if (r == 0)
                r = stdio_setup(output);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_SETUP, r);
        output = safe_close(output);
        r = join_cgroups(cgroup_fds, n_cgroups);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_CGROUP, r);
        r = set_limits(job);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_LIMITS, r);
        /* Host root's own groups must not come along into the namespace. */
        if (syscall(SYS_setgroups, 0, NULL) < 0 || setns(pidfd, job->ns_flags) < 0)
                fail(report_fd, MOUNT_FUSE_STEP_SETNS, errno);
        pidfd = safe_close(pidfd);
        r = enter_root(root_fd);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_ROOT, r);
        root_fd = safe_close(root_fd);
        r = set_creds(&job->creds);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_CREDS, r);
        /* The id change cleared the death signal. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                _exit(1);
        before = mount_id_of(job->target);
        pid = fork();
        if (pid < 0)
                fail(report_fd, MOUNT_FUSE_STEP_FORK, errno);
        if (pid == 0)
                program_main(job, report_fd);
        r = wait_program(pid, job->timeout_ms, &status);
        if (r == -ETIMEDOUT)
                fail(report_fd, MOUNT_FUSE_STEP_TIMEOUT, ETIMEDOUT);
        if (r < 0)
                fail(report_fd, MOUNT_FUSE_STEP_FORK, r);
        if (WIFSIGNALED(status))
                fail(report_fd, MOUNT_FUSE_STEP_SIGNAL, WTERMSIG(status));
        if (WEXITSTATUS(status) != 0)
                fail(report_fd, MOUNT_FUSE_STEP_EXIT, WEXITSTATUS(status));
        if (!fuse_mounted(job->target, before))
                fail(report_fd, MOUNT_FUSE_STEP_NOT_MOUNTED, EIO);
        _exit(0);
}

/* ---- the daemon's side ---- */

/* Room for OUTPUT_SIZE bytes, and not one more. */
static int output_memfd(void)
{
        _cleanup_close_ int fd = memfd_create("seccompd-fuse-output", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        if (fd < 0)
                return -errno;
        if (ftruncate(fd, OUTPUT_SIZE) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int mount_fuse_spawn(const struct mount_fuse_job *job, struct mount_fuse_child **ret)
{
        _cleanup_free_ struct mount_fuse_child *c = calloc(1, sizeof(*c));
        _cleanup_close_ int rd = -EBADF, wr = -EBADF, out = -EBADF;
        pid_t parent = getpid(), pid;
        int p[2], fd;

        if (!c)
                return -ENOMEM;
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        rd = p[0];
        wr = p[1];
        out = output_memfd();
        if (out < 0)
                return out;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                spawner_main(job, wr, out, parent);
        fd = child_pidfd(pid);
        if (fd < 0)
                return fd;
        c->pid = pid;
        c->pidfd = fd;
        c->report_fd = TAKE_FD(rd);
        c->output_fd = TAKE_FD(out);
        *ret = TAKE_PTR(c);
        return 0;
}

int mount_fuse_child_fd(const struct mount_fuse_child *c)
{
        return c->pidfd;
}

pid_t mount_fuse_child_pid(const struct mount_fuse_child *c)
{
        return c->pid;
}

void mount_fuse_child_kill(struct mount_fuse_child *c)
{
        if (!c->reaped)
                (void) syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
}

/* The start of the program's output, one line of printable ASCII. */
static void read_output(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);
        size_t len = n > 0 ? strnlen(buf, (size_t) n) : 0;

        buf[len] = '\0';
        for (size_t i = 0; i < len; i++)
                if (buf[i] < 0x20 || buf[i] > 0x7e)
                        buf[i] = buf[i] == '\n' ? ' ' : '?';
        while (len > 0 && buf[len - 1] == ' ')
                buf[--len] = '\0';
}

int mount_fuse_child_reap(struct mount_fuse_child *c, struct mount_fuse_outcome *ret)
{
        struct mount_fuse_outcome o = { .step = MOUNT_FUSE_STEP_DONE };
        struct report rec;
        siginfo_t info;
        ssize_t n;

        memset(&info, 0, sizeof(info));
        if (waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &info, WEXITED | WNOHANG) < 0)
                return -errno;
        if (info.si_pid == 0)
                return -EAGAIN;
        c->reaped = true;
        n = read(c->report_fd, &rec, sizeof(rec));
        if (n == (ssize_t) sizeof(rec) && rec.step < _MOUNT_FUSE_STEP_MAX) {
                o.step = (enum mount_fuse_step) rec.step;
                o.error = rec.error;
        } else if (info.si_code != CLD_EXITED || info.si_status != 0) {
                o.step = MOUNT_FUSE_STEP_LOST;
                o.error = info.si_status;
        }
        read_output(c->output_fd, o.output, sizeof(o.output));
        *ret = o;
        return 0;
}

struct mount_fuse_child *mount_fuse_child_free(struct mount_fuse_child *c)
{
        struct pollfd p;
        siginfo_t info;

        if (!c)
                return NULL;
        if (!c->reaped) {
                (void) syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
                p = (struct pollfd) { .fd = c->pidfd, .events = POLLIN };
                (void) poll(&p, 1, NSHELPER_REAP_MS);
                memset(&info, 0, sizeof(info));
                (void) waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &info, WEXITED | WNOHANG);
        }
        safe_close(c->pidfd);
        safe_close(c->report_fd);
        safe_close(c->output_fd);
        free(c);
        return NULL;
}
