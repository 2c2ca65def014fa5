/* Installing the filter so that handing its listener over can never block on it.
 *
 * seccomp filters belong to a thread. The main thread installs the filter and
 * later execs the command: its own pid, which seccompd takes as the container's
 * init, is the one every trapped call reports. A helper thread started before,
 * never filtered, does everything in between: sends the listener with sendmsg,
 * closes the process's copy, reads seccompd's answer. None of the syscalls the
 * handover needs can be trapped, whatever the policy names. The filtered main
 * thread makes only futex calls (announcing the filter, waiting for the go) and
 * execve: if the policy traps those, seccompd answers them once it has the
 * listener; if it never gets it, the helper has closed the only copy and the
 * kernel fails them with ENOSYS instead of waiting. Either way the helper alone
 * decides: it lets the main thread exec, or it exits the process, or (when
 * allowed) execs the command itself, with no filter at all, ending the main
 * thread as any execve ends the others. */
#pragma once

#include <linux/filter.h>
#include <pthread.h>
#include <stdbool.h>

struct handoff;

/* Run by the helper thread once the main thread has installed the filter, with
 * the listener fd (which the process owns and |deliver| must close), or the
 * install's -errno, or -ETIMEDOUT. To let the command run under the filter it
 * calls handoff_go() and returns; otherwise it must not return: it ends the
 * process (_exit) or replaces it (execve). */
typedef void (*handoff_deliver_t)(struct handoff *h, int listener, void *userdata);

struct handoff {
        pthread_t helper;
        _Atomic int installed;         /* HANDOFF_PENDING, then the listener fd or -errno */
        _Atomic int go;                /* 0; 1 once the command may run under the filter */
        handoff_deliver_t deliver;
        void *userdata;
};

#define HANDOFF_PENDING (-0x7fff)

/* SECCOMP_FILTER_FLAG_NEW_LISTENER, with WAIT_KILLABLE_RECV where the kernel has
 * it (5.19): a call seccompd has received then waits for its answer instead of
 * being restarted by every signal (an emulated mknod must not run twice). */
unsigned handoff_listener_flags(void);

/* Whether the kernel will take a filter from this process only with
 * no_new_privs set. */
bool handoff_needs_nnp(void);

/* Starts the helper thread, which waits for the filter and calls |deliver|.
 * 0 or -errno (pthread_create). |h| must stay valid until the process execs or
 * exits. */
int handoff_start(struct handoff *h, handoff_deliver_t deliver, void *userdata);

/* From |deliver|: the main thread may exec the command under the filter. */
void handoff_go(struct handoff *h);

/* The main thread: sets no_new_privs if |nnp|, installs |prog| with |flags|,
 * tells the helper, waits for its go and execs |path|. Never returns: the exec
 * replaces the process, or the helper ends it, or a failed exec exits with 127
 * (not found) or 126 after saying why. */
_Noreturn void handoff_install_and_exec(struct handoff *h, const struct sock_fprog *prog, unsigned flags, bool nnp,
                                        const char *path, char *const *argv);
