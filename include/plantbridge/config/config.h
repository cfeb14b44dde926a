// The typed configuration. Produced only by loadConfig(), which validates everything before
// any component sees it and reports all problems at once (file, line, key).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb {

using Millis = std::chrono::milliseconds;

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (tests); the chosen port is printed and logged
  std::optional<TlsConfig> tls;
  size_t max_body_bytes = size_t{8} * 1024 * 1024;
  size_t max_records_per_request = 10000;
  int threads = 2;
};

struct StoreConfig {
  std::string path = "./data/plantbridge.db";
  // Journal backlog (journaled, not yet through the pipeline) above which ingest answers 503.
  int64_t high_water_mark = 1'000'000;
  Millis group_commit_window{0};
};

enum class Scope { kIngest, kRead, kOperate, kAdmin };
const char* scopeName(Scope s);

struct RateLimitConfig {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // bucket size; defaults to per_second
};

struct TokenConfig {
  std::string name;
  std::string sha256_hex;  // the token is never kept in clear: sha256 of it, hex
  std::vector<Scope> scopes;
  RateLimitConfig rate_limit;  // records per second for ingest
};

struct AuthConfig {
  std::vector<TokenConfig> tokens;
  std::string token_file;  // optional YAML file with more tokens, reloaded on SIGHUP
};

// Schema of one event type's payload (and required context keys).
struct FieldSchema {
  enum class Type { kNumber, kInteger, kString, kBoolean, kObject, kArray, kAny };
  std::string name;
  Type type = Type::kAny;
  bool required = false;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> allowed;  // enum for strings
  std::string unit;                  // if set, payload.unit must equal it when present
};

struct EventSchema {
  std::string type;
  std::vector<FieldSchema> payload;
  std::vector<std::string> required_context;
  // Events whose occurred_at is further in the future than this are rejected (clock checks).
  Millis max_future_skew{std::chrono::minutes(5)};
};

struct CounterQualifierConfig {
  std::string name;
  std::string input_type = "machine.counter";
  std::string output_type = "production.count";
  std::string value_field = "counter";  // payload field holding the counter reading
  std::string key_field;                // optional payload field separating counters (tag)
  int64_t rollover_at = 0;  // the counter's maximum before it wraps to 0; 0: never wraps
  // A decrease is a rollover when the counts it implies through the wrap are at most this
  // fraction of the range; any other decrease (any at all, if no rollover) is a reset.
  double reset_threshold = 0.5;
};

struct AssetMapping {
  std::string asset;                          // canonical asset id
  std::map<std::string, std::string> fields;  // work_center: "7", equipment: "12", ...
};

// The code tables (mappings.reason_codes, mappings.defect_codes): what the codes machines
// report mean in other systems. The map stage adds the mapped value to the event's context.
struct CodeMappings {
  // Downtime or scrap reason code (payload.reason_code) -> Odoo loss reason
  // (mrp.workcenter.productivity.loss id), as context.loss.
  std::map<std::string, std::string> reason_codes;
  // Defect code (payload.defect_code) -> root cause class ("surface"), as context.root_cause.
  std::map<std::string, std::string> defect_codes;
  // The root cause classes defect_codes may name; empty: any identifier. Checked at load only
  // (Odoo Community has no model for them).
  std::vector<std::string> root_cause_classes;
};

struct DedupeRuleConfig {
  std::string name;
  std::vector<std::string> types;
  std::string key_template;  // e.g. "{{asset}}/{{payload.alarm_code}}"
  Millis window{std::chrono::seconds(60)};
};

// A route that posts a running total instead of each event's own quantity: per key (say, the
// manufacturing order), the sum of `of` over every event the route planned so far, rendered as
// {{running_total}}. Absolute totals make a retry harmless and let a target coalesce the
// totals of one order that wait behind each other into one write (docs/pipeline.md).
inline constexpr std::string_view kRunningTotalPlaceholder = "running_total";
// Placeholders a route adds to its body on top of the event's fields.
inline bool isRouteValuePlaceholder(std::string_view name) {
  return name == kRunningTotalPlaceholder;
}

struct RunningTotalConfig {
  std::string of;            // a numeric field path, e.g. payload.quantity
  std::string per_template;  // text template of the key, e.g. {{context.production_id}}
};

