#include "pipeline/core/jsonutil.h"

#include <stdint.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "pipeline/core/banned.h"

size_t json_utf8_scan(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], need, min, cp, k;

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
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return i; /* continuation byte, 0xc0/0xc1 overlong, 0xf5+ */
		if (len - i <= need)
			return i;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
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
