/*
 * libFuzzer target for the cost engine's input: the bytes are an
 * estimation's REQUIREMENTS item (what the platform's web tier, the intake
 * or any other client wrote), priced against a pricebook of the bundled
 * fixtures, built once (run from the repository's top: fixtures/offers).
 * Any outcome but a crash, a leak or undefined behaviour is fine.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/calc/calc.h"
#include "pipeline/core/cfg.h"
#include "pipeline/prices/ingest.h"
#include "pipeline/prices/pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pb_reader *pb;
static struct calc_config *cc;
static struct cfg *cfg;

static void cleanup(void)
{
	calc_config_free(cc);
	cfg_free(cfg);
	pb_close(pb);
}

static int prepare(void)
{
	static int done, ok;
	char dir[] = "/tmp/costctl-fuzz-calc-XXXXXX", path[64];
	struct ingest_options opt = { 0, 0, 1 << 20, NULL, NULL, NULL, 0, 0, NULL };
	struct ingest_result res;
	struct cc_err err = { 0 };
	char **files = NULL;
	size_t n = 0;

	if (done)
		return ok;
	done = 1;
	if (!mkdtemp(dir) || ingest_find_offers("fixtures/offers", &files, &n, &err) || !n)
		return 0;
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	if (!ingest_to_pricebook(NULL, (const char *const *)files, n, path, &opt, &res, &err) &&
	    !pb_open(&pb, path, &err) && (cfg = cfg_new()) && !calc_config_load(cfg, &cc, &err))
		ok = 1;
	ingest_free_list(files, n);
	unlink(path); /* the mapping stays valid */
	rmdir(dir);
	atexit(cleanup);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char meta[] = "{\"PK\":\"ESTIMATION#f\",\"SK\":\"METADATA\"}";
	struct calc_input in;
	struct calc_result r;
	struct cc_err err = { 0 };

	if (!prepare())
		return 0;
	memset(&in, 0, sizeof(in));
	in.estimation_id = "f";
	in.metadata = meta;
	in.metadata_len = sizeof(meta) - 1;
	in.requirements = (const char *)data;
	in.requirements_len = size;
	in.calculated_at = "2026-12-01T02:00:00Z";
	in.pricebook_sha256 = "fuzz";
	calc_result_init(&r);
	calc_estimation(cc, pb, &in, &r, &err);
	calc_result_release(&r);
	return 0;
}
