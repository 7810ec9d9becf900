#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "pipeline/prices/pb.h"
#include "pipeline/core/sha256.h"

static void fill(struct pb_entry *e, const char *service, const char *region,
		 const char *key, const char *begin, const char *price,
		 const char *sku)
{
	static const char *const blank = "";
	size_t i;

	for (i = 0; i < PB_NFIELDS; i++) {
		e->f[i].p = blank;
		e->f[i].len = 0;
	}
#define SET(i, s) (e->f[i].p = (s), e->f[i].len = strlen(s))
	SET(PB_SERVICE, service);
	SET(PB_REGION, region);
	SET(PB_FAMILY, "Storage");
	SET(PB_KEY, key);
	SET(PB_MODEL, "OnDemand");
	SET(PB_UNIT, "GB-Mo");
	SET(PB_BEGIN, begin);
	SET(PB_END, "Inf");
	SET(PB_PRICE, price);
	SET(PB_CURRENCY, "USD");
	SET(PB_SKU, sku);
	SET(PB_RATE_CODE, sku);
#undef SET
}

static struct pb_reader *write_and_open(const char *path, struct pb_entry *es,
					size_t n, size_t mem,
					struct pb_write_stats *st)
{
	struct pb_writer *w = NULL;
	struct pb_reader *r = NULL;
	struct cc_err err = { 0 };
	struct pb_offer o = { { "AmazonS3", 8 }, { "20261112211530", 14 },
			      { "2026-11-12T21:15:30Z", 20 }, { "index.json", 10 },
			      3, n };
	size_t i;

	ck_assert_int_eq(pb_writer_open(&w, path, mem, &err), CC_OK);
	ck_assert_int_eq(pb_writer_add_offer(w, &o, &err), CC_OK);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pb_writer_add(w, &es[i], &err), CC_OK);
	ck_assert_msg(pb_writer_commit(w, st, &err) == CC_OK, "%s", err.msg);
	ck_assert_msg(pb_open(&r, path, &err) == CC_OK, "%s", err.msg);
	ck_assert_msg(pb_verify(r, &err) == CC_OK, "%s", err.msg);
	return r;
}

static const char *field(const struct pb_entry *e, int f)
{
	static char buf[PB_NFIELDS][256];

	snprintf(buf[f], sizeof(buf[f]), "%.*s", (int)e->f[f].len, e->f[f].p);
	return buf[f];
}

