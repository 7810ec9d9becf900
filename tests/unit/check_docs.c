#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/docs/docs.h"
#include "pipeline/docs/tmpl.h"

/* File names: the client's, ASCII-safe, never a path, bounded. */
START_TEST(file_names)
{
	char out[200];

	docs_file_name("ABC Corporation", "AWS_Proposal", "2024-01-15T11:00:00Z", "pdf", out, sizeof(out));
	ck_assert_str_eq(out, "ABC_Corporation_AWS_Proposal_20240115.pdf"); /* the seed's example */
	docs_file_name("Société Générale d'Électricité Zürich", "AWS_Proposal", "2026-12-01", "pdf", out,
		       sizeof(out));
	ck_assert_str_eq(out, "Societe_Generale_d_Electricite_Zurich_AWS_Proposal_20261201.pdf");
	docs_file_name("../../etc/passwd", "AWS_Proposal", "2026-12-01", "pdf", out, sizeof(out));
	ck_assert_str_eq(out, "etc_passwd_AWS_Proposal_20261201.pdf");
	docs_file_name("..", "AWS_Proposal", "2026-12-01", "pdf", out, sizeof(out));
	ck_assert_str_eq(out, "Client_AWS_Proposal_20261201.pdf");
	docs_file_name("--", "AWS_Proposal", "2026-12-01", "pdf", out, sizeof(out));
	ck_assert_str_eq(out, "Client_AWS_Proposal_20261201.pdf");
	docs_file_name("a\nb\tc\x01" "d/e\\f", "X", "", "xlsx", out, sizeof(out));
	ck_assert_str_eq(out, "a_b_c_d_e_f_X.xlsx");
	docs_file_name("東京", "AWS_Proposal", "2026-12-01", "pdf", out, sizeof(out));
	ck_assert_str_eq(out, "Client_AWS_Proposal_20261201.pdf");
	{
		char longname[400];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		docs_file_name(longname, "AWS_Proposal", "2026-12-01", "pdf", out, sizeof(out));
		ck_assert_uint_eq(strlen(out), 80 + strlen("_AWS_Proposal_20261201.pdf"));
	}
}
END_TEST

/* Money from its exact text, grouped; the currency's symbol only for USD. */
START_TEST(money_text)
{
	char out[64];

	docs_money("8500.00", "USD", out, sizeof(out));
	ck_assert_str_eq(out, "$8,500.00");
	docs_money("1234567.5", "USD", out, sizeof(out));
	ck_assert_str_eq(out, "$1,234,567.50");
	docs_money("0", "USD", out, sizeof(out));
	ck_assert_str_eq(out, "$0.00");
	docs_money("-12.34", "CNY", out, sizeof(out));
	ck_assert_str_eq(out, "-CNY 12.34");
	docs_money("999.99", "", out, sizeof(out));
	ck_assert_str_eq(out, "999.99");
	docs_money("100", "USD", out, sizeof(out));
	ck_assert_str_eq(out, "$100.00");
}
END_TEST

