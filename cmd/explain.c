#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
	"usage: costctl explain [--pricebook FILE] [--model MODEL] EST_ID [LINE]",
	"",
	"How each number of an estimation was made, so a person can check it by",
	"hand with 'costctl price': for each line (or line LINE), the requirement,",
	"the rule, what was looked up, the SKU and rate code found, the tier split,",
	"and the cost; then the business rules. Writes nothing.",
	NULL,
};

static void explain_line(yajl_val l)
{
	yajl_val tiers = json_get(l, "Tiers");
	size_t i;

	printf("line %s  %s / %s\n", json_get_num(l, "Id"), json_get_str(l, "Category"), json_get_str(l, "Section"));
	printf("  requirement  %s\n", json_get_str(l, "Requirement"));
	printf("  rule         %s\n", json_get_str(l, "Description"));
	if (json_get_str(l, "Lookup"))
		printf("  looked up    %s\n", json_get_str(l, "Lookup"));
	if (json_get_str(l, "Sku"))
		printf("  found        SKU %s, rate code %s (%s, %s)\n", json_get_str(l, "Sku"), json_get_str(l, "RateCode"),
		       json_get_str(l, "Family"), json_get_str(l, "PricingModel"));
	if (json_get_num(l, "Upfront"))
		printf("  reservation  upfront %s, hourly %s, effective %s = hourly + upfront / (8760 x years)\n",
		       json_get_num(l, "Upfront"), json_get_num(l, "HourlyRate"), json_get_num(l, "EffectiveHourlyRate"));
	for (i = 0; tiers && YAJL_IS_ARRAY(tiers) && i < tiers->u.array.len; i++) {
		yajl_val t = tiers->u.array.values[i];
		yajl_val end = json_get(t, "End");

		printf("  tier         [%s, %s): %s %s x %s = %s\n", json_get_num(t, "Begin"),
		       end && YAJL_IS_NUMBER(end) ? end->u.number.r : "Inf", json_get_num(t, "Quantity"),
		       json_get_str(l, "Unit"), json_get_num(t, "Rate"), json_get_num(t, "Cost"));
	}
	if (json_get_num(l, "Quantity") && !tiers)
		printf("  quantity     %s %s x %s\n", json_get_num(l, "Quantity"), json_get_str(l, "Unit"), json_get_num(l, "Rate"));
	printf("  cost         %s a month (rounded once, half away from zero), %s a year\n",
	       json_get_num(l, "MonthlyCost"), json_get_num(l, "AnnualCost"));
	if (json_get_str(l, "Reason"))
		printf("  note         %s: %s\n", json_get_str(l, "Status"), json_get_str(l, "Reason"));
}

int cmd_explain(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_PRICEBOOK = 256, OPT_MODEL };
	static const struct option opts[] = {
		{ "pricebook", required_argument, NULL, OPT_PRICEBOOK },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *model = NULL, *id, *only = NULL, *at = NULL;
	struct cmd_pricing p;
	struct recalc_inputs ri;
	struct calc_input in;
	struct calc_result r;
	yajl_val item = NULL, lines, x;
	char now[32], why[128];
	int o, ret, shown = 0;
	size_t i;

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_PRICEBOOK: file = optarg; break;
		case OPT_MODEL: model = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind + 1 != argc && optind + 2 != argc)
		return cmd_usage(usage, 0);
	id = argv[optind];
	if (optind + 2 == argc)
		only = argv[optind + 1];
	if ((ret = cmd_calc_time(c, NULL, now, &at)))
		return ret;
	recalc_inputs_init(&ri);
	calc_result_init(&r);
	if ((ret = cmd_pricing_open(c, file, &p)))
		goto out;
	if ((ret = recalc_load(p.s, id, NULL, &ri, &c->err)))
		goto out;
	recalc_input(&in, id, &ri, at, model, p.sha);
	if ((ret = calc_estimation(p.cc, p.pb, &in, &r, &c->err)) && ret != CC_EPARTIAL)
		goto out;
	item = json_parse(r.item.buf, r.item.len, JSON_MAX_DEPTH, why, sizeof(why));
	lines = json_get(item, "Lines");
	printf("%s: %s, %s, %s; pricebook %s\n\n", id, json_get_str(item, "Region"), json_get_str(item, "PricingModel"),
	       json_get_str(item, "Currency"), p.sha);
	for (i = 0; lines && YAJL_IS_ARRAY(lines) && i < lines->u.array.len; i++) {
		yajl_val l = lines->u.array.values[i];

		if (only && strcmp(json_get_num(l, "Id"), only))
			continue;
		explain_line(l);
		putchar('\n');
		shown++;
	}
	if (only && !shown) {
		ret = cc_err_set(&c->err, CC_ENOTFOUND, "%s has no line %s (lines 1 to %zu)", id, only,
				 lines ? lines->u.array.len : 0);
		goto out;
	}
	if (!only) {
		x = json_get(item, "Support");
		printf("rules\n  subtotal     %s = the sum of the lines\n", json_get_num(item, "Subtotal"));
		printf("  discount     %s (volume_discount.tiers)\n",
		       json_get_num(json_get(item, "VolumeDiscount"), "MonthlyCost"));
		printf("  support      %s: %s (the plan in effect on the date; at least %s)\n",
		       json_get_str(x, "Plan"), json_get_num(x, "MonthlyCost"), json_get_num(x, "Minimum") ? json_get_num(x, "Minimum") : "-");
		printf("  buffer       %s%% of (discounted subtotal + support) = %s\n",
		       json_get_num(json_get(item, "Buffer"), "Percent"), json_get_num(json_get(item, "Buffer"), "MonthlyCost"));
		printf("  total        %s a month, %s a year\n", json_get_num(item, "TotalMonthlyCost"),
		       json_get_num(item, "TotalAnnualCost"));
		x = json_get(item, "Assumptions");
		if (x && YAJL_IS_ARRAY(x) && x->u.array.len) {
			printf("\nassumptions\n");
			for (i = 0; i < x->u.array.len; i++)
				printf("  %s\n", x->u.array.values[i]->u.string);
		}
	}
	ret = r.status == CALC_PARTIAL ?
		cc_err_set(&c->err, CC_EPARTIAL, "%s: %u price%s missing (see the lines marked MISSING_PRICE)",
			   id, r.missing, r.missing == 1 ? " is" : "s are") : CC_OK;
out:
	yajl_tree_free(item);
	calc_result_release(&r);
	recalc_inputs_release(&ri);
	cmd_pricing_close(&p);
	return ret;
}
