/* union bpf_attr decoding with the kernel's own rules (kernel/bpf/syscall.c:
 * bpf_check_uarg_tail_zero, CHECK_ATTR) against the fields this build's
 * <linux/bpf.h> knows. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/macro.h"
#include "emulators/bpf_attr.h"

#define END_OF(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *) 0)->field))

/* Where the fields |cmd| uses end; 0 for commands that are only copied. */
static size_t cmd_end(int cmd)
{
        switch (cmd) {
        case BPF_PROG_LOAD:
                return END_OF(core_relo_rec_size);
        case BPF_PROG_ATTACH:
                return END_OF(replace_bpf_fd);
        case BPF_PROG_DETACH:
                return END_OF(attach_type);
        case BPF_PROG_QUERY:
                return END_OF(query.prog_attach_flags);
        default:
                return 0;
        }
}

static bool all_zero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int bpf_attr_decode(int cmd, const void *raw, size_t size, union bpf_attr *ret)
{
        size_t end = cmd_end(cmd);

        if (size > BPF_ATTR_MAX)
                return -E2BIG;
        if (size > sizeof(*ret) && !all_zero((const uint8_t *) raw + sizeof(*ret), size - sizeof(*ret)))
                return -E2BIG;
        memset(ret, 0, sizeof(*ret));
        memcpy(ret, raw, size < sizeof(*ret) ? size : sizeof(*ret));
        if (end && !all_zero((const uint8_t *) ret + end, sizeof(*ret) - end))
                return -EINVAL;
        return 0;
}

/* The prog_flags bits the verifier itself interprets for any program type. */
#define LOAD_FLAGS_PASSED                                                                          \
        (BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_RND_HI32 | BPF_F_TEST_STATE_FREQ | \
         BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS)

int bpf_attr_check_load(const union bpf_attr *a)
{
        if (a->prog_flags & ~(uint32_t) LOAD_FLAGS_PASSED)
                return -EINVAL;
        if (a->prog_ifindex || a->prog_btf_fd || a->func_info || a->func_info_cnt || a->line_info ||
            a->line_info_cnt || a->attach_btf_id || a->attach_prog_fd || a->core_relo_cnt || a->fd_array ||
            a->core_relos)
                return -EINVAL;
        return 0;
}

int bpf_attr_check_name(const union bpf_attr *a)
{
        return memchr(a->prog_name, '\0', sizeof(a->prog_name)) ? 0 : -EINVAL;
}

int bpf_insns_check(const struct bpf_insn *insns, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].src_reg != 0)
                        return -EINVAL;
                if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_KFUNC_CALL)
                        return -EINVAL;
        }
        return 0;
}

int bpf_attr_check_log(const union bpf_attr *a)
{
        if (!a->log_buf != !a->log_size)
                return -EINVAL;
        if (a->log_buf && a->log_level == 0)
                return -EINVAL;
        if (a->log_size > (UINT32_MAX >> 2))
                return -EINVAL;
        return 0;
}
