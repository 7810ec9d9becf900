#ifndef SPCSV_H
#define SPCSV_H
/*
 * The Savings Plans price list as CSV (what AWS publishes beside the JSON
 * at /savingsPlan/v1.0/aws/<plan>/<version>/<region>/index.csv): metadata
 * rows (FormatVersion, Disclaimer, Publication Date, Version, OfferCode),
 * then a header row, then one row a discounted rate, quoted or not.
 * Streamed: a record at a time, bounded by the longest record. ingest.c
 * hands a file to it when its first byte says CSV.
 *
 * Each rate becomes one pricebook entry (pb.h), findable by the on-demand
 * price it discounts:
 *
 *	service   DiscountedServiceCode (AmazonEC2, AmazonRDS, ...)
 *	region    DiscountedRegionCode
 *	family    the plan's Product Family (ComputeSavingsPlans,
 *	          EC2InstanceSavingsPlans, DatabaseSavingsPlans, ...)
 *	key       discountedSku, usagetype, operation[, instanceType]: the
 *	          discounted on-demand SKU and its usage type and operation
 *	model     "SavingsPlan"
 *	term      LeaseContractLength (1yr, 3yr), PurchaseOption
 *	unit, SKU (the plan's), rate code, currency, price (DiscountedRate,
 *	exactly as written), effective date; attributes: the plan's usage
 *	type, description, instance family, location.
 *
 * Rows that cannot be an entry (no discounted SKU, a bad rate) are counted
 * in the stats like the JSON parser's, the first named with its line.
 */
#include <stdint.h>

#include "pipeline/prices/ingest.h"

struct spcsv;

enum cc_code spcsv_new(struct spcsv **out, const char *name, uint64_t max_record, ingest_sink sink, void *user,
		       struct cc_err *err);
/* The next bytes (no BOM); `offset` is the file offset of data[0], for messages. */
enum cc_code spcsv_feed(struct spcsv *p, const char *data, size_t len, uint64_t offset, struct cc_err *err);
/* Ends the file: a quote still open is CC_ETRUNC; no header is CC_EPARSE. */
enum cc_code spcsv_finish(struct spcsv *p, struct ingest_stats *st, struct cc_err *err);
void spcsv_free(struct spcsv *p); /* accepts NULL */

/*
 * A plan's lease as the offer files' LeaseContractLength says it: duration
 * 1 and unit "year" (or none) is "1yr"; another unit is appended as given.
 * The JSON file (ingest.c) and the CSV name it alike.
 */
void spcsv_lease(char *out, size_t cap, const char *duration, size_t dlen, const char *unit, size_t ulen);

#endif
