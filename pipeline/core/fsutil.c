#include "pipeline/core/fsutil.h"

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/banned.h"

/* ------------------------------------------------------------ temp files */

#define FS_TEMP_SLOTS 64

static struct {
	volatile sig_atomic_t used;
	char path[4096];
} temps[FS_TEMP_SLOTS];
static pthread_mutex_t temps_lock = PTHREAD_MUTEX_INITIALIZER;

void fs_temp_add(const char *path)
{
	size_t i, n = strlen(path);

	if (n >= sizeof(temps[0].path))
		return;
	pthread_mutex_lock(&temps_lock);
	for (i = 0; i < FS_TEMP_SLOTS; i++)
		if (!temps[i].used) {
			memcpy(temps[i].path, path, n + 1);
			temps[i].used = 1;
			break;
		}
	pthread_mutex_unlock(&temps_lock);
}

void fs_temp_forget(const char *path)
{
	size_t i;

	pthread_mutex_lock(&temps_lock);
	for (i = 0; i < FS_TEMP_SLOTS; i++)
		if (temps[i].used && !strcmp(temps[i].path, path)) {
			temps[i].used = 0;
			break;
		}
	pthread_mutex_unlock(&temps_lock);
}

void fs_temp_unlink_all(void)
{
	size_t i;

	for (i = 0; i < FS_TEMP_SLOTS; i++)
		if (temps[i].used)
			unlink(temps[i].path);
}

void fs_temp_drop(const char *path)
{
	unlink(path);
	fs_temp_forget(path);
}

enum cc_code fs_sweep_dead(const char *dir, const char *prefix, char sep,
			   unsigned *files, unsigned long long *bytes,
			   struct cc_err *err)
{
	size_t plen = strlen(prefix);
	struct dirent *d;
	DIR *dh = opendir(dir);

	*files = 0;
	*bytes = 0;
	if (!dh)
		return errno == ENOENT ? CC_OK :
		       cc_err_errno(err, errno, "cannot read directory '%s'", dir);
	while ((d = readdir(dh))) {
		char path[4096], *end;
		struct stat st;
		long pid;

		if (strncmp(d->d_name, prefix, plen))
			continue;
		errno = 0;
		pid = strtol(d->d_name + plen, &end, 10);
		if (errno || end == d->d_name + plen || *end != sep || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (!kill((pid_t)pid, 0) || errno != ESRCH)
			continue; /* alive, or not ours to know */
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (!unlink(path)) {
			(*files)++;
			*bytes += (unsigned long long)st.st_size;
		}
	}
	closedir(dh);
	return CC_OK;
}

int fs_open_regular(const char *path, const char *what, struct cc_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), flags, e;

	if (fd < 0) {
		e = errno;
		cc_err_errno(err, e, "cannot open %s '%s'", what, path);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st)) {
		e = errno;
		close(fd);
		cc_err_errno(err, e, "cannot open %s '%s'", what, path);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		cc_err_set(err, CC_EIO, "cannot open %s '%s': not a regular file (%s)", what,
			   path, S_ISDIR(st.st_mode) ? "a directory" :
				 S_ISFIFO(st.st_mode) ? "a FIFO" :
				 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
				 S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
		errno = EINVAL;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

FILE *fs_fopen_regular(const char *path, const char *what, struct cc_err *err)
{
	int fd = fs_open_regular(path, what, err);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "rb");
	if (!f) {
		cc_err_errno(err, errno, "cannot open %s '%s'", what, path);
		close(fd);
	}
	return f;
}

int fs_replaceable(const char *path, struct cc_err *err)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 :
		       (cc_err_errno(err, errno, "cannot check '%s'", path), -1);
	if (S_ISREG(st.st_mode))
		return 0;
	cc_err_set(err, CC_EUSAGE, "refusing to replace '%s': it is %s, not a regular file",
		   path, S_ISLNK(st.st_mode) ? "a symbolic link" :
			 S_ISDIR(st.st_mode) ? "a directory" :
			 S_ISFIFO(st.st_mode) ? "a FIFO" :
			 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
	return -1;
}

static enum cc_code fsync_dir_of(const char *path, struct cc_err *err)
{
	struct buf dir;
	char *slash;
	int fd, ret = CC_OK;

	buf_init(&dir, 8192);
	if (buf_addstr(&dir, path))
		return cc_err_set(err, CC_ENOMEM, "path too long: '%s'", path);
	slash = strrchr(dir.buf, '/');
	if (!slash) {
		buf_reset(&dir);
		buf_addch(&dir, '.');
	} else if (slash == dir.buf) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	fd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = cc_err_errno(err, errno, "cannot open directory '%s'", dir.buf);
	} else {
		if (fsync(fd) && errno != EINVAL)
			ret = cc_err_errno(err, errno, "cannot sync directory '%s'",
					   dir.buf);
		close(fd);
	}
	buf_release(&dir);
	return ret;
}

