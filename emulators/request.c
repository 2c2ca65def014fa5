/* Turns a raw seccomp_notif into a struct request. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "emulators/request.h"
#include "emulators/target.h"
#include "policy/schema.h"

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
        ret->name = syscall_table_name(t, n->data.arch, n->data.nr);
        ret->schema = syscall_table_schema(t, n->data.arch, n->data.nr);
        ret->dirfd = AT_FDCWD;
        ret->path_addr = 0;
        ret->path = NULL;
        memset(ret->strs, 0, sizeof(ret->strs));
        ret->budget = (struct target_budget) { 0 };

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
        size_t used = 0;
        int r;

        for (size_t i = 0; req->schema && i < req->schema->n_args; i++) {
                const struct arg_schema *a = &req->schema->args[i];
                uint64_t addr = req->notif.data.args[a->index];

                if (a->kind != ARG_PATH && a->kind != ARG_STRING)
                        continue;
                if (addr == 0 || used >= REQUEST_MAX_STRS)
                        continue;
                r = target_read_string((pid_t) req->notif.pid, addr, req->str_buf[used],
                                       a->str_max && a->str_max < PATH_MAX ? a->str_max : PATH_MAX);
                if (r == -ENAMETOOLONG && a->str_too_long)
                        return -a->str_too_long;
                if (r < 0)
                        return r;
                r = target_budget_draw(&req->budget, (uint64_t) r + 1);
                if (r < 0)
                        return r;
                req->strs[a->index] = req->str_buf[used++];
        }
        if (req->sysid == SYSID_MKNOD || req->sysid == SYSID_MKNODAT) {
                /* mknod(NULL, ...) fails EFAULT in the kernel too. */
                req->path = req->strs[req->sysid == SYSID_MKNOD ? 0 : 1];
                if (!req->path)
                        return -EFAULT;
        }
        return 0;
}

bool request_has_relative_path(const struct request *req)
{
        for (size_t i = 0; req->schema && i < req->schema->n_args; i++) {
                const struct arg_schema *a = &req->schema->args[i];

                if (a->kind == ARG_PATH && req->strs[a->index] && req->strs[a->index][0] != '/')
                        return true;
        }
        return false;
}

int request_path_dirfd(const struct request *req)
{
        for (size_t i = 0; req->schema && i < req->schema->n_args; i++) {
                const struct arg_schema *a = &req->schema->args[i];

                if (a->kind == ARG_FD && strcmp(a->name, "dirfd") == 0)
                        return (int) req->notif.data.args[a->index];
        }
        return AT_FDCWD;
}
