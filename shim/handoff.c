/* The filter installed by the main thread, its listener handed over by a helper
 * thread (see handoff.h for why), and the exec. */
#include <errno.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sys/capability.h>

#include "common/log.h"
#include "shim/handoff.h"

#define INSTALL_TIMEOUT_MS 5000

static void futex_wait(_Atomic int *addr, int val, const struct timespec *timeout)
{
        (void) syscall(SYS_futex, (int *) addr, FUTEX_WAIT_PRIVATE, val, timeout, NULL, 0);
}

static void futex_wake(_Atomic int *addr)
{
        (void) syscall(SYS_futex, (int *) addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

unsigned handoff_listener_flags(void)
{
        unsigned both = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

        /* The kernel checks the flags before it reads the program: with none,
         * EFAULT says it knew them, EINVAL that it did not. Nothing is installed. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, both, NULL) < 0 && errno == EFAULT)
                return both;
        return SECCOMP_FILTER_FLAG_NEW_LISTENER;
}

bool handoff_needs_nnp(void)
{
        cap_flag_value_t admin = CAP_CLEAR;
        cap_t caps = cap_get_proc();

        if (caps) {
                (void) cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
                cap_free(caps);
        }
        /* The kernel takes a filter from a task with CAP_SYS_ADMIN (in its user
         * namespace) or with no_new_privs: otherwise a filter could make a setuid
         * program misbehave (a setuid() failing that it does not check) with the
         * privileges it gained at exec. Root with CAP_SYS_ADMIN needs none, and
         * without it the command keeps the setuid and file-capability programs it
         * may rely on (sudo, ping), as it would without the shim. Anyone else must
         * set it, and then the command can gain no privileges through exec. */
        return admin != CAP_SET;
}

/* The helper's wait: polls, since the main thread's wake-up may be trapped. */
static int wait_installed(struct handoff *h)
{
        uint64_t deadline = now_usec() + INSTALL_TIMEOUT_MS * 1000ULL;

        for (;;) {
                struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
                int v = atomic_load(&h->installed);

                if (v != HANDOFF_PENDING)
                        return v;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                futex_wait(&h->installed, HANDOFF_PENDING, &tick);
        }
}

static void *helper_main(void *userdata)
{
        struct handoff *h = userdata;

        h->deliver(h, wait_installed(h), h->userdata);
        return NULL;
}

int handoff_start(struct handoff *h, handoff_deliver_t deliver, void *userdata)
{
        atomic_init(&h->installed, HANDOFF_PENDING);
        atomic_init(&h->go, 0);
        h->deliver = deliver;
        h->userdata = userdata;
        return -pthread_create(&h->helper, NULL, helper_main, h);
}

void handoff_go(struct handoff *h)
{
        atomic_store(&h->go, 1);
        futex_wake(&h->go);
}

static int install(const struct sock_fprog *prog, unsigned flags, bool nnp)
{
        long fd;

        if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
        return fd < 0 ? -errno : (int) fd;
}

_Noreturn void handoff_install_and_exec(struct handoff *h, const struct sock_fprog *prog, unsigned flags, bool nnp,
                                        const char *path, char *const *argv)
{
        atomic_store(&h->installed, install(prog, flags, nnp));
        /* From here every syscall of this thread may be trapped: futex and execve
         * only, and the helper waits for neither. Until the go, errors (ENOSYS once
         * seccompd is known not to have the listener, EINTR) just look again. */
        futex_wake(&h->installed);
        while (atomic_load(&h->go) == 0)
                futex_wait(&h->go, 0, NULL);
        execve(path, argv, environ);
        _exit(log_error_errno(errno, "seccompd-shim exec: cannot run %s: %m", path) == -ENOENT ? 127 : 126);
}
