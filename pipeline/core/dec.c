#include "pipeline/core/dec.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/core/banned.h"

/* 128-bit intermediates for exact products; a GCC/Clang extension. */
__extension__ typedef __int128 i128;

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int dec_valid(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len && is_digit(s[i]); i++)
		digits++;
	if (!digits)
		return 0;
	if (i < len && s[i] == '.') {
		size_t frac = 0;

		for (i++; i < len && is_digit(s[i]); i++)
			frac++;
		if (!frac)
			return 0;
	}
	return i == len;
}

static int canonical_decimal(const char *s, size_t len, size_t max_whole)
{
	size_t i = 0, whole = 0, frac = 0;

	while (i < len && is_digit(s[i]))
		i++, whole++;
	if (!whole || whole > max_whole || (whole > 1 && s[0] == '0'))
		return 0;
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++)
			frac++;
		if (!frac || frac > DEC_DIGITS)
			return 0;
	}
	return i == len;
}

int dec_price_valid(const char *s, size_t len)
{
	return canonical_decimal(s, len, DEC_INT_DIGITS);
}

int dec_bound_valid(const char *s, size_t len)
{
	return canonical_decimal(s, len, 30);
}

int dec_parse(const char *s, size_t len, struct dec *out)
{
	int neg = 0;
	size_t i = 0, frac = 0;
	uint64_t v = 0;
	const uint64_t limit = (uint64_t)INT64_MAX;

	if (!dec_valid(s, len))
		return -1;
	if (s[0] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && s[i] != '.'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > limit / (uint64_t)DEC_SCALE)
		return -1;
	v *= (uint64_t)DEC_SCALE;
	if (i < len) {
		uint64_t scale = (uint64_t)DEC_SCALE;

		for (i++; i < len; i++, frac++) {
			uint64_t d = (uint64_t)(s[i] - '0');

			if (frac >= DEC_DIGITS) {
				if (d)
					return -1; /* more precision than we keep */
				continue;
			}
			scale /= 10;
			if (v > limit - d * scale)
				return -1;
			v += d * scale;
		}
	}
	out->v = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Skips sign-free leading zeros of the integer part. */
static void split(const char *s, size_t len, const char **ip, size_t *ilen,
		  const char **fp, size_t *flen)
{
	const char *dot = memchr(s, '.', len);
	size_t n = dot ? (size_t)(dot - s) : len;

	while (n > 1 && *s == '0') {
		s++;
		n--;
		len--;
	}
	*ip = s;
	*ilen = n;
	if (dot) {
		*fp = dot + 1;
		*flen = len - n - 1;
		while (*flen && (*fp)[*flen - 1] == '0')
			(*flen)--;
	} else {
		*fp = "";
		*flen = 0;
	}
}

static int cmp_abs(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ai, *af, *bi, *bf;
	size_t ail, afl, bil, bfl, i;
	int c;

	split(a, alen, &ai, &ail, &af, &afl);
	split(b, blen, &bi, &bil, &bf, &bfl);
	if (ail != bil)
		return ail < bil ? -1 : 1;
	c = memcmp(ai, bi, ail);
	if (c)
		return c < 0 ? -1 : 1;
	for (i = 0; i < afl || i < bfl; i++) {
		char x = i < afl ? af[i] : '0', y = i < bfl ? bf[i] : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static int is_zero(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != '0' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

int dec_cmp_str(const char *a, size_t alen, const char *b, size_t blen)
{
	int an = alen && a[0] == '-' && !is_zero(a, alen);
	int bn = blen && b[0] == '-' && !is_zero(b, blen);

	if (an != bn)
		return an ? -1 : 1;
	if (alen && a[0] == '-')
		a++, alen--;
	if (blen && b[0] == '-')
		b++, blen--;
	return an ? -cmp_abs(a, alen, b, blen) : cmp_abs(a, alen, b, blen);
}

/* q = n / d rounded half away from zero; d > 0. */
static i128 div_round(i128 n, i128 d)
{
	i128 q = n / d, r = n % d;

	if (r < 0)
		r = -r;
	if (2 * r >= d)
		q += n < 0 ? -1 : 1;
	return q;
}

static int fits(i128 v, struct dec *out)
{
	if (v > INT64_MAX || v < INT64_MIN)
		return -1;
	out->v = (int64_t)v;
	return 0;
}

int dec_add(struct dec a, struct dec b, struct dec *out)
{
	return fits((i128)a.v + (i128)b.v, out);
}

int dec_sub(struct dec a, struct dec b, struct dec *out)
{
	return fits((i128)a.v - (i128)b.v, out);
}

int dec_mul(struct dec a, struct dec b, struct dec *out)
{
	return fits(div_round((i128)a.v * b.v, DEC_SCALE), out);
}

int dec_div(struct dec a, struct dec b, struct dec *out)
{
	i128 n = (i128)a.v * DEC_SCALE, d = b.v;

	if (!b.v)
		return -1;
	if (d < 0) {
		n = -n;
		d = -d;
	}
	return fits(div_round(n, d), out);
}

static int64_t pow10i(int n)
{
	int64_t p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

struct dec dec_round(struct dec a, int places)
{
	int64_t unit, q, r;

	if (places < 0)
		places = 0;
	if (places >= DEC_DIGITS)
		return a;
	unit = pow10i(DEC_DIGITS - places);
	/* div_round in 64 bits (the engine rounds every line and number it writes) */
	q = a.v / unit;
	r = a.v % unit;
	if (r < 0)
		r = -r;
	if (2 * r >= unit)
		q += a.v < 0 ? -1 : 1;
	if (q > INT64_MAX / unit || q < INT64_MIN / unit)
		return a; /* within a unit of the int64 bounds: no rounding that fits */
	a.v = q * unit;
	return a;
}

int dec_format(struct dec a, int places, char *out, size_t size)
{
	char tmp[48];
	uint64_t abs, ip, fp;
	int64_t unit;
	size_t n = 0, len;
	int i;

	if (places < 0)
		places = 0;
	if (places > DEC_DIGITS)
		places = DEC_DIGITS;
	a = dec_round(a, places);
	abs = a.v < 0 ? (uint64_t)(-(a.v + 1)) + 1 : (uint64_t)a.v;
	ip = abs / (uint64_t)DEC_SCALE;
	unit = pow10i(DEC_DIGITS - places);
	fp = (abs % (uint64_t)DEC_SCALE) / (uint64_t)unit;
	/* by hand, not snprintf: the engine formats every number it writes */
	for (i = 0; i < places; i++, fp /= 10)
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + fp % 10);
	if (places)
		tmp[sizeof(tmp) - 1 - n++] = '.';
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (a.v < 0)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	len = n;
	if (size) {
		size_t k = len < size - 1 ? len : size - 1;

		memcpy(out, tmp + sizeof(tmp) - n, k);
		out[k] = '\0';
	}
	return (int)len;
}
