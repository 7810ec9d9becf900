#ifndef CC_H
#define CC_H
/*
 * Cross-cutting types of the costctl library: the error codes every stage
 * returns, the caller-owned error record that says what failed and where,
 * and the context (configuration, logger, progress) passed to every stage.
 *
 * Error discipline: the innermost failure fills `struct cc_err` once, with
 * what and where (file, byte offset, SKU, estimation id); outer layers add
 * context only when it is still empty (cc_err_set does nothing on a filled
 * record). The library never prints and never exits: cmd/ maps the code to
 * an exit status in one table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define CC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CC_SENTINEL __attribute__((sentinel))
#define CC_NORETURN __attribute__((noreturn))
#else
#define CC_PRINTF(f, a)
#define CC_SENTINEL
#define CC_NORETURN
#endif

enum cc_code {
	CC_OK = 0,
	CC_EUSAGE,     /* bad arguments or configuration */
	CC_EIO,        /* read/write/rename failed */
	CC_ENOSPC,     /* disk full */
	CC_EPARSE,     /* malformed input */
	CC_ETRUNC,     /* input ends early */
	CC_ECORRUPT,   /* a binary file failed a check */
	CC_ENOTFOUND,  /* a looked-up thing does not exist */
	CC_ENET_TEMP,  /* temporary network failure: retry later */
	CC_ELOCKED,    /* another run holds the lock */
	CC_ENOMEM,     /* allocation failed or a hard cap was hit */
	CC_EPARTIAL,   /* finished, but some items failed */
	CC_ECONFLICT,  /* a write's condition failed (exists, version moved) */
	CC_CODE_MAX
};

/* Short, static description of a code ("disk full"). */
const char *cc_strerror(enum cc_code code);

struct cc_err {
	enum cc_code code;
	char msg[512];
};

/*
 * Fill `err` with `code` and a formatted message, unless it already holds
 * an error (the innermost failure wins). Returns `code` so callers can
 * write `return cc_err_set(err, CC_EIO, "...")`. `err` may be NULL.
 */
enum cc_code cc_err_set(struct cc_err *err, enum cc_code code,
			const char *fmt, ...) CC_PRINTF(3, 4);
/* Same, with errno's text appended as ": <strerror>"; ENOSPC maps to CC_ENOSPC. */
enum cc_code cc_err_errno(struct cc_err *err, int errnum, const char *fmt, ...)
	CC_PRINTF(3, 4);
void cc_err_clear(struct cc_err *err);

/* Programmer errors only, never input checks: prints file:line and aborts. */
#define CC_BUG(...) cc_bug(__FILE__, __LINE__, __VA_ARGS__)
CC_NORETURN void cc_bug(const char *file, int line, const char *fmt, ...)
	CC_PRINTF(3, 4);

/* Allocation that reports failure through the caller (never aborts). */
void *cc_malloc(size_t n);
/*
 * Room for one more element in a growable array (*v of *cap elements of
 * `size` bytes, n used): doubles it when full (from 32). 0, or -1 with the
 * array as it was when it cannot (git's ALLOC_GROW).
 */
int cc_grow(void **v, size_t *cap, size_t n, size_t size);
#define FREE_AND_NULL(p) do { free(p); (p) = NULL; } while (0)

enum cc_level { CC_LOG_DEBUG, CC_LOG_INFO, CC_LOG_WARN, CC_LOG_ERROR };

struct cfg;

/*
 * Passed to every stage. Holds no mutable state the stages share: logging
 * and progress go through the callbacks (which must be thread-safe if the
 * stage is parallel).
 */
struct cc_ctx {
	const struct cfg *cfg;
	/* Log sink; component is the stage ("ingest"), msg has no newline. */
	void (*log)(void *user, enum cc_level level, const char *component,
		    const char *msg);
	/* Progress of long work: done/total in `unit` ("bytes"); total 0 = unknown. */
	void (*progress)(void *user, const char *what, uint64_t done,
			 uint64_t total);
	void *user;
	enum cc_level min_level;
};

void cc_log(const struct cc_ctx *ctx, enum cc_level level,
	    const char *component, const char *fmt, ...) CC_PRINTF(4, 5);
void cc_progress(const struct cc_ctx *ctx, const char *what, uint64_t done,
		 uint64_t total);

/*
 * A fast, well-mixed 64-bit hash of bytes for hash tables (8 bytes a
 * step, multiply-xorshift); not for anything adversarial or persistent.
 */
uint64_t cc_hash(const void *p, size_t len);

/*
 * Seconds to wait before retry `attempt` (1, 2, ...): `first` doubled
 * each attempt, times a jitter of 50-150% from *rng, at most `cap`.
 */
double cc_backoff_s(double first, unsigned attempt, double cap, unsigned *rng);

/*
 * Copies src[0..len) into dst[0..cap) with a NUL, cut to fit (between
 * UTF-8 characters, never inside one); 0 when it all fitted, -1 when it
 * was cut.
 */
int cc_copy(char *dst, size_t cap, const char *src, size_t len);

/*
 * The length (1..4) of the strict UTF-8 character at s[0..n) (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF), or 0 when the
 * bytes there are not one.
 */
static inline size_t utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need, min, cp, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0; /* a continuation byte, 0xc0/0xc1 (overlong), 0xf5 and up */
	if (n <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

/*
 * Where to cut s (longer than n bytes) at most n bytes in: n, or less so
 * the cut falls between UTF-8 characters, never inside one.
 */
static inline size_t cc_utf8_cut(const char *s, size_t n)
{
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Drops an incomplete UTF-8 character from the end of s, in place: what a
 * byte count ("%.60s") leaves when it cuts a character from outside.
 */
void cc_utf8_tail(char *s);

/* Trims white space in place at both ends; returns the new start. */
char *cc_trim(char *s);

/* Path basename without allocation ("a/b.json" -> "b.json"). */
const char *cc_basename(const char *path);

#endif
