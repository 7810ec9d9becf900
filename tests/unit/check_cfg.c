#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/core/cfg.h"

START_TEST(defaults_file_env_order)
{
	static const char text[] = "# comment\n\nstate = /var/lib/costctl  # trailing\n"
				   "pricebook.sort_memory_mb=64\n";
	char *dir = th_tmpdir(), *p = th_write(dir, "c.conf", text, strlen(text));
	struct cfg *c = cfg_new();
	struct cc_err err = { 0 };

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(cfg_str(c, "state"), "state");
	ck_assert_int_eq(cfg_int(c, "pricebook.sort_memory_mb"), 32);
	ck_assert_int_eq(cfg_load_file(c, p, 0, &err), CC_OK);
	ck_assert_str_eq(cfg_str(c, "state"), "/var/lib/costctl");
	ck_assert_int_eq(cfg_int(c, "pricebook.sort_memory_mb"), 64);
	setenv("COSTCTL_PRICEBOOK_SORT_MEMORY_MB", "128", 1);
	ck_assert_int_eq(cfg_load_env(c, &err), CC_OK);
	unsetenv("COSTCTL_PRICEBOOK_SORT_MEMORY_MB");
	ck_assert_int_eq(cfg_int(c, "pricebook.sort_memory_mb"), 128);
	cfg_free(c);
	free(p);
	free(dir);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	static const char unknown[] = "state = x\nno.such = 1\n";
	static const char bounds[] = "pricebook.sort_memory_mb = 0\n";
	static const char notnum[] = "ingest.chunk_kb = lots\n";
	char *dir = th_tmpdir();
	char *a = th_write(dir, "a.conf", unknown, strlen(unknown));
	char *b = th_write(dir, "b.conf", bounds, strlen(bounds));
	char *n = th_write(dir, "n.conf", notnum, strlen(notnum));
	struct cfg *c = cfg_new();
	struct cc_err err = { 0 };

	ck_assert_int_eq(cfg_load_file(c, a, 0, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "a.conf:2: unknown key 'no.such'"));
	cc_err_clear(&err);
	ck_assert_int_eq(cfg_load_file(c, b, 0, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "must be from 1 to 4096, not 0"));
	cc_err_clear(&err);
	ck_assert_int_eq(cfg_load_file(c, n, 0, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "wants a whole number"));
	cc_err_clear(&err);
	ck_assert_int_eq(cfg_load_file(c, "/nonexistent/x.conf", 1, &err), CC_OK);
	/* a config named but missing is a configuration error (exit 1) */
	ck_assert_int_eq(cfg_load_file(c, "/nonexistent/x.conf", 0, &err), CC_EUSAGE);
	cfg_free(c);
	free(a);
	free(b);
	free(n);
	free(dir);
}
END_TEST

Suite *suite_cfg(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, defaults_file_env_order);
	tcase_add_test(tc, errors_name_file_and_line);
	suite_add_tcase(s, tc);
	return s;
}
