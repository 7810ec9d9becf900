#ifndef TMPL_H
#define TMPL_H
/*
 * Document templates and brandings: the words, section switches, colours,
 * fonts, logo and page size of the PDF proposal and the XLSX workbook live
 * in small text files, not in C (templates/README.md documents them).
 *
 *	templates/<name>.tmpl          a template (standard_proposal, summary)
 *	templates/branding/<name>.conf a branding (the seed's Metadata.Branding)
 *
 * Syntax: `key = value` lines; a line whose first non-blank character is
 * `#` is a comment (a value may hold `#`: colours are #RRGGBB); blank
 * lines are ignored. Every key is in one table with its type and default,
 * so an unknown key, a bad value, a file over 64 KiB or a line over 4 KiB
 * is an error naming the file and line. Names are checked before they
 * touch the file system ([a-z0-9_-], 1 to 64 characters).
 */
#include "pipeline/core/cc.h"

enum tmpl_kind { TMPL_TEMPLATE, TMPL_BRANDING };

struct tmpl;

/* The longest template or branding file read, and its longest line. */
#define TMPL_MAX_FILE 65536u
#define TMPL_MAX_LINE 4096u

/*
 * Reads <dir>/<name>.tmpl (TMPL_TEMPLATE) or <dir>/branding/<name>.conf
 * (TMPL_BRANDING). CC_ENOTFOUND when there is no such file; CC_EUSAGE for
 * a bad name or a bad line (file:line in `err`).
 */
enum cc_code tmpl_load(struct tmpl **out, const char *dir, const char *name, enum tmpl_kind kind,
		       struct cc_err *err);
/* Parses text as if read from `origin` (tests, and tmpl_load). */
enum cc_code tmpl_parse(struct tmpl **out, const char *text, size_t len, const char *origin,
			enum tmpl_kind kind, struct cc_err *err);
void tmpl_free(struct tmpl *t);

/* The value of `key` (its default when the file does not set it); "" for an unknown key. */
const char *tmpl_str(const struct tmpl *t, const char *key);
/* A yes/no key: 1 or 0. */
int tmpl_bool(const struct tmpl *t, const char *key);
/* A #RRGGBB key, as 0..1 components. */
void tmpl_rgb(const struct tmpl *t, const char *key, float rgb[3]);
/*
 * A path key resolved against the file's directory ("" stays ""); borrowed,
 * valid until tmpl_free. A loaded template is never changed again, so one
 * can be shared by threads.
 */
const char *tmpl_path(const struct tmpl *t, const char *key);
/* The template's or branding's name. */
const char *tmpl_name(const struct tmpl *t);

/* 1 when `name` is a safe template or branding name. */
int tmpl_name_ok(const char *name);

#endif
