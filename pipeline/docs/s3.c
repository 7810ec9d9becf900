/* S3 uploads and presigned URLs: see s3.h. */
#include "pipeline/docs/s3.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/aws.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/version.h"
#include "pipeline/core/banned.h"

struct s3 {
	char bucket[64], prefix[512], region[64], endpoint[1024], host[1100];
	int path_style;
	struct aws_creds creds;
	struct s3_options o;
	const struct cc_ctx *ctx;
	CURL *h;
	unsigned rng;
};

int s3_is_url(const char *url)
{
	return url && !strncmp(url, "s3://", 5);
}

static int bucket_ok(const char *b)
{
	size_t i, n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '.' || b[i] == '-'))
			return 0;
	return !strstr(b, "..");
}

/* A prefix of plain path segments: no '..', no '//', nothing needing encoding. */
static int prefix_ok(const char *p)
{
	size_t i;

	for (i = 0; p[i]; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		      strchr("/_.-", p[i])))
			return 0;
	return !strstr(p, "..") && !strstr(p, "//") && p[0] != '/';
}

enum cc_code s3_open(struct s3 **out, const char *url, const struct s3_options *o, const struct cc_ctx *ctx,
		     struct cc_err *err)
{
	struct s3 *s;
	const char *b = url + 5, *slash, *q;
	enum cc_code ret;

	*out = NULL;
	if (!s3_is_url(url))
		return cc_err_set(err, CC_EUSAGE, "documents '%s': want s3://BUCKET/PREFIX[?endpoint=URL][&region=R]", url);
	if (!(s = calloc(1, sizeof(*s))))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	s->o = *o;
	s->ctx = ctx;
	s->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	snprintf(s->region, sizeof(s->region), "us-east-1");
	q = strchr(b, '?');
	slash = strchr(b, '/');
	if (slash && q && slash > q)
		slash = NULL;
	snprintf(s->bucket, sizeof(s->bucket), "%.*s", (int)((slash ? slash : q ? q : b + strlen(b)) - b), b);
	if (slash)
		snprintf(s->prefix, sizeof(s->prefix), "%.*s", (int)((q ? q : slash + strlen(slash)) - slash - 1),
			 slash + 1);
	while (s->prefix[0] && s->prefix[strlen(s->prefix) - 1] == '/')
		s->prefix[strlen(s->prefix) - 1] = '\0';
	if (!bucket_ok(s->bucket) || !prefix_ok(s->prefix)) {
		ret = cc_err_set(err, CC_EUSAGE,
				 "documents '%s': the bucket must be 3-63 of a-z, 0-9, '.' and '-', the prefix plain "
				 "path segments", url);
		goto fail;
	}
	while (q && *q) {
		const char *amp = strchr(q + 1, '&'), *v;
		size_t n = (size_t)((amp ? amp : q + strlen(q)) - q - 1);
		char opt[1024];

		snprintf(opt, sizeof(opt), "%.*s", (int)(n < sizeof(opt) - 1 ? n : sizeof(opt) - 1), q + 1);
		if (!strncmp(opt, "endpoint=", 9)) {
			v = opt + 9;
			if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
				ret = cc_err_set(err, CC_EUSAGE, "documents '%s': the endpoint must be http:// or https://", url);
				goto fail;
			}
			snprintf(s->endpoint, sizeof(s->endpoint), "%.1000s", v);
			while (s->endpoint[0] && s->endpoint[strlen(s->endpoint) - 1] == '/')
				s->endpoint[strlen(s->endpoint) - 1] = '\0';
			s->path_style = 1;
		} else if (!strncmp(opt, "region=", 7) && strlen(opt + 7) < sizeof(s->region) && opt[7]) {
			snprintf(s->region, sizeof(s->region), "%.63s", opt + 7);
		} else {
			ret = cc_err_set(err, CC_EUSAGE, "documents '%s': the options are endpoint=URL and region=R", url);
			goto fail;
		}
		q = amp;
	}
	if (s->path_style) {
		const char *h = strstr(s->endpoint, "://") + 3;

		snprintf(s->host, sizeof(s->host), "%s", h);
	} else {
		snprintf(s->endpoint, sizeof(s->endpoint), "https://%s.s3.%s.amazonaws.com", s->bucket, s->region);
		snprintf(s->host, sizeof(s->host), "%s.s3.%s.amazonaws.com", s->bucket, s->region);
	}
	if ((ret = aws_creds_load(&s->creds, err)))
		goto fail;
	if (!(s->h = curl_easy_init())) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto fail;
	}
	*out = s;
	return CC_OK;
