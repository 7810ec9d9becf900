/*
 * Writes a format-faithful AmazonEC2 region offer file of about SIZE bytes
 * (default 1 GiB) for `make bench`: AWS's pretty-printing, products first
 * (about 35 attributes each, like the real us-east-1 file), then OnDemand
 * terms for every product, then 12 Reserved terms (the real term codes,
 * upfront fees with no range) for 15% of them, then "attributesList".
 * The real us-east-1 file has ~95k products in ~450 MB; this keeps that
 * ratio. Usage: gen_offer OUT [SIZE_MB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fams[] = { "m5", "m6i", "m7i", "c5", "c6i", "c7i", "r5", "r6i",
				    "r7i", "t3", "t3a", "m5a", "c5a", "r5a", "m6a", "c6a",
				    "r6a", "i3", "i4i", "d3", "x2idn", "z1d", "m5n", "c5n" };
static const char *const sizes[] = { "large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
				     "12xlarge", "16xlarge", "24xlarge", "metal", "medium" };
static const char *const oses[] = { "Linux", "Windows", "RHEL", "SUSE", "Ubuntu Pro",
				    "Red Hat Enterprise Linux with HA" };
static const char *const tenancies[] = { "Shared", "Dedicated", "Host" };
static const char *const capstatus[] = { "Used", "UnusedCapacityReservation",
					 "AllocatedCapacityReservation" };
static const char *const sw[] = { "NA", "SQL Web", "SQL Std", "SQL Ent" };
static const char *const markets[] = { "OnDemand", "CapacityBlock" };
static const struct {
	const char *code, *lease, *cls, *opt;
} ri[12] = {
	{ "4NA7Y494T4", "1yr", "standard", "No Upfront" },
	{ "HU7G6KETJZ", "1yr", "standard", "Partial Upfront" },
	{ "6QCMYABX3D", "1yr", "standard", "All Upfront" },
	{ "BPH4J8HBKS", "3yr", "standard", "No Upfront" },
	{ "38NPMPTW36", "3yr", "standard", "Partial Upfront" },
	{ "NQ3QZPMQV9", "3yr", "standard", "All Upfront" },
	{ "7NE97W5U4E", "1yr", "convertible", "No Upfront" },
	{ "CUZHX8X6JH", "1yr", "convertible", "Partial Upfront" },
	{ "VJWZNREJX2", "1yr", "convertible", "All Upfront" },
	{ "Z2E3P23VKM", "3yr", "convertible", "No Upfront" },
	{ "R5XV2EPZQZ", "3yr", "convertible", "Partial Upfront" },
	{ "MZU6U2429S", "3yr", "convertible", "All Upfront" },
};
#define N(a) (sizeof(a) / sizeof(a[0]))

static void sku_of(unsigned long i, char out[17])
{
	static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned long long x = (unsigned long long)i * 2654435761ULL + 0x9E3779B97F4A7C15ULL;
	int k;

	for (k = 0; k < 16; k++) {
		out[k] = al[x % 32];
		x = x / 32 + (unsigned long long)(k + 1) * 7919 * (i + 1);
	}
	out[16] = '\0';
}

struct prod {
	char sku[17];
	char type[32];
	const char *os, *ten, *cap, *sw, *mkt;
	int vcpu;
	double price;
};

static void describe(unsigned long i, struct prod *p)
{
	unsigned long r = i;
	size_t f = r % N(fams), s;

	r /= N(fams);
	s = r % N(sizes);
	r /= N(sizes);
	p->os = oses[r % N(oses)];
	r /= N(oses);
	p->ten = tenancies[r % N(tenancies)];
	r /= N(tenancies);
	p->cap = capstatus[r % N(capstatus)];
	r /= N(capstatus);
	p->sw = sw[r % N(sw)];
	r /= N(sw);
	p->mkt = markets[r % N(markets)];
	r /= N(markets);
	/* past every combination, new instance generations */
	if (r)
		snprintf(p->type, sizeof(p->type), "%s%lu.%s", fams[f], r, sizes[s]);
	else
		snprintf(p->type, sizeof(p->type), "%s.%s", fams[f], sizes[s]);
	p->vcpu = 2 << (s % 7);
	p->price = 0.0104 * p->vcpu * (1 + (double)(i % 17) / 10);
	sku_of(i, p->sku);
}

