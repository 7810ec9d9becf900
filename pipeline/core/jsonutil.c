#include "pipeline/core/jsonutil.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "pipeline/core/banned.h"
#include "pipeline/core/buf.h"

size_t json_utf8_scan(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		/* eight ASCII bytes at a time: the common case */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (!(n = utf8_char_len(s + i, len - i)))
			return i;
		i += n;
	}
	return len;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0, k;

	for (k = 0; k < 4; k++) {
		char c = p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * The bytes json_check stops at: outside a string (1) a quote, a bracket
 * or NUL; inside one (2) its end, an escape or NUL. Every other byte is
 * passed in a tight loop.
 */
static const unsigned char check_stop[256] = {
	[0] = 3, ['"'] = 3, ['\\'] = 2, ['['] = 1, ['{'] = 1, [']'] = 1, ['}'] = 1,
	[' '] = 4, ['\t'] = 4, ['\n'] = 4, ['\r'] = 4, ['/'] = 4,
};

/* Whether the escape at t[i] ('\\', within len) is one yajl_gen writes. */
static int canonical_escape(const unsigned char *t, size_t i, size_t len)
{
	unsigned char e = i + 1 < len ? t[i + 1] : 0;
	unsigned v;

	if (e != 'u')
		return e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't';
	if (i + 5 >= len || t[i + 2] != '0' || t[i + 3] != '0' || (t[i + 4] != '0' && t[i + 4] != '1') ||
	    !((t[i + 5] >= '0' && t[i + 5] <= '9') || (t[i + 5] >= 'A' && t[i + 5] <= 'F')))
		return 0;
	v = (unsigned)(t[i + 4] - '0') * 16 + (unsigned)(t[i + 5] <= '9' ? t[i + 5] - '0' : t[i + 5] - 'A' + 10);
	return v != 8 && v != 9 && v != 10 && v != 12 && v != 13;
}

int json_check(const char *text, size_t len, unsigned max_depth, char *why,
	       size_t whylen)
{
	return json_check_canonical(text, len, max_depth, why, whylen, NULL);
}

int json_check_canonical(const char *text, size_t len, unsigned max_depth, char *why,
			 size_t whylen, int *canonical)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t i, bad;
	unsigned depth = 0;
	unsigned char stop = canonical ? 5 : 1;

	if (canonical)
		*canonical = 1;

	bad = json_utf8_bad(t, len);
	if (bad < len) {
		snprintf(why, whylen, "not valid UTF-8 at byte %zu", bad);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c;

		while (i < len && !(check_stop[t[i]] & stop))
			i++;
		if (i == len)
			break;
		c = t[i];
		if (check_stop[c] == 4) {
			/* white space, or a comment yajl reads and drops */
			*canonical = 0;
			stop = 1;
			continue;
		}
		if (!c) {
			snprintf(why, whylen, "a NUL byte at byte %zu", i);
			return -1;
		}
		if (c == '[' || c == '{') {
			if (++depth > max_depth) {
				snprintf(why, whylen, "nested deeper than %u levels at byte %zu",
					 max_depth, i);
				return -1;
			}
			continue;
		}
		if (c == ']' || c == '}') {
			if (depth)
				depth--;
			continue;
		}
		/* a string, to its closing quote */
		for (i++; i < len; i++) {
			unsigned u, lo;

			while (i < len && !(check_stop[t[i]] & 2))
				i++;
			if (i == len)
				break;
			c = t[i];
			if (!c) {
				snprintf(why, whylen, "a NUL byte at byte %zu", i);
				return -1;
			}
			if (c == '"')
				break;
			/* an escape */
			if (stop != 1 && !canonical_escape(t, i, len)) {
				*canonical = 0;
				stop = 1;
			}
			if (i + 1 >= len)
				continue;
			i++;
			if (t[i] != 'u')
				continue;
			if (i + 4 >= len || hex4(text + i + 1, &u))
				continue; /* yajl reports the bad escape */
			if (!u) {
				snprintf(why, whylen, "a \\u0000 (NUL) in a string at byte %zu", i - 1);
				return -1;
			}
			if (u >= 0xdc00 && u <= 0xdfff)
				goto lone;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (i + 10 >= len || text[i + 5] != '\\' || text[i + 6] != 'u' ||
				    hex4(text + i + 7, &lo) || lo < 0xdc00 || lo > 0xdfff)
					goto lone;
				i += 6;
			}
			i += 4;
			continue;
lone:
			snprintf(why, whylen, "a lone UTF-16 surrogate \\u%04x at byte %zu", u, i - 1);
			return -1;
		}
	}
	return 0;
}

