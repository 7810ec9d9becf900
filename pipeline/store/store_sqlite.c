/*
 * The embedded store: one SQLite table that mirrors the DynamoDB keys (PK,
 * SK, GSI1PK/SK, GSI2PK/SK, TTL, Version) beside the item's JSON, an index
 * per GSI (sparse: only items with both keys), WAL so readers go on while
 * the nightly job writes, and transactions for the transactional writes.
 * Items past their TTL are invisible to every read and condition, and
 * removed by store_purge_expired.
 */
#include "pipeline/store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/jsonutil.h"

#include "pipeline/core/fsutil.h"
#include "pipeline/core/banned.h"

/*
 * Prepared statements are kept per connection and reset after use: a
 * nightly run makes three writes and three reads an estimation, and
 * preparing each one again cost more than running it. A statement still in
 * use (a callback that reads during a scan) gets a fresh, uncached one. A
 * store is used from one thread at a time.
 */
#define STMT_CACHE 24

struct cached_stmt {
	char *sql;
	sqlite3_stmt *st;
	int busy;
};

/*
 * Bulk writes (store_bulk_begin: recalc's batches) copy the WAL into
 * the database on a checkpoint thread with its own connection, so the
 * writer never waits for it: a commit that leaves CKPT_FRAMES frames in the
 * WAL wakes it (a PASSIVE checkpoint, which never blocks the writer). Past
 * CKPT_BACKSTOP frames (the thread fell behind) the writer checkpoints
 * itself, as SQLite's own autocheckpoint would, so the WAL stays bounded.
 */
#define CKPT_FRAMES 1000
#define CKPT_BACKSTOP 32768

struct ckpt {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv, done;
	sqlite3 *db;
	int ready, running, wake, busy, stop;
};

struct sq {
	sqlite3 *db;
	char *path;
	int has_table;
	int in_bulk; /* inside store_bulk_begin: batches join the outer transaction */
	struct cached_stmt cache[STMT_CACHE];
	size_t ncache;
	struct ckpt ck;
};

#define LIVE "(ttl IS NULL OR ttl > ?9)"

static const char *const schema =
	"CREATE TABLE IF NOT EXISTS items ("
	" pk TEXT NOT NULL, sk TEXT NOT NULL,"
	" gsi1pk TEXT, gsi1sk TEXT, gsi2pk TEXT, gsi2sk TEXT,"
	" ttl INTEGER, version INTEGER, item TEXT NOT NULL,"
	" PRIMARY KEY (pk, sk));"
	"CREATE INDEX IF NOT EXISTS gsi1 ON items (gsi1pk, gsi1sk, pk, sk)"
	" WHERE gsi1pk IS NOT NULL AND gsi1sk IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS gsi2 ON items (gsi2pk, gsi2sk, pk, sk)"
	" WHERE gsi2pk IS NOT NULL AND gsi2sk IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS ttl ON items (ttl) WHERE ttl IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS table_info (name TEXT PRIMARY KEY, definition TEXT NOT NULL);";

/* Section 2.1 as created here: what `table init` made, kept in the file. */
static const char *const definition =
	"{\"TableName\":\"" STORE_TABLE_NAME "\",\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},"
	"{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
	"\"GlobalSecondaryIndexes\":[{\"IndexName\":\"GSI1\",\"KeySchema\":["
	"{\"AttributeName\":\"GSI1PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"GSI1SK\",\"KeyType\":\"RANGE\"}],"
	"\"Projection\":{\"ProjectionType\":\"ALL\"}},{\"IndexName\":\"GSI2\",\"KeySchema\":["
	"{\"AttributeName\":\"GSI2PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"GSI2SK\",\"KeyType\":\"RANGE\"}],"
	"\"Projection\":{\"ProjectionType\":\"ALL\"}}],"
	"\"TimeToLiveSpecification\":{\"AttributeName\":\"TTL\",\"Enabled\":true},"
	"\"StreamSpecification\":{\"StreamEnabled\":false,\"Note\":\"sqlite has no streams\"},"
	"\"PointInTimeRecovery\":{\"Enabled\":false,\"Note\":\"back up the file; WAL keeps it consistent\"}}";

static struct sq *SQ(struct store *s)
{
	return s->impl;
}

