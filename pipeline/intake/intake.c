#include "pipeline/intake/intake.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "pipeline/calc/recalc.h"
#include "pipeline/core/dec.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/core/region.h"
#include "pipeline/core/sha256.h"
#include "pipeline/docs/docs.h"
#include "pipeline/intake/intake_int.h"
#include "pipeline/intake/sheetread.h"
#include "pipeline/store/store.h"

#include "pipeline/core/banned.h"

#define MAX_FIELDS 24
#define MAX_ERRORS 100  /* listed; all are counted */
#define ITEM_MAX 409600 /* DynamoDB's 400 KB */

struct intake_origin {
	unsigned sec, index, row;
	char sheet[100];
	unsigned col[MAX_FIELDS]; /* the field's column, 0: none */
};

void intake_result_init(struct intake_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->client, (size_t)1 << 20);
	buf_init(&r->requirements, (size_t)8 << 20);
	buf_init(&r->metadata, (size_t)1 << 20);
	buf_init(&r->errors, (size_t)1 << 20);
	buf_init(&r->notes, (size_t)1 << 20);
}

void intake_result_release(struct intake_result *r)
{
	buf_release(&r->client);
	buf_release(&r->requirements);
	buf_release(&r->metadata);
	buf_release(&r->errors);
	buf_release(&r->notes);
	free(r->origins);
	memset(r, 0, sizeof(*r));
}

/* "Compute!D7", the sheet quoted as Excel does when it is not a plain word. */
static void cell_name(const char *sheet, unsigned row, unsigned col, char *out, size_t cap)
{
	char ref[16];
	size_t i;
	int plain = 1;

	for (i = 0; sheet[i]; i++)
		if (!((sheet[i] >= 'A' && sheet[i] <= 'Z') || (sheet[i] >= 'a' && sheet[i] <= 'z') ||
		      (sheet[i] >= '0' && sheet[i] <= '9') || sheet[i] == '_' || sheet[i] == '.'))
			plain = 0;
	sheet_ref(row, col ? col : 1, ref);
	if (!col) /* a whole row */
		snprintf(out, cap, plain ? "%.80s!%u" : "'%.80s'!%u", sheet, row);
	else
		snprintf(out, cap, plain ? "%.80s!%s" : "'%.80s'!%s", sheet, ref);
}

struct block {
	unsigned sec;
	unsigned field_col[MAX_FIELDS];
	unsigned example_col;
	unsigned header_row;
};

struct rd {
	const struct intake_options *o;
	struct intake_result *r;
	char (*regions)[32];
	size_t nregions;
	struct buf sec[SEC_N];   /* a section's rows, JSON objects joined by commas */
	unsigned first_row[SEC_N];
	char first_sheet[SEC_N][100];
	unsigned found;          /* header rows found */
	size_t json_bytes;
	int too_big;
	char skipped[2][200];    /* this sheet's example rows, hidden rows: "3, 4" */
};

/* Remembers a skipped row for the sheet's one note about them. */
static void skip_row(struct rd *d, int hidden, unsigned row)
{
	char *s = d->skipped[hidden];
	size_t n = strlen(s);

	if (n + 16 < sizeof(d->skipped[0]))
		snprintf(s + n, sizeof(d->skipped[0]) - n, "%s%u", n ? ", " : "", row);
	else if (n && s[n - 1] != '.')
		snprintf(s + n, sizeof(d->skipped[0]) - n, ", ...");
}

/* One line of r->errors: "WHERE: MSG" (the first MAX_ERRORS; all are counted). */
static void vproblem(struct rd *d, const char *where, const char *fmt, va_list ap)
{
	char msg[400];

	if (d->r->nerrors++ >= MAX_ERRORS)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	buf_addf(&d->r->errors, "%s: %s\n", where, msg);
}

/* A cell's problem ("Compute!D7: ..."; col 0: the row, "Compute!7: ..."). */
static void problem(struct rd *d, const char *sheet, unsigned row, unsigned col, const char *fmt, ...)
	CC_PRINTF(5, 6);
static void problem(struct rd *d, const char *sheet, unsigned row, unsigned col, const char *fmt, ...)
{
	char where[120];
	va_list ap;

	cell_name(sheet, row, col, where, sizeof(where));
	va_start(ap, fmt);
	vproblem(d, where, fmt, ap);
	va_end(ap);
}

/* A problem of the whole workbook: "FILE: ..." */
static void problem_book(struct rd *d, const char *file, const char *fmt, ...) CC_PRINTF(3, 4);
static void problem_book(struct rd *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(d, file, fmt, ap);
	va_end(ap);
}

static void note(struct rd *d, const char *sheet, unsigned row, const char *fmt, ...) CC_PRINTF(4, 5);
static void note(struct rd *d, const char *sheet, unsigned row, const char *fmt, ...)
{
	char where[120], msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (row)
		cell_name(sheet, row, 0, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "%.80s", sheet);
	buf_addf(&d->r->notes, "%s: %s\n", where, msg);
}

