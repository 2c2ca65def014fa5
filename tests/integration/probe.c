/* sc-probe: makes one mknod-, setxattr- or open-family call the way a container process
 * would and prints "ok" or "errno=NAME" (exit 0), or for sysinfo and open what it got;
 * usage errors exit 2. Linked statically so it runs inside a bare busybox rootfs. Raw syscalls: the
 * syscall the test names is the syscall made, whatever libc prefers. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "probe_util.h"

_Noreturn static void usage(void)
{
        fprintf(stderr,
                "Usage: sc-probe [--umask OCT] [--chdir DIR] [--fsuid N] [--fsgid N] OP ...\n"
                "  mknod PATH TYPE MAJ:MIN MODE          TYPE: c b p s f (regular) 0 (no type bits)\n"
                "  mknodat DIR|-|fd:N PATH TYPE MAJ:MIN MODE\n"
                "                                        DIR opened O_DIRECTORY, - is AT_FDCWD,\n"
                "                                        fd:N passes N as it is\n"
                "  straddle PATH TYPE MAJ:MIN MODE       mknod with PATH placed across a page boundary\n"
                "  badpath unmapped|nonul|cliff          mknod on an unmapped pointer, a string with\n"
                "                                        no NUL within 8 KiB, or one running into\n"
                "                                        an unmapped page\n"
                "  setxattr|lsetxattr PATH NAME VALUE [create|replace]\n"
                "  fsetxattr PATH NAME VALUE [create|replace]\n"
                "                                        fsetxattr on PATH opened O_RDONLY|O_NONBLOCK\n"
                "  swap PATH1 PATH2 MS TYPE MAJ:MIN MODE mknod on a buffer holding PATH1 that another\n"
                "                                        thread rewrites to PATH2 after MS ms\n"
                "  sysinfo [null]                        sysinfo(2): prints totalram= freeram= (bytes)\n"
                "                                        procs= uptime=, or errno=NAME (null: NULL buffer)\n"
                "  open PATH FLAGS [ACTION...]           openat(AT_FDCWD, PATH, FLAGS, 0600), FLAGS as\n"
                "                                        O_RDWR|O_CLOEXEC...: prints \"ok fd=N cloexec=0|1\"\n"
                "                                        and per ACTION read=TEXT, wrote=N or\n"
                "                                        loopfree=N (or ACTION=errno=NAME); ACTIONs:\n"
                "                                        read, write:TEXT, loopfree (LOOP_CTL_GET_FREE)\n"
                "  openkill N PATH US                    N times: fork a child that opens PATH\n"
                "                                        O_RDONLY, SIGKILL it US us later; prints\n"
                "                                        killed=K exited=E\n"
                "  mount SRC TARGET FSTYPE FLAGS DATA    mount(2) with raw args (- is NULL; FLAGS a number)\n"
                "  umount2 TARGET FLAGS                  umount2(2)\n"
                "  thread OP ...                         runs OP in a second thread (not the leader)\n"
                "  hammer DIR MS [STOPFILE]              mknod c 1:3 + unlink in DIR in a loop for MS ms\n"
                "                                        or until STOPFILE exists; prints\n"
                "                                        ok=N eintr=N other=N max_ms=N [first=ERRNO]\n");
        exit(2);
}

static void report(long r)
{
        if (r == 0) {
                puts("ok");
        } else {
                const char *name = strerrorname_np(errno);

                if (name)
                        printf("errno=%s\n", name);
                else
                        printf("errno=%d\n", errno);
        }
        fflush(stdout);
        exit(0);
}

static mode_t parse_type(const char *s)
{
        if (strcmp(s, "c") == 0)
                return S_IFCHR;
        if (strcmp(s, "b") == 0)
                return S_IFBLK;
        if (strcmp(s, "p") == 0)
                return S_IFIFO;
        if (strcmp(s, "s") == 0)
                return S_IFSOCK;
        if (strcmp(s, "f") == 0)
                return S_IFREG;
        if (strcmp(s, "0") == 0)
                return 0;
        usage();
        return 0;
}

static dev_t parse_dev(const char *s)
{
        dev_t dev;

        if (parse_maj_min(s, &dev) < 0)
                usage();
        return dev;
}

/* "-" is a NULL pointer argument. */
static const char *nul(const char *s)
{
        return strcmp(s, "-") == 0 ? NULL : s;
}

static unsigned long parse_num(const char *s, int base)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, base);
        if (errno || end == s || *end)
                usage();
        return v;
}

/* After setfsuid() to a non-root id the kernel drops the fs capabilities from the
 * effective set (capabilities(7)); CAP_MKNOD alone comes back, so the call is that
 * of a user who may make nodes but may not override permissions. */
