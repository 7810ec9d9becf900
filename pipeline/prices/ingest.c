#include "pipeline/prices/ingest.h"
#include "pipeline/prices/spcsv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>
#include <zlib.h>

#include "pipeline/core/arena.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/dec.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/core/jtape.h"
#include "pipeline/core/region.h"
#include "pipeline/core/banned.h"

/*
 * The document is a tree we walk with a stack of node kinds; everything
 * not named here is skipped whole (skip_at marks the depth of the skipped
 * container). Only the nodes whose content we keep are listed.
 */
enum node {
	N_ROOT = 1,
	N_PRODUCTS, /* { SKU: product } */
	N_PRODUCT,  /* { sku, productFamily, attributes } */
	N_ATTRS,    /* { name: value } */
	N_TERMS,    /* { OnDemand|Reserved|...: ... } */
	N_TTYPE,    /* { SKU: { code: term } } */
	N_TSKU,     /* { "SKU.code": term } */
	N_TERM,     /* { offerTermCode, sku, effectiveDate, priceDimensions, termAttributes } */
	N_DIMS,     /* { rateCode: dimension } */
	N_DIM,      /* { rateCode, beginRange, endRange, unit, pricePerUnit, ... } */
	N_PPU,      /* { currency: price } */
	N_TATTRS,   /* { LeaseContractLength, OfferingClass, PurchaseOption } */
	/* a Savings Plans file (spcsv.h has the CSV twin) */
	N_SPPRODUCTS, /* [ product ]: products as an array */
	N_SPTERMS,  /* terms.savingsPlan: [ plan term ] */
	N_SPTERM,   /* { sku, description, effectiveDate, leaseContractLength, rates } */
	N_LEASE,    /* { duration, unit } */
	N_SPRATES,  /* [ rate ] */
	N_SPRATE,   /* { discountedSku, discountedUsageType, ..., rateCode, unit, discountedRate } */
	N_SPPRICE,  /* { price, currency } */
};

enum key {
	K_OTHER = 0,
	/* root */
	K_FORMAT, K_DISCLAIMER, K_OFFERCODE, K_VERSION, K_PUBDATE, K_PRODUCTS,
	K_TERMS, K_ATTRLIST,
	/* product */
	K_SKU, K_FAMILY, K_ATTRIBUTES,
	/* term */
	K_TERMCODE, K_EFFECTIVE, K_DIMS, K_TATTRS,
	/* dimension */
	K_RATECODE, K_DESCRIPTION, K_BEGIN, K_END, K_UNIT, K_PPU, K_APPLIES,
	/* term types */
	K_ONDEMAND, K_RESERVED,
	/* a Savings Plans file: root, product, plan term, lease, rate, price */
	K_REGIONCODE, K_SERVICECODE, K_USAGETYPE, K_OPERATION, K_SAVINGSPLAN, K_LEASE, K_RATES,
	K_DURATION, K_DSKU, K_DUSAGE, K_DOPERATION, K_DSERVICE, K_DTYPE, K_DRATE, K_PRICE, K_CURRENCY,
	K_IGNORED /* a key we expect and do not need (e.g. SKU map keys) */
};

#define MAX_DEPTH 32

struct kv {
	const char *n, *v;
	size_t nl, vl;
};

struct kvlist {
	struct kv *items;
	size_t n, alloc;
};

struct dim {
	const char *rate, *begin, *end, *unit;
	size_t rate_l, begin_l, end_l, unit_l;
	size_t first_price, nprices; /* into ingest.prices */
};

/* One rate of a Savings Plans term, kept until the term ends (its lease may follow). */
enum { R_DSKU, R_DUSAGE, R_DOPERATION, R_DSERVICE, R_DTYPE, R_RATE_CODE, R_UNIT, R_PRICE, R_CURRENCY, R_N };

struct sprate {
	struct pb_str f[R_N];
	int bad; /* its price was counted as bad already */
};

/*
 * A product of an offer file (key: its identifying attributes) or a plan of
 * a Savings Plans file (key: its purchase option and term; attrs: its
 * instance family, location and usage type).
 */
struct product {
	const char *sku, *service, *region, *family, *key, *attrs;
	uint32_t sku_l, service_l, region_l, family_l, key_l, attrs_l;
};

struct pslot {
	uint64_t hash;
	struct product *p;
};

struct istr {
	const char *p;
	size_t len;
	uint64_t hash;
};

struct ingest {
	const struct cc_ctx *ctx;
	char *name;
	char *spool_dir;
	uint64_t max_products;
	const char *(*ext_intern)(void *user, const char *p, size_t len);
	void *ext_user;
	ingest_sink sink;
	void *sink_user;
	/*
	 * yajl runs in ingest_feed's thread, recording its events; everything
	 * below the input position is the tape's consumer thread's, which
	 * replays them through the on_* handlers (jtape.h).
	 */
	struct jtape *tape;
	struct cc_err *err; /* the consumer's (terr), or the caller's in the second pass */
	struct cc_err terr;
	enum cc_code ret;   /* the feeding side's first error (the consumer is stopped by then) */
	enum cc_code failed;

	int depth, skip_at;
	enum node stack[MAX_DEPTH + 1];
	enum key keys[MAX_DEPTH + 1];
	int model_reserved; /* current term type */
	int second_pass;
	int seen_products, seen_root;

	/* the current product or term, in `scratch` */
	struct arena scratch;
	const char *pending_name; /* attribute/currency name awaiting its value */
	size_t pending_len;
	struct kvlist attrs;     /* product attributes or termAttributes */
	struct kvlist prices;    /* (currency, price) of all dims of a term */
	struct dim *dims;
	size_t ndims, alloc_dims;
	const char *sku, *family, *term_code, *effective;
	size_t sku_l, family_l, term_code_l, effective_l;
	int has_family;
	/* a plan or a plan's term (Savings Plans files) */
	struct pb_str usage, description, duration, lease_unit;
	struct sprate *rates;
	size_t nrates, alloc_rates;
	char region_code[64];   /* the file's regionCode */
	char plan_service[64];  /* the first plan's serviceCode: the offer code when none is given */

	/* per file */
	struct arena perm;
	struct pslot *table; /* open addressing by SKU */
	size_t table_cap, nproducts;
	const struct product *last; /* the Reserved terms of a SKU come together */
	struct istr *interned;
	size_t intern_cap, ninterned;
	struct buf tmp, tmp2, tmp3;

	/* input position (the feeding thread's) */
	uint64_t base;          /* file offset of the current chunk */
	unsigned char bom[3];
	size_t bom_have;
	int bom_done;
	/* a CSV file (its first byte says so): the Savings Plans CSV parser instead of yajl */
	int sniffed;
	struct spcsv *csv;
	uint64_t csv_fed;

	/* spool of a terms object that came before products: its events (jtape.h) */
	FILE *spool;
	char *spool_path;
	int spooling, spool_depth;

	/* bounds on hostile input (ingest_options), on the feeding side */
	uint64_t quiet;         /* bytes fed since the last callback, about */
	uint64_t max_token, max_bytes;

	struct ingest_stats st;
};

/* ------------------------------------------------------------ helpers */

/* The file offset just past the token being handled (the consumer's). */
static uint64_t offset_now(const struct ingest *in)
{
	return in->tape ? jtape_offset(in->tape) : in->base;
}

static int fail(struct ingest *in, enum cc_code code, const char *fmt, ...)
	CC_PRINTF(3, 4);

static int fail(struct ingest *in, enum cc_code code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cc_err_set(in->err, code, "cannot ingest '%s' at byte %llu: %s",
		   in->name, (unsigned long long)offset_now(in), msg);
	in->failed = code;
	return 0; /* yajl: cancel */
}

/* Keeps the first value seen (the "first: ..." of a warning). */
static void note(char *dst, size_t size, const char *p, size_t len)
{
	if (!dst[0])
		cc_copy(dst, size, p, len);
}

static int kv_push(struct ingest *in, struct kvlist *l, const char *n,
		   size_t nl, const char *v, size_t vl)
{
	if (l->n == l->alloc) {
		size_t a = l->alloc ? l->alloc * 2 : 64;
		struct kv *p = realloc(l->items, a * sizeof(*p));

		if (!p)
			return fail(in, CC_ENOMEM, "out of memory");
		l->items = p;
		l->alloc = a;
	}
	l->items[l->n].n = n;
	l->items[l->n].nl = nl;
	l->items[l->n].v = v;
	l->items[l->n].vl = vl;
	l->n++;
	return 1;
}

static const char *scratch_copy(struct ingest *in, const unsigned char *s,
				size_t len)
{
	char *p = arena_strndup(&in->scratch, (const char *)s, len);

	if (!p)
		fail(in, CC_ENOMEM, "out of memory");
	return p;
}

/*
 * Interns a string: in the caller's table when one was given (a pricebook
 * writer's), else in the per-file arena. Returns the stored copy.
 */
static const char *intern(struct ingest *in, const char *p, size_t len)
{
	uint64_t h;
	size_t i;
	char *copy;

	if (in->ext_intern)
		return in->ext_intern(in->ext_user, p, len);
	h = cc_hash(p, len);
	if (in->ninterned * 10 >= in->intern_cap * 7) {
		size_t cap = in->intern_cap ? in->intern_cap * 2 : 1024, j;
		struct istr *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < in->intern_cap; j++) {
			struct istr *s = &in->interned[j];

			if (!s->p)
				continue;
			for (i = s->hash & (cap - 1); t[i].p; i = (i + 1) & (cap - 1))
				;
			t[i] = *s;
		}
		free(in->interned);
		in->interned = t;
		in->intern_cap = cap;
	}
	for (i = h & (in->intern_cap - 1); in->interned[i].p;
	     i = (i + 1) & (in->intern_cap - 1)) {
		struct istr *s = &in->interned[i];

		if (s->hash == h && s->len == len && !memcmp(s->p, p, len))
			return s->p;
	}
	copy = arena_strndup(&in->perm, p, len);
	if (!copy)
		return NULL;
	in->interned[i].p = copy;
	in->interned[i].len = len;
	in->interned[i].hash = h;
	in->ninterned++;
	return copy;
}

static struct product *lookup(const struct ingest *in, const char *sku,
			      size_t len)
{
	uint64_t h;
	size_t i;

	if (!in->table_cap)
		return NULL;
	h = cc_hash(sku, len);
	for (i = h & (in->table_cap - 1); in->table[i].p;
	     i = (i + 1) & (in->table_cap - 1)) {
		struct product *p = in->table[i].p;

		if (in->table[i].hash == h && p->sku_l == len &&
		    !memcmp(p->sku, sku, len))
			return p;
	}
	return NULL;
}

static int insert(struct ingest *in, struct product *p)
{
	uint64_t h = cc_hash(p->sku, p->sku_l);
	size_t i;

	if (in->nproducts * 10 >= in->table_cap * 7) {
		size_t cap = in->table_cap ? in->table_cap * 2 : 4096, j;
		struct pslot *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (j = 0; j < in->table_cap; j++) {
			if (!in->table[j].p)
				continue;
			for (i = in->table[j].hash & (cap - 1); t[i].p; i = (i + 1) & (cap - 1))
				;
			t[i] = in->table[j];
		}
		free(in->table);
		in->table = t;
		in->table_cap = cap;
	}
	for (i = h & (in->table_cap - 1); in->table[i].p;
	     i = (i + 1) & (in->table_cap - 1))
		;
	in->table[i].hash = h;
	in->table[i].p = p;
	in->nproducts++;
	return 0;
}

