// End to end through the hub's delivery path: the SQLite outbox, a Dispatcher, the webhook
// target and pb_http_sink answering some requests with 503. Every transaction arrives once.
// Also prints throughput figures (not asserted beyond a floor).
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "plantbridge/dispatch/dispatcher.h"
#include "plantbridge/store/store.h"
#include "sink_process.h"
#include "support/final_counting_outbox.h"
#include "webhook_test_util.h"

namespace pb {
namespace {

using Kind = DeliveryResult::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

TEST(WebhookThroughputTest, TargetAloneAtConcurrency8) {
  test::SinkProcess sink;
  ASSERT_TRUE(sink.start({"--secret", "k"}).isOk());
  SystemClock clock;
  TargetConfig config = test::webhookConfig(sink.url(), 8);
  config.webhook.hmac_secret = "k";
  auto target = test::makeOrDie(config, clock);
  ASSERT_TRUE(target);
  const int count = envInt("PB_BENCH_DELIVERIES", 2000);
  std::mutex mu;
  std::condition_variable cv;
  int next = 0, done = 0, delivered = 0;
  // Keep 8 deliveries in flight, like a dispatcher at concurrency 8.
  std::function<void()> launch = [&] {
    int i;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (next == count) return;
      i = next++;
    }
    target->deliverAsync(test::hookTx("t" + std::to_string(i)), [&](const DeliveryResult& r) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++done;
        if (r.kind == Kind::kDelivered) ++delivered;
        cv.notify_all();
      }
      launch();
    });
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) launch();
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(120), [&] { return done == count; }));
  const double elapsed = secondsSince(t0);
  EXPECT_EQ(delivered, count);
  lock.unlock();
  target->shutdown();
  std::printf("webhook target alone: %d deliveries in %.2f s = %.0f/s (concurrency 8, signed)\n",
              count, elapsed, count / elapsed);
  EXPECT_EQ(*sink.stat("distinct"), count);
  EXPECT_EQ(*sink.stat("bad_signatures"), 0);
}

class WebhookDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-e2e-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(WebhookDispatchTest, EveryTransactionArrivesExactlyOnceDespiteFailures) {
  test::SinkProcess sink;
  ASSERT_TRUE(
      sink.start({"--secret", "k", "--fail-fraction", "0.2", "--fail-status", "503", "--seed", "9"})
          .isOk());
  SystemClock clock;
  SqliteStoreOptions store_options;
  store_options.path = dir_ + "/store.db";
  store_options.durable = envInt("PB_BENCH_DURABLE", 1) != 0;
  auto store = openSqliteStore(store_options, clock);
  ASSERT_TRUE(store.isOk()) << store.status().toString();

  const int count = envInt("PB_BENCH_TRANSACTIONS", 2000);
  constexpr int kKeys = 16;
  StepResult step;
  step.event_id = "ev-load";
  for (int i = 0; i < count; ++i) {
    Transaction tx = test::hookTx("tx" + std::to_string(i));
    tx.ordering_key = "wc" + std::to_string(i % kKeys);
    tx.created_at = clock.now();
    step.transactions.push_back(std::move(tx));
  }
  auto committed = (*store)->pipeline().commitSteps({step}, std::nullopt);
  ASSERT_TRUE(committed.isOk()) << committed.status().toString();

  TargetConfig config = test::webhookConfig(sink.url(), 8);
  config.webhook.hmac_secret = "k";
  config.retry.initial_backoff = milliseconds(5);
  config.retry.max_backoff = milliseconds(50);
  config.retry.max_attempts = 100;
  config.circuit_breaker.failure_threshold = 0;
  auto target = test::makeOrDie(config, clock);
  ASSERT_TRUE(target);
  SystemRandom random;
  MetricsRegistry metrics;
  test::FinalCountingOutbox outbox((*store)->outbox());
  Dispatcher dispatcher(config, *target, outbox, clock, random, metrics);
  const auto t0 = std::chrono::steady_clock::now();
  dispatcher.start();
  // Every transaction ends delivered (the sink answers 2xx sooner or later).
  const bool all_delivered = outbox.waitForFinal(static_cast<size_t>(count), seconds(300));
  const double elapsed = secondsSince(t0);
  EXPECT_TRUE(all_delivered);
  EXPECT_TRUE(dispatcher.stop(seconds(10)));
  EXPECT_EQ(dispatcher.stats().delivered, static_cast<uint64_t>(count));
  EXPECT_EQ(dispatcher.stats().dead, 0u);
  target->shutdown();
  std::printf(
      "outbox -> dispatcher -> webhook -> sink: %d transactions in %.2f s = %.0f/s "
      "(concurrency 8, 20%% answered 503, %s store)\n",
      count, elapsed, count / elapsed, store_options.durable ? "durable" : "non-durable");
  EXPECT_EQ(*sink.stat("distinct"), count);
  EXPECT_EQ(*sink.stat("duplicates"), 0);
  EXPECT_EQ(*sink.stat("bad_signatures"), 0);
  EXPECT_GT(*sink.stat("injected"), 0);
  auto pending = (*store)->outbox().pendingByTarget();
  ASSERT_TRUE(pending.isOk());
  EXPECT_EQ((*pending)["hook"], 0);
  (*store)->close();
}

}  // namespace
}  // namespace pb
