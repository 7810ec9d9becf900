#ifndef PB_H
#define PB_H
/*
 * The pricebook: one immutable file per ingest holding every price entry,
 * sorted, so lookups are a binary search over mmap and two pricebooks diff
 * in one merge pass. Its SHA-256 (as `sha256sum` prints it) is its
 * identity; every calculation records it.
 *
 * File layout (little-endian), format version 1, written front to back in
 * one pass so the file's SHA-256 streams with the write:
 *
 *	preamble 16 bytes: magic "\x89CCPB\r\n\x1a", format version, trailer size
 *	offers   u32 count, then per offer: code, version, publicationDate,
 *		 source (u16 length + bytes each), products, entries (u64)
 *	strings  u64 count, count + 1 u64 offsets, the bytes: every distinct
 *		 value of the repeated fields, stored once
 *	data     the entries, in sort order: u32 string ids of service, region,
 *		 family, key, model, term, unit, currency, term code, effective
 *		 date and attributes; u16 lengths of begin, SKU, rate code, end
 *		 and price; then those five strings
 *	index    u64 offset (into data) of each entry
 *	trailer  128 bytes: "CCPB-END", file size, entry count, offset and
 *		 length of each section, SHA-256 of offers..index
 *
 * Entry fields are the published strings, never converted: prices keep
 * their 10 decimals, ranges keep "Inf". An absent range is the empty
 * string. KEY, TERM and ATTRS hold name/value pairs encoded as
 * "name\x1fvalue\x1ename\x1fvalue" (PB_PAIR_SEP, PB_LIST_SEP).
 *
 * Order: the first PB_NSORT fields, byte-wise, except BEGIN, which compares
 * numerically ("" first). Two entries equal on all of them are duplicates:
 * the writer keeps the first added and counts the rest.
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"

enum pb_field {
	/* sort fields, in order */
	PB_SERVICE,
	PB_REGION,
	PB_FAMILY,
	PB_KEY,
	PB_MODEL,
	PB_TERM,
	PB_UNIT,
	PB_BEGIN,
	PB_SKU,
	PB_RATE_CODE,
	PB_CURRENCY,
	/* payload */
	PB_END,
	PB_PRICE,
	PB_TERM_CODE,
	PB_EFFECTIVE,
	PB_ATTRS,
	PB_NFIELDS
};
#define PB_NSORT (PB_CURRENCY + 1)
#define PB_PAIR_SEP '\x1f'
#define PB_LIST_SEP '\x1e'
#define PB_FORMAT_VERSION 1

struct pb_str {
	const char *p;
	size_t len;
};

/* Borrowed views: valid while the reader (or the caller's buffers) live. */
struct pb_entry {
	struct pb_str f[PB_NFIELDS];
};

struct pb_offer {
	struct pb_str code, version, published, source;
	uint64_t products, entries;
};

/*
 * Walks a pair list: `*pos` starts at 0; returns 1 and sets name/value
 * while pairs remain, 0 at the end.
 */
int pb_pairs_next(struct pb_str list, size_t *pos, struct pb_str *name,
		  struct pb_str *value);
/* Value of `name` in a pair list, or a NULL .p. */
struct pb_str pb_pairs_get(struct pb_str list, const char *name);

/*
 * A field's number as a double, for ranking and drawing, never for money
 * (fields are not NUL-terminated); 0 when it is empty or not a number.
 */
double pb_str_double(struct pb_str s);
/* Appends the canonical JSON line (no newline) for an entry. */
enum cc_code pb_entry_json(const struct pb_entry *e, struct buf *out);

/* ------------------------------------------------------------ writer */

struct pb_writer;

struct pb_write_stats {
	uint64_t entries;    /* written */
	uint64_t duplicates; /* dropped: same sort fields and same price */
	uint64_t conflicts;  /* dropped: same sort fields, another price */
	uint64_t runs;       /* sorted runs spilled to disk */
	char first_conflict[256];
	char sha256[65];     /* identity of the committed file */
};

