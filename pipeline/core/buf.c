#include "pipeline/core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/banned.h"

static char buf_empty[1];

void buf_init(struct buf *b, size_t cap)
{
	b->buf = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->buf);
	buf_init(b, b->cap);
}

enum cc_code buf_grow_slow(struct buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return CC_ENOMEM;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return CC_OK;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n < SIZE_MAX / 2 ? n * 2 : want;
	if (n > b->cap + 1)
		n = b->cap + 1;
	p = b->alloc ? realloc(b->buf, n) : malloc(n);
	if (!p)
		return CC_ENOMEM;
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return CC_OK;
}

enum cc_code buf_add_slow(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return CC_ENOMEM;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return CC_OK;
}



enum cc_code buf_adds(struct buf *b, ...)
{
	enum cc_code ret = CC_OK;
	size_t len = b->len;
	const char *s;
	va_list ap;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *)))
		if ((ret = buf_addstr(b, s)))
			break;
	va_end(ap);
	if (ret && b->alloc) { /* all or nothing */
		b->len = len;
		b->buf[len] = '\0';
	}
	return ret;
}

enum cc_code buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->alloc ? b->alloc - b->len : 0;
	int n;

	/* one formatting when it fits in what is allocated, a second after growing */
	va_start(ap, fmt);
	n = room ? vsnprintf(b->buf + b->len, room, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if ((size_t)n < room && (size_t)n <= b->cap - b->len) {
		b->len += (size_t)n;
		return CC_OK;
	}
	if (buf_grow(b, (size_t)n))
		goto fail;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CC_OK;
fail:
	if (b->alloc)
		b->buf[b->len] = '\0'; /* as it was */
	return CC_ENOMEM;
}

size_t utf8_scrub(char *s, size_t len)
{
	size_t i = 0, n, bad = 0;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_char_len((const unsigned char *)s + i, len - i))) {
			i += n;
			continue;
		}
		s[i++] = '?';
		bad++;
	}
	return bad;
}

enum cc_code buf_add_int(struct buf *b, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	return buf_add(b, tmp + sizeof(tmp) - n, n);
}

/* 1 where a byte must be escaped in a JSON string */
static const unsigned char json_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* 1 when none of the eight bytes at p needs a look (ASCII, no byte < 0x20, '"' or '\\') */
static inline int json_word_plain(const char *p)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, q, b;

	memcpy(&w, p, 8);
	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	return !((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high);
}

enum cc_code buf_add_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, start = 0;

	if (buf_grow(b, len + 2))
		return CC_ENOMEM;
	b->buf[b->len++] = '"';
	b->buf[b->len] = '\0';
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t elen = 2;

		if (i + 8 <= len && json_word_plain(s + i)) {
			i += 8;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_char_len((const unsigned char *)s + i, len - i);

			if (n) {
				i += n;
				continue;
			}
			/* not UTF-8: U+FFFD in its place */
			if (buf_add(b, s + start, i - start) || buf_add(b, "\xef\xbf\xbd", 3))
				return CC_ENOMEM;
			start = ++i;
			continue;
		}
		if (!json_esc[c]) {
			i++;
			continue;
		}
		if (buf_add(b, s + start, i - start))
			return CC_ENOMEM;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
			break;
		}
		if (buf_add(b, esc, elen))
			return CC_ENOMEM;
		start = ++i;
	}
	if (buf_add(b, s + start, len - start) || buf_addch(b, '"'))
		return CC_ENOMEM;
	return CC_OK;
}

size_t buf_write_cb(char *data, size_t size, size_t n, void *b)
{
	return buf_add(b, data, size * n) ? 0 : size * n;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->alloc ? b->buf : strdup("");

	if (len)
		*len = b->len;
	buf_init(b, b->cap);
	return p;
}

/* A CSV field: quoted when it needs to be, and never read as a formula by a spreadsheet. */
void buf_add_csv(struct buf *b, const char *p, size_t len)
{
	size_t i;
	int quote = len && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' || p[0] == '\t' || p[0] == '\r');

	for (i = 0; i < len && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote) {
		buf_add(b, p, len);
		return;
	}
	buf_addch(b, '"');
	if (len && (p[0] == '=' || p[0] == '+' || p[0] == '@' || p[0] == '\t' || p[0] == '\r' ||
		    (p[0] == '-' && (len < 2 || p[1] < '0' || p[1] > '9'))))
		buf_addch(b, '\''); /* OWASP: a leading quote keeps a spreadsheet from evaluating it */
	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			buf_addch(b, '"');
		buf_addch(b, p[i]);
	}
	buf_addch(b, '"');
}
