#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "helpers.h"
#include "pipeline/core/buf.h"
#include "pipeline/core/jtape.h"

/*
 * A log of events: kind, offset, bytes, one line each. The reference is
 * yajl called directly (offsets from yajl_get_bytes_consumed); the tape
 * must give the same log, through blocks, backpressure and capture.
 */
struct log {
	struct buf b;
	struct jtape *t;  /* NULL: the reference parse */
	yajl_handle y;
	uint64_t base;
	size_t n, stop_at; /* a handler returns 0 at event stop_at (0: never) */
	size_t cap_from, cap_to;
	FILE *cap;
};

static void log_init(struct log *l)
{
	memset(l, 0, sizeof(*l));
	buf_init(&l->b, (size_t)1 << 30);
}

/* The handlers copy events 11 .. 20000 to f. */
static void capture(struct log *l, FILE *f)
{
	l->cap = f;
	l->cap_from = 10;
	l->cap_to = 20000;
}

static int add(struct log *l, const char *kind, const void *s, size_t len)
{
	uint64_t off = l->t ? jtape_offset(l->t) : l->base + yajl_get_bytes_consumed(l->y);

	l->n++;
	buf_addf(&l->b, "%s@%llu:", kind, (unsigned long long)off);
	if (s)
		buf_add(&l->b, s, len);
	buf_addch(&l->b, '\n');
	if (l->t && l->cap && l->n == l->cap_from)
		jtape_capture_start(l->t, l->cap);
	if (l->t && l->cap && l->n == l->cap_to)
		jtape_capture_stop(l->t);
	return l->n != l->stop_at;
}

static int h_null(void *u) { return add(u, "null", NULL, 0); }
static int h_bool(void *u, int v) { return add(u, v ? "true" : "false", NULL, 0); }
static int h_num(void *u, const char *s, size_t n) { return add(u, "num", s, n); }
static int h_str(void *u, const unsigned char *s, size_t n) { return add(u, "str", s, n); }
static int h_sm(void *u) { return add(u, "{", NULL, 0); }
static int h_key(void *u, const unsigned char *s, size_t n) { return add(u, "key", s, n); }
static int h_em(void *u) { return add(u, "}", NULL, 0); }
static int h_sa(void *u) { return add(u, "[", NULL, 0); }
static int h_ea(void *u) { return add(u, "]", NULL, 0); }

static const struct jtape_handlers H = { h_null, h_bool, h_num, h_str, h_sm, h_key, h_em, h_sa, h_ea };
static const yajl_callbacks Y = { h_null, h_bool, NULL, NULL, h_num, h_str, h_sm, h_key, h_em, h_sa, h_ea };

/* About `size` bytes of JSON: many small events, and one string longer than a block. */
static char *doc(size_t size, size_t *len)
{
	struct buf b;
	size_t i;

	buf_init(&b, size + (1 << 20));
	buf_addstr(&b, "{\"big\": \"");
	for (i = 0; i < JTAPE_BLOCK + 1000; i++)
		buf_addch(&b, (char)('a' + i % 26));
	buf_addstr(&b, "\", \"items\": [");
	for (i = 0; b.len < size; i++)
		buf_addf(&b, "%s{\"k%zu\": %zu, \"s\": \"v%zu\", \"t\": true, \"f\": false, \"n\": null, \"a\": [1.5, -2]}",
			 i ? ", " : "", i % 7, i, i);
	buf_addstr(&b, "]}");
	return buf_detach(&b, len);
}

static void reference(const char *d, size_t len, struct log *l)
{
	log_init(l);
	l->y = yajl_alloc(&Y, NULL, l);
	ck_assert_int_eq(yajl_parse(l->y, (const unsigned char *)d, len), yajl_status_ok);
	ck_assert_int_eq(yajl_complete_parse(l->y), yajl_status_ok);
	yajl_free(l->y);
}

/* Feeds in uneven chunks; the status of the first call that is not ok. */
static yajl_status taped(const char *d, size_t len, struct log *l)
{
	size_t off = 0, step = 1;
	yajl_status s = yajl_status_ok;

	l->t = jtape_new(&H, l);
	ck_assert_ptr_nonnull(l->t);
	while (off < len && s == yajl_status_ok) {
		size_t n = len - off < step ? len - off : step;

		s = jtape_feed(l->t, (const unsigned char *)d + off, n, off);
		off += n;
		step = step * 3 % 100003 + 1;
	}
	if (s == yajl_status_ok)
		s = jtape_finish(l->t);
	return s;
}

START_TEST(jtape_replays_what_yajl_says)
{
	size_t len;
	char *d = doc(3u << 20, &len); /* 12 blocks and more: the producer waits for the consumer */
	struct log ref, got;

	reference(d, len, &ref);
	log_init(&got);
	ck_assert_int_eq(taped(d, len, &got), yajl_status_ok);
	ck_assert_uint_eq(got.n, ref.n);
	ck_assert_uint_eq(jtape_events(got.t), ref.n);
	ck_assert_uint_eq(got.b.len, ref.b.len);
	ck_assert(!memcmp(got.b.buf, ref.b.buf, ref.b.len));
	jtape_free(got.t);
	buf_release(&got.b);
	buf_release(&ref.b);
	free(d);
}
END_TEST

