/*
 * libFuzzer target for json_doc_parse, the engine's one-pass tree: on any
 * bytes it must give exactly what json_parse (json_check, then yajl's tree
 * parser) gives: the same tree node for node, or NULL with the same reason.
 * The depth bound is the store's (33), so deep inputs take both paths.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pipeline/core/jsonutil.h"
#include "tests/fuzz/tree_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why1[256] = "", why2[256] = "";
	struct json_doc d;
	yajl_val a, b;

	json_doc_init(&d);
	a = json_doc_parse(&d, (const char *)data, size, 33, why1, sizeof(why1));
	b = json_parse((const char *)data, size, 33, why2, sizeof(why2));
	if (!a != !b || (a && !tree_same(a, b)) || (!a && strcmp(why1, why2)))
		abort();
	/* a second parse into the same doc reuses its memory and gives the same */
	if (a && (!(a = json_doc_parse(&d, (const char *)data, size, 33, why1, sizeof(why1))) || !tree_same(a, b)))
		abort();
	yajl_tree_free(b);
	json_doc_release(&d);
	return 0;
}
