/* sc-hostile: the attacker of tests/hostile. Makes one raw syscall that seccompd
 * emulates with arguments a hostile container would pass (unmapped, unterminated,
 * page-straddling, rewritten by another thread during the call, dirfds of every
 * kind) and prints "ok" or "errno=NAME" (exit 0); usage errors exit 2. Static, for
 * a bare busybox rootfs. One syscall per op, each arg given in the small language
 * below, so each attack is one command line the test can also run untrapped. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/integration/probe_util.h"

#define FILL 0xab /* what a read-only buffer holds before and must hold after */

_Noreturn static void usage(void)
{
        fprintf(stderr,
                "Usage: sc-hostile [--swap-ms MS] [--chdir DIR] OP ARG...\n"
                "  mknod PATH MODE DEV             MODE octal with type bits (020600), DEV MAJ:MIN\n"
                "  mknodat FD PATH MODE DEV\n"
                "  mount SRC TARGET FSTYPE FLAGS DATA\n"
                "  umount2 TARGET FLAGS\n"
                "  setxattr|lsetxattr PATH NAME VALUE SIZE FLAGS\n"
                "  fsetxattr FD NAME VALUE SIZE FLAGS   SIZE: a number, or len (VALUE's length)\n"
                "  sysinfo BUF                     prints ok, or errno=NAME and for @ro\n"
                "                                  whether the buffer is intact\n"
                "  bpf-flip N                      N BPF_PROG_LOADs while a thread flips the attr\n"
                "                                  between a device program and a kprobe one;\n"
                "                                  prints device=D refused=R other=O\n"
                "Pointer args (PATH SRC TARGET FSTYPE DATA NAME VALUE BUF):\n"
                "  TEXT  the string   -  NULL   @unmapped  an unmapped page\n"
                "  @nonul  8 KiB without a NUL  @cliff  16 bytes running into an unmapped page\n"
                "  @straddle:TEXT  TEXT across a page boundary\n"
                "  @swap:FROM=>TO  FROM, rewritten to TO by another thread after --swap-ms (100)\n"
                "  @ro  a read-only page (filled with 0xab)  @rw  a writable page\n"
                "Fd args: cwd (AT_FDCWD), a number as is, closed (a number just closed),\n"
                "  dir:PATH, opath:PATH (O_PATH directory), file:PATH (a regular file)\n"
                "Integer args (FLAGS): decimal, 0x hex or 0 octal\n");
        exit(2);
}

/* What one call needs besides its args: at most one rewriting thread. */
struct attack {
        unsigned swap_ms;
        char *swap_buf;
        const char *swap_to;
        pthread_t swapper;
        bool swapping;
        char *ro_page; /* set by @ro: checked after the call */
};

static void report(long r)
{
        if (r >= 0)
                puts("ok");
        else
                printf("errno=%s\n", errno_name(errno));
        fflush(stdout);
        exit(0);
}

static void *swap_later(void *arg)
{
        struct attack *a = arg;

        usleep(a->swap_ms * 1000);
        /* The buffer holds the longer of both strings: no overflow either way. */
        strcpy(a->swap_buf, a->swap_to);
        return NULL;
}

/* @swap:FROM=>TO: a buffer that holds FROM now and TO once the thread ran. */
static char *swap_arg(struct attack *a, const char *spec)
{
        const char *sep = strstr(spec, "=>");
        size_t from_len, to_len;
        char *buf;

        if (!sep || a->swapping)
                usage();
        from_len = (size_t) (sep - spec);
        to_len = strlen(sep + 2);
        buf = calloc(1, (from_len > to_len ? from_len : to_len) + 1);
        if (!buf)
                usage();
        memcpy(buf, spec, from_len);
        a->swap_buf = buf;
        a->swap_to = sep + 2;
        a->swapping = true;
        return buf;
}

static char *straddle_arg(const char *text)
{
        char *s = straddled_copy(text);

        if (!s)
                usage();
        return s;
}

/* 16 bytes without a NUL at the very end of a mapping. */
static char *cliff_arg(void)
{
        size_t pg = (size_t) getpagesize();
        char *p = map_pages(2);

        munmap(p + pg, pg);
        memset(p + pg - 16, 'a', 16);
        return p + pg - 16;
}

static char *nonul_arg(void)
{
        size_t pg = (size_t) getpagesize();
        char *p = map_pages(3);

        /* Well past PATH_MAX and XATTR_NAME_MAX, then a terminated page. */
        memset(p, 'a', 2 * pg);
        return p;
}

static char *unmapped_arg(void)
{
        size_t pg = (size_t) getpagesize();
        char *p = map_pages(1);

        munmap(p, pg);
        return p + 16;
}

