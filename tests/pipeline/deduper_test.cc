#include "plantbridge/pipeline/deduper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::FakePipelineStore;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<Deduper> alarmChatter(std::chrono::milliseconds window = std::chrono::seconds(60)) {
  std::vector<ConfigError> errors;
  auto d = Deduper::create(
      {{"alarm-chatter", {"alarm.raised"}, "{{asset}}/{{payload.alarm_code}}", window}}, errors);
  EXPECT_TRUE(errors.empty());
  return d;
}

Event alarm(const std::string& id, const char* when, const char* code = "E42",
            const std::string& asset = "CNC-07") {
  Event e = makeEvent(id, "alarm.raised", asset, at(when), "{}");
  e.payload["alarm_code"] = code;
  return e;
}

class DeduperTest : public ::testing::Test {
 protected:
  StageOutcome feed(Event e) {
    auto out = harness_.run(*dedupe_, e);
    EXPECT_TRUE(out.isOk()) << out.status().toString();
    return out.isOk() ? *out : StageOutcome{};
  }
  std::unique_ptr<Deduper> dedupe_ = alarmChatter();
  StageHarness harness_;
};

TEST_F(DeduperTest, FirstOccurrencePassesAndRecordsItsKeyUntilTheWindowEnds) {
  StageOutcome out = feed(alarm("a1", "2026-11-22T10:00:00Z"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  ASSERT_EQ(harness_.step.dedupe_keys.size(), 1u);
  EXPECT_EQ(harness_.step.dedupe_keys[0].key, "dedupe/alarm-chatter/CNC-07/E42");
  // Kept for a day past the window so events that arrive late are still judged by event time.
  EXPECT_EQ(harness_.step.dedupe_keys[0].expires_at,
            at("2026-11-22T10:01:00Z") + Deduper::kLateArrivalRetention);
}

TEST_F(DeduperTest, DuplicateWithinTheWindowIsSuppressed) {
  feed(alarm("a1", "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(alarm("a2", "2026-11-22T10:00:59Z"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kStop);
  EXPECT_EQ(out.outcome, "suppressed");
  EXPECT_EQ(out.detail,
            "suppressed: duplicate of key 'CNC-07/E42' within 60s (rule 'alarm-chatter')");
  EXPECT_THAT(harness_.step.dedupe_keys, IsEmpty()) << "a duplicate does not extend the window";
}

TEST_F(DeduperTest, SameKeyAfterTheWindowPassesAgain) {
  feed(alarm("a1", "2026-11-22T10:00:00Z"));
  StageOutcome out = feed(alarm("a2", "2026-11-22T10:01:00Z"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
}

TEST_F(DeduperTest, WindowIsMeasuredInEventTimeNotProcessingTime) {
  harness_.now = at("2026-11-22T12:00:00Z");  // a burst arriving late after an outage
  feed(alarm("a1", "2026-11-22T10:00:00Z"));
  EXPECT_EQ(feed(alarm("a2", "2026-11-22T10:00:30Z")).outcome, "suppressed");
  EXPECT_EQ(feed(alarm("a3", "2026-11-22T10:05:00Z")).kind, StageOutcome::Kind::kContinue);
}

TEST_F(DeduperTest, DifferentKeysDoNotInterfere) {
  feed(alarm("a1", "2026-11-22T10:00:00Z"));
  EXPECT_EQ(feed(alarm("a2", "2026-11-22T10:00:10Z", "E43")).kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(feed(alarm("a3", "2026-11-22T10:00:10Z", "E42", "CNC-08")).kind,
            StageOutcome::Kind::kContinue);
}

TEST_F(DeduperTest, RuleForOtherTypesDoesNotApply) {
  Event count = makeEvent("c1", "production.count", "CNC-07", at("2026-11-22T10:00:00Z"));
  StageOutcome out = feed(count);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out.detail, "no dedupe rule for production.count");
  EXPECT_THAT(harness_.step.dedupe_keys, IsEmpty());
}

TEST_F(DeduperTest, RuleWhoseKeyDoesNotRenderDoesNotApply) {
  Event e = alarm("a1", "2026-11-22T10:00:00Z");
  e.payload.erase("alarm_code");
  StageOutcome out = feed(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out.detail, "rule 'alarm-chatter' not applied: payload.alarm_code is not set");
}

TEST(DeduperStoreTest, KeyRecordedInAnEarlierBatchSuppresses) {
  FakePipelineStore store;
  store.putDedupeKey("dedupe/alarm-chatter/CNC-07/E42",
                     at("2026-11-22T10:01:00Z") + Deduper::kLateArrivalRetention);
  auto dedupe = alarmChatter();
  StageHarness h(&store);
  Event e = alarm("a2", "2026-11-22T10:00:30Z");
  auto out = h.run(*dedupe, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "suppressed");
  ASSERT_EQ(h.step.state_updates.size(), 1u) << "the decision is kept for replay";
  EXPECT_EQ(h.step.state_updates[0].key, "dedupe-decision/alarm-chatter/a2");
}

// Runs events live, committing each, then returns the store for replay tests.
void processLive(FakePipelineStore& store, const Deduper& dedupe, std::vector<Event> events) {
  for (auto& e : events) {
    StageHarness h(&store);
    ASSERT_TRUE(h.run(dedupe, e).isOk());
    ASSERT_TRUE(store.commitSteps({h.step}, std::nullopt).isOk());
  }
}

TEST(DeduperReplayTest, ReplayDoesNotSuppressAnEventAsADuplicateOfItself) {
  FakePipelineStore store;
  auto dedupe = alarmChatter();
  processLive(store, *dedupe, {alarm("a1", "2026-11-22T10:00:00Z")});
  StageHarness replay(&store, PipelineMode::kReplay);
  Event again = alarm("a1", "2026-11-22T10:00:00Z");
  auto out = replay.run(*dedupe, again);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_THAT(replay.step.dedupe_keys, IsEmpty()) << "a replay commits no keys";
  EXPECT_THAT(replay.step.state_updates, IsEmpty()) << "a replay commits no state";
}

TEST(DeduperReplayTest, ReplayRepeatsALiveSuppression) {
  FakePipelineStore store;
  auto dedupe = alarmChatter();
  processLive(store, *dedupe,
              {alarm("a1", "2026-11-22T10:00:00Z"), alarm("a2", "2026-11-22T10:00:20Z")});
  // Replaying only the suppressed one: it must not become the first of its key.
  StageHarness replay(&store, PipelineMode::kReplay);
  Event a2 = alarm("a2", "2026-11-22T10:00:20Z");
  auto out = replay.run(*dedupe, a2);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "suppressed");
  EXPECT_THAT(out->detail, HasSubstr("as when first processed"));
}

TEST(DeduperReplayTest, ReplayedEventsJudgeEachOtherWithinTheRun) {
  FakePipelineStore store;
  auto dedupe = alarmChatter();
  processLive(store, *dedupe, {alarm("a1", "2026-11-22T10:00:00Z")});
  StageHarness replay(&store, PipelineMode::kReplay);
  Event a1 = alarm("a1", "2026-11-22T10:00:00Z");
  ASSERT_EQ(replay.run(*dedupe, a1)->kind, StageOutcome::Kind::kContinue);
  // Never reached dedupe live (say it was parked at map): the replay decides it, and a1's key
  // from this same run suppresses it.
  Event b = alarm("b", "2026-11-22T10:00:10Z");
  EXPECT_EQ(replay.run(*dedupe, b)->outcome, "suppressed");
}

TEST(DeduperReplayTest, EventThatNeverReachedDedupeRespectsLiveKeys) {
  FakePipelineStore store;
  auto dedupe = alarmChatter();
  // a2 passed live (a1 had been parked before dedupe, so it set no key).
  processLive(store, *dedupe, {alarm("a2", "2026-11-22T10:00:20Z")});
  StageHarness replay(&store, PipelineMode::kReplay);
  Event a1 = alarm("a1", "2026-11-22T10:00:00Z");
  auto out = replay.run(*dedupe, a1);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "suppressed") << "a2 already had the effect: no second one";
}

TEST(DeduperConfigTest, InvalidKeyTemplateIsAConfigError) {
  std::vector<ConfigError> errors;
  auto d = Deduper::create(
      {{"bad", {"alarm.raised"}, "{{asset}}/{{payload..x}}", std::chrono::seconds(60)},
       {"bad", {"alarm.raised"}, "{{asset}}", std::chrono::seconds(60)}},
      errors);
  EXPECT_EQ(d, nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "dedupe_rules.bad.key");
  EXPECT_THAT(errors[0].message, HasSubstr("empty path segment"));
  EXPECT_THAT(errors[1].message, HasSubstr("duplicate rule name 'bad'"));
}

}  // namespace
}  // namespace pb
