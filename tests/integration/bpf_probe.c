/* sc-bpf: makes the bpf(2) calls a container engine makes for device-cgroup programs
 * (BPF_PROG_LOAD of BPF_PROG_TYPE_CGROUP_DEVICE, PROG_ATTACH/DETACH/QUERY on a cgroup2
 * dir), and malformed ones, and prints one line per op: "ok ..." or "errno=NAME" (exit 0);
 * usage errors exit 2. Static, raw syscalls and hand-assembled programs: no libbpf. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe_util.h"

#define LOG_SIZE (64 * 1024)
#define MILLION 1000000u

/* The first byte past core_relo_rec_size, the last PROG_LOAD field this header (Debian 12:
 * linux-libc-dev 6.1) knows, still inside its 144-byte union. Kernels since 6.4 read
 * log_true_size there (an output: its input is ignored). */
#define PROG_LOAD_END (offsetof(union bpf_attr, core_relo_rec_size) + sizeof(__u32))
_Static_assert(PROG_LOAD_END < sizeof(union bpf_attr), "no byte past PROG_LOAD's last field");

static void usage(void)
{
        fprintf(stderr,
                "Usage: sc-bpf OP ...\n"
                "  load [--log]                   a CGROUP_DEVICE program denying char 1:3: ok fd=N cloexec=0|1\n"
                "                                 (--log: log level 1, 64 KiB buffer, then log=LINE1 log_bytes=N)\n"
                "  attach CGDIR MAJ MIN [--flags multi|none|override|replace] [--detach]\n"
                "                                 attach a program denying char MAJ:MIN to CGDIR\n"
                "                                 (replace: attach A, then replace it by an allow-all B)\n"
                "  detach CGDIR MAJ MIN           detach a program denying char MAJ:MIN that was never\n"
                "                                 attached: load=ok detach=ok|errno=NAME\n"
                "  detach-fd CGDIR FD             detach the program at FD: detach=ok|errno=NAME\n"
                "  replace-fd CGDIR FD            replace the program at FD by an allow-all one:\n"
                "                                 load=ok replace=ok|errno=NAME\n"
                "  pass CGDIR MAJ MIN CMD...      attach (multi) a program denying char MAJ:MIN, print\n"
                "                                 load=ok attach=ok, exec CMD with the program at fd 3\n"
                "  query CGDIR [--effective]      ok count=N flags=0xF ids=ID,...\n"
                "  hold CGDIR MAJ MIN SECONDS [--detach]\n"
                "                                 attach (multi), print attached, sleep (SIGTERM ends it);\n"
                "                                 --detach: then detach, and print detach=ok|errno=NAME\n"
                "  open PATH                      open(PATH, O_RDONLY): ok or errno=NAME\n"
                "  garbage KIND                   a malformed PROG_LOAD: ok or errno=NAME; KIND is one of\n"
                "                                 size-page tail tail-zero tail-far attr-unmapped\n"
                "                                 insns-unmapped license-unmapped zero-insns million bad-type\n"
                "                                 log-small log-unmapped cmd-tail map-fd short-size, or\n"
                "                                 attach-tail (a malformed PROG_ATTACH)\n");
        exit(2);
}

/* Prints ok or errno=NAME for a raw syscall result, and exits 0: the op ran. */
static void report(long r)
{
        if (r < 0)
                printf("errno=%s\n", errno_name(errno));
        else
                puts("ok");
        fflush(stdout);
        exit(0);
}

static long sys_bpf(int cmd, void *attr, unsigned long size)
{
        return syscall(SYS_bpf, cmd, attr, size);
}

static uint64_t ptr(const void *p)
{
        return (uint64_t) (uintptr_t) p;
}

/* A page that was mapped and is not any more. */
static void *unmapped_page(void)
{
        void *p = map_pages(1);

        munmap(p, (size_t) getpagesize());
        return p;
}

static unsigned parse_uint(const char *s)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > INT32_MAX)
                usage();
        return (unsigned) v;
}

