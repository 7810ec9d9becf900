#include "pipeline/prices/spcsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/dec.h"

#include "pipeline/core/banned.h"

/* The columns an entry is made of. */
enum col {
	C_SKU, C_RATE_CODE, C_UNIT, C_EFFECTIVE, C_RATE, C_CURRENCY, C_DSKU, C_DSERVICE, C_DUSAGE, C_DOPERATION,
	C_PURCHASE, C_LEASE, C_LEASE_UNIT, C_USAGE, C_DESCRIPTION, C_IFAMILY, C_LOCATION, C_FAMILY, C_DREGION,
	C_DTYPE, C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
	"SKU", "RateCode", "Unit", "EffectiveDate", "DiscountedRate", "Currency", "DiscountedSKU",
	"DiscountedServiceCode", "DiscountedUsageType", "DiscountedOperation", "PurchaseOption",
	"LeaseContractLength", "LeaseContractLengthUnit", "UsageType", "Description", "Instance Family",
	"Location", "Product Family", "DiscountedRegionCode", "DiscountedInstanceType",
};

/* Without these a row is no entry. */
static const enum col required[] = { C_SKU, C_RATE_CODE, C_RATE, C_CURRENCY, C_DSKU, C_DSERVICE, C_DREGION,
				     C_PURCHASE, C_LEASE };

#define MAX_FIELDS 128

struct spcsv {
	char name[512];
	ingest_sink sink;
	void *user;
	struct ingest_stats st;
	struct buf rec;               /* the record being read: fields NUL-separated */
	size_t field_start[MAX_FIELDS + 1];
	size_t nfields;
	/* where the tokenizer is in the current field */
	enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE, F_CLOSED } state; /* F_QUOTE: a '"' inside quotes */
	uint64_t line, record_line, offset, record_offset;
	int have_header, failed;
	int col[C_NCOLS];             /* index of each column in the header, -1 when absent */
	struct buf key, term, attrs;
};

enum cc_code spcsv_new(struct spcsv **out, const char *name, uint64_t max_record, ingest_sink sink, void *user,
		       struct cc_err *err)
{
	struct spcsv *p = calloc(1, sizeof(*p));
	size_t i;

	*out = NULL;
	if (!p)
		return cc_err_set(err, CC_ENOMEM, "out of memory reading '%s'", name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->sink = sink;
	p->user = user;
	p->line = 1;
	buf_init(&p->rec, (size_t)(max_record ? max_record : (uint64_t)1 << 20));
	buf_init(&p->key, 1 << 16);
	buf_init(&p->term, 1 << 16);
	buf_init(&p->attrs, 1 << 16);
	for (i = 0; i < C_NCOLS; i++)
		p->col[i] = -1;
	*out = p;
	return CC_OK;
}

void spcsv_free(struct spcsv *p)
{
	if (!p)
		return;
	buf_release(&p->rec);
	buf_release(&p->key);
	buf_release(&p->term);
	buf_release(&p->attrs);
	free(p);
}

static const char *field(const struct spcsv *p, size_t i)
{
	return i < p->nfields ? p->rec.buf + p->field_start[i] : "";
}

static const char *colv(const struct spcsv *p, enum col c)
{
	return p->col[c] < 0 ? "" : field(p, (size_t)p->col[c]);
}

static void note_missing(char *dst, size_t cap, const char *col, unsigned long long line)
{
	if (!dst[0])
		snprintf(dst, cap, "no %s (line %llu)", col, line);
}

static enum cc_code fail(struct spcsv *p, enum cc_code code, struct cc_err *err, const char *what)
{
	p->failed = code;
	return cc_err_set(err, code, "'%s' line %llu (byte %llu): %s", p->name, (unsigned long long)p->record_line,
			  (unsigned long long)p->record_offset, what);
}

static int add_pair(struct buf *b, const char *n, const char *v)
{
	if (!*v)
		return 0;
	if (b->len && buf_addch(b, PB_LIST_SEP))
		return -1;
	return buf_addstr(b, n) || buf_addch(b, PB_PAIR_SEP) || buf_addstr(b, v) ? -1 : 0;
}

static void set(struct pb_str *s, const char *v)
{
	s->p = v;
	s->len = strlen(v);
}

static enum cc_code header(struct spcsv *p, struct cc_err *err)
{
	size_t i, c;

