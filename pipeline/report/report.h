#ifndef REPORT_H
#define REPORT_H
/*
 * The morning report (finance reads it): what the night's price changes
 * were and what they did to each active estimation, written atomically to
 * a night's directory as
 *
 *	summary.md        for mail and chat: a quiet night says so first
 *	estimations.csv   each active estimation: old -> new monthly, delta, flag
 *	changes.csv       every price that changed, a row a tier (diff.h)
 *	report.json       the same numbers, for machines
 *	report.xlsx       a summary, and flat numeric sheets ready for pivots
 *	report.pdf        the summary, with charts of the biggest moves
 *
 * The numbers are the same in every file: each is written from one
 * struct report.
 */
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/prices/diff.h"
#include "pipeline/prices/pb.h"

struct report_estimation {
	char id[130], project[200];
	char old_monthly[32], new_monthly[32]; /* money text; "" when there was none */
	char currency[8];
	int moved, flagged, failed;
	/* why it moved (report_attribute): the three parts sum to the delta, to the cent */
	int attributed;
	char price_effect[32], requirement_effect[32], rule_effect[32];
	char why_not[160];                      /* when not attributed */
	struct buf *old_calc, *new_calc;        /* the two calculations (report_build keeps them for moved ones) */
};

struct report {
	char night[11];                 /* YYYY-MM-DD */
	char old_sha[65], new_sha[65];  /* the pricebooks; equal when none was published */
	const struct pb_reader *old_pb, *new_pb; /* for the changes and the offers; old may be NULL */
	struct diff_stats diff;
	int gate_refused;
	char gate_why[512];
	struct report_estimation *est;
	size_t nest;
	unsigned partial, failed, documents;
	/* data quality of tonight's ingest (has_ingest 0: nothing was ingested) */
	int has_ingest;
	uint64_t orphan_terms, duplicate_products, conflicts;
	uint64_t plan_orphans; /* Savings Plans rates for a SKU in no offer */
	double flag_usd, flag_percent;  /* a move at or above either is flagged */
	const char *font_regular, *font_bold; /* TrueType fonts for report.pdf (NULL: DejaVu's) */
	/* what report_build opened and allocated (report_release frees it) */
	struct pb_reader *own_old, *own_new;
	int own_est;
};

struct store;

/*
 * The report of `night` (YYYY-MM-DD) from what the night left: its
 * AUDIT#<night> nightly item (the pricebooks before and after, the
 * counts), the pricebooks in <state>/pricebooks, and each active
 * estimation's calculations: the newest before the night began (old) and
 * the newest by its end (new). So a night's report can be made again at
 * any time, and a run killed after its recalc loses nothing.
 * CC_ENOTFOUND when no nightly run is recorded for the night.
 */
enum cc_code report_build(struct store *s, const char *state, const char *night, struct report *r,
			  struct cc_err *err);

/*
 * Why each moved estimation moved, in three parts that sum to its delta
 * exactly (each is a difference of whole calculations, each rounded as
 * the engine rounds):
 *
 *	price effect        new - C(requirements, old pricebook, new rules, new date)
 *	rule effect         C(requirements, old pricebook, new rules) - C(..., old rules, old date)
 *	requirement effect  C(requirements, old pricebook, old rules, old date) - old
 *
 * with the requirements as they are now (checked: pricing them against the
 * new pricebook and rules must give the new total, else they were edited
 * since and the row says so), the pricebooks by the SHA-256 each
 * calculation recorded, and the rules from each calculation's recorded
 * Configuration.
 */
enum cc_code report_attribute(struct store *s, const char *state, struct report *r, struct cc_err *err);
void report_release(struct report *r);

/* Writes the files into `dir` (made if need be); r->diff is filled by its one pass over the pricebooks. */
enum cc_code report_write(const char *dir, struct report *r, struct cc_err *err);

#endif
