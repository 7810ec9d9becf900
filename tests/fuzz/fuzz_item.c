/*
 * libFuzzer target for table items from outside (a `table import` line, an
 * item another client wrote): the store's checks, then each entity codec
 * of section 2.2 parsing and writing back the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/store/entity.h"
#include "pipeline/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ent_desc *const all[] = { &ent_user_desc, &ent_estimation_desc,
					       &ent_requirements_desc, &ent_calculation_desc,
					       &ent_document_desc, &ent_audit_desc,
					       &ent_pricing_desc, &ent_shared_desc };
	char why[300], type[64];
	size_t i;

	{
		/*
		 * The full reading and the one for costctl's own items agree: what
		 * the full one accepts, the other accepts too (it may accept more:
		 * the DynamoDB rules past the keys are the builder's to keep)
		 */
		struct store_item *a = NULL, *b = NULL;
		struct cc_err ea = { 0 }, eb = { 0 };
		enum cc_code full = store_item_make(&a, (const char *)data, size, -1, &ea);
		enum cc_code own = store_item_make_own(&b, (const char *)data, size, &eb);

		if (full == CC_OK && own != CC_OK)
			abort();
		if ((full == CC_OK) != store_item_valid((const char *)data, size, why, sizeof(why)))
			abort();
		store_item_free(a);
		store_item_free(b);
	}
	ent_type_of((const char *)data, size, type, sizeof(type));
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		void *obj = calloc(1, ent_size(all[i]));
		struct cc_err err = { 0 };
		struct buf out;

		if (!obj)
			return 0;
		buf_init(&out, 1 << 24);
		if (!ent_parse(all[i], obj, (const char *)data, size, &err))
			ent_write(all[i], obj, &out);
		ent_free(all[i], obj);
		buf_release(&out);
		free(obj);
	}
	return 0;
}
