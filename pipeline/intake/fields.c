/*
 * The requirements workbook's fields: seed section 2.2.2's ClientInfo
 * and section 2.2.3's requirements, in the seed's order and spelling.
 * The examples are est456's (fixtures/table/seed.jsonl) and a second row
 * beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/calc/calc.h"
#include "pipeline/intake/intake_int.h"
#include "pipeline/prices/pb.h"

#include "pipeline/core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define BIG "99999999" /* what an exact decimal holds with room to multiply */

static const struct intake_field client[] = {
	{ "ProjectName", "Project name", "The estimation's name (costctl intake import --project overrides it).",
	  F_TEXT, 0, 0, 2, NULL, NULL, 34, { "Client ABC Infrastructure" } },
	{ "Description", "Description", "A line on what is being estimated.", F_TEXT, 0, 0, 2, NULL, NULL,
	  44, { "AWS infrastructure cost estimation for Client ABC" } },
	{ "CompanyName", "Company", "The client's company: the proposal is addressed to it.", F_TEXT, 0,
	  0, 1, NULL, NULL, 24, { "ABC Corporation" } },
	{ "Industry", "Industry", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 16, { "E-commerce" } },
	{ "PrimaryContact", "Contact", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 18, { "Jane Smith" } },
	{ "Email", "Contact email", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 22, { "jane.smith@abc.com" } },
	{ "Phone", "Contact phone", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 14, { "+1-555-0123" } },
	{ "Timeline", "Timeline", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 12, { "Q2 2024" } },
	{ "BudgetRange", "Budget (USD)", NULL, F_TEXT, 0, 0, 1, NULL, NULL, 14, { "50000-100000" } },
	{ "RegionPreference", "Regions (first is priced)",
	  "AWS region codes, comma-separated; the first is where everything is priced.", F_REGIONS,
	  L_REGION, 0, 1, NULL, NULL, 22, { "us-east-1,us-west-2" } },
	{ "ComplianceRequirements", "Compliance", "Comma-separated: SOC2, PCI-DSS, HIPAA, ...", F_LIST, 0, 0,
	  1, NULL, NULL, 18, { "SOC2,PCI-DSS" } },
	{ "PricingModel", "Pricing model", "The headline model; every calculation also shows the others.",
	  F_ENUM, L_MODEL, 0, 2, NULL, NULL, 26, { NULL } },
};

static const struct intake_field compute[] = {
	{ "ServerName", "Server", NULL, F_TEXT, 0, 0, 0, NULL, NULL, 18, { "Web Server", "Batch Worker" } },
	{ "Environment", "Environment", NULL, F_ENUM, L_ENV, 0, 0, NULL, NULL, 13,
	  { "Production", "Production" } },
	{ "CPUCores", "vCPUs", "Whole vCPUs (sizes the instance when no type is suggested).", F_INT, 0, 0, 0,
	  "1", "4096", 8, { "4", "8" } },
	{ "RAMGB", "Memory (GiB)", NULL, F_NUM, 0, 0, 0, "0", "65536", 10, { "16", "32" } },
	{ "OS", "Operating system", NULL, F_ENUM, L_OS, 0, 0, NULL, NULL, 22, { "Linux", "Windows" } },
	{ "Criticality", "Criticality", NULL, F_ENUM, L_CRITICALITY, 0, 0, NULL, NULL, 11, { "High", "Medium" } },
	{ "UtilizationPercent", "Average use %", "0 to 100.", F_NUM, 0, 0, 0, "0", "100", 10, { "70", "50" } },
	{ "PeakUtilizationPercent", "Peak use %", "0 to 100.", F_NUM, 0, 0, 0, "0", "100", 10, { "95", "80" } },
	{ "ScalingType", "Scaling", "Fixed: MinInstances run; Auto: the average between Min and Max.", F_ENUM,
	  L_SCALING, 0, 0, NULL, NULL, 9, { "Auto", "Fixed" } },
	{ "MinInstances", "Min instances", NULL, F_INT, 0, 0, 0, "0", "100000", 9, { "2", "1" } },
	{ "MaxInstances", "Max instances", NULL, F_INT, 0, 0, 0, "0", "100000", 9, { "10", "1" } },
	{ "AverageInstances", "Average instances", "Auto scaling: the average, when known.", F_NUM, 0, 0, 0,
	  "0", "100000", 9, { NULL, NULL } },
	{ "SuggestedInstanceType", "Instance type", "An EC2 type (t3.xlarge); empty: right-sized.", F_TEXT, 0,
	  0, 0, NULL, NULL, 14, { "t3.xlarge", "m5.2xlarge" } },
	{ "MonthlyHours", "Hours a month", "0 to 744 (empty: 730).", F_NUM, 0, 0, 0, "0", "744", 9,
	  { "744", "200" } },
	{ "Notes", "Notes", NULL, F_TEXT, 0, 0, 0, NULL, NULL, 26, { "Frontend web servers", "Nightly reports" } },
};

