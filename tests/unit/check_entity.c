#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/store/entity.h"

/* Every seed item through its type and back, twice: the same text. */
START_TEST(seed_round_trips)
{
	char *path = th_fixture("table/seed.jsonl"), line[16384], type[64];
	FILE *f = fopen(path, "r");
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		const struct ent_desc *d;
		void *o;
		struct buf a, b;
		struct cc_err err = { 0 };

		line[strcspn(line, "\n")] = '\0';
		if (ent_type_of(line, strlen(line), type, sizeof(type)) ||
		    !(d = ent_desc_for(type)))
			continue; /* the temporary upload: no entity type */
		o = calloc(1, ent_size(d));
		ck_assert_ptr_nonnull(o);
		buf_init(&a, 1 << 20);
		buf_init(&b, 1 << 20);
		ck_assert_msg(ent_parse(d, o, line, strlen(line), &err) == CC_OK, "%s", err.msg);
		ck_assert_int_eq(ent_write(d, o, &a), CC_OK);
		ent_free(d, o);
		ck_assert_msg(ent_parse(d, o, a.buf, a.len, &err) == CC_OK, "%s", err.msg);
		ck_assert_int_eq(ent_write(d, o, &b), CC_OK);
		ck_assert_str_eq(a.buf, b.buf);
		/* and the same attributes as the input, by length (order may differ) */
		ck_assert_int_eq(a.len, strlen(line));
		ent_free(d, o);
		free(o);
		buf_release(&a);
		buf_release(&b);
		n++;
	}
	fclose(f);
	free(path);
	ck_assert_int_eq(n, 18); /* every line of the seed file */
}
END_TEST

static char *seed_line(const char *needle)
{
	char *path = th_fixture("table/seed.jsonl"), line[16384], *found = NULL;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, needle)) {
			line[strcspn(line, "\n")] = '\0';
			found = strdup(line);
			break;
		}
	if (f)
		fclose(f);
	free(path);
	ck_assert_ptr_nonnull(found);
	return found;
}

START_TEST(typed_values_are_exact)
{
	char *req = seed_line("\"SK\":\"REQUIREMENTS\""), *est = seed_line("\"ProjectName\":\"Client ABC Infrastructure\"");
	char *calc = seed_line("\"CalculationId\":\"calc789\"");
	struct ent_requirements r;
	struct ent_estimation e;
	struct ent_calculation c;
	struct cc_err err = { 0 };
	const struct ent_compute_req *cr;
	const struct ent_database_req *db;
	struct buf out;
	char num[32];

	ck_assert_msg(ent_parse(&ent_requirements_desc, &r, req, strlen(req), &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.compute.n, 1);
	cr = r.compute.items;
	ck_assert_int_eq(cr->cpu_cores, 4);
	dec_format(cr->ram_gb.v, 0, num, sizeof(num));
	ck_assert_str_eq(num, "16");
	ck_assert_int_eq(cr->min_instances, 2);
	ck_assert_int_eq(cr->max_instances, 10);
	ck_assert_str_eq(cr->suggested_instance_type, "t3.xlarge");
	ck_assert(!ent_has(&ent_requirements_desc, &r, "Nope"));
	db = r.database.items;
	ck_assert_int_eq(db->read_replicas, 2);
	ck_assert(db->multi_az);
	ck_assert(r.network.global_distribution_required);
	ck_assert(!r.security.macie && r.security.kms);
	ent_free(&ent_requirements_desc, &r);

	ck_assert_msg(ent_parse(&ent_estimation_desc, &e, est, strlen(est), &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(e.client_info.region_preference.n, 2);
	ck_assert_str_eq(e.client_info.region_preference.v[1], "us-west-2");
	dec_format(e.summary.total_monthly_cost.v, e.summary.total_monthly_cost.places, num, sizeof(num));
	ck_assert_str_eq(num, "8500.00");
	ck_assert(ent_has(&ent_estimation_desc, &e, "EstimationSummary"));
	ck_assert(!ent_has(&ent_estimation_desc, &e, "TTL")); /* present, but null */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(ent_write(&ent_estimation_desc, &e, &out), CC_OK);
	ck_assert_ptr_nonnull(strstr(out.buf, "\"TTL\":null"));
	ck_assert_ptr_nonnull(strstr(out.buf, "\"TotalMonthlyCost\":8500.00"));
	ent_free(&ent_estimation_desc, &e);

	/* what the type does not know travels as it came */
	ck_assert_msg(ent_parse(&ent_calculation_desc, &c, calc, strlen(calc), &err) == CC_OK, "%s", err.msg);
	ck_assert_int_ge(c.extra.n, 2);
	buf_reset(&out);
	ck_assert_int_eq(ent_write(&ent_calculation_desc, &c, &out), CC_OK);
	ck_assert_ptr_nonnull(strstr(out.buf, "\"DetailedCosts\":{\"Compute\":{\"EC2Instances\":[{\"InstanceType\":\"t3.xlarge\""));
	ck_assert_ptr_nonnull(strstr(out.buf, "\"PricePerHour\":0.1664"));
	ent_free(&ent_calculation_desc, &c);
	buf_release(&out);
	free(req);
	free(est);
	free(calc);
}
END_TEST

/* Nonsense fields: refused with the entity and the path. */
START_TEST(nonsense_fields_named)
{
	static const struct {
		const struct ent_desc *d;
		const char *json, *msg;
	} bad[] = {
		{ &ent_requirements_desc,
		  "{\"EstimationId\":\"est9\",\"ComputeRequirements\":[{\"CPUCores\":4},{\"CPUCores\":\"four\"}]}",
		  "EstimationRequirements est9: ComputeRequirements[1].CPUCores must be a whole number" },
		{ &ent_estimation_desc,
		  "{\"EstimationId\":\"est9\",\"ClientInfo\":{\"RegionPreference\":[\"us-east-1\",5]}}",
		  "Estimation est9: ClientInfo.RegionPreference[1] must be a string" },
		{ &ent_estimation_desc,
		  "{\"EstimationId\":\"est9\",\"EstimationSummary\":{\"TotalMonthlyCost\":1e3}}",
		  "EstimationSummary.TotalMonthlyCost must be a decimal number" },
		{ &ent_requirements_desc, "{\"NetworkRequirements\":[1]}",
		  "EstimationRequirements: NetworkRequirements must be an object" },
		{ &ent_user_desc, "{\"UserId\":\"u9\",\"IsActive\":\"yes\"}",
		  "User u9: IsActive must be true or false" },
		{ &ent_user_desc, "[]", "User: not a JSON object" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *o = calloc(1, ent_size(bad[i].d));
		struct cc_err err = { 0 };

		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(ent_parse(bad[i].d, o, bad[i].json, strlen(bad[i].json), &err), CC_EPARSE);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "got: %s", err.msg);
		free(o);
	}
}
END_TEST

Suite *suite_entity(void)
{
	Suite *s = suite_create("entity");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, seed_round_trips);
	tcase_add_test(tc, typed_values_are_exact);
	tcase_add_test(tc, nonsense_fields_named);
	suite_add_tcase(s, tc);
	return s;
}
