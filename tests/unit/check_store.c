/*
 * The store suite: every operation and access pattern, written once over
 * a store URL so each backend runs the same tests: sqlite (a fresh file
 * per test) by default; with COSTCTL_TEST_STORE a dynamodb:// URL whose
 * "{table}" becomes a fresh table per test (tests/integration/dynamodb.sh
 * runs it against DynamoDB Local).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "helpers.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/store/store.h"
#include "pipeline/store/store_int.h"

static char *dir;
static struct store *s;
static struct cc_err err;

static int is_sqlite(void)
{
	return !strcmp(store_backend(s), "sqlite");
}

static void setup(void)
{
	static unsigned n;
	const char *other = getenv("COSTCTL_TEST_STORE");
	char url[4200];

	dir = th_tmpdir();
	if (other && *other) {
		const char *at = strstr(other, "{table}");
		char table[64];

		ck_assert_ptr_nonnull(at);
		snprintf(table, sizeof(table), "t%ld_%u", (long)getpid(), n++);
		snprintf(url, sizeof(url), "%.*s%s%s", (int)(at - other), other, table, at + 7);
	} else {
		snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
	}
	memset(&err, 0, sizeof(err));
	ck_assert_msg(store_open(&s, url, NULL, &err) == CC_OK, "%s", err.msg);
	ck_assert_msg(store_init(s, &err) == CC_OK, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[4200];

	store_close(s);
	s = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

struct collect {
	int n;
	char first[4096], last[4096];
};

static int collect(void *user, const char *json, size_t len)
{
	struct collect *c = user;

	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "%.*s", (int)len, json);
	snprintf(c->last, sizeof(c->last), "%.*s", (int)len, json);
	return 0;
}

static void put(const char *json)
{
	cc_err_clear(&err);
	ck_assert_msg(store_put(s, json, 0, &err) == CC_OK, "%s: %s", json, err.msg);
}

START_TEST(get_put_delete_and_conditions)
{
	struct buf b;
	int found;

	buf_init(&b, 1 << 20);
	put("{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\",\"Email\":\"a@b.c\",\"Total\":8500.00}");
	ck_assert_int_eq(store_get(s, "USER#u1", "PROFILE", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	if (is_sqlite()) /* numbers keep their text, attributes their order */
		ck_assert_str_eq(b.buf, "{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\",\"Email\":\"a@b.c\",\"Total\":8500.00}");
	else /* DynamoDB normalises numbers (8500.00 is 8500) and keeps no order */
		ck_assert_msg(strstr(b.buf, "{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\",") &&
				      strstr(b.buf, "\"Email\":\"a@b.c\"") && strstr(b.buf, "\"Total\":8500"),
			      "%s", b.buf);
	/* attribute_not_exists(PK) */
	ck_assert_int_eq(store_put(s, "{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\"}", STORE_IF_NOT_EXISTS, &err),
			 CC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "USER#u1 / PROFILE already exists"));
	ck_assert_int_eq(store_delete(s, "USER#u1", "PROFILE", &err), CC_OK);
	ck_assert_int_eq(store_get(s, "USER#u1", "PROFILE", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 0);
	cc_err_clear(&err);
	ck_assert_int_eq(store_put(s, "{\"PK\":\"USER#u1\",\"SK\":\"PROFILE\"}", STORE_IF_NOT_EXISTS, &err),
			 CC_OK);
	buf_release(&b);
}
END_TEST

START_TEST(bad_items_refused)
{
	static const char *const bad[][2] = {
		{ "[1,2]", "not a JSON object" },
		{ "{\"SK\":\"x\"}", "no PK" },
		{ "{\"PK\":\"\",\"SK\":\"x\"}", "PK must be a non-empty string" },
		{ "{\"PK\":\"a\",\"SK\":7}", "SK must be a non-empty string" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"GSI1PK\":true}", "GSI1PK must be a string" },
		/* what DynamoDB would refuse, refused on every backend */
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"n\":{\"x\":123456789012345678901234567890123456789}}",
		  "more than 38 significant digits" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"n\":1e200}", "out of DynamoDB's range" },
		/* an exponent past what strtol holds (it saturates, and adding to it overflowed) */
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"n\":1e99999999999999999999}", "out of DynamoDB's range" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"n\":1e-99999999999999999999}", "out of DynamoDB's range" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$ss\":[]}}", "no empty sets" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$ss\":[\"x\",\"x\"]}}", "twice (a set)" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$ns\":[\"1\"]}}", "is not a number" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$b\":\"not base64!\"}}", "base64" },
		{ "{\"PK\":\"a\",\"SK\":\"b\",\"GSI2PK\":\"\"}", "empty index key" },
		{ "{\"PK\":\"a\",", "not JSON" },
	};
	/* what another client may write and DynamoDB keeps: accepted */
	static const char *const good[] = {
		"{\"PK\":\"a\",\"SK\":\"b\",\"TTL\":\"soon\"}",
		"{\"PK\":\"a\",\"SK\":\"b\",\"Version\":\"3\",\"TTL\":4102444800.5}",
		"{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$ss\":[\"x\",\"y\"]},\"n\":{\"$ns\":[1,2.5]},"
		"\"b\":{\"$b\":\"AAEC\"},\"bs\":{\"$bs\":[\"AAEC\",\"/w==\"]}}",
	};
	char why[300], *big;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(store_item_valid(good[i], strlen(good[i]), why, sizeof(why)), "%s: %s",
			      good[i], why);
	/* DynamoDB's key and item sizes: 2048-byte PK, 400 KB an item */
	big = malloc(500 * 1024);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "{\"PK\":\"", 7);
	memset(big + 7, 'k', 2049);
	memcpy(big + 7 + 2049, "\",\"SK\":\"b\"}", 12);
	ck_assert(!store_item_valid(big, strlen(big), why, sizeof(why)));
	ck_assert_msg(strstr(why, "PK is 2049 bytes; DynamoDB allows 2048"), "%s", why);
	memcpy(big, "{\"PK\":\"a\",\"SK\":\"b\",\"x\":\"", 24);
	memset(big + 24, 'x', 410 * 1024);
	memcpy(big + 24 + 410 * 1024, "\"}", 3);
	ck_assert(!store_item_valid(big, strlen(big), why, sizeof(why)));
	ck_assert_msg(strstr(why, "DynamoDB allows 409600"), "%s", why);
	free(big);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!store_item_valid(bad[i][0], strlen(bad[i][0]), why, sizeof(why)),
			      "accepted %s", bad[i][0]);
		ck_assert_msg(strstr(why, bad[i][1]), "%s: %s", bad[i][0], why);
		cc_err_clear(&err);
		ck_assert_int_eq(store_put(s, bad[i][0], 0, &err), CC_EPARSE);
	}
}
END_TEST

