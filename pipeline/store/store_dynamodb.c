/*
 * The DynamoDB store: dynamodb://REGION/TABLE[?endpoint=URL]. DynamoDB's
 * JSON API over libcurl, signed with SigV4 (aws.h), plain JSON items
 * marshalled to and from typed attribute values. Items past their TTL
 * (DynamoDB deletes them within days, not at once) are filtered out of
 * every read and count as gone for conditions, as in the SQLite store.
 * Throttling and 5xx are retried with backoff; unprocessed batch items are
 * sent again; ConditionalCheckFailed and TransactionCanceled become
 * CC_ECONFLICT naming the write.
 */
#include "pipeline/store/store_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/aws.h"
#include "pipeline/core/cfg.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/core/version.h"
#include "pipeline/core/banned.h"

#define RESP_CAP ((size_t)64 << 20)
/* live: no TTL, a TTL that is not a Number (DynamoDB never expires those), or one to come */
#define TTL_LIVE "(attribute_not_exists(#ttl) OR NOT attribute_type(#ttl, :nt) OR #ttl > :now)"

struct ddb {
	char region[64], table[256], endpoint[1024];
	struct aws_creds creds;
	CURL *h;
	struct buf resp;
	unsigned retries;
	unsigned rng;
};

static struct ddb *D(struct store *s)
{
	return s->impl;
}

/* ------------------------------------------------------------ marshalling */



static int gs(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok;
}

/* The set and binary markers of plain JSON (store.c checks their contents). */
static const char *marker_of(yajl_val v)
{
	static const char *const m[][2] = { { "$ss", "SS" }, { "$ns", "NS" }, { "$bs", "BS" },
					    { "$b", "B" } };
	size_t i;

	if (!YAJL_IS_OBJECT(v) || v->u.object.len != 1)
		return NULL;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(v->u.object.keys[0], m[i][0]))
			return m[i][1];
	return NULL;
}

/* A number as valid JSON text; DynamoDB may hand back ".5" or "+5". */
static int gen_number(yajl_gen g, const char *text)
{
	char norm[128];

	if (json_num_normalize(text, norm, sizeof(norm)))
		return 0;
	return yajl_gen_number(g, norm, strlen(norm)) == yajl_gen_status_ok;
}

/* A plain JSON value as a typed attribute value. */
static int to_typed(yajl_gen g, yajl_val v)
{
	const char *marker = marker_of(v);
	size_t i;
	int ok = yajl_gen_map_open(g) == yajl_gen_status_ok;

	if (marker) {
		yajl_val x = v->u.object.values[0];

		ok = ok && gs(g, marker);
		if (YAJL_IS_STRING(x)) {
			ok = ok && gs(g, x->u.string);
		} else {
			ok = ok && YAJL_IS_ARRAY(x) && yajl_gen_array_open(g) == yajl_gen_status_ok;
			for (i = 0; ok && i < x->u.array.len; i++) {
				yajl_val e = x->u.array.values[i];

				ok = YAJL_IS_NUMBER(e) ? gs(g, e->u.number.r) :
				     YAJL_IS_STRING(e) && gs(g, e->u.string);
			}
			ok = ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
		}
		return ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
	}
	switch (v->type) {
	case yajl_t_string:
		ok = ok && gs(g, "S") && gs(g, v->u.string);
		break;
	case yajl_t_number:
		ok = ok && gs(g, "N") && gs(g, v->u.number.r);
		break;
	case yajl_t_true:
	case yajl_t_false:
		ok = ok && gs(g, "BOOL") &&
		     yajl_gen_bool(g, v->type == yajl_t_true) == yajl_gen_status_ok;
		break;
	case yajl_t_array:
		ok = ok && gs(g, "L") && yajl_gen_array_open(g) == yajl_gen_status_ok;
		for (i = 0; ok && i < v->u.array.len; i++)
			ok = to_typed(g, v->u.array.values[i]);
		ok = ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
		break;
	case yajl_t_object:
		ok = ok && gs(g, "M") && yajl_gen_map_open(g) == yajl_gen_status_ok;
		for (i = 0; ok && i < v->u.object.len; i++)
			ok = gs(g, v->u.object.keys[i]) && to_typed(g, v->u.object.values[i]);
		ok = ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
		break;
	default:
		ok = ok && gs(g, "NULL") && yajl_gen_bool(g, 1) == yajl_gen_status_ok;
		break;
	}
	return ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
}

/*
 * A typed attribute value as plain JSON. What plain JSON cannot say keeps
 * its type in a marker: SS {"$ss":[...]}, NS {"$ns":[...]}, BS
 * {"$bs":[...]}, B {"$b":"<base64>"}; numbers become valid JSON text.
 */
static int from_typed(yajl_gen g, yajl_val v)
{
	const char *t;
	yajl_val x;
	size_t i;

	if (!YAJL_IS_OBJECT(v) || v->u.object.len != 1)
		return yajl_gen_null(g) == yajl_gen_status_ok;
	t = v->u.object.keys[0];
	x = v->u.object.values[0];
	if (!strcmp(t, "S") && YAJL_IS_STRING(x))
		return gs(g, x->u.string);
	if (!strcmp(t, "N") && YAJL_IS_STRING(x))
		return gen_number(g, x->u.string);
	if (!strcmp(t, "BOOL"))
		return yajl_gen_bool(g, YAJL_IS_TRUE(x)) == yajl_gen_status_ok;
	if (!strcmp(t, "M") && YAJL_IS_OBJECT(x)) {
		int ok = yajl_gen_map_open(g) == yajl_gen_status_ok;

		for (i = 0; ok && i < x->u.object.len; i++)
			ok = gs(g, x->u.object.keys[i]) && from_typed(g, x->u.object.values[i]);
		return ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
	}
	if (!strcmp(t, "L") && YAJL_IS_ARRAY(x)) {
		int ok = yajl_gen_array_open(g) == yajl_gen_status_ok;

		for (i = 0; ok && i < x->u.array.len; i++)
			ok = from_typed(g, x->u.array.values[i]);
		return ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
	}
	if ((!strcmp(t, "SS") || !strcmp(t, "NS") || !strcmp(t, "BS")) && YAJL_IS_ARRAY(x)) {
		char marker[4] = { '$', (char)(t[0] | 0x20), 's', '\0' };
		int ok = yajl_gen_map_open(g) == yajl_gen_status_ok && gs(g, marker) &&
			 yajl_gen_array_open(g) == yajl_gen_status_ok;

		for (i = 0; ok && i < x->u.array.len; i++) {
			yajl_val e = x->u.array.values[i];

			ok = YAJL_IS_STRING(e) &&
			     (t[0] == 'N' ? gen_number(g, e->u.string) : gs(g, e->u.string));
		}
		return ok && yajl_gen_array_close(g) == yajl_gen_status_ok &&
		       yajl_gen_map_close(g) == yajl_gen_status_ok;
	}
	if (!strcmp(t, "B") && YAJL_IS_STRING(x))
		return yajl_gen_map_open(g) == yajl_gen_status_ok && gs(g, "$b") &&
		       gs(g, x->u.string) && yajl_gen_map_close(g) == yajl_gen_status_ok;
	if (!strcmp(t, "NULL"))
		return yajl_gen_null(g) == yajl_gen_status_ok;
	return 0; /* a type this build does not know: refuse, never guess */
}

