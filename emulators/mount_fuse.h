/* mount(2) of an fstype the policy redirects to a FUSE program (`fuse: {ext4:
 * /usr/bin/fuse2fs}`): instead of a kernel mount, the program runs as the
 * caller would have run it, so the host kernel never parses the image. Does
 * not log.
 *
 * Privileges: the program is the container's own binary (the path is looked up
 * in the caller's root), so it gets nothing the caller does not have. A
 * spawner forked from the daemon moves into the caller's cgroups (every v1
 * hierarchy and v2), takes the caller's rlimits and oom_score_adj, drops its supplementary groups,
 * joins each namespace of the caller that is not the daemon's own through its
 * pidfd (user, mount, pid, net, ipc, uts, cgroup, time), chroots into the
 * caller's root, and takes the caller's uids, gids, groups (where the user
 * namespace allows setgroups), umask, capability sets (bounding, inheritable,
 * permitted, effective, ambient) and no_new_privs; then it forks the program,
 * which is thus born in the caller's pid namespace, and execs it with an
 * empty environment but PATH. The program's own mount(2) of "fuse" goes
 * straight to the kernel, in the caller's user namespace (FUSE is
 * FS_USERNS_MOUNT): the mount belongs to the container, which unmounts it
 * itself. What the program cannot have: the container's seccomp filter and
 * LSM label (only a fork of one of its processes inherits them), its
 * securebits and personality.
 *
 * The call succeeds when the program exits 0 (a FUSE program forks to the
 * background once mounted) and a FUSE filesystem is then mounted on the
 * target; the spawner waits at most the policy's timeout and kills it then. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "emulators/cgroup.h"
#include "emulators/nshelper.h"
#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/verdict.h"

#define MOUNT_FUSE_MAX_GROUPS 64
/* "-o" gets the flags as names, a comma, then the caller's data (one page). */
#define MOUNT_FUSE_OPTIONS_MAX (sizeof(((struct nshelper_request *) 0)->data) + 64)
#define MOUNT_FUSE_SOURCE_MAX (sizeof(((struct nshelper_request *) 0)->source) + PATH_MAX)
#define MOUNT_FUSE_STDERR_MAX 512

/* The caller's credentials: ids as its own user namespace names them (host ids
 * as mount_fuse_parse_status() reads them, until translated). */
struct mount_fuse_creds {
        uint32_t uid[3], gid[3]; /* real, effective, saved */
        size_t n_groups;
        uint32_t groups[MOUNT_FUSE_MAX_GROUPS];
        uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb; /* bit (1 << CAP_*) */
        bool no_new_privs;
        mode_t umask;
};

/* Everything the spawner needs; owns its fds (mount_fuse_job_free()). */
struct mount_fuse_job {
        char program[PATH_MAX];
        char source[MOUNT_FUSE_SOURCE_MAX]; /* absolute when it names a file, else as written */
        char target[PATH_MAX];              /* absolute, in the caller's root */
        char options[MOUNT_FUSE_OPTIONS_MAX];
        struct mount_fuse_creds creds;
        struct rlimit rlimits[RLIM_NLIMITS];
        int oom_score_adj;
        int ns_flags;   /* CLONE_NEW* to join through pidfd */
        int pidfd;      /* the caller's */
        int root_fd;    /* the caller's root, O_PATH */
        size_t n_cgroup_fds;
        int cgroup_fds[CGROUP_MAX_HIERARCHIES]; /* cgroup.procs of the caller's cgroups, O_WRONLY */
        unsigned timeout_ms;
};

/* The program of |fstype|'s redirect in |p|, or NULL. */
const char *mount_fuse_program(const struct mount_params *p, const char *fstype);

/* For a call mount_prepare() answered MOUNT_FUSE (so it checked the flags, the
 * caller's CAP_SYS_ADMIN, the target and the source as for a kernel mount, and
 * read the data into hreq): collects what the spawner needs from the caller
 * and re-checks ID_VALID. 0 with *ret set (free with mount_fuse_job_free()), or
 * -errno the call fails with: -EOPNOTSUPP (a cgroup hierarchy of the caller
 * is not mounted in the daemon's namespace: its limits could not follow the
 * program), -EPERM (the caller's uid or gid has no name in its own user
 * namespace), -ENOENT (caller gone), -ENAMETOOLONG, -EIO (unreadable /proc
 * files), -ENOMEM. Does not log. */
int mount_fuse_prepare(const struct request *req, const struct mount_params *p, const struct target *t,
                       const struct nshelper_request *hreq, struct mount_fuse_job **ret);

