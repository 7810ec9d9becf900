#ifndef BUF_H
#define BUF_H
/*
 * Growable byte buffer with a hard cap (curl's dynbuf, git's strbuf).
 *
 * Invariants: `b->buf` is never NULL after buf_init (it points at a static
 * empty string until the first append) and is always NUL-terminated, so it
 * can be passed to string functions at any time. An append that would pass
 * the cap, or that cannot allocate, fails with CC_ENOMEM and leaves the
 * buffer as it was.
 *
 *	struct buf b;
 *	buf_init(&b, 1 << 20);
 *	if (buf_addf(&b, "%d items", n)) goto fail;
 *	use(b.buf, b.len);
 *	buf_release(&b);
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/core/cc.h"

struct buf {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while buf points at the static empty string */
	size_t cap;   /* the most `len` may grow to */
};

void buf_init(struct buf *b, size_t cap);
/* Frees the memory; the buffer is empty and usable again. */
void buf_release(struct buf *b);
/* Empties without freeing. */
static inline void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}
enum cc_code buf_grow_slow(struct buf *b, size_t extra);
enum cc_code buf_add_slow(struct buf *b, const void *data, size_t len);

/* Makes room for `extra` more bytes (and the NUL): CC_ENOMEM past the cap. */
static inline enum cc_code buf_grow(struct buf *b, size_t extra)
{
	/* alloc <= cap + 1, so what fits in the allocation is within the cap */
	if (extra < b->alloc - b->len && b->alloc)
		return CC_OK;
	return buf_grow_slow(b, extra);
}

static inline enum cc_code buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->alloc && len < b->alloc - b->len) {
		if (len)
			memcpy(b->buf + b->len, data, len);
		b->len += len;
		b->buf[b->len] = '\0';
		return CC_OK;
	}
	return buf_add_slow(b, data, len);
}

static inline enum cc_code buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

static inline enum cc_code buf_addch(struct buf *b, char c)
{
	if (b->alloc && 1 < b->alloc - b->len) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
		return CC_OK;
	}
	return buf_add_slow(b, &c, 1);
}
enum cc_code buf_addf(struct buf *b, const char *fmt, ...) CC_PRINTF(2, 3);
/* Appends each string up to the NULL: buf_adds(b, "{\"Id\":", id, "}", NULL). */
enum cc_code buf_adds(struct buf *b, ...) CC_SENTINEL;
/*
 * Replaces, in place, each byte of s[0..len) that is not part of a UTF-8
 * character with '?': text for people (a report, a workbook) that holds
 * values from outside stays valid UTF-8 whatever cut them. Returns how
 * many bytes it replaced.
 */
size_t utf8_scrub(char *s, size_t len);

/* Appends v in decimal (a JSON number): no printf in the engine's hot paths. */
enum cc_code buf_add_int(struct buf *b, int64_t v);
/*
 * Appends `s` as a JSON string literal, quotes included. Bytes that are not
 * UTF-8 (a name cut mid-character, a stray byte) become U+FFFD, so what it
 * writes is always valid JSON text.
 */
enum cc_code buf_add_json_str(struct buf *b, const char *s, size_t len);
/*
 * A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
 * break, and never taken for a formula by a spreadsheet: one that begins
 * with '=', '+', '@', a tab, a CR or a '-' that is not a negative number
 * is quoted with a leading apostrophe (OWASP's CSV-injection advice).
 */
void buf_add_csv(struct buf *b, const char *p, size_t len);
/*
 * A write callback for libcurl (CURLOPT_WRITEFUNCTION, with WRITEDATA the
 * buffer): appends, and refuses past the cap, which aborts the transfer.
 */
size_t buf_write_cb(char *data, size_t size, size_t n, void *b);
/* Takes ownership of the memory (caller frees); the buffer is reset. */
char *buf_detach(struct buf *b, size_t *len);

#endif
