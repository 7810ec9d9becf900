#ifndef JSONUTIL_H
#define JSONUTIL_H
/*
 * Small helpers over yajl's tree and generator, shared by fetch, store and
 * entity, and the checks every JSON document from outside passes before
 * yajl's tree parser sees it.
 *
 * Why a check first: yajl_tree_free recurses once per level (300,000
 * levels, under 1 MB of '[', overflow the stack); tree strings are C
 * strings, so "a\u0000x" and "a\u0000y" would both become "a"; and yajl
 * lets overlong UTF-8 and UTF-16 surrogates through. json_parse refuses
 * all three, naming the byte offset, so what the tree holds is what the
 * text said.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/arena.h"

/* The deepest nesting any document costctl reads may have (indexes, manifest). */
#define JSON_MAX_DEPTH 256
/*
 * The longest token (string, number, run of white space) a streamed
 * document may have: yajl 2.1 re-scans a token that spans chunks on every
 * chunk (lloyd/yajl#202), so time grows with its square.
 */
#define JSON_MAX_TOKEN ((uint64_t)1 << 20)

/*
 * Checks text[0..len): nesting at most max_depth, no NUL (raw or
 * \u0000), strict UTF-8, no lone \u surrogate. 0 when fine; otherwise -1
 * with `why` ("nested deeper than 256 levels at byte 4100").
 */
int json_check(const char *text, size_t len, unsigned max_depth, char *why,
	       size_t whylen);
/*
 * json_check, and in the same pass whether the text is already what
 * yajl_gen writes for it (*canonical): no white space between tokens, and
 * in strings only the escapes yajl_gen writes (\" \\ \b \f \n \r \t, and
 * \u00XX in upper case for the other control characters).
 */
int json_check_canonical(const char *text, size_t len, unsigned max_depth, char *why,
			 size_t whylen, int *canonical);

/*
 * json_check, then yajl's tree parse. NULL with `why` filled (yajl's own
 * message on one line, for malformed text). Caller frees with
 * yajl_tree_free.
 */
yajl_val json_parse(const char *text, size_t len, unsigned max_depth, char *why,
		    size_t whylen);

/*
 * json_parse's tree, built in one pass into an arena: a few allocations
 * a document instead of one a value, and no second pass to check it. Plain
 * JSON (RFC 8259 grammar, the four white-space bytes, strict UTF-8, no NUL,
 * no lone surrogate, nesting within max_depth <= JSON_MAX_DEPTH) is built
 * here, node for node what yajl_tree_parse builds (the same strings, the
 * same number text, i, d and flags, keys in order, duplicates kept: a
 * fuzz target compares the two); anything else (comments, errors) goes to
 * json_parse, so what is refused and the message that says why are
 * json_parse's. The tree is read-only and owned by the doc.
 *
 *	struct json_doc d;
 *	json_doc_init(&d);
 *	if ((v = json_doc_parse(&d, text, len, 33, why, sizeof(why)))) use(v);
 *	json_doc_release(&d);
 */
struct json_doc {
	struct arena arena;
	yajl_val yajl;   /* the tree when json_parse built it, else NULL */
	void *slots;     /* values waiting for their container to close */
	size_t nslots;   /* allocated */
};

void json_doc_init(struct json_doc *d);
/* The root, or NULL with `why` filled; a doc holds one tree at a time. */
yajl_val json_doc_parse(struct json_doc *d, const char *text, size_t len, unsigned max_depth, char *why,
			size_t whylen);
/* Frees the tree and the doc's memory; the doc is usable again. */
void json_doc_release(struct json_doc *d);

/* json_utf8_bad past its ASCII fast path. */
size_t json_utf8_scan(const unsigned char *s, size_t len);

/* 1 when every byte is ASCII (word-wise, no branch a byte): the common case of json_utf8_bad. */
static inline int json_ascii(const unsigned char *s, size_t len)
{
	uint64_t acc = 0, w;
	uint32_t h;
	uint16_t q;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	if (i + 4 <= len) {
		memcpy(&h, s + i, 4);
		acc |= h;
		i += 4;
	}
	if (i + 2 <= len) {
		memcpy(&q, s + i, 2);
		acc |= q;
		i += 2;
	}
	if (i < len)
		acc |= s[i];
	return !(acc & 0x8080808080808080ull);
}

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF): the offset of the first bad byte, or len when all is well.
 * Inline, so the short strings of a parser's callbacks cost no call.
 */
static inline size_t json_utf8_bad(const unsigned char *s, size_t len)
{
	return json_ascii(s, len) ? len : json_utf8_scan(s, len);
}

/*
 * The first key that appears twice in one object, anywhere in `v` (JSON
 * allows it; an item must not: which "PK" would win?), or NULL. Borrowed.
 */
const char *json_dup_key(yajl_val v);

/*
 * Number text another client may have written (DynamoDB keeps a nested
 * number's text as given: ".5", "+5", "5.", "0001") as valid JSON, exactly:
 * no float conversion, digits kept ("-0.50" stays). Writes at most cap - 1
 * bytes and a NUL into out; 0, or -1 when `in` is not a number at all.
 */
int json_num_normalize(const char *in, char *out, size_t cap);

/* Writes a parsed value as is: numbers keep their text. 1 on success. */
int json_gen_value(yajl_gen g, yajl_val v);
/* A NUL-terminated string; 1 on success. */
int json_gen_str(yajl_gen g, const char *s);
/* The member `key` of an object, or NULL. */
yajl_val json_get(yajl_val obj, const char *key);
/* The member `key` when it is a string, or NULL. */
const char *json_get_str(yajl_val obj, const char *key);
/* The text of the member `key` when it is a number, or NULL. */
const char *json_get_num(yajl_val obj, const char *key);

#endif
