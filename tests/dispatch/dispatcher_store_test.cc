// The dispatcher over the real embedded store: the outbox's due() and recordAttempt() as the
// SQLite store implements them.
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dispatch_fakes.h"
#include "plantbridge/dispatch/dispatcher.h"
#include "plantbridge/store/store.h"
#include "support/final_counting_outbox.h"

namespace pb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FakeTarget;
using test::makeTx;
using ::testing::ElementsAre;

class DispatcherStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-dispatch-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    SqliteStoreOptions options;
    options.path = dir_ + "/store.db";
    options.durable = false;
    auto store = openSqliteStore(options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(store).value();
    observed_ = std::make_unique<test::FinalCountingOutbox>(store_->outbox());
  }
  void TearDown() override {
    dispatcher_.reset();
    if (store_) store_->close();
    std::filesystem::remove_all(dir_);
  }

  void addTransactions(std::vector<Transaction> txs) {
    StepResult step;
    step.event_id = "ev-batch-" + std::to_string(++batches_);
    step.transactions = std::move(txs);
    auto committed = store_->pipeline().commitSteps({step}, std::nullopt);
    ASSERT_TRUE(committed.isOk()) << committed.status().toString();
  }
  OutboxEntry entry(const std::string& id) {
    auto e = store_->outbox().get(id);
    EXPECT_TRUE(e.isOk() && e->has_value()) << id;
    return e.isOk() && e->has_value() ? **e : OutboxEntry{};
  }

  TargetConfig config() {
    TargetConfig c;
    c.name = "t";
    c.kind = "webhook";
    c.concurrency = 4;
    c.retry.initial_backoff = milliseconds(1);
    c.retry.max_backoff = milliseconds(4);
    c.retry.max_attempts = 50;
    c.circuit_breaker.failure_threshold = 0;
    return c;
  }

  std::string dir_;
  ManualClock clock_{fromUnixMicros(1'800'000'000'000'000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<test::FinalCountingOutbox> observed_;
  FakeTarget target_;
  SystemRandom random_{3};
  MetricsRegistry metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int batches_ = 0;
};

TEST_F(DispatcherStoreTest, RetriesRejectsAndOrderOnTheRealOutbox) {
  addTransactions({makeTx("a1", "A"), makeTx("a2", "A"), makeTx("b1", "B"), makeTx("c1", "C")});
  dispatcher_ =
      std::make_unique<Dispatcher>(config(), target_, *observed_, clock_, random_, metrics_);
  EXPECT_EQ(dispatcher_->pumpOnce(), 3u);  // heads of A, B, C
  EXPECT_THAT(target_.pendingIds(), ElementsAre("a1", "b1", "c1"));
  ASSERT_TRUE(target_.complete(DeliveryResult::retry("HTTP 503", 503), "a1"));
  ASSERT_TRUE(target_.complete(DeliveryResult::reject(R"({"error":"unknown lot"})", 422), "b1"));
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "c1"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 0u) << "a1 waits for its backoff; a2 waits behind it";
  clock_.advance(seconds(1));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "a1"));
  EXPECT_EQ(dispatcher_->pumpOnce(), 1u);
  ASSERT_TRUE(target_.complete(DeliveryResult::delivered(200), "a2"));
  EXPECT_EQ(dispatcher_->recordFinished(), 1u);

  EXPECT_THAT(target_.deliveredIds(), ElementsAre("a1", "b1", "c1", "a1", "a2"));
  EXPECT_EQ(entry("a1").state, TransactionState::kDelivered);
  EXPECT_EQ(entry("a2").state, TransactionState::kDelivered);
  EXPECT_EQ(entry("c1").state, TransactionState::kDelivered);
  const OutboxEntry b1 = entry("b1");
  EXPECT_EQ(b1.state, TransactionState::kDead);
  EXPECT_EQ(b1.last_error, R"({"error":"unknown lot"})");

  auto attempts = store_->outbox().attempts("a1");
  ASSERT_TRUE(attempts.isOk());
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].number, 1);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ((*attempts)[0].http_status, 503);
  EXPECT_EQ((*attempts)[0].message, "HTTP 503");
  EXPECT_EQ((*attempts)[1].number, 2);
  EXPECT_EQ((*attempts)[1].outcome, AttemptOutcome::kDelivered);

  auto dead = store_->outbox().deadLetters(0, 10);
  ASSERT_TRUE(dead.isOk());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].tx.id, "b1");
}

TEST_F(DispatcherStoreTest, ThreadedDispatchDeliversEveryTransactionOnceInOrder) {
  SystemClock system_clock;
  constexpr int kKeys = 8, kPerKey = 60;
  std::vector<Transaction> txs;
  for (int i = 0; i < kPerKey; ++i) {
    for (int k = 0; k < kKeys; ++k) {
      txs.push_back(makeTx("wc" + std::to_string(k) + "-" + std::to_string(i),
                           "wc" + std::to_string(k), "t", system_clock.now()));
    }
  }
  addTransactions(std::move(txs));
  std::mutex mu;
  std::map<std::string, std::vector<int>> seen;
  std::atomic<int> calls{0};
  target_.setAnswer([&](const Transaction& tx) {
    if (++calls % 5 == 0) return DeliveryResult::retry("flaky");
    std::lock_guard<std::mutex> lock(mu);
    seen[tx.ordering_key].push_back(std::stoi(tx.id.substr(tx.id.find('-') + 1)));
    return DeliveryResult::delivered(200);
  });
  dispatcher_ =
      std::make_unique<Dispatcher>(config(), target_, *observed_, system_clock, random_, metrics_);
  dispatcher_->start();
  ASSERT_TRUE(observed_->waitForFinal(static_cast<size_t>(kKeys * kPerKey), test::kWaitLimit));
  EXPECT_TRUE(dispatcher_->stop(seconds(10)));
  auto pending = store_->outbox().pendingByTarget();
  ASSERT_TRUE(pending.isOk());
  EXPECT_EQ((*pending)["t"], 0);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kKeys));
  for (const auto& [key, order] : seen) {
    ASSERT_EQ(order.size(), static_cast<size_t>(kPerKey)) << key;
    for (int i = 0; i < kPerKey; ++i) ASSERT_EQ(order[i], i) << key;
  }
}

}  // namespace
}  // namespace pb
