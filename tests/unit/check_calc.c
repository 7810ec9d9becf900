/*
 * The cost engine against the bundled fixture prices. Every expected
 * number is worked out by hand from fixtures/offers (the prices are
 * listed in fixtures/README.md), the arithmetic in the comment beside it;
 * none was copied from the program's output.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/store/store.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/calc/calc.h"
#include "pipeline/prices/ingest.h"
#include "pipeline/core/cfg.h"
#include "pipeline/prices/pb.h"

static struct pb_reader *pb;
static struct cfg *cfg;
static struct calc_config *cc;
static char *dir;

static void setup(void)
{
	char *offers = th_fixture("offers"), **paths = NULL, path[4096];
	struct buf out;
	struct cc_err err = { 0 };
	size_t n = 0;

	dir = th_tmpdir();
	/* every bundled offer file, as `costctl ingest` of a fetched state would */
	ck_assert_int_eq(ingest_find_offers(offers, &paths, &n, &err), CC_OK);
	ck_assert_uint_ge(n, 17);
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	buf_init(&out, 64 << 20);
	ck_assert_msg(th_pricebook((const char *const *)paths, n, path, 32 << 20, &out, &err) == CC_OK,
		      "%s", err.msg);
	buf_release(&out);
	ingest_free_list(paths, n);
	free(offers);
	ck_assert_int_eq(pb_open(&pb, path, &err), CC_OK);
	cfg = cfg_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(calc_config_load(cfg, &cc, &err) == CC_OK, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[4200];

	calc_config_free(cc);
	cfg_free(cfg);
	pb_close(pb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

/* Prices `reqs` (the REQUIREMENTS body) with METADATA `meta`; returns the code. */
static enum cc_code run(const char *meta, const char *reqs, const char *at, struct calc_result *r,
			struct cc_err *err)
{
	char m[4096], q[16384];
	struct calc_input in;

	snprintf(m, sizeof(m), "{\"PK\":\"ESTIMATION#t\",\"SK\":\"METADATA\",\"EstimationId\":\"t\"%s%s}",
		 *meta ? "," : "", meta);
	snprintf(q, sizeof(q), "{\"PK\":\"ESTIMATION#t\",\"SK\":\"REQUIREMENTS\"%s%s}", *reqs ? "," : "",
		 reqs);
	memset(&in, 0, sizeof(in));
	in.estimation_id = "t";
	in.metadata = m;
	in.metadata_len = strlen(m);
	in.requirements = q;
	in.requirements_len = strlen(q);
	in.calculated_at = at ? at : "2026-12-01T02:00:00Z";
	in.pricebook_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	calc_result_init(r);
	return calc_estimation(cc, pb, &in, r, err);
}

static void has(const struct calc_result *r, const char *needle)
{
	ck_assert_msg(strstr(r->item.buf, needle), "no %s in\n%s", needle, r->table.buf);
}

static void money(struct dec d, const char *want)
{
	char got[40];

	dec_format(d, 2, got, sizeof(got));
	ck_assert_str_eq(got, want);
}

/*
 * The seed's est456 (fixtures/table/seed.jsonl), priced line by line:
 *   compute  t3.xlarge Linux, auto-scaled: 2 + (10 - 2) x (95 - 70) / 100 = 4
 *            instances x 744 h = 2976 h x 0.1664 = 495.2064 -> 495.21
 *   storage  gp3 500 GB x 0.08 = 40.00; 3000 IOPS = the 3000 free: no line;
 *            throughput (250 - 125) / 1024 = 0.1220703125 GiBps x 40.96 = 5.00;
 *            snapshots 500 + 500 x 0.02 x 30 = 800 GB x 0.05 = 40.00  -> 85.00
 *   database db.r5.xlarge MySQL Multi-AZ 730 h x 1.00 = 730.00; storage Multi-AZ
 *            500 x 0.23 = 115.00; 2 Single-AZ replicas 1460 h x 0.50 = 730.00 and
 *            1000 GB x 0.115 = 115.00; backup 500 + 500 x 0.02 x 30 - 500 free
 *            = 300 GB x 0.095 = 28.50                              -> 1718.50
 *   network  GlobalDistributionRequired: CloudFront 1000 GB x 0.085 = 85.00;
 *            ALB 730 h x 0.0225 = 16.425 -> 16.43; LCUs max(1, 1000/1/730)
 *            = 1.3698630137 x 730 h = 1000 LCU-h x 0.008 = 8.00   -> 109.43
 *   security ACM 0.00; WAF 5.00 + 5 x 1.00 + 10M x 0.0000006 = 6.00; KMS 1.00 +
 *            (1M - 20,000 free) x 0.000003 = 2.94; Secrets 5 x 0.40 = 2.00 +
 *            100,000 x 0.000005 = 0.50; Config 1000 x 0.003 = 3.00; CloudTrail
 *            1M data events x 0.000001 = 1.00; GuardDuty 1M events x 0.000004
 *            (the first tier) = 4.00 and logs 10 GB x 1.00 = 10.00 -> 40.44
 *   subtotal 495.21 + 85.00 + 1718.50 + 109.43 + 40.44 = 2448.58
 *   support  Business Support+ (from 2025-12-02): 9% x 2448.58 = 220.3722 -> 220.37
 *            (above the $29 minimum)
 *   buffer   10% x (2448.58 + 220.37) = 266.895 -> 266.90 (half away from zero)
 *   total    2448.58 + 220.37 + 266.90 = 2935.85; annual x 12 = 35230.20
 */
START_TEST(seed_est456)
{
	char *path = th_fixture("table/seed.jsonl"), *seed = th_read(path, NULL), *meta, *reqs, *nl;
	struct calc_input in;
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_ptr_nonnull(seed);
	meta = strstr(seed, "{\"PK\":\"ESTIMATION#est456\",\"SK\":\"METADATA\"");
	reqs = strstr(seed, "{\"PK\":\"ESTIMATION#est456\",\"SK\":\"REQUIREMENTS\"");
	ck_assert(meta && reqs);
	memset(&in, 0, sizeof(in));
	in.estimation_id = "est456";
	in.metadata = meta;
	in.metadata_len = (size_t)((nl = strchr(meta, '\n')) - meta);
	in.requirements = reqs;
	in.requirements_len = (size_t)(strchr(reqs, '\n') - reqs);
	in.calculated_at = "2026-12-01T02:00:00Z";
	in.pricebook_sha256 = "ab";
	calc_result_init(&r);
	ck_assert_msg(calc_estimation(cc, pb, &in, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.status, CALC_COMPLETE);
	ck_assert_int_eq(r.missing, 0);
	money(r.category[CALC_COMPUTE], "495.21");
	money(r.category[CALC_STORAGE], "85.00");
	money(r.category[CALC_DATABASE], "1718.50");
	money(r.category[CALC_NETWORK], "109.43");
	money(r.category[CALC_SECURITY], "40.44");
	money(r.subtotal, "2448.58");
	money(r.monthly, "2935.85");
	money(r.annual, "35230.20");
	has(&r, "\"PK\":\"ESTIMATION#est456\",\"SK\":\"CALCULATION#2026-12-01T02:00:00Z\","
		"\"GSI1PK\":\"CALCULATION#est456\",\"GSI1SK\":\"2026-12-01T02:00:00Z\"");
	has(&r, "\"InstanceType\":\"t3.xlarge\",\"OperatingSystem\":\"Linux\",\"Quantity\":4,"
		"\"HoursPerMonth\":744,\"PricePerHour\":0.1664,\"MonthlyCost\":495.21,\"AnnualCost\":5942.52");
	has(&r, "\"Support\":{\"Plan\":\"business-plus\",\"EffectiveFrom\":\"2025-12-02\"");
	has(&r, "\"Buffer\":{\"Percent\":10,\"MonthlyCost\":266.90}");
	has(&r, "\"GuardDuty\":14.00");
	has(&r, "\"TotalNetwork\":109.43");
	has(&r, "\"CloudFront\":85.00");
	has(&r, "AverageInstances = Min + (Max - Min) x (Peak - Utilization) / 100 = 2 + (10 - 2) x (95 - 70) / 100 = 4");
	calc_result_release(&r);
	free(seed);
	free(path);
}
END_TEST

/*
 * A fixed Windows fleet, no MonthlyHours: 3 x m5.large Windows x 730 h
 * (hours_per_month) = 2190 h x 0.188 = 411.72. The subtotal is below
 * $10K: support 9% x 411.72 = 37.0548 -> 37.05; buffer 10% x 448.77 =
 * 44.877 -> 44.88; total 411.72 + 37.05 + 44.88 = 493.65.
 */
START_TEST(windows_fleet)
{
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_msg(run("\"ClientInfo\":{\"RegionPreference\":[\"us-east-1\"]}",
			  "\"ComputeRequirements\":[{\"ServerName\":\"App\",\"OS\":\"Windows\","
			  "\"MinInstances\":3,\"SuggestedInstanceType\":\"m5.large\"}]",
			  NULL, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.status, CALC_COMPLETE);
	money(r.category[CALC_COMPUTE], "411.72");
	money(r.monthly, "493.65");
	has(&r, "\"Quantity\":3,\"HoursPerMonth\":730,\"PricePerHour\":0.188,\"MonthlyCost\":411.72");
	has(&r, "ComputeRequirements[0]: 730 hours a month (hours_per_month)");
	calc_result_release(&r);
}
END_TEST

/*
 * S3 and data transfer crossing tiers. Two Standard requirements, 40,000
 * and 20,000 GB, are summed and walk the tiers once: 51,200 x 0.023 =
 * 1177.60, 8,800 x 0.022 = 193.60 -> 1371.20. Data out 12,000 GB, no
 * global distribution: 100 GB free off the top -> 11,900 GB from 0:
 * [0,1) x 0 = 0; [1,10240) 10,239 x 0.09 = 921.51; [10240, 11900) 1,660 x
 * 0.085 = 141.10 -> 1062.61.
 */
START_TEST(s3_and_data_transfer_tiers)
{
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_msg(run("", "\"StorageRequirements\":[{\"CurrentGB\":40000,\"SuggestedAWSService\":\"S3 Standard\"},"
			  "{\"CurrentGB\":20000,\"AccessPattern\":\"Frequent\"}],"
			  "\"NetworkRequirements\":{\"DataTransferOutGBMonth\":12000}", NULL, &r, &err) == CC_OK,
		      "%s", err.msg);
	money(r.category[CALC_STORAGE], "1371.20");
	money(r.category[CALC_NETWORK], "1062.61");
	has(&r, "\"S3\":[{\"StorageClass\":\"Standard\",\"SizeGB\":60000,\"MonthlyCost\":1371.20");
	has(&r, "\"Requirements\":[\"StorageRequirements[0]\",\"StorageRequirements[1]\"]");
	has(&r, "\"DataTransfer\":1062.61");
	calc_result_release(&r);
}
END_TEST

/*
 * Right-sizing: 2 vCPU, 8 GiB, Linux, no suggestion. Current-generation
 * x86 types with >= 2 vCPU and >= 8 GiB in the fixtures: t3.large 0.0832,
 * m5.large 0.096, r5.large 0.126 (c5.large has 4 GiB): t3.large. The
 * Graviton m6g.large at 0.077 is named, never chosen: 0.0832 - 0.077 =
 * 0.0062 a hour saved. 1 x 730 h x 0.0832 = 60.736 -> 60.74.
 */
START_TEST(right_sized)
{
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_msg(run("", "\"ComputeRequirements\":[{\"CPUCores\":2,\"RAMGB\":8,\"OS\":\"Linux\"}]", NULL,
			  &r, &err) == CC_OK, "%s", err.msg);
	money(r.category[CALC_COMPUTE], "60.74");
	has(&r, "right-sized to t3.large, the cheapest current-generation x86 type with >= 2 vCPU and >= 8 GiB");
	has(&r, "Graviton alternative m6g.large at 0.077/h saves 0.0062/h");
	calc_result_release(&r);
}
END_TEST

/*
 * The reserved ladder for one m5.large Linux, 730 h:
 *   on demand      730 x 0.096 = 70.08
 *   3yr convertible All Upfront (the real $1161): hourly 0, effective
 *                  1161 / (8760 x 3) = 0.0441780822 x 730 = 32.25; upfront 1161
 *   1yr standard Partial Upfront: 0.029 + 252 / 8760 = 0.0577671233 x 730
 *                  = 42.17; upfront 252
 * Each total adds support (Business Support+: 9%, at least $29) and the
 * 10% buffer:
 *   on demand      70.08 + 29.00 (9% is 6.31) + 9.908 -> 9.91 = 108.99
 *   3yr conv. AU   32.25 + 29.00 + 6.125 -> 6.13 = 67.38; first year
 *                  1161 + 12 x 67.38 = 1969.56; break-even against on
 *                  demand: 1161 / (108.99 - 67.38) = 27.9 -> month 28
 */
START_TEST(reserved_ladder)
{
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_msg(run("\"PricingModel\":\"RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE\"",
			  "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"Linux\"}]",
			  NULL, &r, &err) == CC_OK, "%s", err.msg);
	money(r.category[CALC_COMPUTE], "32.25");
	money(r.upfront, "1161.00");
	money(r.monthly, "67.38");
	has(&r, "\"Upfront\":1161.00,\"HourlyRate\":0,\"EffectiveHourlyRate\":0.0441780822");
	has(&r, "{\"PricingModel\":\"ON_DEMAND\",\"TotalMonthlyCost\":108.99,\"UpfrontCost\":0.00");
	has(&r, "{\"PricingModel\":\"RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE\",\"TotalMonthlyCost\":67.38,"
		"\"UpfrontCost\":1161.00,\"FirstYearCost\":1969.56,\"BreakEvenMonth\":28}");
	calc_result_release(&r);
	ck_assert_msg(run("\"PricingModel\":\"RESERVED_1YR_PARTIAL_UPFRONT\"",
			  "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"Linux\"}]",
			  NULL, &r, &err) == CC_OK, "%s", err.msg);
	money(r.category[CALC_COMPUTE], "42.17");
	money(r.upfront, "252.00");
	calc_result_release(&r);
	/* no reserved price for t3.xlarge in the fixtures: on demand, with a warning, not PARTIAL */
	ck_assert_msg(run("\"PricingModel\":\"RESERVED_1YR_NO_UPFRONT\"",
			  "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"t3.xlarge\",\"OS\":\"Linux\"}]",
			  NULL, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.status, CALC_COMPLETE);
	has(&r, "no RESERVED_1YR_NO_UPFRONT price for t3.xlarge Linux in us-east-1; priced on demand");
	calc_result_release(&r);
	/*
	 * The ladder of a fleet where only one line has reservations, on demand
	 * as the headline: m5.large 70.08 + t3.xlarge 730 x 0.1664 = 121.472 ->
	 * 121.47, so on demand 191.55 + support 29.00 (9% is 17.24, under the
	 * minimum) + buffer 10% of 220.55 = 22.055 -> 22.06 = 242.61. Under 3yr convertible All
	 * Upfront the m5.large is 32.25 and the t3.xlarge stays on demand:
	 * 153.72 + 29.00 (9% is 13.83) + 18.272 -> 18.27 = 200.99, upfront 1161.
	 */
	ck_assert_msg(run("", "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"Linux\"},"
			  "{\"SuggestedInstanceType\":\"t3.xlarge\",\"OS\":\"Linux\"}]", NULL, &r, &err) == CC_OK,
		      "%s", err.msg);
	money(r.monthly, "242.61");
	has(&r, "{\"PricingModel\":\"RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE\",\"TotalMonthlyCost\":200.99,"
		"\"UpfrontCost\":1161.00");
	calc_result_release(&r);
}
END_TEST

/*
 * Support tiers: 30 x m5.4xlarge Linux x 730 h = 21,900 h x 0.768 =
 * 16819.20. Business Support+ on 2026-12-01: 9% of the first 10,000 = 900
 * + 7% of 6,819.20 = 477.344 -> 1377.344 -> 1377.34. The legacy Business
 * plan the same day: 10% x 10,000 = 1000 + 477.344 -> 1477.34; after it
 * ends (2027-01-01) it is not in effect: no support line, and a warning.
 */
START_TEST(support_tiers)
{
	static const char reqs[] =
		"\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.4xlarge\",\"MinInstances\":30}]";
	struct calc_result r;
	struct cc_err err = { 0 };
	struct calc_config *legacy = NULL;

	ck_assert_msg(run("", reqs, NULL, &r, &err) == CC_OK, "%s", err.msg);
	money(r.category[CALC_COMPUTE], "16819.20");
	has(&r, "\"Support\":{\"Plan\":\"business-plus\",\"EffectiveFrom\":\"2025-12-02\",\"Minimum\":29.00");
	has(&r, "\"MonthlyCost\":1377.34},\"Buffer\"");
	calc_result_release(&r);
	ck_assert_int_eq(cfg_set(cfg, "support.plan", "business", "test", &err), CC_OK);
	ck_assert_int_eq(calc_config_load(cfg, &legacy, &err), CC_OK);
	calc_config_free(cc);
	cc = legacy;
	ck_assert_msg(run("", reqs, NULL, &r, &err) == CC_OK, "%s", err.msg);
	has(&r, "\"MonthlyCost\":1477.34},\"Buffer\"");
	calc_result_release(&r);
	ck_assert_msg(run("", reqs, "2027-01-02T02:00:00Z", &r, &err) == CC_OK, "%s", err.msg);
	has(&r, "support plan 'business' is not in effect on 2027-01-02");
	has(&r, "\"Support\":{\"Plan\":\"business\",\"MonthlyCost\":0.00}");
	calc_result_release(&r);
}
END_TEST

/* Bad requirements name the estimation and the field; nothing is priced. */
START_TEST(bad_requirements_named)
{
	static const char *const bad[][2] = {
		{ "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\"},{\"MinInstances\":5,\"MaxInstances\":2,\"SuggestedInstanceType\":\"m5.large\"}]",
		  "t: ComputeRequirements[1].MinInstances (5) > MaxInstances (2)" },
		{ "\"ComputeRequirements\":[{\"CPUCores\":\"4\"}]",
		  "t: ComputeRequirements[0].CPUCores must be a number, not a string" },
		{ "\"ComputeRequirements\":[{\"UtilizationPercent\":120,\"SuggestedInstanceType\":\"m5.large\"}]",
		  "t: ComputeRequirements[0].UtilizationPercent (120) must be 0..100" },
		{ "\"ComputeRequirements\":[{\"OS\":\"BeOS\",\"SuggestedInstanceType\":\"m5.large\"}]",
		  "t: ComputeRequirements[0].OS 'BeOS' is not one of" },
		{ "\"StorageRequirements\":[{\"CurrentGB\":-5}]",
		  "t: StorageRequirements[0].CurrentGB (-5) must be a number from 0" },
		{ "\"DatabaseRequirements\":[{\"Engine\":\"Mongo\",\"InstanceClass\":\"db.r5.large\"}]",
		  "t: DatabaseRequirements[0].Engine 'Mongo' is not one of" },
	};
	struct calc_result r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cc_err err = { 0 };

		ck_assert_int_eq(run("", bad[i][0], NULL, &r, &err), CC_EPARSE);
		ck_assert_msg(strstr(err.msg, bad[i][1]), "%s: %s", bad[i][0], err.msg);
		ck_assert_int_eq(r.status, CALC_FAILED);
		calc_result_release(&r);
	}
	{
		struct cc_err err = { 0 };

		ck_assert_int_eq(run("\"ClientInfo\":{\"RegionPreference\":[\"mars-north-1\"]}", "", NULL, &r, &err),
				 CC_EPARSE);
		ck_assert_msg(strstr(err.msg, "region 'mars-north-1' is in no offer file"), "%s", err.msg);
		calc_result_release(&r);
	}
}
END_TEST

/*
 * A price that cannot be found is never $0: the Security Hub fixture is
 * for us-east-1 only, so in us-east-2 the line is marked, the warning
 * names the lookup, and the calculation is PARTIAL. In us-east-1 it is
 * priced: Security Hub 10,000 checks x 0.001 (the first tier) = 10.00;
 * Inspector 3 instances (the fleet) x 1.2585 = 3.7755 -> 3.78; Macie 100 GB
 * x 1.00 = 100.00.
 */
START_TEST(missing_price_is_never_zero)
{
	static const char reqs[] = "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"MinInstances\":3}],"
				   "\"SecurityRequirements\":{\"SecurityHub\":true,\"Inspector\":true,\"Macie\":true}";
	struct calc_result r;
	struct cc_err err = { 0 };

	ck_assert_msg(run("\"ClientInfo\":{\"RegionPreference\":[\"us-east-2\"]}", reqs, NULL, &r, &err) == CC_OK,
		      "%s", err.msg);
	ck_assert_int_eq(r.status, CALC_PARTIAL);
	ck_assert_int_eq(r.missing, 3);
	has(&r, "\"Status\":\"PARTIAL\"");
	has(&r, "\"Status\":\"MISSING_PRICE\",\"Reason\":\"no price found for AWSSecurityHub us-east-2 "
		"usagetype=*PaidComplianceCheck (OnDemand)\"");
	has(&r, "t: SecurityRequirements: no price for AWSSecurityHub us-east-2");
	calc_result_release(&r);
	ck_assert_msg(run("", reqs, NULL, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.status, CALC_COMPLETE);
	money(r.category[CALC_SECURITY], "113.78");
	has(&r, "\"SecurityHub\":10.00");
	has(&r, "\"Inspector\":3.78");
	has(&r, "\"Macie\":100.00");
	calc_result_release(&r);
}
END_TEST

static unsigned rnd(unsigned *state, unsigned n)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) % n;
}

static struct dec jdec(yajl_val v)
{
	struct dec d = { 0 };

	if (v && YAJL_IS_NUMBER(v))
		dec_parse(v->u.number.r, strlen(v->u.number.r), &d);
	return d;
}

/*
 * Over random requirements (a fixed seed, so a failure repeats): every
 * category total is the sum of its lines, the subtotal the sum of the
 * categories, the total discounted subtotal + support + buffer, annual 12
 * x monthly, and no priced line is $0 unless its rate is.
 */
START_TEST(property_totals_follow_lines)
{
	static const char *const os[] = { "Linux", "Windows" };
	static const char *const types[] = { "t3.large", "m5.large", "m5.xlarge", "r5.large", "c5.large" };
	static const char *const vols[] = { "EBS gp3", "EBS gp2", "EBS io2", "S3 Standard", "S3 Standard-IA" };
	static const char *const cats[] = { "Compute", "Storage", "Database", "Network", "Security" };
	unsigned seed = 12345, n;

	for (n = 0; n < 150; n++) {
		char reqs[4096];
		struct calc_result r;
		struct cc_err err = { 0 };
		yajl_val item, lines, dc;
		char why[128];
		struct dec sum[5] = { { 0 } }, subtotal = { 0 }, x;
		size_t i, k;
		int len;

		len = snprintf(reqs, sizeof(reqs),
			       "\"ComputeRequirements\":[{\"CPUCores\":2,\"RAMGB\":8,\"OS\":\"%s\",\"SuggestedInstanceType\":\"%s\","
			       "\"MinInstances\":%u,\"MaxInstances\":%u,\"ScalingType\":\"%s\","
			       "\"UtilizationPercent\":%u,\"PeakUtilizationPercent\":%u,\"MonthlyHours\":%u}],"
			       "\"StorageRequirements\":[{\"CurrentGB\":%u,\"SuggestedAWSService\":\"%s\","
			       "\"IOPSRequired\":%u,\"ThroughputMBps\":%u,\"BackupRequired\":%s,\"RetentionDays\":%u}],"
			       "\"DatabaseRequirements\":[{\"Engine\":\"%s\",\"InstanceClass\":\"db.%s\",\"SizeGB\":%u,"
			       "\"MultiAZ\":%s,\"ReadReplicas\":%u,\"BackupRetention\":%u}],"
			       "\"NetworkRequirements\":{\"DataTransferOutGBMonth\":%u,\"LoadBalancerCount\":%u,"
			       "\"GlobalDistributionRequired\":%s,\"WAFRequired\":%s,\"SSLCertificateRequired\":true},"
			       "\"SecurityRequirements\":{\"KMS\":%s,\"CloudTrail\":true,\"GuardDuty\":%s,"
			       "\"SecretsManager\":true,\"AWSConfig\":%s}",
			       os[rnd(&seed, 2)], types[rnd(&seed, 5)], 1 + rnd(&seed, 3), 4 + rnd(&seed, 6),
			       rnd(&seed, 2) ? "Auto" : "Fixed", rnd(&seed, 60), 60 + rnd(&seed, 41),
			       100 + rnd(&seed, 645), 1 + rnd(&seed, 70000), vols[rnd(&seed, 5)],
			       rnd(&seed, 40000), rnd(&seed, 1000), rnd(&seed, 2) ? "true" : "false",
			       rnd(&seed, 35), rnd(&seed, 2) ? "MySQL" : "PostgreSQL",
			       rnd(&seed, 2) ? "r5.large" : "m5.large", rnd(&seed, 2000),
			       rnd(&seed, 2) ? "true" : "false", rnd(&seed, 3), rnd(&seed, 35), rnd(&seed, 200000),
			       rnd(&seed, 4), rnd(&seed, 2) ? "true" : "false", rnd(&seed, 2) ? "true" : "false",
			       rnd(&seed, 2) ? "true" : "false", rnd(&seed, 2) ? "true" : "false",
			       rnd(&seed, 2) ? "true" : "false");
		ck_assert_int_lt(len, (int)sizeof(reqs));
		ck_assert_msg(run("", reqs, NULL, &r, &err) == CC_OK, "%s\n%s", reqs, err.msg);
		item = json_parse(r.item.buf, r.item.len, 256, why, sizeof(why));
		ck_assert_msg(item != NULL, "%s", why);
		/*
		 * recalc keys the item from its leading attributes (store_item_make_own): it
		 * must keep every DynamoDB rule itself, and name no TTL or Version
		 */
		ck_assert_msg(store_item_valid(r.item.buf, r.item.len, why, sizeof(why)), "%s", why);
		ck_assert_ptr_null(json_get(item, "TTL"));
		ck_assert_ptr_null(json_get(item, "Version"));
		ck_assert(!strncmp(r.item.buf, "{\"PK\":\"ESTIMATION#", strlen("{\"PK\":\"ESTIMATION#")));
		ck_assert_str_eq(item->u.object.keys[2], "GSI1PK");
		ck_assert_str_eq(item->u.object.keys[3], "GSI1SK");
		lines = json_get(item, "Lines");
		for (i = 0; i < lines->u.array.len; i++) {
			yajl_val l = lines->u.array.values[i];
			const char *cat = json_get(l, "Category")->u.string;
			const char *status = json_get(l, "Status")->u.string;
			struct dec m = jdec(json_get(l, "MonthlyCost"));

			for (k = 0; k < 5; k++)
				if (!strcmp(cat, cats[k]))
					dec_add(sum[k], m, &sum[k]);
			/* never a silent $0: a priced $0 line has a $0 rate (a free tier) */
			if (!m.v && !strcmp(status, "PRICED") && !json_get(l, "Tiers"))
				ck_assert_msg(!jdec(json_get(l, "Rate")).v || !jdec(json_get(l, "Quantity")).v,
					      "a $0 line with a rate: %s", reqs);
		}
		dc = json_get(item, "DetailedCosts");
		for (k = 0; k < 5; k++) {
			char total[32];

			snprintf(total, sizeof(total), "Total%s", cats[k]);
			ck_assert_int_eq(jdec(json_get(json_get(dc, cats[k]), total)).v, sum[k].v);
			dec_add(subtotal, sum[k], &subtotal);
		}
		ck_assert_int_eq(jdec(json_get(item, "Subtotal")).v, subtotal.v);
		dec_sub(subtotal, jdec(json_get(json_get(item, "VolumeDiscount"), "MonthlyCost")), &x);
		dec_add(x, jdec(json_get(json_get(item, "Support"), "MonthlyCost")), &x);
		dec_add(x, jdec(json_get(json_get(item, "Buffer"), "MonthlyCost")), &x);
		ck_assert_int_eq(jdec(json_get(item, "TotalMonthlyCost")).v, x.v);
		dec_mul(x, dec_from_int(12), &x);
		ck_assert_int_eq(jdec(json_get(item, "TotalAnnualCost")).v, x.v);
		yajl_tree_free(item);
		calc_result_release(&r);
	}
}
END_TEST

/* The same inputs give the same bytes (no clock, no order from hashing). */
START_TEST(deterministic)
{
	struct calc_result a, b;
	struct cc_err err = { 0 };
	static const char reqs[] = "\"ComputeRequirements\":[{\"CPUCores\":4,\"RAMGB\":16}],"
				   "\"NetworkRequirements\":{\"DataTransferOutGBMonth\":500,\"LoadBalancerCount\":2}";

	ck_assert_int_eq(run("", reqs, NULL, &a, &err), CC_OK);
	ck_assert_int_eq(run("", reqs, NULL, &b, &err), CC_OK);
	ck_assert_str_eq(a.item.buf, b.item.buf);
	ck_assert_str_eq(a.inputs_hash, b.inputs_hash);
	calc_result_release(&a);
	calc_result_release(&b);
}
END_TEST

/*
 * The ladder's lookups are kept per line across estimations (the memo's
 * ladder entry): what a warm memo gives is what a cold one gave, and it
 * keeps only the answers, never a quantity. 1 x m5.large first (cold), then
 * 3 x m5.large (warm): on demand 3 x 730 h x 0.096 = 210.24, support 29.00
 * (9% is 18.92, under the minimum), buffer 10% of 239.24 = 23.924 -> 23.92:
 * 263.16. Under 3yr convertible All Upfront: 2190 h x 1161 / 26280
 * (0.0441780822) = 96.750000018 -> 96.75, support 29.00, buffer 12.575 ->
 * 12.58: 138.33, upfront 3 x 1161 = 3483.00. Then 1 x again: the same item.
 */
START_TEST(ladder_memo_keeps_answers_not_quantities)
{
	static const char one[] = "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"Linux\"}]";
	static const char three[] = "\"ComputeRequirements\":[{\"SuggestedInstanceType\":\"m5.large\",\"OS\":\"Linux\","
				    "\"MinInstances\":3}]";
	struct calc_result a, b, c;
	struct cc_err err = { 0 };

	ck_assert_msg(run("", one, NULL, &a, &err) == CC_OK, "%s", err.msg);
	ck_assert_msg(run("", three, NULL, &b, &err) == CC_OK, "%s", err.msg);
	money(b.category[CALC_COMPUTE], "210.24");
	money(b.monthly, "263.16");
	has(&b, "{\"PricingModel\":\"RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE\",\"TotalMonthlyCost\":138.33,"
		"\"UpfrontCost\":3483.00");
	ck_assert_msg(run("", one, NULL, &c, &err) == CC_OK, "%s", err.msg);
	ck_assert_str_eq(a.item.buf, c.item.buf);
	calc_result_release(&a);
	calc_result_release(&b);
	calc_result_release(&c);
}
END_TEST

Suite *suite_calc(void)
{
	Suite *s = suite_create("calc");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, seed_est456);
	tcase_add_test(tc, windows_fleet);
	tcase_add_test(tc, s3_and_data_transfer_tiers);
	tcase_add_test(tc, right_sized);
	tcase_add_test(tc, reserved_ladder);
	tcase_add_test(tc, support_tiers);
	tcase_add_test(tc, bad_requirements_named);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, ladder_memo_keeps_answers_not_quantities);
	tcase_add_test(tc, missing_price_is_never_zero);
	tcase_add_test(tc, property_totals_follow_lines);
	suite_add_tcase(s, tc);
	return s;
}
