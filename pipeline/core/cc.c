#include "pipeline/core/cc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/banned.h"

static const char *const code_names[] = {
	[CC_OK] = "success",
	[CC_EUSAGE] = "usage error",
	[CC_EIO] = "input/output error",
	[CC_ENOSPC] = "disk full",
	[CC_EPARSE] = "parse error",
	[CC_ETRUNC] = "truncated input",
	[CC_ECORRUPT] = "corrupt file",
	[CC_ENOTFOUND] = "not found",
	[CC_ENET_TEMP] = "temporary network failure",
	[CC_ELOCKED] = "locked by another run",
	[CC_ENOMEM] = "out of memory",
	[CC_EPARTIAL] = "partial failure",
	[CC_ECONFLICT] = "condition failed",
};
_Static_assert(sizeof(code_names) / sizeof(code_names[0]) == CC_CODE_MAX,
	       "code_names must name every cc_code");

const char *cc_strerror(enum cc_code code)
{
	if ((int)code < 0 || code >= CC_CODE_MAX)
		return "unknown error";
	return code_names[code];
}

static enum cc_code err_vset(struct cc_err *err, enum cc_code code,
			     const char *fmt, va_list ap, const char *suffix)
{
	if (!err || err->code != CC_OK)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (suffix) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 suffix);
	}
	return code;
}

enum cc_code cc_err_set(struct cc_err *err, enum cc_code code,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, code, fmt, ap, NULL);
	va_end(ap);
	return code;
}

enum cc_code cc_err_errno(struct cc_err *err, int errnum, const char *fmt, ...)
{
	enum cc_code code = errnum == ENOSPC || errnum == EDQUOT ? CC_ENOSPC :
			    errnum == ENOMEM			 ? CC_ENOMEM :
								   CC_EIO;
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, code, fmt, ap, strerror(errnum));
	va_end(ap);
	return code;
}

void cc_err_clear(struct cc_err *err)
{
	err->code = CC_OK;
	err->msg[0] = '\0';
}

void cc_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *cc_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

int cc_grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 32;
	if (c < *cap || c > SIZE_MAX / size || !(p = realloc(*v, c * size)))
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

void cc_log(const struct cc_ctx *ctx, enum cc_level level,
	    const char *component, const char *fmt, ...)
{
	static const char hex[] = "0123456789abcdef";
	char msg[1024], safe[4 * sizeof(msg)];
	size_t i, j = 0;
	va_list ap;

	if (!ctx || !ctx->log || level < ctx->min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * Messages quote what servers and files said (an offerCode, a URL):
	 * a control byte there must not end the log line or forge another,
	 * so each is written as \xNN
	 */
	for (i = 0; msg[i]; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f) {
			safe[j++] = '\\';
			safe[j++] = 'x';
			safe[j++] = hex[c >> 4];
			safe[j++] = hex[c & 15];
		} else {
			safe[j++] = (char)c;
		}
	}
	safe[j] = '\0';
	ctx->log(ctx->user, level, component, safe);
}

void cc_progress(const struct cc_ctx *ctx, const char *what, uint64_t done,
		 uint64_t total)
{
	if (ctx && ctx->progress)
		ctx->progress(ctx->user, what, done, total);
}

uint64_t cc_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ (len * 0xC2B2AE3D27D4EB4FULL);

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
	}
	if (len) {
		uint64_t w = 0;

		memcpy(&w, p, len);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
	}
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 29;
	return h;
}

double cc_backoff_s(double first, unsigned attempt, double cap, unsigned *rng)
{
	double d = first;
	unsigned i;

	for (i = 1; i < attempt && d < cap; i++)
		d *= 2;
	d *= 0.5 + (double)(rand_r(rng) % 1000) / 1000.0;
	return d < cap ? d : cap;
}

int cc_copy(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n;

	if (!cap)
		return -1;
	n = len < cap ? len : cc_utf8_cut(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n == len ? 0 : -1;
}

void cc_utf8_tail(char *s)
{
	size_t n = strlen(s), k = n;

	while (k && n - k < 3 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	/* a lead byte whose character is not whole */
	if (k && (unsigned char)s[k - 1] >= 0xc0 && !utf8_char_len((const unsigned char *)s + k - 1, n - k + 1))
		s[k - 1] = '\0';
}

char *cc_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

const char *cc_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}
