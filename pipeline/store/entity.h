#ifndef ENTITY_H
#define ENTITY_H
/*
 * The eight entities of seed/database-schema.md section 2.2 as C types,
 * with one JSON codec for all of them, driven by a field table per type.
 *
 * - Money and other decimals are `struct ent_dec`: exact (dec.h), written
 *   back with the places they came with (8500.00 stays 8500.00).
 * - Every field has a presence bit and a null bit (`present`, `nulls`,
 *   bit i = field i of the type's table), so an absent attribute, a JSON
 *   null and a value all survive a round trip.
 * - Attributes the type does not know are kept verbatim in `extra` and
 *   written back after the known ones: nothing is lost when the platform
 *   adds a field this program does not know yet.
 *
 * Errors name the entity and the path: "Estimation est456:
 * ClientInfo.RegionPreference[1] must be a string".
 *
 *	struct ent_estimation e;
 *	if (ent_parse(&ent_estimation_desc, &e, json, len, &err)) ...
 *	use(e.client_info.region_preference.v[0]);
 *	ent_write(&ent_estimation_desc, &e, &out);
 *	ent_free(&ent_estimation_desc, &e);
 */
#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/buf.h"
#include "pipeline/core/cc.h"
#include "pipeline/core/dec.h"

struct ent_dec {
	struct dec v;
	int places; /* fractional digits to write */
};

struct ent_strs {
	char **v;
	size_t n;
};

/* An array of entity structs of one type (items points at n of them). */
struct ent_array {
	void *items;
	size_t n;
};

struct ent_extra {
	char **names, **json; /* json: the raw value text */
	size_t n;
};

#define ENT_HEAD uint64_t present, nulls

/* ---------------------------------------------------------------- 2.2.1 */
struct ent_notifications {
	ENT_HEAD;
	int email_notifications, document_ready, shared_estimations;
	struct ent_extra extra;
};

struct ent_preferences {
	ENT_HEAD;
	char *default_currency, *default_region;
	struct ent_notifications notifications;
	struct ent_extra extra;
};

