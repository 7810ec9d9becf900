#ifndef S3_H
#define S3_H
/*
 * Amazon S3 (or a server that speaks its API) for the documents:
 *
 *	s3://BUCKET/PREFIX[?endpoint=URL][&region=REGION]
 *
 * Without an endpoint, virtual-hosted https://BUCKET.s3.REGION.amazonaws.com
 * (region default us-east-1); with one, path style ENDPOINT/BUCKET/KEY.
 * Credentials as the AWS CLI finds them (aws.h); requests signed with
 * SigV4 through libcurl. An object up to the part size is one PUT with
 * Content-MD5 and the payload's SHA-256 (x-amz-content-sha256); a larger
 * one is a multipart upload (aborted on failure). The upload is verified
 * by its ETag (the MD5, or the multipart form md5(part md5s)-N). 5xx,
 * 429 and network errors are retried with backoff; then CC_ENET_TEMP.
 */
#include <stdint.h>
#include <time.h>

#include "pipeline/core/cc.h"

struct s3;

struct s3_options {
	unsigned retries;     /* further attempts after a failed one */
	uint64_t part_bytes;  /* multipart above this; every part but the last this big (S3: >= 5 MiB) */
};

enum cc_code s3_open(struct s3 **out, const char *url, const struct s3_options *o, const struct cc_ctx *ctx,
		     struct cc_err *err);
void s3_close(struct s3 *s); /* accepts NULL */

const char *s3_bucket(const struct s3 *s);
/* PREFIX/rest: the key of an object under the URL's prefix, into out[cap]. */
void s3_key(const struct s3 *s, const char *rest, char *out, size_t cap);

/* Uploads the file at `path` as `key`; its ETag (unquoted) into etag[80]. */
enum cc_code s3_put_file(struct s3 *s, const char *key, const char *path, const char *content_type,
			 char etag[80], struct cc_err *err);

/* A presigned GET URL for `key`, valid `expires_s` seconds from `now` (SigV4 query signing). */
enum cc_code s3_presign_get(const struct s3 *s, const char *key, long expires_s, time_t now, char *out,
			    size_t cap, struct cc_err *err);

/* 1 when `url` is an s3:// URL. */
int s3_is_url(const char *url);

#endif