/* Section 4.2: two writers read version 3; one wins, the other is told. */
/* An item's canonical text as a tree reads and writes it back (how the store did before it streamed). */
static char *tree_text(const char *json)
{
	char why[300];
	yajl_val v = json_parse(json, strlen(json), 64, why, sizeof(why));
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *out;
	size_t len;
	char *copy;

	ck_assert_msg(v != NULL, "%s", why);
	ck_assert(json_gen_value(g, v));
	yajl_gen_get_buf(g, &out, &len);
	copy = strndup((const char *)out, len);
	yajl_gen_free(g);
	yajl_tree_free(v);
	return copy;
}

START_TEST(item_scan_matches_tree_reading)
{
	/* the streaming reading writes what a tree wrote: key order, number text, escapes, nesting */
	static const char *const items[] = {
		"{ \"PK\" : \"ESTIMATION#e1\", \"SK\" : \"METADATA\", \"n\" : [1, -0, 1.50, 2e5, -3.25E-2],\n"
		"  \"s\" : \"a \\\"q\\\" \\u00e9 \\n \\/ tab\\t\", \"deep\" : {\"a\":[{\"b\":[[],{}]},null,true,false]} }",
		"{\"PK\":\"a\",\"SK\":\"b\",\"s\":{\"$ss\":[\"x\",\"y\"]},\"n\":{\"$ns\":[1,2.5]},"
		"\"b\":{\"$b\":\"AAEC\"},\"bs\":{\"$bs\":[\"AAEC\",\"/w==\"]}}",
		/* a "$ss" object with a second name is a plain map: its empty array is a list */
		"{\"PK\":\"a\",\"SK\":\"b\",\"m\":{\"$ss\":[],\"y\":1},\"m2\":{\"$b\":7,\"$ns\":\"x\"}}",
		"{\"PK\":\"a\",\"SK\":\"b\",\"GSI1PK\":null,\"TTL\":\"soon\",\"Version\":3}",
		/* compact, and kept as it is only when yajl would write it so: escapes, a comment */
		"{\"PK\":\"a\",\"SK\":\"b\",\"e\":\"\\u001F\\t\\\"\\\\\",\"x\":[1,{}]}",
		"{\"PK\":\"a\",\"SK\":\"b\",\"e\":\"\\/\\u001f\\u0009\\u00e9\"}",
		"{\"PK\":\"a\",/* a comment */\"SK\":\"b\"}",
	};
	struct store_keys k;
	size_t i;
	FILE *f;
	char line[1 << 16], *path;

	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		char *want = tree_text(items[i]);

		ck_assert_msg(store_keys_parse(&k, items[i], strlen(items[i]), -1, NULL, &err) == CC_OK, "%s: %s",
			      items[i], err.msg);
		ck_assert_str_eq(k.json.buf, want);
		store_keys_release(&k);
		free(want);
	}
	/* the seed's every item, and its keys */
	path = th_fixture("table/seed.jsonl");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	free(path);
	while (fgets(line, sizeof(line), f)) {
		char *want;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		want = tree_text(line);
		ck_assert_msg(store_keys_parse(&k, line, strlen(line), -1, NULL, &err) == CC_OK, "%s", err.msg);
		ck_assert_str_eq(k.json.buf, want);
		ck_assert(k.pk && k.sk && !strncmp(line, "{\"PK\":\"", 7) && !strncmp(line + 7, k.pk, strlen(k.pk)));
		store_keys_release(&k);
		free(want);
	}
	fclose(f);
	/* a new Version and UpdatedAt replace the old ones, at the end */
	{
		const char *old = "{\"PK\":\"a\",\"Version\":{\"x\":[1]},\"SK\":\"b\",\"UpdatedAt\":\"then\"}";

		ck_assert_int_eq(store_keys_parse(&k, old, strlen(old), 4, "now", &err), CC_OK);
	}
	ck_assert_str_eq(k.json.buf, "{\"PK\":\"a\",\"SK\":\"b\",\"Version\":4,\"UpdatedAt\":\"now\"}");
	ck_assert(k.has_version && k.version == 4);
	store_keys_release(&k);
}
END_TEST

static int item_ok(const char *json, char *why)
{
	return store_item_valid(json, strlen(json), why, 300);
}