/* The cell's text without the spaces around it. */
static void trimmed(const struct sheet_cell *c, const char **p, size_t *n)
{
	const char *s = c->text, *e = c->text + c->len;

	while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	*p = s;
	*n = (size_t)(e - s);
}

static int text_is(const struct sheet_cell *c, const char *name)
{
	const char *p;
	size_t n;

	if (c->type != SHEET_STR)
		return 0;
	trimmed(c, &p, &n);
	return n == strlen(name) && !strncasecmp(p, name, n);
}

static int field_of(unsigned sec, const struct sheet_cell *c)
{
	size_t i;

	for (i = 0; i < intake_sections[sec].nfields; i++)
		if (text_is(c, intake_sections[sec].fields[i].name))
			return (int)i;
	return -1;
}

/*
 * A header row: at least two of its cells (or all of them) are field
 * names of one section, and they are at least half of its cells.
 */
static int header_section(const struct sheet_cell *c, size_t n)
{
	unsigned s, best = 0, best_sec = 0;
	size_t i;

	for (s = 0; s < SEC_N; s++) {
		unsigned m = 0;

		for (i = 0; i < n; i++)
			m += field_of(s, &c[i]) >= 0;
		if (m > best)
			best = m, best_sec = s;
	}
	if (!best)
		return -1;
	{
		unsigned named = 0;

		/* every cell a field name of some section (or Example), or mostly this section's */
		for (i = 0; i < n; i++) {
			int f = text_is(&c[i], INTAKE_EXAMPLE);

			for (s = 0; !f && s < SEC_N; s++)
				f = field_of(s, &c[i]) >= 0;
			named += f;
		}
		if (named == n || (best >= 2 && 2 * best >= n))
			return (int)best_sec;
	}
	return -1;
}

static void start_block(struct rd *d, const char *sheet, const struct sheet_cell *c, size_t n,
			unsigned sec, struct block *b)
{
	const struct intake_section *S = &intake_sections[sec];
	size_t i;

	memset(b, 0, sizeof(*b));
	b->sec = sec;
	b->header_row = c[0].row;
	d->found++;
	for (i = 0; i < n; i++) {
		int f = field_of(sec, &c[i]);
		const char *p;
		size_t len;

		trimmed(&c[i], &p, &len);
		if (f >= 0) {
			if (b->field_col[f]) {
				char first[16];

				sheet_ref(b->header_row, b->field_col[f], first);
				problem(d, sheet, c[i].row, c[i].col, "a second %s column (the first is %s)",
					S->fields[f].name, first);
			}
			b->field_col[f] = c[i].col;
		} else if (text_is(&c[i], INTAKE_EXAMPLE)) {
			b->example_col = c[i].col;
		} else {
			unsigned o;

			for (o = 0; o < SEC_N && field_of(o, &c[i]) < 0; o++)
				;
			if (o < SEC_N)
				problem(d, sheet, c[i].row, c[i].col, "'%.60s' is a %s field, not a %s column", p,
					intake_sections[o].sheet, S->sheet);
			else
				problem(d, sheet, c[i].row, c[i].col,
					"'%.60s' is not a %s column (the template's header row names them)",
					c[i].type == SHEET_STR ? p : c[i].text, S->sheet);
		}
	}
	for (i = 0; i < S->nfields; i++)
		if (S->fields[i].required && !b->field_col[i])
			problem(d, sheet, b->header_row, 0, "the %s header row has no %s column (required)", S->sheet,
				S->fields[i].name);
}

/* A number as the JSON writes it: the exact decimal, no trailing zeros. */
static void num_text(struct dec v, char *out, size_t cap)
{
	size_t n;

	dec_format(v, 10, out, cap);
	n = strlen(out);
	if (strchr(out, '.')) {
		while (n && out[n - 1] == '0')
			out[--n] = '\0';
		if (n && out[n - 1] == '.')
			out[--n] = '\0';
	}
}

/* A cell's number: a number cell, or text that is a plain number. */
static int cell_number(const struct sheet_cell *c, struct dec *v)
{
	const char *p;
	size_t n;
	char tmp[64];

	if (c->type != SHEET_NUM && c->type != SHEET_STR)
		return -1;
	trimmed(c, &p, &n);
	if (!n || n >= sizeof(tmp))
		return -1;
	if (!dec_parse(p, n, v))
		return 0;
	if (c->type == SHEET_NUM) {
		/* 1.5E-3 or 0.30000000000000004: what a double prints; ten decimals are exact enough */
		char *end;
		double x;

		memcpy(tmp, p, n);
		tmp[n] = '\0';
		errno = 0;
		x = strtod(tmp, &end);
		if (*end || errno || x > 1e15 || x < -1e15)
			return -1;
		snprintf(tmp, sizeof(tmp), "%.10f", x);
		return dec_parse(tmp, strlen(tmp), v) ? -1 : 0;
	}
	return -1;
}

