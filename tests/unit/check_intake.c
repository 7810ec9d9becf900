/*
 * The requirements workbook: sheetread over hand-built workbooks (each
 * part written here, in the layout Excel, LibreOffice or openpyxl use, or
 * a deliberately odd one) and CSV; the intake's checks over CSV text
 * against the bundled fixture pricebook. Producers other than costctl
 * (openpyxl, LibreOffice) are exercised in tests/cli/intake-*.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "helpers.h"
#include "pipeline/calc/calc.h"
#include "pipeline/intake/intake.h"
#include "pipeline/intake/sheetread.h"
#include "pipeline/prices/ingest.h"
#include "pipeline/prices/pb.h"
#include "pipeline/store/store.h"

static char *dir;

static void setup(void)
{
	dir = th_tmpdir();
}

static void teardown(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

/* A zip of the NULL-terminated name, text pairs; caller frees. */
static char *zip_of(const char *const *parts, size_t *len)
{
	char path[4200];
	zip_t *z;
	int e;
	char *data;

	snprintf(path, sizeof(path), "%s/t.zip", dir);
	unlink(path);
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &e);
	ck_assert_ptr_nonnull(z);
	for (; parts[0]; parts += 2) {
		zip_source_t *s = zip_source_buffer(z, parts[1], strlen(parts[1]), 0);

		ck_assert_ptr_nonnull(s);
		ck_assert_int_ge(zip_file_add(z, parts[0], s, ZIP_FL_ENC_UTF_8), 0);
	}
	ck_assert_int_eq(zip_close(z), 0);
	data = th_read(path, len);
	ck_assert_ptr_nonnull(data);
	return data;
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	   "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELS "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
#define T_DOC "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
#define T_WS "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
#define T_SST "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
#define T_STY "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"

/* A one-sheet workbook in the usual layout around `sheet` (a <sheetData> body). */
static char *book1(const char *sheet_data, const char *sst, size_t *len)
{
	size_t n = strlen(sheet_data) + 200;
	char *ws = malloc(n), *zip;
	const char *parts[] = {
		"_rels/.rels", RELS "<Relationship Id=\"rId1\" Type=\"" T_DOC "\" Target=\"xl/workbook.xml\"/></Relationships>",
		"xl/workbook.xml", "<workbook " NS "><sheets><sheet name=\"Compute\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
		"xl/_rels/workbook.xml.rels", RELS "<Relationship Id=\"rId1\" Type=\"" T_WS "\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"" T_SST "\" Target=\"sharedStrings.xml\"/></Relationships>",
		"xl/worksheets/sheet1.xml", ws,
		"xl/sharedStrings.xml", sst ? sst : "<sst " NS "/>",
		NULL, NULL,
	};

	ck_assert_ptr_nonnull(ws);
	snprintf(ws, n, "<worksheet " NS "><sheetData>%s</sheetData></worksheet>", sheet_data);
	parts[7] = ws;
	zip = zip_of(parts, len);
	free(ws);
	return zip;
}

static enum cc_code read_it(const void *data, size_t len, struct sheet_book *b, struct cc_err *err)
{
	struct sheet_limits l;

	sheet_limits_default(&l);
	sheet_book_init(b);
	memset(err, 0, sizeof(*err));
	return sheet_read(data, len, "t.xlsx", &l, b, err);
}

START_TEST(csv_quotes_and_lines)
{
	/* a BOM, a quoted comma, doubled quotes, a newline inside quotes, CRLF, empty fields */
	const char csv[] = "\xEF\xBB\xBFServerName,Notes\r\n\"web, front\",\"say \"\"hi\"\"\nthere\"\r\n,x\n";
	struct sheet_limits l;
	struct sheet_book b;
	struct cc_err err = { 0 };
	const struct sheet_cell *c;

	sheet_limits_default(&l);
	sheet_book_init(&b);
	ck_assert_int_eq(sheet_read(csv, sizeof(csv) - 1, "r.csv", &l, &b, &err), CC_OK);
	ck_assert_uint_eq(b.n, 1);
	ck_assert(b.csv);
	ck_assert_uint_eq(b.sheets[0].ncells, 5);
	c = b.sheets[0].cells;
	ck_assert_str_eq(c[0].text, "ServerName");
	ck_assert_uint_eq(c[2].row, 2);
	ck_assert_str_eq(c[2].text, "web, front");
	ck_assert_str_eq(c[3].text, "say \"hi\"\nthere");
	/* record 3 (line 4): the empty first field is no cell; x is B3 */
	ck_assert_uint_eq(c[4].row, 3);
	ck_assert_uint_eq(c[4].col, 2);
	ck_assert_str_eq(c[4].text, "x");
	sheet_book_release(&b);
}
END_TEST

