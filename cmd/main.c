/*
 * costctl: the batch back end of the AWS Cost Estimation Platform.
 * This file parses the global options, reads the configuration, runs one
 * command from the table, and maps its result to the exit-code contract.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pipeline/core/buf.h"
#include "pipeline/calc/calc.h"
#include "pipeline/core/fsutil.h"
#include "pipeline/prices/pb.h"
#include "pipeline/prices/pbstore.h"
#include "pipeline/store/store.h"
#include "pipeline/core/version.h"
#include "pipeline/core/banned.h"

/* The exit-code contract (DESIGN.md), in one place. */
static int exit_code(int code)
{
	switch (code) {
	case CC_OK: return 0;
	case CC_EUSAGE: return 1;
	case CC_EPARTIAL: return 3;
	case CC_ELOCKED: return 4;
	case CC_ENET_TEMP: return 75;
	default: return 2;
	}
}

enum { NEED_LOCK = 1 };

static const struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct cmd_ctx *c);
	unsigned flags;
	const char *summary;
} commands[] = {
	/* sorted by name */
	{ "diff", cmd_diff, 0, "what changed between two pricebooks" },
	{ "docs", cmd_docs, 0, "an estimation's PDF proposal and XLSX workbook" },
	{ "explain", cmd_explain, 0, "how each number of an estimation was made" },
	{ "fetch", cmd_fetch, NEED_LOCK,
	  "download the price-list files that changed" },
	{ "ingest", cmd_ingest, NEED_LOCK,
	  "stream offer files into a new pricebook" },
	{ "intake", cmd_intake, 0,
	  "the requirements workbook: write the template, import a filled one as an estimation" },
	{ "nightly", cmd_nightly, NEED_LOCK,
	  "the nightly job: fetch, ingest (gated), recalc, documents, the morning report" },
	{ "price", cmd_price, 0, "look up prices, or dump a pricebook" },
	{ "pricebook", cmd_pricebook, 0, "verify or describe a pricebook file" },
	{ "rebuild", cmd_rebuild, 0, "price one estimation now: a new CALCULATION" },
	{ "recalc", cmd_recalc, NEED_LOCK, "price every active estimation (the nightly step)" },
	{ "report", cmd_report, 0, "a night's morning report, made again from the store" },
	{ "table", cmd_table, 0,
	  "the platform's table: init, import, export, get, query, purge-expired" },
};

static const char *const main_usage[] = {
	"usage: costctl [--config FILE] [--store URL] [--state DIR]",
	"               [--log-format text|json] [-q|-v] COMMAND [ARGS]",
	"       costctl --version | --help | COMMAND --help",
	NULL,
};

static int print_help(void)
{
	size_t i;
	const struct cfg_key *k;

	cmd_usage(main_usage, 1);
	printf("\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\noptions:\n"
	       "  --config FILE      read settings from FILE (default ./costctl.conf if present)\n"
	       "  --store URL        table store (sqlite:PATH | dynamodb://REGION/TABLE)\n"
	       "  --state DIR        state directory (default: state)\n"
	       "  --log-format FMT   text (default) or json lines on stderr\n"
	       "  -q, --quiet        warnings and errors only\n"
	       "  -v, --verbose      debug messages too\n"
	       "\nexit status: 0 done; 1 usage; 2 failed, nothing published;\n"
	       "  3 finished but some items failed; 4 another run holds the lock;\n"
	       "  75 temporary failure (network), retry later\n"
	       "\nsettings (costctl.conf 'key = value', or COSTCTL_KEY in the environment):\n");
	for (k = cfg_keys; k->name; k++)
		printf("  %-26s %s (default '%s')\n", k->name, k->help, k->def);
	return CC_OK;
}

int cmd_usage(const char *const *usage, int to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;

	for (; *usage; usage++)
		fprintf(f, "%s\n", *usage);
	return to_stdout ? CC_OK : CC_EUSAGE;
}

/* ------------------------------------------------------------ logging */

struct sink {
	int json;
	int tty;          /* stderr is a terminal: draw a progress bar */
	int bar_drawn;
	struct timespec last, start;
	uint64_t start_done;
};

static void clear_bar(struct sink *s)
{
	if (s->bar_drawn) {
		fputs("\r\033[K", stderr);
		s->bar_drawn = 0;
	}
}

