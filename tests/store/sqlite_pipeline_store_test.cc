#include <gtest/gtest.h>

#include <array>

#include "store_test_util.h"

namespace pb {
namespace {

using testing::at;
using testing::makeEvent;
using testing::makeTransaction;
using testing::StoreFixture;
using namespace std::chrono_literals;

class SqlitePipelineStoreTest : public ::testing::Test {
 protected:
  SqlitePipelineStoreTest() : clock_(at(1'800'000'000)), f_(clock_) { f_.open(); }

  PipelineStore& pipeline() { return f_.store().pipeline(); }
  Journal& journal() { return f_.store().journal(); }

  // A step that does a bit of everything for `event_id`.
  StepResult fullStep(const std::string& event_id, int64_t seq) {
    StepResult step;
    step.journal_seq = seq;
    step.event_id = event_id;
    Event derived = makeEvent(event_id + ".count", "production.count");
    derived.causation_id = event_id;
    step.derived_events.push_back(derived);
    step.transactions.push_back(makeTransaction(event_id + "/odoo"));
    step.trace.push_back({event_id, "validate", "passed", "", clock_.now()});
    step.trace.push_back({event_id, "qualify", "derived", "delta 12", clock_.now()});
    step.state_updates.push_back({"qualify/counter/CNC-07", "{\"last\":1234}"});
    step.dedupe_keys.push_back({"dedupe/" + event_id, clock_.now() + 10min});
    return step;
  }

  ManualClock clock_;
  StoreFixture f_;
};

TEST_F(SqlitePipelineStoreTest, CursorStartsAtZeroAndMovesWithTheCommit) {
  EXPECT_EQ(*pipeline().cursor(), 0);
  ASSERT_TRUE(journal().append({makeEvent("a"), makeEvent("b")}).isOk());
  EXPECT_EQ(*pipeline().backlog(), 2);
  auto added = pipeline().commitSteps({}, 2);
  ASSERT_TRUE(added.isOk());
  EXPECT_EQ(*pipeline().cursor(), 2);
  EXPECT_EQ(*pipeline().backlog(), 0);
}

TEST_F(SqlitePipelineStoreTest, CommitWithoutACursorLeavesItInPlace) {
  ASSERT_TRUE(pipeline().commitSteps({}, 7).isOk());
  ASSERT_TRUE(pipeline().commitSteps({fullStep("replayed", 3)}, std::nullopt).isOk());
  EXPECT_EQ(*pipeline().cursor(), 7);
}

TEST_F(SqlitePipelineStoreTest, CommitStepsAppliesEveryEffect) {
  ASSERT_TRUE(journal().append({makeEvent("m1")}).isOk());
  auto added = pipeline().commitSteps({fullStep("m1", 1)}, 1);
  ASSERT_TRUE(added.isOk()) << added.status().toString();
  EXPECT_EQ(*added, 1);

  auto derived = journal().findById("m1.count");
  ASSERT_TRUE(derived.isOk() && derived->has_value());
  EXPECT_EQ((*derived)->seq, 2);
  EXPECT_EQ((*derived)->event.causation_id, "m1");
  EXPECT_EQ((*derived)->event.received_at, clock_.now());
  EXPECT_EQ(journal().headSeq(), 2);

  auto entry = f_.store().outbox().get("m1/odoo");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kPending);

  auto trace = pipeline().traceOf("m1");
  ASSERT_TRUE(trace.isOk());
  ASSERT_EQ(trace->size(), 2u);
  EXPECT_EQ((*trace)[0].stage, "validate");
  EXPECT_EQ((*trace)[1].stage, "qualify");
  EXPECT_EQ((*trace)[1].detail, "delta 12");

  auto state = pipeline().getState("qualify/counter/CNC-07");
  ASSERT_TRUE(state.isOk() && state->has_value());
  EXPECT_EQ(**state, "{\"last\":1234}");
  EXPECT_TRUE(*pipeline().dedupeKeySeen("dedupe/m1", clock_.now()));
  EXPECT_EQ(*pipeline().cursor(), 1);
  // The derived event is not processed yet: it is the backlog.
  EXPECT_EQ(*pipeline().backlog(), 1);

  auto report = journal().verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact) << report->problem;
}

TEST_F(SqlitePipelineStoreTest, RepeatedStepAddsNothingNewToJournalOrOutbox) {
  ASSERT_TRUE(journal().append({makeEvent("m1")}).isOk());
  ASSERT_EQ(*pipeline().commitSteps({fullStep("m1", 1)}, 1), 1);
  // A replay (or a crash before the cursor moved) commits the same step again.
  auto again = pipeline().commitSteps({fullStep("m1", 1)}, std::nullopt);
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(journal().headSeq(), 2);
  EXPECT_EQ(f_.store().outbox().pendingByTarget()->at("odoo"), 1);
}

TEST_F(SqlitePipelineStoreTest, FailingStepRollsBackTheWholeCommitAndKeepsTheCursor) {
  ASSERT_TRUE(journal().append({makeEvent("m1"), makeEvent("m2")}).isOk());
  StepResult bad = fullStep("m2", 2);
  bad.transactions.front().target.clear();  // rejected by the outbox
  auto result = pipeline().commitSteps({fullStep("m1", 1), bad}, 2);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(*pipeline().cursor(), 0);
  EXPECT_EQ(journal().headSeq(), 2);
  EXPECT_FALSE(journal().findById("m1.count")->has_value());
  EXPECT_FALSE(f_.store().outbox().get("m1/odoo")->has_value());
  EXPECT_TRUE(pipeline().traceOf("m1")->empty());
  EXPECT_FALSE(pipeline().getState("qualify/counter/CNC-07")->has_value());

  // The chain goes on from where it was.
  auto next = journal().append({makeEvent("m3")});
  ASSERT_TRUE(next.isOk());
  EXPECT_EQ(next->front().seq, 3);
  EXPECT_TRUE(journal().verifyChain()->intact);
}

TEST_F(SqlitePipelineStoreTest, TraceKeepsEveryRunInOrderWithDetailsVerbatim) {
  ASSERT_TRUE(journal().append({makeEvent("m1")}).isOk());
  const std::string odd = "asset 'CNC\t07'\nline \"two\" \\ caf\u00e9";
  StepResult first;
  first.journal_seq = 1;
  first.event_id = "m1";
  first.trace.push_back({"m1", "validate", "passed", "", clock_.now()});
  first.trace.push_back({"m1", "map", "exception", odd, clock_.now()});
  ASSERT_TRUE(pipeline().commitSteps({first}, 1).isOk());
  clock_.advance(1min);
  StepResult replay;
  replay.journal_seq = 1;
  replay.event_id = "m1";
  replay.trace.push_back({"m1", "validate", "passed", "replay: ok", clock_.now()});
  ASSERT_TRUE(pipeline().commitSteps({replay}, std::nullopt).isOk());

  auto trace = pipeline().traceOf("m1");
  ASSERT_TRUE(trace.isOk()) << trace.status().toString();
  ASSERT_EQ(trace->size(), 3u);
  EXPECT_EQ((*trace)[0].stage, "validate");
  EXPECT_EQ((*trace)[1].outcome, "exception");
  EXPECT_EQ((*trace)[1].detail, odd);
  EXPECT_EQ((*trace)[1].at, clock_.now() - 1min);
  EXPECT_EQ((*trace)[2].detail, "replay: ok");
  EXPECT_EQ((*trace)[2].at, clock_.now());
  for (const StageTrace& t : *trace) EXPECT_EQ(t.event_id, "m1");
  EXPECT_TRUE(pipeline().traceOf("never-journaled")->empty());
}

TEST_F(SqlitePipelineStoreTest, TraceWithoutAJournalSeqIsRefused) {
  StepResult step = fullStep("m1", 0);
  auto result = pipeline().commitSteps({step}, 1);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("m1"), std::string::npos);
  EXPECT_EQ(*pipeline().cursor(), 0);
}

TEST_F(SqlitePipelineStoreTest, DamagedTraceIsReportedAsCorruptionNamingTheEvent) {
  ASSERT_TRUE(journal().append({makeEvent("m1")}).isOk());
  ASSERT_TRUE(pipeline().commitSteps({fullStep("m1", 1)}, 1).isOk());
  f_.closeAndRelease();
  f_.rawSql("UPDATE stage_runs SET stages = '[[\"validate\", 7]]'");
  f_.open();
  auto trace = pipeline().traceOf("m1");
  ASSERT_FALSE(trace.isOk());
  EXPECT_EQ(trace.status().code(), StatusCode::kCorruption);
  EXPECT_NE(trace.status().message().find("stage trace of m1"), std::string::npos)
      << trace.status().message();
}

// A step with a trace of the given [stage, outcome, detail] entries and nothing else.
StepResult traceStep(const std::string& event_id, int64_t seq,
                     const std::vector<std::array<std::string, 3>>& entries, TimePoint at) {
  StepResult step;
  step.journal_seq = seq;
  step.event_id = event_id;
  for (const auto& [stage, outcome, detail] : entries) {
    step.trace.push_back({event_id, stage, outcome, detail, at});
  }
  return step;
}

TEST_F(SqlitePipelineStoreTest, RecurringTraceEntriesAreFiledOnceAndReadBackWhole) {
  const std::array<std::string, 3> schema{"validate", "passed", "schema production.count"};
  const std::array<std::string, 3> quoted{"map", "no_mapping", "no mapping for asset 'M\"1'"};
  ASSERT_TRUE(journal().append({makeEvent("n1"), makeEvent("n2"), makeEvent("n3")}).isOk());
  // n1 and n2 in one commit (the second sighting files both entries), n3 in a later one.
  ASSERT_TRUE(
      pipeline()
          .commitSteps(
              {traceStep("n1", 1, {schema, quoted, {"route", "routed", "tx 1"}}, clock_.now()),
               traceStep("n2", 2, {schema, quoted, {"route", "routed", "tx 2"}}, clock_.now())},
              2)
          .isOk());
  ASSERT_TRUE(
      pipeline()
          .commitSteps(
              {traceStep("n3", 3, {schema, quoted, {"route", "routed", "tx 3"}}, clock_.now())}, 3)
          .isOk());
  for (int i = 1; i <= 3; ++i) {
    const std::string id = "n" + std::to_string(i);
    auto trace = pipeline().traceOf(id);
    ASSERT_TRUE(trace.isOk()) << trace.status().toString();
    ASSERT_EQ(trace->size(), 3u) << id;
    EXPECT_EQ((*trace)[0].detail, "schema production.count") << id;
    EXPECT_EQ((*trace)[1].outcome, "no_mapping") << id;
    EXPECT_EQ((*trace)[1].detail, "no mapping for asset 'M\"1'") << id;
    EXPECT_EQ((*trace)[2].detail, "tx " + std::to_string(i)) << id;
    EXPECT_EQ((*trace)[2].event_id, id);
  }
  f_.closeAndRelease();
  // Two notes, for the two recurring entries; the transaction details stay inline.
  EXPECT_EQ(f_.rawInt("SELECT count(*) FROM stage_notes"), 2);
  EXPECT_EQ(f_.rawText("SELECT stages FROM stage_runs WHERE journal_seq = 1"),
            "[[\"validate\",\"passed\",\"schema production.count\"],"
            "[\"map\",\"no_mapping\",\"no mapping for asset 'M\\\"1'\"],"
            "[\"route\",\"routed\",\"tx 1\"]]");
  const std::string third = f_.rawText("SELECT stages FROM stage_runs WHERE journal_seq = 3");
  EXPECT_EQ(third.find("schema"), std::string::npos) << third;
  EXPECT_NE(third.find("tx 3"), std::string::npos) << third;
}

TEST_F(SqlitePipelineStoreTest, ANoteFiledByAFailedCommitIsNeverReferenced) {
  const std::array<std::string, 3> schema{"validate", "passed", "schema production.count"};
  f_.closeAndRelease();
  f_.rawSql(
      "CREATE TRIGGER refuse BEFORE INSERT ON dedupe_keys WHEN NEW.key = 'boom' "
      "BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
  f_.open();
  ASSERT_TRUE(journal().append({makeEvent("f1"), makeEvent("f2"), makeEvent("f3")}).isOk());
  ASSERT_TRUE(pipeline().commitSteps({traceStep("f1", 1, {schema}, clock_.now())}, 1).isOk());
  // The second sighting files the note, then the step fails after it: all rolled back.
  StepResult failing = traceStep("f2", 2, {schema}, clock_.now());
  failing.dedupe_keys.push_back({"boom", clock_.now() + 10min});
  ASSERT_FALSE(pipeline().commitSteps({failing}, 2).isOk());
  ASSERT_TRUE(pipeline().commitSteps({traceStep("f3", 3, {schema}, clock_.now())}, 3).isOk());
  auto trace = pipeline().traceOf("f3");
  ASSERT_TRUE(trace.isOk()) << trace.status().toString();
  ASSERT_EQ(trace->size(), 1u);
  EXPECT_EQ(trace->front().detail, "schema production.count");
}

TEST_F(SqlitePipelineStoreTest, AReferenceToAMissingNoteIsReportedAsCorruption) {
  const std::array<std::string, 3> schema{"validate", "passed", "schema production.count"};
  ASSERT_TRUE(journal().append({makeEvent("d1"), makeEvent("d2")}).isOk());
  ASSERT_TRUE(pipeline()
                  .commitSteps({traceStep("d1", 1, {schema}, clock_.now()),
                                traceStep("d2", 2, {schema}, clock_.now())},
                               2)
                  .isOk());
  f_.closeAndRelease();
  f_.rawSql("DELETE FROM stage_notes");
  f_.open();
  auto trace = pipeline().traceOf("d2");
  ASSERT_FALSE(trace.isOk());
  EXPECT_EQ(trace.status().code(), StatusCode::kCorruption);
  EXPECT_NE(trace.status().message().find("stage note 1 does not exist"), std::string::npos)
      << trace.status().message();
}

TEST_F(SqlitePipelineStoreTest, DerivedEventWithoutIdIsRejectedBeforeAnythingIsWritten) {
  StepResult step = fullStep("m1", 1);
  step.derived_events.front().id.clear();
  auto result = pipeline().commitSteps({step}, 1);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("m1"), std::string::npos);
  EXPECT_EQ(*pipeline().cursor(), 0);
}

TEST_F(SqlitePipelineStoreTest, DedupeKeyIsSeenUntilItExpires) {
  StepResult step;
  step.event_id = "m1";
  step.dedupe_keys.push_back({"alarm/CNC-07/overheat", clock_.now() + 5min});
  ASSERT_TRUE(pipeline().commitSteps({step}, std::nullopt).isOk());
  EXPECT_TRUE(*pipeline().dedupeKeySeen("alarm/CNC-07/overheat", clock_.now()));
  EXPECT_TRUE(*pipeline().dedupeKeySeen("alarm/CNC-07/overheat", clock_.now() + 4min));
  EXPECT_FALSE(*pipeline().dedupeKeySeen("alarm/CNC-07/overheat", clock_.now() + 5min));
  EXPECT_FALSE(*pipeline().dedupeKeySeen("never", clock_.now()));
}

TEST_F(SqlitePipelineStoreTest, ExpiredDedupeKeysArePurged) {
  StepResult step;
  step.event_id = "m1";
  step.dedupe_keys.push_back({"short", clock_.now() + 1min});
  step.dedupe_keys.push_back({"long", clock_.now() + 1h});
  ASSERT_TRUE(pipeline().commitSteps({step}, std::nullopt).isOk());
  clock_.advance(2min);
  ASSERT_TRUE(pipeline().commitSteps({}, std::nullopt).isOk());
  f_.closeAndRelease();
  EXPECT_EQ(f_.rawInt("SELECT count(*) FROM dedupe_keys WHERE key = 'short'"), 0);
  EXPECT_EQ(f_.rawInt("SELECT count(*) FROM dedupe_keys WHERE key = 'long'"), 1);
}

TEST_F(SqlitePipelineStoreTest, StateIsUpsertedByKey) {
  StepResult step;
  step.event_id = "m1";
  step.state_updates.push_back({"k", "1"});
  ASSERT_TRUE(pipeline().commitSteps({step}, std::nullopt).isOk());
  step.state_updates = {{"k", "2"}, {"other", "x"}};
  ASSERT_TRUE(pipeline().commitSteps({step}, std::nullopt).isOk());
  EXPECT_EQ(**pipeline().getState("k"), "2");
  EXPECT_EQ(**pipeline().getState("other"), "x");
  EXPECT_FALSE(pipeline().getState("missing")->has_value());
}

TEST_F(SqlitePipelineStoreTest, ExceptionIsParkedUntilTheEventGoesThroughCleanly) {
  StepResult parked;
  parked.event_id = "m1";
  parked.exception =
      ExceptionEntry{"m1", "map", "context.work_center: no mapping for 'CNC-99'", clock_.now()};
  ASSERT_TRUE(pipeline().commitSteps({parked}, std::nullopt).isOk());
  auto exception = pipeline().exceptionOf("m1");
  ASSERT_TRUE(exception.isOk() && exception->has_value());
  EXPECT_EQ((*exception)->stage, "map");
  EXPECT_EQ((*exception)->reason, "context.work_center: no mapping for 'CNC-99'");

  // Replayed after the mapping was fixed: no exception this time.
  StepResult clean;
  clean.event_id = "m1";
  ASSERT_TRUE(pipeline().commitSteps({clean}, std::nullopt).isOk());
  EXPECT_FALSE(pipeline().exceptionOf("m1")->has_value());
  EXPECT_TRUE(pipeline().exceptions(10)->empty());
}

TEST_F(SqlitePipelineStoreTest, ExceptionsAreListedNewestFirst) {
  std::vector<StepResult> steps;
  for (const char* id : {"a", "b", "c"}) {
    StepResult s;
    s.event_id = id;
    s.exception = ExceptionEntry{id, "enrich", std::string("no order for ") + id, clock_.now()};
    steps.push_back(s);
  }
  ASSERT_TRUE(pipeline().commitSteps(steps, std::nullopt).isOk());
  // "a" again: it becomes the newest.
  ASSERT_TRUE(pipeline().commitSteps({steps[0]}, std::nullopt).isOk());
  auto list = pipeline().exceptions(2);
  ASSERT_TRUE(list.isOk());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].event_id, "a");
  EXPECT_EQ((*list)[1].event_id, "c");
}

TEST_F(SqlitePipelineStoreTest, CursorStateAndTraceSurviveReopen) {
  ASSERT_TRUE(journal().append({makeEvent("m1")}).isOk());
  ASSERT_TRUE(pipeline().commitSteps({fullStep("m1", 1)}, 1).isOk());
  f_.closeAndRelease();
  f_.open();
  EXPECT_EQ(*pipeline().cursor(), 1);
  EXPECT_EQ(*pipeline().backlog(), 1);
  EXPECT_EQ(pipeline().traceOf("m1")->size(), 2u);
  EXPECT_TRUE(pipeline().getState("qualify/counter/CNC-07")->has_value());
}

TEST_F(SqlitePipelineStoreTest, CommitAfterCloseFailsWithUnavailable) {
  f_.store().close();
  auto result = pipeline().commitSteps({}, 1);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pb
