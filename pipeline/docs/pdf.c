/* The PDF proposal: see pdf.h. */
#include "pipeline/docs/pdf.h"

#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/jsonutil.h"
#include "pipeline/docs/tmpl.h"

#define MAX_PAGES 2000
#define TEXT_MAX 2048

struct pdf {
	HPDF_Doc doc;
	HPDF_Font reg, bold;
	HPDF_Page page;
	HPDF_Page pages[MAX_PAGES];
	unsigned npages;
	float w, h, margin, top, bottom, y; /* y: the cursor, PDF coordinates (0 at the bottom) */
	float size;
	float text[3], muted[3], rule[3], band[3], primary[3], accent[3];
	int one_page, full;
	const struct tmpl *t, *b;
	const struct docs_source *src;
	const char *currency;
	HPDF_STATUS error, detail; /* the first libharu error, from on_error */
	int too_many_pages;
	/* advance widths (1/1000 em) by code point below WIDTH_CACHE, per font: 0 unknown, -1 zero */
	float *widths[2];
};

#define WIDTH_CACHE 0x3000

static const float white[3] = { 1, 1, 1 };
static const float red[3] = { 0.75f, 0.1f, 0.1f };

static void on_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
	struct pdf *p = user;

	if (!p->error) {
		p->error = code;
		p->detail = detail;
	}
}

/* ------------------------------------------------------------ text */

static void set_font(struct pdf *p, HPDF_Font f, float size)
{
	HPDF_Page_SetFontAndSize(p->page, f, size);
}

/* One code point's advance in 1/1000 em, measured by libharu once a document. */
static float advance(struct pdf *p, HPDF_Font f, unsigned long cp, const char *utf8, size_t len)
{
	float *cache = p->widths[f == p->bold ? 1 : 0];
	char one[8];
	float w;

	if (cache && cp < WIDTH_CACHE && cache[cp] != 0)
		return cache[cp] < 0 ? 0 : cache[cp];
	memcpy(one, utf8, len);
	one[len] = '\0';
	set_font(p, f, 100); /* libharu refuses sizes over 600 */
	w = HPDF_Page_TextWidth(p->page, one) * 10.0f;
	if (cache && cp < WIDTH_CACHE)
		cache[cp] = w > 0 ? w : -1;
	return w;
}

/*
 * The width of `s` at `size`: the sum of its characters' advances (what
 * HPDF_Page_TextWidth computes, with no character or word spacing set),
 * from a per-document cache: libharu looks each glyph up in the font's
 * cmap by a linear search, and wrapping measures the same text many times.
 */
static float width_of(struct pdf *p, HPDF_Font f, float size, const char *s)
{
	const unsigned char *q = (const unsigned char *)s;
	float sum = 0;

	while (*q) {
		size_t n = 1;
		unsigned long cp = *q;

		if (*q >= 0xf0 && q[1] && q[2] && q[3])
			n = 4, cp = ((unsigned long)(q[0] & 7) << 18) | ((unsigned long)(q[1] & 63) << 12) |
				   ((unsigned long)(q[2] & 63) << 6) | (q[3] & 63);
		else if (*q >= 0xe0 && q[1] && q[2])
			n = 3, cp = ((unsigned long)(q[0] & 15) << 12) | ((unsigned long)(q[1] & 63) << 6) | (q[2] & 63);
		else if (*q >= 0xc0 && q[1])
			n = 2, cp = ((unsigned long)(q[0] & 31) << 6) | (q[1] & 63);
		sum += advance(p, f, cp, (const char *)q, n);
		q += n;
	}
	return sum * size / 1000.0f;
}

static void put(struct pdf *p, HPDF_Font f, float size, const float rgb[3], float x, float y, const char *s)
{
	char clean[TEXT_MAX];

	docs_clean_text(s, clean, sizeof(clean));
	if (!clean[0])
		return;
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetRGBFill(p->page, rgb[0], rgb[1], rgb[2]);
	set_font(p, f, size);
	HPDF_Page_TextOut(p->page, x, y, clean);
	HPDF_Page_EndText(p->page);
}

static void put_right(struct pdf *p, HPDF_Font f, float size, const float rgb[3], float xr, float y,
		      const char *s)
{
	char clean[TEXT_MAX];

	docs_clean_text(s, clean, sizeof(clean));
	put(p, f, size, rgb, xr - width_of(p, f, size, clean), y, clean);
}

/* `s` cut (with an ellipsis) to fit `width`, into out[cap]. */
static void fit(struct pdf *p, HPDF_Font f, float size, float width, const char *s, char *out, size_t cap)
{
	size_t len;

	docs_clean_text(s, out, cap);
	len = strlen(out);
	if (cap < 8 || width_of(p, f, size, out) <= width)
		return;
	while (len > 0) {
		len--;
		while (len && ((unsigned char)out[len] & 0xc0) == 0x80)
			len--;
		memcpy(out + len, "\xe2\x80\xa6", 4);
		if (width_of(p, f, size, out) <= width)
			return;
	}
}

/* The length of the UTF-8 character at s (1 for a bad byte: docs_clean_text has run). */
static size_t u8len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/*
 * Breaks `s` into lines no wider than `width`: at spaces, and inside a
 * word too long for a line (libharu's own wrapping knows ASCII spaces
 * only). Calls fn for each line; returns the number of lines.
 */
static unsigned wrap(struct pdf *p, HPDF_Font f, float size, float width, const char *s,
		     void (*fn)(struct pdf *p, const char *line, void *user), void *user)
{
	char clean[TEXT_MAX], line[TEXT_MAX];
	const char *q;
	unsigned n = 0;
	size_t len = 0;

	docs_clean_text(s, clean, sizeof(clean));
	q = clean;
	while (*q == ' ')
		q++;
	while (*q) {
		/* the next word, and the spaces before it */
		const char *ws = q, *we;
		size_t add;

		while (*q == ' ')
			q++;
		we = q;
		while (*we && *we != ' ')
			we++;
		add = (size_t)(we - ws);
		if (len + add < sizeof(line)) {
			memcpy(line + len, len ? ws : q, len ? add : (size_t)(we - q));
			line[len + (len ? add : (size_t)(we - q))] = '\0';
			if (width_of(p, f, size, line) <= width) {
				len += len ? add : (size_t)(we - q);
				q = we;
				continue;
			}
			line[len] = '\0';
		}
		if (len) { /* the word goes on the next line */
			fn(p, line, user);
			n++;
			len = 0;
			continue;
		}
		/* a word wider than the line: as many characters as fit */
		while (q < we) {
			size_t c = u8len(q);

			if (len + c >= sizeof(line))
				break;
			memcpy(line + len, q, c);
			line[len + c] = '\0';
			if (len && width_of(p, f, size, line) > width) {
				line[len] = '\0';
				break;
			}
			len += c;
			q += c;
		}
		fn(p, line, user);
		n++;
		len = 0;
	}
	if (len) {
		line[len] = '\0';
		fn(p, line, user);
		n++;
	}
	return n;
}


/* ------------------------------------------------------------ pages */

static int new_page(struct pdf *p)
{
	if (p->npages == MAX_PAGES) {
		p->too_many_pages = 1;
		return -1;
	}
	p->page = HPDF_AddPage(p->doc);
	if (!p->page)
		return -1;
	HPDF_Page_SetSize(p->page, !strcmp(tmpl_str(p->t, "page_size"), "Letter") ? HPDF_PAGE_SIZE_LETTER :
										 HPDF_PAGE_SIZE_A4,
			  HPDF_PAGE_PORTRAIT);
	p->pages[p->npages++] = p->page;
	p->w = HPDF_Page_GetWidth(p->page);
	p->h = HPDF_Page_GetHeight(p->page);
	p->top = p->h - p->margin;
	p->bottom = p->margin + 28; /* the footer's room */
	p->y = p->top;
	return 0;
}

