/*
 * The cost engine (calc.h): requirements + pricebook + rules -> a
 * CALCULATION item. Sections: configuration; lookups over the pricebook;
 * lines and tier walks; the five categories; business rules; the item.
 */
#include "pipeline/calc/calc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/cfg.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/prices/pb.h"
#include "pipeline/core/sha256.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

#define MAX_TIERS 16
#define MAX_HITS 64

/* ------------------------------------------------------------ configuration */

struct tier_rule {
	struct dec upto; /* the tier's upper bound; inf when `inf` */
	int inf;
	struct dec percent;
};

struct plan_set {
	char from[11], until[11]; /* YYYY-MM-DD; until empty: open */
	struct dec minimum;
	struct tier_rule tiers[8];
	int ntiers;
};

struct calc_config {
	char region[64], model[64], rds_volume[64], edge[64], plan[32];
	struct dec hours, change_rate, dt_free, cf_free, lcu_min, buffer, log_gb, macie_gb;
	int64_t gp3_iops, gp3_mbps, mbps_per_gibps, io2_t2, io2_t3, rds_backup_free, acm, waf_acls,
		waf_rules, waf_requests, kms_keys, kms_requests, sm_secrets, sm_calls, cfg_items,
		cfg_evals, ct_data, ct_copies, gd_events, sh_checks;
	struct tier_rule discount[8];
	int ndiscount;
	int sp_average; /* savings_plan.coverage = average */
	struct plan_set plans[4];
	int nplans;
	struct buf used; /* the configuration values, as a JSON object body */
	struct memo *memo; /* lookups answered so far (see below); owned */
};

struct memo;
static struct memo *memo_new(void);
static void memo_free(struct memo *m);

static int parse_tiers(const char *s, struct tier_rule *out, int cap, int *n)
{
	const char *p = s;

	*n = 0;
	while (*p) {
		char up[32], pct[32];
		int used = 0;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*n >= cap || sscanf(p, "%31[^:]:%31[^ ]%n", up, pct, &used) != 2)
			return -1;
		p += used;
		out[*n].inf = !strcmp(up, "inf");
		if ((!out[*n].inf && dec_parse(up, strlen(up), &out[*n].upto)) ||
		    dec_parse(pct, strlen(pct), &out[*n].percent))
			return -1;
		(*n)++;
	}
	return *n && !out[*n - 1].inf ? -1 : 0;
}

/* "FROM[..UNTIL] min=M UPTO:PCT ..." sets joined by " | " */
static int parse_plan(const char *s, struct plan_set *sets, int cap, int *n)
{
	char buf[512], *save = NULL, *part;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	*n = 0;
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		struct plan_set *ps;
		char dates[32], min[32];
		int used = 0;

		if (*n >= cap)
			return -1;
		ps = &sets[*n];
		memset(ps, 0, sizeof(*ps));
		while (*part == ' ')
			part++;
		if (sscanf(part, "%31s min=%31s%n", dates, min, &used) != 2 ||
		    dec_parse(min, strlen(min), &ps->minimum))
			return -1;
		if (strlen(dates) == 10) {
			memcpy(ps->from, dates, 11);
		} else if (strlen(dates) == 22 && dates[10] == '.' && dates[11] == '.') {
			memcpy(ps->from, dates, 10);
			memcpy(ps->until, dates + 12, 11);
		} else {
			return -1;
		}
		if (parse_tiers(part + used, ps->tiers, 8, &ps->ntiers) || !ps->ntiers)
			return -1;
		(*n)++;
	}
	return *n ? 0 : -1;
}

static int dec_key(const struct cfg *cfg, const char *name, struct dec *out)
{
	const char *v = cfg_str(cfg, name);

	return dec_parse(v, strlen(v), out);
}

enum cc_code calc_config_load(const struct cfg *cfg, struct calc_config **out,
			      struct cc_err *err)
{
	static const char *const recorded[] = {
		"region", "pricing_model", "hours_per_month", "ebs.gp3.free_iops",
		"ebs.gp3.free_throughput_mbps", "ebs.throughput_mbps_per_gibps",
		"ebs.io2.iops_tier_bounds", "backup.daily_change_rate", "rds.storage_volume_type",
		"rds.backup_free_percent", "data_transfer.free_gb", "cloudfront.edge_location",
		"cloudfront.free_gb", "alb.lcu_minimum", "acm.certificates", "waf.web_acls",
		"waf.rules", "waf.requests", "security.kms.keys", "security.kms.requests",
		"security.secretsmanager.secrets", "security.secretsmanager.api_calls",
		"security.config.items", "security.config.rule_evaluations",
		"security.cloudtrail.data_events", "security.cloudtrail.management_event_copies",
		"security.guardduty.events", "security.guardduty.log_gb",
		"security.securityhub.checks", "security.macie.gb", "volume_discount.tiers",
		"support.plan", "buffer_percent", "savings_plan.coverage",
	};
	struct calc_config *c = calloc(1, sizeof(*c));
	const char *plan;
	char key[64];
	size_t i;

	*out = NULL;
	if (!c)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	buf_init(&c->used, 1 << 16);
	c->memo = memo_new(); /* NULL: every lookup goes to the pricebook */
	cc_copy(c->region, sizeof(c->region), cfg_str(cfg, "region"), strlen(cfg_str(cfg, "region")));
	cc_copy(c->model, sizeof(c->model), cfg_str(cfg, "pricing_model"),
		strlen(cfg_str(cfg, "pricing_model")));
	cc_copy(c->rds_volume, sizeof(c->rds_volume), cfg_str(cfg, "rds.storage_volume_type"),
		strlen(cfg_str(cfg, "rds.storage_volume_type")));
	cc_copy(c->edge, sizeof(c->edge), cfg_str(cfg, "cloudfront.edge_location"),
		strlen(cfg_str(cfg, "cloudfront.edge_location")));
	cc_copy(c->plan, sizeof(c->plan), cfg_str(cfg, "support.plan"),
		strlen(cfg_str(cfg, "support.plan")));
	if (dec_key(cfg, "hours_per_month", &c->hours) ||
	    dec_key(cfg, "backup.daily_change_rate", &c->change_rate) ||
	    dec_key(cfg, "data_transfer.free_gb", &c->dt_free) ||
	    dec_key(cfg, "cloudfront.free_gb", &c->cf_free) ||
	    dec_key(cfg, "alb.lcu_minimum", &c->lcu_min) ||
	    dec_key(cfg, "buffer_percent", &c->buffer) ||
	    dec_key(cfg, "security.guardduty.log_gb", &c->log_gb) ||
	    dec_key(cfg, "security.macie.gb", &c->macie_gb))
		goto bad;
	if (!strcmp(cfg_str(cfg, "savings_plan.coverage"), "average"))
		c->sp_average = 1;
	else if (strcmp(cfg_str(cfg, "savings_plan.coverage"), "minimum")) {
		calc_config_free(c);
		return cc_err_set(err, CC_EUSAGE, "savings_plan.coverage wants minimum or average, not '%.60s'",
				  cfg_str(cfg, "savings_plan.coverage"));
	}
	c->gp3_iops = cfg_int(cfg, "ebs.gp3.free_iops");
	c->gp3_mbps = cfg_int(cfg, "ebs.gp3.free_throughput_mbps");
	c->mbps_per_gibps = cfg_int(cfg, "ebs.throughput_mbps_per_gibps");
	c->rds_backup_free = cfg_int(cfg, "rds.backup_free_percent");
	c->acm = cfg_int(cfg, "acm.certificates");
	c->waf_acls = cfg_int(cfg, "waf.web_acls");
	c->waf_rules = cfg_int(cfg, "waf.rules");
	c->waf_requests = cfg_int(cfg, "waf.requests");
	c->kms_keys = cfg_int(cfg, "security.kms.keys");
	c->kms_requests = cfg_int(cfg, "security.kms.requests");
	c->sm_secrets = cfg_int(cfg, "security.secretsmanager.secrets");
	c->sm_calls = cfg_int(cfg, "security.secretsmanager.api_calls");
	c->cfg_items = cfg_int(cfg, "security.config.items");
	c->cfg_evals = cfg_int(cfg, "security.config.rule_evaluations");
	c->ct_data = cfg_int(cfg, "security.cloudtrail.data_events");
	c->ct_copies = cfg_int(cfg, "security.cloudtrail.management_event_copies");
	c->gd_events = cfg_int(cfg, "security.guardduty.events");
	c->sh_checks = cfg_int(cfg, "security.securityhub.checks");
	if (sscanf(cfg_str(cfg, "ebs.io2.iops_tier_bounds"), "%" SCNd64 ",%" SCNd64, &c->io2_t2,
		   &c->io2_t3) != 2 || c->io2_t2 <= 0 || c->io2_t3 <= c->io2_t2)
		return cc_err_set(err, CC_EUSAGE,
				  "ebs.io2.iops_tier_bounds wants 'TIER2,TIER3' (32000,64000), not '%s'",
				  cfg_str(cfg, "ebs.io2.iops_tier_bounds"));
	if (parse_tiers(cfg_str(cfg, "volume_discount.tiers"), c->discount, 8, &c->ndiscount)) {
		calc_config_free(c);
		return cc_err_set(err, CC_EUSAGE,
				  "volume_discount.tiers wants 'UPTO:PERCENT ... inf:PERCENT', not '%s'",
				  cfg_str(cfg, "volume_discount.tiers"));
	}
	plan = c->plan;
	if (strcmp(plan, "none")) {
		snprintf(key, sizeof(key), "support.%s", plan);
		if (!strcmp(plan, "business-plus") || !strcmp(plan, "business") ||
		    !strcmp(plan, "enterprise")) {
			if (parse_plan(cfg_str(cfg, key), c->plans, 4, &c->nplans)) {
				calc_config_free(c);
				return cc_err_set(err, CC_EUSAGE,
						  "%s wants 'FROM[..UNTIL] min=M UPTO:PERCENT ... inf:PERCENT', not '%s'",
						  key, cfg_str(cfg, key));
			}
			buf_addf(&c->used, "\"%s\":", key);
			buf_add_json_str(&c->used, cfg_str(cfg, key), strlen(cfg_str(cfg, key)));
			buf_addch(&c->used, ',');
		} else {
			calc_config_free(c);
			return cc_err_set(err, CC_EUSAGE,
					  "support.plan must be business-plus, business, enterprise or none, not '%s'",
					  plan);
		}
	}
	for (i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++) {
		const char *v = cfg_str(cfg, recorded[i]);

		buf_addf(&c->used, "%s\"%s\":", i ? "," : "", recorded[i]);
		buf_add_json_str(&c->used, v, strlen(v));
	}
	*out = c;
	return CC_OK;
bad:
	calc_config_free(c);
	return cc_err_set(err, CC_EUSAGE, "a pricing-rule setting is not a decimal");
}

void calc_config_free(struct calc_config *c)
{
	if (!c)
		return;
	buf_release(&c->used);
	memo_free(c->memo);
	free(c);
}

const char *calc_category_name(enum calc_category c)
{
	static const char *const names[] = { "Compute", "Storage", "Database", "Network",
					     "Security" };

	return c < CALC_NCATEGORIES ? names[c] : "?";
}

void calc_result_init(struct calc_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->item, (size_t)8 << 20);
	buf_init(&r->table, (size_t)4 << 20);
}

void calc_result_release(struct calc_result *r)
{
	buf_release(&r->item);
	buf_release(&r->table);
}

/* ------------------------------------------------------------ lookups */

/* What a line looks up: a subset match on the product key and the term. */
struct want {
	const char *service, *family, *model;
	const char *kn[10], *kv[10];
	size_t nk;
	const char *tn[3], *tv[3];
	size_t nt;
	const char *usage_suffix; /* usagetype ends so (region prefixes vary) */
	const char *unit;         /* the entry's unit, when a product has several */
};

struct hits {
	struct pb_entry e[MAX_HITS];
	size_t n;
	const struct want *w;
};

/*
 * The answers to lookups already made, shared by every estimation and
 * thread of a run: estimations ask the same questions (the same instance
 * types, the same services), and the commitment ladder asks them again
 * under each model. Keyed by the lookup's full description; the entries
 * point into the pricebook's mmap, so the memo serves one pricebook (the
 * first it is used with) and is bypassed for any other. Readers share a
 * lock; a new answer takes it exclusively. When full it stops growing.
 */
#define MEMO_SLOTS 8192

struct memo_entry {
	uint64_t hash;
	char *key;
	struct hits h;
	/* a ladder entry ("L|" and the on-demand line's key): the answer each
	 * model's lookup gave (pointers to other entries; NULL: none asked) */
	const struct hits **lad;
};

struct fleet;
static void fleet_free(struct fleet *f);

struct memo {
	pthread_rwlock_t lock;
	const struct pb_reader *pb;
	struct memo_entry *slots[MEMO_SLOTS];
	size_t n;
	/* right-sizing: every priced current-generation type of one region
	 * and OS (struct fleet), so a choice is a walk, not a pricebook scan */
	struct {
		char key[160];
		struct fleet *f;
	} sizes[64];
	size_t nsizes;
};

static struct memo *memo_new(void)
{
	struct memo *m = calloc(1, sizeof(*m));

	if (m && pthread_rwlock_init(&m->lock, NULL)) {
		free(m);
		return NULL;
	}
	return m;
}

static void memo_free(struct memo *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < MEMO_SLOTS; i++)
		if (m->slots[i]) {
			free(m->slots[i]->key);
			free(m->slots[i]->lad);
			free(m->slots[i]);
		}
	for (i = 0; i < m->nsizes; i++)
		fleet_free(m->sizes[i].f);
	pthread_rwlock_destroy(&m->lock);
	free(m);
}

/* The slot of `key` (found or free), or -1 when the memo is full. */
static long memo_slot(const struct memo *m, uint64_t hash, const char *key)
{
	size_t i, k;

	for (k = 0; k < MEMO_SLOTS; k++) {
		i = (hash + k) & (MEMO_SLOTS - 1);
		if (!m->slots[i] || (m->slots[i]->hash == hash && !strcmp(m->slots[i]->key, key)))
			return (long)i;
	}
	return -1;
}

static void want_key(struct want *w, const char *name, const char *value)
{
	if (w->nk < 10) {
		w->kn[w->nk] = name;
		w->kv[w->nk++] = value;
	}
}

static int str_is(struct pb_str s, const char *z)
{
	size_t n = strlen(z);

	return s.len == n && !memcmp(s.p, z, n);
}

/* Units are spelt differently across SKUs (GB-Mo, GB-month): compare loosely. */
static int unit_is(struct pb_str s, const char *z)
{
	size_t n = strlen(z);

	return s.len == n && !strncasecmp(s.p, z, n);
}

static int collect_hit(void *user, const struct pb_entry *e)
{
	struct hits *h = user;

	if (h->w->usage_suffix) {
		struct pb_str u = pb_pairs_get(e->f[PB_KEY], "usagetype");
		size_t n = strlen(h->w->usage_suffix);

		if (!u.p || u.len < n || memcmp(u.p + u.len - n, h->w->usage_suffix, n) ||
		    (u.len > n && u.p[u.len - n - 1] != '-' && u.p[u.len - n - 1] != ':' &&
		     h->w->usage_suffix[0] != '-' && h->w->usage_suffix[0] != ':'))
			return 0;
	}
	if (h->w->unit && !unit_is(e->f[PB_UNIT], h->w->unit))
		return 0;
	/* the tiers of one price: the first SKU and rate-code family found */
	if (h->n && !(e->f[PB_SKU].len == h->e[0].f[PB_SKU].len &&
		      !memcmp(e->f[PB_SKU].p, h->e[0].f[PB_SKU].p, e->f[PB_SKU].len)))
		return 0;
	if (h->n < MAX_HITS)
		h->e[h->n++] = *e;
	return 0;
}

static enum cc_code lookup(const struct pb_reader *pb, const char *region,
			   const struct want *w, struct hits *h, struct cc_err *err)
{
	struct pb_query q;
	uint64_t matches;

	memset(&q, 0, sizeof(q));
	memset(h, 0, sizeof(*h));
	h->w = w;
	q.service = w->service;
	q.region = region;
	q.family = w->family;
	q.model = w->model ? w->model : "OnDemand";
	q.key_names = w->kn;
	q.key_values = w->kv;
	q.nkey = w->nk;
	q.term_names = w->tn;
	q.term_values = w->tv;
	q.nterm = w->nt;
	return pb_find(pb, &q, collect_hit, h, &matches, err);
}

static void describe_want(const struct want *w, const char *region, char *out, size_t cap);
static void app(char *out, size_t cap, size_t *n, const char *s);