START_TEST(csv_unterminated_quote)
{
	const char csv[] = "ServerName,Notes\nweb,\"never closed\nmore\n";
	struct sheet_limits l;
	struct sheet_book b;
	struct cc_err err = { 0 };

	sheet_limits_default(&l);
	sheet_book_init(&b);
	ck_assert_int_eq(sheet_read(csv, sizeof(csv) - 1, "r.csv", &l, &b, &err), CC_EPARSE);
	/* the quote opens at byte 21 ("ServerName,Notes\n" is 17, "web," 4), on line 2 */
	ck_assert_str_eq(err.msg, "r.csv: line 2: a quoted field opened at byte 21 is never closed");
	sheet_book_release(&b);
}
END_TEST

START_TEST(csv_not_utf8)
{
	const char csv[] = "ServerName\nCaf\xE9\n";
	struct sheet_limits l;
	struct sheet_book b;
	struct cc_err err = { 0 };

	sheet_limits_default(&l);
	sheet_book_init(&b);
	ck_assert_int_eq(sheet_read(csv, sizeof(csv) - 1, "r.csv", &l, &b, &err), CC_EPARSE);
	ck_assert_str_eq(err.msg, "r.csv: byte 14 is not UTF-8 (save the CSV as UTF-8)");
	sheet_book_release(&b);
}
END_TEST

START_TEST(xlsx_cell_types)
{
	/* shared strings: a plain one, a rich one in runs, one with a phonetic run that is not text */
	const char *sst = "<sst " NS " count=\"3\" uniqueCount=\"3\"><si><t>ServerName</t></si>"
			  "<si><r><t>Web </t></r><r><rPr><b/></rPr><t>Server</t></r></si>"
			  "<si><t>Tokyo</t><rPh sb=\"0\" eb=\"1\"><t>TOKYO-KANA</t></rPh></si></sst>";
	const char *data = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>2</v></c></row>"
			   "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c>"
			   "<c r=\"B2\" t=\"inlineStr\"><is><t>inline</t></is></c>"
			   "<c r=\"C2\"><v>16.5</v></c><c r=\"D2\" t=\"b\"><v>1</v></c>"
			   "<c r=\"E2\" t=\"e\"><v>#N/A</v></c>"
			   "<c r=\"F2\" t=\"str\"><f>A2&amp;\"x\"</f><v>Web Serverx</v></c>"
			   "<c r=\"G2\"><f>C2*2</f><v>33</v></c><c r=\"H2\"><f>C2*3</f></c>"
			   "<c r=\"I2\" s=\"1\"/></row>"
			   "<row r=\"9\" hidden=\"1\"><c r=\"AA9\"><v>7</v></c></row>";
	size_t len;
	char *zip = book1(data, sst, &len);
	struct sheet_book b;
	struct cc_err err;
	const struct sheet_cell *c;

	ck_assert_msg(read_it(zip, len, &b, &err) == CC_OK, "%s", err.msg);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(b.sheets[0].name, "Compute");
	/* the styled empty I2 is no cell: 2 + 8 + 1 */
	ck_assert_uint_eq(b.sheets[0].ncells, 11);
	c = b.sheets[0].cells;
	ck_assert_str_eq(c[1].text, "Tokyo"); /* the phonetic run left out */
	ck_assert_str_eq(c[2].text, "Web Server");
	ck_assert_int_eq(c[3].type, SHEET_STR);
	ck_assert_str_eq(c[3].text, "inline");
	ck_assert_int_eq(c[4].type, SHEET_NUM);
	ck_assert_str_eq(c[4].text, "16.5");
	ck_assert_int_eq(c[5].type, SHEET_BOOL);
	ck_assert_int_eq(c[6].type, SHEET_ERROR);
	ck_assert_str_eq(c[6].text, "#N/A");
	ck_assert_int_eq(c[7].type, SHEET_STR);
	ck_assert_str_eq(c[7].text, "Web Serverx");
	ck_assert_int_eq(c[8].type, SHEET_NUM); /* a formula: its cached value */
	ck_assert_str_eq(c[8].text, "33");
	ck_assert_int_eq(c[9].type, SHEET_NOVALUE);
	ck_assert_str_eq(c[9].text, "C2*3");
	ck_assert_uint_eq(c[10].row, 9);
	ck_assert_uint_eq(c[10].col, 27); /* AA */
	ck_assert(c[10].row_hidden);
	ck_assert(!c[9].row_hidden);
	sheet_book_release(&b);
	free(zip);
}
END_TEST

