#include "pipeline/store/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/jsonutil.h"
#include "pipeline/core/banned.h"

int64_t store_now(void)
{
	const char *fake = getenv("COSTCTL_NOW");

	if (fake && *fake)
		return strtoll(fake, NULL, 10);
	return (int64_t)time(NULL);
}

unsigned store_segment_of(const char *pk, unsigned total)
{
	return total ? (unsigned)(cc_hash(pk, strlen(pk)) % total) : 0;
}

/* ------------------------------------------------------------ items */

static int take_key(yajl_val root, const char *name, char **out, int required,
		    char *why, size_t whylen)
{
	const char *path[2] = { name, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	*out = NULL;
	if (!v || YAJL_IS_NULL(v)) {
		if (required)
			snprintf(why, whylen, "no %s", name);
		return !required;
	}
	if (!YAJL_IS_STRING(v) || (required && !*v->u.string)) {
		snprintf(why, whylen, "%s must be a %sstring", name,
			 required ? "non-empty " : "");
		return 0;
	}
	*out = strdup(v->u.string);
	if (!*out) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	return 1;
}

/*
 * TTL and Version as another client may have written them: DynamoDB lets
 * either be any type. Only a Number TTL expires an item (its whole
 * seconds); only a whole-number Version takes part in the optimistic lock.
 * Anything else is kept as it is and has no effect, as in DynamoDB.
 */
static void take_number(yajl_val root, const char *name, int whole_only, int *has,
			int64_t *out)
{
	const char *path[2] = { name, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	*has = 0;
	if (!v || !YAJL_IS_NUMBER(v))
		return;
	if (YAJL_IS_INTEGER(v)) {
		*has = 1;
		*out = YAJL_GET_INTEGER(v);
	} else if (!whole_only && YAJL_IS_DOUBLE(v) && v->u.number.d > -9.2e18 &&
		   v->u.number.d < 9.2e18) {
		*has = 1;
		*out = (int64_t)floor(v->u.number.d);
	}
}

/* ------------------------------------------------ DynamoDB's limits */

#define DDB_ITEM_MAX 409600u  /* 400 KB */
#define DDB_HASH_KEY_MAX 2048u
#define DDB_RANGE_KEY_MAX 1024u
#define DDB_NUM_DIGITS 38

static int base64_ok(const char *s)
{
	size_t n = strlen(s), i, pad = 0;

	if (n % 4)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return pad <= 2;
}

/* At most 38 significant digits, and within DynamoDB's range (1E-130 .. 9.99E+125). */
static int ddb_number_ok(const char *t)
{
	int digits = 0, lead = 1, zeros = 0, point_seen = 0, int_digits = 0;
	long e = 0;
	const char *p = t;

	if (*p == '-')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.') {
			point_seen = 1;
			continue;
		}
		if (lead && *p == '0') {
			if (point_seen)
				int_digits--;
			continue;
		}
		if (!point_seen)
			int_digits++;
		lead = 0;
		if (*p == '0') {
			zeros++;
		} else {
			digits += zeros + 1;
			zeros = 0;
		}
	}
	if (*p == 'e' || *p == 'E')
		e = strtol(p + 1, NULL, 10);
	if (!digits)
		return 1; /* zero */
	if (digits > DDB_NUM_DIGITS)
		return 0;
	e += int_digits; /* the decimal exponent of the first significant digit, plus one */
	return e <= 126 && e >= -129;
}

/*
 * One value by DynamoDB's rules, adding its size as DynamoDB counts it
 * (strings and binary by bytes, numbers by digits, 3 bytes a container
 * plus 1 an element, names by bytes). The typed forms plain JSON cannot
 * say are single-key objects: {"$ss":[...]}, {"$ns":[...]}, {"$bs":[...]}
 * (non-empty sets, no duplicates) and {"$b":"<base64>"}.
 */
