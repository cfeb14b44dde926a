#include "plantbridge/connectors/opcua/subscription_keeper.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "plantbridge/connectors/opcua/recovery.h"

namespace pb::opcua {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One wait for a Publish answer lasts this long before the keeper looks at stop() again.
constexpr milliseconds kPublishSlice{100};
// stop() lets the keeper delete its subscription and close its session this long before it
// cuts every wait of the client short.
constexpr milliseconds kGracefulStop{600};
// No Publish answer (data or keep-alive) within keep-alive interval × 1.5 + 1 s: the
// connection is taken as lost.
constexpr double kKeepAliveMargin = 1.5;
constexpr milliseconds kKeepAliveSlack{1000};
// Operations per TranslateBrowsePaths / CreateMonitoredItems call (servers limit them).
constexpr size_t kMaxOperationsPerCall = 500;

}  // namespace

const char* keeperStateName(KeeperState state) {
  switch (state) {
    case KeeperState::kStopped:
      return "stopped";
    case KeeperState::kConnecting:
      return "connecting";
    case KeeperState::kConnected:
      return "connected";
    case KeeperState::kReconnecting:
      return "reconnecting";
  }
  return "unknown";
}

struct SubscriptionKeeper::Impl {
  Impl(KeeperOptions o, SampleHandler samples, StateHandler state)
      : options(std::move(o)),
        on_samples(std::move(samples)),
        on_state(std::move(state)),
        client(options.client) {}

  KeeperOptions options;
  SampleHandler on_samples;
  StateHandler on_state;
  Client client;

  std::mutex lifecycle_mutex;  // start() and stop()
  std::thread thread;

  mutable std::mutex mutex;  // guards what follows
  std::condition_variable cv;
  bool stopping = false;
  bool finished = true;
  KeeperCounters counters;

  // The keeper thread's own.
  std::mt19937_64 random{std::random_device{}()};
  Subscription subscription;  // id 0: none to transfer
  bool ever_connected = false;
  bool ever_subscribed = false;
  std::vector<std::optional<NodeId>> resolved;               // this connection's resolution
  std::vector<std::optional<NodeId>> subscribed_resolution;  // when the subscription was made
  std::vector<std::string> resolve_errors;
  std::vector<std::string> monitor_errors;
  SampleGate gate;  // per node: after a gap, or a copy re-sent after a transfer
  SequenceTracker tracker;

  bool stopRequested() const {
    std::lock_guard lock(mutex);
    return stopping;
  }

  void setState(KeeperState state, const Status& why) {
    {
      std::lock_guard lock(mutex);
      counters.state = state;
      if (!why.isOk()) counters.last_error = why.toString();
    }
    if (on_state) on_state(state, why);
  }

  void run();
  Status runSession(bool& established);
  Status resolveNodes();
  Status createSubscription();
  Result<bool> tryTransfer();
  Status recoverGap(const SequenceTracker::Gap& gap, const std::vector<uint32_t>& available);
  Status publishLoop();
  Status handlePublish(const PublishResponse& response);
  void deliver(const NotificationMessage& message);
  void publishNodeStatuses();
  void cleanUp();
  void resetGate() {
    std::vector<DataChangeTrigger> triggers;
    triggers.reserve(options.nodes.size());
    for (const auto& node : options.nodes) {
      triggers.push_back(node.filter ? node.filter->trigger : DataChangeTrigger::kStatusValue);
    }
    gate.reset(triggers);
  }
};

void SubscriptionKeeper::Impl::run() {
  const size_t n = options.nodes.size();
  resolved.assign(n, std::nullopt);
  resolve_errors.assign(n, "");
  monitor_errors.assign(n, "");
  resetGate();
  setState(KeeperState::kConnecting, Status::ok());
  int failures = 0;
  while (!stopRequested()) {
    bool established = false;
    Status why = runSession(established);
    if (stopRequested()) break;
    if (why.isOk()) why = Status::unavailable("the session ended");
    if (established) failures = 0;
    ++failures;
    // A lost connection keeps the session on the server, so that the subscription can be
    // transferred; without a subscription there is nothing to keep.
    if (subscription.id != 0) {
      client.dropConnection();
    } else {
      client.disconnect();
    }
    setState(KeeperState::kReconnecting, why);
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    const milliseconds delay =
        fullJitterBackoff(options.reconnect_initial, options.reconnect_max, failures, unit);
    std::unique_lock lock(mutex);
    cv.wait_for(lock, delay, [this] { return stopping; });
  }
  cleanUp();
  setState(KeeperState::kStopped, Status::ok());
  std::lock_guard lock(mutex);
  finished = true;
  cv.notify_all();
}

