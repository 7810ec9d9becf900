#include "helpers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/prices/pb.h"

char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (!base || !*base)
		base = "/tmp";
	p = malloc(strlen(base) + 32);
	ck_assert_ptr_nonnull(p);
	snprintf(p, strlen(base) + 32, "%s/costctl-test-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

char *th_write(const char *dir, const char *name, const void *data, size_t len)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	FILE *f;

	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/%s", dir, name);
	f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

char *th_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* dir (from $env, else fallback) + "/" + mid + rel, malloc'd */
static char *join(const char *env, const char *fallback, const char *mid,
		  const char *rel)
{
	const char *dir = getenv(env);
	size_t n;
	char *p;

	if (!dir)
		dir = fallback;
	n = strlen(dir) + strlen(mid) + strlen(rel) + 2;
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/%s%s", dir, mid, rel);
	return p;
}

const char *th_real_dir(void)
{
	static char dir[4096];
	const char *base = getenv("COSTCTL_SHARED");

	snprintf(dir, sizeof(dir), "%s/fixtures-real", base ? base : "../shared");
	return dir;
}

int th_have_real(void)
{
	return access(th_real_dir(), R_OK | X_OK) == 0;
}

char *th_real(const char *name)
{
	char *p = join("COSTCTL_SHARED", "../shared", "fixtures-real/", name);

	if (access(p, R_OK)) {
		fprintf(stderr, "SKIP: %s is absent (no ../shared in this clone)\n", p);
		free(p);
		return NULL;
	}
	return p;
}

char *th_fixture(const char *rel)
{
	return join("COSTCTL_FIXTURES", "fixtures", "", rel);
}

static int collect(void *user, const struct pb_entry *e, struct cc_err *err)
{
	struct buf *out = user;

	(void)err;
	return pb_entry_json(e, out) || buf_addch(out, '\n');
}

enum cc_code th_ingest(const char *json, size_t len, size_t chunk,
		       struct ingest_stats *st, struct buf *out,
		       struct cc_err *err)
{
	struct ingest *in = NULL;
	enum cc_code ret;
	size_t off = 0;

	if (!chunk)
		chunk = len ? len : 1;
	ret = ingest_new(&in, NULL, "test.json", NULL, collect, out, err);
	if (ret)
		return ret;
	while (!ret && off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		ret = ingest_feed(in, json + off, n, err);
		off += n;
	}
	if (!ret)
		ret = ingest_finish(in, st, err);
	ingest_free(in);
	return ret;
}

enum cc_code th_pricebook(const char *const *files, size_t n,
			  const char *pb_path, size_t sort_memory,
			  struct buf *out, struct cc_err *err)
{
	struct ingest_options opt = { 4096, 0, sort_memory, NULL, NULL, NULL, 0, 0, NULL };
	struct ingest_result res;
	struct pb_reader *r = NULL;
	enum cc_code ret;
	uint64_t i;

	ret = ingest_to_pricebook(NULL, files, n, pb_path, &opt, &res, err);
	if (ret)
		return ret;
	if ((ret = pb_open(&r, pb_path, err)))
		return ret;
	if (!(ret = pb_verify(r, err)))
		for (i = 0; i < pb_count(r) && !ret; i++) {
			struct pb_entry e;

			if (!(ret = pb_get(r, i, &e, err)))
				ret = collect(out, &e, err) ? CC_ENOMEM : CC_OK;
		}
	pb_close(r);
	return ret;
}

int th_count_lines(const char *s, ...)
{
	int count = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = strndup(s, len);
		const char *needle;
		int all = 1;
		va_list ap;

		va_start(ap, s);
		while ((needle = va_arg(ap, const char *)))
			if (!strstr(line, needle))
				all = 0;
		va_end(ap);
		count += all;
		free(line);
		s += len + (nl != NULL);
	}
	return count;
}