static const char *shown(const struct sheet_cell *c, char *out, size_t cap)
{
	const char *p;
	size_t n;

	trimmed(c, &p, &n);
	snprintf(out, cap, "%.*s", (int)(n > 60 ? 60 : n), p);
	return out;
}

static void list_names(struct rd *d, unsigned list, char *out, size_t cap)
{
	size_t i, n = 0;
	const char *v;

	out[0] = '\0';
	for (i = 0; (v = intake_list_at(list, i, d->regions, d->nregions)); i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", v);

		if (w < 0 || (size_t)w >= cap - n) {
			memcpy(out + (n < cap - 6 ? n : cap - 6), ", ...", 6);
			return;
		}
		n += (size_t)w;
	}
}

static const char *list_find(struct rd *d, unsigned list, const char *p, size_t n)
{
	size_t i;
	const char *v;

	for (i = 0; (v = intake_list_at(list, i, d->regions, d->nregions)); i++)
		if (strlen(v) == n && !strncasecmp(v, p, n))
			return v;
	return NULL;
}

/* Appends "Name":value for one cell; 0, or -1 after a problem. */
static int convert(struct rd *d, const char *sheet, const struct intake_field *f, const struct sheet_cell *c,
		   struct buf *out)
{
	char show[80], num[48], names[600];
	const char *p;
	size_t n;
	struct dec v, lim;

	if (c->type == SHEET_ERROR) {
		problem(d, sheet, c->row, c->col, "%s is the error value %.20s", f->name, c->text);
		return -1;
	}
	if (c->type == SHEET_NOVALUE) {
		problem(d, sheet, c->row, c->col,
			"%s is a formula (=%.40s) with no stored value: open the workbook in Excel or LibreOffice and save it",
			f->name, c->text);
		return -1;
	}
	trimmed(c, &p, &n);
	buf_adds(out, "\"", f->name, "\":", NULL);
	switch (f->type) {
	case F_INT:
	case F_NUM:
		if (c->type == SHEET_BOOL || c->type == SHEET_DATE || cell_number(c, &v)) {
			problem(d, sheet, c->row, c->col, "%s '%s' is not a %s", f->name, shown(c, show, sizeof(show)),
				f->type == F_INT ? "whole number" : "number");
			return -1;
		}
		if (f->type == F_INT && v.v % DEC_SCALE) {
			problem(d, sheet, c->row, c->col, "%s '%s' is not a whole number", f->name,
				shown(c, show, sizeof(show)));
			return -1;
		}
		if ((f->min && !dec_parse(f->min, strlen(f->min), &lim) && dec_cmp(v, lim) < 0) ||
		    (f->max && !dec_parse(f->max, strlen(f->max), &lim) && dec_cmp(v, lim) > 0)) {
			num_text(v, num, sizeof(num));
			problem(d, sheet, c->row, c->col, "%s %s is outside %s..%s", f->name, num,
				f->min ? f->min : "", f->max ? f->max : "");
			return -1;
		}
		num_text(v, num, sizeof(num));
		buf_addstr(out, num);
		return 0;
	case F_BOOL: {
		static const char *const yes[] = { "yes", "y", "true", "1" }, *const no[] = { "no", "n", "false", "0" };
		size_t i;

		if (c->type == SHEET_STR || c->type == SHEET_BOOL || c->type == SHEET_NUM)
			for (i = 0; i < 4; i++) {
				if (n == strlen(yes[i]) && !strncasecmp(p, yes[i], n))
					return buf_addstr(out, "true"), 0;
				if (n == strlen(no[i]) && !strncasecmp(p, no[i], n))
					return buf_addstr(out, "false"), 0;
			}
		problem(d, sheet, c->row, c->col, "%s '%s' is not Yes or No", f->name, shown(c, show, sizeof(show)));
		return -1;
	}
	case F_ENUM: {
		const char *v2 = c->type == SHEET_STR ? list_find(d, f->list, p, n) : NULL;

		if (!v2) {
			list_names(d, f->list, names, sizeof(names));
			problem(d, sheet, c->row, c->col, "%s '%s' is not one of %s", f->name,
				shown(c, show, sizeof(show)), names);
			return -1;
		}
		buf_add_json_str(out, v2, strlen(v2));
		return 0;
	}
	case F_LIST:
	case F_REGIONS: {
		const char *s = p, *e = p + n;
		int first = 1, bad = 0;

		buf_addch(out, '[');
		while (s < e) {
			const char *q = s, *a, *b;

			while (q < e && *q != ',' && *q != ';' && *q != '\n')
				q++;
			a = s;
			b = q;
			while (a < b && *a == ' ')
				a++;
			while (b > a && b[-1] == ' ')
				b--;
			if (b > a) {
				/* the first is where everything is priced: the pricebook must have it */
				if (f->type == F_REGIONS && first && !list_find(d, L_REGION, a, (size_t)(b - a))) {
					list_names(d, L_REGION, names, sizeof(names));
					problem(d, sheet, c->row, c->col,
						"%s '%.*s' (the first: where everything is priced) is not a region of the pricebook (%s)",
						f->name, (int)(b - a > 40 ? 40 : b - a), a, names);
					bad = 1;
				} else if (f->type == F_REGIONS && !region_code_known(a, (size_t)(b - a))) {
					problem(d, sheet, c->row, c->col, "%s '%.*s' is not an AWS region code", f->name,
						(int)(b - a > 40 ? 40 : b - a), a);
					bad = 1;
				}
				if (!first)
					buf_addch(out, ',');
				buf_add_json_str(out, a, (size_t)(b - a));
				first = 0;
			}
			s = q + 1;
		}
		buf_addch(out, ']');
		return bad ? -1 : 0;
	}
	default:
		if (c->type == SHEET_BOOL)
			p = c->text[0] == '1' ? "TRUE" : "FALSE", n = strlen(p);
		if (n > 4096) {
			problem(d, sheet, c->row, c->col, "%s holds %zu bytes, more than 4096", f->name, n);
			return -1;
		}
		buf_add_json_str(out, p, n);
		return 0;
	}
}

