#include "pipeline/store/store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/jsonutil.h"
#include "pipeline/core/banned.h"

int64_t store_now(void)
{
	const char *fake = getenv("COSTCTL_NOW");

	if (fake && *fake)
		return strtoll(fake, NULL, 10);
	return (int64_t)time(NULL);
}

unsigned store_segment_of(const char *pk, unsigned total)
{
	return total ? (unsigned)(cc_hash(pk, strlen(pk)) % total) : 0;
}

/* ------------------------------------------------------------ items */

/* ------------------------------------------------ DynamoDB's limits */

#define DDB_ITEM_MAX 409600u  /* 400 KB */
#define DDB_HASH_KEY_MAX 2048u
#define DDB_RANGE_KEY_MAX 1024u
#define DDB_NUM_DIGITS 38

static int base64_ok(const char *s)
{
	size_t n = strlen(s), i, pad = 0;

	if (n % 4)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return pad <= 2;
}

/* At most 38 significant digits, and within DynamoDB's range (1E-130 .. 9.99E+125). */
static int ddb_number_ok(const char *t)
{
	int digits = 0, lead = 1, zeros = 0, point_seen = 0, int_digits = 0;
	long e = 0;
	const char *p = t;

	if (*p == '-')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.') {
			point_seen = 1;
			continue;
		}
		if (lead && *p == '0') {
			if (point_seen)
				int_digits--;
			continue;
		}
		if (!point_seen)
			int_digits++;
		lead = 0;
		if (*p == '0') {
			zeros++;
		} else {
			digits += zeros + 1;
			zeros = 0;
		}
	}
	if (*p == 'e' || *p == 'E')
		e = strtol(p + 1, NULL, 10);
	/* an exponent past any range (strtol saturates at LONG_MAX) must not overflow below */
	if (e > 100000)
		e = 100000;
	if (e < -100000)
		e = -100000;
	if (!digits)
		return 1; /* zero */
	if (digits > DDB_NUM_DIGITS)
		return 0;
	e += int_digits; /* the decimal exponent of the first significant digit, plus one */
	return e <= 126 && e >= -129;
}

/*
 * An item, read in one streaming pass (no tree: a calculation is 16 KB and
 * the nightly writes one an estimation): its keys, DynamoDB's rules on
 * every value and its size as DynamoDB counts it (strings and binary by
 * bytes, numbers by digits, 3 bytes a container plus 1 an element, names
 * by bytes), a name twice in one object, and the canonical text, written
 * by yajl_gen as the values go by. The typed forms plain JSON cannot say
 * are single-key objects: {"$ss":[...]}, {"$ns":[...]}, {"$bs":[...]}
 * (non-empty sets, no duplicates) and {"$b":"<base64>"}; an object is one
 * only when it closes with that one key, so what its reading finds is
 * held until then.
 */
struct scan_level {
	int map;
	uint64_t id;           /* this container, for the set of names (maps) or elements (sets) */
	size_t n;              /* names (a map) or elements (an array) so far */
	unsigned long size;    /* the plain reading's size */
	/* a map whose first name is $b, $ss, $ns or $bs: the typed reading */
	char typed;            /* 0, 'b' ($b), 's', 'n', 'B' ($bs) */
	unsigned long tsize;
	int set_array;         /* an array that is a typed map's value: its elements are the set's */
	char terr[200], perr[300]; /* the typed and the plain reading's first complaint */
	char name[64];         /* the attribute this container is, for messages */
	char cur[64];          /* a map: the name being read */
};

struct seen {
	uint64_t hash, id;
	size_t off, len;
};

struct scan {
	struct scan_level lv[STORE_MAX_DEPTH + 2];
	int depth;             /* 0: before the root object */
	uint64_t next_id;
	struct seen *seen;     /* open addressing: (container, text) */
	size_t seen_cap, seen_n, seen_hint;
	struct buf names;      /* the texts of `seen` */
	struct buf tmp;        /* a value with its NUL, for the checks that want one */
	unsigned long item_size;
	const char *root_key;  /* the current root attribute (in `names`: see root_key_off) */
	size_t root_key_off, root_key_len;
	int drop;              /* the root attribute being left out (Version/UpdatedAt) */
	int verbatim;          /* the text is canonical already: kept, not written again */
	struct store_keys *k;
	int64_t set_version;
	yajl_gen g;
	int oom, failed;
	char why[300];
	/* the key attributes, as found */
	int key_seen[6];
	int key_bad[6];
};

static const char *const key_names[6] = { "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK" };
static const size_t key_max[6] = { DDB_HASH_KEY_MAX, DDB_RANGE_KEY_MAX, DDB_HASH_KEY_MAX,
				   DDB_RANGE_KEY_MAX, DDB_HASH_KEY_MAX, DDB_RANGE_KEY_MAX };

static char **key_slot(struct store_keys *k, int i)
{
	char **slots[6] = { &k->pk, &k->sk, &k->g1pk, &k->g1sk, &k->g2pk, &k->g2sk };

	return slots[i];
}

static int scan_fail(struct scan *sc, const char *fmt, ...) CC_PRINTF(2, 3);

static int scan_fail(struct scan *sc, const char *fmt, ...)
{
	va_list ap;

	if (!sc->failed) {
		va_start(ap, fmt);
		vsnprintf(sc->why, sizeof(sc->why), fmt, ap);
		va_end(ap);
		sc->failed = 1;
	}
	return 0; /* yajl: stop */
}

/*
 * A complaint of the plain reading: held by the innermost map that may yet
 * be typed (its typed reading does not ask it), else the item's.
 */
