#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/core/buf.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl table init [--accept-existing]",
	"       costctl table info",
	"       costctl table import [--skip-bad] FILE.jsonl",
	"       costctl table export",
	"       costctl table get PK SK",
	"       costctl table query [--limit N] [--cursor C] [--all] PATTERN [ARGS...]",
	"       costctl table purge-expired",
	"",
	"The platform's table (aws-cost-platform) in the store named by --store",
	"(default sqlite:<state>/costplatform.db). Items are plain JSON objects,",
	"one a line in import and export files; export then import is lossless.",
	"import checks every line first and imports nothing if one is bad (each",
	"bad line is named), unless --skip-bad. query prints items as JSON lines;",
	"Without --limit a query reads every page; with --limit, one page, and",
	"the cursor of the next goes to stderr (--all reads on).",
	"init creates the table as section 2.1 says; an existing DynamoDB table",
	"of another shape is reported (exit 2) unless --accept-existing.",
	"Plain JSON cannot say DynamoDB's sets and binary: they travel as",
	"{\"$ss\":[..]}, {\"$ns\":[..]}, {\"$bs\":[..]} and {\"$b\":\"base64\"}.",
	"",
	"patterns:",
	NULL,
};

static int print_usage(int to_stdout)
{
	const struct store_pattern *p;
	FILE *f = to_stdout ? stdout : stderr;

	cmd_usage(usage, to_stdout);
	for (p = store_patterns; p->name; p++)
		fprintf(f, "  %-20s %-16s %s\n", p->name, p->args, p->help);
	return to_stdout ? CC_OK : CC_EUSAGE;
}

static int print_item(void *user, const char *json, size_t len)
{
	(void)user;
	return fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF;
}

/* One line of a JSONL file, without its newline; NULL at the end. */
static const char *next_line(FILE *f, struct buf *line, int *too_long)
{
	int ch;

	buf_reset(line);
	*too_long = 0;
	while ((ch = getc(f)) != EOF && ch != '\n')
		if (buf_addch(line, (char)ch))
			*too_long = 1;
	if (ch == EOF && !line->len)
		return NULL;
	while (line->len && line->buf[line->len - 1] == '\r')
		line->buf[--line->len] = '\0';
	return line->buf;
}

static int import(struct cmd_ctx *c, struct store *s, const char *path,
		  int skip_bad)
{
	enum { CHUNK = 500 };
	struct buf line;
	char *items[CHUNK];
	size_t n = 0, i, lineno = 0, bad = 0, good = 0;
	int ret = CC_OK, too_long, atomic = 0;
	char why[300];
	FILE *f = fopen(path, "r");

	if (!f)
		return cc_err_errno(&c->err, errno, "cannot open '%s'", path);
	buf_init(&line, (size_t)1 << 20);
	/* first pass: every line checked, each bad one named */
	while (next_line(f, &line, &too_long)) {
		lineno++;
		if (!line.len)
			continue;
		if (too_long)
			snprintf(why, sizeof(why), "longer than 1 MiB");
		if (too_long || !store_item_valid(line.buf, line.len, why, sizeof(why))) {
			if (!bad++)
				cc_err_set(&c->err, CC_EPARSE, "'%s' line %zu: %s", path, lineno, why);
			cc_log(&c->cc, skip_bad ? CC_LOG_WARN : CC_LOG_ERROR, "table",
			       "'%s' line %zu: %s%s", path, lineno, why,
			       skip_bad ? "; skipped" : "");
		}
	}
	if (ferror(f)) {
		ret = cc_err_errno(&c->err, errno, "cannot read '%s'", path);
		goto out;
	}
	if (bad && !skip_bad) {
		char first[sizeof(c->err.msg)];

		snprintf(first, sizeof(first), "%s", c->err.msg);
		cc_err_clear(&c->err);
		ret = cc_err_set(&c->err, CC_EPARSE,
				 "%zu bad lines in '%s', nothing imported (first: %s); --skip-bad imports the rest",
				 bad, path, first);
		goto out;
	}
	cc_err_clear(&c->err);
	/* second pass: the good lines, in batches, as one transaction where the
	 * store has them (SQLite): killed or out of disk, nothing is left */
	if ((ret = store_bulk_begin(s, &atomic, &c->err)))
		goto out;
	rewind(f);
	lineno = 0;
	while (next_line(f, &line, &too_long) && !ret) {
		lineno++;
		if (!line.len || too_long || !store_item_valid(line.buf, line.len, why, sizeof(why)))
			continue;
		if (!(items[n++] = strdup(line.buf))) {
			ret = cc_err_set(&c->err, CC_ENOMEM, "cannot import '%s'", path);
			break;
		}
		if (n == CHUNK) {
			ret = store_batch_put(s, (const char *const *)items, n, &c->err);
			good += ret ? 0 : n;
			for (i = 0; i < n; i++)
				free(items[i]);
			n = 0;
		}
	}
	if (!ret && n) {
		ret = store_batch_put(s, (const char *const *)items, n, &c->err);
		good += ret ? 0 : n;
	}
	for (i = 0; i < n; i++)
		free(items[i]);
	if (!ret)
		ret = store_bulk_end(s, 1, &c->err);
	else
		store_bulk_end(s, 0, NULL);
	if (ret && atomic) {
		char inner[sizeof(c->err.msg)];

		snprintf(inner, sizeof(inner), "%s", c->err.msg);
		cc_err_clear(&c->err);
		cc_err_set(&c->err, ret, "cannot import '%s' (nothing imported): %s", path, inner);
	} else if (ret) {
		char inner[sizeof(c->err.msg)];

		snprintf(inner, sizeof(inner), "%s", c->err.msg);
		cc_err_clear(&c->err);
		cc_err_set(&c->err, ret,
			   "cannot import '%s' after %zu items (line %zu): %s; %s imports are not atomic: run it again (puts replace)",
			   path, good, lineno, inner, store_backend(s));
	}
	if (!ret)
		cc_log(&c->cc, CC_LOG_INFO, "table", "imported %zu items from '%s'%s", good, path,
		       bad ? " (bad lines skipped)" : "");
out:
	buf_release(&line);
	fclose(f);
	return ret;
}