/* Appends the typed form of a plain item (an object of attributes). */
static int add_typed_item(struct buf *b, const char *plain, size_t len)
{
	char errbuf[160];
	yajl_val root = json_parse(plain, len, STORE_MAX_DEPTH, errbuf, sizeof(errbuf));
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *out;
	size_t outlen, i;
	int ok = root && g && YAJL_IS_OBJECT(root) &&
		 yajl_gen_map_open(g) == yajl_gen_status_ok;

	for (i = 0; ok && i < root->u.object.len; i++)
		ok = gs(g, root->u.object.keys[i]) && to_typed(g, root->u.object.values[i]);
	ok = ok && yajl_gen_map_close(g) == yajl_gen_status_ok &&
	     yajl_gen_get_buf(g, &out, &outlen) == yajl_gen_status_ok && !buf_add(b, out, outlen);
	if (g)
		yajl_gen_free(g);
	yajl_tree_free(root);
	return ok ? 0 : -1;
}

static const char *const key_attrs[] = { "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK" };

static int is_key_attr(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(key_attrs) / sizeof(key_attrs[0]); i++)
		if (!strcmp(name, key_attrs[i]))
			return 1;
	return 0;
}

/*
 * The plain form of a typed item into out (reset). DynamoDB keeps no
 * attribute order: the keys come first, in a fixed order, then the rest
 * as returned. Numbers come back as DynamoDB normalised them.
 */
static int plain_item(struct buf *out, yajl_val item)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *text;
	size_t len, i;
	int ok = g && YAJL_IS_OBJECT(item) && yajl_gen_map_open(g) == yajl_gen_status_ok;

	for (i = 0; ok && i < sizeof(key_attrs) / sizeof(key_attrs[0]); i++) {
		yajl_val v = json_get(item, key_attrs[i]);

		if (v)
			ok = gs(g, key_attrs[i]) && from_typed(g, v);
	}
	for (i = 0; ok && i < item->u.object.len; i++)
		if (!is_key_attr(item->u.object.keys[i]))
			ok = gs(g, item->u.object.keys[i]) && from_typed(g, item->u.object.values[i]);
	ok = ok && yajl_gen_map_close(g) == yajl_gen_status_ok &&
	     yajl_gen_get_buf(g, &text, &len) == yajl_gen_status_ok;
	buf_reset(out);
	ok = ok && !buf_add(out, text, len);
	if (g)
		yajl_gen_free(g);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------ calls */

/* The error type without its namespace: "ConditionalCheckFailedException". */
static const char *err_type(yajl_val body)
{
	yajl_val t = json_get(body, "__type");
	const char *s, *hash;

	if (!t || !YAJL_IS_STRING(t))
		return "";
	s = t->u.string;
	hash = strrchr(s, '#');
	return hash ? hash + 1 : s;
}

static const char *err_message(yajl_val body)
{
	yajl_val m = json_get(body, "message");

	if (!m)
		m = json_get(body, "Message"); /* DynamoDB Local spells it so */
	return m && YAJL_IS_STRING(m) ? m->u.string : "";
}

static int throttled(const char *type)
{
	return !strcmp(type, "ProvisionedThroughputExceededException") ||
	       !strcmp(type, "ThrottlingException") || !strcmp(type, "RequestLimitExceeded") ||
	       !strcmp(type, "InternalServerError") ||
	       !strcmp(type, "TransactionInProgressException");
}

/*
 * One API call: `body` in, the parsed response out (caller frees). On a
 * service error the parsed error body is returned too, with the code.
 */