struct ent_user {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *user_id, *email, *first_name, *last_name, *role, *department;
	int is_active;
	char *created_at, *updated_at, *last_login_at;
	struct ent_preferences preferences;
	int mfa_enabled;
	int64_t ttl;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.2 */
struct ent_client_info {
	ENT_HEAD;
	char *company_name, *industry, *primary_contact, *email, *phone, *timeline,
		*budget_range;
	struct ent_strs region_preference, compliance_requirements;
	struct ent_extra extra;
};

struct ent_cost_breakdown {
	ENT_HEAD;
	struct ent_dec compute, storage, database, network, security;
	struct ent_extra extra;
};

struct ent_estimation_summary {
	ENT_HEAD;
	struct ent_dec total_monthly_cost, total_annual_cost;
	char *currency, *last_calculated_at;
	struct ent_cost_breakdown cost_breakdown;
	struct ent_extra extra;
};

struct ent_estimation {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *gsi2pk, *gsi2sk, *entity_type;
	char *estimation_id, *user_id, *project_name, *description, *status,
		*input_method, *created_at, *updated_at, *pricing_model;
	struct ent_client_info client_info;
	struct ent_estimation_summary summary;
	struct ent_strs shared_with, tags;
	int64_t version, ttl;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.3 */
struct ent_compute_req {
	ENT_HEAD;
	char *server_name, *environment;
	int64_t cpu_cores;
	struct ent_dec ram_gb;
	char *os, *criticality;
	struct ent_dec utilization_percent, peak_utilization_percent;
	char *scaling_type;
	int64_t min_instances, max_instances;
	struct ent_dec average_instances;
	char *suggested_instance_type;
	struct ent_dec monthly_hours;
	char *notes;
	struct ent_extra extra;
};

struct ent_storage_req {
	ENT_HEAD;
	char *storage_type;
	struct ent_dec current_gb, growth_rate_percent;
	int64_t iops_required;
	struct ent_dec throughput_mbps;
	int backup_required;
	int64_t retention_days;
	char *access_pattern, *suggested_aws_service;
	struct ent_extra extra;
};

struct ent_network_req {
	ENT_HEAD;
	struct ent_dec data_transfer_out_gb_month, peak_bandwidth_mbps;
	int64_t load_balancer_count;
	int ssl_certificate_required, waf_required, ddos_protection_required,
		global_distribution_required;
	struct ent_extra extra;
};

struct ent_database_req {
	ENT_HEAD;
	char *database_name, *engine, *version;
	struct ent_dec size_gb;
	char *instance_class;
	int multi_az;
	int64_t read_replicas, backup_retention;
	int encryption_enabled;
	struct ent_extra extra;
};

struct ent_security_req {
	ENT_HEAD;
	int aws_config, cloudtrail, guardduty, security_hub, inspector, macie, kms,
		secrets_manager;
	struct ent_extra extra;
};

struct ent_requirements {
	ENT_HEAD;
	char *pk, *sk, *entity_type, *estimation_id;
	struct ent_array compute;  /* struct ent_compute_req */
	struct ent_array storage;  /* struct ent_storage_req */
	struct ent_network_req network;
	struct ent_array database; /* struct ent_database_req */
	struct ent_security_req security;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.4 */
struct ent_calculation {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *estimation_id, *calculation_id, *calculated_at, *region, *currency,
		*pricing_model;
	struct ent_dec total_monthly_cost, total_annual_cost;
	/* DetailedCosts, BusinessRulesApplied and what recalc adds (pricebook
	 * SHA-256, lines, assumptions, warnings) travel in `extra` until the
	 * recalc stage gives them types */
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.5 */
struct ent_doc_metadata {
	ENT_HEAD;
	char *template_name;
	int include_executive_summary, include_detailed_breakdown,
		include_architecture_diagram;
	char *branding;
	struct ent_extra extra;
};

struct ent_document {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *document_id, *estimation_id, *document_type, *file_name, *s3_bucket,
		*s3_key;
	int64_t file_size;
	char *generated_at, *generated_by, *status;
	int64_t download_count;
	char *last_downloaded_at, *expires_at;
	struct ent_doc_metadata metadata;
	int64_t ttl;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.6 */
struct ent_audit {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *log_id, *user_id, *action, *resource_type, *resource_id, *timestamp,
		*ip_address, *user_agent, *session_id, *result;
	int64_t ttl;
	/* Details: free-form, in `extra` */
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.7 */
struct ent_specifications {
	ENT_HEAD;
	int64_t vcpus;
	char *memory, *network_performance;
	int ebs_optimized;
	struct ent_extra extra;
};

struct ent_pricing {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *service_type, *region, *instance_type, *pricing_model;
	struct ent_dec price_per_hour;
	char *currency, *last_updated, *source;
	struct ent_specifications specifications;
	int64_t ttl;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- 2.2.8 */
struct ent_shared {
	ENT_HEAD;
	char *pk, *sk, *gsi1pk, *gsi1sk, *entity_type;
	char *estimation_id, *shared_with_user_id, *shared_by_user_id, *permission,
		*shared_at, *expires_at;
	int notification_sent;
	char *last_accessed_at;
	struct ent_extra extra;
};

/* ---------------------------------------------------------------- codec */

struct ent_desc; /* a type's field table */

extern const struct ent_desc ent_user_desc, ent_estimation_desc,
	ent_requirements_desc, ent_calculation_desc, ent_document_desc,
	ent_audit_desc, ent_pricing_desc, ent_shared_desc;

/* sizeof the type's struct, to allocate one by its table. */
size_t ent_size(const struct ent_desc *d);
/* The type for an EntityType value, or NULL. */
const struct ent_desc *ent_desc_for(const char *entity_type);
/* The EntityType of a plain JSON item (NUL-terminated into out), or -1. */
int ent_type_of(const char *json, size_t len, char *out, size_t cap);

/* Fills `obj` (zeroed first; ent_free it). CC_EPARSE names the path. */
enum cc_code ent_parse(const struct ent_desc *d, void *obj, const char *json,
		       size_t len, struct cc_err *err);
/* Appends the item as compact JSON: known fields in table order, then extras. */
enum cc_code ent_write(const struct ent_desc *d, const void *obj,
		       struct buf *out);
/* Frees what ent_parse allocated; the struct is zeroed. */
void ent_free(const struct ent_desc *d, void *obj);
/* Whether field `name` (its JSON name) is present, and not null. */
int ent_has(const struct ent_desc *d, const void *obj, const char *name);

#endif
