#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pipeline/prices/gate.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/prices/ingest.h"
#include "pipeline/prices/pbstore.h"
#include "pipeline/core/banned.h"

static const char *const usage[] = {
	"usage: costctl ingest [--output FILE] [--force] [FILE...]",
	"",
	"Streams AWS Price List offer files (JSON, plain or .gz) into one new",
	"pricebook. With no FILE, ingests what 'costctl fetch' left in",
	"<state>/offers. Without --output the pricebook is published in",
	"<state>/pricebooks and <state>/pricebook.current points at it; a run",
	"that fails leaves the current pricebook as it was.",
	"",
	"With no FILE (what fetch downloaded), the new pricebook passes the sanity",
	"gate before it is published: it must not lose more than gate.max_loss_percent",
	"of the current one's entries, nor gate.max_group_loss_percent of one",
	"service and region's, nor move the median price more than",
	"gate.max_median_move_percent. A refused one is not published (exit 2,",
	"saying why); --force publishes it anyway.",
	"",
	"  -o, --output FILE   write the pricebook to FILE instead (nothing is published)",
	"      --force         publish even when the sanity gate refuses",
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

int cmd_gate(struct cmd_ctx *c, const struct pb_reader *cur, const char *incoming, int force)
{
	struct gate_limits l;
	struct gate_result r;
	struct pb_reader *next = NULL;
	int ret;

	l.max_loss_percent = (double)cfg_int(c->cfg, "gate.max_loss_percent");
	l.max_group_loss_percent = (double)cfg_int(c->cfg, "gate.max_group_loss_percent");
	l.max_median_move_percent = (double)cfg_int(c->cfg, "gate.max_median_move_percent");
	l.min_group_entries = (uint64_t)cfg_int(c->cfg, "gate.min_group_entries");
	if ((ret = pb_open(&next, incoming, &c->err)))
		return ret;
	ret = gate_check(cur, next, &l, &r, &c->err);
	pb_close(next);
	if (ret)
		return ret;
	cc_log(&c->cc, CC_LOG_INFO, "ingest",
	       "sanity gate: %s (entries %llu -> %llu, %.1f%% lost; worst service/region %s%s%.1f%%; median move %+.2f%%)",
	       r.pass ? "passed" : force ? "refused, published anyway (--force)" : "refused",
	       (unsigned long long)r.old_entries, (unsigned long long)r.new_entries, r.loss_percent,
	       r.worst_group[0] ? r.worst_group : "", r.worst_group[0] ? " " : "", r.worst_group_loss_percent,
	       r.median_move_percent);
	if (r.pass || force)
		return CC_OK;
	return cc_err_set(&c->err, CC_ECORRUPT,
			  "the new pricebook is not published: %s; the current one stays (--force publishes it)",
			  r.why);
}

int cmd_ingest_run(struct cmd_ctx *c, const char *const *names, size_t nnames, const char *output, int force,
		   struct cmd_ingest_out *io)
{
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
	int ret;

	if (io)
		memset(io, 0, sizeof(*io));
	buf_init(&path, 8192);
	buf_init(&cur, 8192);
	buf_init(&offers, 8192);
	buf_init(&pub.path, 8192);
	if (nnames) {
		files = names;
		nfiles = nnames;
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
	if (!ret && io) {
		io->orphans = res.orphans;
		io->duplicates = res.duplicates;
		io->conflicts = res.conflicts;
		io->plan_orphans = res.plan_orphans;
		io->entries = res.entries;
		cc_copy(io->sha256, sizeof(io->sha256), res.sha256, strlen(res.sha256));
	}
	/* the fetched files replace the current pricebook only past the sanity gate */
	if (!ret && !output && !nnames && prev)
		ret = cmd_gate(c, prev, path.buf, force);
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
	if (io) {
		io->published = !pub.unchanged;
		io->entries = res.entries;
		cc_copy(io->sha256, sizeof(io->sha256), res.sha256, strlen(res.sha256));
	}
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

int cmd_ingest(int argc, char **argv, struct cmd_ctx *c)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	int o, force = 0;

	while ((o = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (o) {
		case 'o': output = optarg; break;
		case 'F': force = 1; break;
		case 'h': return cmd_usage(usage, 1);
		default: return cmd_usage(usage, 0);
		}
	}
	return cmd_ingest_run(c, (const char *const *)argv + optind, (size_t)(argc - optind), output, force, NULL);
}
