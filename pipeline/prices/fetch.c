#include "pipeline/prices/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/core/sha256.h"
#include "pipeline/core/version.h"
#include "pipeline/prices/spcsv.h"
#include "pipeline/core/banned.h"

#define INDEX_CAP ((size_t)64 << 20) /* an index bigger than this is wrong */

/* ------------------------------------------------------------ manifest */

struct mentry {
	char *offer, *region, *url, *etag, *last_modified, *version, *published,
		*sha256, *fetched_at;
	uint64_t size;
	int seen; /* wanted this run (others are kept as they were) */
};

struct manifest {
	struct mentry *e;
	size_t n, alloc;
};

static void mentry_clear(struct mentry *m)
{
	free(m->offer);
	free(m->region);
	free(m->url);
	free(m->etag);
	free(m->last_modified);
	free(m->version);
	free(m->published);
	free(m->sha256);
	free(m->fetched_at);
	memset(m, 0, sizeof(*m));
}

static void manifest_free(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		mentry_clear(&m->e[i]);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static struct mentry *manifest_find(struct manifest *m, const char *offer,
				    const char *region)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].offer, offer) && !strcmp(m->e[i].region, region))
			return &m->e[i];
	return NULL;
}

static struct mentry *manifest_add(struct manifest *m, const char *offer,
				   const char *region)
{
	struct mentry *e;

	if (m->n == m->alloc) {
		size_t a = m->alloc ? m->alloc * 2 : 32;
		struct mentry *p = realloc(m->e, a * sizeof(*p));

		if (!p)
			return NULL;
		m->e = p;
		m->alloc = a;
	}
	e = &m->e[m->n];
	memset(e, 0, sizeof(*e));
	if (!(e->offer = strdup(offer)) || !(e->region = strdup(region))) {
		mentry_clear(e);
		return NULL;
	}
	m->n++;
	return e;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static enum cc_code manifest_parse(struct manifest *m, const char *path, const char *text,
				   size_t len, struct cc_err *err);

static enum cc_code manifest_load(struct manifest *m, const char *path,
				  struct cc_err *err)
{
	struct buf text;
	enum cc_code ret;
	FILE *f;
	size_t n;
	char chunk[65536];

	memset(m, 0, sizeof(*m));
	if (access(path, F_OK) && errno == ENOENT)
		return CC_OK;
	f = fs_fopen_regular(path, "fetch manifest", err);
	if (!f)
		return err && err->code ? err->code : CC_EIO;
	buf_init(&text, INDEX_CAP);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&text, chunk, n)) {
			fclose(f);
			buf_release(&text);
			return cc_err_set(err, CC_ENOMEM, "'%s' is too large", path);
		}
	fclose(f);
	ret = manifest_parse(m, path, text.buf, text.len, err);
	buf_release(&text);
	return ret;
}

static enum cc_code manifest_parse(struct manifest *m, const char *path, const char *text,
				   size_t len, struct cc_err *err)
{
	const char *files_path[] = { "files", NULL };
	char errbuf[256];
	yajl_val root, files;
	size_t i;

	root = json_parse(text, len, JSON_MAX_DEPTH, errbuf, sizeof(errbuf));
	if (!root)
		return cc_err_set(err, CC_EPARSE,
				  "cannot parse the fetch manifest '%s': %s (remove it to start afresh)",
				  path, errbuf);
	files = yajl_tree_get(root, files_path, yajl_t_array);
	for (i = 0; files && i < YAJL_GET_ARRAY(files)->len; i++) {
		yajl_val o = YAJL_GET_ARRAY(files)->values[i];
		const char *offer = json_get_str(o, "offer"), *region = json_get_str(o, "region");
		const char *size_path[] = { "size", NULL };
		yajl_val size = yajl_tree_get(o, size_path, yajl_t_number);
		struct mentry *e;

		/* entries name paths: only what fetch itself could have written */
		if (!offer || !region || !fetch_name_ok(offer, strlen(offer)) ||
		    !fetch_name_ok(region, strlen(region)))
			continue;
		e = manifest_add(m, offer, region);
		if (!e) {
			yajl_tree_free(root);
			return cc_err_set(err, CC_ENOMEM, "cannot read '%s'", path);
		}
		e->url = dup_or_null(json_get_str(o, "url"));
		e->etag = dup_or_null(json_get_str(o, "etag"));
		e->last_modified = dup_or_null(json_get_str(o, "lastModified"));
		e->version = dup_or_null(json_get_str(o, "version"));
		e->published = dup_or_null(json_get_str(o, "publicationDate"));
		e->sha256 = dup_or_null(json_get_str(o, "sha256"));
		e->fetched_at = dup_or_null(json_get_str(o, "fetchedAt"));
		e->size = size && YAJL_IS_INTEGER(size) ? (uint64_t)YAJL_GET_INTEGER(size) : 0;
	}
	yajl_tree_free(root);
	return CC_OK;
}

static void json_field(struct buf *b, const char *name, const char *v, int last)
{
	buf_addf(b, "\"%s\":", name);
	if (v)
		buf_add_json_str(b, v, strlen(v));
	else
		buf_addstr(b, "null");
	if (!last)
		buf_addch(b, ',');
}

/* Written atomically: temp, fsync, rename, fsync of the directory. */
static enum cc_code manifest_save(const struct manifest *m, const char *path,
				  struct cc_err *err)
{
	struct buf b;
	enum cc_code ret = CC_OK;
	size_t i;

	buf_init(&b, INDEX_CAP);
	buf_addstr(&b, "{\"formatVersion\":1,\"files\":[\n");
	for (i = 0; i < m->n; i++) {
		const struct mentry *e = &m->e[i];

		buf_addch(&b, '{');
		json_field(&b, "offer", e->offer, 0);
		json_field(&b, "region", e->region, 0);
		json_field(&b, "url", e->url, 0);
		json_field(&b, "etag", e->etag, 0);
		json_field(&b, "lastModified", e->last_modified, 0);
		json_field(&b, "version", e->version, 0);
		json_field(&b, "publicationDate", e->published, 0);
		json_field(&b, "sha256", e->sha256, 0);
		json_field(&b, "fetchedAt", e->fetched_at, 0);
		buf_addf(&b, "\"size\":%llu}%s\n", (unsigned long long)e->size,
			 i + 1 < m->n ? "," : "");
	}
	if (buf_addstr(&b, "]}\n")) {
		ret = cc_err_set(err, CC_ENOMEM, "cannot write '%s'", path);
		goto out;
	}
	ret = fs_write_atomic(path, b.buf, b.len, err);
out:
	buf_release(&b);
	return ret;
}

/* ------------------------------------------------------------ jobs */

enum outcome { DONE, RETRY, FAIL };

struct job {
	char *offer, *region, *url, *version; /* version expected from the URL */
	char *dir, *dest, *part, *meta;
	struct mentry *m;  /* manifest entry (created on success if new) */
	CURL *h;
	FILE *out;
	struct curl_slist *headers;
	unsigned attempt;
	uint64_t resume_from, received;
	long retry_after_s;
	char etag[256], last_modified[128];
	int write_errno;
	int too_big;       /* the body passed max_file_bytes */
	unsigned mismatches; /* complete files whose offerCode or version was wrong */
	double next_at;    /* when a retry may start */
	int state;         /* 0 waiting, 1 running, 2 finished */
	curl_off_t now, total; /* for the progress total */
	uint64_t max_bytes;
	int csv;           /* a Savings Plans file, fetched as its CSV twin */
	struct validator *val; /* the file's check, fed as its bytes arrive */
};

