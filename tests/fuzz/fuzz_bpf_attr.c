/* Fuzzes the decoding of a caller's union bpf_attr and the checks on a program
 * load (emulators/bpf_attr.c): every byte of it, and the instructions, come from
 * the container. The first byte picks the command; the rest is the attr as the
 * caller passed it, also read as instructions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emulators/bpf_attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int cmds[] = { BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY, BPF_MAP_CREATE };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        union bpf_attr a;
        struct bpf_insn *insns;
        size_t n;
        int cmd;

        if (size < 1)
                return 0;
        cmd = cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))];
        data++, size--;
        if (bpf_attr_decode(cmd, data, size, &a) == 0) {
                /* What was decoded is what the caller passed, zero-extended. */
                size_t k = size < sizeof(a) ? size : sizeof(a);

                if (memcmp(&a, data, k) != 0)
                        abort();
                (void) bpf_attr_check_load(&a);
                (void) bpf_attr_check_name(&a);
                (void) bpf_attr_check_log(&a);
        } else if (size <= sizeof(a) && cmd == BPF_MAP_CREATE) {
                abort(); /* a short attr of a copied-only command never fails */
        }
        n = size / sizeof(*insns);
        insns = malloc(n ? n * sizeof(*insns) : 1);
        if (!insns)
                return 0;
        memcpy(insns, data, n * sizeof(*insns));
        (void) bpf_insns_check(insns, n);
        free(insns);
        return 0;
}
