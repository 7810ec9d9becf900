#include "pipeline/calc/recalc.h"

#include <stdint.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include <omp.h>
#include <pthread.h>

#include "pipeline/docs/docs.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

#define AUDIT_TTL_S 31536000 /* the seed keeps audit logs a year (section 6.2) */
#define LOCK_TRIES 5

void recalc_inputs_init(struct recalc_inputs *in)
{
	memset(in, 0, sizeof(*in));
	buf_init(&in->metadata, (size_t)1 << 20);
	buf_init(&in->requirements, (size_t)1 << 20);
}

void recalc_inputs_release(struct recalc_inputs *in)
{
	buf_release(&in->metadata);
	buf_release(&in->requirements);
}

struct recalc_owner {
	char *uid; /* NULL: a free slot */
	char region[64];
};

void recalc_owners_release(struct recalc_owners *o)
{
	size_t i;

	for (i = 0; i < o->cap; i++)
		free(o->v[i].uid);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* The slot of `uid`: its entry, or the free slot where it goes. */
static struct recalc_owner *owner_slot(struct recalc_owner *v, size_t cap, const char *uid)
{
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
	const char *p;
	size_t i;

	for (p = uid; *p; p++)
		h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
	for (i = (size_t)h & (cap - 1); v[i].uid && strcmp(v[i].uid, uid); i = (i + 1) & (cap - 1))
		;
	return &v[i];
}

/* Remembers uid's region; on no memory it is only not remembered. */
static void owner_add(struct recalc_owners *o, const char *uid, const char *region)
{
	struct recalc_owner *e;

	if (2 * (o->n + 1) > o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64, i;
		struct recalc_owner *v = calloc(cap, sizeof(*v));

		if (!v)
			return;
		for (i = 0; i < o->cap; i++)
			if (o->v[i].uid)
				*owner_slot(v, cap, o->v[i].uid) = o->v[i];
		free(o->v);
		o->v = v;
		o->cap = cap;
	}
	e = owner_slot(o->v, o->cap, uid);
	if (e->uid || !(e->uid = strdup(uid)))
		return;
	cc_copy(e->region, sizeof(e->region), region, strlen(region));
	o->n++;
}

/* The DefaultRegion of USER#uid's PROFILE into out ("" when there is none). */
static enum cc_code owner_region(struct store *s, struct recalc_owners *owners, const char *uid,
				 char *out, size_t outlen, struct cc_err *err)
{
	char upk[300], why[160];
	struct buf user;
	yajl_val prof;
	enum cc_code ret;
	int found = 0;

	*out = '\0';
	if (owners && owners->cap) {
		struct recalc_owner *e = owner_slot(owners->v, owners->cap, uid);

		if (e->uid) {
			cc_copy(out, outlen, e->region, strlen(e->region));
			return CC_OK;
		}
	}
	buf_init(&user, (size_t)1 << 20);
	snprintf(upk, sizeof(upk), "USER#%s", uid);
	ret = store_get(s, upk, "PROFILE", &user, &found, err);
	if (!ret && found && (prof = json_parse(user.buf, user.len, STORE_MAX_DEPTH, why, sizeof(why)))) {
		const char *r = json_get_str(json_get(prof, "Preferences"), "DefaultRegion");

		if (r)
			cc_copy(out, outlen, r, strlen(r));
		yajl_tree_free(prof);
	}
	buf_release(&user);
	if (ret)
		return ret;
	if (owners)
		owner_add(owners, uid, out);
	return CC_OK;
}

enum cc_code recalc_load(struct store *s, const char *id, struct recalc_owners *owners,
			 struct recalc_inputs *in, struct cc_err *err)
{
	char pk[300], why[160];
	struct json_doc doc;
	yajl_val meta;
	const char *uid;
	enum cc_code ret;
	int found;

	snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
	if ((ret = store_get(s, pk, "METADATA", &in->metadata, &found, err)))
		return ret;
	if (!found)
		return cc_err_set(err, CC_ENOTFOUND, "no estimation '%s' (no %s / METADATA item)", id, pk);
	if ((ret = store_get(s, pk, "REQUIREMENTS", &in->requirements, &in->has_requirements, err)))
		return ret;
	json_doc_init(&doc);
	meta = json_doc_parse(&doc, in->metadata.buf, in->metadata.len, STORE_MAX_DEPTH, why, sizeof(why));
	uid = json_get_str(meta, "UserId");
	if (uid && (ret = owner_region(s, owners, uid, in->owner_region, sizeof(in->owner_region), err))) {
		char was[sizeof(err->msg)], who[201];

		cc_copy(was, sizeof(was), err->msg, strlen(err->msg));
		cc_copy(who, sizeof(who), uid, strlen(uid));
		cc_err_set(err, ret, "%s: reading its owner's profile USER#%s: %s", id, who, was);
	}
	json_doc_release(&doc);
	return ret;
}

void recalc_input(struct calc_input *in, const char *id, const struct recalc_inputs *ri,
		  const char *at, const char *model, const char *sha)
{
	memset(in, 0, sizeof(*in));
	in->estimation_id = id;
	in->metadata = ri->metadata.buf;
	in->metadata_len = ri->metadata.len;
	in->requirements = ri->has_requirements ? ri->requirements.buf : NULL;
	in->requirements_len = ri->requirements.len;
	in->owner_region = ri->owner_region[0] ? ri->owner_region : NULL;
	in->calculated_at = at;
	in->model = model;
	in->pricebook_sha256 = sha;
}

struct latest {
	char hash[65], monthly[40];
};

/*
 * A calculation's InputsHash and TotalMonthlyCost, found in its text: a
 * quote inside a JSON string is always escaped, so "InputsHash":" occurs
 * only as the key, and a 10 KB item need not be parsed to compare one field.
 */
static int latest_cb(void *user, const char *json, size_t len)
{
	static const char key[] = "\"InputsHash\":\"", total[] = "\"TotalMonthlyCost\":";
	struct latest *l = user;
	const char *p = memmem(json, len, key, sizeof(key) - 1);

	if (p && (size_t)(json + len - p) >= sizeof(key) - 1 + 64)
		cc_copy(l->hash, sizeof(l->hash), p + sizeof(key) - 1, 64);
	if ((p = memmem(json, len, total, sizeof(total) - 1))) {
		size_t n = 0;

		p += sizeof(total) - 1;
		while (p + n < json + len && n + 1 < sizeof(l->monthly) && strchr("0123456789.-", p[n]))
			n++;
		cc_copy(l->monthly, sizeof(l->monthly), p, n);
	}
	return 0;
}

/* The estimation's latest calculation (all empty when it has none). */
static enum cc_code latest_of(struct store *s, const char *id, struct latest *l, struct cc_err *err)
{
	const char *args[1] = { id };
	struct buf next;
	enum cc_code ret;

	memset(l, 0, sizeof(*l));
	buf_init(&next, (size_t)1 << 20);
	ret = store_pattern_run(s, store_pattern_find("latest-calculation"), args, 1, 0, NULL, latest_cb, l, &next,
				err);
	buf_release(&next);
	return ret;
}

static int gen_ok(yajl_gen_status s)
{
	return s == yajl_gen_status_ok;
}

static int gs(yajl_gen g, const char *s)
{
	return gen_ok(yajl_gen_string(g, (const unsigned char *)s, strlen(s)));
}

/* A money value exactly as the calculation wrote it ("1234.50"). */
static int gmoney(yajl_gen g, struct dec d)
{
	char num[40];

	dec_format(d, 2, num, sizeof(num));
	return gen_ok(yajl_gen_number(g, num, strlen(num)));
}

/*
 * METADATA with a new EstimationSummary (section 2.2.2), every other
 * attribute as it was; Version and UpdatedAt are set by the versioned
 * update.
 */
static int summary_item(yajl_val meta, const struct calc_result *r, const char *at,
			struct buf *out)
{
	static const char *const cats[] = { "Compute", "Storage", "Database", "Network", "Security" };
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *text;
	size_t len, i;
	int ok = g && gen_ok(yajl_gen_map_open(g));

	for (i = 0; ok && i < meta->u.object.len; i++) {
		const char *k = meta->u.object.keys[i];

		if (!strcmp(k, "EstimationSummary") || !strcmp(k, "Version") || !strcmp(k, "UpdatedAt"))
			continue;
		ok = gs(g, k) && json_gen_value(g, meta->u.object.values[i]);
	}
	ok = ok && gs(g, "EstimationSummary") && gen_ok(yajl_gen_map_open(g)) &&
	     gs(g, "TotalMonthlyCost") && gmoney(g, r->monthly) && gs(g, "TotalAnnualCost") &&
	     gmoney(g, r->annual) && gs(g, "Currency") && gs(g, r->currency) &&
	     gs(g, "LastCalculatedAt") && gs(g, at) && gs(g, "CostBreakdown") &&
	     gen_ok(yajl_gen_map_open(g));
	for (i = 0; ok && i < 5; i++)
		ok = gs(g, cats[i]) && gmoney(g, r->category[i]);
	ok = ok && gen_ok(yajl_gen_map_close(g)) && gs(g, "Status") &&
	     gs(g, r->status == CALC_COMPLETE ? "COMPLETE" : "PARTIAL") &&
	     gen_ok(yajl_gen_map_close(g)) && gen_ok(yajl_gen_map_close(g)) &&
	     gen_ok(yajl_gen_get_buf(g, &text, &len));
	buf_reset(out);
	ok = ok && !buf_add(out, text, len);
	if (g)
		yajl_gen_free(g);
	return ok ? 0 : -1;
}

/*
 * The METADATA `text` with the summary of `r`, into `next`, and the
 * Version it was read at.
 */
static enum cc_code summary_of(const char *id, const struct buf *text, const struct calc_result *r,
			       const char *at, struct buf *next, int64_t *version, struct cc_err *err)
{
	char why[160];
	struct json_doc doc;
	yajl_val meta, ver;
	int bad;

	*version = 0;
	json_doc_init(&doc);
	if (!(meta = json_doc_parse(&doc, text->buf, text->len, STORE_MAX_DEPTH, why, sizeof(why)))) {
		json_doc_release(&doc);
		return cc_err_set(err, CC_EPARSE, "%s: METADATA: %s", id, why);
	}
	ver = json_get(meta, "Version");
	if (ver && YAJL_IS_INTEGER(ver))
		*version = YAJL_GET_INTEGER(ver);
	bad = summary_item(meta, r, at, next);
	json_doc_release(&doc);
	return bad ? cc_err_set(err, CC_ENOMEM, "%s: cannot build the summary", id) : CC_OK;
}

/*
 * Section 4.2: the summary is written at the version of the METADATA that
 * was priced (`loaded`, read by recalc_load; `first`, its write made
 * ahead, or NULL); a concurrent edit fails the condition and is re-read,
 * so it is never overwritten.
 */
static enum cc_code update_summary(struct store *s, const char *id, const struct buf *loaded,
				   const struct store_item *first, const struct calc_result *r,
				   const char *at, struct cc_err *err)
{
	char pk[300];
	struct buf cur, next;
	enum cc_code ret = CC_OK;
	int tries, found;

	snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
	buf_init(&cur, (size_t)1 << 20);
	buf_init(&next, (size_t)1 << 20);
	for (tries = 1; tries <= LOCK_TRIES; tries++) {
		const struct buf *text = &cur;
		int64_t version;

		if (tries == 1 && first) {
			ret = store_item_write(s, first, 0, err);
		} else {
			if (tries == 1 && loaded->len) {
				text = loaded;
			} else {
				if ((ret = store_get(s, pk, "METADATA", &cur, &found, err)))
					break;
				if (!found) {
					ret = cc_err_set(err, CC_ENOTFOUND,
							 "%s: the estimation was deleted while it was priced", id);
					break;
				}
			}
			if ((ret = summary_of(id, text, r, at, &next, &version, err)))
				break;
			ret = store_update_versioned(s, next.buf, version, err);
		}
		if (ret != CC_ECONFLICT)
			break;
		cc_err_clear(err);
	}
	if (ret == CC_ECONFLICT)
		ret = cc_err_set(err, CC_ECONFLICT,
				 "%s: METADATA changed under us %d times; the summary was not updated", id,
				 LOCK_TRIES);
	buf_release(&cur);
	buf_release(&next);
	return ret;
}

static time_t epoch_of(const char *iso)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

enum cc_code recalc_audit_item(struct buf *b, const char *id, const char *at, const char *writer,
			       const char *action, const char *result, const char *details)
{
	const char *w = writer ? writer : "";
	const char *sep = writer ? "#" : "";

	/* PK AUDIT#<date>; SK LOG#<user>#<time>#<estimation>[#<writer>], unique per estimation and writer */
	buf_addf(b, "{\"PK\":\"AUDIT#%.10s\",\"SK\":\"LOG#costctl#%s#%s%s%s\",\"GSI1PK\":\"USER#costctl\","
		     "\"GSI1SK\":\"AUDIT#%s\",\"EntityType\":\"AuditLog\",\"LogId\":\"log-%s-%s%s%s\","
		     "\"UserId\":\"costctl\",\"Action\":\"%s\",\"ResourceType\":\"Estimation\",\"ResourceId\":",
		 at, at + 11, id, sep, w, at, id, at, sep, w, action);
	buf_add_json_str(b, id, strlen(id));
	return buf_addf(b, ",\"Timestamp\":\"%s\",\"Details\":%s,\"Result\":\"%s\",\"TTL\":%lld}", at,
			details, result, (long long)epoch_of(at) + AUDIT_TTL_S);
}

/* An audit item's write, made ahead. */
static enum cc_code audit_make(struct store_item **out, const char *id, const char *at, const char *action,
			       const char *result, const char *details, struct cc_err *err)
{
	struct buf b;
	enum cc_code ret;

	buf_init(&b, (size_t)1 << 20);
	if (recalc_audit_item(&b, id, at, NULL, action, result, details))
		ret = cc_err_set(err, CC_ENOMEM, "%s: the audit item passes 1 MiB", id);
	else
		ret = store_item_make(out, b.buf, b.len, -1, err);
	buf_release(&b);
	return ret;
}

static enum cc_code audit(struct store *s, const char *id, const char *at, const char *action,
			  const char *result, const char *details, struct cc_err *err)
{
	struct store_item *it;
	enum cc_code ret = audit_make(&it, id, at, action, result, details, err);

	if (!ret)
		ret = store_item_write(s, it, 0, err);
	store_item_free(it);
	return ret;
}

/*
 * A result's three writes, checked and keyed ahead (any thread): the
 * CALCULATION item, the summary at the priced METADATA's version (NULL
 * when none was read) and the audit item.
 */
struct writes {
	struct store_item *calc, *summary, *audit;
};

static void writes_free(struct writes *w)
{
	store_item_free(w->calc);
	store_item_free(w->summary);
	store_item_free(w->audit);
	memset(w, 0, sizeof(*w));
}

static enum cc_code writes_make(struct writes *w, const char *id, const struct recalc_inputs *ri,
				const struct calc_result *r, const char *at, const char *pb_sha,
				struct cc_err *err)
{
	struct buf b;
	enum cc_code ret;
	int64_t version;
	char m[40], a[40];

	memset(w, 0, sizeof(*w));
	if ((ret = store_item_make_own(&w->calc, r->item.buf, r->item.len, err)))
		return ret;
	buf_init(&b, (size_t)1 << 20);
	if (ri->metadata.len && !(ret = summary_of(id, &ri->metadata, r, at, &b, &version, err)))
		ret = store_item_make(&w->summary, b.buf, b.len, version, err);
	if (!ret) {
		buf_reset(&b);
		dec_format(r->monthly, 2, m, sizeof(m));
		dec_format(r->annual, 2, a, sizeof(a));
		buf_addf(&b, "{\"CalculationId\":\"calc-%.16s\",\"TotalMonthlyCost\":%s,\"TotalAnnualCost\":%s,"
			     "\"Status\":\"%s\",\"PricebookSha256\":\"%s\",\"Warnings\":%u}",
			 r->inputs_hash, m, a, r->status == CALC_COMPLETE ? "COMPLETE" : "PARTIAL", pb_sha,
			 r->warnings);
		ret = audit_make(&w->audit, id, at, "ESTIMATION_RECALCULATED",
				 r->status == CALC_COMPLETE ? "SUCCESS" : "PARTIAL", b.buf, err);
	}
	buf_release(&b);
	if (ret)
		writes_free(w);
	return ret;
}

/* The writes of a result whose inputs moved (or that is forced). */
static enum cc_code save(struct store *s, const char *id, const struct recalc_inputs *ri,
			 const struct calc_result *r, const struct writes *w, const char *at,
			 enum recalc_outcome *outcome, struct cc_err *err)
{
	enum cc_code ret;

	*outcome = RECALC_UNCHANGED;
	if ((ret = store_item_write(s, w->calc, STORE_IF_NOT_EXISTS, err))) {
		if (ret == CC_ECONFLICT) {
			/*
			 * A calculation at this very second exists (the SK has the
			 * seed's one-second resolution): the same inputs are this
			 * calculation written already (a run repeated, or a newer
			 * calculation in between); other inputs are a real clash.
			 */
			char pk[300], sk[64];
			struct buf got;
			struct latest same;
			int found = 0;
			struct cc_err soft = { 0 };

			snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
			snprintf(sk, sizeof(sk), "CALCULATION#%.40s", at);
			memset(&same, 0, sizeof(same));
			buf_init(&got, (size_t)4 << 20);
			if (!store_get(s, pk, sk, &got, &found, &soft) && found)
				latest_cb(&same, got.buf, got.len);
			buf_release(&got);
			if (err)
				cc_err_clear(err);
			if (found && !strcmp(same.hash, r->inputs_hash))
				return CC_OK;
			return cc_err_set(err, CC_ECONFLICT,
					  "%s: a calculation at %s exists already, from other inputs (calculations "
					  "are named by the second: run again a second later)", id, at);
		}
		return ret;
	}
	*outcome = RECALC_WRITTEN;
	if ((ret = update_summary(s, id, &ri->metadata, w->summary, r, at, err)))
		return ret;
	return store_item_write(s, w->audit, 0, err);
}

enum cc_code recalc_save(struct store *s, const char *id, const struct recalc_inputs *ri,
			 const struct calc_result *r, const char *at, const char *pb_sha, int force,
			 enum recalc_outcome *outcome, struct cc_err *err)
{
	struct writes w;
	struct latest l;
	enum cc_code ret;

	*outcome = RECALC_UNCHANGED;
	if ((ret = latest_of(s, id, &l, err)))
		return ret;
	if (!force && !strcmp(l.hash, r->inputs_hash))
		return CC_OK;
	if ((ret = writes_make(&w, id, ri, r, at, pb_sha, err)))
		return ret;
	ret = save(s, id, ri, r, &w, at, outcome, err);
	writes_free(&w);
	return ret;
}

enum cc_code recalc_audit_failure(struct store *s, const char *id, const char *at, const char *why,
				  struct cc_err *err)
{
	struct buf d;
	enum cc_code ret;

	buf_init(&d, 8192);
	buf_addstr(&d, "{\"Error\":");
	buf_add_json_str(&d, why, strlen(why));
	buf_addch(&d, '}');
	ret = audit(s, id, at, "ESTIMATION_RECALCULATION_FAILED", "FAILURE", d.buf, err);
	buf_release(&d);
	return ret;
}

/* ------------------------------------------------------------ every estimation */

struct ids {
	char **v;
	size_t n, alloc;
	int failed;
};

static int ids_add(struct ids *ids, const char *id)
{
	char *copy;

	if (ids->n == ids->alloc) {
		size_t a = ids->alloc ? ids->alloc * 2 : 1024;
		char **p = realloc(ids->v, a * sizeof(*p));

		if (!p)
			return -1;
		ids->v = p;
		ids->alloc = a;
	}
	if (!(copy = strdup(id)))
		return -1;
	ids->v[ids->n++] = copy;
	return 0;
}

static void ids_free(struct ids *ids)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		free(ids->v[i]);
	free(ids->v);
}