static enum cc_code sql_error(struct store *s, int rc, const char *what,
			      struct cc_err *err)
{
	struct sq *q = SQ(s);
	const char *msg = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
	enum cc_code code = CC_EIO;

	switch (rc & 0xff) {
	case SQLITE_FULL: code = CC_ENOSPC; break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: code = CC_ECORRUPT; break;
	case SQLITE_NOMEM: code = CC_ENOMEM; break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: code = CC_ELOCKED; break;
	default: break;
	}
	return cc_err_set(err, code, "store '%s': cannot %s: %s", s->url, what, msg);
}

static enum cc_code need_table(struct store *s, struct cc_err *err)
{
	if (SQ(s)->has_table)
		return CC_OK;
	return cc_err_set(err, CC_ENOTFOUND,
			  "store '%s' has no table yet; run 'costctl table init'", s->url);
}

static int exec(struct store *s, const char *sql)
{
	return sqlite3_exec(SQ(s)->db, sql, NULL, NULL, NULL);
}

static void seg_fn(sqlite3_context *c, int argc, sqlite3_value **v)
{
	const unsigned char *pk = sqlite3_value_text(v[0]);
	int total = sqlite3_value_int(v[1]);

	(void)argc;
	sqlite3_result_int(c, (int)store_segment_of(pk ? (const char *)pk : "",
						    total > 0 ? (unsigned)total : 1));
}

static void *ckpt_main(void *arg)
{
	struct ckpt *c = arg;

	pthread_setname_np(pthread_self(), "sqlite-ckpt");
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->wake && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wake = 0;
		c->busy = 1;
		pthread_mutex_unlock(&c->mu);
		/* a failure (busy, full disk) leaves the frames for the next one, or the writer's backstop */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
		c->busy = 0;
		pthread_cond_broadcast(&c->done);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* After each commit: `frames` in the WAL. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sq *q = arg;

	if (frames >= CKPT_BACKSTOP || (!q->ck.running && frames >= CKPT_FRAMES)) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= CKPT_FRAMES) {
		pthread_mutex_lock(&q->ck.mu);
		q->ck.wake = 1;
		pthread_cond_signal(&q->ck.cv);
		pthread_mutex_unlock(&q->ck.mu);
	}
	return SQLITE_OK;
}

/* The checkpoint thread, for a bulk write; without one the writer checkpoints as before. */
static void ckpt_start(struct sq *q)
{
	struct ckpt *c = &q->ck;

	if (c->running)
		return;
	c->wake = c->stop = 0;
	/* a connection learns the file is in WAL mode when it first reads it */
	if (!sqlite3_open_v2(q->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) &&
	    !sqlite3_busy_timeout(c->db, 10000) &&
	    !sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) &&
	    !pthread_create(&c->th, NULL, ckpt_main, c)) {
		c->running = 1;
		return;
	}
	sqlite3_close(c->db);
	c->db = NULL;
}

/*
 * Before a bulk transaction: the checkpoint asked for is done, so the
 * transaction starts on a fully copied WAL and SQLite starts the WAL over
 * instead of growing it (it ran while the writer was reading).
 */