/* ------------------------------------------------------------------ programs */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define AND_K(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define MOV_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JNE_K(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define DENY_LEN 11

/* Denies every access to char MAJ:MIN, allows everything else. The context is struct
 * bpf_cgroup_dev_ctx: access_type = access << 16 | type, then major, minor. */
static void prog_deny(struct bpf_insn insns[DENY_LEN], unsigned maj, unsigned min)
{
        const struct bpf_insn p[DENY_LEN] = {
                LDX_W(BPF_REG_2, BPF_REG_1, 0),
                AND_K(BPF_REG_2, 0xffff),
                JNE_K(BPF_REG_2, BPF_DEVCG_DEV_CHAR, 6),
                LDX_W(BPF_REG_2, BPF_REG_1, 4),
                JNE_K(BPF_REG_2, (int) maj, 4),
                LDX_W(BPF_REG_2, BPF_REG_1, 8),
                JNE_K(BPF_REG_2, (int) min, 2),
                MOV_K(BPF_REG_0, 0),
                EXIT(),
                MOV_K(BPF_REG_0, 1),
                EXIT(),
        };

        memcpy(insns, p, sizeof(p));
}

static const struct bpf_insn prog_allow[] = { MOV_K(BPF_REG_0, 1), EXIT() };

static const char license[] = "GPL";

static void attr_load(union bpf_attr *a, const struct bpf_insn *insns, unsigned cnt)
{
        memset(a, 0, sizeof(*a));
        a->prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a->insn_cnt = cnt;
        a->insns = ptr(insns);
        a->license = ptr(license);
}

/* Returns the program's fd, or -errno. */
static int load(const struct bpf_insn *insns, unsigned cnt, char *log, unsigned log_size)
{
        union bpf_attr a;
        int fd;

        attr_load(&a, insns, cnt);
        if (log) {
                a.log_level = 1;
                a.log_buf = ptr(log);
                a.log_size = log_size;
        }
        fd = (int) sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
        return fd < 0 ? -errno : fd;
}

static int load_deny(unsigned maj, unsigned min)
{
        struct bpf_insn insns[DENY_LEN];

        prog_deny(insns, maj, min);
        return load(insns, DENY_LEN, NULL, 0);
}

/* -------------------------------------------------------------------- ops */

static void op_load(bool with_log)
{
        static char log[LOG_SIZE];
        struct bpf_insn insns[DENY_LEN];
        int fd, fl;

        prog_deny(insns, 1, 3);
        fd = load(insns, DENY_LEN, with_log ? log : NULL, sizeof(log));
        if (fd < 0) {
                printf("errno=%s\n", errno_name(-fd));
        } else {
                fl = fcntl(fd, F_GETFD);
                printf("ok fd=%d cloexec=%d\n", fd, fl >= 0 && (fl & FD_CLOEXEC) ? 1 : 0);
        }
        if (with_log)
                /* The buffer started zeroed: whatever is in it, the kernel (or seccompd) wrote. */
                printf("log=%.*s log_bytes=%zu\n", (int) strcspn(log, "\n"), log, strnlen(log, sizeof(log)));
        fflush(stdout);
        exit(0);
}

static int open_cgroup(const char *dir)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/* Returns 0 or -errno. */
static int prog_attach(int cg, int prog, unsigned flags, int replace)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.target_fd = (__u32) cg;
        a.attach_bpf_fd = (__u32) prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = flags;
        a.replace_bpf_fd = (__u32) replace;
        return sys_bpf(BPF_PROG_ATTACH, &a, sizeof(a)) < 0 ? -errno : 0;
}

static int prog_detach(int cg, int prog)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.target_fd = (__u32) cg;
        a.attach_bpf_fd = (__u32) prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        return sys_bpf(BPF_PROG_DETACH, &a, sizeof(a)) < 0 ? -errno : 0;
}

/* Prints " STEP=ok" or " STEP=errno=NAME" (no space before the first); returns r >= 0. */
static bool step(const char *name, int r, bool first)
{
        printf("%s%s=", first ? "" : " ", name);
        if (r < 0)
                printf("errno=%s", errno_name(-r));
        else
                printf("ok");
        return r >= 0;
}

static void done(void)
{
        putchar('\n');
        fflush(stdout);
        exit(0);
}

/* Reports the load of |prog| and opens the cgroup |dir|; ends the line at the
 * first failure. */
