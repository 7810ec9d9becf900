#ifndef SHA256_H
#define SHA256_H
/*
 * SHA-256, streaming, over libcrypto's EVP (SHA-NI where the CPU has it:
 * hashing the pricebook once was a third of ingest's time with a plain C
 * implementation). A pricebook's SHA-256 is its identity: every calculation
 * records it. Checked against the NIST vectors in tests/unit/check_sha256.c.
 *
 *	struct sha256 s;
 *	if (sha256_init(&s)) return CC_ENOMEM;
 *	sha256_update(&s, p, n); ...
 *	sha256_final(&s, digest);	// frees the context
 */
#include <stddef.h>

#include "pipeline/core/cc.h"

struct sha256 {
	void *ctx; /* EVP_MD_CTX; NULL when not started or finished */
};

enum cc_code sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes the digest and frees the context. */
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Frees an unfinished context; accepts a finished or never-started one. */
void sha256_release(struct sha256 *s);
/* One call over a buffer. CC_ENOMEM if libcrypto cannot allocate. */
enum cc_code sha256_buf(const void *data, size_t len, unsigned char out[32]);
/* 64 lower-case hex digits and a NUL. */
void sha256_hex(const unsigned char digest[32], char out[65]);
/* SHA-256 of a whole file, as `sha256sum` prints it. */
enum cc_code sha256_file(const char *path, char out[65], struct cc_err *err);

#endif
