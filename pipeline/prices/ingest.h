#ifndef INGEST_H
#define INGEST_H
/*
 * Ingest: streams one AWS Price List offer file (JSON, plain or gzip)
 * through yajl's callback parser and hands one pricebook entry per price
 * dimension and currency to a sink. Never builds a DOM: the only per-file
 * state is an arena of strings and a SKU -> product table. A Savings Plans
 * file (products and terms.savingsPlan as arrays) gives one entry per rate,
 * keyed as spcsv.h says; its CSV twin is handed to spcsv.h.
 *
 * What it survives (each has a test): prices as strings with 10 decimals,
 * "Inf", unordered tiers, Reserved upfront fees with no range, empty
 * OnDemand, terms whose SKU has no product (orphans, counted), products
 * without productFamily, attributesList, unknown term types such as
 * FlatRate (skipped, counted), a UTF-8 BOM, CNY prices, products of other
 * services inside an offer. Terms before products (legal JSON, never seen
 * from AWS) are spooled to a temporary file and parsed in a second pass.
 *
 * Errors: malformed or truncated JSON is CC_EPARSE / CC_ETRUNC with the
 * file name and byte offset (of the uncompressed stream). Everything else
 * odd is counted in struct ingest_stats and logged, never fatal.
 *
 * Not thread-safe per handle; separate handles are independent.
 */
#include <stdint.h>
#include <stdio.h>

#include "pipeline/core/cc.h"
#include "pipeline/prices/pb.h"

struct ingest_stats {
	char offer_code[64], version[32], published[40];
	uint64_t bytes;        /* uncompressed bytes parsed */
	uint64_t products, terms, dimensions, entries;
	uint64_t orphan_terms; /* term SKU not in products */
	uint64_t unknown_term_types, unknown_keys, unsupported_shapes;
	uint64_t no_family, duplicate_products, bad_prices, bad_ranges;
	uint64_t unmapped_locations, sanitized, misfiled_terms;
	uint64_t plan_rates;   /* entries that are Savings Plans rates */
	int spooled;           /* terms came before products */
	char first_orphan[40], first_unknown_type[40], first_unknown_key[64];
	char first_bad[160], first_unmapped[80], first_shape[80];
};

/* Receives each entry; borrowed, valid only during the call. Non-zero stops. */
typedef int (*ingest_sink)(void *user, const struct pb_entry *e,
			   struct cc_err *err);

struct ingest;

struct ingest_options {
	size_t chunk;           /* read size, bytes (ingest_file) */
	uint64_t max_products;  /* per file; 0 = no bound */
	size_t sort_memory;     /* pricebook writer budget, bytes (ingest_to_pricebook) */
	const char *spool_dir;  /* NULL: $TMPDIR or /tmp */
	/*
	 * Optional: where per-product strings (keys, attributes, families)
	 * are kept, returning a copy that outlives the file, or NULL when out
	 * of memory. NULL: the ingester keeps its own, freed with it.
	 */
	const char *(*intern)(void *user, const char *p, size_t len);
	void *intern_user;
	uint64_t max_token;     /* longest string, number or blank run; 0 = JSON_MAX_TOKEN (jsonutil.h) */
	uint64_t max_bytes;     /* most uncompressed bytes of one file; 0 = no bound */
	/*
	 * The pricebook this ingest replaces (borrowed; NULL: none). A file
	 * that yields no price where `previous` has prices from the same
	 * source fails the ingest: an empty or broken offer must not wipe a
	 * service's prices (ingest_to_pricebook).
	 */
	const struct pb_reader *previous;
};

/*
 * A parser for one offer file called `name` (used in messages), with the
 * options' max_products, spool_dir and intern (`opt` may be NULL).
 */
enum cc_code ingest_new(struct ingest **out, const struct cc_ctx *ctx,
			const char *name, const struct ingest_options *opt,
			ingest_sink sink, void *user, struct cc_err *err);
/* Feeds the next bytes of the uncompressed document. */
enum cc_code ingest_feed(struct ingest *in, const void *data, size_t len,
			 struct cc_err *err);
/* Ends the document: detects truncation, runs the second pass if needed. */
enum cc_code ingest_finish(struct ingest *in, struct ingest_stats *st,
			   struct cc_err *err);
void ingest_free(struct ingest *in); /* accepts NULL */

/*
 * Reads and parses a whole file (gzip detected by its magic), feeding
 * entries to `sink`, logging a summary through ctx.
 */
enum cc_code ingest_file(const struct cc_ctx *ctx, const char *path,
			 const struct ingest_options *opt, ingest_sink sink,
			 void *user, struct ingest_stats *st, struct cc_err *err);

/* A sink that adds entries to a pricebook writer (`user` is the writer). */
int ingest_sink_pb(void *user, const struct pb_entry *e, struct cc_err *err);

struct ingest_result {
	uint64_t files, products, entries, duplicates, conflicts, orphans;
	/*
	 * Savings Plans rates: all of them, those whose discounted SKU is in
	 * no offer (never used; the first named), and those for a service and
	 * region no offer file covers.
	 */
	uint64_t plan_rates, plan_orphans, plan_elsewhere;
	char first_plan_orphan[128];
	char first_conflict[256];
	char sha256[65];
};

/*
 * Ingests `files` in order into one pricebook committed at `out_path`
 * (atomically). All or nothing: if any file fails, nothing is written and
 * the error names the file and byte offset.
 */
enum cc_code ingest_to_pricebook(const struct cc_ctx *ctx,
				 const char *const *files, size_t nfiles,
				 const char *out_path,
				 const struct ingest_options *opt,
				 struct ingest_result *res, struct cc_err *err);

/*
 * Finds offer files under `dir` (what fetch leaves: *.json and *.json.gz,
 * any depth), sorted by path. *files is a malloc'd array of malloc'd
 * strings; free with ingest_free_list.
 */
enum cc_code ingest_find_offers(const char *dir, char ***files, size_t *n,
				struct cc_err *err);
void ingest_free_list(char **files, size_t n);

#endif
