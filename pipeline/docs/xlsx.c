/* The XLSX workbook: see xlsx.h. */
#include "pipeline/docs/xlsx.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "pipeline/core/jsonutil.h"
#include "pipeline/docs/tmpl.h"

struct xl {
	lxw_workbook *wb;
	lxw_format *bold, *title, *head, *money, *money_bold, *rate, *qty, *muted, *pct, *input;
	lxw_error err; /* the first failure */
	const struct docs_source *src;
};

#define X(x, call)                                   \
	do {                                         \
		lxw_error e_ = (call);               \
		if (e_ != LXW_NO_ERROR && !(x)->err) \
			(x)->err = e_;               \
	} while (0)

static const char *const categories[] = { "Compute", "Storage", "Database", "Network", "Security" };

/* A1-style reference of (row, col), zero-based, columns A..Z: (4, 6) -> "G5"; "$G$5" when abs. */
static void ref(char *out, size_t cap, lxw_row_t row, lxw_col_t col, int abs)
{
	snprintf(out, cap, "%s%c%s%u", abs ? "$" : "", (char)('A' + (col < 26 ? col : 25)), abs ? "$" : "",
		 (unsigned)row + 1);
}

/* Text as a string cell, never a formula, even when it begins with '=', '+', '-' or '@'. */
static void text(struct xl *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
	char clean[4096];

	docs_clean_text(s, clean, sizeof(clean));
	if (clean[0])
		X(x, worksheet_write_string(ws, r, c, clean, f));
}

static void number(struct xl *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
	X(x, worksheet_write_number(ws, r, c, v, f));
}

static void formula(struct xl *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *fx, lxw_format *f,
		    double cached)
{
	X(x, worksheet_write_formula_num(ws, r, c, fx, f, cached));
}

static void header(struct xl *x, lxw_worksheet *ws, lxw_row_t r, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		X(x, worksheet_write_string(ws, r, (lxw_col_t)i, names[i], x->head));
}

static void formats(struct xl *x)
{
	x->bold = workbook_add_format(x->wb);
	format_set_bold(x->bold);
	x->title = workbook_add_format(x->wb);
	format_set_bold(x->title);
	format_set_font_size(x->title, 16);
	x->head = workbook_add_format(x->wb);
	format_set_bold(x->head);
	format_set_font_color(x->head, LXW_COLOR_WHITE);
	format_set_bg_color(x->head, 0x232F3E);
	x->money = workbook_add_format(x->wb);
	format_set_num_format(x->money, "#,##0.00");
	x->money_bold = workbook_add_format(x->wb);
	format_set_num_format(x->money_bold, "#,##0.00");
	format_set_bold(x->money_bold);
	x->rate = workbook_add_format(x->wb);
	format_set_num_format(x->rate, "0.0000######");
	x->qty = workbook_add_format(x->wb);
	format_set_num_format(x->qty, "#,##0.####");
	x->muted = workbook_add_format(x->wb);
	format_set_font_color(x->muted, 0x6B7280);
	x->pct = workbook_add_format(x->wb);
	format_set_num_format(x->pct, "0.00##");
	x->input = workbook_add_format(x->wb);
	format_set_bg_color(x->input, 0xFFF2CC);
	format_set_num_format(x->input, "0.00##");
}