/* Room for `h` points below the cursor, on a new page if need be: 0, or -1 (one page: no room). */
static int need(struct pdf *p, float h)
{
	if (p->full)
		return -1;
	if (p->y - h >= p->bottom)
		return 0;
	if (p->one_page) {
		p->full = 1;
		return -1;
	}
	return new_page(p);
}

struct para {
	HPDF_Font f;
	float size, x, leading;
	const float *rgb;
};

static void para_line(struct pdf *p, const char *line, void *user)
{
	struct para *a = user;

	if (need(p, a->leading))
		return;
	p->y -= a->leading;
	put(p, a->f, a->size, a->rgb, a->x, p->y + a->leading * 0.25f, line);
}

/* A wrapped paragraph at the cursor. */
static void paragraph(struct pdf *p, HPDF_Font f, float size, const float rgb[3], float x, float width,
		      const char *s)
{
	struct para a = { f, size, x, size * 1.35f, rgb };

	wrap(p, f, size, width, s, para_line, &a);
}

/* A section's heading, on a new page unless `follow` points of what it heads fit below it. */
static void heading_keep(struct pdf *p, const char *s, float follow)
{
	if (need(p, 40 + follow))
		return;
	p->y -= 26;
	put(p, p->bold, p->size + 6, p->primary, p->margin, p->y, s);
	HPDF_Page_SetRGBStroke(p->page, p->accent[0], p->accent[1], p->accent[2]);
	HPDF_Page_SetLineWidth(p->page, 1.5f);
	HPDF_Page_MoveTo(p->page, p->margin, p->y - 5);
	HPDF_Page_LineTo(p->page, p->margin + 60, p->y - 5);
	HPDF_Page_Stroke(p->page);
	p->y -= 14;
}

static void heading(struct pdf *p, const char *s)
{
	heading_keep(p, s, 30);
}

static void rect(struct pdf *p, const float rgb[3], float x, float y, float w, float h)
{
	HPDF_Page_SetRGBFill(p->page, rgb[0], rgb[1], rgb[2]);
	HPDF_Page_Rectangle(p->page, x, y, w, h);
	HPDF_Page_Fill(p->page);
}

static void hline(struct pdf *p, float x1, float x2, float y)
{
	HPDF_Page_SetRGBStroke(p->page, p->rule[0], p->rule[1], p->rule[2]);
	HPDF_Page_SetLineWidth(p->page, 0.5f);
	HPDF_Page_MoveTo(p->page, x1, y);
	HPDF_Page_LineTo(p->page, x2, y);
	HPDF_Page_Stroke(p->page);
}

/* ------------------------------------------------------------ data */

static void money(struct pdf *p, const char *amount, char *out, size_t cap)
{
	docs_money(amount, p->currency, out, cap);
}

static const char *const categories[] = { "Compute", "Storage", "Database", "Network", "Security" };

/* "RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE" -> "3-year convertible, All Upfront" */
static void model_words(const char *m, char *out, size_t cap)
{
	if (!strcmp(m, "ON_DEMAND") || !*m) {
		snprintf(out, cap, "On demand");
		return;
	}
	if (!strncmp(m, "SAVINGS_PLAN_", 13)) {
		/* "SAVINGS_PLAN_EC2_INSTANCE_3YR_NO_UPFRONT" -> "EC2 Instance SP, 3-year, No Upfront" */
		snprintf(out, cap, "%s SP, %s-year, %s",
			 !strncmp(m + 13, "COMPUTE", 7) ? "Compute" :
			 !strncmp(m + 13, "EC2_INSTANCE", 12) ? "EC2 Instance" : "Database",
			 strstr(m, "_3YR_") ? "3" : "1",
			 strstr(m, "_NO_UPFRONT") ? "No Upfront" :
			 strstr(m, "_PARTIAL_UPFRONT") ? "Partial Upfront" : "All Upfront");
		return;
	}
	snprintf(out, cap, "%s-year %s, %s", strstr(m, "_3YR_") ? "3" : "1",
		 strstr(m, "CONVERTIBLE") ? "convertible" : "standard",
		 strstr(m, "_NO_UPFRONT") ? "No Upfront" :
		 strstr(m, "_PARTIAL_UPFRONT") ? "Partial Upfront" : "All Upfront");
}

/* ------------------------------------------------------------ cover */

static void logo(struct pdf *p, float x_right, float y, float hmax)
{
	const char *path = tmpl_path(p->b, "logo");
	HPDF_Image img;
	float iw, ih, scale;

	if (!*path)
		return;
	img = HPDF_LoadPngImageFromFile(p->doc, path);
	if (!img) {
		HPDF_ResetError(p->doc); /* pdf_write warned already: the document goes on without it */
		p->error = 0;
		return;
	}
	iw = (float)HPDF_Image_GetWidth(img);
	ih = (float)HPDF_Image_GetHeight(img);
	if (iw <= 0 || ih <= 0)
		return;
	scale = hmax / ih;
	HPDF_Page_DrawImage(p->page, img, x_right - iw * scale, y, iw * scale, hmax);
}

static void cover(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val client = json_get(s->metadata, "ClientInfo");
	char line[TEXT_MAX], m1[64], m2[64];
	float x = p->margin, width = p->w - 2 * p->margin;

	rect(p, p->primary, 0, p->h - 110, p->w, 110);
	rect(p, p->accent, 0, p->h - 114, p->w, 4);
	put(p, p->bold, 20, white, x, p->h - 55, tmpl_str(p->b, "company"));
	put(p, p->reg, 10, white, x, p->h - 75, tmpl_str(p->b, "tagline"));
	logo(p, p->w - p->margin, p->h - 95, 70);
	p->y = p->h - 200;
	put(p, p->bold, 28, p->primary, x, p->y, tmpl_str(p->t, "text.title"));
	p->y -= 16;
	paragraph(p, p->bold, 16, p->text, x, width, docs_str(s->metadata, "ProjectName"));
	p->y -= 4;
	paragraph(p, p->reg, 11, p->muted, x, width, docs_str(s->metadata, "Description"));
	p->y -= 30;
	/* who, for whom, when */
	{
		const char *labels[4] = { tmpl_str(p->t, "text.prepared_for"), tmpl_str(p->t, "text.prepared_by"),
					  tmpl_str(p->t, "text.date"), tmpl_str(p->t, "text.project") };
		char values[4][TEXT_MAX];
		int i;

		snprintf(values[0], sizeof(values[0]), "%s%s%s%s%s", docs_str(client, "CompanyName"),
			 *docs_str(client, "PrimaryContact") ? ", " : "", docs_str(client, "PrimaryContact"),
			 *docs_str(client, "Email") ? ", " : "", docs_str(client, "Email"));
		if (s->profile && *docs_str(s->profile, "FirstName"))
			snprintf(values[1], sizeof(values[1]), "%s %s, %s%s%s", docs_str(s->profile, "FirstName"),
				 docs_str(s->profile, "LastName"), tmpl_str(p->b, "company"),
				 *docs_str(s->profile, "Email") ? ", " : "", docs_str(s->profile, "Email"));
		else
			snprintf(values[1], sizeof(values[1]), "%s", tmpl_str(p->b, "company"));
		snprintf(values[2], sizeof(values[2]), "%.10s", s->generated_at);
		snprintf(values[3], sizeof(values[3]), "%s, %s", s->estimation_id, docs_str(s->calc, "CalculationId"));
		for (i = 0; i < 4; i++) {
			float top = p->y;

			paragraph(p, p->reg, 10, p->text, x + 110, width - 110, values[i]);
			put(p, p->bold, 10, p->muted, x, top - 10 * 1.35f + 10 * 0.34f, labels[i]);
			p->y -= 6;
		}
	}
	/* the headline */
	p->y -= 20;
	rect(p, p->band, x, p->y - 70, width, 70);
	rect(p, p->accent, x, p->y - 70, 4, 70);
	money(p, docs_num(s->calc, "TotalMonthlyCost"), m1, sizeof(m1));
	money(p, docs_num(s->calc, "TotalAnnualCost"), m2, sizeof(m2));
	put(p, p->reg, 10, p->muted, x + 16, p->y - 22, tmpl_str(p->t, "text.monthly"));
	put(p, p->bold, 22, p->primary, x + 16, p->y - 52, m1);
	put(p, p->reg, 10, p->muted, x + width / 2, p->y - 22, tmpl_str(p->t, "text.annual"));
	put(p, p->bold, 22, p->primary, x + width / 2, p->y - 52, m2);
	p->y -= 90;
	model_words(docs_str(s->calc, "PricingModel"), m1, sizeof(m1));
	snprintf(line, sizeof(line), "%s, %s, %s", docs_str(s->calc, "Region"), docs_str(s->calc, "Currency"), m1);
	put(p, p->reg, 10, p->muted, x, p->y, line);
}

