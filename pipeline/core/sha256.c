#include "pipeline/core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/core/fsutil.h"
#include "pipeline/core/banned.h"

enum cc_code sha256_init(struct sha256 *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	s->ctx = NULL;
	if (!ctx)
		return CC_ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return CC_ENOMEM;
	}
	s->ctx = ctx;
	return CC_OK;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	if (s->ctx && len && EVP_DigestUpdate(s->ctx, data, len) != 1)
		CC_BUG("EVP_DigestUpdate failed");
}

void sha256_final(struct sha256 *s, unsigned char out[32])
{
	unsigned int n = 32;

	if (!s->ctx)
		CC_BUG("sha256_final without sha256_init");
	if (EVP_DigestFinal_ex(s->ctx, out, &n) != 1 || n != 32)
		CC_BUG("EVP_DigestFinal_ex failed");
	sha256_release(s);
}

void sha256_release(struct sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

enum cc_code sha256_buf(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 ? CC_OK :
									 CC_ENOMEM;
}

void sha256_hex(const unsigned char digest[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

enum cc_code sha256_file(const char *path, char out[65], struct cc_err *err)
{
	static const size_t chunk = 1 << 20;
	unsigned char digest[32], *buf = NULL;
	struct sha256 s = { NULL };
	enum cc_code ret = CC_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cc_err_errno(err, errno, "cannot open '%s'", path);
	buf = cc_malloc(chunk);
	if (!buf || sha256_init(&s)) {
		ret = cc_err_set(err, CC_ENOMEM, "cannot hash '%s'", path);
		goto out;
	}
	for (;;) {
		ssize_t n = fs_read(fd, buf, chunk);

		if (n < 0) {
			ret = cc_err_errno(err, errno, "cannot read '%s'", path);
			goto out;
		}
		if (!n)
			break;
		sha256_update(&s, buf, (size_t)n);
	}
	sha256_final(&s, digest);
	sha256_hex(digest, out);
out:
	sha256_release(&s);
	free(buf);
	close(fd);
	return ret;
}
