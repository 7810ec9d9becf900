#include "pipeline/core/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/core/dec.h"
#include "pipeline/core/fsutil.h"

#include "pipeline/core/banned.h"

const struct cfg_key cfg_keys[] = {
	{ "state", CFG_PATH, 0, 0, "state",
	  "state directory: offers, pricebooks, documents, reports, lock" },
	{ "store", CFG_STR, 0, 0, "",
	  "table store URL (sqlite:PATH or dynamodb://REGION/TABLE); "
	  "empty = sqlite:<state>/costplatform.db" },
	{ "log_format", CFG_STR, 0, 0, "text", "log lines on stderr: text or json" },
	{ "store.kms_key", CFG_STR, 0, 0, "alias/aws-cost-platform-key",
	  "DynamoDB: the KMS key 'table init' encrypts the table with (empty: AWS owned key)" },
	{ "store.retries", CFG_INT, 0, 20, "8",
	  "DynamoDB: further attempts after throttling, 5xx or a network error" },
	{ "fetch.base_url", CFG_STR, 0, 0, "https://pricing.us-east-1.amazonaws.com",
	  "where the price list is served (https://, http:// or file://)" },
	{ "fetch.services", CFG_STR, 0, 0,
	  "AmazonEC2,AmazonRDS,AmazonS3,AWSDataTransfer,AWSELB,AmazonCloudFront,"
	  "awskms,AWSSecretsManager,awswaf,AmazonGuardDuty,AWSCloudTrail,AWSConfig,AWSShield,"
	  "AWSSecurityHub,AmazonInspectorV2,AmazonMacie",
	  "offer codes to fetch, comma-separated (exact case: awskms, AWSELB)" },
	{ "fetch.regions", CFG_STR, 0, 0, "us-east-1,us-east-2,us-west-2,eu-west-1,global",
	  "region codes to fetch, comma-separated" },
	{ "fetch.parallel", CFG_INT, 1, 64, "4", "downloads at once" },
	{ "fetch.retries", CFG_INT, 0, 20, "4",
	  "further attempts after a failed one (5xx, 429, timeouts, resets, stalls)" },
	{ "fetch.backoff_ms", CFG_INT, 1, 600000, "1000",
	  "first retry delay; doubles each attempt, with jitter" },
	{ "fetch.max_wait_s", CFG_INT, 1, 3600, "120",
	  "longest single wait between attempts, Retry-After included" },
	{ "fetch.connect_timeout_s", CFG_INT, 1, 600, "20", "connection timeout" },
	{ "fetch.low_speed_bytes", CFG_INT, 1, 100000000, "1024",
	  "a stall: slower than this many bytes a second ..." },
	{ "fetch.low_speed_s", CFG_INT, 1, 3600, "30", "... for this many seconds" },
	{ "fetch.max_file_mb", CFG_INT, 1, 16777216, "16384",
	  "most bytes one offer file may have, MiB (Content-Length and decompressed)" },
	{ "fetch.max_file_s", CFG_INT, 1, 604800, "3600",
	  "longest one attempt at one file may take, seconds" },
	{ "fetch.max_run_s", CFG_INT, 1, 604800, "14400",
	  "longest a whole fetch may take, seconds (then exit 75)" },
	{ "fetch.savings_plans", CFG_INT, 0, 1, "1",
	  "1: also the Savings Plans files of the services that have them (their CSV), 0: not" },
	{ "ingest.chunk_kb", CFG_INT, 4, 65536, "256",
	  "read size for offer files, KiB" },
	{ "ingest.max_products", CFG_INT, 1000, 100000000, "5000000",
	  "most products one offer file may hold (a guard against runaway input)" },
	{ "ingest.max_token_kb", CFG_INT, 64, 1048576, "1024",
	  "longest string or number in an offer file, KiB (yajl re-scans long tokens)" },
	{ "ingest.max_file_mb", CFG_INT, 1, 16777216, "16384",
	  "most uncompressed bytes of one offer file, MiB (a bound on gzip bombs)" },
	{ "pricebook.sort_memory_mb", CFG_INT, 1, 4096, "32",
	  "memory for sorting pricebook entries before spilling a run to disk, MiB" },
	{ "pricebook.keep", CFG_INT, 2, 10000, "14",
	  "how many pricebooks to keep in <state>/pricebooks (older ones are removed)" },
	/* the morning report (nightly) */
	{ "report.flag_usd", CFG_INT, 0, INT64_C(1000000000), "100",
	  "report: an estimation whose monthly total moves at least this much is flagged, in its currency" },
	{ "report.flag_percent", CFG_INT, 0, 100000, "5",
	  "report: ... or at least this many percent" },
	/* the sanity gate a fetched pricebook passes before it is published (ingest) */
	{ "gate.max_loss_percent", CFG_INT, 0, 100, "10",
	  "gate: most entries a new pricebook may lose against the current one, percent" },
	{ "gate.max_group_loss_percent", CFG_INT, 0, 100, "25",
	  "gate: most entries one service and region may lose, percent" },
	{ "gate.min_group_entries", CFG_INT, 0, 100000000, "20",
	  "gate: a service and region smaller than this is not judged alone" },
	{ "gate.max_median_move_percent", CFG_INT, 0, 100000, "20",
	  "gate: most the median price may move, percent" },
	/* the pricing rules (docs/calculation.md); a calculation lists each value it used */
	{ "region", CFG_STR, 0, 0, "us-east-1",
	  "pricing: the region when neither the client nor the owner names one" },
	{ "pricing_model", CFG_STR, 0, 0, "ON_DEMAND",
	  "pricing: the model when the estimation names none (ON_DEMAND, RESERVED_1YR_NO_UPFRONT, ...)" },
	{ "savings_plan.coverage", CFG_STR, 0, 0, "minimum",
	  "pricing: what a Savings Plan commitment covers of an auto-scaled group: minimum (its MinInstances) or average" },
	{ "hours_per_month", CFG_DEC, 0, 0, "730", "pricing: hours a month when MonthlyHours is absent" },
	{ "ebs.gp3.free_iops", CFG_INT, 0, 1000000, "3000", "pricing: gp3 IOPS included with a volume" },
	{ "ebs.gp3.free_throughput_mbps", CFG_INT, 0, 100000, "125",
	  "pricing: gp3 throughput included with a volume, MB/s" },
	{ "ebs.throughput_mbps_per_gibps", CFG_INT, 1, 1000000, "1024",
	  "pricing: MB/s in the price list's GiBps (gp3 throughput is priced per GiBps-mo)" },
	{ "ebs.io2.iops_tier_bounds", CFG_STR, 0, 0, "32000,64000",
	  "pricing: where io2 IOPS move to the tier 2 and tier 3 prices" },
	{ "backup.daily_change_rate", CFG_DEC, 0, 0, "0.02",
	  "pricing: the share of a volume or database that changes a day (snapshot and backup size)" },
	{ "rds.storage_volume_type", CFG_STR, 0, 0, "General Purpose-GP3",
	  "pricing: the RDS storage volumeType priced" },
	{ "rds.backup_free_percent", CFG_INT, 0, 1000, "100",
	  "pricing: RDS backup storage free, as a percent of the database's size" },
	{ "data_transfer.free_gb", CFG_DEC, 0, 0, "100",
	  "pricing: data transfer out to the internet free each month, GB (once per estimation)" },
	{ "cloudfront.edge_location", CFG_STR, 0, 0, "United States",
	  "pricing: the CloudFront edge group whose tiers price GlobalDistributionRequired traffic" },
	{ "cloudfront.free_gb", CFG_DEC, 0, 0, "0", "pricing: CloudFront data out free each month, GB" },
	{ "alb.lcu_minimum", CFG_DEC, 0, 0, "1", "pricing: LCUs an hour at least, per load balancer" },
	{ "acm.certificates", CFG_INT, 0, 100000, "1", "pricing: ACM public certificates (free)" },
	{ "waf.web_acls", CFG_INT, 0, 100000, "1", "pricing: WAF web ACLs" },
	{ "waf.rules", CFG_INT, 0, 1000000, "5", "pricing: WAF rules" },
	{ "waf.requests", CFG_INT, 0, INT64_C(100000000000), "10000000", "pricing: WAF requests a month" },
	{ "security.kms.keys", CFG_INT, 0, 1000000, "1", "pricing: KMS keys" },
	{ "security.kms.requests", CFG_INT, 0, INT64_C(100000000000), "1000000",
	  "pricing: KMS requests a month" },
	{ "security.secretsmanager.secrets", CFG_INT, 0, 1000000, "5", "pricing: secrets" },
	{ "security.secretsmanager.api_calls", CFG_INT, 0, INT64_C(100000000000), "100000",
	  "pricing: Secrets Manager API calls a month" },
	{ "security.config.items", CFG_INT, 0, INT64_C(100000000000), "1000",
	  "pricing: AWS Config configuration items recorded a month" },
	{ "security.config.rule_evaluations", CFG_INT, 0, INT64_C(100000000000), "0",
	  "pricing: AWS Config rule evaluations a month" },
	{ "security.cloudtrail.data_events", CFG_INT, 0, INT64_C(100000000000), "1000000",
	  "pricing: CloudTrail data events a month" },
	{ "security.cloudtrail.management_event_copies", CFG_INT, 0, INT64_C(100000000000), "0",
	  "pricing: CloudTrail management events a month in trails after the first (the first is free)" },
	{ "security.guardduty.events", CFG_INT, 0, INT64_C(100000000000), "1000000",
	  "pricing: CloudTrail management events GuardDuty analyses a month" },
	{ "security.guardduty.log_gb", CFG_DEC, 0, 0, "10",
	  "pricing: VPC flow and DNS log GB GuardDuty analyses a month" },
	{ "security.securityhub.checks", CFG_INT, 0, INT64_C(100000000000), "10000",
	  "pricing: Security Hub security checks a month" },
	{ "security.macie.gb", CFG_DEC, 0, 0, "100", "pricing: GB of S3 data Macie inspects a month" },
	{ "volume_discount.tiers", CFG_STR, 0, 0, "",
	  "pricing: marginal discount tiers on the subtotal, 'UPTO:PERCENT ...' with 'inf' last; empty = none" },
	{ "support.plan", CFG_STR, 0, 0, "business-plus",
	  "pricing: the AWS Support plan: business-plus, business, enterprise or none" },
	{ "support.business-plus", CFG_STR, 0, 0, "2025-12-02 min=29 10000:9 80000:7 250000:5 inf:3",
	  "pricing: Business Support+ ('FROM[..UNTIL] min=M UPTO:PERCENT ...', sets joined by ' | ')" },
	{ "support.business", CFG_STR, 0, 0,
	  "2000-01-01..2027-01-01 min=100 10000:10 80000:7 250000:5 inf:3",
	  "pricing: Business Support (legacy; ends 2027-01-01)" },
	{ "support.enterprise", CFG_STR, 0, 0, "2025-12-02 min=5000 150000:10 500000:7 1000000:5 inf:3",
	  "pricing: Enterprise Support" },
	{ "buffer_percent", CFG_DEC, 0, 0, "10",
	  "pricing: the buffer on (discounted subtotal + support), percent (the seed's BufferPercentage)" },
	/* documents (docs/documents.md) */
	{ "documents", CFG_STR, 0, 0, "",
	  "where documents go: a directory, or s3://BUCKET/PREFIX[?endpoint=URL][&region=R] "
	  "(made in <state>/documents, then uploaded); empty = <state>/documents" },
	{ "documents.s3_retries", CFG_INT, 0, 20, "4",
	  "S3: further attempts after a 5xx, 429 or network error" },
	{ "documents.s3_part_mb", CFG_INT, 5, 5120, "16",
	  "S3: a document larger than this is a multipart upload of parts this size, MiB" },
	{ "documents.url_expire_s", CFG_INT, 1, 604800, "3600",
	  "how long a presigned URL (docs --url) works, seconds" },
	{ "documents.templates", CFG_STR, 0, 0, "",
	  "the templates directory; empty = templates/ beside the binary (../templates, ../share/costctl/templates)" },
	{ "documents.template", CFG_STR, 0, 0, "standard_proposal", "the template documents are made with" },
	{ "documents.branding", CFG_STR, 0, 0, "",
	  "the branding (templates/branding/NAME.conf); empty = the template's" },
	{ "documents.expire_days", CFG_INT, 0, 36500, "180",
	  "a DOCUMENT item's ExpiresAt and TTL, days after it is made (0: never)" },
	/* intake (docs/intake.md): what one uploaded workbook may make us read */
	{ "intake.max_file_mb", CFG_INT, 1, 1024, "20", "intake: the largest workbook or CSV file read, MiB" },
	{ "intake.max_unzipped_mb", CFG_INT, 1, 4096, "128",
	  "intake: the most an .xlsx may inflate to, all parts together, MiB (a zip bomb stops here)" },
	{ "intake.max_rows", CFG_INT, 1, 1048576, "100000", "intake: the last row read on a sheet" },
	{ "intake.max_cells", CFG_INT, 1, 100000000, "2000000", "intake: cells in one workbook" },
	{ NULL, CFG_STR, 0, 0, NULL, NULL },
};