struct fetch {
	const struct cc_ctx *ctx;
	const struct fetch_options *o;
	struct fetch_result *res;
	struct cc_err *err;
	struct manifest man;
	struct job *jobs;
	size_t njobs, alloc;
	unsigned rng;
	int any_permanent;
	uint64_t done_bytes;
	double started;
	/* the base URL without its credentials, which go to curl apart */
	char *base, *user, *password;
	char *scheme, *host, *port;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Exponential backoff with jitter, capped; a Retry-After wins (capped too). */
static double backoff(struct fetch *f, unsigned attempt, long retry_after)
{
	double cap = f->o->max_wait_s;

	if (retry_after >= 0)
		return (double)retry_after < cap ? (double)retry_after : cap;
	return cc_backoff_s(f->o->backoff_ms / 1000.0, attempt, cap, &f->rng);
}

/* The next item of a comma-separated list, trimmed; 0 at the end. */
static int list_next(const char **p, const char **item, size_t *len)
{
	const char *s = *p, *comma;
	size_t n;

	if (!s || !*s)
		return 0;
	comma = strchr(s, ',');
	n = comma ? (size_t)(comma - s) : strlen(s);
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*item = s;
	*len = n;
	*p = comma ? comma + 1 : NULL;
	return 1;
}

static int split_has(const char *list, const char *item)
{
	size_t n = strlen(item), len;
	const char *p = list, *it;

	while (list_next(&p, &it, &len))
		if (len == n && !memcmp(it, item, n))
			return 1;
	return 0;
}

int fetch_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 64)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (!i || (c != '_' && c != '.' && c != '-')))
			return 0;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Every name of a comma-separated list is one fetch_name_ok accepts. */
static enum cc_code check_names(const char *list, const char *what, struct cc_err *err)
{
	const char *p = list, *it;
	size_t len;

	while (list_next(&p, &it, &len))
		if (len && !fetch_name_ok(it, len))
			return cc_err_set(err, CC_EUSAGE,
					  "%s: '%.*s' is not a valid code (letters, digits, '_', '.', '-'; no '..')",
					  what, (int)(len > 80 ? 80 : len), it);
	return CC_OK;
}

/* Whether `item` appears in the list before `upto` (a duplicate). */
static int listed_before(const char *list, const char *upto, const char *item)
{
	size_t n = strlen(item), len;
	const char *p = list, *it;

	while (list_next(&p, &it, &len) && it < upto)
		if (len == n && !memcmp(it, item, n))
			return 1;
	return 0;
}

/*
 * A server-given path must be plain: absolute ('/', not '//'), segments
 * of [A-Za-z0-9._~-] that are not "." or "..". No '@', ':', '?', '%' or
 * '\\': nothing that could move the request to another host, leave a
 * file:// mirror's tree, or smuggle a query.
 */
static int path_ok(const char *p)
{
	size_t seg = 0, i, dots = 0;

	if (p[0] != '/' || p[1] == '/' || strlen(p) > 2048)
		return 0;
	for (i = 1;; i++) {
		char c = p[i];

		if (c == '/' || !c) {
			if ((seg == 1 || seg == 2) && dots == seg)
				return 0;
			if (!c)
				return 1;
			seg = dots = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '~' || c == '-'))
			return 0;
		seg++;
		dots += c == '.';
	}
}

/* The parts of a URL as curl sees them ("" when absent); 0 on success. */
static int url_parts(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	int ok = u && !curl_url_set(u, CURLUPART_URL, url, 0);

	*scheme = *host = *port = NULL;
	if (ok && curl_url_get(u, CURLUPART_SCHEME, scheme, 0))
		ok = 0;
	if (ok && curl_url_get(u, CURLUPART_HOST, host, 0))
		*host = NULL;
	if (ok && curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT))
		*port = NULL;
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

static int same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/*
 * The base URL (its own path kept as a prefix) joined with a server-given
 * absolute path; NULL with `why` when the path is not plain, or the result
 * would not be on the base's scheme, host and port.
 */
static char *join_url(const struct fetch *f, const char *path, char *why, size_t whylen)
{
	char *scheme, *host, *port, *url;
	struct buf b;
	size_t n = strlen(f->base);
	int same;

	if (!path_ok(path)) {
		snprintf(why, whylen, "the index names '%.200s', not a plain absolute path", path);
		return NULL;
	}
	buf_init(&b, 1 << 16);
	while (n && f->base[n - 1] == '/')
		n--;
	if (buf_add(&b, f->base, n) || buf_addstr(&b, path)) {
		snprintf(why, whylen, "URL too long");
		return NULL;
	}
	url = buf_detach(&b, NULL);
	if (url_parts(url, &scheme, &host, &port)) {
		snprintf(why, whylen, "'%.200s' is not a URL", url);
		free(url);
		return NULL;
	}
	same = same_str(scheme, f->scheme) && same_str(host, f->host) && same_str(port, f->port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	if (!same) {
		snprintf(why, whylen, "'%.200s' is not on the base URL's host", url);
		free(url);
		return NULL;
	}
	return url;
}

/*
 * Takes the base URL apart: scheme (http, https or file), host and port
 * for join_url's check, and the credentials, which leave the URL (so no
 * message ever prints them) and go to curl on their own.
 */
static enum cc_code parse_base(struct fetch *f, const char *base)
{
	CURLU *u = curl_url();
	enum cc_code ret = CC_OK;

	if (!u)
		return cc_err_set(f->err, CC_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, base, 0)) {
		ret = cc_err_set(f->err, CC_EUSAGE, "fetch.base_url is not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &f->user, CURLU_URLDECODE))
		f->user = NULL;
	if (curl_url_get(u, CURLUPART_PASSWORD, &f->password, CURLU_URLDECODE))
		f->password = NULL;
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &f->base, 0) ||
	    url_parts(f->base, &f->scheme, &f->host, &f->port)) {
		ret = cc_err_set(f->err, CC_EUSAGE, "fetch.base_url is not a URL");
		goto out;
	}
	if (strcmp(f->scheme, "http") && strcmp(f->scheme, "https") && strcmp(f->scheme, "file"))
		ret = cc_err_set(f->err, CC_EUSAGE,
				 "fetch.base_url '%s': the scheme must be https, http or file",
				 f->base);
out:
	curl_url_cleanup(u);
	return ret;
}

/* The 14-digit version in ".../<version>/<region>/index.json", or NULL. */
static char *version_of(const char *url)
{
	const char *end = strrchr(url, '/'), *p;
	int slashes = 0;
	size_t i;

	if (!end)
		return NULL;
	for (p = end - 1; p > url; p--)
		if (*p == '/' && ++slashes == 2)
			break;
	if (slashes != 2)
		return NULL;
	for (i = 1; i <= 14; i++)
		if (!isdigit((unsigned char)p[i]))
			return NULL;
	if (p[15] != '/')
		return NULL;
	return strndup(p + 1, 14);
}

/* ------------------------------------------------------------ curl setup */

struct job;
static void write_meta(struct job *j);

static int header_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

