// An asynchronous HTTP/1.1 client for the targets (webhook, Odoo, ...): one I/O thread per
// client, requests to one configured endpoint (scheme, host, port).
//
// Connections: an answer that allows keep-alive (HTTP/1.1 without `Connection: close`)
// leaves its connection in a small idle pool for the next request; an answer with
// `Connection: close`, or any HTTP/1.0 answer without keep-alive (Odoo's own server answers
// every request that way), closes it, and the next request opens a fresh one. A pooled
// connection the server has closed meanwhile is replaced transparently, once, when the request
// allows it (HttpClientRequest::resend_on_stale_connection).
//
// TLS (https): TLS 1.2 or later, the server certificate verified against `ca_file` or the
// system's CAs, SNI and host name checks.
//
// Outcomes: every request ends with exactly one callback, either an HTTP response (any status:
// classifying it is the caller's business) or a transport failure of a named kind. Nothing is
// thrown. Asio and Beast stay in the .cc file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb {

// Kinds of transport failure (no HTTP answer was received).
enum class TransportFailure {
  kResolve,          // DNS lookup failed
  kConnectRefused,   // nobody listens
  kConnectionReset,  // the peer reset or closed the connection mid-request
  kTimeout,          // connect or request did not complete in time
  kTls,              // handshake or certificate verification failed
  kProtocol,         // the answer was not valid HTTP
  kCanceled,         // the client is shutting down
  kOther,
};
const char* transportFailureName(TransportFailure failure);

struct HttpClientHeader {
  std::string name;
  std::string value;
};

struct HttpClientOptions {
  // http:// or https:// URL. Its path and query are available as HttpClient::urlTarget().
  std::string url;
  // Prefix of the config keys in error messages, e.g. "targets.erp" gives
  // "targets.erp.url: must be an http or https URL".
  std::string config_key = "http";
  // PEM CA bundle for https; empty: the system's CAs.
  std::string ca_file;
  // Resolve + TCP connect + TLS handshake of a new connection (within the request timeout).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // The whole request, from start to the last byte of the answer, by default.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  // Idle keep-alive connections kept for reuse, and how long an idle one is trusted.
  size_t max_idle_connections = 4;
  std::chrono::milliseconds max_idle{std::chrono::seconds(30)};
  // The largest response body read; a larger one ends the connection and the response is
  // reported with body_truncated set (the status still tells the outcome).
  size_t max_response_body_bytes = size_t{1024} * 1024;
  std::string user_agent = "plantbridge";
};

struct HttpClientRequest {
  std::string method = "POST";  // GET, POST, PUT, PATCH, DELETE, ...
  std::string target = "/";     // path and query
  // Extra headers. Host, Content-Length and Connection are set by the client; User-Agent
  // unless given here.
  std::vector<HttpClientHeader> headers;
  std::string body;
  // 0: the client's request_timeout.
  std::chrono::milliseconds timeout{0};
  // A reused keep-alive connection that fails before any byte of the answer is most likely
  // one the server closed while idle: send once more on a fresh connection. Set false when a
  // second copy of the request could do harm (the first may have been processed).
  bool resend_on_stale_connection = true;
};

struct HttpClientResponse {
  int status = 0;
  std::string reason;
  int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<HttpClientHeader> headers;
  std::string body;
  bool body_truncated = false;     // over max_response_body_bytes; `body` is empty
  bool keep_alive = false;         // the connection went back to the pool
  bool reused_connection = false;  // the request went over a pooled connection
  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// A response, or the transport failure that prevented one.
struct HttpClientResult {
  std::optional<HttpClientResponse> response;
  TransportFailure failure = TransportFailure::kOther;  // when !response
  std::string error;  // when !response: stage, endpoint and cause, e.g. "connect 10.0.0.5:443: ..."
  bool ok() const { return response.has_value(); }
};

using HttpClientCallback = std::function<void(HttpClientResult)>;

struct HttpClientStats {
  uint64_t requests = 0;            // requests started
  uint64_t connections_opened = 0;  // TCP connections made
  uint64_t connections_reused = 0;  // requests sent over a pooled connection
  uint64_t stale_resends = 0;       // requests sent again after a stale pooled connection
};

// Thread-safe: requestAsync may be called from any thread, including from a callback.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Starts one request; `done` is called exactly once, on the client's I/O thread (or on the
  // caller's thread after shutdown). Must not block.
  virtual void requestAsync(HttpClientRequest request, HttpClientCallback done) = 0;
  // Cancels what is in flight (kCanceled) and stops the I/O thread. Idempotent; may be
  // called from a callback.
  virtual void shutdown() = 0;
  // The configured URL's path and query ("/" when it has none).
  virtual const std::string& urlTarget() const = 0;
  // "host:port" as written in the URL, for messages.
  virtual const std::string& authority() const = 0;
  virtual HttpClientStats stats() const = 0;
};

// InvalidArgument naming the key (<config_key>.url, <config_key>.ca_file) for a bad URL or CA
// file. Starts the I/O thread.
Result<std::unique_ptr<HttpClient>> makeHttpClient(const HttpClientOptions& options);

}  // namespace pb
