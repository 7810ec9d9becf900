#ifndef JSONUTIL_H
#define JSONUTIL_H
/* Small helpers over yajl's tree and generator, shared by store and entity. */
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Writes a parsed value as is: numbers keep their text. 1 on success. */
int json_gen_value(yajl_gen g, yajl_val v);
/* A NUL-terminated string; 1 on success. */
int json_gen_str(yajl_gen g, const char *s);
/* The member `key` of an object, or NULL. */
yajl_val json_get(yajl_val obj, const char *key);

#endif