static size_t header_cb(char *b, size_t size, size_t n, void *user)
{
	struct job *j = user;
	size_t len = size * n, k;
	static const struct {
		const char *name;
		int which;
	} want[] = { { "etag:", 0 }, { "last-modified:", 1 }, { "retry-after:", 2 } };

	/* the end of a response's headers: a partial body from here on can be
	 * resumed, so say which URL and ETag it belongs to now, not at the end */
	if (len <= 2 && j->h && j->meta) {
		long status = 0;

		curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && j->etag[0])
			write_meta(j);
		return len;
	}
	/* a new response (a redirect, a retry) resets what we took */
	if (len > 5 && !strncmp(b, "HTTP/", 5)) {
		j->etag[0] = j->last_modified[0] = '\0';
		j->retry_after_s = -1;
		return len;
	}
	for (k = 0; k < 3; k++) {
		size_t nl = strlen(want[k].name);
		char val[256];
		size_t vl;
		const char *v;

		if (len <= nl || strncasecmp(b, want[k].name, nl))
			continue;
		v = b + nl;
		vl = len - nl;
		while (vl && isspace((unsigned char)*v))
			v++, vl--;
		while (vl && isspace((unsigned char)v[vl - 1]))
			vl--;
		if (vl >= sizeof(val))
			vl = sizeof(val) - 1;
		memcpy(val, v, vl);
		val[vl] = '\0';
		/* a value we would send back (If-None-Match, If-Range) or store
		 * must not carry a CR, LF or other control byte */
		if (!header_value_ok(val))
			continue;
		if (want[k].which == 0)
			cc_copy(j->etag, sizeof(j->etag), val, strlen(val));
		else if (want[k].which == 1)
			cc_copy(j->last_modified, sizeof(j->last_modified), val, strlen(val));
		else
			j->retry_after_s = isdigit((unsigned char)val[0]) ? strtol(val, NULL, 10) : -1;
	}
	return len;
}

struct validator;
static void validator_feed(struct validator *val, const unsigned char *p, size_t n);

static size_t write_cb(char *p, size_t size, size_t n, void *user)
{
	struct job *j = user;
	size_t len = size * n;

	if (j->max_bytes && j->resume_from + j->received + len > j->max_bytes) {
		j->too_big = 1;
		return 0;
	}
	errno = 0;
	if (len && fwrite(p, 1, len, j->out) != len) {
		j->write_errno = errno ? errno : EIO;
		return 0;
	}
	if (j->val)
		validator_feed(j->val, (const unsigned char *)p, len);
	j->received += len;
	return len;
}

static int progress_cb(void *user, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct job *j = user;

	(void)ultotal;
	(void)ulnow;
	j->now = dlnow;
	j->total = dltotal;
	return 0;
}

static void common_opts(struct fetch *f, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_USERAGENT, "costctl/" COSTCTL_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)f->o->connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)f->o->low_speed_bytes);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)f->o->low_speed_s);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (f->o->max_file_s)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)f->o->max_file_s);
	if (f->o->max_file_bytes)
		curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->o->max_file_bytes);
	/* credentials from the base URL, for its host only (never a redirect's) */
	if (f->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, f->user);
		if (f->password)
			curl_easy_setopt(h, CURLOPT_PASSWORD, f->password);
		curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	/* TLS verification stays on (libcurl's default); proxies from the
	 * environment (libcurl's default) */
}

/* Network-side failures worth another try, and "server unreachable". */
static int retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

static int retryable_status(long s)
{
	return s == 429 || s == 408 || (s >= 500 && s <= 599);
}

/* ------------------------------------------------------------ indexes */

/*
 * GETs a small JSON index into memory, with the same retries as files.
 * CC_ENET_TEMP when it never got an answer.
 */
static enum cc_code get_index(struct fetch *f, const char *url, yajl_val *out)
{
	struct buf body;
	struct job probe;
	char errbuf[CURL_ERROR_SIZE], perr[256];
	enum cc_code ret = CC_OK;
	unsigned attempt;
	CURL *h = curl_easy_init();

	*out = NULL;
	if (!h)
		return cc_err_set(f->err, CC_ENOMEM, "cannot start a transfer");
	buf_init(&body, INDEX_CAP);
	memset(&probe, 0, sizeof(probe));
	for (attempt = 1;; attempt++) {
		CURLcode c;
		long status = 0;
		double wait;

		buf_reset(&body);
		probe.retry_after_s = -1;
		errbuf[0] = '\0';
		curl_easy_reset(h);
		common_opts(f, h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_write_cb);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &probe);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		c = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		f->res->bytes += body.len;
		if (!c && (status == 200 || status == 0)) {
			*out = json_parse(body.buf, body.len, JSON_MAX_DEPTH, perr, sizeof(perr));
			if (*out)
				break;
			if (attempt > f->o->retries) {
				ret = cc_err_set(f->err, CC_ENET_TEMP,
						 "'%s' is not complete JSON after %u attempts: %s",
						 url, attempt, perr);
				break;
			}
		} else if (c == CURLE_WRITE_ERROR && body.len + CURL_MAX_WRITE_SIZE >= body.cap) {
			ret = cc_err_set(f->err, CC_EPARSE,
					 "'%s' is larger than %zu MiB: not a price-list index", url,
					 body.cap >> 20);
			break;
		} else if (c == CURLE_FILESIZE_EXCEEDED) {
			ret = cc_err_set(f->err, CC_EPARSE,
					 "'%s' is larger than fetch.max_file_mb: not a price-list index", url);
			break;
		} else if ((c && !retryable(c)) || (!c && !retryable_status(status))) {
			ret = c ? cc_err_set(f->err, CC_EIO, "cannot get '%s': %s", url,
					     errbuf[0] ? errbuf : curl_easy_strerror(c)) :
				  cc_err_set(f->err, CC_ENOTFOUND,
					     "cannot get '%s': HTTP %ld", url, status);
			break;
		} else if (attempt > f->o->retries) {
			ret = cc_err_set(f->err, CC_ENET_TEMP,
					 "cannot get '%s' after %u attempts: %s", url,
					 attempt,
					 c ? (errbuf[0] ? errbuf : curl_easy_strerror(c)) :
					     "server error");
			if (!c)
				snprintf(f->err->msg + strlen(f->err->msg),
					 sizeof(f->err->msg) - strlen(f->err->msg),
					 " (HTTP %ld)", status);
			break;
		}
		wait = backoff(f, attempt, c ? -1 : probe.retry_after_s);
		f->res->retries++;
		cc_log(f->ctx, CC_LOG_WARN, "fetch",
		       "'%s': %s; retry %u of %u in %.1f s", url,
		       c ? (errbuf[0] ? errbuf : curl_easy_strerror(c)) :
			   (status == 429 ? "HTTP 429 (throttled)" : "server error"),
		       attempt, f->o->retries, wait);
		if (!c && status)
			cc_log(f->ctx, CC_LOG_DEBUG, "fetch", "'%s': HTTP %ld", url, status);
		usleep((useconds_t)(wait * 1e6));
	}
	curl_easy_cleanup(h);
	buf_release(&body);
	return ret;
}

/* ------------------------------------------------------------ validation */

struct vstate {
	uint64_t events; /* callbacks, for the long-token bound (see ingest.c) */
	int too_deep;
	int depth;
	int key; /* 1 offerCode, 2 version, 3 publicationDate at depth 1 */
	char offer[64], version[32], published[40];
};

static int v_key(void *c, const unsigned char *s, size_t len)
{
	struct vstate *v = c;

	v->events++;

	if (v->depth == 1)
		v->key = len == 9 && !memcmp(s, "offerCode", 9) ? 1 :
			 len == 7 && !memcmp(s, "version", 7)	? 2 :
			 len == 15 && !memcmp(s, "publicationDate", 15) ? 3 : 0;
	return 1;
}

