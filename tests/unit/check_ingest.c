/*
 * Ingest: every trap of the real price list (DESIGN.md, "The real files
 * ... hold traps") and every bad input. Inline documents follow the real
 * format; the real files are read from ../shared/fixtures-real when there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"
#include "pipeline/prices/ingest.h"

#define HEAD(offer)                                                                   \
	"{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"This pricing list is " \
	"for informational purposes only.\",\n  \"offerCode\" : \"" offer "\",\n"       \
	"  \"version\" : \"20261115143012\",\n  \"publicationDate\" : \"2026-11-15T14:30:12Z\",\n"

#define PRODUCTS                                                                       \
	"  \"products\" : {\n"                                                         \
	"    \"AAAABBBBCCCCDDDD\" : { \"sku\" : \"AAAABBBBCCCCDDDD\", \"productFamily\" : " \
	"\"Compute Instance\", \"attributes\" : { \"servicecode\" : \"AmazonEC2\", "     \
	"\"location\" : \"US East (N. Virginia)\", \"locationType\" : \"AWS Region\", "  \
	"\"instanceType\" : \"t3.xlarge\", \"vcpu\" : \"4\", \"memory\" : \"16 GiB\", "  \
	"\"tenancy\" : \"Shared\", \"operatingSystem\" : \"Linux\", \"licenseModel\" : " \
	"\"No License required\", \"usagetype\" : \"BoxUsage:t3.xlarge\", "             \
	"\"operation\" : \"RunInstances\", \"capacitystatus\" : \"Used\", "              \
	"\"marketoption\" : \"OnDemand\", \"preInstalledSw\" : \"NA\", "                 \
	"\"regionCode\" : \"us-east-1\" } }\n  }"

#define OD_TERM(sku, price)                                                        \
	"\"" sku "\" : { \"" sku ".JRTCKXETXF\" : { \"offerTermCode\" : \"JRTCKXETXF\", " \
	"\"sku\" : \"" sku "\", \"effectiveDate\" : \"2026-11-01T00:00:00Z\", "          \
	"\"priceDimensions\" : { \"" sku ".JRTCKXETXF.6YS6EN2CT7\" : { \"rateCode\" : "   \
	"\"" sku ".JRTCKXETXF.6YS6EN2CT7\", \"description\" : \"per hour\", "            \
	"\"beginRange\" : \"0\", \"endRange\" : \"Inf\", \"unit\" : \"Hrs\", "          \
	"\"pricePerUnit\" : { \"USD\" : " price " }, \"appliesTo\" : [ ] } }, "          \
	"\"termAttributes\" : { } } }"

#define RI_TERM(sku)                                                                   \
	"\"" sku "\" : { \"" sku ".HU7G6KETJZ\" : { \"offerTermCode\" : \"HU7G6KETJZ\", "   \
	"\"sku\" : \"" sku "\", \"effectiveDate\" : \"2026-11-01T00:00:00Z\", "              \
	"\"priceDimensions\" : { \"" sku ".HU7G6KETJZ.2TG2D8R56U\" : { \"rateCode\" : "       \
	"\"" sku ".HU7G6KETJZ.2TG2D8R56U\", \"description\" : \"Upfront Fee\", \"unit\" : "  \
	"\"Quantity\", \"pricePerUnit\" : { \"USD\" : \"252\" }, \"appliesTo\" : [ ] }, "     \
	"\"" sku ".HU7G6KETJZ.6YS6EN2CT7\" : { \"rateCode\" : \"" sku ".HU7G6KETJZ.6YS6EN2CT7\", " \
	"\"description\" : \"reserved\", \"beginRange\" : \"0\", \"endRange\" : \"Inf\", "    \
	"\"unit\" : \"Hrs\", \"pricePerUnit\" : { \"USD\" : \"0.0290000000\" }, "              \
	"\"appliesTo\" : [ ] } }, \"termAttributes\" : { \"LeaseContractLength\" : \"1yr\", "  \
	"\"OfferingClass\" : \"standard\", \"PurchaseOption\" : \"Partial Upfront\" } } }"

#define TERMS                                                                    \
	"  \"terms\" : {\n    \"OnDemand\" : { " OD_TERM("AAAABBBBCCCCDDDD",         \
						"\"0.1664000000\"") " },\n" \
	"    \"Reserved\" : { " RI_TERM("AAAABBBBCCCCDDDD") " }\n  }"

static const char normal_doc[] = HEAD("AmazonEC2") PRODUCTS ",\n" TERMS "\n}\n";
static const char terms_first_doc[] = HEAD("AmazonEC2") TERMS ",\n" PRODUCTS "\n}\n";

struct run {
	struct ingest_stats st;
	struct buf out;
	struct cc_err err;
	enum cc_code ret;
};

static void run_doc(struct run *r, const char *doc, size_t len, size_t chunk)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 64 << 20);
	r->ret = th_ingest(doc, len, chunk, &r->st, &r->out, &r->err);
}

static void run_str(struct run *r, const char *doc, size_t chunk)
{
	run_doc(r, doc, strlen(doc), chunk);
}

START_TEST(normal_order)
{
	struct run r;

	run_str(&r, normal_doc, 0);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.products, 1);
	ck_assert_int_eq(r.st.terms, 2);
	ck_assert_int_eq(r.st.entries, 3);
	ck_assert_int_eq(r.st.spooled, 0);
	ck_assert_str_eq(r.st.offer_code, "AmazonEC2");
	ck_assert_str_eq(r.st.version, "20261115143012");
	ck_assert_str_eq(r.st.published, "2026-11-15T14:30:12Z");
	/* the exact decimal string survives, 10 decimals and all */
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"model\":\"OnDemand\"",
					"\"price\":\"0.1664000000\"", "\"begin\":\"0\",\"end\":\"Inf\"",
					"\"instanceType\":\"t3.xlarge\"", NULL), 1);
	/* the upfront fee has no range: null, not "0" */
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"model\":\"Reserved\"", "\"unit\":\"Quantity\"",
					"\"begin\":null,\"end\":null", "\"price\":\"252\"",
					"\"LeaseContractLength\":\"1yr\"", NULL), 1);
	/* key holds the identifying attributes, attrs the informational ones */
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"attrs\":{\"vcpu\":\"4\",\"memory\":\"16 GiB\"}", NULL), 3);
	buf_release(&r.out);
}
END_TEST

/* Products after terms is legal JSON: spool the terms, second pass. */
START_TEST(terms_before_products_spooled)
{
	static const size_t chunks[] = { 0, 1, 7, 100 };
	struct run a, b;
	size_t i;

	run_str(&a, normal_doc, 0);
	ck_assert_int_eq(a.ret, CC_OK);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run_str(&b, terms_first_doc, chunks[i]);
		ck_assert_msg(b.ret == CC_OK, "chunk %zu: %s", chunks[i], b.err.msg);
		ck_assert_int_eq(b.st.spooled, 1);
		ck_assert_int_eq(b.st.orphan_terms, 0);
		ck_assert_str_eq(b.out.buf, a.out.buf);
		buf_release(&b.out);
	}
	buf_release(&a.out);
}
END_TEST