yajl_val json_parse(const char *text, size_t len, unsigned max_depth, char *why,
		    size_t whylen)
{
	char errbuf[256], *nl, *copy;
	yajl_val v;

	if (json_check(text, len, max_depth, why, whylen))
		return NULL;
	/* yajl_tree_parse reads to a NUL, and json_check made sure none is inside */
	copy = strndup(text, len);
	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	v = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (!v) {
		const char *msg = errbuf;

		if (!strncmp(msg, "parse error: ", 13))
			msg += 13;
		if ((nl = strchr(errbuf, '\n'))) /* the first line says what */
			*nl = '\0';
		snprintf(why, whylen, "%s", msg);
		nl = why + strlen(why);
		while (nl > why && nl[-1] == ' ')
			*--nl = '\0';
	}
	return v;
}

int json_num_normalize(const char *in, char *out, size_t cap)
{
	const char *p = in, *int_s, *frac_s = NULL, *exp_s = NULL;
	size_t int_n = 0, frac_n = 0, exp_n = 0, need;
	int neg = 0, exp_neg = 0;
	char *o = out;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	int_s = p;
	while (*p >= '0' && *p <= '9')
		p++, int_n++;
	if (*p == '.') {
		frac_s = ++p;
		while (*p >= '0' && *p <= '9')
			p++, frac_n++;
	}
	if (!int_n && !frac_n)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			exp_neg = *p++ == '-';
		exp_s = p;
		while (*p >= '0' && *p <= '9')
			p++, exp_n++;
		if (!exp_n)
			return -1;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return -1;
	while (int_n > 1 && *int_s == '0')
		int_s++, int_n--;
	need = 1 + (int_n ? int_n : 1) + 1 + frac_n + 2 + exp_n + 1;
	if (need > cap)
		return -1;
	if (neg)
		*o++ = '-';
	if (int_n) {
		memcpy(o, int_s, int_n);
		o += int_n;
	} else {
		*o++ = '0';
	}
	if (frac_n) {
		*o++ = '.';
		memcpy(o, frac_s, frac_n);
		o += frac_n;
	}
	if (exp_n) {
		*o++ = 'e';
		if (exp_neg)
			*o++ = '-';
		memcpy(o, exp_s, exp_n);
		o += exp_n;
	}
	*o = '\0';
	return 0;
}

const char *json_dup_key(yajl_val v)
{
	size_t i, j;
	const char *d;

	if (YAJL_IS_OBJECT(v)) {
		for (i = 0; i < v->u.object.len; i++) {
			for (j = 0; j < i; j++)
				if (!strcmp(v->u.object.keys[i], v->u.object.keys[j]))
					return v->u.object.keys[i];
			if ((d = json_dup_key(v->u.object.values[i])))
				return d;
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (i = 0; i < v->u.array.len; i++)
			if ((d = json_dup_key(v->u.array.values[i])))
				return d;
	}
	return NULL;
}

int json_gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok;
}

int json_gen_value(yajl_gen g, yajl_val v)
{
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		return json_gen_str(g, v->u.string);
	case yajl_t_number:
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)) ==
		       yajl_gen_status_ok;
	case yajl_t_object:
		if (yajl_gen_map_open(g) != yajl_gen_status_ok)
			return 0;
		for (i = 0; i < v->u.object.len; i++)
			if (!json_gen_str(g, v->u.object.keys[i]) ||
			    !json_gen_value(g, v->u.object.values[i]))
				return 0;
		return yajl_gen_map_close(g) == yajl_gen_status_ok;
	case yajl_t_array:
		if (yajl_gen_array_open(g) != yajl_gen_status_ok)
			return 0;
		for (i = 0; i < v->u.array.len; i++)
			if (!json_gen_value(g, v->u.array.values[i]))
				return 0;
		return yajl_gen_array_close(g) == yajl_gen_status_ok;
	case yajl_t_true:
		return yajl_gen_bool(g, 1) == yajl_gen_status_ok;
	case yajl_t_false:
		return yajl_gen_bool(g, 0) == yajl_gen_status_ok;
	default:
		return yajl_gen_null(g) == yajl_gen_status_ok;
	}
}

