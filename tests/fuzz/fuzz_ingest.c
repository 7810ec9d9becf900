/*
 * libFuzzer target for ingest's chunk API: the input is fed in two pieces
 * (split at a point taken from the first byte) so chunk boundaries are
 * fuzzed too. Any outcome but a crash, a leak or undefined behaviour is
 * fine: errors are expected for most inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/prices/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *user, const struct pb_entry *e, struct cc_err *err)
{
	(void)err;
	(void)e;
	(*(size_t *)user)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest *in = NULL;
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct ingest_options opt = { 0, 100000, 0, NULL, NULL, NULL, 0, 0, NULL };
	size_t split, entries = 0;

	if (ingest_new(&in, NULL, "fuzz.json", &opt, count, &entries, &err))
		return 0;
	split = size ? data[0] % (size + 1) : 0;
	if (!ingest_feed(in, data, split, &err) &&
	    !ingest_feed(in, data + split, size - split, &err))
		ingest_finish(in, &st, &err);
	ingest_free(in);
	return 0;
}