/*
 * Appends `s` to a pair list, replacing control characters (which would
 * break the \x1e/\x1f encoding) with '?', and counting them.
 */
static int add_clean(struct ingest *in, struct buf *b, const char *s,
		     size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x20)
			continue;
		if (buf_add(b, s + start, i - start) || buf_addch(b, '?'))
			return -1;
		in->st.sanitized++;
		start = i + 1;
	}
	return buf_add(b, s + start, len - start) ? -1 : 0;
}

static int add_pair(struct ingest *in, struct buf *b, const char *n, size_t nl,
		    const char *v, size_t vl)
{
	if ((b->len && buf_addch(b, PB_LIST_SEP)) || add_clean(in, b, n, nl) ||
	    buf_addch(b, PB_PAIR_SEP) || add_clean(in, b, v, vl))
		return -1;
	return 0;
}

static const struct kv *attr_find(const struct kvlist *l, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < l->n; i++)
		if (l->items[i].nl == len && !memcmp(l->items[i].n, name, len))
			return &l->items[i];
	return NULL;
}

/* ------------------------------------------------------------ product keys */

/*
 * Which attributes tell two SKUs apart, per service and family (DESIGN.md,
 * "Data contracts"). Families not listed use the generic key: every
 * attribute but the descriptive ones, so a new service needs no code.
 * `info` attributes are kept beside the key for the calculator
 * (right-sizing reads vcpu, memory, physicalProcessor...).
 */
struct keyspec {
	const char *service, *family;
	const char *derived; /* a derived "charge" attribute, or NULL */
	const char *key[8];
	const char *info[8];
};

static const struct keyspec keyspecs[] = {
	{ "AmazonEC2", "Compute Instance", NULL,
	  { "instanceType", "operatingSystem", "tenancy", "licenseModel",
	    "preInstalledSw", "capacitystatus", "marketoption" },
	  { "vcpu", "memory", "physicalProcessor", "processorArchitecture",
	    "currentGeneration", "instanceFamily", "networkPerformance" } },
	{ "AmazonEC2", "Compute Instance (bare metal)", NULL,
	  { "instanceType", "operatingSystem", "tenancy", "licenseModel",
	    "preInstalledSw", "capacitystatus", "marketoption" },
	  { "vcpu", "memory", "physicalProcessor", "processorArchitecture",
	    "currentGeneration", "instanceFamily", "networkPerformance" } },
	{ "AmazonEC2", "Storage", "storage",
	  { "volumeApiName", "usagetype" },
	  { "volumeType", "storageMedia", "maxVolumeSize", "maxIopsvolume",
	    "maxThroughputvolume" } },
	{ "AmazonEC2", "System Operation", "iops",
	  { "volumeApiName", "usagetype", "group" }, { "groupDescription" } },
	{ "AmazonEC2", "Provisioned Throughput", "throughput",
	  { "volumeApiName", "usagetype", "group" }, { "groupDescription" } },
	{ "AmazonEC2", "Storage Snapshot", "snapshot",
	  { "usagetype", "storageMedia" }, { NULL } },
	{ "AmazonRDS", "Database Instance", NULL,
	  { "instanceType", "databaseEngine", "databaseEdition",
	    "deploymentOption", "licenseModel" },
	  { "vcpu", "memory", "physicalProcessor", "currentGeneration",
	    "instanceFamily", "engineCode" } },
};

static int descriptive(const char *n, size_t len)
{
	static const char *const names[] = { "servicecode", "servicename",
					     "location", "locationType",
					     "regionCode" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], n, len))
			return 1;
	return 0;
}

static int kv_cmp_name(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;
	int c = memcmp(a->n, b->n, a->nl < b->nl ? a->nl : b->nl);

	return c ? c : (a->nl > b->nl) - (a->nl < b->nl);
}

/*
 * The product's region: regionCode (or from/toRegionCode) when present,
 * else the first of location, fromLocation, toLocation that is an AWS
 * Region with a known code; products outside any region (CloudFront edge
 * geographies, "External") are "global".
 */
static const char *resolve_region(struct ingest *in, const struct kvlist *a,
				  size_t *len)
{
	static const char *const code_attrs[] = { "regionCode", "fromRegionCode",
						  "toRegionCode" };
	static const char *const loc_attrs[][2] = {
		{ "location", "locationType" },
		{ "fromLocation", "fromLocationType" },
		{ "toLocation", "toLocationType" },
	};
	const struct kv *kv, *unmapped = NULL;
	size_t i;

	for (i = 0; i < 3; i++) {
		kv = attr_find(a, code_attrs[i]);
		if (kv && kv->vl) {
			*len = kv->vl;
			return kv->v;
		}
	}
	for (i = 0; i < 3; i++) {
		const struct kv *type = attr_find(a, loc_attrs[i][1]);
		const char *code;

		kv = attr_find(a, loc_attrs[i][0]);
		if (!kv || !kv->vl)
			continue;
		if (type && !(type->vl == 10 && !memcmp(type->v, "AWS Region", 10)))
			continue; /* edge locations, "Other" */
		code = region_code_for_location(kv->v, kv->vl);
		if (code) {
			*len = strlen(code);
			return code;
		}
		if (!unmapped && !(kv->vl == 8 && !memcmp(kv->v, "External", 8)))
			unmapped = kv;
	}
	if (unmapped) {
		in->st.unmapped_locations++;
		note(in->st.first_unmapped, sizeof(in->st.first_unmapped),
		     unmapped->v, unmapped->vl);
		*len = unmapped->vl;
		return unmapped->v;
	}
	*len = 6;
	return "global";
}

static int finish_product(struct ingest *in)
{
	const struct keyspec *spec = NULL;
	const struct kv *svc;
	const char *service, *region;
	size_t service_l, region_l, i;
	struct product *p;

	in->st.products++;
	if (!in->sku) {
		in->st.unsupported_shapes++;
		note(in->st.first_shape, sizeof(in->st.first_shape),
		     "product without sku", 19);
		goto done;
	}
	if (in->max_products && in->nproducts >= in->max_products)
		return fail(in, CC_ENOMEM, "more than %llu products (ingest.max_products)",
			    (unsigned long long)in->max_products);
	if (lookup(in, in->sku, in->sku_l)) {
		in->st.duplicate_products++;
		goto done;
	}
	if (!in->has_family)
		in->st.no_family++;
	svc = attr_find(&in->attrs, "servicecode");
	if (svc && svc->vl) {
		service = svc->v;
		service_l = svc->vl;
	} else {
		service = in->st.offer_code;
		service_l = strlen(service);
	}
	region = resolve_region(in, &in->attrs, &region_l);
	for (i = 0; i < sizeof(keyspecs) / sizeof(keyspecs[0]); i++) {
		const struct keyspec *k = &keyspecs[i];

		if (strlen(k->service) == service_l &&
		    !memcmp(k->service, service, service_l) &&
		    strlen(k->family) == in->family_l &&
		    !memcmp(k->family, in->family, in->family_l)) {
			spec = k;
			break;
		}
	}
	buf_reset(&in->tmp);
	buf_reset(&in->tmp2);
	if (spec) {
		if (spec->derived &&
		    add_pair(in, &in->tmp, "charge", 6, spec->derived,
			     strlen(spec->derived)))
			return fail(in, CC_ENOMEM, "out of memory");
		for (i = 0; i < 8 && spec->key[i]; i++) {
			const struct kv *kv = attr_find(&in->attrs, spec->key[i]);

			if (kv && add_pair(in, &in->tmp, kv->n, kv->nl, kv->v, kv->vl))
				return fail(in, CC_ENOMEM, "out of memory");
		}
		for (i = 0; i < 8 && spec->info[i]; i++) {
			const struct kv *kv = attr_find(&in->attrs, spec->info[i]);

			if (kv && add_pair(in, &in->tmp2, kv->n, kv->nl, kv->v, kv->vl))
				return fail(in, CC_ENOMEM, "out of memory");
		}
	} else {
		if (in->attrs.n > 1)
			qsort(in->attrs.items, in->attrs.n, sizeof(struct kv),
			      kv_cmp_name);
		for (i = 0; i < in->attrs.n; i++) {
			const struct kv *kv = &in->attrs.items[i];

			if (descriptive(kv->n, kv->nl))
				continue;
			if (add_pair(in, &in->tmp, kv->n, kv->nl, kv->v, kv->vl))
				return fail(in, CC_ENOMEM, "out of memory");
		}
	}
	p = arena_alloc(&in->perm, sizeof(*p));
	if (!p || !(p->sku = arena_strndup(&in->perm, in->sku, in->sku_l)) ||
	    !(p->service = intern(in, service, service_l)) ||
	    !(p->region = intern(in, region, region_l)) ||
	    !(p->family = intern(in, in->family ? in->family : "", in->family_l)) ||
	    !(p->key = intern(in, in->tmp.buf, in->tmp.len)) ||
	    !(p->attrs = intern(in, in->tmp2.buf, in->tmp2.len)))
		return fail(in, CC_ENOMEM, "out of memory for the product table");
	p->sku_l = (uint32_t)in->sku_l;
	p->service_l = (uint32_t)service_l;
	p->region_l = (uint32_t)region_l;
	p->family_l = (uint32_t)in->family_l;
	p->key_l = (uint32_t)in->tmp.len;
	p->attrs_l = (uint32_t)in->tmp2.len;
	if (insert(in, p))
		return fail(in, CC_ENOMEM, "out of memory for the product table");
done:
	return 1;
}

/* A value of a shape we do not read: counted, the first named. */
static void shape(struct ingest *in, const char *what)
{
	in->st.unsupported_shapes++;
	note(in->st.first_shape, sizeof(in->st.first_shape), what, strlen(what));
}

/* ------------------------------------------------------------ terms */

static int valid_range(const char *s, size_t len, int end)
{
	if (!len)
		return 1;
	if (end && len == 3 && !memcmp(s, "Inf", 3))
		return 1;
	return dec_bound_valid(s, len);
}

static void set(struct pb_str *f, const char *p, size_t len)
{
	f->p = p ? p : "";
	f->len = p ? len : 0;
}

/* Hands an entry to the sink; a sink's failure names where it happened. */
static int emit(struct ingest *in, const struct pb_entry *e)
{
	if (in->sink && in->sink(in->sink_user, e, in->err)) {
		char inner[sizeof(in->err->msg)];
		enum cc_code code = in->err && in->err->code ? in->err->code : CC_EIO;

		/* the sink says what; this says where */
		snprintf(inner, sizeof(inner), "%s", in->err ? in->err->msg : "");
		cc_err_clear(in->err);
		return fail(in, code, "%s", inner);
	}
	in->st.entries++;
	return 1;
}

