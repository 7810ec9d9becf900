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
#include "buf.h"
#include "calc.h"
#include "cc.h"

struct store;

/* What the engine reads, owned (recalc_inputs_release frees it). */
struct recalc_inputs {
	struct buf metadata, requirements;
	char owner_region[64];
	int has_requirements;
};

void recalc_inputs_init(struct recalc_inputs *in);
void recalc_inputs_release(struct recalc_inputs *in);

/*
 * METADATA, REQUIREMENTS and the owner's DefaultRegion of one estimation.
 * CC_ENOTFOUND when there is no such estimation; a missing REQUIREMENTS
 * item is has_requirements 0 (the engine reports it).
 */
enum cc_code recalc_load(struct store *s, const char *estimation_id, struct recalc_inputs *in,
			 struct cc_err *err);

enum recalc_outcome { RECALC_WRITTEN, RECALC_UNCHANGED };

/*
 * Writes a result: the CALCULATION item, the summary on METADATA and an
 * audit item. RECALC_UNCHANGED (nothing written) when the latest
 * calculation has the same InputsHash and `force` is 0.
 */
enum cc_code recalc_save(struct store *s, const char *estimation_id, const struct calc_result *r,
			 const char *calculated_at, const char *pricebook_sha256, int force,
			 enum recalc_outcome *outcome, struct cc_err *err);

/* An audit item for a failed calculation, naming why. */
enum cc_code recalc_audit_failure(struct store *s, const char *estimation_id,
				  const char *calculated_at, const char *why, struct cc_err *err);

#endif