static enum cc_code add_origin(struct intake_result *r, const struct intake_origin *o)
{
	if (cc_grow((void **)&r->origins, &r->corigins, r->norigins, sizeof(*r->origins)))
		return CC_ENOMEM;
	r->origins[r->norigins++] = *o;
	return CC_OK;
}

static void data_row(struct rd *d, const char *sheet, const struct block *b, const struct sheet_cell *c,
		     size_t n)
{
	const struct intake_section *S = &intake_sections[b->sec];
	const struct sheet_cell *at[MAX_FIELDS] = { 0 };
	struct intake_origin o;
	struct buf row, info;
	size_t i, k;
	int bad = 0, any = 0;

	for (i = 0; i < n; i++) {
		if (c[i].col == b->example_col) {
			if (c[i].len) {
				skip_row(d, 0, c[i].row);
				return;
			}
			continue;
		}
		for (k = 0; k < S->nfields && b->field_col[k] != c[i].col; k++)
			;
		if (k == S->nfields) {
			problem(d, sheet, c[i].row, c[i].col, "a value under no %s header", S->sheet);
			bad = 1;
			continue;
		}
		at[k] = &c[i];
		any = 1;
	}
	if (!any)
		return;
	if (c[0].row_hidden) {
		skip_row(d, 1, c[0].row);
		return;
	}
	if (!S->rows && d->r->rows[b->sec]) {
		problem(d, sheet, c[0].row, 0, "a second %s row: %s holds one (the first is %s!%u)", S->sheet,
			S->sheet, d->first_sheet[b->sec], d->first_row[b->sec]);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.sec = b->sec;
	o.index = d->r->rows[b->sec];
	o.row = c[0].row;
	snprintf(o.sheet, sizeof(o.sheet), "%s", sheet);
	buf_init(&row, (size_t)1 << 20);
	buf_init(&info, (size_t)1 << 20);
	buf_addch(&row, '{');
	for (k = 0; k < S->nfields; k++) {
		/* the Client's fields: METADATA's own in the row, ClientInfo's apart (fields.c's meta) */
		struct buf *dst = S->fields[k].meta == 1 ? &info : &row;

		o.col[k] = b->field_col[k];
		if (!at[k]) {
			if (S->fields[k].required) {
				problem(d, sheet, c[0].row, b->field_col[k], "%s is empty (required)", S->fields[k].name);
				bad = 1;
			}
			continue;
		}
		if (S->fields[k].meta == 2 && !strcmp(S->fields[k].name, "ProjectName") && d->o->project)
			continue; /* --project names it */
		if (dst->len > (dst == &row))
			buf_addch(dst, ',');
		if (convert(d, sheet, &S->fields[k], at[k], dst))
			bad = 1;
	}
	if (info.len)
		buf_adds(&row, row.len > 1 ? "," : "", "\"ClientInfo\":{", info.buf, "}", NULL);
	buf_release(&info);
	buf_addch(&row, '}');
	if (!d->r->rows[b->sec]) {
		d->first_row[b->sec] = c[0].row;
		snprintf(d->first_sheet[b->sec], sizeof(d->first_sheet[0]), "%s", sheet);
	}
	d->r->rows[b->sec]++;
	if (add_origin(d->r, &o))
		problem(d, sheet, c[0].row, 0, "out of memory");
	if (!bad) {
		if (d->sec[b->sec].len)
			buf_addch(&d->sec[b->sec], ',');
		if (buf_add(&d->sec[b->sec], row.buf, row.len))
			bad = 1;
	}
	d->json_bytes += row.len + 1;
	if (d->json_bytes > ITEM_MAX && !d->too_big) {
		d->too_big = 1;
		problem(d, sheet, c[0].row, 0,
			"from this row on the REQUIREMENTS item passes 400 KB, DynamoDB's limit for an item: "
			"split the requirements into several estimations");
	}
	buf_release(&row);
}

static void read_sheet(struct rd *d, const struct sheet *s)
{
	struct block b;
	int in_block = 0, named = -1;
	size_t i = 0, j;
	unsigned k;

	for (k = 0; k < SEC_N; k++)
		if (!strcasecmp(s->name, intake_sections[k].sheet))
			named = (int)k;
	while (i < s->ncells) {
		int sec;

		for (j = i; j < s->ncells && s->cells[j].row == s->cells[i].row; j++)
			;
		sec = header_section(&s->cells[i], j - i);
		if (sec >= 0) {
			/* labels that happen to be field names, right above the header: not the header */
			size_t e;

			for (e = j; e < s->ncells && s->cells[e].row == s->cells[j].row; e++)
				;
			if (j < s->ncells && s->cells[j].row == s->cells[i].row + 1 &&
			    header_section(&s->cells[j], e - j) == sec) {
				i = j;
				continue;
			}
		}
		if (sec >= 0) {
			if (s->hidden) {
				note(d, s->name, 0, "hidden: its %s rows are skipped", intake_sections[sec].sheet);
				return;
			}
			start_block(d, s->name, &s->cells[i], j - i, (unsigned)sec, &b);
			in_block = 1;
		} else if (in_block && !s->hidden) {
			data_row(d, s->name, &b, &s->cells[i], j - i);
		}
		i = j;
	}
	if (d->skipped[0][0])
		note(d, s->name, 0, "example row%s %s skipped", strchr(d->skipped[0], ',') ? "s" : "", d->skipped[0]);
	if (d->skipped[1][0])
		note(d, s->name, 0, "hidden row%s %s skipped", strchr(d->skipped[1], ',') ? "s" : "", d->skipped[1]);
	d->skipped[0][0] = d->skipped[1][0] = '\0';
	if (!in_block && named >= 0 && s->ncells && !s->hidden)
		problem(d, s->name, s->cells[0].row, s->cells[0].col,
			"the %s sheet has no header row (a row of its field names: %s, %s, ...)",
			intake_sections[named].sheet, intake_sections[named].fields[0].name,
			intake_sections[named].fields[1].name);
}

enum cc_code intake_read(const struct sheet_book *b, const struct pb_reader *pb,
			 const struct intake_options *o, const char *sha256, struct intake_result *r,
			 struct cc_err *err)
{
	struct rd d;
	size_t i;
	unsigned k;
	enum cc_code rc = CC_OK;
	const char *id;
	char gen[40];

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.r = r;
	r->csv = b->csv;
	cc_copy(r->sha256, sizeof(r->sha256), sha256, strlen(sha256));
	d.nregions = intake_regions(pb, &d.regions);
	for (k = 0; k < SEC_N; k++)
		buf_init(&d.sec[k], (size_t)8 << 20);
	for (i = 0; i < b->n; i++)
		read_sheet(&d, &b->sheets[i]);
	if (!d.found && !r->nerrors)
		problem_book(&d, b->name,
			"no sheet has a header row of requirement fields (ServerName, CPUCores, CurrentGB, Engine, ...): "
			"is this the costctl intake template ('costctl intake template')?");
	else if (!r->nerrors && !r->rows[SEC_COMPUTE] && !r->rows[SEC_STORAGE] && !r->rows[SEC_DATABASE] &&
		 !r->rows[SEC_NETWORK])
		problem_book(&d, b->name,
			"nothing to price: the Compute, Storage, Network and Database sheets have no rows");
	/* the id: --estimation's, --id's, or est- and 12 hex digits of the owner, time and upload */
	if (o->replace)
		id = o->replace;
	else if (o->new_id)
		id = o->new_id;
	else {
		char seed[400];
		unsigned char dg[32];
		char hex[65];

		snprintf(seed, sizeof(seed), "%s\n%s\n%s", o->owner ? o->owner : "", o->at, sha256);
		sha256_buf(seed, strlen(seed), dg);
		sha256_hex(dg, hex);
		snprintf(gen, sizeof(gen), "est-%.12s", hex);
		id = gen;
	}
	if (!docs_id_ok(id)) {
		rc = cc_err_set(err, CC_EUSAGE, "'%.80s' is not an estimation id (1 to 128 of A-Z a-z 0-9 . _ -)", id);
		goto out;
	}
	cc_copy(r->id, sizeof(r->id), id, strlen(id));
	/* the client's fields for METADATA, as data_row wrote them, --project first */
	buf_addch(&r->client, '{');
	if (o->project) {
		buf_addstr(&r->client, "\"ProjectName\":");
		buf_add_json_str(&r->client, o->project, strlen(o->project));
	}
	if (d.sec[SEC_CLIENT].len > 2) { /* "{...}" without its braces */
		if (o->project)
			buf_addch(&r->client, ',');
		buf_add(&r->client, d.sec[SEC_CLIENT].buf + 1, d.sec[SEC_CLIENT].len - 2);
	}
	buf_addch(&r->client, '}');
	/* the REQUIREMENTS item */
	buf_addf(&r->requirements, "{\"PK\":");
	{
		char pk[160];

		snprintf(pk, sizeof(pk), "ESTIMATION#%s", r->id);
		buf_add_json_str(&r->requirements, pk, strlen(pk));
	}
	buf_addstr(&r->requirements, ",\"SK\":\"REQUIREMENTS\",\"EntityType\":\"EstimationRequirements\",\"EstimationId\":");
	buf_add_json_str(&r->requirements, r->id, strlen(r->id));
	for (k = SEC_COMPUTE; k < SEC_N; k++) {
		const struct intake_section *S = &intake_sections[k];

		if (S->rows)
			buf_adds(&r->requirements, ",\"", S->key, "\":[", d.sec[k].buf, "]", NULL);
		else if (d.sec[k].len)
			buf_adds(&r->requirements, ",\"", S->key, "\":", d.sec[k].buf, NULL);
	}
	if (buf_addch(&r->requirements, '}'))
		problem_book(&d, b->name, "the requirements pass %zu bytes", r->requirements.cap);
	if (!r->nerrors) {
		char why[200];

		if (!store_item_valid(r->requirements.buf, r->requirements.len, why, sizeof(why)))
			problem_book(&d, b->name, "the REQUIREMENTS item: %s", why);
	}
	if (r->nerrors > MAX_ERRORS)
		buf_addf(&r->errors, "... and %u more\n", r->nerrors - MAX_ERRORS);
	if (r->nerrors)
		rc = cc_err_set(err, CC_EPARSE, "%u error%s in the workbook: nothing written", r->nerrors,
				r->nerrors == 1 ? "" : "s");
out:
	for (k = 0; k < SEC_N; k++)
		buf_release(&d.sec[k]);
	free(d.regions);
	return rc;
}

/* ------------------------------------------------------------ METADATA */

static int gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok;
}

