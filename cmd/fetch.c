#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/prices/fetch.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl fetch [--services LIST] [--regions LIST] [--base-url URL]",
	"",
	"Downloads the AWS Price List offer files that changed into",
	"<state>/offers/<offer>/<region>/index.json for 'costctl ingest':",
	"offer index -> each service's region index -> each region's file, and",
	"each service's Savings Plans (<state>/offers/<plan>/<region>/index.csv;",
	"fetch.savings_plans).",
	"An unchanged night downloads only the indexes. Exit status 75 when the",
	"server cannot be reached or only network failures remain (retry later);",
	"a file that fails keeps yesterday's copy.",
	"",
	"  --services LIST   offer codes, comma-separated (default: fetch.services)",
	"  --regions LIST    region codes, comma-separated (default: fetch.regions)",
	"  --base-url URL    price-list host, or a file:// tree in the same layout",
	"  -h, --help        this help",
	NULL,
};

void cmd_fetch_options(struct cmd_ctx *c, struct fetch_options *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = cfg_str(c->cfg, "fetch.base_url");
	o->services = cfg_str(c->cfg, "fetch.services");
	o->regions = cfg_str(c->cfg, "fetch.regions");
	o->state = c->state;
	o->parallel = (unsigned)cfg_int(c->cfg, "fetch.parallel");
	o->retries = (unsigned)cfg_int(c->cfg, "fetch.retries");
	o->backoff_ms = (unsigned)cfg_int(c->cfg, "fetch.backoff_ms");
	o->max_wait_s = (unsigned)cfg_int(c->cfg, "fetch.max_wait_s");
	o->connect_timeout_s = (unsigned)cfg_int(c->cfg, "fetch.connect_timeout_s");
	o->low_speed_bytes = (unsigned)cfg_int(c->cfg, "fetch.low_speed_bytes");
	o->low_speed_s = (unsigned)cfg_int(c->cfg, "fetch.low_speed_s");
	o->max_file_bytes = (uint64_t)cfg_int(c->cfg, "fetch.max_file_mb") << 20;
	o->max_file_s = (unsigned)cfg_int(c->cfg, "fetch.max_file_s");
	o->max_run_s = (unsigned)cfg_int(c->cfg, "fetch.max_run_s");
	o->savings_plans = (int)cfg_int(c->cfg, "fetch.savings_plans");
}

int cmd_fetch(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_SERVICES = 256, OPT_REGIONS, OPT_BASE };
	static const struct option opts[] = {
		{ "services", required_argument, NULL, OPT_SERVICES },
		{ "regions", required_argument, NULL, OPT_REGIONS },
		{ "base-url", required_argument, NULL, OPT_BASE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_options o;
	struct fetch_result r;
	int opt, ret;

	cmd_fetch_options(c, &o);
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_SERVICES: o.services = optarg; break;
		case OPT_REGIONS: o.regions = optarg; break;
		case OPT_BASE: o.base_url = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	if (optind != argc)
		return cmd_usage(usage, 0);
	ret = fetch_run(&c->cc, &o, &r, &c->err);
	/* no file reached: the error says why; a summary of zeros would contradict it */
	if (ret && !r.files)
		return ret;
	cc_log(&c->cc, ret ? CC_LOG_WARN : CC_LOG_INFO, "fetch",
	       "%u offer files: %u downloaded (%u resumed), %u unchanged, %u not modified, "
	       "%u failed; %u retries; %llu bytes received",
	       r.files, r.downloaded, r.resumed, r.unchanged, r.not_modified, r.failed,
	       r.retries, (unsigned long long)r.bytes);
	return ret;
}