fail:
	free(s);
	return ret;
}

void s3_close(struct s3 *s)
{
	if (!s)
		return;
	if (s->h)
		curl_easy_cleanup(s->h);
	memset(&s->creds, 0, sizeof(s->creds));
	free(s);
}

const char *s3_bucket(const struct s3 *s)
{
	return s->bucket;
}

void s3_key(const struct s3 *s, const char *rest, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", s->prefix, s->prefix[0] ? "/" : "", rest);
}

/* ------------------------------------------------------------ digests */

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int digest(const char *md, const void *data, size_t len, unsigned char *out)
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, md[0] == 'm' ? EVP_md5() : EVP_sha256(), NULL) == 1 ? 0 : -1;
}

/* ------------------------------------------------------------ requests */

struct resp {
	struct buf body;
	char etag[80];
	long status;
};

static size_t header_cb(char *data, size_t size, size_t n, void *user)
{
	struct resp *r = user;
	size_t len = size * n;

	if (len > 5 && !strncasecmp(data, "ETag:", 5)) {
		const char *v = data + 5;
		size_t k = 0;

		while (*v == ' ' || *v == '"')
			v++;
		while (k + 1 < sizeof(r->etag) && v + k < data + len && v[k] != '"' && v[k] != '\r' && v[k] != '\n')
			k++;
		memcpy(r->etag, v, k);
		r->etag[k] = '\0';
	}
	return len;
}

/* The text of <Tag>...</Tag> in an S3 XML answer, into out[cap] ("" when absent). */
static void xml_text(const char *xml, const char *tag, char *out, size_t cap)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	out[0] = '\0';
	if (!xml || !(a = strstr(xml, open)) || !(b = strstr(a, close)))
		return;
	a += strlen(open);
	snprintf(out, cap, "%.*s", (int)(b - a < (long)cap - 1 ? b - a : (long)cap - 1), a);
}

/* RFC 3986 percent-encoding of a query value (what SigV4 signs). */
static void qenc(const char *in, char *out, size_t cap)
{
	static const char x[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = x[c >> 4];
			out[o++] = x[c & 15];
		}
	}
	out[o] = '\0';
}

/*
 * One signed request, retried on 5xx, 429 and network errors. `query`
 * is sorted and encoded already ("partNumber=1&uploadId=..."), as
 * libcurl 7.88 signs it as written. 2xx: CC_OK; another 4xx: CC_EIO with
 * S3's Code and Message; out of attempts: CC_ENET_TEMP.
 */
static enum cc_code request(struct s3 *s, const char *method, const char *key, const char *query,
			    const void *body, size_t len, const char *content_type, const char *md5_b64,
			    struct resp *r, struct cc_err *err)
{
	char url[4096], hdr[256], sha[65], errbuf[CURL_ERROR_SIZE];
	unsigned char d[32];
	unsigned attempt;