enum cc_code intake_metadata(struct store *s, const struct intake_options *o, struct intake_result *r,
			     struct cc_err *err)
{
	char why[128], pk[160];
	struct buf got;
	yajl_val client, old = NULL;
	yajl_gen g;
	const unsigned char *gb;
	size_t gl, i;
	enum cc_code rc;
	const char *status = o->status ? o->status : "ACTIVE";
	const char *method = r->csv ? "CSV_UPLOAD" : "EXCEL_UPLOAD";
	int found = 0;

	if (!(client = json_parse(r->client.buf, r->client.len, 8, why, sizeof(why))))
		return cc_err_set(err, CC_EPARSE, "the workbook's client fields: %s", why);
	buf_init(&got, (size_t)1 << 20);
	snprintf(pk, sizeof(pk), "ESTIMATION#%s", r->id);
	if (o->replace) {
		if ((rc = store_get(s, pk, "METADATA", &got, &found, err)))
			goto out;
		if (!found) {
			rc = cc_err_set(err, CC_ENOTFOUND, "no estimation %s (no %s METADATA item)", r->id, pk);
			goto out;
		}
		if (!(old = json_parse(got.buf, got.len, STORE_MAX_DEPTH, why, sizeof(why)))) {
			rc = cc_err_set(err, CC_EPARSE, "%s: its METADATA is not JSON: %s", r->id, why);
			goto out;
		}
		if (o->owner && json_get_str(old, "UserId") && strcmp(o->owner, json_get_str(old, "UserId"))) {
			rc = cc_err_set(err, CC_EUSAGE, "%s belongs to %s, not %s", r->id, json_get_str(old, "UserId"),
					o->owner);
			goto out;
		}
		{
			const char *v = json_get_num(old, "Version");

			r->version = v ? strtoll(v, NULL, 10) : 0;
		}
	} else if (!o->owner || !docs_id_ok(o->owner)) {
		rc = cc_err_set(err, CC_EUSAGE, "--owner '%.80s' is not a user id", o->owner ? o->owner : "");
		goto out;
	}
	/* the owner's profile: it must exist for a new estimation; its DefaultRegion for pricing */
	{
		const char *uid = old ? json_get_str(old, "UserId") : o->owner;
		char upk[160];
		struct buf prof;
		yajl_val pv;

		buf_init(&prof, (size_t)1 << 20);
		snprintf(upk, sizeof(upk), "USER#%.140s", uid ? uid : "");
		found = 0;
		rc = uid ? store_get(s, upk, "PROFILE", &prof, &found, err) : CC_OK;
		if (!rc && !found && !old)
			rc = cc_err_set(err, CC_ENOTFOUND, "no user '%s' (no USER#%s PROFILE item in the table)",
					o->owner, o->owner);
		if (!rc && found && (pv = json_parse(prof.buf, prof.len, STORE_MAX_DEPTH, why, sizeof(why)))) {
			const char *dr = json_get_str(json_get(pv, "Preferences"), "DefaultRegion");

			if (dr)
				cc_copy(r->owner_region, sizeof(r->owner_region), dr, strlen(dr));
			yajl_tree_free(pv);
		}
		buf_release(&prof);
		if (rc)
			goto out;
	}
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	if (old) {
		/* the estimation as it is, the workbook's fields over it */
		for (i = 0; i < old->u.object.len; i++) {
			const char *k = old->u.object.keys[i];

			if (json_get(client, k) || !strcmp(k, "InputMethod") || !strcmp(k, "UpdatedAt"))
				continue;
			gen_str(g, k);
			json_gen_value(g, old->u.object.values[i]);
		}
	} else {
		char v[200];

		gen_str(g, "PK"), gen_str(g, pk);
		gen_str(g, "SK"), gen_str(g, "METADATA");
		snprintf(v, sizeof(v), "USER#%s", o->owner);
		gen_str(g, "GSI1PK"), gen_str(g, v);
		snprintf(v, sizeof(v), "ESTIMATION#%s", o->at);
		gen_str(g, "GSI1SK"), gen_str(g, v);
		snprintf(v, sizeof(v), "STATUS#%s", status);
		gen_str(g, "GSI2PK"), gen_str(g, v);
		snprintf(v, sizeof(v), "ESTIMATION#%s", r->id);
		gen_str(g, "GSI2SK"), gen_str(g, v);
		gen_str(g, "EntityType"), gen_str(g, "Estimation");
		gen_str(g, "EstimationId"), gen_str(g, r->id);
		gen_str(g, "UserId"), gen_str(g, o->owner);
		gen_str(g, "Status"), gen_str(g, status);
		gen_str(g, "CreatedAt"), gen_str(g, o->at);
	}
	for (i = 0; i < client->u.object.len; i++) {
		gen_str(g, client->u.object.keys[i]);
		json_gen_value(g, client->u.object.values[i]);
	}
	if (!json_get(client, "ProjectName") && !old) {
		gen_str(g, "ProjectName");
		gen_str(g, r->id);
	}
	gen_str(g, "InputMethod"), gen_str(g, method);
	gen_str(g, "UpdatedAt"), gen_str(g, o->at);
	if (!old) {
		gen_str(g, "SharedWith"), yajl_gen_array_open(g), yajl_gen_array_close(g);
		gen_str(g, "Tags"), yajl_gen_array_open(g), yajl_gen_array_close(g);
		gen_str(g, "Version"), yajl_gen_integer(g, 1);
		gen_str(g, "TTL"), yajl_gen_null(g);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &gb, &gl);
	buf_reset(&r->metadata);
	rc = buf_add(&r->metadata, gb, gl) ? cc_err_set(err, CC_ENOMEM, "%s: METADATA passes 1 MiB", r->id) : CC_OK;
	yajl_gen_free(g);
out:
	yajl_tree_free(client);
	yajl_tree_free(old);
	buf_release(&got);
	return rc;
}

