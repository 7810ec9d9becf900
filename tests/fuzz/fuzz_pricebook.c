/*
 * libFuzzer target for pricebook files: open (every header, trailer and
 * section check, the body checksum), verify, and decode every entry. Most
 * inputs fail the checksum; the corpus holds real pricebooks, and the
 * first byte picks whether the trailer's checksum is recomputed, so the
 * checks behind it are fuzzed too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/prices/pb.h"
#include "pipeline/core/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/costctl-fuzz-pb-XXXXXX";
	struct cc_err err = { 0 };
	struct pb_reader *r = NULL;
	unsigned char *copy;
	int fd;

	if (size < 2)
		return 0;
	copy = malloc(size - 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	/* a consistent checksum, so record and string checks are reached */
	if ((data[0] & 1) && size - 1 >= 16 + 128)
		sha256_buf(copy + 16, size - 1 - 16 - 128, copy + size - 1 - 128 + 88);
	fd = mkstemp(path);
	if (fd >= 0 && write(fd, copy, size - 1) == (ssize_t)(size - 1) &&
	    !pb_open(&r, path, &err)) {
		uint64_t i;

		if (!pb_verify(r, &err))
			for (i = 0; i < pb_count(r); i++) {
				struct pb_entry e;
				struct buf line;

				if (pb_get(r, i, &e, &err))
					break;
				buf_init(&line, 1 << 24);
				pb_entry_json(&e, &line);
				buf_release(&line);
			}
		pb_close(r);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(copy);
	return 0;
}