/* Any split of the input gives the same result. */
START_TEST(chunk_boundaries_do_not_matter)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 64, 4096 };
	struct run a, b;
	size_t i;

	run_str(&a, normal_doc, 0);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run_str(&b, normal_doc, chunks[i]);
		ck_assert_int_eq(b.ret, CC_OK);
		ck_assert_str_eq(b.out.buf, a.out.buf);
		buf_release(&b.out);
	}
	buf_release(&a.out);
}
END_TEST

START_TEST(unknown_term_types_skipped)
{
	/* FlatRate is an array of plans, not a map keyed by SKU */
	static const char doc[] = HEAD("AmazonEC2") PRODUCTS ",\n"
		"  \"terms\" : { \"FlatRate\" : { \"plans\" : [ { \"planCode\" : \"P1\", \"sku\" : "
		"\"AAAABBBBCCCCDDDD\", \"features\" : [ { \"featureCode\" : \"F\", \"usageQuota\" : "
		"{ \"value\" : 10, \"unit\" : \"GB\" } } ], \"subscriptionPrice\" : { \"rateCode\" : "
		"\"R\", \"pricePerUnit\" : { \"USD\" : \"5\" } } } ] },\n"
		"    \"OnDemand\" : { " OD_TERM("AAAABBBBCCCCDDDD", "\"0.1664000000\"") " },\n"
		"    \"Spot\" : [ 1, 2, 3 ] },\n"
		"  \"attributesList\" : { }\n}\n";
	struct run r;

	run_str(&r, doc, 0);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.unknown_term_types, 2);
	ck_assert_str_eq(r.st.first_unknown_type, "FlatRate");
	ck_assert_int_eq(r.st.entries, 1);
	buf_release(&r.out);
}
END_TEST

START_TEST(empty_ondemand_and_orphans)
{
	static const char doc[] = HEAD("AmazonEC2") PRODUCTS ",\n"
		"  \"terms\" : { \"OnDemand\" : { },\n    \"Reserved\" : { "
		RI_TERM("AAAABBBBCCCCDDDD") ", " RI_TERM("ZZZZYYYYXXXXWWWW") " } }\n}\n";
	struct run r;

	run_str(&r, doc, 0);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.terms, 2);
	ck_assert_int_eq(r.st.orphan_terms, 1);
	ck_assert_str_eq(r.st.first_orphan, "ZZZZYYYYXXXXWWWW");
	ck_assert_int_eq(r.st.entries, 2);
	buf_release(&r.out);
}
END_TEST

START_TEST(bom_is_skipped_even_when_split)
{
	char doc[sizeof(normal_doc) + 3];
	struct run a, b;

	memcpy(doc, "\xEF\xBB\xBF", 3);
	memcpy(doc + 3, normal_doc, sizeof(normal_doc));
	run_str(&a, normal_doc, 0);
	run_doc(&b, doc, strlen(doc), 1);
	ck_assert_msg(b.ret == CC_OK, "%s", b.err.msg);
	ck_assert_str_eq(b.out.buf, a.out.buf);
	buf_release(&a.out);
	buf_release(&b.out);
}
END_TEST

static unsigned long long offset_in(const char *msg)
{
	const char *p = strstr(msg, "at byte ");

	ck_assert_msg(p != NULL, "no offset in '%s'", msg);
	return strtoull(p + 8, NULL, 10);
}

START_TEST(truncated_names_the_offset)
{
	size_t cut = 700;
	struct run r;

	ck_assert_int_lt(cut, strlen(normal_doc));
	run_doc(&r, normal_doc, cut, 64);
	ck_assert_int_eq(r.ret, CC_ETRUNC);
	ck_assert_msg(strstr(r.err.msg, "cannot parse 'test.json' at byte 700"), "%s", r.err.msg);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "truncated"));
	buf_release(&r.out);
}
END_TEST

START_TEST(malformed_names_the_offset)
{
	char *doc = strdup(normal_doc);
	char *at = strstr(doc, "\"tenancy\"");
	unsigned long long off;
	struct run r;

	at[-2] = '@'; /* the comma before "tenancy" */
	run_str(&r, doc, 16);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	off = offset_in(r.err.msg);
	ck_assert_msg(off >= (unsigned long long)(at - doc) - 3 &&
			      off <= (unsigned long long)(at - doc) + 1,
		      "offset %llu, bad byte at %td: %s", off, at - 2 - doc, r.err.msg);
	buf_release(&r.out);
	free(doc);
}
END_TEST

START_TEST(not_an_offer_file)
{
	struct run r;

	run_str(&r, "{ \"formatVersion\" : \"v1.0\", \"offers\" : { } }", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "not an AWS price-list offer file"));
	buf_release(&r.out);
	run_str(&r, "[ 1, 2 ]", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "array"));
	buf_release(&r.out);
	run_str(&r, "", 0);
	ck_assert_int_ne(r.ret, CC_OK);
	buf_release(&r.out);
}
END_TEST

START_TEST(bad_prices_and_ranges_skipped_not_fatal)
{
	static const char doc[] = HEAD("AmazonEC2") PRODUCTS ",\n"
		"  \"terms\" : { \"OnDemand\" : { " OD_TERM("AAAABBBBCCCCDDDD", "\"N/A\"") " },\n"
		"  \"Reserved\" : { " RI_TERM("AAAABBBBCCCCDDDD") " } }\n}\n";
	static const char bare[] = HEAD("AmazonEC2") PRODUCTS ",\n"
		"  \"terms\" : { \"OnDemand\" : { " OD_TERM("AAAABBBBCCCCDDDD", "0.1664") " } }\n}\n";
	char *range = strdup(normal_doc);
	struct run r;

	run_str(&r, doc, 0);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.bad_prices, 1);
	ck_assert_ptr_nonnull(strstr(r.st.first_bad, "N/A"));
	ck_assert_int_eq(r.st.entries, 2);
	buf_release(&r.out);
	/* a bare JSON number is taken as the text it is */
	run_str(&r, bare, 0);
	ck_assert_int_eq(r.ret, CC_OK);
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"price\":\"0.1664\"", NULL), 1);
	buf_release(&r.out);
	/* "Inf" is an end, never a beginning */
	memcpy(strstr(range, "\"beginRange\" : \"0\"") + 16, "X", 1);
	run_str(&r, range, 0);
	ck_assert_int_eq(r.ret, CC_OK);
	ck_assert_int_eq(r.st.bad_ranges, 1);
	buf_release(&r.out);
	free(range);
}
END_TEST

/*
 * Prices that are not what the price list writes: negative, "-0", leading
 * zeros, more digits than fit, or not a string at all. Each is counted and
 * the first named with its SKU; none becomes an entry.
 */
START_TEST(hostile_prices_counted_and_named)
{
	static const char *const bad[] = { "\"-5\"", "\"-0\"", "\"00001\"",
					   "\"1234567890123456789012345678901234567890\"",
					   "\"0.12345678901\"", "\"1e5\"", "\"\"", "null", "true",
					   "[]", "{}" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char doc[8192];
		struct run r;

		snprintf(doc, sizeof(doc), "%s%s,\n  \"terms\" : { \"OnDemand\" : { ",
			 HEAD("AmazonEC2"), PRODUCTS);
		snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc), OD_TERM("AAAABBBBCCCCDDDD", "%s")
			 " } }\n}\n", bad[i]);
		run_str(&r, doc, 0);
		ck_assert_msg(r.ret == CC_OK, "%s: %s", bad[i], r.err.msg);
		ck_assert_msg(r.st.bad_prices == 1, "%s: %llu bad prices", bad[i],
			      (unsigned long long)r.st.bad_prices);
		ck_assert_int_eq(r.st.entries, 0);
		ck_assert_msg(strstr(r.st.first_bad, "AAAABBBBCCCCDDDD"), "%s: %s", bad[i],
			      r.st.first_bad);
		buf_release(&r.out);
	}
}
END_TEST

