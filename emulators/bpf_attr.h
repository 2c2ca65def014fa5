/* The caller's union bpf_attr taken in as the kernel takes it, and the checks on
 * a program load that need nothing but its bytes. Pure: no I/O, nothing logs
 * (fuzzed: tests/fuzz/fuzz_bpf_attr.c). */
#pragma once

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel reads at most a page of attr (bpf_check_uarg_tail_zero). */
#define BPF_ATTR_MAX 4096

/* |raw| holds the |size| bytes the caller passed (size <= BPF_ATTR_MAX, already
 * read). Fills *ret zero-extended, as the kernel does. E2BIG: a non-zero byte
 * past what this build knows; EINVAL: a non-zero byte past the last field
 * |cmd| uses (PROG_LOAD, PROG_ATTACH, PROG_DETACH, PROG_QUERY; other commands
 * are only copied). */
int bpf_attr_decode(int cmd, const void *raw, size_t size, union bpf_attr *ret);

/* PROG_LOAD fields seccompd cannot carry to the host: the caller's fds and BTF
 * (prog_btf_fd, func/line info, attach_btf_id, attach_prog_fd, fd_array, CO-RE
 * relocations), offload (prog_ifindex), and prog flags outside the verifier's
 * own (alignment, test and sleepable bits: the kernel judges those). EINVAL if
 * any is set. The record sizes alone, with no records, are ignored as the
 * kernel ignores them. */
int bpf_attr_check_load(const union bpf_attr *a);

/* The program name: NUL-terminated within BPF_OBJ_NAME_LEN (else EINVAL, as the
 * kernel; libbpf would truncate it instead). */
int bpf_attr_check_name(const union bpf_attr *a);

/* Instructions that name objects by fd or BTF id (ld_imm64 with a pseudo
 * src_reg: maps, BTF variables, functions; kfunc calls): fd numbers would be
 * looked up in seccompd's own table, so EINVAL. */
int bpf_insns_check(const struct bpf_insn *insns, size_t n);

/* The verifier log attrs as bpf_vlog_init() checks them: a buffer without a
 * size or the reverse, a buffer at level 0, a size above UINT_MAX >> 2: EINVAL. */
int bpf_attr_check_log(const union bpf_attr *a);