START_TEST(item_scan_names_and_sets)
{
	char why[300];
	struct buf b;
	size_t i;

	/* a typed map is typed only when it closes with one name */
	ck_assert(!item_ok("{\"PK\":\"a\",\"SK\":\"b\",\"x\":{\"$ns\":[1e200]}}", why));
	ck_assert_msg(strstr(why, "'x': element 0 of $ns is not a number"), "%s", why);
	ck_assert(!item_ok("{\"PK\":\"a\",\"SK\":\"b\",\"x\":{\"$ns\":[1e200],\"y\":1}}", why));
	ck_assert_msg(strstr(why, "the number 1e200"), "%s", why);
	ck_assert(!item_ok("{\"PK\":\"a\",\"SK\":\"b\",\"x\":{\"$ss\":{\"a\":1}}}", why));
	ck_assert_msg(strstr(why, "'x': $ss must be a non-empty array"), "%s", why);
	/* a name twice, deep down, and 50,000 names in one object read once each (a set, not pairs) */
	ck_assert(!item_ok("{\"PK\":\"a\",\"SK\":\"b\",\"x\":[{\"q\":1,\"r\":2,\"q\":3}]}", why));
	ck_assert_msg(strstr(why, "the attribute 'q' appears twice"), "%s", why);
	buf_init(&b, (size_t)8 << 20);
	buf_addstr(&b, "{\"PK\":\"a\",\"SK\":\"b\",\"m\":{");
	for (i = 0; i < 50000; i++)
		buf_addf(&b, "%s\"k%zu\":1", i ? "," : "", i);
	buf_addstr(&b, "}}");
	ck_assert_msg(store_item_valid(b.buf, b.len, why, sizeof(why)), "%s", why);
	b.len -= 2;
	buf_addstr(&b, ",\"k49999\":2}}");
	ck_assert(!store_item_valid(b.buf, b.len, why, sizeof(why)));
	ck_assert_msg(strstr(why, "'k49999' appears twice"), "%s", why);
	buf_release(&b);
}
END_TEST

