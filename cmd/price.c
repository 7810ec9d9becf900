#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/core/buf.h"
#include "pipeline/prices/pb.h"
#include "pipeline/prices/pbstore.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl price [options] SERVICE REGION [NAME=VALUE...]",
	"       costctl price --dump [FILE]",
	"",
	"Prints the matching pricebook entries as JSON lines. SERVICE and REGION",
	"must match exactly (AmazonEC2 us-east-1); each NAME=VALUE must be in the",
	"entry's product key (instanceType=t3.xlarge operatingSystem=Linux).",
	"--dump prints every entry, sorted: the canonical text form of a pricebook.",
	"Exit status 2 when nothing matches.",
	"",
	"  --pricebook FILE   read FILE (default: <state>/pricebook.current)",
	"  --model MODEL      OnDemand, Reserved, or a pricing model such as",
	"                     ON_DEMAND or RESERVED_1YR_NO_UPFRONT",
	"  --family NAME      product family (\"Compute Instance\")",
	"  --term NAME=VALUE  a term attribute (LeaseContractLength=3yr); repeatable",
	"  --format FMT       json (default: one JSON line per entry) or table",
	"  --dump             print every entry",
	"  -h, --help         this help",
	NULL,
};

#define MAX_PAIRS 32

struct pairs {
	const char *names[MAX_PAIRS], *values[MAX_PAIRS];
	size_t n;
	char *owned[MAX_PAIRS];
	size_t nowned;
};

static int add_pair(struct pairs *p, const char *arg, struct cc_err *err)
{
	const char *eq = strchr(arg, '=');
	char *copy;

	if (!eq || eq == arg)
		return cc_err_set(err, CC_EUSAGE, "expected NAME=VALUE, not '%s'", arg);
	if (p->n == MAX_PAIRS)
		return cc_err_set(err, CC_EUSAGE, "more than %d NAME=VALUE pairs",
				  MAX_PAIRS);
	copy = strdup(arg);
	if (!copy)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	copy[eq - arg] = '\0';
	p->owned[p->nowned++] = copy;
	p->names[p->n] = copy;
	p->values[p->n] = copy + (eq - arg) + 1;
	p->n++;
	return CC_OK;
}

static int add_const(struct pairs *p, const char *name, const char *value)
{
	if (p->n == MAX_PAIRS)
		return -1;
	p->names[p->n] = name;
	p->values[p->n] = value;
	p->n++;
	return 0;
}

/*
 * The estimation's PricingModel values (ON_DEMAND, RESERVED_1YR_NO_UPFRONT,
 * RESERVED_3YR_ALL_UPFRONT, ...) as a model plus term attributes; standard
 * offering class unless _CONVERTIBLE follows.
 */
static int parse_model(const char *m, const char **model, const char **family, struct pairs *term,
		       struct cc_err *err)
{
	static const struct {
		const char *tag, *family;
	} plans[] = {
		{ "SAVINGS_PLAN_COMPUTE", "ComputeSavingsPlans" },
		{ "SAVINGS_PLAN_EC2_INSTANCE", "EC2InstanceSavingsPlans" },
		{ "SAVINGS_PLAN_DATABASE", "DatabaseSavingsPlans" },
	};
	static const struct {
		const char *tag, *value;
	} options[] = {
		{ "_NO_UPFRONT", "No Upfront" },
		{ "_PARTIAL_UPFRONT", "Partial Upfront" },
		{ "_ALL_UPFRONT", "All Upfront" },
	};
	const char *lease, *rest;
	size_t i;

