/*
 * A test tool: uploads FILE to s3://... KEY with pipeline/docs/s3.h, as the
 * documents are, with a part size of PART_MB (a file larger than that is
 * a multipart upload). Prints the ETag. For tests/cli/docs-s3-multipart.
 * Usage: s3_put S3_URL KEY FILE PART_MB
 */
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/docs/s3.h"

int main(int argc, char **argv)
{
	struct cc_err err = { 0 };
	struct s3_options o = { 2, 0 };
	struct s3 *s = NULL;
	char etag[80];

	if (argc != 5) {
		fprintf(stderr, "usage: s3_put S3_URL KEY FILE PART_MB\n");
		return 2;
	}
	o.part_bytes = (uint64_t)strtoul(argv[4], NULL, 10) << 20;
	if (s3_open(&s, argv[1], &o, NULL, &err) || s3_put_file(s, argv[2], argv[3], "application/octet-stream", etag, &err)) {
		fprintf(stderr, "s3_put: %s\n", err.msg);
		s3_close(s);
		return 1;
	}
	printf("%s\n", etag);
	s3_close(s);
	return 0;
}
