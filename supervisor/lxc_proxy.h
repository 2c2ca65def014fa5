/* LXC's seccomp notify proxy protocol (lxc.seccomp.notify.proxy, as LXC 5.0's
 * monitor speaks it in seccomp_notify_handler()): over one SOCK_SEQPACKET
 * connection per container, each message carries one notification the monitor
 * received, and our reply carries the response the monitor then SENDs itself.
 * Parsing and building are pure and fuzzed: the bytes come from a root peer we
 * still only partly trust. */
#pragma once

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fixed head of every message and reply (LXC's struct
 * seccomp_notify_proxy_msg): 32 bytes on every ABI, the u64 after the three
 * u16 sizes aligned by two bytes of padding. Then come a seccomp_notif and a
 * seccomp_notif_resp of the announced sizes, then (messages only) the cookie. */
struct lxc_proxy_header {
        uint64_t reserved;      /* 0 both ways; LXC rejects a reply that sets it */
        int32_t monitor_pid;    /* the monitor that sent it (its pid namespace) */
        int32_t init_pid;       /* the container's init, as the monitor sees it */
        uint16_t notif_size;    /* SECCOMP_GET_NOTIF_SIZES, as the monitor's kernel said */
        uint16_t resp_size;
        uint16_t data_size;
        uint16_t padding;
        uint64_t cookie_len;    /* bytes of cookie after the resp, no NUL */
};

/* LXC 5.0 attaches /proc/<pid>, /proc/<pid>/mem and the notify fd, always all three. */
#define LXC_PROXY_N_FDS 3
#define LXC_PROXY_FD_NOTIFY 2
/* lxc.seccomp.notify.cookie is one config line; ours are a few pairs. */
#define LXC_PROXY_MAX_COOKIE 4096
/* The largest message we accept: any announced sizes, the longest cookie. */
#define LXC_PROXY_MAX_MESSAGE (sizeof(struct lxc_proxy_header) + 2 * UINT16_MAX + LXC_PROXY_MAX_COOKIE)

/* What a reply must echo: who sent the message and the sizes it announced. */
struct lxc_proxy_origin {
        pid_t monitor_pid;
        pid_t init_pid;
        struct seccomp_notif_sizes sizes;
};

struct lxc_proxy_msg {
        struct lxc_proxy_origin origin;
        struct seccomp_notif notif;     /* its first sizeof() bytes; fields beyond ours are ignored */
        const char *cookie;             /* points into the message, cookie_len bytes, no NUL inside */
        size_t cookie_len;
};

/* Parses one message of |len| bytes that arrived with |n_fds| fds. Sizes
 * smaller than this build's structs are refused, larger ones accepted (their
 * tails ignored); the length must be exactly what the header announces.
 * 0, or -EBADMSG (short, long, wrong fd count, bad pid, NUL in the cookie),
 * -EPROTO (a size smaller than ours), -E2BIG (cookie over LXC_PROXY_MAX_COOKIE);
 * *ret_why then names the problem (a static string). Does not log. */
int lxc_proxy_parse(const void *buf, size_t len, size_t n_fds, struct lxc_proxy_msg *ret, const char **ret_why);

/* Bytes of the reply to a message with these sizes. */
size_t lxc_proxy_reply_size(const struct seccomp_notif_sizes *sizes);

/* Writes the reply answering |notif| with |resp| (its id must be notif's): the
 * header with |o|'s pids and sizes, reserved and cookie_len 0, then notif and
 * resp each padded with zeros to the announced size. Returns the length, or
 * -ENOBUFS when |size| is too small. Does not log. */
ssize_t lxc_proxy_reply(const struct lxc_proxy_origin *o, const struct seccomp_notif *notif,
                        const struct seccomp_notif_resp *resp, void *buf, size_t size);
