#include "recalc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "jsonutil.h"
#include "store.h"
#include "banned.h"

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

static const char *str_of(yajl_val obj, const char *key)
{
	yajl_val v = json_get(obj, key);

	return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

enum cc_code recalc_load(struct store *s, const char *id, struct recalc_inputs *in,
			 struct cc_err *err)
{
	char pk[300], why[160];
	struct buf user;
	yajl_val meta, prof;
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
	uid = str_of(meta, "UserId");
	if (uid) {
		char upk[300];

		buf_init(&user, (size_t)1 << 20);
		snprintf(upk, sizeof(upk), "USER#%s", uid);
		if (!store_get(s, upk, "PROFILE", &user, &found, err) && found &&
		    (prof = json_parse(user.buf, user.len, STORE_MAX_DEPTH, why, sizeof(why)))) {
			const char *r = str_of(json_get(prof, "Preferences"), "DefaultRegion");

			if (r)
				cc_copy(in->owner_region, sizeof(in->owner_region), r, strlen(r));
			yajl_tree_free(prof);
		}
		cc_err_clear(err);
		buf_release(&user);
	}
	yajl_tree_free(meta);
	return CC_OK;
}

struct latest {
	char hash[65];
};

static int latest_cb(void *user, const char *json, size_t len)
{
	struct latest *l = user;
	char why[64];
	yajl_val v = json_parse(json, len, STORE_MAX_DEPTH, why, sizeof(why));
	const char *h = str_of(json_get(v, "Provenance"), "InputsHash");

	if (h)
		cc_copy(l->hash, sizeof(l->hash), h, strlen(h));
	yajl_tree_free(v);
	return 0;
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

static enum cc_code update_summary(struct store *s, const char *id, const struct calc_result *r,
				   const char *at, struct cc_err *err)
{
	char pk[300], why[160];
	struct buf cur, next;
	enum cc_code ret = CC_OK;
	int tries, found;

	snprintf(pk, sizeof(pk), "ESTIMATION#%s", id);
	buf_init(&cur, (size_t)1 << 20);
	buf_init(&next, (size_t)1 << 20);
	/* section 4.2: read, write at that version; a concurrent edit is re-read */
	for (tries = 1; tries <= LOCK_TRIES; tries++) {
		yajl_val meta, ver;
		int64_t version = 0;

		if ((ret = store_get(s, pk, "METADATA", &cur, &found, err)))
			break;
		if (!found) {
			ret = cc_err_set(err, CC_ENOTFOUND, "%s: the estimation was deleted while it was priced", id);
			break;
		}
		if (!(meta = json_parse(cur.buf, cur.len, STORE_MAX_DEPTH, why, sizeof(why)))) {
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

static enum cc_code audit(struct store *s, const char *id, const char *at, const char *action,
			  const char *result, const char *details, struct cc_err *err)
{
	struct buf b;
	enum cc_code ret;

	buf_init(&b, (size_t)1 << 20);
	/* PK AUDIT#<date>; SK LOG#<user>#<time>#<estimation>, unique per estimation */
	buf_addf(&b, "{\"PK\":\"AUDIT#%.10s\",\"SK\":\"LOG#costctl#%s#%s\",\"GSI1PK\":\"USER#costctl\","
		     "\"GSI1SK\":\"AUDIT#%s\",\"EntityType\":\"AuditLog\",\"LogId\":\"log-%s-%s\","
		     "\"UserId\":\"costctl\",\"Action\":\"%s\",\"ResourceType\":\"Estimation\",\"ResourceId\":",
		 at, at + 11, id, at, id, at, action);
	buf_add_json_str(&b, id, strlen(id));
	buf_addf(&b, ",\"Timestamp\":\"%s\",\"Details\":%s,\"Result\":\"%s\",\"TTL\":%lld}", at, details,
		 result, (long long)epoch_of(at) + AUDIT_TTL_S);
	ret = store_put(s, b.buf, 0, err);
	buf_release(&b);
	return ret;
}

enum cc_code recalc_save(struct store *s, const char *id, const struct calc_result *r,
			 const char *at, const char *pb_sha, int force, enum recalc_outcome *outcome,
			 struct cc_err *err)
{
	const struct store_pattern *latest = store_pattern_find("latest-calculation");
	const char *args[1] = { id };
	struct latest l;
	struct buf next, details;
	enum cc_code ret;
	char m[40], a[40];

	*outcome = RECALC_UNCHANGED;
	memset(&l, 0, sizeof(l));
	buf_init(&next, (size_t)1 << 20);
	ret = store_pattern_run(s, latest, args, 1, 0, NULL, latest_cb, &l, &next, err);
	buf_release(&next);
	if (ret)
		return ret;
	if (!force && !strcmp(l.hash, r->inputs_hash))
		return CC_OK;
	if ((ret = store_put(s, r->item.buf, STORE_IF_NOT_EXISTS, err)))
		return ret == CC_ECONFLICT ?
			cc_err_set(err, CC_ECONFLICT, "%s: a calculation at %s exists already", id, at) : ret;
	*outcome = RECALC_WRITTEN;
	if ((ret = update_summary(s, id, r, at, err)))
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
