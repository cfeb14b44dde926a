// SubscriptionKeeper against node-opcua (tools/opcua_sim, its machine running: PartCounter
// counts up every 100 ms): subscribe and receive; a server killed and started again on the same
// port with other values (and other node ids); a network drop (the subscription is transferred),
// also one that loses a Publish response in flight (Republish brings it back);
// a server that stops answering (keep-alive supervision); a node that cannot be resolved; stop()
// while the server is down or a Publish is waiting. Every wait is on a condition variable with
// a bounded timeout, or on the simulator's stdout.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "opcua_sim_process.h"
#include "plantbridge/connectors/opcua/subscription_keeper.h"
#include "tcp_proxy.h"

namespace pb::opcua {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kWait = seconds(30);
constexpr char kPartCounterPath[] = "/2:CNC07/2:PartCounter";
constexpr char kSpindleSpeedPath[] = "/2:CNC07/2:SpindleSpeed";

// What the keeper handed over, for waiting on.
class Recorder {
 public:
  void add(std::vector<NodeSample>&& samples) {
    std::lock_guard lock(mutex_);
    for (auto& sample : samples) samples_.push_back(std::move(sample));
    cv_.notify_all();
  }
  void state(KeeperState state, const Status& why) {
    std::lock_guard lock(mutex_);
    states_.push_back(state);
    if (!why.isOk()) errors_.push_back(why.toString());
    cv_.notify_all();
  }
  // Waits (bounded) until `done` holds for the samples and states so far.
  bool waitUntil(const std::function<bool(const std::vector<NodeSample>&,
                                          const std::vector<KeeperState>&)>& done,
                 std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return done(samples_, states_); });
  }
  std::vector<NodeSample> samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }
  size_t sampleCount() const {
    std::lock_guard lock(mutex_);
    return samples_.size();
  }
  size_t stateCount() const {
    std::lock_guard lock(mutex_);
    return states_.size();
  }
  std::string errors() const {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& e : errors_) all += e + "\n";
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<NodeSample> samples_;
  std::vector<KeeperState> states_;
  std::vector<std::string> errors_;
};

uint32_t partCount(const NodeSample& sample) {
  const uint32_t* count = sample.value.value ? sample.value.value->get<uint32_t>() : nullptr;
  return count != nullptr ? *count : 0xFFFF'FFFFU;
}

// Samples of node `index` from position `from` on.
std::vector<NodeSample> ofNode(const std::vector<NodeSample>& samples, size_t index,
                               size_t from = 0) {
  std::vector<NodeSample> out;
  for (size_t i = from; i < samples.size(); ++i) {
    if (samples[i].node_index == index) out.push_back(samples[i]);
  }
  return out;
}

bool countAtLeast(const std::vector<NodeSample>& samples, size_t index, size_t from, size_t n) {
  size_t count = 0;
  for (size_t i = from; i < samples.size(); ++i) {
    if (samples[i].node_index == index) ++count;
  }
  return count >= n;
}

bool lastStateIs(const std::vector<KeeperState>& states, KeeperState state, size_t from = 0) {
  return states.size() > from && states.back() == state;
}

// Every sample after the first is newer than the one before it and not flagged as after a gap.
void expectIncreasingWithoutGap(const std::vector<NodeSample>& samples) {
  for (size_t i = 1; i < samples.size(); ++i) {
    EXPECT_FALSE(samples[i].after_gap) << i;
    EXPECT_GT(partCount(samples[i]), partCount(samples[i - 1]))
        << "sample " << i << " of " << samples.size() << ": a value repeated or out of order";
  }
}

