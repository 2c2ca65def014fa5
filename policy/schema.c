/* The policy language's knowledge of syscalls: arg names, indexes and kinds per
 * syscall, and the symbolic names their values may use. Constant tables only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "common/macro.h"
#include "policy/schema.h"

/* Every symbol here is a 32-bit quantity; negative ones (AT_FDCWD, MS_NOUSER)
 * are stored as the kernel sees them in a 32-bit arg. */
#define SYM(x) { #x, (uint32_t) (x) }
#define TABLE(name, ...) \
        static const struct symbol name##_v[] = { __VA_ARGS__ }; \
        static const struct symbol_table name = { ARRAY_SIZE(name##_v), name##_v }

#define W32 UINT64_C(0xffffffff)
#define W64 UINT64_MAX
/* umode_t: SYSCALL_DEFINE truncates the register to unsigned short. */
#define W16 UINT64_C(0xffff)

TABLE(file_types,
      SYM(S_IFREG), SYM(S_IFCHR), SYM(S_IFBLK), SYM(S_IFIFO), SYM(S_IFSOCK), SYM(S_IFDIR), SYM(S_IFLNK));

/* For mode args beside the file types; S_IFMT for masks. */
TABLE(mode_bits,
      SYM(S_IFMT), SYM(S_ISUID), SYM(S_ISGID), SYM(S_ISVTX),
      SYM(S_IRWXU), SYM(S_IRUSR), SYM(S_IWUSR), SYM(S_IXUSR),
      SYM(S_IRWXG), SYM(S_IRGRP), SYM(S_IWGRP), SYM(S_IXGRP),
      SYM(S_IRWXO), SYM(S_IROTH), SYM(S_IWOTH), SYM(S_IXOTH));

TABLE(fd_symbols, SYM(AT_FDCWD));

TABLE(open_flags,
      SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM(O_ACCMODE),
      SYM(O_CREAT), SYM(O_EXCL), SYM(O_NOCTTY), SYM(O_TRUNC), SYM(O_APPEND),
      SYM(O_NONBLOCK), SYM(O_NDELAY), SYM(O_DSYNC), SYM(O_SYNC), SYM(O_ASYNC),
      SYM(O_DIRECT), SYM(O_DIRECTORY), SYM(O_NOFOLLOW), SYM(O_NOATIME),
      SYM(O_CLOEXEC), SYM(O_PATH), SYM(O_TMPFILE));

TABLE(mount_flags,
      SYM(MS_RDONLY), SYM(MS_NOSUID), SYM(MS_NODEV), SYM(MS_NOEXEC),
      SYM(MS_SYNCHRONOUS), SYM(MS_REMOUNT), SYM(MS_MANDLOCK), SYM(MS_DIRSYNC),
      SYM(MS_NOSYMFOLLOW), SYM(MS_NOATIME), SYM(MS_NODIRATIME), SYM(MS_BIND),
      SYM(MS_MOVE), SYM(MS_REC), SYM(MS_SILENT), SYM(MS_POSIXACL),
      SYM(MS_UNBINDABLE), SYM(MS_PRIVATE), SYM(MS_SLAVE), SYM(MS_SHARED),
      SYM(MS_RELATIME), SYM(MS_KERNMOUNT), SYM(MS_I_VERSION),
      SYM(MS_STRICTATIME), SYM(MS_LAZYTIME), SYM(MS_ACTIVE), SYM(MS_NOUSER),
      SYM(MS_MGC_VAL), SYM(MS_MGC_MSK));

TABLE(umount_flags, SYM(MNT_FORCE), SYM(MNT_DETACH), SYM(MNT_EXPIRE), SYM(UMOUNT_NOFOLLOW));

TABLE(xattr_flags, SYM(XATTR_CREATE), SYM(XATTR_REPLACE));

TABLE(bpf_cmds,
      SYM(BPF_MAP_CREATE), SYM(BPF_MAP_LOOKUP_ELEM), SYM(BPF_MAP_UPDATE_ELEM),
      SYM(BPF_MAP_DELETE_ELEM), SYM(BPF_MAP_GET_NEXT_KEY), SYM(BPF_PROG_LOAD),
      SYM(BPF_OBJ_PIN), SYM(BPF_OBJ_GET), SYM(BPF_PROG_ATTACH), SYM(BPF_PROG_DETACH),
      SYM(BPF_PROG_TEST_RUN), SYM(BPF_PROG_RUN), SYM(BPF_PROG_GET_NEXT_ID),
      SYM(BPF_MAP_GET_NEXT_ID), SYM(BPF_PROG_GET_FD_BY_ID), SYM(BPF_MAP_GET_FD_BY_ID),
      SYM(BPF_OBJ_GET_INFO_BY_FD), SYM(BPF_PROG_QUERY), SYM(BPF_RAW_TRACEPOINT_OPEN),
      SYM(BPF_BTF_LOAD), SYM(BPF_BTF_GET_FD_BY_ID), SYM(BPF_TASK_FD_QUERY),
      SYM(BPF_MAP_LOOKUP_AND_DELETE_ELEM), SYM(BPF_MAP_FREEZE), SYM(BPF_BTF_GET_NEXT_ID),
      SYM(BPF_MAP_LOOKUP_BATCH), SYM(BPF_MAP_LOOKUP_AND_DELETE_BATCH),
      SYM(BPF_MAP_UPDATE_BATCH), SYM(BPF_MAP_DELETE_BATCH), SYM(BPF_LINK_CREATE),
      SYM(BPF_LINK_UPDATE), SYM(BPF_LINK_GET_FD_BY_ID), SYM(BPF_LINK_GET_NEXT_ID),
      SYM(BPF_ENABLE_STATS), SYM(BPF_ITER_CREATE), SYM(BPF_LINK_DETACH),
      SYM(BPF_PROG_BIND_MAP));

TABLE(address_families,
      SYM(AF_UNSPEC), SYM(AF_UNIX), SYM(AF_LOCAL), SYM(AF_INET), SYM(AF_INET6),
      SYM(AF_NETLINK), SYM(AF_PACKET), SYM(AF_KEY), SYM(AF_APPLETALK), SYM(AF_X25),
      SYM(AF_AX25), SYM(AF_IPX), SYM(AF_BRIDGE), SYM(AF_PPPOX), SYM(AF_LLC),
      SYM(AF_IB), SYM(AF_MPLS), SYM(AF_CAN), SYM(AF_TIPC), SYM(AF_BLUETOOTH),
      SYM(AF_ALG), SYM(AF_NFC), SYM(AF_VSOCK), SYM(AF_KCM), SYM(AF_QIPCRTR),
      SYM(AF_SMC), SYM(AF_XDP), SYM(AF_MCTP), SYM(AF_RDS));

TABLE(socket_types,
      SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_RAW), SYM(SOCK_RDM),
      SYM(SOCK_SEQPACKET), SYM(SOCK_DCCP), SYM(SOCK_PACKET),
      SYM(SOCK_NONBLOCK), SYM(SOCK_CLOEXEC));

TABLE(memfd_flags, SYM(MFD_CLOEXEC), SYM(MFD_ALLOW_SEALING), SYM(MFD_HUGETLB));

#define ARG(n, i, k, w, t) { .name = n, .index = i, .kind = k, .width_mask = w, .symbols = t }
/* A string arg the kernel copies with its own limit and errno (struct arg_schema). */
#define ARG_STR(n, i, k, max, err) { .name = n, .index = i, .kind = k, .width_mask = W64, .str_max = max, .str_too_long = err }
#define SYSCALL(n, a) { .name = n, .n_args = ARRAY_SIZE(a), .args = a }

static const struct arg_schema mknod_args[] = {
        ARG("path", 0, ARG_PATH, W64, NULL),
        ARG("mode", 1, ARG_MODE, W16, &mode_bits),
        ARG("dev", 2, ARG_DEV, W32, NULL),
};

static const struct arg_schema mknodat_args[] = {
        ARG("dirfd", 0, ARG_FD, W32, &fd_symbols),
        ARG("path", 1, ARG_PATH, W64, NULL),
        ARG("mode", 2, ARG_MODE, W16, &mode_bits),
        ARG("dev", 3, ARG_DEV, W32, NULL),
};

/* mount(2)'s flags are an unsigned long. */
static const struct arg_schema mount_args[] = {
        ARG_STR("source", 0, ARG_PATH, PATH_MAX, EINVAL), /* copy_mount_string() */
        ARG("target", 1, ARG_PATH, W64, NULL),
        ARG_STR("fstype", 2, ARG_STRING, PATH_MAX, EINVAL),
        ARG("flags", 3, ARG_FLAGS, W64, &mount_flags),
        ARG("data", 4, ARG_PTR, W64, NULL),
};

static const struct arg_schema umount2_args[] = {
        ARG("target", 0, ARG_PATH, W64, NULL),
        ARG("flags", 1, ARG_FLAGS, W32, &umount_flags),
};

static const struct arg_schema setxattr_args[] = {
        ARG("path", 0, ARG_PATH, W64, NULL),
        ARG_STR("name", 1, ARG_STRING, XATTR_NAME_MAX + 1, ERANGE), /* setxattr_copy() */
        ARG("value", 2, ARG_PTR, W64, NULL),
        ARG("size", 3, ARG_INT, W64, NULL),
        ARG("flags", 4, ARG_FLAGS, W32, &xattr_flags),
};

static const struct arg_schema fsetxattr_args[] = {
        ARG("fd", 0, ARG_FD, W32, &fd_symbols),
        ARG_STR("name", 1, ARG_STRING, XATTR_NAME_MAX + 1, ERANGE), /* setxattr_copy() */
        ARG("value", 2, ARG_PTR, W64, NULL),
        ARG("size", 3, ARG_INT, W64, NULL),
        ARG("flags", 4, ARG_FLAGS, W32, &xattr_flags),
};

static const struct arg_schema sysinfo_args[] = {
        ARG("info", 0, ARG_PTR, W64, NULL),
};

static const struct arg_schema bpf_args[] = {
        ARG("cmd", 0, ARG_ENUM, W32, &bpf_cmds),
        ARG("attr", 1, ARG_PTR, W64, NULL),
        ARG("size", 2, ARG_INT, W32, NULL),
};

static const struct arg_schema open_args[] = {
        ARG("path", 0, ARG_PATH, W64, NULL),
        ARG("flags", 1, ARG_FLAGS, W32, &open_flags),
        ARG("mode", 2, ARG_INT, W16, &mode_bits),
};

static const struct arg_schema openat_args[] = {
        ARG("dirfd", 0, ARG_FD, W32, &fd_symbols),
        ARG("path", 1, ARG_PATH, W64, NULL),
        ARG("flags", 2, ARG_FLAGS, W32, &open_flags),
        ARG("mode", 3, ARG_INT, W16, &mode_bits),
};

static const struct arg_schema openat2_args[] = {
        ARG("dirfd", 0, ARG_FD, W32, &fd_symbols),
        ARG("path", 1, ARG_PATH, W64, NULL),
        ARG("how", 2, ARG_PTR, W64, NULL),
        ARG("size", 3, ARG_INT, W64, NULL),
};

/* The type arg carries SOCK_NONBLOCK/SOCK_CLOEXEC beside the type: flags. */
static const struct arg_schema socket_args[] = {
        ARG("domain", 0, ARG_ENUM, W32, &address_families),
        ARG("type", 1, ARG_FLAGS, W32, &socket_types),
        ARG("protocol", 2, ARG_INT, W32, NULL),
};

static const struct arg_schema memfd_create_args[] = {
        /* "memfd:" and the name fit NAME_MAX: 249 bytes and the NUL, else EINVAL. */
        ARG_STR("name", 0, ARG_STRING, NAME_MAX - 6 + 1, EINVAL),
        ARG("flags", 1, ARG_FLAGS, W32, &memfd_flags),
};

/* Sorted by name for bsearch. */
static const struct syscall_schema schemas[] = {
        SYSCALL("bpf", bpf_args),
        SYSCALL("fsetxattr", fsetxattr_args),
        SYSCALL("lsetxattr", setxattr_args),
        SYSCALL("memfd_create", memfd_create_args),
        SYSCALL("mknod", mknod_args),
        SYSCALL("mknodat", mknodat_args),
        SYSCALL("mount", mount_args),
        SYSCALL("open", open_args),
        SYSCALL("openat", openat_args),
        SYSCALL("openat2", openat2_args),
        SYSCALL("setxattr", setxattr_args),
        SYSCALL("socket", socket_args),
        SYSCALL("sysinfo", sysinfo_args),
        SYSCALL("umount2", umount2_args),
};

static int cmp_schema(const void *key, const void *elem)
{
        return strcmp(key, ((const struct syscall_schema *) elem)->name);
}

const struct syscall_schema *schema_lookup(const char *syscall)
{
        if (!syscall)
                return NULL;
        return bsearch(syscall, schemas, ARRAY_SIZE(schemas), sizeof(schemas[0]), cmp_schema);
}

/* "arg0".."arg5": any syscall's raw args, 64-bit, no symbols. */
static const struct arg_schema *generic_arg(const char *name)
{
        static const struct arg_schema generic[6] = {
                ARG("arg0", 0, ARG_INT, W64, NULL), ARG("arg1", 1, ARG_INT, W64, NULL),
                ARG("arg2", 2, ARG_INT, W64, NULL), ARG("arg3", 3, ARG_INT, W64, NULL),
                ARG("arg4", 4, ARG_INT, W64, NULL), ARG("arg5", 5, ARG_INT, W64, NULL),
        };

        if (strncmp(name, "arg", 3) != 0 || name[3] < '0' || name[3] > '5' || name[4] != '\0')
                return NULL;
        return &generic[name[3] - '0'];
}

const struct arg_schema *schema_arg(const struct syscall_schema *s, const char *name)
{
        if (!name)
                return NULL;
        for (size_t i = 0; s && i < s->n_args; i++)
                if (strcmp(s->args[i].name, name) == 0)
                        return &s->args[i];
        return generic_arg(name);
}

int symbol_lookup(const struct symbol_table *t, const char *name, uint64_t *ret)
{
        for (size_t i = 0; t && name && i < t->n; i++)
                if (strcmp(t->v[i].name, name) == 0) {
                        *ret = t->v[i].value;
                        return 0;
                }
        return -ENOENT;
}

const struct symbol_table *symbols_file_types(void)
{
        return &file_types;
}

const struct symbol_table *symbols_open_flags(void)
{
        return &open_flags;
}

/* Names glibc's strerrorname_np() does not return because they share a number. */
static int errno_alias(const char *name)
{
        static const struct symbol aliases[] = {
                SYM(EWOULDBLOCK), SYM(EDEADLOCK), SYM(ENOTSUP),
        };
        static const struct symbol_table t = { ARRAY_SIZE(aliases), aliases };
        uint64_t v;

        return symbol_lookup(&t, name, &v) < 0 ? -EINVAL : (int) v;
}

int errno_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        for (int e = 1; e < 4096; e++) {
                const char *n = strerrorname_np(e);

                if (n && strcmp(n, name) == 0)
                        return e;
        }
        return errno_alias(name);
}

