#include "pipeline/prices/pbstore.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/fsutil.h"
#include "pipeline/core/sha256.h"
#include "pipeline/core/banned.h"

enum cc_code pb_store_current(const char *state, const char *which,
			      struct buf *out, struct cc_err *err)
{
	char target[PATH_MAX];
	struct buf link;
	ssize_t n;

	buf_init(&link, PATH_MAX);
	if (buf_addf(&link, "%s/pricebook.%s", state, which))
		return cc_err_set(err, CC_ENOMEM, "path too long");
	n = readlink(link.buf, target, sizeof(target) - 1);
	if (n < 0) {
		enum cc_code ret = errno == ENOENT ?
			cc_err_set(err, CC_ENOTFOUND,
				   "no %s pricebook in '%s' (run 'costctl ingest' first)",
				   which, state) :
			cc_err_errno(err, errno, "cannot read link '%s'", link.buf);

		buf_release(&link);
		return ret;
	}
	target[n] = '\0';
	buf_release(&link);
	buf_reset(out);
	if ((target[0] != '/' && buf_addf(out, "%s/", state)) ||
	    buf_addstr(out, target))
		return cc_err_set(err, CC_ENOMEM, "path too long");
	return CC_OK;
}

enum cc_code pb_store_incoming(const char *state, struct buf *out,
			       struct cc_err *err)
{
	enum cc_code ret;
	struct buf dir;

	buf_init(&dir, PATH_MAX);
	if (buf_addf(&dir, "%s/pricebooks", state))
		return cc_err_set(err, CC_ENOMEM, "path too long");
	ret = fs_mkdirs(dir.buf, err);
	buf_reset(out);
	if (!ret && buf_addf(out, "%s/incoming-%ld.cpb", dir.buf, (long)getpid()))
		ret = cc_err_set(err, CC_ENOMEM, "path too long");
	if (!ret)
		fs_temp_add(out->buf);
	buf_release(&dir);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest pb-*.cpb beyond `keep`, sparing the linked ones. */
static unsigned prune(const char *state, unsigned keep, const char *cur,
		      const char *prev)
{
	struct buf dir, path;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	unsigned removed = 0;
	struct dirent *de;
	DIR *d;

	buf_init(&dir, PATH_MAX);
	buf_init(&path, PATH_MAX);
	if (buf_addf(&dir, "%s/pricebooks", state) || !(d = opendir(dir.buf))) {
		buf_release(&dir);
		return 0;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "pb-", 3) || len < 5 ||
		    strcmp(de->d_name + len - 4, ".cpb"))
			continue;
		if (n == alloc) {
			char **p = realloc(names, (alloc = alloc ? alloc * 2 : 32) *
							  sizeof(*p));
			if (!p)
				break;
			names = p;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n > 1) /* oldest first: the UTC time is in the name */
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; n > keep && i < n - keep; i++) {
		if ((cur && strstr(cur, names[i])) || (prev && strstr(prev, names[i])))
			continue;
		buf_reset(&path);
		if (!buf_addf(&path, "%s/%s", dir.buf, names[i]) && !unlink(path.buf))
			removed++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&dir);
	buf_release(&path);
	return removed;
}

enum cc_code pb_store_publish(const char *state, const char *incoming,
			      const char *sha256, unsigned keep,
			      struct pb_store_result *res, struct cc_err *err)
{
	struct buf cur, prev_target, link, rel;
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	enum cc_code ret;

	buf_init(&cur, PATH_MAX);
	buf_init(&prev_target, PATH_MAX);
	buf_init(&link, PATH_MAX);
	buf_init(&rel, PATH_MAX);
	res->unchanged = 0;
	res->pruned = 0;
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha256);

	if (pb_store_current(state, "current", &cur, NULL) == CC_OK) {
		char cur_sha[65], prefix[16];

		/* names carry the first 12 hex digits of the identity: hash the
		 * current file only when they match, to be sure */
		snprintf(prefix, sizeof(prefix), "-%.12s.", sha256);
		if (strstr(cur.buf, prefix) && !sha256_file(cur.buf, cur_sha, NULL) &&
		    !strcmp(cur_sha, sha256)) {
			/* same identity as the current one: nothing to publish */
			fs_temp_drop(incoming);
			res->unchanged = 1;
			buf_reset(&res->path);
			ret = buf_addstr(&res->path, cur.buf) ?
				cc_err_set(err, CC_ENOMEM, "path too long") : CC_OK;
			goto out;
		}
	} else {
		buf_reset(&cur);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	buf_reset(&rel);
	buf_reset(&res->path);
	if (buf_addf(&rel, "pricebooks/pb-%s-%.12s.cpb", stamp, sha256) ||
	    buf_addf(&res->path, "%s/%s", state, rel.buf)) {
		ret = cc_err_set(err, CC_ENOMEM, "path too long");
		goto out;
	}
	if ((ret = fs_rename_durable(incoming, res->path.buf, err)))
		goto out;
	fs_temp_forget(incoming);
	/* previous <- what current pointed at */
	if (cur.len) {
		const char *slash = strstr(cur.buf, "/pricebooks/");

		if (buf_addstr(&prev_target, slash ? slash + 1 : cur.buf) ||
		    buf_addf(&link, "%s/pricebook.previous", state)) {
			ret = cc_err_set(err, CC_ENOMEM, "path too long");
			goto out;
		}
		if ((ret = fs_symlink_swap(prev_target.buf, link.buf, err)))
			goto out;
	}
	buf_reset(&link);
	if (buf_addf(&link, "%s/pricebook.current", state)) {
		ret = cc_err_set(err, CC_ENOMEM, "path too long");
		goto out;
	}
	if ((ret = fs_symlink_swap(rel.buf, link.buf, err)))
		goto out;
	res->pruned = prune(state, keep, rel.buf,
			    prev_target.len ? prev_target.buf : NULL);
out:
	buf_release(&cur);
	buf_release(&prev_target);
	buf_release(&link);
	buf_release(&rel);
	return ret;
}