static int v_str(void *c, const unsigned char *s, size_t len)
{
	struct vstate *v = c;

	v->events++;
	char *dst = v->key == 1 ? v->offer : v->key == 2 ? v->version :
		    v->key == 3 ? v->published : NULL;
	size_t cap = v->key == 1 ? sizeof(v->offer) : v->key == 2 ? sizeof(v->version) :
							       sizeof(v->published);

	if (v->depth == 1 && dst)
		snprintf(dst, cap, "%.*s", (int)len, (const char *)s);
	v->key = 0;
	return 1;
}

static int v_open(void *c)
{
	struct vstate *v = c;

	v->events++;
	if (v->depth >= JSON_MAX_DEPTH) {
		v->too_deep = 1;
		return 0; /* yajl: cancelled; validate says why */
	}
	((struct vstate *)c)->depth++;
	((struct vstate *)c)->key = 0;
	return 1;
}

static int v_close(void *c)
{
	((struct vstate *)c)->events++;
	((struct vstate *)c)->depth--;
	return 1;
}

static int v_scalar(void *c)
{
	((struct vstate *)c)->events++;
	((struct vstate *)c)->key = 0;
	return 1;
}

static int v_bool(void *c, int b)
{
	(void)b;
	return v_scalar(c);
}

static int v_num(void *c, const char *s, size_t l)
{
	(void)s;
	(void)l;
	return v_scalar(c);
}

static const yajl_callbacks vcb = { v_scalar, v_bool, NULL, NULL, v_num, v_str,
				    v_open, v_key, v_close, v_open, v_close };

static int no_entry(void *user, const struct pb_entry *e, struct cc_err *err)
{
	(void)user;
	(void)e;
	(void)err;
	return 0;
}

/*
 * A downloaded file's check, fed its bytes as they arrive (write_cb), so a
 * file is read once: its SHA-256, and a complete JSON document with its
 * offerCode and version (a Savings Plans CSV: the whole file through the
 * parser ingest uses, spcsv.h). A resumed transfer feeds the part already
 * on disk first. Once the content is wrong it is only hashed; the verdict
 * comes at the end (validator_end).
 */
struct validator {
	struct sha256 sha;
	yajl_handle h;
	struct spcsv *csv;
	struct vstate v;
	struct cc_err e;
	uint64_t off, quiet;
	int bad;      /* 1: the parse failed; 2: the content is no price list (too deep, a long token) */
	char why[512];
	/*
	 * The check runs on a thread of its own while the transfer goes on
	 * (the parse and the hash cost what the download does): write_cb
	 * copies the bytes into a ring it reads.
	 */
	int threaded, done;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	unsigned char *ring;
	size_t head, used;
};

#define RING_BYTES ((size_t)4 << 20)

static void check_bytes(struct validator *val, const unsigned char *p, size_t n);

static void *validator_main(void *arg)
{
	struct validator *val = arg;

	pthread_mutex_lock(&val->mu);
	for (;;) {
		size_t n;

		while (!val->used && !val->done)
			pthread_cond_wait(&val->more, &val->mu);
		if (!val->used)
			break;
		/* the bytes up to the ring's end; the rest next time round */
		n = val->head + val->used > RING_BYTES ? RING_BYTES - val->head : val->used;
		pthread_mutex_unlock(&val->mu);
		check_bytes(val, val->ring + val->head, n);
		pthread_mutex_lock(&val->mu);
		val->head = (val->head + n) % RING_BYTES;
		val->used -= n;
		pthread_cond_signal(&val->room);
	}
	pthread_mutex_unlock(&val->mu);
	return NULL;
}

/* Waits for the thread to have read every byte given to it. */
static void validator_drain(struct validator *val)
{
	if (!val->threaded)
		return;
	pthread_mutex_lock(&val->mu);
	val->done = 1;
	pthread_cond_signal(&val->more);
	pthread_mutex_unlock(&val->mu);
	pthread_join(val->th, NULL);
	pthread_mutex_destroy(&val->mu);
	pthread_cond_destroy(&val->more);
	pthread_cond_destroy(&val->room);
	val->threaded = 0;
}

static void validator_free(struct validator *val)
{
	if (!val)
		return;
	validator_drain(val);
	sha256_release(&val->sha);
	if (val->h)
		yajl_free(val->h);
	spcsv_free(val->csv);
	free(val->ring);
	free(val);
}

/* From here on the bytes go through the thread; without one, they are read inline. */
static void validator_thread(struct validator *val)
{
	if (!(val->ring = malloc(RING_BYTES)))
		return;
	if (pthread_mutex_init(&val->mu, NULL)) {
		free(val->ring);
		val->ring = NULL;
		return;
	}
	pthread_cond_init(&val->more, NULL);
	pthread_cond_init(&val->room, NULL);
	if (pthread_create(&val->th, NULL, validator_main, val)) {
		pthread_mutex_destroy(&val->mu);
		pthread_cond_destroy(&val->more);
		pthread_cond_destroy(&val->room);
		free(val->ring);
		val->ring = NULL;
		return;
	}
	val->threaded = 1;
}

static struct validator *validator_new(const struct job *j)
{
	struct validator *val = calloc(1, sizeof(*val));

	if (!val || sha256_init(&val->sha))
		goto fail;
	if (j->csv ? spcsv_new(&val->csv, j->dest, JSON_MAX_TOKEN, no_entry, NULL, &val->e) != CC_OK
		   : !(val->h = yajl_alloc(&vcb, NULL, &val->v)))
		goto fail;
	return val;
fail:
	validator_free(val);
	return NULL;
}

static void validator_feed(struct validator *val, const unsigned char *p, size_t n)
{
	if (!val->threaded) {
		check_bytes(val, p, n);
		return;
	}
	pthread_mutex_lock(&val->mu);
	while (n) {
		size_t tail, k;

		while (val->used == RING_BYTES)
			pthread_cond_wait(&val->room, &val->mu);
		/* the free bytes from the tail on, up to the ring's end or the head */
		tail = (val->head + val->used) % RING_BYTES;
		k = tail >= val->head ? RING_BYTES - tail : val->head - tail;
		if (k > n)
			k = n;
		memcpy(val->ring + tail, p, k);
		val->used += k;
		p += k;
		n -= k;
		pthread_cond_signal(&val->more);
	}
	pthread_mutex_unlock(&val->mu);
}

static void check_bytes(struct validator *val, const unsigned char *p, size_t n)
{
	uint64_t ev;

	sha256_update(&val->sha, p, n);
	if (val->bad) {
		val->off += n;
		return;
	}
	if (val->csv) {
		size_t skip = !val->off && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;

		if (spcsv_feed(val->csv, (const char *)p + skip, n - skip, val->off + skip, &val->e))
			val->bad = 1;
		val->off += n;
		return;
	}
	ev = val->v.events;
	if (yajl_parse(val->h, p, n) != yajl_status_ok) {
		val->bad = val->v.too_deep ? 2 : 1;
		if (val->v.too_deep)
			snprintf(val->why, sizeof(val->why), "nested deeper than %d levels: not a price list",
				 JSON_MAX_DEPTH);
	} else {
		/* yajl re-scans a long token on every chunk: bound it (ingest.c) */
		val->quiet = val->v.events == ev ? val->quiet + n : 0;
		if (val->quiet > JSON_MAX_TOKEN) {
			snprintf(val->why, sizeof(val->why), "no complete JSON token in %llu bytes: not a price list",
				 (unsigned long long)val->quiet);
			val->bad = 2;
		}
	}
	val->off += n;
}

