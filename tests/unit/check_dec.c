#include <string.h>

#include "helpers.h"
#include "pipeline/core/dec.h"

static struct dec D(const char *s)
{
	struct dec d;

	ck_assert_msg(!dec_parse(s, strlen(s), &d), "cannot parse %s", s);
	return d;
}

static const char *F(struct dec d, int places)
{
	static char buf[64];

	dec_format(d, places, buf, sizeof(buf));
	return buf;
}

START_TEST(parse_price_list_strings)
{
	ck_assert_int_eq(D("0.1664000000").v, 1664000000);
	ck_assert_int_eq(D("1161").v, 1161 * DEC_SCALE);
	ck_assert_int_eq(D("0.0000000000").v, 0);
	ck_assert_int_eq(D("-2.5").v, -25000000000);
	/* trailing zeros past 10 digits are fine, significant ones are not */
	ck_assert_int_eq(D("1.000000000000").v, DEC_SCALE);
}
END_TEST

START_TEST(parse_rejects)
{
	static const char *const bad[] = { "", "Inf", "1e5", "1.", ".5", "+1",
					   "0x10", "1,5", "0.00000000001",
					   "99999999999999999999", "1 ", "--1" };
	struct dec d;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(dec_parse(bad[i], strlen(bad[i]), &d) == -1,
			      "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(compare_strings_numerically)
{
	ck_assert_int_lt(dec_cmp_str("10240", 5, "153600", 6), 0);
	ck_assert_int_gt(dec_cmp_str("51200", 5, "10240", 5), 0);
	ck_assert_int_eq(dec_cmp_str("1.50", 4, "1.5", 3), 0);
	ck_assert_int_eq(dec_cmp_str("007", 3, "7", 1), 0);
	ck_assert_int_lt(dec_cmp_str("-3", 2, "2", 1), 0);
	ck_assert_int_lt(dec_cmp_str("-3", 2, "-2", 2), 0);
	ck_assert_int_eq(dec_cmp_str("-0", 2, "0", 1), 0);
	/* beyond int64: still exact */
	ck_assert_int_lt(dec_cmp_str("99999999999999999999", 20,
				     "100000000000000000000", 21), 0);
}
END_TEST

START_TEST(multiply_and_round_money)
{
	struct dec r;

	/* t3.xlarge for 744 hours: 0.1664 x 744 = 123.8016 */
	ck_assert_int_eq(dec_mul(D("0.1664"), D("744"), &r), 0);
	ck_assert_str_eq(F(r, 4), "123.8016");
	ck_assert_str_eq(F(r, 2), "123.80");
	/* half away from zero, both signs */
	ck_assert_str_eq(F(D("2.345"), 2), "2.35");
	ck_assert_str_eq(F(D("-2.345"), 2), "-2.35");
	ck_assert_str_eq(F(D("2.344999"), 2), "2.34");
	/* gp3 throughput: 125 MB/s as GiBps = 125/1024 */
	ck_assert_int_eq(dec_div(D("125"), D("1024"), &r), 0);
	ck_assert_str_eq(F(r, 10), "0.1220703125");
	ck_assert_int_eq(dec_div(D("1"), D("0"), &r), -1);
	ck_assert_int_eq(dec_mul(D("900000000"), D("900000000"), &r), -1);
	ck_assert_str_eq(F(dec_from_int(12), 0), "12");
}
END_TEST

START_TEST(add_and_subtract)
{
	struct dec r;

	/* 247.60 + 0.01 = 247.61; 0.1 - 0.3 = -0.2, exactly (no binary float) */
	ck_assert_int_eq(dec_add(D("247.60"), D("0.01"), &r), 0);
	ck_assert_str_eq(F(r, 2), "247.61");
	ck_assert_int_eq(dec_sub(D("0.1"), D("0.3"), &r), 0);
	ck_assert_str_eq(F(r, 10), "-0.2000000000");
	ck_assert_int_eq(dec_add(D("900000000"), D("900000000"), &r), -1);
	ck_assert_int_eq(dec_sub(D("-900000000"), D("900000000"), &r), -1);
}
END_TEST

/* Rounding to cents (and any places) is half away from zero, worked in 128 bits here as a reference. */
__extension__ typedef __int128 ref128;

START_TEST(round_half_away_from_zero)
{
	static const struct {
		const char *in;
		int places;
		const char *out;
	} cases[] = {
		{ "1.005", 2, "1.01" }, { "-1.005", 2, "-1.01" }, { "1.0049999999", 2, "1.00" },
		{ "-1.0049999999", 2, "-1.00" }, { "0.5", 0, "1" }, { "-0.5", 0, "-1" }, { "2.4999999999", 0, "2" },
		{ "0.0000000001", 9, "0.000000000" }, { "0.0000000005", 9, "0.000000001" }, { "1161", 2, "1161.00" },
	};
	unsigned long long x = 88172645463325252ull;
	char out[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dec d;

		ck_assert_int_eq(dec_parse(cases[i].in, strlen(cases[i].in), &d), 0);
		dec_format(d, cases[i].places, out, sizeof(out));
		ck_assert_msg(!strcmp(out, cases[i].out), "%s at %d places: %s", cases[i].in, cases[i].places, out);
	}
	for (n = 0; n < 200000; n++) {
		struct dec d, r;
		int places = n % 11;
		ref128 unit = 1, q, rem, want;
		int k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d.v = (int64_t)(n % 3 ? x >> (n % 40) : x); /* small and large, both signs */
		if (n % 2)
			d.v = -d.v;
		for (k = 0; k < DEC_DIGITS - places; k++)
			unit *= 10;
		q = d.v / unit;
		rem = d.v % unit;
		if ((rem < 0 ? -rem : rem) * 2 >= unit)
			q += d.v < 0 ? -1 : 1;
		want = q * unit;
		r = dec_round(d, places);
		if (want > INT64_MAX || want < INT64_MIN)
			ck_assert(r.v == d.v);
		else
			ck_assert_msg(r.v == (int64_t)want, "%lld at %d places", (long long)d.v, places);
	}
}
END_TEST

Suite *suite_dec(void)
{
	Suite *s = suite_create("dec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_price_list_strings);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, compare_strings_numerically);
	tcase_add_test(tc, multiply_and_round_money);
	tcase_add_test(tc, add_and_subtract);
	tcase_add_test(tc, round_half_away_from_zero);
	suite_add_tcase(s, tc);
	return s;
}