	if (digest("sha256", body ? body : "", len, d))
		return cc_err_set(err, CC_ENOMEM, "out of memory hashing");
	hex(d, 32, sha);
	if (s->path_style)
		snprintf(url, sizeof(url), "%s/%s/%s%s%s", s->endpoint, s->bucket, key, query ? "?" : "", query ? query : "");
	else
		snprintf(url, sizeof(url), "%s/%s%s%s", s->endpoint, key, query ? "?" : "", query ? query : "");
	for (attempt = 1;; attempt++) {
		struct curl_slist *h = NULL;
		CURLcode c;
		double wait;
		char code[64] = "", msg[256] = "";

		buf_reset(&r->body);
		r->etag[0] = '\0';
		r->status = 0;
		errbuf[0] = '\0';
		curl_easy_reset(s->h);
		/* the payload's hash by hand: libcurl 7.88 does not add it for S3 */
		snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", sha);
		h = curl_slist_append(h, hdr);
		if (content_type) {
			snprintf(hdr, sizeof(hdr), "Content-Type: %s", content_type);
			h = curl_slist_append(h, hdr);
		}
		if (md5_b64) {
			snprintf(hdr, sizeof(hdr), "Content-MD5: %s", md5_b64);
			h = curl_slist_append(h, hdr);
		}
		if (!h || aws_curl_sign(s->h, &s->creds, s->region, "s3", &h, err)) {
			curl_slist_free_all(h);
			return err && err->code ? err->code : CC_ENOMEM;
		}
		curl_easy_setopt(s->h, CURLOPT_URL, url);
		curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, h);
		if (strcmp(method, "GET") && strcmp(method, "DELETE")) {
			curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, body ? body : "");
			curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		}
		curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, buf_write_cb);
		curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &r->body);
		curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(s->h, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(s->h, CURLOPT_USERAGENT, "costctl/" COSTCTL_VERSION);
		curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 300L);
		curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
		c = curl_easy_perform(s->h);
		curl_slist_free_all(h);
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->status);
		if (!c && r->status >= 200 && r->status < 300)
			return CC_OK;
		if (!c) {
			xml_text(r->body.buf, "Code", code, sizeof(code));
			xml_text(r->body.buf, "Message", msg, sizeof(msg));
			if (r->status < 500 && r->status != 429)
				return cc_err_set(err, CC_EIO, "s3://%s/%s: %s answered %ld %s: %s", s->bucket, key, method,
						  r->status, code[0] ? code : "", msg[0] ? msg : "no message");
		}
		if (attempt > s->o.retries)
			return cc_err_set(err, CC_ENET_TEMP, "s3://%s/%s: %s failed after %u attempts: %s", s->bucket, key,
					  method, attempt,
					  c ? (errbuf[0] ? errbuf : curl_easy_strerror(c)) : (code[0] ? code : "server error"));
		wait = cc_backoff_s(0.2, attempt, 30.0, &s->rng);
		cc_log(s->ctx, CC_LOG_WARN, "s3", "%s s3://%s/%s: %s; retry %u of %u in %.2f s", method, s->bucket, key,
		       c ? curl_easy_strerror(c) : (code[0] ? code : "server error"), attempt, s->o.retries, wait);
		usleep((useconds_t)(wait * 1e6));
	}
}

static void b64(const unsigned char *d, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, d, (int)n);
}

/* One part or the whole object: PUT with Content-MD5, the ETag checked against it. */
static enum cc_code put_checked(struct s3 *s, const char *key, const char *query, const char *data, size_t len,
				const char *content_type, unsigned char md5[16], char etag[80], struct cc_err *err)
{
	struct resp r;
	char m64[32], mhex[33];
	enum cc_code ret;

	if (digest("md5", data, len, md5))
		return cc_err_set(err, CC_ENOMEM, "out of memory hashing");
	b64(md5, 16, m64);
	hex(md5, 16, mhex);
	memset(&r, 0, sizeof(r));
	buf_init(&r.body, 1 << 20);
	ret = request(s, "PUT", key, query, data, len, content_type, m64, &r, err);
	if (!ret && strcmp(r.etag, mhex))
		ret = cc_err_set(err, CC_EIO, "s3://%s/%s: the server's ETag '%s' is not the MD5 %s of what was sent",
				 s->bucket, key, r.etag, mhex);
	if (!ret && etag)
		snprintf(etag, 80, "%s", r.etag);
	buf_release(&r.body);
	return ret;
}