/* Without a cover: a band with the branding and the title, then who it is for. */
static void page_header(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val client = json_get(s->metadata, "ClientInfo");
	char line[TEXT_MAX];
	float x = p->margin, width = p->w - 2 * p->margin;

	rect(p, p->primary, 0, p->h - 60, p->w, 60);
	rect(p, p->accent, 0, p->h - 63, p->w, 3);
	put(p, p->bold, 14, white, x, p->h - 36, tmpl_str(p->b, "company"));
	put_right(p, p->bold, 14, white, p->w - p->margin, p->h - 36, tmpl_str(p->t, "text.title"));
	p->y = p->h - 80;
	paragraph(p, p->bold, 13, p->text, x, width, docs_str(s->metadata, "ProjectName"));
	snprintf(line, sizeof(line), "%s %s  \xc2\xb7  %s %.10s  \xc2\xb7  %s, %s", tmpl_str(p->t, "text.prepared_for"),
		 docs_str(client, "CompanyName"), tmpl_str(p->t, "text.date"), s->generated_at, s->estimation_id,
		 docs_str(s->calc, "CalculationId"));
	paragraph(p, p->reg, p->size, p->muted, x, width, line);
	p->y -= 6;
}

/* ------------------------------------------------------------ summary */

struct driver {
	yajl_val line;
	double monthly;
};

static void top_drivers(yajl_val lines, struct driver d[3])
{
	size_t i;
	int k;

	memset(d, 0, 3 * sizeof(*d));
	for (i = 0; i < docs_alen(lines); i++) {
		yajl_val l = lines->u.array.values[i];
		double m = docs_numd(l, "MonthlyCost");

		for (k = 0; k < 3; k++)
			if (!d[k].line || m > d[k].monthly) {
				memmove(&d[k + 1], &d[k], (size_t)(2 - k) * sizeof(d[0]));
				d[k].line = l;
				d[k].monthly = m;
				break;
			}
	}
}

/* The ladder row that costs least a month (on demand excluded), or NULL. */
static yajl_val best_commitment(yajl_val ladder)
{
	yajl_val best = NULL;
	size_t i;

	for (i = 0; i < docs_alen(ladder); i++) {
		yajl_val r = ladder->u.array.values[i];

		if (!strcmp(docs_str(r, "PricingModel"), "ON_DEMAND"))
			continue;
		if (!best || docs_numd(r, "TotalMonthlyCost") < docs_numd(best, "TotalMonthlyCost"))
			best = r;
	}
	return best;
}

static yajl_val ladder_row(yajl_val ladder, const char *model)
{
	size_t i;

	for (i = 0; i < docs_alen(ladder); i++)
		if (!strcmp(docs_str(ladder->u.array.values[i], "PricingModel"), model))
			return ladder->u.array.values[i];
	return NULL;
}

/* a - b of two money texts, exactly (cents) */
static void money_diff(const char *a, const char *b, char *out, size_t cap)
{
	double d = strtod(a, NULL) - strtod(b, NULL);
	long long c = llround(d * 100.0); /* both have two decimals: the difference is exact in cents */

	snprintf(out, cap, "%s%lld.%02lld", c < 0 ? "-" : "", llabs(c) / 100, llabs(c) % 100);
}

static void summary(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val lines = docs_arr(s->calc, "Lines"), ladder = docs_arr(s->calc, "CommitmentLadder"), best;
	struct driver d[3];
	char line[TEXT_MAX], m1[64], m2[64], m3[64], words[96];
	float x = p->margin, width = p->w - 2 * p->margin;
	double subtotal = docs_numd(s->calc, "Subtotal");
	int k;

	heading(p, tmpl_str(p->t, "text.executive_summary"));
	paragraph(p, p->reg, p->size + 1, p->text, x, width, tmpl_str(p->t, "text.summary_intro"));
	p->y -= 10;
	if (need(p, 60))
		return;
	rect(p, p->band, x, p->y - 50, width, 50);
	money(p, docs_num(s->calc, "TotalMonthlyCost"), m1, sizeof(m1));
	money(p, docs_num(s->calc, "TotalAnnualCost"), m2, sizeof(m2));
	put(p, p->reg, 9, p->muted, x + 12, p->y - 16, tmpl_str(p->t, "text.monthly"));
	put(p, p->bold, 16, p->primary, x + 12, p->y - 38, m1);
	put(p, p->reg, 9, p->muted, x + width / 3, p->y - 16, tmpl_str(p->t, "text.annual"));
	put(p, p->bold, 16, p->primary, x + width / 3, p->y - 38, m2);
	model_words(docs_str(s->calc, "PricingModel"), words, sizeof(words));
	put(p, p->reg, 9, p->muted, x + 2 * width / 3, p->y - 16, docs_str(s->calc, "Region"));
	{
		char w2[sizeof(words)];
		float fs = 10;

		while (fs > 7.5f && width_of(p, p->bold, fs, words) > width / 3 - 12)
			fs -= 0.5f; /* a long model name is set smaller before it is cut */
		fit(p, p->bold, fs, width / 3 - 12, words, w2, sizeof(w2));
		put(p, p->bold, fs, p->text, x + 2 * width / 3, p->y - 36, w2);
	}
	p->y -= 64;
	/* the drivers */
	if (need(p, 20))
		return;
	p->y -= 14;
	put(p, p->bold, p->size + 2, p->text, x, p->y, tmpl_str(p->t, "text.drivers"));
	p->y -= 4;
	top_drivers(lines, d);
	for (k = 0; k < 3 && d[k].line; k++) {
		money(p, docs_num(d[k].line, "MonthlyCost"), m1, sizeof(m1));
		snprintf(line, sizeof(line), "%d. %s: %s a month (%.0f%% of the subtotal)", k + 1,
			 docs_str(d[k].line, "Description"), m1, subtotal > 0 ? 100.0 * d[k].monthly / subtotal : 0.0);
		paragraph(p, p->reg, p->size + 1, p->text, x + 8, width - 8, line);
	}
	/* the commitment */
	p->y -= 8;
	if (need(p, 20))
		return;
	p->y -= 14;
	put(p, p->bold, p->size + 2, p->text, x, p->y, tmpl_str(p->t, "text.commitment"));
	p->y -= 4;
	best = best_commitment(ladder);
	{
		yajl_val od = ladder_row(ladder, "ON_DEMAND");

		if (best && od && docs_numd(best, "TotalMonthlyCost") < docs_numd(od, "TotalMonthlyCost")) {
			char save[64], be[32];

			money_diff(docs_num(od, "TotalMonthlyCost"), docs_num(best, "TotalMonthlyCost"), m3, sizeof(m3));
			money(p, m3, save, sizeof(save));
			money(p, docs_num(best, "TotalMonthlyCost"), m1, sizeof(m1));
			money(p, docs_num(best, "UpfrontCost"), m2, sizeof(m2));
			model_words(docs_str(best, "PricingModel"), words, sizeof(words));
			if (json_get_num(best, "BreakEvenMonth"))
				snprintf(be, sizeof(be), "month %s", docs_num(best, "BreakEvenMonth"));
			else
				snprintf(be, sizeof(be), "no month");
			snprintf(line, sizeof(line),
				 "The best commitment is %s%s: %s a month, %s less than on demand, "
				 "with %s paid upfront; it pays for itself in %s. This proposal is priced %s.",
				 strncmp(docs_str(best, "PricingModel"), "SAVINGS_PLAN_", 13) ? "reserved capacity, " : "the ",
				 words, m1, save, m2, be,
				 !strcmp(docs_str(s->calc, "PricingModel"), docs_str(best, "PricingModel")) ?
					 "at this commitment" : "as the estimation asks");
		} else {
			snprintf(line, sizeof(line),
				 "No reservation or Savings Plan in the pricebook lowers this estimation's cost: "
				 "on demand is the best price.");
		}
		paragraph(p, p->reg, p->size + 1, p->text, x + 8, width - 8, line);
	}
	p->y -= 6;
}

