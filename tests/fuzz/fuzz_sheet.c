/*
 * libFuzzer target for uploaded requirements workbooks: sheetread over
 * the bytes (an .xlsx when they start as a zip, else CSV), then the
 * intake's checks over what it read (no pricebook: every region is
 * unknown, which is one more error path).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/intake/intake.h"
#include "pipeline/intake/sheetread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sha[] = "0000000000000000000000000000000000000000000000000000000000000000";
	struct intake_options o = { .owner = "user123", .at = "2026-12-01T03:00:00Z" };
	struct sheet_limits l;
	struct sheet_book b;
	struct intake_result r;
	struct cc_err err = { 0 };
	char cell[160];

	sheet_limits_default(&l);
	l.max_total = l.max_part = (size_t)16 << 20;
	l.max_cells = 200000;
	sheet_book_init(&b);
	if (!sheet_read(data, size, size && data[0] == 'P' ? "fuzz.xlsx" : "fuzz.csv", &l, &b, &err)) {
		intake_result_init(&r);
		memset(&err, 0, sizeof(err));
		intake_read(&b, NULL, &o, sha, &r, &err);
		intake_locate(&r, "x: ComputeRequirements[0].CPUCores (1) oops", cell, sizeof(cell));
		intake_result_release(&r);
	}
	sheet_book_release(&b);
	return 0;
}
