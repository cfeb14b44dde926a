// The Odoo target (kind "odoo"), part 1: the protocol layer. See docs/targets/odoo.md.
//
// At start-up the client detects the server's version (POST /jsonrpc common.version ->
// server_version_info; GET /json/version where /jsonrpc is gone) unless the config names it,
// picks the protocol (JSON-RPC below 19, JSON-2 from 19 on), logs in with the integration
// user's API key and logs what it found. The version is exported as the metric
//   plantbridge_odoo_server_info{target="erp",version="18.0",protocol="jsonrpc"} 1
// A server that cannot be reached is tried again by the next call.
//
// A transaction's body is a business operation ({"operation": "scrap", ...}: a resumable,
// exactly-once sequence of Odoo calls, src/targets/odoo/odoo_operations.h), or the low-level
// form, one ORM call:
//   {"model": "mrp.production", "method": "write", "args": [[7], {"qty_producing": 3}],
//    "kwargs": {"context": {...}}}
// executed as one Odoo call (one transaction in Odoo).
//
// Outcomes are classified by the Odoo error's name (odoo_protocol.h): permanent errors are
// rejected with Odoo's message (dead letter), the rest retried.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/dispatch/target_registry.h"
#include "plantbridge/targets/odoo_names.h"
#include "plantbridge/targets/odoo_protocol.h"
#include "plantbridge/transport/http_client.h"

namespace pb {

inline constexpr const char* kOdooKind = "odoo";

struct OdooServerInfo {
  std::string version;  // "18.0" (server_version), or "19" from the config's `version`
  int major = 0;
  int minor = 0;
  OdooProtocol protocol = OdooProtocol::kJsonRpc;
  bool detected = false;  // false: taken from the config's `version`
  int64_t uid = 0;        // the integration user's id, after login
};

struct OdooClientOptions {
  size_t max_message_bytes = 2048;
  // search_read answers can be large; a larger answer is rejected, never cut.
  size_t max_response_body_bytes = size_t{16} * 1024 * 1024;
  // Connecting (resolve, TCP, TLS) may take at most this long (and at most the timeout).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Idle keep-alive connections (only when a proxy offers keep-alive) older than this are not
  // reused.
  std::chrono::milliseconds max_idle{std::chrono::seconds(15)};
};

// What a call carries besides the call itself (sent as headers, for proxies' logs).
struct OdooCallMeta {
  std::string idempotency_key;  // the transaction id
  std::string correlation_id;
};

struct OdooCallResult {
  DeliveryResult outcome;   // Delivered / Retry / Reject, as a transaction would get it
  bool has_result = false;  // false: the method returned nothing (a success all the same)
  std::string result_json;  // Delivered: the return value as JSON ("null" when none)
  std::string error_name;   // Odoo's error name when Odoo answered with an error
};
using OdooCallback = std::function<void(OdooCallResult)>;

// The protocol client: session (version, login), calls, key rotation. Thread-safe.
class OdooClient {
 public:
  virtual ~OdooClient() = default;
  // Detects the version and logs in if that has not happened yet (or the key changed); then
  // `done` gets the server info, or why there is none: Unauthenticated for a refused login
  // (naming the user and the database, never the key), Unavailable when Odoo cannot be
  // reached, InvalidArgument for an answer that makes no sense.
  virtual void connectAsync(std::function<void(Result<OdooServerInfo>)> done) = 0;
  // One ORM call. `done` is called exactly once, from any thread.
  virtual void callAsync(OdooCall call, OdooCallMeta meta, OdooCallback done) = 0;
  // The server, once connected.
  virtual std::optional<OdooServerInfo> serverInfo() const = 0;
  // Names for the connected server's version (Odoo 18's until connected).
  virtual OdooNames names() const = 0;
  // Re-reads the API key now (to be wired to SIGHUP); the next call logs in with the new key.
  virtual Status reloadCredentials() = 0;
  virtual HttpClientStats httpStats() const = 0;
  // Cancels what is in flight (Retry) and stops.
  virtual void shutdown() = 0;
};

// `metrics` may be null (the client then keeps its metrics to itself). InvalidArgument naming
// the key (targets.<name>.url, .api_key_file, ...) for a bad config.
Result<std::unique_ptr<OdooClient>> makeOdooClient(const TargetConfig& config, const Clock& clock,
                                                   MetricsRegistry* metrics = nullptr,
                                                   OdooClientOptions options = {});

// The target: parses each transaction's low-level body and makes the call. Starts detecting
// the version and logging in at once, without blocking.
Result<std::unique_ptr<Target>> makeOdooTarget(const TargetConfig& config, const Clock& clock,
                                               MetricsRegistry* metrics = nullptr,
                                               OdooClientOptions options = {});

// What an odoo target's business operations did so far.
struct OdooOperationStats {
  uint64_t operations = 0;          // operations answered, coalesced ones included
  uint64_t coalesced = 0;           // answered by a later operation's write
  uint64_t calls = 0;               // Odoo calls the operations made
  int64_t call_latency_us = 0;      // their latencies, summed
  size_t concurrency_limit = 0;     // operations allowed at once now
  int64_t baseline_latency_us = 0;  // Odoo's learnt unloaded call latency
};
// Zeros when `target` is not an odoo target.
OdooOperationStats odooOperationStats(Target& target);

// The client behind an odoo target, or nullptr when `target` is not one.
OdooClient* odooClientOf(Target& target);

// Registers kind "odoo" (its factory uses TargetContext::metrics when set).
Status registerOdooTarget(TargetFactoryRegistry& registry);

}  // namespace pb