Status SubscriptionKeeper::Impl::runSession(bool& established) {
  PB_RETURN_IF_ERROR(client.connect());
  PB_RETURN_IF_ERROR(client.openSession(options.identity, "plantbridge"));
  {
    std::lock_guard lock(mutex);
    ++counters.connects;
    if (ever_connected) ++counters.reconnects;
  }
  ever_connected = true;
  PB_RETURN_IF_ERROR(resolveNodes());
  bool transferred = false;
  if (subscription.id != 0 && resolved == subscribed_resolution) {
    auto result = tryTransfer();
    if (!result.isOk()) return result.status();
    transferred = *result;
  }
  if (!transferred) PB_RETURN_IF_ERROR(createSubscription());
  publishNodeStatuses();
  established = true;
  setState(KeeperState::kConnected, Status::ok());
  return publishLoop();
}

Status SubscriptionKeeper::Impl::resolveNodes() {
  const auto& nodes = options.nodes;
  std::vector<BrowsePath> paths;
  std::vector<size_t> which;
  for (size_t i = 0; i < nodes.size(); ++i) {
    resolved[i].reset();
    resolve_errors[i].clear();
    if (nodes[i].node_id) {
      resolved[i] = *nodes[i].node_id;
      continue;
    }
    auto elements = parseRelativePath(nodes[i].browse_path);
    if (!elements.isOk()) {
      resolve_errors[i] = elements.status().message();
      continue;
    }
    BrowsePath path;
    path.elements = std::move(*elements);
    paths.push_back(std::move(path));
    which.push_back(i);
  }
  for (size_t begin = 0; begin < paths.size(); begin += kMaxOperationsPerCall) {
    const size_t end = std::min(paths.size(), begin + kMaxOperationsPerCall);
    std::vector<BrowsePath> batch(paths.begin() + static_cast<ptrdiff_t>(begin),
                                  paths.begin() + static_cast<ptrdiff_t>(end));
    auto results = client.translateBrowsePaths(batch);
    if (!results.isOk()) {
      if (results.status().code() == pb::StatusCode::kUnavailable) return results.status();
      for (size_t k = begin; k < end; ++k) {
        resolve_errors[which[k]] = results.status().message();
      }
      continue;
    }
    for (size_t k = begin; k < end; ++k) {
      const size_t i = which[k];
      const BrowsePathResult& result = (*results)[k - begin];
      const std::string where = "browse path '" + nodes[i].browse_path + "'";
      if (result.status_code.isBad()) {
        resolve_errors[i] = where + ": " + result.status_code.toString();
        continue;
      }
      for (const auto& target : result.targets) {
        if (target.remaining_path_index != 0xFFFF'FFFFU || target.target_id.server_index != 0 ||
            !target.target_id.namespace_uri.empty()) {
          continue;
        }
        resolved[i] = target.target_id.node_id;
        break;
      }
      if (!resolved[i]) resolve_errors[i] = where + ": no target in this server";
    }
  }
  return Status::ok();
}

Status SubscriptionKeeper::Impl::createSubscription() {
  auto created = client.createSubscription(options.subscription);
  if (!created.isOk()) return created.status();
  subscription = *created;
  // Transferable only once every item exists: until then nothing equals this resolution.
  subscribed_resolution.assign(resolved.size() + 1, std::nullopt);
  tracker.reset();
  std::vector<MonitoredItemCreateRequest> items;
  for (size_t i = 0; i < options.nodes.size(); ++i) {
    monitor_errors[i].clear();
    if (!resolved[i]) continue;
    const MonitoredNode& node = options.nodes[i];
    MonitoredItemCreateRequest item;
    item.item_to_monitor.node_id = *resolved[i];
    item.client_handle = static_cast<uint32_t>(i);
    item.sampling_interval_ms = node.sampling_interval_ms;
    item.queue_size = node.queue_size;
    item.filter = node.filter;
    items.push_back(std::move(item));
  }
  for (size_t begin = 0; begin < items.size(); begin += kMaxOperationsPerCall) {
    const size_t end = std::min(items.size(), begin + kMaxOperationsPerCall);
    std::vector<MonitoredItemCreateRequest> batch(items.begin() + static_cast<ptrdiff_t>(begin),
                                                  items.begin() + static_cast<ptrdiff_t>(end));
    auto results = client.createMonitoredItems(subscription.id, batch);
    if (!results.isOk()) return results.status();
    for (size_t k = 0; k < batch.size(); ++k) {
      const StatusCode code = (*results)[k].status_code;
      if (code.isBad()) {
        monitor_errors[batch[k].client_handle] = "CreateMonitoredItems: " + code.toString();
      }
    }
  }
  // Nothing is invented for the time without a subscription: every node's first sample is
  // its current value, flagged.
  resetGate();
  subscribed_resolution = resolved;
  if (ever_subscribed) {
    std::lock_guard lock(mutex);
    ++counters.recreations;
  }
  ever_subscribed = true;
  return Status::ok();
}

