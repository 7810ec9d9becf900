#include "pipeline/intake/sheetread.h"

#include <errno.h>
#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/jsonutil.h"

#include "pipeline/core/banned.h"

#define PART_NAME_MAX 512

void sheet_limits_default(struct sheet_limits *l)
{
	l->max_part = (size_t)64 << 20;
	l->max_total = (size_t)256 << 20;
	l->max_rows = 1048576;
	l->max_cols = 16384;
	l->max_sheets = 256;
	l->max_cells = 4000000;
	l->max_cell = 32767;
	l->max_depth = 64;
}

void sheet_book_init(struct sheet_book *b)
{
	memset(b, 0, sizeof(*b));
	arena_init(&b->arena, 64 << 10, 0);
}

void sheet_book_release(struct sheet_book *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->sheets[i].cells);
	free(b->sheets);
	arena_release(&b->arena);
	memset(b, 0, sizeof(*b));
}

void sheet_ref(unsigned row, unsigned col, char out[16])
{
	char letters[8];
	size_t n = 0, i;

	while (col && n < sizeof(letters)) {
		col--;
		letters[n++] = (char)('A' + col % 26);
		col /= 26;
	}
	for (i = 0; i < n; i++)
		out[i] = letters[n - 1 - i];
	snprintf(out + n, 16 - n, "%u", row);
}

/* "AB12" into row 12, col 28; 0 when it is no cell reference. */
static int parse_ref(const char *s, unsigned *row, unsigned *col)
{
	unsigned long c = 0, r = 0;
	const char *p = s;

	while (*p >= 'A' && *p <= 'Z' && p - s < 3)
		c = c * 26 + (unsigned long)(*p++ - 'A' + 1);
	if (p == s)
		return 0;
	if (*p < '1' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && r < 10000000)
		r = r * 10 + (unsigned long)(*p++ - '0');
	if (*p)
		return 0;
	*row = (unsigned)r;
	*col = (unsigned)c;
	return 1;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return 0;
	}
	*out = (unsigned)v;
	return 1;
}

static struct sheet *add_sheet(struct sheet_book *b, const struct sheet_limits *l, const char *name,
			       size_t len, int hidden, struct cc_err *err)
{
	struct sheet *s;

	if (b->n >= l->max_sheets)
		return cc_err_set(err, CC_ENOMEM, "more than %u sheets", l->max_sheets), NULL;
	s = realloc(b->sheets, (b->n + 1) * sizeof(*s));
	if (!s)
		return cc_err_set(err, CC_ENOMEM, "out of memory for the sheets"), NULL;
	b->sheets = s;
	s = &b->sheets[b->n];
	memset(s, 0, sizeof(*s));
	if (!(s->name = arena_strndup(&b->arena, name, len)))
		return cc_err_set(err, CC_ENOMEM, "out of memory for a sheet name"), NULL;
	s->hidden = hidden;
	b->n++;
	return s;
}

/* Context for the bounds every producer shares. */
struct cells {
	struct sheet_book *b;
	const struct sheet_limits *l;
	size_t total;
};

static enum cc_code push_cell(struct cells *c, struct sheet *s, unsigned row, unsigned col, int type,
			      int row_hidden, const char *text, size_t len, const char *where,
			      struct cc_err *err)
{
	struct sheet_cell *cell;
	char ref[16];

	sheet_ref(row, col, ref);
	if (row > c->l->max_rows)
		return cc_err_set(err, CC_ENOMEM, "%s: row %u is past the last row allowed (%u)", where,
				  row, c->l->max_rows);
	if (col > c->l->max_cols)
		return cc_err_set(err, CC_ENOMEM, "%s: cell %s is past the last column allowed (%u)",
				  where, ref, c->l->max_cols);
	if (len > c->l->max_cell)
		return cc_err_set(err, CC_ENOMEM, "%s: cell %s holds %zu bytes, more than %zu", where, ref,
				  len, c->l->max_cell);
	if (++c->total > c->l->max_cells)
		return cc_err_set(err, CC_ENOMEM, "%s: more than %zu cells", where, c->l->max_cells);
	if (cc_grow((void **)&s->cells, &s->cap, s->ncells, sizeof(*s->cells)))
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory for cells", where);
	cell = &s->cells[s->ncells];
	if (!(cell->text = arena_strndup(&c->b->arena, text, len)))
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory for cell text", where);
	cell->row = row;
	cell->col = col;
	cell->type = (unsigned char)type;
	cell->row_hidden = (unsigned char)(row_hidden != 0);
	cell->len = len;
	s->ncells++;
	return CC_OK;
}