/* The part already on disk, for a resumed transfer: 0 when it cannot be read. */
static int validator_feed_file(struct validator *val, const char *path)
{
	unsigned char chunk[1 << 16];
	size_t n;
	FILE *in = fopen(path, "rb");

	if (!in)
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		validator_feed(val, chunk, n);
	n = (size_t)ferror(in);
	fclose(in);
	return !n;
}

/* The verdict on a complete file; fills `why` when it is not acceptable. */
static int validator_end(struct job *j, struct validator *val, struct vstate *v, char sha[65], char *why,
			 size_t whylen, int *mismatch)
{
	unsigned char digest[32];
	int ok;

	validator_drain(val);
	ok = !val->bad;
	memset(v, 0, sizeof(*v));
	*mismatch = 0;
	sha256_final(&val->sha, digest);
	sha256_hex(digest, sha);
	if (val->csv) {
		struct ingest_stats st;

		memset(&st, 0, sizeof(st));
		if (ok && spcsv_finish(val->csv, &st, &val->e))
			ok = 0;
		if (!ok) {
			snprintf(why, whylen, "not a Savings Plans CSV (%.400s)", val->e.msg);
			*mismatch = val->e.code != CC_ETRUNC;
		} else if (j->version && strcmp(st.version, j->version)) {
			/* the CSV's OfferCode is not the URL's (AmazonDatabaseSavingsPlans under
			 * AWSDatabaseSavingsPlans): only the version is compared */
			snprintf(why, whylen, "Version is '%s', the region index says '%s'", st.version, j->version);
			ok = 0;
			*mismatch = 1;
		}
		snprintf(v->version, sizeof(v->version), "%s", st.version);
		snprintf(v->published, sizeof(v->published), "%s", st.published);
		return ok;
	}
	*v = val->v;
	if (val->bad == 2) {
		snprintf(why, whylen, "%s", val->why);
		*mismatch = 1; /* the content, not the transfer */
		return 0;
	}
	if (ok && yajl_complete_parse(val->h) != yajl_status_ok)
		ok = 0;
	if (!ok) {
		unsigned char *msg = yajl_get_error(val->h, 0, NULL, 0);
		const char *text = msg ? (const char *)msg : "?";
		size_t n;

		if (!strncmp(text, "parse error: ", 13))
			text += 13;
		snprintf(why, whylen, "not a complete JSON document (%s)", text);
		if (msg)
			yajl_free_error(val->h, msg);
		n = strlen(why);
		while (n && (why[n - 1] == '\n' || why[n - 1] == ' ' || why[n - 1] == ')'))
			why[--n] = '\0';
		snprintf(why + n, whylen - n, ")");
	} else if (strcmp(v->offer, j->offer)) {
		snprintf(why, whylen, "offerCode is '%s', not '%s'", v->offer, j->offer);
		ok = 0;
		*mismatch = 1;
	} else if (j->version && strcmp(v->version, j->version)) {
		snprintf(why, whylen, "version is '%s', the region index says '%s'",
			 v->version, j->version);
		ok = 0;
		*mismatch = 1;
	}
	return ok;
}

/* ------------------------------------------------------------ files */

static int job_add(struct fetch *f, const char *offer, const char *region,
		   const char *url, int csv)
{
	const char *name = csv ? "index.csv" : "index.json";
	struct job *j;
	struct buf b;

	if (f->njobs == f->alloc) {
		size_t a = f->alloc ? f->alloc * 2 : 32;
		struct job *p = realloc(f->jobs, a * sizeof(*p));

		if (!p)
			return -1;
		f->jobs = p;
		f->alloc = a;
	}
	j = &f->jobs[f->njobs];
	memset(j, 0, sizeof(*j));
	buf_init(&b, 1 << 16);
	j->offer = strdup(offer);
	j->region = strdup(region);
	j->url = strdup(url);
	j->version = version_of(url);
	if (!j->offer || !j->region || !j->url ||
	    buf_addf(&b, "%s/offers/%s/%s", f->o->state, offer, region))
		return -1;
	j->dir = buf_detach(&b, NULL);
	if (buf_addf(&b, "%s/%s", j->dir, name))
		return -1;
	j->dest = buf_detach(&b, NULL);
	if (buf_addf(&b, "%s/.%s.part", j->dir, name))
		return -1;
	j->part = buf_detach(&b, NULL);
	if (buf_addf(&b, "%s/.%s.part.meta", j->dir, name))
		return -1;
	j->meta = buf_detach(&b, NULL);
	j->csv = csv;
	j->m = manifest_find(&f->man, offer, region);
	f->njobs++;
	return 0;
}

static void job_free(struct job *j)
{
	validator_free(j->val);
	if (j->h)
		curl_easy_cleanup(j->h);
	if (j->out)
		fclose(j->out);
	curl_slist_free_all(j->headers);
	free(j->offer);
	free(j->region);
	free(j->url);
	free(j->version);
	free(j->dir);
	free(j->dest);
	free(j->part);
	free(j->meta);
}

/* What a partial download was: its URL and ETag, for If-Range. */
static int read_meta(struct job *j, char *etag, size_t cap)
{
	char line[2048];
	FILE *m = fopen(j->meta, "r");
	int same_url = 0;

	etag[0] = '\0';
	if (!m)
		return 0;
	while (fgets(line, sizeof(line), m)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "url ", 4))
			same_url = !strcmp(line + 4, j->url);
		else if (!strncmp(line, "etag ", 5))
			cc_copy(etag, cap, line + 5, strlen(line + 5));
	}
	fclose(m);
	return same_url && etag[0];
}

static void write_meta(struct job *j)
{
	FILE *m = fopen(j->meta, "w");

	if (!m)
		return;
	fprintf(m, "url %s\netag %s\n", j->url, j->etag);
	fclose(m);
}

static enum cc_code job_start(struct fetch *f, CURLM *multi, struct job *j)
{
	char etag[256], hdr[400];
	struct stat st;
	int resume;

