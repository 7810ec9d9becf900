/*
 * Store rates for `make bench`: 10,000 estimation items put one at a time,
 * 10,000 put in batches, then the estimations-by-user pattern paged
 * through (100 a page) and 10,000 single gets; items per second each.
 * Usage: store_bench URL   (e.g. sqlite:/tmp/x.db; a fresh table)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/store/store.h"

enum { N = 10000, BATCH = 25 };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void item(char *out, size_t cap, const char *prefix, int i)
{
	snprintf(out, cap,
		 "{\"PK\":\"ESTIMATION#%s%05d\",\"SK\":\"METADATA\",\"GSI1PK\":\"USER#u%d\","
		 "\"GSI1SK\":\"ESTIMATION#2026-11-%02dT%02d:%02d:00Z\",\"GSI2PK\":\"STATUS#ACTIVE\","
		 "\"GSI2SK\":\"ESTIMATION#%s%05d\",\"EntityType\":\"Estimation\",\"ProjectName\":"
		 "\"Project %d\",\"Status\":\"ACTIVE\",\"Version\":1,\"EstimationSummary\":{"
		 "\"TotalMonthlyCost\":%d.%02d,\"Currency\":\"USD\"}}",
		 prefix, i, i % 10, i % 28 + 1, i % 24, i % 60, prefix, i, i, i * 7, i % 100);
}

static int count(void *user, const char *json, size_t len)
{
	(void)json;
	(void)len;
	(*(int *)user)++;
	return 0;
}

static void fail(const char *what, const struct cc_err *err)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	struct cc_err err = { 0 };
	struct store *s;
	char buf[1024], *batch[BATCH];
	double t0, t;
	int i, j, seen = 0, found;
	struct buf next, got;
	char cursor[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: store_bench URL\n");
		return 1;
	}
	if (store_open(&s, argv[1], NULL, &err) || store_init(s, &err))
		fail("open", &err);
	t0 = now();
	for (i = 0; i < N; i++) {
		item(buf, sizeof(buf), "a", i);
		if (store_put(s, buf, 0, &err))
			fail("put", &err);
	}
	t = now() - t0;
	printf("%-8s put one at a time   %8.0f items/s\n", store_backend(s), N / t);
	for (j = 0; j < BATCH; j++)
		batch[j] = malloc(1024);
	t0 = now();
	for (i = 0; i < N; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			item(batch[j], 1024, "b", i + j);
		if (store_batch_put(s, (const char *const *)batch, BATCH, &err))
			fail("batch put", &err);
	}
	t = now() - t0;
	printf("%-8s put in batches of %d %8.0f items/s\n", store_backend(s), BATCH, N / t);
	buf_init(&next, 1 << 16);
	buf_init(&got, 1 << 16);
	t0 = now();
	for (i = 0; i < 10; i++) {
		char user[16];
		const char *args[1] = { user };

		snprintf(user, sizeof(user), "u%d", i);
		cursor[0] = '\0';
		do {
			if (store_pattern_run(s, store_pattern_find("estimations-by-user"), args, 1, 100,
					      cursor[0] ? cursor : NULL, count, &seen, &next, &err))
				fail("query", &err);
			snprintf(cursor, sizeof(cursor), "%s", next.buf);
		} while (next.len);
	}
	t = now() - t0;
	printf("%-8s query (GSI1, pages)  %8.0f items/s (%d items)\n", store_backend(s), seen / t, seen);
	t0 = now();
	for (i = 0; i < N; i++) {
		char pk[64];

		snprintf(pk, sizeof(pk), "ESTIMATION#a%05d", i);
		if (store_get(s, pk, "METADATA", &got, &found, &err) || !found)
			fail("get", &err);
	}
	t = now() - t0;
	printf("%-8s get one at a time    %8.0f items/s\n", store_backend(s), N / t);
	for (j = 0; j < BATCH; j++)
		free(batch[j]);
	buf_release(&next);
	buf_release(&got);
	store_close(s);
	return 0;
}