static int cell_order(const void *a, const void *b)
{
	const struct sheet_cell *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

/* ------------------------------------------------------------ CSV */

static enum cc_code read_csv(const char *p, size_t len, const char *name, struct cells *c,
			     struct cc_err *err)
{
	struct sheet *s;
	struct buf field;
	size_t i = 0, bad, start;
	unsigned row = 1, col = 1, line = 1, open_line = 0;
	enum cc_code rc = CC_OK;
	char where[300];

	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		i = 3;
	if ((bad = json_utf8_bad((const unsigned char *)p, len)) != len)
		return cc_err_set(err, CC_EPARSE, "%s: byte %zu is not UTF-8 (save the CSV as UTF-8)", name,
				  bad);
	if (memchr(p, '\0', len))
		return cc_err_set(err, CC_EPARSE, "%s: byte %zu is a NUL byte: not a CSV file", name,
				  (size_t)((const char *)memchr(p, '\0', len) - p));
	if (!(s = add_sheet(c->b, c->l, name, strlen(name), 0, err)))
		return err->code;
	c->b->csv = 1;
	buf_init(&field, c->l->max_cell);
	snprintf(where, sizeof(where), "%s", name);
	while (i < len) {
		int quoted = 0;

		buf_reset(&field);
		start = i;
		if (p[i] == '"') {
			quoted = 1;
			open_line = line;
			for (i++;; i++) {
				if (i >= len) {
					rc = cc_err_set(err, CC_EPARSE,
							"%s: line %u: a quoted field opened at byte %zu is never closed",
							name, open_line, start);
					goto out;
				}
				if (p[i] == '"') {
					if (i + 1 < len && p[i + 1] == '"') {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (p[i] == '\n')
					line++;
				if (buf_addch(&field, p[i])) {
					rc = cc_err_set(err, CC_ENOMEM, "%s: line %u: a field longer than %zu bytes",
							name, open_line, c->l->max_cell);
					goto out;
				}
			}
			if (i < len && p[i] != ',' && p[i] != '\n' && p[i] != '\r') {
				rc = cc_err_set(err, CC_EPARSE, "%s: line %u, byte %zu: text after a closing quote",
						name, line, i);
				goto out;
			}
		} else {
			while (i < len && p[i] != ',' && p[i] != '\n' && p[i] != '\r')
				i++;
			if (buf_add(&field, p + start, i - start)) {
				rc = cc_err_set(err, CC_ENOMEM, "%s: line %u: a field longer than %zu bytes", name,
						line, c->l->max_cell);
				goto out;
			}
		}
		if (field.len || quoted) {
			if (field.len &&
			    (rc = push_cell(c, s, row, col, SHEET_STR, 0, field.buf, field.len, where, err)))
				goto out;
		}
		if (i >= len)
			break;
		if (p[i] == ',') {
			i++;
			col++;
			if (i == len)
				break;
			continue;
		}
		/* end of a record: \n, \r\n or a lone \r */
		if (p[i] == '\r')
			i++;
		if (i < len && p[i] == '\n')
			i++;
		line++;
		row++;
		col = 1;
	}
out:
	buf_release(&field);
	return rc;
}

/* ------------------------------------------------------------ XML parts */

struct xml {
	XML_Parser p;
	const char *file, *part;
	unsigned depth, max_depth;
	int failed;
	struct cc_err *err;
	void (*start)(struct xml *x, const char *name, const char **atts);
	void (*end)(struct xml *x, const char *name);
	void (*text)(struct xml *x, const char *s, int len);
	void *ud;
};

static void xml_fail(struct xml *x, enum cc_code code, const char *fmt, ...) CC_PRINTF(3, 4);
static void xml_fail(struct xml *x, enum cc_code code, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (x->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->failed = 1;
	cc_err_set(x->err, code, "%s: %s at byte %lld: %s", x->file, x->part,
		   (long long)XML_GetCurrentByteIndex(x->p), msg);
	XML_StopParser(x->p, XML_FALSE);
}

static const char *local_name(const char *name)
{
	const char *bar = strrchr(name, '|');

	return bar ? bar + 1 : name;
}

/* An attribute by local name; `ns` 1: only a namespaced one (r:id), 0: only a plain one. */
static const char *attr(const char **atts, const char *name, int ns)
{
	size_t i;

	for (i = 0; atts[i]; i += 2) {
		const char *bar = strrchr(atts[i], '|');

		if (ns ? bar && !strcmp(bar + 1, name) : !bar && !strcmp(atts[i], name))
			return atts[i + 1];
	}
	return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml *x = ud;

	if (x->failed)
		return;
	if (++x->depth > x->max_depth) {
		xml_fail(x, CC_ENOMEM, "elements nested deeper than %u", x->max_depth);
		return;
	}
	if (x->start)
		x->start(x, local_name(name), atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml *x = ud;

	if (x->failed)
		return;
	x->depth--;
	if (x->end)
		x->end(x, local_name(name));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml *x = ud;

	if (!x->failed && x->text)
		x->text(x, s, len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
			       const XML_Char *pub, int internal)
{
	(void)name, (void)sys, (void)pub, (void)internal;
	xml_fail(ud, CC_EPARSE, "a DOCTYPE declaration (refused: no workbook part has one)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int param, const XML_Char *value,
			      int vlen, const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
			      const XML_Char *notation)
{
	(void)name, (void)param, (void)value, (void)vlen, (void)base, (void)sys, (void)pub,
		(void)notation;
	xml_fail(ud, CC_EPARSE, "an entity declaration (refused)");
}

struct rd {
	zip_t *za;
	const char *file;
	const struct sheet_limits *l;
	size_t total;
	struct cc_err *err;
};

/*
 * Parses one zip member with `x`'s handlers. CC_ENOTFOUND (err untouched)
 * when there is no such member and it is optional.
 */
static enum cc_code xml_part(struct rd *r, const char *part, int required, struct xml *x)
{
	zip_int64_t idx = zip_name_locate(r->za, part, ZIP_FL_NOCASE);
	zip_file_t *f;
	char chunk[1 << 16];
	size_t bytes = 0;
	enum cc_code rc = CC_OK;

	if (idx < 0) {
		if (!required)
			return CC_ENOTFOUND;
		return cc_err_set(r->err, CC_EPARSE, "%s: not a workbook: it has no part %s", r->file, part);
	}
	if (!(f = zip_fopen_index(r->za, (zip_uint64_t)idx, 0)))
		return cc_err_set(r->err, CC_EPARSE, "%s: %s cannot be opened: %s", r->file, part,
				  zip_strerror(r->za));
	if (!(x->p = XML_ParserCreateNS(NULL, '|'))) {
		zip_fclose(f);
		return cc_err_set(r->err, CC_ENOMEM, "%s: out of memory for an XML parser", r->file);
	}
	x->file = r->file;
	x->part = part;
	x->err = r->err;
	x->max_depth = r->l->max_depth;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));

		if (n < 0) {
			rc = cc_err_set(r->err, CC_EPARSE, "%s: %s at byte %zu: %s", r->file, part, bytes,
					zip_file_strerror(f));
			break;
		}
		bytes += (size_t)n;
		r->total += (size_t)n;
		if (bytes > r->l->max_part || r->total > r->l->max_total) {
			rc = cc_err_set(r->err, CC_ENOMEM,
					"%s: %s inflates past %zu bytes (%s, intake.max_unzipped_mb): refused as a zip bomb",
					r->file, part, bytes > r->l->max_part ? r->l->max_part : r->l->max_total,
					bytes > r->l->max_part ? "one part" : "all parts");
			break;
		}
		if (XML_Parse(x->p, chunk, (int)n, n == 0) == XML_STATUS_ERROR) {
			if (!x->failed)
				rc = cc_err_set(r->err, CC_EPARSE, "%s: %s at byte %lld: %s", r->file, part,
						(long long)XML_GetCurrentByteIndex(x->p),
						XML_ErrorString(XML_GetErrorCode(x->p)));
			else
				rc = r->err->code;
			break;
		}
		if (x->failed) {
			rc = r->err->code;
			break;
		}
		if (n == 0)
			break;
	}
	XML_ParserFree(x->p);
	x->p = NULL;
	zip_fclose(f);
	return rc;
}

/*
 * A relationship's target as a part name: relative to the directory of
 * the part the relationships belong to (`base`), or absolute ("/xl/...").
 * 0 when it climbs out of the package or is too long.
 */
static int part_join(const char *base, const char *target, char *out, size_t cap)
{
	char tmp[PART_NAME_MAX];
	const char *slash = strrchr(base, '/');
	size_t n = 0, i;
	char *seg[64];
	size_t nseg = 0;
	char *p, *save = NULL;

	if (*target == '/')
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s", target + 1);
	else
		n = (size_t)snprintf(tmp, sizeof(tmp), "%.*s%s", slash ? (int)(slash - base + 1) : 0, base,
				     target);
	if (n >= sizeof(tmp))
		return 0;
	for (p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (!nseg)
				return 0;
			nseg--;
			continue;
		}
		if (nseg == sizeof(seg) / sizeof(seg[0]))
			return 0;
		seg[nseg++] = p;
	}
	if (!nseg)
		return 0;
	n = 0;
	for (i = 0; i < nseg; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? "/" : "", seg[i]);

		if (w < 0 || (size_t)w >= cap - n)
			return 0;
		n += (size_t)w;
	}
	return 1;
}

/* The relationships part of `part`: xl/workbook.xml -> xl/_rels/workbook.xml.rels. */
static void rels_name(const char *part, char *out, size_t cap)
{
	const char *slash = strrchr(part, '/');

	if (slash)
		snprintf(out, cap, "%.*s_rels/%s.rels", (int)(slash - part + 1), part, slash + 1);
	else
		snprintf(out, cap, "_rels/%s.rels", part);
}

/* -------- relationships */

struct rel {
	char id[64], type[32], target[PART_NAME_MAX];
};

struct rels {
	struct rel *v;
	size_t n, cap;
	const char *base; /* the part they belong to ("" for the package) */
};

static void rels_start(struct xml *x, const char *name, const char **atts)
{
	struct rels *rs = x->ud;
	const char *id, *type, *target, *mode, *slash;
	struct rel *r;

	if (strcmp(name, "Relationship"))
		return;
	id = attr(atts, "Id", 0);
	type = attr(atts, "Type", 0);
	target = attr(atts, "Target", 0);
	mode = attr(atts, "TargetMode", 0);
	if (!id || !type || !target || (mode && !strcmp(mode, "External")))
		return;
	if (rs->n == 4096) {
		xml_fail(x, CC_ENOMEM, "more than 4096 relationships");
		return;
	}
	if (cc_grow((void **)&rs->v, &rs->cap, rs->n, sizeof(*rs->v))) {
		xml_fail(x, CC_ENOMEM, "out of memory");
		return;
	}
	r = &rs->v[rs->n];
	slash = strrchr(type, '/');
	if (!part_join(rs->base, target, r->target, sizeof(r->target)))
		return; /* a target outside the package is no part of it */
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->type, sizeof(r->type), "%s", slash ? slash + 1 : type);
	rs->n++;
}

static enum cc_code read_rels(struct rd *r, const char *base, struct rels *rs, int required)
{
	char part[PART_NAME_MAX + 16];
	struct xml x = { 0 };

	rels_name(base, part, sizeof(part));
	if (!*base)
		snprintf(part, sizeof(part), "_rels/.rels");
	rs->base = base;
	x.start = rels_start;
	x.ud = rs;
	return xml_part(r, part, required, &x);
}

static const struct rel *rel_by(const struct rels *rs, const char *id, const char *type)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if ((!id || !strcmp(rs->v[i].id, id)) && (!type || !strcmp(rs->v[i].type, type)))
			return &rs->v[i];
	return NULL;
}

