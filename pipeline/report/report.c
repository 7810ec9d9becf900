/* The morning report: see report.h. */
#include "pipeline/report/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/dec.h"
#include "pipeline/docs/docs.h"
#include <xlsxwriter.h>
#include <hpdf.h>
#include "pipeline/core/fsutil.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/cfg.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

/* dir/name, written atomically (fs_write_atomic), as UTF-8 whatever a value from outside held. */
static enum cc_code put_file(const char *dir, const char *name, struct buf *b, struct cc_err *err)
{
	char path[4200];

	utf8_scrub(b->buf, b->len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fs_write_atomic(path, b->buf, b->len, err);
}

/*
 * A value from outside, cut by a byte count into one of the report's
 * fields: what the cut left of a character goes, and any byte that is not
 * UTF-8 becomes '?', so every file made from it is UTF-8.
 */
static void fit_text(char *s)
{
	cc_utf8_tail(s);
	utf8_scrub(s, strlen(s));
}

/* new - old, exactly, as money text ("" when either is missing) */
static void delta(const char *o, const char *n, char *out, size_t cap)
{
	struct dec a, b, d;

	out[0] = '\0';
	if (!*o || !*n || dec_parse(o, strlen(o), &a) || dec_parse(n, strlen(n), &b) || dec_sub(b, a, &d))
		return;
	dec_format(d, 2, out, cap);
}

static void delta_pct(const char *o, const char *n, char *out, size_t cap)
{
	struct pb_str a = { o, strlen(o) }, b = { n, strlen(n) };

	if (!*o || !*n)
		a.p = NULL;
	diff_pct(a, b, out, cap);
}


struct change_rows {
	FILE *csv, *json;   /* changes.csv and report.json's "changes", streamed: memory flat in their size */
	struct buf scratch;
	size_t njson;
	size_t top_n;
	struct top {
		double pct;
		char line[300];
	} top[10];
	/* counts by service and region (the first 64; the rest in the last) */
	struct group {
		char name[96];
		uint64_t changed, added, removed;
	} groups[64];
	size_t ngroups;
	/* new and retired prices (the first 40), each marked when an estimation's calculation used its SKU */
	struct newold {
		int added, used;
		char line[300];
	} newold[40];
	size_t nnewold, more_newold;
	const struct report *rep;
	int failed;
};

/* 1 when the SKU appears in a calculation the report kept (an estimation priced with it). */
static int sku_used(const struct report *r, struct pb_str sku)
{
	char k[80];
	size_t i;

	if (!r || !sku.len || sku.len > 60)
		return 0;
	snprintf(k, sizeof(k), "\"%.*s\"", (int)sku.len, sku.p);
	for (i = 0; i < r->nest; i++)
		if ((r->est[i].old_calc && strstr(r->est[i].old_calc->buf, k)) ||
		    (r->est[i].new_calc && strstr(r->est[i].new_calc->buf, k)))
			return 1;
	return 0;
}

static void count_group(struct change_rows *r, const struct diff_change *c, const struct pb_entry *h)
{
	char name[96];
	size_t k;

	snprintf(name, sizeof(name), "%.*s %.*s", (int)(h->f[PB_SERVICE].len > 60 ? 60 : h->f[PB_SERVICE].len),
		 h->f[PB_SERVICE].p, (int)(h->f[PB_REGION].len > 30 ? 30 : h->f[PB_REGION].len), h->f[PB_REGION].p);
	for (k = 0; k < r->ngroups && strcmp(r->groups[k].name, name); k++)
		;
	if (k == r->ngroups) {
		if (r->ngroups == sizeof(r->groups) / sizeof(r->groups[0])) {
			k = r->ngroups - 1;
			snprintf(r->groups[k].name, sizeof(r->groups[k].name), "(other services and regions)");
		} else {
			snprintf(r->groups[r->ngroups++].name, sizeof(r->groups[0].name), "%s", name);
		}
	}
	if (c->kind == DIFF_CHANGED)
		r->groups[k].changed++;
	else if (c->kind == DIFF_ADDED)
		r->groups[k].added++;
	else
		r->groups[k].removed++;
}

static int on_change(void *user, const struct diff_change *c)
{
	struct change_rows *r = user;
	const struct pb_entry *h = c->old ? c->old : c->new;

	buf_reset(&r->scratch);
	if (diff_format(c, DIFF_CSV, &r->scratch) ||
	    fwrite(r->scratch.buf, 1, r->scratch.len, r->csv) != r->scratch.len) {
		r->failed = 1;
		return 1;
	}
	buf_reset(&r->scratch);
	if ((r->njson++ && buf_addch(&r->scratch, ',')) || diff_format(c, DIFF_JSON, &r->scratch) ||
	    fwrite(r->scratch.buf, 1, r->scratch.len, r->json) != r->scratch.len) {
		r->failed = 1;
		return 1;
	}
	count_group(r, c, h);
	if ((c->kind == DIFF_ADDED && c->nnew) || (c->kind == DIFF_REMOVED && c->nold)) {
		const struct pb_entry *e = c->kind == DIFF_ADDED ? &c->new[0] : &c->old[0];

		if (r->nnewold < sizeof(r->newold) / sizeof(r->newold[0])) {
			struct newold *n = &r->newold[r->nnewold++];

			n->added = c->kind == DIFF_ADDED;
			n->used = sku_used(r->rep, e->f[PB_SKU]);
			snprintf(n->line, sizeof(n->line), "%.*s %.*s %.*s (SKU %.*s): %.*s %.*s",
				 (int)e->f[PB_SERVICE].len, e->f[PB_SERVICE].p, (int)e->f[PB_REGION].len, e->f[PB_REGION].p,
				 (int)(e->f[PB_FAMILY].len > 60 ? 60 : e->f[PB_FAMILY].len), e->f[PB_FAMILY].p,
				 (int)(e->f[PB_SKU].len > 40 ? 40 : e->f[PB_SKU].len), e->f[PB_SKU].p,
				 (int)e->f[PB_PRICE].len, e->f[PB_PRICE].p, (int)e->f[PB_UNIT].len, e->f[PB_UNIT].p);
		} else {
			r->more_newold++;
		}
	}
	if (c->kind == DIFF_CHANGED && c->nold && c->nnew) {
		double o = pb_str_double(c->old[0].f[PB_PRICE]), n = pb_str_double(c->new[0].f[PB_PRICE]);
		double p = o > 0 ? 100.0 * (n - o) / o : 0;
		size_t k, slot = r->top_n < 10 ? r->top_n : 10;

		/* the ten biggest moves, by size */
		for (k = 0; k < slot && fabs(r->top[k].pct) >= fabs(p); k++)
			;
		if (k < 10) {
			memmove(&r->top[k + 1], &r->top[k], (9 - k) * sizeof(r->top[0]));
			r->top[k].pct = p;
			snprintf(r->top[k].line, sizeof(r->top[k].line), "%.*s %.*s %.*s: %.*s -> %.*s %.*s",
				 (int)h->f[PB_SERVICE].len, h->f[PB_SERVICE].p, (int)h->f[PB_REGION].len, h->f[PB_REGION].p,
				 (int)(c->new[0].f[PB_RATE_CODE].len), c->new[0].f[PB_RATE_CODE].p,
				 (int)c->old[0].f[PB_PRICE].len, c->old[0].f[PB_PRICE].p, (int)c->new[0].f[PB_PRICE].len,
				 c->new[0].f[PB_PRICE].p, (int)h->f[PB_UNIT].len, h->f[PB_UNIT].p);
			if (r->top_n < 10)
				r->top_n++;
		}
	}
	return 0;
}

static void csv_text(struct buf *b, const char *s)
{
	buf_add_csv(b, s, strlen(s));
}

static void md_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\`*_[]<>", *s))
			buf_addch(b, '\\');
		buf_addch(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

/* ------------------------------------------------------------ report.xlsx */

/* report.xlsx's Changes sheet holds at most this many tier rows (all of them are in changes.csv) */
#define XLSX_MAX_CHANGE_ROWS 50000u

struct xrows {
	lxw_worksheet *ws;
	lxw_format *num, *pct;
	lxw_row_t row;
	uint64_t left_out;
	lxw_error err;
};


static void xstr(struct xrows *x, lxw_col_t col, struct pb_str s)
{
	char t[1024];

	snprintf(t, sizeof(t), "%.*s", (int)(s.len < 1000 ? s.len : 1000), s.p ? s.p : "");
	if (t[0]) {
		lxw_error e = worksheet_write_string(x->ws, x->row, col, t, NULL);

		if (e && !x->err)
			x->err = e;
	}
}

static void xnum(struct xrows *x, lxw_col_t col, double v, lxw_format *f)
{
	lxw_error e = worksheet_write_number(x->ws, x->row, col, v, f);

	if (e && !x->err)
		x->err = e;
}

/* the changes, a row a tier, numbers as numbers: ready for a pivot */
static int xchange(void *user, const struct diff_change *c)
{
	struct xrows *x = user;
	const struct pb_entry *h = c->old ? c->old : c->new;
	size_t k, n = c->nold > c->nnew ? c->nold : c->nnew;

	for (k = 0; k < n; k++) {
		const struct pb_entry *o = k < c->nold ? &c->old[k] : NULL, *w = k < c->nnew ? &c->new[k] : NULL;
		const struct pb_entry *e = w ? w : o;
		struct pb_str none = { NULL, 0 };
		int ok1, ok2;
		double ov, nv;
		char kind[16];

		if (x->row >= XLSX_MAX_CHANGE_ROWS) {
			x->left_out++; /* a workbook held in memory stays bounded */
			continue;
		}
		x->row++;
		snprintf(kind, sizeof(kind), "%s", diff_kind_name(c->kind));
		xstr(x, 0, (struct pb_str){ kind, strlen(kind) });
		xstr(x, 1, h->f[PB_SERVICE]);
		xstr(x, 2, h->f[PB_REGION]);
		xstr(x, 3, h->f[PB_FAMILY]);
		{
			/* the product: its key's values, as changes.csv has them */
			struct pb_str name, value;
			size_t pos = 0, len = 0;
			char prod[1024];

			prod[0] = '\0';
			while (pb_pairs_next(h->f[PB_KEY], &pos, &name, &value))
				if (value.len && len + value.len + 2 < sizeof(prod))
					len += (size_t)snprintf(prod + len, sizeof(prod) - len, "%s%.*s", len ? " " : "",
								(int)value.len, value.p);
			xstr(x, 4, (struct pb_str){ prod, len });
		}
		xnum(x, 5, (double)(k + 1), NULL);
		xstr(x, 6, e->f[PB_BEGIN]);
		xstr(x, 7, e->f[PB_END]);
		ok1 = o && o->f[PB_PRICE].len;
		ok2 = w && w->f[PB_PRICE].len;
		ov = pb_str_double(o ? o->f[PB_PRICE] : none);
		nv = pb_str_double(w ? w->f[PB_PRICE] : none);
		if (ok1)
			xnum(x, 8, ov, x->num);
		if (ok2)
			xnum(x, 9, nv, x->num);
		if (ok1 && ok2 && ov > 0)
			xnum(x, 10, (nv - ov) / ov, x->pct);
		xstr(x, 11, h->f[PB_UNIT]);
		xstr(x, 12, h->f[PB_CURRENCY]);
		xstr(x, 13, e->f[PB_SKU]);
		xstr(x, 14, e->f[PB_RATE_CODE]);
	}
	return x->err != 0;
}

static double mnum(const char *s)
{
	return strtod(s, NULL); /* a money text, for a spreadsheet cell */
}

static enum cc_code write_xlsx(const char *dir, const struct report *r, struct cc_err *err)
{
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE, .tmpdir = (char *)dir, .use_zip64 = LXW_TRUE };
	char path[4200], tmp[4300];
	lxw_workbook *wb;
	lxw_worksheet *sum, *est, *chg;
	lxw_format *bold, *money, *pct;
	struct xrows x;
	lxw_error e;
	lxw_doc_properties props;
	struct tm tm;
	size_t i;
	enum cc_code ret = CC_OK;
	static const char *const ecols[] = { "estimation", "project", "old_monthly", "new_monthly", "delta", "delta_pct",
					     "currency", "moved", "flagged", "price_effect", "requirement_effect",
					     "rule_effect", "attribution" };
	static const char *const ccols[] = { "change", "service", "region", "family", "product", "tier", "begin", "end",
					     "old_price", "new_price", "change_pct", "unit", "currency", "sku", "rate_code" };

	snprintf(path, sizeof(path), "%s/report.xlsx", dir);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-report.xlsx", dir, (long)getpid());
	if (!(wb = workbook_new_opt(tmp, &opt)))
		return cc_err_set(err, CC_EIO, "cannot create '%s'", tmp);
	fs_temp_add(tmp);
	memset(&props, 0, sizeof(props));
	memset(&tm, 0, sizeof(tm));
	if (sscanf(r->night, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		props.created = timegm(&tm); /* the night's date: the same report, the same bytes */
	}
	props.title = (char *)"costctl morning report";
	workbook_set_properties(wb, &props);
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	money = workbook_add_format(wb);
	format_set_num_format(money, "#,##0.00");
	pct = workbook_add_format(wb);
	format_set_num_format(pct, "0.00%");
	sum = workbook_add_worksheet(wb, "Summary");
	est = workbook_add_worksheet(wb, "Estimations");
	chg = workbook_add_worksheet(wb, "Changes");
	memset(&x, 0, sizeof(x));
	if (!sum || !est || !chg) {
		x.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		goto close;
	}
	/* Summary */
	x.ws = sum;
	worksheet_write_string(sum, 0, 0, "costctl morning report", bold);
	worksheet_write_string(sum, 0, 1, r->night, NULL);
	worksheet_write_string(sum, 1, 0, "pricebook before", NULL);
	worksheet_write_string(sum, 1, 1, r->old_sha[0] ? r->old_sha : "(none)", NULL);
	worksheet_write_string(sum, 2, 0, "pricebook after", NULL);
	worksheet_write_string(sum, 2, 1, r->new_sha, NULL);
	{
		/* the counts, as summary.md and report.json give them; the ingest's only when there was one */
		const struct {
			const char *label;
			double v;
			int shown;
		} rows[] = {
			{ "prices changed", (double)r->diff.changed, 1 },
			{ "prices added", (double)r->diff.added, 1 },
			{ "prices removed", (double)r->diff.removed, 1 },
			{ "estimations", (double)r->nest, 1 },
			{ "partial", (double)r->partial, 1 },
			{ "failed", (double)r->failed, 1 },
			{ NULL, 0, 0 }, /* row 9: the sanity gate's verdict */
			{ "orphan terms", (double)r->orphan_terms, r->has_ingest },
			{ "duplicate products", (double)r->duplicate_products, r->has_ingest },
			{ "conflicting prices", (double)r->conflicts, r->has_ingest },
			{ "unmatched Savings Plans rates", (double)r->plan_orphans, r->has_ingest },
		};
		size_t k;

		for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			if (rows[k].label && rows[k].shown) {
				worksheet_write_string(sum, (lxw_row_t)(3 + k), 0, rows[k].label, NULL);
				worksheet_write_number(sum, (lxw_row_t)(3 + k), 1, rows[k].v, NULL);
			}
	}
	if (r->gate_refused) {
		worksheet_write_string(sum, 9, 0, "not published (sanity gate)", bold);
		worksheet_write_string(sum, 9, 1, r->gate_why, NULL);
	}
	worksheet_set_column(sum, 0, 0, 28, NULL);
	worksheet_set_column(sum, 1, 1, 70, NULL);
	/* Estimations: numeric cells, one row each */
	for (i = 0; i < sizeof(ecols) / sizeof(ecols[0]); i++)
		worksheet_write_string(est, 0, (lxw_col_t)i, ecols[i], bold);
	for (i = 0; i < r->nest; i++) {
		const struct report_estimation *m = &r->est[i];
		lxw_row_t row = (lxw_row_t)i + 1;
		char d[40];

		worksheet_write_string(est, row, 0, m->id, NULL);
		if (m->project[0])
			worksheet_write_string(est, row, 1, m->project, NULL); /* a string, never a formula */
		if (m->old_monthly[0])
			worksheet_write_number(est, row, 2, mnum(m->old_monthly), money);
		if (m->new_monthly[0])
			worksheet_write_number(est, row, 3, mnum(m->new_monthly), money);
		delta(m->old_monthly, m->new_monthly, d, sizeof(d));
		if (d[0])
			worksheet_write_number(est, row, 4, mnum(d), money);
		if (d[0] && mnum(m->old_monthly) != 0)
			worksheet_write_number(est, row, 5, mnum(d) / mnum(m->old_monthly), pct);
		if (m->currency[0])
			worksheet_write_string(est, row, 6, m->currency, NULL);
		worksheet_write_string(est, row, 7, m->moved ? "yes" : "no", NULL);
		worksheet_write_string(est, row, 8, m->flagged ? "yes" : "no", NULL);
		if (m->attributed) {
			worksheet_write_number(est, row, 9, mnum(m->price_effect), money);
			worksheet_write_number(est, row, 10, mnum(m->requirement_effect), money);
			worksheet_write_number(est, row, 11, mnum(m->rule_effect), money);
		} else if (m->why_not[0]) {
			worksheet_write_string(est, row, 12, m->why_not, NULL);
		}
	}
	worksheet_freeze_panes(est, 1, 0);
	worksheet_autofilter(est, 0, 0, (lxw_row_t)(r->nest ? r->nest : 1), 12);
	worksheet_set_column(est, 0, 1, 24, NULL);
	worksheet_set_column(est, 2, 11, 14, NULL);
	worksheet_set_column(est, 12, 12, 40, NULL);
	/* Changes */
	for (i = 0; i < sizeof(ccols) / sizeof(ccols[0]); i++)
		worksheet_write_string(chg, 0, (lxw_col_t)i, ccols[i], bold);
	x.ws = chg;
	x.num = NULL;
	x.pct = pct;
	if (r->old_pb && r->new_pb && strcmp(r->old_sha, r->new_sha)) {
		struct diff_stats st;

		if ((ret = diff_run(r->old_pb, r->new_pb, xchange, &x, &st, err)))
			goto close;
	}
	if (x.left_out) {
		char note[160];

		snprintf(note, sizeof(note), "%llu more tier rows are in changes.csv (this sheet holds the first %u)",
			 (unsigned long long)x.left_out, XLSX_MAX_CHANGE_ROWS);
		worksheet_write_string(chg, x.row + 2, 0, note, bold);
	}
	worksheet_freeze_panes(chg, 1, 0);
	worksheet_autofilter(chg, 0, 0, x.row ? x.row : 1, 14);
	worksheet_set_column(chg, 0, 3, 16, NULL);
	worksheet_set_column(chg, 4, 4, 50, NULL);
	worksheet_set_column(chg, 5, 14, 14, NULL);
close:
	e = workbook_close(wb);
	if (!ret && (x.err || e))
		ret = cc_err_set(err, CC_EIO, "cannot write '%s': %s", tmp, lxw_strerror(x.err ? x.err : e));
	if (ret) {
		fs_temp_drop(tmp);
		return ret;
	}
	fs_temp_forget(tmp);
	return fs_sync_rename(tmp, path, NULL, err);
}

/* ------------------------------------------------------------ report.pdf */

struct rpdf {
	HPDF_Doc doc;
	HPDF_Page page;
	HPDF_Font reg, bold;
	float y;
	HPDF_STATUS error;
};

static void rpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
	struct rpdf *p = user;

	(void)detail;
	if (!p->error)
		p->error = code;
}

static void rtext(struct rpdf *p, HPDF_Font f, float size, float x, float y, const char *s)
{
	char clean[1024];

	docs_clean_text(s, clean, sizeof(clean));
	if (!clean[0])
		return;
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetRGBFill(p->page, 0.12f, 0.16f, 0.22f);
	HPDF_Page_SetFontAndSize(p->page, f, size);
	HPDF_Page_TextOut(p->page, x, y, clean);
	HPDF_Page_EndText(p->page);
}

static void rpage(struct rpdf *p)
{
	p->page = HPDF_AddPage(p->doc);
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->y = HPDF_Page_GetHeight(p->page) - 50;
}

/* n horizontal bars of signed values, each with its label and its text */
static void rbars(struct rpdf *p, const char *title, char (*labels)[96], const double *v, char (*texts)[48], size_t n)
{
	float x = 50, lw = 200, w = HPDF_Page_GetWidth(p->page) - 100 - lw - 70, mid = x + lw + w / 2;
	double max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		max = fabs(v[i]) > max ? fabs(v[i]) : max;
	if (p->y < 80 + 16 * (float)n)
		rpage(p);
	p->y -= 20;
	rtext(p, p->bold, 11, x, p->y, title);
	p->y -= 8;
	for (i = 0; i < n; i++) {
		float len = max > 0 ? (float)(fabs(v[i]) / max) * (w / 2) : 0;

		p->y -= 15;
		rtext(p, p->reg, 8, x, p->y + 2, labels[i]);
		if (v[i] >= 0)
			HPDF_Page_SetRGBFill(p->page, 0.84f, 0.24f, 0.2f); /* dearer */
		else
			HPDF_Page_SetRGBFill(p->page, 0.18f, 0.55f, 0.34f); /* cheaper */
		HPDF_Page_Rectangle(p->page, v[i] >= 0 ? mid : mid - len, p->y, len > 0.5f ? len : 0.5f, 10);
		HPDF_Page_Fill(p->page);
		rtext(p, p->reg, 8, x + lw + w + 6, p->y + 2, texts[i]);
	}
	HPDF_Page_SetRGBStroke(p->page, 0.6f, 0.6f, 0.6f);
	HPDF_Page_MoveTo(p->page, mid, p->y - 2);
	HPDF_Page_LineTo(p->page, mid, p->y + 15 * (float)n + 2);
	HPDF_Page_Stroke(p->page);
}

static int by_abs_delta(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);

	return (x < y) - (x > y);
}

static enum cc_code write_pdf(const char *dir, const struct report *r, const struct change_rows *rows, int quiet,
			      size_t moved, struct cc_err *err)
{
	struct rpdf p;
	char path[4200], tmp[4300], line[600];
	const char *reg = r->font_regular ? r->font_regular : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
	const char *bold = r->font_bold ? r->font_bold : "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
	const char *name;
	enum cc_code ret = CC_OK;
	HPDF_Date date;
	size_t i, n;

	memset(&p, 0, sizeof(p));
	snprintf(path, sizeof(path), "%s/report.pdf", dir);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-report.pdf", dir, (long)getpid());
	if (!(p.doc = HPDF_New(rpdf_error, &p)))
		return cc_err_set(err, CC_ENOMEM, "out of memory making report.pdf");
	HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
	HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "costctl");
	memset(&date, 0, sizeof(date));
	if (sscanf(r->night, "%4d-%2d-%2d", &date.year, &date.month, &date.day) == 3) {
		date.ind = 'Z';
		HPDF_SetInfoDateAttr(p.doc, HPDF_INFO_CREATION_DATE, date); /* the night's date: no clock */
	}
	HPDF_UseUTFEncodings(p.doc);
	HPDF_SetCurrentEncoder(p.doc, "UTF-8");
	if (!(name = HPDF_LoadTTFontFromFile(p.doc, reg, HPDF_TRUE)) || !(p.reg = HPDF_GetFont(p.doc, name, "UTF-8")) ||
	    !(name = HPDF_LoadTTFontFromFile(p.doc, bold, HPDF_TRUE)) || !(p.bold = HPDF_GetFont(p.doc, name, "UTF-8"))) {
		ret = cc_err_set(err, CC_EIO, "report.pdf: cannot load the fonts '%s', '%s'", reg, bold);
		goto out;
	}
	rpage(&p);
	snprintf(line, sizeof(line), "costctl morning report, %s", r->night);
	rtext(&p, p.bold, 18, 50, p.y, line);
	p.y -= 24;
	if (quiet) {
		rtext(&p, p.bold, 11, 50, p.y, r->diff.changed + r->diff.added + r->diff.removed ?
			     "A quiet night: prices changed, but no active estimation's total moved." :
			     "A quiet night: no price changed and no estimation moved.");
		p.y -= 18;
	}
	if (r->gate_refused) {
		rtext(&p, p.bold, 10, 50, p.y, "The new price list was not published (the sanity gate):");
		p.y -= 13;
		snprintf(line, sizeof(line), "%.160s", r->gate_why);
		cc_utf8_tail(line);
		rtext(&p, p.reg, 8, 50, p.y, line);
		p.y -= 16;
	}
	snprintf(line, sizeof(line), "pricebook %.12s -> %.12s;  prices: %llu changed, %llu added, %llu removed",
		 r->old_sha[0] ? r->old_sha : "(none)", r->new_sha, (unsigned long long)r->diff.changed,
		 (unsigned long long)r->diff.added, (unsigned long long)r->diff.removed);
	rtext(&p, p.reg, 9, 50, p.y, line);
	p.y -= 13;
	snprintf(line, sizeof(line), "estimations: %zu active, %zu moved, %u partial, %u failed; %u documents made", r->nest,
		 moved, r->partial, r->failed, r->documents);
	rtext(&p, p.reg, 9, 50, p.y, line);
	if (r->has_ingest) {
		p.y -= 13;
		snprintf(line, sizeof(line), "data quality: %llu orphan terms, %llu duplicate products, %llu conflicting prices",
			 (unsigned long long)r->orphan_terms, (unsigned long long)r->duplicate_products,
			 (unsigned long long)r->conflicts);
		if (r->plan_orphans)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ", %llu unmatched Savings Plans rates",
				 (unsigned long long)r->plan_orphans);
		rtext(&p, p.reg, 9, 50, p.y, line);
	}
	/* the failed estimations and why (the first ten; summary.md lists them all) */
	for (i = n = 0; i < r->nest && n < 10; i++) {
		char id60[61];

		if (!r->est[i].failed)
			continue;
		p.y -= 12;
		cc_copy(id60, sizeof(id60), r->est[i].id, strlen(r->est[i].id));
		snprintf(line, sizeof(line), "failed: %s: %.110s", id60,
			 r->est[i].why_not + (strncmp(r->est[i].why_not, "failed: ", 8) ? 0 : 8));
		cc_utf8_tail(line);
		rtext(&p, p.reg, 8, 50, p.y, line);
		n++;
	}
	p.y -= 6;
	/* the biggest estimation moves, in money */
	{
		char (*labels)[96] = calloc(10, sizeof(*labels)), (*texts)[48] = calloc(10, sizeof(*texts));
		double v[10];
		struct pair {
			double d;
			size_t i;
		} *order = calloc(r->nest ? r->nest : 1, sizeof(*order));

		n = 0;
		for (i = 0; order && i < r->nest; i++) {
			char d[40];

			delta(r->est[i].old_monthly, r->est[i].new_monthly, d, sizeof(d));
			if (r->est[i].moved && d[0]) {
				order[n].d = strtod(d, NULL);
				order[n++].i = i;
			}
		}
		if (order && n)
			qsort(order, n, sizeof(*order), by_abs_delta); /* the struct begins with its double */
		for (i = 0; labels && texts && i < n && i < 10; i++) {
			const struct report_estimation *e = &r->est[order[i].i];
			char d[40], id20[21], project24[25];

			delta(e->old_monthly, e->new_monthly, d, sizeof(d));
			cc_copy(id20, sizeof(id20), e->id, strlen(e->id));
			cc_copy(project24, sizeof(project24), e->project, strlen(e->project));
			snprintf(labels[i], sizeof(labels[i]), "%s %s", id20, project24);
			snprintf(texts[i], sizeof(texts[i]), "%s%.40s", d[0] == '-' ? "" : "+", d);
			v[i] = order[i].d;
		}
		if (labels && texts && n)
			rbars(&p, "The estimations that moved most (monthly total)", labels, v, texts, n < 10 ? n : 10);
		free(labels);
		free(texts);
		free(order);
	}
	/* the biggest price moves, in percent */
	if (rows->top_n) {
		char (*labels)[96] = calloc(10, sizeof(*labels)), (*texts)[48] = calloc(10, sizeof(*texts));
		double v[10];

		for (i = 0; labels && texts && i < rows->top_n; i++) {
			snprintf(labels[i], sizeof(labels[i]), "%.44s", rows->top[i].line);
			cc_utf8_tail(labels[i]);
			snprintf(texts[i], sizeof(texts[i]), "%+.2f%%", rows->top[i].pct);
			v[i] = rows->top[i].pct;
		}
		if (labels && texts)
			rbars(&p, "The biggest price moves", labels, v, texts, rows->top_n);
		free(labels);
		free(texts);
	}
	p.y -= 24;
	rtext(&p, p.reg, 8, 50, p.y, "The numbers are in estimations.csv, changes.csv, report.json and report.xlsx.");
	if (p.error) {
		ret = cc_err_set(err, CC_EIO, "report.pdf: libharu error 0x%04x", (unsigned)p.error);
		goto out;
	}
	fs_temp_add(tmp);
	if (HPDF_SaveToFile(p.doc, tmp) != HPDF_OK || p.error) {
		fs_temp_drop(tmp);
		ret = cc_err_set(err, CC_EIO, "cannot write '%s'", tmp);
		goto out;
	}
	fs_temp_forget(tmp);
	ret = fs_sync_rename(tmp, path, NULL, err);
out:
	HPDF_Free(p.doc);
	return ret;
}

/* A temp file in dir for `name`, to be committed by tmp_commit. */
static FILE *tmp_open(const char *dir, const char *name, char *tmp, size_t cap, struct cc_err *err)
{
	FILE *f;

	snprintf(tmp, cap, "%s/.tmp-%ld-%s", dir, (long)getpid(), name);
	if (!(f = fopen(tmp, "w"))) {
		cc_err_errno(err, errno, "cannot write '%s'", tmp);
		return NULL;
	}
	fs_temp_add(tmp);
	return f;
}

/* Closes f (synced) and renames it into place; on failure removes it. */
static enum cc_code tmp_commit(FILE *f, const char *tmp, const char *dir, const char *name, int ok, struct cc_err *err)
{
	char path[4200];
	int bad = !ok || fflush(f) || fsync(fileno(f));
	int e = errno;

	if (fclose(f))
		bad = 1, e = errno;
	if (bad) {
		fs_temp_drop(tmp);
		return ok ? cc_err_errno(err, e, "cannot write '%s'", tmp) : CC_OK;
	}
	fs_temp_forget(tmp);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fs_rename_durable(tmp, path, err);
}

/* Days from a publication time (YYYY-MM-DD...) to the night (YYYY-MM-DD); -1 when unreadable. */
static long days_since(struct pb_str published, const char *night)
{
	struct tm a, b;
	char buf[11];

	if (published.len < 10)
		return -1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memcpy(buf, published.p, 10);
	buf[10] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d", &a.tm_year, &a.tm_mon, &a.tm_mday) != 3 ||
	    sscanf(night, "%4d-%2d-%2d", &b.tm_year, &b.tm_mon, &b.tm_mday) != 3)
		return -1;
	a.tm_year -= 1900, a.tm_mon -= 1, b.tm_year -= 1900, b.tm_mon -= 1;
	return (long)((timegm(&b) - timegm(&a)) / 86400);
}

static int str_eq(struct pb_str a, struct pb_str b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* 1 when the old pricebook had offer `o` (same code and source) at another version, or not at all. */
static int offer_changed(const struct report *r, const struct pb_offer *o)
{
	size_t i;

	if (!r->old_pb || !strcmp(r->old_sha, r->new_sha))
		return 0;
	for (i = 0; i < pb_offer_count(r->old_pb); i++) {
		const struct pb_offer *q = pb_offer_at(r->old_pb, i);

		if (str_eq(q->code, o->code) && str_eq(q->source, o->source))
			return !str_eq(q->version, o->version);
	}
	return 1;
}

enum cc_code report_write(const char *dir, struct report *r, struct cc_err *err)
{
	struct buf md, est, js;
	struct change_rows rows;
	enum cc_code ret;
	size_t i, moved = 0, flagged = 0;
	int quiet;
	char tcsv[4300], tjson[4300];

	if ((ret = fs_mkdirs(dir, err)))
		return ret;
	buf_init(&md, (size_t)64 << 20);
	buf_init(&est, (size_t)256 << 20);
	buf_init(&js, (size_t)256 << 20);
	memset(&rows, 0, sizeof(rows));
	rows.rep = r;
	buf_init(&rows.scratch, (size_t)16 << 20);
	for (i = 0; i < r->nest; i++) {
		moved += r->est[i].moved;
		flagged += r->est[i].flagged;
	}
	quiet = !moved && !r->gate_refused && !r->failed && !r->partial;
	/* ---- report.json's head: everything before its changes */
	buf_adds(&js, "{\"night\":\"", r->night, "\",\"quiet\":", quiet ? "true" : "false", ",\"oldPricebook\":\"",
		 r->old_sha, "\",\"newPricebook\":\"", r->new_sha, "\",\"gateRefused\":", r->gate_refused ? "true" : "false",
		 NULL);
	buf_addf(&js, ",\"counts\":{\"active\":%zu,\"moved\":%zu,\"flagged\":%zu,\"partial\":%u,\"failed\":%u,"
		 "\"documents\":%u}", r->nest, moved, flagged, r->partial, r->failed, r->documents);
	/* data freshness: each offer file of the night's pricebook, its age and whether it changed tonight */
	if (r->has_ingest)
		buf_addf(&js, ",\"quality\":{\"orphanTerms\":%llu,\"duplicateProducts\":%llu,\"conflicts\":%llu,"
			 "\"unmatchedPlanRates\":%llu,\"partial\":%u,\"failed\":%u}", (unsigned long long)r->orphan_terms,
			 (unsigned long long)r->duplicate_products, (unsigned long long)r->conflicts,
			 (unsigned long long)r->plan_orphans, r->partial, r->failed);
	buf_addstr(&js, ",\"offers\":[");
	for (i = 0; r->new_pb && i < pb_offer_count(r->new_pb); i++) {
		const struct pb_offer *o = pb_offer_at(r->new_pb, i);
		long age = days_since(o->published, r->night);

		buf_addstr(&js, i ? ",{\"offer\":" : "{\"offer\":");
		buf_add_json_str(&js, o->code.p, o->code.len);
		buf_addstr(&js, ",\"source\":");
		buf_add_json_str(&js, o->source.p, o->source.len);
		buf_addstr(&js, ",\"version\":");
		buf_add_json_str(&js, o->version.p, o->version.len);
		buf_addstr(&js, ",\"published\":");
		buf_add_json_str(&js, o->published.p, o->published.len);
		if (age >= 0)
			buf_addf(&js, ",\"ageDays\":%ld", age);
		buf_addf(&js, ",\"changedTonight\":%s}", offer_changed(r, o) ? "true" : "false");
	}
	buf_addstr(&js, "],\"estimations\":[");
	for (i = 0; i < r->nest; i++) {
		const struct report_estimation *e = &r->est[i];
		char d[40];

		delta(e->old_monthly, e->new_monthly, d, sizeof(d));
		buf_addstr(&js, i ? ",{\"id\":" : "{\"id\":");
		buf_add_json_str(&js, e->id, strlen(e->id));
		buf_adds(&js, ",\"oldMonthly\":", e->old_monthly[0] ? e->old_monthly : "null", ",\"newMonthly\":",
			 e->new_monthly[0] ? e->new_monthly : "null", ",\"delta\":", d[0] ? d : "null", ",\"moved\":",
			 e->moved ? "true" : "false", ",\"flagged\":", e->flagged ? "true" : "false", NULL);
		if (e->attributed)
			buf_adds(&js, ",\"priceEffect\":", e->price_effect, ",\"requirementEffect\":", e->requirement_effect,
				 ",\"ruleEffect\":", e->rule_effect, NULL);
		buf_addch(&js, '}');
	}
	buf_addstr(&js, "],\"changes\":[");
	if (js.len + 16 > js.cap) {
		ret = cc_err_set(err, CC_ENOMEM, "the report is too large");
		goto out;
	}
	/* ---- changes.csv and report.json, streamed through one diff pass */
	if (!(rows.csv = tmp_open(dir, "changes.csv", tcsv, sizeof(tcsv), err))) {
		ret = err ? err->code : CC_EIO;
		goto out;
	}
	if (!(rows.json = tmp_open(dir, "report.json", tjson, sizeof(tjson), err))) {
		ret = err ? err->code : CC_EIO;
		tmp_commit(rows.csv, tcsv, dir, "changes.csv", 0, NULL);
		goto out;
	}
	fputs(diff_csv_header(), rows.csv);
	fwrite(js.buf, 1, js.len, rows.json);
	/* the one pass over both pricebooks: the changes, and their counts for every file */
	memset(&r->diff, 0, sizeof(r->diff));
	if (r->old_pb && r->new_pb && strcmp(r->old_sha, r->new_sha)) {
		ret = diff_run(r->old_pb, r->new_pb, on_change, &rows, &r->diff, err);
		if (!ret && rows.failed)
			ret = cc_err_set(err, CC_EIO, "cannot write the price changes in '%s'", dir);
	}
	fprintf(rows.json, "],\"prices\":{\"changed\":%llu,\"added\":%llu,\"removed\":%llu,\"unchanged\":%llu}}\n",
		(unsigned long long)r->diff.changed, (unsigned long long)r->diff.added,
		(unsigned long long)r->diff.removed, (unsigned long long)r->diff.unchanged);
	{
		enum cc_code r1 = tmp_commit(rows.csv, tcsv, dir, "changes.csv", !ret, err);
		enum cc_code r2 = tmp_commit(rows.json, tjson, dir, "report.json", !ret && !r1, err);

		if (!ret)
			ret = r1 ? r1 : r2;
	}
	if (ret)
		goto out;
	/* ---- estimations.csv */
	buf_addstr(&est, "estimation,project,old_monthly,new_monthly,delta,delta_pct,currency,moved,flagged,failed,"
		   "price_effect,requirement_effect,rule_effect,attribution\n");
	for (i = 0; i < r->nest; i++) {
		const struct report_estimation *e = &r->est[i];
		char d[40], p[40];

		delta(e->old_monthly, e->new_monthly, d, sizeof(d));
		delta_pct(e->old_monthly, e->new_monthly, p, sizeof(p));
		csv_text(&est, e->id);
		buf_addch(&est, ',');
		csv_text(&est, e->project);
		buf_adds(&est, ",", e->old_monthly, ",", e->new_monthly, ",", d, ",", p, ",", e->currency, ",",
			 e->moved ? "yes" : "no", ",", e->flagged ? "yes" : "no", ",", e->failed ? "yes" : "no", ",",
			 e->attributed ? e->price_effect : "", ",", e->attributed ? e->requirement_effect : "", ",",
			 e->attributed ? e->rule_effect : "", ",", NULL);
		csv_text(&est, e->attributed ? "" : e->why_not);
		buf_addch(&est, '\n');
	}
	/* ---- summary.md */
	buf_adds(&md, "# costctl morning report, ", r->night, "\n\n", NULL);
	if (quiet)
		buf_adds(&md, "**A quiet night:** ", r->diff.changed + r->diff.added + r->diff.removed ?
			 "prices changed, but no active estimation's total moved." :
			 "no price changed and no estimation moved.", "\n\n", NULL);
	if (r->gate_refused) {
		buf_addstr(&md, "**The new price list was not published** (the sanity gate): ");
		md_text(&md, r->gate_why);
		buf_addstr(&md, ". Yesterday's prices stay current.\n\n");
	}
	buf_addf(&md, "- pricebook: `%.12s` -> `%.12s`\n", r->old_sha[0] ? r->old_sha : "(none)", r->new_sha);
	if (!strcmp(r->old_sha, r->new_sha))
		buf_addstr(&md, "- prices: no new pricebook tonight\n");
	else
		buf_addf(&md, "- prices: %llu changed, %llu added, %llu removed (%llu unchanged)\n",
			 (unsigned long long)r->diff.changed, (unsigned long long)r->diff.added,
			 (unsigned long long)r->diff.removed, (unsigned long long)r->diff.unchanged);
	buf_addf(&md, "- estimations: %zu active, %zu moved, %zu flagged (at least $%.2f or %.1f%%), %u partial, "
		 "%u failed; %u documents made\n", r->nest, moved, flagged, r->flag_usd, r->flag_percent, r->partial,
		 r->failed, r->documents);
	if (r->has_ingest)
		buf_addf(&md, "- data quality: %llu orphan term%s (a price whose SKU has no product: not priced), %llu "
			 "duplicate product%s, %llu conflicting price%s\n",
			 (unsigned long long)r->orphan_terms, r->orphan_terms == 1 ? "" : "s",
			 (unsigned long long)r->duplicate_products, r->duplicate_products == 1 ? "" : "s",
			 (unsigned long long)r->conflicts, r->conflicts == 1 ? "" : "s");
	if (r->has_ingest && r->plan_orphans)
		buf_addf(&md, "- %llu Savings Plans rate%s discount a SKU that is in no offer: never used to price a line\n",
			 (unsigned long long)r->plan_orphans, r->plan_orphans == 1 ? "" : "s");
	buf_addch(&md, '\n');
	if (rows.top_n) {
		buf_addstr(&md, "## The biggest price moves\n\n| move | price |\n|---:|---|\n");
		for (i = 0; i < rows.top_n; i++) {
			buf_addf(&md, "| %+.2f%% | ", rows.top[i].pct);
			md_text(&md, rows.top[i].line);
			buf_addstr(&md, " |\n");
		}
		buf_addch(&md, '\n');
	}
	if (rows.ngroups) {
		buf_addstr(&md, "## Prices by service and region\n\n| service and region | changed | added | removed |\n"
			   "|---|---:|---:|---:|\n");
		for (i = 0; i < rows.ngroups; i++) {
			buf_addstr(&md, "| ");
			md_text(&md, rows.groups[i].name);
			buf_addf(&md, " | %llu | %llu | %llu |\n", (unsigned long long)rows.groups[i].changed,
				 (unsigned long long)rows.groups[i].added, (unsigned long long)rows.groups[i].removed);
		}
		buf_addch(&md, '\n');
	}
	if (rows.nnewold) {
		int pass;

		buf_addstr(&md, "## New and retired prices (those an estimation was priced with first)\n\n"
			   "| | price | in an estimation |\n|---|---|---|\n");
		for (pass = 1; pass >= 0; pass--)
			for (i = 0; i < rows.nnewold; i++) {
				if (rows.newold[i].used != pass)
					continue;
				buf_addstr(&md, rows.newold[i].added ? "| new | " : "| retired | ");
				md_text(&md, rows.newold[i].line);
				buf_addstr(&md, pass ? " | **yes** |\n" : " | |\n");
			}
		if (rows.more_newold)
			buf_addf(&md, "| | and %zu more (changes.csv) | |\n", rows.more_newold);
		buf_addch(&md, '\n');
	}
	if (moved) {
		buf_addstr(&md, "## Estimations that moved\n\n| estimation | project | monthly before | after | change |"
			   " prices | requirements | rules |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
		for (i = 0; i < r->nest; i++) {
			const struct report_estimation *e = &r->est[i];
			char d[40], p[40];

			if (!e->moved)
				continue;
			delta(e->old_monthly, e->new_monthly, d, sizeof(d));
			delta_pct(e->old_monthly, e->new_monthly, p, sizeof(p));
			buf_addstr(&md, "| ");
			md_text(&md, e->id);
			buf_addstr(&md, e->flagged ? " **(flagged)** | " : " | ");
			md_text(&md, e->project);
			buf_adds(&md, " | ", e->old_monthly[0] ? e->old_monthly : "-", " | ", e->new_monthly, " | ", d,
				 p[0] ? " (" : "", p, p[0] ? "%)" : "", NULL);
			if (e->attributed) {
				buf_adds(&md, " | ", e->price_effect, " | ", e->requirement_effect, " | ", e->rule_effect, " |\n",
					 NULL);
			} else {
				buf_addstr(&md, " | ");
				md_text(&md, e->why_not);
				buf_addstr(&md, " | | |\n");
			}
		}
		buf_addch(&md, '\n');
	}
	if (r->failed) {
		size_t nf = 0;

		for (i = 0; i < r->nest; i++) {
			const struct report_estimation *e = &r->est[i];

			if (!e->failed)
				continue;
			if (!nf++)
				buf_addstr(&md, "## Estimations that failed (their last calculation stands)\n\n"
					   "| estimation | project | why |\n|---|---|---|\n");
			buf_addstr(&md, "| ");
			md_text(&md, e->id);
			buf_addstr(&md, " | ");
			md_text(&md, e->project);
			buf_addstr(&md, " | ");
			md_text(&md, e->why_not + (strncmp(e->why_not, "failed: ", 8) ? 0 : 8));
			buf_addstr(&md, " |\n");
		}
		if (nf)
			buf_addch(&md, '\n');
	}
	if (r->new_pb) {
		buf_addstr(&md, "## Price lists (data freshness)\n\n| offer | version | published | days old | tonight |\n"
			   "|---|---|---|---:|---|\n");
		for (i = 0; i < pb_offer_count(r->new_pb); i++) {
			const struct pb_offer *o = pb_offer_at(r->new_pb, i), *q = i ? pb_offer_at(r->new_pb, i - 1) : NULL;
			long age = days_since(o->published, r->night);
			int changed = offer_changed(r, o);
			size_t k;

			if (q && str_eq(q->code, o->code) && str_eq(q->version, o->version))
				continue; /* one line an offer version, however many regions */
			for (k = i + 1; !changed && k < pb_offer_count(r->new_pb); k++) {
				const struct pb_offer *n = pb_offer_at(r->new_pb, k);

				if (!str_eq(n->code, o->code) || !str_eq(n->version, o->version))
					break;
				changed = offer_changed(r, n);
			}
			buf_addf(&md, "| %.*s | %.*s | %.*s | ", (int)o->code.len, o->code.p, (int)o->version.len,
				 o->version.p, (int)o->published.len, o->published.p);
			if (age >= 0)
				buf_addf(&md, "%ld", age);
			buf_addstr(&md, changed ? " | **new version** |\n" : " | |\n");
		}
		buf_addch(&md, '\n');
	}
	buf_addstr(&md, "Files: estimations.csv, changes.csv, report.json, report.xlsx, report.pdf.\n");
	if (md.len + 16 > md.cap || est.len + 16 > est.cap) {
		ret = cc_err_set(err, CC_ENOMEM, "the report is too large");
		goto out;
	}
	if ((ret = put_file(dir, "estimations.csv", &est, err)) || (ret = write_xlsx(dir, r, err)) ||
	    (ret = write_pdf(dir, r, &rows, quiet, moved, err)))
		goto out;
	ret = put_file(dir, "summary.md", &md, err); /* last: its presence says the report is whole */
out:
	buf_release(&md);
	buf_release(&est);
	buf_release(&js);
	buf_release(&rows.scratch);
	return ret;
}

/* ------------------------------------------------------------ building a night's report */

static void flag(struct report *r, struct report_estimation *e)
{
	double o, n;

	e->moved = strcmp(e->old_monthly, e->new_monthly) != 0;
	e->flagged = 0;
	if (!e->moved || !e->old_monthly[0] || !e->new_monthly[0])
		return;
	o = strtod(e->old_monthly, NULL);
	n = strtod(e->new_monthly, NULL);
	e->flagged = n - o >= r->flag_usd || o - n >= r->flag_usd ||
		     (o > 0 && (100.0 * (n - o) / o >= r->flag_percent || 100.0 * (o - n) / o >= r->flag_percent));
}

/* The pricebook whose file name carries `sha`'s first 12 digits (pbstore.h's naming), or NULL. */
static enum cc_code open_by_sha(const char *state, const char *sha, struct pb_reader **out, struct cc_err *err)
{
	char dir[4200], path[4500], want[20];
	DIR *d;
	struct dirent *de;
	enum cc_code ret = CC_OK;

	*out = NULL;
	if (strlen(sha) < 12)
		return CC_OK;
	snprintf(dir, sizeof(dir), "%s/pricebooks", state);
	snprintf(want, sizeof(want), "-%.12s.cpb", sha);
	if (!(d = opendir(dir)))
		return CC_OK;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > strlen(want) && !strncmp(de->d_name, "pb-", 3) && !strcmp(de->d_name + n - strlen(want), want)) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			ret = pb_open(out, path, err);
			break;
		}
	}
	closedir(d);
	return ret;
}

struct est_list {
	struct report_estimation *v;
	size_t n, alloc;
	int oom;
};

static int active_cb(void *user, const char *json, size_t len)
{
	struct est_list *l = user;
	char why[128];
	yajl_val m = json_parse(json, len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *id = json_get_str(m, "EstimationId"), *p = json_get_str(m, "ProjectName");

	if (id && strlen(id) < sizeof(l->v[0].id)) {
		if (l->n == l->alloc) {
			size_t a = l->alloc ? l->alloc * 2 : 256;
			struct report_estimation *v = realloc(l->v, a * sizeof(*v));

			if (!v) {
				l->oom = 1;
				yajl_tree_free(m);
				return 1;
			}
			l->v = v;
			l->alloc = a;
		}
		memset(&l->v[l->n], 0, sizeof(l->v[0]));
		snprintf(l->v[l->n].id, sizeof(l->v[0].id), "%s", id);
		snprintf(l->v[l->n].project, sizeof(l->v[0].project), "%.190s", p ? p : "");
		fit_text(l->v[l->n].project);
		l->n++;
	}
	yajl_tree_free(m);
	return 0;
}

struct calc_pick {
	const char *begin, *end; /* the night: [begin, end] */
	struct report_estimation *e;
	int have_new, have_old;
};

static void money_text(yajl_val calc, char *out, size_t cap)
{
	const char *t = json_get_num(calc, "TotalMonthlyCost");
	struct dec d;

	out[0] = '\0';
	if (t && !dec_parse(t, strlen(t), &d))
		dec_format(dec_round(d, 2), 2, out, cap);
}

/* a copy of a calculation item, for report_attribute */
static void keep(struct buf **b, const char *json, size_t len)
{
	if (!*b && (*b = malloc(sizeof(**b))))
		buf_init(*b, (size_t)8 << 20);
	if (*b) {
		buf_reset(*b);
		if (buf_add(*b, json, len))
			buf_reset(*b);
	}
}

/* newest first: the first at or before the night's end is new; the first before its start is old */
static int calc_cb(void *user, const char *json, size_t len)
{
	struct calc_pick *p = user;
	char why[128];
	yajl_val c = json_parse(json, len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *at = json_get_str(c, "CalculatedAt"), *cur = json_get_str(c, "Currency");

	if (at) {
		if (!p->have_new && strcmp(at, p->end) <= 0) {
			money_text(c, p->e->new_monthly, sizeof(p->e->new_monthly));
			snprintf(p->e->currency, sizeof(p->e->currency), "%.7s", cur ? cur : "");
			p->have_new = 1;
			keep(&p->e->new_calc, json, len);
		}
		if (!p->have_old && strcmp(at, p->begin) < 0) {
			money_text(c, p->e->old_monthly, sizeof(p->e->old_monthly));
			p->have_old = 1;
			keep(&p->e->old_calc, json, len);
		}
	}
	yajl_tree_free(c);
	return p->have_new && p->have_old; /* both found: stop */
}

struct failures {
	struct est_list *l;
	unsigned failed, partial;
};

/* An audit item of the night: a failed estimation gets its reason, a partial one is counted. */
static int failure_cb(void *user, const char *json, size_t len)
{
	struct failures *f = user;
	char why[128];
	yajl_val a = json_parse(json, len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *action = json_get_str(a, "Action"), *id = json_get_str(a, "ResourceId");
	const char *result = json_get_str(a, "Result");
	size_t i;

	if (action && id && !strcmp(action, "ESTIMATION_RECALCULATION_FAILED")) {
		const char *e = json_get_str(json_get(a, "Details"), "Error");

		for (i = 0; i < f->l->n; i++)
			if (!strcmp(f->l->v[i].id, id) && !f->l->v[i].failed) {
				f->l->v[i].failed = 1;
				f->failed++;
				snprintf(f->l->v[i].why_not, sizeof(f->l->v[i].why_not), "failed: %.150s", e ? e : "?");
				fit_text(f->l->v[i].why_not);
			}
	} else if (action && result && !strcmp(action, "ESTIMATION_RECALCULATED") && !strcmp(result, "PARTIAL")) {
		f->partial++;
	}
	yajl_tree_free(a);
	return 0;
}

/*
 * The night's failed estimations, each with the reason its audit item
 * gives; a night whose pricing was sharded (nightly --no-recalc) recorded
 * no counts, so they are taken from the audit items too.
 */
static enum cc_code night_failures(struct store *s, const char *begin, const char *end, struct est_list *l,
				   struct report *r, struct cc_err *err)
{
	const struct store_pattern *p = store_pattern_find("audit-by-user");
	const char *args[3] = { "costctl", begin, end };
	struct failures f = { l, 0, 0 };
	enum cc_code ret = store_pattern_all(s, p, args, 3, failure_cb, &f, err);

	if (!ret) {
		if (f.failed > r->failed)
			r->failed = f.failed;
		if (f.partial > r->partial)
			r->partial = f.partial;
	}
	return ret;
}

enum cc_code report_build(struct store *s, const char *state, const char *night, struct report *r,
			  struct cc_err *err)
{
	char pk[64], sk[80], why[160], begin[32], end[32];
	struct buf item, next, cur;
	struct est_list l = { 0 };
	yajl_val a = NULL, det, pb, rc;
	enum cc_code ret;
	int found;
	size_t i;

	snprintf(r->night, sizeof(r->night), "%.10s", night);
	buf_init(&item, 1 << 20);
	buf_init(&next, 1 << 20);
	buf_init(&cur, 1 << 20);
	snprintf(pk, sizeof(pk), "AUDIT#%s", r->night);
	snprintf(sk, sizeof(sk), "LOG#costctl#nightly#%s", r->night);
	if ((ret = store_get(s, pk, sk, &item, &found, err)))
		goto out;
	if (!found) {
		ret = cc_err_set(err, CC_ENOTFOUND, "no nightly run is recorded for %s (no %s / %s item)", r->night, pk, sk);
		goto out;
	}
	a = json_parse(item.buf, item.len, STORE_MAX_DEPTH, why, sizeof(why));
	det = json_get(a, "Details");
	pb = json_get(det, "Pricebook");
	rc = json_get(det, "Recalc");
	snprintf(r->old_sha, sizeof(r->old_sha), "%.64s", json_get_str(pb, "Before") ? json_get_str(pb, "Before") : "");
	snprintf(r->new_sha, sizeof(r->new_sha), "%.64s", json_get_str(pb, "After") ? json_get_str(pb, "After") : "");
	r->gate_refused = json_get(pb, "GateRefused") && YAJL_IS_TRUE(json_get(pb, "GateRefused"));
	if (r->gate_refused)
		snprintf(r->gate_why, sizeof(r->gate_why), "%.500s",
			 json_get_str(det, "GateWhy") ? json_get_str(det, "GateWhy") : "refused");
	fit_text(r->gate_why);
	r->partial = (unsigned)strtoul(json_get_num(rc, "Partial") ? json_get_num(rc, "Partial") : "0", NULL, 10);
	r->failed = (unsigned)strtoul(json_get_num(rc, "Failed") ? json_get_num(rc, "Failed") : "0", NULL, 10);
	r->documents = (unsigned)strtoul(json_get_num(rc, "Documents") ? json_get_num(rc, "Documents") : "0", NULL, 10);
	{
		yajl_val ing = json_get(det, "Ingest");
		const char *v;

		r->has_ingest = ing != NULL;
		r->orphan_terms = (v = json_get_num(ing, "OrphanTerms")) ? strtoull(v, NULL, 10) : 0;
		r->duplicate_products = (v = json_get_num(ing, "DuplicateProducts")) ? strtoull(v, NULL, 10) : 0;
		r->conflicts = (v = json_get_num(ing, "Conflicts")) ? strtoull(v, NULL, 10) : 0;
		r->plan_orphans = (v = json_get_num(ing, "UnmatchedPlanRates")) ? strtoull(v, NULL, 10) : 0;
	}
	/* the pricebooks, while they are kept (pricebook.keep) */
	if ((ret = open_by_sha(state, r->new_sha, &r->own_new, err)))
		goto out;
	if (strcmp(r->old_sha, r->new_sha) && (ret = open_by_sha(state, r->old_sha, &r->own_old, err)))
		goto out;
	r->new_pb = r->own_new;
	r->old_pb = r->own_old;
	/* every active estimation, its totals before the night and at its end */
	for (;;) {
		ret = store_pattern_run(s, store_pattern_find("active-estimations"), NULL, 0, 1000,
					cur.len ? cur.buf : NULL, active_cb, &l, &next, err);
		if (ret || !next.len || l.oom)
			break;
		buf_reset(&cur);
		buf_add(&cur, next.buf, next.len);
	}
	if (!ret && l.oom)
		ret = cc_err_set(err, CC_ENOMEM, "out of memory listing estimations");
	if (ret)
		goto out;
	snprintf(begin, sizeof(begin), "%sT00:00:00Z", r->night);
	snprintf(end, sizeof(end), "%sT23:59:59Z", r->night);
	for (i = 0; i < l.n; i++) {
		struct calc_pick p = { begin, end, &l.v[i], 0, 0 };
		const char *args[1] = { l.v[i].id };

		buf_reset(&next);
		if ((ret = store_pattern_run(s, store_pattern_find("calculations"), args, 1, 0, NULL, calc_cb, &p, &next,
					     err)))
			goto out;
		flag(r, &l.v[i]);
	}
	if ((ret = night_failures(s, begin, end, &l, r, err)))
		goto out;
	r->est = l.v;
	r->nest = l.n;
	r->own_est = 1;
	l.v = NULL;
	ret = report_attribute(s, state, r, err);
out:
	free(l.v);
	yajl_tree_free(a);
	buf_release(&item);
	buf_release(&next);
	buf_release(&cur);
	return ret;
}

void report_release(struct report *r)
{
	size_t i;

	pb_close(r->own_old);
	pb_close(r->own_new);
	for (i = 0; r->own_est && i < r->nest; i++) {
		if (r->est[i].old_calc) {
			buf_release(r->est[i].old_calc);
			free(r->est[i].old_calc);
		}
		if (r->est[i].new_calc) {
			buf_release(r->est[i].new_calc);
			free(r->est[i].new_calc);
		}
	}
	if (r->own_est)
		free(r->est);
	r->own_old = r->own_new = NULL;
	r->est = NULL;
	r->nest = 0;
	r->own_est = 0;
}

/* ------------------------------------------------------------ why each estimation moved */

/* The rules a calculation recorded (Provenance.Configuration), as the engine's. */
static enum cc_code rules_of(yajl_val calc, struct calc_config **out, struct cc_err *err)
{
	yajl_val conf = json_get(json_get(calc, "Provenance"), "Configuration");
	struct cfg *c = cfg_new();
	enum cc_code ret = CC_OK;
	size_t i;

	*out = NULL;
	if (!c)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (i = 0; conf && YAJL_IS_OBJECT(conf) && i < conf->u.object.len && !ret; i++) {
		yajl_val v = conf->u.object.values[i];

		if (YAJL_IS_STRING(v))
			ret = cfg_set(c, conf->u.object.keys[i], v->u.string, "a recorded calculation", err);
		else if (YAJL_IS_NUMBER(v))
			ret = cfg_set(c, conf->u.object.keys[i], v->u.number.r, "a recorded calculation", err);
	}
	if (!ret)
		ret = calc_config_load(c, out, err);
	cfg_free(c);
	return ret;
}

/* The monthly total of one calculation, as money text. */
static enum cc_code price_with(const struct calc_config *cc, const struct pb_reader *pb, const char *sha,
			       const char *id, const struct recalc_inputs *ri, const char *at, char *out, size_t cap,
			       struct cc_err *err)
{
	struct calc_input in;
	struct calc_result r;
	enum cc_code ret;

	recalc_input(&in, id, ri, at, NULL, sha);
	in.no_table = 1;
	calc_result_init(&r);
	ret = calc_estimation(cc, pb, &in, &r, err);
	if (!ret)
		dec_format(r.monthly, 2, out, cap);
	calc_result_release(&r);
	return ret;
}

static void sub_text(const char *a, const char *b, char *out, size_t cap)
{
	delta(b, a, out, cap); /* a - b */
}

/* The pricebooks report_attribute has open, by SHA-256: most estimations share the night's two. */
struct pb_cache {
	char sha[4][65];
	struct pb_reader *pb[4];
	size_t n;
};

static const struct pb_reader *cached_pb(struct pb_cache *c, const char *state, const char *sha)
{
	struct cc_err soft = { 0 };
	struct pb_reader *r = NULL;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->sha[i], sha))
			return c->pb[i];
	if (open_by_sha(state, sha, &r, &soft) || !r)
		return NULL;
	if (c->n == 4) { /* the oldest out */
		pb_close(c->pb[0]);
		memmove(&c->pb[0], &c->pb[1], 3 * sizeof(c->pb[0]));
		memmove(&c->sha[0], &c->sha[1], 3 * sizeof(c->sha[0]));
		c->n--;
	}
	snprintf(c->sha[c->n], sizeof(c->sha[0]), "%.64s", sha);
	c->pb[c->n++] = r;
	return r;
}

static enum cc_code attribute_one(struct store *s, const char *state, struct pb_cache *cache,
				  struct report_estimation *e, struct cc_err *err)
{
	char why[128], n1[32], x[32], y[32];
	yajl_val nc = json_parse(e->new_calc->buf, e->new_calc->len, STORE_MAX_DEPTH, why, sizeof(why));
	yajl_val oc = json_parse(e->old_calc->buf, e->old_calc->len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *nsha = json_get_str(json_get(nc, "Provenance"), "PricebookSha256");
	const char *osha = json_get_str(json_get(oc, "Provenance"), "PricebookSha256");
	const char *nat = json_get_str(nc, "CalculatedAt"), *oat = json_get_str(oc, "CalculatedAt");
	struct calc_config *c1 = NULL, *c0 = NULL;
	const struct pb_reader *p1 = NULL, *p0 = NULL;
	struct recalc_inputs ri;
	struct cc_err soft = { 0 };
	enum cc_code ret = CC_OK;

	recalc_inputs_init(&ri);
	if (!nsha || !osha || !nat || !oat || !json_get(json_get(oc, "Provenance"), "Configuration")) {
		snprintf(e->why_not, sizeof(e->why_not), "the earlier calculation was not made by costctl");
		goto out;
	}
	if (!(p1 = cached_pb(cache, state, nsha)) || !(p0 = cached_pb(cache, state, osha))) {
		snprintf(e->why_not, sizeof(e->why_not), "a pricebook is no longer kept (pricebook.keep)");
		goto out;
	}
	if (rules_of(nc, &c1, &soft) || rules_of(oc, &c0, &soft)) {
		snprintf(e->why_not, sizeof(e->why_not), "the recorded rules cannot be read: %.100s", soft.msg);
		fit_text(e->why_not);
		goto out;
	}
	if ((ret = recalc_load(s, e->id, NULL, &ri, err)))
		goto out;
	/* the requirements as they are must still give the new total */
	if (price_with(c1, p1, nsha, e->id, &ri, nat, n1, sizeof(n1), &soft) || strcmp(n1, e->new_monthly)) {
		snprintf(e->why_not, sizeof(e->why_not), "the estimation was edited since the night");
		goto out;
	}
	if (price_with(c1, p0, osha, e->id, &ri, nat, x, sizeof(x), &soft) ||
	    price_with(c0, p0, osha, e->id, &ri, oat, y, sizeof(y), &soft)) {
		snprintf(e->why_not, sizeof(e->why_not), "cannot price it again: %.100s", soft.msg);
		fit_text(e->why_not);
		goto out;
	}
	sub_text(e->new_monthly, x, e->price_effect, sizeof(e->price_effect));
	sub_text(x, y, e->rule_effect, sizeof(e->rule_effect));
	sub_text(y, e->old_monthly, e->requirement_effect, sizeof(e->requirement_effect));
	e->attributed = 1;
out:
	recalc_inputs_release(&ri);
	calc_config_free(c1);
	calc_config_free(c0);
	yajl_tree_free(nc);
	yajl_tree_free(oc);
	return ret;
}

enum cc_code report_attribute(struct store *s, const char *state, struct report *r, struct cc_err *err)
{
	struct pb_cache cache;
	enum cc_code ret = CC_OK;
	size_t i;

	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < r->nest; i++) {
		struct report_estimation *e = &r->est[i];

		if (!e->moved)
			continue;
		if (!e->old_calc || !e->new_calc || !e->old_calc->len || !e->new_calc->len) {
			snprintf(e->why_not, sizeof(e->why_not), "no earlier calculation");
			continue;
		}
		if ((ret = attribute_one(s, state, &cache, e, err)))
			break;
	}
	for (i = 0; i < cache.n; i++)
		pb_close(cache.pb[i]);
	return ret;
}
