/* LXC proxy messages in and replies out: bounds first, then copies. */
#include <errno.h>
#include <string.h>

#include "supervisor/lxc_proxy.h"

_Static_assert(sizeof(struct lxc_proxy_header) == 32, "LXC's proxy header is 32 bytes");
_Static_assert(LXC_PROXY_MAX_COOKIE == 4096, "the refusal below names the limit");

static int refuse(int error, const char *why, const char **ret_why)
{
        *ret_why = why;
        return error;
}

/* Sizes the kernel and LXC may grow, never shrink below what we read. */
static int check_sizes(const struct lxc_proxy_header *h, const char **ret_why)
{
        if (h->notif_size < sizeof(struct seccomp_notif))
                return refuse(-EPROTO, "announced seccomp_notif size is smaller than ours", ret_why);
        if (h->resp_size < sizeof(struct seccomp_notif_resp))
                return refuse(-EPROTO, "announced seccomp_notif_resp size is smaller than ours", ret_why);
        if (h->data_size < sizeof(struct seccomp_data))
                return refuse(-EPROTO, "announced seccomp_data size is smaller than ours", ret_why);
        return 0;
}

int lxc_proxy_parse(const void *buf, size_t len, size_t n_fds, struct lxc_proxy_msg *ret, const char **ret_why)
{
        const unsigned char *p = buf;
        struct lxc_proxy_header h;
        size_t body;
        int r;

        if (len < sizeof(h))
                return refuse(-EBADMSG, "message shorter than its header", ret_why);
        memcpy(&h, p, sizeof(h));
        r = check_sizes(&h, ret_why);
        if (r < 0)
                return r;
        if (h.cookie_len > LXC_PROXY_MAX_COOKIE)
                return refuse(-E2BIG, "cookie longer than 4096 bytes", ret_why);
        body = (size_t) h.notif_size + h.resp_size;
        if (len != sizeof(h) + body + h.cookie_len)
                return refuse(-EBADMSG, "message length differs from what its header announces", ret_why);
        if (n_fds != LXC_PROXY_N_FDS)
                return refuse(-EBADMSG, "message does not carry exactly three fds", ret_why);
        if (h.monitor_pid <= 0 || h.init_pid <= 0)
                return refuse(-EBADMSG, "monitor or init pid is not positive", ret_why);
        ret->cookie = (const char *) p + sizeof(h) + body;
        ret->cookie_len = (size_t) h.cookie_len;
        if (memchr(ret->cookie, '\0', ret->cookie_len))
                return refuse(-EBADMSG, "cookie contains a NUL byte", ret_why);
        memcpy(&ret->notif, p + sizeof(h), sizeof(ret->notif));
        ret->origin = (struct lxc_proxy_origin) {
                .monitor_pid = h.monitor_pid,
                .init_pid = h.init_pid,
                .sizes = { .seccomp_notif = h.notif_size, .seccomp_notif_resp = h.resp_size,
                           .seccomp_data = h.data_size },
        };
        return 0;
}

size_t lxc_proxy_reply_size(const struct seccomp_notif_sizes *sizes)
{
        return sizeof(struct lxc_proxy_header) + sizes->seccomp_notif + sizes->seccomp_notif_resp;
}

ssize_t lxc_proxy_reply(const struct lxc_proxy_origin *o, const struct seccomp_notif *notif,
                        const struct seccomp_notif_resp *resp, void *buf, size_t size)
{
        /* LXC reads exactly header + notif + resp and takes anything else as a
         * failed proxy; cookie_len 0 because no cookie follows. */
        struct lxc_proxy_header h = {
                .monitor_pid = o->monitor_pid,
                .init_pid = o->init_pid,
                .notif_size = o->sizes.seccomp_notif,
                .resp_size = o->sizes.seccomp_notif_resp,
                .data_size = o->sizes.seccomp_data,
        };
        size_t len = lxc_proxy_reply_size(&o->sizes);
        unsigned char *p = buf;

        if (size < len || o->sizes.seccomp_notif < sizeof(*notif) || o->sizes.seccomp_notif_resp < sizeof(*resp))
                return -ENOBUFS;
        memset(p, 0, len);
        memcpy(p, &h, sizeof(h));
        memcpy(p + sizeof(h), notif, sizeof(*notif));
        memcpy(p + sizeof(h) + o->sizes.seccomp_notif, resp, sizeof(*resp));
        return (ssize_t) len;
}