/* -------- workbook.xml */

struct wb_sheet {
	char *name;
	char rid[64];
	int hidden;
};

struct workbook {
	int date1904;
	struct wb_sheet *v;
	size_t n;
	const struct sheet_limits *l;
};

static void wb_start(struct xml *x, const char *name, const char **atts)
{
	struct workbook *wb = x->ud;
	const char *v;

	if (!strcmp(name, "workbookPr")) {
		v = attr(atts, "date1904", 0);
		wb->date1904 = v && (!strcmp(v, "1") || !strcmp(v, "true"));
	} else if (!strcmp(name, "sheet")) {
		const char *nm = attr(atts, "name", 0), *rid = attr(atts, "id", 1);
		const char *state = attr(atts, "state", 0);
		struct wb_sheet *s;

		if (!nm || !rid) {
			xml_fail(x, CC_EPARSE, "a <sheet> without a name or r:id");
			return;
		}
		if (wb->n >= wb->l->max_sheets) {
			xml_fail(x, CC_ENOMEM, "more than %u sheets", wb->l->max_sheets);
			return;
		}
		if (!(s = realloc(wb->v, (wb->n + 1) * sizeof(*s)))) {
			xml_fail(x, CC_ENOMEM, "out of memory");
			return;
		}
		wb->v = s;
		s = &wb->v[wb->n];
		if (!(s->name = strdup(nm))) {
			xml_fail(x, CC_ENOMEM, "out of memory");
			return;
		}
		snprintf(s->rid, sizeof(s->rid), "%s", rid);
		s->hidden = state && strcmp(state, "visible");
		wb->n++;
	}
}