struct cfg {
	char **values; /* one per key, malloc'd */
	size_t n;
};

static long find_key(const char *name)
{
	long i;

	for (i = 0; cfg_keys[i].name; i++)
		if (!strcmp(cfg_keys[i].name, name))
			return i;
	return -1;
}

struct cfg *cfg_new(void)
{
	struct cfg *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	while (cfg_keys[c->n].name)
		c->n++;
	c->values = calloc(c->n, sizeof(*c->values));
	if (!c->values)
		goto fail;
	for (i = 0; i < c->n; i++)
		if (!(c->values[i] = strdup(cfg_keys[i].def)))
			goto fail;
	return c;
fail:
	cfg_free(c);
	return NULL;
}

void cfg_free(struct cfg *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->values && i < c->n; i++)
		free(c->values[i]);
	free(c->values);
	free(c);
}

enum cc_code cfg_set(struct cfg *c, const char *name, const char *value,
		     const char *origin, struct cc_err *err)
{
	long k = find_key(name);
	char *copy;

	if (k < 0)
		return cc_err_set(err, CC_EUSAGE, "%s: unknown key '%s'", origin,
				  name);
	if (cfg_keys[k].type == CFG_INT) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end)
			return cc_err_set(err, CC_EUSAGE,
					  "%s: '%s' wants a whole number, not '%s'",
					  origin, name, value);
		if (v < cfg_keys[k].min || v > cfg_keys[k].max)
			return cc_err_set(err, CC_EUSAGE,
					  "%s: '%s' must be from %lld to %lld, not %lld",
					  origin, name,
					  (long long)cfg_keys[k].min,
					  (long long)cfg_keys[k].max, v);
	}
	if (cfg_keys[k].type == CFG_DEC) {
		struct dec d;

		if (dec_parse(value, strlen(value), &d) || d.v < 0)
			return cc_err_set(err, CC_EUSAGE,
					  "%s: '%s' wants a decimal number, not negative, not '%s'",
					  origin, name, value);
	}
	if (cfg_keys[k].type == CFG_PATH && !*value)
		return cc_err_set(err, CC_EUSAGE,
				  "%s: '%s' must not be empty (a path is needed; '.' means here)",
				  origin, name);
	copy = strdup(value);
	if (!copy)
		return cc_err_set(err, CC_ENOMEM, "%s: cannot set '%s'", origin,
				  name);
	free(c->values[k]);
	c->values[k] = copy;
	return CC_OK;
}

