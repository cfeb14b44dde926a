#include "plantbridge/pipeline/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "pipeline_test_util.h"
#include "plantbridge/common/ids.h"

namespace pb {
namespace {

using test::alarmRaised;
using test::at;
using test::counterReading;
using test::FakePipelineStore;
using test::plantConfig;
using test::productionCount;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> stagesOf(const StepResult& step) {
  std::vector<std::string> out;
  for (const auto& t : step.trace) out.push_back(t.stage + ":" + t.outcome);
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Pipeline::create(plantConfig(), nullptr, clock_, metrics_);
    ASSERT_TRUE(p.isOk()) << p.status().toString();
    pipeline_ = std::move(*p);
  }
  StepResult process(const Event& e, BatchState& state) {
    JournalRecord record;
    record.seq = ++seq_;
    record.event = e;
    auto step = pipeline_->process(record, state);
    EXPECT_TRUE(step.isOk()) << step.status().toString();
    return step.isOk() ? *step : StepResult{};
  }

  ManualClock clock_{at("2026-11-22T12:00:00Z")};
  MetricsRegistry metrics_;
  std::unique_ptr<Pipeline> pipeline_;
  FakePipelineStore store_;
  BatchState state_{&store_, PipelineMode::kLive};
  int64_t seq_ = 0;
};

TEST_F(PipelineTest, RoutedEventIsTracedThroughEveryStage) {
  StepResult step = process(productionCount("c1", 12, "2026-11-22T10:00:00Z"), state_);
  EXPECT_EQ(step.journal_seq, 1);
  EXPECT_EQ(step.event_id, "c1");
  EXPECT_THAT(stagesOf(step), ElementsAre("validate:passed", "qualify:passed", "map:mapped",
                                          "enrich:passed", "dedupe:passed", "route:routed"));
  EXPECT_FALSE(step.exception.has_value());
  ASSERT_EQ(step.transactions.size(), 1u);
  EXPECT_EQ(step.transactions[0].body, R"({"workcenter_id": "7", "qty": 12, "ref": "c1"})");
  for (const auto& t : step.trace) EXPECT_EQ(t.at, clock_.now());
}

TEST_F(PipelineTest, InvalidEventIsParkedAtValidateAndGoesNoFurther) {
  Event bad = productionCount("c1", -5, "2026-11-22T10:00:00Z");
  StepResult step = process(bad, state_);
  EXPECT_THAT(stagesOf(step), ElementsAre("validate:exception"));
  ASSERT_TRUE(step.exception.has_value());
  EXPECT_EQ(step.exception->stage, "validate");
  EXPECT_EQ(step.exception->reason, "payload.quantity: must be >= 0 (got -5)");
  EXPECT_EQ(step.exception->event_id, "c1");
  EXPECT_THAT(step.transactions, IsEmpty());
}

TEST_F(PipelineTest, UnknownTypeIsParkedAtValidate) {
  Event odd = test::makeEvent("o1", "quality.result", "CNC-07", at("2026-11-22T10:00:00Z"));
  StepResult step = process(odd, state_);
  ASSERT_TRUE(step.exception.has_value());
  EXPECT_EQ(step.exception->reason, "type: unknown event type 'quality.result'");
}

TEST_F(PipelineTest, UnmappedAssetIsParkedAtRouteWithTheReason) {
  StepResult step = process(productionCount("c1", 12, "2026-11-22T10:00:00Z", "CNC-99"), state_);
  EXPECT_THAT(stagesOf(step), ElementsAre("validate:passed", "qualify:passed", "map:no_mapping",
                                          "enrich:passed", "dedupe:passed", "route:exception"));
  ASSERT_TRUE(step.exception.has_value());
  EXPECT_EQ(step.exception->stage, "route");
  EXPECT_EQ(step.exception->reason,
            "route count-to-erp: context.work_center is not set (no mapping for asset 'CNC-99')");
}

TEST_F(PipelineTest, CounterReadingsDeriveACountThatIsRoutedInItsOwnTurn) {
  StepResult first = process(counterReading("r1", 100, "2026-11-22T10:00:00Z"), state_);
  EXPECT_THAT(first.derived_events, IsEmpty());
  StepResult second = process(counterReading("r2", 112, "2026-11-22T10:01:00Z"), state_);
  EXPECT_THAT(stagesOf(second), ElementsAre("validate:passed", "qualify:derived", "map:mapped",
                                            "enrich:passed", "dedupe:passed", "route:no_route"));
  ASSERT_EQ(second.derived_events.size(), 1u);
  EXPECT_THAT(second.transactions, IsEmpty());

  // The journal hands the derived event back; it runs the stages itself.
  StepResult derived = process(second.derived_events[0], state_);
  EXPECT_EQ(derived.event_id, derivedId("r2", "qualify/part-counter"));
  ASSERT_EQ(derived.transactions.size(), 1u);
  EXPECT_EQ(derived.transactions[0].id, derived.event_id + "/count-to-erp");
  auto body = boost::json::parse(derived.transactions[0].body).as_object();
  EXPECT_EQ(body["qty"].as_int64(), 12);
  EXPECT_EQ(body["workcenter_id"].as_string(), "7");
}

TEST_F(PipelineTest, DuplicateAlarmStopsAtDedupe) {
  StepResult first = process(alarmRaised("a1", "E42", "2026-11-22T10:00:00Z"), state_);
  EXPECT_EQ(first.transactions.size(), 1u);
  StepResult dup = process(alarmRaised("a2", "E42", "2026-11-22T10:00:30Z"), state_);
  EXPECT_THAT(stagesOf(dup), ElementsAre("validate:passed", "qualify:passed", "map:mapped",
                                         "enrich:passed", "dedupe:suppressed"));
  EXPECT_FALSE(dup.exception.has_value()) << "a duplicate is not a problem to look at";
  EXPECT_THAT(dup.transactions, IsEmpty());
}

TEST_F(PipelineTest, StoreErrorFailsTheRecordInsteadOfParkingIt) {
  store_.fail_reads = true;
  JournalRecord record;
  record.seq = 1;
  record.event = counterReading("r1", 100, "2026-11-22T10:00:00Z");
  auto step = pipeline_->process(record, state_);
  ASSERT_FALSE(step.isOk());
  EXPECT_EQ(step.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(step.status().message(), HasSubstr("qualify stage, event r1"));
}

TEST_F(PipelineTest, ReplayTraceIsMarked) {
  BatchState replay(&store_, PipelineMode::kReplay);
  StepResult step = process(productionCount("c1", 12, "2026-11-22T10:00:00Z"), replay);
  ASSERT_FALSE(step.trace.empty());
  for (const auto& t : step.trace) EXPECT_THAT(t.detail, ::testing::StartsWith("replay: "));
}

TEST_F(PipelineTest, MetricsCountEventsStagesAndExceptions) {
  process(productionCount("c1", 12, "2026-11-22T10:00:00Z"), state_);
  process(productionCount("c2", -1, "2026-11-22T10:00:00Z"), state_);
  std::string text = metrics_.render();
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_events_total 2"));
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_exceptions_total{stage=\"validate\"} 1"));
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_stage_events_total{stage=\"route\"} 1"));
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_transactions_planned_total 1"));
  EXPECT_THAT(text, HasSubstr("plantbridge_pipeline_stage_seconds_count{stage=\"validate\"} 2"));
}