static int finish_term(struct ingest *in)
{
	static const char *const term_order[] = { "LeaseContractLength",
						  "OfferingClass",
						  "PurchaseOption" };
	const struct product *p;
	struct pb_entry e;
	size_t i, j;
	int reserved = in->model_reserved;

	in->st.terms++;
	if (!in->sku) {
		in->st.unsupported_shapes++;
		note(in->st.first_shape, sizeof(in->st.first_shape),
		     "term without sku", 16);
		return 1;
	}
	if (in->last && in->last->sku_l == in->sku_l &&
	    !memcmp(in->last->sku, in->sku, in->sku_l))
		p = in->last;
	else
		p = in->last = lookup(in, in->sku, in->sku_l);
	if (!p) {
		in->st.orphan_terms++;
		note(in->st.first_orphan, sizeof(in->st.first_orphan), in->sku,
		     in->sku_l);
		return 1;
	}
	/* a term that carries reservation attributes is a reservation */
	if (!reserved && attr_find(&in->attrs, "LeaseContractLength")) {
		reserved = 1;
		in->st.misfiled_terms++;
	}
	buf_reset(&in->tmp);
	for (i = 0; i < 3; i++) {
		const struct kv *kv = attr_find(&in->attrs, term_order[i]);

		if (kv && add_pair(in, &in->tmp, kv->n, kv->nl, kv->v, kv->vl))
			return fail(in, CC_ENOMEM, "out of memory");
	}
	for (i = 0; i < in->attrs.n; i++) {
		const struct kv *kv = &in->attrs.items[i];
		int known = 0;

		for (j = 0; j < 3; j++)
			known |= kv->nl == strlen(term_order[j]) &&
				 !memcmp(kv->n, term_order[j], kv->nl);
		if (!known && add_pair(in, &in->tmp, kv->n, kv->nl, kv->v, kv->vl))
			return fail(in, CC_ENOMEM, "out of memory");
	}
	set(&e.f[PB_SERVICE], p->service, p->service_l);
	set(&e.f[PB_REGION], p->region, p->region_l);
	set(&e.f[PB_FAMILY], p->family, p->family_l);
	set(&e.f[PB_KEY], p->key, p->key_l);
	set(&e.f[PB_ATTRS], p->attrs, p->attrs_l);
	set(&e.f[PB_MODEL], reserved ? "Reserved" : "OnDemand", 8);
	set(&e.f[PB_TERM], in->tmp.buf, in->tmp.len);
	set(&e.f[PB_SKU], p->sku, p->sku_l);
	set(&e.f[PB_TERM_CODE], in->term_code, in->term_code_l);
	set(&e.f[PB_EFFECTIVE], in->effective, in->effective_l);
	for (i = 0; i < in->ndims; i++) {
		const struct dim *d = &in->dims[i];

		in->st.dimensions++;
		if (!valid_range(d->begin, d->begin_l, 0) ||
		    !valid_range(d->end, d->end_l, 1)) {
			in->st.bad_ranges++;
			if (!in->st.first_bad[0])
				snprintf(in->st.first_bad, sizeof(in->st.first_bad),
					 "range '%.*s'-'%.*s' of %.*s",
					 (int)d->begin_l, d->begin ? d->begin : "",
					 (int)d->end_l, d->end ? d->end : "",
					 (int)d->rate_l, d->rate ? d->rate : "");
			continue;
		}
		set(&e.f[PB_RATE_CODE], d->rate, d->rate_l);
		set(&e.f[PB_UNIT], d->unit, d->unit_l);
		set(&e.f[PB_BEGIN], d->begin, d->begin_l);
		set(&e.f[PB_END], d->end, d->end_l);
		for (j = 0; j < d->nprices; j++) {
			const struct kv *pr = &in->prices.items[d->first_price + j];

			if (!dec_price_valid(pr->v, pr->vl)) {
				in->st.bad_prices++;
				if (!in->st.first_bad[0])
					snprintf(in->st.first_bad,
						 sizeof(in->st.first_bad),
						 "price '%.*s%s' %.*s of %.*s (SKU %.*s, term ending at byte %llu)",
						 (int)(pr->vl > 40 ? 40 : pr->vl), pr->v,
						 pr->vl > 40 ? "..." : "",
						 (int)pr->nl, pr->n, (int)d->rate_l,
						 d->rate ? d->rate : "", (int)(p->sku_l > 40 ? 40 : p->sku_l),
						 p->sku, (unsigned long long)offset_now(in));
				continue;
			}
			set(&e.f[PB_CURRENCY], pr->n, pr->nl);
			set(&e.f[PB_PRICE], pr->v, pr->vl);
			if (!emit(in, &e))
				return 0;
		}
	}
	return 1;
}

/* ------------------------------------------------------------ Savings Plans */

/*
 * A Savings Plans file (JSON; spcsv.h reads its CSV twin into the same
 * entries): products and terms.savingsPlan are arrays. A product is a plan
 * (its SKU, family, purchase option and term); each plan term lists the
 * on-demand prices it discounts, each rate one entry keyed by the SKU it
 * discounts, as spcsv.h describes.
 */

/* Like add_pair, leaving out an empty value (as the CSV reader does). */
static int add_plan_pair(struct ingest *in, struct buf *b, const char *n, struct pb_str v)
{
	return v.len ? add_pair(in, b, n, strlen(n), v.p, v.len) : 0;
}

static struct pb_str attr_str(const struct kvlist *l, const char *name)
{
	const struct kv *kv = attr_find(l, name);
	struct pb_str s = { "", 0 };

	if (kv) {
		s.p = kv->v;
		s.len = kv->vl;
	}
	return s;
}

static int finish_plan(struct ingest *in)
{
	struct pb_str region = attr_str(&in->attrs, "regionCode");
	struct product *p;

	in->st.products++;
	if (!in->sku) {
		shape(in, "Savings Plans product without sku");
		return 1;
	}
	if (in->max_products && in->nproducts >= in->max_products)
		return fail(in, CC_ENOMEM, "more than %llu products (ingest.max_products)",
			    (unsigned long long)in->max_products);
	if (lookup(in, in->sku, in->sku_l)) {
		in->st.duplicate_products++;
		return 1;
	}
	if (!in->has_family) {
		in->st.no_family++;
		in->family = "SavingsPlans";
		in->family_l = 12;
	}
	buf_reset(&in->tmp);
	buf_reset(&in->tmp2);
	/* what its terms take from it: the purchase option, and the term when they name no lease */
	if (add_plan_pair(in, &in->tmp, "PurchaseOption", attr_str(&in->attrs, "purchaseOption")) ||
	    add_plan_pair(in, &in->tmp, "purchaseTerm", attr_str(&in->attrs, "purchaseTerm")) ||
	    add_plan_pair(in, &in->tmp2, "instanceFamily", attr_str(&in->attrs, "instanceType")) ||
	    add_plan_pair(in, &in->tmp2, "location", attr_str(&in->attrs, "location")) ||
	    add_plan_pair(in, &in->tmp2, "usagetype", in->usage))
		return fail(in, CC_ENOMEM, "out of memory");
	p = arena_alloc(&in->perm, sizeof(*p));
	if (!p || !(p->sku = arena_strndup(&in->perm, in->sku, in->sku_l)) ||
	    !(p->service = intern(in, "", 0)) || !(p->region = intern(in, region.p, region.len)) ||
	    !(p->family = intern(in, in->family, in->family_l)) ||
	    !(p->key = intern(in, in->tmp.buf, in->tmp.len)) ||
	    !(p->attrs = intern(in, in->tmp2.buf, in->tmp2.len)))
		return fail(in, CC_ENOMEM, "out of memory for the product table");
	p->sku_l = (uint32_t)in->sku_l;
	p->service_l = 0;
	p->region_l = (uint32_t)region.len;
	p->family_l = (uint32_t)in->family_l;
	p->key_l = (uint32_t)in->tmp.len;
	p->attrs_l = (uint32_t)in->tmp2.len;
	if (insert(in, p))
		return fail(in, CC_ENOMEM, "out of memory for the product table");
	return 1;
}

/* The rates of one plan term, now that the term's lease and SKU are known. */
static int finish_plan_term(struct ingest *in)
{
	static const int need[] = { R_DSERVICE, R_DSKU, R_RATE_CODE, R_PRICE, R_CURRENCY };
	static const char *const names[] = { "discountedServiceCode", "discountedSku", "rateCode",
					     "discountedRate.price", "discountedRate.currency" };
	const struct product *p;
	struct pb_str plan_key, option, term;
	struct pb_entry e;
	char lease[48], what[96];
	size_t i, j;

	in->st.terms++;
	if (!in->sku) {
		shape(in, "Savings Plans term without sku");
		return 1;
	}
	if (!(p = lookup(in, in->sku, in->sku_l))) {
		in->st.orphan_terms++;
		note(in->st.first_orphan, sizeof(in->st.first_orphan), in->sku, in->sku_l);
		return 1;
	}
	plan_key.p = p->key;
	plan_key.len = p->key_l;
	option = pb_pairs_get(plan_key, "PurchaseOption");
	term = pb_pairs_get(plan_key, "purchaseTerm");
	if (in->duration.len)
		spcsv_lease(lease, sizeof(lease), in->duration.p, in->duration.len, in->lease_unit.p,
			    in->lease_unit.len);
	else if (term.p)
		cc_copy(lease, sizeof(lease), term.p, term.len);
	else
		lease[0] = '\0';
	if (!option.p || !lease[0]) {
		snprintf(what, sizeof(what), "Savings Plans term of %.40s without %s", p->sku,
			 option.p ? "leaseContractLength" : "a purchaseOption");
		shape(in, what);
		return 1;
	}
	buf_reset(&in->tmp);
	buf_reset(&in->tmp2);
	if (add_pair(in, &in->tmp, "LeaseContractLength", 19, lease, strlen(lease)) ||
	    add_pair(in, &in->tmp, "PurchaseOption", 14, option.p, option.len) ||
	    add_plan_pair(in, &in->tmp2, "description", in->description) ||
	    (p->attrs_l && ((in->tmp2.len && buf_addch(&in->tmp2, PB_LIST_SEP)) ||
			    buf_add(&in->tmp2, p->attrs, p->attrs_l))))
		return fail(in, CC_ENOMEM, "out of memory");
	memset(&e, 0, sizeof(e));
	/* the file's region, else the plan's own */
	if (in->region_code[0])
		set(&e.f[PB_REGION], in->region_code, strlen(in->region_code));
	else
		set(&e.f[PB_REGION], p->region, p->region_l);
	set(&e.f[PB_FAMILY], p->family, p->family_l);
	set(&e.f[PB_SKU], p->sku, p->sku_l);
	set(&e.f[PB_BEGIN], "", 0);
	set(&e.f[PB_END], "", 0);
	set(&e.f[PB_TERM_CODE], "", 0);
	set(&e.f[PB_MODEL], "SavingsPlan", 11);
	set(&e.f[PB_TERM], in->tmp.buf, in->tmp.len);
	set(&e.f[PB_EFFECTIVE], in->effective, in->effective_l);
	set(&e.f[PB_ATTRS], in->tmp2.buf, in->tmp2.len);
	for (i = 0; i < in->nrates; i++) {
		const struct sprate *r = &in->rates[i];
		struct buf *key = &in->tmp3;

		in->st.dimensions++;
		if (r->bad)
			continue;
		for (j = 0; j < sizeof(need) / sizeof(need[0]); j++)
			if (!r->f[need[j]].len)
				break;
		if (j < sizeof(need) / sizeof(need[0]) || !e.f[PB_REGION].len) {
			snprintf(what, sizeof(what), "Savings Plans rate of %.40s without %s", p->sku,
				 j < sizeof(need) / sizeof(need[0]) ? names[j] : "a regionCode");
			shape(in, what);
			continue;
		}
		if (!dec_price_valid(r->f[R_PRICE].p, r->f[R_PRICE].len)) {
			in->st.bad_prices++;
			if (!in->st.first_bad[0])
				snprintf(in->st.first_bad, sizeof(in->st.first_bad),
					 "rate '%.*s%s' of %.*s (plan term ending at byte %llu)",
					 (int)(r->f[R_PRICE].len > 40 ? 40 : r->f[R_PRICE].len), r->f[R_PRICE].p,
					 r->f[R_PRICE].len > 40 ? "..." : "",
					 (int)(r->f[R_RATE_CODE].len > 60 ? 60 : r->f[R_RATE_CODE].len),
					 r->f[R_RATE_CODE].p, (unsigned long long)offset_now(in));
			continue;
		}
		buf_reset(key);
		/* pairs by name, as spcsv.c writes them */
		if (add_plan_pair(in, key, "discountedSku", r->f[R_DSKU]) ||
		    add_plan_pair(in, key, "instanceType", r->f[R_DTYPE]) ||
		    add_plan_pair(in, key, "operation", r->f[R_DOPERATION]) ||
		    add_plan_pair(in, key, "usagetype", r->f[R_DUSAGE]))
			return fail(in, CC_ENOMEM, "out of memory");
		e.f[PB_KEY].p = key->buf;
		e.f[PB_KEY].len = key->len;
		e.f[PB_SERVICE] = r->f[R_DSERVICE];
		e.f[PB_RATE_CODE] = r->f[R_RATE_CODE];
		e.f[PB_PRICE] = r->f[R_PRICE];
		e.f[PB_CURRENCY] = r->f[R_CURRENCY];
		set(&e.f[PB_UNIT], r->f[R_UNIT].p, r->f[R_UNIT].len);
		if (!emit(in, &e))
			return 0;
		in->st.plan_rates++;
	}
	return 1;
}

static void reset_item(struct ingest *in)
{
	arena_clear(&in->scratch);
	in->attrs.n = 0;
	in->prices.n = 0;
	in->ndims = 0;
	in->nrates = 0;
	memset(&in->usage, 0, sizeof(in->usage));
	memset(&in->description, 0, sizeof(in->description));
	memset(&in->duration, 0, sizeof(in->duration));
	memset(&in->lease_unit, 0, sizeof(in->lease_unit));
	in->sku = in->family = in->term_code = in->effective = NULL;
	in->sku_l = in->family_l = in->term_code_l = in->effective_l = 0;
	in->has_family = 0;
	in->pending_name = NULL;
}

/* ------------------------------------------------------------ spooling */

static int spool_start(struct ingest *in)
{
	struct buf path;
	const char *dir = in->spool_dir;
	int fd;

	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	buf_init(&path, 8192);
	/* the pid in the name lets a later run remove a killed run's spool */
	if (buf_addf(&path, "%s/costctl-spool-%ld-XXXXXX", dir, (long)getpid()))
		return fail(in, CC_ENOMEM, "spool path too long");
	fd = mkstemp(path.buf);
	if (fd < 0) {
		cc_err_errno(in->err, errno, "cannot create spool '%s' for '%s'",
			     path.buf, in->name);
		in->failed = in->err ? in->err->code : CC_EIO;
		buf_release(&path);
		return 0;
	}
	in->spool = fdopen(fd, "w+b");
	if (!in->spool) {
		close(fd);
		unlink(path.buf);
		buf_release(&path);
		return fail(in, CC_EIO, "cannot open spool");
	}
	in->spool_path = buf_detach(&path, NULL);
	fs_temp_add(in->spool_path);
	in->spooling = 1;
	in->st.spooled = 1;
	/* the events inside the terms object, its closing one included */
	jtape_capture_start(in->tape, in->spool);
	return 1;
}

/* ------------------------------------------------------------ callbacks */

/* yajl lets overlong UTF-8 and surrogates through; a pricebook never holds them */
static int utf8_ok(struct ingest *in, const unsigned char *s, size_t len)
{
	size_t bad = json_utf8_bad(s, len);
	if (bad == len)
		return 1;
	return fail(in, CC_EPARSE, "a string that is not valid UTF-8 (byte 0x%02x at its offset %zu)",
		    s[bad], bad);
}

struct name {
	const char *name;
	size_t len;
	enum key key;
};

#define K(s, k) { s, sizeof(s) - 1, k }
static const struct name root_names[] = {
	K("formatVersion", K_FORMAT), K("disclaimer", K_DISCLAIMER), K("offerCode", K_OFFERCODE),
	K("version", K_VERSION), K("publicationDate", K_PUBDATE), K("products", K_PRODUCTS),
	K("terms", K_TERMS), K("attributesList", K_ATTRLIST), K("regionCode", K_REGIONCODE),
};
static const struct name product_names[] = {
	K("sku", K_SKU), K("productFamily", K_FAMILY), K("attributes", K_ATTRIBUTES),
	/* Savings Plans products */
	K("serviceCode", K_SERVICECODE), K("usageType", K_USAGETYPE), K("operation", K_OPERATION),
};
static const struct name term_names[] = {
	K("offerTermCode", K_TERMCODE), K("sku", K_SKU), K("effectiveDate", K_EFFECTIVE),
	K("priceDimensions", K_DIMS), K("termAttributes", K_TATTRS),
};
static const struct name dim_names[] = {
	K("rateCode", K_RATECODE), K("description", K_DESCRIPTION), K("beginRange", K_BEGIN),
	K("endRange", K_END), K("unit", K_UNIT), K("pricePerUnit", K_PPU), K("appliesTo", K_APPLIES),
};
static const struct name terms_names[] = {
	K("OnDemand", K_ONDEMAND), K("Reserved", K_RESERVED), K("savingsPlan", K_SAVINGSPLAN),
};
static const struct name spterm_names[] = {
	K("sku", K_SKU), K("description", K_DESCRIPTION), K("effectiveDate", K_EFFECTIVE),
	K("leaseContractLength", K_LEASE), K("rates", K_RATES),
};
static const struct name lease_names[] = { K("duration", K_DURATION), K("unit", K_UNIT) };
static const struct name sprate_names[] = {
	K("discountedSku", K_DSKU), K("discountedUsageType", K_DUSAGE),
	K("discountedOperation", K_DOPERATION), K("discountedServiceCode", K_DSERVICE),
	K("discountedInstanceType", K_DTYPE), K("rateCode", K_RATECODE), K("unit", K_UNIT),
	K("discountedRate", K_DRATE),
};
static const struct name spprice_names[] = { K("price", K_PRICE), K("currency", K_CURRENCY) };
#undef K

/* What a key name means in the node it appears in (K_OTHER: a name this file should not have there). */
static enum key classify(enum node n, const unsigned char *s, size_t len)
{
	const struct name *t;
	size_t i, count;

#define TABLE(x) (t = (x), count = sizeof(x) / sizeof((x)[0]))
	switch (n) {
	case N_ROOT: TABLE(root_names); break;
	case N_PRODUCT: TABLE(product_names); break;
	case N_TERM: TABLE(term_names); break;
	case N_DIM: TABLE(dim_names); break;
	case N_TERMS: TABLE(terms_names); break;
	case N_SPTERM: TABLE(spterm_names); break;
	case N_LEASE: TABLE(lease_names); break;
	case N_SPRATE: TABLE(sprate_names); break;
	case N_SPPRICE: TABLE(spprice_names); break;
	default: return K_OTHER;
	}
#undef TABLE
	for (i = 0; i < count; i++)
		if (t[i].len == len && t[i].name[0] == s[0] && !memcmp(t[i].name, s, len))
			return t[i].key;
	return K_OTHER;
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct ingest *in = ctx;
	enum node n;

	if (!utf8_ok(in, s, len))
		return 0;
	if (in->skip_at)
		return 1;
	n = in->stack[in->depth];
	switch (n) {
	case N_ATTRS:
	case N_TATTRS:
	case N_PPU:
		in->pending_name = scratch_copy(in, s, len);
		in->pending_len = len;
		return in->pending_name != NULL;
	case N_PRODUCTS:
	case N_TTYPE:
	case N_TSKU:
	case N_DIMS:
		in->keys[in->depth] = K_IGNORED;
		return 1;
	case N_TERMS:
		in->keys[in->depth] = classify(n, s, len);
		if (in->keys[in->depth] == K_OTHER) {
			in->st.unknown_term_types++;
			note(in->st.first_unknown_type,
			     sizeof(in->st.first_unknown_type), (const char *)s, len);
		}
		return 1;
	default:
		in->keys[in->depth] = classify(n, s, len);
		if (in->keys[in->depth] == K_OTHER) {
			in->st.unknown_keys++;
			note(in->st.first_unknown_key,
			     sizeof(in->st.first_unknown_key), (const char *)s, len);
		}
		return 1;
	}
}

/* A string of a plan, a plan's term or a rate, kept in scratch until the term ends. */
static int sp_take(struct ingest *in, struct pb_str *dst, const unsigned char *s, size_t len)
{
	const char *v = scratch_copy(in, s, len);

	if (!v)
		return 0;
	dst->p = v;
	dst->len = len;
	return 1;
}

static int take_string(struct ingest *in, const unsigned char *s, size_t len)
{
	enum node n = in->stack[in->depth];
	enum key k = in->keys[in->depth];
	const char *v;

	switch (n) {
	case N_ROOT:
		if (k == K_OFFERCODE)
			note(in->st.offer_code, sizeof(in->st.offer_code),
			     (const char *)s, len);
		else if (k == K_VERSION)
			note(in->st.version, sizeof(in->st.version),
			     (const char *)s, len);
		else if (k == K_PUBDATE)
			note(in->st.published, sizeof(in->st.published),
			     (const char *)s, len);
		else if (k == K_REGIONCODE)
			note(in->region_code, sizeof(in->region_code), (const char *)s, len);
		return 1;
	case N_ATTRS:
	case N_TATTRS:
		if (!in->pending_name || !(v = scratch_copy(in, s, len)))
			return in->pending_name ? 0 : 1;
		if (!kv_push(in, &in->attrs, in->pending_name, in->pending_len, v,
			     len))
			return 0;
		in->pending_name = NULL;
		return 1;
	case N_PPU: {
		struct dim *d = &in->dims[in->ndims - 1];

		if (!in->pending_name || !(v = scratch_copy(in, s, len)))
			return in->pending_name ? 0 : 1;
		if (!kv_push(in, &in->prices, in->pending_name, in->pending_len,
			     v, len))
			return 0;
		d->nprices++;
		in->pending_name = NULL;
		return 1;
	}
	case N_PRODUCT:
		if (k == K_SERVICECODE || k == K_USAGETYPE) {
			if (in->stack[in->depth - 1] != N_SPPRODUCTS)
				return 1;
			if (k == K_SERVICECODE) {
				note(in->plan_service, sizeof(in->plan_service), (const char *)s, len);
				return 1;
			}
			return sp_take(in, &in->usage, s, len);
		}
		/* fall through */
	case N_TERM:
		if (k != K_SKU && k != K_FAMILY && k != K_TERMCODE && k != K_EFFECTIVE)
			return 1;
		if (!(v = scratch_copy(in, s, len)))
			return 0;
		if (k == K_SKU) {
			in->sku = v;
			in->sku_l = len;
		} else if (k == K_FAMILY) {
			in->family = v;
			in->family_l = len;
			in->has_family = 1;
		} else if (k == K_TERMCODE) {
			in->term_code = v;
			in->term_code_l = len;
		} else {
			in->effective = v;
			in->effective_l = len;
		}
		return 1;
	case N_DIM: {
		struct dim *d = &in->dims[in->ndims - 1];

		if (k != K_RATECODE && k != K_BEGIN && k != K_END && k != K_UNIT)
			return 1;
		if (!(v = scratch_copy(in, s, len)))
			return 0;
		if (k == K_RATECODE)
			d->rate = v, d->rate_l = len;
		else if (k == K_BEGIN)
			d->begin = v, d->begin_l = len;
		else if (k == K_END)
			d->end = v, d->end_l = len;
		else
			d->unit = v, d->unit_l = len;
		return 1;
	}
	case N_SPTERM:
		if (k == K_SKU) {
			if (!(v = scratch_copy(in, s, len)))
				return 0;
			in->sku = v;
			in->sku_l = len;
			return 1;
		}
		if (k == K_EFFECTIVE) {
			if (!(v = scratch_copy(in, s, len)))
				return 0;
			in->effective = v;
			in->effective_l = len;
			return 1;
		}
		return k == K_DESCRIPTION ? sp_take(in, &in->description, s, len) : 1;
	case N_LEASE:
		if (k == K_DURATION)
			return sp_take(in, &in->duration, s, len);
		return k == K_UNIT ? sp_take(in, &in->lease_unit, s, len) : 1;
	case N_SPRATE:
	case N_SPPRICE: {
		static const struct {
			enum key k;
			int field;
		} rate_fields[] = {
			{ K_DSKU, R_DSKU }, { K_DUSAGE, R_DUSAGE }, { K_DOPERATION, R_DOPERATION },
			{ K_DSERVICE, R_DSERVICE }, { K_DTYPE, R_DTYPE }, { K_RATECODE, R_RATE_CODE },
			{ K_UNIT, R_UNIT }, { K_PRICE, R_PRICE }, { K_CURRENCY, R_CURRENCY },
		};
		size_t i;

		for (i = 0; i < sizeof(rate_fields) / sizeof(rate_fields[0]); i++)
			if (rate_fields[i].k == k)
				return sp_take(in, &in->rates[in->nrates - 1].f[rate_fields[i].field], s, len);
		return 1;
	}
	default:
		return 1;
	}
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct ingest *in = ctx;

	if (!utf8_ok(in, s, len))
		return 0;
	if (in->skip_at)
		return 1;
	return take_string(in, s, len);
}

static int on_number(void *ctx, const char *s, size_t len)
{
	struct ingest *in = ctx;

	if (in->skip_at)
		return 1;
	/* the price list writes numbers as strings; take a bare one as text */
	return take_string(in, (const unsigned char *)s, len);
}

/* A price that is not a string (null, true, an object): counted, named. */
static void bad_price_shape(struct ingest *in, const char *what)
{
	if (!in->skip_at && in->stack[in->depth] == N_SPPRICE && in->keys[in->depth] == K_PRICE) {
		struct sprate *r = &in->rates[in->nrates - 1];

		r->bad = 1;
		in->st.bad_prices++;
		if (!in->st.first_bad[0])
			snprintf(in->st.first_bad, sizeof(in->st.first_bad),
				 "discountedRate.price %s of plan %.*s at byte %llu", what,
				 (int)(in->sku_l > 40 ? 40 : in->sku_l), in->sku ? in->sku : "",
				 (unsigned long long)offset_now(in));
		return;
	}
	if (in->skip_at || in->stack[in->depth] != N_PPU || !in->pending_name)
		return;
	in->st.bad_prices++;
	if (!in->st.first_bad[0])
		snprintf(in->st.first_bad, sizeof(in->st.first_bad),
			 "price %s for %.*s of SKU %.*s at byte %llu", what,
			 (int)(in->pending_len > 8 ? 8 : in->pending_len), in->pending_name,
			 (int)(in->sku_l > 40 ? 40 : in->sku_l), in->sku ? in->sku : "",
			 (unsigned long long)offset_now(in));
}

static int on_scalar(struct ingest *in)
{
	if (!in->skip_at && (in->stack[in->depth] == N_ATTRS ||
			     in->stack[in->depth] == N_TATTRS ||
			     in->stack[in->depth] == N_PPU))
		in->pending_name = NULL;
	return 1;
}

static int on_null(void *ctx)
{
	bad_price_shape(ctx, "null");
	return on_scalar(ctx);
}

static int on_boolean(void *ctx, int b)
{
	bad_price_shape(ctx, b ? "true" : "false");
	return on_scalar(ctx);
}

static int push(struct ingest *in, enum node n)
{
	if (in->depth >= MAX_DEPTH)
		return fail(in, CC_EPARSE, "nesting deeper than %d", MAX_DEPTH);
	in->depth++;
	in->stack[in->depth] = n;
	in->keys[in->depth] = K_OTHER;
	return 1;
}

/* Inside a skipped value: deeper, but never without bound (yajl keeps a byte a level). */
static int skip_deeper(struct ingest *in)
{
	if (in->depth >= JSON_MAX_DEPTH)
		return fail(in, CC_EPARSE, "nested deeper than %d levels", JSON_MAX_DEPTH);
	in->depth++;
	return 1;
}

static int skip(struct ingest *in)
{
	in->depth++;
	in->skip_at = in->depth;
	return 1;
}

static int on_start_map(void *ctx)
{
	struct ingest *in = ctx;
	enum node parent;
	enum key k;

	if (in->skip_at)
		return skip_deeper(in);
	if (!in->depth && !in->seen_root) {
		in->seen_root = 1;
		in->stack[0] = 0;
		return push(in, N_ROOT);
	}
	parent = in->stack[in->depth];
	k = in->keys[in->depth];
	bad_price_shape(in, "an object");
	in->pending_name = NULL;
	switch (parent) {
	case N_ROOT:
		if (k == K_PRODUCTS && !in->second_pass) {
			in->seen_products = 1;
			return push(in, N_PRODUCTS);
		}
		if (k == K_TERMS) {
			if (in->second_pass || in->seen_products)
				return push(in, N_TERMS);
			/* terms first: keep the bytes for a second pass */
			if (!in->spool && !spool_start(in))
				return 0;
			in->spool_depth = in->depth + 1;
			return skip(in);
		}
		return skip(in);
	case N_PRODUCTS:
		reset_item(in);
		return push(in, N_PRODUCT);
	case N_PRODUCT:
		return k == K_ATTRIBUTES ? push(in, N_ATTRS) : skip(in);
	case N_TERMS:
		if (k == K_ONDEMAND || k == K_RESERVED) {
			in->model_reserved = k == K_RESERVED;
			return push(in, N_TTYPE);
		}
		if (k == K_SAVINGSPLAN)
			shape(in, "terms.savingsPlan is an object, not an array");
		return skip(in);
	case N_TTYPE:
		return push(in, N_TSKU);
	case N_TSKU:
		reset_item(in);
		return push(in, N_TERM);
	case N_TERM:
		if (k == K_DIMS)
			return push(in, N_DIMS);
		if (k == K_TATTRS)
			return push(in, N_TATTRS);
		return skip(in);
	case N_DIMS:
		if (in->ndims == in->alloc_dims) {
			size_t a = in->alloc_dims ? in->alloc_dims * 2 : 16;
			struct dim *d = realloc(in->dims, a * sizeof(*d));

			if (!d)
				return fail(in, CC_ENOMEM, "out of memory");
			in->dims = d;
			in->alloc_dims = a;
		}
		memset(&in->dims[in->ndims], 0, sizeof(struct dim));
		in->dims[in->ndims].first_price = in->prices.n;
		in->ndims++;
		return push(in, N_DIM);
	case N_DIM:
		return k == K_PPU ? push(in, N_PPU) : skip(in);
	case N_SPPRODUCTS:
		reset_item(in);
		return push(in, N_PRODUCT);
	case N_SPTERMS:
		reset_item(in);
		return push(in, N_SPTERM);
	case N_SPTERM:
		return k == K_LEASE ? push(in, N_LEASE) : skip(in);
	case N_SPRATES:
		if (cc_grow((void **)&in->rates, &in->alloc_rates, in->nrates, sizeof(*in->rates)))
			return fail(in, CC_ENOMEM, "out of memory");
		memset(&in->rates[in->nrates++], 0, sizeof(struct sprate));
		return push(in, N_SPRATE);
	case N_SPRATE:
		return k == K_DRATE ? push(in, N_SPPRICE) : skip(in);
	default:
		if (parent == N_ATTRS || parent == N_TATTRS || parent == N_PPU || parent == N_LEASE ||
		    parent == N_SPPRICE)
			shape(in, "object where a string was expected");
		return skip(in);
	}
}

static int on_end_map(void *ctx)
{
	struct ingest *in = ctx;
	enum node n;

	if (in->skip_at) {
		if (in->depth == in->skip_at) {
			in->skip_at = 0;
			if (in->spooling && in->depth == in->spool_depth) {
				in->spooling = 0;
				jtape_capture_stop(in->tape);
			}
		}
		in->depth--;
		return 1;
	}
	n = in->stack[in->depth];
	in->depth--;
	if (n == N_PRODUCT)
		return in->stack[in->depth] == N_SPPRODUCTS ? finish_plan(in) : finish_product(in);
	if (n == N_TERM)
		return finish_term(in);
	if (n == N_SPTERM)
		return finish_plan_term(in);
	return 1;
}

static int on_start_array(void *ctx)
{
	struct ingest *in = ctx;
	enum node parent;

	if (in->skip_at)
		return skip_deeper(in);
	if (!in->depth)
		return fail(in, CC_EPARSE, "the document is an array, not an offer object");
	parent = in->stack[in->depth];
	/* a Savings Plans file: products, its plans' terms and their rates are arrays */
	if (parent == N_ROOT && in->keys[in->depth] == K_PRODUCTS) {
		if (in->second_pass)
			return skip(in);
		in->seen_products = 1;
		return push(in, N_SPPRODUCTS);
	}
	if (parent == N_TERMS && in->keys[in->depth] == K_SAVINGSPLAN)
		return push(in, N_SPTERMS);
	if (parent == N_SPTERM && in->keys[in->depth] == K_RATES)
		return push(in, N_SPRATES);
	if (parent == N_ROOT && in->keys[in->depth] == K_TERMS)
		shape(in, "terms is an array");
	else if (parent == N_TERMS && in->keys[in->depth] != K_OTHER)
		shape(in, "a term type is an array");
	else if (parent == N_SPTERM && in->keys[in->depth] == K_LEASE)
		shape(in, "leaseContractLength is an array");
	bad_price_shape(in, "an array");
	in->pending_name = NULL;
	return skip(in);
}

static int on_end_array(void *ctx)
{
	struct ingest *in = ctx;

	if (in->skip_at && in->depth == in->skip_at)
		in->skip_at = 0;
	in->depth--;
	return 1;
}

static const struct jtape_handlers handlers = {
	on_null, on_boolean, on_number, on_string, on_start_map,
	on_map_key, on_end_map, on_start_array, on_end_array,
};

/* ------------------------------------------------------------ driving */

enum cc_code ingest_new(struct ingest **out, const struct cc_ctx *ctx,
			const char *name, const struct ingest_options *opt,
			ingest_sink sink, void *user, struct cc_err *err)
{
	struct ingest *in = calloc(1, sizeof(*in));

	*out = NULL;
	if (!in || !(in->name = strdup(name)) ||
	    (opt && opt->spool_dir && !(in->spool_dir = strdup(opt->spool_dir))))
		goto nomem;
	in->ctx = ctx;
	in->err = &in->terr;
	in->max_token = JSON_MAX_TOKEN;
	if (opt) {
		in->max_products = opt->max_products;
		if (opt->max_token)
			in->max_token = opt->max_token;
		in->max_bytes = opt->max_bytes;
		in->ext_intern = opt->intern;
		in->ext_user = opt->intern_user;
	}
	in->sink = sink;
	in->sink_user = user;
	arena_init(&in->scratch, 64 * 1024, 0);
	arena_init(&in->perm, 1 << 20, 0);
	buf_init(&in->tmp, 1 << 20);
	buf_init(&in->tmp2, 1 << 20);
	buf_init(&in->tmp3, 1 << 20);
	*out = in;
	return CC_OK;
nomem:
	ingest_free(in);
	return cc_err_set(err, CC_ENOMEM, "cannot start ingesting '%s'", name);
}

void ingest_free(struct ingest *in)
{
	if (!in)
		return;
	jtape_free(in->tape); /* first: its thread runs the handlers */
	spcsv_free(in->csv);
	if (in->spool) {
		fclose(in->spool);
		fs_temp_drop(in->spool_path);
	}
	free(in->spool_path);
	arena_release(&in->scratch);
	arena_release(&in->perm);
	buf_release(&in->tmp);
	buf_release(&in->tmp2);
	buf_release(&in->tmp3);
	free(in->attrs.items);
	free(in->prices.items);
	free(in->dims);
	free(in->rates);
	free(in->table);
	free(in->interned);
	free(in->spool_dir);
	free(in->name);
	free(in);
}

/* The first error of a feed: kept, so every later call returns it. */
static enum cc_code stopped(struct ingest *in, enum cc_code code)
{
	if (in->tape)
		jtape_stop(in->tape);
	return in->ret = code;
}

/*
 * The consumer stopped: its handler's error (it is joined, so its state
 * is ours to read), else a spool it could not write, else memory.
 */
static enum cc_code consumer_error(struct ingest *in, struct cc_err *err)
{
	int e;

	jtape_stop(in->tape);
	if (in->failed) {
		if (err)
			*err = in->terr;
		return in->ret = in->failed;
	}
	if ((e = jtape_capture_failed(in->tape))) {
		cc_err_errno(err, e, "cannot write spool for '%s'", in->name);
		return in->ret = err && err->code ? err->code : CC_EIO;
	}
	return in->ret = cc_err_set(err, CC_ENOMEM, "cannot ingest '%s': out of memory", in->name);
}

/* Turns a yajl error into ours, with the byte offset. */
static enum cc_code parse_error(struct ingest *in, yajl_status s, int at_end,
				struct cc_err *err)
{
	yajl_handle h = jtape_yajl(in->tape);
	unsigned char *msg;
	char text[160];
	size_t len;
	enum cc_code code;
	uint64_t off;

	if (s == yajl_status_client_canceled)
		return consumer_error(in, err);
	/* what came before the error is handled first: an earlier error wins */
	if (!at_end && jtape_drain(in->tape))
		return consumer_error(in, err);
	jtape_stop(in->tape);
	msg = yajl_get_error(h, 0, NULL, 0);
	snprintf(text, sizeof(text), "%s", msg ? (const char *)msg : "parse error");
	yajl_free_error(h, msg);
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (!strncmp(text, "parse error: ", 13))
		memmove(text, text + 13, len - 12);
	code = at_end && strstr(text, "premature EOF") ? CC_ETRUNC : CC_EPARSE;
	off = at_end ? in->base : in->base + yajl_get_bytes_consumed(h);
	in->ret = code;
	return cc_err_set(err, code, "cannot parse '%s' at byte %llu: %s%s",
			  in->name, (unsigned long long)off, text,
			  code == CC_ETRUNC ? " (the file is truncated)" : "");
}

static enum cc_code tape_ready(struct ingest *in, struct cc_err *err)
{
	if (!in->tape && !(in->tape = jtape_new(&handlers, in)))
		return stopped(in, cc_err_set(err, CC_ENOMEM, "cannot start ingesting '%s'", in->name));
	return CC_OK;
}

static enum cc_code feed_yajl(struct ingest *in, const unsigned char *p,
			      size_t len, struct cc_err *err)
{
	yajl_status s;
	uint64_t ev;

	if (tape_ready(in, err))
		return in->ret;
	if (in->max_bytes && in->st.bytes + len > in->max_bytes)
		return stopped(in, cc_err_set(err, CC_EPARSE,
					      "cannot ingest '%s': more than %llu bytes (ingest.max_file_mb): not a price list, or a decompression bomb",
					      in->name, (unsigned long long)in->max_bytes));
	ev = jtape_events(in->tape);
	s = jtape_feed(in->tape, p, len, in->base);
	if (s != yajl_status_ok)
		return parse_error(in, s, 0, err);
	/*
	 * yajl 2.1 re-scans a token that spans chunks from its start on every
	 * chunk (lloyd/yajl#202): a long string costs time quadratic in its
	 * length. No real price list has a token near the bound, so a stretch
	 * of input that long without a callback is refused before the cost grows.
	 */
	in->quiet = jtape_events(in->tape) == ev ? in->quiet + len : 0;
	if (in->quiet > in->max_token)
		return stopped(in, cc_err_set(err, CC_EPARSE,
					      "cannot parse '%s': no complete token in the %llu bytes from about byte %llu (a string, number or white space longer than ingest.max_token_kb)",
					      in->name, (unsigned long long)in->quiet,
					      (unsigned long long)(in->base + len - in->quiet)));
	in->base += len;
	in->st.bytes += len;
	return CC_OK;
}

/*
 * The first byte of the document decides: an offer file is JSON ('{'),
 * a price-list CSV starts with its FormatVersion row, quoted or not.
 */
static enum cc_code route(struct ingest *in, const unsigned char *p, size_t len, struct cc_err *err)
{
	enum cc_code ret;

	if (!len)
		return CC_OK;
	if (!in->sniffed) {
		in->sniffed = 1;
		if ((p[0] == 'F' || p[0] == '"') &&
		    (ret = spcsv_new(&in->csv, in->name, in->max_token, in->sink, in->sink_user, err)))
			return in->ret = ret;
	}
	if (!in->csv)
		return feed_yajl(in, p, len, err);
	ret = spcsv_feed(in->csv, (const char *)p, len, in->base + in->csv_fed, err);
	in->csv_fed += len;
	return ret ? (in->ret = ret) : CC_OK;
}

enum cc_code ingest_feed(struct ingest *in, const void *data, size_t len,
			 struct cc_err *err)
{
	static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
	const unsigned char *p = data;

	if (in->ret)
		return in->ret;
	if (!in->bom_done) {
		while (len && in->bom_have < 3) {
			in->bom[in->bom_have++] = *p++;
			len--;
		}
		if (in->bom_have < 3)
			return CC_OK;
		in->bom_done = 1;
		if (memcmp(in->bom, bom, 3)) {
			if (route(in, in->bom, 3, err))
				return in->ret;
		} else {
			in->base = 3; /* offsets stay file offsets */
		}
	}
	if (!len)
		return CC_OK;
	return route(in, p, len, err);
}

/*
 * Terms came before products: their events, spooled, are replayed now
 * that the products are known, inside a document of their own
 * ({"terms": ...}), on this thread.
 */
static enum cc_code second_pass(struct ingest *in, struct cc_err *err)
{
	static const unsigned char terms[] = "terms";
	int r;

	in->err = err;
	errno = 0;
	if (fflush(in->spool) || fseek(in->spool, 0, SEEK_SET))
		return cc_err_errno(err, errno ? errno : EIO,
				    "cannot read spool for '%s'", in->name);
	in->second_pass = 1;
	in->depth = 0;
	in->skip_at = 0;
	in->seen_root = 0;
	if (!on_start_map(in) || !on_map_key(in, terms, sizeof(terms) - 1) ||
	    !on_start_map(in))
		return in->failed;
	r = jtape_replay(in->tape, in->spool, &handlers, in);
	if (r > 0)
		return in->failed;
	if (r < 0)
		return cc_err_errno(err, errno ? errno : EIO,
				    "cannot read spool for '%s'", in->name);
	if (!on_end_map(in))
		return in->failed;
	return CC_OK;
}

enum cc_code ingest_finish(struct ingest *in, struct ingest_stats *st,
			   struct cc_err *err)
{
	yajl_status s;
	enum cc_code ret;

	if (in->ret)
		return in->ret;
	if (!in->bom_done && in->bom_have && (ret = route(in, in->bom, in->bom_have, err)))
		return ret;
	in->bom_done = 1;
	if (in->csv) {
		if ((ret = spcsv_finish(in->csv, &in->st, err)))
			return in->ret = ret;
		if (st)
			*st = in->st;
		return CC_OK;
	}
	if (tape_ready(in, err))
		return in->ret;
	s = jtape_finish(in->tape);
	if (s != yajl_status_ok)
		return parse_error(in, s, 1, err);
	/* the consumer is done: its state is this thread's now */
	if (!in->seen_root)
		return cc_err_set(err, CC_EPARSE, "'%s' is not a JSON object",
				  in->name);
	/* a Savings Plans file names no offerCode: its plans' serviceCode does */
	if (!in->st.offer_code[0] && in->plan_service[0])
		cc_copy(in->st.offer_code, sizeof(in->st.offer_code), in->plan_service, strlen(in->plan_service));
	if (!in->st.offer_code[0])
		return cc_err_set(err, CC_EPARSE,
				  "'%s' is not an AWS price-list offer file (no offerCode)",
				  in->name);
	if (in->spool && (ret = second_pass(in, err)))
		return in->ret = ret;
	if (st)
		*st = in->st;
	return CC_OK;
}

int ingest_sink_pb(void *user, const struct pb_entry *e, struct cc_err *err)
{
	return pb_writer_add(user, e, err) != CC_OK;
}

