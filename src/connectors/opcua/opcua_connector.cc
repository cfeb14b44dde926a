#include "plantbridge/connectors/opcua/connector.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <spdlog/spdlog.h>

#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/subscription_keeper.h"
#include "plantbridge/connectors/opcua/value_text.h"
#include "plantbridge/connectors/opcua/view_services.h"
#include "plantbridge/connectors/signal_events.h"

namespace pb {
namespace {

using opcua::KeeperCounters;
using opcua::KeeperState;
using opcua::SubscriptionKeeper;

// While the journal refuses events, the connector holds them (and the server keeps the
// notifications, unacknowledged) and asks again after this long.
constexpr Millis kSinkRetryInitial{100};
constexpr Millis kSinkRetryMax{5000};

using Problems = std::vector<std::pair<std::string, std::string>>;

Problems checkOpcUa(const ConnectorConfig& config) {
  Problems problems;
  if (auto endpoint = opcua::parseEndpointUrl(config.opcua.endpoint); !endpoint) {
    problems.emplace_back("endpoint", endpoint.status().message());
  }
  for (size_t i = 0; i < config.signals.size(); ++i) {
    const SignalConfig& signal = config.signals[i];
    const std::string key = "signals[" + std::to_string(i) + "]";
    if (!signal.node_id.empty()) {
      if (auto id = opcua::NodeId::parse(signal.node_id); !id) {
        problems.emplace_back(key + ".node", "'" + signal.node_id + "' is not a NodeId (" +
                                                 id.status().message() +
                                                 "); e.g. \"ns=2;s=CNC07.PartCounter\"");
      }
    } else if (auto path = opcua::parseRelativePath(signal.path); !path) {
      problems.emplace_back(key + ".path", "'" + signal.path + "' is not a browse path (" +
                                               path.status().message() +
                                               "); e.g. \"/2:CNC07/2:PartCounter\"");
    }
  }
  return problems;
}

// The connector's certificate and trust list: its own pki_dir, or one per connector next to
// the store.
std::string pkiDirOf(const ConnectorConfig& config, const std::string& data_dir) {
  if (!config.opcua.pki_dir.empty()) return config.opcua.pki_dir;
  return data_dir + "/opcua-pki/" + config.name;
}

opcua::KeeperOptions keeperOptions(const ConnectorConfig& config, const std::string& data_dir) {
  const OpcUaConnectorConfig& c = config.opcua;
  opcua::KeeperOptions options;
  options.client.endpoint_url = c.endpoint;
  // The config loader accepts only the names these parse.
  options.client.security_policy = opcua::parseSecurityPolicy(c.security_policy).value();
  options.client.security_mode = opcua::parseMessageSecurityMode(c.security_mode).value();
  // Also with policy None: a UserName password is then sent encrypted for a trusted server
  // whose token policy asks for it.
  options.client.pki_dir = pkiDirOf(config, data_dir);
  options.client.connect_timeout = c.connect_timeout;
  options.client.request_timeout = c.request_timeout;
  options.client.application_name = "plantbridge " + config.name;
  options.identity = c.user.empty() ? opcua::UserIdentity::anonymous()
                                    : opcua::UserIdentity::userName(c.user, c.password);
  options.subscription.publishing_interval_ms = static_cast<double>(c.publishing_interval.count());
  options.reconnect_initial = c.reconnect_initial_backoff;
  options.reconnect_max = c.reconnect_max_backoff;
  for (const SignalConfig& signal : config.signals) {
    opcua::MonitoredNode node;
    node.name = signal.name;
    if (!signal.node_id.empty()) node.node_id = opcua::NodeId::parse(signal.node_id).value();
    node.browse_path = signal.path;
    if (signal.sampling_interval) {
      node.sampling_interval_ms = static_cast<double>(signal.sampling_interval->count());
    }
    node.queue_size = signal.queue_size;
    if (signal.deadband != SignalConfig::Deadband::kNone) {
      opcua::DataChangeFilter filter;
      filter.deadband_type = signal.deadband == SignalConfig::Deadband::kAbsolute
                                 ? opcua::DeadbandType::kAbsolute
                                 : opcua::DeadbandType::kPercent;
      filter.deadband_value = signal.deadband_value;
      node.filter = filter;
    }
    options.nodes.push_back(std::move(node));
  }
  return options;
}

// Prometheus counters that follow a cumulative count kept elsewhere (the keeper's).
class MirroredCounter {
 public:
  explicit MirroredCounter(Counter& counter) : counter_(&counter) {}
  void follow(uint64_t total) {
    if (total > seen_) counter_->inc(total - seen_);
    seen_ = total;
  }