/* a field over the pricebook's 65,535 bytes: refused with the file and offset */
START_TEST(long_field_names_file_and_offset)
{
	char *doc = malloc(200000);
	struct pb_write_stats ws;
	struct pb_writer *w = NULL;
	struct ingest *in = NULL;
	struct ingest_stats st;
	struct cc_err err = { 0 };
	char *dir = th_tmpdir(), path[4096];
	size_t n;
	enum cc_code ret;

	ck_assert_ptr_nonnull(doc);
	n = (size_t)snprintf(doc, 200000, "%s  \"products\" : {\n    \"AAAABBBBCCCCDDDD\" : { \"sku\" : "
			     "\"AAAABBBBCCCCDDDD\", \"productFamily\" : \"Fee\", \"attributes\" : { "
			     "\"servicecode\" : \"AmazonEC2\", \"regionCode\" : \"us-east-1\", \"x\" : \"",
			     HEAD("AmazonEC2"));
	memset(doc + n, 'v', 70000);
	n += 70000;
	n += (size_t)snprintf(doc + n, 200000 - n, "\" } } },\n  \"terms\" : { \"OnDemand\" : { %s } }\n}\n",
			      OD_TERM("AAAABBBBCCCCDDDD", "\"0.1000000000\""));
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	ck_assert_int_eq(pb_writer_open(&w, path, 1 << 20, &err), CC_OK);
	ck_assert_int_eq(ingest_new(&in, NULL, "long.json", NULL, ingest_sink_pb, w, &err), CC_OK);
	ret = ingest_feed(in, doc, n, &err);
	if (!ret)
		ret = ingest_finish(in, &st, &err);
	ck_assert_int_eq(ret, CC_EPARSE);
	ck_assert_msg(strstr(err.msg, "cannot ingest 'long.json' at byte ") &&
		      strstr(err.msg, "longer than 65535 bytes"), "%s", err.msg);
	ingest_free(in);
	pb_writer_abort(w);
	rmdir(dir);
	free(dir);
	free(doc);
	(void)ws;
}
END_TEST

START_TEST(family_service_region_edge_cases)
{
	/* no productFamily; a DataTransfer product inside another offer; a 2018
	 * product with only a location name; control characters */
	static const char doc[] = HEAD("AmazonRedshift")
		"  \"products\" : {\n"
		"    \"FM279BJD58XPQ8RS\" : { \"sku\" : \"FM279BJD58XPQ8RS\", \"attributes\" : { "
		"\"servicecode\" : \"AWSDataTransfer\", \"transferType\" : \"Inbound\", "
		"\"fromLocation\" : \"External\", \"fromLocationType\" : \"AWS Region\", "
		"\"toLocation\" : \"Asia Pacific (Osaka-Local)\", \"toLocationType\" : \"AWS Region\", "
		"\"usagetype\" : \"APN3-AWS-In-Bytes\", \"operation\" : \"\" } },\n"
		"    \"QQQQRRRRSSSSTTTT\" : { \"sku\" : \"QQQQRRRRSSSSTTTT\", \"productFamily\" : "
		"\"Compute Instance\", \"attributes\" : { \"servicecode\" : \"AmazonRedshift\", "
		"\"location\" : \"US West (Oregon)\", \"locationType\" : \"AWS Region\", "
		"\"instanceType\" : \"dc2\\u001f.large\", \"usagetype\" : \"USW2-Node:dc2.large\" } }\n  },\n"
		"  \"terms\" : { \"OnDemand\" : { " OD_TERM("FM279BJD58XPQ8RS", "\"0.00\"") ", "
		OD_TERM("QQQQRRRRSSSSTTTT", "\"0.3\"") " } }\n}\n";
	struct run r;

	run_str(&r, doc, 0);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.no_family, 1);
	ck_assert_int_eq(r.st.sanitized, 1);
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"service\":\"AWSDataTransfer\"",
					"\"region\":\"ap-northeast-3\"", "\"family\":\"\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"service\":\"AmazonRedshift\"",
					"\"region\":\"us-west-2\"", "dc2?.large", NULL), 1);
	buf_release(&r.out);
}
END_TEST

/*
 * Deep nesting under an unknown key is skipped up to JSON_MAX_DEPTH (256)
 * levels; deeper is refused with the byte offset, so 1 GB of '[' cannot
 * grow yajl's stack without bound.
 */
static void nest_under_unknown(unsigned depth, struct run *r)
{
	size_t head = strlen(normal_doc) - 3; /* before "\n}\n" */
	char *doc = malloc(head + 2 * depth + 64);
	size_t n = head, i;

	memcpy(doc, normal_doc, head);
	n += (size_t)snprintf(doc + n, 64, ", \"x\" : ");
	for (i = 0; i < depth; i++)
		doc[n++] = '[';
	for (i = 0; i < depth; i++)
		doc[n++] = ']';
	memcpy(doc + n, "\n}\n", 4);
	run_str(r, doc, 1000);
	free(doc);
}

START_TEST(nesting_bounded)
{
	struct run r;

	nest_under_unknown(200, &r);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.entries, 3);
	buf_release(&r.out);
	nest_under_unknown(300, &r);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_msg(strstr(r.err.msg, "nested deeper than 256 levels") &&
		      strstr(r.err.msg, "at byte "), "%s", r.err.msg);
	buf_release(&r.out);
}
END_TEST

START_TEST(deep_nesting_under_unknown_keys)
{
	enum { DEPTH = 250 };
	size_t head = strlen(normal_doc) - 3; /* before "\n}\n" */
	char *doc = malloc(head + 2 * DEPTH + 64);
	size_t n = head, i;
	struct run r;

	memcpy(doc, normal_doc, head);
	n += (size_t)snprintf(doc + n, 64, ", \"x\" : ");
	for (i = 0; i < DEPTH; i++)
		doc[n++] = '[';
	for (i = 0; i < DEPTH; i++)
		doc[n++] = ']';
	memcpy(doc + n, "\n}\n", 4);
	run_str(&r, doc, 1000);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_int_eq(r.st.entries, 3);
	ck_assert_int_eq(r.st.unknown_keys, 1);
	buf_release(&r.out);
	free(doc);
}
END_TEST

/* ---------------------------------------------------------------- real files */

static const struct ingest_options opt64k = { 65536, 0, 0, NULL, NULL, NULL, 0, 0, NULL };
static const struct ingest_options opt4k = { 4096, 0, 0, NULL, NULL, NULL, 0, 0, NULL };

static int collect_line(void *user, const struct pb_entry *e, struct cc_err *err)
{
	(void)err;
	return pb_entry_json(e, user) || buf_addch(user, '\n');
}

static enum cc_code real_file(const char *name, struct ingest_stats *st,
			      struct buf *out, struct cc_err *err)
{
	char *path = th_real(name);
	enum cc_code ret;