/* Text safe to draw: bad UTF-8 becomes U+FFFD, controls spaces, and a cut never splits a character. */
START_TEST(clean_text)
{
	char out[16];

	docs_clean_text("caf\xc3\xa9 \xe2\x82\xac", out, sizeof(out));
	ck_assert_str_eq(out, "caf\xc3\xa9 \xe2\x82\xac");
	docs_clean_text("a\xff" "b", out, sizeof(out));
	ck_assert_str_eq(out, "a\xef\xbf\xbd" "b");
	docs_clean_text("a\nb\x7f", out, sizeof(out));
	ck_assert_str_eq(out, "a b ");
	docs_clean_text("\xed\xa0\x80", out, sizeof(out)); /* a UTF-16 surrogate is not UTF-8 */
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	docs_clean_text("abcdefghijkl\xe2\x82\xac", out, 15); /* the euro would not fit whole */
	ck_assert_str_eq(out, "abcdefghijkl");
	docs_clean_text(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

static struct tmpl *parse(const char *text, enum tmpl_kind kind, struct cc_err *err)
{
	struct tmpl *t = NULL;

	memset(err, 0, sizeof(*err));
	tmpl_parse(&t, text, strlen(text), "t.tmpl", kind, err);
	return t;
}

/* Templates: defaults, comments, '#' in values, and every kind of bad line named by file and line. */
START_TEST(templates)
{
	struct cc_err err;
	struct tmpl *t;
	float rgb[3];
	char big[TMPL_MAX_FILE + 2];

	t = parse("\xef\xbb\xbf# a comment\n\n  section.cover = no  \r\ntext.title = Offre \xe2\x82\xac #1\n",
		  TMPL_TEMPLATE, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_int_eq(tmpl_bool(t, "section.cover"), 0);
	ck_assert_int_eq(tmpl_bool(t, "section.charts"), 1); /* the default */
	ck_assert_str_eq(tmpl_str(t, "text.title"), "Offre \xe2\x82\xac #1");
	ck_assert_str_eq(tmpl_str(t, "page_size"), "A4");
	ck_assert_str_eq(tmpl_str(t, "no.such.key"), "");
	tmpl_free(t);
	t = parse("color.primary = #FF9900\nlogo = logo.png\n", TMPL_BRANDING, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	tmpl_rgb(t, "color.primary", rgb);
	ck_assert(rgb[0] == 1.0f && rgb[1] == 0.6f && rgb[2] == 0.0f);
	tmpl_free(t);
	ck_assert_ptr_null(parse("a\nsection.cover = maybe\n", TMPL_TEMPLATE, &err));
	ck_assert_str_eq(err.msg, "t.tmpl:1: expected 'key = value'");
	ck_assert_ptr_null(parse("\nsection.cover = maybe\n", TMPL_TEMPLATE, &err));
	ck_assert_str_eq(err.msg, "t.tmpl:2: section.cover must be yes or no, not 'maybe'");
	ck_assert_ptr_null(parse("color.text = red\n", TMPL_TEMPLATE, &err));
	ck_assert_str_eq(err.msg, "t.tmpl:1: color.text must be a colour #RRGGBB, not 'red'");
	ck_assert_ptr_null(parse("company = x\n", TMPL_TEMPLATE, &err)); /* a branding key in a template */
	ck_assert_str_eq(err.msg, "t.tmpl:1: unknown key 'company'");
	ck_assert_ptr_null(parse("font.size = 200\n", TMPL_TEMPLATE, &err));
	ck_assert_ptr_null(parse("page_size = A3\n", TMPL_TEMPLATE, &err));
	/* 1 GB of '[' is refused at 64 KiB; a line over 4 KiB is named */
	memset(big, '[', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(parse(big, TMPL_TEMPLATE, &err));
	ck_assert_str_eq(err.msg, "t.tmpl: larger than 65536 bytes");
	big[TMPL_MAX_LINE + 10] = '\0';
	ck_assert_ptr_null(parse(big, TMPL_TEMPLATE, &err));
	ck_assert_str_eq(err.msg, "t.tmpl:1: line longer than 4096 bytes");
	{
		struct tmpl *n = NULL;

		ck_assert_int_eq(tmpl_parse(&n, "a = b\0c", 7, "t.tmpl", TMPL_TEMPLATE, &err), CC_EUSAGE);
	}
	/* names are checked before they touch the file system */
	ck_assert(tmpl_name_ok("standard_proposal"));
	ck_assert(!tmpl_name_ok("../x"));
	ck_assert(!tmpl_name_ok(""));
	ck_assert(!tmpl_name_ok("A"));
	ck_assert_int_eq(tmpl_load(&t, "templates", "../../etc/passwd", TMPL_TEMPLATE, &err), CC_EUSAGE);
}
END_TEST

/* The shipped templates parse. */
START_TEST(shipped_templates)
{
	static const char *const names[] = { "standard_proposal", "summary" };
	struct cc_err err = { 0 };
	struct tmpl *t = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert_msg(tmpl_load(&t, "templates", names[i], TMPL_TEMPLATE, &err) == CC_OK, "%s", err.msg);
		ck_assert_str_eq(tmpl_name(t), names[i]);
		tmpl_free(t);
	}
	ck_assert_msg(tmpl_load(&t, "templates", "sagesoft", TMPL_BRANDING, &err) == CC_OK, "%s", err.msg);
	ck_assert_str_eq(tmpl_str(t, "company"), "Sagesoft");
	tmpl_free(t);
	ck_assert_int_eq(tmpl_load(&t, "templates", "nosuch", TMPL_TEMPLATE, &err), CC_ENOTFOUND);
}
END_TEST

Suite *suite_docs(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("docs");

	tcase_add_test(tc, file_names);
	tcase_add_test(tc, money_text);
	tcase_add_test(tc, clean_text);
	tcase_add_test(tc, templates);
	tcase_add_test(tc, shipped_templates);
	suite_add_tcase(s, tc);
	return s;
}