/* An ACTIVE estimation's METADATA item: its id. */
/*
 * A scan segment holds every item, most of them calculations of 10 KB: one
 * with no "METADATA" in its text cannot have it as SK, unless an escape
 * spells it, so only text with neither is passed over unparsed.
 */
static int collect_active(void *user, const char *json, size_t len)
{
	struct ids *ids = user;
	char why[64];
	struct json_doc doc;
	yajl_val v;
	const char *sk, *pk, *status;

	if (!memmem(json, len, "METADATA", 8) && !memchr(json, '\\', len))
		return 0;
	json_doc_init(&doc);
	v = json_doc_parse(&doc, json, len, STORE_MAX_DEPTH, why, sizeof(why));
	sk = json_get_str(v, "SK");
	pk = json_get_str(v, "PK");
	status = json_get_str(v, "Status");
	if (sk && pk && !strcmp(sk, "METADATA") && !strncmp(pk, "ESTIMATION#", 11) && status &&
	    !strcmp(status, "ACTIVE") && ids_add(ids, pk + 11))
		ids->failed = 1;
	json_doc_release(&doc);
	return ids->failed;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int omp_default(void)
{
	return omp_get_num_procs();
}

/* The engine's: every core but the one the store thread keeps busy. */
static int engine_default(void)
{
	int n = omp_get_num_procs();

	return n > 1 ? n - 1 : 1;
}

struct job {
	struct recalc_inputs in;
	struct calc_result r;
	struct latest latest;    /* its latest calculation, read with its inputs */
	int unchanged;           /* priced as the latest was (and not forced): nothing to write */
	struct writes w;         /* its writes, made on the engine's thread */
	struct cc_err err;
	enum cc_code ret;
	int loaded;
	int moved;               /* its numbers differ from the summary read (numbers_moved) */
	int docs;                /* written and moved (or its documents are owed): make them */
	int dres_made;           /* its documents were made and recorded */
	struct docs_inputs din;
	struct docs_result dres;
	struct cc_err derr;
	enum cc_code dret;
};

/*
 * Whether a new calculation moves the numbers the documents show: the
 * total or a category differs from the summary on METADATA as it was
 * read (no summary yet: it does).
 */
static int numbers_moved(const struct recalc_inputs *ri, const struct calc_result *r)
{
	static const char *const cats[] = { "Compute", "Storage", "Database", "Network", "Security" };
	char why[128];
	struct json_doc doc;
	yajl_val meta, sum, br;
	int moved = 0;
	size_t k;

	json_doc_init(&doc);
	meta = json_doc_parse(&doc, ri->metadata.buf, ri->metadata.len, STORE_MAX_DEPTH, why, sizeof(why));
	sum = json_get(meta, "EstimationSummary");
	br = json_get(sum, "CostBreakdown");
	if (!sum || !br) {
		json_doc_release(&doc);
		return 1;
	}
	for (k = 0; k <= CALC_NCATEGORIES && !moved; k++) {
		const char *t = k == CALC_NCATEGORIES ? json_get_num(sum, "TotalMonthlyCost") : json_get_num(br, cats[k]);
		struct dec d;

		moved = !t || dec_parse(t, strlen(t), &d) ||
			dec_cmp(d, k == CALC_NCATEGORIES ? r->monthly : r->category[k]) != 0;
	}
	json_doc_release(&doc);
	return moved;
}

/* ------------------------------------------------------------ documents owed */

struct pending {
	char **v; /* sorted, unique */
	size_t n, alloc;
};

#define PENDING_MAX 10000000u

static int pending_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pending_has(const struct pending *p, const char *id)
{
	return p->n && bsearch(&id, p->v, p->n, sizeof(*p->v), pending_cmp) != NULL;
}

static enum cc_code pending_add(struct pending *p, const char *id)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->v[mid], id);

		if (!c)
			return CC_OK;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (p->n == p->alloc) {
		size_t a = p->alloc ? p->alloc * 2 : 256;
		char **v = realloc(p->v, a * sizeof(*v));

		if (!v)
			return CC_ENOMEM;
		p->v = v;
		p->alloc = a;
	}
	memmove(p->v + lo + 1, p->v + lo, (p->n - lo) * sizeof(*p->v));
	if (!(p->v[lo] = strdup(id))) {
		memmove(p->v + lo, p->v + lo + 1, (p->n - lo) * sizeof(*p->v));
		return CC_ENOMEM;
	}
	p->n++;
	return CC_OK;
}

