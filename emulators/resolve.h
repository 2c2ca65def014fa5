/* Resolving a caller-supplied path inside a container root, never outside it.
 * Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Joins |base| (the caller's cwd or dirfd path, "/"-based, inside the root) with
 * |path| (absolute paths ignore base), splits off the last component, and opens
 * the parent directory inside |root_fd| with O_PATH|O_DIRECTORY|O_CLOEXEC.
 * The last component is copied to ret_name (size bytes) unresolved: it may name a
 * symlink, "." or "..", which the caller turns into the errno the kernel would give.
 * Returns the parent fd, or -ENOENT (empty path or missing parent), -ENOTDIR,
 * -ENAMETOOLONG (joined path >= PATH_MAX or last component > NAME_MAX), -ELOOP,
 * -EACCES, other -errno from openat2. */
int resolve_parent_in_root(int root_fd, const char *base, const char *path, char *ret_name, size_t size);

/* Opens |path| (joined to |base| as above) inside |root_fd| with O_PATH|O_CLOEXEC,
 * following symlinks (which stay inside the root too) unless !follow, where a
 * final symlink is opened itself. Returns the fd, or -ENOENT (empty path, or
 * missing), -ENOTDIR, -ENAMETOOLONG (joined path >= PATH_MAX), -ELOOP (a magic
 * link, or too many symlinks), -EACCES, other -errno from openat2. */
int resolve_in_root(int root_fd, const char *base, const char *path, bool follow);