/* cost by category, then the business rules, down to the total */
static void category_table(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val dc = json_get(s->calc, "DetailedCosts");
	float x = p->margin, width = p->w - 2 * p->margin, row = p->size * 1.9f;
	float c1 = x + width * 0.55f, c2 = x + width * 0.75f, c3 = x + width;
	double subtotal = docs_numd(s->calc, "Subtotal");
	char m1[64], m2[64], pct[16], label[128], ann[64];
	size_t k;

	heading(p, tmpl_str(p->t, "text.breakdown"));
	if (need(p, row * 11))
		return;
	p->y -= row;
	rect(p, p->primary, x, p->y - 4, width, row);
	put(p, p->bold, p->size, white, x + 6, p->y + 2, "");
	put_right(p, p->bold, p->size, white, c1, p->y + 2, tmpl_str(p->t, "text.monthly"));
	put_right(p, p->bold, p->size, white, c2, p->y + 2, tmpl_str(p->t, "text.annual"));
	put_right(p, p->bold, p->size, white, c3 - 6, p->y + 2, "%");
	for (k = 0; k < 5; k++) {
		char key[32];
		const char *m;
		yajl_val cat = json_get(dc, categories[k]);

		snprintf(key, sizeof(key), "Total%s", categories[k]);
		m = docs_num(cat, key);
		p->y -= row;
		if (k % 2)
			rect(p, p->band, x, p->y - 4, width, row);
		put(p, p->reg, p->size, p->text, x + 6, p->y + 2, categories[k]);
		money(p, m, m1, sizeof(m1));
		{
			long long c = llround(strtod(m, NULL) * 100.0) * 12;

			snprintf(ann, sizeof(ann), "%lld.%02lld", c / 100, c % 100);
		}
		money(p, ann, m2, sizeof(m2));
		snprintf(pct, sizeof(pct), "%.1f", subtotal > 0 ? 100.0 * strtod(m, NULL) / subtotal : 0.0);
		put_right(p, p->reg, p->size, p->text, c1, p->y + 2, m1);
		put_right(p, p->reg, p->size, p->text, c2, p->y + 2, m2);
		put_right(p, p->reg, p->size, p->muted, c3 - 6, p->y + 2, pct);
	}
	hline(p, x, c3, p->y - 5);
	{
		yajl_val disc = json_get(s->calc, "VolumeDiscount"), sup = json_get(s->calc, "Support"),
			 buf = json_get(s->calc, "Buffer");
		struct {
			const char *label, *monthly, *annual;
			int bold;
		} rows[5];
		int n = 0, i;
		char a[5][64];

		rows[n].label = "Subtotal";
		rows[n].monthly = docs_num(s->calc, "Subtotal");
		rows[n++].bold = 1;
		if (disc && strtod(docs_num(disc, "MonthlyCost"), NULL) != 0) {
			rows[n].label = "Volume discount";
			rows[n].monthly = docs_num(disc, "MonthlyCost");
			rows[n++].bold = 0;
		}
		if (sup && json_get_num(sup, "MonthlyCost")) {
			snprintf(label, sizeof(label), "Support (%s)", docs_str(sup, "Plan"));
			rows[n].label = label;
			rows[n].monthly = docs_num(sup, "MonthlyCost");
			rows[n++].bold = 0;
		}
		if (buf) {
			static char blabel[64];

			snprintf(blabel, sizeof(blabel), "Buffer (%s%%)", docs_num(buf, "Percent"));
			rows[n].label = blabel;
			rows[n].monthly = docs_num(buf, "MonthlyCost");
			rows[n++].bold = 0;
		}
		rows[n].label = "Total";
		rows[n].monthly = docs_num(s->calc, "TotalMonthlyCost");
		rows[n++].bold = 1;
		for (i = 0; i < n; i++) {
			long long c = llround(strtod(rows[i].monthly, NULL) * 100.0) * 12;

			snprintf(a[i], sizeof(a[i]), "%s%lld.%02lld", c < 0 ? "-" : "", llabs(c) / 100,
				 llabs(c) % 100);
			rows[i].annual = a[i];
			p->y -= row;
			put(p, rows[i].bold ? p->bold : p->reg, p->size, p->text, x + 6, p->y + 2, rows[i].label);
			money(p, rows[i].monthly, m1, sizeof(m1));
			money(p, rows[i].annual, m2, sizeof(m2));
			put_right(p, rows[i].bold ? p->bold : p->reg, p->size, p->text, c1, p->y + 2, m1);
			put_right(p, rows[i].bold ? p->bold : p->reg, p->size, p->text, c2, p->y + 2, m2);
		}
	}
	p->y -= 10;
}

/* ------------------------------------------------------------ charts */

/* Horizontal bars: labels, values (for lengths) and their texts. */
static void bars(struct pdf *p, const char *title, const char *const *labels, const double *v,
		 char (*texts)[64], size_t n, const float rgb[3], int highlight)
{
	float x = p->margin, width = p->w - 2 * p->margin, bar = 11, gap = 5, lw = 150, tw = 80;
	float h = 24 + (float)n * (bar + gap);
	double max = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		float lwi = width_of(p, p->reg, p->size - 1, labels[i]) + 8;

		max = v[i] > max ? v[i] : max;
		lw = lwi > lw ? lwi : lw; /* the longest label sets where the bars start */
	}
	lw = lw < width / 2 ? lw : width / 2;
	if (need(p, h + 10))
		return;
	p->y -= 18;
	put(p, p->bold, p->size + 1, p->text, x, p->y, title);
	p->y -= 8;
	for (i = 0; i < n; i++) {
		float len = max > 0 ? (float)(v[i] / max) * (width - lw - tw) : 0;

		p->y -= bar + gap;
		put(p, p->reg, p->size - 1, p->text, x, p->y + 2, labels[i]);
		rect(p, (int)i == highlight ? p->accent : rgb, x + lw, p->y, len > 0.5f ? len : 0.5f, bar);
		put(p, p->reg, p->size - 1, p->muted, x + lw + len + 4, p->y + 2, texts[i]);
	}
	p->y -= 6;
}

