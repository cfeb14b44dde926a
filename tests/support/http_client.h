// A small blocking HTTP/1.1 client for tests (plain or TLS), with a timeout on every call so
// that a test fails instead of hanging. Beast stays inside http_client.cc.
//
// Besides whole requests it can send raw bytes (partial requests, pipelining) and wait for the
// server to close the connection. Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
  bool tls = false;
  // With TLS: the server certificate is verified against this PEM file when set, and not
  // verified at all when empty.
  std::string ca_file;
  std::string server_name = "localhost";  // SNI and certificate host name
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  bool keep_alive = true;
  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  // Connects (and handshakes, with TLS). Errors: Unavailable with the reason.
  static Result<std::unique_ptr<HttpClient>> connect(const std::string& host, uint16_t port,
                                                     ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (Host, and Content-Length when there is a body, are added) and reads its
  // final response (1xx interim responses are skipped).
  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string body = {}, const HeaderList& headers = {});
  Result<ClientResponse> get(std::string_view target, const HeaderList& headers = {}) {
    return request("GET", target, {}, headers);
  }
  Result<ClientResponse> post(std::string_view target, std::string body,
                              const HeaderList& headers = {}) {
    return request("POST", target, std::move(body), headers);
  }

  // Writes bytes as they are.
  Status sendRaw(std::string_view bytes);
  // Reads the next response, 1xx included. `head`: the answer to a HEAD request (no body
  // follows its header, whatever Content-Length says).
  Result<ClientResponse> readResponse(bool head = false);
  // Waits up to the timeout for the server to close the connection, dropping what it sends;
  // true when it closed (end of stream or reset), false on timeout.
  bool waitForClose();

  // TLS: the server certificate's subject common name; "" otherwise.
  std::string peerCommonName() const;
  // The local port of this connection (what the server sees as the remote port).
  uint16_t localPort() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds "Authorization: Bearer <token>".
inline std::pair<std::string, std::string> bearer(std::string_view token) {
  return {"Authorization", "Bearer " + std::string(token)};
}

}  // namespace pb::test