static void log_stats(const struct cc_ctx *ctx, const char *name,
		      const struct ingest_stats *st)
{
	cc_log(ctx, CC_LOG_INFO, "ingest",
	       "'%s': %s %s (published %s): %llu products, %llu terms, %llu entries",
	       name, st->offer_code, st->version[0] ? st->version : "?",
	       st->published[0] ? st->published : "?",
	       (unsigned long long)st->products, (unsigned long long)st->terms,
	       (unsigned long long)st->entries);
	if (st->spooled)
		cc_log(ctx, CC_LOG_INFO, "ingest",
		       "'%s': terms came before products; parsed them in a second pass",
		       name);
	if (st->orphan_terms)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu terms name a SKU with no product (first: %s); skipped",
		       name, (unsigned long long)st->orphan_terms, st->first_orphan);
	if (st->unknown_term_types)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu unknown term types (first: '%s'); skipped", name,
		       (unsigned long long)st->unknown_term_types,
		       st->first_unknown_type);
	if (st->unknown_keys)
		cc_log(ctx, CC_LOG_INFO, "ingest",
		       "'%s': %llu unknown keys (first: '%s'); ignored", name,
		       (unsigned long long)st->unknown_keys, st->first_unknown_key);
	if (st->unsupported_shapes)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu values of an unsupported shape (first: %s); skipped",
		       name, (unsigned long long)st->unsupported_shapes,
		       st->first_shape);
	if (st->bad_prices || st->bad_ranges)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu bad prices and %llu bad ranges (first: %s); skipped",
		       name, (unsigned long long)st->bad_prices,
		       (unsigned long long)st->bad_ranges, st->first_bad);
	if (st->no_family)
		cc_log(ctx, CC_LOG_INFO, "ingest",
		       "'%s': %llu products have no productFamily", name,
		       (unsigned long long)st->no_family);
	if (st->duplicate_products)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu products repeat a SKU; kept the first", name,
		       (unsigned long long)st->duplicate_products);
	if (st->misfiled_terms)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu OnDemand terms carry reservation attributes; filed as Reserved",
		       name, (unsigned long long)st->misfiled_terms);
	if (st->unmapped_locations)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu products in a region with no known code (first: '%s')",
		       name, (unsigned long long)st->unmapped_locations,
		       st->first_unmapped);
	if (st->sanitized)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "'%s': %llu control characters in strings replaced by '?'",
		       name, (unsigned long long)st->sanitized);
}

/*
 * A plain file is fed from the page cache through windows of a mapping
 * (populated up front, unmapped behind): no copy into a read buffer,
 * which cost as much as a fifth of the parse, and resident memory bounded
 * by the window. 1 when `fd` is not a plain file this can map (gzip).
 */
#define MAP_WINDOW ((size_t)4 << 20)

static int gzip_magic(const unsigned char *p)
{
	return p[0] == 0x1f && p[1] == 0x8b;
}

static int feed_mapped(const struct cc_ctx *ctx, struct ingest *in, int fd, uint64_t total,
		       size_t chunk, const char *path, enum cc_code *ret, struct cc_err *err)
{
	unsigned char magic[2];
	uint64_t off;

	if (total < 2 || pread(fd, magic, 2, 0) != 2 || gzip_magic(magic))
		return 1;
	for (off = 0; off < total; off += MAP_WINDOW) {
		size_t len = total - off < MAP_WINDOW ? (size_t)(total - off) : MAP_WINDOW, i;
		unsigned char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)off);

		if (p == MAP_FAILED) {
			if (!off)
				return 1; /* not mappable: read it */
			*ret = cc_err_errno(err, errno, "cannot map '%s' at byte %llu", path,
					    (unsigned long long)off);
			return 0;
		}
		for (i = 0; i < len && !*ret; i += chunk)
			*ret = ingest_feed(in, p + i, len - i < chunk ? len - i : chunk, err);
		munmap(p, len);
		if (*ret)
			return 0;
		cc_progress(ctx, path, off + len, total);
	}
	return 0;
}

enum cc_code ingest_file(const struct cc_ctx *ctx, const char *path,
			 const struct ingest_options *opt, ingest_sink sink,
			 void *user, struct ingest_stats *st, struct cc_err *err)
{
	size_t chunk = opt && opt->chunk ? opt->chunk : 256 * 1024;
	struct ingest *in = NULL;
	unsigned char *raw = NULL, *out = NULL;
	z_stream z;
	int gz = 0, z_live = 0;
	uint64_t done = 0, total = 0;
	struct stat sb;
	enum cc_code ret;
	int regular = 0, fd = fs_open_regular(path, "offer file", err);

	if (fd < 0)
		return err && err->code ? err->code : CC_EIO;
	if (!fstat(fd, &sb)) {
		total = (uint64_t)sb.st_size;
		regular = S_ISREG(sb.st_mode);
	}
	if (chunk < 4096)
		chunk = 4096;
	raw = malloc(chunk);
	out = malloc(chunk);
	if (!raw || !out) {
		ret = cc_err_set(err, CC_ENOMEM, "cannot read '%s'", path);
		goto out;
	}
	if ((ret = ingest_new(&in, ctx, path, opt, sink, user, err)))
		goto out;
	memset(&z, 0, sizeof(z));
	ret = CC_OK;
	if (regular && !feed_mapped(ctx, in, fd, total, chunk, path, &ret, err)) {
		if (ret)
			goto out;
		goto finish;
	}
	for (;;) {
		ssize_t n = fs_read(fd, raw, chunk);

		if (n < 0) {
			ret = cc_err_errno(err, errno, "cannot read '%s'", path);
			goto out;
		}
		if (!n)
			break;
		if (!done && n >= 2 && gzip_magic(raw)) {
			gz = 1;
			if (inflateInit2(&z, 15 + 16) != Z_OK) {
				ret = cc_err_set(err, CC_ENOMEM, "cannot inflate '%s'", path);
				goto out;
			}
			z_live = 1;
		}
		done += (uint64_t)n;
		if (!gz) {
			if ((ret = ingest_feed(in, raw, (size_t)n, err)))
				goto out;
		} else {
			z.next_in = raw;
			z.avail_in = (uInt)n;
			while (z.avail_in) {
				int zr;

				z.next_out = out;
				z.avail_out = (uInt)chunk;
				zr = inflate(&z, Z_NO_FLUSH);
				if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
					ret = cc_err_set(err, CC_EPARSE,
							 "cannot decompress '%s' at compressed byte %llu: %s",
							 path,
							 (unsigned long long)(done - z.avail_in),
							 z.msg ? z.msg : "bad gzip data");
					goto out;
				}
				if ((ret = ingest_feed(in, out, chunk - z.avail_out, err)))
					goto out;
				if (zr == Z_STREAM_END) {
					if (z.avail_in) {
						/* concatenated members, as gzip allows */
						if (inflateReset(&z) != Z_OK) {
							ret = cc_err_set(err, CC_EPARSE,
									 "cannot decompress '%s'", path);
							goto out;
						}
						continue;
					}
					break;
				}
				if (zr == Z_BUF_ERROR && z.avail_out)
					break;
			}
		}
		cc_progress(ctx, path, done, total);
	}
	if (gz) {
		/* a gzip stream that stops before its trailer is truncated */
		int zr;

		z.next_in = raw;
		z.avail_in = 0;
		z.next_out = out;
		z.avail_out = (uInt)chunk;
		zr = inflate(&z, Z_FINISH);
		if (zr != Z_STREAM_END) {
			ret = cc_err_set(err, CC_ETRUNC,
					 "cannot parse '%s': the gzip stream ends at compressed byte %llu before its end (the file is truncated)",
					 path, (unsigned long long)done);
			goto out;
		}
	}
finish:
	if ((ret = ingest_finish(in, st, err)))
		goto out;
	log_stats(ctx, path, st);
out:
	if (z_live)
		inflateEnd(&z);
	ingest_free(in);
	free(raw);
	free(out);
	close(fd);
	return ret;
}

static const char *writer_intern(void *user, const char *p, size_t len)
{
	return pb_writer_intern(user, p, len);
}

/*
 * How a pricebook names an input: the last three path components, which
 * in fetch's layout are offer/region/index.json (every file is index.json).
 */
static const char *source_name(const char *path)
{
	const char *p = path + strlen(path);
	int slashes = 0;

	while (p > path) {
		if (p[-1] == '/' && ++slashes == 3)
			break;
		p--;
	}
	return p;
}

/*
 * A file with no usable price: fatal when the pricebook it replaces had
 * prices from the same source (the first line of the nightly's sanity
 * gate), else a warning.
 */
static enum cc_code empty_offer(const struct cc_ctx *ctx, const struct pb_reader *prev,
				const char *path, const struct pb_offer *o,
				const struct ingest_stats *st, struct cc_err *err)
{
	size_t i, n = prev ? pb_offer_count(prev) : 0;

	for (i = 0; i < n; i++) {
		const struct pb_offer *p = pb_offer_at(prev, i);

		if (p->entries && p->code.len == o->code.len &&
		    !memcmp(p->code.p, o->code.p, o->code.len) && p->source.len == o->source.len &&
		    !memcmp(p->source.p, o->source.p, o->source.len))
			return cc_err_set(err, CC_EPARSE,
					  "'%s' (offer '%.*s') has no usable price (%llu products, %llu bad prices); "
					  "the current pricebook has %llu entries from it: nothing published",
					  path, (int)o->code.len, o->code.p,
					  (unsigned long long)st->products,
					  (unsigned long long)st->bad_prices,
					  (unsigned long long)p->entries);
	}
	cc_log(ctx, CC_LOG_WARN, "ingest", "'%s' (offer '%s') has no usable price (%llu products)",
	       path, st->offer_code, (unsigned long long)st->products);
	return CC_OK;
}

/* ------------------------------------------------------------ Savings Plans rates with no SKU */

/*
 * A Savings Plans rate prices a line only through the on-demand SKU it
 * discounts (its key's discountedSku). One whose SKU is in no on-demand
 * entry of the pricebook can never be used: it is counted and named, apart
 * from the rates of a service and region no offer of the pricebook covers
 * (a Compute Savings Plan discounts Lambda and Fargate too), which are
 * counted as such. Runs only when the pricebook holds plan rates.
 */
struct plan_sku {
	uint64_t hash;
	struct pb_str service, region, sku;
	uint64_t rates;
	int found; /* an on-demand entry has the SKU */
};