	if (fs_mkdirs(j->dir, f->err))
		return f->err->code;
	resume = !stat(j->part, &st) && st.st_size > 0 && read_meta(j, etag, sizeof(etag));
	/* the check reads the bytes as they come; a resumed part first */
	validator_free(j->val);
	if (!(j->val = validator_new(j)))
		return cc_err_set(f->err, CC_ENOMEM, "cannot start a transfer");
	if (resume && !validator_feed_file(j->val, j->part)) {
		/* the part cannot be read back: start over, with a check that saw none of it */
		resume = 0;
		validator_free(j->val);
		if (!(j->val = validator_new(j)))
			return cc_err_set(f->err, CC_ENOMEM, "cannot start a transfer");
	}
	validator_thread(j->val);
	j->resume_from = resume ? (uint64_t)st.st_size : 0;
	j->out = fopen(j->part, resume ? "ab" : "wb");
	if (!j->out)
		return cc_err_errno(f->err, errno, "cannot create '%s'", j->part);
	j->received = 0;
	j->write_errno = 0;
	j->retry_after_s = -1;
	j->etag[0] = j->last_modified[0] = '\0';
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	if (!j->h && !(j->h = curl_easy_init()))
		return cc_err_set(f->err, CC_ENOMEM, "cannot start a transfer");
	curl_easy_reset(j->h);
	common_opts(f, j->h);
	curl_easy_setopt(j->h, CURLOPT_URL, j->url);
	curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(j->h, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(j->h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(j->h, CURLOPT_XFERINFODATA, j);
	curl_easy_setopt(j->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
	j->max_bytes = f->o->max_file_bytes;
	j->too_big = 0;
	if (resume) {
		/* a byte range of the identity representation: no gzip */
		curl_easy_setopt(j->h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)j->resume_from);
		snprintf(hdr, sizeof(hdr), "If-Range: %s", etag);
		j->headers = curl_slist_append(j->headers, hdr);
	} else {
		curl_easy_setopt(j->h, CURLOPT_ACCEPT_ENCODING, "");
		/* conditional only when we hold this very URL's copy, intact: a
		 * 304 must never keep a damaged file */
		struct stat dst;

		if (j->m && j->m->url && !strcmp(j->m->url, j->url) &&
		    !stat(j->dest, &dst) && (uint64_t)dst.st_size == j->m->size) {
			if (j->m->etag && *j->m->etag) {
				snprintf(hdr, sizeof(hdr), "If-None-Match: %s", j->m->etag);
				j->headers = curl_slist_append(j->headers, hdr);
			}
			if (j->m->last_modified && *j->m->last_modified) {
				snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s", j->m->last_modified);
				j->headers = curl_slist_append(j->headers, hdr);
			}
		}
	}
	curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->headers);
	j->attempt++;
	j->state = 1;
	if (curl_multi_add_handle(multi, j->h) != CURLM_OK)
		return cc_err_set(f->err, CC_ENOMEM, "cannot start a transfer");
	return CC_OK;
}

static void drop_partial(struct job *j)
{
	unlink(j->part);
	unlink(j->meta);
}

static void fail_job(struct fetch *f, struct job *j, int temporary,
		     const char *why)
{
	j->state = 2;
	f->res->failed++;
	if (!temporary)
		f->any_permanent = 1;
	cc_err_set(f->err, temporary ? CC_ENET_TEMP : CC_EIO,
		   "cannot fetch %s %s from '%s': %s", j->offer, j->region, j->url, why);
	cc_log(f->ctx, CC_LOG_ERROR, "fetch", "%s %s: %s; %s", j->offer, j->region, why,
	       access(j->dest, R_OK) ? "no copy on disk" : "yesterday's copy kept");
}

/* Decides what a finished transfer means; may schedule a retry. */
static enum outcome job_finish(struct fetch *f, struct job *j, CURLcode c)
{
	char errbuf[256], why[512], sha[65], stamp[32];
	long status = 0;
	struct vstate v;
	struct tm tm;
	time_t t;
	int closed;

	curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &status);
	f->res->bytes += j->received;
	errno = 0;
	closed = fflush(j->out) == 0 && fsync(fileno(j->out)) == 0;
	if (!j->write_errno && !closed)
		j->write_errno = errno ? errno : EIO;
	fclose(j->out);
	j->out = NULL;

	if (j->too_big || c == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, sizeof(why), "larger than %llu MiB (fetch.max_file_mb): not a price list",
			 (unsigned long long)(f->o->max_file_bytes >> 20));
		drop_partial(j);
		fail_job(f, j, 0, why);
		return FAIL;
	}
	if (j->write_errno) {
		/* the disk, not the network: yesterday's copy stays, no retry */
		snprintf(why, sizeof(why), "cannot write '%s': %s", j->part,
			 strerror(j->write_errno));
		drop_partial(j);
		if (j->write_errno == ENOSPC)
			cc_err_set(f->err, CC_ENOSPC, "cannot fetch %s %s: %s", j->offer,
				   j->region, why);
		fail_job(f, j, 0, why);
		return FAIL;
	}
	if (!c && status == 304) {
		drop_partial(j);
		f->res->not_modified++;
		j->state = 2;
		cc_log(f->ctx, CC_LOG_INFO, "fetch", "%s %s: not modified", j->offer, j->region);
		return DONE;
	}
	if (j->resume_from && ((!c && status == 200) || c == CURLE_RANGE_ERROR)) {
		/* the server ignored the range or the file changed: the body is
		 * the whole file, appended to the old part: start over */
		drop_partial(j);
		snprintf(why, sizeof(why), "the server sent the whole file to a range request");
		goto retry_now;
	}
	if (!c && (status == 200 || status == 206 || status == 0)) {
		int mismatch = 0, valid = 0;

		if (j->val)
			valid = validator_end(j, j->val, &v, sha, why, sizeof(why), &mismatch);
		else
			snprintf(why, sizeof(why), "the download was not checked");

		validator_free(j->val);
		j->val = NULL;
		if (!valid) {
			drop_partial(j);
			/* a complete file with the wrong content once may be a race
			 * with a publication; twice, it is what the server serves */
			if (mismatch && ++j->mismatches >= 2) {
				fail_job(f, j, 0, why);
				return FAIL;
			}
			goto retry;
		}
		if (fs_rename_durable(j->part, j->dest, f->err)) {
			drop_partial(j);
			fail_job(f, j, 0, f->err->msg);
			return FAIL;
		}
		unlink(j->meta);
		if (!j->m && !(j->m = manifest_add(&f->man, j->offer, j->region))) {
			fail_job(f, j, 0, "out of memory");
			return FAIL;
		}
		t = time(NULL);
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		free(j->m->url);
		free(j->m->etag);
		free(j->m->last_modified);
		free(j->m->version);
		free(j->m->published);
		free(j->m->sha256);
		free(j->m->fetched_at);
		j->m->url = strdup(j->url);
		j->m->etag = j->etag[0] ? strdup(j->etag) : NULL;
		j->m->last_modified = j->last_modified[0] ? strdup(j->last_modified) : NULL;
		j->m->version = strdup(v.version);
		j->m->published = strdup(v.published);
		j->m->sha256 = strdup(sha);
		j->m->fetched_at = strdup(stamp);
		{
			struct stat st;

			j->m->size = stat(j->dest, &st) ? 0 : (uint64_t)st.st_size;
		}
		f->res->downloaded++;
		if (j->resume_from)
			f->res->resumed++;
		j->state = 2;
		cc_log(f->ctx, CC_LOG_INFO, "fetch",
		       "%s %s: version %s, %llu bytes%s, sha256 %.12s", j->offer,
		       j->region, v.version, (unsigned long long)j->m->size,
		       j->resume_from ? " (resumed)" : "", sha);
		return DONE;
	}
	/* transport error or HTTP status */
	if (c) {
		snprintf(errbuf, sizeof(errbuf), "%s", curl_easy_strerror(c));
		snprintf(why, sizeof(why), "%s", errbuf);
		if (!retryable(c)) {
			drop_partial(j);
			fail_job(f, j, 0, why);
			return FAIL;
		}
		/* keep the part: the next attempt continues it if it can */
		if (!j->etag[0])
			drop_partial(j);
		goto retry;
	}
	snprintf(why, sizeof(why), "HTTP %ld", status);
	drop_partial(j);
	if (!retryable_status(status)) {
		fail_job(f, j, 0, why);
		return FAIL;
	}
retry:
	if (j->attempt > f->o->retries) {
		char msg[640];

		snprintf(msg, sizeof(msg), "%s (after %u attempts)", why, j->attempt);
		fail_job(f, j, 1, msg);
		return FAIL;
	}
	{
		double wait = backoff(f, j->attempt, c ? -1 : j->retry_after_s);

		f->res->retries++;
		cc_log(f->ctx, CC_LOG_WARN, "fetch", "%s %s: %s; retry %u of %u in %.1f s",
		       j->offer, j->region, why, j->attempt, f->o->retries, wait);
		j->next_at = now_s() + wait;
		j->state = 0;
	}
	return RETRY;
