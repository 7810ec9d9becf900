#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

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

enum cc_code buf_grow(struct buf *b, size_t extra)
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

enum cc_code buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return CC_ENOMEM;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return CC_OK;
}

enum cc_code buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum cc_code buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

enum cc_code buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n))
		return CC_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CC_OK;
}

enum cc_code buf_add_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	if (buf_addch(b, '"'))
		return CC_ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
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
			if (buf_add(b, esc, 2) || buf_add(b, "00", 2))
				return CC_ENOMEM;
			esc[0] = hex[c >> 4];
			esc[1] = hex[c & 15];
			break;
		}
		if (buf_add(b, esc, elen))
			return CC_ENOMEM;
		start = i + 1;
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
