#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/calc/calc.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/sha256.h"
#include "pipeline/docs/docs.h"
#include "pipeline/intake/intake.h"
#include "pipeline/intake/sheetread.h"
#include "pipeline/prices/pb.h"
#include "pipeline/store/store.h"

#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl intake template [--pricebook FILE] [--at TIME] [OUT.xlsx]",
	"       costctl intake import --owner USER_ID [--project NAME] [--status ACTIVE|DRAFT]",
	"                             [--id EST_ID | --estimation EST_ID] [--dry-run] [--at TIME]",
	"                             [--format table|items] [--pricebook FILE] FILE.xlsx|FILE.csv",
	"",
	"template writes the requirements workbook a sales engineer fills in",
	"(default requirements-template.xlsx): one sheet per section, the field",
	"names in row 2, lists from what the engine prices and the pricebook's",
	"regions, two example rows that are never imported.",
	"",
	"import reads a filled workbook (or the same columns as CSV), checks every",
	"cell (every problem at once, as Sheet!Cell: field ...; nothing is written",
	"when there is any), creates the estimation (METADATA, REQUIREMENTS, the",
	"upload kept as a REQUIREMENTS_UPLOAD document, an audit item: all or",
	"nothing), prices it and prints the breakdown.",
	"",
	"  --owner USER_ID      the new estimation's owner (USER#USER_ID PROFILE must exist)",
	"  --project NAME       its ProjectName (default: the Client sheet's)",
	"  --status S           ACTIVE (default: priced nightly) or DRAFT",
	"  --id EST_ID          the new estimation's id (default: est- and 12 hex digits)",
	"  --estimation EST_ID  replace that estimation's requirements (optimistic lock on its Version)",
	"  --dry-run            check and price, write nothing",
	"  --format FMT         table (default: the priced breakdown) or items (the METADATA and",
	"                       REQUIREMENTS items, a JSON line each, as 'table import' reads them)",
	"  --at TIME            the time written, ISO 8601 UTC (default: now)",
	"  --pricebook FILE     price against FILE, not state/pricebook.current",
	"",
	"Exit status 2 when the workbook has errors (each on stderr), 3 when a price",
	"is missing (the estimation is written; its calculation is PARTIAL).",
	NULL,
};

static int do_template(int argc, char **argv, struct cmd_ctx *c, const char *file, const char *at)
{
	struct pb_reader *pb = NULL;
	const char *out = "requirements-template.xlsx";
	int ret;

	if (argc > 1)
		return cmd_usage(usage, 0);
	if (argc == 1)
		out = argv[0];
	if ((ret = cmd_open_pricebook(c, file, &pb)))
		return ret;
	ret = intake_template(out, pb, at, &c->err);
	pb_close(pb);
	if (!ret)
		cc_log(&c->cc, CC_LOG_INFO, "intake", "wrote the requirements template %s", out);
	return ret;
}

/* The workbook's problems, a line each on stderr as compilers print theirs. */
static void print_lines(const struct buf *lines)
{
	if (lines->len)
		fprintf(stderr, "%.*s", (int)lines->len, lines->buf);
}