/* lookup(), answered from the memo when it can be (`desc`: describe_want's text). */
static enum cc_code memo_lookup(struct memo *m, const struct pb_reader *pb, const char *region,
				const struct want *w, const char *desc, struct hits *h,
				const struct hits **out, struct cc_err *err)
{
	char key[512];
	uint64_t hash;
	enum cc_code ret;
	long slot;

	*out = h;
	if (!m || (m->pb && m->pb != pb))
		return lookup(pb, region, w, h, err);
	{
		size_t n = 0;

		key[0] = '\0';
		app(key, sizeof(key), &n, desc);
		app(key, sizeof(key), &n, "|");
		app(key, sizeof(key), &n, w->unit ? w->unit : "");
		app(key, sizeof(key), &n, "|");
		app(key, sizeof(key), &n, w->usage_suffix ? w->usage_suffix : "");
	}
	hash = cc_hash(key, strlen(key));
	pthread_rwlock_rdlock(&m->lock);
	slot = m->pb == pb ? memo_slot(m, hash, key) : -1;
	if (slot >= 0 && m->slots[slot]) {
		/* entries are never removed or changed once in: the pointer stays good */
		*out = &m->slots[slot]->h;
		pthread_rwlock_unlock(&m->lock);
		return CC_OK;
	}
	pthread_rwlock_unlock(&m->lock);
	if ((ret = lookup(pb, region, w, h, err)))
		return ret;
	pthread_rwlock_wrlock(&m->lock);
	if (!m->pb)
		m->pb = pb;
	if (m->pb == pb && m->n < MEMO_SLOTS / 2 && (slot = memo_slot(m, hash, key)) >= 0 &&
	    !m->slots[slot]) {
		struct memo_entry *e = malloc(sizeof(*e));

		if (e && (e->key = strdup(key))) {
			e->hash = hash;
			e->h = *h;
			e->h.w = NULL;
			e->lad = NULL;
			m->slots[slot] = e;
			m->n++;
		} else {
			free(e);
		}
	}
	pthread_rwlock_unlock(&m->lock);
	return CC_OK;
}

/*
 * The commitment ladder of a line asks the same lookups under every model
 * for every estimation with that line: its answers are kept as one entry,
 * so a line seen before costs one lookup, not thirteen. `n` answers are
 * copied into (get) or from (put) lad; get returns 1 when found.
 */
static int memo_ladder(struct memo *m, const struct pb_reader *pb, const char *key, const struct hits **lad,
		       size_t n, int put)
{
	uint64_t hash = cc_hash(key, strlen(key));
	struct memo_entry *e;
	long slot;
	int found = 0;

	if (!m)
		return 0;
	if (!put) {
		pthread_rwlock_rdlock(&m->lock);
		slot = m->pb == pb ? memo_slot(m, hash, key) : -1;
		if (slot >= 0 && m->slots[slot] && m->slots[slot]->lad) {
			memcpy(lad, m->slots[slot]->lad, n * sizeof(*lad));
			found = 1;
		}
		pthread_rwlock_unlock(&m->lock);
		return found;
	}
	pthread_rwlock_wrlock(&m->lock);
	if (m->pb == pb && m->n < MEMO_SLOTS / 2 && (slot = memo_slot(m, hash, key)) >= 0 && !m->slots[slot] &&
	    (e = calloc(1, sizeof(*e)))) {
		if ((e->key = strdup(key)) && (e->lad = malloc(n * sizeof(*lad)))) {
			memcpy(e->lad, lad, n * sizeof(*lad));
			e->hash = hash;
			m->slots[slot] = e;
			m->n++;
		} else {
			free(e->key);
			free(e);
		}
	}
	pthread_rwlock_unlock(&m->lock);
	return 0;
}

/* Appends s to out[*n..cap), cut to fit; NUL-terminated. */
static void app(char *out, size_t cap, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + 1 >= cap)
		return;
	if (len > cap - 1 - *n)
		len = cc_utf8_cut(s, cap - 1 - *n);
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
}

/* "AmazonEC2 us-east-1 Compute Instance instanceType=t3.xlarge ... (OnDemand)" */
static void describe_want(const struct want *w, const char *region, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	app(out, cap, &n, w->service);
	app(out, cap, &n, " ");
	app(out, cap, &n, region);
	if (w->family) {
		app(out, cap, &n, " ");
		app(out, cap, &n, w->family);
	}
	for (i = 0; i < w->nk; i++) {
		app(out, cap, &n, " ");
		app(out, cap, &n, w->kn[i]);
		app(out, cap, &n, "=");
		app(out, cap, &n, w->kv[i]);
	}
	if (w->usage_suffix) {
		app(out, cap, &n, " usagetype=*");
		app(out, cap, &n, w->usage_suffix);
	}
	for (i = 0; i < w->nt; i++) {
		app(out, cap, &n, " ");
		app(out, cap, &n, w->tn[i]);
		app(out, cap, &n, "=");
		app(out, cap, &n, w->tv[i]);
	}
	app(out, cap, &n, " (");
	app(out, cap, &n, w->model ? w->model : "OnDemand");
	app(out, cap, &n, ")");
}

/* ------------------------------------------------------------ lines */

/* The pricing models, in the commitment ladder's order; [0] is on demand. */
static const char *const models[] = {
	"ON_DEMAND",
	"RESERVED_1YR_NO_UPFRONT", "RESERVED_1YR_PARTIAL_UPFRONT", "RESERVED_1YR_ALL_UPFRONT",
	"RESERVED_3YR_NO_UPFRONT", "RESERVED_3YR_PARTIAL_UPFRONT", "RESERVED_3YR_ALL_UPFRONT",
	"RESERVED_1YR_NO_UPFRONT_CONVERTIBLE", "RESERVED_1YR_PARTIAL_UPFRONT_CONVERTIBLE",
	"RESERVED_1YR_ALL_UPFRONT_CONVERTIBLE", "RESERVED_3YR_NO_UPFRONT_CONVERTIBLE",
	"RESERVED_3YR_PARTIAL_UPFRONT_CONVERTIBLE", "RESERVED_3YR_ALL_UPFRONT_CONVERTIBLE",
	/* [13..24] EC2's two plans; [25] the Database Savings Plan AWS sells (1 year, no upfront) */
	"SAVINGS_PLAN_COMPUTE_1YR_NO_UPFRONT", "SAVINGS_PLAN_COMPUTE_1YR_PARTIAL_UPFRONT",
	"SAVINGS_PLAN_COMPUTE_1YR_ALL_UPFRONT", "SAVINGS_PLAN_COMPUTE_3YR_NO_UPFRONT",
	"SAVINGS_PLAN_COMPUTE_3YR_PARTIAL_UPFRONT", "SAVINGS_PLAN_COMPUTE_3YR_ALL_UPFRONT",
	"SAVINGS_PLAN_EC2_INSTANCE_1YR_NO_UPFRONT", "SAVINGS_PLAN_EC2_INSTANCE_1YR_PARTIAL_UPFRONT",
	"SAVINGS_PLAN_EC2_INSTANCE_1YR_ALL_UPFRONT", "SAVINGS_PLAN_EC2_INSTANCE_3YR_NO_UPFRONT",
	"SAVINGS_PLAN_EC2_INSTANCE_3YR_PARTIAL_UPFRONT", "SAVINGS_PLAN_EC2_INSTANCE_3YR_ALL_UPFRONT",
	"SAVINGS_PLAN_DATABASE_1YR_NO_UPFRONT",
};
#define NMODELS (sizeof(models) / sizeof(models[0]))
#define NMODELS_MAX 26
#define SP_FIRST 13
_Static_assert(NMODELS == NMODELS_MAX, "a line holds the ladder of every model");

struct tier {
	struct dec begin, end, qty, rate, cost;
	int inf;
};

struct line {
	enum calc_category cat;
	const char *section;  /* the seed's aggregate: EC2Instances, EBS, S3, RDS, ... */
	int group;            /* which aggregate entry (server group, volume, database) */
	char req[80];         /* the requirement's path: ComputeRequirements[0] */
	char what[200];       /* for people: "t3.xlarge Linux, 3.5 instances x 744 h" */
	char lookup[400];     /* what was looked up */
	char service[32], family[64], sku[40], rate_code[96], unit[24], model[16];
	struct dec qty, rate, monthly;
	struct tier tiers[MAX_TIERS];
	int ntiers;
	int status;           /* 0 priced; 1 missing; 2 not priced (reason); 3 fell back to on-demand */
	char reason[480];
	int reserved;
	int sp;               /* priced under a Savings Plan: `hourly` is the plan's rate */
	struct dec upfront, hourly, effective;
	struct dec commitment, covered; /* a Savings Plan's $/h and the instances it covers */
	/* the line under every model (a reservable line of the main run):
	 * the commitment ladder is sums of these, not a run per model */
	int has_ladder;
	unsigned lad_bad; /* bit k: models[k] could not be priced */
	struct dec lad_monthly[NMODELS_MAX], lad_upfront[NMODELS_MAX], lad_commit[NMODELS_MAX];
};

struct engine {
	const struct calc_config *c;
	const struct pb_reader *pb;
	const struct calc_input *in;
	const char *id;
	char region[64], currency[8], model[64], date[11];
	int years;        /* of the reservation: 0 on demand */
	const char *lease, *option, *klass; /* the reservation's terms, as the price list spells them */
	const char *plan, *plan_service; /* a Savings Plan's family and the service it discounts, or NULL */
	int sp_noted;     /* the plan's "does not cover" assumption is written */
	struct line *lines;
	size_t nlines, alloc;
	struct buf assumptions, warnings; /* JSON array bodies */
	unsigned nwarn, missing;
	struct cc_err *err;
	int failed;
	/* aggregates, as JSON array bodies */
	struct buf ec2, autoscaling, ebs, s3, rds, notes;
	struct dec as_avg, as_cost, instances;
	int any_auto;
	int quiet; /* a ladder run: totals only, no words, no aggregates */
};

static struct line *new_line(struct engine *g, enum calc_category cat, const char *section,
			     int group, const char *req)
{
	struct line *l;

	if (g->nlines == g->alloc) {
		size_t a = g->alloc ? g->alloc * 2 : 32;
		struct line *p = realloc(g->lines, a * sizeof(*p));

		if (!p)
			return NULL;
		g->lines = p;
		g->alloc = a;
	}
	l = &g->lines[g->nlines++];
	memset(l, 0, sizeof(*l));
	l->cat = cat;
	l->section = section;
	l->group = group;
	cc_copy(l->req, sizeof(l->req), req, strlen(req));
	return l;
}

static void add_json_text(struct buf *b, const char *s)
{
	buf_add_json_str(b, s, strlen(s));
}

/*
 * vsnprintf for the engine's own words: %s, %d and %% by a copying loop
 * (glibc's printf machinery was a tenth of the engine), anything else by
 * vsnprintf itself. Cut to cap - 1 bytes and NUL-terminated, as vsnprintf.
 */
static void words(char *out, size_t cap, const char *fmt, va_list ap)
{
	const char *f;
	size_t n = 0;

	for (f = fmt; *f; f++)
		if (*f == '%' && f[1] != 's' && f[1] != 'd' && f[1] != '%') {
			vsnprintf(out, cap, fmt, ap);
			return;
		}
	for (f = fmt; *f && n + 1 < cap; f++) {
		char num[16];
		const char *s;
		size_t len;

		if (*f != '%') {
			out[n++] = *f;
			continue;
		}
		f++;
		if (*f == '%') {
			out[n++] = '%';
			continue;
		}
		if (*f == 'd') {
			int v = va_arg(ap, int);
			unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
			size_t k = sizeof(num);

			do
				num[--k] = (char)('0' + u % 10);
			while (u /= 10);
			if (v < 0)
				num[--k] = '-';
			s = num + k;
			len = sizeof(num) - k;
		} else {
			if (!(s = va_arg(ap, const char *)))
				s = "(null)"; /* as glibc prints it */
			len = strlen(s);
		}
		if (len > cap - 1 - n)
			len = cc_utf8_cut(s, cap - 1 - n);
		memcpy(out + n, s, len);
		n += len;
	}
	if (cap)
		out[n] = '\0';
}

static void note_assumption(struct engine *g, const char *fmt, ...) CC_PRINTF(2, 3);
static void note_assumption(struct engine *g, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (g->quiet)
		return;
	va_start(ap, fmt);
	words(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g->assumptions.len)
		buf_addch(&g->assumptions, ',');
	add_json_text(&g->assumptions, msg);
}

static void note_warning(struct engine *g, const char *fmt, ...) CC_PRINTF(2, 3);
static void note_warning(struct engine *g, const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	if (g->quiet) {
		g->nwarn++;
		return;
	}
	va_start(ap, fmt);
	words(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g->warnings.len)
		buf_addch(&g->warnings, ',');
	add_json_text(&g->warnings, msg);
	g->nwarn++;
}

static struct dec pbdec(struct pb_str s)
{
	struct dec d = { 0 };

	dec_parse(s.p, s.len, &d);
	return d;
}

static struct dec mul(struct engine *g, struct dec a, struct dec b)
{
	struct dec r = { 0 };

	if (dec_mul(a, b, &r) && !g->failed) {
		g->failed = 1;
		cc_err_set(g->err, CC_EPARSE, "%s: a cost is beyond what costctl can hold exactly",
			   g->id);
	}
	return r;
}

static struct dec add(struct engine *g, struct dec a, struct dec b)
{
	struct dec r = { 0 };

	if (dec_add(a, b, &r) && !g->failed) {
		g->failed = 1;
		cc_err_set(g->err, CC_EPARSE, "%s: a total is beyond what costctl can hold exactly",
			   g->id);
	}
	return r;
}

static struct dec sub(struct dec a, struct dec b)
{
	struct dec r = { 0 };

	dec_sub(a, b, &r);
	return r;
}

static struct dec dmin(struct dec a, struct dec b)
{
	return dec_cmp(a, b) < 0 ? a : b;
}

static struct dec dmax(struct dec a, struct dec b)
{
	return dec_cmp(a, b) > 0 ? a : b;
}

static struct dec ddiv(struct dec a, struct dec b)
{
	struct dec r = { 0 };

	dec_div(a, b, &r);
	return r;
}

static const struct dec zero = { 0 };

/*
 * Prices `qty` units of what `w` finds: walks the price's tiers from 0
 * (half-open [begin, end)), rounds the line once. A missing price is a
 * marked line, never $0.
 */
static struct line *price(struct engine *g, enum calc_category cat, const char *section,
			  int group, const char *req, const struct want *w, struct dec qty,
			  const char *unit_label, const char *what_fmt, ...) CC_PRINTF(9, 10);
static struct line *price(struct engine *g, enum calc_category cat, const char *section,
			  int group, const char *req, const struct want *w, struct dec qty,
			  const char *unit_label, const char *what_fmt, ...)
{
	struct line *l = new_line(g, cat, section, group, req);
	struct hits scratch;
	const struct hits *hp;
	struct dec total = zero;
	va_list ap;
	size_t i;

	if (!l)
		return NULL;
	if (!g->quiet) {
		va_start(ap, what_fmt);
		words(l->what, sizeof(l->what), what_fmt, ap);
		va_end(ap);
	}
	l->qty = qty;
	cc_copy(l->unit, sizeof(l->unit), unit_label, strlen(unit_label));
	cc_copy(l->service, sizeof(l->service), w->service, strlen(w->service));
	describe_want(w, !strcmp(w->service, "AmazonCloudFront") ? "global" : g->region, l->lookup,
		      sizeof(l->lookup));
	cc_copy(l->model, sizeof(l->model), w->model ? w->model : "OnDemand",
		strlen(w->model ? w->model : "OnDemand"));
	if (memo_lookup(g->c->memo, g->pb, !strcmp(w->service, "AmazonCloudFront") ? "global" : g->region,
			w, l->lookup, &scratch, &hp, g->err)) {
		g->failed = 1;
		return l;
	}
	if (!hp->n) {
		l->status = 1;
		snprintf(l->reason, sizeof(l->reason), "no price found for %s", l->lookup);
		note_warning(g, "%s: %s: no price for %s; the line is not priced", g->id, req,
			     l->lookup);
		g->missing++;
		return l;
	}
	cc_copy(l->family, sizeof(l->family), hp->e[0].f[PB_FAMILY].p, hp->e[0].f[PB_FAMILY].len);
	cc_copy(l->sku, sizeof(l->sku), hp->e[0].f[PB_SKU].p, hp->e[0].f[PB_SKU].len);
	cc_copy(l->rate_code, sizeof(l->rate_code), hp->e[0].f[PB_RATE_CODE].p,
		hp->e[0].f[PB_RATE_CODE].len);
	if (!g->currency[0])
		cc_copy(g->currency, sizeof(g->currency), hp->e[0].f[PB_CURRENCY].p,
			hp->e[0].f[PB_CURRENCY].len);
	for (i = 0; i < hp->n && l->ntiers < MAX_TIERS; i++) {
		struct tier *t = &l->tiers[l->ntiers];
		struct dec in_tier, hi;

		if (!hp->e[i].f[PB_BEGIN].len) /* an upfront fee: no range */
			continue;
		/* a bound past what a struct dec holds is past any quantity priced */
		if (dec_parse(hp->e[i].f[PB_BEGIN].p, hp->e[i].f[PB_BEGIN].len, &t->begin))
			break;
		t->inf = str_is(hp->e[i].f[PB_END], "Inf") ||
			 dec_parse(hp->e[i].f[PB_END].p, hp->e[i].f[PB_END].len, &t->end);
		if (t->inf)
			t->end = zero;
		t->rate = pbdec(hp->e[i].f[PB_PRICE]);
		if (dec_cmp(qty, t->begin) <= 0 && l->ntiers)
			break;
		hi = t->inf ? qty : dmin(qty, t->end);
		in_tier = dmax(zero, sub(hi, t->begin));
		t->qty = in_tier;
		t->cost = mul(g, in_tier, t->rate);
		total = add(g, total, t->cost);
		l->ntiers++;
	}
	l->rate = l->ntiers ? l->tiers[0].rate : zero;
	l->monthly = dec_round(total, 2);
	return l;
}