static void ckpt_wait(struct sq *q)
{
	struct ckpt *c = &q->ck;

	if (!c->running)
		return;
	pthread_mutex_lock(&c->mu);
	while (c->wake || c->busy)
		pthread_cond_wait(&c->done, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

static void ckpt_stop(struct sq *q)
{
	struct ckpt *c = &q->ck;

	if (!c->running)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	sqlite3_close(c->db);
	c->db = NULL;
	c->running = 0;
}

enum cc_code store_sqlite_open(struct store *s, const char *path,
			       struct cc_err *err)
{
	struct sq *q = calloc(1, sizeof(*q));
	sqlite3_stmt *st = NULL;
	char *slash;
	int rc;

	if (!q || !(q->path = strdup(path))) {
		free(q);
		return cc_err_set(err, CC_ENOMEM, "cannot open '%s'", path);
	}
	s->impl = q;
	if (!*path)
		return cc_err_set(err, CC_EUSAGE, "store URL 'sqlite:' needs a path");
	slash = strrchr(q->path, '/');
	if (slash && slash != q->path) {
		*slash = '\0';
		rc = fs_mkdirs(q->path, err);
		*slash = '/';
		if (rc)
			return rc;
	}
	rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					       SQLITE_OPEN_NOMUTEX, NULL);
	if (rc)
		return sql_error(s, rc, "open the database", err);
	sqlite3_busy_timeout(q->db, 10000);
	sqlite3_extended_result_codes(q->db, 1);
	/*
	 * 16 KB pages for a new file (a 16 KB calculation is one or two pages,
	 * not five: a third less time writing 100,000 of them, make bench), and
	 * a 64 MB page cache, so a batch's transaction never spills
	 * half-written pages into the WAL to write them again at commit.
	 */
	if ((rc = exec(s, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			  "PRAGMA cache_size=-65536;")))
		return sql_error(s, rc, "set WAL mode", err);
	pthread_mutex_init(&q->ck.mu, NULL);
	pthread_cond_init(&q->ck.cv, NULL);
	pthread_cond_init(&q->ck.done, NULL);
	q->ck.ready = 1;
	sqlite3_wal_hook(q->db, wal_hook, q);
	sqlite3_create_function(q->db, "costctl_segment", 2,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, seg_fn, NULL, NULL);
	rc = sqlite3_prepare_v2(q->db,
				"SELECT 1 FROM sqlite_master WHERE type='table' AND name='items'",
				-1, &st, NULL);
	if (rc)
		return sql_error(s, rc, "read the schema", err);
	q->has_table = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return CC_OK;
}

static void sq_close(struct store *s)
{
	struct sq *q = SQ(s);
	size_t i;

	ckpt_stop(q);
	if (q->ck.ready) {
		pthread_mutex_destroy(&q->ck.mu);
		pthread_cond_destroy(&q->ck.cv);
		pthread_cond_destroy(&q->ck.done);
	}

	for (i = 0; i < q->ncache; i++) {
		sqlite3_finalize(q->cache[i].st);
		free(q->cache[i].sql);
	}
	if (q->db)
		sqlite3_close(q->db);
	free(q->path);
	free(q);
	s->impl = NULL;
}

static enum cc_code sq_init(struct store *s, unsigned flags, struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	(void)flags; /* the embedded table has one shape: the one made here */
	if ((rc = exec(s, schema)))
		return sql_error(s, rc, "create the table", err);
	rc = sqlite3_prepare_v2(SQ(s)->db,
				"INSERT OR IGNORE INTO table_info VALUES (?1, ?2)", -1, &st, NULL);
	if (!rc) {
		sqlite3_bind_text(st, 1, STORE_TABLE_NAME, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, definition, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(SQ(s)->db);
	}
	sqlite3_finalize(st);
	if (rc)
		return sql_error(s, rc, "record the table definition", err);
	SQ(s)->has_table = 1;
	return CC_OK;
}

static enum cc_code prepare(struct store *s, const char *sql, sqlite3_stmt **st,
			    struct cc_err *err);
static void unprepare(struct store *s, sqlite3_stmt *st);

static enum cc_code sq_describe(struct store *s, struct buf *out, struct cc_err *err)
{
	struct sq *q = SQ(s);
	sqlite3_stmt *st = NULL;
	long long live = 0, expired = 0;
	enum cc_code ret;
	int rc;

	if ((ret = need_table(s, err)))
		return ret;
	buf_addf(out, "table       %s (sqlite, %s)\n", STORE_TABLE_NAME, q->path);
	buf_addstr(out, "status      ACTIVE\n"
			"key         PK (HASH, S), SK (RANGE, S)\n"
			"GSI1        GSI1PK (HASH), GSI1SK (RANGE), projection ALL (a partial index: sparse)\n"
			"GSI2        GSI2PK (HASH), GSI2SK (RANGE), projection ALL (a partial index: sparse)\n"
			"billing     none (embedded)\n"
			"stream      none (sqlite has no streams)\n"
			"ttl         TTL (ENABLED: expired items are invisible; 'table purge-expired' deletes them)\n"
			"encryption  none (protect the file; the state directory is the boundary)\n"
			"pitr        none (back up the file; WAL keeps it consistent)\n");
	if ((ret = prepare(s, "SELECT COUNT(*) FILTER (WHERE " LIVE "), "
			      "COUNT(*) FILTER (WHERE NOT " LIVE ") FROM items", &st, err)))
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		live = sqlite3_column_int64(st, 0);
		expired = sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	unprepare(s, st);
	if (rc != SQLITE_DONE)
		return sql_error(s, rc, "count items", err);
	buf_addf(out, "items       %lld (and %lld expired, not yet purged)\n", live, expired);
	buf_addstr(out, "section 2.1 matches (as far as an embedded store can: no billing, stream, SSE or PITR)\n");
	return CC_OK;
}

static enum cc_code prepare(struct store *s, const char *sql, sqlite3_stmt **st,
			    struct cc_err *err)
{
	struct sq *q = SQ(s);
	struct cached_stmt *c = NULL;
	size_t i;
	int rc;

	for (i = 0; i < q->ncache; i++) {
		if (!strcmp(q->cache[i].sql, sql)) {
			c = &q->cache[i];
			break;
		}
	}
	if (c && !c->busy) {
		*st = c->st;
		c->busy = 1;
	} else {
		rc = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
		if (rc)
			return sql_error(s, rc, "prepare a statement", err);
		if (!c && q->ncache < STMT_CACHE &&
		    (q->cache[q->ncache].sql = strdup(sql))) {
			q->cache[q->ncache].st = *st;
			q->cache[q->ncache].busy = 1;
			q->ncache++;
		}
	}
	sqlite3_bind_int64(*st, 9, store_now());
	return CC_OK;
}

/* Gives back a statement from prepare(): reset if cached, else finalized. */
static void unprepare(struct store *s, sqlite3_stmt *st)
{
	struct sq *q = SQ(s);
	size_t i;

	if (!st)
		return;
	for (i = 0; i < q->ncache; i++) {
		if (q->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			q->cache[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(st);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/*
 * ?1..?8: pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, version; ?10 item.
 * Bound in place, not copied (a calculation is 16 KB): every caller steps
 * the statement and unprepares it (reset, bindings cleared) while k lives.
 */
static void bind_item(sqlite3_stmt *st, const struct store_keys *k)
{
	bind_opt(st, 1, k->pk);
	bind_opt(st, 2, k->sk);
	bind_opt(st, 3, k->g1pk);
	bind_opt(st, 4, k->g1sk);
	bind_opt(st, 5, k->g2pk);
	bind_opt(st, 6, k->g2sk);
	if (k->has_ttl)
		sqlite3_bind_int64(st, 7, k->ttl);
	else
		sqlite3_bind_null(st, 7);
	if (k->has_version)
		sqlite3_bind_int64(st, 8, k->version);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 10, k->json.buf, (int)k->json.len, SQLITE_STATIC);
}

#define COLS "(pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, version, item)"
#define VALS "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10)"
#define SET_ALL                                                                 \
	"gsi1pk = ?3, gsi1sk = ?4, gsi2pk = ?5, gsi2sk = ?6, ttl = ?7, version = ?8, " \
	"item = ?10"

/* Writes one item; with STORE_IF_NOT_EXISTS an expired one counts as gone. */
static enum cc_code write_one(struct store *s, const struct store_keys *k,
			      unsigned flags, const char *what, struct cc_err *err)
{
	static const char *const replace = "INSERT OR REPLACE INTO items " COLS " VALUES " VALS;
	static const char *const if_absent =
		"INSERT INTO items " COLS " VALUES " VALS " ON CONFLICT (pk, sk) DO UPDATE SET " SET_ALL
		" WHERE items.ttl IS NOT NULL AND items.ttl <= ?9";
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = prepare(s, flags & STORE_IF_NOT_EXISTS ? if_absent : replace, &st, err)))
		return ret;
	bind_item(st, k);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = sql_error(s, rc, "write an item", err);
	else if ((flags & STORE_IF_NOT_EXISTS) && !sqlite3_changes(SQ(s)->db))
		ret = cc_err_set(err, CC_ECONFLICT, "%s%sitem %s / %s already exists",
				 what ? what : "", what ? ": " : "", k->pk, k->sk);
	unprepare(s, st);
	return ret;
}

static enum cc_code sq_get(struct store *s, const char *pk, const char *sk,
			   struct buf *out, int *found, struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = need_table(s, err)) ||
	    (ret = prepare(s, "SELECT item FROM items WHERE pk = ?1 AND sk = ?2 AND " LIVE,
			   &st, err)))
		return ret;
	sqlite3_bind_text(st, 1, pk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sk, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = 1;
		if (buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)))
			ret = cc_err_set(err, CC_ENOMEM, "item %s / %s is too large", pk, sk);
	} else if (rc != SQLITE_DONE) {
		ret = sql_error(s, rc, "read an item", err);
	}
	unprepare(s, st);
	return ret;
}