static void raise_mknod(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];

        if (syscall(SYS_capget, &h, d) < 0) {
                perror("sc-probe: capget");
                exit(2);
        }
        d[CAP_TO_INDEX(CAP_MKNOD)].effective |= CAP_TO_MASK(CAP_MKNOD);
        if (syscall(SYS_capset, &h, d) < 0) {
                perror("sc-probe: capset");
                exit(2);
        }
}

static void badpath(const char *kind)
{
        size_t pg = (size_t) getpagesize();
        mode_t mode = S_IFCHR | 0600;
        dev_t dev = makedev(1, 3);
        char *p = map_pages(3);

        if (strcmp(kind, "unmapped") == 0) {
                munmap(p, 3 * pg);
                report(syscall(SYS_mknod, p + 16, mode, dev));
        } else if (strcmp(kind, "nonul") == 0) {
                /* 8 KiB without a NUL, well past PATH_MAX, then a terminated page. */
                memset(p, 'a', 2 * pg);
                p[2 * pg] = '\0';
                report(syscall(SYS_mknod, p, mode, dev));
        } else if (strcmp(kind, "cliff") == 0) {
                /* 16 bytes without a NUL at the very end of the mapping. */
                munmap(p + pg, 2 * pg);
                memset(p + pg - 16, 'a', 16);
                report(syscall(SYS_mknod, p + pg - 16, mode, dev));
        }
        usage();
}

static void straddle(const char *path, mode_t mode, dev_t dev)
{
        char *s = straddled_copy(path);

        if (!s)
                usage();
        report(syscall(SYS_mknod, s, mode, dev));
}

struct swapper {
        char *buf;
        const char *to;
        unsigned ms;
};

static void *swap_later(void *arg)
{
        struct swapper *w = arg;

        usleep(w->ms * 1000);
        /* A caller rewriting its own argument while seccompd works on the call. */
        strcpy(w->buf, w->to);
        return NULL;
}

static void swap(const char *from, const char *to, unsigned ms, mode_t mode, dev_t dev)
{
        static char buf[PATH_MAX];
        struct swapper w = { .buf = buf, .to = to, .ms = ms };
        pthread_t t;

        if (strlen(from) >= sizeof(buf) || strlen(to) >= sizeof(buf))
                usage();
        strcpy(buf, from);
        if (pthread_create(&t, NULL, swap_later, &w) != 0)
                usage();
        report(syscall(SYS_mknod, buf, mode, dev));
}

static int parse_xattr_flags(int argc, char **argv)
{
        if (argc < 5)
                return 0;
        if (strcmp(argv[4], "create") == 0)
                return XATTR_CREATE;
        if (strcmp(argv[4], "replace") == 0)
                return XATTR_REPLACE;
        usage();
        return 0;
}

