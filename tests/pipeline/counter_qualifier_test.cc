#include "plantbridge/pipeline/counter_qualifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"
#include "plantbridge/common/ids.h"

namespace pb {
namespace {

using test::at;
using test::FakePipelineStore;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

CounterQualifierConfig partCounter(int64_t rollover_at = 0) {
  CounterQualifierConfig q;
  q.name = "part-counter";
  q.value_field = "counter";
  q.rollover_at = rollover_at;
  q.reset_threshold = 0.5;
  return q;
}

Event reading(const std::string& id, int64_t value, const char* when,
              const std::string& asset = "CNC-07") {
  Event e = makeEvent(id, "machine.counter", asset, at(when), "{}");
  e.payload["counter"] = value;
  e.context["shift"] = "A";
  return e;
}

// Feeds readings through one qualifier with one BatchState, as one batch would.
class CounterQualifierTest : public ::testing::Test {
 protected:
  StageOutcome feed(const CounterQualifier& q, Event e) {
    auto out = harness_.run(q, e);
    EXPECT_TRUE(out.isOk()) << out.status().toString();
    return out.isOk() ? *out : StageOutcome{};
  }
  const StepResult& step() const { return harness_.step; }
  StageHarness harness_;
};

TEST_F(CounterQualifierTest, FirstReadingIsABaselineWithoutEvent) {
  CounterQualifier q({partCounter()});
  StageOutcome out = feed(q, reading("r1", 1200, "2026-11-22T10:00:00Z"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out.outcome, "baseline");
  EXPECT_THAT(out.detail, HasSubstr("baseline: first reading 1200"));
  EXPECT_THAT(step().derived_events, IsEmpty());
  ASSERT_EQ(step().state_updates.size(), 1u);
  EXPECT_EQ(step().state_updates[0].key, "qualify/part-counter/CNC-07");
  EXPECT_THAT(step().state_updates[0].value, HasSubstr("\"reading\":1200"));
}

TEST_F(CounterQualifierTest, IncreaseDerivesProductionCountWithTheDelta) {
  CounterQualifier q({partCounter()});
  feed(q, reading("r1", 1200, "2026-11-22T10:00:00Z"));
  Event source = reading("r2", 1212, "2026-11-22T10:01:00Z");
  StageOutcome out = feed(q, source);
  EXPECT_EQ(out.outcome, "derived");
  EXPECT_THAT(out.detail, HasSubstr("delta 12 (1200 -> 1212)"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  const Event& d = step().derived_events[0];
  EXPECT_EQ(d.id, derivedId("r2", "qualify/part-counter"));
  EXPECT_EQ(d.type, "production.count");
  EXPECT_EQ(d.causation_id, "r2");
  EXPECT_EQ(d.correlation_id, source.correlation_id);
  EXPECT_EQ(d.asset, "CNC-07");
  EXPECT_EQ(d.site, source.site);
  EXPECT_EQ(d.occurred_at, source.occurred_at);
  EXPECT_EQ(d.context.at("shift"), "A");
  EXPECT_EQ(d.payload.at("quantity").as_int64(), 12);
  EXPECT_EQ(d.payload.at("counter").as_int64(), 1212);
  EXPECT_EQ(d.payload.at("previous_counter").as_int64(), 1200);
  EXPECT_EQ(d.payload.at("qualifier").as_string(), "part-counter");
}

TEST_F(CounterQualifierTest, DerivedIdIsTheSameEveryTime) {
  CounterQualifier q({partCounter()});
  EXPECT_EQ(CounterQualifier::derivedEventId(partCounter(), "r2"),
            derivedId("r2", "qualify/part-counter"));
  EXPECT_EQ(CounterQualifier::derivedEventId(partCounter(), "r2"),
            CounterQualifier::derivedEventId(partCounter(), "r2"));
}

TEST_F(CounterQualifierTest, RolloverProducesWrappedDelta) {
  CounterQualifier q({partCounter(65535)});
  feed(q, reading("r1", 65530, "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, reading("r2", 5, "2026-11-22T10:01:00Z"));
  EXPECT_EQ(out.outcome, "derived");
  EXPECT_THAT(out.detail, HasSubstr("rollover at 65535"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  // 65531..65535 (5 counts), 0 (1), 1..5 (5).
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 11);
  EXPECT_TRUE(step().derived_events[0].payload.at("rollover").as_bool());
}

TEST_F(CounterQualifierTest, WrapToExactlyZeroCountsOne) {
  CounterQualifier q({partCounter(999)});
  feed(q, reading("r1", 999, "2026-11-22T10:00:00Z"));
  feed(q, reading("r2", 0, "2026-11-22T10:01:00Z"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 1);
}

TEST_F(CounterQualifierTest, DropThatIsNotAWrapIsAReset) {
  CounterQualifier q({partCounter(65535)});
  feed(q, reading("r1", 30000, "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, reading("r2", 12, "2026-11-22T10:01:00Z"));
  EXPECT_EQ(out.outcome, "derived");
  EXPECT_THAT(out.detail, HasSubstr("reset detected"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 12)
      << "a restarted counter counted from 0";
  EXPECT_TRUE(step().derived_events[0].payload.at("reset").as_bool());
}

TEST_F(CounterQualifierTest, ResetThresholdDecidesBetweenWrapAndReset) {
  CounterQualifierConfig strict = partCounter(999);
  strict.reset_threshold = 0.1;  // a wrap may imply at most 100 counts
  CounterQualifier q({strict});
  feed(q, reading("r1", 950, "2026-11-22T10:00:00Z"));
  feed(q, reading("r2", 40, "2026-11-22T10:01:00Z"));  // wrap would be 49 + 41 = 90
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 90);
  feed(q, reading("r3", 950, "2026-11-22T10:02:00Z"));
  feed(q, reading("r4", 80, "2026-11-22T10:03:00Z"));  // wrap would be 130: a reset
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 80);
  EXPECT_TRUE(step().derived_events[0].payload.contains("reset"));
}

TEST_F(CounterQualifierTest, AnyDropWithoutRolloverIsAReset) {
  CounterQualifier q({partCounter(0)});
  feed(q, reading("r1", 1000, "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, reading("r2", 999, "2026-11-22T10:01:00Z"));
  EXPECT_THAT(out.detail, HasSubstr("reset detected: 1000 -> 999"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 999);
}

TEST_F(CounterQualifierTest, ResetToZeroCountsNothing) {
  CounterQualifier q({partCounter(0)});
  feed(q, reading("r1", 1000, "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, reading("r2", 0, "2026-11-22T10:01:00Z"));
  EXPECT_EQ(out.outcome, "unchanged");
  EXPECT_THAT(out.detail, HasSubstr("reset detected"));
  EXPECT_THAT(step().derived_events, IsEmpty());
  feed(q, reading("r3", 7, "2026-11-22T10:02:00Z"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 7);
}

TEST_F(CounterQualifierTest, OutOfOrderReadingIsNotUsedAndStateIsKept) {
  CounterQualifier q({partCounter()});
  feed(q, reading("r1", 1200, "2026-11-22T10:00:00Z"));
  feed(q, reading("r3", 1300, "2026-11-22T10:02:00Z"));
  StageOutcome late = feed(q, reading("r2", 1250, "2026-11-22T10:01:00Z"));
  EXPECT_EQ(late.outcome, "out_of_order");
  EXPECT_THAT(late.detail, HasSubstr("is older than the last reading 1300"));
  EXPECT_THAT(step().derived_events, IsEmpty());
  EXPECT_THAT(step().state_updates, IsEmpty()) << "state is not corrupted";
  feed(q, reading("r4", 1310, "2026-11-22T10:03:00Z"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 10);
}

TEST_F(CounterQualifierTest, UnchangedReadingDerivesNothing) {
  CounterQualifier q({partCounter()});
  feed(q, reading("r1", 1200, "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, reading("r2", 1200, "2026-11-22T10:01:00Z"));
  EXPECT_EQ(out.outcome, "unchanged");
  EXPECT_THAT(step().derived_events, IsEmpty());
}

TEST_F(CounterQualifierTest, KeyFieldKeepsSeparateCounters) {
  CounterQualifierConfig keyed = partCounter();
  keyed.key_field = "tag";
  CounterQualifier q({keyed});
  auto tagged = [](const std::string& id, int64_t v, const char* when, const char* tag) {
    Event e = reading(id, v, when);
    e.payload["tag"] = tag;
    return e;
  };
  feed(q, tagged("a1", 100, "2026-11-22T10:00:00Z", "good"));
  feed(q, tagged("b1", 5, "2026-11-22T10:00:00Z", "scrap"));
  feed(q, tagged("a2", 110, "2026-11-22T10:01:00Z", "good"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 10);
  EXPECT_EQ(step().derived_events[0].payload.at("key").as_string(), "good");
  EXPECT_EQ(step().state_updates[0].key, "qualify/part-counter/CNC-07/good");
  feed(q, tagged("b2", 7, "2026-11-22T10:01:00Z", "scrap"));
  ASSERT_EQ(step().derived_events.size(), 1u);
  EXPECT_EQ(step().derived_events[0].payload.at("quantity").as_int64(), 2);
}

TEST_F(CounterQualifierTest, ReadingWithoutTheKeyFieldIsTheUntaggedCounter) {
  CounterQualifierConfig keyed = partCounter();
  keyed.key_field = "tag";
  CounterQualifier q({keyed});
  StageOutcome out = feed(q, reading("u1", 100, "2026-11-22T10:00:00Z"));
  EXPECT_EQ(out.outcome, "baseline");
  ASSERT_EQ(step().state_updates.size(), 1u);
  EXPECT_EQ(step().state_updates[0].key, "qualify/part-counter/CNC-07");
}

TEST_F(CounterQualifierTest, AssetsKeepSeparateCounters) {
  CounterQualifier q({partCounter()});
  feed(q, reading("a1", 100, "2026-11-22T10:00:00Z", "CNC-07"));
  StageOutcome other = feed(q, reading("b1", 500, "2026-11-22T10:01:00Z", "CNC-08"));
  EXPECT_EQ(other.outcome, "baseline");
}

TEST(CounterQualifierStoreTest, CommittedStateIsTheStartingPoint) {
  FakePipelineStore store;
  CounterQualifier q({partCounter()});
  {
    StageHarness first(&store);
    Event e = reading("r1", 1200, "2026-11-22T10:00:00Z");
    ASSERT_TRUE(first.run(q, e).isOk());
    ASSERT_TRUE(store.commitSteps({first.step}, 1).isOk());
  }
  StageHarness second(&store);  // a new batch: nothing in its overlay
  Event e = reading("r2", 1250, "2026-11-22T10:01:00Z");
  auto out = second.run(q, e);
  ASSERT_TRUE(out.isOk());
  ASSERT_EQ(second.step.derived_events.size(), 1u);
  EXPECT_EQ(second.step.derived_events[0].payload.at("quantity").as_int64(), 50);
}

TEST(CounterQualifierStoreTest, UnreadableStoreIsAnErrorNotAnException) {
  FakePipelineStore store;
  store.fail_reads = true;
  StageHarness h(&store);
  CounterQualifier q({partCounter()});
  Event e = reading("r1", 1200, "2026-11-22T10:00:00Z");
  auto out = h.run(q, e);
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
}

TEST(CounterQualifierStoreTest, UnreadableStoredStateIsTakenAsBaseline) {
  FakePipelineStore store;
  store.putState("qualify/part-counter/CNC-07", "not json");
  StageHarness h(&store);
  CounterQualifier q({partCounter()});
  Event e = reading("r1", 1200, "2026-11-22T10:00:00Z");
  auto out = h.run(q, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "baseline");
  EXPECT_THAT(out->detail, HasSubstr("stored state was unreadable"));
}

TEST_F(CounterQualifierTest, MissingReadingParksTheEvent) {
  CounterQualifier q({partCounter()});
  Event e = reading("r1", 1, "2026-11-22T10:00:00Z");
  e.payload.erase("counter");
  StageOutcome out = feed(q, e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out.detail, "payload.counter: is required (qualifier 'part-counter')");
}

TEST_F(CounterQualifierTest, NonIntegerOrNegativeReadingParksTheEvent) {
  CounterQualifier q({partCounter()});
  for (const char* bad : {R"({"counter": 12.5})", R"({"counter": -1})", R"({"counter": "12"})"}) {
    Event e = makeEvent("r1", "machine.counter", "CNC-07", at("2026-11-22T10:00:00Z"), bad);
    StageOutcome out = feed(q, e);
    EXPECT_EQ(out.kind, StageOutcome::Kind::kException) << bad;
    EXPECT_THAT(out.detail, HasSubstr("must be a non-negative integer counter reading")) << bad;
  }
  Event integral = makeEvent("r2", "machine.counter", "CNC-07", at("2026-11-22T10:00:00Z"),
                             R"({"counter": 12.0})");
  EXPECT_EQ(feed(q, integral).outcome, "baseline");
}

TEST(CounterQualifierStoreTest, LastReadingAboveANewRolloverIsAResetNotAWrap) {
  FakePipelineStore store;
  // Recorded while the counter was configured as 32-bit; it is now said to wrap at 65535.
  store.putState(
      "qualify/part-counter/CNC-07",
      R"({"reading":70000,"occurred_at":"2026-11-22T10:00:00.000000Z","event_id":"r1"})");
  StageHarness h(&store);
  CounterQualifier q({partCounter(65535)});
  // Taken as a wrap, (65535 - 70000) + 4000 + 1 would be a negative count.
  Event e = reading("r2", 4000, "2026-11-22T10:01:00Z");
  auto out = h.run(q, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_THAT(out->detail, HasSubstr("reset detected"));
  ASSERT_EQ(h.step.derived_events.size(), 1u);
  EXPECT_EQ(h.step.derived_events[0].payload.at("quantity").as_int64(), 4000);
}

TEST_F(CounterQualifierTest, ReadingAboveRolloverParksTheEvent) {
  CounterQualifier q({partCounter(999)});
  StageOutcome out = feed(q, reading("r1", 1000, "2026-11-22T10:00:00Z"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out.detail, HasSubstr("1000 is above the counter's rollover_at 999"));
}

TEST_F(CounterQualifierTest, ReadingWithoutAssetParksTheEvent) {
  CounterQualifier q({partCounter()});
  StageOutcome out = feed(q, reading("r1", 10, "2026-11-22T10:00:00Z", ""));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out.detail, HasSubstr("asset: is required"));
}

TEST_F(CounterQualifierTest, OtherEventTypesPassUntouched) {
  CounterQualifier q({partCounter()});
  Event e = makeEvent("x", "alarm.raised", "CNC-07", at("2026-11-22T10:00:00Z"));
  StageOutcome out = feed(q, e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out.outcome, "passed");
  EXPECT_THAT(step().state_updates, IsEmpty());
}

TEST(CounterQualifierReplayTest, ReplayNeverDerivesNorTouchesState) {
  FakePipelineStore store;
  store.putState("qualify/part-counter/CNC-07",
                 R"({"reading":1200,"occurred_at":"2026-11-22T10:00:00.000000Z","event_id":"r1"})");
  StageHarness h(&store, PipelineMode::kReplay);
  CounterQualifier q({partCounter()});
  Event e = reading("r2", 1250, "2026-11-22T10:01:00Z");
  auto out = h.run(q, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "not_requalified");
  EXPECT_THAT(h.step.derived_events, IsEmpty());
  EXPECT_THAT(h.step.state_updates, IsEmpty());
  EXPECT_EQ(h.state.takeDerivedCandidates(),
            (std::vector<std::string>{derivedId("r2", "qualify/part-counter")}));
}

}  // namespace
}  // namespace pb