static enum cc_code sq_put(struct store *s, const struct store_keys *k,
			   unsigned flags, struct cc_err *err)
{
	enum cc_code ret = need_table(s, err);

	return ret ? ret : write_one(s, k, flags, NULL, err);
}

/* Replaces an item at Version `expected` (section 4.2); `what` (or NULL) prefixes a conflict. */
static enum cc_code update_one(struct store *s, const struct store_keys *k, int64_t expected,
			       const char *what, struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = prepare(s, "UPDATE items SET " SET_ALL " WHERE pk = ?1 AND sk = ?2"
			      " AND COALESCE(version, 0) = ?11 AND " LIVE, &st, err)))
		return ret;
	bind_item(st, k);
	sqlite3_bind_int64(st, 11, expected);
	rc = sqlite3_step(st);
	unprepare(s, st);
	if (rc != SQLITE_DONE)
		return sql_error(s, rc, "update an item", err);
	if (sqlite3_changes(SQ(s)->db))
		return CC_OK;
	/* say why: gone, or moved on */
	if ((ret = prepare(s, "SELECT COALESCE(version, 0) FROM items WHERE pk = ?1 AND sk = ?2 AND "
			      LIVE, &st, err)))
		return ret;
	sqlite3_bind_text(st, 1, k->pk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->sk, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = cc_err_set(err, CC_ECONFLICT,
				 "%s%sitem %s / %s is at version %lld, not %lld: someone else wrote it first",
				 what ? what : "", what ? ": " : "", k->pk, k->sk,
				 (long long)sqlite3_column_int64(st, 0), (long long)expected);
	else
		ret = cc_err_set(err, CC_ECONFLICT, "%s%sitem %s / %s does not exist", what ? what : "",
				 what ? ": " : "", k->pk, k->sk);
	unprepare(s, st);
	return ret;
}

