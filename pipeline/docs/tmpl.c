/* Document templates and brandings: see tmpl.h. */
#include "pipeline/docs/tmpl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/fsutil.h"

enum ktype { K_STR, K_BOOL, K_COLOR, K_PATH, K_PAGE, K_INT };

struct tkey {
	enum tmpl_kind kind;
	const char *name;
	enum ktype type;
	const char *def;
};

#define DEJAVU "/usr/share/fonts/truetype/dejavu/"

static const struct tkey keys[] = {
	/* what a template sets */
	{ TMPL_TEMPLATE, "description", K_STR, "" },
	{ TMPL_TEMPLATE, "branding", K_STR, "sagesoft" },
	{ TMPL_TEMPLATE, "page_size", K_PAGE, "A4" },
	{ TMPL_TEMPLATE, "file_kind", K_STR, "" },
	{ TMPL_TEMPLATE, "font.regular", K_PATH, DEJAVU "DejaVuSans.ttf" },
	{ TMPL_TEMPLATE, "font.bold", K_PATH, DEJAVU "DejaVuSans-Bold.ttf" },
	{ TMPL_TEMPLATE, "font.size", K_INT, "9" },
	{ TMPL_TEMPLATE, "color.text", K_COLOR, "#1F2937" },
	{ TMPL_TEMPLATE, "color.muted", K_COLOR, "#6B7280" },
	{ TMPL_TEMPLATE, "color.rule", K_COLOR, "#D1D5DB" },
	{ TMPL_TEMPLATE, "color.band", K_COLOR, "#F3F4F6" },
	{ TMPL_TEMPLATE, "one_page", K_BOOL, "no" },
	{ TMPL_TEMPLATE, "section.cover", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.executive_summary", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.category_table", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.detailed_breakdown", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.charts", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.architecture_diagram", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "section.assumptions", K_BOOL, "yes" },
	{ TMPL_TEMPLATE, "text.title", K_STR, "AWS Cost Proposal" },
	{ TMPL_TEMPLATE, "text.prepared_for", K_STR, "Prepared for" },
	{ TMPL_TEMPLATE, "text.prepared_by", K_STR, "Prepared by" },
	{ TMPL_TEMPLATE, "text.date", K_STR, "Date" },
	{ TMPL_TEMPLATE, "text.project", K_STR, "Reference" },
	{ TMPL_TEMPLATE, "text.executive_summary", K_STR, "Executive summary" },
	{ TMPL_TEMPLATE, "text.summary_intro", K_STR,
	  "This proposal estimates what the infrastructure described below costs to run on AWS, "
	  "at AWS's published list prices." },
	{ TMPL_TEMPLATE, "text.monthly", K_STR, "Monthly" },
	{ TMPL_TEMPLATE, "text.annual", K_STR, "Annual" },
	{ TMPL_TEMPLATE, "text.drivers", K_STR, "The biggest cost drivers" },
	{ TMPL_TEMPLATE, "text.commitment", K_STR, "Commitment" },
	{ TMPL_TEMPLATE, "text.breakdown", K_STR, "Cost by category" },
	{ TMPL_TEMPLATE, "text.lines", K_STR, "Cost breakdown by line" },
	{ TMPL_TEMPLATE, "text.charts", K_STR, "Charts" },
	{ TMPL_TEMPLATE, "text.chart_categories", K_STR, "Monthly cost by category" },
	{ TMPL_TEMPLATE, "text.chart_ladder", K_STR, "Monthly cost under each commitment" },
	{ TMPL_TEMPLATE, "text.chart_projection", K_STR, "12-month projection with storage growth" },
	{ TMPL_TEMPLATE, "text.architecture", K_STR, "Architecture" },
	{ TMPL_TEMPLATE, "text.assumptions", K_STR, "Assumptions" },
	{ TMPL_TEMPLATE, "text.warnings", K_STR, "Warnings" },
	{ TMPL_TEMPLATE, "text.disclaimer", K_STR,
	  "AWS list prices in the currency shown, before taxes and credits. Estimates, not a quote: "
	  "actual charges depend on usage." },
	{ TMPL_TEMPLATE, "text.page", K_STR, "Page" },
	{ TMPL_TEMPLATE, "text.of", K_STR, "of" },
	/* what a branding sets */
	{ TMPL_BRANDING, "company", K_STR, "" },
	{ TMPL_BRANDING, "tagline", K_STR, "" },
	{ TMPL_BRANDING, "website", K_STR, "" },
	{ TMPL_BRANDING, "logo", K_PATH, "" },
	{ TMPL_BRANDING, "color.primary", K_COLOR, "#232F3E" },
	{ TMPL_BRANDING, "color.accent", K_COLOR, "#FF9900" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct tmpl {
	enum tmpl_kind kind;
	char name[65];
	char dir[PATH_MAX];
	char *val[NKEYS];     /* NULL: the default */
	char *resolved[NKEYS]; /* tmpl_path's answers */
};

int tmpl_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

static long key_index(enum tmpl_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].kind == kind && !strcmp(keys[i].name, name))
			return (long)i;
	return -1;
}

static int color_ok(const char *v)
{
	size_t i;

	if (strlen(v) != 7 || v[0] != '#')
		return 0;
	for (i = 1; i < 7; i++)
		if (!strchr("0123456789abcdefABCDEF", v[i]))
			return 0;
	return 1;
}

/* NULL when `v` is a good value for key k, else what is wrong. */
static const char *value_problem(const struct tkey *k, const char *v)
{
	switch (k->type) {
	case K_BOOL:
		return strcmp(v, "yes") && strcmp(v, "no") ? "must be yes or no" : NULL;
	case K_COLOR:
		return color_ok(v) ? NULL : "must be a colour #RRGGBB";
	case K_PAGE:
		return strcmp(v, "A4") && strcmp(v, "Letter") ? "must be A4 or Letter" : NULL;
	case K_INT: {
		char *end;
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		return errno || *end || end == v || n < 6 || n > 20 ? "must be a whole number from 6 to 20" :
								       NULL;
	}
	case K_PATH:
	case K_STR:
		break;
	}
	return NULL;
}

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

enum cc_code tmpl_parse(struct tmpl **out, const char *text, size_t len, const char *origin,
			enum tmpl_kind kind, struct cc_err *err)
{
	struct tmpl *t;
	char *copy = NULL, *p, *end;
	unsigned lineno = 0;
	enum cc_code ret = CC_OK;

	*out = NULL;
	if (len > TMPL_MAX_FILE)
		return cc_err_set(err, CC_EUSAGE, "%s: larger than %u bytes", origin, TMPL_MAX_FILE);
	if (memchr(text, '\0', len))
		return cc_err_set(err, CC_EUSAGE, "%s: a NUL byte in the file", origin);
	if (!(t = calloc(1, sizeof(*t))) || !(copy = malloc(len + 1))) {
		free(t);
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory", origin);
	}
	t->kind = kind;
	memcpy(copy, text, len);
	copy[len] = '\0';
	p = copy;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte-order mark, as some editors write */
	end = copy + len;
	while (p < end && !ret) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *line_end = nl ? nl : end, *eq, *key, *val;
		long k;

		lineno++;
		if ((size_t)(line_end - p) > TMPL_MAX_LINE) {
			ret = cc_err_set(err, CC_EUSAGE, "%s:%u: line longer than %u bytes", origin, lineno,
					 TMPL_MAX_LINE);
			break;
		}
		key = trim(p, line_end);
		p = nl ? nl + 1 : end;
		if (!*key || *key == '#')
			continue;
		if (!(eq = strchr(key, '='))) {
			ret = cc_err_set(err, CC_EUSAGE, "%s:%u: expected 'key = value'", origin, lineno);
			break;
		}
		val = trim(eq + 1, eq + 1 + strlen(eq + 1));
		key = trim(key, eq);
		if ((k = key_index(kind, key)) < 0) {
			ret = cc_err_set(err, CC_EUSAGE, "%s:%u: unknown key '%.80s'", origin, lineno, key);
			break;
		}
		{
			const char *why = value_problem(&keys[k], val);

			if (why) {
				ret = cc_err_set(err, CC_EUSAGE, "%s:%u: %s %s, not '%.80s'", origin, lineno,
						 key, why, val);
				break;
			}
		}
		free(t->val[k]);
		if (!(t->val[k] = strdup(val)))
			ret = cc_err_set(err, CC_ENOMEM, "%s: out of memory", origin);
	}
	free(copy);
	if (ret) {
		tmpl_free(t);
		return ret;
	}
	*out = t;
	return CC_OK;
}

