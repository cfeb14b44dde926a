// Starts tools/http_sink (pb_http_sink) as a child process for a test, reads its port from
// the first line it prints, talks to its control and stats endpoints, and stops it by pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb::test {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// One request on a fresh connection (TLS without verification when `tls`), 10 s timeout.
Result<HttpAnswer> httpCall(uint16_t port, const std::string& method, const std::string& target,
                            const std::string& body = {}, bool tls = false);

// A free local port (bound, then released), for "connection refused" tests.
uint16_t unusedPort();

class SinkProcess {
 public:
  SinkProcess() = default;
  ~SinkProcess();
  SinkProcess(const SinkProcess&) = delete;
  SinkProcess& operator=(const SinkProcess&) = delete;

  // Starts the sink with `args` (e.g. {"--secret", "s"}); waits for its "listening" line.
  Status start(std::vector<std::string> args = {});
  // SIGTERM, then waits for the process to end.
  void stop();

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& path = "/hook") const;
  bool tls() const { return tls_; }

  // GET /stats as parsed numbers: requests, total, distinct, duplicates, bad_signatures, ...
  Result<int64_t> stat(const std::string& name);
  // POST /control?<query>
  Status control(const std::string& query);
  // The raw JSON of GET /recent.
  Result<std::string> recentJson();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  bool tls_ = false;
};

// Writes a self-signed certificate (CN and DNS SAN "localhost", CA:TRUE so it can be its own
// trust anchor) and its key as PEM files into `dir`; returns {cert path, key path}.
Result<std::pair<std::string, std::string>> writeSelfSignedCertificate(const std::string& dir);

}  // namespace pb::test
