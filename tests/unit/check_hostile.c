/*
 * Hostile input (issue 8): each bound, with input that broke the code
 * before it. The fixes live in the module that reads the input (jsonutil,
 * cfg, fsutil, ingest, fetch); this suite keeps them together.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "helpers.h"
#include "pipeline/core/cfg.h"
#include "pipeline/prices/fetch.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/store/store.h"
#include "tests/fuzz/tree_same.h"

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

/* 300,000 levels overflowed the stack in yajl_tree_free (a SIGSEGV) */
START_TEST(tree_depth_bounded)
{
	char why[200];
	char *open = repeat("", '[', 300000, ""), *doc;
	size_t n = strlen(open);
	yajl_val v;

	doc = malloc(2 * n + 1);
	memcpy(doc, open, n);
	memset(doc + n, ']', n);
	doc[2 * n] = '\0';
	ck_assert_ptr_null(json_parse(doc, 2 * n, JSON_MAX_DEPTH, why, sizeof(why)));
	ck_assert_str_eq(why, "nested deeper than 256 levels at byte 256");
	/* 1 GB of '[' would be refused just as early: at byte 256 */
	ck_assert_ptr_null(json_parse(open, n, JSON_MAX_DEPTH, why, sizeof(why)));
	ck_assert_str_eq(why, "nested deeper than 256 levels at byte 256");
	/* brackets inside strings do not count */
	v = json_parse("{\"a\":\"[[[[[[\"}", 14, 2, why, sizeof(why));
	ck_assert_ptr_nonnull(v);
	yajl_tree_free(v);
	free(open);
	free(doc);
}
END_TEST

/* "a\u0000x" and "a\u0000y" both became PK "a" */
START_TEST(nul_in_strings_refused)
{
	char why[200];
	static const char esc[] = "{\"PK\":\"a\\u0000x\",\"SK\":\"b\"}";
	static const char raw[] = "{\"PK\":\"a\0x\",\"SK\":\"b\"}";

	ck_assert_ptr_null(json_parse(esc, strlen(esc), 8, why, sizeof(why)));
	ck_assert_str_eq(why, "a \\u0000 (NUL) in a string at byte 8");
	ck_assert_ptr_null(json_parse(raw, sizeof(raw) - 1, 8, why, sizeof(why)));
	ck_assert_str_eq(why, "a NUL byte at byte 8");
	ck_assert(!store_item_valid(esc, strlen(esc), why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "NUL"));
}
END_TEST

/* overlong forms and surrogates passed yajl and came out of --dump */
START_TEST(strict_utf8)
{
	char why[200];
	static const char overlong[] = "{\"a\":\"\xc0\xaf\"}";
	static const char surrogate[] = "{\"a\":\"\xed\xa0\x80\"}";
	static const char above[] = "{\"a\":\"\xf4\x90\x80\x80\"}";
	static const char lone[] = "{\"a\":\"\\udc00\"}";
	static const char pair[] = "{\"a\":\"\\ud83d\\ude00 \xe2\x82\xac \xf0\x9f\x98\x80\"}";
	yajl_val v;

	ck_assert_ptr_null(json_parse(overlong, strlen(overlong), 8, why, sizeof(why)));
	ck_assert_str_eq(why, "not valid UTF-8 at byte 6");
	ck_assert_ptr_null(json_parse(surrogate, strlen(surrogate), 8, why, sizeof(why)));
	ck_assert_str_eq(why, "not valid UTF-8 at byte 6");
	ck_assert_ptr_null(json_parse(above, strlen(above), 8, why, sizeof(why)));
	ck_assert_ptr_null(json_parse(lone, strlen(lone), 8, why, sizeof(why)));
	ck_assert_str_eq(why, "a lone UTF-16 surrogate \\udc00 at byte 6");
	v = json_parse(pair, strlen(pair), 8, why, sizeof(why));
	ck_assert_msg(v != NULL, "%s", why);
	yajl_tree_free(v);
	/* a truncated sequence at the end */
	ck_assert_uint_eq(json_utf8_bad((const unsigned char *)"ab\xe2\x82", 4), 2);
	ck_assert_uint_eq(json_utf8_bad((const unsigned char *)"plain ascii text", 16), 16);
}
END_TEST

