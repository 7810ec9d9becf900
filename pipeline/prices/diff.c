/* Pricebook diff: see diff.h. */
#include "pipeline/prices/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/dec.h"
#include "pipeline/core/banned.h"

/* The fields that name a price: the sort fields before BEGIN. */
#define GROUP_FIELDS PB_BEGIN

static int str_cmp(struct pb_str a, struct pb_str b)
{
	int c = memcmp(a.p, b.p, a.len < b.len ? a.len : b.len);

	if (c)
		return c < 0 ? -1 : 1;
	return (a.len > b.len) - (a.len < b.len);
}

/* Byte-wise on the group fields: the pricebook's own order for them. */
static int group_cmp(const struct pb_entry *a, const struct pb_entry *b)
{
	int i, c;

	for (i = 0; i < GROUP_FIELDS; i++)
		if ((c = str_cmp(a->f[i], b->f[i])))
			return c;
	return 0;
}

static int str_eq(struct pb_str a, struct pb_str b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* What a tier is, for the diff: its range, its rate and where it comes from. */
static int tier_eq(const struct pb_entry *a, const struct pb_entry *b)
{
	return str_eq(a->f[PB_BEGIN], b->f[PB_BEGIN]) && str_eq(a->f[PB_END], b->f[PB_END]) &&
	       str_eq(a->f[PB_PRICE], b->f[PB_PRICE]) && str_eq(a->f[PB_SKU], b->f[PB_SKU]) &&
	       str_eq(a->f[PB_RATE_CODE], b->f[PB_RATE_CODE]) && str_eq(a->f[PB_CURRENCY], b->f[PB_CURRENCY]);
}

struct side {
	const struct pb_reader *r;
	uint64_t i, n;
	struct pb_entry next; /* entry i, decoded (when i < n) */
	struct pb_entry g[DIFF_MAX_TIERS];
	size_t ng;
	int has;
};

static enum cc_code side_load(struct side *s, struct cc_err *err)
{
	s->has = s->i < s->n;
	return s->has ? pb_get(s->r, s->i, &s->next, err) : CC_OK;
}

/* The next price (every entry with the same group fields), into s->g. */
static enum cc_code side_group(struct side *s, uint64_t *truncated, struct cc_err *err)
{
	enum cc_code ret;
	int cut = 0;

	s->ng = 0;
	s->g[s->ng++] = s->next;
	for (;;) {
		s->i++;
		if ((ret = side_load(s, err)))
			return ret;
		if (!s->has || group_cmp(&s->next, &s->g[0]))
			break;
		if (s->ng < DIFF_MAX_TIERS)
			s->g[s->ng++] = s->next;
		else
			cut = 1;
	}
	if (cut)
		(*truncated)++;
	return CC_OK;
}

const char *diff_kind_name(enum diff_kind k)
{
	return k == DIFF_CHANGED ? "changed" : k == DIFF_ADDED ? "added" : "removed";
}

enum cc_code diff_run(const struct pb_reader *old, const struct pb_reader *new,
		      int (*fn)(void *user, const struct diff_change *c), void *user, struct diff_stats *st,
		      struct cc_err *err)
{
	/* two groups of DIFF_MAX_TIERS entries each: on the heap, not a thread's stack */
	struct side *a = calloc(2, sizeof(*a)), *b;
	enum cc_code ret;

	memset(st, 0, sizeof(*st));
	if (!a)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	b = a + 1;
	a->r = old;
	b->r = new;
	a->n = st->old_entries = pb_count(old);
	b->n = st->new_entries = pb_count(new);
	if ((ret = side_load(a, err)) || (ret = side_load(b, err)))
		goto out;
	while (a->has || b->has) {
		struct diff_change c;
		int cmp = !a->has ? 1 : !b->has ? -1 : group_cmp(&a->next, &b->next);

		memset(&c, 0, sizeof(c));
		if (cmp <= 0 && (ret = side_group(a, &st->truncated, err)))
			goto out;
		if (cmp >= 0 && (ret = side_group(b, &st->truncated, err)))
			goto out;
		if (cmp < 0) {
			c.kind = DIFF_REMOVED;
			c.old = a->g;
			c.nold = a->ng;
			st->removed++;
		} else if (cmp > 0) {
			c.kind = DIFF_ADDED;
			c.new = b->g;
			c.nnew = b->ng;
			st->added++;
		} else {
			size_t k;
			int same = a->ng == b->ng;

			for (k = 0; same && k < a->ng; k++)
				same = tier_eq(&a->g[k], &b->g[k]);
			if (same) {
				st->unchanged++;
				continue;
			}
			c.kind = DIFF_CHANGED;
			c.old = a->g;
			c.nold = a->ng;
			c.new = b->g;
			c.nnew = b->ng;
			st->changed++;
		}
		if (fn && fn(user, &c))
			break;
	}
out:
	free(a);
	return ret;
}

/* ------------------------------------------------------------ formats */

void diff_pct(struct pb_str o, struct pb_str n, char *out, size_t cap)
{
	struct dec a, b, d, q, hundred;

	out[0] = '\0';
	if (!o.p || !n.p || dec_parse(o.p, o.len, &a) || dec_parse(n.p, n.len, &b) || !a.v || dec_sub(b, a, &d) ||
	    dec_parse("100", 3, &hundred) || dec_mul(d, hundred, &d) || dec_div(d, a, &q))
		return;
	dec_format(dec_round(q, 2), 2, out, cap);
}

static void add_pairs_json(struct buf *b, struct pb_str list)
{
	struct pb_str name, value;
	size_t pos = 0;
	int first = 1;

	buf_addch(b, '{');
	while (pb_pairs_next(list, &pos, &name, &value)) {
		if (!first)
			buf_addch(b, ',');
		first = 0;
		buf_add_json_str(b, name.p, name.len);
		buf_addch(b, ':');
		buf_add_json_str(b, value.p, value.len);
	}
	buf_addch(b, '}');
}

/* "t3.xlarge Linux Shared": the values of a pair list, for people and CSV */
static void add_pairs_text(struct buf *b, struct pb_str list, char sep)
{
	struct pb_str name, value;
	size_t pos = 0;
	int first = 1;

	while (pb_pairs_next(list, &pos, &name, &value)) {
		if (!value.len)
			continue;
		if (!first)
			buf_addch(b, sep);
		first = 0;
		buf_add(b, value.p, value.len);
	}
}


static void csv_str(struct buf *b, struct pb_str s)
{
	buf_add_csv(b, s.p ? s.p : "", s.p ? s.len : 0);
}

const char *diff_csv_header(void)
{
	return "change,service,region,family,product,model,term,unit,tier,begin,end,old_price,new_price,pct,"
	       "currency,old_sku,new_sku,old_rate_code,new_rate_code\n";
}

static const struct pb_entry *tier_at(const struct pb_entry *v, size_t n, size_t k)
{
	return k < n ? &v[k] : NULL;
}

static struct pb_str fld(const struct pb_entry *e, enum pb_field f)
{
	struct pb_str none = { NULL, 0 };

	return e ? e->f[f] : none;
}

enum cc_code diff_format(const struct diff_change *c, enum diff_format f, struct buf *out)
{
	const struct pb_entry *head = c->old ? c->old : c->new;
	size_t k, n = c->nold > c->nnew ? c->nold : c->nnew;
	char p[48];

	if (f == DIFF_JSON) {
		buf_adds(out, "{\"change\":\"", diff_kind_name(c->kind), "\",\"service\":", NULL);
		buf_add_json_str(out, head->f[PB_SERVICE].p, head->f[PB_SERVICE].len);
		buf_addstr(out, ",\"region\":");
		buf_add_json_str(out, head->f[PB_REGION].p, head->f[PB_REGION].len);
		buf_addstr(out, ",\"family\":");
		buf_add_json_str(out, head->f[PB_FAMILY].p, head->f[PB_FAMILY].len);
		buf_addstr(out, ",\"key\":");
		add_pairs_json(out, head->f[PB_KEY]);
		buf_addstr(out, ",\"model\":");
		buf_add_json_str(out, head->f[PB_MODEL].p, head->f[PB_MODEL].len);
		buf_addstr(out, ",\"term\":");
		add_pairs_json(out, head->f[PB_TERM]);
		buf_addstr(out, ",\"unit\":");
		buf_add_json_str(out, head->f[PB_UNIT].p, head->f[PB_UNIT].len);
		buf_addstr(out, ",\"tiers\":[");
		for (k = 0; k < n; k++) {
			const struct pb_entry *o = tier_at(c->old, c->nold, k), *w = tier_at(c->new, c->nnew, k);
			const struct pb_entry *e = w ? w : o;
			enum pb_field fs[4] = { PB_PRICE, PB_SKU, PB_RATE_CODE, PB_BEGIN };
			const char *names[2][4] = { { "oldPrice", "oldSku", "oldRateCode", "oldBegin" },
						    { "newPrice", "newSku", "newRateCode", "newBegin" } };
			int side, i;

			buf_addstr(out, k ? ",{" : "{");
			buf_addstr(out, "\"begin\":");
			buf_add_json_str(out, e->f[PB_BEGIN].p, e->f[PB_BEGIN].len);
			buf_addstr(out, ",\"end\":");
			buf_add_json_str(out, e->f[PB_END].p, e->f[PB_END].len);
			for (side = 0; side < 2; side++) {
				const struct pb_entry *x = side ? w : o;

				for (i = 0; i < 4; i++) {
					if (i == 3 && (!o || !w || str_eq(o->f[PB_BEGIN], w->f[PB_BEGIN])))
						continue; /* a boundary is named twice only when it moved */
					buf_adds(out, ",\"", names[side][i], "\":", NULL);
					if (x)
						buf_add_json_str(out, x->f[fs[i]].p, x->f[fs[i]].len);
					else
						buf_addstr(out, "null");
				}
			}
			diff_pct(fld(o, PB_PRICE), fld(w, PB_PRICE), p, sizeof(p));
			buf_adds(out, ",\"pct\":", p[0] ? p : "null", "}", NULL);
		}
		buf_addstr(out, "],\"currency\":");
		buf_add_json_str(out, head->f[PB_CURRENCY].p, head->f[PB_CURRENCY].len);
		buf_addch(out, '}');
	} else if (f == DIFF_CSV) {
		for (k = 0; k < n; k++) {
			const struct pb_entry *o = tier_at(c->old, c->nold, k), *w = tier_at(c->new, c->nnew, k);
			const struct pb_entry *e = w ? w : o;
			struct buf tmp;
			char num[24];

			buf_adds(out, diff_kind_name(c->kind), ",", NULL);
			csv_str(out, head->f[PB_SERVICE]);
			buf_addch(out, ',');
			csv_str(out, head->f[PB_REGION]);
			buf_addch(out, ',');
			csv_str(out, head->f[PB_FAMILY]);
			buf_addch(out, ',');
			buf_init(&tmp, 1 << 16);
			add_pairs_text(&tmp, head->f[PB_KEY], ' ');
			buf_add_csv(out, tmp.buf, tmp.len);
			buf_addch(out, ',');
			csv_str(out, head->f[PB_MODEL]);
			buf_addch(out, ',');
			buf_reset(&tmp);
			add_pairs_text(&tmp, head->f[PB_TERM], ' ');
			buf_add_csv(out, tmp.buf, tmp.len);
			buf_release(&tmp);
			buf_addch(out, ',');
			csv_str(out, head->f[PB_UNIT]);
			snprintf(num, sizeof(num), ",%zu,", k + 1);
			buf_addstr(out, num);
			csv_str(out, e->f[PB_BEGIN]);
			buf_addch(out, ',');
			csv_str(out, e->f[PB_END]);
			buf_addch(out, ',');
			csv_str(out, fld(o, PB_PRICE));
			buf_addch(out, ',');
			csv_str(out, fld(w, PB_PRICE));
			diff_pct(fld(o, PB_PRICE), fld(w, PB_PRICE), p, sizeof(p));
			buf_adds(out, ",", p, ",", NULL);
			csv_str(out, head->f[PB_CURRENCY]);
			buf_addch(out, ',');
			csv_str(out, fld(o, PB_SKU));
			buf_addch(out, ',');
			csv_str(out, fld(w, PB_SKU));
			buf_addch(out, ',');
			csv_str(out, fld(o, PB_RATE_CODE));
			buf_addch(out, ',');
			csv_str(out, fld(w, PB_RATE_CODE));
			buf_addch(out, '\n');
		}
	} else {
		for (k = 0; k < n; k++) {
			const struct pb_entry *o = tier_at(c->old, c->nold, k), *w = tier_at(c->new, c->nnew, k);
			const struct pb_entry *e = w ? w : o;
			char line[160];

			buf_adds(out, k ? "         " : c->kind == DIFF_CHANGED ? "changed  " :
				 c->kind == DIFF_ADDED ? "added    " : "removed  ", NULL);
			if (!k) {
				buf_add(out, head->f[PB_FAMILY].p, head->f[PB_FAMILY].len);
				buf_addstr(out, ": ");
				add_pairs_text(out, head->f[PB_KEY], ' ');
				if (head->f[PB_MODEL].len && !str_eq(head->f[PB_MODEL], (struct pb_str){ "OnDemand", 8 })) {
					buf_addstr(out, " (");
					buf_add(out, head->f[PB_MODEL].p, head->f[PB_MODEL].len);
					if (head->f[PB_TERM].len) {
						buf_addch(out, ' ');
						add_pairs_text(out, head->f[PB_TERM], ' ');
					}
					buf_addch(out, ')');
				}
				buf_addstr(out, "\n         ");
			}
			diff_pct(fld(o, PB_PRICE), fld(w, PB_PRICE), p, sizeof(p));
			snprintf(line, sizeof(line), "  %.*s-%.*s %.*s: ", (int)e->f[PB_BEGIN].len, e->f[PB_BEGIN].p,
				 (int)e->f[PB_END].len, e->f[PB_END].p, (int)head->f[PB_UNIT].len, head->f[PB_UNIT].p);
			buf_addstr(out, line);
			if (o)
				buf_add(out, o->f[PB_PRICE].p, o->f[PB_PRICE].len);
			else
				buf_addstr(out, "-");
			buf_addstr(out, " -> ");
			if (w)
				buf_add(out, w->f[PB_PRICE].p, w->f[PB_PRICE].len);
			else
				buf_addstr(out, "-");
			buf_addch(out, ' ');
			buf_add(out, head->f[PB_CURRENCY].p, head->f[PB_CURRENCY].len);
			if (p[0])
				buf_adds(out, " (", p[0] == '-' ? "" : "+", p, "%)", NULL);
			if (o && w && !str_eq(o->f[PB_BEGIN], w->f[PB_BEGIN])) {
				buf_addstr(out, " boundary ");
				buf_add(out, o->f[PB_BEGIN].p, o->f[PB_BEGIN].len);
				buf_addstr(out, " -> ");
				buf_add(out, w->f[PB_BEGIN].p, w->f[PB_BEGIN].len);
			}
			buf_addstr(out, "  ");
			buf_add(out, e->f[PB_RATE_CODE].p, e->f[PB_RATE_CODE].len);
			buf_addch(out, '\n');
		}
	}
	return out->len + 16 > out->cap ? CC_ENOMEM : CC_OK;
}