static void pending_del(struct pending *p, const char *id)
{
	char **hit = p->n ? bsearch(&id, p->v, p->n, sizeof(*p->v), pending_cmp) : NULL;
	size_t i;

	if (!hit)
		return;
	i = (size_t)(hit - p->v);
	free(p->v[i]);
	memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof(*p->v));
	p->n--;
}

static void pending_free(struct pending *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The file (absent: none owed). Lines that are not ids are skipped; the file is bounded. */
static enum cc_code pending_load(const char *path, struct pending *p, struct cc_err *err)
{
	FILE *f = fopen(path, "r");
	char line[512];
	enum cc_code ret = CC_OK;

	if (!f)
		return errno == ENOENT ? CC_OK : cc_err_errno(err, errno, "cannot read '%s'", path);
	while (fgets(line, sizeof(line), f) && p->n < PENDING_MAX) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (!n || n > 128 || strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
			continue;
		if (pending_add(p, line)) {
			ret = cc_err_set(err, CC_ENOMEM, "out of memory reading '%s'", path);
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Written atomically (fs_write_atomic); removed when empty. */
static enum cc_code pending_save(const char *path, const struct pending *p, struct cc_err *err)
{
	struct buf b;
	enum cc_code ret = CC_OK;
	size_t i;

	if (!p->n) {
		if (unlink(path) && errno != ENOENT)
			return cc_err_errno(err, errno, "cannot remove '%s'", path);
		return CC_OK;
	}
	buf_init(&b, (size_t)PENDING_MAX * 130);
	for (i = 0; i < p->n && !ret; i++)
		if (buf_adds(&b, p->v[i], "\n", NULL))
			ret = cc_err_set(err, CC_ENOMEM, "out of memory writing '%s'", path);
	if (!ret)
		ret = fs_write_atomic(path, b.buf, b.len, err);
	buf_release(&b);
	return ret;
}

/*
 * The documents of the jobs whose numbers moved: their inputs read here,
 * rendered in parallel (each call its own HPDF_Doc and workbook; the
 * templates shared read-only), recorded here.
 */
static void batch_docs(const struct cc_ctx *ctx, struct store *s, const struct recalc_options *o,
		       struct job *jobs, size_t n, const char *const *ids, struct recalc_stats *st, int *s3_down)
{
	size_t i;
	long k;

	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		if (!j->docs)
			continue;
		cc_err_clear(&j->derr);
		j->dret = docs_inputs_init(&j->din);
		if (!j->dret && (buf_add(j->din.metadata, j->in.metadata.buf, j->in.metadata.len) ||
				 buf_add(j->din.requirements, j->in.requirements.buf, j->in.requirements.len) ||
				 buf_add(j->din.calc, j->r.item.buf, j->r.item.len)))
			j->dret = cc_err_set(&j->derr, CC_ENOMEM, "%s: out of memory for its documents", ids[i]);
		if (!j->dret)
			j->dret = docs_load_profile(s, j->in.metadata.buf, j->in.metadata.len, &j->din, &j->derr);
	}
#pragma omp parallel for schedule(dynamic, 1) num_threads(o->threads ? (int)o->threads : omp_default())
	for (k = 0; k < (long)n; k++) {
		struct job *j = &jobs[k];

		if (j->docs && !j->dret)
			j->dret = docs_render(o->docs, ids[k], &j->din, &j->dres, &j->derr);
	}
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		if (!j->docs)
			continue;
		/* uploads after, here; once S3 cannot be reached, the rest are not tried */
		if (!j->dret && *s3_down)
			j->dret = cc_err_set(&j->derr, CC_ENET_TEMP, "not uploaded: S3 could not be reached earlier");
		if (!j->dret && (j->dret = docs_upload(o->docs, ids[i], &j->dres, &j->derr)) == CC_ENET_TEMP)
			*s3_down = 1;
		if (!j->dret)
			j->dret = docs_record(s, o->docs, ids[i], &j->dres, &j->derr);
		j->dres_made = !j->dret;
		if (j->dret) {
			st->docs_failed++;
			cc_log(ctx, CC_LOG_ERROR, "recalc", "%s: documents: %s", ids[i], j->derr.msg);
		} else {
			unsigned w;

			st->documents += j->dres.nfiles;
			for (w = 0; w < j->dres.warnings.n; w++)
				cc_log(ctx, CC_LOG_WARN, "recalc", "%s: %s", ids[i], j->dres.warnings.msg[w]);
		}
		docs_inputs_release(&j->din);
		j->docs = 0;
	}
}

#define BATCH 512


/* One batch of estimations on its way: read, priced, written, documented. */
struct batch {
	struct job *jobs;
	const char *const *ids;
	size_t n;
	size_t written; /* by the writer: how busy the store thread was with it */
};

/* Read, on the calling thread; CC_ENET_TEMP or CC_EIO stop the run (the batch ends there). */
static enum cc_code batch_load(struct store *s, struct batch *b, struct recalc_owners *owners,
			       struct cc_err *err)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct job *j = &b->jobs[i];

		recalc_inputs_init(&j->in);
		calc_result_init(&j->r);
		cc_err_clear(&j->err);
		j->docs = 0;
		j->moved = 0;
		j->dres_made = 0;
		j->unchanged = 0;
		j->ret = recalc_load(s, b->ids[i], owners, &j->in, &j->err);
		if (!j->ret)
			j->ret = latest_of(s, b->ids[i], &j->latest, &j->err);
		j->loaded = 1;
		if (j->ret == CC_ENET_TEMP || j->ret == CC_EIO) {
			b->n = i + 1;
			return cc_err_set(err, j->ret, "%s", j->err.msg);
		}
	}
	return CC_OK;
}

