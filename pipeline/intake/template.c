/*
 * The requirements template: a README sheet, one sheet per section (a
 * label row, the header row of the seed's field names, two example rows
 * marked in the Example column), data validation from the same lists the
 * import checks against (kept on a hidden Lists sheet), frozen headers.
 * Every name and every validation text is costctl's own ASCII
 * (libxlsxwriter 1.1.4 validates neither: findings section 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "pipeline/core/fsutil.h"
#include "pipeline/intake/intake.h"
#include "pipeline/intake/intake_int.h"

#include "pipeline/core/banned.h"

#define DATA_ROWS 500 /* rows under the header that carry the validation */
#define LIST_MAX 64   /* values in a dropdown (libxlsxwriter#512: 256 overflow) */

struct tw {
	lxw_workbook *wb;
	lxw_format *label, *header, *example, *text, *wrap, *title;
	lxw_error err;
	char (*regions)[32];
	size_t nregions;
	unsigned list_col[L_NLISTS]; /* the Lists sheet's column of each list */
	size_t list_len[L_NLISTS];
};

#define X(t, call)                                 \
	do {                                       \
		lxw_error e_ = (call);             \
		if (e_ && !(t)->err)               \
			(t)->err = e_;             \
	} while (0)

static void col_name(unsigned col, char out[8])
{
	if (col < 26)
		snprintf(out, 8, "%c", 'A' + col);
	else
		snprintf(out, 8, "%c%c", 'A' + col / 26 - 1, 'A' + col % 26);
}

static void write_lists(struct tw *t)
{
	lxw_worksheet *ws = workbook_add_worksheet(t->wb, "Lists");
	static const char *const names[L_NLISTS] = { NULL, "OS", "SuggestedAWSService", "AccessPattern",
						     "Engine", "PricingModel", "ScalingType", "Environment",
						     "Criticality", "Region", "YesNo" };
	unsigned l, col = 0;
	size_t i;
	const char *v;

	if (!ws) {
		t->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		return;
	}
	for (l = 1; l < L_NLISTS; l++) {
		t->list_col[l] = col;
		X(t, worksheet_write_string(ws, 0, (lxw_col_t)col, names[l], t->header));
		for (i = 0; (v = intake_list_at(l, i, t->regions, t->nregions)); i++)
			X(t, worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)col, v, NULL));
		t->list_len[l] = i;
		X(t, worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, 30, NULL));
		col++;
	}
	worksheet_hide(ws);
}

static void validation(struct tw *t, lxw_worksheet *ws, unsigned col, unsigned first, unsigned last,
		       const struct intake_field *f)
{
	lxw_data_validation dv;
	char formula[96], c[8], msg[256], title[33], *values[LIST_MAX + 1];

	memset(&dv, 0, sizeof(dv));
	snprintf(title, sizeof(title), "%.32s", f->name);
	dv.input_title = title;
	if (f->type == F_ENUM || f->type == F_BOOL || f->type == F_REGIONS) {
		size_t n = t->list_len[f->list], i, chars = 0;

		if (!n)
			return;
		for (i = 0; i < n; i++)
			chars += strlen(intake_list_at(f->list, i, t->regions, t->nregions)) + 1;
		if (chars <= 255 && n <= LIST_MAX) {
			/* a dropdown of the values themselves (Excel's limit: 255 characters) */
			for (i = 0; i < n; i++)
				values[i] = (char *)intake_list_at(f->list, i, t->regions, t->nregions);
			values[n] = NULL;
			dv.validate = LXW_VALIDATION_TYPE_LIST;
			dv.value_list = values;
		} else if (f->type == F_REGIONS) {
			return; /* too many regions to list; the import checks them */
		} else {
			/*
			 * A longer list: checked against the Lists sheet. (Not a
			 * LIST_FORMULA dropdown: libxlsxwriter 1.1.4 leaks its formula.)
			 */
			char here[16];

			col_name(t->list_col[f->list], c);
			col_name(col, here);
			snprintf(formula, sizeof(formula), "=COUNTIF(Lists!$%s$2:$%s$%zu,%s%u)>0", c, c, n + 1, here,
				 first + 1);
			dv.validate = LXW_VALIDATION_TYPE_CUSTOM_FORMULA;
			dv.value_formula = formula;
		}
		if (f->type == F_REGIONS) /* a comma-separated list may hold several: warn, never refuse */
			dv.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
		snprintf(msg, sizeof(msg), "%s", f->help ? f->help : "Pick one from the list.");
	} else if (f->type == F_INT || f->type == F_NUM) {
		dv.validate = f->type == F_INT ? LXW_VALIDATION_TYPE_INTEGER : LXW_VALIDATION_TYPE_DECIMAL;
		dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
		dv.minimum_number = f->min ? strtod(f->min, NULL) : 0;
		dv.maximum_number = f->max ? strtod(f->max, NULL) : 1e8;
		snprintf(msg, sizeof(msg), "%s%s%s %s to %s.", f->help ? f->help : "", f->help ? " " : "",
			 f->type == F_INT ? "A whole number," : "A number,", f->min ? f->min : "0",
			 f->max ? f->max : "");
	} else if (f->help) {
		dv.validate = LXW_VALIDATION_TYPE_ANY;
		snprintf(msg, sizeof(msg), "%s", f->help);
	} else {
		return;
	}
	dv.input_message = msg;
	X(t, worksheet_data_validation_range(ws, first, (lxw_col_t)col, last, (lxw_col_t)col, &dv));
}

