#ifndef AWS_H
#define AWS_H
/*
 * What every AWS call needs: credentials, found as the AWS CLI finds them
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the
 * shared credentials file, AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/credentials, section AWS_PROFILE or "default"), and a curl handle
 * set up to sign with SigV4 (libcurl's CURLOPT_AWS_SIGV4). The DynamoDB
 * store and the S3 document upload use it.
 */
#include <curl/curl.h>

#include "pipeline/core/cc.h"

struct aws_creds {
	char key_id[128];
	char secret[256];
	char token[4096]; /* empty when none */
	char source[256]; /* where they came from, for messages (never the secret) */
};

/* CC_ENOTFOUND (saying where it looked) when there are none. */
enum cc_code aws_creds_load(struct aws_creds *c, struct cc_err *err);

/*
 * Signs requests on `h` for `service` in `region` ("aws:amz:REGION:SERVICE")
 * with `c`; a session token goes in X-Amz-Security-Token, appended to
 * *headers (the caller sets CURLOPT_HTTPHEADER to it and frees the list).
 */
enum cc_code aws_curl_sign(CURL *h, const struct aws_creds *c,
			   const char *region, const char *service,
			   struct curl_slist **headers, struct cc_err *err);

#endif
