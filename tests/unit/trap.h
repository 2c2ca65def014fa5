/* Test fixture: a real child process under a real seccomp notify filter (mknod and
 * mknodat trapped), its listener fd handed to the test over a socketpair, and
 * temporary directories that are removed when the test process exits. */
#pragma once

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct trap_opts {
        /* In the child, as root, before the user namespace and the filter: chroot,
         * chdir, umask, credentials... 0 or -errno. May be NULL. */
        int (*setup)(void *userdata);
        /* In the child under the filter: the trapped call. 0 or a positive errno.
         * NULL: none (the test only needs a live filtered process). */
        int (*act)(void *userdata);
        void *userdata;
        /* unshare(CLONE_NEWUSER) after setup; the test maps ids 0..65535 to map_outer. */
        bool userns;
        uint32_t map_outer;
};

struct trap {
        pid_t pid;        /* the child, 0 once reaped */
        int listener_fd;  /* the child's seccomp listener, received by SCM_RIGHTS */
        int sock;         /* our end of the socketpair */
};

#define TRAP_NULL { .pid = 0, .listener_fd = -EBADF, .sock = -EBADF }

/* Forks the child and waits until its filter is loaded. 0 or -errno (setup's
 * error, or -ETIMEDOUT). On failure *ret is untouched and the child is reaped. */
int trap_start(const struct trap_opts *o, struct trap *ret);

/* Receives one notification within a few seconds; -ETIMEDOUT otherwise. */
int trap_recv(const struct trap *t, struct seccomp_notif *ret);

/* Collects the result of act (0 or positive errno) and reaps the child. */
int trap_finish(struct trap *t, int *ret_error);

/* Kills the child if still running, reaps it, closes the fds. Safe on TRAP_NULL. */
void trap_done(struct trap *t);

/* Creates a 0755 directory under /tmp whose tree is removed (without crossing mounts)
 * once this process and its children have exited, however they exit. */
int trap_tmpdir(char *buf, size_t size);