/* a 4,096-byte buffer let the tail of a long comment set 'state' */
START_TEST(config_long_lines_and_comments)
{
	char *dir = th_tmpdir();
	char *comment = repeat("# ", 'x', 4093, "state = /tmp/other\nlog_format = json\n");
	char *p = th_write(dir, "long.conf", comment, strlen(comment));
	static const char frag[] = "\xef\xbb\xbf" "fetch.base_url = http://h/p#frag  # a note\n";
	char *q = th_write(dir, "frag.conf", frag, sizeof(frag) - 1);
	static const char nul[] = "state = a\0b\n";
	char *z = th_write(dir, "nul.conf", nul, sizeof(nul) - 1);
	static const char empty[] = "state =\n";
	char *e = th_write(dir, "empty.conf", empty, sizeof(empty) - 1);
	struct cfg *c = cfg_new();
	struct cc_err err = { 0 };

	ck_assert_int_eq(cfg_load_file(c, p, 0, &err), CC_OK);
	ck_assert_str_eq(cfg_str(c, "state"), "state"); /* the comment stayed a comment */
	ck_assert_str_eq(cfg_str(c, "log_format"), "json");
	/* a BOM at the start; '#' inside a value is kept, after a blank it is a comment */
	ck_assert_msg(cfg_load_file(c, q, 0, &err) == CC_OK, "%s", err.msg);
	ck_assert_str_eq(cfg_str(c, "fetch.base_url"), "http://h/p#frag");
	ck_assert_int_eq(cfg_load_file(c, z, 0, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "nul.conf:1: a NUL byte"));
	cc_err_clear(&err);
	/* an empty state directory would have meant '/' */
	ck_assert_int_eq(cfg_load_file(c, e, 0, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty.conf:1: 'state' must not be empty"));
	cc_err_clear(&err);
	ck_assert_int_eq(cfg_set(c, "state", "", "--state", &err), CC_EUSAGE);
	cfg_free(c);
	unlink(p);
	unlink(q);
	unlink(z);
	unlink(e);
	rmdir(dir);
	free(comment);
	free(p);
	free(q);
	free(z);
	free(e);
	free(dir);
}
END_TEST

/* a FIFO blocked open() forever; a device or a link was replaced by rename */
START_TEST(special_files_refused)
{
	char *dir = th_tmpdir(), fifo[4096], link[4096], reg[4096];
	struct cc_err err = { 0 };

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(reg, sizeof(reg), "%s/reg", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(symlink("reg", link), 0);
	ck_assert_int_eq(fs_open_regular(fifo, "config", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file (a FIFO)"));
	cc_err_clear(&err);
	ck_assert_int_eq(fs_open_regular(dir, "pricebook", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "(a directory)"));
	cc_err_clear(&err);
	ck_assert_int_eq(fs_replaceable("/dev/null", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to replace '/dev/null': it is a device"));
	cc_err_clear(&err);
	ck_assert_int_eq(fs_replaceable(link, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "a symbolic link"));
	cc_err_clear(&err);
	ck_assert_int_eq(fs_replaceable(reg, &err), 0); /* absent is fine */
	unlink(fifo);
	unlink(link);
	rmdir(dir);
	free(dir);
}
END_TEST

/* '../../../../x' as a region wrote outside <state>/offers */
START_TEST(names_that_become_paths)
{
	static const char *const good[] = { "us-east-1", "AmazonEC2", "awskms", "global",
					    "us-east-1-bos-1", "cn-north-1", "AWS_x.1" };
	static const char *const bad[] = { "", "..", "../../x", "a/b", "a..b", ".hidden",
					   "-x", "a b", "a\nb", "x%2f", "é" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(fetch_name_ok(good[i], strlen(good[i])), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!fetch_name_ok(bad[i], strlen(bad[i])), "%s", bad[i]);
	ck_assert(!fetch_name_ok("a234567890123456789012345678901234567890123456789012345678901234x", 65));
}
END_TEST

/* number text other clients wrote, as valid JSON and exactly */
START_TEST(number_text_normalised)
{
	static const char *const cases[][2] = {
		{ ".5", "0.5" }, { "+5", "5" }, { "5.", "5" }, { "0001", "1" }, { "-0.50", "-0.50" },
		{ "1E+5", "1e5" }, { "8500.00", "8500.00" }, { "0", "0" }, { "-.25e-3", "-0.25e-3" },
		{ "12345678901234567890123456789012345678", "12345678901234567890123456789012345678" },
	};
	static const char *const bad[] = { "", "+", ".", "1e", "abc", "1.2.3", "--1", "0x10" };
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(!json_num_normalize(cases[i][0], out, sizeof(out)), "%s", cases[i][0]);
		ck_assert_str_eq(out, cases[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(json_num_normalize(bad[i], out, sizeof(out)), "accepted '%s'", bad[i]);
}
END_TEST

/*
 * The one pass that checks an item also says whether yajl_gen would write
 * it as it is (the store then keeps the text verbatim): the text is
 * canonical exactly when parsing and generating it again gives it back.
 */
START_TEST(canonical_is_what_yajl_gen_writes)
{
	static const struct {
		const char *text;
		int canonical;
	} cases[] = {
		{ "{\"a\":1,\"b\":[true,null,\"x\"]}", 1 },
		{ "{\"a\": 1}", 0 },
		{ "{\"a\":1}\n", 0 },
		{ "[1,/* c */2]", 0 },
		{ "{\"a\":\"x\\/y\"}", 0 },
		{ "{\"a\":\"\\u00e9\"}", 0 },
		{ "{\"a\":\"\\u001F\"}", 1 },
		{ "{\"a\":\"\\u001f\"}", 0 },
		{ "{\"a\":\"\\u000A\"}", 0 },
		{ "{\"a\":\"\\n\\t\\\"\\\\\"}", 1 },
		{ "{\"a b\":\"c d\"}", 1 },
		{ "{\"a\":\"caf\xc3\xa9\"}", 1 },
	};
	char why[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		int canonical = -1, again = -1;
		yajl_val v = json_parse(t, strlen(t), 64, why, sizeof(why));
		yajl_gen g = yajl_gen_alloc(NULL);
		const unsigned char *out;
		size_t len;

		ck_assert_msg(!json_check_canonical(t, strlen(t), 64, why, sizeof(why), &canonical), "%s", t);
		ck_assert_msg(canonical == cases[i].canonical, "%s: canonical %d", t, canonical);
		yajl_gen_config(g, yajl_gen_validate_utf8, 1);
		ck_assert_ptr_nonnull(v);
		ck_assert(json_gen_value(g, v));
		ck_assert_int_eq(yajl_gen_get_buf(g, &out, &len), yajl_gen_status_ok);
		/* canonical: generated again it is the same text; either way the generated text is */
		ck_assert_msg((len == strlen(t) && !memcmp(out, t, len)) == canonical, "%s -> %.*s", t, (int)len, out);
		ck_assert(!json_check_canonical((const char *)out, len, 64, why, sizeof(why), &again));
		ck_assert_msg(again == 1, "%.*s", (int)len, out);
		yajl_gen_free(g);
		yajl_tree_free(v);
	}
	/* the checks stay the checks: a NUL escape is refused with or without the canonical test */
	ck_assert(json_check_canonical("[\"\\u0000\"]", 10, 64, why, sizeof(why), (int[1]){ 0 }));
	ck_assert_str_eq(why, "a \\u0000 (NUL) in a string at byte 2");
}
END_TEST

/*
 * The engine's one-pass tree is json_parse's tree: plain JSON is built in
 * the arena (no yajl tree behind it), anything else goes to json_parse, so
 * what is refused and why are unchanged. fuzz_tree runs the same check on
 * any bytes.
 */
START_TEST(doc_tree_is_json_parse_tree)
{
	static const struct {
		const char *text;
		int plain; /* built by json_doc itself */
	} cases[] = {
		{ "{\"a\":1,\"b\":[true,false,null,\"x\"],\"c\":{}}", 1 },
		{ " [ 1 , -0 , 0.25 , 1e400 , 9223372036854775807 , 9223372036854775808 , -9223372036854775808 ] \n", 1 },
		{ "{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\",\"k\":\"dup\"}", 1 },
		{ "\"caf\xc3\xa9\"", 1 },
		{ "[[[[[]]]]]", 1 },
		{ "[1,/* a comment */2]", 0 },  /* yajl reads comments: json_parse builds it */
		{ "\f[1]", 0 },                  /* white space yajl takes and RFC 8259 does not */
		{ "[01]", 0 },                   /* refused, by json_parse */
		{ "{\"a\":1} x", 0 },
		{ "[\"\\u0000\"]", 0 },
		{ "[\"\\udc00\"]", 0 },
		{ "[\"a\tb\"]", 0 },
		{ "[\"\xc0\xaf\"]", 0 },
		{ "[[[[[[]]]]]]", 0 },           /* deeper than the 5 allowed here */
		{ "", 0 },
	};
	struct json_doc d;
	size_t i;

	json_doc_init(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		char why1[200] = "", why2[200] = "";
		yajl_val a = json_doc_parse(&d, t, strlen(t), 5, why1, sizeof(why1));
		yajl_val b = json_parse(t, strlen(t), 5, why2, sizeof(why2));

		ck_assert_msg(!a == !b, "%s: %p %p", t, (void *)a, (void *)b);
		ck_assert_msg(!a || tree_same(a, b), "%s: the trees differ", t);
		ck_assert_msg(a || !strcmp(why1, why2), "%s: '%s' against '%s'", t, why1, why2);
		ck_assert_msg(!a || (d.yajl == NULL) == cases[i].plain, "%s: built by %s", t,
			      d.yajl ? "yajl" : "json_doc");
		yajl_tree_free(b);
	}
	json_doc_release(&d);
}
END_TEST

Suite *suite_hostile(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("bounds");

	tcase_add_test(tc, tree_depth_bounded);
	tcase_add_test(tc, nul_in_strings_refused);
	tcase_add_test(tc, strict_utf8);
	tcase_add_test(tc, config_long_lines_and_comments);
	tcase_add_test(tc, special_files_refused);
	tcase_add_test(tc, names_that_become_paths);
	tcase_add_test(tc, number_text_normalised);
	tcase_add_test(tc, canonical_is_what_yajl_gen_writes);
	tcase_add_test(tc, doc_tree_is_json_parse_tree);
	suite_add_tcase(s, tc);
	return s;
}