START_TEST(optimistic_lock_conflict)
{
	struct buf b;
	int found;

	buf_init(&b, 1 << 20);
	put("{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\",\"Version\":3,\"Status\":\"ACTIVE\"}");
	setenv("COSTCTL_NOW", "1764036000", 1); /* 2025-11-25T02:00:00Z */
	ck_assert_msg(store_update_versioned(s, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\","
						"\"Version\":3,\"Status\":\"ARCHIVED\"}", 3, &err) == CC_OK,
		      "%s", err.msg);
	ck_assert_int_eq(store_update_versioned(s, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\","
						   "\"Status\":\"DELETED\"}", 3, &err), CC_ECONFLICT);
	ck_assert_msg(strstr(err.msg, "at version 4, not 3"), "%s", err.msg);
	ck_assert_int_eq(store_get(s, "ESTIMATION#e1", "METADATA", &b, &found, &err), CC_OK);
	if (is_sqlite())
		ck_assert_str_eq(b.buf, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\",\"Status\":\"ARCHIVED\","
					"\"Version\":4,\"UpdatedAt\":\"2025-11-25T02:00:00Z\"}");
	else
		ck_assert_msg(strstr(b.buf, "\"Status\":\"ARCHIVED\"") && strstr(b.buf, "\"Version\":4") &&
				      strstr(b.buf, "\"UpdatedAt\":\"2025-11-25T02:00:00Z\""),
			      "%s", b.buf);
	cc_err_clear(&err);
	ck_assert_int_eq(store_update_versioned(s, "{\"PK\":\"ESTIMATION#none\",\"SK\":\"METADATA\"}",
						0, &err), CC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
	unsetenv("COSTCTL_NOW");
	buf_release(&b);
}
END_TEST

/* An item made ahead (on another thread, without the store) writes as store_put and store_update_versioned do. */
START_TEST(items_made_ahead)
{
	static const char calc[] = "{\"PK\":\"ESTIMATION#e2\",\"SK\":\"CALCULATION#2025-11-25T02:00:00Z\",\"N\":1}";
	static const char meta1[] = "{\"PK\":\"ESTIMATION#e2\",\"SK\":\"METADATA\",\"S\":1}";
	static const char meta2[] = "{\"PK\":\"ESTIMATION#e2\",\"SK\":\"METADATA\",\"S\":2}";
	struct store_item *a, *v, *stale, *bad;
	struct buf b;
	int found;

	buf_init(&b, 1 << 20);
	put("{\"PK\":\"ESTIMATION#e2\",\"SK\":\"METADATA\",\"Version\":7}");
	setenv("COSTCTL_NOW", "1764036000", 1); /* 2025-11-25T02:00:00Z, when the items are made */
	ck_assert_int_eq(store_item_make(&a, calc, strlen(calc), -1, &err), CC_OK);
	ck_assert_int_eq(store_item_make(&v, meta1, strlen(meta1), 7, &err), CC_OK);
	ck_assert_int_eq(store_item_make(&stale, meta2, strlen(meta2), 7, &err), CC_OK);
	unsetenv("COSTCTL_NOW");
	ck_assert_int_eq(store_item_make(&bad, "{\"SK\":\"METADATA\"}", 17, -1, &err), CC_EPARSE);
	ck_assert_ptr_null(bad);
	ck_assert_msg(strstr(err.msg, "no PK"), "%s", err.msg);
	cc_err_clear(&err);
	ck_assert_int_eq(store_item_write(s, a, STORE_IF_NOT_EXISTS, &err), CC_OK);
	ck_assert_int_eq(store_item_write(s, a, STORE_IF_NOT_EXISTS, &err), CC_ECONFLICT);
	cc_err_clear(&err);
	ck_assert_msg(store_item_write(s, v, 0, &err) == CC_OK, "%s", err.msg);
	/* made at version 7 too, it finds 8: the edit in between is not overwritten */
	ck_assert_int_eq(store_item_write(s, stale, 0, &err), CC_ECONFLICT);
	ck_assert_msg(strstr(err.msg, "at version 8, not 7"), "%s", err.msg);
	ck_assert_int_eq(store_get(s, "ESTIMATION#e2", "METADATA", &b, &found, &err), CC_OK);
	ck_assert_msg(strstr(b.buf, "\"S\":1") && strstr(b.buf, "\"Version\":8") &&
			      strstr(b.buf, "\"UpdatedAt\":\"2025-11-25T02:00:00Z\""),
		      "%s", b.buf);
	store_item_free(a);
	store_item_free(v);
	store_item_free(stale);
	store_item_free(NULL);
	buf_release(&b);
}
END_TEST

/*
 * Bulk writes checkpoint on their own thread, and the WAL starts over
 * rather than growing: 64 MB written in 40 transactions leave a WAL of the
 * 1,000 frames that wake the checkpoint (16 MB at 16 KB pages) and a
 * transaction more; it would hold all 64 MB if the checkpoints never
 * landed (the writer's own backstop is 32,768 frames).
 */
START_TEST(bulk_wal_stays_bounded)
{
	char path[4200], *item;
	struct stat sb;
	int b, i, atomic, found;
	struct buf got;

	if (!is_sqlite())
		return;
	item = malloc(9000);
	ck_assert_ptr_nonnull(item);
	buf_init(&got, 1 << 20);
	for (b = 0; b < 40; b++) {
		ck_assert_int_eq(store_bulk_begin(s, &atomic, &err), CC_OK);
		ck_assert(atomic);
		for (i = 0; i < 200; i++) {
			int n = snprintf(item, 9000, "{\"PK\":\"ESTIMATION#b%02di%03d\",\"SK\":\"CALCULATION#x\",\"Pad\":\"", b, i);

			memset(item + n, 'a' + (b + i) % 26, 8000);
			memcpy(item + n + 8000, "\"}", 3);
			ck_assert_msg(store_put(s, item, 0, &err) == CC_OK, "%s", err.msg);
		}
		ck_assert_int_eq(store_bulk_end(s, 1, &err), CC_OK);
	}
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg(sb.st_size < (off_t)24 << 20, "the WAL is %lld bytes", (long long)sb.st_size);
	ck_assert_int_eq(store_get(s, "ESTIMATION#b39i199", "CALCULATION#x", &got, &found, &err), CC_OK);
	ck_assert(found && got.len > 8000 && got.buf[got.len - 3] == 'a' + (39 + 199) % 26);
	buf_release(&got);
	free(item);
}
END_TEST

/*
 * An item costctl builds itself is keyed from its leading attributes; text
 * with a \\u escape, or that does not lead so, is read in full.
 */
START_TEST(own_items_keyed_from_their_lead)
{
	static const char own[] = "{\"PK\":\"ESTIMATION#e3\",\"SK\":\"CALCULATION#t1\",\"GSI1PK\":\"CALCULATION#e3\","
				  "\"GSI1SK\":\"t1\",\"Lines\":[{\"PK\":1}],\"Total\":12.5}";
	static const char spaced[] = "{\"PK\": \"ESTIMATION#e3\", \"SK\": \"CALCULATION#t2\", \"GSI1PK\": \"CALCULATION#e3\", "
				     "\"GSI1SK\": \"t2\"}";
	static const char escaped[] = "{\"PK\":\"ESTIMATION#e\\u0033\",\"SK\":\"CALCULATION#t3\",\"GSI1PK\":\"CALCULATION#e3\","
				      "\"GSI1SK\":\"t3\"}";
	static const char later[] = "{\"N\":1,\"PK\":\"ESTIMATION#e3\",\"SK\":\"CALCULATION#t4\"}";
	/* and what bytes from outside inside an item could break: not UTF-8, a NUL */
	static const char *const bad[] = { "{\"PK\":\"ESTIMATION#e3\",\"GSI1PK\":\"x\"}", "{\"PK\":\"\",\"SK\":\"a\"}",
					   "[1]", "{\"PK\":\"a\",\"SK\":\"b\"",
					   "{\"PK\":\"a\",\"SK\":\"b\",\"N\":\"\xc0\xaf\"}",
					   "{\"PK\":\"a\",\"SK\":\"b\",\"N\":\"x\\u0000y\"}" };
	static const char *const why[] = { "no SK", "PK must be a non-empty string", "not a JSON object", "not JSON",
					   "not valid UTF-8", "NUL" };
	const char *const good[] = { own, spaced, escaped, later };
	struct store_query q = { 0 };
	struct collect c = { 0 };
	struct store_item *it;
	struct buf b;
	size_t i;
	int found;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(store_item_make_own(&it, good[i], strlen(good[i]), &err) == CC_OK, "%s: %s", good[i], err.msg);
		ck_assert_msg(store_item_write(s, it, STORE_IF_NOT_EXISTS, &err) == CC_OK, "%s", err.msg);
		store_item_free(it);
	}
	ck_assert_int_eq(store_get(s, "ESTIMATION#e3", "CALCULATION#t1", &b, &found, &err), CC_OK);
	ck_assert(found);
	ck_assert_str_eq(b.buf, own);
	/* the GSI keys were found: the latest calculation by GSI1 is t3 (t4 has none) */
	q.index = STORE_GSI1;
	q.pk = "CALCULATION#e3";
	q.cond = STORE_ALL;
	q.backward = 1;
	q.limit = 1;
	ck_assert_msg(store_query(s, &q, collect, &c, NULL, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(c.n, 1);
	ck_assert_msg(strstr(c.first, "\"SK\":\"CALCULATION#t3\""), "%s", c.first);
	ck_assert_int_eq(store_get(s, "ESTIMATION#e3", "CALCULATION#t4", &b, &found, &err), CC_OK);
	ck_assert(found);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cc_err_clear(&err);
		ck_assert_msg(store_item_make_own(&it, bad[i], strlen(bad[i]), &err) == CC_EPARSE, "%s", bad[i]);
		ck_assert_ptr_null(it);
		ck_assert_msg(strstr(err.msg, why[i]), "%s: %s", bad[i], err.msg);
	}
	buf_release(&b);
}
END_TEST

/* Section 4.1: estimation + requirements + audit log, all or nothing. */
START_TEST(transaction_all_or_nothing)
{
	struct store_write w[3] = {
		{ STORE_W_PUT, "{\"PK\":\"ESTIMATION#t1\",\"SK\":\"METADATA\"}", NULL, NULL, STORE_IF_NOT_EXISTS, 0 },
		{ STORE_W_PUT, "{\"PK\":\"ESTIMATION#t1\",\"SK\":\"REQUIREMENTS\"}", NULL, NULL, 0, 0 },
		{ STORE_W_PUT, "{\"PK\":\"AUDIT#2026-11-25\",\"SK\":\"LOG#u#1\"}", NULL, NULL, 0, 0 },
	};
	struct buf b;
	int found;

	buf_init(&b, 1 << 20);
	ck_assert_msg(store_transact(s, w, 3, &err) == CC_OK, "%s", err.msg);
	/* again: the first condition fails, and nothing of the rest is written */
	put("{\"PK\":\"ESTIMATION#t1\",\"SK\":\"REQUIREMENTS\",\"Marker\":1}");
	w[1].json = "{\"PK\":\"ESTIMATION#t1\",\"SK\":\"REQUIREMENTS\",\"Marker\":2}";
	ck_assert_int_eq(store_transact(s, w, 3, &err), CC_ECONFLICT);
	ck_assert_msg(strstr(err.msg, "write 1 of 3"), "%s", err.msg);
	ck_assert_int_eq(store_get(s, "ESTIMATION#t1", "REQUIREMENTS", &b, &found, &err), CC_OK);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"Marker\":1"));
	/* a failing condition in the last write undoes the first two */
	{
		struct store_write w2[3] = {
			{ STORE_W_PUT, "{\"PK\":\"X#1\",\"SK\":\"A\"}", NULL, NULL, 0, 0 },
			{ STORE_W_DELETE, NULL, "ESTIMATION#t1", "REQUIREMENTS", 0, 0 },
			{ STORE_W_PUT, "{\"PK\":\"ESTIMATION#t1\",\"SK\":\"METADATA\"}", NULL, NULL, STORE_IF_NOT_EXISTS, 0 },
		};

		cc_err_clear(&err);
		ck_assert_int_eq(store_transact(s, w2, 3, &err), CC_ECONFLICT);
		ck_assert_msg(strstr(err.msg, "write 3 of 3"), "%s", err.msg);
		ck_assert_int_eq(store_get(s, "X#1", "A", &b, &found, &err), CC_OK);
		ck_assert_int_eq(found, 0);
		ck_assert_int_eq(store_get(s, "ESTIMATION#t1", "REQUIREMENTS", &b, &found, &err), CC_OK);
		ck_assert_int_eq(found, 1);
	}
	buf_release(&b);
}
END_TEST