/* -------- rich text: a shared string's <si> or a cell's <is> */

/* Its <t> runs are its text; a phonetic run (<rPh>, with a <t> of its own) is not. */
struct rich {
	int in_t, skip;
};

static void rich_start(struct rich *r, const char *name)
{
	if (!strcmp(name, "rPh"))
		r->skip++;
	else if (!r->skip && !strcmp(name, "t"))
		r->in_t = 1;
}

static void rich_end(struct rich *r, const char *name)
{
	if (!strcmp(name, "t"))
		r->in_t = 0;
	else if (!strcmp(name, "rPh") && r->skip)
		r->skip--;
}

/* -------- sharedStrings.xml */

struct sst {
	const char **v;
	size_t *len;
	size_t n, cap, caplen, max;
	struct buf text;
	int in_si;
	struct rich rich;
	struct arena *arena;
};

static void sst_start(struct xml *x, const char *name, const char **atts)
{
	struct sst *t = x->ud;

	(void)atts;
	if (!strcmp(name, "si")) {
		t->in_si = 1;
		memset(&t->rich, 0, sizeof(t->rich));
		buf_reset(&t->text);
	} else if (t->in_si) {
		rich_start(&t->rich, name);
	}
}

static void sst_end(struct xml *x, const char *name)
{
	struct sst *t = x->ud;

	if (t->in_si)
		rich_end(&t->rich, name);
	if (!strcmp(name, "si") && t->in_si) {
		t->in_si = 0;
		if (t->n >= t->max) {
			xml_fail(x, CC_ENOMEM, "more than %zu shared strings", t->max);
			return;
		}
		if (cc_grow((void **)&t->v, &t->cap, t->n, sizeof(*t->v)) ||
		    cc_grow((void **)&t->len, &t->caplen, t->n, sizeof(*t->len))) {
			xml_fail(x, CC_ENOMEM, "out of memory for shared strings");
			return;
		}
		if (!(t->v[t->n] = arena_strndup(t->arena, t->text.buf, t->text.len))) {
			xml_fail(x, CC_ENOMEM, "out of memory for shared strings");
			return;
		}
		t->len[t->n++] = t->text.len;
	}
}