static enum cc_code call(struct store *s, const char *op, const struct buf *body,
			 yajl_val *out, struct cc_err *err)
{
	struct ddb *d = D(s);
	char target[128], errbuf[CURL_ERROR_SIZE], perr[128];
	unsigned attempt;

	*out = NULL;
	snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", op);
	for (attempt = 1;; attempt++) {
		struct curl_slist *h = NULL;
		long status = 0;
		const char *type = "";
		char type_copy[128] = "";
		CURLcode c;
		double wait;

		buf_reset(&d->resp);
		errbuf[0] = '\0';
		curl_easy_reset(d->h);
		h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.0");
		h = curl_slist_append(h, target);
		if (!h || aws_curl_sign(d->h, &d->creds, d->region, "dynamodb", &h, err)) {
			curl_slist_free_all(h);
			return err && err->code ? err->code : CC_ENOMEM;
		}
		curl_easy_setopt(d->h, CURLOPT_URL, d->endpoint);
		curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, body->buf);
		curl_easy_setopt(d->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
		curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, buf_write_cb);
		curl_easy_setopt(d->h, CURLOPT_WRITEDATA, &d->resp);
		curl_easy_setopt(d->h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(d->h, CURLOPT_USERAGENT, "costctl/" COSTCTL_VERSION);
		curl_easy_setopt(d->h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(d->h, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(d->h, CURLOPT_NOSIGNAL, 1L);
		c = curl_easy_perform(d->h);
		curl_slist_free_all(h);
		curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &status);
		if (!c) {
			*out = json_parse(d->resp.buf, d->resp.len, JSON_MAX_DEPTH, perr, sizeof(perr));
			if (status == 200 && *out)
				return CC_OK;
			type = err_type(*out);
			if (status != 200 && status < 500 && !throttled(type)) {
				const char *msg = err_message(*out);

				if (!strcmp(type, "ConditionalCheckFailedException") ||
				    !strcmp(type, "TransactionCanceledException"))
					return CC_ECONFLICT; /* the caller says which */
				if (!strcmp(type, "ResourceNotFoundException"))
					return cc_err_set(err, CC_ENOTFOUND,
							  "store '%s': %s; run 'costctl table init'",
							  s->url, msg);
				return cc_err_set(err, CC_EIO, /* the server refused: exit 2, with its message */
						  "store '%s': %s: %s: %s", s->url, op,
						  *type ? type : "HTTP error", *msg ? msg : "no message");
			}
			/* the tree goes; the error type outlives it, for the messages below */
			cc_copy(type_copy, sizeof(type_copy), type, strlen(type));
			type = type_copy;
			yajl_tree_free(*out);
			*out = NULL;
		}
		if (attempt > d->retries)
			return cc_err_set(err, CC_ENET_TEMP, "store '%s': %s failed after %u attempts: %s",
					  s->url, op, attempt,
					  c ? (errbuf[0] ? errbuf : curl_easy_strerror(c)) :
					      (*type ? type : "server error"));
		wait = cc_backoff_s(0.1, attempt, 30.0, &d->rng);
		cc_log(s->ctx, CC_LOG_WARN, "store", "%s: %s; retry %u of %u in %.2f s", op,
		       c ? curl_easy_strerror(c) : (*type ? type : "server error"), attempt,
		       d->retries, wait);
		usleep((useconds_t)(wait * 1e6));
	}
}

/* ------------------------------------------------------------ requests */

static void add_str(struct buf *b, const char *s)
{
	buf_add_json_str(b, s, strlen(s));
}

static void add_key(struct buf *b, const char *pk, const char *sk)
{
	buf_addstr(b, "{\"PK\":{\"S\":");
	add_str(b, pk);
	buf_addstr(b, "},\"SK\":{\"S\":");
	add_str(b, sk);
	buf_addstr(b, "}}");
}

static void add_table(struct buf *b, struct store *s)
{
	buf_addstr(b, "\"TableName\":");
	add_str(b, D(s)->table);
}

/* The TTL filter's names and values, merged into a request's maps. */
static void add_ttl_names(struct buf *b)
{
	buf_addstr(b, "\"#ttl\":\"TTL\"");
}

static void add_ttl_values(struct buf *b)
{
	buf_addf(b, "\":now\":{\"N\":\"%" PRId64 "\"},\":nt\":{\"S\":\"N\"}", store_now());
}

static int ttl_expired(yajl_val item)
{
	yajl_val t = json_get(item, "TTL"), n = t ? json_get(t, "N") : NULL;

	return n && YAJL_IS_STRING(n) && strtoll(n->u.string, NULL, 10) <= store_now();
}

static enum cc_code dd_get(struct store *s, const char *pk, const char *sk,
			   struct buf *out, int *found, struct cc_err *err)
{
	struct buf b;
	yajl_val r = NULL, item;
	enum cc_code ret;

	buf_init(&b, 1 << 16);
	buf_addch(&b, '{');
	add_table(&b, s);
	buf_addstr(&b, ",\"ConsistentRead\":true,\"Key\":");
	add_key(&b, pk, sk);
	buf_addch(&b, '}');
	ret = call(s, "GetItem", &b, &r, err);
	item = json_get(r, "Item");
	if (!ret && item && !ttl_expired(item)) {
		*found = 1;
		if (plain_item(out, item))
			ret = cc_err_set(err, CC_ENOMEM, "item %s / %s is too large", pk, sk);
	}
	yajl_tree_free(r);
	buf_release(&b);
	return ret;
}

/* {"Put":{...}} body or PutItem request, with an optional condition. */
static int add_put(struct buf *b, struct store *s, const struct store_keys *k,
		   unsigned flags)
{
	add_table(b, s);
	buf_addstr(b, ",\"Item\":");
	if (add_typed_item(b, k->json.buf, k->json.len))
		return -1;
	if (flags & STORE_IF_NOT_EXISTS) {
		/* an expired item counts as gone, as in the SQLite store */
		buf_addstr(b, ",\"ConditionExpression\":\"attribute_not_exists(PK) OR "
			      "(attribute_type(#ttl, :num) AND #ttl <= :now)\","
			      "\"ExpressionAttributeNames\":{");
		add_ttl_names(b);
		buf_addstr(b, "},\"ExpressionAttributeValues\":{\":num\":{\"S\":\"N\"},");
		buf_addf(b, "\":now\":{\"N\":\"%" PRId64 "\"}}", store_now());
	}
	return 0;
}

static enum cc_code dd_put(struct store *s, const struct store_keys *k,
			   unsigned flags, struct cc_err *err)
{
	struct buf b;
	yajl_val r = NULL;
	enum cc_code ret;

	buf_init(&b, (size_t)8 << 20);
	buf_addch(&b, '{');
	if (add_put(&b, s, k, flags)) {
		buf_release(&b);
		return cc_err_set(err, CC_ENOMEM, "item %s / %s is too large", k->pk, k->sk);
	}
	buf_addch(&b, '}');
	ret = call(s, "PutItem", &b, &r, err);
	if (ret == CC_ECONFLICT)
		ret = cc_err_set(err, CC_ECONFLICT, "item %s / %s already exists", k->pk, k->sk);
	yajl_tree_free(r);
	buf_release(&b);
	return ret;
}

/* The body of a Put that replaces an item only at Version `expected` (section 4.2). */
static int add_put_versioned(struct buf *b, struct store *s, const struct store_keys *k, int64_t expected)
{
	add_table(b, s);
	buf_addstr(b, ",\"Item\":");
	if (add_typed_item(b, k->json.buf, k->json.len))
		return -1;
	buf_addf(b, ",\"ConditionExpression\":\"attribute_exists(PK) AND %s AND " TTL_LIVE "\","
		    "\"ExpressionAttributeNames\":{\"#v\":\"Version\",",
		 expected ? "#v = :v" : "(attribute_not_exists(#v) OR #v = :v)");
	add_ttl_names(b);
	buf_addf(b, "},\"ExpressionAttributeValues\":{\":v\":{\"N\":\"%" PRId64 "\"},", expected);
	add_ttl_values(b);
	buf_addch(b, '}');
	return 0;
}

static enum cc_code dd_update_versioned(struct store *s, const struct store_keys *k,
					int64_t expected, struct cc_err *err)
{
	struct buf b, cur;
	yajl_val r = NULL;
	enum cc_code ret;

	buf_init(&b, (size_t)8 << 20);
	buf_addch(&b, '{');
	if (add_put_versioned(&b, s, k, expected)) {
		buf_release(&b);
		return cc_err_set(err, CC_ENOMEM, "item %s / %s is too large", k->pk, k->sk);
	}
	buf_addch(&b, '}');
	ret = call(s, "PutItem", &b, &r, err);
	yajl_tree_free(r);
	buf_release(&b);
	if (ret != CC_ECONFLICT)
		return ret;
	/* say why: gone, or moved on */
	buf_init(&cur, 1 << 20);
	{
		int found = 0;

		ret = dd_get(s, k->pk, k->sk, &cur, &found, err);
		if (!ret && !found)
			ret = cc_err_set(err, CC_ECONFLICT, "item %s / %s does not exist", k->pk, k->sk);
		else if (!ret) {
			struct store_keys now;

			if (!store_keys_parse(&now, cur.buf, cur.len, -1, NULL, NULL)) {
				ret = cc_err_set(err, CC_ECONFLICT,
						 "item %s / %s is at version %lld, not %lld: someone else wrote it first",
						 k->pk, k->sk,
						 (long long)(now.has_version ? now.version : 0),
						 (long long)expected);
				store_keys_release(&now);
			} else {
				ret = cc_err_set(err, CC_ECONFLICT, "item %s / %s changed", k->pk, k->sk);
			}
		}
	}
	buf_release(&cur);
	return ret;
}

static enum cc_code dd_del(struct store *s, const char *pk, const char *sk,
			   struct cc_err *err)
{
	struct buf b;
	yajl_val r = NULL;
	enum cc_code ret;

	buf_init(&b, 1 << 16);
	buf_addch(&b, '{');
	add_table(&b, s);
	buf_addstr(&b, ",\"Key\":");
	add_key(&b, pk, sk);
	buf_addch(&b, '}');
	ret = call(s, "DeleteItem", &b, &r, err);
	yajl_tree_free(r);
	buf_release(&b);
	return ret;
}

/* Calls fn for each live item of a Query or Scan response; 1 if fn stopped. */
static int each_item(yajl_val r, int (*fn)(void *, const char *, size_t), void *user,
		     struct buf *tmp)
{
	yajl_val items = json_get(r, "Items");
	size_t i;

	for (i = 0; items && YAJL_IS_ARRAY(items) && i < items->u.array.len; i++) {
		yajl_val it = items->u.array.values[i];

		if (ttl_expired(it) || plain_item(tmp, it))
			continue;
		if (fn && fn(user, tmp->buf, tmp->len))
			return 1;
	}
	return 0;
}

/* LastEvaluatedKey as compact JSON text: the cursor. */
static void take_cursor(yajl_val r, struct buf *next)
{
	yajl_val lek = json_get(r, "LastEvaluatedKey");
	yajl_gen g;
	const unsigned char *t;
	size_t len, i;

	buf_reset(next);
	if (!lek || !YAJL_IS_OBJECT(lek) || !(g = yajl_gen_alloc(NULL)))
		return;
	yajl_gen_map_open(g);
	for (i = 0; i < lek->u.object.len; i++) {
		yajl_val v = lek->u.object.values[i];
		yajl_val sv = json_get(v, "S");

		gs(g, lek->u.object.keys[i]);
		yajl_gen_map_open(g);
		gs(g, "S");
		gs(g, sv && YAJL_IS_STRING(sv) ? sv->u.string : "");
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &t, &len) == yajl_gen_status_ok)
		buf_add(next, t, len);
	yajl_gen_free(g);
}

