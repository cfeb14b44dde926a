// The operation executor: operations with one serial key run one at a time and in order,
// others in parallel; shutdown answers what has not started.
#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "odoo_concurrency_limit.h"
#include "odoo_operation_executor.h"

namespace pb {
namespace {

using std::chrono::seconds;

// The operations here make no Odoo call.
class NoOdoo final : public OdooClient {
 public:
  void connectAsync(std::function<void(Result<OdooServerInfo>)> done) override {
    done(Status::unavailable("no Odoo in this test"));
  }
  void callAsync(OdooCall, OdooCallMeta, OdooCallback done) override {
    OdooCallResult r;
    r.outcome = DeliveryResult::retry("no Odoo in this test");
    done(std::move(r));
  }
  std::optional<OdooServerInfo> serverInfo() const override { return std::nullopt; }
  OdooNames names() const override { return OdooNames(18); }
  Status reloadCredentials() override { return Status::ok(); }
  HttpClientStats httpStats() const override { return {}; }
  void shutdown() override {}
};

// An operation that says when it starts and finishes when the test lets it.
struct Gate {
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
};

OdooOperation gated(const std::string& key, Gate& gate, std::vector<std::string>& log,
                    std::mutex& log_mutex, const std::string& name) {
  OdooOperation op;
  op.name = name;
  op.serial_key = key;
  op.run = [&gate, &log, &log_mutex, name](OdooOrm&) {
    {
      std::lock_guard lock(log_mutex);
      log.push_back(name);
    }
    gate.started.set_value();
    gate.released.wait();
    return DeliveryResult::delivered(200, name);
  };
  return op;
}

TEST(OdooOperationExecutorTest, SameKeyWaitsOtherKeysRun) {
  // Declared before the executor, so it is destroyed (its threads joined) before them.
  std::mutex log_mutex;
  std::vector<std::string> log;
  Gate a, b, c;
  std::promise<DeliveryResult> b_done;
  NoOdoo odoo;
  OdooOperationExecutor executor(odoo, 4, "erp", nullptr);
  executor.submit(gated("mrp.workcenter:1", a, log, log_mutex, "a"), {},
                  [](const DeliveryResult&) {});
  ASSERT_EQ(a.started.get_future().wait_for(seconds(10)), std::future_status::ready);
  auto b_started = b.started.get_future();
  executor.submit(gated("mrp.workcenter:1", b, log, log_mutex, "b"), {},
                  [&b_done](DeliveryResult r) { b_done.set_value(std::move(r)); });
  executor.submit(gated("mrp.workcenter:2", c, log, log_mutex, "c"), {},
                  [](const DeliveryResult&) {});
  // c (another work center) starts while a runs; b (a's work center) does not.
  ASSERT_EQ(c.started.get_future().wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(b_started.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  a.release.set_value();
  ASSERT_EQ(b_started.wait_for(seconds(10)), std::future_status::ready);
  b.release.set_value();
  c.release.set_value();
  auto b_result = b_done.get_future();
  ASSERT_EQ(b_result.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(b_result.get().message, "b");
  std::lock_guard lock(log_mutex);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "c", "b"}));
}

TEST(OdooOperationExecutorTest, ShutdownAnswersWaitingOperationsRetry) {
  std::mutex log_mutex;
  std::vector<std::string> log;
  Gate a, b, unused;
  NoOdoo odoo;
  OdooOperationExecutor executor(odoo, 1, "erp", nullptr);
  executor.submit(gated("k", a, log, log_mutex, "a"), {}, [](const DeliveryResult&) {});
  ASSERT_EQ(a.started.get_future().wait_for(seconds(10)), std::future_status::ready);
  std::promise<DeliveryResult> b_done;
  executor.submit(gated("k", b, log, log_mutex, "b"), {},
                  [&b_done](DeliveryResult r) { b_done.set_value(std::move(r)); });
  // b's gate opens first: b may run after a before the shutdown, or be answered Retry by it;
  // either way it gets exactly one answer.
  b.release.set_value();
  a.release.set_value();
  executor.shutdown();
  auto b_result = b_done.get_future();
  ASSERT_EQ(b_result.wait_for(seconds(10)), std::future_status::ready);
  const DeliveryResult r = b_result.get();
  EXPECT_TRUE(r.kind == DeliveryResult::Kind::kRetry || r.message == "b") << r.message;
  // After shutdown, new operations are answered at once.
  std::promise<DeliveryResult> late;
  executor.submit(gated("k", unused, log, log_mutex, "late"), {},
                  [&late](DeliveryResult r2) { late.set_value(std::move(r2)); });
  EXPECT_EQ(late.get_future().get().kind, DeliveryResult::Kind::kRetry);
}

TEST(OdooOperationExecutorTest, ConsecutiveQuantitiesOfOneOrderBecomeOneWrite) {
  std::mutex log_mutex;
  std::vector<std::string> log;
  Gate first;
  std::vector<std::promise<DeliveryResult>> answers(3);
  std::vector<Gate> gates(3);
  NoOdoo odoo;
  MetricsRegistry metrics;
  OdooOperationExecutor executor(odoo, 2, "erp", &metrics);
  executor.submit(gated("mrp.production:1", first, log, log_mutex, "running"), {},
                  [](const DeliveryResult&) {});
  ASSERT_EQ(first.started.get_future().wait_for(seconds(10)), std::future_status::ready);
  // Three quantities wait behind the running operation; the last one runs for all three.
  for (int i = 0; i < 3; ++i) {
    gates[i].release.set_value();
    OdooOperation op = gated("mrp.production:1", gates[i], log, log_mutex, "q" + std::to_string(i));
    op.coalesce_key = "mrp.production:1:qty_producing";
    executor.submit(std::move(op), OdooCallMeta{"tx-q" + std::to_string(i), ""},
                    [&answers, i](DeliveryResult r) { answers[i].set_value(std::move(r)); });
  }
  first.release.set_value();
  for (int i = 0; i < 3; ++i) {
    auto answer = answers[i].get_future();
    ASSERT_EQ(answer.wait_for(seconds(10)), std::future_status::ready);
    const DeliveryResult r = answer.get();
    EXPECT_EQ(r.kind, DeliveryResult::Kind::kDelivered);
    EXPECT_EQ(r.message, i == 2 ? "q2" : "coalesced into tx-q2: q2");
  }
  {
    std::lock_guard lock(log_mutex);
    EXPECT_EQ(log, (std::vector<std::string>{"running", "q2"}));
  }
  const OdooOperationStats stats = executor.stats();
  EXPECT_EQ(stats.operations, 4u);
  EXPECT_EQ(stats.coalesced, 2u);
  EXPECT_NE(metrics.render().find("plantbridge_odoo_operations_coalesced_total{target=\"erp\"} 2"),
            std::string::npos);
}

using std::chrono::microseconds;

TEST(ConcurrencyLimitTest, GrowsWhileOdooStaysFastUpToTheMaximum) {
  ConcurrencyLimit limit({.min_limit = 1, .max_limit = 8, .initial_limit = 2});
  for (int i = 0; i < 200; ++i) limit.onCall(microseconds(20000), false);
  EXPECT_EQ(limit.limit(), 8u);
  EXPECT_EQ(limit.baseline(), microseconds(20000));
}

TEST(ConcurrencyLimitTest, ShrinksWhenLatencyRisesAboveToleranceOncePerRound) {
  ConcurrencyLimit limit({.min_limit = 1, .max_limit = 8, .initial_limit = 8});
  for (int i = 0; i < 20; ++i) limit.onCall(microseconds(20000), false);  // one window
  ASSERT_EQ(limit.limit(), 8u);
  ASSERT_EQ(limit.baseline(), microseconds(20000));
  // Calls queueing inside Odoo: latency 5x the unloaded value. The first round of 8 slow
  // answers cuts once (8 -> 5), not eight times.
  for (int i = 0; i < 8; ++i) limit.onCall(microseconds(100000), false);
  EXPECT_EQ(limit.limit(), 5u);
  for (int i = 0; i < 40; ++i) limit.onCall(microseconds(100000), false);
  EXPECT_EQ(limit.limit(), 1u);
  // Latency back to normal: it grows again.
  for (int i = 0; i < 10; ++i) limit.onCall(microseconds(21000), false);
  EXPECT_GT(limit.limit(), 1u);
}

TEST(ConcurrencyLimitTest, OverloadErrorsShrinkEvenWhenFast) {
  ConcurrencyLimit limit({.min_limit = 1, .max_limit = 4, .initial_limit = 4});
  for (int i = 0; i < 4; ++i) limit.onCall(microseconds(1000), false);
  ASSERT_EQ(limit.limit(), 4u);
  for (int i = 0; i < 4; ++i) limit.onCall(microseconds(1000), true);
  EXPECT_EQ(limit.limit(), 2u);
}

TEST(ConcurrencyLimitTest, BaselineFollowsAServerThatBecameSlowerForGood) {
  ConcurrencyLimit limit(
      {.min_limit = 1, .max_limit = 4, .initial_limit = 2, .window = 10, .windows = 2});
  limit.onCall(microseconds(1000), false);
  for (int i = 0; i < 30; ++i) limit.onCall(microseconds(5000), false);
  EXPECT_EQ(limit.baseline(), microseconds(5000));
}

}  // namespace
}  // namespace pb