/* One category's sheet; *total_row is where its total is (zero-based). */
static void category_sheet(struct xl *x, const char *cat, lxw_row_t *total_row, double *total)
{
	static const char *const cols[] = { "Id", "Description", "Requirement", "Quantity", "Unit", "Rate",
					    "Monthly", "Annual", "Status", "Sku", "RateCode", "Tier cost" };
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, cat);
	yajl_val lines = docs_arr(x->src->calc, "Lines");
	lxw_row_t r = 1, first = 1;
	char fx[256], a[16], b[16], c[16];
	size_t i, k;

	*total = 0;
	if (!ws) {
		x->err = x->err ? x->err : LXW_ERROR_MEMORY_MALLOC_FAILED;
		*total_row = 1;
		return;
	}
	header(x, ws, 0, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < docs_alen(lines); i++) {
		yajl_val l = lines->u.array.values[i], tiers = docs_arr(l, "Tiers");
		const char *status = docs_str(l, "Status");
		double monthly = docs_numd(l, "MonthlyCost");

		if (strcmp(docs_str(l, "Category"), cat))
			continue;
		number(x, ws, r, 0, docs_numd(l, "Id"), NULL);
		text(x, ws, r, 1, docs_str(l, "Description"), NULL);
		text(x, ws, r, 2, docs_str(l, "Requirement"), x->muted);
		if (json_get_num(l, "Quantity"))
			number(x, ws, r, 3, docs_numd(l, "Quantity"), x->qty);
		text(x, ws, r, 4, docs_str(l, "Unit"), NULL);
		text(x, ws, r, 8, status, x->muted);
		text(x, ws, r, 9, docs_str(l, "Sku"), x->muted);
		text(x, ws, r, 10, docs_str(l, "RateCode"), x->muted);
		if (docs_alen(tiers) > 1) {
			/* the tiers walked, each a row: the line is their sum, rounded once */
			lxw_row_t tr = r + 1;

			for (k = 0; k < docs_alen(tiers); k++, tr++) {
				yajl_val t = tiers->u.array.values[k];
				char label[128];

				snprintf(label, sizeof(label), "  tier from %s to %s", docs_num(t, "Begin"),
					 json_get_num(t, "End") ? docs_num(t, "End") : "no end");
				text(x, ws, tr, 1, label, x->muted);
				number(x, ws, tr, 3, docs_numd(t, "Quantity"), x->qty);
				number(x, ws, tr, 5, docs_numd(t, "Rate"), x->rate);
				text(x, ws, tr, 8, "tier", x->muted);
				ref(a, sizeof(a), tr, 3, 0);
				ref(b, sizeof(b), tr, 5, 0);
				snprintf(fx, sizeof(fx), "=%s*%s", a, b);
				formula(x, ws, tr, 11, fx, x->rate, docs_numd(t, "Cost"));
			}
			ref(a, sizeof(a), r + 1, 11, 0);
			ref(b, sizeof(b), tr - 1, 11, 0);
			snprintf(fx, sizeof(fx), "=ROUND(SUM(%s:%s),2)", a, b);
			formula(x, ws, r, 6, fx, x->money, monthly);
			ref(c, sizeof(c), r, 6, 0);
			snprintf(fx, sizeof(fx), "=12*%s", c);
			formula(x, ws, r, 7, fx, x->money, 12 * monthly);
			*total += monthly;
			r = tr;
			continue;
		}
		if (json_get_num(l, "Rate"))
			number(x, ws, r, 5, docs_numd(l, "Rate"), x->rate);
		if (!strcmp(status, "MISSING_PRICE") || !json_get_num(l, "Quantity") || !json_get_num(l, "Rate")) {
			number(x, ws, r, 6, monthly, x->money); /* nothing to multiply: the stored amount */
		} else {
			ref(a, sizeof(a), r, 3, 0);
			ref(b, sizeof(b), r, 5, 0);
			snprintf(fx, sizeof(fx), "=ROUND(%s*%s,2)", a, b);
			formula(x, ws, r, 6, fx, x->money, monthly);
		}
		ref(c, sizeof(c), r, 6, 0);
		snprintf(fx, sizeof(fx), "=12*%s", c);
		formula(x, ws, r, 7, fx, x->money, 12 * monthly);
		*total += monthly;
		r++;
	}
	/* the total */
	text(x, ws, r, 1, "Total", x->bold);
	if (r > first) {
		ref(a, sizeof(a), first, 6, 0);
		ref(b, sizeof(b), r - 1, 6, 0);
		snprintf(fx, sizeof(fx), "=SUM(%s:%s)", a, b);
		formula(x, ws, r, 6, fx, x->money_bold, *total);
	} else {
		number(x, ws, r, 6, 0, x->money_bold);
	}
	ref(c, sizeof(c), r, 6, 0);
	snprintf(fx, sizeof(fx), "=12*%s", c);
	formula(x, ws, r, 7, fx, x->money_bold, 12 * *total);
	*total_row = r;
	worksheet_freeze_panes(ws, 1, 0);
	X(x, worksheet_autofilter(ws, 0, 0, r > 1 ? r - 1 : 1, 11));
	X(x, worksheet_set_column(ws, 0, 0, 5, NULL));
	X(x, worksheet_set_column(ws, 1, 1, 58, NULL));
	X(x, worksheet_set_column(ws, 2, 2, 26, NULL));
	X(x, worksheet_set_column(ws, 3, 3, 14, NULL));
	X(x, worksheet_set_column(ws, 4, 4, 10, NULL));
	X(x, worksheet_set_column(ws, 5, 5, 14, NULL));
	X(x, worksheet_set_column(ws, 6, 7, 14, NULL));
	X(x, worksheet_set_column(ws, 8, 8, 20, NULL));
	X(x, worksheet_set_column(ws, 9, 10, 22, NULL));
	X(x, worksheet_set_column(ws, 11, 11, 14, NULL));
}