static enum cc_code dd_query(struct store *s, const struct store_query *q,
			     int (*fn)(void *, const char *, size_t), void *user,
			     struct buf *next, struct cc_err *err)
{
	static const char *const pname[] = { "PK", "GSI1PK", "GSI2PK" };
	static const char *const sname[] = { "SK", "GSI1SK", "GSI2SK" };
	static const char *const iname[] = { NULL, "GSI1", "GSI2" };
	struct buf b, tmp;
	yajl_val r = NULL;
	enum cc_code ret;

	if (q->cursor && q->cursor[0] != '{')
		return cc_err_set(err, CC_EUSAGE, "not a cursor of this store: '%s'", q->cursor);
	buf_init(&b, 1 << 20);
	buf_init(&tmp, (size_t)8 << 20);
	buf_addch(&b, '{');
	add_table(&b, s);
	if (iname[q->index])
		buf_addf(&b, ",\"IndexName\":\"%s\"", iname[q->index]);
	else
		buf_addstr(&b, ",\"ConsistentRead\":true");
	buf_addstr(&b, ",\"KeyConditionExpression\":\"#p = :p");
	if (q->cond == STORE_EQ)
		buf_addstr(&b, " AND #s = :s");
	else if (q->cond == STORE_BEGINS)
		buf_addstr(&b, " AND begins_with(#s, :s)");
	else if (q->cond == STORE_BETWEEN)
		buf_addstr(&b, " AND #s BETWEEN :s AND :s2");
	buf_addstr(&b, "\",\"FilterExpression\":\"" TTL_LIVE "\"");
	buf_addf(&b, ",\"ExpressionAttributeNames\":{\"#p\":\"%s\",", pname[q->index]);
	if (q->cond != STORE_ALL)
		buf_addf(&b, "\"#s\":\"%s\",", sname[q->index]);
	add_ttl_names(&b);
	buf_addstr(&b, "},\"ExpressionAttributeValues\":{\":p\":{\"S\":");
	add_str(&b, q->pk);
	buf_addstr(&b, "},");
	if (q->cond != STORE_ALL) {
		buf_addstr(&b, "\":s\":{\"S\":");
		add_str(&b, q->sk);
		buf_addstr(&b, "},");
	}
	if (q->cond == STORE_BETWEEN) {
		buf_addstr(&b, "\":s2\":{\"S\":");
		add_str(&b, q->sk_to);
		buf_addstr(&b, "},");
	}
	add_ttl_values(&b);
	buf_addf(&b, "},\"ScanIndexForward\":%s", q->backward ? "false" : "true");
	if (q->limit)
		buf_addf(&b, ",\"Limit\":%u", q->limit);
	if (q->cursor)
		buf_addf(&b, ",\"ExclusiveStartKey\":%s", q->cursor);
	buf_addch(&b, '}');
	ret = call(s, "Query", &b, &r, err);
	if (!ret) {
		if (each_item(r, fn, user, &tmp))
			buf_reset(next);
		else
			take_cursor(r, next);
	}
	yajl_tree_free(r);
	buf_release(&b);
	buf_release(&tmp);
	return ret;
}