static char *ro_arg(struct attack *a)
{
        size_t pg = (size_t) getpagesize();
        char *p = map_pages(1);

        memset(p, FILL, pg);
        if (mprotect(p, pg, PROT_READ) < 0) {
                perror("sc-hostile: mprotect");
                exit(2);
        }
        a->ro_page = p;
        return p;
}

static char *ptr_arg(struct attack *a, const char *spec)
{
        if (strcmp(spec, "-") == 0)
                return NULL;
        if (spec[0] != '@')
                return (char *) spec;
        if (strcmp(spec, "@unmapped") == 0)
                return unmapped_arg();
        if (strcmp(spec, "@nonul") == 0)
                return nonul_arg();
        if (strcmp(spec, "@cliff") == 0)
                return cliff_arg();
        if (strncmp(spec, "@straddle:", 10) == 0)
                return straddle_arg(spec + 10);
        if (strncmp(spec, "@swap:", 6) == 0)
                return swap_arg(a, spec + 6);
        if (strcmp(spec, "@ro") == 0)
                return ro_arg(a);
        if (strcmp(spec, "@rw") == 0)
                return map_pages(1);
        usage();
}

static unsigned long long int_arg(const char *s)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = s[0] == '-' ? (unsigned long long) strtoll(s, &end, 0) : strtoull(s, &end, 0);
        if (errno || end == s || *end)
                usage();
        return v;
}

static int open_or_die(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0) {
                fprintf(stderr, "sc-hostile: open %s: %s\n", path, strerror(errno));
                exit(2);
        }
        return fd;
}

static int fd_arg(const char *spec)
{
        int fd;

        if (strcmp(spec, "cwd") == 0)
                return AT_FDCWD;
        if (strcmp(spec, "closed") == 0) {
                fd = open_or_die("/", O_RDONLY | O_DIRECTORY);
                close(fd);
                return fd;
        }
        if (strncmp(spec, "dir:", 4) == 0)
                return open_or_die(spec + 4, O_RDONLY | O_DIRECTORY);
        if (strncmp(spec, "opath:", 6) == 0)
                return open_or_die(spec + 6, O_PATH | O_DIRECTORY);
        if (strncmp(spec, "file:", 5) == 0)
                return open_or_die(spec + 5, O_RDONLY);
        return (int) int_arg(spec);
}

/* SIZE: a number, or "len": the length of the value the call starts with. */
static unsigned long long size_arg(const char *spec, const char *value)
{
        if (strcmp(spec, "len") != 0)
                return int_arg(spec);
        if (!value)
                usage(); /* no string to measure: give the size as a number */
        return strlen(value);
}

static dev_t dev_arg(const char *s)
{
        dev_t dev;

        if (parse_maj_min(s, &dev) < 0)
                usage();
        return dev;
}

/* Starts the rewriting thread, if an arg asked for one, right before the call. */
static void arm(struct attack *a)
{
        if (a->swapping && pthread_create(&a->swapper, NULL, swap_later, a) != 0) {
                fprintf(stderr, "sc-hostile: pthread_create failed\n");
                exit(2);
        }
}

/* sysinfo: "errno=EFAULT intact" when a read-only buffer kept every byte. */
static void report_sysinfo(const struct attack *a, long r)
{
        size_t pg = (size_t) getpagesize(), changed = 0;

        if (!a->ro_page)
                report(r);
        for (size_t i = 0; i < pg; i++)
                changed += (unsigned char) a->ro_page[i] != FILL;
        if (r >= 0)
                printf("ok");
        else
                printf("errno=%s", errno_name(errno));
        printf(changed ? " changed=%zu\n" : " intact\n", changed);
        fflush(stdout);
        exit(0);
}

/* ------------------------------------------------------------------ bpf-flip */

struct flip {
        union bpf_attr *attr;
        union bpf_attr states[2];
        volatile bool stop;
};

static void *flipper(void *arg)
{
        struct flip *f = arg;

        for (unsigned i = 0; !f->stop; i++)
                memcpy(f->attr, &f->states[i & 1], sizeof(*f->attr));
        return NULL;
}

/* The prog_type /proc/self/fdinfo shows for a program fd, or -1. */
static int fd_prog_type(int fd)
{
        char path[64], line[128];
        int type = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "prog_type: %d", &type) == 1)
                        break;
        fclose(f);
        return type;
}

/* Whatever the other thread wrote when seccompd read the attr, a program that
 * loads is one seccompd would load: a device program. */