enum cc_code tmpl_load(struct tmpl **out, const char *dir, const char *name, enum tmpl_kind kind,
		       struct cc_err *err)
{
	const char *what = kind == TMPL_TEMPLATE ? "template" : "branding";
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	ssize_t n;
	enum cc_code ret;
	int fd;

	*out = NULL;
	if (!tmpl_name_ok(name))
		return cc_err_set(err, CC_EUSAGE,
				  "%s name '%.80s' is not 1 to 64 of a-z, 0-9, '_' and '-'", what, name);
	if ((size_t)snprintf(path, sizeof(path), kind == TMPL_TEMPLATE ? "%s/%s.tmpl" : "%s/branding/%s.conf",
			     dir, name) >= sizeof(path))
		return cc_err_set(err, CC_EUSAGE, "the %s directory's path is too long", what);
	if (access(path, F_OK) && errno == ENOENT)
		return cc_err_set(err, CC_ENOTFOUND, "no %s '%s' (%s)", what, name, path);
	if ((fd = fs_open_regular(path, what, err)) < 0)
		return err ? (err->code = CC_EUSAGE) : CC_EUSAGE;
	if (!(text = malloc(TMPL_MAX_FILE + 1))) {
		close(fd);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	/* one byte past the limit tells a file that is too large */
	while (len <= TMPL_MAX_FILE && (n = fs_read(fd, text + len, TMPL_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	if (len <= TMPL_MAX_FILE && n < 0) {
		ret = cc_err_errno(err, errno, "cannot read %s '%s'", what, path);
		goto out;
	}
	if ((ret = tmpl_parse(out, text, len, path, kind, err)))
		goto out;
	cc_copy((*out)->name, sizeof((*out)->name), name, strlen(name));
	cc_copy((*out)->dir, sizeof((*out)->dir), path, strlen(path));
	{
		char *slash = strrchr((*out)->dir, '/');
		size_t k;

		if (slash)
			*slash = '\0';
		/* relative paths resolved now: a loaded template is read-only, shared by threads */
		for (k = 0; k < NKEYS; k++) {
			const char *v = (*out)->val[k];
			size_t need;

			if (keys[k].type != K_PATH || !v || !*v || *v == '/')
				continue;
			need = strlen((*out)->dir) + 1 + strlen(v) + 1;
			if (!((*out)->resolved[k] = malloc(need))) {
				ret = cc_err_set(err, CC_ENOMEM, "out of memory");
				tmpl_free(*out);
				*out = NULL;
				goto out;
			}
			snprintf((*out)->resolved[k], need, "%s/%s", (*out)->dir, v);
		}
	}
out:
	close(fd);
	free(text);
	return ret;
}

void tmpl_free(struct tmpl *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < NKEYS; i++) {
		free(t->val[i]);
		free(t->resolved[i]);
	}
	free(t);
}

const char *tmpl_str(const struct tmpl *t, const char *key)
{
	long k = key_index(t->kind, key);

	if (k < 0)
		return "";
	return t->val[k] ? t->val[k] : keys[k].def;
}

int tmpl_bool(const struct tmpl *t, const char *key)
{
	return !strcmp(tmpl_str(t, key), "yes");
}

void tmpl_rgb(const struct tmpl *t, const char *key, float rgb[3])
{
	const char *v = tmpl_str(t, key);
	unsigned long x = color_ok(v) ? strtoul(v + 1, NULL, 16) : 0;

	rgb[0] = (float)((x >> 16) & 255) / 255.0f;
	rgb[1] = (float)((x >> 8) & 255) / 255.0f;
	rgb[2] = (float)(x & 255) / 255.0f;
}

const char *tmpl_path(const struct tmpl *t, const char *key)
{
	long k = key_index(t->kind, key);

	if (k < 0)
		return "";
	return t->resolved[k] ? t->resolved[k] : tmpl_str(t, key);
}

const char *tmpl_name(const struct tmpl *t)
{
	return t->name;
}
