#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/buf.h"
#include "pipeline/fsutil.h"
#include "pipeline/ingest.h"
#include "pipeline/pbstore.h"
#include "pipeline/banned.h"

static const char *const usage[] = {
	"usage: costctl ingest [--output FILE] [FILE...]",
	"",
	"Streams AWS Price List offer files (JSON, plain or .gz) into one new",
	"pricebook. With no FILE, ingests what 'costctl fetch' left in",
	"<state>/offers. Without --output the pricebook is published in",
	"<state>/pricebooks and <state>/pricebook.current points at it; a run",
	"that fails leaves the current pricebook as it was.",
	"",
	"  -o, --output FILE   write the pricebook to FILE instead (nothing is published)",
	"  -h, --help          this help",
	NULL,
};

/* What killed runs left: pricebook temp files and spools of dead pids. */
static int sweep(struct cmd_ctx *c)
{
	const char *tmp = getenv("TMPDIR");
	unsigned files, more;
	unsigned long long bytes, more_bytes;
	struct buf dir;
	int ret;

	buf_init(&dir, 8192);
	if (buf_addf(&dir, "%s/pricebooks", c->state)) {
		buf_release(&dir);
		return cc_err_set(&c->err, CC_ENOMEM, "path too long");
	}
	ret = fs_sweep_dead(dir.buf, "incoming-", '.', &files, &bytes, &c->err);
	if (!ret)
		ret = fs_sweep_dead(tmp && *tmp ? tmp : "/tmp", "costctl-spool-", '-', &more,
				    &more_bytes, &c->err);
	if (!ret && files + more)
		cc_log(&c->cc, CC_LOG_INFO, "ingest",
		       "removed %u files (%llu bytes) left by killed runs", files + more,
		       bytes + more_bytes);
	buf_release(&dir);
	return ret;
}

int cmd_ingest(int argc, char **argv, struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	char **found = NULL;
	size_t nfound = 0;
	const char *const *files;
	size_t nfiles;
	struct ingest_options opt = { 0 };
	struct ingest_result res;
	struct pb_store_result pub;
	struct buf path, offers, cur;
	struct pb_reader *prev = NULL;
	struct cc_err soft = { 0 };
	int o, ret;

	while ((o = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (o) {
		case 'o': output = optarg; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	buf_init(&path, 8192);
	buf_init(&cur, 8192);
	buf_init(&offers, 8192);
	buf_init(&pub.path, 8192);
	if (optind < argc) {
		files = (const char *const *)argv + optind;
		nfiles = (size_t)(argc - optind);
	} else {
		if (buf_addf(&offers, "%s/offers", c->state)) {
			ret = cc_err_set(&c->err, CC_ENOMEM, "path too long");
			goto out;
		}
		ret = ingest_find_offers(offers.buf, &found, &nfound, &c->err);
		if (ret)
			goto out;
		if (!nfound) {
			ret = cc_err_set(&c->err, CC_ENOTFOUND,
					 "no offer files in '%s'; run 'costctl fetch' or name files",
					 offers.buf);
			goto out;
		}
		files = (const char *const *)found;
		nfiles = nfound;
	}
	opt.chunk = (size_t)cfg_int(c->cfg, "ingest.chunk_kb") * 1024;
	opt.max_products = (uint64_t)cfg_int(c->cfg, "ingest.max_products");
	opt.sort_memory = (size_t)cfg_int(c->cfg, "pricebook.sort_memory_mb") << 20;
	opt.spool_dir = NULL;
	opt.intern = NULL;
	opt.intern_user = NULL;
	opt.max_token = (uint64_t)cfg_int(c->cfg, "ingest.max_token_kb") << 10;
	opt.max_bytes = (uint64_t)cfg_int(c->cfg, "ingest.max_file_mb") << 20;
	if (output) {
		/* never rename over a device, a link (pricebook.current) or a directory */
		if (!*output)
			ret = cc_err_set(&c->err, CC_EUSAGE, "--output needs a path");
		else if (fs_replaceable(output, &c->err))
			ret = c->err.code;
		else
			ret = buf_addstr(&path, output) ? CC_ENOMEM : CC_OK;
	} else {
		ret = sweep(c);
		if (!ret)
			ret = pb_store_incoming(c->state, &path, &c->err);
	}
	if (ret)
		goto out;
	/* what this ingest replaces: an offer that had prices must keep some */
	if (!pb_store_current(c->state, "current", &cur, &soft) &&
	    pb_open(&prev, cur.buf, &soft))
		cc_log(&c->cc, CC_LOG_WARN, "ingest",
		       "the current pricebook cannot be read, so empty offers are not checked against it: %s",
		       soft.msg);
	opt.previous = prev;
	ret = ingest_to_pricebook(&c->cc, files, nfiles, path.buf, &opt, &res,
				  &c->err);
	pb_close(prev);
	prev = NULL;
	if (ret)
		goto out;
	if (output) {
		cc_log(&c->cc, CC_LOG_INFO, "ingest",
		       "wrote '%s': %llu entries from %llu files, sha256 %s", output,
		       (unsigned long long)res.entries, (unsigned long long)res.files,
		       res.sha256);
		goto out;
	}
	ret = pb_store_publish(c->state, path.buf, res.sha256,
			       (unsigned)cfg_int(c->cfg, "pricebook.keep"), &pub,
			       &c->err);
	if (ret)
		goto out;
	if (pub.unchanged)
		cc_log(&c->cc, CC_LOG_INFO, "ingest",
		       "pricebook unchanged (%llu entries, sha256 %s): '%s' stays current",
		       (unsigned long long)res.entries, res.sha256, pub.path.buf);
	else
		cc_log(&c->cc, CC_LOG_INFO, "ingest",
		       "published '%s': %llu entries from %llu files, sha256 %s",
		       pub.path.buf, (unsigned long long)res.entries,
		       (unsigned long long)res.files, res.sha256);
out:
	if (ret && !output && path.len)
		remove(path.buf); /* a failed run leaves no incoming file */
	ingest_free_list(found, nfound);
	buf_release(&path);
	buf_release(&cur);
	buf_release(&offers);
	buf_release(&pub.path);
	return ret;
}