static void product(FILE *o, const struct prod *p, int last)
{
	fprintf(o,
		"    \"%s\" : {\n      \"sku\" : \"%s\",\n      \"productFamily\" : \"Compute Instance\",\n"
		"      \"attributes\" : {\n"
		"        \"servicecode\" : \"AmazonEC2\",\n        \"location\" : \"US East (N. Virginia)\",\n"
		"        \"locationType\" : \"AWS Region\",\n        \"instanceType\" : \"%s\",\n"
		"        \"currentGeneration\" : \"Yes\",\n        \"instanceFamily\" : \"General purpose\",\n"
		"        \"vcpu\" : \"%d\",\n        \"physicalProcessor\" : \"Intel Xeon Platinum 8175\",\n"
		"        \"clockSpeed\" : \"3.1 GHz\",\n        \"memory\" : \"%d GiB\",\n"
		"        \"storage\" : \"EBS only\",\n        \"networkPerformance\" : \"Up to 10 Gigabit\",\n"
		"        \"processorArchitecture\" : \"64-bit\",\n        \"tenancy\" : \"%s\",\n"
		"        \"operatingSystem\" : \"%s\",\n        \"licenseModel\" : \"No License required\",\n"
		"        \"usagetype\" : \"BoxUsage:%s\",\n        \"operation\" : \"RunInstances:0002\",\n"
		"        \"availabilityzone\" : \"NA\",\n        \"capacitystatus\" : \"%s\",\n"
		"        \"classicnetworkingsupport\" : \"false\",\n        \"dedicatedEbsThroughput\" : \"Up to 4750 Mbps\",\n"
		"        \"ecu\" : \"10\",\n        \"enhancedNetworkingSupported\" : \"Yes\",\n"
		"        \"gpuMemory\" : \"NA\",\n        \"intelAvxAvailable\" : \"Yes\",\n"
		"        \"intelAvx2Available\" : \"Yes\",\n        \"intelTurboAvailable\" : \"Yes\",\n"
		"        \"marketoption\" : \"%s\",\n        \"normalizationSizeFactor\" : \"4\",\n"
		"        \"preInstalledSw\" : \"%s\",\n"
		"        \"processorFeatures\" : \"Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo\",\n"
		"        \"regionCode\" : \"us-east-1\",\n        \"servicename\" : \"Amazon Elastic Compute Cloud\",\n"
		"        \"vpcnetworkingsupport\" : \"true\"\n      }\n    }%s\n",
		p->sku, p->sku, p->type, p->vcpu, p->vcpu * 4, p->ten, p->os, p->type, p->cap,
		p->mkt, p->sw, last ? "" : ",");
}

static void dim(FILE *o, const char *sku, const char *code, const char *suffix,
		const char *desc, int ranged, const char *unit, const char *price, int last)
{
	fprintf(o,
		"            \"%s.%s.%s\" : {\n              \"rateCode\" : \"%s.%s.%s\",\n"
		"              \"description\" : \"%s\",\n",
		sku, code, suffix, sku, code, suffix, desc);
	if (ranged)
		fprintf(o, "              \"beginRange\" : \"0\",\n              \"endRange\" : \"Inf\",\n");
	fprintf(o,
		"              \"unit\" : \"%s\",\n              \"pricePerUnit\" : {\n"
		"                \"USD\" : \"%s\"\n              },\n              \"appliesTo\" : [ ]\n"
		"            }%s\n",
		unit, price, last ? "" : ",");
}