static void log_sink(void *user, enum cc_level level, const char *component,
		     const char *msg)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	struct sink *s = user;
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	clear_bar(s);
	if (s->json) {
		/* one line, one write: lines from two threads never interleave */
		struct buf line;

		buf_init(&line, 64 * 1024);
		buf_addf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"component\":",
			 stamp, names[level]);
		buf_add_json_str(&line, component, strlen(component));
		buf_addstr(&line, ",\"msg\":");
		buf_add_json_str(&line, msg, strlen(msg));
		buf_addstr(&line, "}\n");
		fwrite(line.buf, 1, line.len, stderr);
		buf_release(&line);
	} else {
		fprintf(stderr, "%s %s %s: %s\n", stamp, names[level], component, msg);
	}
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_sink(void *user, const char *what, uint64_t done,
			  uint64_t total)
{
	struct sink *s = user;
	struct timespec now;
	double el, rate;
	int pct, width = 30, fill;

	if (!s->tty || s->json)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done < s->start_done || !s->start.tv_sec) {
		s->start = now;
		s->start_done = 0;
	}
	if (s->bar_drawn && secs(&s->last, &now) < 0.1 && done != total)
		return;
	s->last = now;
	el = secs(&s->start, &now);
	rate = el > 0 ? (double)(done - s->start_done) / el / 1e6 : 0;
	pct = total ? (int)(done * 100 / total) : 0;
	fill = total ? (int)(done * (uint64_t)width / total) : 0;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %7.1f MB/s %s\033[K", fill,
		"==============================", width - fill, "", pct, rate,
		cc_basename(what));
	s->bar_drawn = 1;
	if (total && done >= total)
		clear_bar(s);
}

/* ------------------------------------------------------------ main */

/*
 * SIGINT, SIGTERM, SIGHUP: remove the temp files the library registered
 * (unlink only: async-signal-safe), then die of the same signal, so the
 * parent sees how we ended. What a kill -9 leaves, the next run sweeps.
 */