/* A line that is deliberately $0 or not priced, with its reason. */
static struct line *explained(struct engine *g, enum calc_category cat, const char *section,
			      int group, const char *req, const char *what, const char *reason)
{
	struct line *l = new_line(g, cat, section, group, req);

	if (!l)
		return NULL;
	cc_copy(l->what, sizeof(l->what), what, strlen(what));
	cc_copy(l->reason, sizeof(l->reason), reason, strlen(reason));
	l->status = 2;
	return l;
}

/* ------------------------------------------------------------ inputs */

/* A field of a requirement: present and a JSON number, not negative. */
static int num_field(struct engine *g, yajl_val obj, const char *path, const char *name,
		     struct dec *out, int *has)
{
	yajl_val v = json_get(obj, name);

	*has = 0;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_NUMBER(v)) {
		g->failed = 1;
		cc_err_set(g->err, CC_EPARSE, "%s: %s.%s must be a number, not %s", g->id, path, name,
			   YAJL_IS_STRING(v) ? "a string" : "another type");
		return -1;
	}
	if (dec_parse(v->u.number.r, strlen(v->u.number.r), out) || out->v < 0) {
		g->failed = 1;
		cc_err_set(g->err, CC_EPARSE, "%s: %s.%s (%s) must be a number from 0, exactly held",
			   g->id, path, name, v->u.number.r);
		return -1;
	}
	*has = 1;
	return 0;
}

static int bool_field(yajl_val obj, const char *name)
{
	yajl_val v = json_get(obj, name);

	return v && YAJL_IS_TRUE(v);
}

/* A non-empty string field, or NULL. */
static const char *str_field(yajl_val obj, const char *name)
{
	const char *v = json_get_str(obj, name);

	return v && *v ? v : NULL;
}

static int fail_field(struct engine *g, const char *fmt, ...) CC_PRINTF(2, 3);
static int fail_field(struct engine *g, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->failed = 1;
	cc_err_set(g->err, CC_EPARSE, "%s: %s", g->id, msg);
	return -1;
}

/* At most cap - 1 bytes of s, cut between characters: a field's value in a message. */
static const char *clip(const char *s, char *out, size_t cap)
{
	cc_copy(out, cap, s, strlen(s));
	return out;
}

static char *fmt_dec(struct dec d, int places, char *out, size_t cap)
{
	/* the value with at most `places` decimals, trailing zeros dropped */
	size_t n;

	dec_format(d, places, out, cap);
	if (strchr(out, '.')) {
		n = strlen(out);
		while (n && out[n - 1] == '0')
			out[--n] = '\0';
		if (n && out[n - 1] == '.')
			out[--n] = '\0';
	}
	return out;
}

/*
 * Fields that describe a requirement rather than size it: every one present
 * is named as not priced, so each field of section 2.2.3 is either used or
 * accounted for.
 */
static void note_descriptive(struct engine *g, yajl_val r, const char *path,
			     const char *const *names, const char *why)
{
	char list[200];
	size_t n = 0;

	list[0] = '\0';
	for (; *names; names++)
		if (json_get(r, *names) && n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", *names);
	if (n)
		note_assumption(g, "%s: %s not priced (%s)", path, list, why);
}

/* ------------------------------------------------------------ compute */

struct os_map {
	const char *name, *os, *license, *sw;
};

/* The requirement's OS as the price list names it (operatingSystem, licenseModel, preInstalledSw). */
static const struct os_map os_maps[] = {
	{ "Linux", "Linux", "No License required", "NA" },
	{ "Windows", "Windows", "No License required", "NA" },
	{ "RHEL", "RHEL", "No License required", "NA" },
	{ "SUSE", "SUSE", "No License required", "NA" },
	{ "Ubuntu Pro", "Ubuntu Pro", "No License required", "NA" },
	{ "Windows with SQL Server Web", "Windows", "No License required", "SQL Web" },
	{ "Windows with SQL Server Standard", "Windows", "No License required", "SQL Std" },
	{ "Windows with SQL Server Enterprise", "Windows", "No License required", "SQL Ent" },
};

static const struct os_map *find_os(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(os_maps) / sizeof(os_maps[0]); i++)
		if (!strcasecmp(os_maps[i].name, name))
			return &os_maps[i];
	return NULL;
}

static void instance_want(struct want *w, const char *type, const struct os_map *os)
{
	memset(w, 0, sizeof(*w));
	w->service = "AmazonEC2";
	w->family = "Compute Instance";
	w->unit = "Hrs";
	want_key(w, "instanceType", type);
	want_key(w, "operatingSystem", os->os);
	want_key(w, "tenancy", "Shared");
	want_key(w, "licenseModel", os->license);
	want_key(w, "preInstalledSw", os->sw);
	want_key(w, "capacitystatus", "Used");
	want_key(w, "marketoption", "OnDemand");
}

struct candidate {
	char type[48];
	struct dec price;
	int arm;
};

struct sizing {
	struct dec cores, ram;
	struct candidate best, arm;
	int have_best, have_arm;
};

/* "16 GiB" -> 16 */
static struct dec memory_gib(struct pb_str m)
{
	char buf[32];
	size_t n = 0;
	struct dec d = { -1 };

	while (n < m.len && n < sizeof(buf) - 1 && (isdigit((unsigned char)m.p[n]) || m.p[n] == '.'))
		n++;
	memcpy(buf, m.p, n);
	buf[n] = '\0';
	if (n)
		dec_parse(buf, n, &d);
	return d;
}

/* The priced current-generation types of one region and OS. */
struct fleet {
	struct fleet_type {
		struct candidate c;
		struct dec vcpu, mem;
	} *t;
	size_t n, alloc;
	int oom;
};

static void fleet_free(struct fleet *f)
{
	if (f) {
		free(f->t);
		free(f);
	}
}

static int fleet_cb(void *user, const struct pb_entry *e)
{
	struct fleet *f = user;
	struct pb_str vcpu = pb_pairs_get(e->f[PB_ATTRS], "vcpu"),
		      mem = pb_pairs_get(e->f[PB_ATTRS], "memory"),
		      cur = pb_pairs_get(e->f[PB_ATTRS], "currentGeneration"),
		      proc = pb_pairs_get(e->f[PB_ATTRS], "physicalProcessor"),
		      type = pb_pairs_get(e->f[PB_KEY], "instanceType");
	struct fleet_type *t;

	if (!vcpu.p || !mem.p || !type.p || !unit_is(e->f[PB_UNIT], "Hrs") || e->f[PB_PRICE].len == 0)
		return 0;
	if (cur.p && !str_is(cur, "Yes"))
		return 0; /* current generation only */
	if (f->n == f->alloc) {
		size_t a = f->alloc ? f->alloc * 2 : 64;
		struct fleet_type *p = realloc(f->t, a * sizeof(*p));

		if (!p) {
			f->oom = 1;
			return 1;
		}
		f->t = p;
		f->alloc = a;
	}
	t = &f->t[f->n];
	memset(t, 0, sizeof(*t));
	cc_copy(t->c.type, sizeof(t->c.type), type.p, type.len);
	t->c.price = pbdec(e->f[PB_PRICE]);
	if (!t->c.price.v)
		return 0; /* a $0 SKU is never a choice */
	t->c.arm = proc.p && proc.len >= 8 && memmem(proc.p, proc.len, "Graviton", 8);
	t->vcpu = pbdec(vcpu);
	t->mem = memory_gib(mem);
	f->n++;
	return 0;
}

static struct fleet *fleet_scan(struct engine *g, const struct os_map *os)
{
	struct pb_query q;
	const char *kn[6] = { "operatingSystem", "tenancy", "licenseModel", "preInstalledSw",
			      "capacitystatus", "marketoption" };
	const char *kv[6] = { os->os, "Shared", os->license, os->sw, "Used", "OnDemand" };
	struct fleet *f = calloc(1, sizeof(*f));
	uint64_t matches;

	if (!f) {
		cc_err_set(g->err, CC_ENOMEM, "%s: out of memory right-sizing", g->id);
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.service = "AmazonEC2";
	q.region = g->region;
	q.family = "Compute Instance";
	q.model = "OnDemand";
	q.key_names = kn;
	q.key_values = kv;
	q.nkey = 6;
	if (pb_find(g->pb, &q, fleet_cb, f, &matches, g->err) || f->oom) {
		if (f->oom)
			cc_err_set(g->err, CC_ENOMEM, "%s: out of memory right-sizing", g->id);
		fleet_free(f);
		return NULL;
	}
	return f;
}

/* The cheapest type of the fleet with the cores and memory, x86 and Graviton apart. */
static void fleet_choose(const struct fleet *f, struct sizing *s)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct candidate *c = &f->t[i].c;
		struct candidate *slot = c->arm ? &s->arm : &s->best;
		int *have = c->arm ? &s->have_arm : &s->have_best;

		if (dec_cmp(f->t[i].vcpu, s->cores) < 0 || dec_cmp(f->t[i].mem, s->ram) < 0)
			continue;
		if (!*have || dec_cmp(c->price, slot->price) < 0 ||
		    (!dec_cmp(c->price, slot->price) && strcmp(c->type, slot->type) < 0)) {
			*slot = *c;
			*have = 1;
		}
	}
}

/* The cheapest current-generation x86 type with the cores and memory; the Graviton saving beside it.
 * The region's fleet is read from the pricebook once a run (the memo keeps it). */
static int right_size(struct engine *g, const struct os_map *os, struct dec cores, struct dec ram,
		      struct sizing *s)
{
	struct memo *m = g->c->memo;
	struct fleet *f = NULL;
	char key[160];
	size_t i;

	memset(s, 0, sizeof(*s));
	s->cores = cores;
	s->ram = ram;
	if (!m || (m->pb && m->pb != g->pb)) {
		if (!(f = fleet_scan(g, os)))
			return g->failed = 1, -1;
		fleet_choose(f, s);
		fleet_free(f);
		return 0;
	}
	snprintf(key, sizeof(key), "%s|%s|%s|%s", g->region, os->os, os->sw, os->license);
	pthread_rwlock_rdlock(&m->lock);
	for (i = 0; i < m->nsizes; i++)
		if (!strcmp(m->sizes[i].key, key)) {
			fleet_choose(m->sizes[i].f, s);
			pthread_rwlock_unlock(&m->lock);
			return 0;
		}
	pthread_rwlock_unlock(&m->lock);
	if (!(f = fleet_scan(g, os)))
		return g->failed = 1, -1;
	fleet_choose(f, s);
	pthread_rwlock_wrlock(&m->lock);
	if (!m->pb)
		m->pb = g->pb;
	for (i = 0; i < m->nsizes; i++)
		if (!strcmp(m->sizes[i].key, key))
			break; /* another thread was first */
	if (m->pb == g->pb && i == m->nsizes && m->nsizes < sizeof(m->sizes) / sizeof(m->sizes[0])) {
		memcpy(m->sizes[m->nsizes].key, key, strlen(key) + 1);
		m->sizes[m->nsizes++].f = f;
		f = NULL;
	}
	pthread_rwlock_unlock(&m->lock);
	fleet_free(f);
	return 0;
}

/* The reserved price of the line's product (the engine's model), or 0 when none. */
/* The want of `od`'s reservations: every lease, option and class, or (`terms`) the engine's model's. */
static void reserved_want(const struct engine *g, const struct want *od, int terms, struct want *w)
{
	*w = *od;
	w->model = "Reserved";
	w->unit = NULL;
	w->nt = 0;
	if (!terms)
		return;
	w->tn[0] = "LeaseContractLength";
	w->tv[0] = g->lease;
	w->tn[1] = "PurchaseOption";
	w->tv[1] = g->option;
	w->tn[2] = "OfferingClass";
	w->tv[2] = g->klass;
	w->nt = 3;
}

/* Prices `l` from the hits of the engine's reservation (others in `hp` are skipped): 1, or 0 with none. */
static int reserved_from_hits(struct engine *g, const struct hits *hp, struct line *l, struct dec qty_hours,
			      struct dec instances)
{
	struct dec hourly = zero, upfront = zero, per_hour_upfront, years_h;
	int have_hourly = 0, have_upfront = 0;
	const struct pb_entry *first = NULL;
	size_t i;

	for (i = 0; i < hp->n; i++) {
		const struct pb_entry *e = &hp->e[i];

		if (!str_is(pb_pairs_get(e->f[PB_TERM], "LeaseContractLength"), g->lease) ||
		    !str_is(pb_pairs_get(e->f[PB_TERM], "PurchaseOption"), g->option) ||
		    !str_is(pb_pairs_get(e->f[PB_TERM], "OfferingClass"), g->klass))
			continue;
		if (!first)
			first = e;
		if (unit_is(e->f[PB_UNIT], "Hrs")) {
			hourly = pbdec(e->f[PB_PRICE]);
			have_hourly = 1;
			cc_copy(l->rate_code, sizeof(l->rate_code), e->f[PB_RATE_CODE].p, e->f[PB_RATE_CODE].len);
		} else if (unit_is(e->f[PB_UNIT], "Quantity")) {
			upfront = pbdec(e->f[PB_PRICE]);
			have_upfront = 1;
		}
	}
	/* All Upfront has a $0 hourly rate or none; No Upfront has no fee */
	if (!first || (!have_hourly && !have_upfront))
		return 0;
	years_h = dec_from_int(8760 * g->years);
	per_hour_upfront = ddiv(upfront, years_h);
	l->reserved = 1;
	l->hourly = hourly;
	l->upfront = mul(g, upfront, instances);
	l->effective = add(g, hourly, per_hour_upfront);
	l->rate = l->effective;
	l->monthly = dec_round(mul(g, qty_hours, l->effective), 2);
	l->ntiers = 0;
	cc_copy(l->model, sizeof(l->model), "Reserved", 8);
	cc_copy(l->sku, sizeof(l->sku), first->f[PB_SKU].p, first->f[PB_SKU].len);
	return 1;
}

/* The engine's reservation of what `od` found on demand, or NULL (g->failed) when the lookup fails. */
static const struct hits *reserved_hits(struct engine *g, const struct want *od, struct hits *scratch)
{
	struct want w;
	const struct hits *hp;
	char desc[400];

	reserved_want(g, od, 1, &w);
	describe_want(&w, g->region, desc, sizeof(desc));
	if (memo_lookup(g->c->memo, g->pb, g->region, &w, desc, scratch, &hp, g->err)) {
		g->failed = 1;
		return NULL;
	}
	return hp;
}

/* Prices `l` (found on demand with `od`) under the engine's reservation: 1, 0 with no price, -1. */
static int reserved_terms(struct engine *g, const struct want *od, struct line *l, struct dec qty_hours,
			  struct dec instances)
{
	struct hits scratch;
	const struct hits *hp = reserved_hits(g, od, &scratch);

	if (!hp)
		return -1;
	if (!reserved_from_hits(g, hp, l, qty_hours, instances))
		return 0;
	snprintf(l->lookup + strlen(l->lookup), sizeof(l->lookup) - strlen(l->lookup),
		 " + Reserved %s %s %s", g->lease, g->klass, g->option);
	return 1;
}

