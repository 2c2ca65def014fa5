/* Fuzzes the LXC proxy message parser and the reply built from what it parsed:
 * bytes from any root process that connects to the LXC socket. The first byte
 * is the number of fds the message came with (mod 5), the rest the message. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervisor/lxc_proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static unsigned char reply[sizeof(struct lxc_proxy_header) + 2 * UINT16_MAX];
        struct seccomp_notif_resp resp = { 0 };
        struct lxc_proxy_msg m;
        const char *why = NULL;
        ssize_t len;

        if (size < 1)
                return 0;
        if (lxc_proxy_parse(data + 1, size - 1, data[0] % 5, &m, &why) < 0) {
                assert(why != NULL);
                return 0;
        }
        assert(m.cookie_len <= LXC_PROXY_MAX_COOKIE);
        assert(m.cookie + m.cookie_len <= (const char *) data + size);
        resp.id = m.notif.id;
        len = lxc_proxy_reply(&m.origin, &m.notif, &resp, reply, sizeof(reply));
        assert(len == (ssize_t) lxc_proxy_reply_size(&m.origin.sizes));
        /* What we send back parses as a message answering the same id. */
        assert(lxc_proxy_parse(reply, (size_t) len, LXC_PROXY_N_FDS, &m, &why) == 0);
        assert(m.notif.id == resp.id && m.cookie_len == 0);
        return 0;
}