static enum cc_code sq_update_versioned(struct store *s, const struct store_keys *k,
					int64_t expected, struct cc_err *err)
{
	enum cc_code ret = need_table(s, err);

	return ret ? ret : update_one(s, k, expected, NULL, err);
}

static enum cc_code sq_del(struct store *s, const char *pk, const char *sk,
			   struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = need_table(s, err)) ||
	    (ret = prepare(s, "DELETE FROM items WHERE pk = ?1 AND sk = ?2", &st, err)))
		return ret;
	sqlite3_bind_text(st, 1, pk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sk, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	unprepare(s, st);
	return rc == SQLITE_DONE ? CC_OK : sql_error(s, rc, "delete an item", err);
}

/* The smallest string greater than every string starting with `p`, or NULL. */
static char *prefix_end(const char *p)
{
	size_t n = strlen(p);
	char *e = strdup(p);

	if (!e)
		return NULL;
	while (n) {
		unsigned char c = (unsigned char)e[n - 1];

		if (c < 0xff) {
			e[n - 1] = (char)(c + 1);
			e[n] = '\0';
			return e;
		}
		n--;
	}
	free(e);
	return NULL;
}

static enum cc_code sq_query(struct store *s, const struct store_query *q,
			     int (*fn)(void *, const char *, size_t), void *user,
			     struct buf *next, struct cc_err *err)
{
	static const char *const pcol[] = { "pk", "gsi1pk", "gsi2pk" };
	static const char *const scol[] = { "sk", "gsi1sk", "gsi2sk" };
	const char *p = pcol[q->index], *sc = scol[q->index], *dir = q->backward ? "DESC" : "ASC";
	char *end = NULL;
	struct buf sql;
	sqlite3_stmt *st = NULL;
	yajl_val cur = NULL;
	enum cc_code ret;
	unsigned n = 0;
	int rc;