struct RouteConfig {
  std::string name;
  std::vector<std::string> types;            // matches event.type
  std::map<std::string, std::string> match;  // extra equality conditions: "site": "plant-1"
  std::string target;
  std::string ordering_key_template;  // default "{{context.work_center}}"
  std::vector<std::string> require;   // fields that must resolve, else exception queue
  std::string body_template;          // JSON with {{...}} placeholders
  std::optional<RunningTotalConfig> running_total;
};

struct RetryConfig {
  Millis initial_backoff{500};
  Millis max_backoff{std::chrono::minutes(5)};
  int max_attempts = 20;
  Millis max_age{std::chrono::hours(24)};
};

struct CircuitBreakerConfig {
  int failure_threshold = 5;  // consecutive retryable failures that open the circuit
  Millis open_for{std::chrono::seconds(30)};
};

struct WebhookTargetConfig {
  std::string url;
  std::string method = "POST";
  std::map<std::string, std::string> headers;
  std::string hmac_secret;  // resolved from hmac_secret_file / hmac_secret_env at load
  std::string hmac_secret_file;
  std::string hmac_secret_env;
  std::string signature_header = "X-Plantbridge-Signature";
  Millis timeout{std::chrono::seconds(10)};
  std::string ca_file;  // for https; system default if empty
};

// kind: odoo. See docs/targets/odoo.md.
// targets.<name>.locations.<name>: an internal stock.location found by its complete name.
struct OdooLocationConfig {
  std::string complete_name;  // "WH/Quarantine"
  // Created (under the complete name's parent, usage internal) when Odoo has none.
  bool create = false;
};

// targets.<name>.picking_types.<name>: a stock.picking.type found by its name and warehouse.
struct OdooPickingTypeConfig {
  std::string name;       // "Internal Transfers"
  std::string warehouse;  // the warehouse's code ("WH"); "" when any
};

struct OdooTargetConfig {
  std::string url;  // http(s)://host[:port][/prefix]; /jsonrpc and /json/2/... go below it
  std::string db;
  std::string user;  // the integration user's login
  // The API key: resolved from api_key_file / api_key_env at load (never logged). The target
  // re-reads api_key_file when it changes, so a rotated key works without a restart.
  std::string api_key;
  std::string api_key_file;
  std::string api_key_env;
  Millis timeout{std::chrono::seconds(60)};
  std::string ca_file;  // for https; system default if empty
  // Odoo's major version when set (16..99): skips detection and picks the protocol (JSON-RPC
  // below 19, JSON-2 from 19). 0: detected at start-up with common.version.
  int version = 0;
  // Records the business operations name instead of giving Odoo ids (docs/targets/odoo.md,
  // "Named locations and picking types"), keyed by the name route bodies use.
  std::map<std::string, OdooLocationConfig> locations;
  std::map<std::string, OdooPickingTypeConfig> picking_types;
};

inline constexpr int kOdooDefaultInFlight = 1000;

struct TargetConfig {
  std::string name;
  std::string kind;  // "webhook" or "odoo" (QMS, CMMS later)
  int concurrency = 4;
  // Transactions the dispatcher hands over at once; 0: `concurrency`. Odoo targets take more
  // (kOdooDefaultInFlight) than they run (`concurrency`): see docs/targets/odoo.md.
  int in_flight = 0;
  RateLimitConfig rate_limit;
  RetryConfig retry;
  CircuitBreakerConfig circuit_breaker;
  WebhookTargetConfig webhook;
  OdooTargetConfig odoo;  // kind: odoo
};

// What a change of one signal turns into (connectors.<name>.signals[].emit[]). Signals are raw
// readings; these rules make business events of them at the edge (DESIGN.md, "Qualify").
struct SignalEmitConfig {
  // change: every new Good value; rising / falling: the value became truthy / falsy (a boolean,
  // or a number other than 0) -- alarm states, machine-running flags.
  enum class When { kChange, kRising, kFalling };
  When when = When::kChange;
  std::string type;          // event type, with a schema
  std::string value_field;   // payload field that takes the signal's value; "" for none
  std::string payload_json;  // constant payload fields, a JSON object ("{}" when none)
};

// One value a connector watches: a node of an OPC UA server.
struct SignalConfig {
  std::string name;
  std::string node_id;  // OPC UA NodeId text ("ns=2;s=CNC07.PartCounter"), or
  std::string path;     // a browse path from Objects ("2:CNC07/2:PartCounter"), re-resolved
  std::string asset;    // the canonical asset its events are about; "" for the connector's
  std::optional<Millis> sampling_interval;  // unset: the publishing interval
  uint32_t queue_size = 1;
  enum class Deadband { kNone, kAbsolute, kPercent };
  Deadband deadband = Deadband::kNone;
  double deadband_value = 0;
  std::vector<SignalEmitConfig> emit;
};

