#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/dec.h"
#include "pipeline/prices/diff.h"
#include "pipeline/prices/fetch.h"
#include "pipeline/prices/ingest.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/core/jsonutil.h"
#include "pipeline/prices/pb.h"
#include "pipeline/prices/pbstore.h"
#include "pipeline/calc/recalc.h"
#include "pipeline/report/report.h"
#include "pipeline/core/sha256.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl nightly [--force] [--dry-run] [--no-recalc] [--threads N] [--at TIME]",
	"",
	"The nightly job, under the run lock: fetch the price-list files that",
	"changed -> ingest them into a new pricebook past the sanity gate ->",
	"recalculate every active estimation (documents for those whose numbers",
	"moved) -> the morning report in <state>/reports/YYYY-MM-DD/ (summary.md,",
	"estimations.csv, changes.csv, report.json) -> an AUDIT item for the run.",
	"Each stage logs its start, end, counts and seconds. A night already done",
	"is not done again (<state>/nightly/YYYY-MM-DD.done) unless --force.",
	"",
	"  --force       run a night that is done again; publish a pricebook the",
	"                sanity gate refuses",
	"  --dry-run     what tonight would change, with nothing written: fetch",
	"                into a scratch copy of the offers, build the pricebook",
	"                (the sanity gate checked, never published), the price",
	"                changes, and every active estimation priced: the ones",
	"                that would move, old -> new; the scratch is removed",
	"  --no-recalc   fetch, ingest and record the night, then stop: the",
	"                recalculation is left to sharded workers (recalc",
	"                --shard I/N), and the report to `costctl report DATE`",
	"                once they are done (cron/aws/recalc-batch.yaml)",
	"  --threads N   recalc's engine threads (default: every core but one)",
	"  --at TIME     the night, ISO 8601 UTC (default: now)",
	"",
	"Exit status: 0 done; 2 nothing published (the sanity gate, a bad file:",
	"yesterday's pricebook stays current, nothing is priced against a new",
	"one); 3 done, but estimations failed or are partial (named); 4 another",
	"run holds the lock; 75 the price list cannot be reached (retry later).",
	NULL,
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the run */

static int current_sha(struct cmd_ctx *c, char out[65])
{
	struct buf path;
	struct cc_err soft = { 0 };
	int ret;

	out[0] = '\0';
	buf_init(&path, 8192);
	ret = pb_store_current(c->state, "current", &path, &soft);
	if (!ret)
		ret = sha256_file(path.buf, out, &c->err);
	else
		ret = CC_OK; /* no pricebook yet */
	buf_release(&path);
	return ret;
}


/*
 * A stage begins. COSTCTL_NIGHTLY_KILL_AT=STAGE (for the crash tests)
 * makes the process kill itself with SIGKILL here: what a machine that
 * dies between stages leaves behind.
 */
static void stage_start(struct cmd_ctx *c, const char *stage)
{
	const char *k = getenv("COSTCTL_NIGHTLY_KILL_AT");

	cc_log(&c->cc, CC_LOG_INFO, "nightly", "stage %s: start", stage);
	if (k && !strcmp(k, stage))
		raise(SIGKILL);
}

/* The pricebook the night began with: recorded by its first run, read back by a resumed one. */
static int night_start(struct cmd_ctx *c, const char *night, int force, char sha[65], int *resumed)
{
	char dir[4200], path[4300], line[80];
	FILE *f;
	int ret;

	snprintf(dir, sizeof(dir), "%s/nightly", c->state);
	snprintf(path, sizeof(path), "%s/%s.start", dir, night);
	if (!force && (f = fopen(path, "r"))) {
		int ok = fgets(line, sizeof(line), f) != NULL;

		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		if (ok && (strlen(line) == 64 || !line[0]) && strspn(line, "0123456789abcdef") == strlen(line)) {
			snprintf(sha, 65, "%.64s", line);
			*resumed = 1;
			cc_log(&c->cc, CC_LOG_INFO, "nightly", "resuming the night of %s (it began with pricebook %.12s)",
			       night, sha[0] ? sha : "(none)");
			return CC_OK;
		}
	}
	if ((ret = current_sha(c, sha)) || (ret = fs_mkdirs(dir, &c->err)))
		return ret;
	snprintf(line, sizeof(line), "%s\n", sha);
	return fs_write_atomic(path, line, strlen(line), &c->err);
}