/* argv: OP PATH NAME VALUE [FLAGS]. */
static void set_xattr(int argc, char **argv)
{
        int flags = parse_xattr_flags(argc, argv), fd;
        size_t size = strlen(argv[3]);

        if (strcmp(argv[0], "setxattr") == 0)
                report(syscall(SYS_setxattr, argv[1], argv[2], argv[3], size, flags));
        if (strcmp(argv[0], "lsetxattr") == 0)
                report(syscall(SYS_lsetxattr, argv[1], argv[2], argv[3], size, flags));
        fd = open(argv[1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
                perror("sc-probe: open");
                exit(2);
        }
        report(syscall(SYS_fsetxattr, fd, argv[2], argv[3], size, flags));
}

static void print_sysinfo(bool null)
{
        struct sysinfo si;
        unsigned long long unit;

        memset(&si, 0, sizeof(si));
        if (syscall(SYS_sysinfo, null ? NULL : &si) < 0)
                report(-1);
        unit = si.mem_unit ? si.mem_unit : 1;
        printf("totalram=%llu freeram=%llu procs=%u uptime=%ld\n", (unsigned long long) si.totalram * unit,
               (unsigned long long) si.freeram * unit, (unsigned) si.procs, (long) si.uptime);
        fflush(stdout);
        exit(0);
}

static int parse_open_flags(const char *s)
{
        static const struct {
                const char *name;
                int value;
        } names[] = {
                { "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY },   { "O_RDWR", O_RDWR },
                { "O_CREAT", O_CREAT },   { "O_EXCL", O_EXCL },       { "O_TRUNC", O_TRUNC },
                { "O_APPEND", O_APPEND }, { "O_CLOEXEC", O_CLOEXEC }, { "O_NOFOLLOW", O_NOFOLLOW },
                { "O_PATH", O_PATH },     { "O_DIRECTORY", O_DIRECTORY }, { "O_NONBLOCK", O_NONBLOCK },
        };
        int flags = 0;

        while (*s) {
                size_t n = strcspn(s, "|"), i;

                for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                        if (strlen(names[i].name) == n && strncmp(names[i].name, s, n) == 0)
                                break;
                if (i == sizeof(names) / sizeof(names[0]))
                        usage();
                flags |= names[i].value;
                s += n + (s[n] == '|');
        }
        return flags;
}

/* One ACTION on the opened fd, printed as " read=..." and so on. */
static void fd_action(int fd, const char *a)
{
        char buf[256];
        ssize_t n;
        long r;

        if (strcmp(a, "read") == 0) {
                n = read(fd, buf, sizeof(buf) - 1);
                if (n < 0) {
                        printf(" read=errno=%s", errno_name(errno));
                } else {
                        /* The first line: one line of output per call. */
                        buf[n] = '\0';
                        buf[strcspn(buf, "\n")] = '\0';
                        printf(" read=%s", buf);
                }
        } else if (strncmp(a, "write:", 6) == 0) {
                n = write(fd, a + 6, strlen(a + 6));
                if (n < 0)
                        printf(" wrote=errno=%s", errno_name(errno));
                else
                        printf(" wrote=%zd", n);
        } else if (strcmp(a, "loopfree") == 0) {
                r = ioctl(fd, LOOP_CTL_GET_FREE);
                if (r < 0)
                        printf(" loopfree=errno=%s", errno_name(errno));
                else
                        printf(" loopfree=%ld", r);
        } else
                usage();
}

static void open_file(int argc, char **argv)
{
        int fd, fl;

        fd = (int) syscall(SYS_openat, AT_FDCWD, argv[1], parse_open_flags(argv[2]), 0600);
        if (fd < 0)
                report(-1);
        fl = fcntl(fd, F_GETFD);
        printf("ok fd=%d cloexec=%d", fd, fl >= 0 && (fl & FD_CLOEXEC) ? 1 : 0);
        for (int i = 3; i < argc; i++)
                fd_action(fd, argv[i]);
        putchar('\n');
        fflush(stdout);
        exit(0);
}

/* Children that die (SIGKILL) while seccompd holds their trapped open. */
static void open_kill(unsigned long n, const char *path, unsigned long us)
{
        unsigned long killed = 0, exited = 0;

        for (unsigned long i = 0; i < n; i++) {
                int status;
                pid_t pid = fork();

                if (pid < 0) {
                        perror("sc-probe: fork");
                        exit(2);
                }
                if (pid == 0)
                        _exit(syscall(SYS_openat, AT_FDCWD, path, O_RDONLY) < 0 ? 1 : 0);
                usleep((useconds_t) us);
                kill(pid, SIGKILL);
                if (waitpid(pid, &status, 0) != pid) {
                        perror("sc-probe: waitpid");
                        exit(2);
                }
                if (WIFSIGNALED(status))
                        killed++;
                else
                        exited++;
        }
        printf("killed=%lu exited=%lu\n", killed, exited);
        fflush(stdout);
        exit(0);
}

_Noreturn static void run_op(int argc, char **argv);

struct op_args {
        int argc;
        char **argv;
};

static void *op_thread(void *p)
{
        const struct op_args *a = p;

        run_op(a->argc, a->argv);
}

/* Runs the op in a second thread: the trapped call then comes from a thread
 * that is not the thread group leader (its tid is not a process's pid). */
_Noreturn static void in_thread(int argc, char **argv)
{
        struct op_args a = { .argc = argc, .argv = argv };
        pthread_t t;

        if (pthread_create(&t, NULL, op_thread, &a) != 0) {
                fprintf(stderr, "sc-probe: pthread_create failed\n");
                exit(2);
        }
        pthread_join(t, NULL);
        exit(2); /* the op exits the process itself */
}

int main(int argc, char **argv)
{
        int i = 1, uid = -1, gid = -1;

        for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (strcmp(argv[i], "--umask") == 0)
                        umask((mode_t) parse_num(argv[i + 1], 8));
                else if (strcmp(argv[i], "--chdir") == 0) {
                        if (chdir(argv[i + 1]) < 0) {
                                perror("sc-probe: chdir");
                                return 2;
                        }
                } else if (strcmp(argv[i], "--fsuid") == 0)
                        uid = (int) parse_num(argv[i + 1], 10);
                else if (strcmp(argv[i], "--fsgid") == 0)
                        gid = (int) parse_num(argv[i + 1], 10);
                else
                        usage();
        }
        /* setfsuid() returns the previous id and cannot report failure directly. */
        if (gid >= 0 && (setfsgid((gid_t) gid), setfsgid((gid_t) -1)) != gid) {
                fprintf(stderr, "sc-probe: setfsgid %d failed\n", gid);
                return 2;
        }
        if (uid >= 0) {
                if ((setfsuid((uid_t) uid), setfsuid((uid_t) -1)) != uid) {
                        fprintf(stderr, "sc-probe: setfsuid %d failed\n", uid);
                        return 2;
                }
                raise_mknod();
        }
        if (i >= argc)
                usage();

        run_op(argc - i, argv + i);
}

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Emulated mknod in a loop (a restart test's load): counts successes, EINTR
 * (a call the restart could not run again) and anything else, and the slowest call. */
static void hammer(const char *dir, uint64_t ms, const char *stop)
{
        unsigned long ok = 0, eintr = 0, other = 0, i = 0;
        uint64_t end = mono_ms() + ms, slowest = 0;
        int first = 0;
        char path[PATH_MAX];

        while (mono_ms() < end && (!stop || access(stop, F_OK) < 0)) {
                uint64_t t0 = mono_ms();
                long r;

                snprintf(path, sizeof(path), "%s/h-%d-%lu", dir, (int) getpid(), i++);
                r = syscall(SYS_mknod, path, S_IFCHR | 0600, makedev(1, 3));
                if (mono_ms() - t0 > slowest)
                        slowest = mono_ms() - t0;
                if (r == 0) {
                        ok++;
                        unlink(path);
                } else if (errno == EINTR)
                        eintr++;
                else {
                        other++;
                        if (!first)
                                first = errno;
                }
        }
        printf("ok=%lu eintr=%lu other=%lu max_ms=%llu", ok, eintr, other, (unsigned long long) slowest);
        if (first)
                printf(" first=%s", errno_name(first));
        putchar('\n');
        fflush(stdout);
        exit(0);
}

/* The ops, run by main or by the thread of "thread OP ...". Each exits. */
static void run_op(int argc, char **argv)
{
        if (strcmp(argv[0], "thread") == 0 && argc >= 2)
                in_thread(argc - 1, argv + 1);
        if (strcmp(argv[0], "mount") == 0 && argc == 6)
                report(syscall(SYS_mount, nul(argv[1]), argv[2], nul(argv[3]), parse_num(argv[4], 0), nul(argv[5])));
        if (strcmp(argv[0], "umount2") == 0 && argc == 3)
                report(syscall(SYS_umount2, argv[1], (int) parse_num(argv[2], 0)));
        if (strcmp(argv[0], "mknod") == 0 && argc == 5)
                report(syscall(SYS_mknod, argv[1], parse_type(argv[2]) | parse_num(argv[4], 8), parse_dev(argv[3])));
        if (strcmp(argv[0], "mknodat") == 0 && argc == 6) {
                int dfd = AT_FDCWD;

                if (strncmp(argv[1], "fd:", 3) == 0) {
                        dfd = (int) parse_num(argv[1] + 3, 10);
                } else if (strcmp(argv[1], "-") != 0) {
                        dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd < 0) {
                                perror("sc-probe: open dir");
                                exit(2);
                        }
                }
                report(syscall(SYS_mknodat, dfd, argv[2], parse_type(argv[3]) | parse_num(argv[5], 8),
                               parse_dev(argv[4])));
        }
        if (strcmp(argv[0], "straddle") == 0 && argc == 5)
                straddle(argv[1], parse_type(argv[2]) | (mode_t) parse_num(argv[4], 8), parse_dev(argv[3]));
        if (strcmp(argv[0], "swap") == 0 && argc == 7)
                swap(argv[1], argv[2], (unsigned) parse_num(argv[3], 10),
                     parse_type(argv[4]) | (mode_t) parse_num(argv[6], 8), parse_dev(argv[5]));
        if (strcmp(argv[0], "badpath") == 0 && argc == 2)
                badpath(argv[1]);
        if ((strcmp(argv[0], "setxattr") == 0 || strcmp(argv[0], "lsetxattr") == 0 ||
             strcmp(argv[0], "fsetxattr") == 0) &&
            (argc == 4 || argc == 5))
                set_xattr(argc, argv);
        if (strcmp(argv[0], "sysinfo") == 0 && (argc == 1 || (argc == 2 && strcmp(argv[1], "null") == 0)))
                print_sysinfo(argc == 2);
        if (strcmp(argv[0], "open") == 0 && argc >= 3)
                open_file(argc, argv);
        if (strcmp(argv[0], "hammer") == 0 && (argc == 3 || argc == 4))
                hammer(argv[1], parse_num(argv[2], 10), argc == 4 ? argv[3] : NULL);
        if (strcmp(argv[0], "openkill") == 0 && argc == 4)
                open_kill(parse_num(argv[1], 10), argv[2], parse_num(argv[3], 10));
        usage();
}