enum cc_code fs_read_file(const char *path, const char *what, size_t max, struct buf *out,
			  struct cc_err *err)
{
	char chunk[1 << 16];
	int fd = fs_open_regular(path, what, err);
	enum cc_code rc = CC_OK;

	if (fd < 0)
		return err && err->code ? err->code : CC_EIO;
	buf_reset(out);
	for (;;) {
		ssize_t n = fs_read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			rc = cc_err_errno(err, errno, "reading %s '%s' at byte %zu", what, path, out->len);
			break;
		}
		if (!n)
			break;
		if (out->len + (size_t)n > max) {
			rc = cc_err_set(err, CC_ENOMEM, "%s '%s' is larger than %zu bytes", what, path, max);
			break;
		}
		if (buf_add(out, chunk, (size_t)n)) {
			rc = cc_err_set(err, CC_ENOMEM, "out of memory reading %s '%s'", what, path);
			break;
		}
	}
	close(fd);
	return rc;
}

ssize_t fs_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

enum cc_code fs_rename_durable(const char *from, const char *to,
			       struct cc_err *err)
{
	if (rename(from, to))
		return cc_err_errno(err, errno, "cannot rename '%s' to '%s'", from,
				    to);
	return fsync_dir_of(to, err);
}

enum cc_code fs_mkdirs(const char *path, struct cc_err *err)
{
	struct buf b;
	size_t i;
	enum cc_code ret = CC_OK;

	buf_init(&b, 8192);
	if (buf_addstr(&b, path))
		return cc_err_set(err, CC_ENOMEM, "path too long: '%s'", path);
	for (i = 1; i <= b.len && !ret; i++) {
		char c = b.buf[i];

		if (c != '/' && c != '\0')
			continue;
		b.buf[i] = '\0';
		if (mkdir(b.buf, 0777) && errno != EEXIST)
			ret = cc_err_errno(err, errno, "cannot create directory '%s'",
					   b.buf);
		b.buf[i] = c;
	}
	buf_release(&b);
	return ret;
}

enum cc_code fs_lock(const char *path, int *fd, struct cc_err *err)
{
	char pid[32];
	int n, f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	*fd = -1;
	if (f < 0)
		return cc_err_errno(err, errno, "cannot open lock '%s'", path);
	if (flock(f, LOCK_EX | LOCK_NB)) {
		enum cc_code ret;

		if (errno == EWOULDBLOCK) {
			char other[32] = "";
			ssize_t r = pread(f, other, sizeof(other) - 1, 0);

			if (r > 0)
				other[r] = '\0';
			other[strcspn(other, "\n")] = '\0';
			ret = cc_err_set(err, CC_ELOCKED,
					 "another costctl run holds '%s'%s%s%s", path,
					 *other ? " (pid " : "", other,
					 *other ? ")" : "");
		} else {
			ret = cc_err_errno(err, errno, "cannot lock '%s'", path);
		}
		close(f);
		return ret;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) || pwrite(f, pid, (size_t)n, 0) != n) {
		enum cc_code ret = cc_err_errno(err, errno, "cannot write lock '%s'",
						path);

		close(f);
		return ret;
	}
	*fd = f;
	return CC_OK;
}

void fs_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

