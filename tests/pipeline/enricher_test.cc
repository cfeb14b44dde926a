#include "plantbridge/pipeline/enricher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"
#include "plantbridge/pipeline/master_data.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;

// Work center 7 ran MO/41 until 10:00, then MO/42; MO/42 makes product P-9.
std::unique_ptr<InMemoryMasterData> plant() {
  auto md = std::make_unique<InMemoryMasterData>();
  md->add({{"work_center", "7"},
           "order",
           "MO/41",
           at("2026-11-22T06:00:00Z"),
           at("2026-11-22T10:00:00Z")});
  md->add({{"work_center", "7"}, "order", "MO/42", at("2026-11-22T10:00:00Z"), std::nullopt});
  md->add({{"order", "MO/42"}, "product", "P-9", at("2026-11-01T00:00:00Z"), std::nullopt});
  md->add({{"order", "MO/41"}, "product", "P-8", at("2026-11-01T00:00:00Z"), std::nullopt});
  md->add({{"asset", "CNC-07"}, "shift_pattern", "3x8", at("2026-01-01T00:00:00Z"), std::nullopt});
  return md;
}

Event countAt(const char* when) {
  Event e = makeEvent("e1", "production.count", "CNC-07", at(when));
  e.context["work_center"] = "7";
  return e;
}

TEST(EnricherTest, WithoutMasterDataTheStagePasses) {
  StageHarness h;
  Enricher enricher(nullptr);
  Event e = countAt("2026-11-22T10:30:00Z");
  auto out = h.run(enricher, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out->detail, "no master data configured");
}

TEST(EnricherTest, ContextIsResolvedAsItWasWhenTheEventOccurred) {
  auto md = plant();
  Enricher enricher(md.get());
  StageHarness h;
  h.now = at("2026-11-22T12:00:00Z");  // processed late, after the order changed
  Event late = countAt("2026-11-22T09:59:59Z");
  auto out = h.run(enricher, late);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "enriched");
  EXPECT_EQ(late.context.at("order"), "MO/41");
  EXPECT_EQ(late.context.at("product"), "P-8") << "followed from the order it found";

  Event current = countAt("2026-11-22T10:00:00Z");
  ASSERT_TRUE(h.run(enricher, current).isOk());
  EXPECT_EQ(current.context.at("order"), "MO/42") << "valid_until is exclusive";
  EXPECT_EQ(current.context.at("product"), "P-9");
  EXPECT_EQ(current.context.at("shift_pattern"), "3x8");
}

TEST(EnricherTest, NothingValidAtThatTimeAddsNothing) {
  auto md = plant();
  Enricher enricher(md.get());
  StageHarness h;
  Event early = countAt("2026-11-22T05:00:00Z");
  early.asset = "CNC-08";
  auto out = h.run(enricher, early);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "passed");
  EXPECT_FALSE(early.context.contains("order"));
}

TEST(EnricherTest, EventContextThatDisagreesParksTheEvent) {
  auto md = plant();
  Enricher enricher(md.get());
  StageHarness h;
  Event e = countAt("2026-11-22T10:30:00Z");
  e.context["order"] = "MO/41";
  auto out = h.run(enricher, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out->detail,
            "context.order: the event carries 'MO/41' but work_center '7' gives 'MO/42' at "
            "2026-11-22T10:30:00.000000Z");
  EXPECT_FALSE(e.context.contains("product")) << "a parked event is left as it came";
}

TEST(EnricherTest, FactsThatDisagreeParkTheEvent) {
  auto md = plant();
  md->add({{"asset", "CNC-07"}, "order", "MO/99", at("2026-11-22T00:00:00Z"), std::nullopt});
  Enricher enricher(md.get());
  StageHarness h;
  Event e = countAt("2026-11-22T10:30:00Z");
  auto out = h.run(enricher, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out->detail, HasSubstr("context.order: "));
  EXPECT_THAT(out->detail, HasSubstr("'MO/99'"));
  EXPECT_THAT(out->detail, HasSubstr("'MO/42'"));
}

class FailingMasterData final : public MasterData {
 public:
  Result<std::vector<ContextFact>> factsAt(const std::vector<Subject>&, TimePoint) const override {
    return Status::unavailable("master data cache not loaded");
  }
};

TEST(EnricherTest, UnreadableMasterDataIsAnErrorNotAnException) {
  FailingMasterData md;
  Enricher enricher(&md);
  StageHarness h;
  Event e = countAt("2026-11-22T10:30:00Z");
  auto out = h.run(enricher, e);
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
}

TEST(InMemoryMasterDataTest, NewerOverlappingRecordWins) {
  InMemoryMasterData md;
  md.add({{"work_center", "7"}, "order", "MO/1", at("2026-11-22T06:00:00Z"), std::nullopt});
  md.add({{"work_center", "7"}, "order", "MO/2", at("2026-11-22T08:00:00Z"), std::nullopt});
  auto before = md.factsAt({{"work_center", "7"}}, at("2026-11-22T07:00:00Z"));
  ASSERT_TRUE(before.isOk());
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].value, "MO/1");
  auto after = md.factsAt({{"work_center", "7"}}, at("2026-11-22T09:00:00Z"));
  ASSERT_TRUE(after.isOk());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].value, "MO/2");
}

TEST(InMemoryMasterDataTest, ReplaceSubjectDropsItsOldRecords) {
  auto md = plant();
  size_t before = md->size();
  md->replaceSubject({"work_center", "7"},
                     {{{}, "order", "MO/50", at("2026-11-22T00:00:00Z"), std::nullopt}});
  EXPECT_EQ(md->size(), before - 1);
  auto facts = md->factsAt({{"work_center", "7"}}, at("2026-11-22T09:00:00Z"));
  ASSERT_TRUE(facts.isOk());
  ASSERT_EQ(facts->size(), 1u);
  EXPECT_EQ((*facts)[0].value, "MO/50");
  EXPECT_EQ((*facts)[0].subject, (Subject{"work_center", "7"}));
}

}  // namespace
}  // namespace pb
