// StoredMasterData over the real embedded store: intervals, supersede, factsAt at past times,
// reload from disk; and the issue's check that an event from the past is enriched, through the
// real pipeline, with the order that was running then.
#include "plantbridge/pipeline/stored_master_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"
#include "plantbridge/pipeline/pipeline_runner.h"
#include "plantbridge/store/store.h"

namespace pb {
namespace {

using test::at;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Subject kWc7{"work_center", "7"};

class StoredMasterDataTest : public ::testing::Test {
 protected:
  void SetUp() override { openAll(); }
  void TearDown() override {
    md_.reset();
    if (store_) store_->close();
  }

  void openAll() {
    SqliteStoreOptions options;
    options.path = dir_.file("plantbridge.db");
    options.durable = false;
    auto store = openSqliteStore(options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(*store);
    auto md = StoredMasterData::open(store_->masterFacts());
    ASSERT_TRUE(md.isOk()) << md.status().toString();
    md_ = std::move(*md);
  }
  void reopen() {
    md_.reset();
    store_->close();
    store_.reset();
    openAll();
  }

  size_t replace(const Subject& s, const std::string& key, const char* from,
                 std::vector<FactInterval> intervals) {
    auto n = md_->replaceFrom({{s, key, at(from), std::move(intervals)}});
    EXPECT_TRUE(n.isOk()) << n.status().toString();
    return n.isOk() ? *n : 0;
  }
  // "value from `from` on"
  size_t set(const Subject& s, const std::string& key, const char* from, std::string value) {
    return replace(s, key, from, {{std::move(value), at(from), std::nullopt}});
  }
  std::string valueAt(const Subject& s, const std::string& key, const char* when) {
    auto facts = md_->factsAt({s}, at(when));
    EXPECT_TRUE(facts.isOk());
    for (const auto& f : *facts) {
      if (f.key == key) return f.value;
    }
    return "";
  }
  int64_t rows() {
    auto all = store_->masterFacts().loadAll();
    EXPECT_TRUE(all.isOk());
    return all.isOk() ? static_cast<int64_t>(all->size()) : -1;
  }

  test::ScratchDir dir_;
  ManualClock clock_{at("2026-11-22T12:00:00Z")};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoredMasterData> md_;
};

TEST_F(StoredMasterDataTest, AChangeClosesTheOldIntervalAndOpensANewOne) {
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A"), 1u);
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T09:30:00Z", "MO/B"), 2u);  // close A, insert B
  auto h = md_->history(kWc7, "order");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].value, "MO/A");
  EXPECT_EQ(h[0].valid_from, at("2026-11-22T08:00:00Z"));
  EXPECT_EQ(h[0].valid_until, at("2026-11-22T09:30:00Z"));
  EXPECT_EQ(h[1].value, "MO/B");
  EXPECT_FALSE(h[1].valid_until.has_value());
  EXPECT_EQ(rows(), 2);
}

TEST_F(StoredMasterDataTest, AnUnchangedFactIsNotRewritten) {
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A"), 1u);
  // The sync sees the same value again later (an overlap window, a restart): nothing written.
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A"), 0u);
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T10:00:00Z", "MO/A"), 0u);
  EXPECT_EQ(md_->history(kWc7, "order").size(), 1u);
}

TEST_F(StoredMasterDataTest, FactsAtAPastTimeGiveTheValueOfThatTime) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  replace(kWc7, "order", "2026-11-22T09:30:00Z", {});  // nothing runs from 09:30
  set(kWc7, "order", "2026-11-22T09:45:00Z", "MO/B");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T07:59:59Z"), "");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T08:00:00Z"), "MO/A");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T09:29:59Z"), "MO/A");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T09:30:00Z"), "");  // valid_until is exclusive
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T09:45:00Z"), "MO/B");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-23T00:00:00Z"), "MO/B");
}

TEST_F(StoredMasterDataTest, ReplacingFromAnEarlierTimeSupersedesLaterRecords) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  set(kWc7, "order", "2026-11-22T10:00:00Z", "MO/C");
  // A fuller read says: from 09:00, B ran until 09:50, then nothing.
  replace(kWc7, "order", "2026-11-22T09:00:00Z",
          {{"MO/B", at("2026-11-22T09:00:00Z"), at("2026-11-22T09:50:00Z")}});
  auto h = md_->history(kWc7, "order");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].value, "MO/A");
  EXPECT_EQ(h[0].valid_until, at("2026-11-22T09:00:00Z"));
  EXPECT_EQ(h[1].value, "MO/B");
  EXPECT_EQ(h[1].valid_until, at("2026-11-22T09:50:00Z"));
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T10:30:00Z"), "");
  EXPECT_EQ(rows(), 2);
}

TEST_F(StoredMasterDataTest, AClosedIntervalIsReopenedWhenTheSameValueContinues) {
  replace(kWc7, "order", "2026-11-22T08:00:00Z",
          {{"MO/A", at("2026-11-22T08:00:00Z"), at("2026-11-22T09:00:00Z")}});
  // Seen running again from 09:00 on: one record, open.
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T09:00:00Z", "MO/A"), 1u);
  auto h = md_->history(kWc7, "order");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].valid_from, at("2026-11-22T08:00:00Z"));
  EXPECT_FALSE(h[0].valid_until.has_value());
}