/* The storage requirements' growth: month m's total, as a float (a chart, not a price). */
static double projected(const struct docs_source *s, yajl_val lines, int m)
{
	yajl_val st = docs_arr(s->requirements, "StorageRequirements");
	double total = docs_numd(s->calc, "TotalMonthlyCost"), subtotal = docs_numd(s->calc, "Subtotal"), extra = 0;
	size_t i;

	for (i = 0; i < docs_alen(lines); i++) {
		yajl_val l = lines->u.array.values[i];
		const char *req = docs_str(l, "Requirement");
		unsigned long k;
		char *end;

		if (strncmp(req, "StorageRequirements[", 20))
			continue;
		k = strtoul(req + 20, &end, 10);
		if (*end != ']' || k >= docs_alen(st))
			continue;
		{
			double g = docs_numd(st->u.array.values[k], "GrowthRatePercent") / 100.0;

			/* GrowthRatePercent a year, compounded monthly */
			extra += docs_numd(l, "MonthlyCost") * (pow(1.0 + g, (double)m / 12.0) - 1.0);
		}
	}
	/* the business rules scale with the subtotal */
	return subtotal > 0 ? total + extra * total / subtotal : total;
}

static void projection(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val lines = docs_arr(s->calc, "Lines");
	float x = p->margin, width = p->w - 2 * p->margin, ch = 120, bw;
	double v[12], max = 0, min = 1e300;
	char t[64];
	int m;

	if (need(p, ch + 60))
		return;
	p->y -= 18;
	put(p, p->bold, p->size + 1, p->text, x, p->y, tmpl_str(p->t, "text.chart_projection"));
	p->y -= 10;
	for (m = 0; m < 12; m++) {
		v[m] = projected(s, lines, m);
		max = v[m] > max ? v[m] : max;
		min = v[m] < min ? v[m] : min;
	}
	bw = (width - 40) / 12.0f;
	p->y -= ch;
	HPDF_Page_SetRGBStroke(p->page, p->rule[0], p->rule[1], p->rule[2]);
	hline(p, x + 40, x + width, p->y);
	for (m = 0; m < 12; m++) {
		float bh = max > 0 ? (float)(v[m] / max) * (ch - 14) : 0;

		rect(p, m == 0 ? p->accent : p->primary, x + 40 + (float)m * bw + 3, p->y, bw - 6, bh);
		snprintf(t, sizeof(t), "%d", m + 1);
		put(p, p->reg, p->size - 2, p->muted, x + 40 + (float)m * bw + bw / 2 - 3, p->y - 10, t);
	}
	{
		char mt[64];

		snprintf(t, sizeof(t), "%.2f", v[0]);
		money(p, t, mt, sizeof(mt));
		put(p, p->reg, p->size - 2, p->text, x + 40 + 3, p->y + (float)(v[0] / max) * (ch - 14) + 3, mt);
		snprintf(t, sizeof(t), "%.2f", v[11]);
		money(p, t, mt, sizeof(mt));
		put_right(p, p->reg, p->size - 2, p->text, x + width - 3, p->y + ch - 14 + 3, mt);
	}
	snprintf(t, sizeof(t), "%.0f", max);
	put_right(p, p->reg, p->size - 2, p->muted, x + 36, p->y + ch - 14, t);
	put_right(p, p->reg, p->size - 2, p->muted, x + 36, p->y, "0");
	p->y -= 24;
	snprintf(t, sizeof(t), "%.0f", max - min);
	{
		char note[256];

		snprintf(note, sizeof(note),
			 "Month 1 is this calculation. Storage grows by each requirement's GrowthRatePercent a year, "
			 "compounded monthly; the business rules scale with it. Month 12 is about %s %s more a month.",
			 t, p->currency);
		paragraph(p, p->reg, p->size - 1, p->muted, x, width, note);
	}
}

static void charts(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val dc = json_get(s->calc, "DetailedCosts"), ladder = docs_arr(s->calc, "CommitmentLadder");
	const char *labels[32];
	char texts[32][64], words[32][64];
	double v[32];
	size_t k, n, same = 0;
	int hi = -1;
	yajl_val od = ladder_row(ladder, "ON_DEMAND");

	heading(p, tmpl_str(p->t, "text.charts"));
	for (k = 0; k < 5; k++) {
		char key[32];

		snprintf(key, sizeof(key), "Total%s", categories[k]);
		labels[k] = categories[k];
		v[k] = docs_numd(json_get(dc, categories[k]), key);
		money(p, docs_num(json_get(dc, categories[k]), key), texts[k], sizeof(texts[k]));
	}
	bars(p, tmpl_str(p->t, "text.chart_categories"), labels, v, texts, 5, p->primary, -1);
	/* on demand, and each commitment that changes the price (the rest are counted under the chart) */
	for (k = n = 0; k < docs_alen(ladder) && n < 32; k++) {
		yajl_val r = ladder->u.array.values[k];
		char m[64], u[64];

		if (r != od && (!json_get_num(r, "TotalMonthlyCost") ||
				(od && !strcmp(docs_num(r, "TotalMonthlyCost"), docs_num(od, "TotalMonthlyCost")) &&
				 strtod(docs_num(r, "UpfrontCost"), NULL) == 0))) {
			same++;
			continue;
		}

		model_words(docs_str(r, "PricingModel"), words[n], sizeof(words[n]));
		labels[n] = words[n];
		v[n] = docs_numd(r, "TotalMonthlyCost");
		money(p, docs_num(r, "TotalMonthlyCost"), m, sizeof(m));
		money(p, docs_num(r, "UpfrontCost"), u, sizeof(u));
		if (strtod(docs_num(r, "UpfrontCost"), NULL) > 0)
			snprintf(texts[n], sizeof(texts[n]), "%.24s + %.24s upfront", m, u);
		else
			snprintf(texts[n], sizeof(texts[n]), "%.40s", m);
		if (!strcmp(docs_str(r, "PricingModel"), docs_str(s->calc, "PricingModel")))
			hi = (int)n;
		n++;
	}
	if (n)
		bars(p, tmpl_str(p->t, "text.chart_ladder"), labels, v, texts, n, p->primary, hi);
	if (same) {
		char note[256];

		snprintf(note, sizeof(note), "%zu more commitments cost the same as on demand here (the pricebook has "
			 "no price of theirs for these resources); the workbook's Ladder sheet lists every one.", same);
		paragraph(p, p->reg, p->size - 1, p->muted, p->margin, p->w - 2 * p->margin, note);
	}
	projection(p);
}

/* ------------------------------------------------------------ architecture */

struct box {
	char title[128], sub[160];
};

static void draw_row(struct pdf *p, const struct box *b, size_t n, float y, float bh, const float fill[3])
{
	float x = p->margin, width = p->w - 2 * p->margin, gap = 10, bw;
	size_t i;

	if (!n)
		return;
	bw = (width - gap * (float)(n - 1)) / (float)n;
	for (i = 0; i < n; i++) {
		float bx = x + (float)i * (bw + gap);

		HPDF_Page_SetRGBStroke(p->page, p->primary[0], p->primary[1], p->primary[2]);
		HPDF_Page_SetRGBFill(p->page, fill[0], fill[1], fill[2]);
		HPDF_Page_SetLineWidth(p->page, 0.8f);
		HPDF_Page_Rectangle(p->page, bx, y, bw, bh);
		HPDF_Page_FillStroke(p->page);
		{
			char t[TEXT_MAX];

			/* a title too wide for its box is cut, with an ellipsis */
			fit(p, p->bold, p->size - 1, bw - 8, b[i].title, t, sizeof(t));
			put(p, p->bold, p->size - 1, p->text, bx + 4, y + bh - 12, t);
			fit(p, p->reg, p->size - 2, bw - 8, b[i].sub, t, sizeof(t));
			put(p, p->reg, p->size - 2, p->muted, bx + 4, y + 5, t);
		}
	}
}

