// Starts a real plantbridge hub (the binary under test) and a real HTTP sink as child
// processes on 127.0.0.1, with a config written to a temp dir. Shared by the integration and
// crash tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace pb::test {

inline constexpr const char* kIngestToken = "test-ingest-token";
inline constexpr const char* kAdminToken = "test-admin-token";
inline constexpr const char* kReadToken = "test-read-token";
inline constexpr const char* kWebhookSecret = "test-webhook-secret";

struct HarnessOptions {
  std::string extra_yaml;     // appended to the config (inside `targets:`)
  std::string extra_routes;   // appended to `routes:` (list items, indented by 2)
  std::string extra_schemas;  // appended to `schemas:` (entries indented by 2)
  int max_attempts = 20;
  std::string initial_backoff = "50ms";
  std::string max_backoff = "500ms";
  std::string max_body_bytes = "1MiB";
  std::string ingest_rate_limit;  // e.g. "{per_second: 10, burst: 10}"
  uint16_t hub_port = 0;          // fixed port (crash test restarts on the same one)
};

class HubHarness {
 public:
  explicit HubHarness(HarnessOptions options = {});
  ~HubHarness();

  Status startSink();
  Status writeConfig();
  Status startHub();
  // SIGTERM and wait; returns the exit code.
  Result<int> stopHub(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void killHub();  // SIGKILL

  uint16_t hubPort() const { return hub_port_; }
  uint16_t sinkPort() const { return sink_port_; }
  const std::string& configPath() const { return config_path_; }
  const std::string& storePath() const { return store_path_; }
  const std::string& hubStderr() const { return hub_stderr_; }  // the file's path
  std::string hubLog() const;                                   // its content
  TempDir& dir() { return dir_; }
  ChildProcess& hub() { return hub_; }

  // A new keep-alive connection to the hub.
  std::unique_ptr<HttpClient> hubClient();
  Result<ClientResponse> postEvents(const std::string& body,
                                    const std::string& token = kIngestToken);
  Result<ClientResponse> hubGet(const std::string& target, const std::string& token = kAdminToken);
  Result<ClientResponse> hubRequest(const std::string& method, const std::string& target,
                                    const std::string& token = kAdminToken);

  // Sink state: GET /stats field (distinct, total, duplicates, bad_signatures...).
  Result<int64_t> sinkStat(const std::string& name);
  Result<std::vector<std::string>> sinkKeys();
  Status sinkControl(const std::string& query);
  // Waits until the sink's `distinct` count reaches `n` (bounded by `timeout`).
  Status waitForSinkDistinct(int64_t n, std::chrono::milliseconds timeout);

  // `plantbridge <args...>` with this config; exit code and output.
  Result<CommandResult> runCli(std::vector<std::string> args);

 private:
  HarnessOptions options_;
  TempDir dir_;
  ChildProcess sink_;
  ChildProcess hub_;
  uint16_t sink_port_ = 0;
  uint16_t hub_port_ = 0;
  std::string config_path_;
  std::string store_path_;
  std::string hub_stderr_;
};

// One canonical event as JSON.
std::string eventJson(const std::string& id, const std::string& type, const std::string& asset,
                      const std::string& payload,
                      const std::string& occurred_at = "2026-01-15T10:00:00Z");

}  // namespace pb::test