/*
 * Starts a pricebook that will become `path` on commit. Entries are sorted
 * in at most `sort_memory` bytes; past that, sorted runs are spilled to
 * temporary files beside `path` and merged on commit.
 */
enum cc_code pb_writer_open(struct pb_writer **out, const char *path,
			    size_t sort_memory, struct cc_err *err);
/* Copies the offer's strings. */
enum cc_code pb_writer_add_offer(struct pb_writer *w,
				 const struct pb_offer *o, struct cc_err *err);
/*
 * The writer's copy of a string (interned: one copy per distinct string),
 * valid until commit or abort; NULL when out of memory. Ingest keeps its
 * product keys here, so each is stored once, not once per stage.
 */
const char *pb_writer_intern(struct pb_writer *w, const char *p, size_t len);
/* Copies the entry. A field longer than 65535 bytes is CC_EPARSE. */
enum cc_code pb_writer_add(struct pb_writer *w, const struct pb_entry *e,
			   struct cc_err *err);
/*
 * Sorts, merges and writes the file atomically (temp, fsync, rename, fsync
 * of the directory), then frees the writer. On failure nothing is left at
 * `path` that was not there before, and the temporary files are removed.
 */
enum cc_code pb_writer_commit(struct pb_writer *w, struct pb_write_stats *st,
			      struct cc_err *err);
/* Discards everything; accepts NULL. */
void pb_writer_abort(struct pb_writer *w);

/* ------------------------------------------------------------ reader */

struct pb_reader;

/*
 * Maps a pricebook and checks the header (magic, version, sizes, section
 * bounds). Full checks are pb_verify. The error names the failed check.
 */
enum cc_code pb_open(struct pb_reader **out, const char *path,
		     struct cc_err *err);
void pb_close(struct pb_reader *r); /* accepts NULL */
uint64_t pb_count(const struct pb_reader *r);
const char *pb_path(const struct pb_reader *r);
size_t pb_offer_count(const struct pb_reader *r);
const struct pb_offer *pb_offer_at(const struct pb_reader *r, size_t i);
/*
 * The region of offer i: what its source ("Service/region/...") names
 * between the first two slashes, into out[cap]; 0 when it names none.
 */
int pb_offer_region(const struct pb_reader *r, size_t i, char *out, size_t cap);
/* 1 when some offer file of the pricebook is for `region` ("us-east-1", "global"). */
int pb_has_region(const struct pb_reader *r, const char *region);
/* Decodes entry i (bounds-checked: CC_ECORRUPT names the record). */
enum cc_code pb_get(const struct pb_reader *r, uint64_t i,
		    struct pb_entry *e, struct cc_err *err);
/*
 * Every check: body checksum, every record in bounds, strict order.
 * CC_ECORRUPT with the name of the failed check.
 */
enum cc_code pb_verify(const struct pb_reader *r, struct cc_err *err);
/* SHA-256 of the whole file, computed on first use. */
enum cc_code pb_sha256(struct pb_reader *r, const char **hex,
		       struct cc_err *err);

/*
 * A lookup: service and region must match exactly; family and model too
 * when set; every pair in `key` and `term` must be present in the entry
 * with that value (a subset match, so `instanceType=t3.xlarge` finds all
 * of its operating systems).
 */
struct pb_query {
	const char *service, *region, *family, *model;
	const char *const *key_names, *const *key_values;
	size_t nkey;
	const char *const *term_names, *const *term_values;
	size_t nterm;
};

/*
 * Calls fn for each matching entry, in file order; fn returns non-zero to
 * stop. Returns the number of matches through *matches.
 */
enum cc_code pb_find(const struct pb_reader *r, const struct pb_query *q,
		     int (*fn)(void *user, const struct pb_entry *e),
		     void *user, uint64_t *matches, struct cc_err *err);

#endif