/*
 * A Savings Plan over a priced on-demand line `l` (count instances of
 * `hours` a month each): the plan's rate for the on-demand SKU it
 * discounts, applied to the `covered` instances, the rest on demand. The
 * commitment is the covered usage at the plan's rate, an hour ($/h; a
 * group that runs part of the month commits to its average hour); the
 * upfront is all (All Upfront) or half (Partial Upfront) of the
 * commitment over the term. sp_terms: 1, 0 with no rate for the line,
 * -1; sp_hits is its lookup (NULL, g->failed, when the lookup fails),
 * sp_from_hits the arithmetic.
 */
static const struct hits *sp_hits(struct engine *g, const struct line *l, struct hits *scratch)
{
	struct want w;
	const struct hits *hp;
	char desc[400];

	memset(&w, 0, sizeof(w));
	w.service = l->service;
	w.family = g->plan;
	w.model = "SavingsPlan";
	w.unit = "Hrs";
	want_key(&w, "discountedSku", l->sku);
	w.tn[0] = "LeaseContractLength";
	w.tv[0] = g->lease;
	w.tn[1] = "PurchaseOption";
	w.tv[1] = g->option;
	w.nt = 2;
	describe_want(&w, g->region, desc, sizeof(desc));
	if (memo_lookup(g->c->memo, g->pb, g->region, &w, desc, scratch, &hp, g->err)) {
		g->failed = 1;
		return NULL;
	}
	return hp;
}

static int sp_from_hits(struct engine *g, struct line *l, const struct hits *hp, struct dec count,
			struct dec covered, struct line *out)
{
	const struct pb_entry *e = NULL;
	struct dec hours, rest, cost, share, term;
	char n1[32], n2[32], n3[32], n4[32];
	size_t i;

	for (i = 0; i < hp->n && !e; i++)
		if (hp->e[i].f[PB_PRICE].len)
			e = &hp->e[i];
	if (!e || !count.v)
		return 0;
	covered = dmin(covered, count);
	hours = ddiv(l->qty, count);
	rest = sub(count, covered);
	out->sp = 1;
	out->hourly = pbdec(e->f[PB_PRICE]);
	out->covered = covered;
	cost = add(g, mul(g, mul(g, covered, hours), out->hourly), mul(g, mul(g, rest, hours), l->rate));
	out->monthly = dec_round(cost, 2);
	out->effective = ddiv(cost, l->qty);
	out->rate = out->effective;
	/* a month of fewer hours than hours_per_month commits to its average hour */
	share = dec_cmp(hours, g->c->hours) < 0 ? ddiv(hours, g->c->hours) : dec_from_int(1);
	out->commitment = mul(g, mul(g, covered, out->hourly), share);
	term = mul(g, out->commitment, dec_from_int(8760 * g->years));
	out->upfront = !strcmp(g->option, "All Upfront") ? dec_round(term, 2)
		: !strcmp(g->option, "Partial Upfront") ? dec_round(ddiv(term, dec_from_int(2)), 2) : zero;
	out->ntiers = 0;
	cc_copy(out->model, sizeof(out->model), "SavingsPlan", 11);
	cc_copy(out->sku, sizeof(out->sku), e->f[PB_SKU].p, e->f[PB_SKU].len);
	cc_copy(out->rate_code, sizeof(out->rate_code), e->f[PB_RATE_CODE].p, e->f[PB_RATE_CODE].len);
	if (out == l) {
		snprintf(l->lookup + strlen(l->lookup), sizeof(l->lookup) - strlen(l->lookup),
			 " + %s %s %s", g->plan, g->lease, g->option);
		snprintf(l->what + strlen(l->what), sizeof(l->what) - strlen(l->what), "; plan covers %s",
			 fmt_dec(covered, 4, n1, sizeof(n1)));
		note_assumption(g, "%s: %s %s %s at %s/h covers %s instances (%s) for a commitment of %s/h; "
				"%s more at on demand", l->req, g->plan, g->lease, g->option,
				fmt_dec(out->hourly, 10, n1, sizeof(n1)), fmt_dec(covered, 4, n2, sizeof(n2)),
				g->c->sp_average ? "savings_plan.coverage = average" :
				"the auto-scaling minimum: savings_plan.coverage", fmt_dec(out->commitment, 10, n3, sizeof(n3)),
				fmt_dec(rest, 4, n4, sizeof(n4)));
	}
	return 1;
}

static int sp_terms(struct engine *g, struct line *l, struct dec count, struct dec covered, struct line *out)
{
	struct hits scratch;
	const struct hits *hp = sp_hits(g, l, &scratch);

	return hp ? sp_from_hits(g, l, hp, count, covered, out) : -1;
}

/* 1 when the engine's model is a Savings Plan that does not discount line `l`'s service. */
static int plan_misses(const struct engine *g, const struct line *l)
{
	return g->plan && strcmp(l->service, g->plan_service);
}

/*
 * The main run's commitment on a priced on-demand line: its reservation, or
 * its Savings Plan when the plan discounts the line's service (a line the
 * plan does not cover stays on demand, as AWS bills it). No price: on
 * demand with a warning. 0, or -1.
 */
static int commit_line(struct engine *g, const struct want *w, struct line *l, struct dec count,
		       struct dec covered, const char *what, const char *full)
{
	int rr;

	if (!g->years || l->status)
		return 0;
	if (g->plan) {
		if (plan_misses(g, l)) {
			if (!g->sp_noted++) /* once: every database line would say it again */
				note_assumption(g, "%s do not cover %s (%s and after): priced on demand", g->plan,
						l->service, l->req);
			return 0;
		}
		rr = sp_terms(g, l, count, covered, l);
	} else {
		rr = reserved_terms(g, w, l, l->qty, count);
	}
	if (rr < 0)
		return -1;
	if (!rr) {
		l->status = 3;
		snprintf(l->reason, sizeof(l->reason), "no %s price for %s: priced on demand", g->model, what);
		note_warning(g, "%s: %s: no %s price for %s in %s; priced on demand", g->id, l->req, g->model,
			     full, g->region);
	}
	return 0;
}

static void set_model_index(struct engine *g, size_t k);

/*
 * The commitment ladder's view of a priced on-demand line `l` (before any
 * reservation of the main run changes it): its monthly cost and upfront
 * cash under every model, each reservation looked up as reserved_terms()
 * does and falling back to on demand where the model has no price, as a
 * whole run under that model would. A scratch engine keeps one model's
 * failure out of the estimation's own result.
 */
static void ladder_line(struct engine *g, const struct want *w, struct line *l, struct dec qty_hours,
			struct dec instances, struct dec covered)
{
	const struct hits *lad[NMODELS_MAX];
	struct want all;
	struct hits scratch, all_scratch;
	const struct hits *hp = NULL;
	char desc[400], key[520];
	int cached, keep = 1;
	size_t k, n = 0;

	if (g->quiet || l->status)
		return;
	l->has_ladder = 1;
	l->lad_monthly[0] = l->monthly;
	l->lad_upfront[0] = zero;
	/* the answers of a line seen before (its on-demand lookup says what it is) */
	key[0] = '\0';
	app(key, sizeof(key), &n, "L|");
	app(key, sizeof(key), &n, l->lookup);
	app(key, sizeof(key), &n, "|");
	app(key, sizeof(key), &n, w->unit ? w->unit : "");
	app(key, sizeof(key), &n, "|");
	app(key, sizeof(key), &n, w->usage_suffix ? w->usage_suffix : "");
	cached = memo_ladder(g->c->memo, g->pb, key, lad, NMODELS, 0);
	if (!cached) {
		/* every reservation of the line in one lookup, unless there are more than it holds */
		struct cc_err err = { 0 };

		reserved_want(g, w, 0, &all);
		describe_want(&all, g->region, desc, sizeof(desc));
		if (memo_lookup(g->c->memo, g->pb, g->region, &all, desc, &all_scratch, &hp, &err) ||
		    hp->n >= MAX_HITS)
			hp = NULL;
		lad[0] = NULL;
	}
	for (k = 1; k < NMODELS; k++) {
		struct engine t = *g;
		struct cc_err err = { 0 };
		const struct hits *h;
		struct line tmp;
		int rr;

		t.err = &err;
		t.failed = 0;
		tmp.lookup[0] = '\0';
		l->lad_monthly[k] = l->monthly;
		l->lad_upfront[k] = zero;
		l->lad_commit[k] = zero;
		set_model_index(&t, k);
		if (!cached)
			lad[k] = NULL;
		if (plan_misses(&t, l))
			continue; /* the plan does not cover this service: on demand under it */
		if (cached)
			h = lad[k];
		else if (t.plan)
			h = sp_hits(&t, l, &scratch);
		else
			h = hp ? hp : reserved_hits(&t, w, &scratch);
		if (!h || t.failed) {
			l->lad_bad |= 1u << k;
			keep = 0;
			continue;
		}
		if (!cached) {
			lad[k] = h;
			/* an answer the memo holds stays good; one in scratch does not */
			keep &= h != &scratch && h != &all_scratch;
		}
		rr = t.plan ? sp_from_hits(&t, l, h, instances, covered, &tmp)
			    : reserved_from_hits(&t, h, &tmp, qty_hours, instances);
		if (t.failed) {
			l->lad_bad |= 1u << k;
			continue;
		}
		if (rr) {
			l->lad_monthly[k] = tmp.monthly;
			l->lad_upfront[k] = tmp.upfront;
			if (t.plan)
				l->lad_commit[k] = tmp.commitment;
		}
	}
	if (!cached && keep)
		memo_ladder(g->c->memo, g->pb, key, lad, NMODELS, 1);
}

/* ,"Name":value (by hand: the item has hundreds of these) */
static void add_field(struct buf *b, const char *name, const char *value, int comma)
{
	if (comma)
		buf_addch(b, ',');
	buf_addch(b, '"');
	buf_addstr(b, name);
	buf_add(b, "\":", 2);
	buf_addstr(b, value);
}

static void add_dec(struct buf *b, const char *name, struct dec d, int places, int comma)
{
	char num[64];

	add_field(b, name, fmt_dec(d, places, num, sizeof(num)), comma);
}

static void add_money(struct buf *b, const char *name, struct dec d, int comma)
{
	char num[64];

	dec_format(d, 2, num, sizeof(num));
	add_field(b, name, num, comma);
}