Result<bool> SubscriptionKeeper::Impl::tryTransfer() {
  auto results = client.transferSubscriptions({subscription.id}, /*send_initial_values=*/true);
  if (!results.isOk()) {
    // A server without the service (or refusing it) gets a new subscription instead.
    if (results.status().code() == pb::StatusCode::kUnavailable) return results.status();
    return false;
  }
  const TransferResult& result = results->front();
  if (result.status_code.isBad()) return false;
  {
    std::lock_guard lock(mutex);
    ++counters.transfers;
  }
  // The server re-sends every item's latest value; SampleGate drops the copies of what was
  // handed over already.
  const uint32_t newest = tracker.newestAvailableAfterLast(result.available_sequence_numbers);
  if (newest != 0) {
    PB_RETURN_IF_ERROR(recoverGap(tracker.gapBefore(nextSequenceNumber(newest)),
                                  result.available_sequence_numbers));
  }
  return true;
}

Status SubscriptionKeeper::Impl::recoverGap(const SequenceTracker::Gap& gap,
                                            const std::vector<uint32_t>& available) {
  uint64_t lost = gap.beyond_limit;
  for (uint32_t seq : gap.missing) {
    if (std::find(available.begin(), available.end(), seq) != available.end()) {
      auto message = client.republish(subscription.id, seq);
      if (message.isOk()) {
        {
          std::lock_guard lock(mutex);
          ++counters.republished;
        }
        deliver(*message);
        tracker.handled(seq);
        tracker.advance(seq);
        continue;
      }
      if (message.status().code() != pb::StatusCode::kNotFound) return message.status();
    }
    ++lost;
    tracker.advance(seq);
  }
  if (lost > 0) {
    std::lock_guard lock(mutex);
    counters.lost_messages += lost;
  }
  if (lost > 0) gate.gapForAll();
  return Status::ok();
}

