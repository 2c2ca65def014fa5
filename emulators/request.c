/* Turns a raw seccomp_notif into a struct request. */
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "emulators/request.h"
#include "emulators/target.h"

static void decode_mknod(struct request *req, int dirfd, uint64_t path, uint64_t mode, uint64_t dev)
{
        /* The kernel takes mode as umode_t and dev as unsigned int: truncate likewise. */
        uint32_t d = (uint32_t) dev;

        req->dirfd = dirfd;
        req->path_addr = path;
        req->mode = (uint32_t) mode;
        req->dev_major = major(d);
        req->dev_minor = minor(d);
}

void request_decode(struct request *ret, const struct syscall_table *t, const struct seccomp_notif *n)
{
        const __u64 *a = n->data.args;

        ret->notif = *n;
        ret->sysid = syscall_table_lookup(t, n->data.arch, n->data.nr);
        ret->dirfd = AT_FDCWD;
        ret->path_addr = 0;
        ret->path = NULL;

        switch (ret->sysid) {
        case SYSID_MKNOD:
                decode_mknod(ret, AT_FDCWD, a[0], a[1], a[2]);
                break;
        case SYSID_MKNODAT:
                decode_mknod(ret, (int) a[0], a[1], a[2], a[3]);
                break;
        default:
                break;
        }
}

int request_read_args(struct request *req)
{
        int r;

        if (req->sysid != SYSID_MKNOD && req->sysid != SYSID_MKNODAT)
                return 0;
        r = target_read_string((pid_t) req->notif.pid, req->path_addr, req->path_buf, sizeof(req->path_buf));
        if (r < 0)
                return r;
        req->path = req->path_buf;
        return 0;
}
