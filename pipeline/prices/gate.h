#ifndef GATE_H
#define GATE_H
/*
 * The sanity gate: whether a new pricebook may replace the current one.
 * A bad night upstream (a truncated region, a file of another service, a
 * unit or currency slip) must not become every estimation's price. The
 * new pricebook is refused when, against the old one, it
 *
 *	- has lost more than `max_loss_percent` of the entries overall,
 *	- has lost more than `max_group_loss_percent` of one service and
 *	  region's entries (groups of at least `min_group_entries`), or
 *	- moves the median price more than `max_median_move_percent`: the
 *	  median, over every price in both (diff.h), of its first tier's
 *	  relative change (unchanged prices count as 0).
 *
 * One merge pass (diff_run) and one count of each pricebook's groups.
 */
#include <stdint.h>

#include "pipeline/core/cc.h"
#include "pipeline/prices/pb.h"

struct gate_limits {
	double max_loss_percent, max_group_loss_percent, max_median_move_percent;
	uint64_t min_group_entries;
};

struct gate_result {
	int pass;
	char why[512];             /* the first limit passed, in words (empty when pass) */
	double loss_percent;       /* overall */
	double worst_group_loss_percent;
	char worst_group[128];     /* "AmazonEC2 us-east-1" */
	double median_move_percent;
	uint64_t old_entries, new_entries, matched_prices;
};

enum cc_code gate_check(const struct pb_reader *old, const struct pb_reader *new, const struct gate_limits *l,
			struct gate_result *r, struct cc_err *err);

#endif