	if (!strcmp(m, "OnDemand") || !strcmp(m, "ON_DEMAND")) {
		*model = "OnDemand";
		return CC_OK;
	}
	if (!strcmp(m, "Reserved")) {
		*model = "Reserved";
		return CC_OK;
	}
	if (!strcmp(m, "SavingsPlan")) {
		*model = "SavingsPlan";
		return CC_OK;
	}
	/* SAVINGS_PLAN_<TYPE>_<1YR|3YR>_<NO|PARTIAL|ALL>_UPFRONT: the plan type is the entry's family */
	for (i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		size_t n = strlen(plans[i].tag), k;

		if (strncmp(m, plans[i].tag, n) || (strncmp(m + n, "_1YR", 4) && strncmp(m + n, "_3YR", 4)))
			continue;
		lease = m[n + 1] == '1' ? "1yr" : "3yr";
		for (k = 0; k < 3; k++)
			if (!strcmp(m + n + 4, options[k].tag)) {
				*model = "SavingsPlan";
				*family = plans[i].family;
				if (add_const(term, "LeaseContractLength", lease) ||
				    add_const(term, "PurchaseOption", options[k].value))
					return cc_err_set(err, CC_EUSAGE, "too many term attributes");
				return CC_OK;
			}
	}
	if (!strncmp(m, "RESERVED_1YR", 12))
		lease = "1yr";
	else if (!strncmp(m, "RESERVED_3YR", 12))
		lease = "3yr";
	else
		goto bad;
	rest = m + 12;
	for (i = 0; i < 3; i++) {
		size_t len = strlen(options[i].tag);

		if (strncmp(rest, options[i].tag, len))
			continue;
		rest += len;
		if (*rest && strcmp(rest, "_CONVERTIBLE"))
			goto bad;
		*model = "Reserved";
		if (add_const(term, "LeaseContractLength", lease) ||
		    add_const(term, "PurchaseOption", options[i].value) ||
		    add_const(term, "OfferingClass", *rest ? "convertible" : "standard"))
			return cc_err_set(err, CC_EUSAGE, "too many term attributes");
		return CC_OK;
	}
bad:
	return cc_err_set(err, CC_EUSAGE,
			  "unknown pricing model '%s' (OnDemand, Reserved, SavingsPlan, ON_DEMAND, "
			  "RESERVED_1YR|3YR_NO|PARTIAL|ALL_UPFRONT[_CONVERTIBLE], "
			  "SAVINGS_PLAN_COMPUTE|EC2_INSTANCE|DATABASE_1YR|3YR_NO|PARTIAL|ALL_UPFRONT)", m);
}

struct printer {
	struct buf line;
	int table;
	uint64_t rows;
	int failed;  /* 1: an entry too large to print; 2: stdout failed */
};

/* Values of a pair list joined by spaces: "t3.xlarge Linux Shared ..." */
static void add_values(struct buf *b, struct pb_str list, size_t width)
{
	struct pb_str n, v;
	size_t pos = 0, start = b->len;

	while (pb_pairs_next(list, &pos, &n, &v)) {
		/*
		 * marketoption=OnDemand is the market (not Spot, not a
		 * capacity block), not the pricing model: beside a Reserved
		 * MODEL it reads as a contradiction, so the table leaves the
		 * usual value out (json keeps it)
		 */
		if (n.len == 12 && !memcmp(n.p, "marketoption", 12) && v.len == 8 &&
		    !memcmp(v.p, "OnDemand", 8))
			continue;
		if (b->len > start)
			buf_addch(b, ' ');
		buf_add(b, v.p, v.len);
	}
	if (b->len - start > width) {
		b->len = start + width - 3;
		buf_addstr(b, "...");
	}
	while (b->len - start < width)
		buf_addch(b, ' ');
}

static void add_col(struct buf *b, struct pb_str s, size_t width)
{
	size_t n = s.len > width ? width : s.len;

	buf_add(b, s.p, n);
	while (n++ < width)
		buf_addch(b, ' ');
}

static int print_entry(void *user, const struct pb_entry *e)
{
	struct printer *pr = user;
	struct buf *b = &pr->line;

	buf_reset(b);
	if (!pr->table) {
		if (pb_entry_json(e, b) || buf_addch(b, '\n'))
			return pr->failed = 1;
	} else {
		struct pb_str none = { "-", 1 };

		if (!pr->rows++)
			buf_addf(b, "%-15s %-17s %-58s %-8s %-34s %-9s %-16s %s\n",
				 "REGION", "FAMILY", "PRODUCT", "MODEL", "TERM", "UNIT",
				 "RANGE", "PRICE");
		add_col(b, e->f[PB_REGION], 15);
		buf_addch(b, ' ');
		add_col(b, e->f[PB_FAMILY], 17);
		buf_addch(b, ' ');
		add_values(b, e->f[PB_KEY], 58);
		buf_addch(b, ' ');
		add_col(b, e->f[PB_MODEL], 8);
		buf_addch(b, ' ');
		if (e->f[PB_TERM].len)
			add_values(b, e->f[PB_TERM], 34);
		else
			add_col(b, none, 34);
		buf_addch(b, ' ');
		add_col(b, e->f[PB_UNIT], 9);
		buf_addch(b, ' ');
		{
			size_t start = b->len;

			if (e->f[PB_BEGIN].len)
				buf_addf(b, "%.*s-%.*s", (int)e->f[PB_BEGIN].len,
					 e->f[PB_BEGIN].p, (int)e->f[PB_END].len,
					 e->f[PB_END].p);
			else
				buf_addch(b, '-');
			while (b->len - start < 16)
				buf_addch(b, ' ');
		}
		buf_addf(b, " %.*s %.*s\n", (int)e->f[PB_PRICE].len, e->f[PB_PRICE].p,
			 (int)e->f[PB_CURRENCY].len, e->f[PB_CURRENCY].p);
	}
	if (b->len > b->cap - 64)
		return pr->failed = 1; /* a table row cut short by the cap */
	if (fwrite(b->buf, b->len, 1, stdout) != 1)
		return pr->failed = 2;
	return 0;
}

