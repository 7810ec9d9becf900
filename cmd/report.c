#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "pipeline/docs/docs.h"
#include "pipeline/report/report.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl report [DATE]",
	"",
	"Makes the morning report of a night again (default: today, UTC) from",
	"what the night left: its nightly AUDIT item, the pricebooks still kept",
	"in <state>/pricebooks, and each active estimation's calculations (the",
	"newest before the night and the newest by its end). Writes",
	"<state>/reports/DATE/ (summary.md, estimations.csv, changes.csv,",
	"report.json) and prints the summary. Exit status 2 when no nightly run",
	"is recorded for DATE.",
	NULL,
};

/* The documents' fonts (templates/fonts, the cut the build makes), else DejaVu's own. */
void cmd_report_fonts(struct cmd_ctx *c, char *regular, char *bold, size_t cap)
{
	struct docs_options o;
	struct cmd_docs_paths paths;
	struct stat st;

	cmd_docs_options(c, &o, "", &paths);
	snprintf(regular, cap, "%.4000s/fonts/DejaVuSans.ttf", paths.templates);
	snprintf(bold, cap, "%.4000s/fonts/DejaVuSans-Bold.ttf", paths.templates);
	if (stat(regular, &st) || stat(bold, &st)) {
		snprintf(regular, cap, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
		snprintf(bold, cap, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
	}
}

int cmd_report(int argc, char **argv, struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r;
	struct store *s = NULL;
	char night[16], dir[4200], path[4300], fonts[2][4300];
	int opt, ret, y, m, d;
	FILE *f;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind + 1 < argc)
		return cmd_usage(usage, 0);
	if (optind < argc) {
		char extra;

		if (strlen(argv[optind]) != 10 || sscanf(argv[optind], "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
		    m < 1 || m > 12 || d < 1 || d > 31)
			return cc_err_set(&c->err, CC_EUSAGE, "DATE is YYYY-MM-DD, not '%.40s'", argv[optind]);
		snprintf(night, sizeof(night), "%s", argv[optind]);
	} else {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(night, sizeof(night), "%Y-%m-%d", &tm);
	}
	memset(&r, 0, sizeof(r));
	r.flag_usd = (double)cfg_int(c->cfg, "report.flag_usd");
	r.flag_percent = (double)cfg_int(c->cfg, "report.flag_percent");
	cmd_report_fonts(c, fonts[0], fonts[1], sizeof(fonts[0]));
	r.font_regular = fonts[0];
	r.font_bold = fonts[1];
	snprintf(dir, sizeof(dir), "%s/reports/%s", c->state, night);
	if ((ret = cmd_open_store(c, &s)))
		return ret;
	ret = report_build(s, c->state, night, &r, &c->err);
	if (!ret)
		ret = report_write(dir, &r, &c->err);
	report_release(&r);
	store_close(s);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	if ((f = fopen(path, "r"))) {
		char buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	cc_log(&c->cc, CC_LOG_INFO, "report", "wrote %s/", dir);
	return CC_OK;
}