static void on_fatal_signal(int sig)
{
	fs_temp_unlink_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int cmd_open_store(struct cmd_ctx *c, struct store **s)
{
	struct buf url;
	int ret;

	buf_init(&url, 8192);
	if (*cfg_str(c->cfg, "store"))
		buf_addstr(&url, cfg_str(c->cfg, "store"));
	else
		buf_addf(&url, "sqlite:%s/costplatform.db", c->state);
	ret = store_open(s, url.buf, &c->cc, &c->err);
	buf_release(&url);
	return ret;
}

int cmd_open_pricebook(struct cmd_ctx *c, const char *file, struct pb_reader **r)
{
	struct buf path;
	int ret;

	buf_init(&path, 8192);
	if (file)
		ret = buf_addstr(&path, file) ? CC_ENOMEM : CC_OK;
	else
		ret = pb_store_current(c->state, "current", &path, &c->err);
	if (!ret)
		ret = pb_open(r, path.buf, &c->err);
	buf_release(&path);
	return ret;
}

int cmd_pricing_open(struct cmd_ctx *c, const char *pricebook, struct cmd_pricing *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if ((ret = calc_config_load(c->cfg, &p->cc, &c->err)) || (ret = cmd_open_store(c, &p->s)) ||
	    (ret = cmd_open_pricebook(c, pricebook, &p->pb)) || (ret = pb_sha256(p->pb, &p->sha, &c->err)))
		cmd_pricing_close(p);
	return ret;
}

void cmd_pricing_close(struct cmd_pricing *p)
{
	pb_close(p->pb);
	store_close(p->s);
	calc_config_free(p->cc);
	memset(p, 0, sizeof(*p));
}

int cmd_calc_time(struct cmd_ctx *c, const char *at, char buf[32], const char **out)
{
	if (!at) {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		*out = buf;
		return CC_OK;
	}
	if (strlen(at) != 20 || at[4] != '-' || at[7] != '-' || at[10] != 'T' || at[13] != ':' ||
	    at[16] != ':' || at[19] != 'Z')
		return cc_err_set(&c->err, CC_EUSAGE, "--at wants YYYY-MM-DDTHH:MM:SSZ, not '%s'", at);
	*out = at;
	return CC_OK;
}

int cmd_lock(struct cmd_ctx *c)
{
	char path[4096];
	int ret;

	if ((ret = fs_mkdirs(c->state, &c->err)))
		return ret;
	snprintf(path, sizeof(path), "%s/costctl.lock", c->state);
	return fs_lock(path, &c->lock_fd, &c->err);
}

static int close_stdout(void)
{
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		if (errno == EPIPE)
			return 0;
		fprintf(stderr, "costctl: error: cannot write to standard output: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *store = NULL, *state = NULL, *logfmt = NULL;
	static char help_flag[] = "--help";
	const struct cmd_struct *cmd = NULL;
	struct cmd_ctx c;
	struct sink sink;
	int opt, ret, verbosity = 0;
	size_t i;

	/* once, before any thread: libcurl's global state */
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "costctl: error: cannot initialise libcurl\n");
		return 2;
	}
	catch_signals();
	memset(&c, 0, sizeof(c));
	memset(&sink, 0, sizeof(sink));
	c.lock_fd = -1;
	while ((opt = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 's': store = optarg; break;
		case 'S': state = optarg; break;
		case 'l': logfmt = optarg; break;
		case 'q': verbosity = -1; break;
		case 'v': verbosity = 1; break;
		case 'h': print_help(); return close_stdout();
		case 'V':
			printf("costctl %s\n", COSTCTL_VERSION);
			return close_stdout();
		default:
			cmd_usage(main_usage, 0);
			return 1;
		}
	}
	if (optind >= argc) {
		cmd_usage(main_usage, 0);
		fprintf(stderr, "costctl: no command given; 'costctl --help' lists them\n");
		return 1;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			print_help();
			return close_stdout();
		}
		/* `costctl help CMD` is `costctl CMD --help` */
		argv[optind] = argv[optind + 1];
		argv[optind + 1] = help_flag;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, argv[optind]))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "costctl: '%s' is not a costctl command; see 'costctl --help'\n",
			argv[optind]);
		return 1;
	}

	c.cfg = cfg_new();
	if (!c.cfg) {
		fprintf(stderr, "costctl: error: out of memory\n");
		return 2;
	}
	ret = cfg_load_file(c.cfg, config ? config : "costctl.conf", !config, &c.err);
	if (!ret)
		ret = cfg_load_env(c.cfg, &c.err);
	if (!ret && state)
		ret = cfg_set(c.cfg, "state", state, "--state", &c.err);
	if (!ret && store)
		ret = cfg_set(c.cfg, "store", store, "--store", &c.err);
	if (!ret && logfmt)
		ret = cfg_set(c.cfg, "log_format", logfmt, "--log-format", &c.err);
	if (!ret && strcmp(cfg_str(c.cfg, "log_format"), "text") &&
	    strcmp(cfg_str(c.cfg, "log_format"), "json"))
		ret = cc_err_set(&c.err, CC_EUSAGE, "log format must be text or json, not '%s'",
				 cfg_str(c.cfg, "log_format"));
	sink.json = !ret && !strcmp(cfg_str(c.cfg, "log_format"), "json");
	sink.tty = isatty(STDERR_FILENO);
	c.cc.cfg = c.cfg;
	c.cc.log = log_sink;
	c.cc.progress = progress_sink;
	c.cc.user = &sink;
	c.cc.min_level = verbosity < 0 ? CC_LOG_WARN : verbosity > 0 ? CC_LOG_DEBUG :
								  CC_LOG_INFO;
	c.state = ret ? "state" : cfg_str(c.cfg, "state");

	if (!ret && (cmd->flags & NEED_LOCK)) {
		/* --help needs no lock */
		int wants_help = 0;

		for (i = (size_t)optind + 1; i < (size_t)argc; i++)
			wants_help |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
		if (!wants_help)
			ret = cmd_lock(&c);
	}
	if (!ret) {
		int first = optind;

		optind = 0; /* glibc: reinitialise for the command's getopt */
		ret = cmd->fn(argc - first, argv + first, &c);
	}
	clear_bar(&sink);
	if (ret && c.err.code)
		cc_log(&c.cc, CC_LOG_ERROR, cmd->name, "%s", c.err.msg);
	fs_unlock(c.lock_fd);
	cfg_free(c.cfg);
	if (close_stdout() && !ret)
		ret = CC_EIO;
	curl_global_cleanup();
	return exit_code(ret);
}