START_TEST(roundtrip_sorted_with_numeric_tiers)
{
	char *dir = th_tmpdir(), path[4096], h[65];
	struct pb_entry es[5], e;
	struct pb_write_stats st;
	struct pb_reader *r;
	const char *sha;
	const struct pb_offer *o;

	/* tiers out of order, as the price list writes them */
	fill(&es[0], "AmazonS3", "us-east-1", "volumeType\x1fStandard", "512000", "0.021", "S1");
	fill(&es[1], "AmazonS3", "us-east-1", "volumeType\x1fStandard", "0", "0.023", "S1");
	fill(&es[2], "AmazonS3", "us-east-1", "volumeType\x1fStandard", "51200", "0.022", "S1");
	fill(&es[3], "AmazonEC2", "us-east-1", "volumeApiName\x1fgp3", "0", "0.08", "E1");
	fill(&es[4], "AmazonS3", "eu-west-1", "volumeType\x1fStandard", "", "0.024", "S2");
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	r = write_and_open(path, es, 5, 1 << 20, &st);
	ck_assert_int_eq(st.entries, 5);
	ck_assert_int_eq(pb_count(r), 5);
	ck_assert_int_eq(pb_get(r, 0, &e, NULL), CC_OK);
	ck_assert_str_eq(field(&e, PB_SERVICE), "AmazonEC2");
	ck_assert_int_eq(pb_get(r, 1, &e, NULL), CC_OK);
	ck_assert_str_eq(field(&e, PB_REGION), "eu-west-1");
	ck_assert_str_eq(field(&e, PB_BEGIN), "");
	ck_assert_int_eq(pb_get(r, 2, &e, NULL), CC_OK);
	ck_assert_str_eq(field(&e, PB_BEGIN), "0");
	ck_assert_int_eq(pb_get(r, 3, &e, NULL), CC_OK);
	ck_assert_str_eq(field(&e, PB_BEGIN), "51200");
	ck_assert_int_eq(pb_get(r, 4, &e, NULL), CC_OK);
	ck_assert_str_eq(field(&e, PB_BEGIN), "512000");
	ck_assert_int_eq(pb_get(r, 5, &e, NULL), CC_ENOTFOUND);
	/* identity is what sha256sum prints */
	ck_assert_int_eq(pb_sha256(r, &sha, NULL), CC_OK);
	ck_assert_int_eq(sha256_file(path, h, NULL), CC_OK);
	ck_assert_str_eq(sha, h);
	ck_assert_str_eq(st.sha256, h);
	ck_assert_int_eq(pb_offer_count(r), 1);
	o = pb_offer_at(r, 0);
	ck_assert_int_eq(o->version.len, 14);
	ck_assert_int_eq(memcmp(o->version.p, "20261112211530", 14), 0);
	pb_close(r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

/* Spilling sorted runs and merging them gives the very same file. */
START_TEST(spill_and_merge_equal_in_memory)
{
	enum { N = 12000 };
	char *dir = th_tmpdir(), a[4096], b[4096], ha[65], hb[65];
	struct pb_entry *es = calloc(N + 2, sizeof(*es));
	char (*keys)[300] = calloc(N, 300), (*skus)[20] = calloc(N, 20);
	char (*rates)[300] = calloc(N, 300);
	struct pb_write_stats sa, sb;
	struct pb_reader *r;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(es);
	for (i = 0; i < N; i++) {
		/* a scrambled order, ~300-byte rate codes: about 4 MB in all */
		size_t k = (i * 7919) % N;

		snprintf(keys[i], sizeof(keys[i]), "instanceType\x1fm%05zu.large\x1enote\x1f%0250zu", k, k);
		snprintf(skus[i], sizeof(skus[i]), "SKU%013zu", k);
		/* rate codes are inline (keys are interned): long ones fill runs */
		snprintf(rates[i], sizeof(rates[i]), "%s.JRTCKXETXF.%0270zu", skus[i], k);
		fill(&es[n], "AmazonEC2", "us-east-1", keys[i], "0", "0.096", skus[i]);
		es[n].f[PB_RATE_CODE].p = rates[i];
		es[n++].f[PB_RATE_CODE].len = strlen(rates[i]);
	}
	/* a duplicate (same price) and a conflict (another price) */
	es[n++] = es[0];
	es[n] = es[1];
	es[n].f[PB_PRICE].p = "9.99";
	es[n].f[PB_PRICE].len = 4;
	n++;
	snprintf(a, sizeof(a), "%s/mem.cpb", dir);
	snprintf(b, sizeof(b), "%s/spill.cpb", dir);
	r = write_and_open(a, es, n, (size_t)64 << 20, &sa);
	pb_close(r);
	r = write_and_open(b, es, n, 1 << 20, &sb);
	pb_close(r);
	ck_assert_int_eq(sa.runs, 0);
	ck_assert_int_ge(sb.runs, 3);
	ck_assert_int_eq(sa.entries, N);
	ck_assert_int_eq(sb.entries, N);
	ck_assert_int_eq(sa.duplicates, 1);
	ck_assert_int_eq(sb.duplicates, 1);
	ck_assert_int_eq(sa.conflicts, 1);
	ck_assert_int_eq(sb.conflicts, 1);
	/* the first added wins */
	ck_assert(!strncmp(sb.first_conflict, "kept 0.096, dropped 9.99: SKU ", 30));
	ck_assert_int_eq(sha256_file(a, ha, NULL), CC_OK);
	ck_assert_int_eq(sha256_file(b, hb, NULL), CC_OK);
	ck_assert_str_eq(ha, hb);
	/* no temporary files left behind */
	unlink(a);
	unlink(b);
	ck_assert_int_eq(rmdir(dir), 0);
	free(es);
	free(keys);
	free(skus);
	free(rates);
	free(dir);
}
END_TEST

/*
 * Runs are sorted by their leading fields' ranks packed into 64 bits while
 * they fit. Some 30000 distinct strings in each of the seven leading fields
 * need 15 bits each (105 in all), so four fields are packed and the rest
 * compared as strings (in a 1 MB run of ~11000, 14 bits: four again); the
 * shared values give ties at every field. pb_verify
 * checks the order with the plain field-by-field comparison; the spilled
 * file (each run ranked on its own strings) must be the same file.
 */
START_TEST(sort_keys_past_64_bits)
{
	enum { N = 30000, NF = 7 };
	static const int fs[NF] = { PB_SERVICE, PB_REGION, PB_FAMILY, PB_KEY,
				    PB_MODEL, PB_TERM, PB_UNIT };
	char *dir = th_tmpdir(), a[4096], b[4096], ha[65], hb[65];
	struct pb_entry *es = calloc(N, sizeof(*es));
	char (*v)[NF][40] = calloc(N, sizeof(*v)), (*skus)[20] = calloc(N, 20);
	struct pb_write_stats sa, sb;
	struct pb_reader *r;
	struct pb_entry prev, e;
	size_t i, f;

	ck_assert_ptr_nonnull(es);
	ck_assert_ptr_nonnull(v);
	for (i = 0; i < N; i++) {
		snprintf(skus[i], sizeof(skus[i]), "SKU%zu", i);
		fill(&es[i], "", "", "", "0", "0.01", skus[i]);
		for (f = 0; f < NF; f++) {
			/* per field its own scramble; every 7th value shared */
			size_t k = (i * (2 * f + 7919) + f) % N;

			if (k % 7 == 0)
				k = 0;
			snprintf(v[i][f], sizeof(v[i][f]), "f%zu-%zx", f, k * 2654435761u % 100003);
			es[i].f[fs[f]].p = v[i][f];
			es[i].f[fs[f]].len = strlen(v[i][f]);
		}
	}
	snprintf(a, sizeof(a), "%s/mem.cpb", dir);
	snprintf(b, sizeof(b), "%s/spill.cpb", dir);
	r = write_and_open(a, es, N, (size_t)64 << 20, &sa);
	ck_assert_int_eq(sa.runs, 0);
	ck_assert_int_eq(sa.entries, N);
	/* and the order is byte-wise, field by field, as a reader sees it */
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(pb_get(r, i, &e, NULL), CC_OK);
		if (i) {
			int c = 0;

			/* ties on all seven fall to the SKU (BEGIN is "0") */
			for (f = 0; f <= NF && !c; f++) {
				int g = f < NF ? fs[f] : PB_SKU;
				const struct pb_str *x = &prev.f[g], *y = &e.f[g];
				size_t m = x->len < y->len ? x->len : y->len;

				c = memcmp(x->p, y->p, m);
				if (!c)
					c = (x->len > y->len) - (x->len < y->len);
			}
			ck_assert_msg(c < 0, "entry %zu (%s) does not sort after %zu", i,
				      field(&e, PB_SKU), i - 1);
		}
		prev = e;
	}
	pb_close(r);
	r = write_and_open(b, es, N, 1 << 20, &sb);
	pb_close(r);
	ck_assert_int_ge(sb.runs, 2);
	ck_assert_int_eq(sha256_file(a, ha, NULL), CC_OK);
	ck_assert_int_eq(sha256_file(b, hb, NULL), CC_OK);
	ck_assert_str_eq(ha, hb);
	unlink(a);
	unlink(b);
	ck_assert_int_eq(rmdir(dir), 0);
	free(es);
	free(v);
	free(skus);
	free(dir);
}
END_TEST

static void corrupt_at(const char *path, long off, int xor)
{
	FILE *f = fopen(path, "r+b");
	int c;

	ck_assert_ptr_nonnull(f);
	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ xor, f);
	fclose(f);
}

