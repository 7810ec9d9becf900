#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "pipeline/docs/docs.h"
#include "pipeline/docs/s3.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl docs [--template NAME] [--branding NAME] [--format pdf,xlsx]",
	"                    [--url] [--at TIME] EST_ID",
	"",
	"Makes an estimation's PDF proposal and XLSX workbook from its latest",
	"calculation (run `costctl rebuild EST_ID` first), writes them atomically",
	"under <documents>/EST_ID/ (with documents = s3://BUCKET/PREFIX: made in",
	"<state>/documents, then uploaded to PREFIX/EST_ID/) and records a",
	"DOCUMENT item for each. Prints one line a file: format, path (or s3://",
	"URL), bytes, SHA-256.",
	"",
	"  --template NAME   templates/NAME.tmpl (default: documents.template,",
	"                    standard_proposal; `summary` is one page)",
	"  --branding NAME   templates/branding/NAME.conf (default: the template's)",
	"  --format LIST     pdf, xlsx or pdf,xlsx (default)",
	"  --url             also print a presigned GET URL for each (S3 only;",
	"                    documents.url_expire_s, default an hour)",
	"  --at TIME         the documents' date, ISO 8601 UTC (default: now); the",
	"                    same calculation, template and TIME give the same bytes",
	"",
	"Exit status 1 for a bad template, branding or name (the message names",
	"the file and line); 2 when the estimation, its calculation or the",
	"template does not exist, or S3 refuses the upload; 75 when S3 cannot be",
	"reached (nothing is recorded).",
	NULL,
};

/* documents.templates, else templates/ beside the binary (a build, or an install under PREFIX) */
static void templates_dir(struct cmd_ctx *c, char *out, size_t cap)
{
	char exe[PATH_MAX], try[PATH_MAX + 64];
	ssize_t n;
	struct stat st;
	char *slash;

	if (*cfg_str(c->cfg, "documents.templates")) {
		snprintf(out, cap, "%s", cfg_str(c->cfg, "documents.templates"));
		return;
	}
	snprintf(out, cap, "templates");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return;
	*slash = '\0';
	/* build/costctl, build/san/costctl: templates/ in the source tree above */
	snprintf(try, sizeof(try), "%s/../templates", exe);
	if (!stat(try, &st) && S_ISDIR(st.st_mode)) {
		snprintf(out, cap, "%s", try);
		return;
	}
	snprintf(try, sizeof(try), "%s/../../templates", exe);
	if (!stat(try, &st) && S_ISDIR(st.st_mode)) {
		snprintf(out, cap, "%s", try);
		return;
	}
	snprintf(try, sizeof(try), "%s/../share/costctl/templates", exe);
	if (!stat(try, &st) && S_ISDIR(st.st_mode))
		snprintf(out, cap, "%s", try);
}

void cmd_docs_options(struct cmd_ctx *c, struct docs_options *o, const char *at, struct cmd_docs_paths *paths)
{
	memset(o, 0, sizeof(*o));
	templates_dir(c, paths->templates, sizeof(paths->templates));
	if (*cfg_str(c->cfg, "documents") && strncmp(cfg_str(c->cfg, "documents"), "s3://", 5))
		snprintf(paths->out, sizeof(paths->out), "%s", cfg_str(c->cfg, "documents"));
	else
		snprintf(paths->out, sizeof(paths->out), "%s/documents", c->state); /* S3: made here, then uploaded */
	o->template_name = cfg_str(c->cfg, "documents.template");
	o->branding = cfg_str(c->cfg, "documents.branding");
	o->formats = DOCS_PDF | DOCS_XLSX;
	o->templates_dir = paths->templates;
	o->out_dir = paths->out;
	o->generated_at = at;
	o->generated_by = "costctl";
	o->expire_days = cfg_int(c->cfg, "documents.expire_days");
	if (!strncmp(cfg_str(c->cfg, "documents"), "s3://", 5))
		o->s3_url = cfg_str(c->cfg, "documents");
	o->s3_retries = (unsigned)cfg_int(c->cfg, "documents.s3_retries");
	o->s3_part_bytes = (uint64_t)cfg_int(c->cfg, "documents.s3_part_mb") << 20;
	o->ctx = &c->cc;
}