	for (i = 0; i < p->nfields; i++)
		for (c = 0; c < C_NCOLS; c++)
			if (p->col[c] < 0 && !strcmp(field(p, i), col_names[c]))
				p->col[c] = (int)i;
	if (p->col[C_RATE] < 0)
		return fail(p, CC_EPARSE, err,
			    "a CSV price list without a DiscountedRate column: only the Savings Plans CSV is read "
			    "(ingest the offer's JSON)");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (p->col[required[i]] < 0) {
			char what[160];

			snprintf(what, sizeof(what), "the header has no %s column", col_names[required[i]]);
			return fail(p, CC_EPARSE, err, what);
		}
	p->have_header = 1;
	return CC_OK;
}

void spcsv_lease(char *out, size_t cap, const char *duration, size_t dlen, const char *unit, size_t ulen)
{
	int dl = (int)(dlen > 20 ? 20 : dlen), ul = (int)(ulen > 16 ? 16 : ulen);

	if (!ulen || (ulen == 4 && !memcmp(unit, "year", 4)))
		snprintf(out, cap, "%.*syr", dl, duration);
	else
		snprintf(out, cap, "%.*s%.*s", dl, duration, ul, unit);
}

static enum cc_code row(struct spcsv *p, struct cc_err *err)
{
	struct pb_entry e;
	char lease[40];
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!*colv(p, required[i])) {
			p->st.unsupported_shapes++;
			note_missing(p->st.first_shape, sizeof(p->st.first_shape), col_names[required[i]],
				     (unsigned long long)p->record_line);
			return CC_OK;
		}
	if (!dec_price_valid(colv(p, C_RATE), strlen(colv(p, C_RATE)))) {
		p->st.bad_prices++;
		if (!p->st.first_bad[0])
			snprintf(p->st.first_bad, sizeof(p->st.first_bad), "rate '%.40s' of %.60s (line %llu)",
				 colv(p, C_RATE), colv(p, C_RATE_CODE), (unsigned long long)p->record_line);
		return CC_OK;
	}
	p->st.products++;
	p->st.terms++;
	p->st.dimensions++;
	buf_reset(&p->key);
	buf_reset(&p->term);
	buf_reset(&p->attrs);
	spcsv_lease(lease, sizeof(lease), colv(p, C_LEASE), strlen(colv(p, C_LEASE)), colv(p, C_LEASE_UNIT),
		    strlen(colv(p, C_LEASE_UNIT)));
	/* pairs by name, as every list of pairs in the pricebook is */
	if (add_pair(&p->key, "discountedSku", colv(p, C_DSKU)) ||
	    add_pair(&p->key, "instanceType", colv(p, C_DTYPE)) ||
	    add_pair(&p->key, "operation", colv(p, C_DOPERATION)) ||
	    add_pair(&p->key, "usagetype", colv(p, C_DUSAGE)) ||
	    add_pair(&p->term, "LeaseContractLength", lease) ||
	    add_pair(&p->term, "PurchaseOption", colv(p, C_PURCHASE)) ||
	    add_pair(&p->attrs, "description", colv(p, C_DESCRIPTION)) ||
	    add_pair(&p->attrs, "instanceFamily", colv(p, C_IFAMILY)) ||
	    add_pair(&p->attrs, "location", colv(p, C_LOCATION)) ||
	    add_pair(&p->attrs, "usagetype", colv(p, C_USAGE)))
		return fail(p, CC_ENOMEM, err, "a row too long");
	memset(&e, 0, sizeof(e));
	set(&e.f[PB_SERVICE], colv(p, C_DSERVICE));
	set(&e.f[PB_REGION], colv(p, C_DREGION));
	set(&e.f[PB_FAMILY], *colv(p, C_FAMILY) ? colv(p, C_FAMILY) : "SavingsPlans");
	e.f[PB_KEY].p = p->key.buf;
	e.f[PB_KEY].len = p->key.len;
	set(&e.f[PB_MODEL], "SavingsPlan");
	e.f[PB_TERM].p = p->term.buf;
	e.f[PB_TERM].len = p->term.len;
	set(&e.f[PB_UNIT], colv(p, C_UNIT));
	set(&e.f[PB_BEGIN], "");
	set(&e.f[PB_END], "");
	set(&e.f[PB_SKU], colv(p, C_SKU));
	set(&e.f[PB_RATE_CODE], colv(p, C_RATE_CODE));
	set(&e.f[PB_CURRENCY], colv(p, C_CURRENCY));
	set(&e.f[PB_PRICE], colv(p, C_RATE));
	set(&e.f[PB_TERM_CODE], "");
	set(&e.f[PB_EFFECTIVE], colv(p, C_EFFECTIVE));
	e.f[PB_ATTRS].p = p->attrs.buf;
	e.f[PB_ATTRS].len = p->attrs.len;
	if (p->sink && p->sink(p->user, &e, err)) {
		char inner[sizeof(err->msg)];

		snprintf(inner, sizeof(inner), "%s", err && err->msg[0] ? err->msg : "the pricebook writer failed");
		if (err)
			cc_err_clear(err);
		return fail(p, err && err->code ? err->code : CC_EIO, err, inner);
	}
	p->st.entries++;
	p->st.plan_rates++;
	return CC_OK;
}

/* A whole record is in p->rec: the metadata, the header or a row. */
static enum cc_code record(struct spcsv *p, struct cc_err *err)
{
	const char *k = field(p, 0), *v = field(p, 1);