static void term(FILE *o, const struct prod *p, int r, int last)
{
	char price[32], fee[32], desc[160];
	const char *code = r < 0 ? "JRTCKXETXF" : ri[r].code;
	double hourly = r < 0 ? p->price : p->price * (0.45 + 0.03 * (r % 6));
	int upfront = r >= 0 && strcmp(ri[r].opt, "No Upfront");

	if (r >= 0 && !strcmp(ri[r].opt, "All Upfront"))
		hourly = 0;
	snprintf(price, sizeof(price), "%.10f", hourly);
	snprintf(fee, sizeof(fee), "%d", (int)(p->price * 8760 * 0.4) + 1);
	fprintf(o,
		"        \"%s.%s\" : {\n          \"offerTermCode\" : \"%s\",\n          \"sku\" : \"%s\",\n"
		"          \"effectiveDate\" : \"2026-11-01T00:00:00Z\",\n          \"priceDimensions\" : {\n",
		p->sku, code, code, p->sku);
	if (r < 0) {
		snprintf(desc, sizeof(desc), "$%.4f per On Demand %s %s Instance Hour", hourly, p->os,
			 p->type);
		dim(o, p->sku, code, "6YS6EN2CT7", desc, 1, "Hrs", price, 1);
		fprintf(o, "          },\n          \"termAttributes\" : { }\n        }%s\n", last ? "" : ",");
		return;
	}
	snprintf(desc, sizeof(desc), "%s (Amazon VPC), %s reserved instance applied", p->os, p->type);
	if (upfront)
		dim(o, p->sku, code, "2TG2D8R56U", "Upfront Fee", 0, "Quantity", fee, 0);
	dim(o, p->sku, code, "6YS6EN2CT7", desc, 1, "Hrs", price, 1);
	fprintf(o,
		"          },\n          \"termAttributes\" : {\n            \"LeaseContractLength\" : \"%s\",\n"
		"            \"OfferingClass\" : \"%s\",\n            \"PurchaseOption\" : \"%s\"\n"
		"          }\n        }%s\n",
		ri[r].lease, ri[r].cls, ri[r].opt, last ? "" : ",");
}

int main(int argc, char **argv)
{
	unsigned long long target = (argc > 2 ? strtoull(argv[2], NULL, 10) : 1024) << 20;
	unsigned long n, i, nri = 0;
	struct prod p;
	FILE *o;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_offer OUT [SIZE_MB]\n");
		return 1;
	}
	/* bytes per product, measured on this generator: ~1.5 KB product,
	 * ~0.75 KB on-demand term, 12 x ~1.0 KB reserved terms for 15% */
	n = (unsigned long)(target / 4190);
	o = fopen(argv[1], "w");
	if (!o) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(o, NULL, _IOFBF, 1 << 20);
	fprintf(o,
		"{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"This pricing list is for "
		"informational purposes only. All prices are subject to the additional terms included "
		"in the pricing pages on http://aws.amazon.com. All Free Tier prices are also subject "
		"to the terms included at https://aws.amazon.com/free/\",\n"
		"  \"offerCode\" : \"AmazonEC2\",\n  \"version\" : \"20261115143012\",\n"
		"  \"publicationDate\" : \"2026-11-15T14:30:12Z\",\n  \"products\" : {\n");
	for (i = 0; i < n; i++) {
		describe(i, &p);
		product(o, &p, i + 1 == n);
	}
	fprintf(o, "  },\n  \"terms\" : {\n    \"OnDemand\" : {\n");
	for (i = 0; i < n; i++) {
		describe(i, &p);
		fprintf(o, "      \"%s\" : {\n", p.sku);
		term(o, &p, -1, 1);
		fprintf(o, "      }%s\n", i + 1 == n ? "" : ",");
	}
	fprintf(o, "    },\n    \"Reserved\" : {\n");
	for (i = 0; i < n; i += 7) { /* one in seven: ~15% */
		int first = !nri++;

		describe(i, &p);
		fprintf(o, "%s      \"%s\" : {\n", first ? "" : ",\n", p.sku);
		for (r = 0; r < 12; r++)
			term(o, &p, r, r == 11);
		fprintf(o, "      }");
	}
	fprintf(o, "\n    }\n  },\n  \"attributesList\" : { }\n}\n");
	if (fclose(o)) {
		perror(argv[1]);
		return 1;
	}
	fprintf(stderr, "gen_offer: %s: %lu products, %lu with reserved terms\n", argv[1], n, nri);
	return 0;
}
