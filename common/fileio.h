/* Reading whole small files (configuration, policies) with a size bound. */
#pragma once

#include <stddef.h>

/* Reads |path| (relative to |dirfd|, or AT_FDCWD) into a NUL-terminated buffer
 * of at most |max| bytes. 0, -EFBIG when larger, -errno from open/read. */
int read_file_bounded(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* The same from an open |fd| (a pipe: stdin), read to EOF. 0, -EFBIG, -errno. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len);