static int compute(struct engine *g, yajl_val reqs)
{
	size_t i;

	for (i = 0; reqs && YAJL_IS_ARRAY(reqs) && i < reqs->u.array.len; i++) {
		yajl_val r = reqs->u.array.values[i];
		char path[64], type[48], n1[32], n2[32], n3[32], n4[32], n5[32], n6[32], desc[400], full[120], val[61];
		const char *os_name, *scaling, *suggested;
		const struct os_map *os;
		struct dec cores, ram, util, peak, minv, maxv, avg, hours, count, qty_hours, covered;
		int has_cores, has_ram, has_util, has_peak, has_min, has_max, has_avg, has_hours, aut;
		struct want w;
		struct hits scratch;
		const struct hits *hp;
		struct line *l;

		snprintf(path, sizeof(path), "ComputeRequirements[%zu]", i);
		if (!YAJL_IS_OBJECT(r))
			return fail_field(g, "%s must be an object", path);
		if (num_field(g, r, path, "CPUCores", &cores, &has_cores) ||
		    num_field(g, r, path, "RAMGB", &ram, &has_ram) ||
		    num_field(g, r, path, "UtilizationPercent", &util, &has_util) ||
		    num_field(g, r, path, "PeakUtilizationPercent", &peak, &has_peak) ||
		    num_field(g, r, path, "MinInstances", &minv, &has_min) ||
		    num_field(g, r, path, "MaxInstances", &maxv, &has_max) ||
		    num_field(g, r, path, "AverageInstances", &avg, &has_avg) ||
		    num_field(g, r, path, "MonthlyHours", &hours, &has_hours))
			return -1;
		if (has_util && dec_cmp(util, dec_from_int(100)) > 0)
			return fail_field(g, "%s.UtilizationPercent (%s) must be 0..100", path,
					  fmt_dec(util, 4, n1, sizeof(n1)));
		if (has_peak && dec_cmp(peak, dec_from_int(100)) > 0)
			return fail_field(g, "%s.PeakUtilizationPercent (%s) must be 0..100", path,
					  fmt_dec(peak, 4, n1, sizeof(n1)));
		if (has_min && has_max && dec_cmp(minv, maxv) > 0)
			return fail_field(g, "%s.MinInstances (%s) > MaxInstances (%s)", path,
					  fmt_dec(minv, 4, n1, sizeof(n1)), fmt_dec(maxv, 4, n2, sizeof(n2)));
		os_name = str_field(r, "OS");
		if (!os_name) {
			os_name = "Linux";
			note_assumption(g, "%s: no OS given: priced as Linux", path);
		}
		{
			static const char *const d[] = { "ServerName", "Environment", "Criticality", "Notes", NULL };

			note_descriptive(g, r, path, d, "they describe the server");
		}
		if (!(os = find_os(os_name)))
			return fail_field(g, "%s.OS '%s' is not one of Linux, Windows, RHEL, SUSE, Ubuntu Pro, "
					  "Windows with SQL Server Web/Standard/Enterprise", path, clip(os_name, val, sizeof(val)));
		if (!has_hours) {
			hours = g->c->hours;
			note_assumption(g, "%s: %s hours a month (hours_per_month)", path,
					fmt_dec(hours, 4, n1, sizeof(n1)));
		}
		if (!has_min)
			minv = dec_from_int(1);
		if (!has_max)
			maxv = minv;
		scaling = str_field(r, "ScalingType");
		aut = scaling && !strcasecmp(scaling, "Auto");
		if (aut) {
			if (has_avg) {
				count = avg;
				note_assumption(g, "%s: auto-scaled, %s instances on average (given)", path,
						fmt_dec(avg, 4, n1, sizeof(n1)));
			} else {
				struct dec spread = mul(g, sub(maxv, minv), sub(has_peak ? peak : zero,
										has_util ? util : zero));

				count = add(g, minv, ddiv(spread, dec_from_int(100)));
				count = dmin(dmax(count, minv), maxv);
				note_assumption(g, "%s: auto-scaled: AverageInstances = Min + (Max - Min) x (Peak - Utilization) / 100 "
						"= %s + (%s - %s) x (%s - %s) / 100 = %s", path,
						fmt_dec(minv, 4, n1, sizeof(n1)), fmt_dec(maxv, 4, n2, sizeof(n2)),
						fmt_dec(minv, 4, n3, sizeof(n3)),
						fmt_dec(has_peak ? peak : zero, 4, n4, sizeof(n4)),
						fmt_dec(has_util ? util : zero, 4, n5, sizeof(n5)),
						fmt_dec(count, 4, n6, sizeof(n6)));
			}
		} else {
			count = minv;
		}
		/* the instance type: the suggestion when it has a price, else right-sized */
		suggested = str_field(r, "SuggestedInstanceType");
		type[0] = '\0';
		if (suggested) {
			instance_want(&w, suggested, os);
			describe_want(&w, g->region, desc, sizeof(desc));
			if (memo_lookup(g->c->memo, g->pb, g->region, &w, desc, &scratch, &hp, g->err))
				return g->failed = 1, -1;
			if (hp->n)
				cc_copy(type, sizeof(type), suggested, strlen(suggested));
			else
				note_assumption(g, "%s: SuggestedInstanceType %s has no %s price in %s: right-sized instead",
						path, suggested, os->name, g->region);
		}
		if (!type[0]) {
			struct sizing s;

			if (!has_cores || !has_ram)
				return fail_field(g, "%s needs CPUCores and RAMGB (or a SuggestedInstanceType priced in %s)",
						  path, g->region);
			if (right_size(g, os, cores, ram, &s))
				return -1;
			if (!s.have_best) {
				l = explained(g, CALC_COMPUTE, "EC2Instances", (int)i, path, "no instance type",
					      "no current-generation x86 type in the pricebook has the cores and memory");
				l->status = 1;
				g->missing++;
				note_warning(g, "%s: %s: no current-generation x86 %s type in %s with %s vCPU and %s GiB",
					     g->id, path, os->name, g->region, fmt_dec(cores, 4, n1, sizeof(n1)),
					     fmt_dec(ram, 4, n2, sizeof(n2)));
				continue;
			}
			cc_copy(type, sizeof(type), s.best.type, strlen(s.best.type));
			note_assumption(g, "%s: right-sized to %s, the cheapest current-generation x86 type with "
					">= %s vCPU and >= %s GiB (%s/h)", path, type,
					fmt_dec(cores, 4, n1, sizeof(n1)), fmt_dec(ram, 4, n2, sizeof(n2)),
					fmt_dec(s.best.price, 10, n3, sizeof(n3)));
			if (s.have_arm && dec_cmp(s.arm.price, s.best.price) < 0)
				note_assumption(g, "%s: Graviton alternative %s at %s/h saves %s/h if the workload runs on Arm "
						"(never chosen by right-sizing)", path, s.arm.type,
						fmt_dec(s.arm.price, 10, n1, sizeof(n1)),
						fmt_dec(sub(s.best.price, s.arm.price), 10, n2, sizeof(n2)));
		}
		instance_want(&w, type, os);
		qty_hours = mul(g, count, hours);
		l = price(g, CALC_COMPUTE, "EC2Instances", (int)i, path, &w, qty_hours, "Hrs",
			  "%s %s, %s instances x %s h", type, os->name, fmt_dec(count, 4, n1, sizeof(n1)),
			  fmt_dec(hours, 4, n2, sizeof(n2)));
		if (!l)
			return -1;
		/* a Savings Plan commits to the group's steady floor (savings_plan.coverage) */
		covered = aut && !g->c->sp_average ? minv : count;
		ladder_line(g, &w, l, qty_hours, count, covered);
		snprintf(full, sizeof(full), "%s %s", type, os->name);
		if (commit_line(g, &w, l, count, covered, type, full))
			return -1;
		g->instances = add(g, g->instances, count);
		if (g->quiet)
			continue;
		/* the seed's aggregates: a server group, and the auto-scaled share */
		if (g->ec2.len)
			buf_addch(&g->ec2, ',');
		buf_addstr(&g->ec2, "{\"ServerName\":");
		add_json_text(&g->ec2, str_field(r, "ServerName") ? str_field(r, "ServerName") : "");
		buf_addf(&g->ec2, ",\"Requirement\":\"%s\",\"InstanceType\":", path);
		add_json_text(&g->ec2, type);
		buf_addstr(&g->ec2, ",\"OperatingSystem\":");
		add_json_text(&g->ec2, os->name);
		add_dec(&g->ec2, "Quantity", count, 4, 1);
		add_dec(&g->ec2, "HoursPerMonth", hours, 4, 1);
		add_dec(&g->ec2, "PricePerHour", l->rate, 10, 1);
		add_money(&g->ec2, "MonthlyCost", l->monthly, 1);
		add_money(&g->ec2, "AnnualCost", mul(g, l->monthly, dec_from_int(12)), 1);
		buf_addf(&g->ec2, ",\"Scaling\":\"%s\",\"PricingModel\":\"%s\"}", aut ? "AUTO" : "FIXED",
			 l->reserved || l->sp ? g->model : "ON_DEMAND");
		if (aut) {
			g->any_auto = 1;
			g->as_avg = add(g, g->as_avg, count);
			g->as_cost = add(g, g->as_cost, l->monthly);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ storage */

struct store_map {
	const char *name, *volume; /* volume: EBS volumeApiName or S3 volumeType */
	int s3;
};

static const struct store_map store_maps[] = {
	{ "EBS gp3", "gp3", 0 }, { "EBS gp2", "gp2", 0 }, { "EBS io1", "io1", 0 },
	{ "EBS io2", "io2", 0 }, { "EBS st1", "st1", 0 }, { "EBS sc1", "sc1", 0 },
	{ "S3 Standard", "Standard", 1 },
	{ "S3 Standard-IA", "Standard - Infrequent Access", 1 },
	{ "S3 One Zone-IA", "One Zone - Infrequent Access", 1 },
	{ "S3 Glacier Instant Retrieval", "Glacier Instant Retrieval", 1 },
	{ "S3 Glacier Flexible Retrieval", "Amazon Glacier", 1 },
	{ "S3 Glacier Deep Archive", "Glacier Deep Archive", 1 },
};

/* With no service named, the S3 class an AccessPattern stands for ([0] when none is given). */
static const struct {
	const char *name;
	unsigned store; /* in store_maps */
} access_maps[] = { { "Frequent", 6 }, { "Infrequent", 7 }, { "Archive", 10 } };

static void ebs_want(struct want *w, const char *charge, const char *volume)
{
	memset(w, 0, sizeof(*w));
	w->service = "AmazonEC2";
	want_key(w, "charge", charge);
	if (volume)
		want_key(w, "volumeApiName", volume);
}

struct s3_class {
	const struct store_map *m;
	struct dec gb;
	char reqs[400];
};

static int storage(struct engine *g, yajl_val reqs)
{
	struct s3_class classes[sizeof(store_maps) / sizeof(store_maps[0])];
	size_t i, k, nvol = 0;

	memset(classes, 0, sizeof(classes));
	for (i = 0; reqs && YAJL_IS_ARRAY(reqs) && i < reqs->u.array.len; i++) {
		yajl_val r = reqs->u.array.values[i];
		char path[64], n1[32], n2[32], n3[32], n4[32], val[61];
		const char *svc = NULL, *pattern;
		const struct store_map *m = NULL;
		struct dec gb, growth, iops, mbps, days;
		int has_gb, has_growth, has_iops, has_mbps, has_days;
		struct dec vol_cost = zero;
		size_t first = g->nlines;
		struct want w;
		struct line *l;

		snprintf(path, sizeof(path), "StorageRequirements[%zu]", i);
		if (!YAJL_IS_OBJECT(r))
			return fail_field(g, "%s must be an object", path);
		if (num_field(g, r, path, "CurrentGB", &gb, &has_gb) ||
		    num_field(g, r, path, "GrowthRatePercent", &growth, &has_growth) ||
		    num_field(g, r, path, "IOPSRequired", &iops, &has_iops) ||
		    num_field(g, r, path, "ThroughputMBps", &mbps, &has_mbps) ||
		    num_field(g, r, path, "RetentionDays", &days, &has_days))
			return -1;
		if (!has_gb)
			return fail_field(g, "%s.CurrentGB is missing", path);
		{
			static const char *const d[] = { "StorageType", NULL };

			note_descriptive(g, r, path, d, "it describes the data");
		}
		svc = str_field(r, "SuggestedAWSService");
		if (svc) {
			for (k = 0; k < sizeof(store_maps) / sizeof(store_maps[0]); k++)
				if (!strcasecmp(store_maps[k].name, svc))
					m = &store_maps[k];
			if (!m)
				return fail_field(g, "%s.SuggestedAWSService '%s' is not a known storage service "
						  "(EBS gp3/gp2/io1/io2/st1/sc1, S3 Standard, ...)", path, clip(svc, val, sizeof(val)));
		} else if (has_iops || has_mbps) {
			m = &store_maps[0];
			note_assumption(g, "%s: IOPS or throughput given, no service: EBS gp3", path);
		} else {
			pattern = str_field(r, "AccessPattern");
			for (k = 0; k < sizeof(access_maps) / sizeof(access_maps[0]); k++)
				if (!pattern ? !k : !strcasecmp(pattern, access_maps[k].name))
					m = &store_maps[access_maps[k].store];
			if (!m)
				return fail_field(g, "%s.AccessPattern '%s' is not Frequent, Infrequent or Archive",
						  path, clip(pattern, val, sizeof(val)));
			note_assumption(g, "%s: no service: %s by AccessPattern", path, m->name);
		}
		if (has_growth)
			note_assumption(g, "%s: GrowthRatePercent %s%% a year feeds the 12-month projection, not the monthly cost",
					path, fmt_dec(growth, 4, n1, sizeof(n1)));
		if (m->s3) {
			struct s3_class *c = &classes[m - store_maps];

			c->m = m;
			c->gb = add(g, c->gb, gb);
			snprintf(c->reqs + strlen(c->reqs), sizeof(c->reqs) - strlen(c->reqs), "%s\"%s\"",
				 c->reqs[0] ? "," : "", path);
			if (bool_field(r, "BackupRequired"))
				note_assumption(g, "%s: BackupRequired on S3 is not priced (S3's own durability; AWS Backup is not in scope)",
						path);
			continue;
		}
		/* EBS: GB-month, then what the volume type prices beyond it */
		ebs_want(&w, "storage", m->volume);
		if (!(l = price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, gb, "GB-Mo", "%s storage, %s GB",
				m->volume, fmt_dec(gb, 4, n1, sizeof(n1)))))
			return -1;
		if (!strcmp(m->volume, "gp3")) {
			struct dec free_iops = dec_from_int(g->c->gp3_iops),
				   free_mbps = dec_from_int(g->c->gp3_mbps);

			if (has_iops && dec_cmp(iops, free_iops) > 0) {
				ebs_want(&w, "iops", "gp3");
				if (!price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, sub(iops, free_iops), "IOPS-Mo",
					   "gp3 IOPS above the %s included", fmt_dec(free_iops, 0, n1, sizeof(n1))))
					return -1;
			}
			if (has_mbps && dec_cmp(mbps, free_mbps) > 0) {
				/* priced per GiBps-month: (MB/s above the baseline) / 1024 */
				struct dec gibps = ddiv(sub(mbps, free_mbps), dec_from_int(g->c->mbps_per_gibps));

				ebs_want(&w, "throughput", "gp3");
				if (!price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, gibps, "GiBps-mo",
					   "gp3 throughput: %s MB/s above %s, / %" PRId64,
					   fmt_dec(sub(mbps, free_mbps), 4, n2, sizeof(n2)),
					   fmt_dec(free_mbps, 0, n1, sizeof(n1)), g->c->mbps_per_gibps))
					return -1;
			}
		} else if (!strcmp(m->volume, "io1") && has_iops) {
			ebs_want(&w, "iops", "io1");
			if (!price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, iops, "IOPS-Mo", "io1 IOPS"))
				return -1;
		} else if (!strcmp(m->volume, "io2") && has_iops) {
			/* three SKUs: the IOPS up to, between and above the tier bounds */
			static const char *const groups[] = { "EBS IOPS", "EBS IOPS Tier 2", "EBS IOPS Tier 3" };
			struct dec b1 = dec_from_int(g->c->io2_t2), b2 = dec_from_int(g->c->io2_t3);
			struct dec part[3];
			int t;

			part[0] = dmin(iops, b1);
			part[1] = dmax(zero, sub(dmin(iops, b2), b1));
			part[2] = dmax(zero, sub(iops, b2));
			for (t = 0; t < 3; t++) {
				if (!part[t].v)
					continue;
				ebs_want(&w, "iops", "io2");
				want_key(&w, "group", groups[t]);
				if (!price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, part[t], "IOPS-Mo",
					   "io2 IOPS, tier %d", t + 1))
					return -1;
			}
		}
		if (bool_field(r, "BackupRequired")) {
			/* snapshots: the first full copy plus the daily changes kept */
			struct dec snap = add(g, gb, mul(g, mul(g, gb, g->c->change_rate), has_days ? days : zero));

			ebs_want(&w, "snapshot", NULL);
			if (!price(g, CALC_STORAGE, "EBS", (int)nvol, path, &w, snap, "GB-Mo",
				   "snapshots: %s GB + %s GB x %s x %s days",
				   fmt_dec(gb, 4, n1, sizeof(n1)), fmt_dec(gb, 4, n2, sizeof(n2)),
				   fmt_dec(g->c->change_rate, 4, n3, sizeof(n3)),
				   fmt_dec(has_days ? days : zero, 0, n4, sizeof(n4))))
				return -1;
		}
		for (k = first; k < g->nlines; k++)
			vol_cost = add(g, vol_cost, g->lines[k].monthly);
		if (g->ebs.len)
			buf_addch(&g->ebs, ',');
		buf_addf(&g->ebs, "{\"Requirement\":\"%s\",\"VolumeType\":\"%s\"", path, m->volume);
		add_dec(&g->ebs, "SizeGB", gb, 4, 1);
		if (has_iops)
			add_dec(&g->ebs, "IOPS", iops, 0, 1);
		if (has_mbps)
			add_dec(&g->ebs, "ThroughputMBps", mbps, 4, 1);
		add_money(&g->ebs, "MonthlyCost", vol_cost, 1);
		add_money(&g->ebs, "AnnualCost", mul(g, vol_cost, dec_from_int(12)), 1);
		buf_addch(&g->ebs, '}');
		nvol++;
	}
	/* S3: one line a class, its GB summed, walking the tiers once */
	for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		struct s3_class *c = &classes[k];
		struct want w;
		struct line *l;
		char n1[32];

		if (!c->m)
			continue;
		memset(&w, 0, sizeof(w));
		w.service = "AmazonS3";
		w.family = "Storage";
		want_key(&w, "volumeType", c->m->volume);
		if (!(l = price(g, CALC_STORAGE, "S3", (int)k, "StorageRequirements", &w, c->gb, "GB-Mo",
				"%s, %s GB", c->m->name, fmt_dec(c->gb, 4, n1, sizeof(n1)))))
			return -1;
		if (g->s3.len)
			buf_addch(&g->s3, ',');
		buf_addstr(&g->s3, "{\"StorageClass\":");
		add_json_text(&g->s3, c->m->name + 3);
		add_dec(&g->s3, "SizeGB", c->gb, 4, 1);
		add_money(&g->s3, "MonthlyCost", l->monthly, 1);
		add_money(&g->s3, "AnnualCost", mul(g, l->monthly, dec_from_int(12)), 1);
		buf_addf(&g->s3, ",\"Requirements\":[%s]}", c->reqs);
	}
	return 0;
}

/* ------------------------------------------------------------ database */

struct engine_map {
	const char *name, *engine, *edition;
};

static const struct engine_map engine_maps[] = {
	{ "MySQL", "MySQL", NULL }, { "PostgreSQL", "PostgreSQL", NULL },
	{ "Postgres", "PostgreSQL", NULL }, { "MariaDB", "MariaDB", NULL },
	{ "Oracle", "Oracle", NULL }, { "Oracle Standard Edition Two", "Oracle", "Standard Two" },
	{ "Oracle Enterprise", "Oracle", "Enterprise" }, { "SQL Server", "SQL Server", NULL },
	{ "SQL Server Express", "SQL Server", "Express" }, { "SQL Server Web", "SQL Server", "Web" },
	{ "SQL Server Standard", "SQL Server", "Standard" },
	{ "SQL Server Enterprise", "SQL Server", "Enterprise" },
};

static void rds_instance_want(struct want *w, const struct engine_map *e, const char *klass,
			      const char *deployment)
{
	memset(w, 0, sizeof(*w));
	w->service = "AmazonRDS";
	w->family = "Database Instance";
	w->unit = "Hrs";
	want_key(w, "instanceType", klass);
	want_key(w, "databaseEngine", e->engine);
	want_key(w, "deploymentOption", deployment);
	if (e->edition)
		want_key(w, "databaseEdition", e->edition);
}

static void rds_storage_want(struct want *w, const struct engine *g, const char *deployment)
{
	memset(w, 0, sizeof(*w));
	w->service = "AmazonRDS";
	w->family = "Database Storage";
	want_key(w, "volumeType", g->c->rds_volume);
	want_key(w, "deploymentOption", deployment);
	want_key(w, "databaseEngine", "Any");
}

static int rds_hours(struct engine *g, int group, const char *path, const struct engine_map *e,
		     const char *klass, const char *deployment, struct dec count, const char *label)
{
	struct want w;
	struct line *l;
	char n1[32], n2[32], full[200];
	struct dec hours = g->c->hours;

	rds_instance_want(&w, e, klass, deployment);
	l = price(g, CALC_DATABASE, "RDS", group, path, &w, mul(g, count, hours), "Hrs",
		  "%s %s %s%s, %s x %s h", klass, e->name, deployment, label,
		  fmt_dec(count, 0, n1, sizeof(n1)), fmt_dec(hours, 4, n2, sizeof(n2)));
	if (!l)
		return -1;
	ladder_line(g, &w, l, mul(g, count, hours), count, count);
	snprintf(full, sizeof(full), "%s %s %s", klass, e->name, deployment);
	return commit_line(g, &w, l, count, count, klass, full);
}

