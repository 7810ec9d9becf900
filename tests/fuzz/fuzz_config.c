/*
 * libFuzzer target for configuration files: the bytes are written to a
 * temp file and read by cfg_load_file (whole lines, comments, a BOM, NULs,
 * every key's type and bounds).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pipeline/core/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/costctl-fuzz-conf-XXXXXX";
	struct cc_err err = { 0 };
	struct cfg *c;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && (c = cfg_new())) {
		cfg_load_file(c, path, 0, &err);
		cfg_free(c);
	}
	close(fd);
	unlink(path);
	return 0;
}