class OpcUaKeeperTest : public ::testing::Test {
 protected:
  void startSim(pb::test::OpcUaSimOptions options = {}) {
    options.simulate_ms = 100;
    Status started = sim_.start(options);
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  KeeperOptions keeperOptions(std::vector<MonitoredNode> nodes) const {
    KeeperOptions options;
    options.client.endpoint_url = sim_.endpointUrl();
    options.client.connect_timeout = seconds(2);
    options.client.request_timeout = seconds(5);
    options.subscription = {100, 100, 10, 0, 0};
    options.nodes = std::move(nodes);
    options.reconnect_initial = milliseconds(100);
    options.reconnect_max = milliseconds(1000);
    return options;
  }

  static MonitoredNode pathNode(const std::string& name, const std::string& path) {
    MonitoredNode node;
    node.name = name;
    node.browse_path = path;
    node.sampling_interval_ms = 50;
    node.queue_size = 10;
    return node;
  }

  void startKeeper(KeeperOptions options) {
    keeper_ = std::make_unique<SubscriptionKeeper>(
        std::move(options), [this](std::vector<NodeSample>&& s) { recorder_.add(std::move(s)); },
        [this](KeeperState state, const Status& why) { recorder_.state(state, why); });
    keeper_->start();
  }

  void TearDown() override {
    if (keeper_) keeper_->stop();
  }

  pb::test::OpcUaSimProcess sim_;
  Recorder recorder_;
  std::unique_ptr<SubscriptionKeeper> keeper_;
};

TEST_F(OpcUaKeeperTest, SubscribesAndHandsOverEachChangeInOrder) {
  startSim();
  startKeeper(keeperOptions({pathNode("part_counter", kPartCounterPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return s.size() >= 6; }))
      << recorder_.errors();
  const auto samples = recorder_.samples();
  EXPECT_TRUE(samples.front().after_gap) << "the first sample ever comes after a gap";
  expectIncreasingWithoutGap(samples);
  const KeeperCounters counters = keeper_->counters();
  EXPECT_EQ(counters.state, KeeperState::kConnected);
  EXPECT_EQ(counters.lost_messages, 0U);
  EXPECT_EQ(counters.connects, 1U);
  EXPECT_EQ(counters.reconnects, 0U);
  EXPECT_GE(counters.notifications, samples.size());
  ASSERT_EQ(counters.nodes.size(), 1U);
  EXPECT_TRUE(counters.nodes[0].monitored);
  EXPECT_EQ(counters.nodes[0].node_id.toString(), "ns=2;s=CNC07.PartCounter");
  EXPECT_TRUE(counters.nodes[0].last_quality.isGood());
}

TEST_F(OpcUaKeeperTest, OneUnresolvableNodeIsReportedWhileTheOthersFlow) {
  startSim();
  startKeeper(keeperOptions(
      {pathNode("coolant", "/2:CNC07/2:Coolant"), pathNode("part_counter", kPartCounterPath),
       pathNode("bad_syntax", "/2:CNC07/2:"), pathNode("spindle", kSpindleSpeedPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) {
    return countAtLeast(s, 1, 0, 3) && countAtLeast(s, 3, 0, 1);
  })) << recorder_.errors();
  const KeeperCounters counters = keeper_->counters();
  EXPECT_EQ(counters.state, KeeperState::kConnected);
  ASSERT_EQ(counters.nodes.size(), 4U);
  EXPECT_FALSE(counters.nodes[0].monitored);
  EXPECT_NE(counters.nodes[0].error.find("Coolant"), std::string::npos) << counters.nodes[0].error;
  EXPECT_NE(counters.nodes[0].error.find("BadNoMatch"), std::string::npos)
      << counters.nodes[0].error;
  EXPECT_TRUE(counters.nodes[1].monitored) << counters.nodes[1].error;
  EXPECT_FALSE(counters.nodes[2].monitored);
  EXPECT_FALSE(counters.nodes[2].error.empty());
  EXPECT_TRUE(counters.nodes[3].monitored) << counters.nodes[3].error;
  for (const auto& sample : recorder_.samples()) {
    EXPECT_TRUE(sample.node_index == 1 || sample.node_index == 3) << sample.node_index;
  }
}

// The server is killed (as a crash) and started again on the same port with PartCounter at
// 100000 ("changed while it was down"). The keeper reconnects by itself; the first sample
// after the gap is the current value, flagged; nothing is reported for the time it was down.
TEST_F(OpcUaKeeperTest, AfterAServerRestartTheFirstSampleIsTheCurrentValueFlaggedAfterGap) {
  startSim();
  startKeeper(keeperOptions({pathNode("part_counter", kPartCounterPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return s.size() >= 3; }))
      << recorder_.errors();
  const int port = sim_.port();
  sim_.kill();
  ASSERT_TRUE(recorder_.waitUntil(
      [](const auto&, const auto& st) { return lastStateIs(st, KeeperState::kReconnecting); }));
  const size_t before = recorder_.sampleCount();
  const uint32_t last_before = partCount(recorder_.samples().back());
  ASSERT_LT(last_before, 100'000U);

  pb::test::OpcUaSimOptions restart;
  restart.port = port;
  restart.extra_args = {"--part-counter-start", "100000"};
  startSim(restart);
  ASSERT_TRUE(recorder_.waitUntil([before](const auto& s, const auto&) {
    return countAtLeast(s, 0, before, 4);
  })) << recorder_.errors();
  const auto after = ofNode(recorder_.samples(), 0, before);
  EXPECT_TRUE(after.front().after_gap);
  EXPECT_GE(partCount(after.front()), 100'000U) << "nothing invented for the down time";
  expectIncreasingWithoutGap(after);
  const KeeperCounters counters = keeper_->counters();
  EXPECT_EQ(counters.state, KeeperState::kConnected);
  EXPECT_GE(counters.reconnects, 1U);
  EXPECT_EQ(counters.recreations, 1U);
  EXPECT_EQ(counters.transfers, 0U) << "a restarted server has no subscription to transfer";
  EXPECT_FALSE(counters.last_error.empty());
}

// After a "server update" the CNC nodes have numeric ids; the browse path is the same and is
// resolved again on reconnect.
TEST_F(OpcUaKeeperTest, ABrowsePathIsResolvedAgainWhenTheNodeIdChanged) {
  startSim();
  startKeeper(keeperOptions({pathNode("part_counter", kPartCounterPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return !s.empty(); }))
      << recorder_.errors();
  const NodeId before_id = keeper_->counters().nodes.at(0).node_id;
  EXPECT_EQ(before_id.toString(), "ns=2;s=CNC07.PartCounter");
  const int port = sim_.port();
  sim_.stop();  // SIGTERM: node-opcua shuts down in order
  ASSERT_TRUE(recorder_.waitUntil(
      [](const auto&, const auto& st) { return lastStateIs(st, KeeperState::kReconnecting); }));
  const size_t before = recorder_.sampleCount();

  pb::test::OpcUaSimOptions restart;
  restart.port = port;
  restart.extra_args = {"--numeric-node-ids", "7000", "--part-counter-start", "500"};
  startSim(restart);
  ASSERT_TRUE(recorder_.waitUntil([before](const auto& s, const auto&) {
    return countAtLeast(s, 0, before, 2);
  })) << recorder_.errors();
  const KeeperCounters counters = keeper_->counters();
  ASSERT_EQ(counters.nodes.size(), 1U);
  EXPECT_TRUE(counters.nodes[0].monitored) << counters.nodes[0].error;
  // CNC07 is i=7000; its variables follow in order (SpindleSpeed, PartCounter, ...).
  EXPECT_EQ(counters.nodes[0].node_id.toString(), "ns=2;i=7002");
  const auto after = ofNode(recorder_.samples(), 0, before);
  EXPECT_TRUE(after.front().after_gap);
  EXPECT_GE(partCount(after.front()), 500U);
}

// The server cuts the connection but lives on: the subscription is transferred to a new
// session, the values the server queued meanwhile arrive: no message lost, no value repeated
// (the latest values the server re-sends on transfer are dropped).
TEST_F(OpcUaKeeperTest, AfterANetworkDropTheSubscriptionIsTransferredWithoutLoss) {
  startSim();
  startKeeper(keeperOptions({pathNode("part_counter", kPartCounterPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return s.size() >= 3; }))
      << recorder_.errors();
  const size_t states_before = recorder_.stateCount();
  ASSERT_TRUE(sim_.dropConnections().isOk());
  ASSERT_TRUE(recorder_.waitUntil([states_before](const auto&, const auto& st) {
    return lastStateIs(st, KeeperState::kConnected, states_before + 1);
  })) << recorder_.errors();
  const size_t at_reconnect = recorder_.sampleCount();
  ASSERT_TRUE(recorder_.waitUntil([at_reconnect](const auto& s, const auto&) {
    return countAtLeast(s, 0, at_reconnect, 5);
  })) << recorder_.errors();

  const KeeperCounters counters = keeper_->counters();
  EXPECT_EQ(counters.transfers, 1U) << counters.last_error;
  EXPECT_EQ(counters.recreations, 0U);
  EXPECT_EQ(counters.lost_messages, 0U);
  expectIncreasingWithoutGap(recorder_.samples());
}

// A Publish response carrying notifications is lost in flight and the connection cut (a proxy
// in between swallows it): after the transfer the keeper gets it again with Republish; no
// message is lost, no value repeated. (The part counts are not checked for +1 steps: under
// load node-opcua's 50 ms sampling of the 100 ms counter can itself miss a value.)
TEST_F(OpcUaKeeperTest, AMessageLostInFlightIsRepublishedAfterTheTransfer) {
  startSim();
  pb::test::UaTcpProxy proxy;
  ASSERT_TRUE(proxy.start(sim_.port()).isOk());
  KeeperOptions options = keeperOptions({pathNode("part_counter", kPartCounterPath)});
  options.client.endpoint_url = "opc.tcp://127.0.0.1:" + std::to_string(proxy.port());
  startKeeper(options);
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return s.size() >= 3; }))
      << recorder_.errors();
  const size_t states_before = recorder_.stateCount();
  proxy.loseNextServerMessageAndDrop();
  ASSERT_TRUE(recorder_.waitUntil([states_before](const auto&, const auto& st) {
    return lastStateIs(st, KeeperState::kConnected, states_before + 1);
  })) << recorder_.errors();
  const size_t at_reconnect = recorder_.sampleCount();
  ASSERT_TRUE(recorder_.waitUntil([at_reconnect](const auto& s, const auto&) {
    return countAtLeast(s, 0, at_reconnect, 5);
  })) << recorder_.errors();
  keeper_->stop();

  EXPECT_EQ(proxy.swallowed(), 1);
  const KeeperCounters counters = keeper_->counters();
  EXPECT_EQ(counters.transfers, 1U) << counters.last_error;
  EXPECT_EQ(counters.recreations, 0U);
  EXPECT_GE(counters.republished, 1U);
  EXPECT_EQ(counters.lost_messages, 0U);
  expectIncreasingWithoutGap(recorder_.samples());
}

// A server that stops answering (SIGSTOP: the TCP connection stays up, nothing comes back) is
// noticed by the keep-alive supervision; when it answers again, data flows again.
TEST_F(OpcUaKeeperTest, AServerThatStopsAnsweringIsDetectedByTheKeepAlive) {
  startSim();
  KeeperOptions options = keeperOptions({pathNode("part_counter", kPartCounterPath)});
  options.subscription = {100, 100, 5, 0, 0};  // keep-alive after 500 ms without data
  options.client.connect_timeout = milliseconds(500);
  startKeeper(options);
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return s.size() >= 2; }))
      << recorder_.errors();
  const size_t states_before = recorder_.stateCount();
  ASSERT_EQ(::kill(sim_.pid(), SIGSTOP), 0);
  const bool noticed = recorder_.waitUntil([states_before](const auto&, const auto& st) {
    return lastStateIs(st, KeeperState::kReconnecting, states_before);
  });
  ASSERT_EQ(::kill(sim_.pid(), SIGCONT), 0);
  ASSERT_TRUE(noticed);
  EXPECT_NE(recorder_.errors().find("keep-alive"), std::string::npos) << recorder_.errors();
  const size_t at_resume = recorder_.sampleCount();
  ASSERT_TRUE(recorder_.waitUntil([at_resume](const auto& s, const auto&) {
    return countAtLeast(s, 0, at_resume, 3);
  })) << recorder_.errors();
  EXPECT_EQ(keeper_->counters().state, KeeperState::kConnected);
}

TEST_F(OpcUaKeeperTest, StopReturnsPromptlyWhileTheServerIsDown) {
  startSim();
  startKeeper(keeperOptions({pathNode("part_counter", kPartCounterPath)}));
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return !s.empty(); }))
      << recorder_.errors();
  sim_.kill();
  ASSERT_TRUE(recorder_.waitUntil(
      [](const auto&, const auto& st) { return lastStateIs(st, KeeperState::kReconnecting); }));
  const auto start = SteadyClock::now();
  keeper_->stop();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
  EXPECT_EQ(keeper_->counters().state, KeeperState::kStopped);
  keeper_->stop();  // idempotent
}

// Nothing changes on the server and the keep-alive interval is 10 s, so a Publish is waiting
// at the server when stop() is called: stop() neither waits for it nor leaves the subscription.
TEST_F(OpcUaKeeperTest, StopReturnsPromptlyWhileAPublishIsWaiting) {
  Status started = sim_.start({});  // the machine stands still
  ASSERT_TRUE(started.isOk()) << started.toString();
  KeeperOptions options = keeperOptions({pathNode("program", "/2:CNC07/2:ProgramName")});
  options.subscription = {1000, 100, 10, 0, 0};
  startKeeper(options);
  ASSERT_TRUE(recorder_.waitUntil([](const auto& s, const auto&) { return !s.empty(); }))
      << recorder_.errors();
  const auto start = SteadyClock::now();
  keeper_->stop();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
  EXPECT_EQ(keeper_->counters().state, KeeperState::kStopped);
}

}  // namespace
}  // namespace pb::opcua