START_TEST(xlsx_dates_and_odd_layout)
{
	/*
	 * The workbook where _rels/.rels says (not xl/), targets absolute and
	 * relative with "..", a custom date format and built-in 14, the 1904
	 * system, and a hidden sheet.
	 */
	const char *parts[] = {
		"_rels/.rels", RELS "<Relationship Id=\"a\" Type=\"" T_DOC "\" Target=\"/wb/book.xml\"/></Relationships>",
		"wb/book.xml", "<workbook " NS "><workbookPr date1904=\"true\"/><sheets>"
		"<sheet name=\"Lists\" sheetId=\"2\" state=\"hidden\" r:id=\"s2\"/>"
		"<sheet name=\"Client\" sheetId=\"1\" r:id=\"s1\"/></sheets></workbook>",
		"wb/_rels/book.xml.rels", RELS "<Relationship Id=\"s1\" Type=\"" T_WS "\" Target=\"../data/one.xml\"/>"
		"<Relationship Id=\"s2\" Type=\"" T_WS "\" Target=\"/data/two.xml\"/>"
		"<Relationship Id=\"st\" Type=\"" T_STY "\" Target=\"styles.xml\"/></Relationships>",
		"wb/styles.xml", "<styleSheet " NS "><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd hh:mm\"/>"
		"<numFmt numFmtId=\"165\" formatCode=\"0.00&quot;d&quot;\"/></numFmts>"
		"<cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
		"<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>",
		"data/one.xml", "<worksheet " NS "><sheetData><row r=\"1\">"
		"<c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"2\"><v>43280.5</v></c><c r=\"C1\" s=\"3\"><v>2.5</v></c>"
		"<c r=\"D1\" s=\"0\"><v>43280</v></c></row></sheetData></worksheet>",
		"data/two.xml", "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Linux</t></is></c></row></sheetData></worksheet>",
		NULL, NULL,
	};
	size_t len;
	char *zip = zip_of(parts, &len);
	struct sheet_book b;
	struct cc_err err;
	const struct sheet_cell *c;

	ck_assert_msg(read_it(zip, len, &b, &err) == CC_OK, "%s", err.msg);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_str_eq(b.sheets[0].name, "Lists");
	ck_assert(b.sheets[0].hidden);
	ck_assert(!b.sheets[1].hidden);
	c = b.sheets[1].cells;
	/*
	 * 1904 system: serial 0 is 1904-01-01; 43280 days later is 2022-06-30
	 * (118 years 1904..2021 are 118 x 365 + 30 leap days = 43100 days to
	 * 2022-01-01, and 180 more are Jan 31 + Feb 28 + Mar 31 + Apr 30 +
	 * May 31 + 29 days of June); .5 is noon
	 */
	ck_assert_int_eq(c[0].type, SHEET_DATE);
	ck_assert_str_eq(c[0].text, "1904-01-01");
	ck_assert_int_eq(c[1].type, SHEET_DATE);
	ck_assert_str_eq(c[1].text, "2022-06-30T12:00:00");
	/* "0.00"d"": the d is quoted, so no date */
	ck_assert_int_eq(c[2].type, SHEET_NUM);
	ck_assert_int_eq(c[3].type, SHEET_NUM);
	sheet_book_release(&b);
	free(zip);
}
END_TEST