static void bpf_flip(unsigned long n)
{
        static const struct bpf_insn allow[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        static const char license[] = "GPL";
        struct flip f = { .attr = (union bpf_attr *) map_pages(1) };
        unsigned long device = 0, refused = 0, other = 0;
        pthread_t t;

        f.states[0].prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        f.states[0].insn_cnt = 2;
        f.states[0].insns = (uint64_t) (uintptr_t) allow;
        f.states[0].license = (uint64_t) (uintptr_t) license;
        f.states[1] = f.states[0];
        f.states[1].prog_type = BPF_PROG_TYPE_KPROBE;
        memcpy(f.attr, &f.states[0], sizeof(*f.attr));
        if (pthread_create(&t, NULL, flipper, &f) != 0)
                usage();
        for (unsigned long i = 0; i < n; i++) {
                int fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, f.attr, sizeof(*f.attr));

                if (fd < 0 && errno == EPERM)
                        refused++;
                else if (fd >= 0 && fd_prog_type(fd) == BPF_PROG_TYPE_CGROUP_DEVICE)
                        device++;
                else
                        other++;
                if (fd >= 0)
                        close(fd);
        }
        f.stop = true;
        pthread_join(t, NULL);
        printf("device=%lu refused=%lu other=%lu\n", device, refused, other);
        fflush(stdout);
        exit(0);
}

/* ------------------------------------------------------------------ the ops */

static void op_xattr(struct attack *a, char **argv)
{
        const char *op = argv[0];
        char *name = ptr_arg(a, argv[2]), *value = ptr_arg(a, argv[3]);
        bool text = argv[3][0] != '@' || strncmp(argv[3], "@swap:", 6) == 0 || strncmp(argv[3], "@straddle:", 10) == 0;
        unsigned long long size = size_arg(argv[4], text ? value : NULL);
        int flags = (int) int_arg(argv[5]);
        long r;

        if (strcmp(op, "fsetxattr") == 0) {
                int fd = fd_arg(argv[1]);

                arm(a);
                r = syscall(SYS_fsetxattr, fd, name, value, size, flags);
        } else {
                char *path = ptr_arg(a, argv[1]);

                arm(a);
                r = syscall(strcmp(op, "setxattr") == 0 ? SYS_setxattr : SYS_lsetxattr, path, name, value, size,
                            flags);
        }
        report(r);
}

static void op_mount(struct attack *a, char **argv)
{
        char *src = ptr_arg(a, argv[1]), *target = ptr_arg(a, argv[2]), *fstype = ptr_arg(a, argv[3]);
        unsigned long flags = (unsigned long) int_arg(argv[4]);
        char *data = ptr_arg(a, argv[5]);

        arm(a);
        report(syscall(SYS_mount, src, target, fstype, flags, data));
}

static void run_op(struct attack *a, int argc, char **argv)
{
        const char *op = argv[0];

        if (strcmp(op, "mknod") == 0 && argc == 4) {
                char *path = ptr_arg(a, argv[1]);

                arm(a);
                report(syscall(SYS_mknod, path, (mode_t) int_arg(argv[2]), dev_arg(argv[3])));
        }
        if (strcmp(op, "mknodat") == 0 && argc == 5) {
                int fd = fd_arg(argv[1]);
                char *path = ptr_arg(a, argv[2]);

                arm(a);
                report(syscall(SYS_mknodat, fd, path, (mode_t) int_arg(argv[3]), dev_arg(argv[4])));
        }
        if (strcmp(op, "mount") == 0 && argc == 6)
                op_mount(a, argv);
        if (strcmp(op, "umount2") == 0 && argc == 3) {
                char *target = ptr_arg(a, argv[1]);

                arm(a);
                report(syscall(SYS_umount2, target, (int) int_arg(argv[2])));
        }
        if ((strcmp(op, "setxattr") == 0 || strcmp(op, "lsetxattr") == 0 || strcmp(op, "fsetxattr") == 0) &&
            argc == 6)
                op_xattr(a, argv);
        if (strcmp(op, "sysinfo") == 0 && argc == 2) {
                char *buf = ptr_arg(a, argv[1]);

                report_sysinfo(a, syscall(SYS_sysinfo, buf));
        }
        if (strcmp(op, "bpf-flip") == 0 && argc == 2)
                bpf_flip((unsigned long) int_arg(argv[1]));
        usage();
}

int main(int argc, char **argv)
{
        struct attack a = { .swap_ms = 100 };
        int i = 1;

        for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (strcmp(argv[i], "--swap-ms") == 0)
                        a.swap_ms = (unsigned) int_arg(argv[i + 1]);
                else if (strcmp(argv[i], "--chdir") == 0) {
                        if (chdir(argv[i + 1]) < 0) {
                                perror("sc-hostile: chdir");
                                return 2;
                        }
                } else
                        usage();
        }
        if (i >= argc)
                usage();
        run_op(&a, argc - i, argv + i);
}