	if ((ret = need_table(s, err)))
		return ret;
	buf_init(&sql, 4096);
	buf_addf(&sql, "SELECT item, %s, pk, sk FROM items WHERE %s = ?1 AND %s IS NOT NULL AND " LIVE,
		 sc, p, sc);
	if (q->cond == STORE_EQ)
		buf_addf(&sql, " AND %s = ?2", sc);
	else if (q->cond == STORE_BETWEEN)
		buf_addf(&sql, " AND %s BETWEEN ?2 AND ?3", sc);
	else if (q->cond == STORE_BEGINS) {
		buf_addf(&sql, " AND %s >= ?2", sc);
		if ((end = prefix_end(q->sk)))
			buf_addf(&sql, " AND %s < ?3", sc);
	}
	if (q->cursor) {
		char errbuf[128];

		cur = json_parse(q->cursor, strlen(q->cursor), 4, errbuf, sizeof(errbuf));
		if (!cur || !YAJL_IS_ARRAY(cur) || YAJL_GET_ARRAY(cur)->len != 3) {
			ret = cc_err_set(err, CC_EUSAGE, "not a cursor of this store: '%s'", q->cursor);
			goto out;
		}
		buf_addf(&sql, " AND (%s, pk, sk) %s (?4, ?5, ?6)", sc, q->backward ? "<" : ">");
	}
	buf_addf(&sql, " ORDER BY %s %s, pk %s, sk %s", sc, dir, dir, dir);
	if (q->limit)
		buf_addf(&sql, " LIMIT %u", q->limit + 1);
	if ((ret = prepare(s, sql.buf, &st, err)))
		goto out;
	sqlite3_bind_text(st, 1, q->pk, -1, SQLITE_STATIC);
	if (q->cond != STORE_ALL)
		sqlite3_bind_text(st, 2, q->sk, -1, SQLITE_STATIC);
	if (q->cond == STORE_BETWEEN)
		sqlite3_bind_text(st, 3, q->sk_to, -1, SQLITE_STATIC);
	else if (end)
		sqlite3_bind_text(st, 3, end, -1, SQLITE_STATIC);
	if (cur) {
		int i;

		for (i = 0; i < 3; i++) {
			yajl_val v = YAJL_GET_ARRAY(cur)->values[i];

			sqlite3_bind_text(st, 4 + i, YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "",
					  -1, SQLITE_TRANSIENT);
		}
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (q->limit && n == q->limit) {
			/* one more than a page: there is a next page, after the last */
			break;
		}
		n++;
		if (fn && fn(user, (const char *)sqlite3_column_text(st, 0),
			     (size_t)sqlite3_column_bytes(st, 0))) {
			rc = SQLITE_DONE;
			break;
		}
		/* remember where this page ends */
		buf_reset(next);
		buf_addch(next, '[');
		buf_add_json_str(next, (const char *)sqlite3_column_text(st, 1),
				 (size_t)sqlite3_column_bytes(st, 1));
		buf_addch(next, ',');
		buf_add_json_str(next, (const char *)sqlite3_column_text(st, 2),
				 (size_t)sqlite3_column_bytes(st, 2));
		buf_addch(next, ',');
		buf_add_json_str(next, (const char *)sqlite3_column_text(st, 3),
				 (size_t)sqlite3_column_bytes(st, 3));
		buf_addch(next, ']');
	}
	if (rc == SQLITE_ROW && q->limit && n == q->limit)
		rc = SQLITE_DONE; /* `next` holds the cursor */
	else if (rc == SQLITE_DONE)
		buf_reset(next);
	if (rc != SQLITE_DONE)
		ret = sql_error(s, rc, "query", err);
out:
	unprepare(s, st);
	yajl_tree_free(cur);
	free(end);
	buf_release(&sql);
	return ret;
}

static enum cc_code begin(struct store *s, struct cc_err *err)
{
	int rc;

	if (SQ(s)->in_bulk)
		return CC_OK;
	rc = exec(s, "BEGIN IMMEDIATE");
	return rc ? sql_error(s, rc, "begin a transaction", err) : CC_OK;
}

static enum cc_code finish(struct store *s, enum cc_code ret, struct cc_err *err)
{
	int rc;

	if (SQ(s)->in_bulk)
		return ret; /* the outer transaction decides */
	if (ret) {
		exec(s, "ROLLBACK");
		return ret;
	}
	rc = exec(s, "COMMIT");
	if (rc) {
		exec(s, "ROLLBACK");
		return sql_error(s, rc, "commit", err);
	}
	return CC_OK;
}

static enum cc_code sq_bulk(struct store *s, int phase, struct cc_err *err)
{
	struct sq *q = SQ(s);
	enum cc_code ret;
	int rc;

