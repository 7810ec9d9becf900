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
	meta = json_parse(in->metadata.buf, in->metadata.len, STORE_MAX_DEPTH, why, sizeof(why));
	uid = json_get_str(meta, "UserId");
	if (uid && (ret = owner_region(s, owners, uid, in->owner_region, sizeof(in->owner_region), err))) {
		char was[sizeof(err->msg)];

		cc_copy(was, sizeof(was), err->msg, strlen(err->msg));
		cc_err_set(err, ret, "%s: reading its owner's profile USER#%.200s: %s", id, uid, was);
	}
	yajl_tree_free(meta);
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
 * Section 4.2: the summary is written at the version of the METADATA that
 * was priced (`loaded`, read by recalc_load); a concurrent edit fails the
 * condition and is re-read, so it is never overwritten.
 */
static enum cc_code update_summary(struct store *s, const char *id, const struct buf *loaded,
				   const struct calc_result *r, const char *at, struct cc_err *err)
{
	char pk[300], why[160];
	struct buf cur, next;
	enum cc_code ret = CC_OK;
	int tries, found;

	snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
	buf_init(&cur, (size_t)1 << 20);
	buf_init(&next, (size_t)1 << 20);
	for (tries = 1; tries <= LOCK_TRIES; tries++) {
		const struct buf *text = &cur;
		yajl_val meta, ver;
		int64_t version = 0;

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
		if (!(meta = json_parse(text->buf, text->len, STORE_MAX_DEPTH, why, sizeof(why)))) {
			ret = cc_err_set(err, CC_EPARSE, "%s: METADATA: %s", id, why);
			break;
		}
		ver = json_get(meta, "Version");
		if (ver && YAJL_IS_INTEGER(ver))
			version = YAJL_GET_INTEGER(ver);
		if (summary_item(meta, r, at, &next)) {
			yajl_tree_free(meta);
			ret = cc_err_set(err, CC_ENOMEM, "%s: cannot build the summary", id);
			break;
		}
		yajl_tree_free(meta);
		ret = store_update_versioned(s, next.buf, version, err);
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

static enum cc_code audit(struct store *s, const char *id, const char *at, const char *action,
			  const char *result, const char *details, struct cc_err *err)
{
	struct buf b;
	enum cc_code ret;

	buf_init(&b, (size_t)1 << 20);
	if (recalc_audit_item(&b, id, at, NULL, action, result, details))
		ret = cc_err_set(err, CC_ENOMEM, "%s: the audit item passes 1 MiB", id);
	else
		ret = store_put(s, b.buf, 0, err);
	buf_release(&b);
	return ret;
}

enum cc_code recalc_save(struct store *s, const char *id, const struct recalc_inputs *ri,
			 const struct calc_result *r, const char *at, const char *pb_sha, int force,
			 enum recalc_outcome *outcome, struct cc_err *err)
{
	struct latest l;
	struct buf details;
	enum cc_code ret;
	char m[40], a[40];

	*outcome = RECALC_UNCHANGED;
	if ((ret = latest_of(s, id, &l, err)))
		return ret;
	if (!force && !strcmp(l.hash, r->inputs_hash))
		return CC_OK;
	if ((ret = store_put(s, r->item.buf, STORE_IF_NOT_EXISTS, err))) {
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
	if ((ret = update_summary(s, id, &ri->metadata, r, at, err)))
		return ret;
	buf_init(&details, 8192);
	dec_format(r->monthly, 2, m, sizeof(m));
	dec_format(r->annual, 2, a, sizeof(a));
	buf_addf(&details, "{\"CalculationId\":\"calc-%.16s\",\"TotalMonthlyCost\":%s,\"TotalAnnualCost\":%s,"
			   "\"Status\":\"%s\",\"PricebookSha256\":\"%s\",\"Warnings\":%u}",
		 r->inputs_hash, m, a, r->status == CALC_COMPLETE ? "COMPLETE" : "PARTIAL", pb_sha,
		 r->warnings);
	ret = audit(s, id, at, "ESTIMATION_RECALCULATED",
		    r->status == CALC_COMPLETE ? "SUCCESS" : "PARTIAL", details.buf, err);
	buf_release(&details);
	return ret;
}

/* A dry run's write: nothing; an estimation whose inputs moved is told to o->would_move. */
static enum cc_code dry_compare(struct store *s, const char *id, const struct calc_result *r,
				const struct recalc_options *o, enum recalc_outcome *out, struct cc_err *err)
{
	struct latest l;
	enum cc_code ret;

	if ((ret = latest_of(s, id, &l, err)))
		return ret;
	*out = RECALC_UNCHANGED;
	if (!strcmp(l.hash, r->inputs_hash))
		return CC_OK;
	*out = RECALC_WRITTEN; /* would be */
	if (o->would_move)
		o->would_move(o->user, id, l.monthly, r);
	return CC_OK;
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
	yajl_val v;
	const char *sk, *pk, *status;

	if (!memmem(json, len, "METADATA", 8) && !memchr(json, '\\', len))
		return 0;
	v = json_parse(json, len, STORE_MAX_DEPTH, why, sizeof(why));
	sk = json_get_str(v, "SK");
	pk = json_get_str(v, "PK");
	status = json_get_str(v, "Status");
	if (sk && pk && !strcmp(sk, "METADATA") && !strncmp(pk, "ESTIMATION#", 11) && status &&
	    !strcmp(status, "ACTIVE") && ids_add(ids, pk + 11))
		ids->failed = 1;
	yajl_tree_free(v);
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

struct job {
	struct recalc_inputs in;
	struct calc_result r;
	struct cc_err err;
	enum cc_code ret;
	int loaded;
	int docs;                /* its numbers moved (or its documents are owed): make them */
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
	yajl_val meta = json_parse(ri->metadata.buf, ri->metadata.len, STORE_MAX_DEPTH, why, sizeof(why));
	yajl_val sum = json_get(meta, "EstimationSummary"), br = json_get(sum, "CostBreakdown");
	int moved = 0;
	size_t k;

	if (!sum || !br) {
		yajl_tree_free(meta);
		return 1;
	}
	for (k = 0; k <= CALC_NCATEGORIES && !moved; k++) {
		const char *t = k == CALC_NCATEGORIES ? json_get_num(sum, "TotalMonthlyCost") : json_get_num(br, cats[k]);
		struct dec d;

		moved = !t || dec_parse(t, strlen(t), &d) ||
			dec_cmp(d, k == CALC_NCATEGORIES ? r->monthly : r->category[k]) != 0;
	}
	yajl_tree_free(meta);
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


enum cc_code recalc_all(const struct cc_ctx *ctx, struct store *s, const struct calc_config *cc,
			const struct pb_reader *pb, const struct recalc_options *o,
			struct recalc_stats *st, struct cc_err *err)
{
	struct ids ids = { 0 };
	struct recalc_owners owners = { 0 };
	struct job *jobs = NULL;
	enum cc_code ret = CC_OK;
	size_t first, i;
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
	jobs = calloc(BATCH, sizeof(*jobs));
	if (!jobs) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory");
		goto out;
	}
	for (first = 0; first < ids.n && !ret; first += BATCH) {
		size_t n = ids.n - first < BATCH ? ids.n - first : BATCH;
		int atomic;

		/* read: on this thread */
		t = now_s();
		for (i = 0; i < n; i++) {
			struct job *j = &jobs[i];

			recalc_inputs_init(&j->in);
			calc_result_init(&j->r);
			cc_err_clear(&j->err);
			j->docs = 0;
			j->dres_made = 0;
			j->ret = recalc_load(s, ids.v[first + i], &owners, &j->in, &j->err);
			j->loaded = 1;
			if (j->ret == CC_ENET_TEMP || j->ret == CC_EIO) {
				ret = j->ret;
				cc_err_set(err, j->ret, "%s", j->err.msg);
				n = i + 1;
				break;
			}
		}
		st->read_s += now_s() - t;
		/* the engine: in parallel, each thread its own result */
		t = now_s();
		if (!ret) {
			long k;

#pragma omp parallel for schedule(dynamic, 8) num_threads(o->threads ? (int)o->threads : omp_default())
			for (k = 0; k < (long)n; k++) {
				struct job *j = &jobs[k];
				struct calc_input in;

				if (j->ret)
					continue;
				recalc_input(&in, ids.v[first + (size_t)k], &j->in, o->calculated_at, NULL,
					     o->pricebook_sha256);
				in.no_table = 1;
				j->ret = calc_estimation(cc, pb, &in, &j->r, &j->err);
			}
		}
		st->engine_s += now_s() - t;
		/* write: on this thread, one transaction a batch where the store has them */
		t = now_s();
		if (!ret && !(ret = store_bulk_begin(s, &atomic, err))) {
			unsigned written_before = st->written;

			for (i = 0; i < n && !ret; i++) {
				struct job *j = &jobs[i];
				const char *id = ids.v[first + i];
				enum recalc_outcome out;
				struct cc_err soft = { 0 };

				if (j->ret) {
					st->failed++;
					cc_log(ctx, CC_LOG_ERROR, "recalc", "%s", j->err.msg);
					if (!o->dry_run)
						recalc_audit_failure(s, id, o->calculated_at, j->err.msg, &soft);
					continue;
				}
				if (j->r.status == CALC_PARTIAL) {
					st->partial++;
					cc_log(ctx, CC_LOG_WARN, "recalc", "%s: PARTIAL: %u price%s missing", id,
					       j->r.missing, j->r.missing == 1 ? "" : "s");
				}
				if (o->dry_run) {
					ret = dry_compare(s, id, &j->r, o, &out, &soft);
				} else {
					ret = recalc_save(s, id, &j->in, &j->r, o->calculated_at, o->pricebook_sha256,
							  o->force, &out, &soft);
				}
				if (ret == CC_ECONFLICT || ret == CC_ENOTFOUND) {
					/* this estimation, not the run: named, and the others go on */
					st->failed++;
					cc_log(ctx, CC_LOG_ERROR, "recalc", "%s", soft.msg);
					ret = CC_OK;
					continue;
				}
				if (ret) {
					/* the store itself failed (full disk, server down): the run stops */
					if (atomic) {
						st->written = written_before;
						cc_err_set(err, ret, "%s: %s; this batch is rolled back, the %u "
							   "estimations written before it stay; run recalc again to go on",
							   id, soft.msg, st->written);
					} else {
						cc_err_set(err, ret, "%s: %s; the %u estimations written so far stay "
							   "(this one may be partly written); run recalc again to go on",
							   id, soft.msg, st->written);
					}
					break;
				}
				if (out == RECALC_WRITTEN) {
					st->written++;
					j->docs = o->docs && numbers_moved(&j->in, &j->r);
				} else {
					st->unchanged++;
				}
				/* documents a killed or failed run still owes */
				if (o->docs && pending && pending_has(pending, id))
					j->docs = 1;
			}
			if (store_bulk_end(s, !ret, ret ? NULL : err) && !ret)
				ret = err->code;
		}
		st->write_s += now_s() - t;
		/* documents, after the batch is committed: a calculation never waits on its PDF */
		if (!ret && o->docs) {
			t = now_s();
			/* owed from here until recorded, in case the run dies first */
			for (i = 0; i < n && pending; i++)
				if (jobs[i].docs && pending_add(pending, ids.v[first + i]))
					ret = cc_err_set(err, CC_ENOMEM, "out of memory");
			if (!ret && pending)
				ret = pending_save(o->pending_path, pending, err);
			if (!ret) {
				batch_docs(ctx, s, o, jobs, n, (const char *const *)ids.v + first, st, &s3_down);
				for (i = 0; i < n && pending; i++)
					if (jobs[i].loaded && !jobs[i].ret && !jobs[i].dret && jobs[i].dres_made)
						pending_del(pending, ids.v[first + i]);
				if (pending)
					ret = pending_save(o->pending_path, pending, err);
			}
			st->docs_s += now_s() - t;
		}
		for (i = 0; i < BATCH; i++) {
			if (!jobs[i].loaded)
				continue;
			recalc_inputs_release(&jobs[i].in);
			calc_result_release(&jobs[i].r);
			jobs[i].loaded = 0;
		}
		cc_progress(ctx, "estimations", first + n, ids.n);
	}
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
	free(jobs);
	ids_free(&ids);
	recalc_owners_release(&owners);
	pending_free(&owed);
	return ret;
}
