/* Numbers in text the kernel writes (procfs, cgroup files). */
#pragma once

#include <stdint.h>

/* At least one decimal digit, without overflow: the value in *ret and *p past
 * the digits. 0, or -EIO (what a malformed kernel file is) with *p unmoved. */
int number_scan_u64(const char **p, uint64_t *ret);