TEST_F(StoredMasterDataTest, KeysOfOneSubjectAreIndependent) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  set(kWc7, "work_center_name", "2026-11-01T00:00:00Z", "Assembly 1");
  set(kWc7, "order", "2026-11-22T09:00:00Z", "MO/B");
  auto facts = md_->factsAt({kWc7, {"work_center", "8"}}, at("2026-11-22T08:30:00Z"));
  ASSERT_TRUE(facts.isOk());
  ASSERT_EQ(facts->size(), 2u);
  EXPECT_EQ((*facts)[0].key, "order");
  EXPECT_EQ((*facts)[0].value, "MO/A");
  EXPECT_EQ((*facts)[1].key, "work_center_name");
  EXPECT_EQ(md_->size(), 3u);
}

TEST_F(StoredMasterDataTest, ReopeningTheStoreLoadsTheSameHistory) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  set(kWc7, "order", "2026-11-22T09:30:00Z", "MO/B");
  set({"order", "MO/A"}, "product", "2026-11-20T00:00:00Z", "33");
  reopen();
  EXPECT_EQ(md_->size(), 3u);
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T09:00:00Z"), "MO/A");
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T11:00:00Z"), "MO/B");
  EXPECT_EQ(valueAt({"order", "MO/A"}, "product", "2026-11-22T09:00:00Z"), "33");
  // Writes after the reload still diff against what was loaded.
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T09:30:00Z", "MO/B"), 0u);
  EXPECT_EQ(set(kWc7, "order", "2026-11-22T11:30:00Z", "MO/C"), 2u);
  reopen();
  EXPECT_EQ(md_->history(kWc7, "order").size(), 3u);
}

TEST_F(StoredMasterDataTest, RetentionForgetsOnlyRecordsThatEndedBeforeTheCutoff) {
  set(kWc7, "order", "2026-11-01T08:00:00Z", "MO/A");
  set(kWc7, "order", "2026-11-10T08:00:00Z", "MO/B");  // A ended 11-10
  set(kWc7, "order", "2026-11-20T08:00:00Z", "MO/C");  // B ended 11-20, C open
  set({"product", "33"}, "product_name", "2026-01-01T00:00:00Z", "Drawer");  // open for ever
  auto removed = md_->forgetEndedBefore(at("2026-11-15T00:00:00Z"));
  ASSERT_TRUE(removed.isOk()) << removed.status().toString();
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(md_->size(), 3u);
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-05T00:00:00Z"), "");  // forgotten
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-12T00:00:00Z"), "MO/B");
  EXPECT_EQ(valueAt({"product", "33"}, "product_name", "2026-03-01T00:00:00Z"), "Drawer");
  EXPECT_EQ(*md_->forgetEndedBefore(at("2026-11-15T00:00:00Z")), 0u);
  reopen();  // gone from the store too
  EXPECT_EQ(md_->size(), 3u);
  EXPECT_EQ(rows(), 3);
}

TEST_F(StoredMasterDataTest, NothingChangesWhenTheStoreRefusesTheWrite) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  store_->close();  // further writes fail with Unavailable
  auto n = md_->replaceFrom({{kWc7,
                              "order",
                              at("2026-11-22T09:00:00Z"),
                              {{"MO/B", at("2026-11-22T09:00:00Z"), std::nullopt}}}});
  EXPECT_FALSE(n.isOk());
  EXPECT_EQ(valueAt(kWc7, "order", "2026-11-22T11:00:00Z"), "MO/A");
}

// Issue 4, "Master data history": work center 7 ran MO/A, then MO/B (running now). A count
// that occurred during A, arriving late, is enriched with A and A's product.
TEST_F(StoredMasterDataTest, AnEventFromThePastIsEnrichedWithTheOrderThatWasRunningThen) {
  set(kWc7, "order", "2026-11-22T08:00:00Z", "MO/A");
  set(kWc7, "order", "2026-11-22T09:30:00Z", "MO/B");
  set({"order", "MO/A"}, "product", "2026-11-20T00:00:00Z", "33");
  set({"order", "MO/B"}, "product", "2026-11-20T00:00:00Z", "34");

  Config config = test::plantConfig();
  config.routes[0].body_template =
      R"({"order": "{{context.order}}", "product": "{{context.product}}", "ref": "{{id}}"})";
  MetricsRegistry metrics;
  auto pipeline = Pipeline::create(config, md_.get(), clock_, metrics);
  ASSERT_TRUE(pipeline.isOk()) << pipeline.status().toString();
  ASSERT_TRUE(store_->journal()
                  .append({test::productionCount("late", 5, "2026-11-22T09:00:00Z"),
                           test::productionCount("now", 3, "2026-11-22T11:59:00Z")})
                  .isOk());
  PipelineRunner runner(**pipeline, store_->journal(), store_->pipeline(), metrics);
  ASSERT_TRUE(runner.runOnce().isOk());

  auto late = store_->outbox().byEvent("late");
  ASSERT_TRUE(late.isOk());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].tx.body, R"({"order": "MO/A", "product": "33", "ref": "late"})");
  auto now = store_->outbox().byEvent("now");
  ASSERT_TRUE(now.isOk());
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].tx.body, R"({"order": "MO/B", "product": "34", "ref": "now"})");
}

}  // namespace
}  // namespace pb