retry_now:
	j->next_at = now_s();
	j->state = 0;
	cc_log(f->ctx, CC_LOG_WARN, "fetch", "%s %s: %s; starting over", j->offer,
	       j->region, why);
	return RETRY;
}

/* Bytes (of the files under way and done) and files done of all. */
static void report_progress(struct fetch *f)
{
	uint64_t now = 0, total = 0;
	unsigned done = 0;
	char what[64];
	size_t i;

	for (i = 0; i < f->njobs; i++) {
		now += (uint64_t)(f->jobs[i].state == 1 ? f->jobs[i].now : 0);
		total += (uint64_t)(f->jobs[i].state == 1 ? f->jobs[i].total : 0);
		done += f->jobs[i].state == 2;
	}
	snprintf(what, sizeof(what), "%u of %zu files", done, f->njobs);
	cc_progress(f->ctx, what, f->done_bytes + now, f->done_bytes + total);
}

static enum cc_code run_jobs(struct fetch *f)
{
	CURLM *multi = curl_multi_init();
	enum cc_code ret = CC_OK;
	unsigned running = 0;

	if (!multi)
		return cc_err_set(f->err, CC_ENOMEM, "cannot start transfers");
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	for (;;) {
		double now = now_s(), soonest = -1;
		int still, pending = 0;
		CURLMsg *msg;
		size_t i;

		for (i = 0; i < f->njobs; i++) {
			struct job *j = &f->jobs[i];

			if (j->state != 0)
				continue;
			pending = 1;
			if (j->next_at > now) {
				if (soonest < 0 || j->next_at < soonest)
					soonest = j->next_at;
				continue;
			}
			if (running >= f->o->parallel)
				continue;
			if ((ret = job_start(f, multi, j))) {
				fail_job(f, j, 0, f->err->msg);
				continue;
			}
			running++;
		}
		if (!running && !pending)
			break;
		if (f->o->max_run_s && now - f->started > f->o->max_run_s) {
			char why[128];

			snprintf(why, sizeof(why), "the run took longer than %u s (fetch.max_run_s)",
				 f->o->max_run_s);
			for (i = 0; i < f->njobs; i++) {
				struct job *j = &f->jobs[i];

				if (j->state == 1) {
					curl_multi_remove_handle(multi, j->h);
					fclose(j->out);
					j->out = NULL;
				}
				if (j->state != 2)
					fail_job(f, j, 1, why);
			}
			break;
		}
		curl_multi_perform(multi, &still);
		while ((msg = curl_multi_info_read(multi, &still))) {
			struct job *j;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			curl_multi_remove_handle(multi, msg->easy_handle);
			running--;
			f->done_bytes += j->received;
			job_finish(f, j, msg->data.result);
		}
		report_progress(f);
		{
			int timeout = 100;

			if (!running && soonest > 0)
				timeout = (int)((soonest - now_s()) * 1000) + 1;
			if (timeout < 1)
				timeout = 1;
			curl_multi_poll(multi, NULL, 0, timeout, NULL);
		}
	}
	curl_multi_cleanup(multi);
	return ret;
}

/* ------------------------------------------------------------ walk */

/* A file or index the plan cannot use, for good (a bad URL or index): said, counted; the rest goes on. */
static void plan_fail(struct fetch *f, enum cc_code code, const char *fmt, ...) CC_PRINTF(3, 4);
static void plan_fail(struct fetch *f, enum cc_code code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cc_log(f->ctx, CC_LOG_ERROR, "fetch", "%s", msg);
	cc_err_set(f->err, code, "%s", msg);
	f->res->failed++;
	f->any_permanent = 1;
}

/* A file to fetch (or already here whole: no request at all). Only an out-of-memory error stops the plan. */
static enum cc_code plan_file(struct fetch *f, const char *code, const char *region, const char *vurl, int csv)
{
	char why[512];
	char *furl = join_url(f, vurl, why, sizeof(why));
	struct job *j;

	if (!furl) {
		plan_fail(f, CC_EPARSE, "%s %s: %s", code, region, why);
		return CC_OK;
	}
	if (job_add(f, code, region, furl, csv)) {
		free(furl);
		return cc_err_set(f->err, CC_ENOMEM, "out of memory");
	}
	free(furl);
	f->res->files++;
	j = &f->jobs[f->njobs - 1];
	if (j->m && j->version && j->m->version && !strcmp(j->m->version, j->version)) {
		struct stat st;

		if (!stat(j->dest, &st) && (uint64_t)st.st_size == j->m->size) {
			j->state = 2;
			f->res->unchanged++;
			cc_log(f->ctx, CC_LOG_DEBUG, "fetch", "%s %s: version %s unchanged", code, region, j->version);
		}
	}
	return CC_OK;
}

/*
 * A Savings Plans region index (/savingsPlan/v1.0/aws/<plan>/current/region_index.json):
 * `regions` is an array of {regionCode, versionUrl} and there is no
 * formatVersion. Each wanted region's file is fetched as the CSV AWS
 * publishes beside the JSON (ingest reads it: spcsv.h), into
 * <state>/offers/<plan>/<region>/index.csv. A bad index is an error of
 * that plan; the offers go on.
 */
static enum cc_code plan_savings_plans(struct fetch *f, const char *spurl)
{
	const char *regions_path[] = { "regions", NULL };
	char code[72], why[512], *full;
	const char *p = spurl, *slash;
	yajl_val rindex = NULL, regions;
	enum cc_code ret = CC_OK;
	size_t k, n;

	/* the plan's code: /savingsPlan/v1.0/aws/<code>/... */
	if (strncmp(p, "/savingsPlan/v1.0/aws/", 22) || !(slash = strchr(p + 22, '/')) ||
	    (n = (size_t)(slash - p - 22)) >= sizeof(code) || !fetch_name_ok(p + 22, n)) {
		plan_fail(f, CC_EPARSE, "currentSavingsPlanIndexUrl '%.120s' is not /savingsPlan/v1.0/aws/<plan>/...",
			  spurl);
		return CC_OK;
	}
	memcpy(code, p + 22, n);
	code[n] = '\0';
	if (!(full = join_url(f, spurl, why, sizeof(why)))) {
		plan_fail(f, CC_EPARSE, "%s: %s", code, why);
		return CC_OK;
	}
	ret = get_index(f, full, &rindex);
	free(full);
	if (ret)
		return ret;
	regions = yajl_tree_get(rindex, regions_path, yajl_t_array);
	if (!regions) {
		plan_fail(f, CC_EPARSE, "%s: the Savings Plans region index has no regions array", code);
		yajl_tree_free(rindex);
		return CC_OK;
	}
	for (k = 0; !ret && k < YAJL_GET_ARRAY(regions)->len; k++) {
		yajl_val r = YAJL_GET_ARRAY(regions)->values[k];
		const char *region = json_get_str(r, "regionCode"), *vurl = json_get_str(r, "versionUrl");
		char csv[1024];
		size_t len;

		if (!region || !vurl || !split_has(f->o->regions, region) || !fetch_name_ok(region, strlen(region)))
			continue;
		len = strlen(vurl);
		if (len < 11 || len >= sizeof(csv) || strcmp(vurl + len - 11, "/index.json")) {
			plan_fail(f, CC_EPARSE, "%s %s: versionUrl '%.120s' does not end in /index.json", code, region,
				  vurl);
			continue;
		}
		snprintf(csv, sizeof(csv), "%.*s/index.csv", (int)(len - 11), vurl);
		ret = plan_file(f, code, region, csv, 1);
	}
	yajl_tree_free(rindex);
	return ret;
}

