#ifndef CALC_H
#define CALC_H
/*
 * The cost engine: one estimation's METADATA and REQUIREMENTS items (seed
 * sections 2.2.2 and 2.2.3) priced against a pricebook into the
 * CALCULATION item of section 2.2.4, extended with every line, its
 * provenance, the assumptions made and the warnings raised. Pure: no
 * store, no clock, no file; the same inputs give the same bytes.
 * docs/calculation.md is the contract of the item it writes.
 *
 * Money is exact (dec.h): a line is one priced dimension of one
 * requirement (a tier walk is one line), rounded once to cents, half away
 * from zero; categories and the subtotal are sums of rounded lines;
 * discount, support and buffer are each rounded; annual = 12 x monthly.
 * A price that cannot be found is never $0: the line says what was looked
 * up and the result is PARTIAL.
 *
 * Every number that is not a price comes from the configuration
 * (calc_config_load reads the cfg keys; the item lists each value used).
 *
 * Thread-safety: a calc_config and a pb_reader may be shared by threads
 * (read-only); each call owns its result.
 *
 *	struct calc_config *cc;
 *	struct calc_result r;
 *	calc_config_load(cfg, &cc, &err);
 *	calc_result_init(&r);
 *	if (!calc_estimation(cc, pb, &in, &r, &err)) use(r.item.buf);
 *	calc_result_release(&r);
 *	calc_config_free(cc);
 */
#include <stddef.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/core/dec.h"

struct cfg;
struct pb_reader;
struct calc_config;

/* Reads and checks the pricing-rule keys. Caller frees. */
enum cc_code calc_config_load(const struct cfg *cfg, struct calc_config **out,
			      struct cc_err *err);
void calc_config_free(struct calc_config *c); /* accepts NULL */

struct calc_input {
	const char *estimation_id;
	const char *metadata, *requirements; /* plain JSON items (borrowed) */
	size_t metadata_len, requirements_len;
	const char *owner_region;  /* the owner's Preferences.DefaultRegion, or NULL */
	const char *calculated_at; /* ISO 8601 UTC: the item's time and the rules' date */
	const char *model;         /* a pricing model that overrides the estimation's, or NULL */
	const char *pricebook_sha256; /* the pricebook's identity (64 hex) */
	int no_table;              /* skip the table for people (recalc writes only the item) */
};

enum calc_status { CALC_COMPLETE, CALC_PARTIAL, CALC_FAILED };

enum calc_category { CALC_COMPUTE, CALC_STORAGE, CALC_DATABASE, CALC_NETWORK, CALC_SECURITY,
		     CALC_NCATEGORIES };

struct calc_result {
	enum calc_status status;
	struct buf item;        /* the CALCULATION item, compact JSON */
	struct buf table;       /* the same for people: lines, totals, warnings */
	struct dec category[CALC_NCATEGORIES];
	struct dec subtotal, monthly, annual, upfront;
	unsigned lines, warnings, missing;
	char region[64], currency[8], model[64];
	char inputs_hash[65];   /* over the pricebook, the inputs that affect price, the rules */
};

void calc_result_init(struct calc_result *r);
void calc_result_release(struct calc_result *r);

/*
 * Prices one estimation. CC_OK with status COMPLETE or PARTIAL (missing
 * prices, each named in the item's Warnings); CC_EPARSE with status FAILED
 * for requirements that cannot be priced, the message naming the
 * estimation and the field ("est9: ComputeRequirements[1].MinInstances (5)
 * > MaxInstances (2)").
 */
enum cc_code calc_estimation(const struct calc_config *cfg, const struct pb_reader *pb,
			     const struct calc_input *in, struct calc_result *out,
			     struct cc_err *err);

/* The category's seed name: "Compute", "Storage", ... */
const char *calc_category_name(enum calc_category c);

/*
 * The names the engine accepts for a closed requirement field, so the
 * intake's template lists and checks exactly what the engine prices:
 * entry i, or NULL past the last.
 */
enum calc_list {
	CALC_LIST_OS,      /* ComputeRequirements[].OS */
	CALC_LIST_STORAGE, /* StorageRequirements[].SuggestedAWSService */
	CALC_LIST_ACCESS,  /* StorageRequirements[].AccessPattern */
	CALC_LIST_ENGINE,  /* DatabaseRequirements[].Engine */
	CALC_LIST_MODEL,   /* the estimation's PricingModel */
	CALC_LIST_SCALING, /* ComputeRequirements[].ScalingType */
};

const char *calc_list_at(enum calc_list l, size_t i);

#endif