START_TEST(xlsx_strict_ooxml)
{
	/* ISO 29500 strict: other namespaces and relationship types, the same local names */
	const char *parts[] = {
		"_rels/.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument\" "
		"Target=\"xl/workbook.xml\"/></Relationships>",
		"xl/workbook.xml", "<x:workbook xmlns:x=\"http://purl.oclc.org/ooxml/spreadsheetml/main\" "
		"xmlns:rel=\"http://purl.oclc.org/ooxml/officeDocument/relationships\"><x:sheets>"
		"<x:sheet name=\"Storage\" sheetId=\"1\" rel:id=\"rId1\"/></x:sheets></x:workbook>",
		"xl/_rels/workbook.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
		"Target=\"/xl/worksheets/sheet1.xml\"/></Relationships>",
		"xl/worksheets/sheet1.xml", "<x:worksheet xmlns:x=\"http://purl.oclc.org/ooxml/spreadsheetml/main\"><x:sheetData>"
		"<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>CurrentGB</x:t></x:is></x:c></x:row>"
		"<x:row r=\"2\"><x:c r=\"A2\"><x:v>500</x:v></x:c></x:row></x:sheetData></x:worksheet>",
		NULL, NULL,
	};
	size_t len;
	char *zip = zip_of(parts, &len);
	struct sheet_book b;
	struct cc_err err;

	ck_assert_msg(read_it(zip, len, &b, &err) == CC_OK, "%s", err.msg);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_uint_eq(b.sheets[0].ncells, 2);
	ck_assert_str_eq(b.sheets[0].cells[0].text, "CurrentGB");
	ck_assert_str_eq(b.sheets[0].cells[1].text, "500");
	sheet_book_release(&b);
	free(zip);
}
END_TEST

START_TEST(xlsx_1900_dates)
{
	/* the 1900 system: 1 is 1900-01-01, 59 is 1900-02-28, 61 is 1900-03-01 (60 is Lotus's 1900-02-29), 45474 is 2024-07-01 */
	const char *parts[] = {
		"_rels/.rels", RELS "<Relationship Id=\"rId1\" Type=\"" T_DOC "\" Target=\"xl/workbook.xml\"/></Relationships>",
		"xl/workbook.xml", "<workbook " NS "><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
		"xl/_rels/workbook.xml.rels", RELS "<Relationship Id=\"rId1\" Type=\"" T_WS "\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"" T_STY "\" Target=\"styles.xml\"/></Relationships>",
		"xl/styles.xml", "<styleSheet " NS "><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>",
		"xl/worksheets/sheet1.xml", "<worksheet " NS "><sheetData><row r=\"1\">"
		"<c r=\"A1\" s=\"1\"><v>1</v></c><c r=\"B1\" s=\"1\"><v>59</v></c><c r=\"C1\" s=\"1\"><v>61</v></c>"
		"<c r=\"D1\" s=\"1\"><v>45474</v></c></row></sheetData></worksheet>",
		NULL, NULL,
	};
	size_t len;
	char *zip = zip_of(parts, &len);
	struct sheet_book b;
	struct cc_err err;
	const struct sheet_cell *c;

	ck_assert_msg(read_it(zip, len, &b, &err) == CC_OK, "%s", err.msg);
	c = b.sheets[0].cells;
	ck_assert_str_eq(c[0].text, "1900-01-01");
	ck_assert_str_eq(c[1].text, "1900-02-28");
	ck_assert_str_eq(c[2].text, "1900-03-01");
	ck_assert_str_eq(c[3].text, "2024-07-01");
	sheet_book_release(&b);
	free(zip);
}
END_TEST

