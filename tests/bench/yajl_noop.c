/*
 * The baseline for ingest throughput: a bare yajl parse of the same file,
 * every callback a no-op, the same read size and the same yajl options.
 * Prints bytes and seconds. Usage: yajl_noop FILE [CHUNK_KB]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

static int n0(void *c) { (void)c; return 1; }
static int nb(void *c, int b) { (void)c; (void)b; return 1; }
static int nn(void *c, const char *s, size_t l) { (void)c; (void)s; (void)l; return 1; }
static int ns(void *c, const unsigned char *s, size_t l) { (void)c; (void)s; (void)l; return 1; }

static const yajl_callbacks cbs = { n0, nb, NULL, NULL, nn, ns, n0, ns, n0, n0, n0 };

int main(int argc, char **argv)
{
	size_t chunk = (argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 256) * 1024;
	unsigned char *buf = malloc(chunk);
	unsigned long long total = 0;
	struct timespec a, b;
	yajl_handle h;
	ssize_t n;
	int fd;

	if (argc < 2 || !buf || (fd = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "usage: yajl_noop FILE [CHUNK_KB]\n");
		return 1;
	}
	h = yajl_alloc(&cbs, NULL, NULL);
	yajl_config(h, yajl_allow_comments, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	while ((n = read(fd, buf, chunk)) > 0) {
		if (yajl_parse(h, buf, (size_t)n) != yajl_status_ok) {
			fprintf(stderr, "yajl_noop: parse error\n");
			return 1;
		}
		total += (unsigned long long)n;
	}
	if (yajl_complete_parse(h) != yajl_status_ok) {
		fprintf(stderr, "yajl_noop: incomplete\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%llu bytes %.3f s\n", total,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	yajl_free(h);
	free(buf);
	close(fd);
	return 0;
}