	memset(st, 0, sizeof(*st));
	buf_init(out, 256 << 20);
	if (!path)
		return CC_ENOTFOUND;
	ret = ingest_file(NULL, path, &opt64k, collect_line, out, st, err);
	free(path);
	return ret;
}

START_TEST(real_capacity_block_does_not_shadow)
{
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct buf out;

	if (real_file("AmazonEC2-us-east-1-p4d-capacityblock-excerpt-20240528.json", &st, &out, &err) == CC_ENOTFOUND)
		return;
	ck_assert_msg(err.code == CC_OK, "%s", err.msg);
	ck_assert_int_eq(st.entries, 2);
	ck_assert_int_eq(th_count_lines(out.buf, "\"marketoption\":\"OnDemand\"", "\"price\":\"32.7726000000\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"marketoption\":\"CapacityBlock\"", "\"price\":\"0.0000000000\"", NULL), 1);
	ck_assert_int_eq(st.unknown_keys, 0); /* attributesList is expected, not unknown */
	buf_release(&out);
}
END_TEST

START_TEST(real_redshift_offer)
{
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct buf out;

	if (real_file("AmazonRedshift-offer-20180309224506.json", &st, &out, &err) == CC_ENOTFOUND)
		return;
	ck_assert_msg(err.code == CC_OK, "%s", err.msg);
	/* counts from SOURCES.md / pricelist-format.md */
	ck_assert_int_eq(st.products, 1189);
	ck_assert_int_eq(st.terms, 1759);
	ck_assert_int_eq(st.dimensions, 2368);
	ck_assert_int_eq(st.entries, 2368);
	ck_assert_int_eq(st.no_family, 2);
	ck_assert_int_eq(st.orphan_terms, 0);
	/* other services inside the offer keep their own service code */
	ck_assert_int_eq(th_count_lines(out.buf, "\"service\":\"AWSDataTransfer\"", "\"sku\":\"HQEH3ZWJVT46JHRG\"", NULL), 5);
	/* reserved upfront fees: no range */
	ck_assert_int_gt(th_count_lines(out.buf, "\"model\":\"Reserved\"", "\"unit\":\"Quantity\"", "\"begin\":null", NULL), 400);
	buf_release(&out);
}
END_TEST

START_TEST(real_bom_and_reserved_only)
{
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct buf out;

	if (real_file("AmazonEC2-dedicated-host-reserved-excerpt-20180921-reserialized.json", &st, &out, &err) == CC_ENOTFOUND)
		return;
	ck_assert_msg(err.code == CC_OK, "%s", err.msg);
	ck_assert_int_eq(st.products, 1);
	ck_assert_int_gt(st.entries, 0);
	ck_assert_int_eq(th_count_lines(out.buf, "\"model\":\"OnDemand\"", NULL), 0);
	buf_release(&out);
}
END_TEST

START_TEST(real_orphan_terms_counted)
{
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct buf out;

	if (real_file("AmazonEC2-us-west-2-excerpt-20180504-reserialized.json", &st, &out, &err) == CC_ENOTFOUND)
		return;
	ck_assert_msg(err.code == CC_OK, "%s", err.msg);
	ck_assert_int_eq(st.products, 7);
	ck_assert_int_gt(st.terms, 100);
	ck_assert_int_eq(st.orphan_terms, st.terms);
	ck_assert_int_eq(st.entries, 0);
	buf_release(&out);
}
END_TEST

START_TEST(real_cny_and_edited_file)
{
	struct ingest_stats st;
	struct cc_err err = { 0 };
	struct buf out;

	if (real_file("AmazonEC2-cn-northwest-1-gp3-excerpt-20230314.json", &st, &out, &err) == CC_ENOTFOUND)
		return;
	ck_assert_int_eq(th_count_lines(out.buf, "\"region\":\"cn-northwest-1\"", "\"currency\":\"CNY\"",
					"\"price\":\"0.5312000000\"", "\"volumeApiName\":\"gp3\"",
					"\"charge\":\"storage\"", NULL), 1);
	buf_release(&out);
	/* upstream edits: an upfront fee under OnDemand, attributesList inside terms */
	ck_assert_int_eq(real_file("AmazonEC2-us-east-2-m5-gp3-nlb-excerpt-20230322-edited.json", &st, &out, &err), CC_OK);
	ck_assert_int_eq(st.misfiled_terms, 1);
	ck_assert_int_eq(st.unknown_term_types, 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"model\":\"Reserved\"", "\"price\":\"1161\"",
					"\"OfferingClass\":\"convertible\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"model\":\"OnDemand\"", "\"instanceType\":\"m5.large\"", NULL), 0);
	buf_release(&out);
}
END_TEST

START_TEST(real_index_files_are_refused)
{
	static const char *const names[] = { "offers-index-aws-20260427.json",
					     "AmazonEC2-region_index-20250523.json",
					     "AWSDatabaseSavingsPlans-region_index-20260422.json" };
	struct ingest_stats st;
	struct buf out;
	size_t i;

	for (i = 0; i < 3; i++) {
		struct cc_err err = { 0 };
		enum cc_code ret = real_file(names[i], &st, &out, &err);

		if (ret == CC_ENOTFOUND)
			return;
		ck_assert_int_eq(ret, CC_EPARSE);
		ck_assert_msg(strstr(err.msg, "not an AWS price-list offer file"), "%s", err.msg);
		buf_release(&out);
	}
}
END_TEST

/* ---------------------------------------------------------------- files */

static char *gzip_file(const char *dir, const char *name, const char *data,
		       size_t len)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	gzFile gz;

	snprintf(p, n, "%s/%s", dir, name);
	gz = gzopen(p, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, data, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	return p;
}

