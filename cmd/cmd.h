#ifndef CMD_H
#define CMD_H
/*
 * The costctl commands. Each is `cmd_<name>(argc, argv, ctx)`: argv[0] is
 * the command name; it returns a cc_code (CC_OK, or the failure it filled
 * into ctx->err), and main maps that to the exit-code contract.
 */
#include "pipeline/core/cc.h"
#include "pipeline/core/cfg.h"

struct cmd_ctx {
	struct cc_ctx cc;
	struct cfg *cfg;
	const char *state;   /* state directory */
	struct cc_err err;
	int lock_fd;
};

int cmd_diff(int argc, char **argv, struct cmd_ctx *c);
int cmd_docs(int argc, char **argv, struct cmd_ctx *c);
int cmd_explain(int argc, char **argv, struct cmd_ctx *c);
int cmd_fetch(int argc, char **argv, struct cmd_ctx *c);
int cmd_ingest(int argc, char **argv, struct cmd_ctx *c);
int cmd_intake(int argc, char **argv, struct cmd_ctx *c);
int cmd_nightly(int argc, char **argv, struct cmd_ctx *c);
int cmd_price(int argc, char **argv, struct cmd_ctx *c);
int cmd_rebuild(int argc, char **argv, struct cmd_ctx *c);
int cmd_recalc(int argc, char **argv, struct cmd_ctx *c);
int cmd_report(int argc, char **argv, struct cmd_ctx *c);
int cmd_pricebook(int argc, char **argv, struct cmd_ctx *c);
int cmd_table(int argc, char **argv, struct cmd_ctx *c);

struct store;
struct pb_reader;

/* The store named by --store / store, or sqlite:<state>/costplatform.db. */
int cmd_open_store(struct cmd_ctx *c, struct store **s);
/* FILE, or <state>/pricebook.current when NULL. */
int cmd_open_pricebook(struct cmd_ctx *c, const char *file, struct pb_reader **r);

struct calc_config;

/* What pricing needs, for rebuild, explain and recalc; cmd_pricing_close frees it. */
struct cmd_pricing {
	struct calc_config *cc; /* the rules, from the configuration */
	struct store *s;
	struct pb_reader *pb;   /* FILE, or the current pricebook */
	const char *sha;        /* its SHA-256, owned by pb */
};

int cmd_pricing_open(struct cmd_ctx *c, const char *pricebook, struct cmd_pricing *p);
void cmd_pricing_close(struct cmd_pricing *p);

/*
 * A calculation time: `at` (--at, checked: YYYY-MM-DDTHH:MM:SSZ) or now,
 * into buf[32]; *out points at it. CC_EUSAGE for a malformed --at.
 */
int cmd_calc_time(struct cmd_ctx *c, const char *at, char buf[32], const char **out);

struct docs_options;
struct fetch_options;

/* The fetch settings (fetch.*) for this state directory. */
void cmd_fetch_options(struct cmd_ctx *c, struct fetch_options *o);

/* What an ingest did. */
struct cmd_ingest_out {
	int published;       /* a new pricebook is current (0: it equals the current one) */
	unsigned long long entries;
	/* data quality: terms whose SKU has no product, products seen twice, conflicting prices */
	unsigned long long orphans, duplicates, conflicts;
	unsigned long long plan_orphans; /* Savings Plans rates whose discounted SKU is in no offer */
	char sha256[65];
};

/*
 * Ingest NAMES (or, with none, what fetch left, through the sanity gate)
 * into FILE (output) or a published pricebook.
 */
int cmd_ingest_run(struct cmd_ctx *c, const char *const *names, size_t nnames, const char *output, int force,
		   struct cmd_ingest_out *io);

/*
 * The sanity gate (gate.h) between the current pricebook and the one at
 * `incoming`, logged; CC_ECORRUPT ("not published: ...") when it refuses
 * and !force.
 */
int cmd_gate(struct cmd_ctx *c, const struct pb_reader *cur, const char *incoming, int force);

/* Where documents are made from and go: templates/ beside the binary unless configured. */
struct cmd_docs_paths {
	char templates[4200], out[4200];
};

/* The documents settings (documents, documents.*), made at `at`. */
void cmd_docs_options(struct cmd_ctx *c, struct docs_options *o, const char *at, struct cmd_docs_paths *paths);

struct recalc_options;
struct recalc_stats;

/*
 * recalc with `o` (calculated_at set) against `pricebook` (NULL: the
 * current one), documents unless !docs; the stats into *st.
 */
int cmd_recalc_run(struct cmd_ctx *c, struct recalc_options *o, const char *pricebook, int docs,
		   struct recalc_stats *st);

/* The fonts the reports draw with, into regular[cap] and bold[cap]. */
void cmd_report_fonts(struct cmd_ctx *c, char *regular, char *bold, size_t cap);

/* Takes the run lock (<state>/costctl.lock); CC_ELOCKED if another run has it. */
int cmd_lock(struct cmd_ctx *c);

/*
 * Prints usage lines to stdout (for --help, returns CC_OK) or stderr (for
 * bad usage, returns CC_EUSAGE).
 */
int cmd_usage(const char *const *usage, int to_stdout);

#endif
