/*
 * Replays a fuzz corpus through LLVMFuzzerTestOneInput under the ordinary
 * compiler, so `make check` (and `make sanitize`) run every saved input
 * without libFuzzer. Usage: regression_driver DIR|FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0, passed = 0;

	for (i = 1; i < argc; i++) {
		struct stat sb;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &sb) || !S_ISDIR(sb.st_mode)) {
			run_file(argv[i]) ? failed++ : passed++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			return 1;
		}
		while ((de = readdir(d))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			run_file(path) ? failed++ : passed++;
		}
		closedir(d);
	}
	/* a crash never gets here: the runner sees the signal */
	{
		const char *name = argc > 1 ? strrchr(argv[1], '/') : NULL;

		printf("fuzz-%s: %d passed, %d failed\n", name ? name + 1 : argc > 1 ? argv[1] : "none",
		       passed, failed);
	}
	return failed != 0;
}