/*
 * Whether the current pricebook holds every offer version fetch left in
 * <state>/offers (its manifest): when not (a run died between fetch and
 * ingest), the night ingests though nothing new was downloaded.
 */
static int offers_ingested(struct cmd_ctx *c)
{
	char path[4200], why[128];
	struct buf m, cur;
	struct cc_err soft = { 0 };
	struct pb_reader *pb = NULL;
	yajl_val man = NULL, files;
	int all = 0;
	size_t i, k;
	FILE *f;

	buf_init(&m, (size_t)64 << 20);
	buf_init(&cur, 8192);
	snprintf(path, sizeof(path), "%s/fetch-manifest.json", c->state);
	if ((f = fopen(path, "r"))) {
		char chunk[65536];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (buf_add(&m, chunk, n))
				break;
		fclose(f);
	}
	if (!m.len || !(man = json_parse(m.buf, m.len, JSON_MAX_DEPTH, why, sizeof(why))) ||
	    pb_store_current(c->state, "current", &cur, &soft) || pb_open(&pb, cur.buf, &soft))
		goto out;
	files = json_get(man, "files");
	all = files && YAJL_IS_ARRAY(files);
	for (i = 0; all && i < files->u.array.len; i++) {
		const char *code = json_get_str(files->u.array.values[i], "offer");
		const char *ver = json_get_str(files->u.array.values[i], "version");
		int found = 0;

		for (k = 0; code && ver && k < pb_offer_count(pb) && !found; k++) {
			const struct pb_offer *o = pb_offer_at(pb, k);

			found = o->code.len == strlen(code) && !memcmp(o->code.p, code, o->code.len) &&
				o->version.len == strlen(ver) && !memcmp(o->version.p, ver, o->version.len);
		}
		all = found;
	}
out:
	if (!all)
		cc_log(&c->cc, CC_LOG_INFO, "nightly", "the current pricebook does not hold every fetched offer: ingesting");
	pb_close(pb);
	yajl_tree_free(man);
	buf_release(&m);
	buf_release(&cur);
	return all;
}

static void stage_log(struct cmd_ctx *c, const char *stage, double t0, const char *fmt, ...) CC_PRINTF(4, 5);
static void stage_log(struct cmd_ctx *c, const char *stage, double t0, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cc_log(&c->cc, CC_LOG_INFO, "nightly", "stage %s: done in %.2f s: %s", stage, now_s() - t0, msg);
}

static int audit(struct cmd_ctx *c, struct store *s, const char *night, const char *at, const char *result,
		 const struct buf *details)
{
	struct buf b;
	int ret;

	buf_init(&b, 1 << 20);
	/* one item a night: a second run of the same night replaces it, never adds one */
	buf_adds(&b, "{\"PK\":\"AUDIT#", night, "\",\"SK\":\"LOG#costctl#nightly#", night,
		 "\",\"EntityType\":\"AuditLog\",\"UserId\":\"costctl\",\"Action\":\"NIGHTLY_RUN\","
		 "\"ResourceType\":\"Pricebook\",\"Timestamp\":\"", at, "\",\"Result\":\"", result, "\",\"Details\":{",
		 details->buf, "}}", NULL);
	ret = store_put(s, b.buf, 0, &c->err);
	buf_release(&b);
	return ret;
}

struct dry_moves {
	unsigned n;
};

static void dry_moved(void *user, const char *id, const char *old_monthly, const struct calc_result *r)
{
	struct dry_moves *m = user;
	char now[40], d[41] = "";
	struct dec o, diff;

	dec_format(r->monthly, 2, now, sizeof(now));
	if (*old_monthly && !dec_parse(old_monthly, strlen(old_monthly), &o) && !dec_sub(r->monthly, o, &diff)) {
		int up = dec_cmp(diff, dec_from_int(0)) > 0;

		if (dec_cmp(diff, dec_from_int(0)) == 0)
			return; /* new inputs, the same total: nothing finance sees */
		d[0] = '+';
		dec_format(diff, 2, d + up, sizeof(d) - 1);
	}
	if (!m->n++)
		printf("  estimation                     monthly now -> tonight        change\n");
	printf("  %-28s %12s -> %-12s %9s%s\n", id, *old_monthly ? old_monthly : "-", now, d[0] ? d : "",
	       r->status == CALC_PARTIAL ? "  (partial)" : "");
}