static int plain_fail(struct scan *sc, const char *msg)
{
	int d;

	for (d = sc->depth; d >= 1; d--) {
		struct scan_level *l = &sc->lv[d];

		if (l->map && l->typed && l->n == 1) {
			if (!l->perr[0])
				snprintf(l->perr, sizeof(l->perr), "%s", msg);
			return 1;
		}
	}
	return scan_fail(sc, "%s", msg);
}

/* The typed reading's first complaint about map `l`. */
static void typed_fail(struct scan_level *l, const char *fmt, ...) CC_PRINTF(2, 3);

static void typed_fail(struct scan_level *l, const char *fmt, ...)
{
	char msg[sizeof(l->terr)];
	va_list ap;

	if (l->terr[0])
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(l->terr, msg, sizeof(msg));
}

/* Remembers `text` in container `id`; 1 when it was there already, -1 out of memory. */
static int seen_add(struct scan *sc, uint64_t id, const char *text, size_t len)
{
	uint64_t h = cc_hash(text, len) ^ (id * 0x9e3779b97f4a7c15ull);
	size_t i;

	if ((sc->seen_n + 1) * 10 >= sc->seen_cap * 7) {
		/* first sized for the text: about a name every 16 bytes in an item, so it rarely grows */
		size_t cap = sc->seen_cap ? sc->seen_cap * 2 : sc->seen_hint, j;
		struct seen *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (j = 0; j < sc->seen_cap; j++) {
			if (!sc->seen[j].id)
				continue;
			for (i = sc->seen[j].hash & (cap - 1); t[i].id; i = (i + 1) & (cap - 1))
				;
			t[i] = sc->seen[j];
		}
		free(sc->seen);
		sc->seen = t;
		sc->seen_cap = cap;
	}
	for (i = h & (sc->seen_cap - 1); sc->seen[i].id; i = (i + 1) & (sc->seen_cap - 1)) {
		const struct seen *s = &sc->seen[i];

		if (s->hash == h && s->id == id && s->len == len && !memcmp(sc->names.buf + s->off, text, len))
			return 1;
	}
	sc->seen[i].hash = h;
	sc->seen[i].id = id;
	sc->seen[i].off = sc->names.len;
	sc->seen[i].len = len;
	if (buf_add(&sc->names, text, len))
		return -1;
	sc->seen_n++;
	return 0;
}

static const char *nul_copy(struct scan *sc, const char *s, size_t len)
{
	buf_reset(&sc->tmp);
	if (buf_add(&sc->tmp, s, len) || buf_addch(&sc->tmp, '\0')) {
		sc->oom = 1;
		return NULL;
	}
	return sc->tmp.buf;
}

static int gen_ok(struct scan *sc, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok) {
		sc->oom = 1;
		return 0;
	}
	return 1;
}

/* Adds a finished value's size to its container (or the item, for a root attribute). */
static void add_size(struct scan *sc, unsigned long size)
{
	struct scan_level *l = &sc->lv[sc->depth];

	if (sc->depth == 1)
		sc->item_size += size;
	else
		l->size += size + (l->map ? 0 : 1);
}

/* A scalar in the set a typed map holds: its element, by the set's rules. */
static void set_element(struct scan *sc, char kind, const char *s, size_t len)
{
	struct scan_level *a = &sc->lv[sc->depth], *m = &sc->lv[sc->depth - 1];
	char t = m->typed;
	int ok;
	const char *z;

	if (m->terr[0])
		return;
	z = nul_copy(sc, s, len);
	if (!z)
		return;
	ok = t == 'n' ? kind == 'n' && ddb_number_ok(z) : kind == 's' && (t == 's' || base64_ok(z));
	/* a container in a set is no element of it */
	if (!ok) {
		typed_fail(m, "'%.60s': element %zu of %s is not a %s", m->name, a->n - 1,
			 t == 'n' ? "$ns" : t == 's' ? "$ss" : "$bs",
			 t == 'n' ? "number" : t == 's' ? "string" : "base64 string");
		return;
	}
	switch (seen_add(sc, a->id, s, len)) {
	case 1:
		typed_fail(m, "'%.60s': %s holds element %zu twice (a set)", m->name,
			 t == 'n' ? "$ns" : t == 's' ? "$ss" : "$bs", a->n - 1);
		return;
	case -1:
		sc->oom = 1;
		return;
	}
	m->tsize += (t == 'n' ? len / 2 + 1 : len) + 1;
}

/*
 * Before a value: counts it in its container, and if it is a root key
 * attribute or the value of a typed map, looks at it. `kind`: 's' string,
 * 'n' number, 'b' true or false, 'z' null, 'm' an object, 'a' an array.
 */
static int value(struct scan *sc, char kind, const char *s, size_t len)
{
	struct scan_level *l = &sc->lv[sc->depth];

	if (sc->depth < 1)
		return scan_fail(sc, "not a JSON object");
	if (!l->map) {
		l->n++;
		if (l->set_array)
			set_element(sc, kind, s, len);
	}
	if (l->map && l->typed && l->n == 1) {
		/* the value of the typed name */
		if (l->typed == 'b') {
			const char *z = kind == 's' ? nul_copy(sc, s, len) : NULL;

			if (!z || !base64_ok(z))
				typed_fail(l, "'%.60s': $b must be a base64 string", l->name);
			else
				l->tsize = len / 4 * 3;
		} else if (kind != 'a') {
			typed_fail(l, "'%.60s': %s must be a non-empty array (DynamoDB has no empty sets)", l->name,
				 l->typed == 'n' ? "$ns" : l->typed == 's' ? "$ss" : "$bs");
		}
	}
	if (sc->depth == 1) {
		size_t i;

		for (i = 0; i < 6; i++) {
			if (sc->root_key_len != strlen(key_names[i]) ||
			    memcmp(sc->names.buf + sc->root_key_off, key_names[i], sc->root_key_len))
				continue;
			if (kind == 'z')
				break; /* null: as if absent */
			sc->key_seen[i] = 1;
			if (kind != 's')
				sc->key_bad[i] = 1;
			else if (!(*key_slot(sc->k, i) = strndup(s, len)))
				sc->oom = 1;
		}
	}
	return !sc->oom;
}

