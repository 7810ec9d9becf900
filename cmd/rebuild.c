#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/prices/pb.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl rebuild [--pricebook FILE] [--model MODEL] [--format table|json]",
	"                       [--dry-run] [--force] [--at TIME] EST_ID",
	"",
	"Prices one estimation now against the current pricebook (or FILE) and",
	"writes a new CALCULATION item, the estimation's EstimationSummary (with",
	"the optimistic lock) and an audit item. With the same inputs as the",
	"latest calculation nothing is written (--force writes anyway). An older",
	"pricebook reproduces that night's numbers exactly.",
	"",
	"  --pricebook FILE  price against FILE, not state/pricebook.current",
	"  --model MODEL     ON_DEMAND, RESERVED_1YR_NO_UPFRONT, SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT, ...\n"
	"                    (default: the estimation's; docs/calculation.md)",
	"  --format FMT      table (default: lines, totals, warnings) or json (the item)",
	"  --dry-run         print, write nothing",
	"  --force           write even when nothing changed",
	"  --at TIME         the calculation's time, ISO 8601 UTC (default: now)",
	"",
	"Exit status 3 when a price is missing (the calculation is PARTIAL and",
	"says what was looked up); 2 when the estimation cannot be priced.",
	NULL,
};

int cmd_rebuild(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_PRICEBOOK = 256, OPT_MODEL, OPT_FORMAT, OPT_DRY, OPT_FORCE, OPT_AT };
	static const struct option opts[] = {
		{ "pricebook", required_argument, NULL, OPT_PRICEBOOK },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *model = NULL, *at = NULL, *id;
	int o, ret, json = 0, dry = 0, force = 0;
	struct cmd_pricing p;
	struct recalc_inputs ri;
	struct calc_input in;
	struct calc_result r;
	enum recalc_outcome outcome;
	char now[32];

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_PRICEBOOK: file = optarg; break;
		case OPT_MODEL: model = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return cc_err_set(&c->err, CC_EUSAGE, "format must be table or json, not '%s'",
						  optarg);
			json = !strcmp(optarg, "json");
			break;
		case OPT_DRY: dry = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_AT: at = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(usage, 0);
	id = argv[optind];
	if ((ret = cmd_calc_time(c, at, now, &at)))
		return ret;
	recalc_inputs_init(&ri);
	calc_result_init(&r);
	if ((ret = cmd_pricing_open(c, file, &p)))
		goto out;
	if ((ret = recalc_load(p.s, id, NULL, &ri, &c->err)))
		goto out;
	recalc_input(&in, id, &ri, at, model, p.sha);
	ret = calc_estimation(p.cc, p.pb, &in, &r, &c->err);
	if (ret) {
		if (!dry) {
			struct cc_err soft = { 0 };

			recalc_audit_failure(p.s, id, at, c->err.msg, &soft);
		}
		goto out;
	}
	if (json) {
		fwrite(r.item.buf, 1, r.item.len, stdout);
		putchar('\n');
	} else {
		fwrite(r.table.buf, 1, r.table.len, stdout);
	}
	fflush(stdout); /* before any log line on stderr */
	if (r.warnings) {
		/* each warning in the log too: a missing price is named where schedulers look */
		char why[128];
		yajl_val item = json_parse(r.item.buf, r.item.len, JSON_MAX_DEPTH, why, sizeof(why));
		yajl_val w = json_get(item, "Warnings");
		size_t i;

		for (i = 0; w && YAJL_IS_ARRAY(w) && i < w->u.array.len; i++)
			if (YAJL_IS_STRING(w->u.array.values[i]))
				cc_log(&c->cc, CC_LOG_WARN, "rebuild", "%s", w->u.array.values[i]->u.string);
		yajl_tree_free(item);
	}
	if (!dry) {
		if ((ret = recalc_save(p.s, id, &ri, &r, at, p.sha, force, &outcome, &c->err)))
			goto out;
		if (outcome == RECALC_UNCHANGED)
			cc_log(&c->cc, CC_LOG_INFO, "rebuild",
			       "%s: unchanged since the latest calculation (same inputs, same pricebook): nothing written",
			       id);
		else
		{
			char m[40];

			dec_format(r.monthly, 2, m, sizeof(m));
			cc_log(&c->cc, CC_LOG_INFO, "rebuild", "%s: wrote CALCULATION#%s: %s %s a month (%s)",
			       id, at, m, r.currency, r.status == CALC_COMPLETE ? "complete" : "partial");
		}
	}
	if (r.status == CALC_PARTIAL)
		ret = cc_err_set(&c->err, CC_EPARTIAL,
				 "%s: %u price%s missing: the calculation is PARTIAL (see its warnings)", id,
				 r.missing, r.missing == 1 ? " is" : "s are");
out:
	calc_result_release(&r);
	recalc_inputs_release(&ri);
	cmd_pricing_close(&p);
	return ret;
}
