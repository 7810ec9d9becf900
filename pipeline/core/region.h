#ifndef REGION_H
#define REGION_H
/*
 * Region codes for the price list's display names. Newer offer files carry
 * `regionCode`; older ones (2018) only `location`, and the names drift
 * ("EU (Frankfurt)" became "Europe (Frankfurt)"; "Asia Pacific
 * (Osaka-Local)" became "Asia Pacific (Osaka)"), so both spellings are here.
 */
#include <stddef.h>

/* The code for a location name ("US East (Ohio)" -> "us-east-2"), or NULL. */
const char *region_code_for_location(const char *name, size_t len);
/* 1 when code[0..len) is an AWS region's code ("eu-west-1"). */
int region_code_known(const char *code, size_t len);

#endif