static const struct intake_field storage[] = {
	{ "StorageType", "Data", NULL, F_TEXT, 0, 0, 0, NULL, NULL, 18, { "Application Data", "Archive" } },
	{ "CurrentGB", "Size (GB)", "Required.", F_NUM, 0, 1, 0, "0", BIG, 10, { "500", "2000" } },
	{ "GrowthRatePercent", "Growth % a year", NULL, F_NUM, 0, 0, 0, "0", "10000", 10, { "10", "5" } },
	{ "IOPSRequired", "IOPS", "EBS: provisioned IOPS (gp3 above 3,000, io1, io2).", F_INT, 0, 0, 0, "0",
	  "10000000", 9, { "3000", NULL } },
	{ "ThroughputMBps", "Throughput (MB/s)", NULL, F_NUM, 0, 0, 0, "0", "100000", 10, { "250", NULL } },
	{ "BackupRequired", "Backup", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 8, { "Yes", "No" } },
	{ "RetentionDays", "Backup days", NULL, F_INT, 0, 0, 0, "0", "36500", 9, { "30", NULL } },
	{ "AccessPattern", "Access", "With no service: Frequent S3 Standard, Infrequent Standard-IA, Archive Glacier.",
	  F_ENUM, L_ACCESS, 0, 0, NULL, NULL, 11, { "Frequent", "Archive" } },
	{ "SuggestedAWSService", "Service", NULL, F_ENUM, L_STORAGE, 0, 0, NULL, NULL, 26,
	  { "EBS gp3", "S3 Glacier Deep Archive" } },
};

static const struct intake_field network[] = {
	{ "DataTransferOutGBMonth", "Data out (GB a month)", NULL, F_NUM, 0, 0, 0, "0", BIG, 12, { "1000" } },
	{ "PeakBandwidthMbps", "Peak Mbps", NULL, F_NUM, 0, 0, 0, "0", BIG, 10, { "2000" } },
	{ "LoadBalancerCount", "Load balancers", NULL, F_INT, 0, 0, 0, "0", "10000", 10, { "1" } },
	{ "SSLCertificateRequired", "TLS certificate", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 10, { "Yes" } },
	{ "WAFRequired", "WAF", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 8, { "Yes" } },
	{ "DDoSProtectionRequired", "Shield Advanced", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 10, { "No" } },
	{ "GlobalDistributionRequired", "CloudFront", "Yes: data out is priced as CloudFront.", F_BOOL, L_BOOL,
	  0, 0, NULL, NULL, 10, { "Yes" } },
};