/* A tier table on the Rules sheet: rows from `r`; returns the row of its (named) result. */
static lxw_row_t tier_table(struct xl *x, lxw_worksheet *ws, lxw_row_t r, const char *title, yajl_val tiers,
			    const char *base, int with_minimum, double cached, const char *name)
{
	static const char *const cols[] = { "From", "To", "Percent", "Amount" };
	lxw_row_t first;
	char fx[512], a[16], b[16], c[16], d[64], def[64];
	size_t k;

	text(x, ws, r++, 0, title, x->bold);
	header(x, ws, r++, cols, 4);
	first = r;
	for (k = 0; k < docs_alen(tiers); k++, r++) {
		yajl_val t = tiers->u.array.values[k];

		number(x, ws, r, 0, docs_numd(t, "From"), x->input);
		if (json_get_num(t, "To"))
			number(x, ws, r, 1, docs_numd(t, "To"), x->input);
		number(x, ws, r, 2, docs_numd(t, "Percent"), x->input);
		ref(a, sizeof(a), r, 0, 0);
		ref(b, sizeof(b), r, 1, 0);
		ref(c, sizeof(c), r, 2, 0);
		snprintf(fx, sizeof(fx), "=MAX(0,IF(ISBLANK(%s),%s,MIN(%s,%s))-%s)*%s/100", b, base, base, b, a, c);
		formula(x, ws, r, 3, fx, x->rate, docs_numd(t, "Amount"));
	}
	text(x, ws, r, 0, name, x->bold);
	if (r > first) {
		ref(a, sizeof(a), first, 3, 0);
		ref(b, sizeof(b), r - 1, 3, 0);
		snprintf(d, sizeof(d), "SUM(%s:%s)", a, b);
	} else {
		snprintf(d, sizeof(d), "0");
	}
	if (with_minimum)
		snprintf(fx, sizeof(fx), "=ROUND(MAX(SupportMinimum,%s),2)", d);
	else
		snprintf(fx, sizeof(fx), "=ROUND(%s,2)", d);
	formula(x, ws, r, 3, fx, x->money_bold, cached);
	ref(a, sizeof(a), r, 3, 1);
	snprintf(def, sizeof(def), "=Rules!%s", a);
	X(x, workbook_define_name(x->wb, name, def));
	return r + 2;
}