static int database(struct engine *g, yajl_val reqs)
{
	size_t i, k;

	for (i = 0; reqs && YAJL_IS_ARRAY(reqs) && i < reqs->u.array.len; i++) {
		yajl_val r = reqs->u.array.values[i];
		char path[64], n1[32], n2[32], n3[32], n4[32], n5[32], val[61];
		const char *engine, *klass, *deployment;
		const struct engine_map *e = NULL;
		struct dec gb, replicas, retention, backup, free_gb, cost = zero;
		int has_gb, has_replicas, has_retention, multi;
		size_t first = g->nlines;
		struct want w;

		snprintf(path, sizeof(path), "DatabaseRequirements[%zu]", i);
		if (!YAJL_IS_OBJECT(r))
			return fail_field(g, "%s must be an object", path);
		if (num_field(g, r, path, "SizeGB", &gb, &has_gb) ||
		    num_field(g, r, path, "ReadReplicas", &replicas, &has_replicas) ||
		    num_field(g, r, path, "BackupRetention", &retention, &has_retention))
			return -1;
		engine = str_field(r, "Engine");
		for (k = 0; engine && k < sizeof(engine_maps) / sizeof(engine_maps[0]); k++)
			if (!strcasecmp(engine_maps[k].name, engine))
				e = &engine_maps[k];
		if (!e)
			return fail_field(g, "%s.Engine '%s' is not one of MySQL, PostgreSQL, MariaDB, Oracle, SQL Server",
					  path, clip(engine ? engine : "", val, sizeof(val)));
		if (!(klass = str_field(r, "InstanceClass")))
			return fail_field(g, "%s.InstanceClass is missing", path);
		if (!has_gb)
			gb = zero;
		{
			static const char *const d[] = { "DatabaseName", "Version", NULL };

			note_descriptive(g, r, path, d, "an engine version has the engine's price");
		}
		if (bool_field(r, "EncryptionEnabled"))
			note_assumption(g, "%s.EncryptionEnabled: RDS encryption at rest has no charge of its own (its KMS key is under Security)",
					path);
		multi = bool_field(r, "MultiAZ");
		deployment = multi ? "Multi-AZ" : "Single-AZ";
		if (rds_hours(g, (int)i, path, e, klass, deployment, dec_from_int(1), ""))
			return -1;
		rds_storage_want(&w, g, deployment);
		if (!price(g, CALC_DATABASE, "RDS", (int)i, path, &w, gb, "GB-Mo", "%s storage, %s GB (%s)",
			   g->c->rds_volume, fmt_dec(gb, 4, n1, sizeof(n1)), deployment))
			return -1;
		/* read replicas: Single-AZ instances of the class, each with its own storage */
		if (has_replicas && replicas.v) {
			if (rds_hours(g, (int)i, path, e, klass, "Single-AZ", replicas, " read replica"))
				return -1;
			rds_storage_want(&w, g, "Single-AZ");
			if (!price(g, CALC_DATABASE, "RDS", (int)i, path, &w, mul(g, replicas, gb), "GB-Mo",
				   "replica storage, %s x %s GB", fmt_dec(replicas, 0, n1, sizeof(n1)),
				   fmt_dec(gb, 4, n2, sizeof(n2))))
				return -1;
		}
		/* backup beyond the free share of the database's size */
		backup = add(g, gb, mul(g, mul(g, gb, g->c->change_rate), has_retention ? retention : zero));
		free_gb = ddiv(mul(g, gb, dec_from_int(g->c->rds_backup_free)), dec_from_int(100));
		if (dec_cmp(backup, free_gb) > 0) {
			memset(&w, 0, sizeof(w));
			w.service = "AmazonRDS";
			w.family = "Storage Snapshot";
			w.usage_suffix = "ChargedBackupUsage";
			if (!price(g, CALC_DATABASE, "RDS", (int)i, path, &w, sub(backup, free_gb), "GB-Mo",
				   "backup: %s GB + %s GB x %s x %s days - %s GB free",
				   fmt_dec(gb, 4, n1, sizeof(n1)), fmt_dec(gb, 4, n2, sizeof(n2)),
				   fmt_dec(g->c->change_rate, 4, n3, sizeof(n3)),
				   fmt_dec(has_retention ? retention : zero, 0, n4, sizeof(n4)),
				   fmt_dec(free_gb, 4, n5, sizeof(n5))))
				return -1;
		}
		if (g->quiet)
			continue;
		for (k = first; k < g->nlines; k++)
			cost = add(g, cost, g->lines[k].monthly);
		if (g->rds.len)
			buf_addch(&g->rds, ',');
		buf_addstr(&g->rds, "{\"DatabaseName\":");
		add_json_text(&g->rds, str_field(r, "DatabaseName") ? str_field(r, "DatabaseName") : "");
		buf_addf(&g->rds, ",\"Requirement\":\"%s\",\"Engine\":", path);
		add_json_text(&g->rds, e->name);
		buf_addstr(&g->rds, ",\"InstanceClass\":");
		add_json_text(&g->rds, klass);
		buf_addf(&g->rds, ",\"MultiAZ\":%s", multi ? "true" : "false");
		add_dec(&g->rds, "StorageGB", gb, 4, 1);
		add_dec(&g->rds, "ReadReplicas", has_replicas ? replicas : zero, 0, 1);
		add_money(&g->rds, "MonthlyCost", cost, 1);
		add_money(&g->rds, "AnnualCost", mul(g, cost, dec_from_int(12)), 1);
		buf_addch(&g->rds, '}');
	}
	return 0;
}

/* ------------------------------------------------------------ network */