/* What was skipped: a log line each. */
static void log_notes(struct cmd_ctx *c, const struct buf *notes)
{
	const char *p = notes->buf, *e = notes->buf + notes->len;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));

		if (!nl)
			nl = e;
		cc_log(&c->cc, CC_LOG_INFO, "intake", "%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

static int price(struct cmd_ctx *c, struct cmd_pricing *p, struct intake_result *r, const char *at,
		 struct calc_result *cr)
{
	struct calc_input in;

	memset(&in, 0, sizeof(in));
	in.estimation_id = r->id;
	in.metadata = r->metadata.buf;
	in.metadata_len = r->metadata.len;
	in.requirements = r->requirements.buf;
	in.requirements_len = r->requirements.len;
	in.owner_region = r->owner_region[0] ? r->owner_region : NULL;
	in.calculated_at = at;
	in.pricebook_sha256 = p->sha;
	return calc_estimation(p->cc, p->pb, &in, cr, &c->err);
}

static int do_import(int argc, char **argv, struct cmd_ctx *c, const char *file, const char *at,
		     const struct intake_options *o, int dry, int items)
{
	struct sheet_limits lim;
	struct sheet_book book;
	struct intake_result r;
	struct calc_result cr;
	struct recalc_inputs ri;
	struct cmd_pricing p;
	struct docs_options dopt;
	struct cmd_docs_paths paths;
	enum recalc_outcome outcome;
	struct buf data;
	unsigned char dg[32];
	char sha[65], cell[160];
	const char *path;
	int ret;

	if (argc != 1)
		return cmd_usage(usage, 0);
	path = argv[0];
	sheet_limits_default(&lim);
	lim.max_total = (size_t)cfg_int(c->cfg, "intake.max_unzipped_mb") << 20;
	lim.max_part = lim.max_total;
	lim.max_rows = (unsigned)cfg_int(c->cfg, "intake.max_rows");
	lim.max_cells = (size_t)cfg_int(c->cfg, "intake.max_cells");
	buf_init(&data, (size_t)cfg_int(c->cfg, "intake.max_file_mb") << 20);
	sheet_book_init(&book);
	intake_result_init(&r);
	calc_result_init(&cr);
	recalc_inputs_init(&ri);
	memset(&p, 0, sizeof(p));
	if ((ret = fs_read_file(path, "workbook", data.cap, &data, &c->err))) {
		if (ret == CC_ENOMEM) {
			cc_err_clear(&c->err);
			ret = cc_err_set(&c->err, CC_ENOMEM, "workbook '%s' is larger than intake.max_file_mb (%lld MiB)",
					 path, (long long)cfg_int(c->cfg, "intake.max_file_mb"));
		}
		goto out;
	}
	sha256_buf(data.buf, data.len, dg);
	sha256_hex(dg, sha);
	if ((ret = sheet_read(data.buf, data.len, cc_basename(path), &lim, &book, &c->err)))
		goto out;
	if ((ret = cmd_pricing_open(c, file, &p)))
		goto out;
	ret = intake_read(&book, p.pb, o, sha, &r, &c->err);
	log_notes(c, &r.notes);
	if (ret) {
		print_lines(&r.errors);
		goto out;
	}
	if ((ret = intake_metadata(p.s, o, &r, &c->err)))
		goto out;
	/* priced before anything is written: a requirement the engine refuses names its cell */
	if ((ret = price(c, &p, &r, at, &cr))) {
		if (ret == CC_EPARSE && intake_locate(&r, c->err.msg, cell, sizeof(cell))) {
			fprintf(stderr, "%s: %s\n", cell, c->err.msg);
			cc_err_clear(&c->err);
			ret = cc_err_set(&c->err, CC_EPARSE, "1 error in the workbook: nothing written");
		}
		goto out;
	}
	if (items)
		printf("%s\n%s\n", r.metadata.buf, r.requirements.buf);
	if (dry) {
		if (!items)
			fwrite(cr.table.buf, 1, cr.table.len, stdout);
		cc_log(&c->cc, CC_LOG_INFO, "intake", "%s: dry run: %u compute, %u storage, %u database rows; nothing written",
		       r.id, r.rows[1], r.rows[2], r.rows[4]);
		goto partial;
	}
	cmd_docs_options(c, &dopt, at, &paths);
	if ((ret = intake_save(p.s, paths.out, data.buf, data.len, path, o, &r, &c->err)))
		goto out;
	cc_log(&c->cc, CC_LOG_INFO, "intake", "%s: %s from %s (%u compute, %u storage, %u database rows)", r.id,
	       o->replace ? "requirements replaced" : "created", cc_basename(path), r.rows[1], r.rows[2], r.rows[4]);
	/* priced as rebuild does: from what the table now holds */
	calc_result_release(&cr);
	calc_result_init(&cr);
	if ((ret = recalc_load(p.s, r.id, NULL, &ri, &c->err)))
		goto out;
	{
		struct calc_input in;

		recalc_input(&in, r.id, &ri, at, NULL, p.sha);
		if ((ret = calc_estimation(p.cc, p.pb, &in, &cr, &c->err)))
			goto out;
	}
	if (!items)
		fwrite(cr.table.buf, 1, cr.table.len, stdout);
	fflush(stdout);
	if ((ret = recalc_save(p.s, r.id, &ri, &cr, at, p.sha, 0, &outcome, &c->err)))
		goto out;
	if (outcome == RECALC_UNCHANGED) {
		cc_log(&c->cc, CC_LOG_INFO, "intake",
		       "%s: priced as its latest calculation (same inputs, same pricebook): no new calculation", r.id);
	} else {
		char m[40];

		dec_format(cr.monthly, 2, m, sizeof(m));
		cc_log(&c->cc, CC_LOG_INFO, "intake", "%s: wrote CALCULATION#%s: %s %s a month (%s)", r.id, at, m,
		       cr.currency, cr.status == CALC_COMPLETE ? "complete" : "partial");
	}
partial:
	if (cr.status == CALC_PARTIAL)
		ret = cc_err_set(&c->err, CC_EPARTIAL,
				 "%s: %u price%s missing: the calculation is PARTIAL (see its warnings)", r.id,
				 cr.missing, cr.missing == 1 ? " is" : "s are");
out:
	recalc_inputs_release(&ri);
	calc_result_release(&cr);
	cmd_pricing_close(&p);
	intake_result_release(&r);
	sheet_book_release(&book);
	buf_release(&data);
	return ret;
}

int cmd_intake(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_OWNER = 256, OPT_PROJECT, OPT_STATUS, OPT_ID, OPT_EST, OPT_DRY, OPT_AT, OPT_PRICEBOOK, OPT_FORMAT };
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "project", required_argument, NULL, OPT_PROJECT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "id", required_argument, NULL, OPT_ID },
		{ "estimation", required_argument, NULL, OPT_EST },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "at", required_argument, NULL, OPT_AT },
		{ "pricebook", required_argument, NULL, OPT_PRICEBOOK },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct intake_options o;
	const char *sub, *file = NULL, *at = NULL;
	char now[32];
	int opt, ret, dry = 0, items = 0;

	memset(&o, 0, sizeof(o));
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cmd_usage(usage, 1);
	if (argc < 2)
		return cmd_usage(usage, 0);
	sub = argv[1];
	if (strcmp(sub, "template") && strcmp(sub, "import"))
		return cc_err_set(&c->err, CC_EUSAGE, "intake: '%.40s' is not template or import", sub);
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_OWNER: o.owner = optarg; break;
		case OPT_PROJECT: o.project = optarg; break;
		case OPT_STATUS:
			if (strcmp(optarg, "ACTIVE") && strcmp(optarg, "DRAFT"))
				return cc_err_set(&c->err, CC_EUSAGE, "--status must be ACTIVE or DRAFT, not '%.40s'",
						  optarg);
			o.status = optarg;
			break;
		case OPT_ID: o.new_id = optarg; break;
		case OPT_EST: o.replace = optarg; break;
		case OPT_DRY: dry = 1; break;
		case OPT_AT: at = optarg; break;
		case OPT_PRICEBOOK: file = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") && strcmp(optarg, "items"))
				return cc_err_set(&c->err, CC_EUSAGE, "--format must be table or items, not '%.40s'", optarg);
			items = !strcmp(optarg, "items");
			break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if ((ret = cmd_calc_time(c, at, now, &at)))
		return ret;
	o.at = at;
	if (!strcmp(sub, "template"))
		return do_template(argc - optind, argv + optind, c, file, at);
	if (o.new_id && o.replace)
		return cc_err_set(&c->err, CC_EUSAGE, "--id names a new estimation, --estimation an existing one: not both");
	if (!o.replace && !o.owner)
		return cc_err_set(&c->err, CC_EUSAGE, "intake import: --owner USER_ID is required for a new estimation");
	return do_import(argc - optind, argv + optind, c, file, at, &o, dry, items);
}
