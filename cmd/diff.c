#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/prices/diff.h"
#include "pipeline/prices/pb.h"
#include "pipeline/prices/pbstore.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl diff [--format table|json|csv] [OLD NEW]",
	"",
	"Compares two pricebooks in one merge pass (default: state/pricebook.previous",
	"and state/pricebook.current): every price that changed, was added or was",
	"removed, with its tiers (a tier boundary that moved is a change), old and",
	"new rate, the change in percent, SKU and rate code, in pricebook order",
	"(service, region, family, product).",
	"",
	"  --format FMT  table (default: for people, grouped by service and region),",
	"                json (one object a line) or csv (one row a tier)",
	NULL,
};

struct out {
	enum diff_format f;
	struct buf b, group;
	int failed;
};

static int print_change(void *user, const struct diff_change *c)
{
	struct out *o = user;
	const struct pb_entry *h = c->old ? c->old : c->new;

	buf_reset(&o->b);
	if (o->f == DIFF_TABLE) {
		/* a heading for each service and region */
		struct buf g;

		buf_init(&g, 4096);
		buf_add(&g, h->f[PB_SERVICE].p, h->f[PB_SERVICE].len);
		buf_addch(&g, ' ');
		buf_add(&g, h->f[PB_REGION].p, h->f[PB_REGION].len);
		if (strcmp(g.buf, o->group.buf)) {
			buf_adds(&o->b, o->group.len ? "\n" : "", "== ", g.buf, "\n", NULL);
			buf_reset(&o->group);
			buf_add(&o->group, g.buf, g.len);
		}
		buf_release(&g);
	}
	if (diff_format(c, o->f, &o->b)) {
		o->failed = 1;
		return 1;
	}
	if (o->f == DIFF_JSON)
		buf_addch(&o->b, '\n');
	fwrite(o->b.buf, 1, o->b.len, stdout);
	return 0;
}

int cmd_diff(int argc, char **argv, struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pb_reader *a = NULL, *b = NULL;
	struct buf pa, pbk;
	struct diff_stats st;
	struct out o;
	int opt, ret;

	memset(&o, 0, sizeof(o));
	o.f = DIFF_TABLE;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "table"))
				o.f = DIFF_TABLE;
			else if (!strcmp(optarg, "json"))
				o.f = DIFF_JSON;
			else if (!strcmp(optarg, "csv"))
				o.f = DIFF_CSV;
			else
				return cc_err_set(&c->err, CC_EUSAGE, "format must be table, json or csv, not '%s'", optarg);
			break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind != argc && optind + 2 != argc)
		return cmd_usage(usage, 0);
	buf_init(&pa, 8192);
	buf_init(&pbk, 8192);
	buf_init(&o.b, (size_t)1 << 20);
	buf_init(&o.group, 4096);
	if (optind + 2 == argc) {
		buf_addstr(&pa, argv[optind]);
		buf_addstr(&pbk, argv[optind + 1]);
		ret = CC_OK;
	} else if ((ret = pb_store_current(c->state, "previous", &pa, &c->err)) ||
		   (ret = pb_store_current(c->state, "current", &pbk, &c->err))) {
		goto out;
	}
	if ((ret = pb_open(&a, pa.buf, &c->err)) || (ret = pb_open(&b, pbk.buf, &c->err)))
		goto out;
	if (o.f == DIFF_CSV)
		fputs(diff_csv_header(), stdout);
	ret = diff_run(a, b, print_change, &o, &st, &c->err);
	if (!ret && o.failed)
		ret = cc_err_set(&c->err, CC_ENOMEM, "a change too large to print");
	if (fflush(stdout) && !ret)
		ret = cc_err_set(&c->err, CC_EIO, "cannot write the diff");
	if (!ret)
		cc_log(&c->cc, CC_LOG_INFO, "diff",
		       "%" PRIu64 " -> %" PRIu64 " entries: %" PRIu64 " prices changed, %" PRIu64 " added, %" PRIu64
		       " removed, %" PRIu64 " unchanged",
		       st.old_entries, st.new_entries, st.changed, st.added, st.removed, st.unchanged);
out:
	pb_close(a);
	pb_close(b);
	buf_release(&pa);
	buf_release(&pbk);
	buf_release(&o.b);
	buf_release(&o.group);
	return ret;
}