/*
 * {"RequestItems": <the response's UnprocessedItems value>} into out: the
 * value's text, found by matching braces (strings skipped), so the typed
 * items go back byte for byte.
 */
static int unprocessed_request(const struct buf *resp, struct buf *out)
{
	const char *start = strstr(resp->buf, "\"UnprocessedItems\"");
	const char *brace = start ? strchr(start, '{') : NULL, *p;
	int depth = 0, in_str = 0;

	if (!brace)
		return -1;
	for (p = brace; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = 0;
			continue;
		}
		if (*p == '"')
			in_str = 1;
		else if (*p == '{')
			depth++;
		else if (*p == '}' && !--depth)
			break;
	}
	if (!*p)
		return -1;
	return buf_addstr(out, "{\"RequestItems\":") || buf_add(out, brace, (size_t)(p - brace) + 1) ||
	       buf_addch(out, '}');
}

static enum cc_code dd_batch_put(struct store *s, struct store_keys *ks, size_t n,
				 struct cc_err *err)
{
	struct buf b;
	enum cc_code ret = CC_OK;
	size_t i = 0;

	buf_init(&b, (size_t)32 << 20);
	while (i < n && !ret) {
		size_t j, end = i + 25 < n ? i + 25 : n;
		unsigned tries = 0;

		buf_reset(&b);
		buf_addstr(&b, "{\"RequestItems\":{");
		add_str(&b, D(s)->table);
		buf_addstr(&b, ":[");
		for (j = i; j < end; j++) {
			buf_addstr(&b, j > i ? ",{\"PutRequest\":{\"Item\":" : "{\"PutRequest\":{\"Item\":");
			if (add_typed_item(&b, ks[j].json.buf, ks[j].json.len)) {
				ret = cc_err_set(err, CC_ENOMEM, "cannot batch %zu items", n);
				break;
			}
			buf_addstr(&b, "}}");
		}
		buf_addstr(&b, "]}}");
		/* send, then send again whatever came back unprocessed */
		while (!ret) {
			yajl_val r = NULL, un;

			ret = call(s, "BatchWriteItem", &b, &r, err);
			un = json_get(r, "UnprocessedItems");
			if (ret || !un || !YAJL_IS_OBJECT(un) || !un->u.object.len) {
				yajl_tree_free(r);
				break;
			}
			if (++tries > D(s)->retries) {
				yajl_tree_free(r);
				ret = cc_err_set(err, CC_ENET_TEMP,
						 "store '%s': items left unprocessed after %u batch retries",
						 s->url, tries - 1);
				break;
			}
			/* UnprocessedItems is already a RequestItems map: send it again */
			buf_reset(&b);
			if (unprocessed_request(&D(s)->resp, &b)) {
				yajl_tree_free(r);
				ret = cc_err_set(err, CC_EIO, "store '%s': cannot read UnprocessedItems",
						 s->url);
				break;
			}
			yajl_tree_free(r);
			usleep((useconds_t)(cc_backoff_s(0.1, tries, 30.0, &D(s)->rng) * 1e6));
		}
		i = end;
	}
	buf_release(&b);
	return ret;
}

static enum cc_code dd_transact(struct store *s, const struct store_write *w,
				struct store_keys *ks, size_t n, struct cc_err *err)
{
	struct buf b;
	yajl_val r = NULL;
	enum cc_code ret;
	size_t i;

	buf_init(&b, (size_t)32 << 20);
	buf_addstr(&b, "{\"TransactItems\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_addch(&b, ',');
		if (w[i].op == STORE_W_PUT || w[i].op == STORE_W_VERSIONED) {
			buf_addstr(&b, "{\"Put\":{");
			if (w[i].op == STORE_W_PUT ? add_put(&b, s, &ks[i], w[i].flags) :
						     add_put_versioned(&b, s, &ks[i], w[i].expected)) {
				buf_release(&b);
				return cc_err_set(err, CC_ENOMEM, "cannot write %zu items", n);
			}
			buf_addstr(&b, "}}");
		} else {
			buf_addstr(&b, "{\"Delete\":{");
			add_table(&b, s);
			buf_addstr(&b, ",\"Key\":");
			add_key(&b, w[i].pk, w[i].sk);
			buf_addstr(&b, "}}");
		}
	}
	buf_addstr(&b, "]}");
	ret = call(s, "TransactWriteItems", &b, &r, err);
	if (ret == CC_ECONFLICT) {
		yajl_val reasons = json_get(r, "CancellationReasons");
		size_t at = 0;

		for (i = 0; reasons && YAJL_IS_ARRAY(reasons) && i < reasons->u.array.len; i++) {
			yajl_val code = json_get(reasons->u.array.values[i], "Code");

			if (code && YAJL_IS_STRING(code) && strcmp(code->u.string, "None")) {
				at = i + 1;
				break;
			}
		}
		if (at && w[at - 1].op == STORE_W_PUT)
			ret = cc_err_set(err, CC_ECONFLICT, "write %zu of %zu: item %s / %s already exists",
					 at, n, ks[at - 1].pk, ks[at - 1].sk);
		else if (at && w[at - 1].op == STORE_W_VERSIONED)
			ret = cc_err_set(err, CC_ECONFLICT,
					 "write %zu of %zu: item %s / %s is gone or not at version %lld: "
					 "someone else wrote it first",
					 at, n, ks[at - 1].pk, ks[at - 1].sk, (long long)w[at - 1].expected);
		else
			ret = cc_err_set(err, CC_ECONFLICT, "write %zu of %zu: transaction cancelled: %s",
					 at, n, err_message(r));
	}
	yajl_tree_free(r);
	buf_release(&b);
	return ret;
}

