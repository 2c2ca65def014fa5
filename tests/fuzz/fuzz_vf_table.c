/* Fuzzes the parser of a PF's VF table (an RTM_NEWLINK with IFLA_VFINFO_LIST):
 * the kernel sends it, but drivers fill it, and it is read into fixed structs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/devices/vf_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* Netlink messages come in aligned buffers (the socket's); so here. */
        uint32_t *buf = malloc(size + sizeof(*buf));
        struct vf_table t = { 0 };

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        if (vf_table_parse(buf, size, &t) == 0) {
                for (size_t i = 0; i < t.n; i++)
                        if (vf_table_find(&t, t.v[i].vf) == NULL)
                                abort();
                vf_table_clear(&t);
        }
        free(buf);
        return 0;
}