static int loaded_then_open(int prog, const char *dir)
{
        int cg;

        if (!step("load", prog, true))
                done();
        cg = open_cgroup(dir);
        if (cg < 0 && !step("open", cg, false))
                done();
        return cg;
}

/* argv: CGDIR MAJ MIN [--flags multi|none|override|replace] [--detach] */
static void op_attach(int argc, char **argv)
{
        unsigned maj, min, flags = BPF_F_ALLOW_MULTI;
        bool replace = false, detach = false;
        int i, cg, a, b, attached;

        if (argc < 3)
                usage();
        maj = parse_uint(argv[1]);
        min = parse_uint(argv[2]);
        for (i = 3; i < argc; i++) {
                if (strcmp(argv[i], "--detach") == 0) {
                        detach = true;
                } else if (strcmp(argv[i], "--flags") == 0 && i + 1 < argc) {
                        const char *f = argv[++i];

                        if (strcmp(f, "multi") == 0)
                                flags = BPF_F_ALLOW_MULTI;
                        else if (strcmp(f, "none") == 0)
                                flags = 0;
                        else if (strcmp(f, "override") == 0)
                                flags = BPF_F_ALLOW_OVERRIDE;
                        else if (strcmp(f, "replace") == 0)
                                replace = true;
                        else
                                usage();
                } else {
                        usage();
                }
        }

        a = load_deny(maj, min);
        cg = loaded_then_open(a, argv[0]);
        if (!step("attach", prog_attach(cg, a, flags, 0), false))
                done();
        attached = a;
        if (replace) {
                b = load(prog_allow, 2, NULL, 0);
                if (!step("load2", b, false))
                        done();
                if (!step("replace", prog_attach(cg, b, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, a), false))
                        done();
                attached = b;
        }
        if (detach)
                step("detach", prog_detach(cg, attached), false);
        done();
}

/* argv: CGDIR MAJ MIN. A detach of a program that was never attached there. */
static void op_detach(char **argv)
{
        int prog = load_deny(parse_uint(argv[1]), parse_uint(argv[2])), cg;

        cg = loaded_then_open(prog, argv[0]);
        step("detach", prog_detach(cg, prog), false);
        done();
}

/* argv: CGDIR FD. A detach naming a program fd the caller was given (pass). */
static void op_detach_fd(char **argv)
{
        int cg = open_cgroup(argv[0]);

        if (cg < 0 && !step("open", cg, true))
                done();
        step("detach", prog_detach(cg, (int) parse_uint(argv[1])), true);
        done();
}

/* argv: CGDIR FD. Replaces the program at FD by an allow-all one (multi|replace). */
static void op_replace_fd(char **argv)
{
        int b = load(prog_allow, 2, NULL, 0), cg;

        cg = loaded_then_open(b, argv[0]);
        step("replace", prog_attach(cg, b, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, (int) parse_uint(argv[1])), false);
        done();
}

/* argv: CGDIR MAJ MIN CMD... Attaches (multi), then execs CMD with the program at fd 3,
 * not close-on-exec: how a test hands a program it attached to another process. */
static void op_pass(char **argv)
{
        int prog = load_deny(parse_uint(argv[1]), parse_uint(argv[2])), cg;

        cg = loaded_then_open(prog, argv[0]);
        if (!step("attach", prog_attach(cg, prog, BPF_F_ALLOW_MULTI, 0), false))
                done();
        putchar('\n');
        fflush(stdout);
        /* dup2() onto itself would leave FD_CLOEXEC set. */
        if (prog == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(prog, 3) < 0) {
                perror("sc-bpf: dup2");
                exit(2);
        }
        execvp(argv[3], argv + 3);
        perror("sc-bpf: exec");
        exit(2);
}

static void on_term(int sig)
{
        (void) sig; /* only there to cut the sleep short */
}