static int dump(struct cmd_ctx *c, const char *file, struct printer *pr)
{
	struct pb_reader *r = NULL;
	uint64_t i;
	int ret;

	if ((ret = cmd_open_pricebook(c, file, &r)))
		return ret;
	for (i = 0; i < pb_count(r); i++) {
		struct pb_entry e;

		if ((ret = pb_get(r, i, &e, &c->err)))
			break;
		if (print_entry(pr, &e)) {
			ret = pr->failed == 1 ?
				cc_err_set(&c->err, CC_ECORRUPT,
					   "entry %llu of '%s' is too large to print (over %zu bytes)",
					   (unsigned long long)i, file ? file : "pricebook.current",
					   pr->line.cap) :
				cc_err_set(&c->err, CC_EIO, "cannot write entry %llu: %s",
					   (unsigned long long)i, strerror(errno));
			break;
		}
	}
	pb_close(r);
	return ret;
}

int cmd_price(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_PRICEBOOK = 256, OPT_MODEL, OPT_FAMILY, OPT_TERM, OPT_DUMP,
	       OPT_FORMAT };
	static const struct option opts[] = {
		{ "pricebook", required_argument, NULL, OPT_PRICEBOOK },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "family", required_argument, NULL, OPT_FAMILY },
		{ "term", required_argument, NULL, OPT_TERM },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *model_arg = NULL;
	struct pb_query q;
	struct pairs key, term;
	struct pb_reader *r = NULL;
	struct printer pr;
	uint64_t matches = 0;
	int o, ret = CC_OK, want_dump = 0;
	size_t i;

	memset(&q, 0, sizeof(q));
	memset(&key, 0, sizeof(key));
	memset(&term, 0, sizeof(term));
	memset(&pr, 0, sizeof(pr));
	/* 16 fields of at most 64 KiB, each escaped at most 6 times over */
	buf_init(&pr.line, (size_t)16 << 20);
	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_PRICEBOOK: file = optarg; break;
		case OPT_MODEL: model_arg = optarg; break;
		case OPT_FAMILY: q.family = optarg; break;
		case OPT_TERM:
			if ((ret = add_pair(&term, optarg, &c->err)))
				goto out;
			break;
		case OPT_DUMP: want_dump = 1; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
				ret = cc_err_set(&c->err, CC_EUSAGE,
						 "format must be json or table, not '%s'", optarg);
				goto out;
			}
			pr.table = !strcmp(optarg, "table");
			break;
		case 'h': ret = cmd_usage(usage, 1); goto out;
		default: ret = cmd_usage(usage, 0); goto out;
		}
	}
	if (want_dump) {
		if (argc - optind > 1) {
			ret = cmd_usage(usage, 0);
			goto out;
		}
		ret = dump(c, optind < argc ? argv[optind] : file, &pr);
		goto out;
	}
	if (argc - optind < 2) {
		ret = cmd_usage(usage, 0);
		goto out;
	}
	q.service = argv[optind];
	q.region = argv[optind + 1];
	for (i = (size_t)optind + 2; i < (size_t)argc; i++)
		if ((ret = add_pair(&key, argv[i], &c->err)))
			goto out;
	if (model_arg && (ret = parse_model(model_arg, &q.model, &q.family, &term, &c->err)))
		goto out;
	q.key_names = key.names;
	q.key_values = key.values;
	q.nkey = key.n;
	q.term_names = term.names;
	q.term_values = term.values;
	q.nterm = term.n;
	if ((ret = cmd_open_pricebook(c, file, &r)))
		goto out;
	ret = pb_find(r, &q, print_entry, &pr, &matches, &c->err);
	/* a callback that stops the search is a failure here, never "done" */
	if (!ret && pr.failed)
		ret = pr.failed == 1 ?
			cc_err_set(&c->err, CC_ECORRUPT, "an entry of '%s' is too large to print",
				   pb_path(r)) :
			cc_err_set(&c->err, CC_EIO, "cannot write to standard output: %s",
				   strerror(errno));
	if (!ret && !matches) {
		struct buf what;

		buf_init(&what, 4096);
		for (i = 0; i < key.n; i++)
			buf_addf(&what, " %s=%s", key.names[i], key.values[i]);
		ret = cc_err_set(&c->err, CC_ENOTFOUND,
				 "no price for %s in %s%s%s%s in '%s'", q.service,
				 q.region, what.buf, q.model ? ", model " : "",
				 q.model ? q.model : "", pb_path(r));
		buf_release(&what);
	}
out:
	pb_close(r);
	buf_release(&pr.line);
	for (i = 0; i < key.nowned; i++)
		free(key.owned[i]);
	for (i = 0; i < term.nowned; i++)
		free(term.owned[i]);
	return ret;
}
