#ifndef STORE_H
#define STORE_H
/*
 * The platform's single table (aws-cost-platform, seed/database-schema.md
 * section 2): one interface, two backends, chosen by URL:
 *
 *	sqlite:PATH                              the embedded default
 *	dynamodb://REGION/TABLE[?endpoint=URL]   real DynamoDB (credentials: aws.h)
 *
 * Items are plain JSON objects, the seed's shapes. Every item has string
 * PK and SK; GSI1PK/GSI1SK and GSI2PK/GSI2SK put it in an index when both
 * are strings (sparse, as in DynamoDB); TTL (epoch seconds) makes it
 * invisible once past and purgeable; Version is the optimistic-lock
 * counter of section 4.2. Numbers keep their text: export then import is
 * lossless.
 *
 * The operations are what the access patterns of section 3 need, with
 * DynamoDB's semantics, so both backends pass one test suite:
 * conditional put, versioned update, query by partition with a sort-key
 * condition on the table or a GSI (forward or backward, a limit, a
 * cursor), batch writes (25 a request, unprocessed items retried),
 * transactions (all or nothing), segmented scans.
 *
 * Not thread-safe per handle: each worker opens its own.
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"

#define STORE_TABLE_NAME "aws-cost-platform"
/*
 * DynamoDB's nesting limit is 32 levels below the item; in plain JSON the
 * item object is one more. Both backends refuse deeper items.
 */
#define STORE_MAX_DEPTH 33

struct store;

enum store_index { STORE_BASE, STORE_GSI1, STORE_GSI2 };
enum store_cond { STORE_ALL, STORE_EQ, STORE_BEGINS, STORE_BETWEEN };

/* Opens a store by URL; `ctx` may be NULL. */
enum cc_code store_open(struct store **out, const char *url,
			const struct cc_ctx *ctx, struct cc_err *err);
void store_close(struct store *s); /* accepts NULL */
/* "sqlite" or "dynamodb". */
const char *store_backend(const struct store *s);
/* The URL it was opened with (borrowed). */
const char *store_url(const struct store *s);

/*
 * Creates the table as section 2.1 says: keys, both GSIs, on-demand
 * billing, streams, TTL on the TTL attribute, point-in-time recovery
 * where the backend has it. Idempotent.
 */
enum cc_code store_init(struct store *s, struct cc_err *err);
/*
 * The same; an existing DynamoDB table is compared with section 2.1 (keys,
 * both GSIs and their projection, billing, stream, encryption where
 * described) and every difference reported (CC_EIO), unless flags has
 * STORE_INIT_ACCEPT (then a warning). SSE uses the key store.kms_key.
 */
#define STORE_INIT_ACCEPT 1u
enum cc_code store_init_ex(struct store *s, unsigned flags, struct cc_err *err);
/*
 * What the table is, for people (`table info`): name and backend, keys and
 * indexes, billing, stream, TTL, encryption, point-in-time recovery, the
 * item count, and whether it matches section 2.1. Appended to `out`.
 */
enum cc_code store_describe(struct store *s, struct buf *out, struct cc_err *err);

/*
 * Checks an item: a JSON object with string PK and SK (not empty), GSI
 * keys strings when present, TTL a whole number or null, Version a whole
 * number. Fills `why` (what is wrong) when not.
 */
int store_item_valid(const char *json, size_t len, char *why, size_t whylen);

/* The item at PK/SK into `out` (reset first); *found 0 when none. */
enum cc_code store_get(struct store *s, const char *pk, const char *sk,
		       struct buf *out, int *found, struct cc_err *err);

#define STORE_IF_NOT_EXISTS 1u /* the seed's attribute_not_exists(PK) */

/* Writes an item (replacing); CC_ECONFLICT when a condition fails. */
enum cc_code store_put(struct store *s, const char *json, unsigned flags,
		       struct cc_err *err);
/*
 * Optimistic locking (section 4.2): replaces the item at the new item's
 * PK/SK only if its Version is `expected`, writing Version expected + 1
 * and UpdatedAt now. CC_ECONFLICT names the version found.
 */
enum cc_code store_update_versioned(struct store *s, const char *json,
				    int64_t expected, struct cc_err *err);
/*
 * An item checked and keyed ahead of its write, on any thread and without
 * a store: the engine's threads make them, the one writer only writes
 * (recalc). With `expected` >= 0 it is store_update_versioned's write at
 * that Version (UpdatedAt is the time it was made), else store_put's.
 */
struct store_item;
enum cc_code store_item_make(struct store_item **out, const char *json, size_t len,
			     int64_t expected, struct cc_err *err);
enum cc_code store_item_write(struct store *s, const struct store_item *it, unsigned flags,
			      struct cc_err *err);
/*
 * store_item_make (no version) for an item costctl builds itself, in bulk
 * (the engine's CALCULATION), whose text is JSON by construction
 * (buf_add_json_str, yajl_gen): checked for what bytes from outside inside
 * it could still break (UTF-8, NUL) and keyed from its leading attributes,
 * {"PK":..,"SK":..[,"GSI1PK":..,"GSI1SK":..][,"GSI2PK":..,"GSI2SK":..],
 * without reading it. Its structure, depth and the other DynamoDB rules
 * (no name twice, no key, TTL or Version attribute further on, sets,
 * numbers) are the builder's to keep: its tests hold every item it makes
 * to store_item_valid. Text that does not start so, or holds a \u escape
 * (yajl_gen would write it otherwise), is read in full as store_item_make
 * does.
 */