/* argv: CGDIR MAJ MIN SECONDS [--detach]. SIGTERM ends the sleep early. */
static void op_hold(int argc, char **argv)
{
        struct sigaction sa = { .sa_handler = on_term };
        unsigned maj, min, secs;
        int prog, cg, r;

        if (argc == 5 && strcmp(argv[4], "--detach") != 0)
                usage();
        maj = parse_uint(argv[1]);
        min = parse_uint(argv[2]);
        secs = parse_uint(argv[3]);
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);

        /* Nothing printed before it works: "attached", or the failed step alone. */
        prog = load_deny(maj, min);
        if (prog < 0 && !step("load", prog, true))
                done();
        cg = open_cgroup(argv[0]);
        if (cg < 0 && !step("open", cg, true))
                done();
        r = prog_attach(cg, prog, BPF_F_ALLOW_MULTI, 0);
        if (r < 0 && !step("attach", r, true))
                done();
        puts("attached");
        fflush(stdout);
        sleep(secs);
        if (argc == 5) {
                step("detach", prog_detach(cg, prog), true);
                done();
        }
        exit(0);
}

/* Returns the count, or -errno; fills ids (up to cap) and ret_flags when ids is given. */
static int query(int cg, bool effective, __u32 *ids, unsigned cap, unsigned *ret_flags)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.query.target_fd = (__u32) cg;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.query_flags = effective ? BPF_F_QUERY_EFFECTIVE : 0;
        a.query.prog_ids = ptr(ids);
        a.query.prog_cnt = ids ? cap : 0;
        if (sys_bpf(BPF_PROG_QUERY, &a, sizeof(a)) < 0)
                return -errno;
        if (ret_flags)
                *ret_flags = a.query.attach_flags;
        return (int) a.query.prog_cnt;
}

static void op_query(const char *dir, bool effective)
{
        __u32 ids[64];
        unsigned flags = 0;
        int cg, n, n0, i;

        cg = open_cgroup(dir);
        if (cg < 0) {
                printf("open=errno=%s", errno_name(-cg));
                done();
        }
        n = query(cg, effective, ids, 64, &flags);
        if (n < 0) {
                printf("errno=%s", errno_name(-n));
                done();
        }
        /* The count alone: prog_cnt 0 and a NULL buffer. */
        n0 = query(cg, effective, NULL, 0, NULL);
        if (n0 != n) {
                printf("count-mismatch count=%d count_only=%d%s%s", n, n0 < 0 ? -1 : n0,
                       n0 < 0 ? " errno=" : "", n0 < 0 ? errno_name(-n0) : "");
                done();
        }
        printf("ok count=%d flags=0x%x ids=", n, flags);
        for (i = 0; i < n && i < 64; i++)
                printf("%s%u", i ? "," : "", ids[i]);
        done();
}

/* ---------------------------------------------------------------- garbage */

/* Loads the deny program from an attr at the start of two zeroed pages, size bytes of
 * which go to the kernel, with byte bad_byte (if not 0) set to 1. */
static long load_page(unsigned long size, size_t bad_byte, const struct bpf_insn *insns)
{
        unsigned char *page = map_pages(2);

        attr_load((union bpf_attr *) page, insns, DENY_LEN);
        if (bad_byte)
                page[bad_byte] = 1;
        return sys_bpf(BPF_PROG_LOAD, page, size);
}

/* A PROG_ATTACH with a non-zero byte far past its last field (replace_bpf_fd here,
 * expected_revision in 6.18) but inside the union: the kernel checks that before the fds. */
static long attach_tail(void)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.target_fd = (__u32) -1;
        a.attach_bpf_fd = (__u32) -1;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        ((unsigned char *) &a)[64] = 1;
        return sys_bpf(BPF_PROG_ATTACH, &a, sizeof(a));
}