static void write_section(struct tw *t, const struct intake_section *S)
{
	lxw_worksheet *ws = workbook_add_worksheet(t->wb, S->sheet);
	size_t i, e;
	unsigned ex = (unsigned)S->nfields, last = S->rows ? 2 + DATA_ROWS : 5;

	if (!ws) {
		t->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		return;
	}
	X(t, worksheet_set_row(ws, 0, 30, NULL));
	for (i = 0; i < S->nfields; i++) {
		const struct intake_field *f = &S->fields[i];
		char label[80];

		snprintf(label, sizeof(label), "%s%s", f->label, f->required ? " (required)" : "");
		X(t, worksheet_write_string(ws, 0, (lxw_col_t)i, label, t->label));
		X(t, worksheet_write_string(ws, 1, (lxw_col_t)i, f->name, t->header));
		{
			/* wide enough for the field's name in bold, and for its values */
			double w = (double)strlen(f->name) * 1.15 + 2;

			if (w < f->width)
				w = f->width;
			X(t, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, w, f->type == F_TEXT ? t->text : NULL));
		}
		for (e = 0; e < 2; e++) {
			const char *v = f->example[e];

			if (!v || (e == 1 && !S->rows))
				continue;
			if ((f->type == F_INT || f->type == F_NUM))
				X(t, worksheet_write_number(ws, (lxw_row_t)(2 + e), (lxw_col_t)i, strtod(v, NULL),
							    t->example));
			else
				X(t, worksheet_write_string(ws, (lxw_row_t)(2 + e), (lxw_col_t)i, v, t->example));
		}
		validation(t, ws, (unsigned)i, 2, last, f);
	}
	X(t, worksheet_write_string(ws, 0, (lxw_col_t)ex, "Example rows are never imported", t->label));
	X(t, worksheet_write_string(ws, 1, (lxw_col_t)ex, INTAKE_EXAMPLE, t->header));
	X(t, worksheet_set_column(ws, (lxw_col_t)ex, (lxw_col_t)ex, 14, NULL));
	for (e = 0; e < (S->rows ? 2u : 1u); e++)
		X(t, worksheet_write_string(ws, (lxw_row_t)(2 + e), (lxw_col_t)ex, "example", t->example));
	worksheet_freeze_panes(ws, 2, 0);
	worksheet_set_landscape(ws);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_repeat_rows(ws, 0, 1);
}

