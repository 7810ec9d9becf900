#ifndef DEC_H
#define DEC_H
/*
 * Exact decimals for money and price-list quantities: a signed fixed-point
 * value with DEC_DIGITS (10) fractional digits, the precision AWS publishes
 * hourly rates with. Never a binary float.
 *
 * Range: |value| < 9.2e8 (int64 / 1e10), ample for a price or a monthly
 * line item; dec_mul and dec_div report overflow instead of wrapping.
 *
 *	struct dec p, q, cost;
 *	if (dec_parse("0.1664000000", 12, &p) || dec_parse("744", 3, &q)) ...
 *	if (dec_mul(p, q, &cost)) ...		// exact: 123.8016
 *	cost = dec_round(cost, 2);		// 123.80, half away from zero
 */
#include <stddef.h>
#include <stdint.h>

#define DEC_DIGITS 10
#define DEC_SCALE INT64_C(10000000000)
/* Whole digits a price may have and still fit (int64 / DEC_SCALE is 922,337,203). */
#define DEC_INT_DIGITS 8

struct dec {
	int64_t v; /* value * 10^DEC_DIGITS */
};

/*
 * Parses [-]digits[.digits] (what the price list uses: "0.0800000000",
 * "1161", "10240"). Rejects empty input, exponents, "Inf", more than
 * DEC_DIGITS significant fractional digits (trailing zeros are fine) and
 * overflow. Returns 0 or -1.
 */
int dec_parse(const char *s, size_t len, struct dec *out);
/* Syntax check only, any size: [-]digits[.digits]. Returns 1 if valid. */
int dec_valid(const char *s, size_t len);
/*
 * A price or a range bound as the price list writes them: not negative
 * (no sign at all, so no "-0"), no leading zeros ("00001"), at most
 * DEC_INT_DIGITS whole digits and DEC_DIGITS decimals, so it is kept
 * exactly. 1 when it is.
 */
int dec_price_valid(const char *s, size_t len);
/*
 * A tier bound ("0", "10240", "2500000000"): as dec_price_valid, but up to
 * 30 whole digits, since request tiers pass what a struct dec holds (they
 * are compared as text, dec_cmp_str). 1 when it is.
 */
int dec_bound_valid(const char *s, size_t len);
/*
 * Numeric comparison of two valid decimal strings of any size (no
 * conversion, so "153600" > "10240" and "1.50" == "1.5"). -1, 0 or 1.
 */
int dec_cmp_str(const char *a, size_t alen, const char *b, size_t blen);

static inline int dec_cmp(struct dec a, struct dec b)
{
	return a.v < b.v ? -1 : a.v > b.v;
}
static inline struct dec dec_from_int(int64_t i)
{
	struct dec d = { i * DEC_SCALE };
	return d;
}
/* Each returns 0, or -1 on overflow (out untouched). */
/* a + b and a - b, exact. */
int dec_add(struct dec a, struct dec b, struct dec *out);
int dec_sub(struct dec a, struct dec b, struct dec *out);
/* a * b, rounded half away from zero to DEC_DIGITS. */
int dec_mul(struct dec a, struct dec b, struct dec *out);
/* a / b, rounded half away from zero; -1 also for b == 0. */
int dec_div(struct dec a, struct dec b, struct dec *out);
/* Rounds to `places` (0..DEC_DIGITS) fractional digits, half away from zero. */
struct dec dec_round(struct dec a, int places);
/*
 * Writes the value with exactly `places` fractional digits (rounding first)
 * into out[0..size); returns the length, as snprintf does.
 */
int dec_format(struct dec a, int places, char *out, size_t size);

#endif