/* insn_cnt MILLION: mov r0, 1 until the last, exit. */
static long load_million(void)
{
        size_t bytes = MILLION * sizeof(struct bpf_insn);
        struct bpf_insn *p = map_pages((bytes + (size_t) getpagesize() - 1) / (size_t) getpagesize());
        union bpf_attr a;
        unsigned i;

        for (i = 0; i + 1 < MILLION; i++)
                p[i] = MOV_K(BPF_REG_0, 1);
        p[MILLION - 1] = EXIT();
        attr_load(&a, p, MILLION);
        return sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

/* One malformed call; prints what it got. Offsets are this header's (a 144-byte union);
 * 6.18's union is 168 bytes, and PROG_LOAD's fields fill it: log_true_size at 140,
 * prog_token_fd at 144, fd_array_cnt at 148 (so "tail" sets its high byte), signature... */
static void op_garbage(const char *kind)
{
        unsigned long pg = (unsigned long) getpagesize();
        struct bpf_insn insns[DENY_LEN];
        union bpf_attr a;
        char log[LOG_SIZE];

        prog_deny(insns, 1, 3);
        attr_load(&a, insns, DENY_LEN);

        if (strcmp(kind, "size-page") == 0)
                report(load_page(pg + 8, 0, insns));
        if (strcmp(kind, "tail") == 0)
                report(load_page(sizeof(a) + 8, sizeof(a) + 7, insns));
        if (strcmp(kind, "tail-zero") == 0)
                report(load_page(sizeof(a) + 8, 0, insns));
        if (strcmp(kind, "tail-far") == 0)
                report(load_page(pg, pg - 1, insns));
        if (strcmp(kind, "attach-tail") == 0)
                report(attach_tail());
        if (strcmp(kind, "cmd-tail") == 0)
                report(load_page(sizeof(a), PROG_LOAD_END, insns));
        if (strcmp(kind, "attr-unmapped") == 0)
                report(sys_bpf(BPF_PROG_LOAD, unmapped_page(), sizeof(a)));
        if (strcmp(kind, "insns-unmapped") == 0) {
                a.insns = ptr(unmapped_page());
        } else if (strcmp(kind, "license-unmapped") == 0) {
                a.license = ptr(unmapped_page());
        } else if (strcmp(kind, "zero-insns") == 0) {
                a.insn_cnt = 0;
        } else if (strcmp(kind, "million") == 0) {
                report(load_million());
        } else if (strcmp(kind, "bad-type") == 0) {
                a.prog_type = BPF_PROG_TYPE_KPROBE;
                a.insns = ptr(prog_allow);
                a.insn_cnt = 2;
        } else if (strcmp(kind, "log-small") == 0) {
                a.log_level = 1;
                a.log_buf = ptr(log);
                a.log_size = 10;
        } else if (strcmp(kind, "log-unmapped") == 0) {
                a.log_level = 1;
                a.log_buf = ptr(unmapped_page());
                a.log_size = LOG_SIZE;
        } else if (strcmp(kind, "map-fd") == 0) {
                /* ld_imm64 r1, map fd 0; r0 = 1; exit */
                static const struct bpf_insn p[] = {
                        INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, 0),
                        INSN(0, 0, 0, 0, 0),
                        MOV_K(BPF_REG_0, 1),
                        EXIT(),
                };

                a.insns = ptr(p);
                a.insn_cnt = 4;
        } else if (strcmp(kind, "short-size") == 0) {
                /* Only prog_type and insn_cnt reach the kernel. */
                report(sys_bpf(BPF_PROG_LOAD, &a, 8));
        } else {
                usage();
        }
        report(sys_bpf(BPF_PROG_LOAD, &a, sizeof(a)));
}

int main(int argc, char **argv)
{
        if (argc < 2)
                usage();
        argv++;
        argc--;
        if (strcmp(argv[0], "load") == 0 && (argc == 1 || (argc == 2 && strcmp(argv[1], "--log") == 0)))
                op_load(argc == 2);
        if (strcmp(argv[0], "attach") == 0)
                op_attach(argc - 1, argv + 1);
        if (strcmp(argv[0], "query") == 0 && (argc == 2 || (argc == 3 && strcmp(argv[2], "--effective") == 0)))
                op_query(argv[1], argc == 3);
        if (strcmp(argv[0], "detach") == 0 && argc == 4)
                op_detach(argv + 1);
        if (strcmp(argv[0], "detach-fd") == 0 && argc == 3)
                op_detach_fd(argv + 1);
        if (strcmp(argv[0], "replace-fd") == 0 && argc == 3)
                op_replace_fd(argv + 1);
        if (strcmp(argv[0], "pass") == 0 && argc >= 5)
                op_pass(argv + 1);
        if (strcmp(argv[0], "hold") == 0 && (argc == 5 || argc == 6))
                op_hold(argc - 1, argv + 1);
        if (strcmp(argv[0], "open") == 0 && argc == 2) {
                int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

                report(fd);
        }
        if (strcmp(argv[0], "garbage") == 0 && argc == 2)
                op_garbage(argv[1]);
        usage();
}
