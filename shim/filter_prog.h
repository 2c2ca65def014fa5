/* A policy's filter plan as the classic BPF program seccomp(2) takes, built with
 * libseccomp (compat arches included, as seccompctl policy filter --format bpf
 * prints it). The shim installs it with seccomp(2) itself: libseccomp 2.5 cannot
 * ask for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV. */
#pragma once

#include <linux/filter.h>

struct filter_plan;

/* Fills *ret with the program (ret->filter malloc'd; free with filter_prog_done).
 * 0, -ENOMEM, -E2BIG (longer than the kernel takes), or libseccomp's / the
 * memfd's -errno. Does not log. */
int filter_prog_build(const struct filter_plan *plan, struct sock_fprog *ret);

/* Frees the instructions; safe on a zeroed program. */
void filter_prog_done(struct sock_fprog *prog);