Status SubscriptionKeeper::Impl::publishLoop() {
  const double keep_alive_ms = subscription.publishing_interval_ms *
                               std::max<uint32_t>(subscription.max_keep_alive_count, 1);
  const milliseconds answer_within =
      milliseconds(static_cast<int64_t>(keep_alive_ms * kKeepAliveMargin)) + kKeepAliveSlack;
  // Bounded by stop() and by the connection: every turn waits for one answer at most
  // answer_within, and ends the session when none comes.
  while (!stopRequested()) {
    const std::vector<uint32_t> handled = tracker.takeAcknowledgements();
    std::vector<SubscriptionAcknowledgement> acks;
    acks.reserve(handled.size());
    for (uint32_t seq : handled) acks.push_back({subscription.id, seq});
    // Until an answer proves the server got them, the acknowledgements are kept (a transfer
    // sends them again; the server answers a repeated one with a Bad result, no harm).
    auto keep_acks = [&] {
      for (uint32_t seq : handled) tracker.handled(seq);
    };
    auto handle = client.sendPublish(acks, answer_within);
    if (!handle.isOk()) {
      keep_acks();
      return handle.status();
    }
    const auto deadline = SteadyClock::now() + answer_within;
    std::optional<PublishResponse> response;
    while (!response) {
      if (stopRequested()) return Status::ok();
      const auto now = SteadyClock::now();
      if (now >= deadline) {
        keep_acks();
        return Status::unavailable("no Publish answer or keep-alive within " +
                                   std::to_string(answer_within.count()) +
                                   " ms: connection taken as lost");
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
      auto got = client.receivePublish(*handle, std::min(kPublishSlice, left));
      if (!got.isOk()) {
        keep_acks();
        return got.status();
      }
      response = std::move(*got);
    }
    PB_RETURN_IF_ERROR(handlePublish(*response));
  }
  return Status::ok();
}

Status SubscriptionKeeper::Impl::handlePublish(const PublishResponse& response) {
  const NotificationMessage& message = response.notification_message;
  if (response.subscription_id != subscription.id) return Status::ok();  // not ours
  const SequenceTracker::Gap gap = tracker.gapBefore(message.sequence_number);
  if (message.isKeepAlive()) {
    {
      std::lock_guard lock(mutex);
      ++counters.keep_alives;
    }
    // A keep-alive announces the next number: the ones before it that never came are missing.
    return gap.is_new ? recoverGap(gap, response.available_sequence_numbers) : Status::ok();
  }
  if (!gap.is_new) {
    tracker.handled(message.sequence_number);  // a repeat: acknowledged, not handed over again
    return Status::ok();
  }
  PB_RETURN_IF_ERROR(recoverGap(gap, response.available_sequence_numbers));
  deliver(message);
  tracker.handled(message.sequence_number);
  tracker.advance(message.sequence_number);
  if (message.status_change && message.status_change->isBad()) {
    // The server ended the subscription (e.g. BadTimeout): a new one is needed.
    const std::string why = "the server ended subscription " + std::to_string(subscription.id) +
                            ": " + message.status_change->toString();
    subscription = Subscription{};
    return Status::unavailable(why);
  }
  return Status::ok();
}

void SubscriptionKeeper::Impl::deliver(const NotificationMessage& message) {
  std::vector<NodeSample> samples;
  samples.reserve(message.data_changes.size());
  for (const auto& change : message.data_changes) {
    bool after_gap = false;
    if (!gate.admit(change.client_handle, change.value, after_gap)) continue;
    NodeSample sample;
    sample.node_index = change.client_handle;
    sample.value = change.value;
    sample.after_gap = after_gap;
    samples.push_back(std::move(sample));
  }
  if (samples.empty()) return;
  {
    std::lock_guard lock(mutex);
    counters.notifications += samples.size();
    for (const auto& sample : samples) {
      const pb::opcua::StatusCode quality = sample.value.statusOrGood();
      if (!quality.isGood()) ++counters.bad_quality_samples;
      if (sample.node_index < counters.nodes.size()) {
        counters.nodes[sample.node_index].last_quality = quality;
      }
    }
  }
  on_samples(std::move(samples));
}

void SubscriptionKeeper::Impl::publishNodeStatuses() {
  std::lock_guard lock(mutex);
  counters.nodes.resize(options.nodes.size());
  for (size_t i = 0; i < options.nodes.size(); ++i) {
    NodeStatus& status = counters.nodes[i];
    status.node_id = resolved[i].value_or(NodeId{});
    status.error = !resolve_errors[i].empty() ? resolve_errors[i] : monitor_errors[i];
    status.monitored = resolved[i].has_value() && status.error.empty();
  }
}

void SubscriptionKeeper::Impl::cleanUp() {
  // Best effort: when stop() interrupted the client these fail at once.
  if (client.info().session_active && subscription.id != 0) {
    (void)client.deleteSubscriptions({subscription.id});
  }
  client.disconnect();
  subscription = Subscription{};
}

SubscriptionKeeper::SubscriptionKeeper(KeeperOptions options, SampleHandler on_samples,
                                       StateHandler on_state)
    : impl_(
          std::make_unique<Impl>(std::move(options), std::move(on_samples), std::move(on_state))) {
  impl_->counters.nodes.resize(impl_->options.nodes.size());
}

SubscriptionKeeper::~SubscriptionKeeper() { stop(); }

void SubscriptionKeeper::start() {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
    impl_->finished = false;
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

void SubscriptionKeeper::stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (!impl_->thread.joinable()) return;
  {
    std::unique_lock lock(impl_->mutex);
    impl_->stopping = true;
    impl_->cv.notify_all();
    if (!impl_->cv.wait_for(lock, kGracefulStop, [this] { return impl_->finished; })) {
      impl_->client.interrupt();
    }
  }
  impl_->thread.join();
  impl_->client.clearInterrupt();
}

KeeperCounters SubscriptionKeeper::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace pb::opcua
