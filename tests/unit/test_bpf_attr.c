/* union bpf_attr as seccompd takes it in: the kernel's size and tail rules, the
 * per-command field ends, and the load checks (emulators/bpf_attr.c). */
#include <errno.h>
#include <string.h>

#include "emulators/bpf_attr.h"
#include "tests/unit/harness.h"

static uint8_t raw[BPF_ATTR_MAX];

static int decode(int cmd, size_t size, union bpf_attr *a)
{
        return bpf_attr_decode(cmd, raw, size, a);
}

TEST(size_and_tail_follow_the_kernel)
{
        union bpf_attr a;

        memset(raw, 0, sizeof(raw));
        EXPECT_EQ(decode(BPF_PROG_LOAD, BPF_ATTR_MAX + 1, &a), -E2BIG);
        EXPECT_EQ(decode(BPF_PROG_LOAD, BPF_ATTR_MAX, &a), 0);
        raw[sizeof(a) + 3] = 1;
        EXPECT_EQ(decode(BPF_PROG_LOAD, sizeof(a) + 8, &a), -E2BIG);
        /* Within what the caller said it passed, or not. */
        EXPECT_EQ(decode(BPF_PROG_LOAD, sizeof(a) + 3, &a), 0);
        raw[sizeof(a) + 3] = 0;
        /* A short attr is zero-extended: the fields past it read 0. */
        memset(raw, 0xff, sizeof(raw));
        EXPECT_EQ(decode(BPF_PROG_LOAD, 8, &a), 0);
        EXPECT_EQ(a.prog_type, UINT32_MAX);
        EXPECT_EQ(a.insn_cnt, UINT32_MAX);
        EXPECT_TRUE(a.insns == 0 && a.license == 0);
        EXPECT_EQ(decode(BPF_PROG_LOAD, 0, &a), 0);
        EXPECT_EQ(a.prog_type, 0);
}

TEST(bytes_past_a_commands_last_field_are_einval)
{
        union bpf_attr a;

        memset(raw, 0, sizeof(raw));
        raw[offsetof(union bpf_attr, core_relo_rec_size) + 4] = 1;
        EXPECT_EQ(decode(BPF_PROG_LOAD, sizeof(a), &a), -EINVAL);
        /* ...but not for a command that uses more of the union. */
        EXPECT_EQ(decode(BPF_MAP_CREATE, sizeof(a), &a), 0);
        memset(raw, 0, sizeof(raw));
        raw[offsetof(union bpf_attr, replace_bpf_fd) + 4] = 1;
        EXPECT_EQ(decode(BPF_PROG_ATTACH, sizeof(a), &a), -EINVAL);
        memset(raw, 0, sizeof(raw));
        raw[offsetof(union bpf_attr, replace_bpf_fd)] = 1;
        EXPECT_EQ(decode(BPF_PROG_ATTACH, sizeof(a), &a), 0);
        EXPECT_EQ(a.replace_bpf_fd, 1);
        /* DETACH ends at attach_type: flags are not its business. */
        memset(raw, 0, sizeof(raw));
        raw[offsetof(union bpf_attr, attach_flags)] = 2;
        EXPECT_EQ(decode(BPF_PROG_DETACH, sizeof(a), &a), -EINVAL);
        EXPECT_EQ(decode(BPF_PROG_ATTACH, sizeof(a), &a), 0);
        memset(raw, 0, sizeof(raw));
        raw[offsetof(union bpf_attr, query.prog_attach_flags) + 8] = 1;
        EXPECT_EQ(decode(BPF_PROG_QUERY, sizeof(a), &a), -EINVAL);
}

TEST(loads_that_name_fds_or_btf_are_refused)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.prog_flags = BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT;
        /* Record sizes without records are ignored, as the kernel ignores them. */
        a.func_info_rec_size = 8;
        a.line_info_rec_size = 16;
        EXPECT_EQ(bpf_attr_check_load(&a), 0);
        a.prog_flags |= 1u << 16; /* BPF_F_TOKEN_FD on newer kernels: an fd of the caller */
        EXPECT_EQ(bpf_attr_check_load(&a), -EINVAL);
        a.prog_flags = 0;
        a.prog_btf_fd = 3;
        EXPECT_EQ(bpf_attr_check_load(&a), -EINVAL);
        a.prog_btf_fd = 0;
        a.fd_array = 0x1000;
        EXPECT_EQ(bpf_attr_check_load(&a), -EINVAL);
        a.fd_array = 0;
        a.prog_ifindex = 1;
        EXPECT_EQ(bpf_attr_check_load(&a), -EINVAL);
        a.prog_ifindex = 0;
        a.attach_prog_fd = 4;
        EXPECT_EQ(bpf_attr_check_load(&a), -EINVAL);
}

TEST(instructions_naming_fds_are_refused)
{
        struct bpf_insn insns[4] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
                { .code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .imm = 7 },
                { 0 },
                { .code = BPF_JMP | BPF_EXIT },
        };

        /* A plain 64-bit constant is fine. */
        EXPECT_EQ(bpf_insns_check(insns, 4), 0);
        insns[1].src_reg = BPF_PSEUDO_MAP_FD;
        EXPECT_EQ(bpf_insns_check(insns, 4), -EINVAL);
        insns[1].src_reg = BPF_PSEUDO_MAP_VALUE;
        EXPECT_EQ(bpf_insns_check(insns, 4), -EINVAL);
        insns[1].src_reg = 0;
        insns[2] = (struct bpf_insn) { .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = 1 };
        EXPECT_EQ(bpf_insns_check(insns, 4), -EINVAL);
        /* A helper call or a bpf-to-bpf call names nothing by fd. */
        insns[2].src_reg = BPF_PSEUDO_CALL;
        EXPECT_EQ(bpf_insns_check(insns, 4), 0);
        EXPECT_EQ(bpf_insns_check(insns, 0), 0);
}

TEST(name_and_log_attrs_follow_the_kernel)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        EXPECT_EQ(bpf_attr_check_name(&a), 0);
        memset(a.prog_name, 'a', sizeof(a.prog_name));
        EXPECT_EQ(bpf_attr_check_name(&a), -EINVAL);
        EXPECT_EQ(bpf_attr_check_log(&a), 0);
        a.log_buf = 0x1000;
        EXPECT_EQ(bpf_attr_check_log(&a), -EINVAL); /* no size */
        a.log_size = 4096;
        EXPECT_EQ(bpf_attr_check_log(&a), -EINVAL); /* level 0 with a buffer */
        a.log_level = 1;
        EXPECT_EQ(bpf_attr_check_log(&a), 0);
        a.log_size = (UINT32_MAX >> 2) + 1;
        EXPECT_EQ(bpf_attr_check_log(&a), -EINVAL);
        a.log_buf = 0;
        a.log_size = 0;
        EXPECT_EQ(bpf_attr_check_log(&a), 0); /* a level without a buffer: nothing to write */
}
