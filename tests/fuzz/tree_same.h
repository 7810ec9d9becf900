#ifndef TREE_SAME_H
#define TREE_SAME_H
/*
 * Whether two yajl trees are the same node for node (types, strings, number
 * text, i, d and flags, keys in order): json_doc_parse's tree against
 * yajl_tree_parse's. Header-only, for fuzz_tree and check_hostile.
 */
#include <string.h>
#include <yajl/yajl_tree.h>

static int tree_same(yajl_val a, yajl_val b)
{
	size_t i;

	if (!a || !b || a->type != b->type)
		return 0;
	switch (a->type) {
	case yajl_t_string:
		return !strcmp(a->u.string, b->u.string);
	case yajl_t_number:
		/* d compared as bytes: -0.0 is not 0.0, and NaN is not produced */
		return !strcmp(a->u.number.r, b->u.number.r) && a->u.number.flags == b->u.number.flags &&
		       a->u.number.i == b->u.number.i && !memcmp(&a->u.number.d, &b->u.number.d, sizeof(double));
	case yajl_t_object:
		if (a->u.object.len != b->u.object.len)
			return 0;
		for (i = 0; i < a->u.object.len; i++)
			if (strcmp(a->u.object.keys[i], b->u.object.keys[i]) ||
			    !tree_same(a->u.object.values[i], b->u.object.values[i]))
				return 0;
		return 1;
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return 0;
		for (i = 0; i < a->u.array.len; i++)
			if (!tree_same(a->u.array.values[i], b->u.array.values[i]))
				return 0;
		return 1;
	default:
		return 1;
	}
}

#endif
