/*
 * The ingest parser alone (yajl + our callbacks + building every entry),
 * with a sink that only counts: the part of `costctl ingest` that is
 * comparable with a bare yajl parse. Usage: ingest_only FILE [CHUNK_KB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pipeline/prices/ingest.h"

static int count(void *user, const struct pb_entry *e, struct cc_err *err)
{
	(void)e;
	(void)err;
	(*(unsigned long long *)user)++;
	return 0;
}

int main(int argc, char **argv)
{
	size_t chunk = (argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 256) * 1024;
	unsigned long long entries = 0;
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct timespec a, b;

	if (argc < 2) {
		fprintf(stderr, "usage: ingest_only FILE [CHUNK_KB]\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct ingest_options opt = { chunk, 0, 0, NULL, NULL, NULL, 0, 0, NULL };

	if (ingest_file(NULL, argv[1], &opt, count, &entries, &st, &err)) {
		fprintf(stderr, "ingest_only: %s\n", err.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%llu bytes %.3f s %llu entries\n", (unsigned long long)st.bytes,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	       entries);
	return 0;
}
