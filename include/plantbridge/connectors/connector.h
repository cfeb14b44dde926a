// Plant-floor connectors that run inside `plantbridge run` (OPC UA first; Modbus, MQTT, CSV and
// SQL follow the same shape): each kind has its config schema (config/connector_config_reader),
// a check of what only its own code can judge, a factory, a docs page under docs/connectors/
// and its tests; kinds are registered explicitly, one line each, like targets.
//
// A connector turns signals into events (signal_events.h) and hands them to an EventSink,
// which answers once they are durable in the journal; until then the connector must not tell
// its source that they are safe (an OPC UA notification is acknowledged after the sink
// answered).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event.h"

namespace pb {

// Ok: every event is in the journal (or was there already), or was refused for a reason the
// sink has logged and counted (an event its schema rejects; retrying cannot fix it). An error:
// nothing is known to be durable; the connector keeps the events and tries again.
using EventSink = std::function<Status(std::vector<Event>&& events)>;

class Connector {
 public:
  virtual ~Connector() = default;
  // Begins in the background; a peer that is down is retried, not an error.
  virtual Status start() = 0;
  // Bounded (about a second); idempotent.
  virtual void stop() = 0;
};

// What a factory may use besides the connector's config. Must outlive the connectors made.
struct ConnectorContext {
  const Clock& clock;
  MetricsRegistry& metrics;
  EventSink sink;
  std::string site;      // the connector's site, or the config's
  std::string data_dir;  // where a connector keeps files of its own (certificates); exists
};

struct ConnectorKind {
  // Problems the config loader cannot see, each as {dotted key, message}.
  std::function<std::vector<std::pair<std::string, std::string>>(const ConnectorConfig&)> check;
  std::function<Result<std::unique_ptr<Connector>>(const ConnectorConfig&, ConnectorContext)>
      create;
};

// Not thread-safe: fill it at start-up, then only check() and create().
class ConnectorRegistry {
 public:
  // AlreadyExists when `kind` is registered already.
  Status add(const std::string& kind, ConnectorKind factory);
  bool has(const std::string& kind) const { return kinds_.count(kind) != 0; }
  // Every problem of every connector, as config errors with their keys ("connectors.<name>...").
  std::vector<ConfigError> check(const Config& config) const;
  Result<std::unique_ptr<Connector>> create(const ConnectorConfig& config,
                                            ConnectorContext context) const;

 private:
  std::map<std::string, ConnectorKind> kinds_;
};

}  // namespace pb
