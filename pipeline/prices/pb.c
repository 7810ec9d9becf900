#include "pipeline/prices/pb.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/core/arena.h"
#include "pipeline/core/dec.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/sha256.h"
#include "pipeline/core/banned.h"

#define PREAMBLE_SIZE 16
#define TRAILER_SIZE 128
static const unsigned char magic[8] = { 0x89, 'C', 'C', 'P', 'B', '\r', '\n', 0x1a };
static const unsigned char end_magic[8] = { 'C', 'C', 'P', 'B', '-', 'E', 'N', 'D' };

/* ------------------------------------------------------------ encoding */

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void wr32(unsigned char *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/*
 * A record: the fields that repeat across entries (service ... unit, the
 * product key and attributes) are u32 ids into the string table, where
 * each distinct string is stored once; the per-rate fields are inline.
 * Layout: u32 ids[NIDS], u16 lens[NINL], then the inline bytes in order.
 */
enum { NIDS = 11, NINL = 5, REC_HEAD = 4 * NIDS + 2 * NINL };
/* slot[f] >= 0: the index of f's id; < 0: -(inline index) - 1 */
static const signed char slot[PB_NFIELDS] = {
	[PB_SERVICE] = 0,   [PB_REGION] = 1,	 [PB_FAMILY] = 2,
	[PB_KEY] = 3,	    [PB_MODEL] = 4,	 [PB_TERM] = 5,
	[PB_UNIT] = 6,	    [PB_BEGIN] = -1,	 [PB_SKU] = -2,
	[PB_RATE_CODE] = -3, [PB_CURRENCY] = 7,	 [PB_END] = -4,
	[PB_PRICE] = -5,    [PB_TERM_CODE] = 8, [PB_EFFECTIVE] = 9,
	[PB_ATTRS] = 10,
};

struct sref {
	const char *p;
	uint32_t len;
};

/*
 * The writer's id -> string directory: fixed top level, blocks that never
 * move, so the spill thread reads old ids while new ones are added.
 */
#define SDIR_BITS 12
#define SDIR_BLOCK (1u << SDIR_BITS)
#define SDIR_BLOCKS 65536u

/* Where records' ids resolve: the writer's directory or the file's table. */
struct strs {
	struct sref **blocks;      /* writer */
	const unsigned char *offs; /* reader: count + 1 u64 offsets into blob */
	const char *blob;
	uint64_t count;
};

static struct pb_str str_get(const struct strs *t, uint32_t id)
{
	struct pb_str s;

	if (t->blocks) {
		const struct sref *r = &t->blocks[id >> SDIR_BITS][id & (SDIR_BLOCK - 1)];

		s.p = r->p;
		s.len = r->len;
	} else {
		uint64_t a = rd64(t->offs + 8 * (uint64_t)id);
		uint64_t b = rd64(t->offs + 8 * ((uint64_t)id + 1));

		s.p = t->blob + a;
		s.len = (size_t)(b - a);
	}
	return s;
}

static size_t rec_size(const unsigned char *rec)
{
	size_t i, n = REC_HEAD;

	for (i = 0; i < NINL; i++)
		n += rd16(rec + 4 * NIDS + 2 * i);
	return n;
}

static struct pb_str rec_field(const struct strs *t, const unsigned char *rec,
			       int f)
{
	const unsigned char *p = rec + REC_HEAD;
	struct pb_str r;
	int i, k = slot[f];

	if (k >= 0)
		return str_get(t, rd32(rec + 4 * k));
	k = -k - 1;
	for (i = 0; i < k; i++)
		p += rd16(rec + 4 * NIDS + 2 * i);
	r.p = (const char *)p;
	r.len = rd16(rec + 4 * NIDS + 2 * k);
	return r;
}

static void rec_decode(const struct strs *t, const unsigned char *rec,
		       struct pb_entry *e)
{
	const unsigned char *p = rec + REC_HEAD;
	struct pb_str inl[NINL];
	int i;

	for (i = 0; i < NINL; i++) {
		inl[i].p = (const char *)p;
		inl[i].len = rd16(rec + 4 * NIDS + 2 * i);
		p += inl[i].len;
	}
	for (i = 0; i < PB_NFIELDS; i++)
		e->f[i] = slot[i] >= 0 ? str_get(t, rd32(rec + 4 * slot[i])) :
					 inl[-slot[i] - 1];
}

static int begin_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int av = al && dec_valid(a, al), bv = bl && dec_valid(b, bl);
	int c;

	if (!al || !bl)
		return (al > 0) - (bl > 0);
	if (av && bv)
		return dec_cmp_str(a, al, b, bl);
	if (av != bv)
		return av ? -1 : 1;
	c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static int field_cmp(int i, const char *a, size_t al, const char *b, size_t bl)
{
	int c;

	if (i == PB_BEGIN)
		return begin_cmp(a, al, b, bl);
	c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c < 0 ? -1 : 1;
	return (al > bl) - (al < bl);
}

/* Records' order from sort field `first` on (0: the whole order). */
static int rec_cmp_from(const struct strs *t, const unsigned char *a,
			const unsigned char *b, int first)
{
	int i, c;

	for (i = first; i < PB_NSORT; i++) {
		struct pb_str x, y;

		if (slot[i] >= 0) {
			uint32_t ia = rd32(a + 4 * slot[i]), ib = rd32(b + 4 * slot[i]);

			if (ia == ib)
				continue; /* one string, one id */
			x = str_get(t, ia);
			y = str_get(t, ib);
		} else {
			x = rec_field(t, a, i);
			y = rec_field(t, b, i);
		}
		c = field_cmp(i, x.p, x.len, y.p, y.len);
		if (c)
			return c;
	}
	return 0;
}

static int rec_cmp(const struct strs *t, const unsigned char *a,
		   const unsigned char *b)
{
	return rec_cmp_from(t, a, b, 0);
}

int pb_pairs_next(struct pb_str list, size_t *pos, struct pb_str *name,
		  struct pb_str *value)
{
	const char *p, *end, *sep, *item_end;

	if (*pos >= list.len)
		return 0;
	p = list.p + *pos;
	end = list.p + list.len;
	item_end = memchr(p, PB_LIST_SEP, (size_t)(end - p));
	if (!item_end)
		item_end = end;
	sep = memchr(p, PB_PAIR_SEP, (size_t)(item_end - p));
	name->p = p;
	if (sep) {
		name->len = (size_t)(sep - p);
		value->p = sep + 1;
		value->len = (size_t)(item_end - sep - 1);
	} else {
		name->len = (size_t)(item_end - p);
		value->p = item_end;
		value->len = 0;
	}
	*pos = (size_t)(item_end - list.p) + (item_end < end);
	return 1;
}

double pb_str_double(struct pb_str s)
{
	char t[64];

	if (!s.p || !s.len || s.len >= sizeof(t))
		return 0;
	memcpy(t, s.p, s.len);
	t[s.len] = '\0';
	return strtod(t, NULL);
}

struct pb_str pb_pairs_get(struct pb_str list, const char *name)
{
	struct pb_str n, v, none = { NULL, 0 };
	size_t pos = 0, len = strlen(name);

	while (pb_pairs_next(list, &pos, &n, &v))
		if (n.len == len && !memcmp(n.p, name, len))
			return v;
	return none;
}

static enum cc_code json_pairs(struct buf *out, struct pb_str list)
{
	struct pb_str n, v;
	size_t pos = 0;
	int first = 1;

	if (buf_addch(out, '{'))
		return CC_ENOMEM;
	while (pb_pairs_next(list, &pos, &n, &v)) {
		if ((!first && buf_addch(out, ',')) ||
		    buf_add_json_str(out, n.p, n.len) || buf_addch(out, ':') ||
		    buf_add_json_str(out, v.p, v.len))
			return CC_ENOMEM;
		first = 0;
	}
	return buf_addch(out, '}');
}

enum cc_code pb_entry_json(const struct pb_entry *e, struct buf *out)
{
	static const struct {
		const char *name;
		int field;
		int kind; /* 0 string, 1 pairs, 2 string or null */
	} order[] = {
		{ "service", PB_SERVICE, 0 },	 { "region", PB_REGION, 0 },
		{ "family", PB_FAMILY, 0 },	 { "key", PB_KEY, 1 },
		{ "model", PB_MODEL, 0 },	 { "term", PB_TERM, 1 },
		{ "unit", PB_UNIT, 0 },		 { "begin", PB_BEGIN, 2 },
		{ "end", PB_END, 2 },		 { "price", PB_PRICE, 0 },
		{ "currency", PB_CURRENCY, 0 },	 { "sku", PB_SKU, 0 },
		{ "offerTermCode", PB_TERM_CODE, 0 },
		{ "rateCode", PB_RATE_CODE, 0 }, { "effectiveDate", PB_EFFECTIVE, 0 },
		{ "attrs", PB_ATTRS, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct pb_str *f = &e->f[order[i].field];

		if (buf_addstr(out, i ? ",\"" : "{\"") ||
		    buf_addstr(out, order[i].name) || buf_addstr(out, "\":"))
			return CC_ENOMEM;
		if (order[i].kind == 1) {
			if (json_pairs(out, *f))
				return CC_ENOMEM;
		} else if (order[i].kind == 2 && !f->len) {
			if (buf_addstr(out, "null"))
				return CC_ENOMEM;
		} else if (buf_add_json_str(out, f->p, f->len)) {
			return CC_ENOMEM;
		}
	}
	return buf_addch(out, '}');
}

/* ------------------------------------------------------------ writer */

struct memrec {
	const unsigned char *rec;
	uint64_t seq;
	uint64_t key; /* the leading fields' ranks in the run, packed (rank_run) */
};

/* A source of the merge: a run file, or the last run, sorted in memory. */
struct run_in {
	FILE *f;
	char *vbuf;
	unsigned char *rec; /* a file's: its current record */
	size_t cap;
	const struct memrec *mem; /* memory's */
	size_t mpos, mn;
	const unsigned char *at; /* the current record */
	uint64_t seq;
	int live;
};

/* A slot of the string hash: id + 1 (0 = empty) and the string's hash. */
struct shslot {
	uint32_t id1, hash;
};

/* Entries of one sorted run, before it is spilled. */
struct run_buf {
	struct arena mem;
	struct memrec *recs;
	size_t nrecs, allocrecs;
};

/*
 * glibc ignores setvbuf's size unless it is given the buffer, so every
 * stream gets one of its own (1 MiB; with 4 KiB stdio made ~57,000 write
 * calls per 200 MB ingested).
 */
#define STREAM_BUF (1 << 20)

/* A run being sorted and written by the spill thread. */
struct spill_job {
	const struct strs *strs;
	struct run_buf *run;
	FILE *f;
	char *vbuf; /* f's buffer, freed after fclose */
	const char *path;
	struct cc_err err;
	enum cc_code ret;
};

struct pb_writer;
struct out_worker {
	struct pb_writer *w;
	int role;
};

struct pb_writer {
	char *path, *tmp_path, *idx_path;
	/* the string table: interned strings, ids in insertion order */
	struct arena strmem;
	struct sref **sdir;
	uint32_t nstr;
	uint64_t str_bytes;
	struct shslot *shash;
	size_t shash_cap;
	uint32_t last_id[NIDS]; /* per field: the id of the last string seen */
	int have_last[NIDS];
	struct strs strs;
	size_t sort_memory; /* per run buffer: half the budget */
	struct run_buf bufs[2];
	struct run_buf *cur;  /* being filled */
	struct spill_job job; /* the other buffer, while job_live */
	pthread_t thread;
	int job_live;
	pthread_t sorter; /* the last run's sort, at commit */
	int sort_live;
	char **runs;
	size_t nruns;
	uint64_t seq;
	struct buf offers;
	uint32_t noffers;
	/* commit state */
	FILE *out;
	char *idx_vbuf;
	/* out_write holds back olen bytes in obufs[ocur] (in the body or not); the threads may hold the other */
	unsigned char *obufs[2];
	size_t olen;
	int obody, ocur, omu_live;
	pthread_t othreads[2];
	struct out_worker oworkers[2];
	int olive, oquit, oerrno, oleft;
	uint64_t ogen;
	pthread_mutex_t omu;
	pthread_cond_t ocv;
	const unsigned char *opend; /* handed to the thread, not yet written */
	size_t opend_len;
	int opend_body;
	uint64_t owritten, osynced; /* the thread's */
	struct sha256 body, whole;
	unsigned char *prev;
	size_t prev_cap;
	int have_prev;
	FILE *idx;
	uint64_t data_len;
};

enum cc_code pb_writer_open(struct pb_writer **out, const char *path,
			    size_t sort_memory, struct cc_err *err)
{
	struct pb_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w || !(w->path = strdup(path)))
		goto nomem;
	w->sort_memory = (sort_memory < (2 << 20) ? (2 << 20) : sort_memory) / 2;
	arena_init(&w->bufs[0].mem, 1 << 20, 0);
	arena_init(&w->bufs[1].mem, 1 << 20, 0);
	w->cur = &w->bufs[0];
	arena_init(&w->strmem, 1 << 20, 0);
	w->sdir = calloc(SDIR_BLOCKS, sizeof(*w->sdir));
	if (!w->sdir)
		goto nomem;
	w->strs.blocks = w->sdir;
	buf_init(&w->offers, (size_t)64 << 20);
	*out = w;
	return CC_OK;
nomem:
	if (w) {
		free(w->path);
		free(w);
	}
	return cc_err_set(err, CC_ENOMEM, "cannot start pricebook '%s'", path);
}

enum cc_code pb_writer_add_offer(struct pb_writer *w,
				 const struct pb_offer *o, struct cc_err *err)
{
	const struct pb_str *s[] = { &o->code, &o->version, &o->published,
				     &o->source };
	unsigned char tmp[8];
	size_t i;

	for (i = 0; i < 4; i++) {
		size_t len = s[i]->len > 65535 ? 65535 : s[i]->len;

		wr16(tmp, (uint16_t)len);
		if (buf_add(&w->offers, tmp, 2) ||
		    buf_add(&w->offers, s[i]->p, len))
			goto nomem;
	}
	wr64(tmp, o->products);
	if (buf_add(&w->offers, tmp, 8))
		goto nomem;
	wr64(tmp, o->entries);
	if (buf_add(&w->offers, tmp, 8))
		goto nomem;
	w->noffers++;
	return CC_OK;
nomem:
	return cc_err_set(err, CC_ENOMEM, "too many offers for '%s'", w->path);
}

/* How a run is sorted: the string table, and how many fields `key` holds. */
struct run_order {
	const struct strs *strs;
	int packed;
};

static int memrec_cmp(const void *x, const void *y, void *order)
{
	const struct memrec *a = x, *b = y;
	const struct run_order *o = order;
	int c;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if ((c = rec_cmp_from(o->strs, a->rec, b->rec, o->packed)))
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Two string ids by their strings, as a leading field (byte-wise) compares. */
static int id_cmp(const void *x, const void *y, void *strs)
{
	struct pb_str a = str_get(strs, *(const uint32_t *)x);
	struct pb_str b = str_get(strs, *(const uint32_t *)y);

	return field_cmp(PB_SERVICE, a.p, a.len, b.p, b.len);
}

/*
 * Sorting compared records field by field through the string table, two
 * lookups and a memcmp per field (a fifth of an ingest's time). Instead,
 * each leading id field's distinct strings in the run are ranked in byte
 * order (one string, one id, so equal ranks are equal strings) and the
 * ranks packed, first field highest, into memrec.key while they fit in 64
 * bits: most comparisons are then one integer compare, and the order is
 * exactly rec_cmp's. A run's ids are found in a hash table of its own
 * (ids are the whole ingest's, so a table indexed by id would grow with
 * the product count). Returns how many leading fields the keys hold; 0
 * (every key 0, the plain comparison) when memory is short. Fields before
 * PB_BEGIN are all ids (slot[] >= 0).
 */
struct rank_slot {
	uint32_t id, rank; /* id UINT32_MAX: empty */
};

static int rank_run(const struct strs *t, struct run_buf *run)
{
	size_t i, n = run->nrecs, nd, j, cap = 16, mask;
	struct rank_slot *tab = NULL;
	uint32_t *ids = NULL, *at = NULL;
	int f, bits = 0, packed = 0;

	while (cap < 2 * n)
		cap *= 2;
	mask = cap - 1;
	if (!(tab = malloc(cap * sizeof(*tab))) || !(ids = malloc(n * sizeof(*ids))) ||
	    !(at = malloc(n * sizeof(*at))))
		goto out;
	for (i = 0; i < n; i++)
		run->recs[i].key = 0;
	for (f = 0; f < PB_BEGIN; f++) {
		int w = 0;

		memset(tab, 0xff, cap * sizeof(*tab));
		/* each record's slot; the distinct ids in the order first seen */
		for (i = nd = 0; i < n; i++) {
			uint32_t id = rd32(run->recs[i].rec + 4 * slot[f]);
			size_t h = (size_t)(id * 0x9E3779B1u) & mask;

			while (tab[h].id != UINT32_MAX && tab[h].id != id)
				h = (h + 1) & mask;
			if (tab[h].id == UINT32_MAX) {
				tab[h].id = id;
				ids[nd++] = id;
			}
			at[i] = (uint32_t)h;
		}
		while (w < 32 && ((uint64_t)1 << w) < nd)
			w++;
		if (bits + w > 64)
			break;
		qsort_r(ids, nd, sizeof(*ids), id_cmp, (void *)t);
		for (j = 0; j < nd; j++) {
			size_t h = (size_t)(ids[j] * 0x9E3779B1u) & mask;

			while (tab[h].id != ids[j])
				h = (h + 1) & mask;
			tab[h].rank = (uint32_t)j;
		}
		for (i = 0; w && i < n; i++) {
			struct memrec *r = &run->recs[i];

			r->key = r->key << w | tab[at[i]].rank;
		}
		bits += w;
		packed = f + 1;
	}
out:
	free(tab);
	free(ids);
	free(at);
	return packed;
}

/* A temp file beside the pricebook; the caller owns *path_out. */
static FILE *temp_beside(const char *path, const char *what, char **path_out,
			 struct cc_err *err)
{
	struct buf b;
	mode_t mask;
	FILE *f;
	int fd;

	buf_init(&b, 8192);
	if (buf_addf(&b, "%s.%s.XXXXXX", path, what)) {
		cc_err_set(err, CC_ENOMEM, "path too long: '%s'", path);
		return NULL;
	}
	fd = mkstemp(b.buf);
	if (fd < 0) {
		cc_err_errno(err, errno, "cannot create '%s'", b.buf);
		buf_release(&b);
		return NULL;
	}
	/* mkstemp makes 0600; a pricebook is read by others, as any output */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) {
		cc_err_errno(err, errno, "cannot set the mode of '%s'", b.buf);
		close(fd);
		unlink(b.buf);
		buf_release(&b);
		return NULL;
	}
	f = fdopen(fd, "w+b");
	if (!f) {
		cc_err_errno(err, errno, "cannot open '%s'", b.buf);
		close(fd);
		unlink(b.buf);
		buf_release(&b);
		return NULL;
	}
	*path_out = buf_detach(&b, NULL);
	fs_temp_add(*path_out);
	return f;
}

static enum cc_code write_failed(struct cc_err *err, const char *path)
{
	int e = errno ? errno : EIO;

	return cc_err_errno(err, e, "cannot write '%s'", path);
}

static void sort_run(const struct strs *strs, struct run_buf *run)
{
	struct run_order o = { strs, 0 };

	if (run->nrecs > 1) {
		o.packed = rank_run(strs, run);
		qsort_r(run->recs, run->nrecs, sizeof(*run->recs), memrec_cmp, &o);
	}
}

/* Sorts a run and writes it: seq (u64) + record, per entry. */
static enum cc_code write_run(const struct strs *strs, struct run_buf *run,
			      FILE *f, char *vbuf, const char *path,
			      struct cc_err *err)
{
	enum cc_code ret = CC_OK;
	size_t i;

	sort_run(strs, run);
	for (i = 0; i < run->nrecs; i++) {
		unsigned char seq[8];

		wr64(seq, run->recs[i].seq);
		errno = 0;
		if (fwrite(seq, 8, 1, f) != 1 ||
		    fwrite(run->recs[i].rec, rec_size(run->recs[i].rec), 1, f) != 1) {
			ret = write_failed(err, path);
			break;
		}
	}
	errno = 0;
	if (!ret && fflush(f))
		ret = write_failed(err, path);
	if (fclose(f) && !ret)
		ret = write_failed(err, path);
	free(vbuf);
	run->nrecs = 0;
	arena_clear(&run->mem);
	return ret;
}

static void *spill_thread(void *arg)
{
	struct spill_job *job = arg;

	pthread_setname_np(pthread_self(), "pb-spill");
	job->ret = write_run(job->strs, job->run, job->f, job->vbuf, job->path,
			     &job->err);
	return NULL;
}

static void *sort_thread(void *arg)
{
	struct pb_writer *w = arg;

	pthread_setname_np(pthread_self(), "pb-sort");
	sort_run(&w->strs, w->cur);
	return NULL;
}

/* Waits for the spill thread; passes its failure on. */
static enum cc_code spill_wait(struct pb_writer *w, struct cc_err *err)
{
	if (!w->job_live)
		return CC_OK;
	pthread_join(w->thread, NULL);
	w->job_live = 0;
	if (w->job.ret)
		return cc_err_set(err, w->job.ret, "%s", w->job.err.msg);
	return CC_OK;
}

/*
 * Hands the current run to the spill thread (sorting and writing it while
 * parsing goes on, on the other core) and switches to the other buffer.
 * With `wait`, spills in this thread instead.
 */
static enum cc_code spill(struct pb_writer *w, struct cc_err *err)
{
	char *run_path = NULL, *vbuf;
	char **runs;
	enum cc_code ret;
	FILE *f;

	if (!w->cur->nrecs)
		return spill_wait(w, err);
	if ((ret = spill_wait(w, err)))
		return ret;
	runs = realloc(w->runs, (w->nruns + 1) * sizeof(*runs));
	if (!runs)
		return cc_err_set(err, CC_ENOMEM, "cannot spill a sorted run");
	w->runs = runs;
	f = temp_beside(w->path, "run", &run_path, err);
	if (!f)
		return err ? err->code : CC_EIO;
	w->runs[w->nruns++] = run_path;
	vbuf = malloc(STREAM_BUF);
	if (vbuf)
		setvbuf(f, vbuf, _IOFBF, STREAM_BUF);
	memset(&w->job, 0, sizeof(w->job));
	w->job.strs = &w->strs;
	w->job.run = w->cur;
	w->job.f = f;
	w->job.vbuf = vbuf;
	w->job.path = run_path;
	if (pthread_create(&w->thread, NULL, spill_thread, &w->job)) {
		/* no thread: do it here */
		ret = write_run(&w->strs, w->cur, f, vbuf, run_path, err);
	} else {
		w->job_live = 1;
		ret = CC_OK;
	}
	w->cur = w->cur == &w->bufs[0] ? &w->bufs[1] : &w->bufs[0];
	return ret;
}

/* The id of a string, adding it to the table if it is new; -1 on no memory. */
static int intern(struct pb_writer *w, const char *p, size_t len, uint32_t *id)
{
	uint32_t h = (uint32_t)cc_hash(p, len);
	size_t i, mask;
	struct sref *r;
	char *copy;

	if ((size_t)w->nstr * 10 >= w->shash_cap * 7) {
		size_t cap = w->shash_cap ? w->shash_cap * 2 : 4096, j;
		struct shslot *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (j = 0; j < w->shash_cap; j++) {
			size_t k;

			if (!w->shash[j].id1)
				continue;
			for (k = w->shash[j].hash & (cap - 1); t[k].id1; k = (k + 1) & (cap - 1))
				;
			t[k] = w->shash[j];
		}
		free(w->shash);
		w->shash = t;
		w->shash_cap = cap;
	}
	mask = w->shash_cap - 1;
	for (i = h & mask; w->shash[i].id1; i = (i + 1) & mask) {
		struct pb_str got;

		if (w->shash[i].hash != h)
			continue;
		got = str_get(&w->strs, w->shash[i].id1 - 1);
		if (got.len == len && !memcmp(got.p, p, len)) {
			*id = w->shash[i].id1 - 1;
			return 0;
		}
	}
	if (w->nstr >= SDIR_BLOCKS * SDIR_BLOCK - 1)
		return -1;
	if (!w->sdir[w->nstr >> SDIR_BITS] &&
	    !(w->sdir[w->nstr >> SDIR_BITS] = calloc(SDIR_BLOCK, sizeof(struct sref))))
		return -1;
	copy = arena_alloc_bytes(&w->strmem, len ? len : 1);
	if (!copy)
		return -1;
	memcpy(copy, p, len);
	r = &w->sdir[w->nstr >> SDIR_BITS][w->nstr & (SDIR_BLOCK - 1)];
	r->p = copy;
	r->len = (uint32_t)len;
	w->shash[i].id1 = w->nstr + 1;
	w->shash[i].hash = h;
	*id = w->nstr++;
	w->str_bytes += len;
	return 0;
}

const char *pb_writer_intern(struct pb_writer *w, const char *p, size_t len)
{
	uint32_t id;

	if (intern(w, p, len, &id))
		return NULL;
	return str_get(&w->strs, id).p;
}

enum cc_code pb_writer_add(struct pb_writer *w, const struct pb_entry *e,
			   struct cc_err *err)
{
	size_t i, size = REC_HEAD;
	unsigned char *rec, *p;
	uint32_t ids[NIDS];
	struct run_buf *run;

	for (i = 0; i < PB_NFIELDS; i++) {
		if (e->f[i].len > 65535)
			return cc_err_set(err, CC_EPARSE,
					  "a field of SKU '%.*s' is longer than 65535 bytes",
					  (int)(e->f[PB_SKU].len > 64 ? 64 : e->f[PB_SKU].len),
					  e->f[PB_SKU].p);
		int k = slot[i];

		if (k < 0) {
			size += e->f[i].len;
			continue;
		}
		/* consecutive entries of one product repeat most fields */
		if (w->have_last[k]) {
			struct pb_str last = str_get(&w->strs, w->last_id[k]);

			if (last.len == e->f[i].len &&
			    (last.p == e->f[i].p || !memcmp(last.p, e->f[i].p, last.len))) {
				ids[k] = w->last_id[k];
				continue;
			}
		}
		if (intern(w, e->f[i].p, e->f[i].len, &ids[k]))
			return cc_err_set(err, CC_ENOMEM, "cannot hold pricebook strings");
		w->last_id[k] = ids[k];
		w->have_last[k] = 1;
	}
	run = w->cur;
	if (run->mem.used + run->nrecs * sizeof(*run->recs) + size > w->sort_memory) {
		if (spill(w, err))
			return err ? err->code : CC_EIO;
		run = w->cur;
	}
	if (run->nrecs == run->allocrecs) {
		size_t n = run->allocrecs ? run->allocrecs * 2 : 4096;
		struct memrec *r = realloc(run->recs, n * sizeof(*r));

		if (!r)
			return cc_err_set(err, CC_ENOMEM, "cannot hold pricebook entries");
		run->recs = r;
		run->allocrecs = n;
	}
	rec = arena_alloc(&run->mem, size);
	if (!rec)
		return cc_err_set(err, CC_ENOMEM, "cannot hold pricebook entries");
	for (i = 0; i < NIDS; i++)
		wr32(rec + 4 * i, ids[i]);
	p = rec + REC_HEAD;
	for (i = 0; i < PB_NFIELDS; i++) {
		int k = slot[i];

		if (k >= 0)
			continue;
		k = -k - 1;
		wr16(rec + 4 * NIDS + 2 * k, (uint16_t)e->f[i].len);
	}
	/* inline bytes in inline order */
	{
		static const int inline_fields[NINL] = { PB_BEGIN, PB_SKU, PB_RATE_CODE,
							 PB_END, PB_PRICE };
		for (i = 0; i < NINL; i++) {
			const struct pb_str *f = &e->f[inline_fields[i]];

			if (f->len)
				memcpy(p, f->p, f->len);
			p += f->len;
		}
	}
	run->recs[run->nrecs].rec = rec;
	run->recs[run->nrecs].seq = w->seq++;
	run->nrecs++;
	return CC_OK;
}

/*
 * The file's bytes are written and hashed off the merging thread (the
 * page-cache copy and two SHA-256 passes cost more than the merge that
 * feeds them), STREAM_BUF at a time, double-buffered: one thread writes
 * and hashes the body, another hashes the whole file. Writeback is started
 * as it goes, so the closing fsync waits for little.
 */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* role 1: write and hash the body; 2: hash the whole; 3: both */
static int out_chunk(struct pb_writer *w, const unsigned char *p, size_t n, int in_body, int role)
{
	int fd = fileno(w->out), e;

	if (role & 2)
		sha256_update(&w->whole, p, n);
	if (!(role & 1))
		return 0;
	if ((e = write_all(fd, p, n)))
		return e;
	if (in_body)
		sha256_update(&w->body, p, n);
	w->owritten += n;
	if (w->owritten - w->osynced >= ((uint64_t)8 << 20)) {
		sync_file_range(fd, (off_t)w->osynced, (off_t)(w->owritten - w->osynced),
				SYNC_FILE_RANGE_WRITE);
		w->osynced = w->owritten;
	}
	return 0;
}

static void *out_thread(void *arg)
{
	struct out_worker *ow = arg;
	struct pb_writer *w = ow->w;
	uint64_t seen = 0;

	pthread_setname_np(pthread_self(), ow->role == 1 ? "pb-write" : "pb-hash");
	pthread_mutex_lock(&w->omu);
	for (;;) {
		const unsigned char *p;
		size_t n;
		int body, failed, e = 0;

		while (w->ogen == seen && !w->oquit)
			pthread_cond_wait(&w->ocv, &w->omu);
		if (w->ogen == seen)
			break;
		seen = w->ogen;
		p = w->opend;
		n = w->opend_len;
		body = w->opend_body;
		failed = w->oerrno;
		pthread_mutex_unlock(&w->omu);
		if (!failed)
			e = out_chunk(w, p, n, body, ow->role);
		pthread_mutex_lock(&w->omu);
		if (e)
			w->oerrno = e;
		if (!--w->oleft)
			pthread_cond_broadcast(&w->ocv);
	}
	pthread_mutex_unlock(&w->omu);
	return NULL;
}

/* Hands what is buffered to the threads (or writes it here, without them). */
static enum cc_code out_flush(struct pb_writer *w, struct cc_err *err)
{
	int e;

	if (!w->olen)
		return CC_OK;
	if (!w->olive) {
		if ((e = out_chunk(w, w->obufs[w->ocur], w->olen, w->obody, 3))) {
			errno = e;
			return write_failed(err, w->tmp_path);
		}
		w->olen = 0;
		return CC_OK;
	}
	pthread_mutex_lock(&w->omu);
	while (w->oleft)
		pthread_cond_wait(&w->ocv, &w->omu);
	w->opend = w->obufs[w->ocur];
	w->opend_len = w->olen;
	w->opend_body = w->obody;
	w->oleft = 2;
	w->ogen++;
	pthread_cond_broadcast(&w->ocv);
	pthread_mutex_unlock(&w->omu);
	w->ocur ^= 1;
	w->olen = 0;
	return CC_OK;
}

/* Everything handed over is written and hashed; its first failure, if any. */
static enum cc_code out_sync(struct pb_writer *w, struct cc_err *err)
{
	int e = 0;

	if (out_flush(w, err))
		return err ? err->code : CC_EIO;
	if (w->olive) {
		pthread_mutex_lock(&w->omu);
		while (w->oleft)
			pthread_cond_wait(&w->ocv, &w->omu);
		e = w->oerrno;
		pthread_mutex_unlock(&w->omu);
	}
	if (e) {
		errno = e;
		return write_failed(err, w->tmp_path);
	}
	return CC_OK;
}

static void out_stop(struct pb_writer *w)
{
	int i;

	if (!w->olive)
		return;
	pthread_mutex_lock(&w->omu);
	w->oquit = 1;
	pthread_cond_broadcast(&w->ocv);
	pthread_mutex_unlock(&w->omu);
	for (i = 0; i < w->olive; i++)
		pthread_join(w->othreads[i], NULL);
	w->olive = 0;
}

/* Starts the two threads; with fewer, everything is done on this one. */
static void out_start(struct pb_writer *w)
{
	int i;

	pthread_mutex_init(&w->omu, NULL);
	pthread_cond_init(&w->ocv, NULL);
	w->omu_live = 1;
	for (i = 0; i < 2; i++) {
		w->oworkers[i].w = w;
		w->oworkers[i].role = i + 1;
		if (pthread_create(&w->othreads[i], NULL, out_thread, &w->oworkers[i]))
			break;
		w->olive++;
	}
	if (w->olive < 2)
		out_stop(w);
}

/* Writes and hashes: `body` covers the sections, `whole` every byte. */
static enum cc_code out_write(struct pb_writer *w, const void *p, size_t n,
			      int in_body, struct cc_err *err)
{
	if ((w->olen && w->obody != in_body) || w->olen + n > STREAM_BUF) {
		if (out_flush(w, err))
			return err ? err->code : CC_EIO;
	}
	w->obody = in_body;
	if (n >= STREAM_BUF) {
		int e;

		if (out_sync(w, err))
			return err ? err->code : CC_EIO;
		if ((e = out_chunk(w, p, n, in_body, 3))) {
			errno = e;
			return write_failed(err, w->tmp_path);
		}
		return CC_OK;
	}
	memcpy(w->obufs[w->ocur] + w->olen, p, n);
	w->olen += n;
	return CC_OK;
}

static enum cc_code emit(struct pb_writer *w, const unsigned char *rec,
			 struct pb_write_stats *st, struct cc_err *err)
{
	size_t size = rec_size(rec);
	unsigned char off[8];

	if (w->have_prev && !rec_cmp(&w->strs, w->prev, rec)) {
		struct pb_str a = rec_field(&w->strs, w->prev, PB_PRICE);
		struct pb_str b = rec_field(&w->strs, rec, PB_PRICE);

		if (a.len == b.len && !memcmp(a.p, b.p, a.len)) {
			st->duplicates++;
		} else {
			struct pb_str sku = rec_field(&w->strs, rec, PB_SKU);
			struct pb_str rc = rec_field(&w->strs, rec, PB_RATE_CODE);

			if (!st->conflicts++)
				snprintf(st->first_conflict,
					 sizeof(st->first_conflict),
					 "kept %.*s, dropped %.*s: SKU %.*s, rate %.*s",
					 (int)a.len, a.p, (int)b.len, b.p,
					 (int)sku.len, sku.p, (int)rc.len, rc.p);
		}
		return CC_OK;
	}
	if (size > w->prev_cap) {
		unsigned char *p = realloc(w->prev, size);

		if (!p)
			return cc_err_set(err, CC_ENOMEM, "cannot write pricebook");
		w->prev = p;
		w->prev_cap = size;
	}
	memcpy(w->prev, rec, size);
	w->have_prev = 1;
	wr64(off, w->data_len);
	errno = 0;
	if (fwrite(off, 8, 1, w->idx) != 1)
		return write_failed(err, w->idx_path);
	if (out_write(w, rec, size, 1, err))
		return err ? err->code : CC_EIO;
	w->data_len += size;
	st->entries++;
	return CC_OK;
}

static enum cc_code run_next(struct run_in *r, const char *path,
			     struct cc_err *err)
{
	unsigned char head[8 + REC_HEAD];
	size_t size;

	if (fread(head, sizeof(head), 1, r->f) != 1) {
		if (ferror(r->f))
			return cc_err_errno(err, errno ? errno : EIO,
					    "cannot read run '%s'", path);
		r->live = 0;
		return CC_OK;
	}
	r->seq = rd64(head);
	size = rec_size(head + 8);
	if (size > r->cap) {
		unsigned char *p = realloc(r->rec, size);

		if (!p)
			return cc_err_set(err, CC_ENOMEM, "cannot merge runs");
		r->rec = p;
		r->cap = size;
	}
	memcpy(r->rec, head + 8, REC_HEAD);
	if (size > REC_HEAD &&
	    fread(r->rec + REC_HEAD, size - REC_HEAD, 1, r->f) != 1)
		return cc_err_set(err, CC_EIO, "run '%s' ends early", path);
	r->at = r->rec;
	r->live = 1;
	return CC_OK;
}

static enum cc_code source_next(struct run_in *r, const char *path, struct cc_err *err)
{
	if (r->f)
		return run_next(r, path, err);
	r->live = r->mpos < r->mn;
	if (r->live) {
		r->at = r->mem[r->mpos].rec;
		r->seq = r->mem[r->mpos].seq;
		r->mpos++;
	}
	return CC_OK;
}

/* Run order: the record's, then the order it was added (the first of equals is kept). */
static int run_less(const struct pb_writer *w, const struct run_in *a, const struct run_in *b)
{
	int c = rec_cmp(&w->strs, a->at, b->at);

	return c < 0 || (!c && a->seq < b->seq);
}

/* Merges the run files and `last` (sorted, in memory) into the file. */
static enum cc_code merge_runs(struct pb_writer *w, const struct run_buf *last,
			       struct pb_write_stats *st, struct cc_err *err)
{
	size_t nsrc = w->nruns + 1;
	struct run_in *in = calloc(nsrc, sizeof(*in));
	enum cc_code ret = CC_OK;
	size_t i, *heap = NULL, nheap = 0;

	if (!in)
		return cc_err_set(err, CC_ENOMEM, "cannot merge runs");
	for (i = 0; i < w->nruns && !ret; i++) {
		in[i].f = fopen(w->runs[i], "rb");
		if (!in[i].f) {
			ret = cc_err_errno(err, errno, "cannot open run '%s'",
					   w->runs[i]);
			break;
		}
		if ((in[i].vbuf = malloc(STREAM_BUF)))
			setvbuf(in[i].f, in[i].vbuf, _IOFBF, STREAM_BUF);
		ret = run_next(&in[i], w->runs[i], err);
	}
	if (!ret) {
		in[w->nruns].mem = last->recs;
		in[w->nruns].mn = last->nrecs;
		source_next(&in[w->nruns], NULL, err);
	}
	/* a heap of the live runs by their next record: log2(runs) comparisons a record, not runs */
	if (!ret && !(heap = malloc(nsrc * sizeof(*heap))))
		ret = cc_err_set(err, CC_ENOMEM, "cannot merge runs");
	for (i = 0; !ret && i < nsrc; i++) {
		size_t k;

		if (!in[i].live)
			continue;
		for (k = nheap++; k && run_less(w, &in[i], &in[heap[(k - 1) / 2]]); k = (k - 1) / 2)
			heap[k] = heap[(k - 1) / 2];
		heap[k] = i;
	}
	while (!ret && nheap) {
		size_t top = heap[0], k, c;

		ret = emit(w, in[top].at, st, err);
		if (!ret)
			ret = source_next(&in[top], top < w->nruns ? w->runs[top] : NULL, err);
		if (ret)
			break;
		if (!in[top].live)
			top = heap[--nheap];
		/* sift `top` down from the root */
		for (k = 0; (c = 2 * k + 1) < nheap; k = c) {
			if (c + 1 < nheap && run_less(w, &in[heap[c + 1]], &in[heap[c]]))
				c++;
			if (!run_less(w, &in[heap[c]], &in[top]))
				break;
			heap[k] = heap[c];
		}
		if (nheap)
			heap[k] = top;
	}
	free(heap);
	for (i = 0; i < nsrc; i++) {
		if (in[i].f)
			fclose(in[i].f);
		free(in[i].vbuf);
		free(in[i].rec);
	}
	free(in);
	return ret;
}

static void writer_free(struct pb_writer *w)
{
	size_t i;

	if (w->sort_live) {
		pthread_join(w->sorter, NULL);
		w->sort_live = 0;
	}
	if (w->job_live) {
		pthread_join(w->thread, NULL);
		w->job_live = 0;
	}
	out_stop(w); /* before its file is closed */
	if (w->out) {
		fclose(w->out);
		fs_temp_drop(w->tmp_path);
	}
	if (w->idx) {
		fclose(w->idx);
		fs_temp_drop(w->idx_path);
	}
	if (w->omu_live) {
		pthread_cond_destroy(&w->ocv);
		pthread_mutex_destroy(&w->omu);
	}
	free(w->idx_vbuf);
	free(w->obufs[0]);
	free(w->obufs[1]);
	for (i = 0; i < w->nruns; i++) {
		fs_temp_drop(w->runs[i]);
		free(w->runs[i]);
	}
	free(w->runs);
	for (i = 0; i < 2; i++) {
		free(w->bufs[i].recs);
		arena_release(&w->bufs[i].mem);
	}
	free(w->prev);
	if (w->sdir)
		for (i = 0; i < SDIR_BLOCKS && w->sdir[i]; i++)
			free(w->sdir[i]);
	free(w->sdir);
	free(w->shash);
	arena_release(&w->strmem);
	sha256_release(&w->body);
	sha256_release(&w->whole);
	buf_release(&w->offers);
	free(w->tmp_path);
	free(w->idx_path);
	free(w->path);
	free(w);
}

void pb_writer_abort(struct pb_writer *w)
{
	if (w)
		writer_free(w);
}

static enum cc_code copy_index(struct pb_writer *w, struct cc_err *err)
{
	unsigned char chunk[1 << 16];
	size_t n;

	errno = 0;
	if (fflush(w->idx) || fseek(w->idx, 0, SEEK_SET))
		return write_failed(err, w->idx_path);
	while ((n = fread(chunk, 1, sizeof(chunk), w->idx)) > 0)
		if (out_write(w, chunk, n, 1, err))
			return err ? err->code : CC_EIO;
	if (ferror(w->idx))
		return cc_err_errno(err, errno ? errno : EIO, "cannot read '%s'",
				    w->idx_path);
	return CC_OK;
}

enum cc_code pb_writer_commit(struct pb_writer *w, struct pb_write_stats *st,
			      struct cc_err *err)
{
	unsigned char pre[PREAMBLE_SIZE], trailer[TRAILER_SIZE], digest[32], tmp[4];
	uint64_t offers_len, strtab_len, index_len, file_size, data_off;
	enum cc_code ret = CC_OK;

	memset(st, 0, sizeof(*st));
	/*
	 * The last run is sorted on another thread, and the run being spilled
	 * goes on being written, while the header and the strings are written;
	 * the last run is merged from memory.
	 */
	if (w->cur->nrecs > 1) {
		if (pthread_create(&w->sorter, NULL, sort_thread, w))
			sort_thread(w);
		else
			w->sort_live = 1;
	}
	w->out = temp_beside(w->path, "tmp", &w->tmp_path, err);
	if (!w->out) {
		ret = err ? err->code : CC_EIO;
		goto out;
	}
	w->idx = temp_beside(w->path, "idx", &w->idx_path, err);
	if (!w->idx) {
		ret = err ? err->code : CC_EIO;
		goto out;
	}
	/* written with write(2) by out_chunk, through obufs: no stdio buffer */
	w->obufs[0] = malloc(STREAM_BUF);
	w->obufs[1] = malloc(STREAM_BUF);
	if (!w->obufs[0] || !w->obufs[1]) {
		ret = cc_err_set(err, CC_ENOMEM, "cannot write '%s'", w->path);
		goto out;
	}
	out_start(w);
	if ((w->idx_vbuf = malloc(STREAM_BUF)))
		setvbuf(w->idx, w->idx_vbuf, _IOFBF, STREAM_BUF);
	if (sha256_init(&w->body) || sha256_init(&w->whole)) {
		ret = cc_err_set(err, CC_ENOMEM, "cannot hash '%s'", w->path);
		goto out;
	}
	/* written front to back in one pass, so both hashes stream */
	memcpy(pre, magic, 8);
	wr32(pre + 8, PB_FORMAT_VERSION);
	wr32(pre + 12, TRAILER_SIZE);
	wr32(tmp, w->noffers);
	if ((ret = out_write(w, pre, sizeof(pre), 0, err)) ||
	    (ret = out_write(w, tmp, 4, 1, err)) ||
	    (ret = out_write(w, w->offers.buf, w->offers.len, 1, err)))
		goto out;
	offers_len = 4 + w->offers.len;
	/* the string table: count, count + 1 offsets, the bytes */
	{
		unsigned char n8[8];
		uint64_t off = 0;
		uint32_t id;

		wr64(n8, w->nstr);
		if ((ret = out_write(w, n8, 8, 1, err)))
			goto out;
		for (id = 0; id <= w->nstr; id++) {
			wr64(n8, off);
			if ((ret = out_write(w, n8, 8, 1, err)))
				goto out;
			if (id < w->nstr)
				off += str_get(&w->strs, id).len;
		}
		for (id = 0; id < w->nstr; id++) {
			struct pb_str str = str_get(&w->strs, id);

			if ((ret = out_write(w, str.p, str.len, 1, err)))
				goto out;
		}
		strtab_len = 8 + 8 * ((uint64_t)w->nstr + 1) + w->str_bytes;
	}

	if (w->sort_live) {
		pthread_join(w->sorter, NULL);
		w->sort_live = 0;
	}
	if ((ret = spill_wait(w, err)))
		goto out;
	if (w->nruns)
		st->runs = w->nruns + (w->cur->nrecs > 0);
	ret = merge_runs(w, w->cur, st, err);
	if (ret || (ret = copy_index(w, err)))
		goto out;
	if ((ret = out_sync(w, err)))
		goto out;
	index_len = st->entries * 8;
	data_off = PREAMBLE_SIZE + offers_len + strtab_len;
	file_size = data_off + w->data_len + index_len + TRAILER_SIZE;
	sha256_final(&w->body, digest);

	memset(trailer, 0, sizeof(trailer));
	memcpy(trailer, end_magic, 8);
	wr64(trailer + 8, file_size);
	wr64(trailer + 16, st->entries);
	wr64(trailer + 24, PREAMBLE_SIZE);
	wr64(trailer + 32, offers_len);
	wr64(trailer + 40, PREAMBLE_SIZE + offers_len);
	wr64(trailer + 48, strtab_len);
	wr64(trailer + 56, data_off);
	wr64(trailer + 64, w->data_len);
	wr64(trailer + 72, data_off + w->data_len);
	wr64(trailer + 80, index_len);
	memcpy(trailer + 88, digest, 32);
	if ((ret = out_write(w, trailer, sizeof(trailer), 0, err)) || (ret = out_sync(w, err)))
		goto out;
	out_stop(w);
	sha256_final(&w->whole, digest);
	sha256_hex(digest, st->sha256);
	errno = 0;
	if (fflush(w->out) || fsync(fileno(w->out))) {
		ret = write_failed(err, w->tmp_path);
		goto out;
	}
	errno = 0;
	if (fclose(w->out)) {
		w->out = NULL;
		ret = write_failed(err, w->tmp_path);
		fs_temp_drop(w->tmp_path);
		goto out;
	}
	w->out = NULL;
	if ((ret = fs_rename_durable(w->tmp_path, w->path, err)))
		unlink(w->tmp_path);
	fs_temp_forget(w->tmp_path);
out:
	writer_free(w);
	return ret;
}

/* ------------------------------------------------------------ reader */

struct pb_reader {
	char *path;
	const unsigned char *map;
	size_t size;
	uint64_t count;
	uint64_t offers_off, offers_len, strtab_off, strtab_len, data_off,
		data_len, index_off;
	struct strs strs;
	struct pb_offer *offers;
	size_t noffers;
	char sha[65];
	int have_sha;
};

static enum cc_code corrupt(struct cc_err *err, const char *path,
			    const char *check, const char *fmt, ...)
	CC_PRINTF(4, 5);

static enum cc_code corrupt(struct cc_err *err, const char *path,
			    const char *check, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return cc_err_set(err, CC_ECORRUPT,
			  "pricebook '%s' failed check '%s': %s", path, check,
			  detail);
}

static int take_str(const unsigned char **p, const unsigned char *end,
		    struct pb_str *s)
{
	size_t len;

	if (end - *p < 2)
		return -1;
	len = rd16(*p);
	*p += 2;
	if ((size_t)(end - *p) < len)
		return -1;
	s->p = (const char *)*p;
	s->len = len;
	*p += len;
	return 0;
}

static enum cc_code parse_offers(struct pb_reader *r, struct cc_err *err)
{
	const unsigned char *p = r->map + r->offers_off;
	const unsigned char *end = p + r->offers_len;
	uint32_t n, i;

	if (r->offers_len < 4)
		return corrupt(err, r->path, "offers table", "shorter than its count");
	n = rd32(p);
	p += 4;
	if (n > r->offers_len / 24)
		return corrupt(err, r->path, "offers table", "count %u does not fit", n);
	r->offers = calloc(n ? n : 1, sizeof(*r->offers));
	if (!r->offers)
		return cc_err_set(err, CC_ENOMEM, "cannot read '%s'", r->path);
	for (i = 0; i < n; i++) {
		struct pb_offer *o = &r->offers[i];

		if (take_str(&p, end, &o->code) || take_str(&p, end, &o->version) ||
		    take_str(&p, end, &o->published) ||
		    take_str(&p, end, &o->source) || end - p < 16)
			return corrupt(err, r->path, "offers table",
				       "offer %u runs past the table", i + 1);
		o->products = rd64(p);
		o->entries = rd64(p + 8);
		p += 16;
	}
	if (p != end)
		return corrupt(err, r->path, "offers table",
			       "%zu bytes left after %u offers", (size_t)(end - p), n);
	r->noffers = n;
	return CC_OK;
}

/* Checks the string table once, so every lookup after is in bounds. */
static enum cc_code parse_strtab(struct pb_reader *r, struct cc_err *err)
{
	const unsigned char *p = r->map + r->strtab_off;
	uint64_t n, i, prev = 0, blob_len;

	if (r->strtab_len < 16)
		return corrupt(err, r->path, "string table", "shorter than its count");
	n = rd64(p);
	if (n > (r->strtab_len - 16) / 8)
		return corrupt(err, r->path, "string table", "count %llu does not fit",
			       (unsigned long long)n);
	blob_len = r->strtab_len - 8 - 8 * (n + 1);
	for (i = 0; i <= n; i++) {
		uint64_t off = rd64(p + 8 + 8 * i);

		if (off < prev || off > blob_len || (i == 0 && off) ||
		    (i == n && off != blob_len))
			return corrupt(err, r->path, "string table",
				       "offset %llu of string %llu is out of order or bounds",
				       (unsigned long long)off, (unsigned long long)i);
		prev = off;
	}
	r->strs.blocks = NULL;
	r->strs.offs = p + 8;
	r->strs.blob = (const char *)(p + 8 + 8 * (n + 1));
	r->strs.count = n;
	return CC_OK;
}

static enum cc_code check_body(const struct pb_reader *r, struct cc_err *err)
{
	unsigned char digest[32];
	char want[65], got[65];

	if (sha256_buf(r->map + PREAMBLE_SIZE, r->size - PREAMBLE_SIZE - TRAILER_SIZE,
		       digest))
		return cc_err_set(err, CC_ENOMEM, "cannot hash '%s'", r->path);
	sha256_hex(digest, got);
	sha256_hex(r->map + r->size - TRAILER_SIZE + 88, want);
	if (strcmp(want, got))
		return corrupt(err, r->path, "body checksum",
			       "trailer has %.12s..., contents hash to %.12s...",
			       want, got);
	return CC_OK;
}

enum cc_code pb_open(struct pb_reader **out, const char *path,
		     struct cc_err *err)
{
	struct pb_reader *r;
	struct stat st;
	const unsigned char *h, *t;
	enum cc_code ret;
	uint64_t file_size, index_len, body_end;
	void *map;
	size_t i;
	int fd;

	*out = NULL;
	fd = fs_open_regular(path, "pricebook", err);
	if (fd < 0)
		return err && err->code ? err->code : CC_EIO;
	if (fstat(fd, &st)) {
		ret = cc_err_errno(err, errno, "cannot stat '%s'", path);
		close(fd);
		return ret;
	}
	if ((uint64_t)st.st_size < PREAMBLE_SIZE + TRAILER_SIZE) {
		close(fd);
		return corrupt(err, path, "file size",
			       "%lld bytes is shorter than the %d-byte preamble and trailer",
			       (long long)st.st_size, PREAMBLE_SIZE + TRAILER_SIZE);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return cc_err_errno(err, errno, "cannot map '%s'", path);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		munmap(map, (size_t)st.st_size);
		free(r);
		return cc_err_set(err, CC_ENOMEM, "cannot open '%s'", path);
	}
	r->map = map;
	r->size = (size_t)st.st_size;
	h = r->map;
	t = r->map + r->size - TRAILER_SIZE;
	if (memcmp(h, magic, 8)) {
		ret = corrupt(err, path, "magic", "not a costctl pricebook");
		goto fail;
	}
	if (rd32(h + 8) != PB_FORMAT_VERSION) {
		ret = corrupt(err, path, "format version",
			      "version %u, this costctl reads %d", rd32(h + 8),
			      PB_FORMAT_VERSION);
		goto fail;
	}
	if (rd32(h + 12) != TRAILER_SIZE) {
		ret = corrupt(err, path, "trailer size", "%u, expected %d",
			      rd32(h + 12), TRAILER_SIZE);
		goto fail;
	}
	if (memcmp(t, end_magic, 8)) {
		ret = corrupt(err, path, "trailer",
			      "no trailer at the end of the file (truncated?)");
		goto fail;
	}
	file_size = rd64(t + 8);
	if (file_size != r->size) {
		ret = corrupt(err, path, "file size",
			      "trailer says %llu bytes, file has %zu",
			      (unsigned long long)file_size, r->size);
		goto fail;
	}
	r->count = rd64(t + 16);
	r->offers_off = rd64(t + 24);
	r->offers_len = rd64(t + 32);
	r->strtab_off = rd64(t + 40);
	r->strtab_len = rd64(t + 48);
	r->data_off = rd64(t + 56);
	r->data_len = rd64(t + 64);
	r->index_off = rd64(t + 72);
	index_len = rd64(t + 80);
	body_end = r->size - TRAILER_SIZE;
	if (r->offers_off != PREAMBLE_SIZE || r->offers_len > body_end ||
	    r->strtab_off != r->offers_off + r->offers_len ||
	    r->strtab_len > body_end || r->data_off != r->strtab_off + r->strtab_len ||
	    r->data_len > body_end || r->index_off != r->data_off + r->data_len ||
	    r->count > body_end / 8 || index_len != r->count * 8 ||
	    r->index_off + index_len != body_end) {
		ret = corrupt(err, path, "section bounds",
			      "offers, strings, data and index do not tile the file");
		goto fail;
	}
	for (i = 120; i < TRAILER_SIZE; i++)
		if (t[i]) {
			ret = corrupt(err, path, "trailer", "reserved byte %zu is not zero", i);
			goto fail;
		}
	/* one flipped digit in a price must never be served: the body checksum
	 * is checked on every open (one pass, hundreds of MB/s), not only by verify */
	if ((ret = check_body(r, err)) || (ret = parse_offers(r, err)) ||
	    (ret = parse_strtab(r, err)))
		goto fail;
	*out = r;
	return CC_OK;
fail:
	pb_close(r);
	return ret;
}

void pb_close(struct pb_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap((void *)r->map, r->size);
	free(r->offers);
	free(r->path);
	free(r);
}

uint64_t pb_count(const struct pb_reader *r)
{
	return r->count;
}

const char *pb_path(const struct pb_reader *r)
{
	return r->path;
}

size_t pb_offer_count(const struct pb_reader *r)
{
	return r->noffers;
}

int pb_offer_region(const struct pb_reader *r, size_t i, char *out, size_t cap)
{
	struct pb_str s = pb_offer_at(r, i)->source;
	const char *a = memchr(s.p, '/', s.len), *b;

	if (!a)
		return 0;
	a++;
	b = memchr(a, '/', (size_t)(s.p + s.len - a));
	if (!b || b == a || (size_t)(b - a) >= cap)
		return 0;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return 1;
}

int pb_has_region(const struct pb_reader *r, const char *region)
{
	char got[64];
	size_t i;

	for (i = 0; i < pb_offer_count(r); i++)
		if (pb_offer_region(r, i, got, sizeof(got)) && !strcmp(got, region))
			return 1;
	return 0;
}

const struct pb_offer *pb_offer_at(const struct pb_reader *r, size_t i)
{
	return i < r->noffers ? &r->offers[i] : NULL;
}

static const unsigned char *record_at(const struct pb_reader *r, uint64_t i)
{
	uint64_t off = rd64(r->map + r->index_off + 8 * i);
	const unsigned char *rec;
	size_t j;

	if (off > r->data_len || r->data_len - off < REC_HEAD)
		return NULL;
	rec = r->map + r->data_off + off;
	if (rec_size(rec) > r->data_len - off)
		return NULL;
	for (j = 0; j < NIDS; j++)
		if (rd32(rec + 4 * j) >= r->strs.count)
			return NULL;
	return rec;
}

enum cc_code pb_get(const struct pb_reader *r, uint64_t i,
		    struct pb_entry *e, struct cc_err *err)
{
	const unsigned char *rec;

	if (i >= r->count)
		return cc_err_set(err, CC_ENOTFOUND, "no entry %llu in '%s'",
				  (unsigned long long)i, r->path);
	rec = record_at(r, i);
	if (!rec)
		return corrupt(err, r->path, "record bounds",
			       "entry %llu lies outside the data section or names a missing string",
			       (unsigned long long)i);
	rec_decode(&r->strs, rec, e);
	return CC_OK;
}

enum cc_code pb_verify(const struct pb_reader *r, struct cc_err *err)
{
	const unsigned char *prev = NULL;
	uint64_t i;
	enum cc_code ret;

	if ((ret = check_body(r, err)))
		return ret;
	for (i = 0; i < r->count; i++) {
		const unsigned char *rec = record_at(r, i);

		if (!rec)
			return corrupt(err, r->path, "record bounds",
				       "entry %llu lies outside the data section or names a missing string",
				       (unsigned long long)i);
		if (prev && rec_cmp(&r->strs, prev, rec) >= 0)
			return corrupt(err, r->path, "order",
				       "entry %llu does not sort after entry %llu",
				       (unsigned long long)i,
				       (unsigned long long)i - 1);
		prev = rec;
	}
	return CC_OK;
}

enum cc_code pb_sha256(struct pb_reader *r, const char **hex,
		       struct cc_err *err)
{
	if (!r->have_sha) {
		unsigned char digest[32];

		if (sha256_buf(r->map, r->size, digest))
			return cc_err_set(err, CC_ENOMEM, "cannot hash '%s'", r->path);
		sha256_hex(digest, r->sha);
		r->have_sha = 1;
	}
	*hex = r->sha;
	return CC_OK;
}

static int str_eq(struct pb_str s, const char *z)
{
	size_t n = strlen(z);

	return s.len == n && !memcmp(s.p, z, n);
}

static int pairs_match(struct pb_str list, const char *const *names,
		       const char *const *values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pb_str v = pb_pairs_get(list, names[i]);

		if (!v.p || !str_eq(v, values[i]))
			return 0;
	}
	return 1;
}

