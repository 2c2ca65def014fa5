/* Rebuilding the registry from what the fd keeper kept (survive.h) when the
 * daemon starts again after a crash, a kill or an upgrade, and answering the
 * calls the previous daemon received and did not answer (docs/survival.md). */
#pragma once

struct daemon;
struct survive_handover;

/* What a call gets when it cannot safely be run again: an emulation that
 * began in the daemon that died (it may have half-happened), or a call whose
 * request was never recorded; unless its policy says otherwise (on_restart).
 * A signal-interrupted call fails the same way. */
#define RESTORE_ERRNO EINTR
/* Ids probed with ID_VALID past the last one a listener recorded: calls
 * received but not recorded when the daemon died. A daemon records right
 * after each RECV, so at most one per listener can be missing; the window
 * covers a batch receiver too. */
#define RESTORE_PROBE_WINDOW 64

struct restore_report {
        unsigned containers, listeners;
        unsigned skipped;      /* records whose init exited, policy vanished or fds are missing */
        unsigned rerun;        /* recorded calls run again through the policy */
        unsigned resent;       /* recorded answers sent again */
        unsigned resumed;      /* interrupted emulations finished (mknod) */
        unsigned failed;       /* answered the policy's on_restart errno */
};

/* Restores every kept container whose init lives (hook registration, policy
 * by name as the policy directory has it now, listeners), forgets the kept
 * fds nothing refers to, then answers the previous daemon's calls: a recorded
 * one still pending (ID_VALID) is run again when nothing was done for it yet,
 * resumed when it is an emulated mknod past its point of no return
 * (dispatch_resume()), else failed with the policy's on_restart errno
 * (RESTORE_ERRNO by default), as is each pending id just past a
 * listener's last recorded one; one whose answer was being sent gets that
 * answer. Logs a summary; never fails as a whole. */
void restore_run(struct daemon *d, struct survive_handover *h, struct restore_report *ret);
