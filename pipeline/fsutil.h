#ifndef FSUTIL_H
#define FSUTIL_H
/*
 * Filesystem helpers every stage shares: durable renames (redis rdbSave:
 * temp in the same directory, fsync, rename, fsync of the directory), a
 * directory tree maker, the run lock (git lockfile.h, but with flock so a
 * crashed run never leaves a stale lock), and an atomic symlink swap for
 * the "current" pointers in the state directory.
 */
#include "cc.h"

#include <sys/types.h>

/* read(2), retried on EINTR: bytes read, 0 at the end, -1 with errno. */
ssize_t fs_read(int fd, void *buf, size_t n);
/* rename(from, to), then fsync the directory of `to`. */
enum cc_code fs_rename_durable(const char *from, const char *to,
			       struct cc_err *err);
/* mkdir -p; existing directories are fine. */
enum cc_code fs_mkdirs(const char *path, struct cc_err *err);
/*
 * Takes an exclusive, non-blocking lock on `path` (created if missing) and
 * writes our pid into it. CC_ELOCKED when another process holds it; *fd
 * keeps the lock until fs_unlock.
 */
enum cc_code fs_lock(const char *path, int *fd, struct cc_err *err);
void fs_unlock(int fd);
/* Points symlink `link` at `target` atomically (temp link + rename). */
enum cc_code fs_symlink_swap(const char *target, const char *link,
			     struct cc_err *err);

#endif
