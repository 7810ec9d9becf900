/*
 * make bench: documents alone. Loads the latest calculation of every
 * estimation named on stdin (one id a line) from the store once, then
 * renders each estimation's PDF proposal and XLSX workbook into OUTDIR:
 * pairs a second at 1 thread and at every thread, and the same for the
 * PDF alone and the XLSX alone (their shares of the time), with the bytes
 * per document. Ratios and rates, no limits.
 * Usage: docs_bench STORE_URL TEMPLATES_DIR OUTDIR <ids
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/docs/docs.h"
#include "pipeline/store/store.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct est {
	char id[64];
	struct docs_inputs in;
	unsigned long long bytes[2];
};

static double run(struct docs_run *r, struct est *e, size_t n, int threads, unsigned formats, unsigned *failed)
{
	double t = now();
	unsigned bad = 0;
	long i;

	r->o.formats = formats;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : bad)
	for (i = 0; i < (long)n; i++) {
		struct docs_result res;
		struct cc_err err = { 0 };
		unsigned k;

		if (docs_render(r, e[i].id, &e[i].in, &res, &err)) {
			if (!bad)
				fprintf(stderr, "docs_bench: %s\n", err.msg);
			bad++;
			continue;
		}
		for (k = 0; k < res.nfiles; k++)
			e[i].bytes[res.files[k].format == DOCS_PDF ? 0 : 1] = res.files[k].size;
	}
	*failed += bad;
	return now() - t;
}

int main(int argc, char **argv)
{
	struct cc_err err = { 0 };
	struct store *s = NULL;
	struct docs_options o;
	struct docs_run r;
	struct est *e = NULL;
	size_t n = 0, cap = 0, i;
	char line[128];
	unsigned failed = 0;
	int cores = omp_get_num_procs();
	double t[3][2], bytes[2] = { 0, 0 };
	unsigned f;
	static const unsigned formats[3] = { DOCS_PDF | DOCS_XLSX, DOCS_PDF, DOCS_XLSX };

	if (argc != 4 || store_open(&s, argv[1], NULL, &err)) {
		fprintf(stderr, "docs_bench: %s\n", err.msg[0] ? err.msg : "usage: docs_bench STORE TEMPLATES OUTDIR <ids");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.templates_dir = argv[2];
	o.template_name = "standard_proposal";
	o.out_dir = argv[3];
	o.formats = DOCS_PDF | DOCS_XLSX;
	o.generated_at = "2026-12-01T06:00:00Z";
	o.generated_by = "bench";
	if (docs_run_open(&r, &o, &err)) {
		fprintf(stderr, "docs_bench: %s\n", err.msg);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = realloc(e, cap * sizeof(*e));
			if (!e)
				return 2;
		}
		memset(&e[n], 0, sizeof(e[n]));
		snprintf(e[n].id, sizeof(e[n].id), "%.63s", line);
		if (docs_inputs_init(&e[n].in) || docs_load(s, e[n].id, &e[n].in, &err)) {
			fprintf(stderr, "docs_bench: %s\n", err.msg);
			return 2;
		}
		n++;
	}
	store_close(s);
	run(&r, e, n < 20 ? n : 20, 1, DOCS_PDF | DOCS_XLSX, &failed); /* warm the page cache and the font */
	for (f = 0; f < 3; f++) {
		t[f][0] = run(&r, e, n, 1, formats[f], &failed);
		t[f][1] = run(&r, e, n, cores, formats[f], &failed);
	}
	for (i = 0; i < n; i++) {
		bytes[0] += (double)e[i].bytes[0];
		bytes[1] += (double)e[i].bytes[1];
	}
	printf("documents alone: %zu estimations (PDF proposal + XLSX workbook each)\n", n);
	printf("  1 thread:  %.2f s, %.0f pairs/s\n", t[0][0], (double)n / t[0][0]);
	printf("  %d threads: %.2f s, %.0f pairs/s, %.0f per second per core; speed-up %.2fx\n", cores, t[0][1],
	       (double)n / t[0][1], (double)n / t[0][1] / cores, t[0][0] / t[0][1]);
	printf("  PDF alone %.0f/s, XLSX alone %.0f/s on 1 thread: the PDF is %.0f%% of a pair's time\n",
	       (double)n / t[1][0], (double)n / t[2][0], 100.0 * t[1][0] / (t[1][0] + t[2][0]));
	printf("  bytes per document: PDF %.0f, XLSX %.0f\n", bytes[0] / (double)n, bytes[1] / (double)n);
	for (i = 0; i < n; i++)
		docs_inputs_release(&e[i].in);
	free(e);
	docs_run_close(&r);
	return failed ? 1 : 0;
}