static int network(struct engine *g, yajl_val r)
{
	const char *path = "NetworkRequirements";
	struct dec gb, peak, lbs;
	int has_gb, has_peak, has_lbs;
	char n1[32], n2[32], n3[32], n4[32], n5[32];
	struct want w;

	if (!r || YAJL_IS_NULL(r))
		return 0;
	if (!YAJL_IS_OBJECT(r))
		return fail_field(g, "%s must be an object", path);
	if (num_field(g, r, path, "DataTransferOutGBMonth", &gb, &has_gb) ||
	    num_field(g, r, path, "PeakBandwidthMbps", &peak, &has_peak) ||
	    num_field(g, r, path, "LoadBalancerCount", &lbs, &has_lbs))
		return -1;
	if (has_peak)
		note_assumption(g, "%s.PeakBandwidthMbps is not priced (bandwidth has no price of its own)", path);
	if (has_gb && gb.v) {
		if (bool_field(r, "GlobalDistributionRequired")) {
			struct dec billed = dmax(zero, sub(gb, g->c->cf_free));

			memset(&w, 0, sizeof(w));
			w.service = "AmazonCloudFront";
			w.family = "Data Transfer";
			want_key(&w, "fromLocation", g->c->edge);
			want_key(&w, "transferType", "CloudFront Outbound");
			note_assumption(g, "%s: GlobalDistributionRequired: %s GB a month served by CloudFront (%s edge tiers, "
					"%s GB free); origin to CloudFront is free", path,
					fmt_dec(gb, 4, n1, sizeof(n1)), g->c->edge,
					fmt_dec(g->c->cf_free, 4, n2, sizeof(n2)));
			if (!price(g, CALC_NETWORK, "CloudFront", 0, path, &w, billed, "GB",
				   "CloudFront data out, %s GB", fmt_dec(billed, 4, n1, sizeof(n1))))
				return -1;
		} else {
			struct dec billed = dmax(zero, sub(gb, g->c->dt_free));

			memset(&w, 0, sizeof(w));
			w.service = "AWSDataTransfer";
			w.family = "Data Transfer";
			want_key(&w, "fromRegionCode", g->region);
			want_key(&w, "toLocation", "External");
			want_key(&w, "transferType", "AWS Outbound");
			note_assumption(g, "%s: %s GB out to the internet, less %s GB free a month (data_transfer.free_gb, "
					"once per estimation), walking the price list's tiers from 0", path,
					fmt_dec(gb, 4, n1, sizeof(n1)), fmt_dec(g->c->dt_free, 4, n2, sizeof(n2)));
			if (!price(g, CALC_NETWORK, "DataTransfer", 0, path, &w, billed, "GB",
				   "data transfer out, %s GB billed", fmt_dec(billed, 4, n1, sizeof(n1))))
				return -1;
		}
	}
	if (has_lbs && lbs.v) {
		struct dec hours = g->c->hours, lcu, traffic = has_gb ? gb : zero;

		/* per load balancer, LCUs an hour: max(minimum, GB / count / hours) */
		lcu = dmax(g->c->lcu_min, ddiv(ddiv(traffic, lbs), hours));
		memset(&w, 0, sizeof(w));
		w.service = "AWSELB";
		w.family = "Load Balancer-Application";
		want_key(&w, "group", "ELB:Balancer");
		if (!price(g, CALC_NETWORK, "LoadBalancer", 0, path, &w, mul(g, lbs, hours), "Hrs",
			   "Application Load Balancer, %s x %s h", fmt_dec(lbs, 0, n1, sizeof(n1)),
			   fmt_dec(hours, 4, n2, sizeof(n2))))
			return -1;
		memset(&w, 0, sizeof(w));
		w.service = "AWSELB";
		w.family = "Load Balancer-Application";
		want_key(&w, "group", "ELB:Balancer Capacity Units");
		note_assumption(g, "%s: LCUs an hour per load balancer = max(%s, %s GB / %s / %s h) = %s (alb.lcu_minimum)",
				path, fmt_dec(g->c->lcu_min, 4, n1, sizeof(n1)),
				fmt_dec(traffic, 4, n2, sizeof(n2)), fmt_dec(lbs, 0, n3, sizeof(n3)),
				fmt_dec(hours, 4, n4, sizeof(n4)), fmt_dec(lcu, 6, n5, sizeof(n5)));
		if (!price(g, CALC_NETWORK, "LoadBalancer", 0, path, &w, mul(g, mul(g, lbs, hours), lcu),
			   "LCU-Hrs", "ALB capacity units, %s LCU x %s x %s h", fmt_dec(lcu, 6, n1, sizeof(n1)),
			   fmt_dec(lbs, 0, n2, sizeof(n2)), fmt_dec(hours, 4, n3, sizeof(n3))))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ security */

struct sec_item {
	const char *flag, *section, *service, *family, *group, *usage_suffix;
	const char *what;
};

static int sec_line(struct engine *g, const char *section, const char *service, const char *family,
		    const char *group, const char *suffix, struct dec qty, const char *unit,
		    const char *what)
{
	struct want w;
	char n1[32];

	memset(&w, 0, sizeof(w));
	w.service = service;
	w.family = family;
	w.usage_suffix = suffix;
	if (group)
		want_key(&w, "group", group);
	return price(g, CALC_SECURITY, section, 0, "SecurityRequirements", &w, qty, unit, "%s, %s", what,
		     fmt_dec(qty, 4, n1, sizeof(n1))) ? 0 : -1;
}

static int security(struct engine *g, yajl_val sec, yajl_val net)
{
	char num[32];
	struct dec q;

	if (net && YAJL_IS_OBJECT(net)) {
		if (bool_field(net, "SSLCertificateRequired")) {
			char what[80];

			snprintf(what, sizeof(what), "ACM public certificates, %" PRId64, g->c->acm);
			explained(g, CALC_SECURITY, "ACM", 0, "NetworkRequirements.SSLCertificateRequired",
				  what, "ACM public certificates are free (acm.certificates)");
		}
		if (bool_field(net, "WAFRequired")) {
			note_assumption(g, "NetworkRequirements.WAFRequired: %" PRId64 " web ACLs, %" PRId64
					" rules, %" PRId64 " requests a month (waf.*)", g->c->waf_acls,
					g->c->waf_rules, g->c->waf_requests);
			if (sec_line(g, "WAF", "awswaf", "Web Application Firewall", "WebACL", NULL,
				     dec_from_int(g->c->waf_acls), "WebACL", "WAF web ACLs") ||
			    sec_line(g, "WAF", "awswaf", "Web Application Firewall", "Rule", NULL,
				     dec_from_int(g->c->waf_rules), "Rule", "WAF rules") ||
			    sec_line(g, "WAF", "awswaf", "Web Application Firewall", "Request", NULL,
				     dec_from_int(g->c->waf_requests), "Request", "WAF requests"))
				return -1;
		}
		if (bool_field(net, "DDoSProtectionRequired") &&
		    sec_line(g, "Shield", "AWSShield", "Shield", NULL, "Shield-Monthly-Fee", dec_from_int(1),
			     "Month", "Shield Advanced monthly fee"))
			return -1;
	}
	if (!sec || !YAJL_IS_OBJECT(sec))
		return 0;
	if (bool_field(sec, "KMS")) {
		note_assumption(g, "SecurityRequirements.KMS: %" PRId64 " keys, %" PRId64 " requests a month (security.kms.*)",
				g->c->kms_keys, g->c->kms_requests);
		if (sec_line(g, "KMS", "awskms", "Encryption Key", NULL, NULL, dec_from_int(g->c->kms_keys),
			     "Keys", "KMS keys") ||
		    sec_line(g, "KMS", "awskms", "API Request", NULL, NULL, dec_from_int(g->c->kms_requests),
			     "Requests", "KMS requests"))
			return -1;
	}
	if (bool_field(sec, "SecretsManager")) {
		note_assumption(g, "SecurityRequirements.SecretsManager: %" PRId64 " secrets, %" PRId64
				" API calls a month (security.secretsmanager.*)", g->c->sm_secrets, g->c->sm_calls);
		if (sec_line(g, "SecretsManager", "AWSSecretsManager", "Secret", NULL, NULL,
			     dec_from_int(g->c->sm_secrets), "Secrets", "Secrets Manager secrets") ||
		    sec_line(g, "SecretsManager", "AWSSecretsManager", "API Request", NULL, NULL,
			     dec_from_int(g->c->sm_calls), "API Requests", "Secrets Manager API calls"))
			return -1;
	}
	if (bool_field(sec, "AWSConfig")) {
		note_assumption(g, "SecurityRequirements.AWSConfig: %" PRId64 " configuration items, %" PRId64
				" rule evaluations a month (security.config.*)", g->c->cfg_items, g->c->cfg_evals);
		if (sec_line(g, "Config", "AWSConfig", "Management Tools - AWS Config", NULL, NULL,
			     dec_from_int(g->c->cfg_items), "ConfigurationItemRecorded",
			     "AWS Config configuration items"))
			return -1;
		if (g->c->cfg_evals &&
		    sec_line(g, "Config", "AWSConfig", "Management Tools - AWS Config Rules", NULL, NULL,
			     dec_from_int(g->c->cfg_evals), "ConfigRuleEvaluations", "AWS Config rule evaluations"))
			return -1;
	}
	if (bool_field(sec, "CloudTrail")) {
		note_assumption(g, "SecurityRequirements.CloudTrail: the first copy of management events is free; %" PRId64
				" data events, %" PRId64 " further management-event copies a month (security.cloudtrail.*)",
				g->c->ct_data, g->c->ct_copies);
		if (g->c->ct_data &&
		    sec_line(g, "CloudTrail", "AWSCloudTrail", "Management Tools - AWS CloudTrail Data Events Recorded",
			     NULL, NULL, dec_from_int(g->c->ct_data), "Events", "CloudTrail data events"))
			return -1;
		if (g->c->ct_copies &&
		    sec_line(g, "CloudTrail", "AWSCloudTrail", "Management Tools - AWS CloudTrail Paid Events Recorded",
			     NULL, NULL, dec_from_int(g->c->ct_copies), "Events",
			     "CloudTrail management-event copies"))
			return -1;
		if (!g->c->ct_data && !g->c->ct_copies)
			explained(g, CALC_SECURITY, "CloudTrail", 0, "SecurityRequirements.CloudTrail",
				  "CloudTrail management events, one trail", "the first copy of management events is free");
	}
	if (bool_field(sec, "GuardDuty")) {
		note_assumption(g, "SecurityRequirements.GuardDuty: %" PRId64 " CloudTrail management events and %s GB of "
				"VPC flow and DNS logs analysed a month (security.guardduty.*)", g->c->gd_events,
				fmt_dec(g->c->log_gb, 4, num, sizeof(num)));
		if (sec_line(g, "GuardDuty", "AmazonGuardDuty", "Security Services", NULL, "PaidEventsAnalyzed",
			     dec_from_int(g->c->gd_events), "Events", "GuardDuty CloudTrail event analysis") ||
		    sec_line(g, "GuardDuty", "AmazonGuardDuty", "Security Services",
			     "VPC Flow Log and DNS Log Analysis", NULL, g->c->log_gb, "GB",
			     "GuardDuty VPC flow and DNS log analysis"))
			return -1;
	}
	if (bool_field(sec, "SecurityHub")) {
		note_assumption(g, "SecurityRequirements.SecurityHub: %" PRId64 " security checks a month (security.securityhub.checks)",
				g->c->sh_checks);
		if (sec_line(g, "SecurityHub", "AWSSecurityHub", NULL, NULL, "PaidComplianceCheck",
			     dec_from_int(g->c->sh_checks), "Checks", "Security Hub security checks"))
			return -1;
	}
	if (bool_field(sec, "Inspector")) {
		q = dec_round(g->instances, 0);
		note_assumption(g, "SecurityRequirements.Inspector: the estimation's %s compute instances scanned",
				fmt_dec(q, 0, num, sizeof(num)));
		if (sec_line(g, "Inspector", "AmazonInspectorV2", NULL, NULL, "EC2InstanceScanned", q,
			     "Instances", "Inspector EC2 instance scanning"))
			return -1;
	}
	if (bool_field(sec, "Macie")) {
		note_assumption(g, "SecurityRequirements.Macie: %s GB of S3 data inspected a month (security.macie.gb)",
				fmt_dec(g->c->macie_gb, 4, num, sizeof(num)));
		if (sec_line(g, "Macie", "AmazonMacie", NULL, NULL, "SensitiveDataDiscovery", g->c->macie_gb,
			     "GB", "Macie sensitive data discovery"))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ models */


/* The reservation terms of models[k] as the price list spells them. */
static void set_model_index(struct engine *g, size_t k)
{
	static const char *const option[] = { "No Upfront", "Partial Upfront", "All Upfront" };

	cc_copy(g->model, sizeof(g->model), models[k], strlen(models[k]));
	g->years = 0;
	g->lease = g->option = g->klass = "";
	g->plan = g->plan_service = NULL;
	if (k == 0)
		return;
	if (k >= SP_FIRST) {
		/* (1yr, 3yr) x (No, Partial, All) of each plan, as the Savings Plans files spell them */
		size_t j = (k - SP_FIRST) % 6;

		g->plan = k < SP_FIRST + 6 ? "ComputeSavingsPlans"
			: k < SP_FIRST + 12 ? "EC2InstanceSavingsPlans" : "DatabaseSavingsPlans";
		g->plan_service = k < SP_FIRST + 12 ? "AmazonEC2" : "AmazonRDS";
		g->years = j < 3 ? 1 : 3;
		g->lease = g->years == 1 ? "1yr" : "3yr";
		g->option = option[j % 3];
		return;
	}
	/* models[1..12]: (1yr, 3yr) x (No, Partial, All), standard then convertible */
	g->years = ((k - 1) % 6) < 3 ? 1 : 3;
	g->lease = g->years == 1 ? "1yr" : "3yr";
	g->option = option[(k - 1) % 3];
	g->klass = k <= 6 ? "standard" : "convertible";
}

static int set_model(struct engine *g, const char *m)
{
	size_t i;

	for (i = 0; i < NMODELS; i++)
		if (!strcmp(models[i], m))
			break;
	if (i == NMODELS)
		return -1;
	set_model_index(g, i);
	return 0;
}

/* ------------------------------------------------------------ business rules */

struct rules {
	struct dec subtotal, discount, discounted, support, buffer, total, upfront;
	const struct plan_set *plan;
	struct buf discount_tiers, support_tiers; /* JSON array bodies */
};

/* Marginal tiers on `base`; each tier's share into `out` (a JSON array body). */
static struct dec marginal(struct engine *g, const struct tier_rule *t, int n, struct dec base,
			   struct buf *out)
{
	struct dec from = zero, sum = zero;
	char n1[32], n2[32], n3[32];
	int i;

	for (i = 0; i < n && dec_cmp(base, from) > 0; i++) {
		struct dec to = t[i].inf ? base : dmin(base, t[i].upto);
		struct dec part = dmax(zero, sub(to, from));
		struct dec cost = ddiv(mul(g, part, t[i].percent), dec_from_int(100));

		sum = add(g, sum, cost);
		if (!g->quiet) {
			if (out->len)
				buf_addch(out, ',');
			buf_addf(out, "{\"From\":%s,\"To\":%s,\"Percent\":%s", fmt_dec(from, 2, n1, sizeof(n1)),
				 t[i].inf ? "null" : fmt_dec(t[i].upto, 2, n2, sizeof(n2)),
				 fmt_dec(t[i].percent, 4, n3, sizeof(n3)));
			add_money(out, "Amount", cost, 1);
			buf_addch(out, '}');
		}
		if (t[i].inf)
			break;
		from = t[i].upto;
	}
	return sum;
}

/* The rules on a subtotal (r->subtotal and r->upfront set by the caller). */
static void rules_on(struct engine *g, struct rules *r)
{
	int i;

	r->discount = dec_round(marginal(g, g->c->discount, g->c->ndiscount, r->subtotal,
					 &r->discount_tiers), 2);
	r->discounted = sub(r->subtotal, r->discount);
	r->plan = NULL;
	for (i = 0; i < g->c->nplans; i++) {
		const struct plan_set *p = &g->c->plans[i];

		if (strcmp(p->from, g->date) <= 0 && (!p->until[0] || strcmp(g->date, p->until) < 0))
			r->plan = p;
	}
	r->support = zero;
	if (r->plan) {
		struct dec fee = marginal(g, r->plan->tiers, r->plan->ntiers, r->discounted,
					  &r->support_tiers);

		r->support = dec_round(dmax(fee, r->plan->minimum), 2);
	} else if (strcmp(g->c->plan, "none")) {
		note_warning(g, "%s: support plan '%s' is not in effect on %s (see support.%s): no support line",
			     g->id, g->c->plan, g->date, g->c->plan);
	}
	r->buffer = dec_round(ddiv(mul(g, add(g, r->discounted, r->support), g->c->buffer),
				   dec_from_int(100)), 2);
	r->total = add(g, add(g, r->discounted, r->support), r->buffer);
}

static void apply_rules(struct engine *g, struct rules *r)
{
	size_t i;

	r->subtotal = zero;
	r->upfront = zero;
	for (i = 0; i < g->nlines; i++) {
		r->subtotal = add(g, r->subtotal, g->lines[i].monthly);
		r->upfront = add(g, r->upfront, g->lines[i].upfront);
	}
	rules_on(g, r);
}

static void rules_init(struct rules *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->discount_tiers, 1 << 16);
	buf_init(&r->support_tiers, 1 << 16);
}

static void rules_release(struct rules *r)
{
	buf_release(&r->discount_tiers);
	buf_release(&r->support_tiers);
}

/* ------------------------------------------------------------ the run */

static void engine_init(struct engine *g, const struct calc_config *c, const struct pb_reader *pb,
			const struct calc_input *in, struct cc_err *err)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	g->pb = pb;
	g->in = in;
	g->id = in->estimation_id;
	g->err = err;
	buf_init(&g->assumptions, 1 << 20);
	buf_init(&g->warnings, 1 << 20);
	buf_init(&g->ec2, 1 << 20);
	buf_init(&g->autoscaling, 1 << 16);
	buf_init(&g->ebs, 1 << 20);
	buf_init(&g->s3, 1 << 20);
	buf_init(&g->rds, 1 << 20);
	buf_init(&g->notes, 1 << 16);
}

static void engine_release(struct engine *g)
{
	free(g->lines);
	buf_release(&g->assumptions);
	buf_release(&g->warnings);
	buf_release(&g->ec2);
	buf_release(&g->autoscaling);
	buf_release(&g->ebs);
	buf_release(&g->s3);
	buf_release(&g->rds);
	buf_release(&g->notes);
}

static int run(struct engine *g, yajl_val meta, yajl_val reqs, const char *model)
{
	yajl_val ci = json_get(meta, "ClientInfo"), pref = ci ? json_get(ci, "RegionPreference") : NULL;
	const char *region = NULL;
	char val[61];

	(void)model;
	if (pref && YAJL_IS_ARRAY(pref) && pref->u.array.len && YAJL_IS_STRING(pref->u.array.values[0]))
		region = pref->u.array.values[0]->u.string;
	if (region)
		note_assumption(g, "region %s: the first of ClientInfo.RegionPreference", region);
	else if ((region = g->in->owner_region) && *region)
		note_assumption(g, "region %s: the owner's Preferences.DefaultRegion", region);
	else {
		region = g->c->region;
		note_assumption(g, "region %s: the default (region)", region);
	}
	cc_copy(g->region, sizeof(g->region), region, strlen(region));
	if (!pb_has_region(g->pb, g->region))
		return fail_field(g, "region '%s' is in no offer file of the pricebook", clip(g->region, val, sizeof(val)));
	cc_copy(g->date, sizeof(g->date), g->in->calculated_at, 10);
	if (compute(g, json_get(reqs, "ComputeRequirements")) || g->failed ||
	    storage(g, json_get(reqs, "StorageRequirements")) || g->failed ||
	    database(g, json_get(reqs, "DatabaseRequirements")) || g->failed ||
	    network(g, json_get(reqs, "NetworkRequirements")) || g->failed ||
	    security(g, json_get(reqs, "SecurityRequirements"), json_get(reqs, "NetworkRequirements")) ||
	    g->failed)
		return -1;
	return 0;
}

static const char *status_name(int s)
{
	static const char *const names[] = { "PRICED", "MISSING_PRICE", "NO_CHARGE", "ON_DEMAND_FALLBACK" };

	return names[s];
}

/* 12 x monthly; monthly costs are far below the range where this could overflow */
static struct dec times12(struct dec m)
{
	struct dec r = { 0 };

	dec_mul(m, dec_from_int(12), &r);
	return r;
}

static void write_line(struct buf *b, const struct line *l, size_t id)
{
	char n1[40];
	int i;

	buf_addstr(b, "{\"Id\":");
	buf_add_int(b, (int64_t)id);
	buf_adds(b, ",\"Category\":\"", calc_category_name(l->cat), "\",\"Section\":\"",
		 l->section, "\",\"Requirement\":", NULL);
	add_json_text(b, l->req);
	buf_addstr(b, ",\"Description\":");
	add_json_text(b, l->what);
	buf_adds(b, ",\"Status\":\"", status_name(l->status), "\"", NULL);
	if (l->reason[0]) {
		buf_addstr(b, ",\"Reason\":");
		add_json_text(b, l->reason);
	}
	if (l->service[0]) {
		buf_addstr(b, ",\"Service\":");
		add_json_text(b, l->service);
		buf_addstr(b, ",\"Lookup\":");
		add_json_text(b, l->lookup);
	}
	if (l->sku[0]) {
		buf_addstr(b, ",\"Family\":");
		add_json_text(b, l->family);
		buf_addstr(b, ",\"Sku\":");
		add_json_text(b, l->sku);
		buf_addstr(b, ",\"RateCode\":");
		add_json_text(b, l->rate_code);
		buf_adds(b, ",\"PricingModel\":\"", l->model, "\"", NULL);
	}
	if (l->unit[0]) {
		add_dec(b, "Quantity", l->qty, 10, 1);
		buf_addstr(b, ",\"Unit\":");
		add_json_text(b, l->unit);
		add_dec(b, "Rate", l->rate, 10, 1);
	}
	if (l->ntiers > 1) {
		buf_addstr(b, ",\"Tiers\":[");
		for (i = 0; i < l->ntiers; i++) {
			const struct tier *t = &l->tiers[i];

			buf_adds(b, i ? ",{\"Begin\":" : "{\"Begin\":", fmt_dec(t->begin, 10, n1, sizeof(n1)), ",\"End\":",
				 NULL);
			buf_addstr(b, t->inf ? "null" : fmt_dec(t->end, 10, n1, sizeof(n1)));
			add_dec(b, "Quantity", t->qty, 10, 1);
			add_dec(b, "Rate", t->rate, 10, 1);
			add_dec(b, "Cost", t->cost, 10, 1);
			buf_addch(b, '}');
		}
		buf_addch(b, ']');
	}
	if (l->reserved) {
		add_money(b, "Upfront", l->upfront, 1);
		add_dec(b, "HourlyRate", l->hourly, 10, 1);
		add_dec(b, "EffectiveHourlyRate", l->effective, 10, 1);
	}
	if (l->sp) {
		buf_addstr(b, ",\"SavingsPlan\":{");
		add_dec(b, "Rate", l->hourly, 10, 0);
		add_dec(b, "CoveredInstances", l->covered, 4, 1);
		add_dec(b, "HourlyCommitment", l->commitment, 10, 1);
		add_money(b, "Upfront", l->upfront, 1);
		buf_addch(b, '}');
		add_dec(b, "EffectiveHourlyRate", l->effective, 10, 1);
	}
	add_money(b, "MonthlyCost", l->monthly, 1);
	add_money(b, "AnnualCost", times12(l->monthly), 1);
	buf_addch(b, '}');
}

/* The seed's DetailedCosts: its aggregates with their names, sums of lines. */
static void write_detailed(struct engine *g, struct buf *b, struct dec *cat)
{
	static const char *const net[] = { "DataTransfer", "CloudFront", "LoadBalancer" };
	static const char *const sec[] = { "ACM", "WAF", "Shield", "KMS", "SecretsManager", "Config",
					   "CloudTrail", "GuardDuty", "SecurityHub", "Inspector", "Macie" };
	size_t i, k;

	for (k = 0; k < CALC_NCATEGORIES; k++)
		cat[k] = zero;
	for (i = 0; i < g->nlines; i++)
		cat[g->lines[i].cat] = add(g, cat[g->lines[i].cat], g->lines[i].monthly);
	buf_adds(b, "\"DetailedCosts\":{\"Compute\":{\"EC2Instances\":[", g->ec2.buf, "]", NULL);
	if (g->any_auto) {
		buf_addstr(b, ",\"AutoScaling\":{");
		add_dec(b, "AverageInstances", g->as_avg, 4, 0);
		add_money(b, "MonthlyCost", g->as_cost, 1);
		add_money(b, "AnnualCost", times12(g->as_cost), 1);
		buf_addstr(b, ",\"IncludedInEC2Instances\":true}");
	}
	add_money(b, "TotalCompute", cat[CALC_COMPUTE], 1);
	buf_adds(b, "},\"Storage\":{\"EBS\":[", g->ebs.buf, "],\"S3\":[", g->s3.buf, "]", NULL);
	add_money(b, "TotalStorage", cat[CALC_STORAGE], 1);
	buf_adds(b, "},\"Database\":{\"RDS\":[", g->rds.buf, "]", NULL);
	add_money(b, "TotalDatabase", cat[CALC_DATABASE], 1);
	buf_addstr(b, "},\"Network\":{");
	for (k = 0; k < 3; k++) {
		struct dec s = zero;

		for (i = 0; i < g->nlines; i++)
			if (g->lines[i].cat == CALC_NETWORK && !strcmp(g->lines[i].section, net[k]))
				s = add(g, s, g->lines[i].monthly);
		add_money(b, net[k], s, k > 0);
	}
	add_money(b, "TotalNetwork", cat[CALC_NETWORK], 1);
	buf_addstr(b, "},\"Security\":{");
	for (k = 0; k < sizeof(sec) / sizeof(sec[0]); k++) {
		struct dec s = zero;
		int any = 0;

		for (i = 0; i < g->nlines; i++)
			if (g->lines[i].cat == CALC_SECURITY && !strcmp(g->lines[i].section, sec[k])) {
				s = add(g, s, g->lines[i].monthly);
				any = 1;
			}
		if (any) {
			add_money(b, sec[k], s, 0);
			buf_addch(b, ',');
		}
	}
	add_money(b, "TotalSecurity", cat[CALC_SECURITY], 0);
	buf_addstr(b, "}}");
}

struct ladder_row {
	const char *model;
	struct dec monthly, upfront, commitment;
	int ok;
};

/*
 * The whole estimation under one model: its total and upfront cash (no
 * item). Only EC2 and RDS instance hours depend on the model, so only
 * compute and database are priced again; the rest of the subtotal is the
 * main run's (`fixed`: its subtotal less its compute and database lines).
 */
static int total_under(const struct calc_config *c, const struct pb_reader *pb,
		       const struct calc_input *in, const struct engine *main_run, struct dec fixed,
		       size_t k, struct ladder_row *row)
{
	struct engine g;
	struct rules r;
	struct cc_err err = { 0 };
	size_t i;

	engine_init(&g, c, pb, in, &err);
	rules_init(&r);
	g.quiet = 1;
	row->model = models[k];
	row->ok = 0;
	cc_copy(g.region, sizeof(g.region), main_run->region, strlen(main_run->region));
	memcpy(g.date, main_run->date, sizeof(g.date));
	set_model_index(&g, k);
	r.subtotal = fixed;
	r.upfront = zero;
	row->commitment = zero;
	for (i = 0; i < main_run->nlines; i++) {
		const struct line *l = &main_run->lines[i];

		if (l->cat != CALC_COMPUTE && l->cat != CALC_DATABASE)
			continue;
		if (l->has_ladder && (l->lad_bad & (1u << k)))
			g.failed = 1;
		r.subtotal = add(&g, r.subtotal, l->has_ladder ? l->lad_monthly[k] : l->monthly);
		r.upfront = add(&g, r.upfront, l->has_ladder ? l->lad_upfront[k] : l->upfront);
		if (l->has_ladder)
			row->commitment = add(&g, row->commitment, l->lad_commit[k]);
	}
	rules_on(&g, &r);
	row->monthly = r.total;
	row->upfront = r.upfront;
	row->ok = !g.failed;
	rules_release(&r);
	engine_release(&g);
	return 0;
}

static void hash_inputs(const struct engine *g, const struct calc_input *in, const char *region_src,
			char out[65])
{
	struct sha256 s;
	unsigned char d[32];
	static const char nl = '\n';

	sha256_init(&s);
	sha256_update(&s, in->pricebook_sha256 ? in->pricebook_sha256 : "", in->pricebook_sha256 ?
		      strlen(in->pricebook_sha256) : 0);
	sha256_update(&s, &nl, 1);
	sha256_update(&s, g->region, strlen(g->region));
	sha256_update(&s, &nl, 1);
	sha256_update(&s, g->model, strlen(g->model));
	sha256_update(&s, &nl, 1);
	sha256_update(&s, region_src, strlen(region_src));
	sha256_update(&s, &nl, 1);
	sha256_update(&s, in->requirements, in->requirements_len);
	sha256_update(&s, &nl, 1);
	sha256_update(&s, g->c->used.buf, g->c->used.len);
	sha256_update(&s, &nl, 1);
	sha256_update(&s, g->date, strlen(g->date)); /* the support plan in effect depends on it */
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void write_table(struct engine *g, const struct rules *r, struct calc_result *out)
{
	struct buf *t = &out->table;
	char q[40], rate[40], m[40], a[40];
	size_t i;

	buf_addf(t, "%s  %s  %s  %s  pricebook %.12s\n\n", g->id, g->region, g->model,
		 g->currency[0] ? g->currency : "USD",
		 g->in->pricebook_sha256 ? g->in->pricebook_sha256 : "?");
	buf_addf(t, "%-9s %-58s %16s %-9s %14s %12s %12s\n", "CATEGORY", "LINE", "QUANTITY", "UNIT",
		 "RATE", "MONTHLY", "ANNUAL");
	for (i = 0; i < g->nlines; i++) {
		const struct line *l = &g->lines[i];

		dec_format(l->monthly, 2, m, sizeof(m));
		dec_format(times12(l->monthly), 2, a, sizeof(a));
		buf_addf(t, "%-9s %-58.58s %16s %-9s %14s %12s %12s%s\n", calc_category_name(l->cat), l->what,
			 l->unit[0] ? fmt_dec(l->qty, 4, q, sizeof(q)) : "",
			 l->unit, l->ntiers > 1 ? "tiered" : l->unit[0] ? fmt_dec(l->rate, 10, rate, sizeof(rate)) : "", m, a,
			 l->status == 1 ? "  MISSING PRICE" : l->status == 3 ? "  (on demand)" :
			 l->status == 2 ? "  (no charge)" : "");
	}
	buf_addch(t, '\n');
#define TOTAL(label, v)                                                                          \
	do {                                                                                     \
		dec_format(v, 2, m, sizeof(m));                                                  \
		dec_format(times12(v), 2, a, sizeof(a));                                         \
		buf_addf(t, "%-9s %-58s %16s %-9s %14s %12s %12s\n", "", label, "", "", "", m, a); \
	} while (0)
	for (i = 0; i < CALC_NCATEGORIES; i++) {
		char label[64];

		snprintf(label, sizeof(label), "Total %s", calc_category_name((enum calc_category)i));
		TOTAL(label, out->category[i]);
	}
	TOTAL("Subtotal", r->subtotal);
	if (r->discount.v)
		TOTAL("Volume discount", (struct dec){ -r->discount.v });
	{
		char label[80];

		snprintf(label, sizeof(label), "Support (%s)", g->c->plan);
		TOTAL(label, r->support);
		snprintf(label, sizeof(label), "Buffer (%s%%)", fmt_dec(g->c->buffer, 4, q, sizeof(q)));
		TOTAL(label, r->buffer);
	}
	TOTAL("Total", r->total);
#undef TOTAL
	if (r->upfront.v) {
		dec_format(r->upfront, 2, m, sizeof(m));
		buf_addf(t, "%-9s %-58s %16s %-9s %14s %12s\n", "", "Upfront (reservations, once)", "", "", "", m);
	}
	if (g->nwarn) {
		yajl_val w;
		char *text = NULL, why[128];

		buf_addstr(t, "\nwarnings:\n");
		if (!buf_addch(&g->warnings, '\0') && (text = malloc(g->warnings.len + 3))) {
			snprintf(text, g->warnings.len + 3, "[%s]", g->warnings.buf);
			if ((w = json_parse(text, strlen(text), 2, why, sizeof(why)))) {
				for (i = 0; i < w->u.array.len; i++)
					buf_addf(t, "  %s\n", w->u.array.values[i]->u.string);
				yajl_tree_free(w);
			}
			free(text);
		}
		g->warnings.len--;
	}
}

enum cc_code calc_estimation(const struct calc_config *c, const struct pb_reader *pb,
			     const struct calc_input *in, struct calc_result *out, struct cc_err *err)
{
	struct ladder_row ladder[NMODELS];
	char why[300], id12[17], num[40], val[61];
	yajl_val meta = NULL, reqs = NULL;
	struct json_doc mdoc, rdoc;
	const char *model = in->model, *region_src = "";
	struct engine g;
	struct rules r;
	enum cc_code ret = CC_OK;
	struct buf *b = &out->item;
	size_t i;

	buf_reset(&out->item);
	buf_reset(&out->table);
	/* room for a usual item at once (16-24 KB), not ten doublings and their copies */
	buf_grow(&out->item, (size_t)32 << 10);
	out->status = CALC_FAILED;
	json_doc_init(&mdoc);
	json_doc_init(&rdoc);
	engine_init(&g, c, pb, in, err);
	rules_init(&r);
	if (!in->calculated_at || strlen(in->calculated_at) < 10) {
		ret = cc_err_set(err, CC_EUSAGE, "%s: no calculation time", in->estimation_id);
		goto out;
	}
	if (!(meta = json_doc_parse(&mdoc, in->metadata, in->metadata_len, STORE_MAX_DEPTH, why, sizeof(why))) ||
	    !YAJL_IS_OBJECT(meta)) {
		ret = cc_err_set(err, CC_EPARSE, "%s: METADATA is not a JSON object%s%s", in->estimation_id,
				 meta ? "" : ": ", meta ? "" : why);
		goto out;
	}
	if (!in->requirements ||
	    !(reqs = json_doc_parse(&rdoc, in->requirements, in->requirements_len, STORE_MAX_DEPTH, why, sizeof(why))) ||
	    !YAJL_IS_OBJECT(reqs)) {
		ret = cc_err_set(err, CC_EPARSE, "%s: %s", in->estimation_id,
				 !in->requirements ? "no REQUIREMENTS item" : "REQUIREMENTS is not a JSON object");
		goto out;
	}
	if (!model)
		model = str_field(meta, "PricingModel");
	if (!model)
		model = c->model;
	if (set_model(&g, model)) {
		ret = cc_err_set(err, CC_EPARSE,
				 "%s: PricingModel '%s' is not ON_DEMAND, RESERVED_{1YR,3YR}_{NO,PARTIAL,ALL}_UPFRONT[_CONVERTIBLE], "
				 "SAVINGS_PLAN_{COMPUTE,EC2_INSTANCE}_{1YR,3YR}_{NO,PARTIAL,ALL}_UPFRONT or SAVINGS_PLAN_DATABASE_1YR_NO_UPFRONT",
				 in->estimation_id, clip(model, val, sizeof(val)));
		goto out;
	}
	if (run(&g, meta, reqs, model)) {
		ret = err && err->code ? err->code : CC_EPARSE;
		goto out;
	}
	apply_rules(&g, &r);
	if (g.failed) {
		ret = err && err->code ? err->code : CC_EPARSE;
		goto out;
	}
	/* the commitment ladder: the whole estimation under every model */
	{
		struct dec fixed = r.subtotal;
		int reservable = 0;

		for (i = 0; i < g.nlines; i++)
			if (g.lines[i].cat == CALC_COMPUTE || g.lines[i].cat == CALC_DATABASE) {
				fixed = sub(fixed, g.lines[i].monthly);
				reservable = 1;
			}
		for (i = 0; i < NMODELS; i++) {
			if (!reservable) { /* nothing a reservation changes: every model is on demand */
				ladder[i].model = models[i];
				ladder[i].monthly = r.total;
				ladder[i].upfront = zero;
				ladder[i].commitment = zero;
				ladder[i].ok = 1;
				continue;
			}
			if (total_under(c, pb, in, &g, fixed, i, &ladder[i]))
				ladder[i].ok = 0;
		}
	}
	if (json_get(json_get(meta, "ClientInfo"), "RegionPreference"))
		region_src = "ClientInfo.RegionPreference";
	hash_inputs(&g, in, region_src, out->inputs_hash);
	memcpy(id12, out->inputs_hash, 16);
	id12[16] = '\0';
	out->status = g.missing ? CALC_PARTIAL : CALC_COMPLETE;
	out->subtotal = r.subtotal;
	out->monthly = r.total;
	out->annual = times12(r.total);
	out->upfront = r.upfront;
	out->lines = (unsigned)g.nlines;
	out->warnings = g.nwarn;
	out->missing = g.missing;
	cc_copy(out->region, sizeof(out->region), g.region, strlen(g.region));
	cc_copy(out->currency, sizeof(out->currency), g.currency[0] ? g.currency : "USD",
		strlen(g.currency[0] ? g.currency : "USD"));
	cc_copy(out->model, sizeof(out->model), g.model, strlen(g.model));

	/* the item: the seed's keys and fields first, then what costctl adds */
	buf_adds(b, "{\"PK\":\"ESTIMATION#", in->estimation_id, "\",\"SK\":\"CALCULATION#", in->calculated_at,
		 "\",\"GSI1PK\":\"CALCULATION#", in->estimation_id, "\",\"GSI1SK\":\"", in->calculated_at,
		 "\",\"EntityType\":\"CostCalculation\",\"EstimationId\":\"", in->estimation_id,
		 "\",\"CalculationId\":\"calc-", id12, "\",\"CalculatedAt\":\"", in->calculated_at,
		 "\",\"Region\":\"", g.region, "\",\"Currency\":\"", out->currency, "\",\"PricingModel\":\"", g.model,
		 "\",\"Status\":\"", out->status == CALC_COMPLETE ? "COMPLETE" : "PARTIAL", "\",", NULL);
	write_detailed(&g, b, out->category);
	add_money(b, "TotalMonthlyCost", r.total, 1);
	add_money(b, "TotalAnnualCost", out->annual, 1);
	buf_adds(b, ",\"BusinessRulesApplied\":{\"BufferPercentage\":", fmt_dec(c->buffer, 4, num, sizeof(num)),
		 ",\"VolumeDiscounts\":", c->ndiscount ? "true" : "false", ",\"SupportPlanIncluded\":",
		 r.plan ? "true" : "false", ",\"SupportPlan\":\"", c->plan, "\"}", NULL);
	add_money(b, "Subtotal", r.subtotal, 1);
	buf_addstr(b, ",\"VolumeDiscount\":{");
	add_money(b, "MonthlyCost", r.discount, 0);
	buf_adds(b, ",\"Tiers\":[", r.discount_tiers.buf, "]},\"Support\":{\"Plan\":\"", c->plan, "\"", NULL);
	if (r.plan) {
		buf_adds(b, ",\"EffectiveFrom\":\"", r.plan->from, "\"", NULL);
		if (r.plan->until[0])
			buf_adds(b, ",\"EffectiveUntil\":\"", r.plan->until, "\"", NULL);
		add_money(b, "Minimum", r.plan->minimum, 1);
		buf_adds(b, ",\"Tiers\":[", r.support_tiers.buf, "]", NULL);
	}
	add_money(b, "MonthlyCost", r.support, 1);
	buf_addstr(b, "},\"Buffer\":{");
	add_dec(b, "Percent", c->buffer, 4, 0);
	add_money(b, "MonthlyCost", r.buffer, 1);
	buf_addch(b, '}');
	add_money(b, "UpfrontCost", r.upfront, 1);
	buf_addstr(b, ",\"CommitmentLadder\":[");
	for (i = 0; i < NMODELS; i++) {
		const struct ladder_row *l = &ladder[i];

		buf_adds(b, i ? ",{\"PricingModel\":\"" : "{\"PricingModel\":\"", models[i], "\"", NULL);
		if (!l->ok) {
			buf_addstr(b, ",\"Priced\":false}");
			continue;
		}
		add_money(b, "TotalMonthlyCost", l->monthly, 1);
		add_money(b, "UpfrontCost", l->upfront, 1);
		if (i >= SP_FIRST)
			add_dec(b, "HourlyCommitment", l->commitment, 4, 1);
		add_money(b, "FirstYearCost", add(&g, l->upfront, times12(l->monthly)), 1);
		/* the month the commitment has paid for itself against on demand */
		if (i && ladder[0].ok && dec_cmp(l->monthly, ladder[0].monthly) < 0) {
			struct dec saving = sub(ladder[0].monthly, l->monthly);
			struct dec months = ddiv(l->upfront, saving);
			int64_t whole = months.v / DEC_SCALE + (months.v % DEC_SCALE ? 1 : 0);

			buf_addstr(b, ",\"BreakEvenMonth\":");
			buf_add_int(b, whole ? whole : 1);
		} else {
			buf_addstr(b, ",\"BreakEvenMonth\":null");
		}
		buf_addch(b, '}');
	}
	buf_addstr(b, "],\"Lines\":[");
	for (i = 0; i < g.nlines; i++) {
		if (i)
			buf_addch(b, ',');
		write_line(b, &g.lines[i], i + 1);
	}
	buf_addstr(b, "],\"Provenance\":{\"PricebookSha256\":");
	add_json_text(b, in->pricebook_sha256 ? in->pricebook_sha256 : "");
	buf_addstr(b, ",\"Offers\":[");
	for (i = 0; i < pb_offer_count(pb); i++) {
		const struct pb_offer *o = pb_offer_at(pb, i);

		buf_addstr(b, i ? ",{\"OfferCode\":" : "{\"OfferCode\":");
		buf_add_json_str(b, o->code.p, o->code.len);
		buf_addstr(b, ",\"Version\":");
		buf_add_json_str(b, o->version.p, o->version.len);
		buf_addstr(b, ",\"PublicationDate\":");
		buf_add_json_str(b, o->published.p, o->published.len);
		buf_addstr(b, ",\"Source\":");
		buf_add_json_str(b, o->source.p, o->source.len);
		buf_addch(b, '}');
	}
	buf_adds(b, "],\"Configuration\":{", c->used.buf, "},\"InputsHash\":\"", out->inputs_hash, "\"}", NULL);
	buf_adds(b, ",\"Assumptions\":[", g.assumptions.buf, "],\"Warnings\":[", g.warnings.buf, "]}", NULL);
	if (b->len + 16 > b->cap) {
		ret = cc_err_set(err, CC_ENOMEM, "%s: the calculation is larger than %zu bytes",
				 in->estimation_id, b->cap);
		goto out;
	}
	if (!in->no_table)
		write_table(&g, &r, out);
out:
	json_doc_release(&mdoc);
	json_doc_release(&rdoc);
	rules_release(&r);
	engine_release(&g);
	if (ret)
		out->status = CALC_FAILED;
	return ret;
}

const char *calc_list_at(enum calc_list l, size_t i)
{
	static const char *const scaling[] = { "Fixed", "Auto" };

	switch (l) {
	case CALC_LIST_OS:
		return i < sizeof(os_maps) / sizeof(os_maps[0]) ? os_maps[i].name : NULL;
	case CALC_LIST_STORAGE:
		return i < sizeof(store_maps) / sizeof(store_maps[0]) ? store_maps[i].name : NULL;
	case CALC_LIST_ACCESS:
		return i < sizeof(access_maps) / sizeof(access_maps[0]) ? access_maps[i].name : NULL;
	case CALC_LIST_ENGINE:
		return i < sizeof(engine_maps) / sizeof(engine_maps[0]) ? engine_maps[i].name : NULL;
	case CALC_LIST_MODEL:
		return i < sizeof(models) / sizeof(models[0]) ? models[i] : NULL;
	case CALC_LIST_SCALING:
		return i < sizeof(scaling) / sizeof(scaling[0]) ? scaling[i] : NULL;
	}
	return NULL;
}
