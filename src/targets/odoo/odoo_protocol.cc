// Odoo's JSON-RPC and JSON-2 requests and answers (see odoo_protocol.h).
#include "plantbridge/targets/odoo_protocol.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "plantbridge/targets/http_classify.h"

namespace pb {
namespace {

namespace json = boost::json;
using Kind = OdooReply::Kind;

std::optional<json::value> parseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

std::optional<int64_t> asInt(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_double()) {
    const double d = v.as_double();
    if (d >= -1e15 && d <= 1e15 && static_cast<double>(static_cast<int64_t>(d)) == d) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

std::string stringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool isModelName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

bool isMethodName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool isIds(const json::value& v) {
  if (asInt(v)) return true;
  if (!v.is_array()) return false;
  const json::array& a = v.as_array();
  return std::all_of(a.begin(), a.end(), [](const json::value& e) { return asInt(e).has_value(); });
}

// Readable text of an HTML error page (the 415 and unknown-database pages of ODOO19 §1.1, a
// proxy's 502): tags dropped, the common entities decoded, white space collapsed.
std::string htmlToText(std::string_view html) {
  std::string out;
  bool in_tag = false;
  bool in_comment = false;
  for (size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (in_comment) {
      if (html.substr(i, 3) == "-->") {
        in_comment = false;
        i += 2;
      }
      continue;
    }
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        out += ' ';
      }
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      in_comment = true;
      i += 3;
      continue;
    }
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (c == '&') {
      static constexpr std::array<std::pair<std::string_view, char>, 6> kEntities{
          {{"&lt;", '<'},
           {"&gt;", '>'},
           {"&amp;", '&'},
           {"&quot;", '"'},
           {"&#39;", '\''},
           {"&#x27;", '\''}}};
      bool decoded = false;
      for (const auto& [entity, ch] : kEntities) {
        if (html.substr(i, entity.size()) == entity) {
          out += ch;
          i += entity.size() - 1;
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    out += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
  }
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

bool isHtml(const HttpClientResponse& res) {
  std::string type = res.header("Content-Type");
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type.find("text/html") != std::string::npos;
}

OdooReply fromTransport(const HttpClientResult& http) {
  OdooReply r;
  r.kind = Kind::kTransport;
  r.failure = http.failure;
  r.message = http.error;
  return r;
}

OdooReply httpError(const HttpClientResponse& res) {
  OdooReply r;
  r.kind = Kind::kHttpError;
  r.http_status = res.status;
  r.reason = res.reason;
  r.retry_after = res.header("Retry-After");
  r.body = res.body;
  const std::string text = isHtml(res) ? htmlToText(res.body) : std::string();
  if (res.status >= 300 && res.status < 400) {
    const std::string location = res.header("Location");
    r.message = fmt::format("HTTP {} {} to '{}': redirects are not followed", res.status,
                            res.reason, location);
    if (location.find("/web/login") != std::string::npos) {
      r.message +=
          " (a /json/ path answered by the login page: this server has no JSON-2 API, "
          "which arrived in Odoo 19)";
    }
  } else if (!text.empty()) {
    r.message = fmt::format("HTTP {} {}: {}", res.status, res.reason, text);
  }
  return r;
}

OdooReply tooLarge(const HttpClientResponse& res) {
  OdooReply r;
  r.kind = Kind::kTooLarge;
  r.http_status = res.status;
  r.reason = res.reason;
  r.message =
      "the answer is larger than the largest body read: ask for fewer records "
      "(limit) or fewer fields";
  return r;
}

OdooReply malformed(const HttpClientResponse& res, std::string what) {
  OdooReply r;
  r.kind = Kind::kMalformed;
  r.http_status = res.status;
  r.reason = res.reason;
  r.message = fmt::format("{}: {}", what, truncateUtf8(res.body, 200));
  return r;
}

// The flat error object of JSON-2, and JSON-RPC's error.data.
void readErrorObject(const json::object& o, OdooReply& r) {
  r.error_name = stringAt(o, "name");
  r.message = stringAt(o, "message");
}

std::string joinPrefix(std::string_view prefix, std::string_view path) {
  std::string out(prefix);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += path;
  return out;
}

constexpr std::string_view kSearchParams[] = {"domain", "offset", "limit", "order"};
constexpr std::string_view kSearchReadParams[] = {"domain", "fields", "offset", "limit", "order"};
constexpr std::string_view kSearchCountParams[] = {"domain", "limit"};
constexpr std::string_view kReadParams[] = {"fields"};
constexpr std::string_view kWriteParams[] = {"vals"};
constexpr std::string_view kCreateParams[] = {"vals_list"};
constexpr std::string_view kLoadParams[] = {"fields", "data"};
constexpr std::string_view kFieldsGetParams[] = {"allfields", "attributes"};
constexpr std::string_view kCheckObjectReferenceParams[] = {"module", "xml_id"};

// ODOO19 §1's argument table, with the positions of Odoo's Python signatures.
constexpr OdooMethodSignature kSignatures[] = {
    {"search", false, kSearchParams},
    {"search_read", false, kSearchReadParams},
    {"search_count", false, kSearchCountParams},
    {"read", true, kReadParams},
    {"write", true, kWriteParams},
    {"create", false, kCreateParams},
    {"unlink", true, {}},
    {"load", false, kLoadParams},
    {"fields_get", false, kFieldsGetParams},
    {"check_object_reference", false, kCheckObjectReferenceParams},
};

using C = OdooErrorClass;

// Classified by name (ODOO18 §10, errors_jsonrpc.json; ODOO19 §1.1), never by message text.
constexpr OdooErrorRule kErrorRules[] = {
    {"odoo.exceptions.AccessDenied", false, C::kPermanent,
     "wrong or expired API key, or unknown user (18 §10 d2; 19 JSON-RPC 5.6)"},
    {"odoo.exceptions.AccessError", false, C::kPermanent,
     "the integration user lacks a right, or a private method (18 §10 c, c2, g; 19: 403)"},
    {"odoo.exceptions.ValidationError", false, C::kPermanent,
     "a constraint or a missing required field (18 §10 b, b2; 19: 422)"},
    {"odoo.exceptions.UserError", false, C::kPermanent,
     "a business rule refused, or an unknown model over JSON-RPC (18 §10 a, e; 19: 422)"},
    {"odoo.exceptions.MissingError", false, C::kPermanent,
     "the record does not exist or was deleted (18 §10 h; 19: 404)"},
    {"builtins.ValueError", false, C::kPermanent,
     "an invalid field, value or external id (18 §10 i, §8; 19: 500)"},
    {"builtins.AttributeError", false, C::kPermanent, "an unknown method over JSON-RPC (18 §10 f)"},
    {"builtins.TypeError", false, C::kPermanent,
     "arguments that do not fit the method's signature (JSON-RPC)"},
    {"odoo.exceptions.RedirectWarning", false, C::kPermanent,
     "a business warning asking for configuration (a plain Exception, 500: 19 §1.1)"},
    {"odoo.exceptions.LockError", false, C::kRetry,
     "a record lock could not be taken now (19 §1.1: 409)"},
    {"psycopg2.errors.SerializationFailure", false, C::kRetry,
     "a concurrent update outlasted Odoo's own 5 retries (18 §0, §11; 19 E1: 500)"},
    {"psycopg2.", true, C::kRetry,
     "other database-level failures (deadlock, lock timeout, lost connection)"},
    {"werkzeug.exceptions.Unauthorized", false, C::kPermanent,
     "JSON-2: no, wrong or expired API key (19 captures 16-18b: 401)"},
    {"werkzeug.exceptions.NotFound", false, C::kPermanent,
     "JSON-2: unknown model or method (19 captures 5, 6, 14, 15: 404)"},
    {"werkzeug.exceptions.UnprocessableEntity", false, C::kPermanent,
     "JSON-2: a missing, unexpected or misplaced argument (19 captures 8-10, 12, 28: 422)"},
    {"werkzeug.exceptions.BadRequest", false, C::kPermanent,
     "JSON-2: the body is not JSON (19 capture 11: 400)"},
    {"werkzeug.exceptions.", true, C::kByStatus, "other HTTP exceptions: by their status"},
};

}  // namespace

const char* odooProtocolName(OdooProtocol protocol) {
  return protocol == OdooProtocol::kJson2 ? "json2" : "jsonrpc";
}

OdooProtocol protocolForVersion(int major) {
  return major >= kFirstJson2Version ? OdooProtocol::kJson2 : OdooProtocol::kJsonRpc;
}

Result<OdooVersion> parseOdooVersionInfo(std::string_view text) {
  const auto parsed = parseJson(text);
  if (!parsed || !parsed->is_object()) {
    return Status::invalidArgument("the version answer is not a JSON object");
  }
  const json::object& o = parsed->as_object();
  const json::value* info = o.if_contains("server_version_info");
  std::string version = stringAt(o, "server_version");
  if (info == nullptr) {
    info = o.if_contains("version_info");
    version = stringAt(o, "version");
  }
  if (info == nullptr || !info->is_array() || info->as_array().size() < 2) {
    return Status::invalidArgument(
        "the version answer has no server_version_info (or version_info) list");
  }
  const auto major = asInt(info->as_array()[0]);
  const auto minor = asInt(info->as_array()[1]);
  if (!major || !minor || *major <= 0 || *major > 1000 || *minor < 0 || *minor > 1000) {
    return Status::invalidArgument(
        "the version answer's version_info does not start with two "
        "numbers: " +
        json::serialize(*info));
  }
  OdooVersion v;
  v.major = static_cast<int>(*major);
  v.minor = static_cast<int>(*minor);
  v.version = version.empty() ? fmt::format("{}.{}", v.major, v.minor) : version;
  return v;
}

Result<OdooCall> parseOdooCall(std::string_view body) {
  const auto parsed = parseJson(body);
  if (!parsed) return Status::invalidArgument("the body is not JSON");
  if (!parsed->is_object()) {
    return Status::invalidArgument(
        R"(the body must be a JSON object {"model": ..., "method": ..., "args": [...], )"
        R"("kwargs": {...}})");
  }
  const json::object& o = parsed->as_object();
  for (const auto& [key, value] : o) {
    if (key != "model" && key != "method" && key != "args" && key != "kwargs") {
      return Status::invalidArgument(fmt::format(
          "unknown key '{}' (an Odoo call has model, method, args and kwargs)", std::string(key)));
    }
  }
  OdooCall call;
  const json::value* model = o.if_contains("model");
  if (model == nullptr || !model->is_string() || !isModelName(model->as_string())) {
    return Status::invalidArgument("'model' must be an Odoo model name such as \"mrp.production\"");
  }
  call.model = std::string(model->as_string());
  const json::value* method = o.if_contains("method");
  if (method == nullptr || !method->is_string() || !isMethodName(method->as_string())) {
    return Status::invalidArgument("'method' must be a method name such as \"search_read\"");
  }
  call.method = std::string(method->as_string());
  if (const json::value* args = o.if_contains("args")) {
    if (!args->is_array()) return Status::invalidArgument("'args' must be a JSON array");
    call.args_json = json::serialize(*args);
  }
  if (const json::value* kwargs = o.if_contains("kwargs")) {
    if (!kwargs->is_object()) return Status::invalidArgument("'kwargs' must be a JSON object");
    call.kwargs_json = json::serialize(*kwargs);
  }
  return call;
}

std::string encodeJsonRpcCall(int64_t id, std::string_view service, std::string_view method,
                              std::string_view args_json) {
  auto args = parseJson(args_json);
  json::object params;
  params["service"] = service;
  params["method"] = method;
  params["args"] = args && args->is_array() ? std::move(*args) : json::value(json::array());
  json::object request;
  request["jsonrpc"] = "2.0";
  request["method"] = "call";
  request["id"] = id;
  request["params"] = std::move(params);
  return json::serialize(request);
}

std::string encodeVersionRequest(int64_t id) {
  return encodeJsonRpcCall(id, "common", "version", "[]");
}

std::string encodeAuthenticateRequest(int64_t id, std::string_view db, std::string_view login,
                                      std::string_view api_key) {
  json::array args{json::string(db), json::string(login), json::string(api_key), json::object()};
  return encodeJsonRpcCall(id, "common", "authenticate", json::serialize(args));
}

Result<std::string> encodeExecuteKwRequest(int64_t id, std::string_view db, int64_t uid,
                                           std::string_view api_key, const OdooCall& call) {
  auto args = parseJson(call.args_json);
  if (!args || !args->is_array()) return Status::invalidArgument("args must be a JSON array");
  auto kwargs = parseJson(call.kwargs_json);
  if (!kwargs || !kwargs->is_object()) {
    return Status::invalidArgument("kwargs must be a JSON object");
  }
  json::array execute{json::string(db), uid, json::string(api_key), json::string(call.model),
                      json::string(call.method)};
  execute.push_back(std::move(*args));
  execute.push_back(std::move(*kwargs));
  return encodeJsonRpcCall(id, "object", "execute_kw", json::serialize(execute));
}

std::span<const OdooMethodSignature> odooMethodSignatures() { return kSignatures; }

Result<Json2Request> encodeJson2Request(const OdooCall& call, std::string_view path_prefix) {
  if (!isModelName(call.model)) {
    return Status::invalidArgument("'" + call.model + "' is not an Odoo model name");
  }
  if (!isMethodName(call.method)) {
    return Status::invalidArgument("'" + call.method + "' is not a method name");
  }
  auto args = parseJson(call.args_json);
  if (!args || !args->is_array()) return Status::invalidArgument("args must be a JSON array");
  auto kwargs = parseJson(call.kwargs_json);
  if (!kwargs || !kwargs->is_object()) {
    return Status::invalidArgument("kwargs must be a JSON object");
  }
  const OdooMethodSignature* signature = nullptr;
  for (const OdooMethodSignature& s : kSignatures) {
    if (s.method == call.method) signature = &s;
  }
  const bool on_records = signature == nullptr || signature->on_records;
  const std::span<const std::string_view> params =
      signature != nullptr ? signature->params : std::span<const std::string_view>();
  json::object body;
  const json::array& positional = args->as_array();
  size_t next = 0;
  if (on_records && !positional.empty()) {
    if (!isIds(positional[0])) {
      return Status::invalidArgument(fmt::format(
          "{}.{}: the first positional argument must be the record ids (JSON-2 passes other "
          "arguments by name: put them in kwargs)",
          call.model, call.method));
    }
    body["ids"] = positional[0];
    next = 1;
  }
  for (size_t param = 0; next < positional.size(); ++next, ++param) {
    if (param >= params.size()) {
      return Status::invalidArgument(fmt::format(
          "{}.{}: positional argument {} has no known name; JSON-2 takes named arguments "
          "only, so give it in kwargs under its Python parameter name",
          call.model, call.method, next + 1));
    }
    body[params[param]] = positional[next];
  }
  for (const auto& [key, value] : kwargs->as_object()) {
    if (body.contains(key)) {
      return Status::invalidArgument(fmt::format("{}.{}: '{}' is given both in args and kwargs",
                                                 call.model, call.method, std::string(key)));
    }
    body[key] = value;
  }
  Json2Request out;
  out.target = joinPrefix(path_prefix, "/json/2/" + call.model + "/" + call.method);
  out.body = json::serialize(body);
  return out;
}

OdooReply decodeJsonRpcResponse(const HttpClientResult& http, std::optional<int64_t> expected_id) {
  if (!http.ok()) return fromTransport(http);
  const HttpClientResponse& res = *http.response;
  if (res.status != 200) return httpError(res);
  if (res.body_truncated) return tooLarge(res);
  const auto parsed = parseJson(res.body);
  if (!parsed || !parsed->is_object()) return malformed(res, "not a JSON-RPC answer");
  const json::object& o = parsed->as_object();
  if (expected_id) {
    const json::value* id = o.if_contains("id");
    if (id != nullptr && !id->is_null() && asInt(*id) != expected_id) {
      return malformed(
          res, fmt::format("a JSON-RPC answer for another request (expected id {})", *expected_id));
    }
  }
  OdooReply r;
  r.http_status = res.status;
  r.reason = res.reason;
  if (const json::value* error = o.if_contains("error")) {
    r.kind = Kind::kOdooError;
    if (error->is_object()) {
      const json::object& e = error->as_object();
      if (const json::value* data = e.if_contains("data"); data != nullptr && data->is_object()) {
        readErrorObject(data->as_object(), r);
      }
      if (r.message.empty()) r.message = stringAt(e, "message");
    }
    if (r.message.empty()) r.message = json::serialize(*error);
    return r;
  }
  r.kind = Kind::kResult;
  const json::value* result = o.if_contains("result");
  // A method returning None answers without `result` (ODOO18 §0): a success.
  r.has_result = result != nullptr && !result->is_null();
  r.result_json = r.has_result ? json::serialize(*result) : "null";
  return r;
}

OdooReply decodeJson2Response(const HttpClientResult& http) {
  if (!http.ok()) return fromTransport(http);
  const HttpClientResponse& res = *http.response;
  if (res.status >= 200 && res.status < 300) {
    if (res.body_truncated) return tooLarge(res);
    OdooReply r;
    r.http_status = res.status;
    r.reason = res.reason;
    if (res.body.empty()) {
      r.kind = Kind::kResult;
      r.result_json = "null";
      return r;
    }
    const auto parsed = parseJson(res.body);
    if (!parsed) return malformed(res, "not a JSON answer");
    r.kind = Kind::kResult;
    // The bare return value; `null` for a method returning None (ODOO19 §1, capture 4.9).
    r.has_result = !parsed->is_null();
    r.result_json = json::serialize(*parsed);
    return r;
  }
  if (!res.body_truncated && !isHtml(res)) {
    const auto parsed = parseJson(res.body);
    if (parsed && parsed->is_object()) {
      const json::object& o = parsed->as_object();
      if (const json::value* name = o.if_contains("name"); name != nullptr && name->is_string()) {
        OdooReply r;
        r.kind = Kind::kOdooError;
        r.http_status = res.status;
        r.reason = res.reason;
        r.retry_after = res.header("Retry-After");
        readErrorObject(o, r);
        return r;
      }
    }
  }
  return httpError(res);
}

const char* odooErrorClassName(OdooErrorClass c) {
  switch (c) {
    case OdooErrorClass::kPermanent:
      return "permanent";
    case OdooErrorClass::kRetry:
      return "retry";
    case OdooErrorClass::kByStatus:
      return "by HTTP status";
  }
  return "by HTTP status";
}

std::span<const OdooErrorRule> odooErrorRules() { return kErrorRules; }

OdooErrorClass classifyOdooErrorName(std::string_view name) {
  if (name.empty()) return OdooErrorClass::kByStatus;
  for (const OdooErrorRule& rule : kErrorRules) {
    const bool match =
        rule.prefix ? name.substr(0, rule.name.size()) == rule.name : name == rule.name;
    if (match) return rule.error_class;
  }
  return OdooErrorClass::kByStatus;
}

DeliveryResult classifyOdooReply(const OdooReply& reply, TimePoint now, size_t max_message_bytes) {
  switch (reply.kind) {
    case Kind::kResult:
      return DeliveryResult::delivered(reply.http_status,
                                       truncateUtf8(reply.result_json, max_message_bytes));
    case Kind::kTransport:
      return classifyTransportFailure(reply.failure, reply.message);
    case Kind::kMalformed:
      return DeliveryResult::retry(truncateUtf8(reply.message, max_message_bytes),
                                   reply.http_status);
    case Kind::kTooLarge:
      return DeliveryResult::reject(truncateUtf8(reply.message, max_message_bytes),
                                    reply.http_status);
    case Kind::kHttpError: {
      DeliveryResult r = classifyHttpResponse(reply.http_status, reply.reason, reply.body,
                                              reply.retry_after, now, max_message_bytes);
      if (!reply.message.empty()) r.message = truncateUtf8(reply.message, max_message_bytes);
      return r;
    }
    case Kind::kOdooError:
      break;
  }
  const std::string message = truncateUtf8(
      reply.error_name.empty() ? reply.message : reply.error_name + ": " + reply.message,
      max_message_bytes);
  Micros after{0};
  if (!reply.retry_after.empty()) after = parseRetryAfter(reply.retry_after, now).value_or(after);
  switch (classifyOdooErrorName(reply.error_name)) {
    case OdooErrorClass::kPermanent:
      return DeliveryResult::reject(message, reply.http_status);
    case OdooErrorClass::kRetry:
      return DeliveryResult::retry(message, reply.http_status, after);
    case OdooErrorClass::kByStatus:
      break;
  }
  // JSON-RPC reports every error with HTTP 200: an error no rule knows counts as a 500.
  const int status = reply.http_status >= 200 && reply.http_status < 300 ? 500 : reply.http_status;
  DeliveryResult r = classifyHttpResponse(status, reply.reason, message, reply.retry_after, now,
                                          max_message_bytes);
  r.http_status = reply.http_status;
  r.message = message;
  return r;
}

}  // namespace pb