/* A versioned write inside a transaction: at the wrong version nothing lands; at the right one both do. */
START_TEST(transaction_versioned)
{
	struct store_write w[2] = {
		{ STORE_W_VERSIONED, "{\"PK\":\"ESTIMATION#tv\",\"SK\":\"METADATA\",\"Mark\":2}", NULL, NULL, 0, 3 },
		{ STORE_W_PUT, "{\"PK\":\"ESTIMATION#tv\",\"SK\":\"REQUIREMENTS\",\"Mark\":2}", NULL, NULL, 0, 0 },
	};
	struct buf b;
	int found;

	buf_init(&b, 1 << 20);
	put("{\"PK\":\"ESTIMATION#tv\",\"SK\":\"METADATA\",\"Version\":4,\"Mark\":1}");
	put("{\"PK\":\"ESTIMATION#tv\",\"SK\":\"REQUIREMENTS\",\"Mark\":1}");
	/* the item is at 4, not 3: cancelled, write 1 named, the requirements untouched */
	ck_assert_int_eq(store_transact(s, w, 2, &err), CC_ECONFLICT);
	ck_assert_msg(strstr(err.msg, "write 1 of 2"), "%s", err.msg);
	ck_assert_int_eq(store_get(s, "ESTIMATION#tv", "REQUIREMENTS", &b, &found, &err), CC_OK);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"Mark\":1"));
	/* at 4: both land, METADATA at Version 5 */
	cc_err_clear(&err);
	w[0].expected = 4;
	ck_assert_msg(store_transact(s, w, 2, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(store_get(s, "ESTIMATION#tv", "METADATA", &b, &found, &err), CC_OK);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"Version\":5"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"Mark\":2"));
	ck_assert_int_eq(store_get(s, "ESTIMATION#tv", "REQUIREMENTS", &b, &found, &err), CC_OK);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"Mark\":2"));
	/* a negative version is refused before anything is sent */
	cc_err_clear(&err);
	w[0].expected = -1;
	ck_assert_int_eq(store_transact(s, w, 2, &err), CC_EUSAGE);
	ck_assert_msg(strstr(err.msg, "write 1 of 2"), "%s", err.msg);
	/* a versioned write of an item that is not there fails too */
	cc_err_clear(&err);
	w[0].json = "{\"PK\":\"ESTIMATION#none\",\"SK\":\"METADATA\"}";
	w[0].expected = 0;
	ck_assert_int_eq(store_transact(s, w, 1, &err), CC_ECONFLICT);
	buf_release(&b);
}
END_TEST