/* The engine and each result's writes: in parallel, each thread its own jobs. */
static void batch_price(const struct calc_config *cc, const struct pb_reader *pb,
			const struct recalc_options *o, struct batch *b, int threads)
{
	long k;

#pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
	for (k = 0; k < (long)b->n; k++) {
		struct job *j = &b->jobs[k];
		struct calc_input in;

		if (j->ret)
			continue;
		recalc_input(&in, b->ids[k], &j->in, o->calculated_at, NULL, o->pricebook_sha256);
		in.no_table = 1;
		j->ret = calc_estimation(cc, pb, &in, &j->r, &j->err);
		if (!j->ret && (o->dry_run || !o->force) && !strcmp(j->latest.hash, j->r.inputs_hash))
			j->unchanged = 1;
		/* an item the store would refuse fails this estimation alone */
		if (!j->ret && !j->unchanged && !o->dry_run)
			j->ret = writes_make(&j->w, b->ids[k], &j->in, &j->r, o->calculated_at,
					     o->pricebook_sha256, &j->err);
		/* here, not on the store thread, which is the run's longest */
		if (!j->ret && !j->unchanged && o->docs)
			j->moved = numbers_moved(&j->in, &j->r);
	}
}

/*
 * The store thread's step: write one batch (one transaction where the
 * store has them), then read the next; either may be NULL.
 */
