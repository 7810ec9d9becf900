#include "pipeline/core/aws.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/banned.h"

enum cc_code aws_creds_load(struct aws_creds *c, struct cc_err *err)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");
	const char *profile = getenv("AWS_PROFILE");
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
	char path[4096], line[4096], want[300];
	int in_section = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (id && *id && secret && *secret) {
		if (cc_copy(c->key_id, sizeof(c->key_id), id, strlen(id)) ||
		    cc_copy(c->secret, sizeof(c->secret), secret, strlen(secret)) ||
		    (token && cc_copy(c->token, sizeof(c->token), token, strlen(token))))
			return cc_err_set(err, CC_EUSAGE, "AWS credentials in the environment are too long");
		snprintf(c->source, sizeof(c->source), "environment (AWS_ACCESS_KEY_ID)");
		return CC_OK;
	}
	if (!profile || !*profile)
		profile = "default";
	if (file && *file) {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		const char *home = getenv("HOME");

		snprintf(path, sizeof(path), "%s/.aws/credentials", home ? home : "");
	}
	snprintf(want, sizeof(want), "[%s]", profile);
	f = fopen(path, "r");
	if (!f)
		return cc_err_set(err, CC_ENOTFOUND,
				  "no AWS credentials: AWS_ACCESS_KEY_ID is not set and '%s' %s",
				  path, errno == ENOENT ? "does not exist" : "cannot be read");
	while (fgets(line, sizeof(line), f)) {
		char *l = cc_trim(line), *eq;

		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			in_section = !strcmp(l, want);
			continue;
		}
		if (!in_section || !(eq = strchr(l, '=')))
			continue;
		*eq = '\0';
		{
			char *k = cc_trim(l), *v = cc_trim(eq + 1);
			int bad = 0;

			if (!strcmp(k, "aws_access_key_id"))
				bad = cc_copy(c->key_id, sizeof(c->key_id), v, strlen(v));
			else if (!strcmp(k, "aws_secret_access_key"))
				bad = cc_copy(c->secret, sizeof(c->secret), v, strlen(v));
			else if (!strcmp(k, "aws_session_token"))
				bad = cc_copy(c->token, sizeof(c->token), v, strlen(v));
			if (bad) {
				fclose(f);
				return cc_err_set(err, CC_EUSAGE, "'%s' [%s]: %s is too long", path,
						  profile, k);
			}
		}
	}
	fclose(f);
	if (!c->key_id[0] || !c->secret[0])
		return cc_err_set(err, CC_ENOTFOUND,
				  "no AWS credentials for profile '%s' in '%s'", profile, path);
	snprintf(c->source, sizeof(c->source), "'%.200s' [%.40s]", path, profile);
	return CC_OK;
}

enum cc_code aws_curl_sign(CURL *h, const struct aws_creds *c,
			   const char *region, const char *service,
			   struct curl_slist **headers, struct cc_err *err)
{
	char spec[256], hdr[4200];
	struct curl_slist *l;

	snprintf(spec, sizeof(spec), "aws:amz:%s:%s", region, service);
	if (curl_easy_setopt(h, CURLOPT_AWS_SIGV4, spec) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERNAME, c->key_id) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret) != CURLE_OK)
		return cc_err_set(err, CC_EUSAGE, "this libcurl cannot sign AWS requests (SigV4)");
	if (c->token[0]) {
		/* curl signs the headers it is given, this one included */
		snprintf(hdr, sizeof(hdr), "X-Amz-Security-Token: %s", c->token);
		l = curl_slist_append(*headers, hdr);
		if (!l)
			return cc_err_set(err, CC_ENOMEM, "out of memory");
		*headers = l;
	}
	return CC_OK;
}
