#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "pipeline/calc/calc.h"
#include "pipeline/prices/pb.h"
#include "pipeline/docs/docs.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl recalc [--threads N] [--shard I/N] [--pricebook FILE] [--force] [--no-docs]",
	"                      [--at TIME]",
	"",
	"Prices every ACTIVE estimation against the current pricebook, in",
	"parallel, and writes a new CALCULATION for each whose inputs changed",
	"(the pricebook, its requirements, the rules): the summary on its",
	"METADATA, and an audit item. A second run with nothing changed writes",
	"nothing. With --shard I/N this worker takes scan segment I of N, so N",
	"workers share the estimations with no overlap.",
	"",
	"  --threads N   engine threads (default: every core but one while the store",
	"                thread is busy writing, every core while it is not)",
	"  --shard I/N   this worker's segment, 0 <= I < N",
	"  --pricebook FILE  price against FILE, not state/pricebook.current (a",
	"                worker whose state is its own, reading the night's pricebook",
	"                from a shared one)",
	"  --force       write even when nothing changed",
	"  --no-docs     no documents (default: the PDF proposal and XLSX workbook",
	"                of each estimation whose numbers moved, as `costctl docs`)",
	"  --at TIME     the calculations' time, ISO 8601 UTC (default: now)",
	"",
	"Exit status 3 when an estimation failed or is partial (each is named in",
	"the log and the audit log); the others are written.",
	NULL,
};

int cmd_recalc_run(struct cmd_ctx *c, struct recalc_options *io, const char *pricebook, int docs,
		   struct recalc_stats *out)
{
	struct recalc_options o = *io;
	struct recalc_stats st;
	struct cmd_pricing p;
	struct docs_options dopt;
	struct cmd_docs_paths paths;
	struct docs_run run;
	char pending[4200];
	int ret;

	memset(&run, 0, sizeof(run));
	memset(&st, 0, sizeof(st));
	if (docs) {
		/* a bad template is found before anything is priced */
		cmd_docs_options(c, &dopt, o.calculated_at, &paths);
		if ((ret = docs_run_open(&run, &dopt, &c->err)))
			return ret;
		o.docs = &run;
		/* the documents owed by a run that died or failed before making them */
		if (o.nshards > 1)
			snprintf(pending, sizeof(pending), "%s/documents-pending.%uof%u", c->state, o.shard, o.nshards);
		else
			snprintf(pending, sizeof(pending), "%s/documents-pending", c->state);
		o.pending_path = pending;
	}
	if ((ret = cmd_pricing_open(c, pricebook, &p))) {
		docs_run_close(&run);
		return ret;
	}
	o.pricebook_sha256 = p.sha;
	ret = recalc_all(&c->cc, p.s, p.cc, p.pb, &o, &st, &c->err);
	if (!ret || ret == CC_EPARTIAL) {
		cc_log(&c->cc, ret ? CC_LOG_WARN : CC_LOG_INFO, "recalc",
		       "%u estimations: %u written, %u unchanged, %u partial, %u failed; "
		       "%.2f s reading, %.2f s pricing, %.2f s writing",
		       st.estimations, st.written, st.unchanged, st.partial, st.failed, st.read_s,
		       st.engine_s, st.write_s);
		if (docs)
			cc_log(&c->cc, st.docs_failed ? CC_LOG_WARN : CC_LOG_INFO, "recalc",
			       "documents: %u files (estimations whose numbers moved, or owed), %u failed; %.2f s",
			       st.documents, st.docs_failed, st.docs_s);
	}
	docs_run_close(&run);
	cmd_pricing_close(&p);
	if (out)
		*out = st;
	return ret;
}

int cmd_recalc(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_THREADS = 256, OPT_SHARD, OPT_FORCE, OPT_NODOCS, OPT_AT, OPT_PRICEBOOK };
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "no-docs", no_argument, NULL, OPT_NODOCS },
		{ "at", required_argument, NULL, OPT_AT },
		{ "pricebook", required_argument, NULL, OPT_PRICEBOOK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct recalc_options o;

	char now[32], *end;
	int opt, ret, docs = 1;
	const char *pricebook = NULL;

	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_THREADS:
			o.threads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o.threads || o.threads > 1024 || optarg[0] < '0' || optarg[0] > '9')
				return cc_err_set(&c->err, CC_EUSAGE, "--threads wants 1..1024, not '%s'", optarg);
			break;
		case OPT_SHARD:
			if (sscanf(optarg, "%u/%u", &o.shard, &o.nshards) != 2 || !o.nshards ||
			    o.shard >= o.nshards || o.nshards > 100000)
				return cc_err_set(&c->err, CC_EUSAGE, "--shard wants I/N with 0 <= I < N, not '%s'",
						  optarg);
			break;
		case OPT_FORCE: o.force = 1; break;
		case OPT_NODOCS: docs = 0; break;
		case OPT_AT: o.calculated_at = optarg; break;
		case OPT_PRICEBOOK: pricebook = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind != argc)
		return cmd_usage(usage, 0);
	if ((ret = cmd_calc_time(c, o.calculated_at, now, &o.calculated_at)))
		return ret;
	return cmd_recalc_run(c, &o, pricebook, docs, NULL);
}