/* ------------------------------------------------------------ locating an engine message */

int intake_locate(const struct intake_result *r, const char *msg, char *out, size_t cap)
{
	unsigned k;
	size_t i;

	for (k = SEC_COMPUTE; k < SEC_N; k++) {
		const struct intake_section *S = &intake_sections[k];
		const char *p = strstr(msg, S->key);
		unsigned index = 0;

		if (!p)
			continue;
		p += strlen(S->key);
		if (*p == '[') {
			char *end;
			unsigned long v = strtoul(p + 1, &end, 10);

			if (*end != ']')
				continue;
			index = (unsigned)v;
			p = end + 1;
		}
		for (i = 0; i < r->norigins; i++) {
			const struct intake_origin *o = &r->origins[i];
			size_t f;
			unsigned col = 0;

			if (o->sec != k || o->index != index)
				continue;
			if (*p == '.')
				for (f = 0; f < S->nfields; f++) {
					size_t n = strlen(S->fields[f].name);

					if (!strncmp(p + 1, S->fields[f].name, n) &&
					    !((p[1 + n] >= 'A' && p[1 + n] <= 'Z') || (p[1 + n] >= 'a' && p[1 + n] <= 'z')))
						col = o->col[f];
				}
			cell_name(o->sheet, o->row, col, out, cap);
			return 1;
		}
	}
	if (strstr(msg, "region '"))
		for (i = 0; i < r->norigins; i++)
			if (r->origins[i].sec == SEC_CLIENT) {
				const struct intake_section *S = &intake_sections[SEC_CLIENT];
				size_t f;

				for (f = 0; f < S->nfields && strcmp(S->fields[f].name, "RegionPreference"); f++)
					;
				cell_name(r->origins[i].sheet, r->origins[i].row, r->origins[i].col[f], out, cap);
				return 1;
			}
	return 0;
}

