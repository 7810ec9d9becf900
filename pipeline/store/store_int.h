#ifndef STORE_INT_H
#define STORE_INT_H
/*
 * Between store.c (the interface, item checks, access patterns) and the
 * backends (store_sqlite.c; store_dynamodb.c to come).
 */
#include "pipeline/store/store.h"

/* An item's keys, pulled out of its JSON, and its canonical text. */
struct store_keys {
	char *pk, *sk, *g1pk, *g1sk, *g2pk, *g2sk; /* malloc'd; GSI ones may be NULL */
	int has_ttl, has_version;
	int64_t ttl, version;
	struct buf json; /* canonical: compact, key order and number text kept */
};

/*
 * Parses and checks an item. With `set_version` >= 0, Version becomes that
 * number and UpdatedAt `updated_at` in the canonical text. CC_EPARSE with
 * what is wrong.
 */
enum cc_code store_keys_parse(struct store_keys *k, const char *json,
			      size_t len, int64_t set_version,
			      const char *updated_at, struct cc_err *err);
void store_keys_release(struct store_keys *k);

struct store_ops {
	const char *name;
	enum cc_code (*init)(struct store *s, unsigned flags, struct cc_err *err);
	/* store_describe: lines for people into `out` */
	enum cc_code (*describe)(struct store *s, struct buf *out, struct cc_err *err);
	enum cc_code (*get)(struct store *s, const char *pk, const char *sk,
			    struct buf *out, int *found, struct cc_err *err);
	enum cc_code (*put)(struct store *s, const struct store_keys *k,
			    unsigned flags, struct cc_err *err);
	enum cc_code (*update_versioned)(struct store *s,
					 const struct store_keys *k,
					 int64_t expected, struct cc_err *err);
	enum cc_code (*del)(struct store *s, const char *pk, const char *sk,
			    struct cc_err *err);
	enum cc_code (*query)(struct store *s, const struct store_query *q,
			      int (*fn)(void *, const char *, size_t), void *user,
			      struct buf *next, struct cc_err *err);
	enum cc_code (*batch_put)(struct store *s, struct store_keys *ks,
				  size_t n, struct cc_err *err);
	/* store_bulk_*: phase 0 begin, 1 commit, 2 roll back; NULL: not atomic */
	enum cc_code (*bulk)(struct store *s, int phase, struct cc_err *err);
	enum cc_code (*transact)(struct store *s, const struct store_write *w,
				 struct store_keys *ks, size_t n,
				 struct cc_err *err);
	enum cc_code (*scan)(struct store *s, unsigned segment, unsigned total,
			     int (*fn)(void *, const char *, size_t), void *user,
			     struct cc_err *err);
	enum cc_code (*purge)(struct store *s, uint64_t *purged,
			      struct cc_err *err);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	const struct cc_ctx *ctx;
	char *url;
	void *impl;
};

extern const struct store_ops store_sqlite_ops;
enum cc_code store_sqlite_open(struct store *s, const char *path,
			       struct cc_err *err);
extern const struct store_ops store_dynamodb_ops;
/* `rest` is the URL after "dynamodb://": REGION/TABLE[?endpoint=URL] */
enum cc_code store_dynamodb_open(struct store *s, const char *rest,
				 struct cc_err *err);

/* 64-bit segment hash of a partition key, the same for every backend. */
unsigned store_segment_of(const char *pk, unsigned total);

#endif
