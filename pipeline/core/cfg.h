#ifndef CFG_H
#define CFG_H
/*
 * Configuration: every key in one table (name, type, bounds, default,
 * help), read in this order, later wins: built-in defaults, the file named
 * by --config (or ./costctl.conf when it exists), COSTCTL_* environment
 * variables (dots become underscores, upper case: pricebook.sort_memory_mb
 * is COSTCTL_PRICEBOOK_SORT_MEMORY_MB), then command-line flags.
 *
 * File syntax: `key = value` lines; `#` starts a comment; blank lines are
 * ignored. An unknown key or a value out of bounds is an error naming the
 * file and line.
 */
#include <stdint.h>

#include "pipeline/core/cc.h"

/* CFG_PATH: a string that must not be empty (an empty state directory would mean '/') */
/* CFG_DEC: an exact, non-negative decimal ("0.02"), read with dec_parse */
enum cfg_type { CFG_STR, CFG_INT, CFG_PATH, CFG_DEC };

/* The longest configuration line read. */
#define CFG_MAX_LINE 65536u

struct cfg_key {
	const char *name;
	enum cfg_type type;
	int64_t min, max;  /* CFG_INT bounds */
	const char *def;   /* default, as text */
	const char *help;
};

/* The table, terminated by a NULL name. */
extern const struct cfg_key cfg_keys[];

struct cfg;

/* New configuration holding the defaults, or NULL (no memory). */
struct cfg *cfg_new(void);
void cfg_free(struct cfg *c);
/* Reads a file; missing_ok lets a default path be absent. */
enum cc_code cfg_load_file(struct cfg *c, const char *path, int missing_ok,
			   struct cc_err *err);
/* Applies COSTCTL_* environment variables. */
enum cc_code cfg_load_env(struct cfg *c, struct cc_err *err);
/* Sets one key from text; `origin` names where it came from, for errors. */
enum cc_code cfg_set(struct cfg *c, const char *name, const char *value,
		     const char *origin, struct cc_err *err);
/* Borrowed; valid until the key is set again or cfg_free. */
const char *cfg_str(const struct cfg *c, const char *name);
int64_t cfg_int(const struct cfg *c, const char *name);

#endif
