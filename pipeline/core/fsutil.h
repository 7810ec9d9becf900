#ifndef FSUTIL_H
#define FSUTIL_H
/*
 * Filesystem helpers every stage shares: durable renames (redis rdbSave:
 * temp in the same directory, fsync, rename, fsync of the directory), a
 * directory tree maker, the run lock (git lockfile.h, but with flock so a
 * crashed run never leaves a stale lock), and an atomic symlink swap for
 * the "current" pointers in the state directory.
 */
#include "pipeline/core/cc.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* read(2), retried on EINTR: bytes read, 0 at the end, -1 with errno. */
ssize_t fs_read(int fd, void *buf, size_t n);
/*
 * Opens an existing file for reading and insists that it is a regular
 * file: a FIFO or a device would block open() or read() forever, and a
 * directory reads as an error far from its cause. O_NONBLOCK on the open
 * (so a FIFO cannot block it), cleared after. The fd, or -1 with `err`
 * naming `what` ("config", "offer file") and the path.
 */
int fs_open_regular(const char *path, const char *what, struct cc_err *err);
/*
 * A whole regular file into `out` (reset first), at most `max` bytes:
 * CC_ENOMEM naming the file past that, however large it says it is.
 */
struct buf;
enum cc_code fs_read_file(const char *path, const char *what, size_t max, struct buf *out,
			  struct cc_err *err);
/*
 * The same as a stdio stream ("rb"); NULL with `err` filled. errno is
 * ENOENT when the file does not exist (for optional files).
 */
FILE *fs_fopen_regular(const char *path, const char *what, struct cc_err *err);
/*
 * 0 when `path` may be replaced by a rename: it does not exist, or is a
 * regular file (not a symlink, device, FIFO or directory); else -1 with
 * `err` saying what is there.
 */
int fs_replaceable(const char *path, struct cc_err *err);
/* rename(from, to), then fsync the directory of `to`. */
enum cc_code fs_rename_durable(const char *from, const char *to,
			       struct cc_err *err);
/*
 * Writes `len` bytes to `path` atomically: a temp file beside it (removed
 * if the process is killed, fs_temp_add), fsync, rename, fsync of the
 * directory. On failure `path` is as it was and the temp file is gone.
 */
enum cc_code fs_write_atomic(const char *path, const void *data, size_t len, struct cc_err *err);
/*
 * For a file a library wrote and did not sync (libharu, libxlsxwriter):
 * fsync `from`, then fs_rename_durable(from, to). On failure `from` is
 * removed. *size (when not NULL) is its size.
 */
enum cc_code fs_sync_rename(const char *from, const char *to, uint64_t *size, struct cc_err *err);
/* mkdir -p; existing directories are fine. */
enum cc_code fs_mkdirs(const char *path, struct cc_err *err);
/*
 * Takes an exclusive, non-blocking lock on `path` (created if missing) and
 * writes our pid into it. CC_ELOCKED when another process holds it; *fd
 * keeps the lock until fs_unlock.
 */
enum cc_code fs_lock(const char *path, int *fd, struct cc_err *err);
void fs_unlock(int fd);
/*
 * Temp files to remove if the process is killed (git's tempfile.c): the
 * one process-wide table in the library, because a signal is process-wide.
 * fs_temp_add when a temp file is created, fs_temp_forget once it is
 * renamed or removed; fs_temp_unlink_all is async-signal-safe (unlink
 * only) and is what cmd/main.c's SIGINT/SIGTERM/SIGHUP handler calls.
 * Thread-safe; at most 64 files at once (more are simply not tracked).
 */
void fs_temp_add(const char *path);
void fs_temp_forget(const char *path);
void fs_temp_unlink_all(void);
/* unlink(path) and fs_temp_forget(path). */
void fs_temp_drop(const char *path);

/*
 * The debris of killed runs: files in `dir` named `<prefix><pid><sep>...`
 * whose pid is not a live process (ESRCH) are removed; *files and *bytes
 * say how many and how much. Call it under the run lock.
 */
enum cc_code fs_sweep_dead(const char *dir, const char *prefix, char sep,
			   unsigned *files, unsigned long long *bytes,
			   struct cc_err *err);

/* Points symlink `link` at `target` atomically (temp link + rename). */
enum cc_code fs_symlink_swap(const char *target, const char *link,
			     struct cc_err *err);

/*
 * A copy of the tree at src in dst made of hard links (free however big
 * the files; safe because every file costctl writes is replaced by a
 * rename, never changed in place). Names starting with '.' (partial
 * downloads, temp files) are left out. A missing src is an empty tree.
 * Not thread-safe.
 */
enum cc_code fs_link_tree(const char *src, const char *dst, struct cc_err *err);
/* Removes dir and everything under it (no symlink is followed). Not thread-safe. */
enum cc_code fs_remove_tree(const char *dir, struct cc_err *err);

#endif
