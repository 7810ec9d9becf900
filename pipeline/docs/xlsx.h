#ifndef XLSX_H
#define XLSX_H
/*
 * The XLSX workbook (libxlsxwriter) finance works in: a Summary sheet
 * whose totals are formulas over one sheet per category (a row per line,
 * monthly = ROUND(quantity x rate, 2), annual = 12 x monthly; tiered lines
 * sum their tier rows), a Rules sheet of named input cells (BufferPercent,
 * the volume-discount and support tiers, SupportMinimum) that feed the
 * totals, the commitment Ladder, the Prices behind every line, a chart,
 * and a Check cell: whether the workbook's total equals the stored
 * CALCULATION total. Every formula carries the value costctl computed, so
 * a viewer that does not recalculate shows the right numbers. Text is
 * always written as a string (a name that begins with '=' is never a
 * formula); normal (not constant_memory) mode; every return code checked.
 */
#include "pipeline/core/cc.h"
#include "pipeline/docs/docs.h"

struct tmpl;

enum cc_code xlsx_write(const struct docs_source *src, const struct tmpl *t, const struct tmpl *brand,
			const char *path, struct docs_warnings *w, struct cc_err *err);

#endif
