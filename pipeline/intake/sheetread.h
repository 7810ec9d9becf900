#ifndef SHEETREAD_H
#define SHEETREAD_H
/*
 * A spreadsheet read into a grid of typed cells: an .xlsx workbook (libzip
 * over the bytes in memory, expat over each part's XML) or an RFC 4180
 * CSV file. What the intake (intake.h) reads a requirements workbook
 * with; it knows nothing of requirements.
 *
 * The bytes are hostile: every part is read through a byte budget (what
 * is actually inflated is counted, never the sizes the zip claims), XML
 * with a DOCTYPE or an entity declaration is refused, element depth,
 * rows, columns, cells and a cell's bytes are bounded. An error names the
 * file, the part and the byte offset in it.
 *
 * xlsx: the workbook is found through _rels/.rels (so Excel's, LibreOffice's
 * and openpyxl's layouts all work), its sheets in workbook order with their
 * state (hidden, veryHidden), shared strings (rich runs joined, phonetic
 * runs skipped), inline strings, numbers as written, booleans, errors,
 * formulas by their cached value (a formula without one is SHEET_NOVALUE),
 * dates (a date number format, built-in or custom, on a number: the serial
 * turned into YYYY-MM-DD[THH:MM:SS], 1900 or 1904 system), hidden rows.
 *
 *	struct sheet_book b;
 *	sheet_book_init(&b);
 *	if (!sheet_read(data, len, "req.xlsx", &limits, &b, &err))
 *		for each b.sheets[i].cells[j] ...;
 *	sheet_book_release(&b);
 */
#include <stddef.h>

#include "pipeline/core/arena.h"
#include "pipeline/core/cc.h"

enum sheet_type {
	SHEET_STR,     /* text (shared, inline, a formula's string result, CSV) */
	SHEET_NUM,     /* a number, its text as the file wrote it */
	SHEET_BOOL,    /* "1" or "0" */
	SHEET_DATE,    /* a date-formatted number: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS */
	SHEET_ERROR,   /* an error value: "#N/A", "#DIV/0!", ... */
	SHEET_NOVALUE, /* a formula with no cached value (the text is the formula) */
};

struct sheet_cell {
	unsigned row, col;   /* 1-based: A1 is row 1, col 1 */
	unsigned char type;  /* enum sheet_type */
	unsigned char row_hidden;
	const char *text;    /* NUL-terminated, owned by the book's arena */
	size_t len;
};

struct sheet {
	const char *name;
	int hidden;                /* state hidden or veryHidden */
	struct sheet_cell *cells;  /* by row, then column */
	size_t ncells, cap;
};

struct sheet_book {
	struct sheet *sheets;
	size_t n;
	const char *name;          /* the file's name, as sheet_read was given it */
	int csv;                   /* read as CSV: one sheet */
	struct arena arena;        /* every string */
};

/* Bounds on what one file may make us do (intake.* configuration keys). */
struct sheet_limits {
	size_t max_part;   /* inflated bytes of one zip member */
	size_t max_total;  /* inflated bytes of all members read */
	unsigned max_rows, max_cols, max_sheets;
	size_t max_cells;  /* cells in the whole book */
	size_t max_cell;   /* bytes of one cell's text */
	unsigned max_depth;/* XML element nesting */
};

/* Reasonable bounds: Excel's own (32,767 bytes a cell, 16,384 columns), 64 MiB a part. */
void sheet_limits_default(struct sheet_limits *l);

void sheet_book_init(struct sheet_book *b);
void sheet_book_release(struct sheet_book *b);

/*
 * Reads `data` (an .xlsx when it starts with a zip signature, else CSV;
 * `name` is the file's name for messages and, for CSV, the sheet's).
 * CC_EPARSE with what and where; CC_ENOMEM when a bound is passed.
 */
enum cc_code sheet_read(const void *data, size_t len, const char *name, const struct sheet_limits *l,
			struct sheet_book *out, struct cc_err *err);

/* "B7" for row 7, col 2, into out[16]. */
void sheet_ref(unsigned row, unsigned col, char out[16]);

#endif
