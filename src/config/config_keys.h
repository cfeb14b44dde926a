// The keys each config section accepts, declared once (as Fluent Bit and MiNiFi declare their
// property tables). The loader rejects any other key by name; a test checks that
// docs/configuration.md documents every one, so the docs cannot drift from the loader.
#pragma once

#include <span>
#include <string_view>

namespace pb::config_keys {

inline constexpr std::string_view kTop[] = {
    "environment", "site",     "server", "store",  "auth",    "log",        "schemas",
    "qualifiers",  "mappings", "dedupe", "routes", "targets", "connectors", "master_data"};
inline constexpr std::string_view kServer[] = {"listen", "tls", "max_body_bytes",
                                               "max_records_per_request", "threads"};
inline constexpr std::string_view kTls[] = {"cert", "key"};
inline constexpr std::string_view kStore[] = {"path", "high_water_mark", "group_commit_window"};
inline constexpr std::string_view kAuth[] = {"tokens", "token_file"};
inline constexpr std::string_view kToken[] = {"name", "sha256", "token_file", "scopes",
                                              "rate_limit"};
inline constexpr std::string_view kRateLimit[] = {"per_second", "burst"};
inline constexpr std::string_view kLog[] = {"level", "json"};
inline constexpr std::string_view kSchema[] = {"payload", "required_context", "max_future_skew"};
inline constexpr std::string_view kField[] = {"type", "required", "min", "max", "enum", "unit"};
inline constexpr std::string_view kQualifier[] = {"name",        "kind",           "input_type",
                                                  "output_type", "value_field",    "key_field",
                                                  "rollover_at", "reset_threshold"};
inline constexpr std::string_view kMappings[] = {
    "assets",       "assets_csv",       "reason_codes",      "reason_codes_csv",
    "defect_codes", "defect_codes_csv", "root_cause_classes"};
inline constexpr std::string_view kDedupe[] = {"name", "types", "key", "window"};
inline constexpr std::string_view kRoute[] = {"name",    "when", "target",       "ordering_key",
                                              "require", "body", "running_total"};
inline constexpr std::string_view kRouteRunningTotal[] = {"of", "per"};
// `when` takes `type` or `types` plus any event field path as an equality condition.
inline constexpr std::string_view kRouteWhen[] = {"type", "types"};
inline constexpr std::string_view kTarget[] = {"kind",
                                               "url",
                                               "method",
                                               "headers",
                                               "hmac_secret_file",
                                               "hmac_secret_env",
                                               "signature_header",
                                               "timeout",
                                               "ca_file",
                                               "concurrency",
                                               "rate_limit",
                                               "retry",
                                               "circuit_breaker"};
// kind: odoo (the common keys kind, concurrency, rate_limit, retry, circuit_breaker, plus its
// own; the webhook-only keys are refused by name).
inline constexpr std::string_view kOdooTarget[] = {"kind",         "url",
                                                   "db",           "user",
                                                   "api_key_file", "api_key_env",
                                                   "timeout",      "ca_file",
                                                   "version",      "concurrency",
                                                   "in_flight",    "rate_limit",
                                                   "retry",        "circuit_breaker",
                                                   "locations",    "picking_types"};
inline constexpr std::string_view kOdooLocation[] = {"complete_name", "create"};
inline constexpr std::string_view kOdooPickingType[] = {"name", "warehouse"};
inline constexpr std::string_view kRetry[] = {"initial_backoff", "max_backoff", "max_attempts",
                                              "max_age"};
inline constexpr std::string_view kCircuitBreaker[] = {"failure_threshold", "open_for"};

// kind: opcua (docs/connectors/opcua.md).
inline constexpr std::string_view kOpcUaConnector[] = {"kind",
                                                       "endpoint",
                                                       "site",
                                                       "asset",
                                                       "user",
                                                       "password_file",
                                                       "password_env",
                                                       "security_policy",
                                                       "security_mode",
                                                       "pki_dir",
                                                       "publishing_interval",
                                                       "connect_timeout",
                                                       "request_timeout",
                                                       "reconnect",
                                                       "signals"};
inline constexpr std::string_view kReconnect[] = {"initial_backoff", "max_backoff"};
inline constexpr std::string_view kSignal[] = {
    "name", "node", "path", "asset", "sampling_interval", "queue_size", "deadband", "emit"};
inline constexpr std::string_view kDeadband[] = {"absolute", "percent"};
inline constexpr std::string_view kEmit[] = {"when", "type", "value_field", "payload"};

// master_data (docs/targets/odoo.md, "Master data").
inline constexpr std::string_view kMasterData[] = {"source",
                                                   "every",
                                                   "overlap",
                                                   "history",
                                                   "keep",
                                                   "models",
                                                   "webhook_secret_file",
                                                   "webhook_secret_env",
                                                   "webhook_delay",
                                                   "events"};
inline constexpr std::string_view kMasterDataModel[] = {"every", "enabled"};

// Value sets.
inline constexpr std::string_view kEnvironments[] = {"development", "test", "staging",
                                                     "production"};
inline constexpr std::string_view kScopes[] = {"ingest", "read", "operate", "admin"};
inline constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
inline constexpr std::string_view kFieldTypes[] = {"number", "integer", "string", "boolean",
                                                   "object", "array",   "any"};
inline constexpr std::string_view kQualifierKinds[] = {"counter_delta"};
inline constexpr std::string_view kTargetKinds[] = {"webhook", "odoo"};
inline constexpr std::string_view kConnectorKinds[] = {"opcua"};
inline constexpr std::string_view kEmitWhen[] = {"change", "rising", "falling"};
inline constexpr std::string_view kSecurityPolicies[] = {"None", "Basic256Sha256"};
inline constexpr std::string_view kSecurityModes[] = {"None", "Sign", "SignAndEncrypt"};
inline constexpr std::string_view kMethods[] = {"POST", "PUT", "PATCH"};
// The business events the master-data sync can make from what it reads (master_data.events).
inline constexpr std::string_view kMasterDataEvents[] = {"maintenance.stage_changed"};
// The Odoo models the master-data sync reads, in the order it reads them.
inline constexpr std::string_view kMasterDataModels[] = {"mrp.workcenter",
                                                         "product.product",
                                                         "stock.lot",
                                                         "maintenance.equipment",
                                                         "mrp.workcenter.productivity.loss",
                                                         "stock.location",
                                                         "maintenance.team",
                                                         "maintenance.stage",
                                                         "maintenance.request",
                                                         "mrp.production",
                                                         "mrp.workorder"};

// A section and the keys it accepts, with its documented dotted path: list items are written
// "routes[]", free-form map keys "<name>", e.g. "targets.<name>.retry".
struct Section {
  std::string_view path;
  std::span<const std::string_view> keys;
};

inline constexpr Section kSections[] = {
    {"", kTop},
    {"server", kServer},
    {"server.tls", kTls},
    {"store", kStore},
    {"auth", kAuth},
    {"auth.tokens[]", kToken},
    {"auth.tokens[].rate_limit", kRateLimit},
    {"log", kLog},
    {"schemas.<type>", kSchema},
    {"schemas.<type>.payload.<field>", kField},
    {"qualifiers[]", kQualifier},
    {"mappings", kMappings},
    {"dedupe[]", kDedupe},
    {"routes[]", kRoute},
    {"routes[].when", kRouteWhen},
    {"routes[].running_total", kRouteRunningTotal},
    {"targets.<name>", kTarget},
    {"targets.<name>", kOdooTarget},
    {"targets.<name>.rate_limit", kRateLimit},
    {"targets.<name>.retry", kRetry},
    {"targets.<name>.circuit_breaker", kCircuitBreaker},
    {"targets.<name>.locations.<name>", kOdooLocation},
    {"targets.<name>.picking_types.<name>", kOdooPickingType},
    {"connectors.<name>", kOpcUaConnector},
    {"connectors.<name>.reconnect", kReconnect},
    {"connectors.<name>.signals[]", kSignal},
    {"connectors.<name>.signals[].deadband", kDeadband},
    {"connectors.<name>.signals[].emit[]", kEmit},
    {"master_data", kMasterData},
    {"master_data.models.<model>", kMasterDataModel},
};

}  // namespace pb::config_keys