// mappings.reason_codes through the whole pipeline: a mapped code reaches the body, an unknown
// one parks a route that requires context.loss, with the code in the reason.
class PipelineCodeMappingTest : public PipelineTest {
 protected:
  void SetUp() override {
    Config c = plantConfig();
    EventSchema downtime{"downtime.started", {}, {}, std::chrono::minutes(5)};
    c.schemas[downtime.type] = downtime;
    c.code_mappings.reason_codes = {{"JAM", "2"}};
    RouteConfig route;
    route.name = "downtime-to-erp";
    route.types = {"downtime.started"};
    route.target = "erp";
    route.require = {"context.loss"};
    route.body_template =
        R"({"workcenter_id": {{context.work_center}}, "loss_id": {{context.loss}}})";
    c.routes.push_back(route);
    auto p = Pipeline::create(c, nullptr, clock_, metrics_);
    ASSERT_TRUE(p.isOk()) << p.status().toString();
    pipeline_ = std::move(*p);
  }
  Event downtime(const char* payload) {
    return test::makeEvent("d1", "downtime.started", "CNC-07", at("2026-11-22T10:00:00Z"), payload);
  }
};

TEST_F(PipelineCodeMappingTest, AMappedReasonCodeBecomesTheLoss) {
  StepResult step = process(downtime(R"({"reason_code": "JAM"})"), state_);
  EXPECT_FALSE(step.exception.has_value());
  ASSERT_EQ(step.transactions.size(), 1u);
  EXPECT_EQ(step.transactions[0].body, R"({"workcenter_id": "7", "loss_id": "2"})");
  ASSERT_GE(step.trace.size(), 3u);
  EXPECT_THAT(step.trace[2].detail, HasSubstr("reason code 'JAM': loss=2"));
}

TEST_F(PipelineCodeMappingTest, AnUnknownReasonCodeParksARouteThatRequiresTheLoss) {
  StepResult step = process(downtime(R"({"reason_code": "XYZ"})"), state_);
  EXPECT_THAT(stagesOf(step), ElementsAre("validate:passed", "qualify:passed", "map:mapped",
                                          "enrich:passed", "dedupe:passed", "route:exception"));
  EXPECT_THAT(step.trace[2].detail, HasSubstr("reason code 'XYZ' is not in mappings.reason_codes"));
  ASSERT_TRUE(step.exception.has_value());
  EXPECT_EQ(step.exception->reason,
            "route downtime-to-erp: context.loss is not set (reason code 'XYZ' is not in "
            "mappings.reason_codes)");
  EXPECT_THAT(step.transactions, IsEmpty());
}

TEST(PipelineConfigTest, EveryProblemIsReportedAtOnceWithItsKey) {
  Config config = plantConfig();
  config.routes[0].body_template = R"({"qty": {{payload.qty}})";
  config.routes[1].match = {{"colour", "red"}};
  config.dedupe_rules[0].key_template = "{{asset}}/{{payload.}}";
  auto problems = checkPipelineConfig(config);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].key, "dedupe_rules.alarm-chatter.key");
  EXPECT_EQ(problems[1].key, "routes.count-to-erp.body");
  EXPECT_EQ(problems[2].key, "routes.alarm-to-cmms.match.colour");
  for (const auto& p : problems) EXPECT_EQ(p.file, "plant.yaml");

  ManualClock clock(at("2026-11-22T12:00:00Z"));
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto pipeline = Pipeline::create(config, nullptr, clock, metrics, &errors);
  ASSERT_FALSE(pipeline.isOk());
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_THAT(pipeline.status().message(), HasSubstr("routes.count-to-erp.body"));
  EXPECT_THAT(pipeline.status().message(), HasSubstr("dedupe_rules.alarm-chatter.key"));
}

TEST(PipelineConfigTest, ValidConfigHasNoProblems) {
  EXPECT_THAT(checkPipelineConfig(plantConfig()), IsEmpty());
}

}  // namespace
}  // namespace pb
