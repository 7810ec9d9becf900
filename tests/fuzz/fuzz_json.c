/*
 * libFuzzer target for the JSON documents fetch reads from a server or the
 * state directory: the offer index, a region index, the fetch manifest
 * (fetch_parse_doc, which goes through json_parse's checks and the URL
 * rules), one after the other on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/prices/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cc_err err = { 0 };

	fetch_parse_doc(FETCH_DOC_OFFERS, (const char *)data, size, &err);
	cc_err_clear(&err);
	fetch_parse_doc(FETCH_DOC_REGIONS, (const char *)data, size, &err);
	cc_err_clear(&err);
	fetch_parse_doc(FETCH_DOC_MANIFEST, (const char *)data, size, &err);
	return 0;
}