/*
 * A comment starts at '#' at the start of a line or after white space, so
 * a value may hold a '#' (a URL's fragment): `url = http://h/#x  # note`.
 */
static void strip_comment(char *line)
{
	char *p;

	for (p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

enum cc_code cfg_load_file(struct cfg *c, const char *path, int missing_ok,
			   struct cc_err *err)
{
	char origin[512], *line = NULL;
	size_t alloc = 0;
	ssize_t n;
	enum cc_code ret = CC_OK;
	unsigned lineno = 0;
	struct stat st;
	FILE *f;

	if (missing_ok && stat(path, &st) && errno == ENOENT)
		return CC_OK;
	f = fs_fopen_regular(path, "config", err);
	if (!f) {
		/* a config that cannot be read is a configuration error */
		if (err)
			err->code = CC_EUSAGE;
		return CC_EUSAGE;
	}
	/* whole lines, however long: no tail of a comment is ever read as a line */
	while ((n = getline(&line, &alloc, f)) >= 0) {
		char *eq, *key, *val;

		lineno++;
		snprintf(origin, sizeof(origin), "%s:%u", path, lineno);
		if (memchr(line, '\0', (size_t)n)) {
			ret = cc_err_set(err, CC_EUSAGE, "%s: a NUL byte in the line", origin);
			break;
		}
		if ((size_t)n > CFG_MAX_LINE) {
			ret = cc_err_set(err, CC_EUSAGE, "%s: line longer than %u bytes", origin,
					 CFG_MAX_LINE);
			break;
		}
		key = line;
		/* a UTF-8 byte-order mark, as some editors write */
		if (lineno == 1 && !memcmp(key, "\xef\xbb\xbf", 3))
			key += 3;
		strip_comment(key);
		key = cc_trim(key);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			ret = cc_err_set(err, CC_EUSAGE,
					 "%s: expected 'key = value'", origin);
			break;
		}
		*eq = '\0';
		val = cc_trim(eq + 1);
		key = cc_trim(key);
		if ((ret = cfg_set(c, key, val, origin, err)))
			break;
	}
	if (!ret && ferror(f))
		ret = cc_err_errno(err, errno, "cannot read config '%s'", path);
	free(line);
	fclose(f);
	return ret;
}

enum cc_code cfg_load_env(struct cfg *c, struct cc_err *err)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		char var[128], origin[160];
		const char *v, *p;
		size_t j = 0;

		j = (size_t)snprintf(var, sizeof(var), "COSTCTL_");
		for (p = cfg_keys[i].name; *p && j + 1 < sizeof(var); p++)
			var[j++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
		var[j] = '\0';
		v = getenv(var);
		if (!v)
			continue;
		snprintf(origin, sizeof(origin), "environment %s", var);
		if (cfg_set(c, cfg_keys[i].name, v, origin, err))
			return err ? err->code : CC_EUSAGE;
	}
	return CC_OK;
}

const char *cfg_str(const struct cfg *c, const char *name)
{
	long k = find_key(name);

	if (k < 0)
		CC_BUG("no config key '%s'", name);
	return c->values[k];
}

int64_t cfg_int(const struct cfg *c, const char *name)
{
	long k = find_key(name);

	if (k < 0 || cfg_keys[k].type != CFG_INT)
		CC_BUG("no integer config key '%s'", name);
	return strtoll(c->values[k], NULL, 10);
}
