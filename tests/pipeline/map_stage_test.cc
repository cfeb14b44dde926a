#include "plantbridge/pipeline/map_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using test::StageHarness;

MapStage stage() {
  CodeMappings codes;
  codes.reason_codes = {{"JAM", "2"}};
  codes.defect_codes = {{"D-SCRATCH", "surface"}};
  return MapStage({{"CNC-07", {{"work_center", "7"}, {"equipment", "12"}}}}, codes);
}

Event event(const std::string& asset, const char* payload = "{}") {
  return makeEvent("e1", "downtime.started", asset, at("2026-11-22T10:00:00Z"), payload);
}

TEST(MapStageTest, AssetAndCodesAreMappedInOneTraceEntry) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-07", R"({"reason_code": "JAM"})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(out->detail, "asset 'CNC-07': equipment=12, work_center=7; reason code 'JAM': loss=2");
  EXPECT_EQ(e.context.at("work_center"), "7");
  EXPECT_EQ(e.context.at("loss"), "2");
}

TEST(MapStageTest, AnEventWithoutCodesTracesAsTheAssetMappingAlone) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-99");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "no_mapping");
  EXPECT_EQ(out->detail, "no mapping for asset 'CNC-99'");
}

TEST(MapStageTest, AnUnmappedAssetStillGetsItsCodesMapped) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-99", R"({"defect_code": "D-SCRATCH"})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(out->detail,
            "no mapping for asset 'CNC-99'; defect code 'D-SCRATCH': root_cause=surface");
  EXPECT_EQ(e.context.at("root_cause"), "surface");
}

TEST(MapStageTest, AnUnknownCodeIsInTheTrace) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-07", R"({"reason_code": "XYZ"})");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(out->detail,
            "asset 'CNC-07': equipment=12, work_center=7; reason code 'XYZ' is not in "
            "mappings.reason_codes");
  EXPECT_FALSE(e.context.contains("loss"));
}

TEST(MapStageTest, ACodeConflictParksTheEventWithTheContextItCameWith) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-07", R"({"reason_code": "JAM"})");
  e.context["loss"] = "5";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out->detail, "context.loss is '5' on the event but reason code 'JAM' maps it to '2'");
  EXPECT_EQ(e.context, (std::map<std::string, std::string>{{"loss", "5"}}))
      << "the asset's ids were taken back";
}

TEST(MapStageTest, AnAssetConflictParksBeforeCodesAreLookedAt) {
  StageHarness h;
  MapStage m = stage();
  Event e = event("CNC-07", R"({"reason_code": "JAM"})");
  e.context["work_center"] = "8";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out->detail,
            "context.work_center is '8' on the event but asset 'CNC-07' maps it to '7'");
  EXPECT_FALSE(e.context.contains("loss"));
}

TEST(MapStageTest, ExplainsMissingKeysFromTheMapperThatSetsThem) {
  MapStage m = stage();
  EXPECT_EQ(m.explainMissing(event("CNC-99", R"({"reason_code": "XYZ"})"), "loss"),
            "reason code 'XYZ' is not in mappings.reason_codes");
  EXPECT_EQ(m.explainMissing(event("CNC-99", R"({"reason_code": "XYZ"})"), "work_center"),
            "no mapping for asset 'CNC-99'");
  EXPECT_EQ(m.explainMissing(event("CNC-07"), "root_cause"),
            "the event has no payload.defect_code");
}

}  // namespace
}  // namespace pb
