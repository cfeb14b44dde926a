#include "plantbridge/pipeline/asset_mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;

AssetMapper mapper() {
  return AssetMapper(
      {{"CNC-07", {{"work_center", "7"}, {"equipment", "12"}, {"cmms_asset", "A-1107"}}}});
}

Event event(const std::string& asset) {
  return makeEvent("e1", "production.count", asset, at("2026-11-22T10:00:00Z"));
}

TEST(AssetMapperTest, MappedFieldsAreMergedIntoContext) {
  StageHarness h;
  AssetMapper m = mapper();
  Event e = event("CNC-07");
  e.context["order"] = "MO/1";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "mapped");
  EXPECT_EQ(e.context.at("work_center"), "7");
  EXPECT_EQ(e.context.at("equipment"), "12");
  EXPECT_EQ(e.context.at("cmms_asset"), "A-1107");
  EXPECT_EQ(e.context.at("order"), "MO/1");
  EXPECT_THAT(out->detail, HasSubstr("work_center=7"));
}

TEST(AssetMapperTest, ContextTheEventCarriesIsKeptWhenItAgrees) {
  StageHarness h;
  AssetMapper m = mapper();
  Event e = event("CNC-07");
  e.context["work_center"] = "7";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(e.context.at("work_center"), "7");
  EXPECT_THAT(out->detail, ::testing::Not(HasSubstr("work_center=7")));
}

TEST(AssetMapperTest, ConflictingContextParksTheEventAndChangesNothing) {
  StageHarness h;
  AssetMapper m = mapper();
  Event e = event("CNC-07");
  e.context["work_center"] = "8";
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out->detail,
            "context.work_center is '8' on the event but asset 'CNC-07' maps it to '7'");
  EXPECT_EQ(e.context.size(), 1u) << "a parked event keeps the context it came with";
}

TEST(AssetMapperTest, UnknownAssetPassesAndTheTraceSaysSo) {
  StageHarness h;
  AssetMapper m = mapper();
  Event e = event("CNC-99");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out->outcome, "no_mapping");
  EXPECT_EQ(out->detail, "no mapping for asset 'CNC-99'");
  EXPECT_TRUE(e.context.empty());
}

TEST(AssetMapperTest, EventWithoutAssetIsSkipped) {
  StageHarness h;
  AssetMapper m = mapper();
  Event e = event("");
  auto out = h.run(m, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "skipped");
}

TEST(AssetMapperTest, ExplainsWhyAContextKeyIsMissing) {
  AssetMapper m = mapper();
  EXPECT_EQ(m.explainMissing(event("CNC-99"), "work_center"), "no mapping for asset 'CNC-99'");
  EXPECT_EQ(m.explainMissing(event(""), "work_center"), "the event has no asset");
  EXPECT_EQ(m.explainMissing(event("CNC-07"), "order"),
            "the mapping for asset 'CNC-07' has no 'order'");
  EXPECT_EQ(m.explainMissing(event("CNC-07"), "work_center"), "");
}

}  // namespace
}  // namespace pb