/* ------------------------------------------------------------ saving */

enum cc_code intake_save(struct store *s, const char *docs_dir, const void *upload, size_t len,
			 const char *file_name, const struct intake_options *o,
			 const struct intake_result *r, struct cc_err *err)
{
	char dir[4400], path[4600], name[200], stamp[20], doc_id[40], sk[64], pk[160];
	struct buf doc, details, audit;
	struct store_write w[4];
	const char *ext = r->csv ? "csv" : "xlsx";
	enum cc_code rc;
	size_t i, n;
	int existed;

	/* the file is named by costctl, never by the upload: YYYYMMDDTHHMMSSZ and the hash */
	for (i = n = 0; o->at[i] && n < sizeof(stamp) - 1; i++)
		if (o->at[i] != '-' && o->at[i] != ':')
			stamp[n++] = o->at[i];
	stamp[n] = '\0';
	snprintf(name, sizeof(name), "requirements-%s-%.12s.%s", stamp, r->sha256, ext);
	snprintf(doc_id, sizeof(doc_id), "doc-req-%.16s", r->sha256);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", docs_dir, r->id) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return cc_err_set(err, CC_EUSAGE, "the documents directory's path is too long");
	/* an upload already kept (the same bytes at the same time) is never removed below */
	existed = access(path, F_OK) == 0;
	if ((rc = fs_mkdirs(dir, err)) || (!existed && (rc = fs_write_atomic(path, upload, len, err))))
		return rc;
	snprintf(pk, sizeof(pk), "ESTIMATION#%s", r->id);
	snprintf(sk, sizeof(sk), "DOCUMENT#%s", doc_id);
	buf_init(&doc, (size_t)1 << 16);
	buf_init(&details, (size_t)1 << 16);
	buf_init(&audit, (size_t)1 << 17);
	buf_addstr(&doc, "{\"PK\":");
	buf_add_json_str(&doc, pk, strlen(pk));
	buf_adds(&doc, ",\"SK\":\"", sk, "\",\"GSI1PK\":\"", sk, "\",\"GSI1SK\":\"", o->at,
		 "\",\"EntityType\":\"Document\",\"DocumentId\":\"", doc_id, "\",\"EstimationId\":", NULL);
	buf_add_json_str(&doc, r->id, strlen(r->id));
	buf_adds(&doc, ",\"DocumentType\":\"REQUIREMENTS_UPLOAD\",\"FileName\":\"", name, "\",\"Path\":", NULL);
	buf_add_json_str(&doc, path, strlen(path));
	buf_addf(&doc, ",\"FileSize\":%zu,\"Sha256\":\"%s\",\"OriginalName\":", len, r->sha256);
	buf_add_json_str(&doc, cc_basename(file_name), strlen(cc_basename(file_name)));
	buf_adds(&doc, ",\"GeneratedAt\":\"", o->at, "\",\"GeneratedBy\":\"costctl\",\"Status\":\"COMPLETED\"}",
		 NULL);
	buf_addf(&details, "{\"Document\":\"%s\",\"Sha256\":\"%s\",\"Compute\":%u,\"Storage\":%u,\"Database\":%u,"
			   "\"InputMethod\":\"%s\"}",
		 doc_id, r->sha256, r->rows[SEC_COMPUTE], r->rows[SEC_STORAGE], r->rows[SEC_DATABASE],
		 r->csv ? "CSV_UPLOAD" : "EXCEL_UPLOAD");
	recalc_audit_item(&audit, r->id, o->at, "intake", o->replace ? "REQUIREMENTS_REPLACED" : "ESTIMATION_CREATED",
			  "SUCCESS", details.buf);
	memset(w, 0, sizeof(w));
	if (o->replace) {
		w[0].op = STORE_W_VERSIONED;
		w[0].expected = r->version;
	} else {
		w[0].op = STORE_W_PUT;
		w[0].flags = STORE_IF_NOT_EXISTS;
	}
	w[0].json = r->metadata.buf;
	w[1].op = STORE_W_PUT;
	w[1].json = r->requirements.buf;
	w[2].op = STORE_W_PUT;
	w[2].json = doc.buf;
	w[3].op = STORE_W_PUT;
	w[3].json = audit.buf;
	rc = store_transact(s, w, 4, err);
	if (rc == CC_ECONFLICT) {
		cc_err_clear(err);
		rc = o->replace ? cc_err_set(err, CC_ECONFLICT,
					     "%s changed while the workbook was read (its Version is no longer %" PRId64
					     "): nothing written; import again",
					     r->id, r->version)
				: cc_err_set(err, CC_ECONFLICT,
					     "estimation %s exists already: nothing written (--estimation %s replaces its requirements)",
					     r->id, r->id);
	}
	if (rc && !existed)
		unlink(path); /* the table does not know it: it is no upload of anything */
	buf_release(&doc);
	buf_release(&details);
	buf_release(&audit);
	return rc;
}