static void sst_text(struct xml *x, const char *s, int len)
{
	struct sst *t = x->ud;

	if (t->in_si && t->rich.in_t && buf_add(&t->text, s, (size_t)len))
		xml_fail(x, CC_ENOMEM, "shared string %zu is longer than %zu bytes", t->n, t->text.cap);
}

/* -------- styles.xml: which cell formats are dates */

struct styles {
	unsigned char *xf_date; /* per cellXfs index */
	size_t n, cap;
	unsigned *custom_date;  /* numFmtIds of custom date formats */
	size_t ncustom, capcustom;
	int in_xfs;
};

/* A format code that shows a date: y or d outside quotes, escapes and [brackets]. */
static int code_is_date(const char *code)
{
	int q = 0;

	for (; *code; code++) {
		if (*code == '"')
			q = !q;
		else if (q)
			continue;
		else if (*code == '\\' && code[1])
			code++;
		else if (*code == '[') {
			const char *e = strchr(code, ']');

			if (!e)
				return 0;
			code = e;
		} else if (*code == 'y' || *code == 'Y' || *code == 'd' || *code == 'D')
			return 1;
	}
	return 0;
}

static int builtin_date(unsigned id)
{
	return (id >= 14 && id <= 17) || id == 22;
}

static void styles_start(struct xml *x, const char *name, const char **atts)
{
	struct styles *st = x->ud;
	const char *v;
	unsigned id = 0;

	if (!strcmp(name, "cellXfs")) {
		st->in_xfs = 1;
	} else if (!strcmp(name, "numFmt")) {
		const char *code = attr(atts, "formatCode", 0);

		if ((v = attr(atts, "numFmtId", 0)) && parse_uint(v, 1u << 20, &id) && code &&
		    code_is_date(code)) {
			if (st->ncustom >= 65536 ||
			    cc_grow((void **)&st->custom_date, &st->capcustom, st->ncustom, sizeof(unsigned))) {
				xml_fail(x, CC_ENOMEM, "too many number formats");
				return;
			}
			st->custom_date[st->ncustom++] = id;
		}
	} else if (st->in_xfs && !strcmp(name, "xf")) {
		size_t i;
		int date = 0;

		if ((v = attr(atts, "numFmtId", 0)) && parse_uint(v, 1u << 20, &id)) {
			date = builtin_date(id);
			for (i = 0; !date && i < st->ncustom; i++)
				date = st->custom_date[i] == id;
		}
		if (st->n >= 65536 || cc_grow((void **)&st->xf_date, &st->cap, st->n, 1)) {
			xml_fail(x, CC_ENOMEM, "too many cell formats");
			return;
		}
		st->xf_date[st->n++] = (unsigned char)date;
	}
}

static void styles_end(struct xml *x, const char *name)
{
	struct styles *st = x->ud;

	if (!strcmp(name, "cellXfs"))
		st->in_xfs = 0;
}

/* -------- a worksheet */

