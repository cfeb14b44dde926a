#include "plantbridge/dispatch/dispatcher.h"

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dispatch_fakes.h"

namespace pb {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FakeTarget;
using test::makeTx;
using test::MemoryOutbox;
using test::ScriptedRandom;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr TimePoint kStart = test::kTestEpoch;

TargetConfig targetConfig() {
  TargetConfig c;
  c.name = "t";
  c.kind = "webhook";
  c.concurrency = 4;
  c.retry.initial_backoff = seconds(1);
  c.retry.max_backoff = seconds(60);
  c.retry.max_attempts = 5;
  c.retry.max_age = hours(1);
  c.circuit_breaker.failure_threshold = 0;  // off unless a test turns it on
  return c;
}

// A dispatcher over the in-memory outbox, driven by hand: pumpOnce() and a manual clock.
class DispatcherTest : public ::testing::Test {
 protected:
  void make(const TargetConfig& config = targetConfig()) {
    dispatcher_ = std::make_unique<Dispatcher>(config, target_, outbox_, clock_, random_, metrics_);
  }
  // Pumps until nothing more starts or finishes.
  void settle() {
    for (int i = 0; i < 100; ++i) {
      const size_t recorded = dispatcher_->recordFinished();
      const size_t launched = dispatcher_->pumpOnce();
      if (recorded == 0 && launched == 0) return;
    }
    FAIL() << "the dispatcher did not settle";
  }
  uint64_t counter(const std::string& name, const Labels& labels) {
    return metrics_.counter(name, "", labels).value();
  }
  double gauge(const std::string& name) {
    return metrics_.gauge(name, "", {{"target", "t"}}).value();
  }

  ManualClock clock_{kStart};
  MemoryOutbox outbox_;
  FakeTarget target_;
  ScriptedRandom random_{{0.5}};
  MetricsRegistry metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, DeliversAndRecordsTheAttempt) {
  make();
  outbox_.add(makeTx("a", "wc7", "t", kStart), kStart);
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  ASSERT_THAT(target_.pendingIds(), ElementsAre("a"));
  clock_.advance(milliseconds(40));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(201, "created")));
  EXPECT_EQ(dispatcher_->recordFinished(), 1u);

  const OutboxEntry e = outbox_.entry("a");
  EXPECT_EQ(e.state, TransactionState::kDelivered);
  const auto attempts = outbox_.allAttempts();
  ASSERT_EQ(attempts.size(), 1u);
  const Attempt& a = attempts[0].attempt;
  EXPECT_EQ(a.transaction_id, "a");
  EXPECT_EQ(a.number, 1);
  EXPECT_EQ(a.started_at, kStart);
  EXPECT_EQ(a.duration, milliseconds(40));
  EXPECT_EQ(a.outcome, AttemptOutcome::kDelivered);
  EXPECT_EQ(a.http_status, 201);
  EXPECT_EQ(a.message, "created");
  EXPECT_EQ(counter("pb_dispatch_attempts_total", {{"target", "t"}, {"outcome", "delivered"}}), 1u);
  EXPECT_EQ(dispatcher_->stats().delivered, 1u);
  const Histogram& latency =
      metrics_.histogram("pb_dispatch_attempt_duration_seconds", "", {{"target", "t"}});
  EXPECT_EQ(latency.count(), 1u);
  EXPECT_DOUBLE_EQ(latency.sum(), 0.04);
}

TEST_F(DispatcherTest, RetryIsRescheduledWithFullJitterAndEveryAttemptRecorded) {
  make();
  outbox_.add(makeTx("a", "k", "t", kStart), kStart);
  target_.setAnswer([](const Transaction&) { return DeliveryResult::retry("HTTP 503", 503); });

  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_EQ(dispatcher_->recordFinished(), 1u);
  OutboxEntry e = outbox_.entry("a");
  EXPECT_EQ(e.state, TransactionState::kPending);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_EQ(e.next_attempt_at, kStart + milliseconds(500));  // 0.5 * min(60 s, 1 s)
  EXPECT_EQ(e.last_error, "HTTP 503");

  EXPECT_EQ(dispatcher_->pumpOnce(), 0u) << "not due yet";
  clock_.advance(milliseconds(500));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_EQ(dispatcher_->recordFinished(), 1u);
  e = outbox_.entry("a");
  EXPECT_EQ(e.attempts, 2);
  EXPECT_EQ(e.next_attempt_at, kStart + milliseconds(500) + seconds(1));  // 0.5 * 2 s

  const auto attempts = outbox_.allAttempts();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].attempt.number, 1);
  EXPECT_EQ(attempts[1].attempt.number, 2);
  EXPECT_EQ(attempts[1].attempt.outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(attempts[1].attempt.http_status, 503);
  EXPECT_EQ(counter("pb_dispatch_retries_total", {{"target", "t"}}), 2u);
}

