#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

#include "banned.h"

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
	  "awskms,AWSSecretsManager,awswaf,AmazonGuardDuty,AWSCloudTrail,AWSConfig,AWSShield",
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
