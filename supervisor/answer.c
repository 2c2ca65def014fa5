/* One response per notification, built here and handed to the listener's ops. */
#include <errno.h>

#include "emulators/notify.h"
#include "supervisor/answer.h"
#include "supervisor/dispatch.h"
#include "supervisor/survive.h"

int answer_value(struct notification *n, int error, int64_t val, bool cont)
{
        struct seccomp_notif_resp resp = { .id = n->req.notif.id };

        if (error > 0)
                resp.error = -error;
        else if (cont)
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else
                resp.val = val;
        /* Sent again by the next daemon if this one dies before the kernel has it. */
        survive_notification_answering(n, &resp);
        return n->listener->ops->send(n, &resp);
}

int answer_fd(struct notification *n, int fd, uint32_t fd_flags)
{
        return n->listener->ops->send_fd(n, fd, fd_flags);
}

void answer_dropped(struct notification *n)
{
        if (n->listener->ops->dropped)
                n->listener->ops->dropped(n);
}

static int notify_fd_send(struct notification *n, const struct seccomp_notif_resp *resp)
{
        return notify_send(n->fd, resp);
}

/* ADDFD with SEND answers the call with the new fd number in one step, so the
 * caller never holds an fd for a call that failed. */
static int notify_fd_send_fd(struct notification *n, int fd, uint32_t fd_flags)
{
        return notify_addfd(n->fd, n->req.notif.id, fd, fd_flags, SECCOMP_ADDFD_FLAG_SEND);
}

const struct listener_ops answer_notify_fd_ops = {
        .kind = "notify-fd",
        .event = dispatch_listener_event,
        .send = notify_fd_send,
        .send_fd = notify_fd_send_fd,
};