/* Compares entry i's (service, region) with the query's. */
static int prefix_cmp(const struct pb_reader *r, uint64_t i,
		      const struct pb_query *q, int *bad)
{
	const unsigned char *rec = record_at(r, i);
	struct pb_str s, g;
	int c;

	if (!rec) {
		*bad = 1;
		return 0;
	}
	s = rec_field(&r->strs, rec, PB_SERVICE);
	g = rec_field(&r->strs, rec, PB_REGION);
	c = field_cmp(PB_SERVICE, s.p, s.len, q->service, strlen(q->service));
	if (c)
		return c;
	c = field_cmp(PB_REGION, g.p, g.len, q->region, strlen(q->region));
	if (c || !q->family)
		return c;
	/* entries sort by family next: a family's entries are one range */
	s = rec_field(&r->strs, rec, PB_FAMILY);
	return field_cmp(PB_FAMILY, s.p, s.len, q->family, strlen(q->family));
}

enum cc_code pb_find(const struct pb_reader *r, const struct pb_query *q,
		     int (*fn)(void *user, const struct pb_entry *e),
		     void *user, uint64_t *matches, struct cc_err *err)
{
	uint64_t lo = 0, hi = r->count, i;
	int bad = 0;

	*matches = 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (prefix_cmp(r, mid, q, &bad) < 0)
			lo = mid + 1;
		else
			hi = mid;
		if (bad)
			return corrupt(err, r->path, "record bounds",
				       "entry %llu lies outside the data section or names a missing string",
				       (unsigned long long)mid);
	}
	for (i = lo; i < r->count; i++) {
		struct pb_entry e;

		if (prefix_cmp(r, i, q, &bad) != 0 || bad)
			break;
		/* the cheap checks on single fields first, the whole record only on a match */
		if (q->model && !str_eq(rec_field(&r->strs, record_at(r, i), PB_MODEL), q->model))
			continue;
		if (!pairs_match(rec_field(&r->strs, record_at(r, i), PB_KEY), q->key_names, q->key_values,
				 q->nkey))
			continue;
		rec_decode(&r->strs, record_at(r, i), &e);
		if (!pairs_match(e.f[PB_KEY], q->key_names, q->key_values, q->nkey) ||
		    !pairs_match(e.f[PB_TERM], q->term_names, q->term_values,
				 q->nterm))
			continue;
		(*matches)++;
		if (fn && fn(user, &e))
			break;
	}
	if (bad)
		return corrupt(err, r->path, "record bounds",
			       "entry %llu lies outside the data section or names a missing string",
			       (unsigned long long)i);
	return CC_OK;
}