START_TEST(gzip_equals_plain_and_truncated_gzip_fails)
{
	char *dir = th_tmpdir();
	char *plain = th_write(dir, "a.json", normal_doc, strlen(normal_doc));
	char *gz = gzip_file(dir, "a.json.gz", normal_doc, strlen(normal_doc));
	struct ingest_stats st;
	struct buf a, b;
	struct cc_err err = { 0 };
	size_t len;
	char *bytes;
	FILE *f;

	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	ck_assert_int_eq(ingest_file(NULL, plain, &opt4k, collect_line, &a, &st, &err), CC_OK);
	ck_assert_msg(ingest_file(NULL, gz, &opt4k, collect_line, &b, &st, &err) == CC_OK, "%s", err.msg);
	ck_assert_str_eq(a.buf, b.buf);
	/* cut the gzip stream in half */
	bytes = th_read(gz, &len);
	f = fopen(gz, "wb");
	fwrite(bytes, 1, len / 2, f);
	fclose(f);
	buf_reset(&b);
	ck_assert_int_eq(ingest_file(NULL, gz, &opt4k, collect_line, &b, &st, &err), CC_ETRUNC);
	ck_assert_msg(strstr(err.msg, "a.json.gz") && strstr(err.msg, "truncated"), "%s", err.msg);
	/* a missing file */
	cc_err_clear(&err);
	ck_assert_int_eq(ingest_file(NULL, "/nonexistent.json", &opt4k, collect_line, &b, &st, &err), CC_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open offer file '/nonexistent.json'"));
	unlink(plain);
	unlink(gz);
	rmdir(dir);
	free(bytes);
	free(plain);
	free(gz);
	free(dir);
	buf_release(&a);
	buf_release(&b);
}
END_TEST

/* The same DataTransfer SKU in two offers is one pricebook entry. */
START_TEST(repeated_sku_across_offers_deduplicated)
{
	static const char other[] = HEAD("AmazonRedshift") PRODUCTS ",\n"
		"  \"terms\" : { \"OnDemand\" : { " OD_TERM("AAAABBBBCCCCDDDD", "\"0.1664000000\"") " } }\n}\n";
	char *dir = th_tmpdir();
	char *a = th_write(dir, "ec2.json", normal_doc, strlen(normal_doc));
	char *b = th_write(dir, "redshift.json", other, strlen(other));
	const char *files[2] = { a, b };
	char pb[4096];
	struct buf out;
	struct cc_err err = { 0 };

	snprintf(pb, sizeof(pb), "%s/pb.cpb", dir);
	buf_init(&out, 1 << 20);
	ck_assert_msg(th_pricebook(files, 2, pb, 1 << 20, &out, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(th_count_lines(out.buf, "\"sku\":\"AAAABBBBCCCCDDDD\"", "\"model\":\"OnDemand\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"sku\"", NULL), 3);
	unlink(a);
	unlink(b);
	unlink(pb);
	rmdir(dir);
	free(a);
	free(b);
	free(dir);
	buf_release(&out);
}
END_TEST

/* The project's own fixtures: every file ingests, prices as published. */
START_TEST(bundled_fixtures)
{
	static const char *const rel[] = {
		"offers/AmazonEC2/us-east-1/index.json", "offers/AmazonEC2/us-east-2/index.json",
		"offers/AmazonRDS/us-east-1/index.json", "offers/AmazonS3/us-east-1/index.json",
		"offers/AWSDataTransfer/us-east-1/index.json", "offers/AWSELB/us-east-1/index.json",
		"offers/AmazonCloudFront/global/index.json", "offers/awskms/us-east-1/index.json",
		"offers/AWSSecretsManager/us-east-1/index.json", "offers/awswaf/us-east-1/index.json",
		"offers/AmazonGuardDuty/us-east-1/index.json", "offers/AWSCloudTrail/us-east-1/index.json",
		"offers/AWSConfig/us-east-1/index.json", "offers/AWSShield/us-east-1/index.json",
	};
	enum { N = sizeof(rel) / sizeof(rel[0]) };
	char *paths[N], *dir = th_tmpdir(), pb[4096];
	struct buf out;
	struct cc_err err = { 0 };
	const char *s3;
	size_t i;

	for (i = 0; i < N; i++)
		paths[i] = th_fixture(rel[i]);
	snprintf(pb, sizeof(pb), "%s/pb.cpb", dir);
	buf_init(&out, 64 << 20);
	ck_assert_msg(th_pricebook((const char *const *)paths, N, pb, 32 << 20, &out, &err) == CC_OK,
		      "%s", err.msg);
	/* every price of the fixtures (the strict price checks must not drop a real one) */
	ck_assert_int_eq(th_count_lines(out.buf, "\"service\"", NULL), 174);
	/* request tiers pass what a struct dec holds: 500 million to 2.5 billion events */
	ck_assert_int_eq(th_count_lines(out.buf, "\"service\":\"AmazonGuardDuty\"", "\"begin\":\"500000000\"",
					"\"end\":\"2500000000\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"region\":\"us-east-1\"", "\"instanceType\":\"t3.xlarge\"",
					"\"operatingSystem\":\"Linux\"", "\"price\":\"0.1664000000\"", NULL), 1);
	ck_assert_int_eq(th_count_lines(out.buf, "\"region\":\"us-east-2\"", "\"sku\":\"8D49XP354UEYTHGM\"",
					"\"model\":\"OnDemand\"", "\"price\":\"0.0960000000\"", NULL), 1);
	/* 7 Reserved terms: No Upfront has one dimension, Partial and All
	 * Upfront two (fee + hourly): 1+2+2 (1yr) + 1+2+2 (3yr) + 2 (convertible) */
	ck_assert_int_eq(th_count_lines(out.buf, "\"instanceType\":\"m5.large\"", "\"model\":\"Reserved\"",
					"\"region\":\"us-east-1\"", NULL), 12);
	ck_assert_int_eq(th_count_lines(out.buf, "\"service\":\"AmazonCloudFront\"", "\"region\":\"global\"", NULL), 16);
	/* S3 tiers were written 512000, 51200, 0: they come out in numeric order */
	s3 = strstr(out.buf, "\"volumeType\":\"Standard\"}");
	ck_assert_ptr_nonnull(s3);
	ck_assert_ptr_nonnull(strstr(s3, "\"begin\":\"0\""));
	ck_assert(strstr(s3, "\"begin\":\"0\"") < strstr(s3, "\"begin\":\"51200\""));
	ck_assert(strstr(s3, "\"begin\":\"51200\"") < strstr(s3, "\"begin\":\"512000\""));
	for (i = 0; i < N; i++)
		free(paths[i]);
	unlink(pb);
	rmdir(dir);
	free(dir);
	buf_release(&out);
}
END_TEST

/* ------------------------------------------------------------ the Savings Plans CSV */

/* The real file's layout, written by the team: five metadata rows, the header, rows. */
#define SP_HEAD                                                                                             \
	"FormatVersion,v1.0\n"                                                                                  \
	"Disclaimer,This pricing list is for informational purposes only.\n"                                      \
	"Publication Date,2026-04-22T19:42:03Z\n"                                                               \
	"Version,20260422194203\n"                                                                              \
	"OfferCode,AmazonDatabaseSavingsPlans\n"                                                                \
	"SKU,RateCode,Unit,EffectiveDate,DiscountedRate,Currency,DiscountedSKU,DiscountedServiceCode,"            \
	"DiscountedUsageType,DiscountedOperation,PurchaseOption,LeaseContractLength,LeaseContractLengthUnit,"     \
	"ServiceCode,UsageType,Operation,Description,Instance Family,Location,Location Type,Granularity,"         \
	"Product Family,DiscountedRegionCode,DiscountedInstanceType\n"
#define SP_ROW(dsku, rate)                                                                                  \
	"DZCHH8H3SPVYZ2Z4,DZCHH8H3SPVYZ2Z4." dsku ",Hrs,2026-04-20T21:53:43Z," rate ",USD," dsku               \
	",AmazonRDS,APS5-InstanceUsage:db.r7i.2xl,CreateDBInstance:0019,No Upfront,1,year,DatabaseSavingsPlans,"  \
	"DatabaseSP:1yrNoUpfront,,1 year No Upfront Database Savings Plan,,Any,AWS Region,hourly,"                 \
	"DatabaseSavingsPlans,ap-south-2,db.r7i.2xlarge\n"

START_TEST(sp_csv_rows_become_entries)
{
	/* 0.912 and 10.9760000000: each rate kept exactly as written (1 to 10 decimals, as AWS writes them) */
	const char doc[] = SP_HEAD SP_ROW("EPUNRCCRGR62TNF3", "0.912") SP_ROW("245EPUU8S7HP5WUD", "10.9760000000");
	struct run a, b;

	run_str(&a, doc, 0);
	ck_assert_msg(a.ret == CC_OK, "%s", a.err.msg);
	ck_assert_str_eq(a.st.offer_code, "AmazonDatabaseSavingsPlans");
	ck_assert_str_eq(a.st.version, "20260422194203");
	ck_assert_str_eq(a.st.published, "2026-04-22T19:42:03Z");
	ck_assert_uint_eq(a.st.entries, 2);
	ck_assert_int_eq(th_count_lines(a.out.buf, "\"service\":\"AmazonRDS\"", "\"region\":\"ap-south-2\"",
					"\"family\":\"DatabaseSavingsPlans\"",
					"\"key\":{\"discountedSku\":\"EPUNRCCRGR62TNF3\",\"instanceType\":\"db.r7i.2xlarge\","
					"\"operation\":\"CreateDBInstance:0019\",\"usagetype\":\"APS5-InstanceUsage:db.r7i.2xl\"}",
					"\"model\":\"SavingsPlan\"", "\"term\":{\"LeaseContractLength\":\"1yr\",\"PurchaseOption\":\"No Upfront\"}",
					"\"price\":\"0.912\"", "\"rateCode\":\"DZCHH8H3SPVYZ2Z4.EPUNRCCRGR62TNF3\"", NULL),
			 1);
	ck_assert_int_eq(th_count_lines(a.out.buf, "\"price\":\"10.9760000000\"", NULL), 1);
	/* a byte at a time: the same entries */
	run_str(&b, doc, 1);
	ck_assert_int_eq(b.ret, CC_OK);
	ck_assert_str_eq(a.out.buf, b.out.buf);
	buf_release(&a.out);
	buf_release(&b.out);
}
END_TEST

START_TEST(sp_csv_quoted_crlf_and_bad_rows)
{
	/* the quoted variant with CRLF, a comma and a doubled quote inside a field; a bad rate and a
	 * row with no DiscountedSKU are counted, never entries */
	const char doc[] =
		"\"FormatVersion\",\"v1.0\"\r\n\"OfferCode\",\"AmazonDatabaseSavingsPlans\"\r\n\"Version\",\"1\"\r\n"
		"\"SKU\",\"RateCode\",\"Unit\",\"DiscountedRate\",\"Currency\",\"DiscountedSKU\",\"DiscountedServiceCode\","
		"\"PurchaseOption\",\"LeaseContractLength\",\"DiscountedRegionCode\",\"Description\"\r\n"
		"\"S1\",\"S1.D1\",\"Hrs\",\"0.5\",\"USD\",\"D1\",\"AmazonRDS\",\"All Upfront\",\"3\",\"us-east-1\","
		"\"a \"\"plan\"\", 3 years\"\r\n"
		"\"S1\",\"S1.D2\",\"Hrs\",\"-1\",\"USD\",\"D2\",\"AmazonRDS\",\"All Upfront\",\"3\",\"us-east-1\",\"x\"\r\n"
		"\"S1\",\"S1.D3\",\"Hrs\",\"0.5\",\"USD\",\"\",\"AmazonRDS\",\"All Upfront\",\"3\",\"us-east-1\",\"x\"\r\n";
	struct run r;

	run_str(&r, doc, 7);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_uint_eq(r.st.entries, 1);
	ck_assert_uint_eq(r.st.bad_prices, 1);
	ck_assert_uint_eq(r.st.unsupported_shapes, 1);
	ck_assert_str_eq(r.st.first_bad, "rate '-1' of S1.D2 (line 6)");
	ck_assert_str_eq(r.st.first_shape, "no DiscountedSKU (line 7)");
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"description\":\"a \\\"plan\\\", 3 years\"",
					"\"LeaseContractLength\":\"3yr\",\"PurchaseOption\":\"All Upfront\"", NULL), 1);
	buf_release(&r.out);
}
END_TEST

/* A Savings Plans file in its JSON shape (products and terms.savingsPlan are arrays; the lease a number). */
#define SPJ_PRODUCT(sku, option, term)                                                                \
	"{ \"sku\" : \"" sku "\", \"productFamily\" : \"ComputeSavingsPlans\", \"serviceCode\" : "       \
	"\"ComputeSavingsPlans\", \"usageType\" : \"ComputeSP:3yrNoUpfront\", \"operation\" : \"\", "     \
	"\"attributes\" : { \"purchaseOption\" : \"" option "\", \"granularity\" : \"hourly\", "          \
	"\"purchaseTerm\" : \"" term "\", \"locationType\" : \"AWS Region\", \"location\" : \"Any\" } }"
#define SPJ_RATE(plan, dsku, price)                                                                     \
	"{ \"discountedSku\" : \"" dsku "\", \"discountedUsageType\" : \"BoxUsage:m5.large\", "            \
	"\"discountedOperation\" : \"RunInstances\", \"discountedServiceCode\" : \"AmazonEC2\", "         \
	"\"rateCode\" : \"" plan "." dsku "\", \"unit\" : \"Hrs\", \"discountedRate\" : { \"price\" : " \
	price ", \"currency\" : \"USD\" } }"
#define SPJ_HEAD "{\n  \"version\" : \"20261115143012\",\n  \"publicationDate\" : \"2026-11-15T14:30:12Z\",\n" \
		 "  \"regionCode\" : \"us-east-1\",\n"
#define SPJ_PRODUCTS "  \"products\" : [ " SPJ_PRODUCT("CSP3NTEAMMADE000", "No Upfront", "3yr") " ]"
/* the rates before the lease: a term is complete only at its end */
#define SPJ_TERMS                                                                                      \
	"  \"terms\" : { \"savingsPlan\" : [ { \"sku\" : \"CSP3NTEAMMADE000\", \"description\" : \"3 year " \
	"No Upfront Compute Savings Plan\", \"effectiveDate\" : \"2026-11-01T00:00:00Z\", \"rates\" : [ "   \
	SPJ_RATE("CSP3NTEAMMADE000", "47N8ADC7ENJ6SBYG", "\"0.0480\"") ", "                                \
	SPJ_RATE("CSP3NTEAMMADE000", "T5HN9UU3266V3NFS", "\"0.0960000000\"") " ], "                       \
	"\"leaseContractLength\" : { \"duration\" : 3, \"unit\" : \"year\" } } ] }"

START_TEST(sp_json_rates_become_entries)
{
	const char doc[] = SPJ_HEAD SPJ_PRODUCTS ",\n" SPJ_TERMS "\n}\n";
	const char terms_first[] = SPJ_HEAD SPJ_TERMS ",\n" SPJ_PRODUCTS "\n}\n";
	struct run a, b;

	run_str(&a, doc, 0);
	ck_assert_msg(a.ret == CC_OK, "%s", a.err.msg);
	/* no offerCode in the file: the plans' serviceCode names it */
	ck_assert_str_eq(a.st.offer_code, "ComputeSavingsPlans");
	ck_assert_str_eq(a.st.version, "20261115143012");
	ck_assert_uint_eq(a.st.products, 1);
	ck_assert_uint_eq(a.st.entries, 2);
	ck_assert_uint_eq(a.st.plan_rates, 2);
	ck_assert_uint_eq(a.st.unsupported_shapes, 0);
	ck_assert_int_eq(th_count_lines(a.out.buf, "\"service\":\"AmazonEC2\"", "\"region\":\"us-east-1\"",
					"\"family\":\"ComputeSavingsPlans\"",
					"\"key\":{\"discountedSku\":\"47N8ADC7ENJ6SBYG\",\"operation\":\"RunInstances\","
					"\"usagetype\":\"BoxUsage:m5.large\"}",
					"\"model\":\"SavingsPlan\"", "\"term\":{\"LeaseContractLength\":\"3yr\",\"PurchaseOption\":\"No Upfront\"}",
					"\"price\":\"0.0480\"", "\"sku\":\"CSP3NTEAMMADE000\"",
					"\"rateCode\":\"CSP3NTEAMMADE000.47N8ADC7ENJ6SBYG\"",
					"\"attrs\":{\"description\":\"3 year No Upfront Compute Savings Plan\",\"location\":\"Any\","
					"\"usagetype\":\"ComputeSP:3yrNoUpfront\"}", NULL),
			 1);
	ck_assert_int_eq(th_count_lines(a.out.buf, "\"price\":\"0.0960000000\"", NULL), 1);
	/* a byte at a time, and the terms before the products (spooled): the same entries */
	run_str(&b, doc, 1);
	ck_assert_int_eq(b.ret, CC_OK);
	ck_assert_str_eq(a.out.buf, b.out.buf);
	buf_release(&b.out);
	run_str(&b, terms_first, 3);
	ck_assert_msg(b.ret == CC_OK, "%s", b.err.msg);
	ck_assert_int_eq(b.st.spooled, 1);
	ck_assert_str_eq(a.out.buf, b.out.buf);
	buf_release(&a.out);
	buf_release(&b.out);
}
END_TEST

START_TEST(sp_json_odd_terms_counted)
{
	/* a term with no lease takes its plan's purchaseTerm; a plan with no purchase option, a rate
	 * with no currency, a price that is an object and a term of no plan are counted, never entries */
	const char doc[] =
		SPJ_HEAD "  \"products\" : [ " SPJ_PRODUCT("PLANA", "All Upfront", "1yr") ", "
		"{ \"sku\" : \"PLANB\", \"productFamily\" : \"EC2InstanceSavingsPlans\", \"attributes\" : { } } ],\n"
		"  \"terms\" : { \"savingsPlan\" : [ "
		"{ \"sku\" : \"PLANA\", \"rates\" : [ " SPJ_RATE("PLANA", "D1", "\"0.1\"") ", "
		"{ \"discountedSku\" : \"D2\", \"discountedServiceCode\" : \"AmazonEC2\", \"rateCode\" : \"PLANA.D2\", "
		"\"discountedRate\" : { \"price\" : \"0.2\" } }, " SPJ_RATE("PLANA", "D3", "{ \"x\" : 1 }") " ] }, "
		"{ \"sku\" : \"PLANB\", \"leaseContractLength\" : { \"duration\" : 1, \"unit\" : \"year\" }, \"rates\" : [ "
		SPJ_RATE("PLANB", "D1", "\"0.1\"") " ] }, "
		"{ \"sku\" : \"NOPLAN\", \"rates\" : [ ] } ] }\n}\n";
	struct run r;

	run_str(&r, doc, 5);
	ck_assert_msg(r.ret == CC_OK, "%s", r.err.msg);
	ck_assert_uint_eq(r.st.entries, 1);
	ck_assert_int_eq(th_count_lines(r.out.buf, "\"sku\":\"PLANA\"",
					"\"term\":{\"LeaseContractLength\":\"1yr\",\"PurchaseOption\":\"All Upfront\"}", NULL),
			 1);
	ck_assert_uint_eq(r.st.orphan_terms, 1);
	ck_assert_str_eq(r.st.first_orphan, "NOPLAN");
	ck_assert_uint_eq(r.st.bad_prices, 1);
	/* the object price is also a shape (as in an offer file), named first: it came first */
	ck_assert_uint_eq(r.st.unsupported_shapes, 3);
	ck_assert_str_eq(r.st.first_shape, "object where a string was expected");
	buf_release(&r.out);
}
END_TEST

START_TEST(sp_csv_refused)
{
	struct run r;

	/* a price-list CSV that is not a Savings Plans one (an offer's CSV twin); its header, line 3,
	 * starts at byte 19 + 21 = 40 ("FormatVersion,v1.0\n", "OfferCode,comprehend\n") */
	run_str(&r, "FormatVersion,v1.0\nOfferCode,comprehend\nSKU,OfferTermCode,RateCode,PricePerUnit\nA,B,C,1\n", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_str_eq(r.err.msg, "'test.json' line 3 (byte 40): a CSV price list without a DiscountedRate column: "
				    "only the Savings Plans CSV is read (ingest the offer's JSON)");
	buf_release(&r.out);
	/* cut inside a quoted field */
	run_str(&r, SP_HEAD "\"DZCH", 0);
	ck_assert_int_eq(r.ret, CC_ETRUNC);
	ck_assert_msg(strstr(r.err.msg, "line 7") && strstr(r.err.msg, "the file ends inside a quoted field"), "%s",
		      r.err.msg);
	buf_release(&r.out);
	/* no header at all */
	run_str(&r, "FormatVersion,v1.0\nOfferCode,x\n", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_str_eq(r.err.msg, "'test.json' is a CSV with no header row (SKU,RateCode,...)");
	buf_release(&r.out);
	/* text after a closing quote (line 2 starts at byte 19) */
	run_str(&r, "FormatVersion,v1.0\n\"OfferCode\"x,y\n", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_str_eq(r.err.msg, "'test.json' line 2 (byte 19): text after a closing quote");
	buf_release(&r.out);
	/* a quoted last field with no newline after it is whole */
	run_str(&r, SP_HEAD SP_ROW("EPUNRCCRGR62TNF3", "0.912") "\"DZCHH8H3SPVYZ2Z4\"", 0);
	ck_assert_int_eq(r.ret, CC_OK);
	ck_assert_uint_eq(r.st.unsupported_shapes, 1); /* a row of one field: no rate */
	buf_release(&r.out);
	/* a quote in the middle of an unquoted field */
	run_str(&r, "FormatVersion,v\"1\n", 0);
	ck_assert_int_eq(r.ret, CC_EPARSE);
	ck_assert_msg(strstr(r.err.msg, "a quote inside an unquoted field"), "%s", r.err.msg);
	buf_release(&r.out);
}
END_TEST

START_TEST(real_savings_plans_csv)
{
	struct ingest_stats st;
	struct buf out;
	struct cc_err err = { 0 };

	ck_assert_msg(real_file("AWSDatabaseSavingsPlans-ap-south-2-20260422194203.csv", &st, &out, &err) == CC_OK, "%s",
		      err.msg);
	/* 455 rows under the header, every one a rate (awk -F, 'NR > 6 && $5 != ""' counts 455) */
	ck_assert_uint_eq(st.entries, 455);
	ck_assert_uint_eq(st.bad_prices, 0);
	ck_assert_str_eq(st.offer_code, "AmazonDatabaseSavingsPlans");
	/* line 8 of the file: RDS Multi-AZ db.r7i.2xlarge, 1 year No Upfront, 1.824 an hour */
	ck_assert_int_eq(th_count_lines(out.buf, "\"service\":\"AmazonRDS\"", "\"discountedSku\":\"25B2RB2TJW9VCXZ6\"",
					"\"price\":\"1.824\"", "\"PurchaseOption\":\"No Upfront\"", NULL),
			 1);
	/* DMS rates are in it too, under their own service */
	ck_assert_int_gt(th_count_lines(out.buf, "\"service\":\"AWSDatabaseMigrationSvc\"", NULL), 0);
	buf_release(&out);
}
END_TEST

static int count_entries(void *user, const struct pb_entry *e, struct cc_err *err)
{
	(void)e;
	(void)err;
	(*(size_t *)user)++;
	return 0;
}

/* A document of `n` products with their on-demand terms (SKUs P0000000000000000 ...). */
static char *many_products(size_t n, size_t *len)
{
	struct buf b;
	size_t i;

	buf_init(&b, (size_t)1 << 30);
	buf_addstr(&b, HEAD("AmazonEC2") "  \"products\" : {\n");
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s    \"P%016zu\" : { \"sku\" : \"P%016zu\", \"productFamily\" : \"Compute Instance\", "
			 "\"attributes\" : { \"servicecode\" : \"AmazonEC2\", \"regionCode\" : \"us-east-1\", "
			 "\"instanceType\" : \"m5.%zuxlarge\", \"operatingSystem\" : \"Linux\", \"tenancy\" : \"Shared\" } }",
			 i ? ",\n" : "", i, i, i);
	buf_addstr(&b, "\n  },\n  \"terms\" : { \"OnDemand\" : {\n");
	for (i = 0; i < n; i++) {
		char sku[32];

		snprintf(sku, sizeof(sku), "P%016zu", i);
		buf_addf(&b, "%s\"%s\" : { \"%s.JRTCKXETXF\" : { \"offerTermCode\" : \"JRTCKXETXF\", \"sku\" : \"%s\", "
			 "\"effectiveDate\" : \"2026-11-01T00:00:00Z\", \"priceDimensions\" : { \"%s.JRTCKXETXF.6YS6EN2CT7\" : { "
			 "\"rateCode\" : \"%s.JRTCKXETXF.6YS6EN2CT7\", \"description\" : \"per hour\", \"beginRange\" : \"0\", "
			 "\"endRange\" : \"Inf\", \"unit\" : \"Hrs\", \"pricePerUnit\" : { \"USD\" : \"0.1920000000\" }, "
			 "\"appliesTo\" : [ ] } }, \"termAttributes\" : { } } }",
			 i ? ",\n" : "", sku, sku, sku, sku, sku);
	}
	buf_addstr(&b, "\n  } }\n}\n");
	return buf_detach(&b, len);
}

/* The error a whole buffer fed at once gets (the reference for the mapped windows). */
static enum cc_code fed_whole(const char *name, const char *doc, size_t len, struct cc_err *err)
{
	struct ingest *in = NULL;
	struct ingest_stats st;
	size_t n = 0;
	enum cc_code ret;

	ck_assert_int_eq(ingest_new(&in, NULL, name, NULL, count_entries, &n, err), CC_OK);
	ret = ingest_feed(in, doc, len, err);
	if (!ret)
		ret = ingest_finish(in, &st, err);
	ingest_free(in);
	return ret;
}

/*
 * A file past several 4 MiB windows of the mapping: every entry, and an
 * error past the second window names the same byte as when the document
 * is fed whole (a parse error: yajl's offset; a handler's: the tape's).
 */
START_TEST(mapped_windows_keep_offsets)
{
	size_t len, n = 0, at;
	char *doc = many_products(20000, &len), *dir = th_tmpdir(), *path;
	struct ingest_stats st;
	struct cc_err err = { 0 }, ref = { 0 };
	/* the quote that opens a string made not JSON; the string made not UTF-8 */
	const char *bad[] = { "#", "\"\xc3\x28" };
	int k;

	ck_assert(len > ((size_t)9 << 20));
	path = th_write(dir, "big.json", doc, len);
	ck_assert_int_eq(ingest_file(NULL, path, NULL, count_entries, &n, &st, &err), CC_OK);
	ck_assert_uint_eq(n, 20000);
	ck_assert_uint_eq(st.products, 20000);
	ck_assert_uint_eq(st.bytes, len);
	for (k = 0; k < 2; k++) {
		/* inside the description of a term past 9 MiB */
		at = (size_t)(strstr(doc + ((size_t)9 << 20), "\"per hour\"") - doc);
		memcpy(doc + at, bad[k], strlen(bad[k]));
		unlink(path);
		free(path);
		path = th_write(dir, "big.json", doc, len);
		memset(&err, 0, sizeof(err));
		memset(&ref, 0, sizeof(ref));
		n = 0;
		ck_assert_int_eq(ingest_file(NULL, path, NULL, count_entries, &n, &st, &err), CC_EPARSE);
		ck_assert_int_eq(fed_whole(path, doc, len, &ref), CC_EPARSE);
		ck_assert_str_eq(err.msg, ref.msg);
		ck_assert_msg(strstr(err.msg, "at byte 9") || strstr(err.msg, "at byte 1"), "%s", err.msg);
		memcpy(doc + at, "\"per", 4);
	}
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	free(doc);
}
END_TEST

Suite *suite_ingest(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("traps");
	TCase *real;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, normal_order);
	tcase_add_test(tc, terms_before_products_spooled);
	tcase_add_test(tc, chunk_boundaries_do_not_matter);
	tcase_add_test(tc, unknown_term_types_skipped);
	tcase_add_test(tc, empty_ondemand_and_orphans);
	tcase_add_test(tc, bom_is_skipped_even_when_split);
	tcase_add_test(tc, truncated_names_the_offset);
	tcase_add_test(tc, malformed_names_the_offset);
	tcase_add_test(tc, not_an_offer_file);
	tcase_add_test(tc, bad_prices_and_ranges_skipped_not_fatal);
	tcase_add_test(tc, hostile_prices_counted_and_named);
	tcase_add_test(tc, long_field_names_file_and_offset);
	tcase_add_test(tc, family_service_region_edge_cases);
	tcase_add_test(tc, deep_nesting_under_unknown_keys);
	tcase_add_test(tc, nesting_bounded);
	tcase_add_test(tc, gzip_equals_plain_and_truncated_gzip_fails);
	tcase_add_test(tc, repeated_sku_across_offers_deduplicated);
	tcase_add_test(tc, bundled_fixtures);
	tcase_add_test(tc, sp_csv_rows_become_entries);
	tcase_add_test(tc, sp_csv_quoted_crlf_and_bad_rows);
	tcase_add_test(tc, sp_csv_refused);
	tcase_add_test(tc, sp_json_rates_become_entries);
	tcase_add_test(tc, sp_json_odd_terms_counted);
	tcase_add_test(tc, mapped_windows_keep_offsets);
	suite_add_tcase(s, tc);
	/* without ../shared the real-file tests are not run, and not counted */
	if (!th_have_real()) {
		fprintf(stderr, "SKIP: 7 real-file ingest tests: %s is absent (a clone without ../shared)\n",
			th_real_dir());
		return s;
	}
	real = tcase_create("real files");
	tcase_set_timeout(real, 120);
	tcase_add_test(real, real_capacity_block_does_not_shadow);
	tcase_add_test(real, real_redshift_offer);
	tcase_add_test(real, real_bom_and_reserved_only);
	tcase_add_test(real, real_orphan_terms_counted);
	tcase_add_test(real, real_cny_and_edited_file);
	tcase_add_test(real, real_index_files_are_refused);
	tcase_add_test(real, real_savings_plans_csv);
	suite_add_tcase(s, real);
	return s;
}