int cmd_docs(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_TEMPLATE = 256, OPT_BRANDING, OPT_FORMAT, OPT_URL, OPT_AT };
	static const struct option opts[] = {
		{ "template", required_argument, NULL, OPT_TEMPLATE },
		{ "branding", required_argument, NULL, OPT_BRANDING },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "url", no_argument, NULL, OPT_URL },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct docs_options o;
	struct docs_result r;
	struct store *s = NULL;
	struct cmd_docs_paths paths;
	char now[32];
	const char *at = NULL, *template_name = NULL, *branding = NULL;
	unsigned formats = DOCS_PDF | DOCS_XLSX;
	int opt, ret, url = 0;
	unsigned i;
	struct docs_run run;
	struct docs_inputs in;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_TEMPLATE: template_name = optarg; break;
		case OPT_BRANDING: branding = optarg; break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "pdf"))
				formats = DOCS_PDF;
			else if (!strcmp(optarg, "xlsx"))
				formats = DOCS_XLSX;
			else if (!strcmp(optarg, "pdf,xlsx") || !strcmp(optarg, "xlsx,pdf"))
				formats = DOCS_PDF | DOCS_XLSX;
			else
				return cc_err_set(&c->err, CC_EUSAGE, "format must be pdf, xlsx or pdf,xlsx, not '%s'",
						  optarg);
			break;
		case OPT_URL: url = 1; break;
		case OPT_AT: at = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(usage, 0);
	if ((ret = cmd_calc_time(c, at, now, &at)))
		return ret;
	cmd_docs_options(c, &o, at, &paths);
	o.formats = formats;
	if (template_name)
		o.template_name = template_name;
	if (branding)
		o.branding = branding;
	if (url && !o.s3_url)
		return cc_err_set(&c->err, CC_EUSAGE, "--url needs documents = s3://BUCKET/PREFIX");
	memset(&r, 0, sizeof(r));
	if ((ret = docs_run_open(&run, &o, &c->err)))
		return ret;
	if ((ret = cmd_open_store(c, &s))) {
		docs_run_close(&run);
		return ret;
	}
	if (docs_inputs_init(&in)) {
		docs_run_close(&run);
		store_close(s);
		return cc_err_set(&c->err, CC_ENOMEM, "out of memory");
	}
	if (!(ret = docs_load(s, argv[optind], &in, &c->err)) &&
	    !(ret = docs_render(&run, argv[optind], &in, &r, &c->err)) &&
	    !(ret = docs_upload(&run, argv[optind], &r, &c->err)))
		ret = docs_record(s, &run, argv[optind], &r, &c->err);
	for (i = 0; i < r.warnings.n; i++)
		cc_log(&c->cc, CC_LOG_WARN, "docs", "%s", r.warnings.msg[i]);
	for (i = 0; !ret && i < r.nfiles; i++) {
		const struct docs_file *f = &r.files[i];

		if (f->uploaded)
			printf("%s\ts3://%s/%s\t%" PRIu64 "\t%s\n", f->format == DOCS_PDF ? "pdf" : "xlsx",
			       s3_bucket(run.s3), f->s3_key, f->size, f->sha256);
		else
			printf("%s\t%s\t%" PRIu64 "\t%s\n", f->format == DOCS_PDF ? "pdf" : "xlsx", f->path, f->size,
			       f->sha256);
		if (url) {
			char u[16384];

			if ((ret = docs_presign(&run, f, (long)cfg_int(c->cfg, "documents.url_expire_s"), u, sizeof(u),
						&c->err)))
				break;
			printf("url\t%s\n", u);
		}
	}
	fflush(stdout);
	if (!ret)
		cc_log(&c->cc, CC_LOG_INFO, "docs", "%s: %u document%s of %s", argv[optind], r.nfiles,
		       r.nfiles == 1 ? "" : "s", r.calculation_id);
	docs_inputs_release(&in);
	docs_run_close(&run);
	store_close(s);
	return ret;
}