static enum cc_code plan(struct fetch *f)
{
	const char *offers_path[] = { "offers", NULL };
	const char *regions_path[] = { "regions", NULL };
	yajl_val index = NULL, offers;
	enum cc_code ret;
	char why[512];
	char *url = join_url(f, "/offers/v1.0/aws/index.json", why, sizeof(why));
	const char *p, *item, *sp[8];
	size_t len, nsp = 0;

	if (!url)
		return cc_err_set(f->err, CC_EUSAGE, "fetch.base_url: %s", why);
	ret = get_index(f, url, &index);
	if (ret) {
		free(url);
		return ret;
	}
	offers = yajl_tree_get(index, offers_path, yajl_t_object);
	if (!offers) {
		ret = cc_err_set(f->err, CC_EPARSE, "'%s' has no offers: not an offer index", url);
		goto out;
	}
	/* the services asked for, in the order asked */
	for (p = f->o->services; !ret && list_next(&p, &item, &len);) {
		char code[128];
		const char *op[2] = { code, NULL };
		yajl_val offer, regions = NULL, rindex = NULL;
		const char *rurl;
		char *full;
		size_t k;

		snprintf(code, sizeof(code), "%.*s", (int)len, item);
		if (!code[0] || listed_before(f->o->services, item, code))
			continue; /* a service named twice is fetched once */
		offer = yajl_tree_get(offers, op, yajl_t_object);
		rurl = offer ? json_get_str(offer, "currentRegionIndexUrl") : NULL;
		if (!rurl) {
			plan_fail(f, CC_ENOTFOUND, "'%s' is not in the offer index (offer codes are case-sensitive)", code);
			continue;
		}
		full = join_url(f, rurl, why, sizeof(why));
		if (!full) {
			plan_fail(f, CC_EPARSE, "%s: %s", code, why);
			continue;
		}
		ret = get_index(f, full, &rindex);
		free(full);
		if (ret)
			break;
		regions = yajl_tree_get(rindex, regions_path, yajl_t_object);
		if (!regions) {
			plan_fail(f, CC_EPARSE, "%s: the region index has no regions", code);
			yajl_tree_free(rindex);
			continue;
		}
		for (k = 0; k < YAJL_GET_OBJECT(regions)->len; k++) {
			const char *region = YAJL_GET_OBJECT(regions)->keys[k];
			yajl_val r = YAJL_GET_OBJECT(regions)->values[k];
			const char *vurl = json_get_str(r, "currentVersionUrl");

			if (!split_has(f->o->regions, region) || !vurl ||
			    !fetch_name_ok(region, strlen(region)))
				continue;
			if ((ret = plan_file(f, code, region, vurl, 0)))
				break;
		}
		yajl_tree_free(rindex);
		/* the service's Savings Plans, once a plan (EC2, ECS, EKS and Lambda share one) */
		{
			const char *spurl = json_get_str(offer, "currentSavingsPlanIndexUrl");

			if (f->o->savings_plans && spurl && nsp < sizeof(sp) / sizeof(sp[0])) {
				for (k = 0; k < nsp && strcmp(sp[k], spurl); k++)
					;
				if (k == nsp)
					sp[nsp++] = spurl;
			}
		}
	}
	for (len = 0; !ret && len < nsp; len++)
		ret = plan_savings_plans(f, sp[len]);
out:
	yajl_tree_free(index);
	free(url);
	return ret;
}

static void base_free(struct fetch *f)
{
	curl_free(f->base);
	curl_free(f->user);
	curl_free(f->password);
	curl_free(f->scheme);
	curl_free(f->host);
	curl_free(f->port);
}

long fetch_parse_doc(enum fetch_doc kind, const char *text, size_t len, struct cc_err *err)
{
	const char *offers_path[] = { "offers", NULL }, *regions_path[] = { "regions", NULL };
	struct manifest m;
	struct fetch f;
	char why[512];
	yajl_val root, map;
	long n = 0;
	size_t i;

	if (kind == FETCH_DOC_MANIFEST) {
		memset(&m, 0, sizeof(m));
		if (manifest_parse(&m, "manifest", text, len, err)) {
			manifest_free(&m);
			return -1;
		}
		n = (long)m.n;
		manifest_free(&m);
		return n;
	}
	memset(&f, 0, sizeof(f));
	f.err = err;
	if (parse_base(&f, "http://127.0.0.1/"))
		return -1;
	root = json_parse(text, len, JSON_MAX_DEPTH, why, sizeof(why));
	if (!root) {
		cc_err_set(err, CC_EPARSE, "not JSON: %s", why);
		n = -1;
		goto out;
	}
	map = yajl_tree_get(root, kind == FETCH_DOC_OFFERS ? offers_path : regions_path,
			    yajl_t_object);
	for (i = 0; map && i < YAJL_GET_OBJECT(map)->len; i++) {
		const char *key = YAJL_GET_OBJECT(map)->keys[i];
		const char *url = json_get_str(YAJL_GET_OBJECT(map)->values[i],
					   kind == FETCH_DOC_OFFERS ? "currentRegionIndexUrl" :
								      "currentVersionUrl");
		char *full;

		if (!url || !fetch_name_ok(key, strlen(key)))
			continue;
		if ((full = join_url(&f, url, why, sizeof(why)))) {
			free(version_of(full));
			free(full);
			n++;
		}
	}
	yajl_tree_free(root);
out:
	base_free(&f);
	return n;
}

enum cc_code fetch_run(const struct cc_ctx *ctx, const struct fetch_options *o,
		       struct fetch_result *res, struct cc_err *err)
{
	struct fetch f;
	struct buf mpath;
	enum cc_code ret;
	size_t i;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	buf_init(&mpath, 8192);
	f.ctx = ctx;
	f.o = o;
	f.res = res;
	f.err = err;
	f.rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	f.started = now_s();
	if ((ret = check_names(o->services, "fetch.services", err)) ||
	    (ret = check_names(o->regions, "fetch.regions", err)) ||
	    (ret = parse_base(&f, o->base_url)))
		goto out;
	if (buf_addf(&mpath, "%s/fetch-manifest.json", o->state)) {
		ret = cc_err_set(err, CC_ENOMEM, "path too long");
		goto out;
	}
	if ((ret = fs_mkdirs(o->state, err)) ||
	    (ret = manifest_load(&f.man, mpath.buf, err)))
		goto out;
	ret = plan(&f);
	if (!ret)
		ret = run_jobs(&f);
	/* what did land is recorded even when something else failed */
	if (res->downloaded) {
		enum cc_code saved = manifest_save(&f.man, mpath.buf, ret ? NULL : err);

		if (!ret)
			ret = saved;
	}
	if (!ret && res->failed)
		ret = f.any_permanent ? (err->code && err->code != CC_ENET_TEMP ? err->code : CC_EIO) :
					CC_ENET_TEMP;
	if (!ret && res->files && res->unchanged == res->files)
		cc_log(ctx, CC_LOG_INFO, "fetch",
		       "all %u offer files unchanged: downloaded only the indexes (%llu bytes)",
		       res->files, (unsigned long long)res->bytes);
out:
	for (i = 0; i < f.njobs; i++)
		job_free(&f.jobs[i]);
	free(f.jobs);
	manifest_free(&f.man);
	buf_release(&mpath);
	base_free(&f);
	return ret;
}
