// One subscription that survives its server: a thread that connects, opens a session,
// resolves browse paths, creates the subscription and its monitored items, and runs the
// Publish loop — and, when the server restarts or the network drops, reconnects with capped
// exponential backoff and full jitter, tries to transfer the subscription to the new session
// (TransferSubscriptions, then Republish of what was missed), and otherwise re-creates it,
// re-resolving every browse path (node ids may change after a server update). A node that
// cannot be resolved or monitored is reported in its own NodeStatus; the others keep flowing.
//
// Samples are handed to the SampleHandler on the keeper's thread, in the order the server sent
// them; a notification is acknowledged to the server only after the handler returned, so the
// handler decides when a sample is safe (e.g. journaled). Nothing is invented for the time the
// server was unreachable: after a re-created subscription the first sample of each node is its
// current value, flagged `after_gap`. After a transfer the messages missed meanwhile are
// republished; only when some could not be (lost_messages) is the next sample of each node
// flagged `after_gap`, and the latest values the server re-sends on transfer are dropped when
// they equal (value, status, source timestamp) what was handed over last.
// Keep-alive supervision: no Publish answer within keep-alive interval (revised publishing
// interval × max keep-alive count) × 1.5 + 1 s and the connection is taken as lost.
// Thread-safety: start/stop/counters from any thread; the handlers run on the keeper's thread
// and must not throw; a handler may not call stop() (it would wait for its own thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/client.h"

namespace pb::opcua {

struct MonitoredNode {
  std::string name;               // for logs and metrics
  std::optional<NodeId> node_id;  // when set, used as is
  // Otherwise a relative path (view_services.h text form) from the Objects folder, resolved
  // again on every (re)connect.
  std::string browse_path;
  double sampling_interval_ms = -1;  // -1: the publishing interval
  uint32_t queue_size = 1;
  std::optional<DataChangeFilter> filter;
};

struct KeeperOptions {
  ClientOptions client;
  UserIdentity identity;
  SubscriptionParameters subscription;
  std::vector<MonitoredNode> nodes;
  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30'000};
};

enum class KeeperState { kStopped, kConnecting, kConnected, kReconnecting };
const char* keeperStateName(KeeperState state);

struct NodeSample {
  size_t node_index = 0;  // into KeeperOptions::nodes
  DataValue value;
  // First sample after a re-created subscription (or the first ever), or after notification
  // messages were lost for good.
  bool after_gap = false;
};

// A node's own state: resolved and monitored, or why not.
struct NodeStatus {
  bool monitored = false;
  NodeId node_id;           // as resolved
  StatusCode last_quality;  // of the latest sample
  std::string error;        // "" when monitored
};

struct KeeperCounters {
  KeeperState state = KeeperState::kStopped;
  uint64_t connects = 0;             // sessions established, the first included
  uint64_t reconnects = 0;           // of which after a loss
  uint64_t transfers = 0;            // subscriptions carried over to a new session
  uint64_t recreations = 0;          // subscriptions created again from scratch
  uint64_t republished = 0;          // notification messages recovered with Republish
  uint64_t lost_messages = 0;        // sequence numbers neither delivered nor republished
  uint64_t notifications = 0;        // data change samples handed to the handler
  uint64_t bad_quality_samples = 0;  // of which with a Bad or Uncertain status
  uint64_t keep_alives = 0;
  std::string last_error;  // why the latest connection attempt or session ended
  std::vector<NodeStatus> nodes;
};

class SubscriptionKeeper {
 public:
  using SampleHandler = std::function<void(std::vector<NodeSample>&& samples)>;
  using StateHandler = std::function<void(KeeperState state, const Status& why)>;

  SubscriptionKeeper(KeeperOptions options, SampleHandler on_samples,
                     StateHandler on_state = nullptr);
  ~SubscriptionKeeper();  // stop()
  SubscriptionKeeper(const SubscriptionKeeper&) = delete;
  SubscriptionKeeper& operator=(const SubscriptionKeeper&) = delete;

  void start();
  // Deletes the subscription and closes the session (best effort: the keeper gets 600 ms for
  // it, then every wait of its client is interrupted), then joins the thread. Returns within
  // about a second, also when the server is unreachable or a Publish is waiting. Idempotent;
  // start() may be called again afterwards.
  void stop();
  KeeperCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::opcua