	if (p->nfields == 1 && !*k)
		return CC_OK; /* a blank line */
	if (p->have_header)
		return row(p, err);
	if (!strcmp(k, "SKU"))
		return header(p, err);
	if (!strcmp(k, "OfferCode"))
		snprintf(p->st.offer_code, sizeof(p->st.offer_code), "%.63s", v);
	else if (!strcmp(k, "Version"))
		snprintf(p->st.version, sizeof(p->st.version), "%.31s", v);
	else if (!strcmp(k, "Publication Date"))
		snprintf(p->st.published, sizeof(p->st.published), "%.39s", v);
	else if (strcmp(k, "FormatVersion") && strcmp(k, "Disclaimer"))
		return fail(p, CC_EPARSE, err, "not a price-list CSV: a row before the header is no metadata");
	return CC_OK;
}

static enum cc_code end_field(struct spcsv *p, struct cc_err *err)
{
	if (p->nfields == MAX_FIELDS)
		return fail(p, CC_EPARSE, err, "more than 128 fields in a record");
	if (buf_addch(&p->rec, '\0'))
		return fail(p, CC_ENOMEM, err, "a record longer than the longest allowed (ingest.max_token_kb)");
	p->field_start[++p->nfields] = p->rec.len;
	p->state = F_START;
	return CC_OK;
}

static enum cc_code add(struct spcsv *p, char ch, struct cc_err *err)
{
	if (buf_addch(&p->rec, ch))
		return fail(p, CC_ENOMEM, err, "a record longer than the longest allowed (ingest.max_token_kb)");
	return CC_OK;
}

/* The end of a record: a CR before the LF is no part of an unquoted last field. */
static enum cc_code end_record(struct spcsv *p, struct cc_err *err)
{
	enum cc_code rc;

	if (p->state == F_PLAIN && p->rec.len > p->field_start[p->nfields] && p->rec.buf[p->rec.len - 1] == '\r')
		p->rec.buf[--p->rec.len] = '\0';
	if ((rc = end_field(p, err)) || (rc = record(p, err)))
		return rc;
	buf_reset(&p->rec);
	p->nfields = 0;
	return CC_OK;
}

/* A field's end: ',' ends the field, '\n' the record. */
static enum cc_code separator(struct spcsv *p, char ch, struct cc_err *err)
{
	return ch == ',' ? end_field(p, err) : end_record(p, err);
}

enum cc_code spcsv_feed(struct spcsv *p, const char *data, size_t len, uint64_t offset, struct cc_err *err)
{
	size_t i;
	enum cc_code rc = CC_OK;

	if (p->failed)
		return p->failed;
	for (i = 0; i < len && !rc; i++) {
		char ch = data[i];

		if (!p->nfields && p->state == F_START) {
			p->record_line = p->line;
			p->record_offset = offset + i;
		}
		if (ch == '\n')
			p->line++;
		if (ch == '\0')
			return fail(p, CC_EPARSE, err, "a NUL byte: not a CSV file");
		switch (p->state) {
		case F_QUOTED:
			if (ch == '"')
				p->state = F_QUOTE;
			else
				rc = add(p, ch, err);
			break;
		case F_QUOTE: /* "" is a quote; anything else closed the field */
			if (ch == '"') {
				p->state = F_QUOTED;
				rc = add(p, '"', err);
				break;
			}
			p->state = F_CLOSED;
			/* fall through */
		case F_CLOSED:
			if (ch == ',' || ch == '\n')
				rc = separator(p, ch, err);
			else if (ch != '\r')
				return fail(p, CC_EPARSE, err, "text after a closing quote");
			break;
		case F_START:
			if (ch == '"') {
				p->state = F_QUOTED;
				break;
			}
			p->state = F_PLAIN;
			/* fall through */
		case F_PLAIN:
			if (ch == ',' || ch == '\n')
				rc = separator(p, ch, err);
			else if (ch == '"')
				return fail(p, CC_EPARSE, err, "a quote inside an unquoted field");
			else
				rc = add(p, ch, err);
			break;
		}
	}
	return rc;
}

enum cc_code spcsv_finish(struct spcsv *p, struct ingest_stats *st, struct cc_err *err)
{
	enum cc_code rc;

	if (p->failed)
		return p->failed;
	if (p->state == F_QUOTED)
		return fail(p, CC_ETRUNC, err, "the file ends inside a quoted field");
	if (p->rec.len || p->nfields || p->state != F_START) {
		if ((rc = end_field(p, err)) || (rc = record(p, err)))
			return rc;
	}
	if (!p->have_header)
		return cc_err_set(err, CC_EPARSE, "'%s' is a CSV with no header row (SKU,RateCode,...)", p->name);
	if (!p->st.offer_code[0])
		return cc_err_set(err, CC_EPARSE, "'%s' is not an AWS price-list file (no OfferCode row)", p->name);
	if (st)
		*st = p->st;
	return CC_OK;
}