// kind: opcua. See docs/connectors/opcua.md.
struct OpcUaConnectorConfig {
  std::string endpoint;  // opc.tcp://host[:port][/path]
  std::string user;      // UserName identity; anonymous when empty
  std::string password;  // resolved from password_file / password_env at load (never logged)
  std::string password_file;
  std::string password_env;
  std::string security_policy = "None";  // None | Basic256Sha256
  std::string security_mode = "None";    // None | Sign | SignAndEncrypt
  std::string pki_dir;  // client certificate and trust list; default next to the store
  Millis publishing_interval{1000};
  Millis connect_timeout{5000};
  Millis request_timeout{10000};
  Millis reconnect_initial_backoff{500};
  Millis reconnect_max_backoff{30000};
};

// A plant-floor source that runs inside `plantbridge run` and feeds the journal directly.
struct ConnectorConfig {
  std::string name;
  std::string kind;   // "opcua"
  std::string site;   // "" for the config's site
  std::string asset;  // default canonical asset of its signals
  std::vector<SignalConfig> signals;
  OpcUaConnectorConfig opcua;
};

// The master-data sync (docs/targets/odoo.md, "Master data"): which Odoo target to read, and
// how often each model is read.
struct MasterDataModelConfig {
  std::string model;  // "mrp.workorder"
  Millis every{0};
  bool enabled = true;
};
struct MasterDataConfig {
  std::string source;                     // an odoo target's name
  Millis every{std::chrono::minutes(5)};  // default period of every model
  // Incremental reads ask for write_date >= (the newest write_date seen - overlap), so records
  // committed late by a long Odoo transaction are not missed.
  Millis overlap{std::chrono::minutes(5)};
  // The first read of work orders also takes those finished this long ago, so events that
  // arrive late after a restart still find their order.
  Millis history{std::chrono::hours(24 * 7)};
  // Retention: facts that ended longer ago than this are forgotten (store and cache), at most
  // once an hour. 0: kept for ever. Events older than this no longer find what was true then.
  Millis keep{std::chrono::hours(24 * 400)};
  // Inbound Odoo automation webhooks (POST /v1/hooks/odoo/<secret>); empty: no receiver.
  std::string webhook_secret;
  std::string webhook_secret_file;  // where it was read from (re-read on reload)
  std::string webhook_secret_env;
  // A hinted record is re-read this long after its webhook (Odoo 18 posts before it commits);
  // further hints for it meanwhile are collapsed into that one re-read.
  Millis webhook_delay{std::chrono::seconds(2)};
  // Business events the sync makes from what it reads (config_keys::kMasterDataEvents), e.g.
  // "maintenance.stage_changed"; opt-in, because each needs a schema and a route to matter.
  std::vector<std::string> events;
  // One entry per model the sync knows (kMasterDataModels), in that order, `every` resolved.
  std::vector<MasterDataModelConfig> models;
};

struct LogConfig {
  std::string level = "info";
  bool json = true;
};

struct Config {
  std::string source_file;
  std::string environment = "development";
  std::string site;
  ServerConfig server;
  StoreConfig store;
  AuthConfig auth;
  LogConfig log;
  std::map<std::string, EventSchema> schemas;  // by event type
  std::vector<CounterQualifierConfig> counter_qualifiers;
  std::vector<AssetMapping> asset_mappings;
  CodeMappings code_mappings;
  std::vector<DedupeRuleConfig> dedupe_rules;
  std::vector<RouteConfig> routes;
  std::vector<TargetConfig> targets;
  std::vector<ConnectorConfig> connectors;
  std::optional<MasterDataConfig> master_data;  // unset: no master data, enrich passes
};

// One problem in a config file.
struct ConfigError {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  std::string key;  // dotted path: "targets.erp.retry.max_attempts"
  std::string message;
  std::string toString() const;  // "plant.yaml:42: targets.erp.url: must be an http(s) URL"
};

// Loads and validates the whole file; either a complete Config or every error found.
struct ConfigLoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
};
ConfigLoadResult loadConfig(const std::string& path);
ConfigLoadResult loadConfigFromString(const std::string& yaml_text,
                                      const std::string& file_name = "<string>");

// Loads additional tokens from AuthConfig::token_file (SIGHUP reload).
Result<std::vector<TokenConfig>> loadTokenFile(const std::string& path);

}  // namespace pb
