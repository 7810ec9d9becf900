#include "pipeline/store/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "pipeline/core/jsonutil.h"
#include "pipeline/store/store.h"
#include "pipeline/core/banned.h"

enum et { ET_STR, ET_BOOL, ET_INT, ET_DEC, ET_STRS, ET_OBJ, ET_OBJS };

struct ent_field {
	const char *name; /* the JSON attribute */
	enum et type;
	size_t off;
	const struct ent_desc *sub; /* ET_OBJ, ET_OBJS */
};

struct ent_desc {
	const char *name;     /* EntityType, or the nested object's name */
	const char *id_field; /* named in messages, when present */
	size_t size;
	const struct ent_field *fields;
	size_t n;
	size_t extra_off;
};

#define F(st, json, t, m) { json, t, offsetof(struct st, m), NULL }
#define FS(st, json, t, m, sub) { json, t, offsetof(struct st, m), &sub }
/* a type's presence and null bits are one uint64_t each: 64 fields at most */
#define DESC(var, st, nm, id, tab)                                                   \
	_Static_assert(sizeof(tab) / sizeof(tab[0]) <= 64, #tab " has over 64 fields"); \
	const struct ent_desc var = { nm, id, sizeof(struct st), tab,                \
				      sizeof(tab) / sizeof(tab[0]), offsetof(struct st, extra) }
#define SDESC(var, st, nm, id, tab)                                                  \
	_Static_assert(sizeof(tab) / sizeof(tab[0]) <= 64, #tab " has over 64 fields"); \
	static const struct ent_desc var = { nm, id, sizeof(struct st), tab,         \
					     sizeof(tab) / sizeof(tab[0]),            \
					     offsetof(struct st, extra) }
#define KEYS(st) F(st, "PK", ET_STR, pk), F(st, "SK", ET_STR, sk)
#define GSI1(st) F(st, "GSI1PK", ET_STR, gsi1pk), F(st, "GSI1SK", ET_STR, gsi1sk)

/* ---------------------------------------------------------------- tables */

static const struct ent_field notif_f[] = {
	F(ent_notifications, "EmailNotifications", ET_BOOL, email_notifications),
	F(ent_notifications, "DocumentReady", ET_BOOL, document_ready),
	F(ent_notifications, "SharedEstimations", ET_BOOL, shared_estimations),
};
SDESC(notif_d, ent_notifications, "NotificationSettings", NULL, notif_f);

static const struct ent_field prefs_f[] = {
	F(ent_preferences, "DefaultCurrency", ET_STR, default_currency),
	F(ent_preferences, "DefaultRegion", ET_STR, default_region),
	FS(ent_preferences, "NotificationSettings", ET_OBJ, notifications, notif_d),
};
SDESC(prefs_d, ent_preferences, "Preferences", NULL, prefs_f);

static const struct ent_field user_f[] = {
	KEYS(ent_user), GSI1(ent_user),
	F(ent_user, "EntityType", ET_STR, entity_type),
	F(ent_user, "UserId", ET_STR, user_id),
	F(ent_user, "Email", ET_STR, email),
	F(ent_user, "FirstName", ET_STR, first_name),
	F(ent_user, "LastName", ET_STR, last_name),
	F(ent_user, "Role", ET_STR, role),
	F(ent_user, "Department", ET_STR, department),
	F(ent_user, "IsActive", ET_BOOL, is_active),
	F(ent_user, "CreatedAt", ET_STR, created_at),
	F(ent_user, "UpdatedAt", ET_STR, updated_at),
	F(ent_user, "LastLoginAt", ET_STR, last_login_at),
	FS(ent_user, "Preferences", ET_OBJ, preferences, prefs_d),
	F(ent_user, "MFAEnabled", ET_BOOL, mfa_enabled),
	F(ent_user, "TTL", ET_INT, ttl),
};
DESC(ent_user_desc, ent_user, "User", "UserId", user_f);

static const struct ent_field client_f[] = {
	F(ent_client_info, "CompanyName", ET_STR, company_name),
	F(ent_client_info, "Industry", ET_STR, industry),
	F(ent_client_info, "PrimaryContact", ET_STR, primary_contact),
	F(ent_client_info, "Email", ET_STR, email),
	F(ent_client_info, "Phone", ET_STR, phone),
	F(ent_client_info, "Timeline", ET_STR, timeline),
	F(ent_client_info, "BudgetRange", ET_STR, budget_range),
	F(ent_client_info, "RegionPreference", ET_STRS, region_preference),
	F(ent_client_info, "ComplianceRequirements", ET_STRS, compliance_requirements),
};
SDESC(client_d, ent_client_info, "ClientInfo", NULL, client_f);

static const struct ent_field breakdown_f[] = {
	F(ent_cost_breakdown, "Compute", ET_DEC, compute),
	F(ent_cost_breakdown, "Storage", ET_DEC, storage),
	F(ent_cost_breakdown, "Database", ET_DEC, database),
	F(ent_cost_breakdown, "Network", ET_DEC, network),
	F(ent_cost_breakdown, "Security", ET_DEC, security),
};
SDESC(breakdown_d, ent_cost_breakdown, "CostBreakdown", NULL, breakdown_f);

static const struct ent_field summary_f[] = {
	F(ent_estimation_summary, "TotalMonthlyCost", ET_DEC, total_monthly_cost),
	F(ent_estimation_summary, "TotalAnnualCost", ET_DEC, total_annual_cost),
	F(ent_estimation_summary, "Currency", ET_STR, currency),
	F(ent_estimation_summary, "LastCalculatedAt", ET_STR, last_calculated_at),
	FS(ent_estimation_summary, "CostBreakdown", ET_OBJ, cost_breakdown, breakdown_d),
};
SDESC(summary_d, ent_estimation_summary, "EstimationSummary", NULL, summary_f);

static const struct ent_field est_f[] = {
	KEYS(ent_estimation), GSI1(ent_estimation),
	F(ent_estimation, "GSI2PK", ET_STR, gsi2pk),
	F(ent_estimation, "GSI2SK", ET_STR, gsi2sk),
	F(ent_estimation, "EntityType", ET_STR, entity_type),
	F(ent_estimation, "EstimationId", ET_STR, estimation_id),
	F(ent_estimation, "UserId", ET_STR, user_id),
	F(ent_estimation, "ProjectName", ET_STR, project_name),
	F(ent_estimation, "Description", ET_STR, description),
	F(ent_estimation, "Status", ET_STR, status),
	F(ent_estimation, "InputMethod", ET_STR, input_method),
	F(ent_estimation, "CreatedAt", ET_STR, created_at),
	F(ent_estimation, "UpdatedAt", ET_STR, updated_at),
	F(ent_estimation, "PricingModel", ET_STR, pricing_model),
	FS(ent_estimation, "ClientInfo", ET_OBJ, client_info, client_d),
	FS(ent_estimation, "EstimationSummary", ET_OBJ, summary, summary_d),
	F(ent_estimation, "SharedWith", ET_STRS, shared_with),
	F(ent_estimation, "Tags", ET_STRS, tags),
	F(ent_estimation, "Version", ET_INT, version),
	F(ent_estimation, "TTL", ET_INT, ttl),
};
DESC(ent_estimation_desc, ent_estimation, "Estimation", "EstimationId", est_f);

static const struct ent_field compute_f[] = {
	F(ent_compute_req, "ServerName", ET_STR, server_name),
	F(ent_compute_req, "Environment", ET_STR, environment),
	F(ent_compute_req, "CPUCores", ET_INT, cpu_cores),
	F(ent_compute_req, "RAMGB", ET_DEC, ram_gb),
	F(ent_compute_req, "OS", ET_STR, os),
	F(ent_compute_req, "Criticality", ET_STR, criticality),
	F(ent_compute_req, "UtilizationPercent", ET_DEC, utilization_percent),
	F(ent_compute_req, "PeakUtilizationPercent", ET_DEC, peak_utilization_percent),
	F(ent_compute_req, "ScalingType", ET_STR, scaling_type),
	F(ent_compute_req, "MinInstances", ET_INT, min_instances),
	F(ent_compute_req, "MaxInstances", ET_INT, max_instances),
	F(ent_compute_req, "AverageInstances", ET_DEC, average_instances),
	F(ent_compute_req, "SuggestedInstanceType", ET_STR, suggested_instance_type),
	F(ent_compute_req, "MonthlyHours", ET_DEC, monthly_hours),
	F(ent_compute_req, "Notes", ET_STR, notes),
};
SDESC(compute_d, ent_compute_req, "ComputeRequirements", "ServerName", compute_f);

static const struct ent_field storage_f[] = {
	F(ent_storage_req, "StorageType", ET_STR, storage_type),
	F(ent_storage_req, "CurrentGB", ET_DEC, current_gb),
	F(ent_storage_req, "GrowthRatePercent", ET_DEC, growth_rate_percent),
	F(ent_storage_req, "IOPSRequired", ET_INT, iops_required),
	F(ent_storage_req, "ThroughputMBps", ET_DEC, throughput_mbps),
	F(ent_storage_req, "BackupRequired", ET_BOOL, backup_required),
	F(ent_storage_req, "RetentionDays", ET_INT, retention_days),
	F(ent_storage_req, "AccessPattern", ET_STR, access_pattern),
	F(ent_storage_req, "SuggestedAWSService", ET_STR, suggested_aws_service),
};
SDESC(storage_d, ent_storage_req, "StorageRequirements", "StorageType", storage_f);

static const struct ent_field network_f[] = {
	F(ent_network_req, "DataTransferOutGBMonth", ET_DEC, data_transfer_out_gb_month),
	F(ent_network_req, "PeakBandwidthMbps", ET_DEC, peak_bandwidth_mbps),
	F(ent_network_req, "LoadBalancerCount", ET_INT, load_balancer_count),
	F(ent_network_req, "SSLCertificateRequired", ET_BOOL, ssl_certificate_required),
	F(ent_network_req, "WAFRequired", ET_BOOL, waf_required),
	F(ent_network_req, "DDoSProtectionRequired", ET_BOOL, ddos_protection_required),
	F(ent_network_req, "GlobalDistributionRequired", ET_BOOL, global_distribution_required),
};
SDESC(network_d, ent_network_req, "NetworkRequirements", NULL, network_f);

static const struct ent_field database_f[] = {
	F(ent_database_req, "DatabaseName", ET_STR, database_name),
	F(ent_database_req, "Engine", ET_STR, engine),
	F(ent_database_req, "Version", ET_STR, version),
	F(ent_database_req, "SizeGB", ET_DEC, size_gb),
	F(ent_database_req, "InstanceClass", ET_STR, instance_class),
	F(ent_database_req, "MultiAZ", ET_BOOL, multi_az),
	F(ent_database_req, "ReadReplicas", ET_INT, read_replicas),
	F(ent_database_req, "BackupRetention", ET_INT, backup_retention),
	F(ent_database_req, "EncryptionEnabled", ET_BOOL, encryption_enabled),
};
SDESC(database_d, ent_database_req, "DatabaseRequirements", "DatabaseName", database_f);

static const struct ent_field security_f[] = {
	F(ent_security_req, "AWSConfig", ET_BOOL, aws_config),
	F(ent_security_req, "CloudTrail", ET_BOOL, cloudtrail),
	F(ent_security_req, "GuardDuty", ET_BOOL, guardduty),
	F(ent_security_req, "SecurityHub", ET_BOOL, security_hub),
	F(ent_security_req, "Inspector", ET_BOOL, inspector),
	F(ent_security_req, "Macie", ET_BOOL, macie),
	F(ent_security_req, "KMS", ET_BOOL, kms),
	F(ent_security_req, "SecretsManager", ET_BOOL, secrets_manager),
};
SDESC(security_d, ent_security_req, "SecurityRequirements", NULL, security_f);

static const struct ent_field req_f[] = {
	KEYS(ent_requirements),
	F(ent_requirements, "EntityType", ET_STR, entity_type),
	F(ent_requirements, "EstimationId", ET_STR, estimation_id),
	FS(ent_requirements, "ComputeRequirements", ET_OBJS, compute, compute_d),
	FS(ent_requirements, "StorageRequirements", ET_OBJS, storage, storage_d),
	FS(ent_requirements, "NetworkRequirements", ET_OBJ, network, network_d),
	FS(ent_requirements, "DatabaseRequirements", ET_OBJS, database, database_d),
	FS(ent_requirements, "SecurityRequirements", ET_OBJ, security, security_d),
};
DESC(ent_requirements_desc, ent_requirements, "EstimationRequirements", "EstimationId", req_f);

static const struct ent_field calc_f[] = {
	KEYS(ent_calculation), GSI1(ent_calculation),
	F(ent_calculation, "EntityType", ET_STR, entity_type),
	F(ent_calculation, "EstimationId", ET_STR, estimation_id),
	F(ent_calculation, "CalculationId", ET_STR, calculation_id),
	F(ent_calculation, "CalculatedAt", ET_STR, calculated_at),
	F(ent_calculation, "Region", ET_STR, region),
	F(ent_calculation, "Currency", ET_STR, currency),
	F(ent_calculation, "PricingModel", ET_STR, pricing_model),
	F(ent_calculation, "TotalMonthlyCost", ET_DEC, total_monthly_cost),
	F(ent_calculation, "TotalAnnualCost", ET_DEC, total_annual_cost),
};
DESC(ent_calculation_desc, ent_calculation, "CostCalculation", "CalculationId", calc_f);

static const struct ent_field docmeta_f[] = {
	F(ent_doc_metadata, "Template", ET_STR, template_name),
	F(ent_doc_metadata, "IncludeExecutiveSummary", ET_BOOL, include_executive_summary),
	F(ent_doc_metadata, "IncludeDetailedBreakdown", ET_BOOL, include_detailed_breakdown),
	F(ent_doc_metadata, "IncludeArchitectureDiagram", ET_BOOL, include_architecture_diagram),
	F(ent_doc_metadata, "Branding", ET_STR, branding),
};
SDESC(docmeta_d, ent_doc_metadata, "Metadata", NULL, docmeta_f);

static const struct ent_field doc_f[] = {
	KEYS(ent_document), GSI1(ent_document),
	F(ent_document, "EntityType", ET_STR, entity_type),
	F(ent_document, "DocumentId", ET_STR, document_id),
	F(ent_document, "EstimationId", ET_STR, estimation_id),
	F(ent_document, "DocumentType", ET_STR, document_type),
	F(ent_document, "FileName", ET_STR, file_name),
	F(ent_document, "S3Bucket", ET_STR, s3_bucket),
	F(ent_document, "S3Key", ET_STR, s3_key),
	F(ent_document, "FileSize", ET_INT, file_size),
	F(ent_document, "GeneratedAt", ET_STR, generated_at),
	F(ent_document, "GeneratedBy", ET_STR, generated_by),
	F(ent_document, "Status", ET_STR, status),
	F(ent_document, "DownloadCount", ET_INT, download_count),
	F(ent_document, "LastDownloadedAt", ET_STR, last_downloaded_at),
	F(ent_document, "ExpiresAt", ET_STR, expires_at),
	FS(ent_document, "Metadata", ET_OBJ, metadata, docmeta_d),
	F(ent_document, "TTL", ET_INT, ttl),
};
DESC(ent_document_desc, ent_document, "Document", "DocumentId", doc_f);

static const struct ent_field audit_f[] = {
	KEYS(ent_audit), GSI1(ent_audit),
	F(ent_audit, "EntityType", ET_STR, entity_type),
	F(ent_audit, "LogId", ET_STR, log_id),
	F(ent_audit, "UserId", ET_STR, user_id),
	F(ent_audit, "Action", ET_STR, action),
	F(ent_audit, "ResourceType", ET_STR, resource_type),
	F(ent_audit, "ResourceId", ET_STR, resource_id),
	F(ent_audit, "Timestamp", ET_STR, timestamp),
	F(ent_audit, "IPAddress", ET_STR, ip_address),
	F(ent_audit, "UserAgent", ET_STR, user_agent),
	F(ent_audit, "SessionId", ET_STR, session_id),
	F(ent_audit, "Result", ET_STR, result),
	F(ent_audit, "TTL", ET_INT, ttl),
};
DESC(ent_audit_desc, ent_audit, "AuditLog", "LogId", audit_f);

static const struct ent_field spec_f[] = {
	F(ent_specifications, "vCPUs", ET_INT, vcpus),
	F(ent_specifications, "Memory", ET_STR, memory),
	F(ent_specifications, "NetworkPerformance", ET_STR, network_performance),
	F(ent_specifications, "EBSOptimized", ET_BOOL, ebs_optimized),
};
SDESC(spec_d, ent_specifications, "Specifications", NULL, spec_f);

static const struct ent_field pricing_f[] = {
	KEYS(ent_pricing), GSI1(ent_pricing),
	F(ent_pricing, "EntityType", ET_STR, entity_type),
	F(ent_pricing, "ServiceType", ET_STR, service_type),
	F(ent_pricing, "Region", ET_STR, region),
	F(ent_pricing, "InstanceType", ET_STR, instance_type),
	F(ent_pricing, "PricingModel", ET_STR, pricing_model),
	F(ent_pricing, "PricePerHour", ET_DEC, price_per_hour),
	F(ent_pricing, "Currency", ET_STR, currency),
	F(ent_pricing, "LastUpdated", ET_STR, last_updated),
	F(ent_pricing, "Source", ET_STR, source),
	FS(ent_pricing, "Specifications", ET_OBJ, specifications, spec_d),
	F(ent_pricing, "TTL", ET_INT, ttl),
};
DESC(ent_pricing_desc, ent_pricing, "PricingData", "SK", pricing_f);

static const struct ent_field shared_f[] = {
	KEYS(ent_shared), GSI1(ent_shared),
	F(ent_shared, "EntityType", ET_STR, entity_type),
	F(ent_shared, "EstimationId", ET_STR, estimation_id),
	F(ent_shared, "SharedWithUserId", ET_STR, shared_with_user_id),
	F(ent_shared, "SharedByUserId", ET_STR, shared_by_user_id),
	F(ent_shared, "Permission", ET_STR, permission),
	F(ent_shared, "SharedAt", ET_STR, shared_at),
	F(ent_shared, "ExpiresAt", ET_STR, expires_at),
	F(ent_shared, "NotificationSent", ET_BOOL, notification_sent),
	F(ent_shared, "LastAccessedAt", ET_STR, last_accessed_at),
};
DESC(ent_shared_desc, ent_shared, "SharedEstimation", "SK", shared_f);

static const struct ent_desc *const top[] = {
	&ent_user_desc,	       &ent_estimation_desc, &ent_requirements_desc,
	&ent_calculation_desc, &ent_document_desc,   &ent_audit_desc,
	&ent_pricing_desc,     &ent_shared_desc,
};

/* ---------------------------------------------------------------- helpers */

#define AT(obj, off, type) ((type *)((char *)(obj) + (off)))
#define HEAD(obj) ((uint64_t *)(obj)) /* [0] present, [1] nulls */

size_t ent_size(const struct ent_desc *d)
{
	return d->size;
}

const struct ent_desc *ent_desc_for(const char *entity_type)
{
	size_t i;

	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!strcmp(top[i]->name, entity_type))
			return top[i];
	return NULL;
}

int ent_type_of(const char *json, size_t len, char *out, size_t cap)
{
	char errbuf[160];
	yajl_val root = json_parse(json, len, STORE_MAX_DEPTH, errbuf, sizeof(errbuf));
	yajl_val t = json_get(root, "EntityType");
	int ret = -1;

	if (t && YAJL_IS_STRING(t) && strlen(t->u.string) < cap) {
		memcpy(out, t->u.string, strlen(t->u.string) + 1);
		ret = 0;
	}
	yajl_tree_free(root);
	return ret;
}

static int places_of(const char *num)
{
	const char *dot = strchr(num, '.');
	int n = 0;

	if (!dot)
		return 0;
	for (dot++; *dot >= '0' && *dot <= '9'; dot++)
		n++;
	return n > DEC_DIGITS ? DEC_DIGITS : n;
}

static int add_extra(struct ent_extra *x, const char *name, yajl_val v)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *t;
	size_t len;
	char **names = realloc(x->names, (x->n + 1) * sizeof(*names));
	char **json;
	int ok;

	if (names)
		x->names = names;
	json = names ? realloc(x->json, (x->n + 1) * sizeof(*json)) : NULL;
	if (json)
		x->json = json;
	ok = g && names && json && json_gen_value(g, v) &&
	     yajl_gen_get_buf(g, &t, &len) == yajl_gen_status_ok;
	if (ok) {
		x->names[x->n] = strdup(name);
		x->json[x->n] = strndup((const char *)t, len);
		ok = x->names[x->n] && x->json[x->n];
		if (ok)
			x->n++;
		else {
			free(x->names[x->n]);
			free(x->json[x->n]);
		}
	}
	if (g)
		yajl_gen_free(g);
	return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- parse */

static enum cc_code parse_obj(const struct ent_desc *d, void *obj, yajl_val v,
			      struct buf *path, const char *who,
			      struct cc_err *err);

static enum cc_code bad(struct cc_err *err, const char *who, const struct buf *path,
			const char *what)
{
	return cc_err_set(err, CC_EPARSE, "%s: %s %s", who, path->buf, what);
}

static enum cc_code parse_field(const struct ent_field *f, void *obj, yajl_val v,
				struct buf *path, const char *who,
				struct cc_err *err)
{
	size_t i;

	switch (f->type) {
	case ET_STR:
		if (!YAJL_IS_STRING(v))
			return bad(err, who, path, "must be a string");
		if (!(*AT(obj, f->off, char *) = strdup(v->u.string)))
			return cc_err_set(err, CC_ENOMEM, "%s: out of memory", who);
		return CC_OK;
	case ET_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return bad(err, who, path, "must be true or false");
		*AT(obj, f->off, int) = YAJL_IS_TRUE(v);
		return CC_OK;
	case ET_INT:
		if (!YAJL_IS_INTEGER(v))
			return bad(err, who, path, "must be a whole number");
		*AT(obj, f->off, int64_t) = YAJL_GET_INTEGER(v);
		return CC_OK;
	case ET_DEC: {
		struct ent_dec *x = AT(obj, f->off, struct ent_dec);

		if (!YAJL_IS_NUMBER(v) || dec_parse(v->u.number.r, strlen(v->u.number.r), &x->v))
			return bad(err, who, path, "must be a decimal number (at most 10 places)");
		x->places = places_of(v->u.number.r);
		return CC_OK;
	}
	case ET_STRS: {
		struct ent_strs *x = AT(obj, f->off, struct ent_strs);

		if (!YAJL_IS_ARRAY(v))
			return bad(err, who, path, "must be a list of strings");
		x->v = calloc(v->u.array.len ? v->u.array.len : 1, sizeof(char *));
		if (!x->v)
			return cc_err_set(err, CC_ENOMEM, "%s: out of memory", who);
		for (i = 0; i < v->u.array.len; i++) {
			yajl_val e = v->u.array.values[i];

			if (!YAJL_IS_STRING(e)) {
				size_t at = path->len;
				enum cc_code r;

				buf_addf(path, "[%zu]", i);
				r = bad(err, who, path, "must be a string");
				path->len = at;
				path->buf[at] = '\0';
				return r;
			}
			if (!(x->v[x->n] = strdup(e->u.string)))
				return cc_err_set(err, CC_ENOMEM, "%s: out of memory", who);
			x->n++;
		}
		return CC_OK;
	}
	case ET_OBJ:
		if (!YAJL_IS_OBJECT(v))
			return bad(err, who, path, "must be an object");
		return parse_obj(f->sub, AT(obj, f->off, void), v, path, who, err);
	case ET_OBJS: {
		struct ent_array *x = AT(obj, f->off, struct ent_array);

		if (!YAJL_IS_ARRAY(v))
			return bad(err, who, path, "must be a list of objects");
		x->items = calloc(v->u.array.len ? v->u.array.len : 1, f->sub->size);
		if (!x->items)
			return cc_err_set(err, CC_ENOMEM, "%s: out of memory", who);
		x->n = v->u.array.len;
		for (i = 0; i < v->u.array.len; i++) {
			size_t at = path->len;
			enum cc_code r;

			buf_addf(path, "[%zu]", i);
			if (!YAJL_IS_OBJECT(v->u.array.values[i]))
				r = bad(err, who, path, "must be an object");
			else
				r = parse_obj(f->sub, (char *)x->items + i * f->sub->size,
					      v->u.array.values[i], path, who, err);
			path->len = at;
			path->buf[at] = '\0';
			if (r)
				return r;
		}
		return CC_OK;
	}
	}
	return CC_OK;
}

static enum cc_code parse_obj(const struct ent_desc *d, void *obj, yajl_val v,
			      struct buf *path, const char *who,
			      struct cc_err *err)
{
	size_t i, k;

	for (i = 0; i < v->u.object.len; i++) {
		const char *name = v->u.object.keys[i];
		yajl_val val = v->u.object.values[i];
		size_t at = path->len;
		enum cc_code r = CC_OK;

		for (k = 0; k < d->n && strcmp(d->fields[k].name, name); k++)
			;
		if (k == d->n) {
			if (add_extra(AT(obj, d->extra_off, struct ent_extra), name, val))
				return cc_err_set(err, CC_ENOMEM, "%s: out of memory", who);
			continue;
		}
		HEAD(obj)[0] |= 1ull << k;
		if (YAJL_IS_NULL(val)) {
			HEAD(obj)[1] |= 1ull << k;
			continue;
		}
		buf_addf(path, "%s%s", at ? "." : "", name);
		r = parse_field(&d->fields[k], obj, val, path, who, err);
		path->len = at;
		path->buf[at] = '\0';
		if (r)
			return r;
	}
	return CC_OK;
}

enum cc_code ent_parse(const struct ent_desc *d, void *obj, const char *json,
		       size_t len, struct cc_err *err)
{
	char errbuf[256], who[160];
	struct buf path;
	yajl_val root, id;
	enum cc_code ret;

	memset(obj, 0, d->size);
	root = json_parse(json, len, STORE_MAX_DEPTH, errbuf, sizeof(errbuf));
	if (!root || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return cc_err_set(err, CC_EPARSE, "%s: not a JSON object%s%s", d->name,
				  root ? "" : ": ", root ? "" : errbuf);
	}
	id = d->id_field ? json_get(root, d->id_field) : NULL;
	snprintf(who, sizeof(who), "%s%s%.100s", d->name, id && YAJL_IS_STRING(id) ? " " : "",
		 id && YAJL_IS_STRING(id) ? id->u.string : "");
	/* which of two "PK"s would win? (the fuzzer found the second leaking the first) */
	if (json_dup_key(root)) {
		ret = cc_err_set(err, CC_EPARSE, "%s: the attribute '%.100s' appears twice in one object",
				 who, json_dup_key(root));
		yajl_tree_free(root);
		return ret;
	}
	buf_init(&path, 4096);
	ret = parse_obj(d, obj, root, &path, who, err);
	buf_release(&path);
	yajl_tree_free(root);
	if (ret)
		ent_free(d, obj);
	return ret;
}

/* ---------------------------------------------------------------- write */

static int write_obj(const struct ent_desc *d, const void *obj, yajl_gen g);

static int write_field(const struct ent_field *f, const void *obj, yajl_gen g)
{
	char num[64];
	size_t i;

	switch (f->type) {
	case ET_STR: {
		const char *s = *AT(obj, f->off, char *const);

		return json_gen_str(g, s ? s : "");
	}
	case ET_BOOL:
		return yajl_gen_bool(g, *AT(obj, f->off, const int)) == yajl_gen_status_ok;
	case ET_INT:
		snprintf(num, sizeof(num), "%lld", (long long)*AT(obj, f->off, const int64_t));
		return yajl_gen_number(g, num, strlen(num)) == yajl_gen_status_ok;
	case ET_DEC: {
		const struct ent_dec *x = AT(obj, f->off, const struct ent_dec);
		int n = dec_format(x->v, x->places, num, sizeof(num));

		return yajl_gen_number(g, num, (size_t)n) == yajl_gen_status_ok;
	}
	case ET_STRS: {
		const struct ent_strs *x = AT(obj, f->off, const struct ent_strs);
		int ok = yajl_gen_array_open(g) == yajl_gen_status_ok;

		for (i = 0; ok && i < x->n; i++)
			ok = json_gen_str(g, x->v[i]);
		return ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
	}
	case ET_OBJ:
		return write_obj(f->sub, AT(obj, f->off, const void), g);
	case ET_OBJS: {
		const struct ent_array *x = AT(obj, f->off, const struct ent_array);
		int ok = yajl_gen_array_open(g) == yajl_gen_status_ok;

		for (i = 0; ok && i < x->n; i++)
			ok = write_obj(f->sub, (const char *)x->items + i * f->sub->size, g);
		return ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
	}
	}
	return 0;
}

static int write_obj(const struct ent_desc *d, const void *obj, yajl_gen g)
{
	const uint64_t *h = (const uint64_t *)obj;
	const struct ent_extra *x = AT(obj, d->extra_off, const struct ent_extra);
	size_t i;
	int ok = yajl_gen_map_open(g) == yajl_gen_status_ok;

	for (i = 0; ok && i < d->n; i++) {
		if (!(h[0] & (1ull << i)))
			continue;
		ok = json_gen_str(g, d->fields[i].name) &&
		     (h[1] & (1ull << i) ? yajl_gen_null(g) == yajl_gen_status_ok :
					   write_field(&d->fields[i], obj, g));
	}
	for (i = 0; ok && i < x->n; i++) {
		char errbuf[160];
		yajl_val v = json_parse(x->json[i], strlen(x->json[i]), STORE_MAX_DEPTH, errbuf,
					sizeof(errbuf));

		ok = v && json_gen_str(g, x->names[i]) && json_gen_value(g, v);
		yajl_tree_free(v);
	}
	return ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
}

enum cc_code ent_write(const struct ent_desc *d, const void *obj, struct buf *out)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *t;
	size_t len;
	int ok = g && write_obj(d, obj, g) &&
		 yajl_gen_get_buf(g, &t, &len) == yajl_gen_status_ok && !buf_add(out, t, len);

	if (g)
		yajl_gen_free(g);
	return ok ? CC_OK : CC_ENOMEM;
}