 private:
  Counter* counter_;
  uint64_t seen_ = 0;
};

// The keeper's counters as Prometheus counters, per connector.
struct MirroredMetric {
  uint64_t KeeperCounters::*member;
  const char* name;
  const char* help;
};
constexpr MirroredMetric kMirroredMetrics[] = {
    {&KeeperCounters::reconnects, "plantbridge_opcua_reconnects_total",
     "Sessions re-established after a loss."},
    {&KeeperCounters::transfers, "plantbridge_opcua_subscription_transfers_total",
     "Subscriptions carried over to a new session."},
    {&KeeperCounters::recreations, "plantbridge_opcua_subscription_recreations_total",
     "Subscriptions created again from scratch after a loss."},
    {&KeeperCounters::republished, "plantbridge_opcua_republished_total",
     "Notification messages recovered with Republish."},
    {&KeeperCounters::lost_messages, "plantbridge_opcua_lost_messages_total",
     "Notification messages neither delivered nor republished."},
    {&KeeperCounters::notifications, "plantbridge_opcua_notifications_total",
     "Data change samples received."},
    {&KeeperCounters::bad_quality_samples, "plantbridge_opcua_bad_quality_samples_total",
     "Samples with a Bad or Uncertain status (no event made)."},
};

class OpcUaConnector final : public Connector {
 public:
  OpcUaConnector(const ConnectorConfig& config, ConnectorContext context)
      : config_(config), context_(std::move(context)), events_(config, context_.site) {}

  ~OpcUaConnector() override { stop(); }

  Status start() override {
    if (keeper_) return Status::ok();
    keeper_ = std::make_shared<SubscriptionKeeper>(
        keeperOptions(config_, context_.data_dir),
        [this](std::vector<opcua::NodeSample>&& s) { onSamples(s); },
        [this](KeeperState state, const Status& why) { onState(state, why); });
    addMetrics();
    keeper_->start();
    spdlog::info("connector {}: OPC UA {} ({}/{}) with {} signals; certificates in {}",
                 config_.name, config_.opcua.endpoint, config_.opcua.security_policy,
                 config_.opcua.security_mode, config_.signals.size(),
                 pkiDirOf(config_, context_.data_dir));
    return Status::ok();
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (keeper_) keeper_->stop();
  }

 private:
  void onSamples(const std::vector<opcua::NodeSample>& samples) {
    std::vector<Event> events;
    for (const opcua::NodeSample& sample : samples) {
      SignalReading reading;
      reading.signal = sample.node_index;
      const opcua::DataValue& v = sample.value;
      reading.good = v.statusOrGood().isGood() && v.value.has_value() && !v.value->isNull();
      if (reading.good) reading.value = opcua::variantJson(*v.value);
      reading.at = readingTime(v);
      for (Event& e : events_.apply(reading)) events.push_back(std::move(e));
    }
    if (!events.empty()) deliver(events);
  }

  // The source's timestamp; the server's when the source gave none; ours as the last resort.
  TimePoint readingTime(const opcua::DataValue& v) const {
    for (const auto& t : {v.source_timestamp, v.server_timestamp}) {
      if (t && t->ticks != 0) return fromUnixMicros(opcua::unixMicrosFromDateTime(*t));
    }
    return context_.clock.now();
  }