static enum cc_code dd_scan(struct store *s, unsigned segment, unsigned total,
			    int (*fn)(void *, const char *, size_t), void *user,
			    struct cc_err *err)
{
	struct buf b, tmp, cursor;
	enum cc_code ret = CC_OK;

	buf_init(&b, 1 << 20);
	buf_init(&tmp, (size_t)8 << 20);
	buf_init(&cursor, 1 << 16);
	do {
		yajl_val r = NULL;

		buf_reset(&b);
		buf_addch(&b, '{');
		add_table(&b, s);
		buf_addf(&b, ",\"ConsistentRead\":true,\"Segment\":%u,\"TotalSegments\":%u", segment, total);
		buf_addstr(&b, ",\"FilterExpression\":\"" TTL_LIVE "\",\"ExpressionAttributeNames\":{");
		add_ttl_names(&b);
		buf_addstr(&b, "},\"ExpressionAttributeValues\":{");
		add_ttl_values(&b);
		buf_addch(&b, '}');
		if (cursor.len)
			buf_addf(&b, ",\"ExclusiveStartKey\":%s", cursor.buf);
		buf_addch(&b, '}');
		ret = call(s, "Scan", &b, &r, err);
		if (!ret) {
			if (each_item(r, fn, user, &tmp))
				buf_reset(&cursor);
			else
				take_cursor(r, &cursor);
		}
		yajl_tree_free(r);
	} while (!ret && cursor.len);
	buf_release(&b);
	buf_release(&tmp);
	buf_release(&cursor);
	return ret;
}

static enum cc_code dd_purge(struct store *s, uint64_t *purged, struct cc_err *err)
{
	/* DynamoDB deletes expired items itself (TimeToLiveSpecification) */
	(void)s;
	(void)err;
	*purged = 0;
	return CC_OK;
}

/* A string member, or "" (a DescribeTable answer may leave any out). */
static const char *str_at(yajl_val obj, const char *key)
{
	const char *v = json_get_str(obj, key);

	return v ? v : "";
}

/* Whether a KeySchema array is exactly HASH `hash`, RANGE `range`. */
static int keys_are(yajl_val ks, const char *hash, const char *range)
{
	size_t i;
	int h = 0, r = 0;

	if (!ks || !YAJL_IS_ARRAY(ks) || ks->u.array.len != 2)
		return 0;
	for (i = 0; i < 2; i++) {
		yajl_val k = ks->u.array.values[i];

		h |= !strcmp(str_at(k, "AttributeName"), hash) && !strcmp(str_at(k, "KeyType"), "HASH");
		r |= !strcmp(str_at(k, "AttributeName"), range) && !strcmp(str_at(k, "KeyType"), "RANGE");
	}
	return h && r;
}

static yajl_val index_named(yajl_val t, const char *name)
{
	yajl_val g = json_get(t, "GlobalSecondaryIndexes");
	size_t i;

	for (i = 0; g && YAJL_IS_ARRAY(g) && i < g->u.array.len; i++)
		if (!strcmp(str_at(g->u.array.values[i], "IndexName"), name))
			return g->u.array.values[i];
	return NULL;
}

/*
 * How a described table differs from section 2.1, each difference a
 * phrase appended to `d` ("; " between). Encryption is compared only when
 * the server describes it (DynamoDB Local does not).
 */
static void shape_diff(yajl_val t, struct buf *d)
{
	static const char *const idx[] = { "GSI1", "GSI2" };
	yajl_val defs = json_get(t, "AttributeDefinitions"), bm, ss, sse, x;
	size_t i;

#define DIFF(...) (d->len ? buf_addstr(d, "; ") : 0, buf_addf(d, __VA_ARGS__))
	if (!keys_are(json_get(t, "KeySchema"), "PK", "SK"))
		DIFF("the key is not PK (HASH) + SK (RANGE)");
	for (i = 0; defs && YAJL_IS_ARRAY(defs) && i < defs->u.array.len; i++)
		if (strcmp(str_at(defs->u.array.values[i], "AttributeType"), "S"))
			DIFF("%s is of type %s, not S", str_at(defs->u.array.values[i], "AttributeName"),
			     str_at(defs->u.array.values[i], "AttributeType"));
	for (i = 0; i < 2; i++) {
		char pk[16], sk[16];

		snprintf(pk, sizeof(pk), "%sPK", idx[i]);
		snprintf(sk, sizeof(sk), "%sSK", idx[i]);
		if (!(x = index_named(t, idx[i])))
			DIFF("no index %s", idx[i]);
		else if (!keys_are(json_get(x, "KeySchema"), pk, sk))
			DIFF("%s is not keyed on %s + %s", idx[i], pk, sk);
		else if (strcmp(str_at(json_get(x, "Projection"), "ProjectionType"), "ALL"))
			DIFF("%s projects %s, not ALL", idx[i],
			     str_at(json_get(x, "Projection"), "ProjectionType"));
	}
	bm = json_get(t, "BillingModeSummary");
	if (strcmp(bm ? str_at(bm, "BillingMode") : "PROVISIONED", "PAY_PER_REQUEST"))
		DIFF("billing is %s, not PAY_PER_REQUEST (on demand)",
		     bm ? str_at(bm, "BillingMode") : "PROVISIONED");
	ss = json_get(t, "StreamSpecification");
	if (!ss || !YAJL_IS_TRUE(json_get(ss, "StreamEnabled")))
		DIFF("no stream");
	else if (strcmp(str_at(ss, "StreamViewType"), "NEW_AND_OLD_IMAGES"))
		DIFF("the stream has %s, not NEW_AND_OLD_IMAGES", str_at(ss, "StreamViewType"));
	if ((sse = json_get(t, "SSEDescription")) && strcmp(str_at(sse, "SSEType"), "KMS"))
		DIFF("encrypted with %s, not a KMS key", str_at(sse, "SSEType"));
#undef DIFF
}

/* One call on the table, TableName only; the parsed answer in *r. */
static enum cc_code table_call(struct store *s, const char *op, yajl_val *r, struct cc_err *err)
{
	struct buf b;
	enum cc_code ret;

	buf_init(&b, 4096);
	buf_addch(&b, '{');
	add_table(&b, s);
	buf_addch(&b, '}');
	ret = call(s, op, &b, r, err);
	buf_release(&b);
	return ret;
}

