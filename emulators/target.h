/* The only code that touches a trapped process: its memory, its /proc entry, its
 * root, cwd, fds, credentials and capabilities. Nothing here logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TARGET_MAX_GROUPS 64

/* Reads exactly |len| bytes at |addr| in |pid|. Reads page by page so a range
 * that ends before an unmapped page succeeds. 0, -EFAULT (any byte unmapped,
 * addr 0 or addr+len overflows), -ESRCH (process gone), -EPERM. */
int target_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Writes exactly |len| bytes at |addr| in |pid| (process_vm_writev, page by
 * page like target_read_mem). 0, -EFAULT, -ESRCH. */
int target_write_mem(pid_t pid, uint64_t addr, const void *buf, size_t len);

/* Reads a NUL-terminated string of at most size-1 bytes into buf (always
 * terminated on success). Never reads past the page that holds the NUL.
 * Returns strlen, -EFAULT (unmapped before a NUL), -ENAMETOOLONG (no NUL within
 * size bytes), -ESRCH. */
int target_read_string(pid_t pid, uint64_t addr, char *buf, size_t size);

/* What one notification may read from its caller's memory: every read made
 * for it draws on this, so the limit bounds their sum (a string counts its
 * length and NUL). */
struct target_budget {
        uint64_t limit;     /* bytes; 0: unbounded */
        uint64_t used;
        bool exceeded;      /* a draw went over: the call is failed as over its limit */
};

/* Draws |len| bytes from |b| (NULL: unbounded): 0, or -E2BIG, setting
 * b->exceeded, when that would pass the limit. */
int target_budget_draw(struct target_budget *b, uint64_t len);

/* A trapped caller pinned for the duration of one notification. */
struct target {
        pid_t pid;
        int pidfd;        /* pidfd_open(pid) */
        int proc_fd;      /* O_PATH|O_DIRECTORY of /proc/<pid> */
        int listener_fd;  /* borrowed */
        uint64_t id;      /* notification id */
        struct target_budget *budget; /* the notification's, borrowed; NULL: unbounded (set after target_open) */
        /* Called by target_commit(): the caller's state is about to change
         * (supervisor/survive.h: a restart must not run the call again). May be NULL. */
        void (*on_commit)(void *data);
        void *commit_data;
        /* A daemon that died had passed this call's target_commit(): an
         * emulator that can tell its own half-done work finishes it (mknod). */
        bool resumed;
};

#define TARGET_NULL { .pid = 0, .pidfd = -EBADF, .proc_fd = -EBADF, .listener_fd = -EBADF, .id = 0 }

/* Opens pidfd and /proc/<pid>, then checks ID_VALID so both are known to name the
 * process that trapped. 0, -ENOENT/-ESRCH (caller gone), other -errno.
 * target_close() releases both fds; safe on a TARGET_NULL target. */
int target_open(struct target *t, int listener_fd, uint64_t id, pid_t pid);
void target_close(struct target *t);

/* target_read_mem() and target_read_string() of t's caller, drawing on
 * t->budget: -E2BIG once the call's reads pass it. target_read() draws
 * before reading, so an oversized read is never made. */
int target_read(const struct target *t, uint64_t addr, void *buf, size_t len);
int target_read_str(const struct target *t, uint64_t addr, char *buf, size_t size);
/* An emulator's point of no return, right before its first side effect:
 * runs t->on_commit. Emulators that call it let a restarted daemon run again
 * a call interrupted before this point (supervisor/emulate.c lists them). */
void target_commit(const struct target *t);

/* Re-checks ID_VALID: 0 or -ENOENT. */
int target_still_valid(const struct target *t);

/* O_PATH|O_DIRECTORY|O_CLOEXEC fd of the caller's root directory; -errno. */
int target_open_root(const struct target *t);

/* The path of the caller's cwd (dirfd == AT_FDCWD) or of its fd |dirfd|, as seen
 * from inside the caller's root ("/" based). -EBADF (no such fd in the caller),
 * -ENOTDIR (not a directory), -ENOENT (deleted, or outside the caller's root). */
int target_dir_path(const struct target *t, int dirfd, char *buf, size_t size);

/* O_PATH fd of the caller's |path| inside its root |root_fd| (resolve_in_root():
 * "..", absolute paths and symlinks stop at the root; magic links are refused),
 * relative paths from its cwd; a final symlink is opened itself unless |follow|.
 * Never opens the file itself. -EFAULT for a NULL path, -ENOENT for an empty one,
 * the errors of resolve_in_root() and target_dir_path(). */
int target_open_path(const struct target *t, int root_fd, const char *path, bool follow);

/* Duplicates the caller's fd into this process with pidfd_getfd, O_CLOEXEC. */
int target_getfd(const struct target *t, int fd);

struct target_creds {
        uid_t fsuid;      /* host view (as /proc/<pid>/status shows it to init_user_ns) */
        gid_t fsgid;
        mode_t umask;
        size_t n_groups;
        gid_t groups[TARGET_MAX_GROUPS];
};

/* Parses /proc/<pid>/status through t->proc_fd. 0 or -errno (-EIO on a malformed file). */
int target_read_creds(const struct target *t, struct target_creds *ret);

/* Which of the capabilities in |want| (bit N for capability N) the caller has
 * in its effective set (meaningful in its own user namespace), via libcap: one
 * capget and one ID_VALID however many are asked. 0 and *ret, or -errno. */
int target_caps(const struct target *t, uint64_t want, uint64_t *ret);

/* Whether the caller has |cap| in its effective set. 1, 0, or -errno. */
int target_has_cap(const struct target *t, int cap);

struct policy_caller;

/* The caller as policy sees it: effective uid/gid in its own user namespace,
 * effective capabilities, whether it is in a user namespace other than ours.
 * 0 or -errno (-EIO on a malformed status file). */
int target_read_caller(const struct target *t, struct policy_caller *ret);

/* 1 if host id |id| has a name in the caller's user namespace (which:
 * "uid_map" or "gid_map"), 0 if not, -errno. */
int target_id_mapped(const struct target *t, const char *which, uint32_t id);

/* Reads the caller's /proc/<pid>/uid_map or gid_map text (which: "uid_map" or
 * "gid_map") into buf, NUL-terminated; returns length or -errno. */
int target_read_idmap_text(const struct target *t, const char *which, char *buf, size_t size);