  // Returns once the journal has the events (or refused them for good), or when stopping: the
  // keeper acknowledges the notifications only after this returns.
  void deliver(const std::vector<Event>& events) {
    Millis wait = kSinkRetryInitial;
    for (;;) {
      std::vector<Event> attempt = events;
      const Status status = context_.sink(std::move(attempt));
      if (status.isOk()) return;
      spdlog::warn("connector {}: {} events not stored yet, retrying in {} ms: {}", config_.name,
                   events.size(), wait.count(), status.toString());
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
      wait = std::min(wait * 2, kSinkRetryMax);
    }
  }

  void onState(KeeperState state, const Status& why) {
    if (state == KeeperState::kConnected) {
      spdlog::info("connector {}: connected to {}", config_.name, config_.opcua.endpoint);
      logNodeProblems();
    } else if (!why.isOk()) {
      spdlog::warn("connector {}: {}: {}", config_.name, opcua::keeperStateName(state),
                   why.toString());
    }
  }

  void logNodeProblems() {
    const KeeperCounters counters = keeper_->counters();
    for (size_t i = 0; i < counters.nodes.size() && i < config_.signals.size(); ++i) {
      if (!counters.nodes[i].error.empty()) {
        spdlog::warn("connector {}: signal {} is not monitored: {}", config_.name,
                     config_.signals[i].name, counters.nodes[i].error);
      }
    }
  }

  void addMetrics() {
    MetricsRegistry& m = context_.metrics;
    const Labels labels{{"connector", config_.name}};
    Gauge& up = m.gauge("plantbridge_connector_up",
                        "1 while the connector is connected to its source, 0 otherwise.",
                        {{"connector", config_.name}, {"kind", config_.kind}});
    struct Mirrors {
      std::mutex mutex;  // two scrapes may collect at once
      std::vector<std::pair<uint64_t KeeperCounters::*, MirroredCounter>> counters;
      std::vector<Gauge*> signal_ok;
    };
    auto mirrors = std::make_shared<Mirrors>();
    for (const MirroredMetric& metric : kMirroredMetrics) {
      mirrors->counters.emplace_back(metric.member,
                                     MirroredCounter(m.counter(metric.name, metric.help, labels)));
    }
    for (const SignalConfig& signal : config_.signals) {
      mirrors->signal_ok.push_back(
          &m.gauge("plantbridge_opcua_signal_ok",
                   "1 while the signal is monitored and its latest value is Good, 0 otherwise.",
                   {{"connector", config_.name}, {"signal", signal.name}}));
    }
    // The collector owns what it reads: it may run after this connector is gone.
    m.addCollector([keeper = std::weak_ptr<SubscriptionKeeper>(keeper_), mirrors, &up] {
      const auto k = keeper.lock();
      if (!k) return;
      const KeeperCounters c = k->counters();
      std::lock_guard lock(mirrors->mutex);
      up.set(c.state == KeeperState::kConnected ? 1.0 : 0.0);
      for (auto& [member, mirror] : mirrors->counters) mirror.follow(c.*member);
      for (size_t i = 0; i < mirrors->signal_ok.size(); ++i) {
        const bool ok = c.state == KeeperState::kConnected && i < c.nodes.size() &&
                        c.nodes[i].monitored && c.nodes[i].last_quality.isGood();
        mirrors->signal_ok[i]->set(ok ? 1.0 : 0.0);
      }
    });
  }

  const ConnectorConfig config_;
  ConnectorContext context_;
  SignalEvents events_;  // used on the keeper's thread only
  std::shared_ptr<SubscriptionKeeper> keeper_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace

Status registerOpcUaConnector(ConnectorRegistry& registry) {
  return registry.add(
      "opcua", {checkOpcUa,
                [](const ConnectorConfig& config,
                   ConnectorContext context) -> Result<std::unique_ptr<Connector>> {
                  if (auto problems = checkOpcUa(config); !problems.empty()) {
                    return Status::invalidArgument("connectors." + config.name + "." +
                                                   problems.front().first + ": " +
                                                   problems.front().second);
                  }
                  return std::unique_ptr<Connector>(new OpcUaConnector(config, std::move(context)));
                }});
}

}  // namespace pb