static enum cc_code dd_describe(struct store *s, struct buf *out, struct cc_err *err)
{
	struct ddb *d = D(s);
	struct cc_err soft = { 0 };
	struct buf diffs;
	yajl_val r = NULL, t, x, ttl = NULL, pitr = NULL;
	enum cc_code ret;
	size_t i;

	if ((ret = table_call(s, "DescribeTable", &r, err)))
		return ret;
	t = json_get(r, "Table");
	buf_init(&diffs, 8192);
	buf_addf(out, "table       %s (dynamodb, %s, %s)\n", d->table, d->region, d->endpoint);
	buf_addf(out, "status      %s\n", str_at(t, "TableStatus"));
	buf_addf(out, "key         %s\n",
		 keys_are(json_get(t, "KeySchema"), "PK", "SK") ? "PK (HASH, S), SK (RANGE, S)" :
								   "not PK + SK");
	for (i = 1; i <= 2; i++) {
		char name[8];

		snprintf(name, sizeof(name), "GSI%zu", i);
		x = index_named(t, name);
		buf_addf(out, "%-11s %s\n", name,
			 !x ? "missing" :
			 !strcmp(str_at(json_get(x, "Projection"), "ProjectionType"), "ALL") ?
			      (i == 1 ? "GSI1PK (HASH), GSI1SK (RANGE), projection ALL" :
					"GSI2PK (HASH), GSI2SK (RANGE), projection ALL") :
			      "projection not ALL");
	}
	x = json_get(t, "BillingModeSummary");
	buf_addf(out, "billing     %s\n", x ? str_at(x, "BillingMode") : "PROVISIONED");
	x = json_get(t, "StreamSpecification");
	buf_addf(out, "stream      %s\n",
		 x && YAJL_IS_TRUE(json_get(x, "StreamEnabled")) ? str_at(x, "StreamViewType") : "none");
	if (!table_call(s, "DescribeTimeToLive", &ttl, &soft))
		buf_addf(out, "ttl         %s (%s)\n",
			 str_at(json_get(ttl, "TimeToLiveDescription"), "AttributeName"),
			 str_at(json_get(ttl, "TimeToLiveDescription"), "TimeToLiveStatus"));
	cc_err_clear(&soft);
	x = json_get(t, "SSEDescription");
	if (x)
		buf_addf(out, "encryption  %s %s (%s)\n", str_at(x, "SSEType"),
			 str_at(x, "KMSMasterKeyArn"), str_at(x, "Status"));
	else
		buf_addf(out, "encryption  not described by the server (AWS owned key, or DynamoDB Local)\n");
	if (!table_call(s, "DescribeContinuousBackups", &pitr, &soft))
		buf_addf(out, "pitr        %s\n",
			 str_at(json_get(json_get(pitr, "ContinuousBackupsDescription"),
					 "PointInTimeRecoveryDescription"),
				"PointInTimeRecoveryStatus"));
	else
		buf_addf(out, "pitr        unknown (%s)\n", strstr(soft.msg, "UnknownOperation") ?
			 "the server has no DescribeContinuousBackups" : soft.msg);
	x = json_get(t, "ItemCount");
	buf_addf(out, "items       %s (DynamoDB updates the count about every six hours)\n",
		 x && YAJL_IS_NUMBER(x) ? x->u.number.r : "?");
	shape_diff(t, &diffs);
	buf_addf(out, "section 2.1 %s%s\n", diffs.len ? "differs: " : "matches", diffs.buf);
	buf_release(&diffs);
	yajl_tree_free(r);
	yajl_tree_free(ttl);
	yajl_tree_free(pitr);
	return CC_OK;
}

static enum cc_code dd_init(struct store *s, unsigned flags, struct cc_err *err)
{
	static const char *const attrs[] = { "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK" };
	const char *kms = s->ctx && s->ctx->cfg ? cfg_str(s->ctx->cfg, "store.kms_key") :
						  "alias/aws-cost-platform-key";
	struct buf b;
	yajl_val r = NULL;
	enum cc_code ret;
	size_t i;
	int tries;

	buf_init(&b, 1 << 16);
	buf_addch(&b, '{');
	add_table(&b, s);
	buf_addstr(&b, ",\"AttributeDefinitions\":[");
	for (i = 0; i < 6; i++)
		buf_addf(&b, "%s{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"}", i ? "," : "", attrs[i]);
	buf_addstr(&b, "],\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},"
		       "{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
		       "\"BillingMode\":\"PAY_PER_REQUEST\",\"GlobalSecondaryIndexes\":[");
	for (i = 1; i <= 2; i++)
		buf_addf(&b, "%s{\"IndexName\":\"GSI%zu\",\"KeySchema\":["
			     "{\"AttributeName\":\"GSI%zuPK\",\"KeyType\":\"HASH\"},"
			     "{\"AttributeName\":\"GSI%zuSK\",\"KeyType\":\"RANGE\"}],"
			     "\"Projection\":{\"ProjectionType\":\"ALL\"}}",
			 i > 1 ? "," : "", i, i, i);
	buf_addstr(&b, "],\"StreamSpecification\":{\"StreamEnabled\":true,"
		       "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}");
	/* section 2.1: SSE with the platform's customer-managed key */
	if (*kms) {
		buf_addstr(&b, ",\"SSESpecification\":{\"Enabled\":true,\"SSEType\":\"KMS\","
			       "\"KMSMasterKeyId\":");
		add_str(&b, kms);
		buf_addch(&b, '}');
	}
	buf_addch(&b, '}');
	ret = call(s, "CreateTable", &b, &r, err);
	yajl_tree_free(r);
	r = NULL;
	if (ret == CC_EIO && err && strstr(err->msg, "ResourceInUseException")) {
		/* it exists: it must be the table of section 2.1, or be accepted */
		struct buf diffs;

		cc_err_clear(err);
		ret = table_call(s, "DescribeTable", &r, err);
		buf_init(&diffs, 8192);
		if (!ret)
			shape_diff(json_get(r, "Table"), &diffs);
		if (!ret && diffs.len && !(flags & STORE_INIT_ACCEPT))
			ret = cc_err_set(err, CC_EIO,
					 "table '%s' exists but differs from section 2.1: %s "
					 "('table init --accept-existing' uses it as it is)",
					 D(s)->table, diffs.buf);
		else if (!ret && diffs.len)
			cc_log(s->ctx, CC_LOG_WARN, "store", "table '%s' differs from section 2.1: %s",
			       D(s)->table, diffs.buf);
		buf_release(&diffs);
		yajl_tree_free(r);
		r = NULL;
	}
	/* until ACTIVE */
	for (tries = 0; !ret && tries < 120; tries++) {
		yajl_val t, st;

		buf_reset(&b);
		buf_addch(&b, '{');
		add_table(&b, s);
		buf_addch(&b, '}');
		ret = call(s, "DescribeTable", &b, &r, err);
		t = json_get(r, "Table");
		st = t ? json_get(t, "TableStatus") : NULL;
		if (!ret && st && YAJL_IS_STRING(st) && !strcmp(st->u.string, "ACTIVE")) {
			yajl_tree_free(r);
			r = NULL;
			break;
		}
		yajl_tree_free(r);
		r = NULL;
		usleep(500000);
	}
	if (!ret) {
		struct cc_err soft = { 0 };

		buf_reset(&b);
		buf_addch(&b, '{');
		add_table(&b, s);
		buf_addstr(&b, ",\"TimeToLiveSpecification\":{\"AttributeName\":\"TTL\",\"Enabled\":true}}");
		if (call(s, "UpdateTimeToLive", &b, &r, &soft) && !strstr(soft.msg, "already enabled"))
			cc_log(s->ctx, CC_LOG_WARN, "store", "TTL not enabled: %s", soft.msg);
		yajl_tree_free(r);
		r = NULL;
		cc_err_clear(&soft);
		buf_reset(&b);
		buf_addch(&b, '{');
		add_table(&b, s);
		buf_addstr(&b, ",\"PointInTimeRecoverySpecification\":{\"PointInTimeRecoveryEnabled\":true}}");
		/* DynamoDB Local has no such call: a note, not a warning */
		if (call(s, "UpdateContinuousBackups", &b, &r, &soft))
			cc_log(s->ctx,
			       strstr(soft.msg, "UnknownOperationException") ? CC_LOG_INFO : CC_LOG_WARN,
			       "store", "point-in-time recovery not enabled: %s", soft.msg);
		yajl_tree_free(r);
	}
	buf_release(&b);
	return ret;
}