static int ddb_value_ok(yajl_val v, const char *name, unsigned long *size, char *why,
			size_t whylen)
{
	size_t i, j;

	switch (v->type) {
	case yajl_t_string:
		*size += strlen(v->u.string);
		return 1;
	case yajl_t_number:
		if (!ddb_number_ok(v->u.number.r)) {
			snprintf(why, whylen,
				 "'%.60s': the number %.60s has more than %d significant digits or is out of DynamoDB's range",
				 name, v->u.number.r, DDB_NUM_DIGITS);
			return 0;
		}
		*size += strlen(v->u.number.r) / 2 + 1;
		return 1;
	case yajl_t_object:
		if (v->u.object.len == 1 && v->u.object.keys[0][0] == '$') {
			const char *t = v->u.object.keys[0];
			yajl_val x = v->u.object.values[0];

			if (!strcmp(t, "$b")) {
				if (!YAJL_IS_STRING(x) || !base64_ok(x->u.string)) {
					snprintf(why, whylen, "'%.60s': $b must be a base64 string", name);
					return 0;
				}
				*size += strlen(x->u.string) / 4 * 3;
				return 1;
			}
			if (!strcmp(t, "$ss") || !strcmp(t, "$ns") || !strcmp(t, "$bs")) {
				if (!YAJL_IS_ARRAY(x) || !x->u.array.len) {
					snprintf(why, whylen, "'%.60s': %s must be a non-empty array (DynamoDB has no empty sets)",
						 name, t);
					return 0;
				}
				for (i = 0; i < x->u.array.len; i++) {
					yajl_val e = x->u.array.values[i];
					int ok = t[1] == 'n' ? YAJL_IS_NUMBER(e) && ddb_number_ok(e->u.number.r) :
						 YAJL_IS_STRING(e) && (t[1] == 's' || base64_ok(e->u.string));

					if (!ok) {
						snprintf(why, whylen, "'%.60s': element %zu of %s is not a %s",
							 name, i, t, t[1] == 'n' ? "number" :
							 t[1] == 's' ? "string" : "base64 string");
						return 0;
					}
					for (j = 0; j < i; j++) {
						yajl_val o = x->u.array.values[j];

						if (!strcmp(t[1] == 'n' ? o->u.number.r : o->u.string,
							    t[1] == 'n' ? e->u.number.r : e->u.string)) {
							snprintf(why, whylen, "'%.60s': %s holds element %zu twice (a set)",
								 name, t, i);
							return 0;
						}
					}
					*size += (t[1] == 'n' ? strlen(e->u.number.r) / 2 + 1 :
						  strlen(e->u.string)) + 1;
				}
				*size += 3;
				return 1;
			}
		}
		*size += 3;
		for (i = 0; i < v->u.object.len; i++) {
			*size += strlen(v->u.object.keys[i]) + 1;
			if (!ddb_value_ok(v->u.object.values[i], v->u.object.keys[i], size, why, whylen))
				return 0;
		}
		return 1;
	case yajl_t_array:
		*size += 3;
		for (i = 0; i < v->u.array.len; i++) {
			*size += 1;
			if (!ddb_value_ok(v->u.array.values[i], name, size, why, whylen))
				return 0;
		}
		return 1;
	default:
		*size += 1;
		return 1;
	}
}

/* The whole item: every value, its size, and the key attributes' sizes. */
static int ddb_item_ok(yajl_val root, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		size_t max;
	} keys[] = { { "PK", DDB_HASH_KEY_MAX }, { "SK", DDB_RANGE_KEY_MAX },
		     { "GSI1PK", DDB_HASH_KEY_MAX }, { "GSI1SK", DDB_RANGE_KEY_MAX },
		     { "GSI2PK", DDB_HASH_KEY_MAX }, { "GSI2SK", DDB_RANGE_KEY_MAX } };
	unsigned long size = 0;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		yajl_val v = json_get(root, keys[i].name);

		if (v && YAJL_IS_STRING(v) && strlen(v->u.string) > keys[i].max) {
			snprintf(why, whylen, "%s is %zu bytes; DynamoDB allows %zu", keys[i].name,
				 strlen(v->u.string), keys[i].max);
			return 0;
		}
		if (i >= 2 && v && YAJL_IS_STRING(v) && !*v->u.string) {
			snprintf(why, whylen, "%s is empty; DynamoDB refuses an empty index key",
				 keys[i].name);
			return 0;
		}
	}
	for (i = 0; i < root->u.object.len; i++) {
		size += strlen(root->u.object.keys[i]);
		if (!ddb_value_ok(root->u.object.values[i], root->u.object.keys[i], &size, why,
				  whylen))
			return 0;
	}
	if (size > DDB_ITEM_MAX) {
		snprintf(why, whylen, "the item is about %lu bytes; DynamoDB allows %u", size,
			 DDB_ITEM_MAX);
		return 0;
	}
	return 1;
}