START_TEST(jtape_handler_stops_it)
{
	size_t len;
	char *d = doc(3u << 20, &len);
	struct log got;

	log_init(&got);
	got.stop_at = 5000;
	ck_assert_int_eq(taped(d, len, &got), yajl_status_client_canceled);
	ck_assert_uint_eq(got.n, 5000); /* nothing after the stop is handled */
	/* the producer stopped within a few blocks of the consumer, not at the end */
	ck_assert(jtape_events(got.t) < 5000 + (JTAPE_BLOCKS + 2) * (JTAPE_BLOCK / 9));
	jtape_free(got.t);
	buf_release(&got.b);
	free(d);
}
END_TEST

/* After a parse error, draining handles what came before it: the earlier failure is seen. */
START_TEST(jtape_drain_before_a_parse_error)
{
	static const char bad[] = "{\"a\": [1, 2, 3], \"b\": ]";
	struct log got, ref;

	/* yajl itself: the events before the error */
	log_init(&ref);
	ref.y = yajl_alloc(&Y, NULL, &ref);
	ck_assert_int_eq(yajl_parse(ref.y, (const unsigned char *)bad, sizeof(bad) - 1), yajl_status_error);
	yajl_free(ref.y);
	ck_assert_uint_eq(ref.n, 8); /* { key [ 1 2 3 ] key */

	log_init(&got);
	got.t = jtape_new(&H, &got);
	ck_assert_int_eq(jtape_feed(got.t, (const unsigned char *)bad, sizeof(bad) - 1, 0), yajl_status_error);
	ck_assert_int_eq(jtape_drain(got.t), 0);
	ck_assert_str_eq(got.b.buf, ref.b.buf);
	jtape_free(got.t);
	buf_release(&ref.b);

	buf_reset(&got.b);
	got.n = 0;
	got.stop_at = 3;
	got.t = jtape_new(&H, &got);
	ck_assert_int_eq(jtape_feed(got.t, (const unsigned char *)bad, sizeof(bad) - 1, 0), yajl_status_error);
	ck_assert_int_eq(jtape_drain(got.t), 1);
	ck_assert_uint_eq(got.n, 3);
	jtape_free(got.t);
	buf_release(&got.b);
}
END_TEST

START_TEST(jtape_capture_and_replay)
{
	size_t len, i, nl;
	char *d = doc(1u << 20, &len), *dir = th_tmpdir(), path[4096];
	struct log ref, got, again;
	const char *from, *to;
	FILE *f;

	reference(d, len, &ref);
	snprintf(path, sizeof(path), "%s/cap", dir);
	f = fopen(path, "w+b");
	ck_assert_ptr_nonnull(f);
	log_init(&got);
	capture(&got, f);
	ck_assert_int_eq(taped(d, len, &got), yajl_status_ok);
	/* events 11 .. 20000 of the reference, offsets and all */
	for (from = ref.b.buf, nl = 0; nl < 10; from++)
		nl += *from == '\n';
	for (to = from, i = 10; i < 20000; to++)
		i += *to == '\n';
	rewind(f);
	log_init(&again);
	again.t = got.t;
	ck_assert_int_eq(jtape_replay(got.t, f, &H, &again), 0);
	ck_assert_uint_eq(again.n, 20000 - 10);
	ck_assert_uint_eq(again.b.len, (size_t)(to - from));
	ck_assert(!memcmp(again.b.buf, from, again.b.len));
	/* a stop in the replay says so */
	rewind(f);
	buf_reset(&again.b);
	again.n = 0;
	again.stop_at = 7;
	ck_assert_int_eq(jtape_replay(got.t, f, &H, &again), 1);
	/* not a capture */
	rewind(f);
	ck_assert_int_eq(fputc(0x7f, f), 0x7f);
	rewind(f);
	again.stop_at = 0;
	ck_assert_int_eq(jtape_replay(got.t, f, &H, &again), -1);
	fclose(f);
	unlink(path);
	rmdir(dir);
	jtape_free(got.t);
	buf_release(&got.b);
	buf_release(&again.b);
	buf_release(&ref.b);
	free(dir);
	free(d);
}
END_TEST

/* A capture that cannot be written stops the consumer, and says so. */
START_TEST(jtape_capture_write_fails)
{
	size_t len;
	char *d = doc(1u << 20, &len), *dir = th_tmpdir(), path[4096];
	struct log got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cap", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	f = fopen(path, "rb"); /* every write fails */
	ck_assert_ptr_nonnull(f);
	log_init(&got);
	capture(&got, f);
	ck_assert_int_eq(taped(d, len, &got), yajl_status_client_canceled);
	ck_assert_int_ne(jtape_capture_failed(got.t), 0);
	ck_assert_uint_eq(got.n, 10); /* the event that could not be copied is not handled */
	jtape_free(got.t);
	fclose(f);
	unlink(path);
	rmdir(dir);
	buf_release(&got.b);
	free(dir);
	free(d);
}
END_TEST

Suite *suite_jtape(void)
{
	Suite *s = suite_create("jtape");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, jtape_replays_what_yajl_says);
	tcase_add_test(tc, jtape_handler_stops_it);
	tcase_add_test(tc, jtape_drain_before_a_parse_error);
	tcase_add_test(tc, jtape_capture_and_replay);
	tcase_add_test(tc, jtape_capture_write_fails);
	suite_add_tcase(s, tc);
	return s;
}