static void arrow(struct pdf *p, float y_from, float y_to)
{
	float cx = p->w / 2;

	HPDF_Page_SetRGBStroke(p->page, p->muted[0], p->muted[1], p->muted[2]);
	HPDF_Page_SetLineWidth(p->page, 1);
	HPDF_Page_MoveTo(p->page, cx, y_from);
	HPDF_Page_LineTo(p->page, cx, y_to + 4);
	HPDF_Page_Stroke(p->page);
	HPDF_Page_SetRGBFill(p->page, p->muted[0], p->muted[1], p->muted[2]);
	HPDF_Page_MoveTo(p->page, cx - 4, y_to + 6);
	HPDF_Page_LineTo(p->page, cx + 4, y_to + 6);
	HPDF_Page_LineTo(p->page, cx, y_to);
	HPDF_Page_Fill(p->page);
}

#define MAX_BOXES 6

static void architecture(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val req = s->requirements, net = json_get(req, "NetworkRequirements"),
		 comp = docs_arr(req, "ComputeRequirements"), dbs = docs_arr(req, "DatabaseRequirements"),
		 st = docs_arr(req, "StorageRequirements"), sec = json_get(req, "SecurityRequirements"),
		 ec2 = docs_arr(json_get(json_get(s->calc, "DetailedCosts"), "Compute"), "EC2Instances"),
		 rds = docs_arr(json_get(json_get(s->calc, "DetailedCosts"), "Database"), "RDS");
	struct box rows[6][MAX_BOXES];
	size_t nrow[6] = { 0 }, i, r;
	float bh = 34, gap = 22, y;

	if (!req)
		return;
	memset(rows, 0, sizeof(rows));
	/* 0 edge: users, CloudFront, WAF */
	snprintf(rows[0][nrow[0]].title, sizeof(rows[0][0].title), "Users");
	snprintf(rows[0][nrow[0]++].sub, sizeof(rows[0][0].sub), "%s GB out a month",
		 docs_num(net, "DataTransferOutGBMonth"));
	if (json_get(net, "GlobalDistributionRequired") && YAJL_IS_TRUE(json_get(net, "GlobalDistributionRequired"))) {
		snprintf(rows[0][nrow[0]].title, sizeof(rows[0][0].title), "Amazon CloudFront");
		snprintf(rows[0][nrow[0]++].sub, sizeof(rows[0][0].sub), "edge delivery");
	}
	if (json_get(net, "WAFRequired") && YAJL_IS_TRUE(json_get(net, "WAFRequired"))) {
		snprintf(rows[0][nrow[0]].title, sizeof(rows[0][0].title), "AWS WAF");
		snprintf(rows[0][nrow[0]++].sub, sizeof(rows[0][0].sub), "web ACL");
	}
	/* 1 load balancers */
	if (strtod(docs_num(net, "LoadBalancerCount"), NULL) > 0) {
		snprintf(rows[1][0].title, sizeof(rows[1][0].title), "Application Load Balancer");
		snprintf(rows[1][0].sub, sizeof(rows[1][0].sub), "x %s", docs_num(net, "LoadBalancerCount"));
		nrow[1] = 1;
	}
	/* 2 server groups, from the calculation (the type it priced) */
	for (i = 0; i < docs_alen(ec2) && nrow[2] < MAX_BOXES; i++) {
		yajl_val g = ec2->u.array.values[i];

		snprintf(rows[2][nrow[2]].title, sizeof(rows[2][0].title), "%s",
			 *docs_str(g, "ServerName") ? docs_str(g, "ServerName") : docs_str(g, "Requirement"));
		snprintf(rows[2][nrow[2]++].sub, sizeof(rows[2][0].sub), "%s x %s %s", docs_str(g, "InstanceType"),
			 docs_num(g, "Quantity"), docs_str(g, "OperatingSystem"));
	}
	if (docs_alen(ec2) > MAX_BOXES) {
		snprintf(rows[2][MAX_BOXES - 1].title, sizeof(rows[2][0].title), "+ %zu more",
			 docs_alen(ec2) - (MAX_BOXES - 1));
		snprintf(rows[2][MAX_BOXES - 1].sub, sizeof(rows[2][0].sub), "server groups");
	}
	if (!docs_alen(ec2))
		for (i = 0; i < docs_alen(comp) && nrow[2] < MAX_BOXES; i++)
			snprintf(rows[2][nrow[2]++].title, sizeof(rows[2][0].title), "%s",
				 docs_str(comp->u.array.values[i], "ServerName"));
	/* 3 databases */
	for (i = 0; i < docs_alen(rds) && nrow[3] < MAX_BOXES; i++) {
		yajl_val d = rds->u.array.values[i];

		snprintf(rows[3][nrow[3]].title, sizeof(rows[3][0].title), "%s",
			 *docs_str(d, "DatabaseName") ? docs_str(d, "DatabaseName") : docs_str(d, "Engine"));
		snprintf(rows[3][nrow[3]++].sub, sizeof(rows[3][0].sub), "%s %s%s, %s replicas", docs_str(d, "Engine"),
			 docs_str(d, "InstanceClass"),
			 json_get(d, "MultiAZ") && YAJL_IS_TRUE(json_get(d, "MultiAZ")) ? " Multi-AZ" : "",
			 docs_num(d, "ReadReplicas"));
	}
	(void)dbs;
	/* 4 storage */
	for (i = 0; i < docs_alen(st) && nrow[4] < MAX_BOXES; i++) {
		yajl_val v = st->u.array.values[i];

		snprintf(rows[4][nrow[4]].title, sizeof(rows[4][0].title), "%s",
			 *docs_str(v, "StorageType") ? docs_str(v, "StorageType") : "Storage");
		snprintf(rows[4][nrow[4]++].sub, sizeof(rows[4][0].sub), "%s, %s GB",
			 *docs_str(v, "SuggestedAWSService") ? docs_str(v, "SuggestedAWSService") : docs_str(v, "AccessPattern"),
			 docs_num(v, "CurrentGB"));
	}
	/* 5 security services asked for */
	if (sec && YAJL_IS_OBJECT(sec)) {
		char list[160] = "";
		size_t n = 0;

		for (i = 0; i < sec->u.object.len; i++)
			if (YAJL_IS_TRUE(sec->u.object.values[i])) {
				n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
						      n ? ", " : "", sec->u.object.keys[i]);
				if (n >= sizeof(list))
					break;
			}
		if (list[0]) {
			snprintf(rows[5][0].title, sizeof(rows[5][0].title), "Security services");
			snprintf(rows[5][0].sub, sizeof(rows[5][0].sub), "%s", list);
			nrow[5] = 1;
		}
	}
	{
		float total = 0;

		for (r = 0; r < 6; r++)
			total += nrow[r] ? bh + gap : 0;
		heading_keep(p, tmpl_str(p->t, "text.architecture"), total);
		if (need(p, total))
			return;
	}
	y = p->y;
	for (r = 0; r < 6; r++) {
		static const float tint[3] = { 0.97f, 0.97f, 0.99f };

		if (!nrow[r])
			continue;
		if (y != p->y)
			arrow(p, y, y - gap + 2);
		y -= gap;
		if (y == p->y - gap)
			y += gap - 6; /* the first row sits right below the heading */
		y -= bh;
		draw_row(p, rows[r], nrow[r], y, bh, r == 5 ? p->band : tint);
	}
	p->y = y - 12;
}

/* ------------------------------------------------------------ lines */

struct col {
	const char *title;
	float width;
	int right;
};