/* TTL and Version as another client may have written them (see take_number's rules below). */
static void root_number(struct scan *sc, const char *s, size_t len)
{
	int is_ttl = sc->root_key_len == 3 && !memcmp(sc->names.buf + sc->root_key_off, "TTL", 3);
	int is_version = sc->root_key_len == 7 && !memcmp(sc->names.buf + sc->root_key_off, "Version", 7);
	const char *z;
	char *end;

	if (!is_ttl && !is_version)
		return;
	if (!(z = nul_copy(sc, s, len)))
		return;
	if (!strpbrk(z, ".eE")) {
		long long v;

		errno = 0;
		v = strtoll(z, &end, 10);
		if (!errno && !*end) {
			if (is_ttl) {
				sc->k->has_ttl = 1;
				sc->k->ttl = v;
			} else {
				sc->k->has_version = 1;
				sc->k->version = v;
			}
			return;
		}
	}
	if (is_ttl) {
		double d = strtod(z, &end);

		if (!*end && d > -9.2e18 && d < 9.2e18) {
			sc->k->has_ttl = 1;
			sc->k->ttl = (int64_t)floor(d);
		}
	}
}

static int sc_emit(struct scan *sc)
{
	return !sc->drop && !sc->verbatim;
}

static int sc_string(void *ctx, const unsigned char *s, size_t len)
{
	struct scan *sc = ctx;

	if (!value(sc, 's', (const char *)s, len))
		return 0;
	add_size(sc, len);
	return !sc_emit(sc) || gen_ok(sc, yajl_gen_string(sc->g, s, len));
}

static int sc_number(void *ctx, const char *s, size_t len)
{
	struct scan *sc = ctx;
	const char *z;

	if (!value(sc, 'n', s, len))
		return 0;
	if (sc->depth == 1)
		root_number(sc, s, len);
	if (!(z = nul_copy(sc, s, len)))
		return 0;
	if (!ddb_number_ok(z)) {
		const struct scan_level *l = &sc->lv[sc->depth];
		char msg[300], name[64];

		if (sc->depth == 1)
			cc_copy(name, sizeof(name), sc->names.buf + sc->root_key_off, sc->root_key_len);
		else
			snprintf(name, sizeof(name), "%s", l->map ? l->cur : l->name);
		snprintf(msg, sizeof(msg),
			 "'%.60s': the number %.60s has more than %d significant digits or is out of DynamoDB's range",
			 name, z, DDB_NUM_DIGITS);
		if (!plain_fail(sc, msg))
			return 0;
	}
	add_size(sc, len / 2 + 1);
	return !sc_emit(sc) || gen_ok(sc, yajl_gen_number(sc->g, s, len));
}

static int sc_bool(void *ctx, int b)
{
	struct scan *sc = ctx;

	if (!value(sc, 'b', "", 0))
		return 0;
	add_size(sc, 1);
	return !sc_emit(sc) || gen_ok(sc, yajl_gen_bool(sc->g, b));
}

static int sc_null(void *ctx)
{
	struct scan *sc = ctx;

	if (!value(sc, 'z', "", 0))
		return 0;
	add_size(sc, 1);
	return !sc_emit(sc) || gen_ok(sc, yajl_gen_null(sc->g));
}

static int open_container(struct scan *sc, int map)
{
	struct scan_level *parent = &sc->lv[sc->depth], *l;

	if (sc->depth == 0) {
		if (!map)
			return scan_fail(sc, "not a JSON object");
	} else if (!value(sc, map ? 'm' : 'a', "", 0)) {
		return 0;
	}
	if (sc->depth >= STORE_MAX_DEPTH + 1)
		return scan_fail(sc, "nested deeper than %d levels", STORE_MAX_DEPTH);
	l = &sc->lv[++sc->depth];
	memset(l, 0, sizeof(*l));
	l->map = map;
	l->id = ++sc->next_id;
	if (sc->depth > 1) {
		if (sc->depth == 2)
			cc_copy(l->name, sizeof(l->name), sc->names.buf + sc->root_key_off, sc->root_key_len);
		else
			snprintf(l->name, sizeof(l->name), "%s", parent->map ? parent->cur : parent->name);
		/* the array a typed map's one name holds */
		l->set_array = !map && parent->map && parent->typed && parent->typed != 'b' && parent->n == 1;
	}
	if (sc->depth == 1)
		return 1;
	if (!sc_emit(sc))
		return 1;
	return gen_ok(sc, map ? yajl_gen_map_open(sc->g) : yajl_gen_array_open(sc->g));
}

static int sc_start_map(void *ctx)
{
	struct scan *sc = ctx;

	if (!open_container(sc, 1))
		return 0;
	return sc->depth != 1 || sc->verbatim || gen_ok(sc, yajl_gen_map_open(sc->g));
}

static int sc_start_array(void *ctx)
{
	return open_container(ctx, 0);
}