static void dd_close(struct store *s)
{
	struct ddb *d = D(s);

	if (d->h)
		curl_easy_cleanup(d->h);
	buf_release(&d->resp);
	free(d);
	s->impl = NULL;
}

/* [a-z]{2}(-[a-z0-9]+)+-[0-9]+, as AWS region codes are (us-gov-west-1 too) */
static int region_ok(const char *r)
{
	size_t i, n = strlen(r), dashes = 0;

	if (n < 4 || n > 32 || r[0] < 'a' || r[0] > 'z' || r[1] < 'a' || r[1] > 'z' ||
	    r[n - 1] < '0' || r[n - 1] > '9')
		return 0;
	for (i = 0; i < n; i++) {
		char c = r[i];

		if (c == '-') {
			if (r[i + 1] == '-' || !r[i + 1])
				return 0;
			dashes++;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			return 0;
		}
	}
	return dashes >= 2;
}

static int table_ok(const char *t)
{
	size_t i, n = strlen(t);

	if (n < 3 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return 0;
	return 1;
}

enum cc_code store_dynamodb_open(struct store *s, const char *rest, struct cc_err *err)
{
	struct ddb *d = calloc(1, sizeof(*d));
	const char *slash, *q;
	enum cc_code ret;

	if (!d)
		return cc_err_set(err, CC_ENOMEM, "cannot open '%s'", s->url);
	s->impl = d;
	buf_init(&d->resp, RESP_CAP);
	d->retries = s->ctx && s->ctx->cfg ? (unsigned)cfg_int(s->ctx->cfg, "store.retries") : 8;
	d->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	slash = strchr(rest, '/');
	q = strchr(rest, '?');
	if (!slash || slash == rest || (q && q < slash) || !slash[1] ||
	    (size_t)(slash - rest) >= sizeof(d->region))
		return cc_err_set(err, CC_EUSAGE, "store '%s': want dynamodb://REGION/TABLE[?endpoint=URL]",
				  s->url);
	snprintf(d->region, sizeof(d->region), "%.*s", (int)(slash - rest), rest);
	snprintf(d->table, sizeof(d->table), "%.*s",
		 (int)(q ? (size_t)(q - slash - 1) : strlen(slash + 1)), slash + 1);
	/* the region becomes a host name and the SigV4 scope: us-east-1, cn-north-1 */
	if (!region_ok(d->region))
		return cc_err_set(err, CC_EUSAGE,
				  "store '%s': '%s' is not a region code (like us-east-1)", s->url,
				  d->region);
	if (!table_ok(d->table))
		return cc_err_set(err, CC_EUSAGE,
				  "store '%s': '%s' is not a DynamoDB table name (3-255 of [A-Za-z0-9_.-])",
				  s->url, d->table);
	if (q && !strncmp(q, "?endpoint=", 10)) {
		snprintf(d->endpoint, sizeof(d->endpoint), "%s", q + 10);
		if (strncmp(d->endpoint, "http://", 7) && strncmp(d->endpoint, "https://", 8))
			return cc_err_set(err, CC_EUSAGE,
					  "store '%s': the endpoint must be an http:// or https:// URL",
					  s->url);
	} else if (q) {
		return cc_err_set(err, CC_EUSAGE, "store '%s': the only option is ?endpoint=URL", s->url);
	} else {
		snprintf(d->endpoint, sizeof(d->endpoint), "https://dynamodb.%s.amazonaws.com%s/",
			 d->region, strncmp(d->region, "cn-", 3) ? "" : ".cn");
	}
	if ((ret = aws_creds_load(&d->creds, err)))
		return ret;
	d->h = curl_easy_init();
	if (!d->h)
		return cc_err_set(err, CC_ENOMEM, "cannot open '%s'", s->url);
	return CC_OK;
}

const struct store_ops store_dynamodb_ops = {
	.name = "dynamodb",
	.init = dd_init,
	.get = dd_get,
	.put = dd_put,
	.update_versioned = dd_update_versioned,
	.del = dd_del,
	.query = dd_query,
	.batch_put = dd_batch_put,
	.describe = dd_describe,
	.transact = dd_transact,
	.scan = dd_scan,
	.purge = dd_purge,
	.close = dd_close,
};
