#include "plantbridge/pipeline/code_mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;

CodeMappings tables() {
  CodeMappings m;
  m.reason_codes = {{"JAM", "2"}, {"12", "3"}};
  m.defect_codes = {{"D-SCRATCH", "surface"}};
  return m;
}

Event event(const char* payload) {
  return makeEvent("e1", "downtime.started", "CNC-07", at("2026-11-22T10:00:00Z"), payload);
}

TEST(CodeMapperTest, MappedCodesAreMergedIntoContext) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": "JAM", "defect_code": "D-SCRATCH"})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(e.context.at("loss"), "2");
  EXPECT_EQ(e.context.at("root_cause"), "surface");
  EXPECT_EQ(out->detail, "reason code 'JAM': loss=2; defect code 'D-SCRATCH': root_cause=surface");
}

TEST(CodeMapperTest, WholeNumberCodesAreLookedUpAsText) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": 12})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(e.context.at("loss"), "3");
}

TEST(CodeMapperTest, UnknownCodeAddsNothingAndTheTraceSaysSo) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": "XYZ"})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out->outcome, "unknown_code");
  EXPECT_EQ(out->detail, "reason code 'XYZ' is not in mappings.reason_codes");
  EXPECT_TRUE(e.context.empty());
}

TEST(CodeMapperTest, AValueThatCannotBeACodeIsNamed) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": 1.5})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "unknown_code");
  EXPECT_EQ(out->detail, "payload.reason_code is not a code (a string or a whole number)");
  EXPECT_TRUE(e.context.empty());
}

TEST(CodeMapperTest, ContextTheEventCarriesIsKeptWhenItAgrees) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": "JAM"})");
  e.context["loss"] = "2";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(e.context.at("loss"), "2");
}

TEST(CodeMapperTest, ConflictingContextParksTheEventAndChangesNothing) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason_code": "JAM", "defect_code": "D-SCRATCH"})");
  e.context["loss"] = "4";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out->detail, "context.loss is '4' on the event but reason code 'JAM' maps it to '2'");
  EXPECT_EQ(e.context.size(), 1u) << "root_cause was not added: parked events keep their context";
}

TEST(CodeMapperTest, EventWithoutCodesPasses) {
  StageHarness h;
  CodeMapper m(tables());
  Event e = event(R"({"reason": "setup", "reason_code": ""})");
  EXPECT_FALSE(m.appliesTo(e));
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "no_code");
  EXPECT_TRUE(e.context.empty());
}

TEST(CodeMapperTest, ATableThatIsNotConfiguredIsNotApplied) {
  StageHarness h;
  CodeMappings only_reasons;
  only_reasons.reason_codes = {{"JAM", "2"}};
  CodeMapper m(only_reasons);
  Event e = event(R"({"defect_code": "D-SCRATCH"})");
  EXPECT_FALSE(m.appliesTo(e));
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "no_code");
  EXPECT_EQ(m.explainMissing(e, "root_cause"), "") << "not this mapper's key without a table";
}

TEST(CodeMapperTest, ExplainsWhyAContextKeyIsMissing) {
  CodeMapper m(tables());
  EXPECT_EQ(m.explainMissing(event(R"({"reason_code": "XYZ"})"), "loss"),
            "reason code 'XYZ' is not in mappings.reason_codes");
  EXPECT_EQ(m.explainMissing(event("{}"), "loss"), "the event has no payload.reason_code");
  EXPECT_EQ(m.explainMissing(event(R"({"defect_code": true})"), "root_cause"),
            "payload.defect_code is not a code (a string or a whole number)");
  EXPECT_EQ(m.explainMissing(event(R"({"reason_code": "JAM"})"), "loss"), "");
  EXPECT_EQ(m.explainMissing(event(R"({"reason_code": "XYZ"})"), "work_center"), "");
}

}  // namespace
}  // namespace pb
