/* The median of a benchmark's samples. */
#pragma once

#include <stddef.h>

/* Sorts |v| (n > 0 values) in place and returns its median. */
double bench_median(double *v, size_t n);