/* 26+ items (more than one DynamoDB batch), then pages of 10 both ways. */
START_TEST(batch_and_pagination)
{
	enum { N = 57 };
	char *items[N], cursor[1024] = "";
	struct store_query q;
	struct buf next;
	int i, seen = 0, pages = 0;

	for (i = 0; i < N; i++) {
		items[i] = malloc(200);
		snprintf(items[i], 200,
			 "{\"PK\":\"ESTIMATION#e%02d\",\"SK\":\"METADATA\",\"GSI1PK\":\"USER#u1\","
			 "\"GSI1SK\":\"ESTIMATION#2026-11-%02dT00:00:00Z\"}",
			 i, i % 28 + 1);
	}
	ck_assert_msg(store_batch_put(s, (const char *const *)items, N, &err) == CC_OK, "%s", err.msg);
	buf_init(&next, 1 << 16);
	memset(&q, 0, sizeof(q));
	q.index = STORE_GSI1;
	q.pk = "USER#u1";
	q.cond = STORE_BEGINS;
	q.sk = "ESTIMATION#";
	q.limit = 10;
	for (;;) {
		struct collect c = { 0 };

		q.cursor = cursor[0] ? cursor : NULL;
		ck_assert_msg(store_query(s, &q, collect, &c, &next, &err) == CC_OK, "%s", err.msg);
		seen += c.n;
		pages++;
		if (!next.len) {
			ck_assert_int_eq(c.n, N % 10);
			break;
		}
		ck_assert_int_eq(c.n, 10);
		snprintf(cursor, sizeof(cursor), "%s", next.buf);
	}
	ck_assert_int_eq(seen, N);
	ck_assert_int_eq(pages, 6);
	/* backward: newest first */
	{
		struct collect c = { 0 };

		q.backward = 1;
		q.cursor = NULL;
		q.limit = 1;
		ck_assert_int_eq(store_query(s, &q, collect, &c, &next, &err), CC_OK);
		ck_assert_int_eq(c.n, 1);
		ck_assert_ptr_nonnull(strstr(c.first, "2026-11-28"));
		ck_assert_int_gt(next.len, 0);
	}
	for (i = 0; i < N; i++)
		free(items[i]);
	buf_release(&next);
}
END_TEST

/*
 * A callback may use the store while a query is still reading: the same
 * query again, a get and a put. The embedded store keeps its statements and
 * reuses them; one still in use must not be handed out twice, and a reused
 * one must not answer from its last run.
 */
struct nested {
	int outer, inner, gets;
};

static int count_only(void *user, const char *json, size_t len)
{
	(void)json;
	(void)len;
	(*(int *)user)++;
	return 0;
}

static struct store_query calcs_of(const char *pk)
{
	struct store_query q;

	memset(&q, 0, sizeof(q));
	q.pk = pk;
	q.cond = STORE_BEGINS;
	q.sk = "CALCULATION#";
	return q;
}

static int nested_cb(void *user, const char *json, size_t len)
{
	struct nested *n = user;
	struct store_query q = calcs_of("ESTIMATION#n");
	struct buf next, b;
	struct cc_err e = { 0 };
	char item[200];
	int found = 0, inner = 0;

	(void)json;
	(void)len;
	n->outer++;
	buf_init(&next, 1 << 16);
	buf_init(&b, 1 << 16);
	ck_assert_msg(store_query(s, &q, count_only, &inner, &next, &e) == CC_OK, "%s", e.msg);
	n->inner += inner;
	ck_assert_msg(store_get(s, "ESTIMATION#n", "METADATA", &b, &found, &e) == CC_OK, "%s", e.msg);
	n->gets += found;
	snprintf(item, sizeof(item), "{\"PK\":\"NOTE#n\",\"SK\":\"N#%d\"}", n->outer);
	ck_assert_msg(store_put(s, item, 0, &e) == CC_OK, "%s", e.msg);
	buf_release(&next);
	buf_release(&b);
	return 0;
}