/*
 * Recomputes the body checksum in the trailer after a change: a file that
 * is consistent but wrong, so the checks behind the checksum are reached.
 */
static void rehash(const char *path)
{
	size_t len;
	char *b = th_read(path, &len);
	unsigned char digest[32];
	FILE *f;

	ck_assert_int_eq(sha256_buf(b + 16, len - 16 - 128, digest), 0);
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, (long)len - 128 + 88, SEEK_SET);
	fwrite(digest, 1, 32, f);
	fclose(f);
	free(b);
}

START_TEST(checks_name_what_failed)
{
	char *dir = th_tmpdir(), path[4096], copy[4096];
	struct pb_entry es[2];
	struct pb_write_stats st;
	struct pb_reader *r;
	struct cc_err err = { 0 };
	size_t len;
	char *bytes;
	FILE *f;

	fill(&es[0], "AmazonS3", "us-east-1", "volumeType\x1fStandard", "0", "0.023", "S1");
	fill(&es[1], "AmazonS3", "us-east-1", "volumeType\x1fStandard", "51200", "0.022", "S1");
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	snprintf(copy, sizeof(copy), "%s/bad.cpb", dir);
	pb_close(write_and_open(path, es, 2, 1 << 20, &st));
	bytes = th_read(path, &len);

#define RESTORE() do { f = fopen(copy, "wb"); fwrite(bytes, 1, len, f); fclose(f); cc_err_clear(&err); } while (0)
	/* one flipped byte in the middle: entry data */
	RESTORE();
	corrupt_at(copy, (long)len / 2, 0x20);
	/* caught on open, not only by verify: a flipped price is never served */
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'body checksum'"), "%s", err.msg);
	/* a reserved trailer byte */
	RESTORE();
	corrupt_at(copy, (long)len - 4, 0x01);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "reserved byte 124 is not zero"), "%s", err.msg);
	/* truncated */
	RESTORE();
	ck_assert_int_eq(truncate(copy, (off_t)len - 5), 0);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'trailer'"), "%s", err.msg);
	/* bytes appended after the trailer */
	RESTORE();
	f = fopen(copy, "ab");
	fwrite(bytes + len - 128, 1, 128, f);
	fclose(f);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'file size'"), "%s", err.msg);
	/* not a pricebook */
	RESTORE();
	corrupt_at(copy, 1, 0x01);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'magic'"), "%s", err.msg);
	/* a future format */
	RESTORE();
	corrupt_at(copy, 8, 0x02);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'format version'"), "%s", err.msg);
	/* a section offset pointing elsewhere */
	RESTORE();
	corrupt_at(copy, (long)len - 128 + 40, 0x04); /* data offset in the trailer */
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'section bounds'"), "%s", err.msg);
	/* a record naming a string that does not exist */
	RESTORE();
	{
		unsigned char *t = (unsigned char *)bytes + len - 128;
		long data_off = (long)(t[56] | t[57] << 8 | t[58] << 16);

		corrupt_at(copy, data_off + 3, 0xff); /* high byte of the first id */
	}
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'body checksum'"), "%s", err.msg);
	cc_err_clear(&err);
	rehash(copy); /* consistent, but the record is still wrong */
	ck_assert_msg(pb_open(&r, copy, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(pb_verify(r, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'record bounds'"), "%s", err.msg);
	cc_err_clear(&err);
	{
		struct pb_entry e;

		ck_assert_int_eq(pb_get(r, 0, &e, &err), CC_ECORRUPT);
		ck_assert_msg(strstr(err.msg, "failed check 'record bounds'"), "%s", err.msg);
	}
	pb_close(r);
	/* a string-table offset out of order */
	RESTORE();
	{
		unsigned char *t = (unsigned char *)bytes + len - 128;
		long strtab_off = (long)(t[40] | t[41] << 8 | t[42] << 16);

		corrupt_at(copy, strtab_off + 8, 0x01); /* offset 0 of string 0 */
	}
	rehash(copy);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "failed check 'string table'"), "%s", err.msg);
	/* shorter than a header */
	RESTORE();
	ck_assert_int_eq(truncate(copy, 100), 0);
	ck_assert_int_eq(pb_open(&r, copy, &err), CC_ECORRUPT);
	ck_assert_msg(strstr(err.msg, "shorter than the 144-byte preamble and trailer"), "%s", err.msg);
#undef RESTORE
	free(bytes);
	unlink(path);
	unlink(copy);
	rmdir(dir);
	free(dir);
}
END_TEST

static int count_cb(void *user, const struct pb_entry *e)
{
	(void)e;
	(*(int *)user)++;
	return 0;
}

START_TEST(find_by_subset_of_key)
{
	char *dir = th_tmpdir(), path[4096];
	struct pb_entry es[4];
	struct pb_write_stats st;
	struct pb_reader *r;
	struct pb_query q;
	const char *kn[2] = { "instanceType", "operatingSystem" };
	const char *kv[2] = { "t3.xlarge", "Windows" };
	uint64_t matches;
	int calls = 0;

	fill(&es[0], "AmazonEC2", "us-east-1", "instanceType\x1ft3.xlarge\x1eoperatingSystem\x1fLinux", "0", "0.1664", "A");
	fill(&es[1], "AmazonEC2", "us-east-1", "instanceType\x1ft3.xlarge\x1eoperatingSystem\x1fWindows", "0", "0.1936", "B");
	fill(&es[2], "AmazonEC2", "us-east-2", "instanceType\x1ft3.xlarge\x1eoperatingSystem\x1fLinux", "0", "0.1664", "C");
	fill(&es[3], "AmazonEC2", "us-east-1", "instanceType\x1fm5.large\x1eoperatingSystem\x1fLinux", "0", "0.096", "D");
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	r = write_and_open(path, es, 4, 1 << 20, &st);
	memset(&q, 0, sizeof(q));
	q.service = "AmazonEC2";
	q.region = "us-east-1";
	q.key_names = kn;
	q.key_values = kv;
	q.nkey = 1;
	ck_assert_int_eq(pb_find(r, &q, count_cb, &calls, &matches, NULL), CC_OK);
	ck_assert_int_eq(matches, 2);
	ck_assert_int_eq(calls, 2);
	q.nkey = 2;
	ck_assert_int_eq(pb_find(r, &q, NULL, NULL, &matches, NULL), CC_OK);
	ck_assert_int_eq(matches, 1);
	q.region = "eu-west-1";
	ck_assert_int_eq(pb_find(r, &q, NULL, NULL, &matches, NULL), CC_OK);
	ck_assert_int_eq(matches, 0);
	q.region = "us-east-1";
	q.model = "Reserved";
	ck_assert_int_eq(pb_find(r, &q, NULL, NULL, &matches, NULL), CC_OK);
	ck_assert_int_eq(matches, 0);
	pb_close(r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

START_TEST(writer_failure_leaves_nothing)
{
	struct pb_writer *w = NULL;
	struct pb_write_stats st;
	struct cc_err err = { 0 };

	/* the directory does not exist: commit fails, nothing is created */
	ck_assert_int_eq(pb_writer_open(&w, "/nonexistent-dir/pb.cpb", 1 << 20, &err), CC_OK);
	ck_assert_int_ne(pb_writer_commit(w, &st, &err), CC_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/pb.cpb"));
	pb_writer_abort(NULL);
}
END_TEST

Suite *suite_pb(void)
{
	Suite *s = suite_create("pb");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_sorted_with_numeric_tiers);
	tcase_add_test(tc, spill_and_merge_equal_in_memory);
	tcase_add_test(tc, sort_keys_past_64_bits);
	tcase_add_test(tc, checks_name_what_failed);
	tcase_add_test(tc, find_by_subset_of_key);
	tcase_add_test(tc, writer_failure_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}