int cmd_table(int argc, char **argv, struct cmd_ctx *c)
{
	enum { OPT_SKIP = 256, OPT_LIMIT, OPT_CURSOR, OPT_ALL, OPT_ACCEPT };
	static const struct option opts[] = {
		{ "skip-bad", no_argument, NULL, OPT_SKIP },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "cursor", required_argument, NULL, OPT_CURSOR },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "accept-existing", no_argument, NULL, OPT_ACCEPT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cursor = NULL, *sub;
	unsigned long limit = 0;
	int o, ret, skip_bad = 0, all = 0, accept = 0;
	struct store *s = NULL;
	struct buf next, item;
	char *end;

	/* costctl table SUB [options] ARGS: the subcommand first, then its options */
	if (argc < 2)
		return print_usage(0);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return print_usage(1);
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_SKIP: skip_bad = 1; break;
		case OPT_LIMIT:
			errno = 0;
			limit = strtoul(optarg, &end, 10);
			/* strtoul takes "-1" as ULONG_MAX - 0: digits only */
			if (errno || *end || !limit || limit > 1000000 || optarg[0] < '0' ||
			    optarg[0] > '9') {
				fprintf(stderr, "costctl table: --limit wants a whole number from 1 to 1000000, not '%s'\n",
					optarg);
				return CC_EUSAGE;
			}
			break;
		case OPT_CURSOR: cursor = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_ACCEPT: accept = 1; break;
		case 'h': return print_usage(1);
		default: return print_usage(0);
		}
	}
	buf_init(&next, 1 << 20);
	buf_init(&item, 8 << 20);
	if (strcmp(sub, "init") && strcmp(sub, "info") && strcmp(sub, "import") && strcmp(sub, "export") &&
	    strcmp(sub, "get") && strcmp(sub, "query") && strcmp(sub, "purge-expired"))
		return print_usage(0);
	if ((!strcmp(sub, "get") && argc - optind != 2) ||
	    (!strcmp(sub, "import") && argc - optind != 1) ||
	    ((!strcmp(sub, "init") || !strcmp(sub, "info") || !strcmp(sub, "export") ||
	      !strcmp(sub, "purge-expired")) &&
	     argc != optind) ||
	    (!strcmp(sub, "query") && argc == optind))
		return print_usage(0);
	if ((ret = cmd_open_store(c, &s)))
		goto out;
	if (!strcmp(sub, "init")) {
		if (!(ret = store_init_ex(s, accept ? STORE_INIT_ACCEPT : 0, &c->err)))
			cc_log(&c->cc, CC_LOG_INFO, "table", "table ready in '%s'", store_url(s));
	} else if (!strcmp(sub, "info")) {
		if (!(ret = store_describe(s, &item, &c->err)))
			fwrite(item.buf, 1, item.len, stdout);
	} else if (!strcmp(sub, "import")) {
		ret = import(c, s, argv[optind], skip_bad);
	} else if (!strcmp(sub, "export")) {
		ret = store_scan(s, 0, 1, print_item, NULL, &c->err);
	} else if (!strcmp(sub, "get")) {
		int found;

		ret = store_get(s, argv[optind], argv[optind + 1], &item, &found, &c->err);
		if (!ret && !found)
			ret = cc_err_set(&c->err, CC_ENOTFOUND, "no item %s / %s", argv[optind],
					 argv[optind + 1]);
		else if (!ret)
			print_item(NULL, item.buf, item.len);
	} else if (!strcmp(sub, "purge-expired")) {
		uint64_t n;

		if (!(ret = store_purge_expired(s, &n, &c->err)))
			cc_log(&c->cc, CC_LOG_INFO, "table", "purged %llu expired items",
			       (unsigned long long)n);
	} else {
		const struct store_pattern *p = store_pattern_find(argv[optind]);

		if (!p) {
			ret = cc_err_set(&c->err, CC_EUSAGE,
					 "no access pattern '%s'; 'costctl table --help' lists them",
					 argv[optind]);
			goto out;
		}
		/* without --limit, every page: the same items on both backends
		 * (DynamoDB stops a page at 1 MB) */
		if (!limit)
			all = 1;
		for (;;) {
			ret = store_pattern_run(s, p, (const char *const *)argv + optind + 1,
						(size_t)(argc - optind - 1), (unsigned)limit, cursor,
						print_item, NULL, &next, &c->err);
			if (ret || !next.len)
				break;
			if (!all) {
				fprintf(stderr, "costctl: more: --cursor '%s'\n", next.buf);
				break;
			}
			buf_reset(&item);
			buf_add(&item, next.buf, next.len);
			cursor = item.buf;
		}
	}
out:
	store_close(s);
	buf_release(&next);
	buf_release(&item);
	return ret;
}