static int sc_key(void *ctx, const unsigned char *s, size_t len)
{
	struct scan *sc = ctx;
	struct scan_level *l = &sc->lv[sc->depth];
	int r;

	if ((r = seen_add(sc, l->id, (const char *)s, len)) < 0) {
		sc->oom = 1;
		return 0;
	}
	if (r)
		return scan_fail(sc, "the attribute '%.100s' appears twice in one object",
				 nul_copy(sc, (const char *)s, len) ? sc->tmp.buf : "?");
	l->n++;
	if (sc->depth == 1) {
		sc->root_key_off = sc->names.len - len;
		sc->root_key_len = len;
		sc->item_size += len;
		sc->drop = sc->set_version >= 0 && ((len == 7 && !memcmp(s, "Version", 7)) ||
						    (len == 9 && !memcmp(s, "UpdatedAt", 9)));
	} else {
		l->size += len + 1;
		if (l->n == 1 && len >= 2 && s[0] == '$') {
			if (len == 2 && s[1] == 'b')
				l->typed = 'b';
			else if (len == 3 && s[2] == 's' && (s[1] == 's' || s[1] == 'n' || s[1] == 'b'))
				l->typed = s[1] == 'b' ? 'B' : s[1];
		}
		if (l->n == 2 && l->typed && l->perr[0]) {
			/* not typed after all: what its plain reading found stands */
			char msg[300];

			snprintf(msg, sizeof(msg), "%s", l->perr);
			l->perr[0] = '\0';
			l->typed = 0;
			if (!plain_fail(sc, msg))
				return 0;
		} else if (l->n == 2) {
			l->typed = 0;
		}
		/* the name for messages below it */
		cc_copy(l->cur, sizeof(l->cur), (const char *)s, len);
	}
	return !sc_emit(sc) || gen_ok(sc, yajl_gen_string(sc->g, s, len));
}

static int close_container(struct scan *sc)
{
	struct scan_level *l = &sc->lv[sc->depth];
	unsigned long size;
	int emit = sc_emit(sc);

	if (l->map && l->typed && l->n == 1) {
		if (l->terr[0])
			return scan_fail(sc, "%s", l->terr);
		size = l->tsize + (l->typed == 'b' ? 0 : 3);
	} else {
		if (!l->map && l->set_array && !l->n) {
			struct scan_level *m = &sc->lv[sc->depth - 1];

			typed_fail(m, "'%.60s': %s must be a non-empty array (DynamoDB has no empty sets)", m->name,
					 m->typed == 'n' ? "$ns" : m->typed == 's' ? "$ss" : "$bs");
		}
		size = l->size + 3;
	}
	sc->depth--;
	if (sc->depth >= 1)
		add_size(sc, size);
	return !emit || gen_ok(sc, l->map ? yajl_gen_map_close(sc->g) : yajl_gen_array_close(sc->g));
}

static int sc_end_map(void *ctx)
{
	struct scan *sc = ctx;

	if (sc->depth == 1) {
		sc->depth = 0;
		return 1; /* the root closes after Version and UpdatedAt are added */
	}
	return close_container(sc);
}

static int sc_end_array(void *ctx)
{
	return close_container(ctx);
}

static const yajl_callbacks scan_callbacks = {
	sc_null, sc_bool, NULL, NULL, sc_number, sc_string,
	sc_start_map, sc_key, sc_end_map, sc_start_array, sc_end_array,
};

/* After the document: the key attributes, the sizes. */
static int scan_keys(struct scan *sc)
{
	size_t i;

	for (i = 0; i < 6; i++) {
		const char *v = *key_slot(sc->k, i);

		if (i < 2 && !sc->key_seen[i])
			return scan_fail(sc, "no %s", key_names[i]);
		if (sc->key_bad[i] || (i < 2 && v && !*v))
			return scan_fail(sc, "%s must be a %sstring", key_names[i], i < 2 ? "non-empty " : "");
	}
	for (i = 0; i < 6; i++) {
		const char *v = *key_slot(sc->k, i);

		if (v && strlen(v) > key_max[i])
			return scan_fail(sc, "%s is %zu bytes; DynamoDB allows %zu", key_names[i], strlen(v),
					 key_max[i]);
		if (i >= 2 && v && !*v)
			return scan_fail(sc, "%s is empty; DynamoDB refuses an empty index key", key_names[i]);
	}
	if (sc->item_size > DDB_ITEM_MAX)
		return scan_fail(sc, "the item is about %lu bytes; DynamoDB allows %u", sc->item_size, DDB_ITEM_MAX);
	return 1;
}

