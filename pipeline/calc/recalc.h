#ifndef RECALC_H
#define RECALC_H
/*
 * Recalculation against the platform's table: reads what the engine
 * (calc.h) needs from the store, and writes what it produced, as section
 * 2.2 says:
 *
 *	CALCULATION#<time>   the new calculation (conditional: never overwrites)
 *	METADATA             EstimationSummary updated with the optimistic lock
 *	                     of section 4.2 (a concurrent edit is re-read, never
 *	                     overwritten)
 *	AUDIT#<date>         ESTIMATION_RECALCULATED (or _FAILED), with the
 *	                     totals and the pricebook's identity
 *
 * Idempotent: when the latest calculation's InputsHash equals the new one,
 * nothing is written (unless forced).
 */
#include "pipeline/core/buf.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/cc.h"

struct store;
struct docs_run;

/* What the engine reads, owned (recalc_inputs_release frees it). */
struct recalc_inputs {
	struct buf metadata, requirements;
	char owner_region[64];
	int has_requirements;
};

void recalc_inputs_init(struct recalc_inputs *in);
void recalc_inputs_release(struct recalc_inputs *in);

/*
 * Owners' DefaultRegion by UserId, so a run reads each USER#/PROFILE once
 * however many estimations the user has. Zeroed to start (or NULL: no
 * cache); recalc_owners_release frees it.
 */
struct recalc_owners {
	struct recalc_owner *v; /* open addressing; cap a power of two */
	size_t n, cap;
};

void recalc_owners_release(struct recalc_owners *o);

/*
 * METADATA, REQUIREMENTS and the owner's DefaultRegion of one estimation.
 * CC_ENOTFOUND when there is no such estimation; a missing REQUIREMENTS
 * item is has_requirements 0 (the engine reports it), and so is a missing
 * PROFILE, but a store that fails reading it fails the load: a guessed
 * region would price the estimation somewhere else.
 */
enum cc_code recalc_load(struct store *s, const char *estimation_id, struct recalc_owners *owners,
			 struct recalc_inputs *in, struct cc_err *err);

/*
 * The engine's input for what recalc_load read (borrowing from `ri`):
 * `model` may be NULL (the estimation's own), `at` is the calculation time.
 */
void recalc_input(struct calc_input *in, const char *estimation_id, const struct recalc_inputs *ri,
		  const char *at, const char *model, const char *pricebook_sha256);

enum recalc_outcome { RECALC_WRITTEN, RECALC_UNCHANGED };

/*
 * Writes a result: the CALCULATION item, the summary on METADATA and an
 * audit item. `ri` is what was priced: the summary goes on at its METADATA
 * version, and an edit made since is re-read and kept. RECALC_UNCHANGED
 * (nothing written) when the latest calculation has the same InputsHash
 * and `force` is 0.
 */
enum cc_code recalc_save(struct store *s, const char *estimation_id, const struct recalc_inputs *ri,
			 const struct calc_result *r, const char *calculated_at,
			 const char *pricebook_sha256, int force, enum recalc_outcome *outcome,
			 struct cc_err *err);

/*
 * An AUDIT#<date> item (section 2.2.7) for estimation `id` at `at`:
 * Action, Result (SUCCESS, FAILURE) and Details (a JSON object's text),
 * appended to b; for writers that put it in their own transaction.
 * `writer` (NULL for the calculation's own) keeps another writer's item at
 * the same time apart: intake's ESTIMATION_CREATED and the calculation's
 * ESTIMATION_RECALCULATED both land.
 */
enum cc_code recalc_audit_item(struct buf *b, const char *id, const char *at, const char *writer,
			       const char *action, const char *result, const char *details);

/* An audit item for a failed calculation, naming why. */
enum cc_code recalc_audit_failure(struct store *s, const char *estimation_id,
				  const char *calculated_at, const char *why, struct cc_err *err);

struct pb_reader;

struct recalc_options {
	unsigned threads;          /* OpenMP threads for the engine; 0: every core but one while the store thread writes */
	unsigned shard, nshards;   /* this worker's segment of nshards (0/1: everything) */
	int force;                 /* write even when the inputs did not change */
	const char *calculated_at; /* ISO 8601 UTC, the same for the whole run */
	const char *pricebook_sha256;
	/* documents for each estimation whose numbers moved (NULL: none; docs.h) */
	const struct docs_run *docs;
	/*
	 * The estimations whose documents are owed, one id a line, kept
	 * across runs (NULL: none): an id is added before its documents are
	 * made (after its calculation is committed) and removed once they are
	 * recorded, so a run killed or failing in between makes them next
	 * time, though its numbers no longer move.
	 */
	const char *pending_path;
	/*
	 * Price, write nothing (nightly --dry-run): each estimation whose
	 * inputs differ from its latest calculation's goes to `would_move`
	 * with that calculation's TotalMonthlyCost ("" when it has none).
	 */
	int dry_run;
	void (*would_move)(void *user, const char *id, const char *old_monthly, const struct calc_result *r);
	void *user;
};

struct recalc_stats {
	unsigned estimations, written, unchanged, partial, failed;
	unsigned documents, docs_failed; /* files made; estimations whose documents failed */
	double read_s, engine_s, write_s, docs_s;
};

/*
 * Every ACTIVE estimation (GSI2 STATUS#ACTIVE; with nshards > 1, the
 * active ones in scan segment `shard` of `nshards`), priced in parallel
 * and written in batches. Each failure or partial result is logged with
 * the estimation's id (and audited); CC_EPARTIAL when there was any, so
 * the command exits 3. The store is used by one thread at a time: a store
 * thread writes a batch and reads the next while the engine prices the
 * one between in parallel (each thread owns its result); documents are
 * made on the calling thread (docs/calculation.md, "How a run moves").
 */
enum cc_code recalc_all(const struct cc_ctx *ctx, struct store *s, const struct calc_config *cc,
			const struct pb_reader *pb, const struct recalc_options *o,
			struct recalc_stats *st, struct cc_err *err);

#endif
