/* Documents: see docs.h. */
#include "pipeline/docs/docs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/docs/pdf.h"
#include "pipeline/docs/s3.h"
#include "pipeline/core/sha256.h"
#include "pipeline/store/store.h"
#include "pipeline/docs/tmpl.h"
#include "pipeline/docs/xlsx.h"

void docs_warn(struct docs_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (!w || w->n >= sizeof(w->msg) / sizeof(w->msg[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n++], sizeof(w->msg[0]), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ fields */

const char *docs_str(yajl_val v, const char *key)
{
	const char *s = json_get_str(v, key);

	return s ? s : "";
}

const char *docs_num(yajl_val v, const char *key)
{
	const char *s = json_get_num(v, key);

	return s ? s : "0";
}

double docs_numd(yajl_val v, const char *key)
{
	return strtod(docs_num(v, key), NULL);
}

yajl_val docs_arr(yajl_val v, const char *key)
{
	yajl_val a = json_get(v, key);

	return a && YAJL_IS_ARRAY(a) ? a : NULL;
}

size_t docs_alen(yajl_val a)
{
	return a ? a->u.array.len : 0;
}

/* ------------------------------------------------------------ text */

/* The code point of the UTF-8 sequence at s (its length in *n), or -1 when it is not valid. */
static long utf8_at(const unsigned char *s, size_t *n)
{
	long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return *n = 1, -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return *n = 1, -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return *n = 1, -1;
	*n = len;
	return c;
}

void docs_clean_text(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, n;

	if (!cap)
		return;
	while (*p) {
		long c = utf8_at(p, &n);
		const char *put;
		size_t len;

		if (c < 0) {
			put = "\xef\xbf\xbd"; /* U+FFFD, visibly not what was there */
			len = 3;
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			put = " ";
			len = 1;
		} else {
			put = (const char *)p;
			len = n;
		}
		if (o + len >= cap)
			break; /* cut at a character, never inside one */
		memcpy(out + o, put, len);
		o += len;
		p += n;
	}
	out[o] = '\0';
}

/* ASCII letters, digits, '-' and '_' from UTF-8 text: accents folded, anything else '_', runs collapsed. */
static void safe_name(const char *text, const char *fallback, char *out, size_t cap)
{
	/* U+00C0..U+00FF folded to ASCII ('_': no letter) */
	static const char fold[] = "AAAAAAACEEEEIIIIDNOOOOO_OUUUUYTsaaaaaaaceeeeiiiidnooooo_ouuuuyty";
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t o = 0, n, max = cap - 1 < 80 ? cap - 1 : 80;

	while (*p && o < max) {
		long c = utf8_at(p, &n);
		char ch = '_';

		if (c >= 0 && c < 0x80 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
					   c == '-'))
			ch = (char)c;
		else if (c >= 0xc0 && c <= 0xff)
			ch = fold[c - 0xc0];
		p += n;
		if (ch == '_' && (!o || out[o - 1] == '_'))
			continue; /* runs collapse; no leading '_' */
		out[o++] = ch;
	}
	while (o && (out[o - 1] == '_' || out[o - 1] == '-'))
		o--;
	out[o] = '\0';
	if (!strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
		snprintf(out, cap, "%s", fallback); /* never empty, never only dashes */
}

void docs_file_name(const char *client, const char *kind, const char *date_iso, const char *ext,
		    char *out, size_t cap)
{
	char name[96], k[96], date[9];
	int i, d = 0;

	safe_name(client, "Client", name, sizeof(name));
	safe_name(kind, "Document", k, sizeof(k));
	for (i = 0; date_iso && date_iso[i] && d < 8; i++)
		if (date_iso[i] >= '0' && date_iso[i] <= '9')
			date[d++] = date_iso[i];
	date[d] = '\0';
	snprintf(out, cap, "%s_%s%s%s.%s", name, k, d ? "_" : "", date, ext);
}

void docs_money(const char *amount, const char *currency, char *out, size_t cap)
{
	const char *a = amount ? amount : "0", *dot;
	char digits[64], grouped[96];
	size_t n, i, g = 0, lead;
	int neg = 0;

	if (*a == '-') {
		neg = 1;
		a++;
	}
	dot = strchr(a, '.');
	n = dot ? (size_t)(dot - a) : strlen(a);
	if (n == 0 || n >= sizeof(digits)) {
		snprintf(out, cap, "%s", amount ? amount : "");
		return;
	}
	memcpy(digits, a, n);
	digits[n] = '\0';
	lead = n % 3 ? n % 3 : 3;
	for (i = 0; i < n && g + 2 < sizeof(grouped); i++) {
		if (i && (i - lead) % 3 == 0 && i >= lead)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	{
		char frac[8] = ".00";

		if (dot) {
			size_t f = strlen(dot + 1);

			snprintf(frac, sizeof(frac), ".%c%c", f > 0 ? dot[1] : '0', f > 1 ? dot[2] : '0');
		}
		if (currency && !*currency)
			snprintf(out, cap, "%s%s%s", neg ? "-" : "", grouped, frac);
		else if (!currency || !strcmp(currency, "USD"))
			snprintf(out, cap, "%s$%s%s", neg ? "-" : "", grouped, frac);
		else
			snprintf(out, cap, "%s%s %s%s", neg ? "-" : "", currency, grouped, frac);
	}
}

/* ------------------------------------------------------------ making them */

struct latest {
	struct buf *out;
	int found;
};

static int latest_cb(void *user, const char *json, size_t len)
{
	struct latest *l = user;

	l->found = 1;
	return buf_add(l->out, json, len) ? -1 : 1; /* the first is the newest: stop */
}

static int iso_to_time(const char *iso, time_t *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			   &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return 0;
}


static void add_kv(struct buf *b, const char *key, const char *value)
{
	buf_addch(b, ',');
	buf_add_json_str(b, key, strlen(key));
	buf_addch(b, ':');
	buf_add_json_str(b, value, strlen(value));
}

/* The DOCUMENT# item of one file (seed section 2.2.5). */
static enum cc_code record(struct store *s, const struct s3 *s3, const char *id, const struct docs_options *o,
			   const struct tmpl *t, const char *branding, const struct docs_file *f, const char *calc_id,
			   struct cc_err *err)
{
	struct buf b;
	char num[32], expires[32] = "";
	time_t at;
	int64_t ttl = 0;
	enum cc_code ret;

	if (o->expire_days > 0 && !iso_to_time(o->generated_at, &at)) {
		struct tm tm;
		time_t e = at + (time_t)o->expire_days * 86400;

		gmtime_r(&e, &tm);
		strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ttl = (int64_t)e;
	}
	buf_init(&b, 1 << 16);
	buf_addstr(&b, "{\"PK\":");
	{
		char pk[300], sk[64];

		snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
		snprintf(sk, sizeof(sk), "DOCUMENT#%s", f->document_id);
		buf_add_json_str(&b, pk, strlen(pk));
		add_kv(&b, "SK", sk);
		add_kv(&b, "GSI1PK", sk);
	}
	add_kv(&b, "GSI1SK", o->generated_at);
	add_kv(&b, "EntityType", "Document");
	add_kv(&b, "DocumentId", f->document_id);
	add_kv(&b, "EstimationId", id);
	add_kv(&b, "DocumentType", f->format == DOCS_PDF ? "PDF_PROPOSAL" : "XLSX_WORKBOOK");
	add_kv(&b, "FileName", f->file_name);
	add_kv(&b, "Path", f->path);
	if (f->uploaded) {
		add_kv(&b, "S3Bucket", s3_bucket(s3));
		add_kv(&b, "S3Key", f->s3_key);
		add_kv(&b, "ETag", f->etag);
	}
	snprintf(num, sizeof(num), "%" PRIu64, f->size);
	buf_addf(&b, ",\"FileSize\":%s", num);
	add_kv(&b, "Sha256", f->sha256);
	add_kv(&b, "CalculationId", calc_id);
	add_kv(&b, "GeneratedAt", o->generated_at);
	add_kv(&b, "GeneratedBy", o->generated_by && *o->generated_by ? o->generated_by : "costctl");
	add_kv(&b, "Status", "COMPLETED");
	if (expires[0]) {
		add_kv(&b, "ExpiresAt", expires);
		buf_addf(&b, ",\"TTL\":%" PRId64, ttl);
	}
	buf_addf(&b, ",\"Metadata\":{\"Template\":");
	buf_add_json_str(&b, tmpl_name(t), strlen(tmpl_name(t)));
	buf_addf(&b, ",\"IncludeExecutiveSummary\":%s,\"IncludeDetailedBreakdown\":%s,"
		 "\"IncludeArchitectureDiagram\":%s",
		 tmpl_bool(t, "section.executive_summary") ? "true" : "false",
		 tmpl_bool(t, "section.detailed_breakdown") ? "true" : "false",
		 tmpl_bool(t, "section.architecture_diagram") ? "true" : "false");
	add_kv(&b, "Branding", branding);
	buf_addstr(&b, "}}");
	if (b.len + 8 > b.cap) {
		buf_release(&b);
		return cc_err_set(err, CC_ENOMEM, "%s: the DOCUMENT item is too large", id);
	}
	ret = store_put(s, b.buf, 0, err);
	buf_release(&b);
	return ret;
}

int docs_id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (!n || n > 128 || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

static enum cc_code make_one(const struct docs_source *src, const struct docs_options *o, const struct tmpl *t,
			     const struct tmpl *brand, const char *dir, unsigned format, const char *client,
			     const char *calc_id, struct docs_file *f, struct docs_warnings *w,
			     struct cc_err *err)
{
	char tmp[4200], key[256];
	unsigned char digest[32];
	enum cc_code ret;

	memset(f, 0, sizeof(*f));
	f->format = format;
	{
		/* the template's kind of document, so a summary never overwrites the proposal */
		char kind[96];

		if (format == DOCS_XLSX)
			snprintf(kind, sizeof(kind), "AWS_Cost_Workbook");
		else if (*tmpl_str(t, "file_kind"))
			snprintf(kind, sizeof(kind), "%s", tmpl_str(t, "file_kind"));
		else if (!strcmp(tmpl_name(t), "standard_proposal"))
			snprintf(kind, sizeof(kind), "AWS_Proposal");
		else
			snprintf(kind, sizeof(kind), "AWS_Proposal_%s", tmpl_name(t));
		docs_file_name(client, kind, o->generated_at, format == DOCS_PDF ? "pdf" : "xlsx", f->file_name,
			       sizeof(f->file_name));
	}
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir, f->file_name) >= sizeof(f->path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%s", dir, (long)getpid(), f->file_name) >=
		    sizeof(tmp))
		return cc_err_set(err, CC_EUSAGE, "the documents directory's path is too long");
	if (fs_replaceable(f->path, err))
		return err ? (err->code = CC_EIO) : CC_EIO;
	/* the document's identity: the calculation it shows, its kind and its look */
	snprintf(key, sizeof(key), "%s|%u|%s|%s", calc_id, format, tmpl_name(t), tmpl_name(brand));
	if ((ret = sha256_buf(key, strlen(key), digest)))
		return cc_err_set(err, ret, "out of memory");
	{
		char hex[65];

		sha256_hex(digest, hex);
		snprintf(f->document_id, sizeof(f->document_id), "doc-%.16s", hex);
	}
	fs_temp_add(tmp);
	ret = format == DOCS_PDF ? pdf_write(src, t, brand, tmp, w, err) : xlsx_write(src, t, brand, tmp, w, err);
	if (!ret)
		ret = sha256_file(tmp, f->sha256, err);
	if (!ret)
		ret = fs_sync_rename(tmp, f->path, &f->size, err);
	if (ret)
		fs_temp_drop(tmp);
	else
		fs_temp_forget(tmp);
	return ret;
}

enum cc_code docs_run_open(struct docs_run *run, const struct docs_options *o, struct cc_err *err)
{
	enum cc_code ret;

	memset(run, 0, sizeof(*run));
	run->o = *o;
	if ((ret = tmpl_load(&run->t, o->templates_dir, o->template_name, TMPL_TEMPLATE, err)))
		return ret;
	run->branding = o->branding && *o->branding ? o->branding : tmpl_str(run->t, "branding");
	if ((ret = tmpl_load(&run->brand, o->templates_dir, run->branding, TMPL_BRANDING, err))) {
		docs_run_close(run);
		return ret;
	}
	if (o->s3_url) {
		struct s3_options so = { o->s3_retries, o->s3_part_bytes };

		if ((ret = s3_open(&run->s3, o->s3_url, &so, o->ctx, err))) {
			docs_run_close(run);
			return ret;
		}
	}
	return CC_OK;
}

void docs_run_close(struct docs_run *run)
{
	tmpl_free(run->t);
	tmpl_free(run->brand);
	s3_close(run->s3);
	run->t = run->brand = NULL;
	run->s3 = NULL;
}

enum cc_code docs_upload(const struct docs_run *run, const char *id, struct docs_result *r, struct cc_err *err)
{
	enum cc_code ret;
	unsigned i;

	if (!run->s3)
		return CC_OK;
	for (i = 0; i < r->nfiles; i++) {
		struct docs_file *f = &r->files[i];
		char rest[400];

		snprintf(rest, sizeof(rest), "%s/%s", id, f->file_name);
		s3_key(run->s3, rest, f->s3_key, sizeof(f->s3_key));
		if ((ret = s3_put_file(run->s3, f->s3_key, f->path,
				       f->format == DOCS_PDF ? "application/pdf" :
				       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				       f->etag, err)))
			return ret;
		f->uploaded = 1;
	}
	return CC_OK;
}

enum cc_code docs_presign(const struct docs_run *run, const struct docs_file *f, long expires_s, char *out,
			  size_t cap, struct cc_err *err)
{
	if (!run->s3 || !f->uploaded)
		return cc_err_set(err, CC_EUSAGE, "a presigned URL needs documents = s3://BUCKET/PREFIX");
	return s3_presign_get(run->s3, f->s3_key, expires_s, time(NULL), out, cap, err);
}

enum cc_code docs_inputs_init(struct docs_inputs *in)
{
	struct buf **b[4] = { &in->metadata, &in->requirements, &in->calc, &in->profile };
	size_t i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < 4; i++) {
		if (!(*b[i] = malloc(sizeof(struct buf)))) {
			docs_inputs_release(in);
			return CC_ENOMEM;
		}
		buf_init(*b[i], (size_t)8 << 20);
	}
	return CC_OK;
}

void docs_inputs_release(struct docs_inputs *in)
{
	struct buf **b[4] = { &in->metadata, &in->requirements, &in->calc, &in->profile };
	size_t i;

	for (i = 0; i < 4; i++)
		if (*b[i]) {
			buf_release(*b[i]);
			free(*b[i]);
			*b[i] = NULL;
		}
}

enum cc_code docs_load_profile(struct store *s, const char *metadata, size_t len, struct docs_inputs *in,
			       struct cc_err *err)
{
	char why[200];
	yajl_val meta = json_parse(metadata, len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *uid = json_get_str(meta, "UserId");
	enum cc_code ret = CC_OK;
	int found;

	buf_reset(in->profile);
	if (uid && strlen(uid) < 200) {
		char upk[256];

		snprintf(upk, sizeof(upk), "USER#%s", uid);
		ret = store_get(s, upk, "PROFILE", in->profile, &found, err);
		if (!ret && !found)
			buf_reset(in->profile);
	}
	yajl_tree_free(meta);
	return ret;
}

enum cc_code docs_load(struct store *s, const char *id, struct docs_inputs *in, struct cc_err *err)
{
	char pk[300];
	int found;
	enum cc_code ret;

	if (!docs_id_ok(id))
		return cc_err_set(err, CC_EUSAGE, "'%.80s' is not an estimation id that can name a directory", id);
	snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
	if ((ret = store_get(s, pk, "METADATA", in->metadata, &found, err)))
		return ret;
	if (!found)
		return cc_err_set(err, CC_ENOTFOUND, "no estimation '%s' (no %s / METADATA item)", id, pk);
	{
		const struct store_pattern *latest = store_pattern_find("latest-calculation");
		const char *args[1] = { id };
		struct latest l = { in->calc, 0 };
		struct buf next;

		buf_init(&next, 4096);
		ret = store_pattern_run(s, latest, args, 1, 1, NULL, latest_cb, &l, &next, err);
		buf_release(&next);
		if (ret)
			return ret;
		if (!l.found)
			return cc_err_set(err, CC_ENOTFOUND, "%s has no calculation yet: run 'costctl rebuild %s' first",
					  id, id);
	}
	if ((ret = store_get(s, pk, "REQUIREMENTS", in->requirements, &found, err)))
		return ret;
	if (!found)
		buf_reset(in->requirements);
	return docs_load_profile(s, in->metadata->buf, in->metadata->len, in, err);
}

enum cc_code docs_render(const struct docs_run *run, const char *id, const struct docs_inputs *in,
			 struct docs_result *r, struct cc_err *err)
{
	const struct docs_options *o = &run->o;
	struct docs_source src;
	char why[200], dir[4096];
	const char *client, *cid;
	enum cc_code ret = CC_OK;
	unsigned i;

	memset(r, 0, sizeof(*r));
	memset(&src, 0, sizeof(src));
	if (!docs_id_ok(id))
		return cc_err_set(err, CC_EUSAGE, "'%.80s' is not an estimation id that can name a directory", id);
	src.estimation_id = id;
	src.generated_at = o->generated_at;
	src.metadata = json_parse(in->metadata->buf, in->metadata->len, STORE_MAX_DEPTH, why, sizeof(why));
	src.calc = json_parse(in->calc->buf, in->calc->len, STORE_MAX_DEPTH, why, sizeof(why));
	if (in->requirements->len)
		src.requirements = json_parse(in->requirements->buf, in->requirements->len, STORE_MAX_DEPTH, why,
					      sizeof(why));
	if (in->profile->len)
		src.profile = json_parse(in->profile->buf, in->profile->len, STORE_MAX_DEPTH, why, sizeof(why));
	if (!src.metadata || !src.calc) {
		ret = cc_err_set(err, CC_EPARSE, "%s: its METADATA or CALCULATION item is not JSON: %s", id, why);
		goto out;
	}
	if (!json_get(src.calc, "Lines") || !json_get(src.calc, "Provenance")) {
		ret = cc_err_set(err, CC_ENOTFOUND,
				 "%s: the latest calculation (%s) was not written by costctl (it has no Lines): "
				 "run 'costctl rebuild %s' first", id,
				 json_get_str(src.calc, "SK") ? json_get_str(src.calc, "SK") : "?", id);
		goto out;
	}
	cid = json_get_str(src.calc, "CalculationId") ? json_get_str(src.calc, "CalculationId") : "";
	cc_copy(r->calculation_id, sizeof(r->calculation_id), cid, strlen(cid));
	client = json_get_str(json_get(src.metadata, "ClientInfo"), "CompanyName");
	if (!client || !*client)
		client = json_get_str(src.metadata, "ProjectName");
	if (!client || !*client)
		client = id;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", o->out_dir, id) >= sizeof(dir)) {
		ret = cc_err_set(err, CC_EUSAGE, "the documents directory's path is too long");
		goto out;
	}
	if ((ret = fs_mkdirs(dir, err)))
		goto out;
	for (i = 0; i < 2; i++) {
		unsigned format = i ? DOCS_XLSX : DOCS_PDF;

		if (!(o->formats & format))
			continue;
		if ((ret = make_one(&src, o, run->t, run->brand, dir, format, client, r->calculation_id,
				    &r->files[r->nfiles], &r->warnings, err)))
			goto out;
		r->nfiles++;
	}
out:
	yajl_tree_free(src.metadata);
	yajl_tree_free(src.calc);
	yajl_tree_free(src.requirements);
	yajl_tree_free(src.profile);
	return ret;
}

enum cc_code docs_record(struct store *s, const struct docs_run *run, const char *id,
			 const struct docs_result *r, struct cc_err *err)
{
	enum cc_code ret;
	unsigned i;

	for (i = 0; i < r->nfiles; i++)
		if ((ret = record(s, run->s3, id, &run->o, run->t, run->branding, &r->files[i], r->calculation_id, err)))
			return ret;
	return CC_OK;
}

enum cc_code docs_make(struct store *s, const char *id, const struct docs_options *o,
		       struct docs_result *r, struct cc_err *err)
{
	struct docs_run run;
	struct docs_inputs in;
	enum cc_code ret;

	memset(r, 0, sizeof(*r));
	if (!docs_id_ok(id))
		return cc_err_set(err, CC_EUSAGE, "'%.80s' is not an estimation id that can name a directory", id);
	if ((ret = docs_run_open(&run, o, err)))
		return ret;
	if (docs_inputs_init(&in)) {
		docs_run_close(&run);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	if (!(ret = docs_load(s, id, &in, err)) && !(ret = docs_render(&run, id, &in, r, err)) &&
	    !(ret = docs_upload(&run, id, r, err)))
		ret = docs_record(s, &run, id, r, err);
	docs_inputs_release(&in);
	docs_run_close(&run);
	return ret;
}