static enum cc_code parse_keys(struct store_keys *k, const char *json,
			       size_t len, int64_t set_version,
			       const char *updated_at, char *why, size_t whylen)
{
	char errbuf[256];
	yajl_val root;
	yajl_gen g = NULL;
	enum cc_code ret = CC_EPARSE;
	const unsigned char *out;
	size_t outlen, i;

	memset(k, 0, sizeof(*k));
	buf_init(&k->json, (size_t)4 << 20); /* DynamoDB's limit is 400 KB */
	root = json_parse(json, len, STORE_MAX_DEPTH, errbuf, sizeof(errbuf));
	if (!root) {
		snprintf(why, whylen, "not JSON: %s", errbuf);
		return CC_EPARSE;
	}
	if (!YAJL_IS_OBJECT(root)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	{
		const char *dup = json_dup_key(root);

		if (dup) {
			snprintf(why, whylen, "the attribute '%.100s' appears twice in one object", dup);
			goto out;
		}
	}
	if (!take_key(root, "PK", &k->pk, 1, why, whylen) ||
	    !take_key(root, "SK", &k->sk, 1, why, whylen) ||
	    !take_key(root, "GSI1PK", &k->g1pk, 0, why, whylen) ||
	    !take_key(root, "GSI1SK", &k->g1sk, 0, why, whylen) ||
	    !take_key(root, "GSI2PK", &k->g2pk, 0, why, whylen) ||
	    !take_key(root, "GSI2SK", &k->g2sk, 0, why, whylen) || !ddb_item_ok(root, why, whylen))
		goto out;
	take_number(root, "TTL", 0, &k->has_ttl, &k->ttl);
	take_number(root, "Version", 1, &k->has_version, &k->version);
	g = yajl_gen_alloc(NULL);
	if (!g || yajl_gen_map_open(g) != yajl_gen_status_ok) {
		ret = CC_ENOMEM;
		goto out;
	}
	for (i = 0; i < root->u.object.len; i++) {
		const char *key = root->u.object.keys[i];

		if (set_version >= 0 &&
		    (!strcmp(key, "Version") || !strcmp(key, "UpdatedAt")))
			continue;
		if (!json_gen_str(g, key) || !json_gen_value(g, root->u.object.values[i])) {
			ret = CC_ENOMEM;
			goto out;
		}
	}
	if (set_version >= 0) {
		char num[32];

		snprintf(num, sizeof(num), "%" PRId64, set_version);
		if (!json_gen_str(g, "Version") ||
		    yajl_gen_number(g, num, strlen(num)) != yajl_gen_status_ok ||
		    !json_gen_str(g, "UpdatedAt") || !json_gen_str(g, updated_at)) {
			ret = CC_ENOMEM;
			goto out;
		}
		k->has_version = 1;
		k->version = set_version;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &out, &outlen) != yajl_gen_status_ok ||
	    buf_add(&k->json, out, outlen)) {
		snprintf(why, whylen, "item too large (over %zu bytes)", k->json.cap);
		ret = CC_EPARSE;
		goto out;
	}
	ret = CC_OK;
out:
	if (g)
		yajl_gen_free(g);
	yajl_tree_free(root);
	if (ret)
		store_keys_release(k);
	return ret;
}