enum cc_code fs_symlink_swap(const char *target, const char *link,
			     struct cc_err *err)
{
	struct buf tmp;
	enum cc_code ret = CC_OK;

	buf_init(&tmp, 8192);
	if (buf_addf(&tmp, "%s.new.%ld", link, (long)getpid()))
		return cc_err_set(err, CC_ENOMEM, "path too long: '%s'", link);
	unlink(tmp.buf);
	if (symlink(target, tmp.buf))
		ret = cc_err_errno(err, errno, "cannot create link '%s'", tmp.buf);
	else if ((ret = fs_rename_durable(tmp.buf, link, err)))
		unlink(tmp.buf);
	buf_release(&tmp);
	return ret;
}

enum cc_code fs_sync_rename(const char *from, const char *to, uint64_t *size, struct cc_err *err)
{
	struct stat st;
	int fd = open(from, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) || fstat(fd, &st)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		unlink(from);
		return cc_err_errno(err, e, "cannot sync '%s'", from);
	}
	close(fd);
	if (size)
		*size = (uint64_t)st.st_size;
	return fs_rename_durable(from, to, err);
}

enum cc_code fs_write_atomic(const char *path, const void *data, size_t len, struct cc_err *err)
{
	char tmp[4200];
	FILE *f;
	int e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= sizeof(tmp))
		return cc_err_set(err, CC_EUSAGE, "the path '%.200s' is too long", path);
	if (!(f = fopen(tmp, "wb")))
		return cc_err_errno(err, errno, "cannot create '%s'", tmp);
	fs_temp_add(tmp);
	errno = 0;
	if ((len && fwrite(data, len, 1, f) != 1) || fflush(f) || fsync(fileno(f))) {
		e = errno ? errno : EIO;
		fclose(f);
		fs_temp_drop(tmp);
		return cc_err_errno(err, e, "cannot write '%s'", tmp);
	}
	if (fclose(f)) {
		e = errno;
		fs_temp_drop(tmp);
		return cc_err_errno(err, e, "cannot write '%s'", tmp);
	}
	if (fs_rename_durable(tmp, path, err)) {
		fs_temp_drop(tmp);
		return err ? err->code : CC_EIO;
	}
	fs_temp_forget(tmp);
	return CC_OK;
}

/* ------------------------------------------------------------ trees */

static const char *tree_src, *tree_dst;
static struct cc_err *tree_err;

static int link_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char to[4200];
	const char *base = path + ftw->base;

	(void)st;
	if ((size_t)snprintf(to, sizeof(to), "%s%s", tree_dst, path + strlen(tree_src)) >= sizeof(to)) {
		cc_err_set(tree_err, CC_EUSAGE, "path too long: '%s'", path);
		return 1;
	}
	if (flag == FTW_D)
		return mkdir(to, 0755) && errno != EEXIST ? (cc_err_errno(tree_err, errno, "cannot make '%s'", to), 1) : 0;
	if (flag != FTW_F || base[0] == '.')
		return 0; /* partial downloads and other temp files are never shared */
	if (link(path, to)) {
		cc_err_errno(tree_err, errno, "cannot link '%s' to '%s'", path, to);
		return 1;
	}
	return 0;
}

enum cc_code fs_link_tree(const char *src, const char *dst, struct cc_err *err)
{
	struct stat st;

	if (stat(src, &st))
		return errno == ENOENT ? CC_OK : cc_err_errno(err, errno, "cannot read '%s'", src);
	tree_src = src;
	tree_dst = dst;
	tree_err = err;
	if (nftw(src, link_one, 16, FTW_PHYS))
		return err && err->code ? err->code : cc_err_errno(err, errno, "cannot copy '%s'", src);
	return CC_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT) {
		cc_err_errno(tree_err, errno, "cannot remove '%s'", path);
		return 1;
	}
	return 0;
}

enum cc_code fs_remove_tree(const char *dir, struct cc_err *err)
{
	tree_err = err;
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		return err && err->code ? err->code : cc_err_errno(err, errno, "cannot remove '%s'", dir);
	return CC_OK;
}