struct ws {
	struct cells *c;
	struct sheet *s;
	const struct sst *sst;
	const struct styles *st;
	int date1904;
	unsigned row, col;
	int row_hidden, in_data;
	/* the cell being read */
	int in_c, in_v, in_is, in_f, has_v, has_f, date;
	struct rich rich; /* inside <is> */
	char t[16];
	struct buf v, f;
	char where[400];
};

/* Days since 1970-01-01 into a civil date (Howard Hinnant's algorithm). */
static void civil(long long z, int *y, unsigned *m, unsigned *d)
{
	long long era, yoe, doy, mp;
	unsigned long long doe;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned long long)(z - era * 146097);
	yoe = (long long)((doe - doe / 1460 + doe / 36524 - doe / 146096) / 365);
	*y = (int)(yoe + era * 400);
	doy = (long long)doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

/* A number cell's serial as an ISO date (and time when it has one); 0 when out of range. */
static int serial_date(const char *text, int date1904, char *out, size_t cap)
{
	char *end;
	double v;
	long long days, secs;
	int y;
	unsigned m, d;

	errno = 0;
	v = strtod(text, &end);
	if (*end || errno || v < 0 || v > 2958465.0) /* 9999-12-31 */
		return 0;
	days = (long long)v;
	secs = (long long)((v - (double)days) * 86400.0 + 0.5);
	if (secs >= 86400) {
		days++;
		secs -= 86400;
	}
	/* 1900 system: serial 1 is 1900-01-01 and Lotus's 1900-02-29 is serial 60 */
	if (date1904)
		days += -24107; /* 1904-01-01 is day -24107 of 1970 */
	else if (days >= 61)
		days += -25569; /* 1899-12-30 */
	else if (days >= 1 && days <= 59)
		days += -25568;
	else
		return 0;       /* 0 and the fictitious 1900-02-29 */
	civil(days, &y, &m, &d);
	if (secs)
		snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned)y % 10000u, m % 100u,
			 d % 100u, (unsigned)(secs / 3600) % 100u, (unsigned)(secs / 60 % 60),
			 (unsigned)(secs % 60));
	else
		snprintf(out, cap, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
	return 1;
}

/* A number as a spreadsheet writes it: [-]digits[.digits][E[+-]digits]. */
static int number_ok(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9')
		s++, digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'E' || *s == 'e') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static void ws_start(struct xml *x, const char *name, const char **atts)
{
	struct ws *w = x->ud;
	const char *v;

	if (w->in_c) {
		if (!strcmp(name, "v")) {
			w->in_v = 1;
			w->has_v = 1;
			buf_reset(&w->v);
		} else if (!strcmp(name, "f")) {
			w->in_f = 1;
			w->has_f = 1;
		} else if (!strcmp(name, "is")) {
			w->in_is = 1;
			memset(&w->rich, 0, sizeof(w->rich));
			buf_reset(&w->v);
		} else if (w->in_is) {
			rich_start(&w->rich, name);
		}
		return;
	}
	if (!strcmp(name, "sheetData")) {
		w->in_data = 1;
	} else if (w->in_data && !strcmp(name, "row")) {
		unsigned r;

		if ((v = attr(atts, "r", 0))) {
			if (!parse_uint(v, 1u << 30, &r) || !r) {
				xml_fail(x, CC_EPARSE, "row number '%.20s' is not a row", v);
				return;
			}
			w->row = r;
		} else {
			w->row++;
		}
		v = attr(atts, "hidden", 0);
		w->row_hidden = v && (!strcmp(v, "1") || !strcmp(v, "true"));
		w->col = 0;
	} else if (w->in_data && !strcmp(name, "c")) {
		unsigned r, c;

		w->in_c = 1;
		w->has_v = w->has_f = 0;
		buf_reset(&w->v);
		buf_reset(&w->f);
		if ((v = attr(atts, "r", 0))) {
			if (!parse_ref(v, &r, &c)) {
				xml_fail(x, CC_EPARSE, "cell reference '%.20s' is not a cell", v);
				return;
			}
			if (w->row && r != w->row) {
				xml_fail(x, CC_EPARSE, "cell %.20s in row %u", v, w->row);
				return;
			}
			w->row = r;
			w->col = c;
		} else {
			w->col++;
		}
		v = attr(atts, "t", 0);
		snprintf(w->t, sizeof(w->t), "%s", v ? v : "n");
		w->date = 0;
		if ((v = attr(atts, "s", 0))) {
			unsigned s;

			if (parse_uint(v, 1u << 20, &s) && w->st && s < w->st->n)
				w->date = w->st->xf_date[s];
		}
	}
}