static int pstr_eq(struct pb_str a, struct pb_str b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* A service and region the plans discount, and whether any offer priced it. */
struct plan_pair {
	struct pb_str service, region;
	int ingested;
};

struct plan_check {
	struct pb_writer *w;   /* where the entries go on to */
	struct arena text;     /* the services, regions and SKUs kept */
	struct plan_sku *slot; /* open addressing by (service, region, SKU) */
	size_t cap, n;
	struct plan_pair *pairs; /* a few: the services a plan covers, in the file's regions */
	size_t npairs, alloc_pairs;
	int oom;
};

static struct plan_pair *plan_pair(struct plan_check *c, struct pb_str service, struct pb_str region, int add)
{
	size_t i;

	for (i = c->npairs; i > 0; i--)
		if (pstr_eq(c->pairs[i - 1].service, service) && pstr_eq(c->pairs[i - 1].region, region))
			return &c->pairs[i - 1];
	if (!add)
		return NULL;
	if (cc_grow((void **)&c->pairs, &c->alloc_pairs, c->npairs, sizeof(*c->pairs))) {
		c->oom = 1;
		return NULL;
	}
	c->pairs[c->npairs].service = service;
	c->pairs[c->npairs].region = region;
	c->pairs[c->npairs].ingested = 0;
	return &c->pairs[c->npairs++];
}

static uint64_t plan_hash(struct pb_str service, struct pb_str region, struct pb_str sku)
{
	return cc_hash(sku.p, sku.len) ^ (cc_hash(service.p, service.len) * 31) ^ (cc_hash(region.p, region.len) * 131);
}

static struct plan_sku *plan_find(struct plan_check *c, struct pb_str service, struct pb_str region,
				  struct pb_str sku, int add)
{
	uint64_t h = plan_hash(service, region, sku);
	size_t i;

	if (add && (c->n + 1) * 10 >= c->cap * 7) {
		size_t cap = c->cap ? c->cap * 2 : 1024, j;
		struct plan_sku *t = calloc(cap, sizeof(*t));

		if (!t) {
			c->oom = 1;
			return NULL;
		}
		for (j = 0; j < c->cap; j++) {
			if (!c->slot[j].sku.p)
				continue;
			for (i = c->slot[j].hash & (cap - 1); t[i].sku.p; i = (i + 1) & (cap - 1))
				;
			t[i] = c->slot[j];
		}
		free(c->slot);
		c->slot = t;
		c->cap = cap;
	}
	if (!c->cap)
		return NULL;
	for (i = h & (c->cap - 1); c->slot[i].sku.p; i = (i + 1) & (c->cap - 1)) {
		struct plan_sku *k = &c->slot[i];

		if (k->hash == h && pstr_eq(k->sku, sku) && pstr_eq(k->service, service) && pstr_eq(k->region, region))
			return k;
	}
	if (!add)
		return NULL;
	c->slot[i].hash = h;
	c->slot[i].service = service;
	c->slot[i].region = region;
	c->slot[i].sku = sku;
	c->n++;
	return &c->slot[i];
}

struct plan_mark {
	struct plan_check *c;
	struct pb_str service, region;
};

static int plan_mark(void *user, const struct pb_entry *e)
{
	struct plan_mark *m = user;
	struct plan_sku *k = plan_find(m->c, m->service, m->region, e->f[PB_SKU], 0);

	if (k)
		k->found = 1;
	return 0;
}

static struct pb_str plan_keep(struct plan_check *c, struct pb_str s)
{
	struct pb_str k = { arena_strndup(&c->text, s.p, s.len), s.len };

	if (!k.p)
		c->oom = 1;
	return k;
}

/*
 * The pricebook writer's sink, noting each plan rate's discounted SKU as
 * it goes by (so the check reads no entry back), then passing it on.
 */
static int plan_sink(void *user, const struct pb_entry *e, struct cc_err *err)
{
	struct plan_check *c = user;

	if (!c->oom && e->f[PB_MODEL].len == 11 && !memcmp(e->f[PB_MODEL].p, "SavingsPlan", 11)) {
		struct pb_str sku = pb_pairs_get(e->f[PB_KEY], "discountedSku");
		struct plan_sku *k = sku.p ? plan_find(c, e->f[PB_SERVICE], e->f[PB_REGION], sku, 0) : NULL;

		if (sku.p && !k) {
			struct pb_str service = plan_keep(c, e->f[PB_SERVICE]), region = plan_keep(c, e->f[PB_REGION]);

			sku = plan_keep(c, sku);
			if (!c->oom && plan_pair(c, service, region, 1))
				k = plan_find(c, service, region, sku, 1);
		}
		if (k)
			k->rates++;
	}
	return ingest_sink_pb(c->w, e, err);
}

static void plan_check_release(struct plan_check *c)
{
	free(c->slot);
	free(c->pairs);
	arena_release(&c->text);
}

static void check_plan_rates(const struct cc_ctx *ctx, const char *path, struct plan_check *c,
			     struct ingest_result *res)
{
	struct pb_reader *r = NULL;
	struct cc_err err = { 0 };
	size_t j;

	if (c->oom) {
		cc_log(ctx, CC_LOG_WARN, "ingest", "Savings Plans rates not checked against the offers: out of memory");
		return;
	}
	if (pb_open(&r, path, &err)) {
		cc_log(ctx, CC_LOG_WARN, "ingest", "Savings Plans rates not checked against the offers: %s", err.msg);
		return;
	}
	/* each service and region the plans discount: its on-demand SKUs */
	for (j = 0; j < c->npairs && !err.code; j++) {
		struct plan_pair *pp = &c->pairs[j];
		char service[128], region[64];
		struct pb_query q;
		struct plan_mark m;
		uint64_t matches = 0;

		cc_copy(service, sizeof(service), pp->service.p, pp->service.len);
		cc_copy(region, sizeof(region), pp->region.p, pp->region.len);
		memset(&q, 0, sizeof(q));
		q.service = service;
		q.region = region;
		q.model = "OnDemand";
		m.c = c;
		m.service = pp->service;
		m.region = pp->region;
		if (pb_find(r, &q, plan_mark, &m, &matches, &err))
			break;
		pp->ingested = matches > 0;
	}
	if (err.code || c->oom) {
		cc_log(ctx, CC_LOG_WARN, "ingest", "Savings Plans rates not checked against the offers: %s",
		       c->oom ? "out of memory" : err.msg);
		goto out;
	}
	for (j = 0; j < c->cap; j++) {
		const struct plan_sku *k = &c->slot[j];
		const struct plan_pair *pp;

		if (!k->sku.p)
			continue;
		res->plan_rates += k->rates;
		if (k->found)
			continue;
		pp = plan_pair(c, k->service, k->region, 0);
		if (pp && !pp->ingested) {
			res->plan_elsewhere += k->rates;
		} else {
			res->plan_orphans += k->rates;
			if (!res->first_plan_orphan[0])
				snprintf(res->first_plan_orphan, sizeof(res->first_plan_orphan), "%.*s %.*s SKU %.*s",
					 (int)(k->service.len > 40 ? 40 : k->service.len), k->service.p,
					 (int)(k->region.len > 30 ? 30 : k->region.len), k->region.p,
					 (int)(k->sku.len > 40 ? 40 : k->sku.len), k->sku.p);
		}
	}
	if (res->plan_orphans)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "%llu Savings Plans rates discount a SKU that is in no offer (first: %s): they never price a line",
		       (unsigned long long)res->plan_orphans, res->first_plan_orphan);
	if (res->plan_elsewhere)
		cc_log(ctx, CC_LOG_INFO, "ingest",
		       "%llu Savings Plans rates are for a service and region no offer file of this pricebook covers",
		       (unsigned long long)res->plan_elsewhere);
out:
	pb_close(r);
}

enum cc_code ingest_to_pricebook(const struct cc_ctx *ctx,
				 const char *const *files, size_t nfiles,
				 const char *out_path,
				 const struct ingest_options *opt,
				 struct ingest_result *res, struct cc_err *err)
{
	struct pb_writer *w = NULL;
	struct pb_write_stats ws;
	struct ingest_options fopt;
	struct plan_check plans;
	enum cc_code ret;
	size_t i;

	memset(res, 0, sizeof(*res));
	memset(&plans, 0, sizeof(plans));
	arena_init(&plans.text, 64 * 1024, 0);
	if ((ret = pb_writer_open(&w, out_path, opt->sort_memory, err)))
		goto out;
	plans.w = w;
	/* product keys live once, in the pricebook's string table */
	fopt = *opt;
	fopt.intern = writer_intern;
	fopt.intern_user = w;
	for (i = 0; i < nfiles; i++) {
		struct ingest_stats st;
		struct pb_offer o;

		memset(&st, 0, sizeof(st));
		ret = ingest_file(ctx, files[i], &fopt, plan_sink, &plans, &st, err);
		if (ret)
			goto fail;
		o.code.p = st.offer_code;
		o.code.len = strlen(st.offer_code);
		o.version.p = st.version;
		o.version.len = strlen(st.version);
		o.published.p = st.published;
		o.published.len = strlen(st.published);
		o.source.p = source_name(files[i]);
		o.source.len = strlen(o.source.p);
		o.products = st.products;
		o.entries = st.entries;
		if (!st.entries && (ret = empty_offer(ctx, opt->previous, files[i], &o, &st, err)))
			goto fail;
		if ((ret = pb_writer_add_offer(w, &o, err)))
			goto fail;
		res->files++;
		res->products += st.products;
		res->orphans += st.orphan_terms;
	}
	ret = pb_writer_commit(w, &ws, err);
	w = NULL;
	if (ret)
		goto out;
	res->entries = ws.entries;
	res->duplicates = ws.duplicates;
	res->conflicts = ws.conflicts;
	snprintf(res->first_conflict, sizeof(res->first_conflict), "%s",
		 ws.first_conflict);
	snprintf(res->sha256, sizeof(res->sha256), "%s", ws.sha256);
	cc_log(ctx, CC_LOG_DEBUG, "ingest",
	       "pricebook: %llu entries, %llu sorted runs spilled and merged",
	       (unsigned long long)ws.entries, (unsigned long long)ws.runs);
	if (ws.duplicates)
		cc_log(ctx, CC_LOG_INFO, "ingest",
		       "%llu entries repeated across offers (the same SKU and rate); kept one each",
		       (unsigned long long)ws.duplicates);
	if (ws.conflicts)
		cc_log(ctx, CC_LOG_WARN, "ingest",
		       "%llu entries repeated with another price; kept the first file's (%s)",
		       (unsigned long long)ws.conflicts, ws.first_conflict);
	if (plans.n || plans.oom)
		check_plan_rates(ctx, out_path, &plans, res);
	ret = CC_OK;
	goto out;
fail:
	pb_writer_abort(w);
out:
	plan_check_release(&plans);
	return ret;
}

static int is_offer_name(const char *name)
{
	size_t len = strlen(name);

	return (len > 5 && !strcmp(name + len - 5, ".json")) ||
	       (len > 8 && !strcmp(name + len - 8, ".json.gz")) ||
	       (len > 4 && !strcmp(name + len - 4, ".csv")); /* a Savings Plans file fetch left */
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum cc_code walk(const char *dir, char ***files, size_t *n,
			 size_t *alloc, int depth, struct cc_err *err)
{
	struct dirent *de;
	enum cc_code ret = CC_OK;
	DIR *d;

	if (depth > 16)
		return CC_OK;
	d = opendir(dir);
	if (!d)
		return cc_err_errno(err, errno, "cannot read directory '%s'", dir);
	while (!ret && (de = readdir(d))) {
		struct buf path;
		struct stat sb;

		if (de->d_name[0] == '.')
			continue; /* also fetch's temporary files */
		buf_init(&path, 8192);
		if (buf_addf(&path, "%s/%s", dir, de->d_name)) {
			ret = cc_err_set(err, CC_ENOMEM, "path too long in '%s'", dir);
		} else if (!stat(path.buf, &sb) && S_ISDIR(sb.st_mode)) {
			ret = walk(path.buf, files, n, alloc, depth + 1, err);
		} else if (is_offer_name(de->d_name)) {
			if (*n == *alloc) {
				size_t a = *alloc ? *alloc * 2 : 16;
				char **p = realloc(*files, a * sizeof(*p));

				if (!p) {
					ret = cc_err_set(err, CC_ENOMEM, "too many files");
					buf_release(&path);
					break;
				}
				*files = p;
				*alloc = a;
			}
			(*files)[(*n)++] = buf_detach(&path, NULL);
		}
		buf_release(&path);
	}
	closedir(d);
	return ret;
}

enum cc_code ingest_find_offers(const char *dir, char ***files, size_t *n,
				struct cc_err *err)
{
	size_t alloc = 0;
	enum cc_code ret;

	*files = NULL;
	*n = 0;
	ret = walk(dir, files, n, &alloc, 0, err);
	if (ret) {
		ingest_free_list(*files, *n);
		*files = NULL;
		*n = 0;
		return ret;
	}
	if (*n > 1)
		qsort(*files, *n, sizeof(**files), str_cmp);
	return CC_OK;
}

void ingest_free_list(char **files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
}