yajl_val json_get(yajl_val obj, const char *key)
{
	const char *path[2] = { key, NULL };

	return obj ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

const char *json_get_str(yajl_val obj, const char *key)
{
	yajl_val v = json_get(obj, key);

	return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

const char *json_get_num(yajl_val obj, const char *key)
{
	yajl_val v = json_get(obj, key);

	return v && YAJL_IS_NUMBER(v) ? v->u.number.r : NULL;
}

/* ------------------------------------------------------------ json_doc */

struct doc_slot {
	const char *key; /* NULL in an array */
	yajl_val v;
};

struct doc_frame {
	yajl_val node;
	const char *key; /* its own key in its parent object */
	size_t base;     /* its first slot */
};

/* where a string's fast scan stops: its end, an escape, a control byte */
static const unsigned char doc_str_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

void json_doc_init(struct json_doc *d)
{
	arena_init(&d->arena, 16 * 1024, 0);
	d->yajl = NULL;
	d->slots = NULL;
	d->nslots = 0;
}

void json_doc_release(struct json_doc *d)
{
	arena_release(&d->arena);
	if (d->yajl)
		yajl_tree_free(d->yajl);
	free(d->slots);
	json_doc_init(d);
}

static const unsigned char *doc_ws(const unsigned char *p, const unsigned char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static size_t doc_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The string after the quote at (*pp)[-1], decoded and NUL-terminated in
 * the arena; *pp moves past its closing quote. NULL for anything json_parse
 * should judge (a control byte, a bad escape, \u0000, a lone surrogate).
 */
static char *doc_string(struct arena *a, const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *s = *pp, *p = s, *q;
	char *out, *o;
	int esc = 0;

	for (;;) {
		while (p < e && !doc_str_stop[*p])
			p++;
		if (p >= e || *p < 0x20)
			return NULL;
		if (*p == '"')
			break;
		if (e - p < 2) /* a backslash: the escape is decoded below */
			return NULL;
		esc = 1;
		p += 2;
	}
	/* a decoded string is never longer than its text: \uXXXX is at most 3 bytes, a pair 4 */
	if (!(out = arena_alloc_bytes(a, (size_t)(p - s) + 1)))
		return NULL;
	*pp = p + 1;
	if (!esc) {
		memcpy(out, s, (size_t)(p - s));
		out[p - s] = '\0';
		return out;
	}
	for (o = out, q = s; q < p;) {
		unsigned u, lo;

		if (*q != '\\') {
			*o++ = (char)*q++;
			continue;
		}
		switch (q[1]) {
		case '"': case '\\': case '/': *o++ = (char)q[1]; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (p - q < 6 || hex4((const char *)q + 2, &u) || !u || (u >= 0xdc00 && u <= 0xdfff))
				return NULL;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (p - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4((const char *)q + 8, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			o += doc_utf8(o, u);
			q += 4;
			break;
		default:
			return NULL;
		}
		q += 2;
	}
	*o = '\0';
	return out;
}

#define DOC_DIGIT(c) ((c) >= '0' && (c) <= '9')

/*
 * The number at *pp (RFC 8259's grammar), as yajl_tree keeps one: its text,
 * i when the text is an integer within long long (yajl_parse_integer: else
 * LLONG_MAX or LLONG_MIN by its sign), d as strtod reads it.
 */
static yajl_val doc_number(struct arena *a, const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *s = *pp, *p = s;
	int neg = 0, integer = 1, over = 0;
	unsigned long long mag = 0;
	yajl_val v;

	if (p < e && *p == '-')
		neg = 1, p++;
	if (p >= e || !DOC_DIGIT(*p))
		return NULL;
	if (*p == '0') {
		p++;
	} else {
		for (; p < e && DOC_DIGIT(*p); p++) {
			unsigned dgt = (unsigned)(*p - '0');

			if (mag > ((unsigned long long)LLONG_MAX - dgt) / 10)
				over = 1;
			else
				mag = mag * 10 + dgt;
		}
	}
	if (p < e && *p == '.') {
		if (++p >= e || !DOC_DIGIT(*p))
			return NULL;
		while (p < e && DOC_DIGIT(*p))
			p++;
		integer = 0;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || !DOC_DIGIT(*p))
			return NULL;
		while (p < e && DOC_DIGIT(*p))
			p++;
		integer = 0;
	}
	if (!(v = arena_alloc(a, sizeof(*v))) || !(v->u.number.r = arena_strndup(a, (const char *)s, (size_t)(p - s))))
		return NULL;
	v->type = yajl_t_number;
	v->u.number.flags = 0;
	if (integer && !over) {
		v->u.number.i = neg ? -(long long)mag : (long long)mag;
		v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	} else {
		v->u.number.i = neg ? LLONG_MIN : LLONG_MAX;
	}
	if (integer && !over && mag < (1ull << 53) && !(neg && !mag)) {
		v->u.number.d = (double)v->u.number.i; /* exact: what strtod gives */
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	} else {
		char *end = NULL;

		errno = 0;
		v->u.number.d = strtod(v->u.number.r, &end);
		if (!errno && end && !*end)
			v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	}
	*pp = p;
	return v;
}

static yajl_val doc_node(struct arena *a, yajl_type t)
{
	yajl_val v = arena_alloc(a, sizeof(*v));

	if (v) {
		memset(v, 0, sizeof(*v));
		v->type = t;
	}
	return v;
}

/* The tree of plain JSON, or NULL for json_parse to build or refuse. */
static yajl_val doc_build(struct json_doc *d, const unsigned char *p, const unsigned char *e, unsigned max_depth)
{
	struct doc_frame fr[JSON_MAX_DEPTH + 1];
	struct doc_slot *sl = d->slots;
	struct arena *a = &d->arena;
	size_t depth = 0, n = 0;
	const char *key = NULL;
	yajl_val v;

	if (max_depth > JSON_MAX_DEPTH || json_utf8_bad(p, (size_t)(e - p)) < (size_t)(e - p))
		return NULL;
value:
	p = doc_ws(p, e);
	if (p >= e)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		if (depth >= max_depth || !(v = doc_node(a, *p == '{' ? yajl_t_object : yajl_t_array)))
			return NULL;
		fr[depth].node = v;
		fr[depth].key = key;
		fr[depth++].base = n;
		p = doc_ws(p + 1, e);
		if (p < e && (*p == '}' || *p == ']') && (*p == '}') == YAJL_IS_OBJECT(v)) {
			p++;
			goto closed;
		}
		if (YAJL_IS_ARRAY(v)) {
			key = NULL;
			goto value;
		}
		goto member;
	case '"':
		p++;
		if (!(v = doc_node(a, yajl_t_string)) || !(v->u.string = doc_string(a, &p, e)))
			return NULL;
		break;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
		size_t ln = strlen(lit);

		if ((size_t)(e - p) < ln || memcmp(p, lit, ln) ||
		    !(v = doc_node(a, *p == 't' ? yajl_t_true : *p == 'f' ? yajl_t_false : yajl_t_null)))
			return NULL;
		p += ln;
		break;
	}
	default:
		if (!(v = doc_number(a, &p, e)))
			return NULL;
		break;
	}
added:
	if (!depth) {
		p = doc_ws(p, e);
		return p == e ? v : NULL; /* trailing text: json_parse says what it is */
	}
	if (n == d->nslots) {
		size_t want = n ? 2 * n : 256;

		if (!(sl = realloc(d->slots, want * sizeof(*sl))))
			return NULL;
		d->slots = sl;
		d->nslots = want;
	}
	sl[n].key = key;
	sl[n++].v = v;
	p = doc_ws(p, e);
	if (p >= e)
		return NULL;
	if (*p == ',') {
		p++;
		if (YAJL_IS_ARRAY(fr[depth - 1].node)) {
			key = NULL;
			goto value;
		}
		goto member;
	}
	if (*p != (YAJL_IS_OBJECT(fr[depth - 1].node) ? '}' : ']'))
		return NULL;
	p++;
closed:
	/* the container fr[depth - 1] has its children in slots base..n */
	{
		struct doc_frame *f = &fr[--depth];
		size_t k, cnt = n - f->base;
		yajl_val *vals = NULL;

		v = f->node;
		if (cnt && !(vals = arena_alloc(a, cnt * sizeof(*vals))))
			return NULL;
		for (k = 0; k < cnt; k++)
			vals[k] = sl[f->base + k].v;
		if (YAJL_IS_OBJECT(v)) {
			const char **keys = NULL;

			if (cnt && !(keys = arena_alloc(a, cnt * sizeof(*keys))))
				return NULL;
			for (k = 0; k < cnt; k++)
				keys[k] = sl[f->base + k].key;
			v->u.object.keys = keys;
			v->u.object.values = vals;
			v->u.object.len = cnt;
		} else {
			v->u.array.values = vals;
			v->u.array.len = cnt;
		}
		n = f->base;
		key = f->key;
	}
	goto added;
member:
	p = doc_ws(p, e);
	if (p >= e || *p != '"')
		return NULL;
	p++;
	if (!(key = doc_string(a, &p, e)))
		return NULL;
	p = doc_ws(p, e);
	if (p >= e || *p != ':')
		return NULL;
	p++;
	goto value;
}

yajl_val json_doc_parse(struct json_doc *d, const char *text, size_t len, unsigned max_depth, char *why,
			size_t whylen)
{
	yajl_val v;

	arena_clear(&d->arena);
	if (d->yajl)
		yajl_tree_free(d->yajl);
	d->yajl = NULL;
	if ((v = doc_build(d, (const unsigned char *)text, (const unsigned char *)text + len, max_depth)))
		return v;
	arena_clear(&d->arena);
	return d->yajl = json_parse(text, len, max_depth, why, whylen);
}