TEST_F(DispatcherTest, RetryAfterIsHonouredAsAMinimum) {
  make();
  outbox_.add(makeTx("a", "k", "t", kStart), kStart);
  target_.setAnswer(
      [](const Transaction&) { return DeliveryResult::retry("slow down", 429, seconds(20)); });
  settle();
  EXPECT_EQ(outbox_.entry("a").next_attempt_at, kStart + seconds(20));
}

TEST_F(DispatcherTest, RejectIsADeadLetterAtOnceWithTheTargetsMessage) {
  make();
  outbox_.add(makeTx("a", "k", "t", kStart), kStart);
  target_.setAnswer([](const Transaction&) {
    return DeliveryResult::reject(R"({"error":"product 'X-1' unknown"})", 422);
  });
  settle();
  const OutboxEntry e = outbox_.entry("a");
  EXPECT_EQ(e.state, TransactionState::kDead);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_EQ(e.last_error, R"({"error":"product 'X-1' unknown"})");
  EXPECT_EQ(outbox_.allAttempts()[0].attempt.outcome, AttemptOutcome::kRejected);
  EXPECT_EQ(counter("pb_dispatch_dead_letters_total", {{"target", "t"}}), 1u);
  EXPECT_EQ(counter("pb_dispatch_attempts_total", {{"target", "t"}, {"outcome", "rejected"}}), 1u);
}

TEST_F(DispatcherTest, MaxAttemptsMakesADeadLetter) {
  TargetConfig c = targetConfig();
  c.retry.max_attempts = 3;
  make(c);
  outbox_.add(makeTx("a", "k", "t", kStart), kStart);
  int n = 0;
  target_.setAnswer([&n](const Transaction&) {
    return DeliveryResult::retry("HTTP 502 attempt " + std::to_string(++n), 502);
  });
  for (int i = 0; i < 3; ++i) {
    settle();
    clock_.advance(seconds(60));
  }
  settle();
  const OutboxEntry e = outbox_.entry("a");
  EXPECT_EQ(e.state, TransactionState::kDead);
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(e.last_error, "HTTP 502 attempt 3 (gave up after 3 attempts)");
  EXPECT_EQ(target_.deliveredIds().size(), 3u);
}

TEST_F(DispatcherTest, MaxAgeMakesADeadLetter) {
  make();  // max_age 1 h
  outbox_.add(makeTx("old", "k", "t", kStart - hours(2)), kStart);
  target_.setAnswer([](const Transaction&) { return DeliveryResult::retry("timeout"); });
  settle();
  const OutboxEntry e = outbox_.entry("old");
  EXPECT_EQ(e.state, TransactionState::kDead);
  EXPECT_EQ(e.attempts, 1);
  EXPECT_THAT(e.last_error, HasSubstr("timeout (gave up: older than max_age"));
}

TEST_F(DispatcherTest, NeverMoreThanConcurrencyInFlight) {
  TargetConfig c = targetConfig();
  c.concurrency = 3;
  make(c);
  for (int i = 0; i < 10; ++i)
    outbox_.add(makeTx("tx" + std::to_string(i), "k" + std::to_string(i)));
  EXPECT_EQ(dispatcher_->pumpOnce(), 3u);
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  EXPECT_EQ(dispatcher_->stats().in_flight, 3);
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200)));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);  // records the finished one, starts one more
  while (target_.complete(DeliveryResult::delivered(200))) {
    dispatcher_->pumpOnce();
  }
  EXPECT_EQ(outbox_.countInState(TransactionState::kDelivered), 10u);
  EXPECT_EQ(target_.maxInFlight(), 3);
}