static void line_header(struct pdf *p, const struct col *c, size_t n, float row)
{
	float x = p->margin, fs = p->size - 1;
	size_t i;

	rect(p, p->primary, p->margin, p->y - row, p->w - 2 * p->margin, row);
	for (i = 0; i < n; i++) {
		float base = p->y - row + (row - fs) / 2 + 1.5f;

		if (c[i].right)
			put_right(p, p->bold, fs, white, x + c[i].width - 4, base, c[i].title);
		else
			put(p, p->bold, fs, white, x + 4, base, c[i].title);
		x += c[i].width;
	}
	p->y -= row;
}

/* "1000.000000001" -> "1,000": a quantity for people, grouped, at most 6 decimals */
static void qty_text(const char *raw, char *out, size_t cap)
{
	double v = strtod(raw, NULL);
	char t[64], *dot;
	size_t n;

	snprintf(t, sizeof(t), "%.6f", v);
	dot = strchr(t, '.');
	n = strlen(t);
	while (dot && n > (size_t)(dot - t) && (t[n - 1] == '0' || t[n - 1] == '.')) {
		int was_dot = t[n - 1] == '.';

		t[--n] = '\0';
		if (was_dot)
			break;
	}
	docs_money(t, "", out, cap);
	/* docs_money adds .00: take the grouped integer part and our decimals */
	{
		char *od = strchr(out, '.');

		if (od)
			snprintf(od, cap - (size_t)(od - out), "%s", dot && strlen(t) > (size_t)(dot - t) ? dot : "");
	}
}

struct cell_lines {
	char text[8][256];
	unsigned n;
};

static void keep_line(struct pdf *p, const char *line, void *user)
{
	struct cell_lines *c = user;

	(void)p;
	if (c->n < 8)
		snprintf(c->text[c->n++], sizeof(c->text[0]), "%s", line);
}

static void lines_table(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val lines = docs_arr(s->calc, "Lines");
	float width = p->w - 2 * p->margin, fs = p->size - 1, lead = fs * 1.3f, row = fs * 2.0f, pad = 3;
	struct col c[7] = { { "Category", 0.10f, 0 }, { "Line", 0.34f, 0 }, { "Quantity", 0.12f, 1 },
			    { "Unit", 0.09f, 0 },      { "Rate", 0.11f, 1 },  { "Monthly", 0.11f, 1 },
			    { "Annual", 0.13f, 1 } };
	size_t i, k;
	int band = 0;

	for (k = 0; k < 7; k++)
		c[k].width *= width;
	heading_keep(p, tmpl_str(p->t, "text.lines"), row * 3);
	if (need(p, row * 3))
		return;
	line_header(p, c, 7, row);
	for (i = 0; i < docs_alen(lines); i++) {
		yajl_val l = lines->u.array.values[i];
		struct cell_lines d = { .n = 0 };
		const char *status = docs_str(l, "Status");
		char m1[64], m2[64], q[64], desc[TEXT_MAX];
		float h, x = p->margin, base;

		snprintf(desc, sizeof(desc), "%s%s", docs_str(l, "Description"),
			 !strcmp(status, "MISSING_PRICE") ? ": missing price, not priced" :
			 !strcmp(status, "NO_CHARGE") ? "" :
			 !strcmp(status, "ON_DEMAND_FALLBACK") ? ": priced on demand" : "");
		wrap(p, p->reg, fs, c[1].width - 8, desc, keep_line, &d);
		if (!d.n)
			d.n = 1;
		h = (float)d.n * lead + 2 * pad;
		if (p->y - h < p->bottom) {
			if (need(p, h + row))
				return;
			line_header(p, c, 7, row); /* the header again on every page */
			band = 0;
		}
		if (band++ % 2)
			rect(p, p->band, p->margin, p->y - h, width, h);
		base = p->y - pad - fs;
		put(p, p->reg, fs, p->text, x + 4, base, docs_str(l, "Category"));
		x += c[0].width;
		for (k = 0; k < d.n; k++)
			put(p, p->reg, fs, p->text, x + 4, base - lead * (float)k, d.text[k]);
		x += c[1].width;
		if (json_get_num(l, "Quantity")) {
			qty_text(docs_num(l, "Quantity"), q, sizeof(q));
			put_right(p, p->reg, fs, p->text, x + c[2].width - 4, base, q);
		}
		x += c[2].width;
		fit(p, p->reg, fs, c[3].width - 6, docs_str(l, "Unit"), q, sizeof(q));
		put(p, p->reg, fs, p->muted, x + 4, base, q);
		x += c[3].width;
		put_right(p, p->reg, fs, p->text, x + c[4].width - 4, base,
			  json_get_num(l, "Rate") ? docs_num(l, "Rate") : "");
		x += c[4].width;
		if (!strcmp(status, "MISSING_PRICE")) {
			put_right(p, p->bold, fs, red, x + c[5].width - 4, base, "missing");
		} else {
			money(p, docs_num(l, "MonthlyCost"), m1, sizeof(m1));
			money(p, docs_num(l, "AnnualCost"), m2, sizeof(m2));
			put_right(p, p->reg, fs, p->text, x + c[5].width - 4, base, m1);
			put_right(p, p->reg, fs, p->text, x + c[5].width + c[6].width - 4, base, m2);
		}
		p->y -= h;
	}
	p->y -= 8;
}

/* ------------------------------------------------------------ assumptions */

static void bullets(struct pdf *p, const char *title, yajl_val list, const float rgb[3])
{
	float x = p->margin, width = p->w - 2 * p->margin;
	size_t i;

	if (!docs_alen(list))
		return;
	if (need(p, 30))
		return;
	if (title) {
		p->y -= 16;
		put(p, p->bold, p->size + 1, p->text, x, p->y, title);
		p->y -= 2;
	}
	for (i = 0; i < docs_alen(list); i++) {
		yajl_val v = list->u.array.values[i];

		if (!YAJL_IS_STRING(v))
			continue;
		if (need(p, p->size * 1.4f))
			return;
		put(p, p->reg, p->size - 1, rgb, x + 2, p->y - p->size * 1.05f, "\xe2\x80\xa2");
		paragraph(p, p->reg, p->size - 1, rgb, x + 12, width - 12, v->u.string);
	}
}

static void assumptions(struct pdf *p)
{
	const struct docs_source *s = p->src;

	heading(p, tmpl_str(p->t, "text.assumptions"));
	bullets(p, NULL, docs_arr(s->calc, "Assumptions"), p->text);
	bullets(p, tmpl_str(p->t, "text.warnings"), docs_arr(s->calc, "Warnings"), red);
	{
		yajl_val cfg = json_get(json_get(s->calc, "Provenance"), "Configuration");
		char line[TEXT_MAX];
		size_t i, n = 0;

		if (cfg && YAJL_IS_OBJECT(cfg) && cfg->u.object.len) {
			n = (size_t)snprintf(line, sizeof(line), "Configuration used: ");
			for (i = 0; i < cfg->u.object.len && n < sizeof(line); i++) {
				yajl_val v = cfg->u.object.values[i];

				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s = %s", i ? "; " : "",
						      cfg->u.object.keys[i],
						      YAJL_IS_STRING(v) ? v->u.string :
						      YAJL_IS_NUMBER(v) ? v->u.number.r : "(set)");
			}
			p->y -= 8;
			paragraph(p, p->reg, p->size - 1.5f, p->muted, p->margin, p->w - 2 * p->margin, line);
		}
	}
	p->y -= 8;
	paragraph(p, p->reg, p->size - 1.5f, p->muted, p->margin, p->w - 2 * p->margin,
		  tmpl_str(p->t, "text.disclaimer"));
}

