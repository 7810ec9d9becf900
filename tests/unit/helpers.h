#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H
#include <check.h>
#include <stddef.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/prices/ingest.h"

/* Suites, one per module. */
Suite *suite_dec(void);
Suite *suite_sha256(void);
Suite *suite_buf(void);
Suite *suite_jtape(void);
Suite *suite_cfg(void);
Suite *suite_pb(void);
Suite *suite_ingest(void);
Suite *suite_store(void);
Suite *suite_aws(void);
Suite *suite_entity(void);
Suite *suite_hostile(void);
Suite *suite_calc(void);
Suite *suite_recalc(void);
Suite *suite_docs(void);
Suite *suite_intake(void);

/* A fresh directory under $TMPDIR; caller frees the string. */
char *th_tmpdir(void);
/* Writes data to dir/name; returns the malloc'd path. */
char *th_write(const char *dir, const char *name, const void *data, size_t len);
/* Reads a whole file into a malloc'd, NUL-terminated buffer. */
char *th_read(const char *path, size_t *len);
/*
 * The path of a file in ../shared/fixtures-real (COSTCTL_SHARED), or NULL
 * after printing why the test is skipped.
 */
char *th_real(const char *name);
/* Whether ../shared/fixtures-real (COSTCTL_SHARED) is there, and its path. */
int th_have_real(void);
const char *th_real_dir(void);
/* The path of a file under fixtures/ (COSTCTL_FIXTURES). */
char *th_fixture(const char *rel);

/*
 * Ingests `json` fed in pieces of `chunk` bytes (0: all at once); each
 * entry is appended to `out` as its canonical JSON line.
 */
enum cc_code th_ingest(const char *json, size_t len, size_t chunk,
		       struct ingest_stats *st, struct buf *out,
		       struct cc_err *err);
/* Ingests files into a pricebook at `pb_path` and dumps it into `out`. */
enum cc_code th_pricebook(const char *const *files, size_t n,
			  const char *pb_path, size_t sort_memory,
			  struct buf *out, struct cc_err *err);
/* Number of lines in s that contain every one of the NULL-terminated needles. */
int th_count_lines(const char *s, ...);

#endif