START_TEST(xlsx_hostile)
{
	struct sheet_book b;
	struct cc_err err;
	size_t len;
	char *zip;

	/* a DOCTYPE (the way to entity expansion) is refused */
	{
		const char *parts[] = { "_rels/.rels", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">]><r/>", NULL, NULL };

		zip = zip_of(parts, &len);
		ck_assert_int_eq(read_it(zip, len, &b, &err), CC_EPARSE);
		ck_assert_msg(strstr(err.msg, "t.xlsx: _rels/.rels at byte ") && strstr(err.msg, "DOCTYPE"), "%s", err.msg);
		sheet_book_release(&b);
		free(zip);
	}
	/* 1 GB of '<a>' would be 64 levels deep long before: the depth bound */
	{
		static char deep[4000];
		size_t i;

		for (i = 0; i < 200; i++)
			memcpy(deep + 3 * i, "<a>", 3);
		zip = book1(deep, NULL, &len);
		ck_assert_int_eq(read_it(zip, len, &b, &err), CC_ENOMEM);
		ck_assert_msg(strstr(err.msg, "xl/worksheets/sheet1.xml at byte") && strstr(err.msg, "deeper than 64"), "%s",
			      err.msg);
		sheet_book_release(&b);
		free(zip);
	}
	/* a shared string that is not there */
	zip = book1("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>", NULL, &len);
	ck_assert_int_eq(read_it(zip, len, &b, &err), CC_EPARSE);
	ck_assert_msg(strstr(err.msg, "cell A1: shared string '5' of 0"), "%s", err.msg);
	sheet_book_release(&b);
	free(zip);
	/* a cell reference that is no cell */
	zip = book1("<row r=\"1\"><c r=\"1A\"><v>5</v></c></row>", NULL, &len);
	ck_assert_int_eq(read_it(zip, len, &b, &err), CC_EPARSE);
	ck_assert_msg(strstr(err.msg, "cell reference '1A' is not a cell"), "%s", err.msg);
	sheet_book_release(&b);
	free(zip);
	/* a zip that is no workbook */
	{
		const char *parts[] = { "hello.txt", "hi", NULL, NULL };

		zip = zip_of(parts, &len);
		ck_assert_int_eq(read_it(zip, len, &b, &err), CC_EPARSE);
		ck_assert_str_eq(err.msg, "t.xlsx: not a workbook: it has no part _rels/.rels");
		sheet_book_release(&b);
		free(zip);
	}
	/* a zip signature and garbage */
	ck_assert_int_eq(read_it("PK\x03\x04garbage that is no zip", 26, &b, &err), CC_EPARSE);
	ck_assert_msg(strstr(err.msg, "t.xlsx: not a workbook: "), "%s", err.msg);
	sheet_book_release(&b);
	/* an old .xls */
	ck_assert_int_eq(read_it("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", 12, &b, &err), CC_EPARSE);
	ck_assert_msg(strstr(err.msg, "Excel 97-2003"), "%s", err.msg);
	sheet_book_release(&b);
}
END_TEST

START_TEST(xlsx_bomb_and_bounds)
{
	struct sheet_limits l;
	struct sheet_book b;
	struct cc_err err = { 0 };
	size_t len, n = (size_t)4 << 20, i;
	char *rows = malloc(n + 1), *zip;

	/* 4 MiB of one repeated row inflates from a few KiB: stopped at the 1 MiB bound, counted as inflated */
	ck_assert_ptr_nonnull(rows);
	for (i = 0; i + 32 <= n; i += 32)
		memcpy(rows + i, "<row><c><v>1</v></c></row>      ", 32);
	rows[i] = '\0';
	zip = book1(rows, NULL, &len);
	ck_assert_uint_lt(len, 200000);
	sheet_limits_default(&l);
	l.max_part = (size_t)1 << 20;
	sheet_book_init(&b);
	ck_assert_msg(sheet_read(zip, len, "bomb.xlsx", &l, &b, &err) == CC_ENOMEM, "%s", err.msg);
	ck_assert_str_eq(err.msg, "bomb.xlsx: xl/worksheets/sheet1.xml inflates past 1048576 bytes "
				  "(one part, intake.max_unzipped_mb): refused as a zip bomb");
	sheet_book_release(&b);
	/* the same rows under a row bound: 131,072 rows, the 1001st refused */
	sheet_limits_default(&l);
	l.max_rows = 1000;
	sheet_book_init(&b);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(sheet_read(zip, len, "rows.xlsx", &l, &b, &err), CC_ENOMEM);
	ck_assert_str_eq(err.msg, "rows.xlsx: sheet 'Compute': row 1001 is past the last row allowed (1000)");
	sheet_book_release(&b);
	free(zip);
	free(rows);
}
END_TEST

