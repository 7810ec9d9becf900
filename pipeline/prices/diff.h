#ifndef DIFF_H
#define DIFF_H
/*
 * Two pricebooks compared in one merge pass (both are sorted the same
 * way, pb.h), in memory flat in their size. The unit compared is a
 * *price*: the entries that share service, region, family, product key,
 * model, term and unit, i.e. one price and its tiers in begin order. A
 * price in both whose tiers differ in any way (a rate, a boundary that
 * moved, a tier added, the SKU or rate code) is CHANGED, never a remove
 * plus an add; a price only in the new one is ADDED, only in the old one
 * REMOVED.
 */
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/prices/pb.h"

enum diff_kind { DIFF_CHANGED, DIFF_ADDED, DIFF_REMOVED };

/* The most tiers one price may have; past it the price is compared on its first DIFF_MAX_TIERS. */
#define DIFF_MAX_TIERS 64

struct diff_change {
	enum diff_kind kind;
	const struct pb_entry *old, *new; /* its tiers in each (borrowed: valid during the callback) */
	size_t nold, nnew;
};

struct diff_stats {
	uint64_t old_entries, new_entries;
	uint64_t unchanged, changed, added, removed; /* prices */
	uint64_t truncated;                          /* prices with more than DIFF_MAX_TIERS tiers */
};

/* Calls fn for each change, in sort order; fn returns non-zero to stop. */
enum cc_code diff_run(const struct pb_reader *old, const struct pb_reader *new,
		      int (*fn)(void *user, const struct diff_change *c), void *user, struct diff_stats *st,
		      struct cc_err *err);

const char *diff_kind_name(enum diff_kind k); /* "changed", "added", "removed" */

/*
 * The change as text, appended to `out`: DIFF_JSON one JSON object (no
 * newline), DIFF_CSV its rows (a row per tier, each ending in "\n";
 * diff_csv_header first), DIFF_TABLE a line per tier for people. Prices
 * are the published strings; `pct` is (new - old) / old x 100 to two
 * decimals, exactly (null when old is 0 or either side is missing).
 */
enum diff_format { DIFF_TABLE, DIFF_JSON, DIFF_CSV };

enum cc_code diff_format(const struct diff_change *c, enum diff_format f, struct buf *out);
/* (new - old) / old x 100 to two decimals, exactly, into out ("" when old is 0 or either is missing). */
void diff_pct(struct pb_str old, struct pb_str new, char *out, size_t cap);
const char *diff_csv_header(void);

#endif