enum cc_code store_keys_parse(struct store_keys *k, const char *json,
			      size_t len, int64_t set_version,
			      const char *updated_at, struct cc_err *err)
{
	char why[300];
	enum cc_code ret = parse_keys(k, json, len, set_version, updated_at, why,
				      sizeof(why));

	if (ret)
		cc_err_set(err, ret, "bad item: %s", why);
	return ret;
}

void store_keys_release(struct store_keys *k)
{
	free(k->pk);
	free(k->sk);
	free(k->g1pk);
	free(k->g1sk);
	free(k->g2pk);
	free(k->g2sk);
	buf_release(&k->json);
	memset(k, 0, sizeof(*k));
	buf_init(&k->json, 0);
}

int store_item_valid(const char *json, size_t len, char *why, size_t whylen)
{
	struct store_keys k;

	if (parse_keys(&k, json, len, -1, NULL, why, whylen))
		return 0;
	store_keys_release(&k);
	return 1;
}

/* ------------------------------------------------------------ dispatch */

enum cc_code store_open(struct store **out, const char *url,
			const struct cc_ctx *ctx, struct cc_err *err)
{
	struct store *s = calloc(1, sizeof(*s));
	enum cc_code ret;

	*out = NULL;
	if (!s || !(s->url = strdup(url))) {
		free(s);
		return cc_err_set(err, CC_ENOMEM, "cannot open store '%s'", url);
	}
	s->ctx = ctx;
	if (!strncmp(url, "sqlite:", 7)) {
		s->ops = &store_sqlite_ops;
		ret = store_sqlite_open(s, url + 7, err);
	} else if (!strncmp(url, "dynamodb://", 11)) {
		s->ops = &store_dynamodb_ops;
		ret = store_dynamodb_open(s, url + 11, err);
	} else {
		ret = cc_err_set(err, CC_EUSAGE,
				 "store '%s': want sqlite:PATH or dynamodb://REGION/TABLE",
				 url);
	}
	if (ret) {
		if (s->impl)
			s->ops->close(s);
		free(s->url);
		free(s);
		return ret;
	}
	*out = s;
	return CC_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->ops && s->impl)
		s->ops->close(s);
	free(s->url);
	free(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

const char *store_url(const struct store *s)
{
	return s->url;
}

enum cc_code store_describe(struct store *s, struct buf *out, struct cc_err *err)
{
	return s->ops->describe(s, out, err);
}

enum cc_code store_init(struct store *s, struct cc_err *err)
{
	return store_init_ex(s, 0, err);
}

enum cc_code store_init_ex(struct store *s, unsigned flags, struct cc_err *err)
{
	return s->ops->init(s, flags, err);
}

enum cc_code store_get(struct store *s, const char *pk, const char *sk,
		       struct buf *out, int *found, struct cc_err *err)
{
	buf_reset(out);
	*found = 0;
	return s->ops->get(s, pk, sk, out, found, err);
}

enum cc_code store_put(struct store *s, const char *json, unsigned flags,
		       struct cc_err *err)
{
	struct store_keys k;
	enum cc_code ret = store_keys_parse(&k, json, strlen(json), -1, NULL, err);

	if (ret)
		return ret;
	ret = s->ops->put(s, &k, flags, err);
	store_keys_release(&k);
	return ret;
}

/* Now as a versioned write's UpdatedAt: YYYY-MM-DDTHH:MM:SSZ. */
static void updated_at_now(char stamp[32])
{
	struct tm tm;
	time_t t = (time_t)store_now();

	gmtime_r(&t, &tm);
	strftime(stamp, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum cc_code store_update_versioned(struct store *s, const char *json,
				    int64_t expected, struct cc_err *err)
{
	char stamp[32];
	struct store_keys k;
	enum cc_code ret;

	updated_at_now(stamp);
	ret = store_keys_parse(&k, json, strlen(json), expected + 1, stamp, err);
	if (ret)
		return ret;
	ret = s->ops->update_versioned(s, &k, expected, err);
	store_keys_release(&k);
	return ret;
}

enum cc_code store_delete(struct store *s, const char *pk, const char *sk,
			  struct cc_err *err)
{
	return s->ops->del(s, pk, sk, err);
}

enum cc_code store_query(struct store *s, const struct store_query *q,
			 int (*fn)(void *user, const char *json, size_t len),
			 void *user, struct buf *next, struct cc_err *err)
{
	struct buf scratch;
	enum cc_code ret;

	if (!next) {
		/* the caller wants no cursor */
		buf_init(&scratch, 1 << 16);
		ret = store_query(s, q, fn, user, &scratch, err);
		buf_release(&scratch);
		return ret;
	}
	buf_reset(next);
	if (!q->pk || ((q->cond == STORE_EQ || q->cond == STORE_BEGINS) && !q->sk) ||
	    (q->cond == STORE_BETWEEN && (!q->sk || !q->sk_to)))
		return cc_err_set(err, CC_EUSAGE, "query without its key values");
	return s->ops->query(s, q, fn, user, next, err);
}

static enum cc_code parse_all(struct store_keys *ks, const char *const *items,
			      size_t n, struct cc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!items[i]) {
			ks[i].pk = NULL;
			buf_init(&ks[i].json, 0);
			continue;
		}
		if (store_keys_parse(&ks[i], items[i], strlen(items[i]), -1, NULL, err)) {
			while (i--)
				store_keys_release(&ks[i]);
			return err ? err->code : CC_EPARSE;
		}
	}
	return CC_OK;
}

enum cc_code store_batch_put(struct store *s, const char *const *items,
			     size_t n, struct cc_err *err)
{
	struct store_keys *ks = calloc(n ? n : 1, sizeof(*ks));
	enum cc_code ret;
	size_t i;

	if (!ks)
		return cc_err_set(err, CC_ENOMEM, "cannot batch %zu items", n);
	if (!(ret = parse_all(ks, items, n, err))) {
		ret = s->ops->batch_put(s, ks, n, err);
		for (i = 0; i < n; i++)
			store_keys_release(&ks[i]);
	}
	free(ks);
	return ret;
}

enum cc_code store_bulk_begin(struct store *s, int *atomic, struct cc_err *err)
{
	*atomic = s->ops->bulk != NULL;
	return s->ops->bulk ? s->ops->bulk(s, 0, err) : CC_OK;
}

enum cc_code store_bulk_end(struct store *s, int commit, struct cc_err *err)
{
	return s->ops->bulk ? s->ops->bulk(s, commit ? 1 : 2, err) : CC_OK;
}

/*
 * Each write's keys: a PUT's as given, a VERSIONED one's with Version
 * expected + 1 and UpdatedAt now (store_update_versioned's), a DELETE none.
 * On failure every one is released.
 */
static enum cc_code parse_writes(struct store_keys *ks, const struct store_write *w, size_t n,
				 struct cc_err *err)
{
	char stamp[32];
	size_t i;
	enum cc_code ret = CC_OK;

	updated_at_now(stamp);
	for (i = 0; i < n && !ret; i++) {
		buf_init(&ks[i].json, 0);
		if (w[i].op == STORE_W_PUT)
			ret = store_keys_parse(&ks[i], w[i].json, strlen(w[i].json), -1, NULL, err);
		else if (w[i].op == STORE_W_VERSIONED && w[i].expected < 0)
			ret = cc_err_set(err, CC_EUSAGE, "write %zu of %zu: a version is never negative, not %lld",
					 i + 1, n, (long long)w[i].expected);
		else if (w[i].op == STORE_W_VERSIONED)
			ret = store_keys_parse(&ks[i], w[i].json, strlen(w[i].json), w[i].expected + 1, stamp,
					       err);
	}
	if (ret)
		while (i--)
			store_keys_release(&ks[i]); /* the failed one is released already; again is harmless */
	return ret;
}

enum cc_code store_transact(struct store *s, const struct store_write *w,
			    size_t n, struct cc_err *err)
{
	struct store_keys *ks;
	enum cc_code ret;
	size_t i;

	if (n > 100)
		return cc_err_set(err, CC_EUSAGE, "a transaction holds at most 100 writes, not %zu", n);
	if (!(ks = calloc(n ? n : 1, sizeof(*ks))))
		return cc_err_set(err, CC_ENOMEM, "cannot write %zu items", n);
	if (!(ret = parse_writes(ks, w, n, err))) {
		ret = s->ops->transact(s, w, ks, n, err);
		for (i = 0; i < n; i++)
			store_keys_release(&ks[i]);
	}
	free(ks);
	return ret;
}

enum cc_code store_scan(struct store *s, unsigned segment, unsigned total,
			int (*fn)(void *user, const char *json, size_t len),
			void *user, struct cc_err *err)
{
	if (!total || segment >= total)
		return cc_err_set(err, CC_EUSAGE,
				  "segment %u is not less than the total %u", segment, total);
	return s->ops->scan(s, segment, total, fn, user, err);
}

enum cc_code store_purge_expired(struct store *s, uint64_t *purged,
				 struct cc_err *err)
{
	*purged = 0;
	return s->ops->purge(s, purged, err);
}

/* ------------------------------------------------------------ access patterns */

const struct store_pattern store_patterns[] = {
	{ "user-by-id", "USER_ID", "a user's profile", STORE_BASE, "USER#{1}",
	  STORE_EQ, "PROFILE", NULL, 0, 0 },
	{ "user-by-email", "EMAIL", "a user's profile, by email (GSI1)", STORE_GSI1,
	  "USER#{1}", STORE_EQ, "PROFILE", NULL, 0, 0 },
	{ "estimations-by-user", "USER_ID", "a user's estimations, newest first (GSI1)",
	  STORE_GSI1, "USER#{1}", STORE_BEGINS, "ESTIMATION#", NULL, 1, 0 },
	{ "estimation", "ESTIMATION_ID",
	  "an estimation complete: metadata, requirements, calculations, documents",
	  STORE_BASE, "ESTIMATION#{1}", STORE_ALL, NULL, NULL, 0, 0 },
	{ "calculations", "ESTIMATION_ID", "an estimation's calculations, newest first",
	  STORE_BASE, "ESTIMATION#{1}", STORE_BEGINS, "CALCULATION#", NULL, 1, 0 },
	{ "latest-calculation", "ESTIMATION_ID", "an estimation's latest calculation (GSI1)",
	  STORE_GSI1, "CALCULATION#{1}", STORE_ALL, NULL, NULL, 1, 1 },
	{ "pricing", "SERVICE REGION", "stored prices of a service in a region",
	  STORE_BASE, "PRICING#{1}", STORE_BEGINS, "{2}#", NULL, 0, 0 },
	{ "region-pricing", "REGION", "every stored price of a region (GSI1)", STORE_GSI1,
	  "REGION#{1}", STORE_BEGINS, "PRICING#", NULL, 0, 0 },
	{ "documents", "ESTIMATION_ID", "an estimation's documents", STORE_BASE,
	  "ESTIMATION#{1}", STORE_BEGINS, "DOCUMENT#", NULL, 0, 0 },
	{ "audit-by-user", "USER_ID FROM TO",
	  "a user's audit log between two dates or times, inclusive (GSI1)", STORE_GSI1,
	  "USER#{1}", STORE_BETWEEN, "AUDIT#{2}", "AUDIT#{3}~", 0, 0 },
	{ "shared-with-user", "USER_ID", "estimations shared with a user", STORE_BASE,
	  "USER#{1}", STORE_BEGINS, "SHARED#", NULL, 0, 0 },
	{ "active-estimations", "", "every active estimation (GSI2)", STORE_GSI2,
	  "STATUS#ACTIVE", STORE_BEGINS, "ESTIMATION#", NULL, 0, 0 },
	{ NULL, NULL, NULL, STORE_BASE, NULL, STORE_ALL, NULL, NULL, 0, 0 },
};

const struct store_pattern *store_pattern_find(const char *name)
{
	const struct store_pattern *p;

	for (p = store_patterns; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

unsigned store_pattern_nargs(const struct store_pattern *p)
{
	const char *a = p->args;
	unsigned n = 0;

	while (a && *a) {
		n++;
		a = strchr(a, ' ');
		if (a)
			a++;
	}
	return n;
}

/* Fills {n} from args into out; NULL template gives NULL. */
static const char *fill(struct buf *out, const char *tmpl,
			const char *const *args, size_t nargs)
{
	const char *t;

	if (!tmpl)
		return NULL;
	buf_reset(out);
	for (t = tmpl; *t; t++) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}') {
			size_t i = (size_t)(t[1] - '1');

			buf_addstr(out, i < nargs ? args[i] : "");
			t += 2;
		} else {
			buf_addch(out, *t);
		}
	}
	return out->buf;
}