enum cc_code store_item_make_own(struct store_item **out, const char *json, size_t len,
				 struct cc_err *err);
void store_item_free(struct store_item *it); /* accepts NULL */
enum cc_code store_delete(struct store *s, const char *pk, const char *sk,
			  struct cc_err *err);

struct store_query {
	enum store_index index;
	const char *pk;       /* the partition: PK, GSI1PK or GSI2PK */
	enum store_cond cond; /* on the sort key: SK, GSI1SK or GSI2SK */
	const char *sk, *sk_to; /* EQ/BEGINS use sk; BETWEEN sk..sk_to inclusive */
	int backward;         /* ScanIndexForward = false */
	unsigned limit;       /* items a page; 0 = no limit */
	const char *cursor;   /* from a previous page, or NULL */
};

/*
 * Calls fn for each item of one page, in key order; *next (reset) holds a
 * cursor when more may follow, else is empty. fn returns non-zero to stop.
 */
enum cc_code store_query(struct store *s, const struct store_query *q,
			 int (*fn)(void *user, const char *json, size_t len),
			 void *user, struct buf *next, struct cc_err *err);

/* Puts many items (25 a request on DynamoDB; unprocessed ones retried). */
enum cc_code store_batch_put(struct store *s, const char *const *items,
			     size_t n, struct cc_err *err);

/*
 * Brackets many store_batch_put calls as one unit where the backend can:
 * SQLite runs them in one transaction, so an import that is killed or
 * runs out of disk leaves nothing behind. DynamoDB cannot (a transaction
 * holds at most 100 items): *atomic is 0 there, batches land as they go,
 * and running the same import again is the remedy (puts replace).
 * store_bulk_end commits when `commit`, else rolls back.
 */
enum cc_code store_bulk_begin(struct store *s, int *atomic, struct cc_err *err);
enum cc_code store_bulk_end(struct store *s, int commit, struct cc_err *err);

struct store_write {
	enum { STORE_W_PUT, STORE_W_DELETE, STORE_W_VERSIONED } op;
	const char *json;      /* PUT, VERSIONED */
	const char *pk, *sk;   /* DELETE */
	unsigned flags;        /* PUT: STORE_IF_NOT_EXISTS */
	int64_t expected;      /* VERSIONED: the Version it must be at, as store_update_versioned */
};

/*
 * All or nothing (section 4.1). CC_ECONFLICT names the write whose
 * condition failed (counting from 1); nothing is written then. A
 * VERSIONED write is store_update_versioned's inside the transaction
 * (Version expected + 1, UpdatedAt now), so an estimation's new
 * requirements and its METADATA's next version land together or not at all.
 */
enum cc_code store_transact(struct store *s, const struct store_write *w,
			    size_t n, struct cc_err *err);

/*
 * Every live item of segment `segment` of `total` (DynamoDB's parallel
 * scan; sqlite splits by a hash of PK), for sharded workers.
 */
enum cc_code store_scan(struct store *s, unsigned segment, unsigned total,
			int (*fn)(void *user, const char *json, size_t len),
			void *user, struct cc_err *err);

/* Removes items whose TTL is past; DynamoDB does it by itself (0 purged). */
enum cc_code store_purge_expired(struct store *s, uint64_t *purged,
				 struct cc_err *err);

/*
 * The access patterns of section 3, by name, written once over
 * store_query for every backend. {1}, {2}, {3} in the keys are the
 * arguments, in order.
 */
struct store_pattern {
	const char *name, *args, *help;
	enum store_index index;
	const char *pk;
	enum store_cond cond;
	const char *sk, *sk_to;
	int backward;
	unsigned limit; /* 0: all, or what the caller asks */
};

/* NULL-terminated, in the seed's order. */
extern const struct store_pattern store_patterns[];
const struct store_pattern *store_pattern_find(const char *name);
/* Number of {n} arguments a pattern takes. */
unsigned store_pattern_nargs(const struct store_pattern *p);
/*
 * Runs a pattern with its arguments; `limit` and `cursor` page it as in
 * store_query (a pattern's own limit wins, as latest-calculation's 1).
 */
enum cc_code store_pattern_run(struct store *s, const struct store_pattern *p,
			       const char *const *args, size_t nargs,
			       unsigned limit, const char *cursor,
			       int (*fn)(void *user, const char *json, size_t len),
			       void *user, struct buf *next, struct cc_err *err);

/* Every item a pattern finds, page after page (1000 a page), to fn. */
enum cc_code store_pattern_all(struct store *s, const struct store_pattern *p, const char *const *args,
			       size_t nargs, int (*fn)(void *user, const char *json, size_t len), void *user,
			       struct cc_err *err);

/* Seconds since the epoch as the store sees it (tests may set COSTCTL_NOW). */
int64_t store_now(void);

#endif