TEST_F(DispatcherTest, OneInFlightPerOrderingKeyAndOrderIsKeptAcrossRetries) {
  TargetConfig c = targetConfig();
  c.concurrency = 8;
  make(c);
  outbox_.add(makeTx("a1", "A"));
  outbox_.add(makeTx("a2", "A"));
  outbox_.add(makeTx("b1", "B"));
  outbox_.add(makeTx("a3", "A"));

  EXPECT_EQ(dispatcher_->pumpOnce(), 2u);
  EXPECT_THAT(target_.pendingIds(), ElementsAre("a1", "b1"));
  // a1 fails: a2 must wait behind it, even though a2 itself is due.
  ASSERT_TRUE(target_.complete(DeliveryResult::retry("busy"), "a1"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "b1"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  clock_.advance(seconds(1));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_THAT(target_.pendingIds(), ElementsAre("a1"));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "a1"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_THAT(target_.pendingIds(), ElementsAre("a2"));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "a2"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "a3"));
  settle();
  EXPECT_THAT(target_.deliveredIds(), ElementsAre("a1", "b1", "a1", "a2", "a3"));
}

TEST_F(DispatcherTest, EmptyOrderingKeyIsOneQueueToo) {
  make();
  outbox_.add(makeTx("x1", ""));
  outbox_.add(makeTx("x2", ""));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
}

TEST_F(DispatcherTest, RateLimitSpacesDeliveries) {
  TargetConfig c = targetConfig();
  c.concurrency = 100;
  c.rate_limit.per_second = 2;
  c.rate_limit.burst = 2;
  make(c);
  target_.setAnswer([](const Transaction&) { return DeliveryResult::delivered(200); });
  for (int i = 0; i < 10; ++i)
    outbox_.add(makeTx("tx" + std::to_string(i), "k" + std::to_string(i)));
  EXPECT_EQ(dispatcher_->pumpOnce(), 2u);  // the burst
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  clock_.advance(milliseconds(499));
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  clock_.advance(seconds(1));
  EXPECT_EQ(dispatcher_->pumpOnce(), 2u);
  clock_.advance(seconds(10));
  EXPECT_EQ(dispatcher_->pumpOnce(), 2u) << "the bucket holds no more than its burst";
}

TEST_F(DispatcherTest, OpenCircuitLeavesEntriesAloneThenProbesOnce) {
  TargetConfig c = targetConfig();
  c.concurrency = 4;
  c.circuit_breaker.failure_threshold = 2;
  c.circuit_breaker.open_for = seconds(30);
  c.retry.initial_backoff = milliseconds(1);
  c.retry.max_backoff = milliseconds(1);
  make(c);
  for (int i = 0; i < 6; ++i)
    outbox_.add(makeTx("tx" + std::to_string(i), "k" + std::to_string(i)));
  target_.setAnswer([](const Transaction&) { return DeliveryResult::retry("connection refused"); });
  // The first pass starts 4; their failures open the circuit.
  EXPECT_EQ(dispatcher_->pumpOnce(), 4u);
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kOpen);
  EXPECT_EQ(gauge("pb_dispatch_circuit_state"), 1.0);
  clock_.advance(seconds(29));
  settle();
  EXPECT_EQ(target_.deliveredIds().size(), 4u) << "nothing is delivered while open";
  EXPECT_EQ(outbox_.entry("tx5").attempts, 0) << "entries are left untouched";
  EXPECT_EQ(outbox_.allAttempts().size(), 4u);

  // Half-open: exactly one probe, whatever the concurrency.
  clock_.advance(seconds(1));
  target_.setAnswer(nullptr);
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kHalfOpen);
  EXPECT_EQ(gauge("pb_dispatch_circuit_state"), 2.0);
  EXPECT_EQ(gauge("pb_dispatch_in_flight"), 1.0);
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  // The probe succeeds: closed, full concurrency again.
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200)));
  EXPECT_EQ(dispatcher_->pumpOnce(), 4u);
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kClosed);
  EXPECT_EQ(gauge("pb_dispatch_circuit_state"), 0.0);
  EXPECT_EQ(gauge("pb_dispatch_in_flight"), 4.0);
  EXPECT_EQ(counter("pb_dispatch_circuit_opened_total", {{"target", "t"}}), 1u);
}

