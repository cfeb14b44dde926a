// The Odoo wire protocols, as pure functions over values (no I/O), so each piece is tested on
// its own against the shapes captured from real Odoo 18 and 19 servers
// (docs/targets/odoo.md; the facts: ODOO18_API.md §2, §10; ODOO19_JSON2.md §1, A.1, A.7).
//
//   JSON-RPC (Odoo 16-18, still served by 19):  POST /jsonrpc
//     {"jsonrpc":"2.0","method":"call","id":N,"params":{"service":"object","method":"execute_kw",
//      "args":[db, uid, api_key, model, method, args, kwargs]}}
//     -> HTTP 200 {"jsonrpc":"2.0","id":N,"result":...}; no `result` key when the method
//        returned None; errors HTTP 200 with {"error":{"code":..,"message":..,"data":{"name":..,
//        "message":..,"arguments":..,"context":..,"debug":..}}}.
//   JSON-2 (Odoo 19+):  POST /json/2/<model>/<method>, Authorization: bearer <key>,
//     X-Odoo-Database: <db>, a JSON object of named arguments (`ids`, `context` reserved)
//     -> 200 and the bare return value (`null` for None); errors 4xx/5xx with a flat
//        {"name":..,"message":..,"arguments":..,"context":..,"debug":..}.
//
// Errors are classified by the error's name (data.name in JSON-RPC, `name` in JSON-2), never by
// its message text, which is build-specific (ODOO18 §0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/transport/http_client.h"

namespace pb {

enum class OdooProtocol { kJsonRpc, kJson2 };
// "jsonrpc" / "json2" (the metric label and the log word).
const char* odooProtocolName(OdooProtocol protocol);

// The first major version spoken to over JSON-2; below it, JSON-RPC.
inline constexpr int kFirstJson2Version = 19;
// The oldest version the connector is meant for (older ones get a warning).
inline constexpr int kOldestSupportedVersion = 16;
OdooProtocol protocolForVersion(int major);

struct OdooVersion {
  std::string version;  // server_version, e.g. "18.0", "saas~18.2"
  int major = 0;        // server_version_info[0]
  int minor = 0;        // server_version_info[1]
};

// common.version's result ({"server_version":"18.0","server_version_info":[18,0,0,"final",0,""],
// ...}) or GET /json/version's body ({"version_info":[19,0,0,"final",0,""],"version":"19.0"}).
// InvalidArgument when neither shape is there.
Result<OdooVersion> parseOdooVersionInfo(std::string_view json);

// One ORM call in execute_kw's shape.
struct OdooCall {
  std::string model;               // "mrp.production"
  std::string method;              // "search_read"
  std::string args_json = "[]";    // positional arguments, a JSON array
  std::string kwargs_json = "{}";  // named arguments, a JSON object (may hold "context")
};

// The low-level transaction body: {"model": "...", "method": "...", "args": [...],
// "kwargs": {...}} (args and kwargs optional). InvalidArgument saying what is wrong.
Result<OdooCall> parseOdooCall(std::string_view body);

// ---- JSON-RPC requests ----
std::string encodeJsonRpcCall(int64_t id, std::string_view service, std::string_view method,
                              std::string_view args_json);
std::string encodeVersionRequest(int64_t id);
std::string encodeAuthenticateRequest(int64_t id, std::string_view db, std::string_view login,
                                      std::string_view api_key);
// execute_kw(db, uid, api_key, model, method, args, kwargs). InvalidArgument when the call's
// args / kwargs are not a JSON array / object.
Result<std::string> encodeExecuteKwRequest(int64_t id, std::string_view db, int64_t uid,
                                           std::string_view api_key, const OdooCall& call);

// ---- JSON-2 requests ----
// JSON-2 takes named arguments only (ODOO19 §1, capture 28). Positional arguments are bound to
// the Python parameter names of the method: a table for the ORM methods the facts list;
// for any other method the first positional argument is the record ids (`ids`) and further
// positional arguments are refused (name them in kwargs).
struct OdooMethodSignature {
  std::string_view method;
  bool on_records;  // the first positional argument is `ids`
  std::span<const std::string_view> params;
};
std::span<const OdooMethodSignature> odooMethodSignatures();

struct Json2Request {
  std::string target;  // "<prefix>/json/2/<model>/<method>"
  std::string body;    // a JSON object of named arguments
};
// `path_prefix` is the configured URL's path without its trailing '/', e.g. "" or "/odoo".
Result<Json2Request> encodeJson2Request(const OdooCall& call, std::string_view path_prefix = {});

// ---- answers ----
struct OdooReply {
  enum class Kind {
    kResult,     // the method ran; result_json is its value
    kOdooError,  // Odoo answered with an error object (error_name, message)
    kHttpError,  // an HTTP answer without an Odoo error object (a proxy's 502, a 415 page, ...)
    kTransport,  // no HTTP answer (failure, message)
    kMalformed,  // an answer that is not what the protocol promises
    kTooLarge,   // a success larger than the largest body read (the same call answers the same)
  };
  Kind kind = Kind::kMalformed;
  bool has_result = false;  // JSON-RPC: `result` present; JSON-2: body not `null`
  std::string result_json;  // kResult: the value as JSON text ("null" when none)
  std::string error_name;   // kOdooError: "odoo.exceptions.UserError", ...
  std::string message;      // Odoo's message, or what went wrong
  int http_status = 0;      // 0 without an HTTP answer
  std::string reason;       // the HTTP reason phrase
  std::string retry_after;  // the Retry-After header, when present
  std::string body;         // kHttpError / kMalformed: the response body
  TransportFailure failure = TransportFailure::kOther;  // kTransport
};

// A JSON-RPC answer. `expected_id`: the request's id; a different id is malformed.
OdooReply decodeJsonRpcResponse(const HttpClientResult& http, std::optional<int64_t> expected_id);
// A JSON-2 answer.
OdooReply decodeJson2Response(const HttpClientResult& http);

// ---- classification ----
enum class OdooErrorClass {
  kPermanent,  // Reject: the same call fails the same way (dead letter, Odoo's message)
  kRetry,      // Retry: the same call may succeed later
  kByStatus,   // the HTTP status decides (JSON-RPC's HTTP 200 counts as a 500)
};
const char* odooErrorClassName(OdooErrorClass c);

struct OdooErrorRule {
  std::string_view name;  // Odoo's error name, e.g. "odoo.exceptions.UserError"
  bool prefix;            // matches every name starting with `name`
  OdooErrorClass error_class;
  std::string_view why;
};
// The table, exact names first; the first matching row wins.
std::span<const OdooErrorRule> odooErrorRules();
// The class of an error name: its rule's, or kByStatus when no rule matches.
OdooErrorClass classifyOdooErrorName(std::string_view name);

// The delivery outcome of an answer:
//   kResult                       Delivered (message: the result, cut to max_message_bytes)
//   kOdooError                    by the name's class; kByStatus and unknown names by the HTTP
//                                 status (5xx and JSON-RPC's 200: Retry; 4xx: Reject)
//   kHttpError                    the HTTP table (http_classify.h): 408, 429, 5xx Retry
//                                 honouring Retry-After, other 4xx Reject, 3xx Retry
//   kTransport, kMalformed        Retry
//   kTooLarge                     Reject
// Reject messages are "<name>: <Odoo's message>".
DeliveryResult classifyOdooReply(const OdooReply& reply, TimePoint now,
                                 size_t max_message_bytes = 2048);

}  // namespace pb
