#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/prices/pb.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl pricebook verify FILE",
	"       costctl pricebook info FILE",
	"",
	"verify  runs every check (header, section bounds, offers table, body",
	"        checksum, record bounds, sort order) and names the one that fails",
	"info    prints the header, the offers it was built from and its SHA-256",
	NULL,
};

static int info(struct cmd_ctx *c, struct pb_reader *r)
{
	const char *sha;
	size_t i;
	int ret = pb_sha256(r, &sha, &c->err);

	if (ret)
		return ret;
	printf("file:     %s\nformat:   %d\nentries:  %llu\nsha256:   %s\noffers:   %zu\n",
	       pb_path(r), PB_FORMAT_VERSION, (unsigned long long)pb_count(r), sha,
	       pb_offer_count(r));
	for (i = 0; i < pb_offer_count(r); i++) {
		const struct pb_offer *o = pb_offer_at(r, i);

		printf("  %-20.*s version %-15.*s published %-21.*s %8llu products %9llu entries  %.*s\n",
		       (int)o->code.len, o->code.p, (int)o->version.len, o->version.p,
		       (int)o->published.len, o->published.p,
		       (unsigned long long)o->products, (unsigned long long)o->entries,
		       (int)o->source.len, o->source.p);
	}
	return CC_OK;
}

int cmd_pricebook(int argc, char **argv, struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pb_reader *r = NULL;
	const char *sha;
	int o, ret;

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (o == 'h')
			return cmd_usage(usage, 1);
		return cmd_usage(usage, 0);
	}
	if (argc - optind != 2 ||
	    (strcmp(argv[optind], "verify") && strcmp(argv[optind], "info")))
		return cmd_usage(usage, 0);
	if ((ret = pb_open(&r, argv[optind + 1], &c->err)))
		return ret;
	if (!strcmp(argv[optind], "info")) {
		ret = info(c, r);
	} else if (!(ret = pb_verify(r, &c->err)) &&
		   !(ret = pb_sha256(r, &sha, &c->err))) {
		printf("%s: ok (%llu entries, %zu offers, sha256 %s)\n", argv[optind + 1],
		       (unsigned long long)pb_count(r), pb_offer_count(r), sha);
	}
	pb_close(r);
	return ret;
}