static const struct intake_field database[] = {
	{ "DatabaseName", "Database", NULL, F_TEXT, 0, 0, 0, NULL, NULL, 16, { "Primary DB", "Reporting DB" } },
	{ "Engine", "Engine", "Required.", F_ENUM, L_ENGINE, 1, 0, NULL, NULL, 22, { "MySQL", "PostgreSQL" } },
	{ "Version", "Version", "Text: 8.0 stays 8.0.", F_TEXT, 0, 0, 0, NULL, NULL, 8, { "8.0", "15" } },
	{ "SizeGB", "Storage (GB)", NULL, F_NUM, 0, 0, 0, "0", BIG, 10, { "500", "100" } },
	{ "InstanceClass", "Instance class", "Required: an RDS class (db.r5.xlarge).", F_TEXT, 0, 1, 0, NULL,
	  NULL, 15, { "db.r5.xlarge", "db.t3.medium" } },
	{ "MultiAZ", "Multi-AZ", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 8, { "Yes", "No" } },
	{ "ReadReplicas", "Read replicas", NULL, F_INT, 0, 0, 0, "0", "100", 8, { "2", "0" } },
	{ "BackupRetention", "Backup days", NULL, F_INT, 0, 0, 0, "0", "36500", 8, { "30", "7" } },
	{ "EncryptionEnabled", "Encrypted", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes", "Yes" } },
};

static const struct intake_field security[] = {
	{ "AWSConfig", "AWS Config", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes" } },
	{ "CloudTrail", "AWS CloudTrail", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes" } },
	{ "GuardDuty", "Amazon GuardDuty", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes" } },
	{ "SecurityHub", "Security Hub", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "No" } },
	{ "Inspector", "Amazon Inspector", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "No" } },
	{ "Macie", "Amazon Macie", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "No" } },
	{ "KMS", "AWS KMS keys", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes" } },
	{ "SecretsManager", "Secrets Manager", NULL, F_BOOL, L_BOOL, 0, 0, NULL, NULL, 9, { "Yes" } },
};

const struct intake_section intake_sections[SEC_N] = {
	{ "Client", NULL, 0, client, N(client),
	  "the project and the client (one row): the proposal's cover, and the region priced" },
	{ "Compute", "ComputeRequirements", 1, compute, N(compute),
	  "one row per server or fleet: EC2 by suggested type, or right-sized from vCPUs and memory" },
	{ "Storage", "StorageRequirements", 1, storage, N(storage),
	  "one row per storage need: EBS by volume type or S3 by class, backups as snapshots" },
	{ "Network", "NetworkRequirements", 0, network, N(network),
	  "one row: data out (or CloudFront), load balancers, WAF, Shield" },
	{ "Database", "DatabaseRequirements", 1, database, N(database),
	  "one row per database: RDS by engine, class and deployment, replicas, storage, backup" },
	{ "Security", "SecurityRequirements", 0, security, N(security),
	  "one row: the security services wanted (Yes/No)" },
};

static int region_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t intake_regions(const struct pb_reader *pb, char (**out)[32])
{
	size_t i, j, n = 0, cap = pb ? pb_offer_count(pb) : 0;
	char (*v)[32] = cap ? calloc(cap, sizeof(*v)) : NULL;
	char r[32];

	*out = v;
	for (i = 0; v && i < cap; i++) {
		if (!pb_offer_region(pb, i, r, sizeof(r)) || !strcmp(r, "global"))
			continue;
		for (j = 0; j < n && strcmp(v[j], r); j++)
			;
		if (j == n)
			memcpy(v[n++], r, sizeof(r));
	}
	if (n)
		qsort(v, n, sizeof(*v), region_cmp);
	return n;
}

const char *intake_list_at(unsigned list, size_t i, char (*regions)[32], size_t nregions)
{
	static const char *const env[] = { "Production", "Staging", "Test", "Development", "DR" };
	static const char *const crit[] = { "Critical", "High", "Medium", "Low" };
	static const char *const yes[] = { "Yes", "No" };

	switch (list) {
	case L_OS: return calc_list_at(CALC_LIST_OS, i);
	case L_STORAGE: return calc_list_at(CALC_LIST_STORAGE, i);
	case L_ACCESS: return calc_list_at(CALC_LIST_ACCESS, i);
	case L_ENGINE: return calc_list_at(CALC_LIST_ENGINE, i);
	case L_MODEL: return calc_list_at(CALC_LIST_MODEL, i);
	case L_SCALING: return calc_list_at(CALC_LIST_SCALING, i);
	case L_ENV: return i < N(env) ? env[i] : NULL;
	case L_CRITICALITY: return i < N(crit) ? crit[i] : NULL;
	case L_BOOL: return i < N(yes) ? yes[i] : NULL;
	case L_REGION: return i < nregions ? regions[i] : NULL;
	}
	return NULL;
}
