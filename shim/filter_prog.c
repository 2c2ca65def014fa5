/* Policy plan → BPF instructions, exported by libseccomp through a memfd. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/macro.h"
#include "policy/filter.h"
#include "shim/filter_prog.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* The instructions libseccomp wrote to |fd|. */
static int read_insns(int fd, struct sock_fprog *ret)
{
        _cleanup_free_ struct sock_filter *insns = NULL;
        off_t size = lseek(fd, 0, SEEK_END);
        ssize_t n;

        if (size < 0)
                return -errno;
        if (size == 0 || size % (off_t) sizeof(*insns) != 0)
                return -EINVAL;
        if (size / (off_t) sizeof(*insns) > BPF_MAXINSNS)
                return -E2BIG;
        insns = malloc((size_t) size);
        if (!insns)
                return -ENOMEM;
        n = pread(fd, insns, (size_t) size, 0);
        if (n < 0)
                return -errno;
        if (n != size)
                return -EIO;
        ret->len = (unsigned short) (size / (off_t) sizeof(*insns));
        ret->filter = TAKE_PTR(insns);
        return 0;
}

int filter_prog_build(const struct filter_plan *plan, struct sock_fprog *ret)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = filter_plan_new_ctx(plan, &ctx);
        if (r < 0)
                return r;
        /* libseccomp 2.5 exports to an fd only; a memfd holds any size, unlike a pipe. */
        fd = memfd_create("seccompd-shim-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        return read_insns(fd, ret);
}

void filter_prog_done(struct sock_fprog *prog)
{
        free(prog->filter);
        prog->filter = NULL;
        prog->len = 0;
}
