/* One runner for every unit suite (tests/unit/check_<module>.c). */
#include <stdlib.h>

#include "helpers.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_dec());
	int failed;

	srunner_add_suite(sr, suite_sha256());
	srunner_add_suite(sr, suite_buf());
	srunner_add_suite(sr, suite_jtape());
	srunner_add_suite(sr, suite_cfg());
	srunner_add_suite(sr, suite_pb());
	srunner_add_suite(sr, suite_ingest());
	srunner_add_suite(sr, suite_store());
	srunner_add_suite(sr, suite_aws());
	srunner_add_suite(sr, suite_entity());
	srunner_add_suite(sr, suite_hostile());
	srunner_add_suite(sr, suite_calc());
	srunner_add_suite(sr, suite_recalc());
	srunner_add_suite(sr, suite_docs());
	srunner_add_suite(sr, suite_intake());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