TEST_F(DispatcherTest, FailedProbeReopensTheCircuit) {
  TargetConfig c = targetConfig();
  c.circuit_breaker.failure_threshold = 1;
  c.circuit_breaker.open_for = seconds(10);
  make(c);
  outbox_.add(makeTx("a", "A"));
  outbox_.add(makeTx("b", "B"));
  target_.setAnswer([](const Transaction&) { return DeliveryResult::retry("HTTP 503", 503); });
  EXPECT_EQ(dispatcher_->pumpOnce(), 2u);  // both start; the first failure opens the circuit
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kOpen);
  EXPECT_EQ(dispatcher_->recordFinished(), 2u);
  clock_.advance(seconds(10));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);  // the probe, fails
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kOpen);
  clock_.advance(seconds(9));
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  EXPECT_EQ(counter("pb_dispatch_circuit_opened_total", {{"target", "t"}}), 2u);
}

TEST_F(DispatcherTest, RejectionsDoNotOpenTheCircuit) {
  TargetConfig c = targetConfig();
  c.circuit_breaker.failure_threshold = 2;
  make(c);
  for (int i = 0; i < 5; ++i)
    outbox_.add(makeTx("tx" + std::to_string(i), "k" + std::to_string(i)));
  target_.setAnswer([](const Transaction&) { return DeliveryResult::reject("bad", 400); });
  settle();
  EXPECT_EQ(dispatcher_->stats().circuit, CircuitBreaker::State::kClosed);
  EXPECT_EQ(outbox_.countInState(TransactionState::kDead), 5u);
}

TEST_F(DispatcherTest, FailedRecordLeavesTheEntryPendingAndPausesDispatch) {
  make();
  outbox_.add(makeTx("a", "k"));
  target_.setAnswer([](const Transaction&) { return DeliveryResult::delivered(200); });
  outbox_.failWrites(1);
  settle();
  EXPECT_EQ(outbox_.entry("a").state, TransactionState::kPending);
  EXPECT_EQ(dispatcher_->stats().store_errors, 1u);
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u) << "paused for a poll interval";
  clock_.advance(seconds(1));
  settle();
  EXPECT_EQ(outbox_.entry("a").state, TransactionState::kDelivered);
  EXPECT_EQ(target_.deliveredIds().size(), 2u) << "delivered again: at-least-once";
}

TEST_F(DispatcherTest, FailedReadIsCountedAndRetried) {
  make();
  outbox_.add(makeTx("a", "k"));
  outbox_.failReads(true);
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u);
  EXPECT_EQ(dispatcher_->stats().store_errors, 1u);
  outbox_.failReads(false);
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
}

TEST_F(DispatcherTest, OnlyItsOwnTargetsEntriesAreDelivered) {
  make();
  outbox_.add(makeTx("mine", "k", "t"));
  outbox_.add(makeTx("other", "k", "u"));
  target_.setAnswer([](const Transaction&) { return DeliveryResult::delivered(200); });
  settle();
  EXPECT_THAT(target_.deliveredIds(), ElementsAre("mine"));
  EXPECT_EQ(outbox_.entry("other").state, TransactionState::kPending);
}

TEST_F(DispatcherTest, ResultsArrivingAfterStopAreIgnored) {
  make();
  outbox_.add(makeTx("a", "k"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  EXPECT_FALSE(dispatcher_->stop(Micros{0}));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200)));
  dispatcher_.reset();
  EXPECT_EQ(outbox_.entry("a").state, TransactionState::kPending);
  EXPECT_TRUE(outbox_.allAttempts().empty());
}

// --- with the dispatcher's own threads and the real clock

class ThreadedDispatcherTest : public ::testing::Test {
 protected:
  void make(const TargetConfig& config, DispatcherOptions options = {}) {
    dispatcher_ =
        std::make_unique<Dispatcher>(config, target_, outbox_, clock_, random_, metrics_, options);
  }
  void TearDown() override {
    if (dispatcher_) (void)dispatcher_->stop(seconds(5));
  }