static int count_change(void *user, const struct diff_change *ch)
{
	(void)user, (void)ch;
	return 0;
}

/*
 * nightly --dry-run: the night in a scratch directory under the state,
 * the table only read. Prints what would change.
 */
static int dry_run(struct cmd_ctx *c, const char *at, unsigned threads)
{
	char scratch[4200], path[4400], pbfile[4400], cur_sha[65] = "";
	const char *sha;
	struct fetch_options fo;
	struct fetch_result fr;
	struct cmd_ingest_out io;
	struct cmd_pricing p;
	struct pb_reader *cur = NULL;
	struct recalc_options ro;
	struct recalc_stats rs;
	struct diff_stats ds;
	struct dry_moves moves = { 0 };
	char **files = NULL;
	size_t nfiles = 0;
	struct cc_err soft = { 0 };
	int ret, have_new = 0;

	memset(&p, 0, sizeof(p));
	snprintf(scratch, sizeof(scratch), "%s/nightly/dry-run.%ld", c->state, (long)getpid());
	snprintf(path, sizeof(path), "%s/offers", scratch);
	if ((ret = fs_mkdirs(path, &c->err)))
		return ret;
	printf("nightly --dry-run, the night of %.10s: nothing is written\n", at);
	/* fetch: only what changed since the state's own copy, into the scratch copy */
	snprintf(pbfile, sizeof(pbfile), "%s/offers", c->state);
	if ((ret = fs_link_tree(pbfile, path, &c->err)))
		goto out;
	snprintf(pbfile, sizeof(pbfile), "%s/fetch-manifest.json", c->state);
	snprintf(path, sizeof(path), "%s/fetch-manifest.json", scratch);
	if (access(pbfile, F_OK) == 0 && link(pbfile, path)) {
		ret = cc_err_errno(&c->err, errno, "cannot link '%s'", pbfile);
		goto out;
	}
	cmd_fetch_options(c, &fo);
	fo.state = scratch;
	ret = fetch_run(&c->cc, &fo, &fr, &c->err);
	if (ret && !(ret == CC_ENET_TEMP && fr.downloaded))
		goto out;
	if (ret)
		cc_log(&c->cc, CC_LOG_WARN, "nightly", "fetch: %s; going on with what arrived", c->err.msg);
	cc_err_clear(&c->err);
	printf("fetch: %u offer files: %u would be downloaded, %u unchanged, %u failed\n", fr.files, fr.downloaded,
	       fr.unchanged + fr.not_modified, fr.failed);
	if ((ret = cmd_open_pricebook(c, NULL, &cur)) == CC_OK && (ret = pb_sha256(cur, &sha, &c->err)) == CC_OK)
		snprintf(cur_sha, sizeof(cur_sha), "%s", sha);
	if (ret) {
		/* no pricebook yet: tonight's would be the first */
		pb_close(cur);
		cur = NULL;
		cc_err_clear(&c->err);
	}
	/* ingest the scratch offers into a scratch pricebook; the gate as publishing would check it */
	snprintf(pbfile, sizeof(pbfile), "%s/pricebook.cpb", scratch);
	if (fr.downloaded || !cur) {
		snprintf(path, sizeof(path), "%s/offers", scratch);
		if ((ret = ingest_find_offers(path, &files, &nfiles, &c->err)))
			goto out;
		if ((ret = cmd_ingest_run(c, (const char *const *)files, nfiles, pbfile, 0, &io)))
			goto out;
		have_new = 1;
		if (cur) {
			ret = cmd_gate(c, cur, pbfile, 0);
			if (ret == CC_ECORRUPT) {
				printf("sanity gate: refused: %s\n", c->err.msg);
				cc_err_clear(&c->err);
				goto out; /* nothing would be priced against it */
			}
			if (ret)
				goto out;
			printf("sanity gate: passed\n");
		}
	}
	if ((ret = cmd_pricing_open(c, have_new ? pbfile : NULL, &p)))
		goto out;
	if (have_new)
		printf("pricebook: %.12s -> %.12s (would be published)\n", cur_sha[0] ? cur_sha : "(none)", p.sha);
	else
		printf("pricebook: %.12s stays current (no price-list file changed)\n", cur_sha);
	if (have_new && cur) {
		memset(&ds, 0, sizeof(ds));
		if ((ret = diff_run(cur, p.pb, count_change, NULL, &ds, &c->err)))
			goto out;
		printf("prices: %llu changed, %llu added, %llu removed (%llu unchanged)\n", (unsigned long long)ds.changed,
		       (unsigned long long)ds.added, (unsigned long long)ds.removed, (unsigned long long)ds.unchanged);
	}
	/* every active estimation priced, nothing written */
	memset(&ro, 0, sizeof(ro));
	memset(&rs, 0, sizeof(rs));
	ro.threads = threads;
	ro.calculated_at = at;
	ro.pricebook_sha256 = p.sha;
	ro.dry_run = 1;
	ro.would_move = dry_moved;
	ro.user = &moves;
	ret = recalc_all(&c->cc, p.s, p.cc, p.pb, &ro, &rs, &c->err);
	if (ret && ret != CC_EPARTIAL)
		goto out;
	printf("estimations: %u active, %u would move, %u partial, %u failed\n", rs.estimations, moves.n, rs.partial,
	       rs.failed);
out:
	fflush(stdout);
	cmd_pricing_close(&p);
	pb_close(cur);
	ingest_free_list(files, nfiles);
	if (fs_remove_tree(scratch, &soft))
		cc_log(&c->cc, CC_LOG_WARN, "nightly", "%s", soft.msg);
	return ret;
}