static void write_book(struct xl *x, const struct tmpl *brand)
{
	const struct docs_source *s = x->src;
	yajl_val calc = s->calc, client = json_get(s->metadata, "ClientInfo"),
		 dc = json_get(calc, "DetailedCosts"), support = json_get(calc, "Support"),
		 disc = json_get(calc, "VolumeDiscount"), buffer = json_get(calc, "Buffer");
	lxw_worksheet *sum = workbook_add_worksheet(x->wb, "Summary"), *rules, *lad, *prices;
	lxw_row_t total_rows[5], r;
	double totals[5], subtotal = 0;
	char fx[512], a[16], b[16];
	size_t k;

	if (!sum) {
		x->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		return;
	}
	for (k = 0; k < 5; k++)
		category_sheet(x, categories[k], &total_rows[k], &totals[k]);
	rules = workbook_add_worksheet(x->wb, "Rules");
	lad = workbook_add_worksheet(x->wb, "Ladder");
	prices = workbook_add_worksheet(x->wb, "Prices");
	if (!rules || !lad || !prices) {
		x->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		return;
	}
	/* ---- Summary */
	text(x, sum, 0, 0, "AWS cost estimate", x->title);
	text(x, sum, 1, 0, "Client", x->muted);
	text(x, sum, 1, 1, docs_str(client, "CompanyName"), NULL);
	text(x, sum, 2, 0, "Project", x->muted);
	text(x, sum, 2, 1, docs_str(s->metadata, "ProjectName"), NULL);
	text(x, sum, 3, 0, "Estimation", x->muted);
	text(x, sum, 3, 1, s->estimation_id, NULL);
	text(x, sum, 4, 0, "Calculation", x->muted);
	text(x, sum, 4, 1, docs_str(calc, "CalculationId"), NULL);
	text(x, sum, 4, 2, docs_str(calc, "CalculatedAt"), x->muted);
	text(x, sum, 5, 0, "Region, currency, model", x->muted);
	text(x, sum, 5, 1, docs_str(calc, "Region"), NULL);
	text(x, sum, 5, 2, docs_str(calc, "Currency"), NULL);
	text(x, sum, 5, 3, docs_str(calc, "PricingModel"), NULL);
	text(x, sum, 6, 0, "Prepared by", x->muted);
	text(x, sum, 6, 1, tmpl_str(brand, "company"), NULL);
	{
		static const char *const cols[] = { "Category", "Monthly", "Annual" };

		header(x, sum, 8, cols, 3);
	}
	for (k = 0, r = 9; k < 5; k++, r++) {
		yajl_val c = json_get(dc, categories[k]);
		char key[32];
		double v;

		snprintf(key, sizeof(key), "Total%s", categories[k]);
		v = docs_numd(c, key);
		subtotal += v;
		text(x, sum, r, 0, categories[k], NULL);
		ref(a, sizeof(a), total_rows[k], 6, 1);
		snprintf(fx, sizeof(fx), "='%s'!%s", categories[k], a);
		formula(x, sum, r, 1, fx, x->money, v);
		ref(b, sizeof(b), r, 1, 0);
		snprintf(fx, sizeof(fx), "=12*%s", b);
		formula(x, sum, r, 2, fx, x->money, 12 * v);
	}
	/* r = 14: subtotal, then the rules, then the total */
	text(x, sum, 14, 0, "Subtotal", x->bold);
	formula(x, sum, 14, 1, "=SUM(B10:B14)", x->money_bold, docs_numd(calc, "Subtotal"));
	formula(x, sum, 14, 2, "=12*B15", x->money_bold, 12 * docs_numd(calc, "Subtotal"));
	text(x, sum, 15, 0, "Volume discount", NULL);
	{
		double d = docs_numd(disc, "MonthlyCost");

		formula(x, sum, 15, 1, "=-VolumeDiscount", x->money, d != 0 ? -d : 0);
		formula(x, sum, 15, 2, "=12*B16", x->money, d != 0 ? -12 * d : 0);
	}
	{
		char label[128];

		snprintf(label, sizeof(label), "Support (%s)", docs_str(support, "Plan"));
		text(x, sum, 16, 0, label, NULL);
	}
	formula(x, sum, 16, 1, "=SupportFee", x->money, docs_numd(support, "MonthlyCost"));
	formula(x, sum, 16, 2, "=12*B17", x->money, 12 * docs_numd(support, "MonthlyCost"));
	text(x, sum, 17, 0, "Buffer", NULL);
	formula(x, sum, 17, 1, "=ROUND((B15+B16+B17)*BufferPercent/100,2)", x->money, docs_numd(buffer, "MonthlyCost"));
	formula(x, sum, 17, 2, "=12*B18", x->money, 12 * docs_numd(buffer, "MonthlyCost"));
	text(x, sum, 18, 0, "Total", x->bold);
	formula(x, sum, 18, 1, "=B15+B16+B17+B18", x->money_bold, docs_numd(calc, "TotalMonthlyCost"));
	formula(x, sum, 18, 2, "=12*B19", x->money_bold, docs_numd(calc, "TotalAnnualCost"));
	text(x, sum, 20, 0, "Stored CALCULATION total", x->muted);
	number(x, sum, 20, 1, docs_numd(calc, "TotalMonthlyCost"), x->money);
	text(x, sum, 21, 0, "Check", x->bold);
	X(x, worksheet_write_formula_str(sum, 21, 1, "=IF(ROUND(B19-B21,2)=0,\"OK\",\"MISMATCH\")", x->bold,
					 "OK"));
	text(x, sum, 22, 0, "OK when the workbook's total equals the stored calculation's.", x->muted);
	X(x, workbook_define_name(x->wb, "Subtotal", "=Summary!$B$15"));
	X(x, workbook_define_name(x->wb, "Total", "=Summary!$B$19"));
	X(x, worksheet_set_column(sum, 0, 0, 30, NULL));
	X(x, worksheet_set_column(sum, 1, 2, 16, NULL));
	X(x, worksheet_set_column(sum, 3, 3, 26, NULL));
	{
		lxw_chart *ch = workbook_add_chart(x->wb, LXW_CHART_BAR);
		lxw_chart_series *se;

		if (!ch) {
			x->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
			return;
		}
		chart_title_set_name(ch, "Monthly cost by category");
		se = chart_add_series(ch, "=Summary!$A$10:$A$14", "=Summary!$B$10:$B$14");
		if (!se)
			x->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		else
			chart_series_set_name(se, "Monthly");
		chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
		X(x, worksheet_insert_chart(sum, 8, 4, ch));
	}
	/* ---- Rules: the named inputs */
	text(x, rules, 0, 0, "Business rules (the yellow cells are inputs)", x->title);
	text(x, rules, 2, 0, "BufferPercent", x->bold);
	number(x, rules, 2, 1, docs_numd(buffer, "Percent"), x->input);
	X(x, workbook_define_name(x->wb, "BufferPercent", "=Rules!$B$3"));
	text(x, rules, 3, 0, "SupportMinimum", x->bold);
	number(x, rules, 3, 1, docs_numd(support, "Minimum"), x->input);
	X(x, workbook_define_name(x->wb, "SupportMinimum", "=Rules!$B$4"));
	r = tier_table(x, rules, 5, "Volume discount tiers (on the subtotal)", docs_arr(disc, "Tiers"), "Subtotal", 0,
		       docs_numd(disc, "MonthlyCost"), "VolumeDiscount");
	{
		char title[160];

		snprintf(title, sizeof(title), "Support tiers, plan %s (on the subtotal after the discount)",
			 docs_str(support, "Plan"));
		r = tier_table(x, rules, r, title, docs_arr(support, "Tiers"), "(Subtotal-VolumeDiscount)",
			       json_get_num(support, "Minimum") != NULL, docs_numd(support, "MonthlyCost"), "SupportFee");
	}
	X(x, worksheet_set_column(rules, 0, 0, 40, NULL));
	X(x, worksheet_set_column(rules, 1, 3, 16, NULL));
	/* ---- Ladder */
	{
		static const char *const cols[] = { "PricingModel", "Monthly", "Upfront", "First year",
						    "Break-even month", "Hourly commitment" };
		yajl_val ladder = docs_arr(calc, "CommitmentLadder");

		header(x, lad, 0, cols, 6);
		for (k = 0; k < docs_alen(ladder); k++) {
			yajl_val l = ladder->u.array.values[k];
			lxw_row_t rr = (lxw_row_t)k + 1;

			text(x, lad, rr, 0, docs_str(l, "PricingModel"), NULL);
			if (json_get(l, "Priced") && YAJL_IS_FALSE(json_get(l, "Priced"))) {
				text(x, lad, rr, 1, "not priced", x->muted);
				continue;
			}
			number(x, lad, rr, 1, docs_numd(l, "TotalMonthlyCost"), x->money);
			number(x, lad, rr, 2, docs_numd(l, "UpfrontCost"), x->money);
			ref(a, sizeof(a), rr, 1, 0);
			ref(b, sizeof(b), rr, 2, 0);
			snprintf(fx, sizeof(fx), "=%s+12*%s", b, a);
			formula(x, lad, rr, 3, fx, x->money, docs_numd(l, "FirstYearCost"));
			if (json_get_num(l, "BreakEvenMonth"))
				number(x, lad, rr, 4, docs_numd(l, "BreakEvenMonth"), NULL);
			/* a Savings Plan's $/h commitment (reservations have none) */
			if (json_get_num(l, "HourlyCommitment"))
				number(x, lad, rr, 5, docs_numd(l, "HourlyCommitment"), NULL);
		}
		worksheet_freeze_panes(lad, 1, 0);
		X(x, worksheet_autofilter(lad, 0, 0, (lxw_row_t)(docs_alen(ladder) ? docs_alen(ladder) : 1), 5));
		X(x, worksheet_set_column(lad, 0, 0, 46, NULL));
		X(x, worksheet_set_column(lad, 1, 5, 16, NULL));
	}
	/* ---- Prices: what every line was priced from, and the offers */
	{
		static const char *const cols[] = { "Line", "Service", "Family", "Sku", "RateCode", "PricingModel",
						    "Lookup" };
		static const char *const ocols[] = { "OfferCode", "Version", "PublicationDate", "Source" };
		yajl_val lines = docs_arr(calc, "Lines"), offers = docs_arr(json_get(calc, "Provenance"), "Offers");
		lxw_row_t rr = 1;

		header(x, prices, 0, cols, 7);
		for (k = 0; k < docs_alen(lines); k++) {
			yajl_val l = lines->u.array.values[k];

			if (!*docs_str(l, "Sku"))
				continue;
			number(x, prices, rr, 0, docs_numd(l, "Id"), NULL);
			text(x, prices, rr, 1, docs_str(l, "Service"), NULL);
			text(x, prices, rr, 2, docs_str(l, "Family"), NULL);
			text(x, prices, rr, 3, docs_str(l, "Sku"), NULL);
			text(x, prices, rr, 4, docs_str(l, "RateCode"), NULL);
			text(x, prices, rr, 5, docs_str(l, "PricingModel"), NULL);
			text(x, prices, rr, 6, docs_str(l, "Lookup"), x->muted);
			rr++;
		}
		worksheet_freeze_panes(prices, 1, 0);
		X(x, worksheet_autofilter(prices, 0, 0, rr > 1 ? rr - 1 : 1, 6));
		rr += 2;
		text(x, prices, rr - 1, 0, "Offers in the pricebook", x->bold);
		header(x, prices, rr++, ocols, 4);
		for (k = 0; k < docs_alen(offers); k++, rr++) {
			yajl_val o = offers->u.array.values[k];

			text(x, prices, rr, 0, docs_str(o, "OfferCode"), NULL);
			text(x, prices, rr, 1, docs_str(o, "Version"), NULL);
			text(x, prices, rr, 2, docs_str(o, "PublicationDate"), NULL);
			text(x, prices, rr, 3, docs_str(o, "Source"), x->muted);
		}
		text(x, prices, rr + 1, 0, "Pricebook SHA-256", x->bold);
		text(x, prices, rr + 1, 1, docs_str(json_get(calc, "Provenance"), "PricebookSha256"), x->muted);
		X(x, worksheet_set_column(prices, 0, 0, 20, NULL));
		X(x, worksheet_set_column(prices, 1, 2, 22, NULL));
		X(x, worksheet_set_column(prices, 3, 4, 30, NULL));
		X(x, worksheet_set_column(prices, 5, 5, 14, NULL));
		X(x, worksheet_set_column(prices, 6, 6, 90, NULL));
	}
	(void)subtotal;
	(void)totals;
	worksheet_activate(sum);
}

