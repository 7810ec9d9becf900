#include "jsonutil.h"

#include <string.h>

#include "banned.h"

int json_gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok;
}

int json_gen_value(yajl_gen g, yajl_val v)
{
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		return json_gen_str(g, v->u.string);
	case yajl_t_number:
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)) ==
		       yajl_gen_status_ok;
	case yajl_t_object:
		if (yajl_gen_map_open(g) != yajl_gen_status_ok)
			return 0;
		for (i = 0; i < v->u.object.len; i++)
			if (!json_gen_str(g, v->u.object.keys[i]) ||
			    !json_gen_value(g, v->u.object.values[i]))
				return 0;
		return yajl_gen_map_close(g) == yajl_gen_status_ok;
	case yajl_t_array:
		if (yajl_gen_array_open(g) != yajl_gen_status_ok)
			return 0;
		for (i = 0; i < v->u.array.len; i++)
			if (!json_gen_value(g, v->u.array.values[i]))
				return 0;
		return yajl_gen_array_close(g) == yajl_gen_status_ok;
	case yajl_t_true:
		return yajl_gen_bool(g, 1) == yajl_gen_status_ok;
	case yajl_t_false:
		return yajl_gen_bool(g, 0) == yajl_gen_status_ok;
	default:
		return yajl_gen_null(g) == yajl_gen_status_ok;
	}
}

yajl_val json_get(yajl_val obj, const char *key)
{
	const char *path[2] = { key, NULL };

	return obj ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}
