#ifndef DOCS_H
#define DOCS_H
/*
 * Documents: an estimation's PDF proposal (pdf.h, libharu) and XLSX
 * workbook (xlsx.h, libxlsxwriter), made from its latest CALCULATION item
 * (docs/calculation.md: read, never re-priced), its METADATA and
 * REQUIREMENTS and the owner's PROFILE, laid out by a template and a
 * branding (tmpl.h). Written atomically under <dir>/<EstimationId>/, each
 * with a DOCUMENT# item (seed section 2.2.5) naming the file, its size,
 * its SHA-256 and the calculation it shows.
 *
 * Deterministic: the same calculation, template and `generated_at` give
 * the same bytes; nothing reads the clock.
 */
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"

struct store;
struct tmpl;
struct s3;

/* What a document shows: parsed items, borrowed. */
struct docs_source {
	const char *estimation_id;
	yajl_val calc;         /* the CALCULATION item (costctl's: with Lines) */
	yajl_val metadata;     /* METADATA: ProjectName, ClientInfo */
	yajl_val requirements; /* REQUIREMENTS, or NULL */
	yajl_val profile;      /* the owner's PROFILE, or NULL */
	const char *generated_at; /* ISO 8601 UTC: the date on the cover, the PDF's CreationDate */
};

/* What went wrong without stopping the document (a logo that cannot be read). */
struct docs_warnings {
	char msg[4][300];
	unsigned n;
};

void docs_warn(struct docs_warnings *w, const char *fmt, ...) CC_PRINTF(2, 3);

#define DOCS_PDF 1u
#define DOCS_XLSX 2u

struct docs_options {
	const char *templates_dir; /* templates/ (tmpl.h) */
	const char *template_name; /* standard_proposal */
	const char *branding;      /* NULL or "": the template's */
	const char *out_dir;       /* <state>/documents */
	unsigned formats;          /* DOCS_PDF | DOCS_XLSX */
	const char *generated_at;  /* ISO 8601 UTC */
	const char *generated_by;  /* GeneratedBy: a user id or "costctl" */
	int64_t expire_days;       /* ExpiresAt and TTL this many days on; 0: never */
	const char *s3_url;        /* NULL: files stay in out_dir; s3://BUCKET/PREFIX[?endpoint=URL]: uploaded (s3.h) */
	unsigned s3_retries;
	uint64_t s3_part_bytes;
	const struct cc_ctx *ctx;  /* for the upload's retry lines; may be NULL */
};

/* One document made. */
struct docs_file {
	unsigned format; /* DOCS_PDF or DOCS_XLSX */
	char path[4096];
	char file_name[160];
	char document_id[40];
	uint64_t size;
	char sha256[65];
	int uploaded;            /* to S3: */
	char s3_key[1024], etag[80];
};

struct docs_result {
	struct docs_file files[2];
	unsigned nfiles;
	char calculation_id[64];
	struct docs_warnings warnings;
};

/*
 * Makes an estimation's documents from its latest calculation and records
 * each: docs_run_open + docs_load + docs_render + docs_record +
 * docs_run_close. CC_ENOTFOUND: no such estimation, or no calculation yet
 * (run `costctl rebuild`); CC_EUSAGE: a bad template or option.
 */
enum cc_code docs_make(struct store *s, const char *estimation_id, const struct docs_options *o,
		       struct docs_result *r, struct cc_err *err);

/*
 * The pieces, for recalc's parallel stage: the templates are loaded once
 * (read-only after, shared by every thread); loading and recording use
 * the store (one thread); rendering uses neither and runs on any thread.
 */
struct docs_run {
	struct docs_options o;
	struct tmpl *t, *brand;
	const char *branding;
	struct s3 *s3; /* when o.s3_url */
};

enum cc_code docs_run_open(struct docs_run *run, const struct docs_options *o, struct cc_err *err);
void docs_run_close(struct docs_run *run);

/* The items a document is made from, owned. */
struct docs_inputs {
	struct buf *metadata, *requirements, *calc, *profile; /* requirements, profile: len 0 when absent */
};

enum cc_code docs_inputs_init(struct docs_inputs *in);
void docs_inputs_release(struct docs_inputs *in);
/* METADATA, REQUIREMENTS, the latest calculation and the owner's PROFILE. */
enum cc_code docs_load(struct store *s, const char *estimation_id, struct docs_inputs *in, struct cc_err *err);
/* The owner's PROFILE only (recalc has the rest). */
enum cc_code docs_load_profile(struct store *s, const char *metadata, size_t len, struct docs_inputs *in,
			       struct cc_err *err);
/* The files, written into place; no store. */
enum cc_code docs_render(const struct docs_run *run, const char *estimation_id, const struct docs_inputs *in,
			 struct docs_result *r, struct cc_err *err);
/* Uploads each file of `r` to S3 when the run has a bucket (one thread); CC_ENET_TEMP when S3 cannot be reached. */
enum cc_code docs_upload(const struct docs_run *run, const char *estimation_id, struct docs_result *r,
			 struct cc_err *err);
/* A presigned GET URL for an uploaded file (docs --url). */
enum cc_code docs_presign(const struct docs_run *run, const struct docs_file *f, long expires_s, char *out,
			  size_t cap, struct cc_err *err);
/* A DOCUMENT# item for each file of `r`. */
enum cc_code docs_record(struct store *s, const struct docs_run *run, const char *estimation_id,
			 const struct docs_result *r, struct cc_err *err);

/*
 * The file name of a document: the sanitized client (or project) name, a
 * kind and the date, as the seed's ABC_Corporation_AWS_Proposal_20240115.pdf:
 * ASCII letters, digits, '-' and '_' only (accents folded, anything else
 * '_', runs collapsed), never empty, never '.' or '..', at most 80 bytes
 * before the kind.
 */
void docs_file_name(const char *client, const char *kind, const char *date_iso, const char *ext,
		    char *out, size_t cap);

/* A calculation's fields, for the writers: "" / "0" / 0 / NULL / 0 when absent. */
const char *docs_str(yajl_val v, const char *key);
const char *docs_num(yajl_val v, const char *key); /* a number's exact text */
double docs_numd(yajl_val v, const char *key);      /* for geometry and cells, never money arithmetic */
yajl_val docs_arr(yajl_val v, const char *key);
size_t docs_alen(yajl_val a);

/* "8500.00" -> "$8,500.00" (USD) or "CNY 8,500.00"; money is formatted from its exact text. */
void docs_money(const char *amount, const char *currency, char *out, size_t cap);

/* Text safe to draw: valid UTF-8 (U+FFFD for a bad byte), controls as spaces; into out[cap]. */
void docs_clean_text(const char *s, char *out, size_t cap);

/*
 * 1 when an estimation id can name a directory: 1..128 of [A-Za-z0-9._-],
 * not "." or "..". Every id that reaches the file system is checked so.
 */
int docs_id_ok(const char *id);

#endif