/* ------------------------------------------------------------ footer */

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void footers(struct pdf *p)
{
	const struct docs_source *s = p->src;
	yajl_val prov = json_get(s->calc, "Provenance"), offers = docs_arr(prov, "Offers");
	char dates[512] = "", line[TEXT_MAX], pg[96];
	size_t i, j, n = 0;
	unsigned k;

	/* the price lists' publication dates (their days), each once, in order */
	{
		char days[64][11];
		size_t nd = 0;

		for (i = 0; i < docs_alen(offers); i++) {
			const char *d = docs_str(offers->u.array.values[i], "PublicationDate");
			char day[11];

			snprintf(day, sizeof(day), "%.10s", d);
			if (!day[0])
				continue;
			for (j = 0; j < nd && strcmp(days[j], day); j++)
				;
			if (j == nd && nd < 64)
				memcpy(days[nd++], day, sizeof(day));
		}
		qsort(days, nd, sizeof(days[0]), by_text);
		for (j = 0; j < nd && n < sizeof(dates); j++)
			n += (size_t)snprintf(dates + n, sizeof(dates) - n, "%s%s", j ? ", " : "", days[j]);
	}
	snprintf(line, sizeof(line), "%s  \xc2\xb7  pricebook %.12s", docs_str(s->calc, "CalculationId"),
		 docs_str(prov, "PricebookSha256"));
	for (k = 0; k < p->npages; k++) {
		struct para a = { p->reg, 6.5f, p->margin, 8, p->muted };
		float keep_bottom = p->bottom;

		p->page = p->pages[k];
		hline(p, p->margin, p->w - p->margin, p->margin + 22);
		put(p, p->reg, 6.5f, p->muted, p->margin, p->margin + 13, line);
		snprintf(pg, sizeof(pg), "%s %u %s %u", tmpl_str(p->t, "text.page"), k + 1,
			 tmpl_str(p->t, "text.of"), p->npages);
		put_right(p, p->reg, 7, p->muted, p->w - p->margin, p->margin + 13, pg);
		/* the dates under it, wrapped to the page's width */
		p->y = p->margin + 13;
		p->bottom = 0;
		p->full = 0;
		{
			char d[700];

			snprintf(d, sizeof(d), "price lists published %s", dates[0] ? dates : "(unknown)");
			wrap(p, p->reg, 6.5f, p->w - 2 * p->margin - 60, d, para_line, &a);
		}
		p->bottom = keep_bottom;
	}
}

/* ------------------------------------------------------------ the document */

static int iso_date(const char *iso, HPDF_Date *d)
{
	memset(d, 0, sizeof(*d));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &d->year, &d->month, &d->day, &d->hour, &d->minutes,
		   &d->seconds) != 6)
		return -1;
	d->ind = 'Z';
	return 0;
}

enum cc_code pdf_write(const struct docs_source *src, const struct tmpl *t, const struct tmpl *brand,
		       const char *path, struct docs_warnings *w, struct cc_err *err)
{
	struct pdf *p = calloc(1, sizeof(*p));
	enum cc_code ret = CC_OK;
	const char *name;
	HPDF_Date date;

	if (!p)
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory making the PDF", src->estimation_id);
	p->t = t;
	p->b = brand;
	p->src = src;
	p->currency = *docs_str(src->calc, "Currency") ? docs_str(src->calc, "Currency") : "USD";
	p->size = (float)strtol(tmpl_str(t, "font.size"), NULL, 10);
	p->margin = 48;
	p->one_page = tmpl_bool(t, "one_page");
	tmpl_rgb(t, "color.text", p->text);
	tmpl_rgb(t, "color.muted", p->muted);
	tmpl_rgb(t, "color.rule", p->rule);
	tmpl_rgb(t, "color.band", p->band);
	tmpl_rgb(brand, "color.primary", p->primary);
	tmpl_rgb(brand, "color.accent", p->accent);
	p->widths[0] = calloc(WIDTH_CACHE, sizeof(float));
	p->widths[1] = calloc(WIDTH_CACHE, sizeof(float)); /* without them, measuring is slower, not wrong */
	if (!(p->doc = HPDF_New(on_error, p))) {
		free(p->widths[0]);
		free(p->widths[1]);
		free(p);
		return cc_err_set(err, CC_ENOMEM, "%s: out of memory making the PDF", src->estimation_id);
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	/* metadata in ASCII, before the UTF-8 encoder is current; the date is the run's, never the clock's */
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "costctl");
	{
		char title[160];

		snprintf(title, sizeof(title), "AWS cost proposal %s %s", src->estimation_id,
			 docs_str(src->calc, "CalculationId"));
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, title);
	}
	if (!iso_date(src->generated_at, &date))
		HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, date);
	HPDF_UseUTFEncodings(p->doc);
	HPDF_SetCurrentEncoder(p->doc, "UTF-8");
	if (!(name = HPDF_LoadTTFontFromFile(p->doc, tmpl_path(t, "font.regular"), HPDF_TRUE)) ||
	    !(p->reg = HPDF_GetFont(p->doc, name, "UTF-8"))) {
		ret = cc_err_set(err, CC_EUSAGE, "template '%s': cannot load the font '%s' (libharu error 0x%04x)",
				 tmpl_name(t), tmpl_path(t, "font.regular"), (unsigned)p->error);
		goto out;
	}
	if (!strcmp(tmpl_path(t, "font.bold"), tmpl_path(t, "font.regular"))) {
		p->bold = p->reg; /* one font: half the work (see docs/documents.md) */
	} else if (!(name = HPDF_LoadTTFontFromFile(p->doc, tmpl_path(t, "font.bold"), HPDF_TRUE)) ||
		   !(p->bold = HPDF_GetFont(p->doc, name, "UTF-8"))) {
		ret = cc_err_set(err, CC_EUSAGE, "template '%s': cannot load the font '%s' (libharu error 0x%04x)",
				 tmpl_name(t), tmpl_path(t, "font.bold"), (unsigned)p->error);
		goto out;
	}
	if (*tmpl_path(brand, "logo") && access(tmpl_path(brand, "logo"), R_OK))
		docs_warn(w, "branding '%s': the logo '%s' cannot be read; the proposal is made without it",
			  tmpl_name(brand), tmpl_path(brand, "logo"));
	if (new_page(p))
		goto pages;
	if (tmpl_bool(t, "section.cover")) {
		cover(p);
		if (new_page(p))
			goto pages;
	} else {
		page_header(p);
	}
	if (tmpl_bool(t, "section.executive_summary"))
		summary(p);
	if (tmpl_bool(t, "section.category_table"))
		category_table(p);
	if (tmpl_bool(t, "section.charts"))
		charts(p);
	if (tmpl_bool(t, "section.architecture_diagram") && src->requirements)
		architecture(p);
	if (tmpl_bool(t, "section.detailed_breakdown"))
		lines_table(p);
	if (tmpl_bool(t, "section.assumptions"))
		assumptions(p);
	footers(p);
pages:
	if (p->too_many_pages) {
		ret = cc_err_set(err, CC_ENOMEM, "%s: the proposal would be over %d pages", src->estimation_id,
				 MAX_PAGES);
		goto out;
	}
	if (p->error) {
		ret = cc_err_set(err, CC_EIO, "%s: libharu error 0x%04x (detail %u) drawing the proposal",
				 src->estimation_id, (unsigned)p->error, (unsigned)p->detail);
		goto out;
	}
	if (HPDF_SaveToFile(p->doc, path) != HPDF_OK || p->error)
		ret = cc_err_set(err, CC_EIO, "cannot write '%s' (libharu error 0x%04x, detail %u)", path,
				 (unsigned)p->error, (unsigned)p->detail);
out:
	HPDF_Free(p->doc);
	free(p->widths[0]);
	free(p->widths[1]);
	free(p);
	return ret;
}