static void write_readme(struct tw *t, const char *at)
{
	lxw_worksheet *ws = workbook_add_worksheet(t->wb, "README");
	static const char *const lines[] = {
		"How to fill in this workbook",
		"",
		"One sheet per part of the estimation. Row 1 says what a column is for; row 2 holds the field "
		"names costctl reads (keep them; the columns may be moved, and extra sheets are ignored).",
		"Rows with anything in the Example column are examples and are never imported: leave them, "
		"or delete them. Hidden rows and hidden sheets are skipped too.",
		"Compute, Storage and Database take one row each per server, storage need and database; "
		"Client, Network and Security take one row.",
		"Lists (OS, engines, storage services, regions, Yes/No) come from what costctl prices: "
		"a value outside them is refused on import, with the sheet and cell named.",
		"Empty cells are left out: the engine then assumes what it says it assumes (730 hours a month, "
		"Linux, ...), and every calculation lists its assumptions.",
		"",
		"Then: costctl intake import THIS_FILE.xlsx --owner USER_ID",
		"It checks every cell (all problems at once, nothing written when there is any), creates the "
		"estimation, prices it and prints the breakdown. --dry-run checks and prices without writing; "
		"--estimation EST_ID replaces the requirements of an existing estimation.",
		"The same columns may come as CSV: each block a header row of field names, then its rows.",
		"",
		"The sheets:",
	};
	size_t i, k;
	char line[300];

	if (!ws) {
		t->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		return;
	}
	X(t, worksheet_set_column(ws, 0, 0, 110, t->wrap));
	worksheet_fit_to_pages(ws, 1, 0); /* printed: one page wide */
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		/* a wrapped line's height set here: no reader has to fit it (about 100 characters a line) */
		size_t n = strlen(lines[i]) / 100 + 1;

		X(t, worksheet_write_string(ws, (lxw_row_t)i, 0, lines[i], i ? t->wrap : t->title));
		if (i && n > 1)
			X(t, worksheet_set_row(ws, (lxw_row_t)i, 15.0 * (double)n, NULL));
	}
	for (k = 0; k < SEC_N; k++, i++) {
		snprintf(line, sizeof(line), "%s: %s.", intake_sections[k].sheet, intake_sections[k].about);
		X(t, worksheet_write_string(ws, (lxw_row_t)i, 0, line, t->wrap));
	}
	snprintf(line, sizeof(line), "Made by costctl on %.10s; regions from its pricebook.", at);
	X(t, worksheet_write_string(ws, (lxw_row_t)(i + 1), 0, line, t->wrap));
}

enum cc_code intake_template(const char *path, const struct pb_reader *pb, const char *at,
			     struct cc_err *err)
{
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE };
	lxw_doc_properties props;
	char dir[4200], tmp[4300], *slash;
	struct tw t;
	struct tm tm;
	lxw_error e;
	size_t k;
	enum cc_code rc;

	memset(&t, 0, sizeof(t));
	t.nregions = intake_regions(pb, &t.regions);
	if (!t.nregions) {
		free(t.regions);
		return cc_err_set(err, CC_ENOTFOUND, "the pricebook names no region: ingest price lists first");
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		opt.tmpdir = dir;
	} else {
		snprintf(dir, sizeof(dir), ".");
		opt.tmpdir = dir;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		free(t.regions);
		return cc_err_set(err, CC_EUSAGE, "the template's path is too long");
	}
	fs_temp_add(tmp);
	if (!(t.wb = workbook_new_opt(tmp, &opt))) {
		free(t.regions);
		fs_temp_forget(tmp);
		return cc_err_set(err, CC_EIO, "cannot create the workbook '%s'", tmp);
	}
	memset(&props, 0, sizeof(props));
	memset(&tm, 0, sizeof(tm));
	props.title = (char *)"AWS cost estimation: requirements";
	props.author = (char *)"costctl";
	if (sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		props.created = timegm(&tm);
	}
	X(&t, workbook_set_properties(t.wb, &props));
	t.label = workbook_add_format(t.wb);
	format_set_italic(t.label);
	format_set_text_wrap(t.label);
	format_set_font_color(t.label, 0x595959);
	t.header = workbook_add_format(t.wb);
	format_set_bold(t.header);
	format_set_bg_color(t.header, 0xDDEBF7);
	format_set_bottom(t.header, LXW_BORDER_THIN);
	t.example = workbook_add_format(t.wb);
	format_set_italic(t.example);
	format_set_font_color(t.example, 0x808080);
	t.text = workbook_add_format(t.wb);
	format_set_num_format(t.text, "@");
	t.wrap = workbook_add_format(t.wb);
	format_set_text_wrap(t.wrap);
	t.title = workbook_add_format(t.wb);
	format_set_bold(t.title);
	format_set_font_size(t.title, 14);
	write_readme(&t, at);
	/* the Lists sheet is written last but its columns are needed first */
	{
		unsigned l, col = 0;

		for (l = 1; l < L_NLISTS; l++) {
			const char *v;
			size_t i;

			for (i = 0; (v = intake_list_at(l, i, t.regions, t.nregions)); i++)
				;
			t.list_col[l] = col++;
			t.list_len[l] = i;
		}
	}
	for (k = 0; k < SEC_N; k++)
		write_section(&t, &intake_sections[k]);
	write_lists(&t);
	e = workbook_close(t.wb);
	free(t.regions);
	if (t.err || e) {
		fs_temp_drop(tmp);
		return cc_err_set(err, CC_EIO, "cannot write the template '%s': %s", path, lxw_strerror(t.err ? t.err : e));
	}
	rc = fs_rename_durable(tmp, path, err);
	if (rc)
		fs_temp_drop(tmp);
	else
		fs_temp_forget(tmp);
	return rc;
}