const char *errno_to_name(int error)
{
        return error > 0 ? strerrorname_np(error) : NULL;
}

int capability_from_name(const char *name)
{
        /* Indexed by CAP_* number, as in <linux/capability.h>. */
        static const char *const caps[] = {
                "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
                "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
                "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
                "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
                "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
                "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
                "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
                "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
        };
        _Static_assert(ARRAY_SIZE(caps) <= 64, "capability bits are a uint64_t");

        if (!name)
                return -EINVAL;
        if (strncasecmp(name, "cap_", 4) == 0)
                name += 4;
        for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
                if (strcasecmp(caps[i], name) == 0)
                        return (int) i;
        return -EINVAL;
}

bool schema_runtime_syscall(const char *syscall)
{
        static const char *const runtime[] = {
                "close", "close_range", "epoll_pwait", "epoll_wait", "execve", "execveat",
                "exit", "exit_group", "fcntl", "futex", "getpid", "gettid", "mmap",
                "munmap", "nanosleep", "read", "recvmsg", "rt_sigprocmask", "rt_sigreturn",
                "sendmsg", "sendto", "write", "writev",
        };

        for (size_t i = 0; syscall && i < ARRAY_SIZE(runtime); i++)
                if (strcmp(runtime[i], syscall) == 0)
                        return true;
        return false;
}
