/*
 * make bench: the cost engine alone (no store), over N generated, varied
 * estimations priced against a pricebook: estimations a second at 1 thread
 * and at every thread, and the speed-up. Ratios and rates, no limits.
 * Usage: calc_bench PRICEBOOK [N]
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/calc/calc.h"
#include "pipeline/core/cfg.h"
#include "pipeline/prices/pb.h"

static unsigned rnd(unsigned *s, unsigned n)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) % n;
}

/* One estimation's REQUIREMENTS: every kind, realistic mixes. */
static void gen(unsigned i, char *out, size_t cap)
{
	static const char *const types[] = { "t3.large", "m5.large", "m5.xlarge", "r5.large", "c5.large",
					     "m5.2xlarge", "r5.xlarge" };
	static const char *const vols[] = { "EBS gp3", "EBS gp2", "EBS io2", "S3 Standard",
					    "S3 Standard-IA" };
	unsigned s = i * 2654435761u + 1;

	snprintf(out, cap,
		 "{\"PK\":\"ESTIMATION#b%u\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":["
		 "{\"CPUCores\":%u,\"RAMGB\":%u,\"OS\":\"%s\",\"SuggestedInstanceType\":\"%s\",\"MinInstances\":%u,"
		 "\"MaxInstances\":%u,\"ScalingType\":\"%s\",\"UtilizationPercent\":%u,\"PeakUtilizationPercent\":%u},"
		 "{\"CPUCores\":%u,\"RAMGB\":%u,\"OS\":\"Linux\",\"MinInstances\":%u}],"
		 "\"StorageRequirements\":[{\"CurrentGB\":%u,\"SuggestedAWSService\":\"%s\",\"IOPSRequired\":%u,"
		 "\"ThroughputMBps\":%u,\"BackupRequired\":true,\"RetentionDays\":%u},{\"CurrentGB\":%u,\"AccessPattern\":\"Frequent\"}],"
		 "\"DatabaseRequirements\":[{\"Engine\":\"%s\",\"InstanceClass\":\"db.%s\",\"SizeGB\":%u,\"MultiAZ\":%s,"
		 "\"ReadReplicas\":%u,\"BackupRetention\":%u}],"
		 "\"NetworkRequirements\":{\"DataTransferOutGBMonth\":%u,\"LoadBalancerCount\":%u,"
		 "\"GlobalDistributionRequired\":%s,\"WAFRequired\":%s,\"SSLCertificateRequired\":true},"
		 "\"SecurityRequirements\":{\"KMS\":true,\"CloudTrail\":true,\"GuardDuty\":%s,\"SecretsManager\":true,"
		 "\"AWSConfig\":%s}}",
		 i, 2 + rnd(&s, 6), 4 + rnd(&s, 60), rnd(&s, 3) ? "Linux" : "Windows", types[rnd(&s, 7)],
		 1 + rnd(&s, 3), 4 + rnd(&s, 8), rnd(&s, 2) ? "Auto" : "Fixed", rnd(&s, 60), 60 + rnd(&s, 40),
		 1 + rnd(&s, 16), 2 + rnd(&s, 60), 1 + rnd(&s, 4), 20 + rnd(&s, 4000), vols[rnd(&s, 5)],
		 rnd(&s, 20000), rnd(&s, 800), rnd(&s, 30), rnd(&s, 50000), rnd(&s, 2) ? "MySQL" : "PostgreSQL",
		 rnd(&s, 2) ? "r5.large" : "m5.large", 20 + rnd(&s, 2000), rnd(&s, 2) ? "true" : "false",
		 rnd(&s, 3), rnd(&s, 35), rnd(&s, 100000), rnd(&s, 3), rnd(&s, 2) ? "true" : "false",
		 rnd(&s, 2) ? "true" : "false", rnd(&s, 2) ? "true" : "false", rnd(&s, 2) ? "true" : "false");
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double run(const struct calc_config *cc, const struct pb_reader *pb, char **reqs, unsigned n,
		  int threads, unsigned *failed)
{
	static const char meta[] = "{\"PK\":\"ESTIMATION#b\",\"SK\":\"METADATA\"}";
	double t = now();
	unsigned bad = 0;
	long i;

#pragma omp parallel for schedule(dynamic, 16) num_threads(threads) reduction(+ : bad)
	for (i = 0; i < (long)n; i++) {
		struct calc_input in;
		struct calc_result r;
		struct cc_err err = { 0 };

		memset(&in, 0, sizeof(in));
		in.estimation_id = "b";
		in.metadata = meta;
		in.metadata_len = sizeof(meta) - 1;
		in.requirements = reqs[i];
		in.requirements_len = strlen(reqs[i]);
		in.calculated_at = "2026-12-01T02:00:00Z";
		in.pricebook_sha256 = "bench";
		in.no_table = 1; /* as recalc: the item only */
		calc_result_init(&r);
		if (calc_estimation(cc, pb, &in, &r, &err))
			bad++;
		calc_result_release(&r);
	}
	*failed = bad;
	return now() - t;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 5000, i, f1, fn;
	int cores = omp_get_num_procs();
	struct cc_err err = { 0 };
	struct pb_reader *pb = NULL;
	struct cfg *cfg = cfg_new();
	struct calc_config *cc = NULL;
	char **reqs;
	double t1, tn;

	if (argc < 2 || !cfg || pb_open(&pb, argv[1], &err) || calc_config_load(cfg, &cc, &err)) {
		fprintf(stderr, "calc_bench: %s\n", err.msg[0] ? err.msg : "usage: calc_bench PRICEBOOK [N]");
		return 2;
	}
	reqs = calloc(n, sizeof(*reqs));
	for (i = 0; i < n; i++) {
		reqs[i] = malloc(4096);
		gen(i, reqs[i], 4096);
	}
	run(cc, pb, reqs, n < 200 ? n : 200, 1, &f1); /* warm */
	/* the best of three runs of each (a shared machine's noise only ever slows a run) */
	t1 = tn = 1e30;
	for (i = 0; i < 3; i++) {
		double a = run(cc, pb, reqs, n, 1, &f1), b = run(cc, pb, reqs, n, cores, &fn);

		t1 = a < t1 ? a : t1;
		tn = b < tn ? b : tn;
	}
	printf("engine alone: %u estimations (every requirement kind, 26-model commitment ladder each; best of 3)\n", n);
	printf("  1 thread:  %.2f s, %.0f estimations/s%s\n", t1, n / t1, f1 ? " (some failed!)" : "");
	printf("  %d threads: %.2f s, %.0f estimations/s, %.0f per second per core; speed-up %.2fx\n", cores,
	       tn, n / tn, n / tn / cores, t1 / tn);
	for (i = 0; i < n; i++)
		free(reqs[i]);
	free(reqs);
	calc_config_free(cc);
	cfg_free(cfg);
	pb_close(pb);
	return f1 || fn;
}