int cmd_nightly(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_FORCE = 256, OPT_THREADS, OPT_AT, OPT_DRY, OPT_NORECALC };
	static const struct option opts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "no-recalc", no_argument, NULL, OPT_NORECALC },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_options fo;
	struct fetch_result fr;
	struct cmd_ingest_out io;
	struct recalc_options ro;
	struct recalc_stats rs;
	struct report rep;
	struct store *s = NULL;
	struct buf details;
	char now[32], night[11], done_path[4400], report_dir[4200], *end;
	const char *at = NULL, *result = "SUCCESS";
	int opt, ret, force = 0, recalc_ret = CC_OK, resumed = 0, dry = 0, no_recalc = 0;
	unsigned threads = 0;
	double t0, t_all = now_s();
	struct stat st;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_FORCE: force = 1; break;
		case OPT_DRY: dry = 1; break;
		case OPT_NORECALC: no_recalc = 1; break;
		case OPT_THREADS:
			threads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !threads || threads > 1024)
				return cc_err_set(&c->err, CC_EUSAGE, "--threads wants 1..1024, not '%s'", optarg);
			break;
		case OPT_AT: at = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind != argc)
		return cmd_usage(usage, 0);
	if ((ret = cmd_calc_time(c, at, now, &at)))
		return ret;
	if (dry)
		return dry_run(c, at, threads);
	snprintf(night, sizeof(night), "%.10s", at);
	snprintf(done_path, sizeof(done_path), "%s/nightly/%s.done", c->state, night);
	snprintf(report_dir, sizeof(report_dir), "%s/reports/%s", c->state, night);
	if (!force && !stat(done_path, &st)) {
		cc_log(&c->cc, CC_LOG_INFO, "nightly", "the night of %s is done (its report: %s/summary.md): nothing to do",
		       night, report_dir);
		return CC_OK;
	}
	memset(&rep, 0, sizeof(rep));
	buf_init(&details, 1 << 20);
	snprintf(rep.night, sizeof(rep.night), "%s", night);
	rep.flag_usd = (double)cfg_int(c->cfg, "report.flag_usd");
	rep.flag_percent = (double)cfg_int(c->cfg, "report.flag_percent");
	/* the night's journal: the pricebook it began with, kept until the night is done, so a
	 * run killed after publishing still reports against the pricebook the night replaced */
	if ((ret = night_start(c, night, force, rep.old_sha, &resumed)))
		goto out;

	/* ---- fetch */
	t0 = now_s();
	stage_start(c, "fetch");
	cmd_fetch_options(c, &fo);
	ret = fetch_run(&c->cc, &fo, &fr, &c->err);
	if (ret == CC_ENET_TEMP && !fr.downloaded) {
		result = "RETRY";
		goto out; /* nothing changed: try again later */
	}
	if (ret && ret != CC_ENET_TEMP)
		goto out;
	if (ret)
		cc_log(&c->cc, CC_LOG_WARN, "nightly", "fetch: %s; going on with what arrived", c->err.msg);
	cc_err_clear(&c->err);
	ret = CC_OK;
	stage_log(c, "fetch", t0, "%u offer files: %u downloaded, %u unchanged, %u not modified, %u failed", fr.files,
		  fr.downloaded, fr.unchanged, fr.not_modified, fr.failed);
	buf_addf(&details, "\"Fetch\":{\"Files\":%u,\"Downloaded\":%u,\"Failed\":%u,\"Seconds\":%.2f}", fr.files,
		 fr.downloaded, fr.failed, now_s() - t0);

	/* ---- ingest, past the sanity gate */
	t0 = now_s();
	stage_start(c, "ingest");
	memset(&io, 0, sizeof(io));
	if (!fr.downloaded && rep.old_sha[0] && !force && offers_ingested(c)) {
		stage_log(c, "ingest", t0, "no price-list file changed: pricebook %.12s stays current", rep.old_sha);
	} else {
		ret = cmd_ingest_run(c, NULL, 0, NULL, force, &io);
		if (ret == CC_ECORRUPT && strstr(c->err.msg, "not published")) {
			/* the gate: yesterday's prices stay, and nothing is priced against today's */
			rep.gate_refused = 1;
			snprintf(rep.gate_why, sizeof(rep.gate_why), "%s", c->err.msg);
			result = "GATE_REFUSED";
		} else if (ret) {
			result = "FAILURE";
			goto out;
		}
		stage_log(c, "ingest", t0, "%s", rep.gate_refused ? "refused by the sanity gate: nothing published" :
						    io.published ? "a new pricebook is current" : "the pricebook is unchanged");
	}
	/* the pricebook now current: the one just published, else the night's own (hashed again only
	 * when resuming a night an earlier run may have published for) */
	if (ret == CC_OK || rep.gate_refused) {
		if (io.published)
			snprintf(rep.new_sha, sizeof(rep.new_sha), "%s", io.sha256);
		else if (!resumed)
			snprintf(rep.new_sha, sizeof(rep.new_sha), "%s", rep.old_sha);
		else if ((ret = current_sha(c, rep.new_sha)))
			goto out;
	}
	if (rep.gate_refused)
		ret = CC_ECORRUPT;
	if (io.entries)
		buf_addf(&details, ",\"Ingest\":{\"Entries\":%llu,\"OrphanTerms\":%llu,\"DuplicateProducts\":%llu,"
			 "\"Conflicts\":%llu,\"UnmatchedPlanRates\":%llu}", io.entries, io.orphans, io.duplicates,
			 io.conflicts, io.plan_orphans);
	buf_addf(&details, ",\"Pricebook\":{\"Before\":\"%s\",\"After\":\"%s\",\"Published\":%s,\"GateRefused\":%s}",
		 rep.old_sha, rep.new_sha, io.published ? "true" : "false", rep.gate_refused ? "true" : "false");

	/* ---- recalc (and documents), never against a refused pricebook */
	if (no_recalc && !rep.gate_refused) {
		stage_log(c, "recalc", now_s(), "left to sharded workers (--no-recalc): then 'costctl report %s'", night);
		buf_addstr(&details, ",\"Recalc\":{\"Deferred\":true}");
	} else if (!rep.gate_refused) {
		t0 = now_s();
		stage_start(c, "recalc");
		memset(&ro, 0, sizeof(ro));
		ro.threads = threads;
		ro.calculated_at = at;
		recalc_ret = cmd_recalc_run(c, &ro, NULL, 1, &rs);
		if (recalc_ret && recalc_ret != CC_EPARTIAL) {
			ret = recalc_ret;
			result = "FAILURE";
			goto out;
		}
		stage_log(c, "recalc", t0, "%u estimations: %u written, %u unchanged, %u partial, %u failed; %u documents",
			  rs.estimations, rs.written, rs.unchanged, rs.partial, rs.failed, rs.documents);
		buf_addf(&details, ",\"Recalc\":{\"Estimations\":%u,\"Written\":%u,\"Unchanged\":%u,\"Partial\":%u,"
			 "\"Failed\":%u,\"Documents\":%u,\"Seconds\":%.2f}", rs.estimations, rs.written, rs.unchanged,
			 rs.partial, rs.failed, rs.documents, now_s() - t0);
		rep.partial = rs.partial;
		rep.failed = rs.failed;
		rep.documents = rs.documents;
		if (recalc_ret == CC_EPARTIAL)
			result = "PARTIAL";
	}

	/* ---- the run's audit item, then the report made from it (as `costctl report` makes it) */
	t0 = now_s();
	stage_start(c, "report");
	cc_err_clear(&c->err);
	if (ret == CC_OK || rep.gate_refused || recalc_ret == CC_EPARTIAL) {
		struct report built;
		char fonts[2][4300];
		int keep = rep.gate_refused ? CC_ECORRUPT : CC_OK;
		char sha[65];

		if (rep.gate_refused) {
			buf_addstr(&details, ",\"GateWhy\":");
			buf_add_json_str(&details, rep.gate_why, strlen(rep.gate_why));
		}
		if ((ret = cmd_open_store(c, &s)) || (ret = audit(c, s, night, at, result, &details)))
			goto out;
		if (no_recalc && !rep.gate_refused) {
			ret = CC_OK; /* the report comes after the workers: costctl report */
			goto done;
		}
		memset(&built, 0, sizeof(built));
		built.flag_usd = rep.flag_usd;
		cmd_report_fonts(c, fonts[0], fonts[1], sizeof(fonts[0]));
		built.font_regular = fonts[0];
		built.font_bold = fonts[1];
		built.flag_percent = rep.flag_percent;
		ret = report_build(s, c->state, night, &built, &c->err);
		if (!ret)
			ret = report_write(report_dir, &built, &c->err);
		if (!ret)
			stage_log(c, "report", t0, "%s/summary.md: %llu prices changed, %llu added, %llu removed; %zu estimations",
				  report_dir, (unsigned long long)built.diff.changed, (unsigned long long)built.diff.added,
				  (unsigned long long)built.diff.removed, built.nest);
		report_release(&built);
		if (ret)
			goto out;
		snprintf(done_path, sizeof(done_path), "%s/summary.md", report_dir);
		if ((ret = sha256_file(done_path, sha, &c->err)))
			goto out;
		buf_addf(&details, ",\"Report\":{\"Path\":\"%s\",\"SummarySha256\":\"%s\"},\"Seconds\":%.2f", report_dir,
			 sha, now_s() - t_all);
		if ((ret = audit(c, s, night, at, result, &details)))
			goto out;
		ret = keep;
done:
		if (!rep.gate_refused) {
			snprintf(done_path, sizeof(done_path), "%s/nightly", c->state);
			if (!fs_mkdirs(done_path, &c->err)) {
				FILE *f;

				snprintf(done_path, sizeof(done_path), "%s/nightly/%s.done", c->state, night);
				if ((f = fopen(done_path, "w"))) {
					fprintf(f, "%s %s\n", at, result);
					if (fclose(f))
						cc_log(&c->cc, CC_LOG_WARN, "nightly", "cannot write '%s'", done_path);
				}
			}
		}
		if (!ret && recalc_ret == CC_EPARTIAL)
			ret = cc_err_set(&c->err, CC_EPARTIAL,
					 "the night is done, but %u estimations failed and %u are partial (named above)",
					 rep.failed, rep.partial);
		if (rep.gate_refused)
			ret = cc_err_set(&c->err, CC_ECORRUPT, "%s (report: %s/summary.md)", rep.gate_why, report_dir);
	}
out:
	cc_log(&c->cc, ret ? CC_LOG_WARN : CC_LOG_INFO, "nightly", "night %s: %s in %.2f s", night, result,
	       now_s() - t_all);
	store_close(s);
	buf_release(&details);
	return ret;
}
