#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "pipeline/docs.h"
#include "pipeline/store.h"
#include "pipeline/banned.h"

static const char *const usage[] = {
	"usage: costctl docs [--template NAME] [--branding NAME] [--format pdf,xlsx]",
	"                    [--at TIME] EST_ID",
	"",
	"Makes an estimation's PDF proposal and XLSX workbook from its latest",
	"calculation (run `costctl rebuild EST_ID` first), writes them atomically",
	"under <documents>/EST_ID/ and records a DOCUMENT item for each. Prints",
	"one line a file: format, path, bytes, SHA-256.",
	"",
	"  --template NAME   templates/NAME.tmpl (default: documents.template,",
	"                    standard_proposal; `summary` is one page)",
	"  --branding NAME   templates/branding/NAME.conf (default: the template's)",
	"  --format LIST     pdf, xlsx or pdf,xlsx (default)",
	"  --at TIME         the documents' date, ISO 8601 UTC (default: now); the",
	"                    same calculation, template and TIME give the same bytes",
	"",
	"Exit status 1 for a bad template, branding or name (the message names",
	"the file and line); 2 when the estimation, its calculation or the",
	"template does not exist.",
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
	if (*cfg_str(c->cfg, "documents"))
		snprintf(paths->out, sizeof(paths->out), "%s", cfg_str(c->cfg, "documents"));
	else
		snprintf(paths->out, sizeof(paths->out), "%s/documents", c->state);
	o->template_name = cfg_str(c->cfg, "documents.template");
	o->branding = cfg_str(c->cfg, "documents.branding");
	o->formats = DOCS_PDF | DOCS_XLSX;
	o->templates_dir = paths->templates;
	o->out_dir = paths->out;
	o->generated_at = at;
	o->generated_by = "costctl";
	o->expire_days = cfg_int(c->cfg, "documents.expire_days");
}

int cmd_docs(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_TEMPLATE = 256, OPT_BRANDING, OPT_FORMAT, OPT_AT };
	static const struct option opts[] = {
		{ "template", required_argument, NULL, OPT_TEMPLATE },
		{ "branding", required_argument, NULL, OPT_BRANDING },
		{ "format", required_argument, NULL, OPT_FORMAT },
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
	int opt, ret;
	unsigned i;

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
	if ((ret = cmd_open_store(c, &s)))
		return ret;
	ret = docs_make(s, argv[optind], &o, &r, &c->err);
	for (i = 0; i < r.warnings.n; i++)
		cc_log(&c->cc, CC_LOG_WARN, "docs", "%s", r.warnings.msg[i]);
	for (i = 0; i < r.nfiles; i++)
		printf("%s\t%s\t%" PRIu64 "\t%s\n", r.files[i].format == DOCS_PDF ? "pdf" : "xlsx", r.files[i].path,
		       r.files[i].size, r.files[i].sha256);
	fflush(stdout);
	if (!ret)
		cc_log(&c->cc, CC_LOG_INFO, "docs", "%s: %u document%s of %s", argv[optind], r.nfiles,
		       r.nfiles == 1 ? "" : "s", r.calculation_id);
	store_close(s);
	return ret;
}
