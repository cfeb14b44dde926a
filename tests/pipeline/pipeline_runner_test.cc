#include "plantbridge/pipeline/pipeline_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <condition_variable>
#include <mutex>

#include "plantbridge/common/ids.h"
#include "sqlite_fixture.h"

namespace pb {
namespace {

using test::alarmRaised;
using test::counterReading;
using test::FakePipelineStore;
using test::productionCount;
using ::testing::HasSubstr;

using PipelineRunnerTest = test::SqlitePipelineFixture;

constexpr auto kWait = std::chrono::seconds(20);  // a deadline for failure, never a delay

TEST_F(PipelineRunnerTest, RunOnceProcessesTheJournalAndMovesTheCursor) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z"),
          productionCount("c2", 3, "2026-11-22T10:01:00Z")});
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  auto report = runner.runOnce();
  ASSERT_TRUE(report.isOk()) << report.status().toString();
  EXPECT_EQ(report->records, 2u);
  EXPECT_EQ(report->cursor, 2);
  EXPECT_EQ(report->new_transactions, 2);
  EXPECT_EQ(runner.cursor(), 2);
  EXPECT_EQ(*store_->pipeline().cursor(), 2);
  auto tx = store_->outbox().get("c1/count-to-erp");
  ASSERT_TRUE(tx.isOk());
  ASSERT_TRUE(tx->has_value());
  EXPECT_EQ((*tx)->tx.target, "erp");
  EXPECT_EQ((*tx)->tx.ordering_key, "7");

  auto again = runner.runOnce();
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again->records, 0u) << "caught up";
}

TEST_F(PipelineRunnerTest, TheTraceOfEveryStageIsCommitted) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z")});
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  ASSERT_TRUE(runner.runOnce().isOk());
  auto trace = store_->pipeline().traceOf("c1");
  ASSERT_TRUE(trace.isOk());
  std::vector<std::string> stages;
  for (const auto& t : *trace) stages.push_back(t.stage);
  EXPECT_THAT(stages,
              ::testing::ElementsAre("validate", "qualify", "map", "enrich", "dedupe", "route"));
}

TEST_F(PipelineRunnerTest, DerivedEventsComeBackThroughTheJournal) {
  append({counterReading("r1", 100, "2026-11-22T10:00:00Z"),
          counterReading("r2", 112, "2026-11-22T10:01:00Z")});
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  auto first = runner.runOnce();
  ASSERT_TRUE(first.isOk());
  EXPECT_EQ(first->derived_events, 1u);
  EXPECT_EQ(first->new_transactions, 0);
  EXPECT_EQ(store_->journal().headSeq(), 3);

  auto second = runner.runOnce();
  ASSERT_TRUE(second.isOk());
  EXPECT_EQ(second->records, 1u);
  EXPECT_EQ(second->new_transactions, 1);
  std::string derived = derivedId("r2", "qualify/part-counter");
  auto tx = store_->outbox().get(derived + "/count-to-erp");
  ASSERT_TRUE(tx.isOk());
  ASSERT_TRUE(tx->has_value());
  EXPECT_EQ(boost::json::parse((*tx)->tx.body).as_object()["qty"].as_int64(), 12);
  auto journaled = store_->journal().findById(derived);
  ASSERT_TRUE(journaled.isOk());
  ASSERT_TRUE(journaled->has_value());
  EXPECT_EQ((*journaled)->event.causation_id, "r2");
}

TEST_F(PipelineRunnerTest, CounterStateCarriesAcrossBatchesAndWithinOne) {
  append({counterReading("r1", 65530, "2026-11-22T10:00:00Z"),
          counterReading("r2", 65534, "2026-11-22T10:01:00Z"),
          counterReading("r3", 3, "2026-11-22T10:02:00Z")});
  PipelineRunnerOptions options;
  options.batch_size = 2;  // r1, r2 share a batch; r3 starts the next one
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_, options);
  while (true) {
    auto report = runner.runOnce();
    ASSERT_TRUE(report.isOk()) << report.status().toString();
    if (report->records == 0) break;
  }
  auto q2 = store_->outbox().get(derivedId("r2", "qualify/part-counter") + "/count-to-erp");
  auto q3 = store_->outbox().get(derivedId("r3", "qualify/part-counter") + "/count-to-erp");
  ASSERT_TRUE(q2.isOk() && q2->has_value());
  ASSERT_TRUE(q3.isOk() && q3->has_value());
  EXPECT_EQ(boost::json::parse((*q2)->tx.body).as_object()["qty"].as_int64(), 4);
  EXPECT_EQ(boost::json::parse((*q3)->tx.body).as_object()["qty"].as_int64(), 5)
      << "65535, 0, 1, 2, 3";
}

TEST_F(PipelineRunnerTest, UnresolvableEventIsParkedWithItsReason) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z", "CNC-99")});
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  auto report = runner.runOnce();
  ASSERT_TRUE(report.isOk());
  EXPECT_EQ(report->exceptions, 1u);
  EXPECT_EQ(report->cursor, 1) << "a parked event does not hold up the ones after it";
  auto parked = store_->pipeline().exceptionOf("c1");
  ASSERT_TRUE(parked.isOk());
  ASSERT_TRUE(parked->has_value());
  EXPECT_EQ((*parked)->stage, "route");
  EXPECT_EQ((*parked)->reason,
            "route count-to-erp: context.work_center is not set (no mapping for asset 'CNC-99')");
  EXPECT_EQ(outboxSize("c1"), 0);
}

// The events are two hours old when processed (the clock says 12:00): the window is judged in
// event time, and the key outlives the store's purge of expired keys.
TEST_F(PipelineRunnerTest, LateDuplicateAlarmInALaterBatchIsSuppressed) {
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  append({alarmRaised("a1", "E42", "2026-11-22T10:00:00Z")});
  ASSERT_TRUE(runner.runOnce().isOk());
  append({alarmRaised("a2", "E42", "2026-11-22T10:00:30Z")});
  auto report = runner.runOnce();
  ASSERT_TRUE(report.isOk());
  EXPECT_EQ(report->new_transactions, 0);
  EXPECT_EQ(outboxSize("a1"), 1);
  EXPECT_EQ(outboxSize("a2"), 0);
}

TEST_F(PipelineRunnerTest, ThreadWakesOnWakeAndTellsTheDispatcher) {
  std::mutex mutex;
  std::condition_variable cv;
  int64_t notified = 0;
  PipelineRunnerOptions options;
  options.idle_recheck = std::chrono::minutes(10);  // only wake() can get it going in time
  options.on_transactions = [&](int64_t n) {
    std::lock_guard lock(mutex);
    notified += n;
    cv.notify_all();
  };
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_, options);
  ASSERT_TRUE(runner.start().isOk());
  EXPECT_FALSE(runner.start().isOk()) << "one thread only";

  append({productionCount("c1", 12, "2026-11-22T10:00:00Z"),
          productionCount("c2", 12, "2026-11-22T10:00:00Z")});
  runner.wake();
  ASSERT_TRUE(runner.waitForCursor(2, kWait));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return notified == 2; }));
  }

  append({counterReading("r1", 1, "2026-11-22T10:00:00Z"),
          counterReading("r2", 5, "2026-11-22T10:01:00Z")});
  runner.wake();
  // r1, r2, then the derived count (seq 5), which the runner reaches without another wake().
  ASSERT_TRUE(runner.waitForCursor(5, kWait));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return notified == 3; }));
  }
  runner.stop();
  runner.stop();  // idempotent
  EXPECT_EQ(*store_->pipeline().cursor(), 5);
}

TEST_F(PipelineRunnerTest, StopReturnsWhileIdle) {
  PipelineRunnerOptions options;
  options.idle_recheck = std::chrono::minutes(10);
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_, options);
  ASSERT_TRUE(runner.start().isOk());
  runner.stop();
  EXPECT_FALSE(runner.waitForCursor(1, std::chrono::milliseconds(0)));
}

TEST_F(PipelineRunnerTest, FailedCommitLeavesTheCursorAndIsRedone) {
  append({counterReading("r1", 100, "2026-11-22T10:00:00Z"),
          counterReading("r2", 110, "2026-11-22T10:01:00Z")});
  FakePipelineStore failing;
  failing.fail_commits = true;
  PipelineRunner runner(*pipeline_, store_->journal(), failing, metrics_);
  auto failed = runner.runOnce();
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(runner.cursor(), 0);

  failing.fail_commits = false;
  auto redone = runner.runOnce();
  ASSERT_TRUE(redone.isOk());
  EXPECT_EQ(redone->records, 2u);
  EXPECT_EQ(redone->derived_events, 1u) << "the failed batch's overlay did not leak into this one";
  EXPECT_EQ(runner.cursor(), 2);
}

TEST_F(PipelineRunnerTest, BatchMetricsAreRecorded) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z")});
  PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
  ASSERT_TRUE(runner.runOnce().isOk());
  std::string text = metrics_.render();
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_batches_total 1"));
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_cursor 1"));
}

}  // namespace
}  // namespace pb