static void ws_cell(struct xml *x, struct ws *w)
{
	const char *t = w->t, *text = w->v.buf;
	size_t len = w->v.len;
	int type = SHEET_NUM;
	char date[32], ref[16];
	enum cc_code rc;

	sheet_ref(w->row ? w->row : 1, w->col, ref);
	if (!w->row) {
		xml_fail(x, CC_EPARSE, "a cell outside any row");
		return;
	}
	if (!strcmp(t, "inlineStr")) {
		type = SHEET_STR;
	} else if (!w->has_v) {
		if (!w->has_f)
			return; /* an empty cell with a style */
		type = SHEET_NOVALUE;
		text = w->f.buf;
		len = w->f.len;
	} else if (!strcmp(t, "s")) {
		unsigned i;

		if (!parse_uint(w->v.buf, 1u << 30, &i) || !w->sst || i >= w->sst->n) {
			xml_fail(x, CC_EPARSE, "cell %s: shared string '%.20s' of %zu", ref, w->v.buf,
				 w->sst ? w->sst->n : 0);
			return;
		}
		type = SHEET_STR;
		text = w->sst->v[i];
		len = w->sst->len[i];
	} else if (!strcmp(t, "str")) {
		type = SHEET_STR;
	} else if (!strcmp(t, "b")) {
		if (strcmp(text, "0") && strcmp(text, "1")) {
			xml_fail(x, CC_EPARSE, "cell %s: boolean '%.20s' is not 0 or 1", ref, text);
			return;
		}
		type = SHEET_BOOL;
	} else if (!strcmp(t, "e")) {
		type = SHEET_ERROR;
	} else if (!strcmp(t, "d")) {
		type = SHEET_DATE;
	} else if (!strcmp(t, "n")) {
		if (!number_ok(text)) {
			xml_fail(x, CC_EPARSE, "cell %s: '%.40s' is not a number", ref, text);
			return;
		}
		if (w->date) {
			if (!serial_date(text, w->date1904, date, sizeof(date))) {
				xml_fail(x, CC_EPARSE, "cell %s: %.40s is no date", ref, text);
				return;
			}
			type = SHEET_DATE;
			text = date;
			len = strlen(date);
		}
	} else {
		xml_fail(x, CC_EPARSE, "cell %s: unknown cell type '%.20s'", ref, t);
		return;
	}
	if (!len && type == SHEET_STR)
		return;
	if ((rc = push_cell(w->c, w->s, w->row, w->col, type, w->row_hidden, text, len, w->where,
			    x->err))) {
		x->failed = 1;
		XML_StopParser(x->p, XML_FALSE);
	}
}

static void ws_end(struct xml *x, const char *name)
{
	struct ws *w = x->ud;

	if (w->in_c) {
		if (!strcmp(name, "v"))
			w->in_v = 0;
		else if (!strcmp(name, "f"))
			w->in_f = 0;
		else if (!strcmp(name, "is"))
			w->in_is = 0;
		else if (w->in_is)
			rich_end(&w->rich, name);
		else if (!strcmp(name, "c")) {
			w->in_c = 0;
			ws_cell(x, w);
		}
		return;
	}
	if (!strcmp(name, "sheetData"))
		w->in_data = 0;
}

static void ws_text(struct xml *x, const char *s, int len)
{
	struct ws *w = x->ud;
	char ref[16];

	if (!w->in_c)
		return;
	if ((w->in_v || (w->in_is && w->rich.in_t)) && buf_add(&w->v, s, (size_t)len)) {
		sheet_ref(w->row, w->col, ref);
		xml_fail(x, CC_ENOMEM, "cell %s holds more than %zu bytes", ref, w->v.cap);
	} else if (w->in_f && buf_add(&w->f, s, (size_t)len)) {
		sheet_ref(w->row, w->col, ref);
		xml_fail(x, CC_ENOMEM, "cell %s: a formula longer than %zu bytes", ref, w->f.cap);
	}
}