struct writer {
	const struct cc_ctx *ctx;
	struct store *s;
	const struct recalc_options *o;
	struct pending *pending;
	struct recalc_owners *owners;
	struct batch *b, *load;
	struct recalc_stats *st;
	enum cc_code ret, lret;
	struct cc_err err, lerr;
};

static enum cc_code batch_write(struct writer *w)
{
	const struct recalc_options *o = w->o;
	struct recalc_stats *st = w->st;
	struct store *s = w->s;
	unsigned written_before = st->written;
	enum cc_code ret;
	size_t i;
	int atomic;

	if ((ret = store_bulk_begin(s, &atomic, &w->err)))
		return ret;
	for (i = 0; i < w->b->n && !ret; i++) {
		struct job *j = &w->b->jobs[i];
		const char *id = w->b->ids[i];
		enum recalc_outcome out;
		struct cc_err soft = { 0 };

		if (j->ret) {
			st->failed++;
			cc_log(w->ctx, CC_LOG_ERROR, "recalc", "%s", j->err.msg);
			if (!o->dry_run)
				recalc_audit_failure(s, id, o->calculated_at, j->err.msg, &soft);
			continue;
		}
		if (j->r.status == CALC_PARTIAL) {
			st->partial++;
			cc_log(w->ctx, CC_LOG_WARN, "recalc", "%s: PARTIAL: %u price%s missing", id, j->r.missing,
			       j->r.missing == 1 ? "" : "s");
		}
		out = RECALC_UNCHANGED;
		if (j->unchanged) {
			ret = CC_OK;
		} else if (o->dry_run) {
			/* nothing written; an estimation whose inputs moved is told to o->would_move */
			out = RECALC_WRITTEN; /* would be */
			if (o->would_move)
				o->would_move(o->user, id, j->latest.monthly, &j->r);
		} else {
			ret = save(s, id, &j->in, &j->r, &j->w, o->calculated_at, &out, &soft);
		}
		if (ret == CC_ECONFLICT || ret == CC_ENOTFOUND) {
			/* this estimation, not the run: named, and the others go on */
			st->failed++;
			cc_log(w->ctx, CC_LOG_ERROR, "recalc", "%s", soft.msg);
			ret = CC_OK;
			continue;
		}
		if (ret) {
			/* the store itself failed (full disk, server down): the run stops */
			if (atomic) {
				st->written = written_before;
				cc_err_set(&w->err, ret, "%s: %s; this batch is rolled back, the %u "
					   "estimations written before it stay; run recalc again to go on",
					   id, soft.msg, st->written);
			} else {
				cc_err_set(&w->err, ret, "%s: %s; the %u estimations written so far stay "
					   "(this one may be partly written); run recalc again to go on",
					   id, soft.msg, st->written);
			}
			break;
		}
		if (out == RECALC_WRITTEN) {
			st->written++;
			w->b->written++;
			j->docs = o->docs && j->moved;
		} else {
			st->unchanged++;
		}
		/* documents a killed or failed run still owes */
		if (o->docs && w->pending && pending_has(w->pending, id))
			j->docs = 1;
	}
	if (ret) {
		store_bulk_end(s, 0, NULL);
	} else if (store_bulk_end(s, 1, &w->err)) {
		/* the commit itself (a full disk): the whole batch is rolled back */
		char msg[sizeof(w->err.msg)];

		ret = w->err.code;
		snprintf(msg, sizeof(msg), "%s", w->err.msg);
		st->written = written_before;
		cc_err_clear(&w->err);
		cc_err_set(&w->err, ret, "%s..%s: %s; this batch is rolled back, the %u estimations written "
			   "before it stay; run recalc again to go on", w->b->ids[0], w->b->ids[w->b->n - 1], msg,
			   st->written);
	}
	return ret;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	double t = now_s();

