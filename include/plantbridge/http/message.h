// HTTP request and response values and the asynchronous handler signature, free of Asio and
// Beast so that handlers (ingest, admin API) are written and tested without them.
//
// A handler is called once per request, on one of the server's I/O threads, and must answer
// by calling its Responder exactly once, from any thread, now or later (e.g. after the
// store's group commit). A Responder that is destroyed without being called answers 500. A
// second call is ignored. Responders are cheap to copy; all copies answer the same request.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/common/json_text.h"
#include "plantbridge/common/status.h"

namespace pb {

// Header fields in the order they were added. Names compare case-insensitively.
class HttpHeaders {
 public:
  using Field = std::pair<std::string, std::string>;

  void add(std::string name, std::string value);
  // Replaces every field of that name with one.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  // The first field of that name.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", ...
  std::string target;  // the raw request-target: "/v1/dead-letters?limit=10"
  // The target's path, still percent-encoded (a transaction id may contain an encoded '/');
  // the Router decodes each segment.
  std::string path;
  QueryParams query;  // decoded ('+' is a space), in order
  HttpHeaders headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53122", "[::1]:53122"
  bool tls = false;

  // The header's value, or "" when absent.
  std::string_view header(std::string_view name) const;
  // The first query parameter of that name.
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  // application/json
  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // The error shape every plantbridge endpoint answers with:
  //   {"error":{"code":"not_found","message":"no route for GET /x"}}
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, Responder)>;

// Percent-decoding. With `plus_as_space` (query strings) '+' decodes to ' '. False on a
// malformed escape ("%4", "%zz"); `out` is then unspecified.
bool percentDecode(std::string_view in, std::string& out, bool plus_as_space);
// Encodes everything except unreserved characters (RFC 3986: A-Z a-z 0-9 - . _ ~).
std::string percentEncode(std::string_view in);
// Splits an origin-form request-target into its (still encoded) path and decoded query.
// InvalidArgument for a target that does not start with '/' or has a malformed escape.
Status parseRequestTarget(std::string_view target, std::string& path, QueryParams& query);

// Case-insensitive ASCII comparison (header names, tokens).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace pb
