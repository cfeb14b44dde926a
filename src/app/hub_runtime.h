// The hub in one process: store, pipeline, one dispatcher per target, the HTTP API. Owns them
// all and starts/stops them in dependency order, so `plantbridge run` and the tests drive the
// same composition.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"

namespace pb {

class HubRuntime {
 public:
  // Validates what the loader cannot (pipeline templates, target kinds) and opens nothing yet.
  static Result<std::unique_ptr<HubRuntime>> create(Config config, const Clock& clock);
  ~HubRuntime();

  // Opens the store, starts the pipeline, the dispatchers and the HTTP server.
  Status start();
  // The HTTP port actually bound (port 0 in config picks a free one).
  uint16_t port() const;
  bool tls() const;
  // SIGHUP: re-reads the token file, the targets' signing secrets and the TLS certificate; failures
  // are logged and the previous ones stay in force.
  void reload();
  // SIGTERM: stop accepting, answer requests in flight, let the pipeline commit its batch, wait
  // up to `grace` for deliveries in flight, then close the store.
  void drain(std::chrono::milliseconds grace);

 private:
  // Starts each configured connector; they feed the journal from then on.
  Status startConnectors();
  // Re-reads the targets' signing secrets (files, environment) for rotation.
  void reloadTargetSecrets();

  struct Impl;
  explicit HubRuntime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb

namespace pb {
// Problems in `config` that only the hub's components can see (pipeline templates and
// references, unknown target kinds), each with its key. Empty when `run` would start.
std::vector<ConfigError> checkHubConfig(const Config& config);
}  // namespace pb
