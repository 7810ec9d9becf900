#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/core/arena.h"
#include "pipeline/core/buf.h"

START_TEST(buf_never_null_and_capped)
{
	struct buf b;
	char *p;
	size_t len;

	buf_init(&b, 8);
	ck_assert_ptr_nonnull(b.buf);
	ck_assert_str_eq(b.buf, "");
	ck_assert_int_eq(buf_addstr(&b, "12345678"), CC_OK);
	/* past the cap: refused, contents unchanged */
	ck_assert_int_eq(buf_addch(&b, '9'), CC_ENOMEM);
	ck_assert_str_eq(b.buf, "12345678");
	buf_reset(&b);
	ck_assert_int_eq(buf_addf(&b, "%d-%s", 42, "x"), CC_OK);
	ck_assert_str_eq(b.buf, "42-x");
	p = buf_detach(&b, &len);
	ck_assert_str_eq(p, "42-x");
	ck_assert_int_eq(len, 4);
	ck_assert_str_eq(b.buf, "");
	free(p);
	buf_release(&b);
}
END_TEST

/* buf_addf formats once into the room it has, again after growing; buf_adds is all or nothing. */
START_TEST(buf_addf_room_and_adds)
{
	struct buf b;
	int i;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_addstr(&b, "ab"), CC_OK); /* 64 bytes allocated */
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(buf_addf(&b, "%09d", i), CC_OK); /* grows past 64 on the 7th */
	ck_assert_uint_eq(b.len, 2 + 9 * 9);
	ck_assert_str_eq(b.buf + b.len - 9, "000000008");
	/* 83 + 20 > 100: refused, as it was */
	ck_assert_int_eq(buf_addf(&b, "%020d", 1), CC_ENOMEM);
	ck_assert_uint_eq(b.len, 83);
	ck_assert_uint_eq(strlen(b.buf), 83);
	ck_assert_int_eq(buf_adds(&b, "x", "yz", NULL), CC_OK);
	ck_assert_str_eq(b.buf + 83, "xyz");
	ck_assert_int_eq(buf_adds(&b, "0123456789", "0123456789", NULL), CC_ENOMEM);
	ck_assert_uint_eq(b.len, 86);
	ck_assert_str_eq(b.buf + 83, "xyz");
	buf_release(&b);
}
END_TEST

START_TEST(buf_json_escapes)
{
	struct buf b;

	buf_init(&b, 1024);
	ck_assert_int_eq(buf_add_json_str(&b, "a\"b\\c\n\x01", 7), CC_OK);
	ck_assert_str_eq(b.buf, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_release(&b);
}
END_TEST

/*
 * The escaper reads eight bytes at a time where it can: every byte value,
 * at every place in strings of 0..24 bytes (so in a word, across words and
 * in the tail), comes out as the byte-at-a-time rule says, and bytes that
 * are not UTF-8 come out as U+FFFD, so the text is always valid JSON.
 */
START_TEST(buf_json_escapes_every_byte_everywhere)
{
	char in[24], want[24 * 6 + 3];
	static const char cut[] = "a\xe2\x82\xac\xe2\x82"; /* "a", a euro sign, and a euro sign cut short */
	struct buf b;
	size_t len, at, k, n;
	unsigned c;

	buf_init(&b, 1024);
	for (len = 1; len <= sizeof(in); len++)
		for (at = 0; at < len; at++)
			for (c = 0; c < 256; c++) {
				memset(in, 'a', sizeof(in));
				in[at] = (char)c;
				n = 0;
				want[n++] = '"';
				for (k = 0; k < len; k++) {
					unsigned char x = (unsigned char)in[k];

					if (x == '"' || x == '\\')
						n += (size_t)sprintf(want + n, "\\%c", x);
					else if (x == '\n')
						n += (size_t)sprintf(want + n, "\\n");
					else if (x == '\t')
						n += (size_t)sprintf(want + n, "\\t");
					else if (x == '\r')
						n += (size_t)sprintf(want + n, "\\r");
					else if (x < 0x20)
						n += (size_t)sprintf(want + n, "\\u%04x", x);
					else if (x >= 0x80) /* alone, no byte of 0x80 and up is UTF-8 */
						n += (size_t)sprintf(want + n, "\xef\xbf\xbd");
					else
						want[n++] = (char)x;
				}
				want[n++] = '"';
				buf_reset(&b);
				ck_assert_int_eq(buf_add_json_str(&b, in, len), CC_OK);
				ck_assert_msg(b.len == n && !memcmp(b.buf, want, n), "byte %u at %zu of %zu", c, at, len);
			}
	/* characters are kept whole; what is left of one cut short is U+FFFD */
	buf_reset(&b);
	ck_assert_int_eq(buf_add_json_str(&b, cut, sizeof(cut) - 1), CC_OK);
	ck_assert_str_eq(b.buf, "\"a\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\"");
	buf_release(&b);
}
END_TEST

START_TEST(buf_int_decimal)
{
	struct buf b;

	buf_init(&b, 1024);
	ck_assert_int_eq(buf_add_int(&b, 0), CC_OK);
	buf_addch(&b, ' ');
	buf_add_int(&b, -7);
	buf_addch(&b, ' ');
	buf_add_int(&b, INT64_MAX);
	buf_addch(&b, ' ');
	buf_add_int(&b, INT64_MIN);
	ck_assert_str_eq(b.buf, "0 -7 9223372036854775807 -9223372036854775808");
	buf_release(&b);
}
END_TEST

START_TEST(arena_copies_and_caps)
{
	struct arena a;
	char *s, *big;
	int i;

	arena_init(&a, 1024, 4096);
	s = arena_strndup(&a, "hello world", 5);
	ck_assert_str_eq(s, "hello");
	for (i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(arena_alloc(&a, 100));
	/* a block bigger than the cap allows */
	big = arena_alloc(&a, 8192);
	ck_assert_ptr_null(big);
	arena_clear(&a);
	ck_assert_int_eq(a.used, 0);
	ck_assert_ptr_nonnull(arena_alloc(&a, 100));
	arena_release(&a);
	ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(cc_helpers)
{
	char small[6], line[] = "  \t key = value \n";
	unsigned rng = 42;
	double d;
	unsigned i;

	ck_assert_int_eq(cc_copy(small, sizeof(small), "hello", 5), 0);
	ck_assert_str_eq(small, "hello");
	ck_assert_int_eq(cc_copy(small, sizeof(small), "hello world", 11), -1);
	ck_assert_str_eq(small, "hello");
	ck_assert_int_eq(cc_copy(small, 0, "x", 1), -1);
	ck_assert_str_eq(cc_trim(line), "key = value");
	/* a cut falls between UTF-8 characters: "a\u20ac" (4 bytes) in 4 bytes keeps "a" */
	ck_assert_int_eq(cc_copy(small, 4, "a\xe2\x82\xac", 4), -1);
	ck_assert_str_eq(small, "a");
	ck_assert_int_eq(cc_copy(small, 5, "a\xe2\x82\xac", 4), 0);
	ck_assert_str_eq(small, "a\xe2\x82\xac");
	/* what a byte count left of a character is dropped; whole characters stay */
	{
		static const char *const cases[][2] = {
			{ "ab\xe2\x82", "ab" },         { "ab\xe2", "ab" },
			{ "ab\xe2\x82\xac", "ab\xe2\x82\xac" }, { "ab\xf0\x9f\x98", "ab" },
			{ "ab\xf0\x9f\x98\x80", "ab\xf0\x9f\x98\x80" }, { "ab\xc3", "ab" },
			{ "ab\xc3\xa9", "ab\xc3\xa9" },   { "abc", "abc" }, { "", "" },
		};
		char t[16];

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			snprintf(t, sizeof(t), "%s", cases[i][0]);
			cc_utf8_tail(t);
			ck_assert_msg(!strcmp(t, cases[i][1]), "case %u", i);
		}
	}
	/* text for people: a byte that is not part of a character becomes '?', in place */
	{
		char t[] = "a\xe2\x82\xac \xe2\x82 b \xc0\xaf \xc3\xa9";

		ck_assert_uint_eq(utf8_scrub(t, strlen(t)), 4);
		ck_assert_str_eq(t, "a\xe2\x82\xac ?? b ?? \xc3\xa9");
	}
	/* doubling with 50-150% jitter, never past the cap */
	for (i = 0; i < 200; i++) {
		d = cc_backoff_s(1.0, 3, 60.0, &rng); /* 4 s nominal */
		ck_assert(d >= 2.0 && d <= 6.0);
		ck_assert(cc_backoff_s(1.0, 30, 10.0, &rng) <= 10.0);
	}
}
END_TEST

Suite *suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, buf_never_null_and_capped);
	tcase_add_test(tc, buf_addf_room_and_adds);
	tcase_add_test(tc, buf_json_escapes);
	tcase_add_test(tc, buf_json_escapes_every_byte_everywhere);
	tcase_add_test(tc, buf_int_decimal);
	tcase_add_test(tc, arena_copies_and_caps);
	tcase_add_test(tc, cc_helpers);
	suite_add_tcase(s, tc);
	return s;
}