	if (phase == 0) {
		ckpt_wait(q);
		if ((ret = need_table(s, err)) || (ret = begin(s, err)))
			return ret;
		ckpt_start(q);
		q->in_bulk = 1;
		return CC_OK;
	}
	q->in_bulk = 0;
	if (phase == 2) {
		exec(s, "ROLLBACK");
		return CC_OK;
	}
	rc = exec(s, "COMMIT");
	if (rc) {
		ret = sql_error(s, rc, "commit", err);
		exec(s, "ROLLBACK");
		return ret;
	}
	return CC_OK;
}

static enum cc_code sq_batch_put(struct store *s, struct store_keys *ks, size_t n,
				 struct cc_err *err)
{
	enum cc_code ret;
	size_t i;

	if ((ret = need_table(s, err)) || (ret = begin(s, err)))
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = write_one(s, &ks[i], 0, NULL, err);
	return finish(s, ret, err);
}

static enum cc_code sq_transact(struct store *s, const struct store_write *w,
				struct store_keys *ks, size_t n, struct cc_err *err)
{
	enum cc_code ret;
	size_t i;

	/*
	 * COSTCTL_STORE_KILL_AFTER_WRITE=N (for the crash tests) kills the
	 * process after the Nth write of a transaction, before its commit:
	 * what a machine that dies between the items leaves behind.
	 */
	const char *kill_at = getenv("COSTCTL_STORE_KILL_AFTER_WRITE");

	if ((ret = need_table(s, err)) || (ret = begin(s, err)))
		return ret;
	for (i = 0; i < n && !ret; i++) {
		char what[64];

		if (kill_at && i && (size_t)strtoul(kill_at, NULL, 10) == i)
			raise(SIGKILL);

		snprintf(what, sizeof(what), "write %zu of %zu", i + 1, n);
		if (w[i].op == STORE_W_PUT)
			ret = write_one(s, &ks[i], w[i].flags, what, err);
		else if (w[i].op == STORE_W_VERSIONED)
			ret = update_one(s, &ks[i], w[i].expected, what, err);
		else
			ret = sq_del(s, w[i].pk, w[i].sk, err);
	}
	if (ret == CC_ECONFLICT)
		cc_log(s->ctx, CC_LOG_DEBUG, "store", "transaction cancelled: %s",
		       err ? err->msg : "");
	return finish(s, ret, err);
}

static enum cc_code sq_scan(struct store *s, unsigned segment, unsigned total,
			    int (*fn)(void *, const char *, size_t), void *user,
			    struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = need_table(s, err)) ||
	    (ret = prepare(s, "SELECT item FROM items WHERE " LIVE
			      " AND costctl_segment(pk, ?2) = ?1 ORDER BY pk, sk", &st, err)))
		return ret;
	sqlite3_bind_int(st, 1, (int)segment);
	sqlite3_bind_int(st, 2, (int)total);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(user, (const char *)sqlite3_column_text(st, 0),
		       (size_t)sqlite3_column_bytes(st, 0))) {
			rc = SQLITE_DONE;
			break;
		}
	unprepare(s, st);
	return rc == SQLITE_DONE ? CC_OK : sql_error(s, rc, "scan", err);
}

static enum cc_code sq_purge(struct store *s, uint64_t *purged, struct cc_err *err)
{
	sqlite3_stmt *st = NULL;
	enum cc_code ret;
	int rc;

	if ((ret = need_table(s, err)) ||
	    (ret = prepare(s, "DELETE FROM items WHERE ttl IS NOT NULL AND ttl <= ?9", &st, err)))
		return ret;
	rc = sqlite3_step(st);
	unprepare(s, st);
	if (rc != SQLITE_DONE)
		return sql_error(s, rc, "purge expired items", err);
	*purged = (uint64_t)sqlite3_changes(SQ(s)->db);
	return CC_OK;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.init = sq_init,
	.get = sq_get,
	.put = sq_put,
	.update_versioned = sq_update_versioned,
	.del = sq_del,
	.query = sq_query,
	.batch_put = sq_batch_put,
	.describe = sq_describe,
	.bulk = sq_bulk,
	.transact = sq_transact,
	.scan = sq_scan,
	.purge = sq_purge,
	.close = sq_close,
};