static enum cc_code multipart(struct s3 *s, const char *key, const char *data, uint64_t size,
			      const char *content_type, char etag[80], struct cc_err *err)
{
	struct resp r;
	struct buf done;
	char id[512], eid[1600], q[1800];
	unsigned char *all = malloc(16 * 10000), md5[16], final[16];
	char want[64];
	uint64_t off;
	unsigned part = 0;
	enum cc_code ret;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body, 1 << 20);
	buf_init(&done, (size_t)4 << 20);
	id[0] = '\0';
	if (!all) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	if ((ret = request(s, "POST", key, "uploads=", "", 0, content_type, NULL, &r, err)))
		goto out;
	xml_text(r.body.buf, "UploadId", id, sizeof(id));
	if (!id[0]) {
		ret = cc_err_set(err, CC_EIO, "s3://%s/%s: no UploadId in the answer to CreateMultipartUpload", s->bucket,
				 key);
		goto out;
	}
	qenc(id, eid, sizeof(eid));
	buf_addstr(&done, "<CompleteMultipartUpload>");
	for (off = 0; off < size && !ret; off += s->o.part_bytes) {
		size_t n = (size_t)(size - off < s->o.part_bytes ? size - off : s->o.part_bytes);
		char pe[80];

		if (++part > 10000) {
			ret = cc_err_set(err, CC_EUSAGE, "s3://%s/%s: more than 10,000 parts", s->bucket, key);
			break;
		}
		snprintf(q, sizeof(q), "partNumber=%u&uploadId=%s", part, eid);
		if ((ret = put_checked(s, key, q, data + off, n, NULL, md5, pe, err)))
			break;
		memcpy(all + 16 * (part - 1), md5, 16);
		buf_addf(&done, "<Part><PartNumber>%u</PartNumber><ETag>\"%s\"</ETag></Part>", part, pe);
	}
	buf_addstr(&done, "</CompleteMultipartUpload>");
	if (!ret) {
		snprintf(q, sizeof(q), "uploadId=%s", eid);
		ret = request(s, "POST", key, q, done.buf, done.len, "application/xml", NULL, &r, err);
		/* S3 can answer 200 with an <Error> in the body */
		if (!ret && strstr(r.body.buf, "<Error>")) {
			char code[64], msg[256];

			xml_text(r.body.buf, "Code", code, sizeof(code));
			xml_text(r.body.buf, "Message", msg, sizeof(msg));
			ret = cc_err_set(err, CC_EIO, "s3://%s/%s: CompleteMultipartUpload: %s: %s", s->bucket, key, code, msg);
		}
	}
	if (!ret) {
		char got[80];

		xml_text(r.body.buf, "ETag", got, sizeof(got));
		{
			/* the ETag of a multipart object: md5 of the parts' md5s, then -N */
			char *g = got, fh[33];

			while (*g == '"' || !strncmp(g, "&quot;", 6))
				g += *g == '"' ? 1 : 6;
			if (digest("md5", all, 16 * (size_t)part, final)) {
				ret = cc_err_set(err, CC_ENOMEM, "out of memory hashing");
				goto out;
			}
			hex(final, 16, fh);
			snprintf(want, sizeof(want), "%s-%u", fh, part);
			/* S3's form; servers that speak its API may give the whole object's MD5 instead (s3rver) */
			if (digest("md5", data, (size_t)size, md5)) {
				ret = cc_err_set(err, CC_ENOMEM, "out of memory hashing");
				goto out;
			}
			hex(md5, 16, fh);
			if (!strncmp(g, want, strlen(want)) && !isxdigit((unsigned char)g[strlen(want)]))
				snprintf(etag, 80, "%s", want);
			else if (!strncmp(g, fh, 32) && !isxdigit((unsigned char)g[32]))
				snprintf(etag, 80, "%s", fh);
			else
				ret = cc_err_set(err, CC_EIO, "s3://%s/%s: the multipart ETag '%s' is neither %s nor the MD5 %s",
						 s->bucket, key, got, want, fh);
		}
	}
	if (ret && id[0]) {
		struct cc_err soft = { 0 };

		snprintf(q, sizeof(q), "uploadId=%s", eid);
		request(s, "DELETE", key, q, NULL, 0, NULL, NULL, &r, &soft); /* abort: no parts left behind */
	}
