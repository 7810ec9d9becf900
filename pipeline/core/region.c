#include "pipeline/core/region.h"

#include <string.h>

#include "pipeline/core/banned.h"

static const struct {
	const char *name, *code;
} regions[] = {
	{ "US East (N. Virginia)", "us-east-1" },
	{ "US East (Ohio)", "us-east-2" },
	{ "US West (N. California)", "us-west-1" },
	{ "US West (Oregon)", "us-west-2" },
	{ "Africa (Cape Town)", "af-south-1" },
	{ "Asia Pacific (Hong Kong)", "ap-east-1" },
	{ "Asia Pacific (Taipei)", "ap-east-2" },
	{ "Asia Pacific (Mumbai)", "ap-south-1" },
	{ "Asia Pacific (Hyderabad)", "ap-south-2" },
	{ "Asia Pacific (Singapore)", "ap-southeast-1" },
	{ "Asia Pacific (Sydney)", "ap-southeast-2" },
	{ "Asia Pacific (Jakarta)", "ap-southeast-3" },
	{ "Asia Pacific (Melbourne)", "ap-southeast-4" },
	{ "Asia Pacific (Malaysia)", "ap-southeast-5" },
	{ "Asia Pacific (New Zealand)", "ap-southeast-6" },
	{ "Asia Pacific (Thailand)", "ap-southeast-7" },
	{ "Asia Pacific (Tokyo)", "ap-northeast-1" },
	{ "Asia Pacific (Seoul)", "ap-northeast-2" },
	{ "Asia Pacific (Osaka)", "ap-northeast-3" },
	{ "Asia Pacific (Osaka-Local)", "ap-northeast-3" },
	{ "Canada (Central)", "ca-central-1" },
	{ "Canada West (Calgary)", "ca-west-1" },
	{ "EU (Frankfurt)", "eu-central-1" },
	{ "Europe (Frankfurt)", "eu-central-1" },
	{ "Europe (Zurich)", "eu-central-2" },
	{ "EU (Ireland)", "eu-west-1" },
	{ "Europe (Ireland)", "eu-west-1" },
	{ "EU (London)", "eu-west-2" },
	{ "Europe (London)", "eu-west-2" },
	{ "EU (Paris)", "eu-west-3" },
	{ "Europe (Paris)", "eu-west-3" },
	{ "EU (Stockholm)", "eu-north-1" },
	{ "Europe (Stockholm)", "eu-north-1" },
	{ "EU (Milan)", "eu-south-1" },
	{ "Europe (Milan)", "eu-south-1" },
	{ "Europe (Spain)", "eu-south-2" },
	{ "Israel (Tel Aviv)", "il-central-1" },
	{ "Middle East (Bahrain)", "me-south-1" },
	{ "Middle East (UAE)", "me-central-1" },
	{ "Mexico (Central)", "mx-central-1" },
	{ "South America (Sao Paulo)", "sa-east-1" },
	{ "AWS GovCloud (US)", "us-gov-west-1" },
	{ "AWS GovCloud (US-West)", "us-gov-west-1" },
	{ "AWS GovCloud (US-East)", "us-gov-east-1" },
	{ "China (Beijing)", "cn-north-1" },
	{ "China (Ningxia)", "cn-northwest-1" },
};

const char *region_code_for_location(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (strlen(regions[i].name) == len &&
		    !memcmp(regions[i].name, name, len))
			return regions[i].code;
	return NULL;
}

int region_code_known(const char *code, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (strlen(regions[i].code) == len && !memcmp(regions[i].code, code, len))
			return 1;
	return 0;
}
