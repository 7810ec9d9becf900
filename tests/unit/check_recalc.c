/*
 * Recalculation against a store: the optimistic lock of section 4.2 keeps
 * an edit made while the estimation was being priced, and the audit and
 * summary land beside the calculation.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/cfg.h"
#include "pipeline/prices/pb.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/store/store.h"

START_TEST(edit_during_pricing_is_kept)
{
	char *dir = th_tmpdir(), url[4200], pbpath[4200], cmd[4300];
	char *paths[1] = { th_fixture("offers/AmazonEC2/us-east-1/index.json") };
	struct cc_err err = { 0 };
	struct store *s = NULL;
	struct pb_reader *pb = NULL;
	struct cfg *cfg = cfg_new();
	struct calc_config *cc = NULL;
	struct recalc_inputs in;
	struct calc_input ci;
	struct calc_result r;
	enum recalc_outcome out;
	struct buf got;
	int found;

	snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
	snprintf(pbpath, sizeof(pbpath), "%s/pb.cpb", dir);
	buf_init(&got, 1 << 20);
	ck_assert_int_eq(th_pricebook((const char *const *)paths, 1, pbpath, 1 << 20, &got, &err), CC_OK);
	ck_assert_int_eq(pb_open(&pb, pbpath, &err), CC_OK);
	ck_assert_int_eq(calc_config_load(cfg, &cc, &err), CC_OK);
	ck_assert_int_eq(store_open(&s, url, NULL, &err), CC_OK);
	ck_assert_int_eq(store_init(s, &err), CC_OK);
	ck_assert_int_eq(store_put(s, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\",\"EstimationId\":\"e1\","
				      "\"ProjectName\":\"before\",\"Status\":\"ACTIVE\",\"Version\":1}", 0, &err), CC_OK);
	ck_assert_int_eq(store_put(s, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":"
				      "[{\"SuggestedInstanceType\":\"m5.large\"}]}", 0, &err), CC_OK);
	recalc_inputs_init(&in);
	ck_assert_int_eq(recalc_load(s, "e1", NULL, &in, &err), CC_OK);
	recalc_input(&ci, "e1", &in, "2026-12-01T02:00:00Z", NULL, "ab");
	calc_result_init(&r);
	ck_assert_msg(calc_estimation(cc, pb, &ci, &r, &err) == CC_OK, "%s", err.msg);
	/* someone edits the estimation while it is priced: version 1 -> 2 */
	ck_assert_int_eq(store_update_versioned(s, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\","
						   "\"EstimationId\":\"e1\",\"ProjectName\":\"edited\","
						   "\"Status\":\"ACTIVE\"}", 1, &err), CC_OK);
	ck_assert_msg(recalc_save(s, "e1", &in, &r, "2026-12-01T02:00:00Z", "ab", 0, &out, &err) == CC_OK, "%s",
		      err.msg);
	ck_assert_int_eq(out, RECALC_WRITTEN);
	ck_assert_int_eq(store_get(s, "ESTIMATION#e1", "METADATA", &got, &found, &err), CC_OK);
	/* the edit survives, the summary is on top of it, at version 3 */
	ck_assert_msg(strstr(got.buf, "\"ProjectName\":\"edited\""), "%s", got.buf);
	/* 730 h x 0.096 = 70.08; support max(29, 6.31) = 29.00; buffer 9.908 -> 9.91: 108.99 */
	ck_assert_msg(strstr(got.buf, "\"EstimationSummary\":{\"TotalMonthlyCost\":108.99"), "%s", got.buf);
	ck_assert_msg(strstr(got.buf, "\"Version\":3"), "%s", got.buf);
	ck_assert_int_eq(store_get(s, "AUDIT#2026-12-01", "LOG#costctl#02:00:00Z#e1", &got, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	ck_assert_msg(strstr(got.buf, "\"Action\":\"ESTIMATION_RECALCULATED\""), "%s", got.buf);
	/* the same inputs again: nothing written */
	ck_assert_int_eq(recalc_save(s, "e1", &in, &r, "2026-12-01T03:00:00Z", "ab", 0, &out, &err), CC_OK);
	ck_assert_int_eq(out, RECALC_UNCHANGED);
	/* forced at the second already written, from the same inputs: that calculation, not a failure */
	ck_assert_msg(recalc_save(s, "e1", &in, &r, "2026-12-01T02:00:00Z", "ab", 1, &out, &err) == CC_OK, "%s",
		      err.msg);
	ck_assert_int_eq(out, RECALC_UNCHANGED);
	/* ... from other inputs (another pricebook): a clash, named */
	{
		struct calc_result other;

		calc_result_init(&other);
		recalc_input(&ci, "e1", &in, "2026-12-01T02:00:00Z", NULL, "cd");
		ck_assert_msg(calc_estimation(cc, pb, &ci, &other, &err) == CC_OK, "%s", err.msg);
		ck_assert_int_eq(recalc_save(s, "e1", &in, &other, "2026-12-01T02:00:00Z", "cd", 1, &out, &err),
				 CC_ECONFLICT);
		ck_assert_msg(strstr(err.msg, "e1: a calculation at 2026-12-01T02:00:00Z exists already, from other inputs"),
			      "%s", err.msg);
		cc_err_clear(&err);
		calc_result_release(&other);
	}
	/* deleted while priced: the summary has nowhere to go, and says so */
	ck_assert_int_eq(store_delete(s, "ESTIMATION#e1", "METADATA", &err), CC_OK);
	calc_result_release(&r);
	calc_result_init(&r);
	ci.calculated_at = "2026-12-01T04:00:00Z";
	ck_assert_msg(calc_estimation(cc, pb, &ci, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(recalc_save(s, "e1", &in, &r, "2026-12-01T04:00:00Z", "ab", 1, &out, &err),
			 CC_ENOTFOUND);
	ck_assert_msg(strstr(err.msg, "e1: the estimation was deleted while it was priced"), "%s", err.msg);
	cc_err_clear(&err);
	ck_assert_int_eq(store_get(s, "ESTIMATION#e1", "METADATA", &got, &found, &err), CC_OK);
	ck_assert_int_eq(found, 0); /* not brought back by the summary */
	calc_result_release(&r);
	recalc_inputs_release(&in);
	store_close(s);
	pb_close(pb);
	calc_config_free(cc);
	cfg_free(cfg);
	buf_release(&got);
	free(paths[0]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}
END_TEST

/*
 * The owner's DefaultRegion is read once a run for each user: the second
 * estimation of u1 gets it from the cache even after the PROFILE is gone
 * (without the cache it is read again, and is gone); a user with no
 * PROFILE is remembered as having none.
 */
START_TEST(owner_profile_read_once_a_run)
{
	char *dir = th_tmpdir(), url[4200], cmd[4300];
	struct cc_err err = { 0 };
	struct store *s = NULL;
	struct recalc_owners owners = { 0 };
	struct recalc_inputs in;
	int i;

	snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
	ck_assert_int_eq(store_open(&s, url, NULL, &err), CC_OK);
	ck_assert_int_eq(store_init(s, &err), CC_OK);
	ck_assert_int_eq(store_put(s, "{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\","
				      "\"Preferences\":{\"DefaultRegion\":\"eu-west-1\"}}", 0, &err), CC_OK);
	for (i = 0; i < 3; i++) {
		char item[200];

		snprintf(item, sizeof(item), "{\"PK\":\"ESTIMATION#%c\",\"SK\":\"METADATA\",\"UserId\":\"%s\"}",
			 'a' + i, i < 2 ? "u1" : "u2");
		ck_assert_int_eq(store_put(s, item, 0, &err), CC_OK);
	}
	recalc_inputs_init(&in);
	ck_assert_msg(recalc_load(s, "a", &owners, &in, &err) == CC_OK, "%s", err.msg);
	ck_assert_str_eq(in.owner_region, "eu-west-1");
	ck_assert_int_eq(store_delete(s, "USER#u1", "PROFILE", &err), CC_OK);
	recalc_inputs_release(&in);
	recalc_inputs_init(&in);
	ck_assert_int_eq(recalc_load(s, "b", &owners, &in, &err), CC_OK);
	ck_assert_str_eq(in.owner_region, "eu-west-1"); /* from the cache */
	recalc_inputs_release(&in);
	recalc_inputs_init(&in);
	ck_assert_int_eq(recalc_load(s, "b", NULL, &in, &err), CC_OK);
	ck_assert_str_eq(in.owner_region, ""); /* read again: gone */
	recalc_inputs_release(&in);
	recalc_inputs_init(&in);
	ck_assert_int_eq(recalc_load(s, "c", &owners, &in, &err), CC_OK);
	ck_assert_str_eq(in.owner_region, "");
	ck_assert_int_eq(store_put(s, "{\"PK\":\"USER#u2\",\"SK\":\"PROFILE\","
				      "\"Preferences\":{\"DefaultRegion\":\"us-west-2\"}}", 0, &err), CC_OK);
	recalc_inputs_release(&in);
	recalc_inputs_init(&in);
	ck_assert_int_eq(recalc_load(s, "c", &owners, &in, &err), CC_OK);
	ck_assert_str_eq(in.owner_region, ""); /* "none" is remembered too, for the run */
	ck_assert_uint_eq(owners.n, 2);
	recalc_inputs_release(&in);
	/* 100 more users: the table grows from 64 slots twice and keeps them all */
	for (i = 0; i < 100; i++) {
		char item[200], id[16];

		snprintf(item, sizeof(item), "{\"PK\":\"USER#g%d\",\"SK\":\"PROFILE\","
			 "\"Preferences\":{\"DefaultRegion\":\"r%d\"}}", i, i);
		ck_assert_int_eq(store_put(s, item, 0, &err), CC_OK);
		snprintf(item, sizeof(item), "{\"PK\":\"ESTIMATION#g%d\",\"SK\":\"METADATA\",\"UserId\":\"g%d\"}",
			 i, i);
		ck_assert_int_eq(store_put(s, item, 0, &err), CC_OK);
		snprintf(id, sizeof(id), "g%d", i);
		recalc_inputs_init(&in);
		ck_assert_int_eq(recalc_load(s, id, &owners, &in, &err), CC_OK);
		recalc_inputs_release(&in);
	}
	ck_assert_uint_eq(owners.n, 102);
	for (i = 0; i < 100; i++) {
		char pk[32], id[16], want[16];

		snprintf(pk, sizeof(pk), "USER#g%d", i);
		ck_assert_int_eq(store_delete(s, pk, "PROFILE", &err), CC_OK);
		snprintf(id, sizeof(id), "g%d", i);
		snprintf(want, sizeof(want), "r%d", i);
		recalc_inputs_init(&in);
		ck_assert_int_eq(recalc_load(s, id, &owners, &in, &err), CC_OK);
		ck_assert_str_eq(in.owner_region, want);
		recalc_inputs_release(&in);
	}
	recalc_owners_release(&owners);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}
END_TEST

Suite *suite_recalc(void)
{
	Suite *s = suite_create("recalc");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, edit_during_pricing_is_kept);
	tcase_add_test(tc, owner_profile_read_once_a_run);
	suite_add_tcase(s, tc);
	return s;
}
