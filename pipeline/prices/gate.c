/* The sanity gate: see gate.h. */
#include "pipeline/prices/gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/prices/diff.h"
#include "pipeline/core/banned.h"

/* Entries per service and region of one pricebook, in its (sorted) order. */
struct groups {
	struct group {
		char name[128];
		uint64_t n;
	} *v;
	size_t n, alloc;
};

static enum cc_code count_groups(const struct pb_reader *r, struct groups *g, struct cc_err *err)
{
	uint64_t i, n = pb_count(r);
	size_t at = 0;

	for (i = 0; i < n; i++) {
		struct pb_entry e;
		char name[128];
		enum cc_code ret;

		if ((ret = pb_get(r, i, &e, err)))
			return ret;
		/* a service's Savings Plans rates are judged apart from its prices: 36 plan rates
		 * must not hide the loss of 15 instance prices */
		snprintf(name, sizeof(name), "%.*s %.*s%s", (int)(e.f[PB_SERVICE].len < 60 ? e.f[PB_SERVICE].len : 60),
			 e.f[PB_SERVICE].p, (int)(e.f[PB_REGION].len < 60 ? e.f[PB_REGION].len : 60), e.f[PB_REGION].p,
			 e.f[PB_MODEL].len == 11 && !memcmp(e.f[PB_MODEL].p, "SavingsPlan", 11) ? " (Savings Plans)" : "");
		if (!g->n || strcmp(name, g->v[at].name)) {
			/* the plans' families sort among the service's own: a group may come back */
			for (at = 0; at < g->n && strcmp(g->v[at].name, name); at++)
				;
			if (at == g->n) {
				if (cc_grow((void **)&g->v, &g->alloc, g->n, sizeof(*g->v)))
					return cc_err_set(err, CC_ENOMEM, "out of memory");
				memcpy(g->v[g->n].name, name, sizeof(name));
				g->v[g->n++].n = 0;
			}
		}
		g->v[at].n++;
	}
	return CC_OK;
}

static uint64_t group_count(const struct groups *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++) /* a few hundred at most: service x region */
		if (!strcmp(g->v[i].name, name))
			return g->v[i].n;
	return 0;
}

struct moves {
	double *v;
	size_t n, alloc;
	int oom;
};


static int collect(void *user, const struct diff_change *c)
{
	struct moves *m = user;
	double o, w;

	if (c->kind != DIFF_CHANGED || !c->nold || !c->nnew)
		return 0;
	o = pb_str_double(c->old[0].f[PB_PRICE]);
	w = pb_str_double(c->new[0].f[PB_PRICE]);
	if (o <= 0)
		return 0;
	if (m->n == m->alloc) {
		size_t a = m->alloc ? m->alloc * 2 : 1024;
		double *p = realloc(m->v, a * sizeof(*p));

		if (!p) {
			m->oom = 1;
			return 1;
		}
		m->v = p;
		m->alloc = a;
	}
	m->v[m->n++] = (w - o) / o;
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum cc_code gate_check(const struct pb_reader *old, const struct pb_reader *new, const struct gate_limits *l,
			struct gate_result *r, struct cc_err *err)
{
	struct groups go = { 0 }, gn = { 0 };
	struct moves m = { 0 };
	struct diff_stats st;
	enum cc_code ret;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->pass = 1;
	r->old_entries = pb_count(old);
	r->new_entries = pb_count(new);
	if ((ret = count_groups(old, &go, err)) || (ret = count_groups(new, &gn, err)))
		goto out;
	if (r->old_entries && r->new_entries < r->old_entries)
		r->loss_percent = 100.0 * (double)(r->old_entries - r->new_entries) / (double)r->old_entries;
	for (i = 0; i < go.n; i++) {
		uint64_t was = go.v[i].n, now = group_count(&gn, go.v[i].name);
		double loss;

		if (was < l->min_group_entries || now >= was)
			continue;
		loss = 100.0 * (double)(was - now) / (double)was;
		if (loss > r->worst_group_loss_percent) {
			r->worst_group_loss_percent = loss;
			snprintf(r->worst_group, sizeof(r->worst_group), "%s", go.v[i].name);
		}
	}
	if ((ret = diff_run(old, new, collect, &m, &st, err)))
		goto out;
	if (m.oom) {
		ret = cc_err_set(err, CC_ENOMEM, "out of memory comparing the pricebooks");
		goto out;
	}
	r->matched_prices = st.changed + st.unchanged;
	if (r->matched_prices) {
		/* the median of every matched price's move: the unchanged ones are zeros */
		uint64_t mid = r->matched_prices / 2, neg = 0, zero = st.unchanged;
		double med;

		if (m.n)
			qsort(m.v, m.n, sizeof(*m.v), by_value);
		for (i = 0; i < m.n; i++) {
			if (m.v[i] < 0)
				neg++;
			else if (m.v[i] == 0)
				zero++;
		}
		if (mid < neg)
			med = m.v[mid];
		else if (mid < neg + zero)
			med = 0;
		else
			med = m.v[mid - st.unchanged];
		r->median_move_percent = 100.0 * med;
	}
	if (r->loss_percent > l->max_loss_percent)
		snprintf(r->why, sizeof(r->why),
			 "it has %.1f%% fewer entries than the current pricebook (%llu -> %llu; gate.max_loss_percent %.1f)",
			 r->loss_percent, (unsigned long long)r->old_entries, (unsigned long long)r->new_entries,
			 l->max_loss_percent);
	else if (r->worst_group_loss_percent > l->max_group_loss_percent)
		snprintf(r->why, sizeof(r->why),
			 "%s has lost %.1f%% of its entries (gate.max_group_loss_percent %.1f)", r->worst_group,
			 r->worst_group_loss_percent, l->max_group_loss_percent);
	else if (r->median_move_percent > l->max_median_move_percent ||
		 -r->median_move_percent > l->max_median_move_percent)
		snprintf(r->why, sizeof(r->why),
			 "the median price moved %+.1f%% over %llu prices (gate.max_median_move_percent %.1f)",
			 r->median_move_percent, (unsigned long long)r->matched_prices, l->max_median_move_percent);
	r->pass = !r->why[0];
out:
	free(go.v);
	free(gn.v);
	free(m.v);
	return ret;
}
