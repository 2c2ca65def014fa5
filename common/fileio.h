/* Reading whole small files (configuration, policies) with a size bound. */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads |path| (relative to |dirfd|, or AT_FDCWD) into a NUL-terminated buffer
 * of at most |max| bytes. 0, -EFBIG when larger, -errno from open/read. */
int read_file_bounded(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* The same from an open |fd| (a pipe: stdin), read to EOF. 0, -EFBIG, -errno. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len);

/* readlinkat() of |name| into |buf|, NUL-terminated: its length, -ENAMETOOLONG
 * when it does not fit, or -errno. */
int read_link_at(int dirfd, const char *name, char *buf, size_t size);

/* Opens directory |path| under |dirfd| for readdir(). 0 and *ret (closedir()
 * it), or -errno. */
int opendir_at(int dirfd, const char *path, DIR **ret);

/* mkdir -p |path| with |mode| for each directory it creates. 0 or -errno. */
int mkdir_parents(const char *path, mode_t mode);
