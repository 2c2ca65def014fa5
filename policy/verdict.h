/* What to do with one trapped call: the output of policy evaluation, as data. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict_kind {
        VERDICT_CONTINUE, /* let the kernel run the call as made */
        VERDICT_ERRNO,    /* fail it with error */
        VERDICT_EMULATE,  /* perform it for the caller with emulator */
        VERDICT_INJECT,   /* open a file on the host, hand the caller the fd */
        _VERDICT_MAX,
};

enum emulator_id {
        EMULATOR_NONE,
        EMULATOR_MKNOD,   /* mknod, mknodat */
        EMULATOR_MOUNT,   /* mount, umount2 (through the container's namespace helper) */
        EMULATOR_XATTR,   /* setxattr, lsetxattr, fsetxattr: trusted.overlay.* */
        EMULATOR_SYSINFO, /* sysinfo from the container's cgroup */
        EMULATOR_BPF,     /* bpf: cgroup device programs (load, attach, detach, query) */
        _EMULATOR_MAX,
};

/* A device number, either part may be POLICY_ANY. */
#define POLICY_ANY UINT32_MAX

struct policy_dev {
        uint32_t major, minor;
};

/* emulate mknod: an optional second allowlist the emulator itself enforces
 * (n_devices == 0: whatever the rule's matches let through). */
struct mknod_params {
        size_t n_devices;
        struct policy_dev *devices;
};

/* emulate mount: a mount source the container may use. */
struct mount_source {
        enum { MOUNT_SOURCE_DEVICE, MOUNT_SOURCE_PATH, MOUNT_SOURCE_NONE } kind;
        struct policy_dev dev;   /* DEVICE: block device major:minor (POLICY_ANY wildcards) */
        char *glob;              /* PATH: glob on the source path inside the container */
};

/* emulate mount: run the FUSE program instead of a kernel mount of fstype. */
struct fuse_redirect {
        char *fstype;
        char *program;           /* absolute path inside the container */
};

struct mount_params {
        size_t n_fstypes;
        char **fstypes;          /* allowed filesystem types ("ext4", "tmpfs", ...) */
        size_t n_sources;
        struct mount_source *sources; /* empty: no source allowed but "none"-style pseudo fs */
        uint64_t flags;          /* MS_* bits the caller may pass (MS_BIND/MS_REMOUNT/MS_REC too) */
        size_t n_fuse;
        struct fuse_redirect *fuse;
        unsigned timeout_ms;     /* per call; default 30000 */
        int timeout_error;       /* errno after the timeout; default ETIMEDOUT */
};

/* emulate setxattr: the trusted.* names seccompd sets for the container. */
struct xattr_params {
        size_t n_names;
        char **names;            /* exact names or prefixes ending in '.' ("trusted.overlay.") */
};

/* emulate bpf: cgroup device programs for a nested engine. */
struct bpf_params {
        uint32_t max_insns;      /* instructions per program; default 4096 (BPF_MAXINSNS) */
        uint32_t max_programs;   /* programs attached per container at once; default 64 */
        bool attach_root;        /* the container's own cgroup too, not only below it */
        int other_types;         /* errno for other prog/attach types; 0: continue */
        int no_cgroup2;          /* errno when the container has no cgroup2 cgroup of its own */
};

/* inject requested: where the caller's path is looked up. */
enum inject_root {
        INJECT_ROOT_HOST,      /* the path as the policy saw it, opened on the host */
        INJECT_ROOT_CONTAINER, /* resolved inside the caller's root (symlinks and ".." stop there) */
};

/* inject: what the supervisor opens for the caller. Either a fixed host path
 * (path set: open_flags and fd_flags apply) or, with |requested|, the path the
 * caller asked for with its own flags less |forbid| (open and openat only). */
struct inject_params {
        char *path;      /* absolute host path; NULL when requested */
        int open_flags;  /* O_RDONLY, O_RDWR, ... (O_CLOEXEC implied for the supervisor) */
        int fd_flags;    /* O_CLOEXEC for the caller's fd, or 0 */
        bool requested;  /* open what the caller asked for */
        enum inject_root root; /* requested: where */
        int forbid;      /* requested: O_* bits cleared from the caller's flags */
};

union handler_params {
        struct mknod_params mknod;
        struct mount_params mount;
        struct xattr_params xattr;
        struct bpf_params bpf;
        struct inject_params inject;
};

struct verdict {
        enum verdict_kind kind;
        int error;                          /* VERDICT_ERRNO: positive errno */
        enum emulator_id emulator;          /* VERDICT_EMULATE */
        const union handler_params *params; /* EMULATE / INJECT; owned by the policy */
        int rule;                           /* index of the rule that matched, -1 for the default */
};

const char *verdict_kind_to_string(enum verdict_kind k);
const char *emulator_to_string(enum emulator_id e);
/* EMULATOR_* for a handler name, or -EINVAL. */
int emulator_from_string(const char *name);

/* "continue", "errno EPERM", "emulate mknod", "inject /dev/net/tun",
 * "inject requested (host)". */
const char *verdict_format(const struct verdict *v, char *buf, size_t size);