struct counted {
	int (*fn)(void *user, const char *json, size_t len);
	void *user;
	unsigned n;
};

static int count_item(void *user, const char *json, size_t len)
{
	struct counted *c = user;

	c->n++;
	return c->fn(c->user, json, len);
}

enum cc_code store_pattern_run(struct store *s, const struct store_pattern *p,
			       const char *const *args, size_t nargs,
			       unsigned limit, const char *cursor,
			       int (*fn)(void *user, const char *json, size_t len),
			       void *user, struct buf *next, struct cc_err *err)
{
	struct buf pk, sk, sk_to;
	struct store_query q;
	enum cc_code ret;

	if (nargs != store_pattern_nargs(p))
		return cc_err_set(err, CC_EUSAGE, "'%s' takes %u arguments (%s), not %zu",
				  p->name, store_pattern_nargs(p), p->args, nargs);
	buf_init(&pk, 4096);
	buf_init(&sk, 4096);
	buf_init(&sk_to, 4096);
	memset(&q, 0, sizeof(q));
	q.index = p->index;
	q.pk = fill(&pk, p->pk, args, nargs);
	q.cond = p->cond;
	q.sk = fill(&sk, p->sk, args, nargs);
	q.sk_to = fill(&sk_to, p->sk_to, args, nargs);
	q.backward = p->backward;
	q.limit = p->limit ? p->limit : limit;
	q.cursor = cursor;
	if (!p->limit) {
		ret = store_query(s, &q, fn, user, next, err);
	} else {
		/*
		 * "the latest": one, by design. DynamoDB applies Limit before the
		 * TTL filter, so an expired newest item comes back as an empty
		 * page with a cursor: read on until one is live or none is left.
		 */
		struct counted c = { fn, user, 0 };
		struct buf at;

		buf_init(&at, 1 << 20);
		for (;;) {
			ret = store_query(s, &q, count_item, &c, next, err);
			if (ret || c.n >= p->limit || !next->len)
				break;
			buf_reset(&at);
			if (buf_add(&at, next->buf, next->len)) {
				ret = cc_err_set(err, CC_ENOMEM, "cursor too long");
				break;
			}
			q.cursor = at.buf;
		}
		buf_release(&at);
		buf_reset(next);
	}
	buf_release(&pk);
	buf_release(&sk);
	buf_release(&sk_to);
	return ret;
}

enum cc_code store_pattern_all(struct store *s, const struct store_pattern *p, const char *const *args,
			       size_t nargs, int (*fn)(void *user, const char *json, size_t len), void *user,
			       struct cc_err *err)
{
	struct buf next, cur;
	enum cc_code ret;

	buf_init(&next, 1 << 20);
	buf_init(&cur, 1 << 20);
	for (;;) {
		ret = store_pattern_run(s, p, args, nargs, 1000, cur.len ? cur.buf : NULL, fn, user, &next, err);
		if (ret || !next.len)
			break;
		buf_reset(&cur);
		if (buf_add(&cur, next.buf, next.len)) {
			ret = cc_err_set(err, CC_ENOMEM, "a paging cursor passes 1 MiB");
			break;
		}
	}
	buf_release(&next);
	buf_release(&cur);
	return ret;
}