/* Closes the job's fds and frees it. NULL-safe; returns NULL. */
struct mount_fuse_job *mount_fuse_job_free(struct mount_fuse_job *job);

/* The "-o" string: the mount flags FUSE mounts understand (ro, nosuid, nodev,
 * noexec, sync, dirsync, noatime; others dropped), then |data| as the caller
 * wrote it. Pure. 0, or -E2BIG when it does not fit |size|. */
int mount_fuse_options(uint64_t flags, const char *data, char *buf, size_t size);

/* mount.fuse's convention: PROGRAM SOURCE TARGET [-o OPTIONS]. Fills argv (at
 * least 6 slots, NULL-terminated) with pointers into |job|. Pure. */
void mount_fuse_argv(const struct mount_fuse_job *job, const char *argv[6]);

/* Parses /proc/<pid>/status text into host-view credentials (ids as the
 * initial user namespace names them). Pure. 0 or -EIO. */
int mount_fuse_parse_status(const char *text, struct mount_fuse_creds *ret);

/* Where the spawner stopped. */
enum mount_fuse_step {
        MOUNT_FUSE_STEP_DONE,        /* mounted */
        MOUNT_FUSE_STEP_SETUP,       /* the spawner's own fds and signals */
        MOUNT_FUSE_STEP_CGROUP,      /* joining the caller's cgroup */
        MOUNT_FUSE_STEP_LIMITS,      /* rlimits, oom_score_adj */
        MOUNT_FUSE_STEP_SETNS,
        MOUNT_FUSE_STEP_ROOT,        /* chroot into the caller's root */
        MOUNT_FUSE_STEP_CREDS,       /* ids, groups, capabilities, no_new_privs */
        MOUNT_FUSE_STEP_FORK,
        MOUNT_FUSE_STEP_EXEC,
        MOUNT_FUSE_STEP_TIMEOUT,
        MOUNT_FUSE_STEP_EXIT,        /* the program exited non-zero: error is its status */
        MOUNT_FUSE_STEP_SIGNAL,      /* the program was killed: error is the signal */
        MOUNT_FUSE_STEP_NOT_MOUNTED, /* exited 0 and no FUSE mount is on the target */
        MOUNT_FUSE_STEP_LOST,        /* the spawner died without a word (killed) */
        _MOUNT_FUSE_STEP_MAX,
};

/* A static name for logs; "invalid" out of range. */
const char *mount_fuse_step_to_string(enum mount_fuse_step s);

struct mount_fuse_outcome {
        enum mount_fuse_step step;
        int error;                              /* errno, exit status or signal, by step */
        char output[MOUNT_FUSE_STDERR_MAX + 1]; /* the start of the program's stdout/stderr */
};

/* The call's result for an outcome: 0; -ETIMEDOUT (the caller substitutes the
 * policy's errno); -ENODEV (the program could not be run: missing, not
 * executable, as for an fstype the kernel does not know); -EIO (it exited
 * non-zero, was killed, or exited 0 without a FUSE mount on the target); else
 * the errno of the step that failed (-EAGAIN: the cgroup's pids.max...). */
int mount_fuse_errno(const struct mount_fuse_outcome *o);

/* ---- the spawner (mount_fuse_spawn.c) ---- */

struct mount_fuse_child;

/* Forks the spawner for |job| (which the caller keeps: the fork has its copy).
 * Blocks for the fork only. 0 with *ret, or -errno (pipe, memfd, fork,
 * pidfd_open). */
int mount_fuse_spawn(const struct mount_fuse_job *job, struct mount_fuse_child **ret);

/* The spawner's pidfd, to poll: readable once it has exited. */
int mount_fuse_child_fd(const struct mount_fuse_child *c);
pid_t mount_fuse_child_pid(const struct mount_fuse_child *c);

/* SIGKILL to the spawner; the program, its child, dies with it
 * (PR_SET_PDEATHSIG) unless it already forked to the background. */
void mount_fuse_child_kill(struct mount_fuse_child *c);

/* Once the pidfd polled readable: reaps the spawner and reads its report and
 * the start of the program's output. 0, -EAGAIN (still running), -errno. */
int mount_fuse_child_reap(struct mount_fuse_child *c, struct mount_fuse_outcome *ret);

/* Kills the spawner if it still runs, reaps it (waiting at most
 * NSHELPER_REAP_MS), frees. NULL-safe; returns NULL. */
struct mount_fuse_child *mount_fuse_child_free(struct mount_fuse_child *c);
