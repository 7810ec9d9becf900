#ifndef PDF_H
#define PDF_H
/*
 * The PDF proposal (libharu): cover, executive summary, cost by category,
 * charts drawn with vector operations, the architecture diagram, the
 * lines in tables that repeat their header on every page, assumptions and
 * warnings, and a footer on every page (page N of M, the calculation id,
 * the pricebook's SHA-256, the price lists' publication dates). What is
 * drawn, its words, colours, fonts and page size come from the template
 * and the branding (tmpl.h).
 *
 * Each call owns its HPDF_Doc and error state (no globals, no longjmp),
 * so documents can be made on several threads at once.
 */
#include "pipeline/core/cc.h"
#include "pipeline/docs/docs.h"

struct tmpl;

/* Writes the proposal to `path` (the caller renames it into place). */
enum cc_code pdf_write(const struct docs_source *src, const struct tmpl *t, const struct tmpl *brand,
		       const char *path, struct docs_warnings *w, struct cc_err *err);

#endif
