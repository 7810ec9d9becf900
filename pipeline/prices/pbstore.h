#ifndef PBSTORE_H
#define PBSTORE_H
/*
 * Where pricebooks live in the state directory:
 *
 *	<state>/pricebooks/pb-<UTC time>-<sha256 prefix>.cpb   immutable files
 *	<state>/pricebook.current  -> pricebooks/...            the last good one
 *	<state>/pricebook.previous -> pricebooks/...            the one before
 *
 * Publishing is the last step of an ingest: until it succeeds, `current`
 * points where it did, so a failed night keeps yesterday's pricebook.
 */
#include <stddef.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"

struct pb_store_result {
	int unchanged;     /* the new pricebook equals the current one */
	char sha256[65];
	struct buf path;   /* the published file (or the current one if unchanged) */
	unsigned pruned;   /* old pricebooks removed */
};

/* <state>/pricebook.current resolved to a path, or CC_ENOTFOUND. */
enum cc_code pb_store_current(const char *state, const char *which,
			      struct buf *out, struct cc_err *err);
/* A fresh path in <state>/pricebooks for a writer to commit to. */
enum cc_code pb_store_incoming(const char *state, struct buf *out,
			       struct cc_err *err);
/*
 * Moves the committed `incoming` pricebook (identity `sha256`) into place
 * and swaps the links; keeps at most `keep` pricebooks, never removing the
 * two linked ones. `res->path` must be buf_init'ed by the caller.
 */
enum cc_code pb_store_publish(const char *state, const char *incoming,
			      const char *sha256, unsigned keep,
			      struct pb_store_result *res, struct cc_err *err);

#endif
