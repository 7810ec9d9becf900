#ifndef INTAKE_H
#define INTAKE_H
/*
 * The requirements workbook: the template a sales engineer fills in, and
 * the import that turns a filled one (xlsx or CSV, read by sheetread.h)
 * into an estimation's METADATA and REQUIREMENTS items (seed sections
 * 2.2.2 and 2.2.3), created with section 4.1's transaction or replacing
 * an estimation's requirements under its optimistic lock (section 4.2).
 * docs/intake.md says how a workbook is read.
 *
 * One table of fields per section (Client, Compute, Storage, Network,
 * Database, Security) drives both the template and the checks; its closed
 * lists are the engine's own (calc_list_at) and the pricebook's regions,
 * never typed twice.
 *
 *	intake_result_init(&r);
 *	intake_read(&book, pb, &o, sha, &r, &err);     all cell errors in r.errors
 *	intake_metadata(store, &o, &r, &err);          the METADATA to write
 *	(price r.metadata + r.requirements: calc_estimation)
 *	intake_save(store, dir, bytes, len, name, &o, &r, &err);
 *	intake_result_release(&r);
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"

struct pb_reader;
struct sheet_book;
struct store;

struct intake_options {
	const char *owner;       /* UserId of a new estimation's owner (USER#<owner> PROFILE must exist) */
	const char *project;     /* ProjectName, over the workbook's (NULL: the workbook's) */
	const char *status;      /* ACTIVE (default) or DRAFT */
	const char *replace;     /* --estimation: replace this estimation's requirements */
	const char *new_id;      /* --id: the new estimation's id (NULL: est-<hash>) */
	const char *at;          /* ISO 8601 UTC: CreatedAt, the audit's time */
};

struct intake_origin; /* where a requirement came from */

struct intake_result {
	char id[132];
	int csv;                 /* the upload was CSV (InputMethod CSV_UPLOAD) */
	struct buf client;       /* {"ProjectName":..., "ClientInfo":{...}}: what the workbook sets on METADATA */
	struct buf requirements; /* the REQUIREMENTS item */
	struct buf metadata;     /* the METADATA item to write (intake_metadata) */
	int64_t version;         /* replacing: the METADATA Version it must still be at */
	char owner_region[64];   /* the owner's Preferences.DefaultRegion ("" when none) */
	struct buf errors;       /* "Compute!D7: CPUCores 'four' is not a whole number", a line each */
	unsigned nerrors;
	struct buf notes;        /* what was skipped (examples, hidden rows and sheets), a line each */
	unsigned rows[6];        /* requirements read per section, in the sheets' order */
	char sha256[65];         /* of the upload */
	struct intake_origin *origins;
	size_t norigins, corigins;
};

void intake_result_init(struct intake_result *r);
void intake_result_release(struct intake_result *r);

/*
 * Reads a workbook into r->client and r->requirements, checking every
 * cell; every problem is a line of r->errors and the call returns
 * CC_EPARSE ("N errors in FILE") when there is any. `sha256` is the
 * upload's (it names the new estimation when o->new_id is NULL).
 */
enum cc_code intake_read(const struct sheet_book *b, const struct pb_reader *pb,
			 const struct intake_options *o, const char *sha256, struct intake_result *r,
			 struct cc_err *err);

/*
 * The METADATA item into r->metadata: a new estimation's (its owner must
 * exist), or, replacing, the estimation's own with the workbook's fields
 * over it (its Version into r->version; CC_ENOTFOUND when there is none).
 */
enum cc_code intake_metadata(struct store *s, const struct intake_options *o, struct intake_result *r,
			     struct cc_err *err);

/*
 * The cell an engine message is about ("est-1: ComputeRequirements[1].
 * MinInstances (5) > MaxInstances (2)" -> "Compute!G8"), into out[cap];
 * 0 when it names no field the workbook gave.
 */
int intake_locate(const struct intake_result *r, const char *msg, char *out, size_t cap);

/*
 * Keeps the upload as <docs_dir>/<id>/<file> (written atomically) and
 * writes, all or nothing: METADATA (attribute_not_exists(PK), or the
 * versioned update when replacing), REQUIREMENTS, the DOCUMENT# item of
 * type REQUIREMENTS_UPLOAD with the upload's SHA-256, and an AUDIT# item.
 * CC_ECONFLICT when the estimation exists (new) or moved on (replacing).
 */
enum cc_code intake_save(struct store *s, const char *docs_dir, const void *upload, size_t len,
			 const char *file_name, const struct intake_options *o,
			 const struct intake_result *r, struct cc_err *err);

/*
 * The blank template at `path`, atomically (made at `at`, ISO 8601 UTC:
 * the same pricebook and time give the same bytes).
 */
enum cc_code intake_template(const char *path, const struct pb_reader *pb, const char *at,
			     struct cc_err *err);

#endif