/* ---------------------------------------------------------------- free */

static void free_obj(const struct ent_desc *d, void *obj)
{
	struct ent_extra *x = AT(obj, d->extra_off, struct ent_extra);
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		const struct ent_field *f = &d->fields[i];

		if (f->type == ET_STR) {
			FREE_AND_NULL(*AT(obj, f->off, char *));
		} else if (f->type == ET_STRS) {
			struct ent_strs *s = AT(obj, f->off, struct ent_strs);

			for (j = 0; j < s->n; j++)
				free(s->v[j]);
			FREE_AND_NULL(s->v);
			s->n = 0;
		} else if (f->type == ET_OBJ) {
			free_obj(f->sub, AT(obj, f->off, void));
		} else if (f->type == ET_OBJS) {
			struct ent_array *a = AT(obj, f->off, struct ent_array);

			for (j = 0; a->items && j < a->n; j++)
				free_obj(f->sub, (char *)a->items + j * f->sub->size);
			FREE_AND_NULL(a->items);
			a->n = 0;
		}
	}
	for (i = 0; i < x->n; i++) {
		free(x->names[i]);
		free(x->json[i]);
	}
	free(x->names);
	free(x->json);
	memset(x, 0, sizeof(*x));
}

void ent_free(const struct ent_desc *d, void *obj)
{
	if (!obj)
		return;
	free_obj(d, obj);
	memset(obj, 0, d->size);
}

int ent_has(const struct ent_desc *d, const void *obj, const char *name)
{
	const uint64_t *h = (const uint64_t *)obj;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->fields[i].name, name))
			return (h[0] >> i & 1) && !(h[1] >> i & 1);
	return 0;
}
