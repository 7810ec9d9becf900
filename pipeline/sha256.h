#ifndef SHA256_H
#define SHA256_H
/*
 * SHA-256 (FIPS 180-4), streaming. A pricebook's SHA-256 is its identity:
 * every calculation records it. Written here rather than pulling in
 * libcrypto for one function; checked against the NIST test vectors in
 * tests/unit/check_sha256.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "cc.h"

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes fed */
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* 64 lower-case hex digits and a NUL. */
void sha256_hex(const unsigned char digest[32], char out[65]);
/* SHA-256 of a whole file, as `sha256sum` prints it. */
enum cc_code sha256_file(const char *path, char out[65], struct cc_err *err);

#endif
