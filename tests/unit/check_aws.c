/*
 * AWS credentials as the AWS CLI finds them, and SigV4 signing checked
 * against AWS's published test vector (aws-sig-v4-test-suite, get-vanilla):
 * the local servers we test against accept any signature, so this is the
 * test that the signature is right.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "pipeline/core/aws.h"

static void clear_env(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

START_TEST(creds_from_environment_then_file)
{
	static const char file[] = "[default]\naws_access_key_id = AKIDDEFAULT\n"
				   "aws_secret_access_key = secretdefault\n\n"
				   "# a comment\n[prod]\naws_access_key_id=AKIDPROD\n"
				   "aws_secret_access_key=secretprod\naws_session_token = tok123\n";
	char *dir = th_tmpdir(), *path = th_write(dir, "credentials", file, strlen(file));
	struct aws_creds c;
	struct cc_err err = { 0 };

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	ck_assert_int_eq(aws_creds_load(&c, &err), CC_OK);
	ck_assert_str_eq(c.key_id, "AKIDENV");
	ck_assert_str_eq(c.token, "");
	clear_env();
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	ck_assert_int_eq(aws_creds_load(&c, &err), CC_OK);
	ck_assert_str_eq(c.key_id, "AKIDDEFAULT");
	ck_assert_str_eq(c.secret, "secretdefault");
	setenv("AWS_PROFILE", "prod", 1);
	ck_assert_int_eq(aws_creds_load(&c, &err), CC_OK);
	ck_assert_str_eq(c.key_id, "AKIDPROD");
	ck_assert_str_eq(c.token, "tok123");
	ck_assert_ptr_nonnull(strstr(c.source, "[prod]"));
	setenv("AWS_PROFILE", "staging", 1);
	ck_assert_int_eq(aws_creds_load(&c, &err), CC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "no AWS credentials for profile 'staging'"));
	cc_err_clear(&err);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	ck_assert_int_eq(aws_creds_load(&c, &err), CC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
	clear_env();
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}
END_TEST

/* A one-shot HTTP server on 127.0.0.1 that keeps the request it got. */
struct listener {
	int fd, port;
	char request[8192];
};

static void *serve_once(void *arg)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	struct listener *l = arg;
	size_t got = 0;
	int c = accept(l->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (got < sizeof(l->request) - 1) {
		ssize_t n = read(c, l->request + got, sizeof(l->request) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		l->request[got] = '\0';
		if (strstr(l->request, "\r\n\r\n"))
			break;
	}
	if (write(c, reply, sizeof(reply) - 1) < 0)
		perror("write");
	close(c);
	return NULL;
}

static void listen_local(struct listener *l)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(l, 0, sizeof(*l));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(l->fd, 0);
	ck_assert_int_eq(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l->fd, 1), 0);
	ck_assert_int_eq(getsockname(l->fd, (struct sockaddr *)&a, &len), 0);
	l->port = ntohs(a.sin_port);
}

/* Sends GET / to example.amazonaws.com (really 127.0.0.1), signed. */
static void signed_get(const struct aws_creds *c, struct listener *l)
{
	struct curl_slist *headers = NULL;
	struct curl_slist *connect_to = NULL;
	struct cc_err err = { 0 };
	char target[128];
	pthread_t t;
	CURL *h = curl_easy_init();

	ck_assert_ptr_nonnull(h);
	listen_local(l);
	ck_assert_int_eq(pthread_create(&t, NULL, serve_once, l), 0);
	snprintf(target, sizeof(target), "example.amazonaws.com:80:127.0.0.1:%d", l->port);
	connect_to = curl_slist_append(NULL, target);
	/* the vector's fixed time: curl signs with a date it is given */
	headers = curl_slist_append(NULL, "X-Amz-Date: 20150830T123600Z");
	ck_assert_int_eq(aws_curl_sign(h, c, "us-east-1", "service", &headers, &err), CC_OK);
	curl_easy_setopt(h, CURLOPT_URL, "http://example.amazonaws.com/");
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "");
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	pthread_join(t, NULL);
	close(l->fd);
	curl_slist_free_all(headers);
	curl_slist_free_all(connect_to);
	curl_easy_cleanup(h);
}

START_TEST(sigv4_get_vanilla_vector)
{
	struct aws_creds c;
	struct listener l;

	memset(&c, 0, sizeof(c));
	strcpy(c.key_id, "AKIDEXAMPLE"); /* test data */
	strcpy(c.secret, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	signed_get(&c, &l);
	/* get-vanilla.authz from the AWS Signature Version 4 test suite */
	ck_assert_msg(strstr(l.request,
			     "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
			     "SignedHeaders=host;x-amz-date, "
			     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
		      "request was:\n%s", l.request);
}
END_TEST

START_TEST(sigv4_session_token_is_signed)
{
	struct aws_creds c;
	struct listener l;

	memset(&c, 0, sizeof(c));
	strcpy(c.key_id, "AKIDEXAMPLE");
	strcpy(c.secret, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	strcpy(c.token, "FQoGZXIvYXdzEXAMPLE");
	signed_get(&c, &l);
	ck_assert_msg(strstr(l.request, "X-Amz-Security-Token: FQoGZXIvYXdzEXAMPLE\r\n"), "%s", l.request);
	ck_assert_msg(strstr(l.request, "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="),
		      "%s", l.request);
}
END_TEST

Suite *suite_aws(void)
{
	Suite *s = suite_create("aws");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, creds_from_environment_then_file);
	tcase_add_test(tc, sigv4_get_vanilla_vector);
	tcase_add_test(tc, sigv4_session_token_is_signed);
	suite_add_tcase(s, tc);
	return s;
}