out:
	free(all);
	buf_release(&r.body);
	buf_release(&done);
	return ret;
}

enum cc_code s3_put_file(struct s3 *s, const char *key, const char *path, const char *content_type,
			 char etag[80], struct cc_err *err)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	ssize_t n;
	enum cc_code ret;
	unsigned char md5[16];
	int fd = fs_open_regular(path, "document", err);

	if (fd < 0)
		return err ? err->code : CC_EIO;
	if (fstat(fd, &st) || st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)5 << 30) {
		close(fd);
		return cc_err_set(err, CC_EIO, "cannot upload '%s': not a file under 5 GiB", path);
	}
	if (!(data = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return cc_err_set(err, CC_ENOMEM, "out of memory reading '%s'", path);
	}
	while (got < (size_t)st.st_size && (n = fs_read(fd, data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got != (size_t)st.st_size) {
		free(data);
		return cc_err_errno(err, errno ? errno : EIO, "cannot read '%s'", path);
	}
	if (s->o.part_bytes && got > s->o.part_bytes)
		ret = multipart(s, key, data, got, content_type, etag, err);
	else
		ret = put_checked(s, key, NULL, data, got, content_type, md5, etag, err);
	free(data);
	return ret;
}

/* ------------------------------------------------------------ presigning */

static int hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int n = 0;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n) ? 0 : -1;
}

enum cc_code s3_presign_get(const struct s3 *s, const char *key, long expires_s, time_t now, char *out,
			    size_t cap, struct cc_err *err)
{
	char date[17], day[9], scope[160], cred[512], ecred[1600], q[16000], creq[20000], sts[512], path[2048];
	char etok[13100], sig[65], hash[65], ksecret[300];
	unsigned char k1[32], k2[32], k3[32], k4[32], sg[32], d[32];
	struct tm tm;

	if (expires_s < 1 || expires_s > 604800)
		return cc_err_set(err, CC_EUSAGE, "a presigned URL lasts 1 s to 7 days, not %ld s", expires_s);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(scope, sizeof(scope), "%s/%s/s3/aws4_request", day, s->region);
	snprintf(cred, sizeof(cred), "%s/%s", s->creds.key_id, scope);
	qenc(cred, ecred, sizeof(ecred));
	etok[0] = '\0';
	if (s->creds.token[0]) {
		char t[12800];

		qenc(s->creds.token, t, sizeof(t));
		snprintf(etok, sizeof(etok), "&X-Amz-Security-Token=%s", t);
	}
	/* the query, sorted by name */
	snprintf(q, sizeof(q),
		 "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s&X-Amz-Expires=%ld%s"
		 "&X-Amz-SignedHeaders=host",
		 ecred, date, expires_s, etok);
	if (s->path_style)
		snprintf(path, sizeof(path), "/%s/%s", s->bucket, key);
	else
		snprintf(path, sizeof(path), "/%s", key);
	snprintf(creq, sizeof(creq), "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path, q, s->host);
	if (digest("sha256", creq, strlen(creq), d))
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	hex(d, 32, hash);
	snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope, hash);
	snprintf(ksecret, sizeof(ksecret), "AWS4%s", s->creds.secret);
	if (hmac((unsigned char *)ksecret, strlen(ksecret), day, k1) || hmac(k1, 32, s->region, k2) ||
	    hmac(k2, 32, "s3", k3) || hmac(k3, 32, "aws4_request", k4) || hmac(k4, 32, sts, sg)) {
		memset(ksecret, 0, sizeof(ksecret));
		return cc_err_set(err, CC_ENOMEM, "out of memory signing");
	}
	memset(ksecret, 0, sizeof(ksecret));
	hex(sg, 32, sig);
	if ((size_t)snprintf(out, cap, "%s%s?%s&X-Amz-Signature=%s", s->endpoint, path, q, sig) >= cap)
		return cc_err_set(err, CC_EUSAGE, "the presigned URL is too long");
	return CC_OK;
}