static enum cc_code parse_keys(struct store_keys *k, const char *json,
			       size_t len, int64_t set_version,
			       const char *updated_at, char *why, size_t whylen)
{
	struct scan *sc;
	yajl_handle h = NULL;
	enum cc_code ret = CC_EPARSE;
	const unsigned char *out;
	size_t outlen;
	yajl_status st;
	int canonical;

	memset(k, 0, sizeof(*k));
	buf_init(&k->json, (size_t)4 << 20); /* DynamoDB's limit is 400 KB */
	{
		char bad[256];

		/* canonical: already what yajl_gen would write (what costctl writes itself always is) */
		if (json_check_canonical(json, len, STORE_MAX_DEPTH, bad, sizeof(bad), &canonical)) {
			snprintf(why, whylen, "not JSON: %s", bad);
			return CC_EPARSE;
		}
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		snprintf(why, whylen, "out of memory");
		return CC_ENOMEM;
	}
	sc->k = k;
	sc->seen_hint = 256;
	while (sc->seen_hint < len / 16 * 10 / 7 && sc->seen_hint < ((size_t)1 << 16))
		sc->seen_hint *= 2;
	sc->set_version = set_version;
	sc->verbatim = set_version < 0 && canonical;
	buf_init(&sc->names, (size_t)4 << 20);
	buf_init(&sc->tmp, (size_t)4 << 20);
	sc->g = yajl_gen_alloc(NULL);
	h = sc->g ? yajl_alloc(&scan_callbacks, NULL, sc) : NULL;
	if (!h) {
		snprintf(why, whylen, "out of memory");
		ret = CC_ENOMEM;
		goto out;
	}
	yajl_config(h, yajl_allow_comments, 1); /* as yajl_tree_parse read items before */
	st = yajl_parse(h, (const unsigned char *)json, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (sc->oom) {
		snprintf(why, whylen, "out of memory");
		ret = CC_ENOMEM;
		goto out;
	}
	if (sc->failed) {
		snprintf(why, whylen, "%s", sc->why);
		goto out;
	}
	if (st != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
		const char *m = msg ? (const char *)msg : "parse error";
		char *nl;

		if (!strncmp(m, "parse error: ", 13))
			m += 13;
		snprintf(why, whylen, "not JSON: %s", m);
		if ((nl = strchr(why, '\n')))
			*nl = '\0';
		nl = why + strlen(why);
		while (nl > why && nl[-1] == ' ')
			*--nl = '\0';
		yajl_free_error(h, msg);
		goto out;
	}
	if (!scan_keys(sc)) {
		snprintf(why, whylen, "%s", sc->why);
		goto out;
	}
	if (sc->verbatim) {
		if (buf_add(&k->json, json, len)) {
			snprintf(why, whylen, "item too large (over %zu bytes)", k->json.cap);
			goto out;
		}
		ret = CC_OK;
		goto out;
	}
	if (set_version >= 0) {
		char num[32];

		snprintf(num, sizeof(num), "%" PRId64, set_version);
		if (!json_gen_str(sc->g, "Version") ||
		    yajl_gen_number(sc->g, num, strlen(num)) != yajl_gen_status_ok ||
		    !json_gen_str(sc->g, "UpdatedAt") || !json_gen_str(sc->g, updated_at)) {
			ret = CC_ENOMEM;
			goto out;
		}
		k->has_version = 1;
		k->version = set_version;
	}
	if (yajl_gen_map_close(sc->g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(sc->g, &out, &outlen) != yajl_gen_status_ok ||
	    buf_add(&k->json, out, outlen)) {
		snprintf(why, whylen, "item too large (over %zu bytes)", k->json.cap);
		goto out;
	}
	ret = CC_OK;
out:
	if (h)
		yajl_free(h);
	if (sc->g)
		yajl_gen_free(sc->g);
	free(sc->seen);
	buf_release(&sc->names);
	buf_release(&sc->tmp);
	free(sc);
	if (ret)
		store_keys_release(k);
	return ret;
}

enum cc_code store_keys_parse(struct store_keys *k, const char *json,
			      size_t len, int64_t set_version,
			      const char *updated_at, struct cc_err *err)
{
	char why[300];
	enum cc_code ret = parse_keys(k, json, len, set_version, updated_at, why,
				      sizeof(why));

	if (ret)
		cc_err_set(err, ret, "bad item: %s", why);
	return ret;
}

void store_keys_release(struct store_keys *k)
{
	free(k->pk);
	free(k->sk);
	free(k->g1pk);
	free(k->g1sk);
	free(k->g2pk);
	free(k->g2sk);
	buf_release(&k->json);
	memset(k, 0, sizeof(*k));
	buf_init(&k->json, 0);
}

int store_item_valid(const char *json, size_t len, char *why, size_t whylen)
{
	struct store_keys k;

	if (parse_keys(&k, json, len, -1, NULL, why, whylen))
		return 0;
	store_keys_release(&k);
	return 1;
}

/* ------------------------------------------------------------ dispatch */

enum cc_code store_open(struct store **out, const char *url,
			const struct cc_ctx *ctx, struct cc_err *err)
{
	struct store *s = calloc(1, sizeof(*s));
	enum cc_code ret;

	*out = NULL;
	if (!s || !(s->url = strdup(url))) {
		free(s);
		return cc_err_set(err, CC_ENOMEM, "cannot open store '%s'", url);
	}
	s->ctx = ctx;
	if (!strncmp(url, "sqlite:", 7)) {
		s->ops = &store_sqlite_ops;
		ret = store_sqlite_open(s, url + 7, err);
	} else if (!strncmp(url, "dynamodb://", 11)) {
		s->ops = &store_dynamodb_ops;
		ret = store_dynamodb_open(s, url + 11, err);
	} else {
		ret = cc_err_set(err, CC_EUSAGE,
				 "store '%s': want sqlite:PATH or dynamodb://REGION/TABLE",
				 url);
	}
	if (ret) {
		if (s->impl)
			s->ops->close(s);
		free(s->url);
		free(s);
		return ret;
	}
	*out = s;
	return CC_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->ops && s->impl)
		s->ops->close(s);
	free(s->url);
	free(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

const char *store_url(const struct store *s)
{
	return s->url;
}

enum cc_code store_describe(struct store *s, struct buf *out, struct cc_err *err)
{
	return s->ops->describe(s, out, err);
}

enum cc_code store_init(struct store *s, struct cc_err *err)
{
	return store_init_ex(s, 0, err);
}

enum cc_code store_init_ex(struct store *s, unsigned flags, struct cc_err *err)
{
	return s->ops->init(s, flags, err);
}

enum cc_code store_get(struct store *s, const char *pk, const char *sk,
		       struct buf *out, int *found, struct cc_err *err)
{
	buf_reset(out);
	*found = 0;
	return s->ops->get(s, pk, sk, out, found, err);
}

enum cc_code store_put(struct store *s, const char *json, unsigned flags,
		       struct cc_err *err)
{
	struct store_keys k;
	enum cc_code ret = store_keys_parse(&k, json, strlen(json), -1, NULL, err);

	if (ret)
		return ret;
	ret = s->ops->put(s, &k, flags, err);
	store_keys_release(&k);
	return ret;
}

/* Now as a versioned write's UpdatedAt: YYYY-MM-DDTHH:MM:SSZ. */
static void updated_at_now(char stamp[32])
{
	struct tm tm;
	time_t t = (time_t)store_now();

	gmtime_r(&t, &tm);
	strftime(stamp, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum cc_code store_update_versioned(struct store *s, const char *json,
				    int64_t expected, struct cc_err *err)
{
	char stamp[32];
	struct store_keys k;
	enum cc_code ret;

	updated_at_now(stamp);
	ret = store_keys_parse(&k, json, strlen(json), expected + 1, stamp, err);
	if (ret)
		return ret;
	ret = s->ops->update_versioned(s, &k, expected, err);
	store_keys_release(&k);
	return ret;
}

struct store_item {
	struct store_keys k;
	int64_t expected;
};

enum cc_code store_item_make(struct store_item **out, const char *json, size_t len,
			     int64_t expected, struct cc_err *err)
{
	struct store_item *it = calloc(1, sizeof(*it));
	char stamp[32] = "";
	enum cc_code ret;

	*out = NULL;
	if (!it)
		return cc_err_set(err, CC_ENOMEM, "out of memory keying an item");
	if (expected >= 0)
		updated_at_now(stamp);
	it->expected = expected;
	ret = store_keys_parse(&it->k, json, len, expected >= 0 ? expected + 1 : -1, stamp, err);
	if (ret) {
		free(it);
		return ret;
	}
	*out = it;
	return CC_OK;
}

/*
 * The string value of attribute `name` at *p (`"name":"value"` and a ','
 * or '}' after it), with no escape in it: malloc'd, *p past it; NULL when
 * the text is not so.
 */
static char *leading_attr(const char **p, const char *end, const char *name, size_t max)
{
	size_t n = strlen(name);
	const char *v, *q;

	if ((size_t)(end - *p) < n + 5 || (*p)[0] != '"' || memcmp(*p + 1, name, n) || (*p)[n + 1] != '"' ||
	    (*p)[n + 2] != ':' || (*p)[n + 3] != '"')
		return NULL;
	v = *p + n + 4;
	if (!(q = memchr(v, '"', (size_t)(end - v))) || memchr(v, '\\', (size_t)(q - v)) || q == v ||
	    (size_t)(q - v) > max || q + 1 >= end || (q[1] != ',' && q[1] != '}'))
		return NULL;
	*p = q + 1 + (q[1] == ',');
	return strndup(v, (size_t)(q - v));
}

/* 1 when the JSON text holds a \u escape (a backslash is rare: memchr finds them) */
static int u_escape(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while (p < end && (p = memchr(p, '\\', (size_t)(end - p)))) {
		if (p + 1 < end && p[1] == 'u')
			return 1;
		p += 2; /* the escaped byte is not a backslash that starts one */
	}
	return 0;
}

enum cc_code store_item_make_own(struct store_item **out, const char *json, size_t len,
				 struct cc_err *err)
{
	struct store_item *it;
	const char *p = json + 1, *end = json + len;
	int ok;
	size_t i;

	*out = NULL;
	/*
	 * The text is JSON by construction (buf_add_json_str, yajl_gen): what
	 * outside bytes inside it could still make bad is checked (UTF-8, NUL);
	 * a \u escape (a control character, which yajl_gen writes otherwise)
	 * sends it the long way.
	 */
	if (len < 2 || len > DDB_ITEM_MAX || json[0] != '{' || json[len - 1] != '}' || memchr(json, '\0', len) ||
	    u_escape(json, len) || json_utf8_bad((const unsigned char *)json, len) < len)
		return store_item_make(out, json, len, -1, err);
	if (!(it = calloc(1, sizeof(*it))))
		return cc_err_set(err, CC_ENOMEM, "out of memory keying an item");
	it->expected = -1;
	/* PK and SK lead; then a GSI's pair, both or neither */
	ok = (it->k.pk = leading_attr(&p, end, key_names[0], key_max[0])) &&
	     (it->k.sk = leading_attr(&p, end, key_names[1], key_max[1]));
	for (i = 2; ok && i < 6; i += 2) {
		char **a = key_slot(&it->k, (int)i), **b = key_slot(&it->k, (int)i + 1);

		if ((*a = leading_attr(&p, end, key_names[i], key_max[i])))
			ok = (*b = leading_attr(&p, end, key_names[i + 1], key_max[i + 1])) != NULL;
	}
	if (!ok) {
		store_item_free(it);
		return store_item_make(out, json, len, -1, err);
	}
	buf_init(&it->k.json, (size_t)4 << 20);
	if (buf_add(&it->k.json, json, len)) {
		store_item_free(it);
		return cc_err_set(err, CC_ENOMEM, "out of memory keying an item");
	}
	*out = it;
	return CC_OK;
}

enum cc_code store_item_write(struct store *s, const struct store_item *it, unsigned flags,
			      struct cc_err *err)
{
	if (it->expected >= 0)
		return s->ops->update_versioned(s, &it->k, it->expected, err);
	return s->ops->put(s, &it->k, flags, err);
}

void store_item_free(struct store_item *it)
{
	if (!it)
		return;
	store_keys_release(&it->k);
	free(it);
}

enum cc_code store_delete(struct store *s, const char *pk, const char *sk,
			  struct cc_err *err)
{
	return s->ops->del(s, pk, sk, err);
}

enum cc_code store_query(struct store *s, const struct store_query *q,
			 int (*fn)(void *user, const char *json, size_t len),
			 void *user, struct buf *next, struct cc_err *err)
{
	struct buf scratch;
	enum cc_code ret;

	if (!next) {
		/* the caller wants no cursor */
		buf_init(&scratch, 1 << 16);
		ret = store_query(s, q, fn, user, &scratch, err);
		buf_release(&scratch);
		return ret;
	}
	buf_reset(next);
	if (!q->pk || ((q->cond == STORE_EQ || q->cond == STORE_BEGINS) && !q->sk) ||
	    (q->cond == STORE_BETWEEN && (!q->sk || !q->sk_to)))
		return cc_err_set(err, CC_EUSAGE, "query without its key values");
	return s->ops->query(s, q, fn, user, next, err);
}

static enum cc_code parse_all(struct store_keys *ks, const char *const *items,
			      size_t n, struct cc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!items[i]) {
			ks[i].pk = NULL;
			buf_init(&ks[i].json, 0);
			continue;
		}
		if (store_keys_parse(&ks[i], items[i], strlen(items[i]), -1, NULL, err)) {
			while (i--)
				store_keys_release(&ks[i]);
			return err ? err->code : CC_EPARSE;
		}
	}
	return CC_OK;
}

enum cc_code store_batch_put(struct store *s, const char *const *items,
			     size_t n, struct cc_err *err)
{
	struct store_keys *ks = calloc(n ? n : 1, sizeof(*ks));
	enum cc_code ret;
	size_t i;

	if (!ks)
		return cc_err_set(err, CC_ENOMEM, "cannot batch %zu items", n);
	if (!(ret = parse_all(ks, items, n, err))) {
		ret = s->ops->batch_put(s, ks, n, err);
		for (i = 0; i < n; i++)
			store_keys_release(&ks[i]);
	}
	free(ks);
	return ret;
}

enum cc_code store_bulk_begin(struct store *s, int *atomic, struct cc_err *err)
{
	*atomic = s->ops->bulk != NULL;
	return s->ops->bulk ? s->ops->bulk(s, 0, err) : CC_OK;
}

enum cc_code store_bulk_end(struct store *s, int commit, struct cc_err *err)
{
	return s->ops->bulk ? s->ops->bulk(s, commit ? 1 : 2, err) : CC_OK;
}

/*
 * Each write's keys: a PUT's as given, a VERSIONED one's with Version
 * expected + 1 and UpdatedAt now (store_update_versioned's), a DELETE none.
 * On failure every one is released.
 */
static enum cc_code parse_writes(struct store_keys *ks, const struct store_write *w, size_t n,
				 struct cc_err *err)
{
	char stamp[32];
	size_t i;
	enum cc_code ret = CC_OK;

	updated_at_now(stamp);
	for (i = 0; i < n && !ret; i++) {
		buf_init(&ks[i].json, 0);
		if (w[i].op == STORE_W_PUT)
			ret = store_keys_parse(&ks[i], w[i].json, strlen(w[i].json), -1, NULL, err);
		else if (w[i].op == STORE_W_VERSIONED && w[i].expected < 0)
			ret = cc_err_set(err, CC_EUSAGE, "write %zu of %zu: a version is never negative, not %lld",
					 i + 1, n, (long long)w[i].expected);
		else if (w[i].op == STORE_W_VERSIONED)
			ret = store_keys_parse(&ks[i], w[i].json, strlen(w[i].json), w[i].expected + 1, stamp,
					       err);
	}
	if (ret)
		while (i--)
			store_keys_release(&ks[i]); /* the failed one is released already; again is harmless */
	return ret;
}

enum cc_code store_transact(struct store *s, const struct store_write *w,
			    size_t n, struct cc_err *err)
{
	struct store_keys *ks;
	enum cc_code ret;
	size_t i;

	if (n > 100)
		return cc_err_set(err, CC_EUSAGE, "a transaction holds at most 100 writes, not %zu", n);
	if (!(ks = calloc(n ? n : 1, sizeof(*ks))))
		return cc_err_set(err, CC_ENOMEM, "cannot write %zu items", n);
	if (!(ret = parse_writes(ks, w, n, err))) {
		ret = s->ops->transact(s, w, ks, n, err);
		for (i = 0; i < n; i++)
			store_keys_release(&ks[i]);
	}
	free(ks);
	return ret;
}

enum cc_code store_scan(struct store *s, unsigned segment, unsigned total,
			int (*fn)(void *user, const char *json, size_t len),
			void *user, struct cc_err *err)
{
	if (!total || segment >= total)
		return cc_err_set(err, CC_EUSAGE,
				  "segment %u is not less than the total %u", segment, total);
	return s->ops->scan(s, segment, total, fn, user, err);
}

enum cc_code store_purge_expired(struct store *s, uint64_t *purged,
				 struct cc_err *err)
{
	*purged = 0;
	return s->ops->purge(s, purged, err);
}

/* ------------------------------------------------------------ access patterns */

const struct store_pattern store_patterns[] = {
	{ "user-by-id", "USER_ID", "a user's profile", STORE_BASE, "USER#{1}",
	  STORE_EQ, "PROFILE", NULL, 0, 0 },
	{ "user-by-email", "EMAIL", "a user's profile, by email (GSI1)", STORE_GSI1,
	  "USER#{1}", STORE_EQ, "PROFILE", NULL, 0, 0 },
	{ "estimations-by-user", "USER_ID", "a user's estimations, newest first (GSI1)",
	  STORE_GSI1, "USER#{1}", STORE_BEGINS, "ESTIMATION#", NULL, 1, 0 },
	{ "estimation", "ESTIMATION_ID",
	  "an estimation complete: metadata, requirements, calculations, documents",
	  STORE_BASE, "ESTIMATION#{1}", STORE_ALL, NULL, NULL, 0, 0 },
	{ "calculations", "ESTIMATION_ID", "an estimation's calculations, newest first",
	  STORE_BASE, "ESTIMATION#{1}", STORE_BEGINS, "CALCULATION#", NULL, 1, 0 },
	{ "latest-calculation", "ESTIMATION_ID", "an estimation's latest calculation (GSI1)",
	  STORE_GSI1, "CALCULATION#{1}", STORE_ALL, NULL, NULL, 1, 1 },
	{ "pricing", "SERVICE REGION", "stored prices of a service in a region",
	  STORE_BASE, "PRICING#{1}", STORE_BEGINS, "{2}#", NULL, 0, 0 },
	{ "region-pricing", "REGION", "every stored price of a region (GSI1)", STORE_GSI1,
	  "REGION#{1}", STORE_BEGINS, "PRICING#", NULL, 0, 0 },
	{ "documents", "ESTIMATION_ID", "an estimation's documents", STORE_BASE,
	  "ESTIMATION#{1}", STORE_BEGINS, "DOCUMENT#", NULL, 0, 0 },
	{ "audit-by-user", "USER_ID FROM TO",
	  "a user's audit log between two dates or times, inclusive (GSI1)", STORE_GSI1,
	  "USER#{1}", STORE_BETWEEN, "AUDIT#{2}", "AUDIT#{3}~", 0, 0 },
	{ "shared-with-user", "USER_ID", "estimations shared with a user", STORE_BASE,
	  "USER#{1}", STORE_BEGINS, "SHARED#", NULL, 0, 0 },
	{ "active-estimations", "", "every active estimation (GSI2)", STORE_GSI2,
	  "STATUS#ACTIVE", STORE_BEGINS, "ESTIMATION#", NULL, 0, 0 },
	{ NULL, NULL, NULL, STORE_BASE, NULL, STORE_ALL, NULL, NULL, 0, 0 },
};

const struct store_pattern *store_pattern_find(const char *name)
{
	const struct store_pattern *p;

	for (p = store_patterns; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

unsigned store_pattern_nargs(const struct store_pattern *p)
{
	const char *a = p->args;
	unsigned n = 0;

	while (a && *a) {
		n++;
		a = strchr(a, ' ');
		if (a)
			a++;
	}
	return n;
}

/* Fills {n} from args into out; NULL template gives NULL. */
static const char *fill(struct buf *out, const char *tmpl,
			const char *const *args, size_t nargs)
{
	const char *t;

	if (!tmpl)
		return NULL;
	buf_reset(out);
	for (t = tmpl; *t; t++) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}') {
			size_t i = (size_t)(t[1] - '1');

			buf_addstr(out, i < nargs ? args[i] : "");
			t += 2;
		} else {
			buf_addch(out, *t);
		}
	}
	return out->buf;
}

struct counted {
	int (*fn)(void *user, const char *json, size_t len);
	void *user;
	unsigned n;
};

static int count_item(void *user, const char *json, size_t len)
{
	struct counted *c = user;

	c->n++;
	return c->fn(c->user, json, len);
}

enum cc_code store_pattern_run(struct store *s, const struct store_pattern *p,
			       const char *const *args, size_t nargs,
			       unsigned limit, const char *cursor,
			       int (*fn)(void *user, const char *json, size_t len),
			       void *user, struct buf *next, struct cc_err *err)
{
	struct buf pk, sk, sk_to;
	struct store_query q;
	enum cc_code ret;

	if (nargs != store_pattern_nargs(p))
		return cc_err_set(err, CC_EUSAGE, "'%s' takes %u arguments (%s), not %zu",
				  p->name, store_pattern_nargs(p), p->args, nargs);
	buf_init(&pk, 4096);
	buf_init(&sk, 4096);
	buf_init(&sk_to, 4096);
	memset(&q, 0, sizeof(q));
	q.index = p->index;
	q.pk = fill(&pk, p->pk, args, nargs);
	q.cond = p->cond;
	q.sk = fill(&sk, p->sk, args, nargs);
	q.sk_to = fill(&sk_to, p->sk_to, args, nargs);
	q.backward = p->backward;
	q.limit = p->limit ? p->limit : limit;
	q.cursor = cursor;
	if (!p->limit) {
		ret = store_query(s, &q, fn, user, next, err);
	} else {
		/*
		 * "the latest": one, by design. DynamoDB applies Limit before the
		 * TTL filter, so an expired newest item comes back as an empty
		 * page with a cursor: read on until one is live or none is left.
		 */
		struct counted c = { fn, user, 0 };
		struct buf at;

		buf_init(&at, 1 << 20);
		for (;;) {
			ret = store_query(s, &q, count_item, &c, next, err);
			if (ret || c.n >= p->limit || !next->len)
				break;
			buf_reset(&at);
			if (buf_add(&at, next->buf, next->len)) {
				ret = cc_err_set(err, CC_ENOMEM, "cursor too long");
				break;
			}
			q.cursor = at.buf;
		}
		buf_release(&at);
		buf_reset(next);
	}
	buf_release(&pk);
	buf_release(&sk);
	buf_release(&sk_to);
	return ret;
}

enum cc_code store_pattern_all(struct store *s, const struct store_pattern *p, const char *const *args,
			       size_t nargs, int (*fn)(void *user, const char *json, size_t len), void *user,
			       struct cc_err *err)
{
	struct buf next, cur;
	enum cc_code ret;

	buf_init(&next, 1 << 20);
	buf_init(&cur, 1 << 20);
	for (;;) {
		ret = store_pattern_run(s, p, args, nargs, 1000, cur.len ? cur.buf : NULL, fn, user, &next, err);
		if (ret || !next.len)
			break;
		buf_reset(&cur);
		if (buf_add(&cur, next.buf, next.len)) {
			ret = cc_err_set(err, CC_ENOMEM, "a paging cursor passes 1 MiB");
			break;
		}
	}
	buf_release(&next);
	buf_release(&cur);
	return ret;
}