	if (w->b) {
		w->ret = batch_write(w);
		w->st->write_s += now_s() - t;
	}
	if (w->load && !w->ret) {
		t = now_s();
		w->lret = batch_load(w->s, w->load, w->owners, &w->lerr);
		w->st->read_s += now_s() - t;
	}
	return NULL;
}

static void *writer_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "recalc-store");
	return writer_main(arg);
}

static void batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < BATCH; i++) {
		struct job *j = &b->jobs[i];

		if (!j->loaded)
			continue;
		recalc_inputs_release(&j->in);
		calc_result_release(&j->r);
		writes_free(&j->w);
		j->loaded = 0;
	}
	b->n = 0;
	b->written = 0;
}

/*
 * Documents, after the batch is committed: a calculation never waits on
 * its PDF. Owed from the commit until recorded, in case the run dies first.
 */
static enum cc_code batch_documents(const struct cc_ctx *ctx, struct store *s, const struct recalc_options *o,
				    struct pending *pending, struct batch *b, struct recalc_stats *st,
				    int *s3_down, struct cc_err *err)
{
	enum cc_code ret = CC_OK;
	double t = now_s();
	size_t i;

	for (i = 0; i < b->n && pending; i++)
		if (b->jobs[i].docs && pending_add(pending, b->ids[i]))
			ret = cc_err_set(err, CC_ENOMEM, "out of memory");
	if (!ret && pending)
		ret = pending_save(o->pending_path, pending, err);
	if (!ret) {
		batch_docs(ctx, s, o, b->jobs, b->n, b->ids, st, s3_down);
		for (i = 0; i < b->n && pending; i++) {
			const struct job *j = &b->jobs[i];

			if (j->loaded && !j->ret && !j->dret && j->dres_made)
				pending_del(pending, b->ids[i]);
		}
		if (pending)
			ret = pending_save(o->pending_path, pending, err);
	}
	st->docs_s += now_s() - t;
	return ret;
}