/* ------------------------------------------------------------ intake */

static struct pb_reader *pb;

static void setup_pb(void)
{
	char *offers = th_fixture("offers"), **paths = NULL, path[4096];
	struct buf out;
	struct cc_err err = { 0 };
	size_t n = 0;

	setup();
	ck_assert_int_eq(ingest_find_offers(offers, &paths, &n, &err), CC_OK);
	snprintf(path, sizeof(path), "%s/pb.cpb", dir);
	buf_init(&out, 64 << 20);
	ck_assert_msg(th_pricebook((const char *const *)paths, n, path, 32 << 20, &out, &err) == CC_OK, "%s", err.msg);
	buf_release(&out);
	ingest_free_list(paths, n);
	free(offers);
	ck_assert_int_eq(pb_open(&pb, path, &err), CC_OK);
}

static void teardown_pb(void)
{
	pb_close(pb);
	pb = NULL;
	teardown();
}

/* intake_read of CSV text; the result is the caller's */
static enum cc_code intake_csv(const char *csv, struct intake_result *r)
{
	struct sheet_limits l;
	struct sheet_book b;
	struct intake_options o = { .owner = "user123", .at = "2026-12-01T03:00:00Z" };
	struct cc_err err = { 0 };
	enum cc_code rc;

	sheet_limits_default(&l);
	sheet_book_init(&b);
	ck_assert_msg(sheet_read(csv, strlen(csv), "r.csv", &l, &b, &err) == CC_OK, "%s", err.msg);
	intake_result_init(r);
	rc = intake_read(&b, pb, &o, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", r, &err);
	sheet_book_release(&b);
	return rc;
}

START_TEST(intake_reads_sections)
{
	struct intake_result r;
	char cell[64];

	/* two blocks in one CSV, columns in any order and case, an example row, a blank line */
	ck_assert_int_eq(intake_csv("ProjectName,RegionPreference,CompanyName\n"
				    "P1,\"us-east-1, eu-west-1\",Acme\n"
				    "\n"
				    "Example,cpucores,ServerName,MinInstances,MaxInstances\n"
				    "example,4,ignored,1,1\n"
				    ",4,web,2,5\n"
				    ",8.0,api,1,1\n",
				    &r),
			 CC_OK);
	ck_assert_str_eq(r.id, "est-580db2e825d9"); /* sha256("user123\n2026-12-01T03:00:00Z\n0011...") */
	ck_assert_str_eq(r.client.buf, "{\"ProjectName\":\"P1\",\"ClientInfo\":{\"CompanyName\":\"Acme\","
				       "\"RegionPreference\":[\"us-east-1\",\"eu-west-1\"]}}");
	ck_assert_str_eq(r.requirements.buf,
			 "{\"PK\":\"ESTIMATION#est-580db2e825d9\",\"SK\":\"REQUIREMENTS\",\"EntityType\":\"EstimationRequirements\","
			 "\"EstimationId\":\"est-580db2e825d9\",\"ComputeRequirements\":["
			 "{\"ServerName\":\"web\",\"CPUCores\":4,\"MinInstances\":2,\"MaxInstances\":5},"
			 "{\"ServerName\":\"api\",\"CPUCores\":8,\"MinInstances\":1,\"MaxInstances\":1}],"
			 "\"StorageRequirements\":[],\"DatabaseRequirements\":[]}");
	ck_assert_uint_eq(r.rows[1], 2);
	ck_assert_str_eq(r.notes.buf, "r.csv: example row 5 skipped\n");
	/* the engine's message about the second server lands on its cell: E7 (MaxInstances, row 7) */
	ck_assert(intake_locate(&r, "est-580db2e825d9: ComputeRequirements[1].MaxInstances (1) oops", cell, sizeof(cell)));
	ck_assert_str_eq(cell, "r.csv!E7");
	ck_assert(intake_locate(&r, "est: ComputeRequirements[0] needs CPUCores and RAMGB", cell, sizeof(cell)));
	ck_assert_str_eq(cell, "r.csv!6");
	ck_assert(intake_locate(&r, "region 'xx' is in no offer file", cell, sizeof(cell)));
	ck_assert_str_eq(cell, "r.csv!B2");
	intake_result_release(&r);
}
END_TEST

START_TEST(intake_every_error_at_once)
{
	struct intake_result r;

	ck_assert_int_eq(intake_csv("ServerName,CPUCores,OS,UtilizationPercent,ScalingType,Bogus\n"
				    "web,four,Linuxx,120,auto,x\n"
				    "api,2.5,linux,50,Fixed\n"
				    "StorageType,SizeGB\n"
				    "logs,10\n"
				    "DataTransferOutGBMonth,WAFRequired\n"
				    "10,maybe\n"
				    "20,no\n"
				    "RegionPreference\n"
				    "\"us-west-2,mars-1\"\n",
				    &r),
			 CC_EPARSE);
	ck_assert_str_eq(r.errors.buf,
			 "r.csv!F1: 'Bogus' is not a Compute column (the template's header row names them)\n"
			 "r.csv!F2: a value under no Compute header\n"
			 "r.csv!B2: CPUCores 'four' is not a whole number\n"
			 "r.csv!C2: OS 'Linuxx' is not one of Linux, Windows, RHEL, SUSE, Ubuntu Pro, Windows with SQL Server "
			 "Web, Windows with SQL Server Standard, Windows with SQL Server Enterprise\n"
			 "r.csv!D2: UtilizationPercent 120 is outside 0..100\n"
			 "r.csv!B3: CPUCores '2.5' is not a whole number\n"
			 /* a header of field names from two sections: Storage's by the first (a tie), which wants CurrentGB */
			 "r.csv!B4: 'SizeGB' is a Database field, not a Storage column\n"
			 "r.csv!4: the Storage header row has no CurrentGB column (required)\n"
			 "r.csv!B5: a value under no Storage header\n"
			 "r.csv!5: CurrentGB is empty (required)\n"
			 "r.csv!B7: WAFRequired 'maybe' is not Yes or No\n"
			 "r.csv!8: a second Network row: Network holds one (the first is r.csv!7)\n"
			 "r.csv!A10: RegionPreference 'us-west-2' (the first: where everything is priced) is not a region "
			 "of the pricebook (us-east-1, us-east-2)\n"
			 "r.csv!A10: RegionPreference 'mars-1' is not an AWS region code\n");
	ck_assert_uint_eq(r.nerrors, 14);
	intake_result_release(&r);
}
END_TEST

START_TEST(intake_nothing_to_read)
{
	struct intake_result r;

	ck_assert_int_eq(intake_csv("Name,Size\nfoo,1\n", &r), CC_EPARSE);
	ck_assert_msg(strstr(r.errors.buf, "r.csv: no sheet has a header row of requirement fields"), "%s", r.errors.buf);
	intake_result_release(&r);
	ck_assert_int_eq(intake_csv("ServerName,CPUCores,Example\nweb,2,example\n", &r), CC_EPARSE);
	ck_assert_str_eq(r.errors.buf,
			 "r.csv: nothing to price: the Compute, Storage, Network and Database sheets have no rows\n");
	intake_result_release(&r);
}
END_TEST

START_TEST(replace_loses_to_a_concurrent_edit)
{
	/* --estimation e1: the workbook is read at Version 1, someone saves the estimation (Version 2)
	 * before the import writes: the import is refused, nothing of it lands, the edit stays */
	const char csv[] = "ServerName,CPUCores,RAMGB\nweb,2,8\n";
	struct sheet_limits l;
	struct sheet_book b;
	struct intake_options o = { .replace = "e1", .at = "2026-12-01T03:00:00Z" };
	struct intake_result r;
	struct cc_err err = { 0 };
	struct store *st = NULL;
	struct buf got;
	char url[4200], docs[4200], cmd[4400];
	int found;

	snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
	snprintf(docs, sizeof(docs), "%s/documents", dir);
	ck_assert_int_eq(store_open(&st, url, NULL, &err), CC_OK);
	ck_assert_int_eq(store_init(st, &err), CC_OK);
	ck_assert_int_eq(store_put(st, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\",\"EstimationId\":\"e1\","
				       "\"UserId\":\"u1\",\"ProjectName\":\"before\",\"Status\":\"ACTIVE\",\"Version\":1}",
				 0, &err), CC_OK);
	ck_assert_int_eq(store_put(st, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[]}", 0,
				 &err), CC_OK);
	sheet_limits_default(&l);
	sheet_book_init(&b);
	ck_assert_int_eq(sheet_read(csv, sizeof(csv) - 1, "r.csv", &l, &b, &err), CC_OK);
	intake_result_init(&r);
	ck_assert_msg(intake_read(&b, pb, &o, "ab", &r, &err) == CC_OK, "%s", r.errors.buf);
	ck_assert_msg(intake_metadata(st, &o, &r, &err) == CC_OK, "%s", err.msg);
	ck_assert_int_eq(r.version, 1);
	ck_assert_int_eq(store_update_versioned(st, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"METADATA\",\"EstimationId\":\"e1\","
						    "\"UserId\":\"u1\",\"ProjectName\":\"edited\",\"Status\":\"ACTIVE\"}",
				      1, &err), CC_OK);
	ck_assert_int_eq(intake_save(st, docs, csv, sizeof(csv) - 1, "r.csv", &o, &r, &err), CC_ECONFLICT);
	ck_assert_str_eq(err.msg, "e1 changed while the workbook was read (its Version is no longer 1): nothing written; "
				  "import again");
	buf_init(&got, 1 << 20);
	ck_assert_int_eq(store_get(st, "ESTIMATION#e1", "REQUIREMENTS", &got, &found, &err), CC_OK);
	ck_assert_str_eq(got.buf, "{\"PK\":\"ESTIMATION#e1\",\"SK\":\"REQUIREMENTS\",\"ComputeRequirements\":[]}");
	ck_assert_int_eq(store_get(st, "ESTIMATION#e1", "METADATA", &got, &found, &err), CC_OK);
	ck_assert_msg(strstr(got.buf, "\"ProjectName\":\"edited\""), "%s", got.buf);
	/* the upload written before the transaction is gone again: no document names it */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s/e1' 2>/dev/null)\"", docs);
	ck_assert_int_eq(system(cmd), 0);
	buf_release(&got);
	intake_result_release(&r);
	sheet_book_release(&b);
	store_close(st);
}
END_TEST