START_TEST(nested_reads_and_writes)
{
	struct store_query q = calcs_of("ESTIMATION#n");
	struct buf next, b;
	int round, notes, found;

	put("{\"PK\":\"ESTIMATION#n\",\"SK\":\"METADATA\"}");
	put("{\"PK\":\"ESTIMATION#n\",\"SK\":\"CALCULATION#1\"}");
	put("{\"PK\":\"ESTIMATION#n\",\"SK\":\"CALCULATION#2\"}");
	put("{\"PK\":\"ESTIMATION#n\",\"SK\":\"CALCULATION#3\"}");
	buf_init(&next, 1 << 16);
	buf_init(&b, 1 << 16);
	for (round = 0; round < 2; round++) {
		struct nested n = { 0 };

		ck_assert_msg(store_query(s, &q, nested_cb, &n, &next, &err) == CC_OK, "%s", err.msg);
		ck_assert_int_eq(n.outer, 3);
		ck_assert_int_eq(n.inner, 9); /* 3 a time, from inside each of the 3 */
		ck_assert_int_eq(n.gets, 3);
	}
	notes = 0;
	q = calcs_of("NOTE#n");
	q.sk = "N#";
	ck_assert_int_eq(store_query(s, &q, count_only, &notes, &next, &err), CC_OK);
	ck_assert_int_eq(notes, 3); /* N#1..N#3, written twice */
	/* a reused get answers for its new arguments, not its last ones */
	ck_assert_int_eq(store_delete(s, "ESTIMATION#n", "METADATA", &err), CC_OK);
	found = 1;
	ck_assert_int_eq(store_get(s, "ESTIMATION#n", "METADATA", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 0);
	found = 0;
	ck_assert_int_eq(store_get(s, "ESTIMATION#n", "CALCULATION#2", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	buf_release(&next);
	buf_release(&b);
}
END_TEST

START_TEST(ttl_hides_then_purges)
{
	struct buf b;
	uint64_t purged;
	int found;

	buf_init(&b, 1 << 20);
	setenv("COSTCTL_NOW", "2000", 1);
	put("{\"PK\":\"TEMP#1\",\"SK\":\"X\",\"TTL\":1000}");
	put("{\"PK\":\"TEMP#2\",\"SK\":\"X\",\"TTL\":3000}");
	put("{\"PK\":\"TEMP#3\",\"SK\":\"X\",\"TTL\":null}");
	ck_assert_int_eq(store_get(s, "TEMP#1", "X", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(store_get(s, "TEMP#2", "X", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	/* an expired item counts as gone for attribute_not_exists */
	ck_assert_int_eq(store_put(s, "{\"PK\":\"TEMP#1\",\"SK\":\"X\",\"TTL\":1500}", STORE_IF_NOT_EXISTS, &err),
			 CC_OK);
	setenv("COSTCTL_NOW", "4000", 1);
	ck_assert_int_eq(store_purge_expired(s, &purged, &err), CC_OK);
	/* DynamoDB purges by itself; sqlite on request */
	ck_assert_int_eq(purged, is_sqlite() ? 2 : 0);
	ck_assert_int_eq(store_get(s, "TEMP#2", "X", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(store_get(s, "TEMP#3", "X", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	unsetenv("COSTCTL_NOW");
	buf_release(&b);
}
END_TEST

/*
 * What other clients write, kept on both backends: a string TTL never
 * expires (and is seen by get, query and scan alike), the typed forms of
 * sets and binary come back as written, and the latest live calculation is
 * found behind an expired newer one.
 */
START_TEST(foreign_items_and_latest_live)
{
	static const char *const args[] = { "e7" };
	const struct store_pattern *latest = store_pattern_find("latest-calculation");
	struct collect c;
	struct buf b, next;
	int found;

	buf_init(&b, 1 << 20);
	buf_init(&next, 1 << 20);
	setenv("COSTCTL_NOW", "2000", 1);
	put("{\"PK\":\"ESTIMATION#e7\",\"SK\":\"DOCUMENT#1\",\"TTL\":\"soon\","
	    "\"ss\":{\"$ss\":[\"a\",\"b\"]},\"b\":{\"$b\":\"AAEC\"}}");
	ck_assert_int_eq(store_get(s, "ESTIMATION#e7", "DOCUMENT#1", &b, &found, &err), CC_OK);
	ck_assert_int_eq(found, 1);
	ck_assert_msg(strstr(b.buf, "\"ss\":{\"$ss\":[\"a\",\"b\"]}") && strstr(b.buf, "{\"$b\":\"AAEC\"}"),
		      "%s", b.buf);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(store_scan(s, 0, 1, collect, &c, &err), CC_OK);
	ck_assert_int_eq(c.n, 1); /* the string TTL did not hide it */
	put("{\"PK\":\"ESTIMATION#e7\",\"SK\":\"CALCULATION#2026-01\",\"GSI1PK\":\"CALCULATION#e7\","
	    "\"GSI1SK\":\"2026-01\",\"CalculationId\":\"old\"}");
	put("{\"PK\":\"ESTIMATION#e7\",\"SK\":\"CALCULATION#2026-02\",\"GSI1PK\":\"CALCULATION#e7\","
	    "\"GSI1SK\":\"2026-02\",\"CalculationId\":\"expired\",\"TTL\":1000}");
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(store_pattern_run(s, latest, args, 1, 0, NULL, collect, &c, &next, &err),
			 CC_OK);
	ck_assert_int_eq(c.n, 1);
	ck_assert_msg(strstr(c.first, "\"CalculationId\":\"old\""), "%s", c.first);
	unsetenv("COSTCTL_NOW");
	buf_release(&b);
	buf_release(&next);
}
END_TEST

/* Segments partition the table: every item in exactly one. */
START_TEST(segmented_scan_covers_once)
{
	int i, total = 0, segs[4] = { 0 };
	char item[200];

	for (i = 0; i < 100; i++) {
		snprintf(item, sizeof(item), "{\"PK\":\"ESTIMATION#s%03d\",\"SK\":\"METADATA\"}", i);
		put(item);
	}
	for (i = 0; i < 4; i++) {
		struct collect c = { 0 };

		ck_assert_int_eq(store_scan(s, (unsigned)i, 4, collect, &c, &err), CC_OK);
		segs[i] = c.n;
		total += c.n;
	}
	ck_assert_int_eq(total, 100);
	for (i = 0; i < 4 && is_sqlite(); i++)
		ck_assert_int_gt(segs[i], 5); /* our hash spreads; DynamoDB's own may not */
	ck_assert_int_eq(store_scan(s, 4, 4, collect, NULL, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "segment 4 is not less than the total 4"));
}
END_TEST

static int run(const char *name, const char *a1, const char *a2, const char *a3,
	       struct collect *c)
{
	const char *args[3] = { a1, a2, a3 };
	size_t n = a3 ? 3 : a2 ? 2 : a1 ? 1 : 0;
	struct buf next;
	enum cc_code ret;

	memset(c, 0, sizeof(*c));
	buf_init(&next, 1 << 16);
	ret = store_pattern_run(s, store_pattern_find(name), args, n, 0, NULL, collect, c,
				&next, &err);
	ck_assert_msg(ret == CC_OK, "%s: %s", name, err.msg);
	buf_release(&next);
	return c->n;
}

/* Every access pattern of section 3 over the seed items. */
START_TEST(access_patterns_on_the_seed)
{
	char *path = th_fixture("table/seed.jsonl");
	char line[16384];
	struct collect c;
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	setenv("COSTCTL_NOW", "1764036000", 1);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		put(line);
	}
	fclose(f);
	free(path);
	ck_assert_int_eq(run("user-by-id", "user123", NULL, NULL, &c), 1);
	ck_assert_ptr_nonnull(strstr(c.first, "\"FirstName\":\"John\""));
	ck_assert_int_eq(run("user-by-email", "maria.santos@sagesoft.com", NULL, NULL, &c), 1);
	ck_assert_ptr_nonnull(strstr(c.first, "\"UserId\":\"user789\""));
	ck_assert_int_eq(run("estimations-by-user", "user123", NULL, NULL, &c), 3);
	ck_assert_ptr_nonnull(strstr(c.first, "est501")); /* newest first */
	ck_assert_ptr_nonnull(strstr(c.last, "est456"));
	ck_assert_int_eq(run("estimation", "est456", NULL, NULL, &c), 5);
	ck_assert_int_eq(run("calculations", "est456", NULL, NULL, &c), 2);
	ck_assert_int_eq(run("latest-calculation", "est456", NULL, NULL, &c), 1);
	ck_assert_ptr_nonnull(strstr(c.first, "calc790"));
	ck_assert_int_eq(run("pricing", "EC2", "us-east-1", NULL, &c), 1);
	ck_assert_int_eq(run("region-pricing", "us-east-1", NULL, NULL, &c), 1);
	ck_assert_int_eq(run("documents", "est456", NULL, NULL, &c), 1);
	ck_assert_int_eq(run("audit-by-user", "user123", "2024-01-01", "2024-01-31", &c), 1);
	ck_assert_int_eq(run("audit-by-user", "user123", "2024-01-01", "2024-02-01", &c), 2);
	ck_assert_int_eq(run("shared-with-user", "user789", NULL, NULL, &c), 1);
	ck_assert_int_eq(run("active-estimations", NULL, NULL, NULL, &c), 3);
	ck_assert_ptr_null(strstr(c.first, "est502")); /* archived */
	ck_assert_int_eq(store_pattern_run(s, store_pattern_find("pricing"), NULL, 0, 0, NULL,
					   collect, &c, NULL, &err), CC_EUSAGE);
	unsetenv("COSTCTL_NOW");
}
END_TEST

START_TEST(urls_and_missing_table)
{
	struct store *t = NULL;
	struct buf b;
	char url[4200];
	int found;

	ck_assert_int_eq(store_open(&t, "postgres://x", NULL, &err), CC_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "want sqlite:PATH or dynamodb://REGION/TABLE"));
	cc_err_clear(&err);
	snprintf(url, sizeof(url), "sqlite:%s/sub/dir/fresh.db", dir);
	ck_assert_msg(store_open(&t, url, NULL, &err) == CC_OK, "%s", err.msg);
	buf_init(&b, 1024);
	ck_assert_int_eq(store_get(t, "A", "B", &b, &found, &err), CC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "run 'costctl table init'"));
	store_close(t);
	buf_release(&b);
}
END_TEST

Suite *suite_store(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("sqlite");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, get_put_delete_and_conditions);
	tcase_add_test(tc, bad_items_refused);
	tcase_add_test(tc, item_scan_matches_tree_reading);
	tcase_add_test(tc, item_scan_names_and_sets);
	tcase_add_test(tc, optimistic_lock_conflict);
	tcase_add_test(tc, items_made_ahead);
	tcase_add_test(tc, own_items_keyed_from_their_lead);
	tcase_add_test(tc, bulk_wal_stays_bounded);
	tcase_add_test(tc, transaction_all_or_nothing);
	tcase_add_test(tc, transaction_versioned);
	tcase_add_test(tc, batch_and_pagination);
	tcase_add_test(tc, nested_reads_and_writes);
	tcase_add_test(tc, ttl_hides_then_purges);
	tcase_add_test(tc, foreign_items_and_latest_live);
	tcase_add_test(tc, segmented_scan_covers_once);
	tcase_add_test(tc, access_patterns_on_the_seed);
	tcase_add_test(tc, urls_and_missing_table);
	suite_add_tcase(su, tc);
	return su;
}
