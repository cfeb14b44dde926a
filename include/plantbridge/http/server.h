// An HTTP/1.1 server (Boost.Beast underneath, kept out of this header).
//
// - Keep-alive; requests on one connection are handled one after the other (a pipelined
//   request is not read before the previous response is written), so responses are always in
//   request order.
// - Optional TLS (PEM certificate chain and key files); reloadTls() re-reads them for new
//   connections without a restart (certificate rotation).
// - Limits: a body over max_body_bytes is answered 413 as soon as its Content-Length is seen
//   (or, chunked, as soon as the limit is crossed) without reading the rest; headers over
//   max_header_bytes 431; malformed requests 400. Those answers close the connection.
// - Timeouts: idle_timeout waiting for the next request on a kept-alive connection,
//   header_timeout from its first byte (and for the TLS handshake) to the end of the header,
//   body_timeout for the body, write_timeout for the response. A timed-out connection is
//   closed.
// - stop(grace): stops accepting, closes idle connections, lets requests in flight finish
//   (their responses carry Connection: close) and closes everything left when `grace` ends.
//
// The handler runs on an I/O thread and must not block for long; it answers through its
// Responder (see message.h), from any thread. The server writes the response on the
// connection's own strand.
//
// Thread-safety: start(), stop(), reloadTls() and port() may be called from any thread but
// not from a handler (stop() waits for handlers' connections to finish).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "plantbridge/common/status.h"
#include "plantbridge/http/message.h"

namespace pb {

class MetricsRegistry;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port; port() tells which after start()
  // Both set: HTTPS only. Both empty: plain HTTP.
  std::string tls_cert_file;  // PEM, certificate chain (leaf first)
  std::string tls_key_file;   // PEM, private key
  size_t max_body_bytes = size_t{8} * 1024 * 1024;
  size_t max_header_bytes = size_t{16} * 1024;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  int threads = 2;
  size_t max_connections = 4096;  // further connections are accepted and closed at once
  std::string server_header = "plantbridge";
  // Optional: plantbridge_http_* metrics (connections, requests, refusals, timeouts). The
  // registry must outlive the server.
  MetricsRegistry* metrics = nullptr;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  // Stops (with no grace) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files (if any), binds, listens and starts the I/O threads. Errors name the
  // address or the file. Call once.
  Status start();
  // The bound port (the chosen one when options.port was 0); 0 before start().
  uint16_t port() const;
  bool tlsEnabled() const;
  // Re-reads the certificate and key; connections accepted afterwards use them. On error the
  // previous ones stay in use. InvalidArgument when TLS is off.
  Status reloadTls();
  // Graceful stop (see above). Idempotent; returns when every connection is closed and the I/O
  // threads have ended. Responders called afterwards are ignored.
  void stop(std::chrono::milliseconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb
