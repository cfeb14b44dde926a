#include "plantbridge/pipeline/replayer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plantbridge/common/ids.h"
#include "plantbridge/pipeline/pipeline_runner.h"
#include "sqlite_fixture.h"

namespace pb {
namespace {

using test::alarmRaised;
using test::at;
using test::counterReading;
using test::productionCount;

class ReplayerTest : public test::SqlitePipelineFixture {
 protected:
  // Runs the live pipeline until it has caught up.
  void runLive() {
    PipelineRunner runner(*pipeline_, store_->journal(), store_->pipeline(), metrics_);
    while (true) {
      auto report = runner.runOnce();
      ASSERT_TRUE(report.isOk()) << report.status().toString();
      if (report->records == 0) return;
    }
  }
  ReplaySummary replay(const ReplayFilter& filter = {}, const ReplayOptions& options = {}) {
    Replayer replayer(*pipeline_, store_->journal(), store_->pipeline());
    auto summary = replayer.run(filter, options);
    EXPECT_TRUE(summary.isOk()) << summary.status().toString();
    return summary.isOk() ? *summary : ReplaySummary{};
  }
  int64_t pendingTotal() {
    auto pending = store_->outbox().pendingByTarget();
    int64_t n = 0;
    for (const auto& [target, count] : *pending) n += count;
    return n;
  }
};

TEST_F(ReplayerTest, ReplayOfProcessedEventsProducesNoSecondTransaction) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z"),
          productionCount("c2", 3, "2026-11-22T10:01:00Z")});
  runLive();
  ASSERT_EQ(pendingTotal(), 2);
  ReplaySummary s = replay();
  EXPECT_EQ(s.events_replayed, 2);
  EXPECT_EQ(s.new_transactions, 0);
  EXPECT_EQ(s.existing_transactions, 2);
  EXPECT_EQ(pendingTotal(), 2);
  ReplaySummary twice = replay();
  EXPECT_EQ(twice.new_transactions, 0) << "replaying again is just as harmless";
}

TEST_F(ReplayerTest, ReplayDoesNotMoveTheCursor) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z")});
  replay();  // before the live pipeline got to it
  EXPECT_EQ(*store_->pipeline().cursor(), 0);
  EXPECT_EQ(outboxSize("c1"), 1) << "planned by the replay";
  runLive();
  EXPECT_EQ(outboxSize("c1"), 1) << "and not again by the live pipeline";
}

TEST_F(ReplayerTest, ReplayAfterAConfigFixPlansTheParkedEventAndUnparksIt) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z", "CNC-99")});
  runLive();
  ASSERT_TRUE(store_->pipeline().exceptionOf("c1")->has_value());

  Config fixed = test::plantConfig();
  fixed.asset_mappings.push_back({"CNC-99", {{"work_center", "9"}, {"cmms_asset", "A-1199"}}});
  usePipeline(fixed);
  ReplaySummary s = replay();
  EXPECT_EQ(s.new_transactions, 1);
  EXPECT_EQ(s.exceptions, 0);
  EXPECT_FALSE(store_->pipeline().exceptionOf("c1")->has_value());
  auto tx = store_->outbox().get("c1/count-to-erp");
  ASSERT_TRUE(tx.isOk() && tx->has_value());
  EXPECT_EQ((*tx)->tx.ordering_key, "9");
}

// Running totals (docs/pipeline.md): live processing adds each count once; a replay (against
// the real store's outbox) neither adds again nor posts a count live processing never added.
TEST_F(ReplayerTest, ReplayNeverMovesARunningTotal) {
  RouteConfig totals;
  totals.name = "total-to-erp";
  totals.types = {"production.count"};
  totals.target = "erp";
  totals.running_total = RunningTotalConfig{"payload.quantity", "{{context.work_center}}"};
  totals.body_template = R"({"wc": {{context.work_center}}, "total": {{running_total}}})";
  Config config = test::plantConfig();
  config.routes.push_back(totals);
  usePipeline(config);
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z"),
          productionCount("c2", 3, "2026-11-22T10:01:00Z"),
          productionCount("c3", 5, "2026-11-22T10:02:00Z", "CNC-99")});
  runLive();
  EXPECT_EQ(**store_->pipeline().getState("route/total-to-erp/total/7"), "15");
  ASSERT_TRUE(store_->pipeline().exceptionOf("c3")->has_value());

  // The parked count's machine gets its mapping; every route of c1 and c2 was planned live.
  config.asset_mappings.push_back({"CNC-99", {{"work_center", "7"}}});
  usePipeline(config);
  ReplaySummary s = replay();
  EXPECT_EQ(s.new_transactions, 0);
  EXPECT_EQ(s.exceptions, 1);
  auto parked = store_->pipeline().exceptionOf("c3");
  ASSERT_TRUE(parked.isOk() && parked->has_value());
  EXPECT_THAT((*parked)->reason, ::testing::HasSubstr("only live processing adds to"));
  EXPECT_EQ(**store_->pipeline().getState("route/total-to-erp/total/7"), "15");
  auto c2 = store_->outbox().get("c2/total-to-erp");
  ASSERT_TRUE(c2.isOk() && c2->has_value());
  EXPECT_EQ((*c2)->tx.body, R"({"wc": "7", "total": 15})");
}

TEST_F(ReplayerTest, StillUnresolvableEventIsParkedAgainAndCounted) {
  append({productionCount("c1", 12, "2026-11-22T10:00:00Z", "CNC-99")});
  runLive();
  ReplaySummary s = replay();
  EXPECT_EQ(s.exceptions, 1);
  EXPECT_EQ(s.new_transactions, 0);
}

TEST_F(ReplayerTest, ReplayNeverDerivesAndLeavesCounterStateAlone) {
  append({counterReading("r1", 100, "2026-11-22T10:00:00Z"),
          counterReading("r2", 112, "2026-11-22T10:01:00Z")});
  runLive();
  int64_t head = store_->journal().headSeq();
  auto state_before = store_->pipeline().getState("qualify/part-counter/CNC-07");
  ASSERT_TRUE(state_before.isOk() && state_before->has_value());

  ReplaySummary s = replay();
  EXPECT_EQ(s.events_replayed, 3) << "r1, r2 and the derived count";
  EXPECT_EQ(s.derived_followed, 0) << "the filter selects the derived count itself";
  EXPECT_EQ(s.new_transactions, 0);
  EXPECT_EQ(s.existing_transactions, 1);
  EXPECT_EQ(store_->journal().headSeq(), head) << "nothing derived";
  EXPECT_EQ(*store_->pipeline().getState("qualify/part-counter/CNC-07"), *state_before);

  // A later live reading still counts from the live state.
  append({counterReading("r3", 120, "2026-11-22T10:02:00Z")});
  runLive();
  auto tx = store_->outbox().get(derivedId("r3", "qualify/part-counter") + "/count-to-erp");
  ASSERT_TRUE(tx.isOk() && tx->has_value());
  EXPECT_THAT((*tx)->tx.body, ::testing::HasSubstr("\"qty\": 8"));
}

TEST_F(ReplayerTest, ReplayOfCountersFollowsTheirDerivedEvents) {
  append({counterReading("r1", 100, "2026-11-22T10:00:00Z"),
          counterReading("r2", 112, "2026-11-22T10:01:00Z")});
  runLive();
  ReplayFilter counters;
  counters.types = {"machine.counter"};
  ReplaySummary s = replay(counters);
  EXPECT_EQ(s.events_replayed, 2);
  EXPECT_EQ(s.derived_followed, 1) << "r2's count, which the filter does not select itself";
  EXPECT_EQ(s.existing_transactions, 1);
  EXPECT_EQ(s.new_transactions, 0);
  auto trace = store_->pipeline().traceOf(derivedId("r2", "qualify/part-counter"));
  ASSERT_TRUE(trace.isOk());
  EXPECT_EQ(trace->size(), 12u) << "six stages live, six again in the replay";
}

TEST_F(ReplayerTest, FilterSelectsByTypeAndTime) {
  append({productionCount("c1", 1, "2026-11-22T09:00:00Z"),
          productionCount("c2", 2, "2026-11-22T10:00:00Z"),
          alarmRaised("a1", "E1", "2026-11-22T10:00:00Z"),
          productionCount("c3", 3, "2026-11-22T11:00:00Z")});
  ReplayFilter filter;
  filter.since = at("2026-11-22T10:00:00Z");
  filter.until = at("2026-11-22T11:00:00Z");
  filter.types = {"production.count"};
  ReplaySummary s = replay(filter);
  EXPECT_EQ(s.events_replayed, 1);
  EXPECT_EQ(outboxSize("c2"), 1);
  EXPECT_EQ(outboxSize("c1"), 0);
  EXPECT_EQ(outboxSize("c3"), 0);
  EXPECT_EQ(outboxSize("a1"), 0);
}

TEST_F(ReplayerTest, ReplayRepeatsLiveDedupeDecisions) {
  append({alarmRaised("a1", "E42", "2026-11-22T10:00:00Z"),
          alarmRaised("a2", "E42", "2026-11-22T10:00:30Z")});
  runLive();
  ASSERT_EQ(outboxSize("a1"), 1);
  ASSERT_EQ(outboxSize("a2"), 0);
  ReplayFilter later;
  later.since = at("2026-11-22T10:00:10Z");  // only a2: it must not become a first occurrence
  ReplaySummary s = replay(later);
  EXPECT_EQ(s.events_replayed, 1);
  EXPECT_EQ(s.suppressed, 1);
  EXPECT_EQ(outboxSize("a2"), 0);
  ReplaySummary all = replay();
  EXPECT_EQ(all.suppressed, 1);
  EXPECT_EQ(all.new_transactions, 0);
  EXPECT_EQ(all.existing_transactions, 1);
}

TEST_F(ReplayerTest, ProgressIsReportedUpToTheTotal) {
  std::vector<Event> events;
  events.reserve(7);
  for (int i = 0; i < 7; ++i) {
    events.push_back(productionCount("c" + std::to_string(i), 1, "2026-11-22T10:00:00Z"));
  }
  append(events);
  std::vector<std::pair<int64_t, int64_t>> calls;
  ReplayOptions options;
  options.batch_size = 3;
  options.progress = [&](int64_t done, int64_t total) { calls.emplace_back(done, total); };
  int64_t woken = 0;
  options.on_transactions = [&](int64_t n) { woken += n; };
  ReplaySummary s = replay({}, options);
  EXPECT_EQ(s.events_replayed, 7);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], std::make_pair(int64_t{3}, int64_t{7}));
  EXPECT_EQ(calls[2], std::make_pair(int64_t{7}, int64_t{7}));
  EXPECT_EQ(woken, 7);
}

TEST_F(ReplayerTest, CancelledReplayStopsBetweenBatches) {
  append({productionCount("c1", 1, "2026-11-22T10:00:00Z")});
  std::atomic<bool> cancel{true};
  ReplayOptions options;
  options.cancel = &cancel;
  ReplaySummary s = replay({}, options);
  EXPECT_TRUE(s.cancelled);
  EXPECT_EQ(s.events_replayed, 0);
}

}  // namespace
}  // namespace pb
