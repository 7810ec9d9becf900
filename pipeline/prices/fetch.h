#ifndef FETCH_H
#define FETCH_H
/*
 * Fetch: brings the AWS Price List bulk files into <state>/offers for
 * ingest, walking the real API: the offer index
 * (/offers/v1.0/aws/index.json) -> each service's currentRegionIndexUrl ->
 * each region's versioned offer file, saved as
 * <state>/offers/<offerCode>/<region>/index.json.
 *
 * Nothing unchanged is downloaded: <state>/fetch-manifest.json remembers
 * each file's URL, ETag, Last-Modified, offer version, publication date,
 * size, SHA-256 and fetch time. A region whose version in the region index
 * is the one we hold (file present, size as recorded) costs no request;
 * otherwise the request is conditional (If-None-Match, If-Modified-Since).
 *
 * Downloads run in parallel (curl multi), accept gzip, use HTTP/2 where
 * offered, resume an interrupted file with Range/If-Range (the partial
 * file and its ETag survive in <dir>/.index.json.part{,.meta}), retry 5xx,
 * 429 (honouring Retry-After), timeouts, resets and stalls with
 * exponential backoff and jitter, and never leave a half file where ingest
 * looks: a download lands in a dot-file, is checked (status, length, a
 * complete JSON document whose offerCode and version match the index),
 * then renamed over yesterday's copy. A failed file keeps yesterday's copy.
 *
 * What the server says is never trusted with a path or a host: offer and
 * region codes must pass fetch_name_ok before they name a directory; the
 * URLs in the indexes must be plain absolute paths ('/' and [A-Za-z0-9._~-]
 * segments, no "..") and are joined to the base URL, whose scheme, host and
 * port the result must keep; credentials in the base URL are sent only to
 * that host and never printed. Each file has a size bound (checked against
 * Content-Length, and on the decompressed bytes), each attempt a time
 * bound, and the run a time bound.
 *
 * TLS verification stays on; proxies come from the environment, as
 * libcurl does; the User-Agent names costctl and its version. file:// URLs
 * work too (the demo and some tests use them).
 */
#include <stdint.h>

#include "pipeline/core/cc.h"

struct fetch_options {
	const char *base_url;  /* "https://pricing.us-east-1.amazonaws.com" */
	const char *services;  /* comma-separated offer codes, exact case */
	const char *regions;   /* comma-separated region codes */
	const char *state;     /* state directory */
	unsigned parallel;     /* downloads at once */
	unsigned retries;      /* further attempts after the first */
	unsigned backoff_ms;   /* first retry delay; doubles, with jitter */
	unsigned max_wait_s;   /* cap on any one delay, Retry-After included */
	unsigned connect_timeout_s;
	unsigned low_speed_bytes, low_speed_s; /* a stall: below this rate this long */
	uint64_t max_file_bytes; /* most bytes one file may have (decompressed); 0 = none */
	unsigned max_file_s;     /* longest one attempt at one file may take; 0 = none */
	unsigned max_run_s;      /* longest the whole run may take; 0 = none */
	int savings_plans;       /* also each service's Savings Plans files (currentSavingsPlanIndexUrl) */
};

/*
 * A name that becomes a path component (an offer or a region code): it
 * matches ^[A-Za-z0-9][A-Za-z0-9_.-]*$, has no "..", and is at most 64
 * bytes. 1 when it does.
 */
int fetch_name_ok(const char *name, size_t len);

enum fetch_doc { FETCH_DOC_OFFERS, FETCH_DOC_REGIONS, FETCH_DOC_MANIFEST };
/*
 * Parses an offer index, a region index or a fetch manifest the way
 * fetch_run does, with no I/O (tests and fuzz targets): the number of
 * entries fetch would use, or -1 with `err` filled.
 */
long fetch_parse_doc(enum fetch_doc kind, const char *text, size_t len, struct cc_err *err);

struct fetch_result {
	unsigned files;       /* offer files wanted */
	unsigned unchanged;   /* skipped: same version on disk, no request */
	unsigned not_modified;/* asked, 304 */
	unsigned downloaded;  /* new copies in place */
	unsigned resumed;     /* of those, continued with Range */
	unsigned failed;      /* kept yesterday's copy (or none) */
	unsigned retries;     /* attempts after a first one, in all */
	uint64_t bytes;       /* body bytes received, indexes included */
};

/*
 * Runs one fetch. Returns CC_OK when every wanted file is current;
 * CC_ENET_TEMP when the server could not be reached, or every failure was
 * temporary (the scheduler should retry later); another code when a file
 * failed for good. `err` names the first failure; each is also logged.
 */
enum cc_code fetch_run(const struct cc_ctx *ctx, const struct fetch_options *o,
		       struct fetch_result *res, struct cc_err *err);

#endif