START_TEST(lists_are_the_engines)
{
	/* the template's OS list is the engine's: its first and its last */
	ck_assert_str_eq(calc_list_at(CALC_LIST_OS, 0), "Linux");
	ck_assert_str_eq(calc_list_at(CALC_LIST_OS, 7), "Windows with SQL Server Enterprise");
	ck_assert_ptr_null(calc_list_at(CALC_LIST_OS, 8));
	ck_assert_str_eq(calc_list_at(CALC_LIST_ACCESS, 2), "Archive");
	ck_assert_str_eq(calc_list_at(CALC_LIST_MODEL, 0), "ON_DEMAND");
}
END_TEST

Suite *suite_intake(void)
{
	Suite *s = suite_create("intake");
	TCase *t = tcase_create("sheetread");
	TCase *i = tcase_create("intake");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, csv_quotes_and_lines);
	tcase_add_test(t, csv_unterminated_quote);
	tcase_add_test(t, csv_not_utf8);
	tcase_add_test(t, xlsx_cell_types);
	tcase_add_test(t, xlsx_dates_and_odd_layout);
	tcase_add_test(t, xlsx_1900_dates);
	tcase_add_test(t, xlsx_strict_ooxml);
	tcase_add_test(t, xlsx_hostile);
	tcase_add_test(t, xlsx_bomb_and_bounds);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(i, setup_pb, teardown_pb);
	tcase_set_timeout(i, 60);
	tcase_add_test(i, intake_reads_sections);
	tcase_add_test(i, intake_every_error_at_once);
	tcase_add_test(i, intake_nothing_to_read);
	tcase_add_test(i, lists_are_the_engines);
	tcase_add_test(i, replace_loses_to_a_concurrent_edit);
	suite_add_tcase(s, i);
	return s;
}