enum cc_code xlsx_write(const struct docs_source *src, const struct tmpl *t, const struct tmpl *brand,
			const char *path, struct docs_warnings *w, struct cc_err *err)
{
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE };
	lxw_doc_properties props;
	char dir[PATH_MAX], title[160], *slash;
	struct xl x;
	struct tm tm;
	lxw_error e;

	(void)t;
	(void)w;
	memset(&x, 0, sizeof(x));
	x.src = src;
	/* libxlsxwriter's temp files beside the document, not in /tmp */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		opt.tmpdir = dir;
	}
	if (!(x.wb = workbook_new_opt(path, &opt)))
		return cc_err_set(err, CC_EIO, "cannot create the workbook '%s'", path);
	memset(&props, 0, sizeof(props));
	memset(&tm, 0, sizeof(tm));
	snprintf(title, sizeof(title), "AWS cost estimate %s", src->estimation_id);
	props.title = title;
	props.author = (char *)"costctl";
	/* the run's time, never the clock's: the same calculation gives the same bytes */
	if (sscanf(src->generated_at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		props.created = timegm(&tm);
	}
	X(&x, workbook_set_properties(x.wb, &props));
	formats(&x);
	write_book(&x, brand);
	e = workbook_close(x.wb); /* frees the workbook, whatever happened */
	if (x.err)
		return cc_err_set(err, CC_EIO, "%s: building the workbook: %s", src->estimation_id,
				  lxw_strerror(x.err));
	if (e)
		return cc_err_set(err, CC_EIO, "cannot write the workbook '%s': %s", path, lxw_strerror(e));
	return CC_OK;
}