enum cc_code recalc_all(const struct cc_ctx *ctx, struct store *s, const struct calc_config *cc,
			const struct pb_reader *pb, const struct recalc_options *o,
			struct recalc_stats *st, struct cc_err *err)
{
	struct ids ids = { 0 };
	struct recalc_owners owners = { 0 };
	struct batch bs[3] = { { 0 } }, *cur = NULL, *prev = NULL;
	int threads = o->threads ? (int)o->threads : engine_default();
	enum cc_code ret = CC_OK, stop_reading = CC_OK;
	struct cc_err read_err = { 0 };
	size_t first = 0, done = 0, i;
	double t;
	int s3_down = 0;
	struct pending owed = { 0 }, *pending = NULL;

	memset(st, 0, sizeof(*st));
	if (o->docs && o->pending_path) {
		if ((ret = pending_load(o->pending_path, &owed, err)))
			return ret;
		pending = &owed;
		if (owed.n)
			cc_log(ctx, CC_LOG_INFO, "recalc", "%zu estimations' documents are owed from an earlier run (%s)",
			       owed.n, o->pending_path);
	}
	t = now_s();
	if (o->nshards > 1) {
		ret = store_scan(s, o->shard, o->nshards, collect_active, &ids, err);
	} else {
		ret = store_pattern_all(s, store_pattern_find("active-estimations"), NULL, 0, collect_active, &ids, err);
	}
	if (!ret && ids.failed)
		ret = cc_err_set(err, CC_ENOMEM, "out of memory listing estimations");
	st->read_s += now_s() - t;
	if (ret)
		goto out;
	st->estimations = (unsigned)ids.n;
	for (i = 0; i < 3; i++)
		if (!(bs[i].jobs = calloc(BATCH, sizeof(struct job))))
			ret = cc_err_set(err, CC_ENOMEM, "out of memory");
	if (ret)
		goto out;
	/*
	 * Three batches in flight: while the engine prices one, the store
	 * thread writes the one before and reads the one after. The store is
	 * used by one thread at a time: the documents are made, and the first
	 * batch read, while the store thread is not running.
	 */
	while (!ret && ((first < ids.n && !stop_reading) || cur || prev)) {
		struct writer w;
		struct batch *nxt = NULL;
		pthread_t th;
		int threaded = 0;

		for (i = 0; i < 3 && first < ids.n && !stop_reading; i++)
			if (&bs[i] != cur && &bs[i] != prev) {
				nxt = &bs[i];
				nxt->ids = (const char *const *)ids.v + first;
				nxt->n = ids.n - first < BATCH ? ids.n - first : BATCH;
				nxt->written = 0;
				first += nxt->n;
				break;
			}
		memset(&w, 0, sizeof(w));
		w.ctx = ctx;
		w.s = s;
		w.o = o;
		w.pending = pending;
		w.owners = &owners;
		w.b = prev;
		w.load = nxt;
		w.st = st;
		/* the store's work on its thread while the engine prices; here when there is nothing to price */
		if (cur && (prev || nxt))
			threaded = !pthread_create(&th, NULL, writer_thread, &w);
		if (cur) {
			t = now_s();
			batch_price(cc, pb, o, cur, threads);
			st->engine_s += now_s() - t;
		}
		if (threaded)
			pthread_join(th, NULL);
		else
			writer_main(&w);
		if (prev) {
			/*
			 * A batch mostly unchanged kept the store thread idle: the
			 * engine takes its core too, until the writes come back
			 */
			if (!o->threads)
				threads = prev->written * 2 < prev->n ? omp_default() : engine_default();
			if (w.ret)
				ret = cc_err_set(err, w.ret, "%s", w.err.msg);
			else if (o->docs)
				ret = batch_documents(ctx, s, o, pending, prev, st, &s3_down, err);
			done += prev->n;
			batch_release(prev);
			cc_progress(ctx, "estimations", done, ids.n);
		}
		if (nxt && (w.lret || w.ret)) {
			/* a store that fails a read stops the reading; what was read is still written */
			if (w.lret) {
				stop_reading = w.lret;
				cc_err_set(&read_err, w.lret, "%s", w.lerr.msg);
			}
			batch_release(nxt);
			nxt = NULL;
		}
		prev = cur;
		cur = nxt;
		if (ret) {
			if (prev)
				batch_release(prev);
			if (cur)
				batch_release(cur);
		}
	}
	if (!ret && stop_reading)
		ret = cc_err_set(err, stop_reading, "%s", read_err.msg);
	/* an owed estimation that is no longer active owes nothing (a whole run knows) */
	if (!ret && pending && pending->n && o->nshards <= 1) {
		char **sorted = malloc((ids.n ? ids.n : 1) * sizeof(*sorted));
		size_t k = 0;

		if (sorted) {
			if (ids.n) {
				memcpy(sorted, ids.v, ids.n * sizeof(*sorted));
				qsort(sorted, ids.n, sizeof(*sorted), pending_cmp);
			}
			while (k < pending->n)
				if (!bsearch(&pending->v[k], sorted, ids.n, sizeof(*sorted), pending_cmp))
					pending_del(pending, pending->v[k]);
				else
					k++;
			free(sorted);
			ret = pending_save(o->pending_path, pending, err);
		}
	}
	if (!ret && (st->failed || st->partial || st->docs_failed))
		ret = cc_err_set(err, CC_EPARTIAL,
				 "%u of %u estimations failed, %u are partial and %u have no new documents (each named above)",
				 st->failed, st->estimations, st->partial, st->docs_failed);
out:
	for (i = 0; i < 3; i++)
		free(bs[i].jobs);
	ids_free(&ids);
	recalc_owners_release(&owners);
	pending_free(&owed);
	return ret;
}