static enum cc_code read_xlsx(const void *data, size_t len, const char *name, struct cells *c,
			      struct cc_err *err)
{
	zip_error_t ze;
	zip_source_t *src;
	struct rd r = { .file = name, .l = c->l, .err = err };
	struct rels pkg = { 0 }, wbr = { 0 };
	struct workbook wb = { .l = c->l };
	struct sst sst = { 0 };
	struct styles st = { 0 };
	const struct rel *rel;
	char wbpart[PART_NAME_MAX];
	struct xml x;
	enum cc_code rc;
	size_t i;

	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(data, len, 0, &ze))) {
		zip_error_fini(&ze);
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory", name);
	}
	if (!(r.za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		rc = cc_err_set(err, CC_EPARSE, "%s: not a workbook: %s", name,
				zip_error_code_zip(&ze) == ZIP_ER_NOZIP ? "not a zip file" : zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	if ((rc = read_rels(&r, "", &pkg, 1)))
		goto out;
	if (!(rel = rel_by(&pkg, NULL, "officeDocument"))) {
		rc = cc_err_set(err, CC_EPARSE, "%s: not a workbook: _rels/.rels names no office document",
				name);
		goto out;
	}
	snprintf(wbpart, sizeof(wbpart), "%s", rel->target);
	memset(&x, 0, sizeof(x));
	x.start = wb_start;
	x.ud = &wb;
	if ((rc = xml_part(&r, wbpart, 1, &x)))
		goto out;
	if ((rc = read_rels(&r, wbpart, &wbr, 1)))
		goto out;
	if ((rel = rel_by(&wbr, NULL, "sharedStrings"))) {
		sst.arena = &c->b->arena;
		sst.max = c->l->max_cells;
		buf_init(&sst.text, c->l->max_cell);
		memset(&x, 0, sizeof(x));
		x.start = sst_start;
		x.end = sst_end;
		x.text = sst_text;
		x.ud = &sst;
		if ((rc = xml_part(&r, rel->target, 0, &x)) && rc != CC_ENOTFOUND)
			goto out;
	}
	if ((rel = rel_by(&wbr, NULL, "styles"))) {
		memset(&x, 0, sizeof(x));
		x.start = styles_start;
		x.end = styles_end;
		x.ud = &st;
		if ((rc = xml_part(&r, rel->target, 0, &x)) && rc != CC_ENOTFOUND)
			goto out;
	}
	rc = CC_OK;
	if (!wb.n) {
		rc = cc_err_set(err, CC_EPARSE, "%s: the workbook has no sheets", name);
		goto out;
	}
	for (i = 0; i < wb.n; i++) {
		struct ws w = { .c = c, .sst = &sst, .st = &st, .date1904 = wb.date1904 };

		if (!(rel = rel_by(&wbr, wb.v[i].rid, NULL))) {
			rc = cc_err_set(err, CC_EPARSE, "%s: sheet '%.60s' (%s) has no relationship in %s",
					name, wb.v[i].name, wb.v[i].rid, wbpart);
			goto out;
		}
		if (!(w.s = add_sheet(c->b, c->l, wb.v[i].name, strlen(wb.v[i].name), wb.v[i].hidden, err))) {
			rc = err->code;
			goto out;
		}
		if (strcmp(rel->type, "worksheet"))
			continue; /* a chartsheet or a dialog sheet: no cells */
		snprintf(w.where, sizeof(w.where), "%s: sheet '%.60s'", name, wb.v[i].name);
		buf_init(&w.v, c->l->max_cell);
		buf_init(&w.f, c->l->max_cell);
		memset(&x, 0, sizeof(x));
		x.start = ws_start;
		x.end = ws_end;
		x.text = ws_text;
		x.ud = &w;
		rc = xml_part(&r, rel->target, 1, &x);
		buf_release(&w.v);
		buf_release(&w.f);
		if (rc)
			goto out;
		qsort(w.s->cells, w.s->ncells, sizeof(w.s->cells[0]), cell_order);
	}
out:
	for (i = 0; i < wb.n; i++)
		free(wb.v[i].name);
	free(wb.v);
	free(pkg.v);
	free(wbr.v);
	free(sst.v);
	free(sst.len);
	buf_release(&sst.text);
	free(st.xf_date);
	free(st.custom_date);
	zip_discard(r.za);
	return rc;
}

enum cc_code sheet_read(const void *data, size_t len, const char *name, const struct sheet_limits *l,
			struct sheet_book *out, struct cc_err *err)
{
	struct cells c = { .b = out, .l = l };

	if (!(out->name = arena_strndup(&out->arena, name, strlen(name))))
		return cc_err_set(err, CC_ENOMEM, "out of memory");

	if (len >= 4 && !memcmp(data, "PK\x03\x04", 4))
		return read_xlsx(data, len, name, &c, err);
	if (len >= 4 && !memcmp(data, "PK", 2))
		return cc_err_set(err, CC_EPARSE, "%s: not a workbook: a zip file that starts with no entry",
				  name);
	if (len >= 8 && !memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
		return cc_err_set(err, CC_EPARSE,
				  "%s: an old Excel 97-2003 .xls file: save it as .xlsx (Excel Workbook) or CSV",
				  name);
	{
		size_t n = strlen(name);

		if (n > 5 && (!strcasecmp(name + n - 5, ".xlsx") || !strcasecmp(name + n - 5, ".xlsm")))
			return cc_err_set(err, CC_EPARSE, "%s: not a workbook: an .xlsx is a zip file and this is none",
					  name);
	}
	return read_csv(data, len, name, &c, err);
}