  SystemClock clock_;
  MemoryOutbox outbox_;
  FakeTarget target_;
  SystemRandom random_{1};
  MetricsRegistry metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(ThreadedDispatcherTest, DeliversEverythingKeepingOrderPerKey) {
  TargetConfig c = targetConfig();
  c.concurrency = 4;
  c.retry.initial_backoff = milliseconds(1);
  c.retry.max_backoff = milliseconds(5);
  c.retry.max_attempts = 100;
  make(c);
  std::mutex mu;
  std::map<std::string, std::vector<int>> seen;  // key -> sequence numbers as delivered
  std::atomic<int> calls{0};
  target_.setAnswer([&](const Transaction& tx) {
    // Every third call fails: retries must not reorder a key.
    if (++calls % 3 == 0) return DeliveryResult::retry("flaky");
    std::lock_guard<std::mutex> lock(mu);
    seen[tx.ordering_key].push_back(std::stoi(tx.id.substr(tx.id.find('-') + 1)));
    return DeliveryResult::delivered(200);
  });
  constexpr int kKeys = 5;
  constexpr int kPerKey = 40;
  for (int i = 0; i < kPerKey; ++i) {
    for (int k = 0; k < kKeys; ++k) {
      outbox_.add(makeTx("k" + std::to_string(k) + "-" + std::to_string(i), "k" + std::to_string(k),
                         "t", clock_.now()));
    }
  }
  dispatcher_->start();
  dispatcher_->wake();
  ASSERT_TRUE(
      outbox_.waitForState(TransactionState::kDelivered, static_cast<size_t>(kKeys * kPerKey)));
  EXPECT_LE(target_.maxInFlight(), 4);
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [key, order] : seen) {
    ASSERT_EQ(order.size(), static_cast<size_t>(kPerKey)) << key;
    for (int i = 0; i < kPerKey; ++i) EXPECT_EQ(order[i], i) << key;
  }
}

TEST_F(ThreadedDispatcherTest, WakeStartsDeliveryWithoutWaitingForThePoll) {
  DispatcherOptions options;
  options.poll_interval = hours(1);
  make(targetConfig(), options);
  target_.setAnswer([](const Transaction&) { return DeliveryResult::delivered(200); });
  dispatcher_->start();
  ASSERT_TRUE(outbox_.waitForDueCalls(1));  // the loop has looked once and now waits
  outbox_.add(makeTx("a", "k", "t", clock_.now()));
  dispatcher_->wake();
  EXPECT_TRUE(outbox_.waitForState(TransactionState::kDelivered, 1));
}

TEST_F(ThreadedDispatcherTest, SleepsUntilTheNextRetryIsDue) {
  DispatcherOptions options;
  options.poll_interval = hours(1);  // only nextDueAt can bring the retry back in time
  TargetConfig c = targetConfig();
  c.retry.initial_backoff = milliseconds(50);
  c.retry.max_backoff = milliseconds(50);
  make(c, options);
  std::atomic<int> calls{0};
  target_.setAnswer([&](const Transaction&) {
    return ++calls == 1 ? DeliveryResult::retry("once") : DeliveryResult::delivered(200);
  });
  outbox_.add(makeTx("a", "k", "t", clock_.now()));
  dispatcher_->start();
  EXPECT_TRUE(outbox_.waitForState(TransactionState::kDelivered, 1));
  EXPECT_EQ(outbox_.entry("a").attempts, 2);
}

TEST_F(ThreadedDispatcherTest, StopWaitsForDeliveriesInFlight) {
  make(targetConfig());
  outbox_.add(makeTx("a", "k", "t", clock_.now()));
  dispatcher_->start();
  ASSERT_TRUE(target_.waitForPending(1));
  auto stopped = std::async(std::launch::async, [this] { return dispatcher_->stop(seconds(20)); });
  // stop() has to wait for this delivery; completing it lets stop() return true.
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200)));
  EXPECT_TRUE(stopped.get());
  EXPECT_EQ(outbox_.entry("a").state, TransactionState::kDelivered);
}

TEST_F(ThreadedDispatcherTest, StopTimesOutAndLeavesTheEntryPending) {
  make(targetConfig());
  outbox_.add(makeTx("a", "k", "t", clock_.now()));
  dispatcher_->start();
  ASSERT_TRUE(target_.waitForPending(1));
  EXPECT_FALSE(dispatcher_->stop(milliseconds(20)));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200)));  // too late: ignored
  EXPECT_EQ(outbox_.entry("a").state, TransactionState::kPending);
  EXPECT_EQ(outbox_.entry("a").attempts, 0);
}

}  // namespace
}  // namespace pb
