// The Odoo master-data sync against the Odoo test double, as Odoo 18 (JSON-RPC) and 19
// (JSON-2): work orders started and finished over time become work_center -> order intervals,
// orders get their product, re-reading changes nothing, mapped ids Odoo lacks are reported; and
// through the real pipeline, an event from the past is enriched with the order running then.
#include "plantbridge/targets/odoo_master_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <boost/json.hpp>

#include "odoo_master_data_fixture.h"
#include "odoo_orm.h"
#include "pipeline/pipeline_test_util.h"
#include "plantbridge/pipeline/pipeline_runner.h"
#include "plantbridge/store/store.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using test::at;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const Subject kWc1{"work_center", "1"};
const Subject kWc2{"work_center", "2"};

// What spdlog's default logger writes while this lives, as "[level] message" lines.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("[%l] %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::move(sink)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class OdooMasterDataSyncTest : public test::OdooMasterDataFixture {
 protected:
  void SetUp() override {
    startOdooAndStore(Millis(1000));
    if (HasFatalFailure()) return;
    mappings_ = {{"CNC-01", {{"work_center", "1"}, {"equipment", "2"}}},
                 {"CNC-99", {{"work_center", "9"}, {"equipment", "7"}}}};
    // The seed has loss reasons 1 to 7.
    codes_.reason_codes = {{"JAM", "9"}, {"SETUP", "3"}};
    sync_ = std::make_unique<OdooMasterDataSync>(*client_, *md_, config_, mappings_, clock_,
                                                 &metrics_, codes_);
  }

  // A work order button as Odoo's UI presses it.
  void press(const char* method, int64_t work_order) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto r = orm.call("mrp.workorder", method, json::array{json::array{work_order}});
    ASSERT_TRUE(r.has_value()) << method << ": " << orm.failure().message;
  }
  // "value [from, until)" per record, for readable expectations.
  std::vector<std::string> history(const Subject& s, const std::string& key) {
    std::vector<std::string> out;
    for (const MasterDataRecord& r : md_->history(s, key)) {
      out.push_back(r.value + " [" + formatRfc3339(r.valid_from) + ", " +
                    (r.valid_until ? formatRfc3339(*r.valid_until) : std::string("open")) + ")");
    }
    return out;
  }

  std::vector<AssetMapping> mappings_;
  CodeMappings codes_;
};

INSTANTIATE_TEST_SUITE_P(Versions, OdooMasterDataSyncTest, ::testing::Values(18, 19),
                         test::odooVersionName);

TEST_P(OdooMasterDataSyncTest, WorkOrdersOverTimeBecomeOrderIntervalsOnTheirWorkCenter) {
  // 08:00 work order 4 (WH/MO/00002) starts on work center 1; the first (full) read.
  press("button_start", 4);
  syncAll();
  EXPECT_THAT(history(kWc1, "order"),
              ElementsAre("WH/MO/00002 [2026-11-22T08:00:00.000000Z, open)"));
  // A work order finished before the first read (within `history`) is known too.
  EXPECT_THAT(history(kWc2, "order"), ElementsAre("WH/MO/00002 [2026-11-22T05:00:00.000000Z, "
                                                  "2026-11-22T05:10:00.000000Z)"));

  // 09:30 it finishes; 09:45 work order 2 (WH/MO/00001) starts there. Incremental reads.
  setOdooClock("2026-11-22 09:30:00");
  press("button_finish", 4);
  setOdooClock("2026-11-22 09:45:00");
  press("button_start", 2);
  clock_.advance(at("2026-11-22T09:46:00Z") - clock_.now());
  syncAll();
  EXPECT_THAT(history(kWc1, "order"),
              ElementsAre("WH/MO/00002 [2026-11-22T08:00:00.000000Z, 2026-11-22T09:30:00.000000Z)",
                          "WH/MO/00001 [2026-11-22T09:45:00.000000Z, open)"));
  EXPECT_THAT(history(kWc1, "work_order"),
              ElementsAre("4 [2026-11-22T08:00:00.000000Z, 2026-11-22T09:30:00.000000Z)",
                          "2 [2026-11-22T09:45:00.000000Z, open)"));
  EXPECT_EQ(valueAt(kWc1, "order", "2026-11-22T09:40:00Z"), "");  // between the two

  // Orders, their products and the products' codes.
  EXPECT_EQ(valueAt({"order", "WH/MO/00001"}, "production_id", "2026-11-22T09:00:00Z"), "1");
  EXPECT_EQ(valueAt({"order", "WH/MO/00002"}, "product", "2026-11-22T09:00:00Z"), "1");
  EXPECT_EQ(valueAt({"product", "1"}, "product_code", "2026-11-22T09:00:00Z"), "WID-100");
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_code", "2026-11-22T09:00:00Z"), "AL1");
  EXPECT_EQ(valueAt({"equipment", "1"}, "equipment_serial", "2026-11-22T09:00:00Z"), "HP-2-0001");
  EXPECT_EQ(valueAt({"maintenance_stage", "3"}, "maintenance_stage_done", "2026-11-22T09:00:00Z"),
            "true");

  // Reading again (the overlap window returns the same records) writes nothing.
  const size_t facts = md_->size();
  auto rows_before = store_->masterFacts().loadAll();
  ASSERT_TRUE(rows_before.isOk());
  syncAll();
  EXPECT_EQ(md_->size(), facts);
  auto rows_after = store_->masterFacts().loadAll();
  ASSERT_TRUE(rows_after.isOk());
  ASSERT_EQ(rows_after->size(), rows_before->size());
  for (size_t i = 0; i < rows_after->size(); ++i) {
    EXPECT_EQ((*rows_after)[i].id, (*rows_before)[i].id);
    EXPECT_EQ((*rows_after)[i].valid_until, (*rows_before)[i].valid_until);
  }
}

TEST_P(OdooMasterDataSyncTest, AChangedAttributeClosesTheOldValueAtItsWriteDate) {
  syncAll();
  setOdooClock("2026-11-22 10:00:00");
  OdooOrm orm(*client_, OdooCallMeta{"test", ""});
  ASSERT_TRUE(orm.call("mrp.workcenter", "write",
                       json::array{json::array{1}, json::object{{"code", "AL1B"}}})
                  .has_value())
      << orm.failure().message;
  ASSERT_TRUE(sync_->syncModel("mrp.workcenter").isOk());
  auto h = md_->history({"work_center", "1"}, "work_center_code");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].value, "AL1");
  EXPECT_EQ(h[0].valid_until, at("2026-11-22T10:00:00Z"));
  EXPECT_EQ(h[1].value, "AL1B");
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_code", "2026-11-22T09:59:59Z"), "AL1");
}

// maintenance.request: its first read takes the open requests and those closed within
// `history` (7 days), later ones what changed; a stage change closes the old stage at the
// request's write_date.
TEST_P(OdooMasterDataSyncTest, MaintenanceRequestsBecomeFactsFromOpenAndRecentlyClosedOnes) {
  OdooOrm orm(*client_, OdooCallMeta{"test", ""});
  auto create = [&](const char* name, int64_t equipment) {
    auto id = orm.createOne("maintenance.request", json::object{{"name", name},
                                                                {"equipment_id", equipment},
                                                                {"maintenance_type", "corrective"},
                                                                {"priority", "3"}});
    EXPECT_TRUE(id.has_value()) << orm.failure().message;
    return id.value_or(0);
  };
  auto stage = [&](int64_t id, int64_t stage_id) {
    ASSERT_TRUE(orm.call("maintenance.request", "write",
                         json::array{json::array{id}, json::object{{"stage_id", stage_id}}})
                    .has_value())
        << orm.failure().message;
  };
  // Closed on 2026-11-10, before `history`: not read. Closed today and open: read.
  setOdooClock("2026-11-10 09:00:00");
  const int64_t old_one = create("Old leak", 2);
  stage(old_one, 3);
  setOdooClock("2026-11-22 07:00:00");
  const int64_t closed = create("Belt worn", 2);
  stage(closed, 4);
  setOdooClock("2026-11-22 07:30:00");
  const int64_t open = create("Spindle jam", 1);
  syncAll();

  const Subject open_request{"maintenance_request", std::to_string(open)};
  EXPECT_EQ(valueAt(open_request, "maintenance_stage", "2026-11-22T07:30:00Z"), "1");
  EXPECT_EQ(valueAt(open_request, "maintenance_request_name", "2026-11-22T07:30:00Z"),
            "Spindle jam");
  EXPECT_EQ(valueAt(open_request, "equipment", "2026-11-22T07:30:00Z"), "1");
  EXPECT_EQ(valueAt(open_request, "maintenance_type", "2026-11-22T07:30:00Z"), "corrective");
  EXPECT_EQ(valueAt(open_request, "maintenance_priority", "2026-11-22T07:30:00Z"), "3");
  EXPECT_EQ(valueAt(open_request, "maintenance_kanban_state", "2026-11-22T07:30:00Z"), "normal");
  EXPECT_EQ(valueAt(open_request, "maintenance_request_done", "2026-11-22T07:30:00Z"), "");
  EXPECT_EQ(valueAt(open_request, "maintenance_stage", "2026-11-22T07:29:59Z"), "")
      << "valid from its create_date";
  const Subject closed_request{"maintenance_request", std::to_string(closed)};
  EXPECT_EQ(valueAt(closed_request, "maintenance_stage", "2026-11-22T08:00:00Z"), "4");
  EXPECT_EQ(valueAt(closed_request, "maintenance_request_done", "2026-11-22T08:00:00Z"), "true");
  EXPECT_EQ(valueAt(closed_request, "maintenance_close_date", "2026-11-22T08:00:00Z"),
            "2026-11-22");
  EXPECT_FALSE(md_->hasSubject({"maintenance_request", std::to_string(old_one)}))
      << "closed longer than `history` ago";
  // The enrich chain: request -> its stage -> the stage's name.
  EXPECT_EQ(valueAt({"maintenance_stage", "4"}, "maintenance_stage_name", "2026-11-22T08:00:00Z"),
            "Scrap");

  // 10:00 the open one is being worked on: the incremental read closes stage 1 there.
  setOdooClock("2026-11-22 10:00:00");
  stage(open, 2);
  ASSERT_TRUE(sync_->syncModel("maintenance.request").isOk());
  EXPECT_THAT(history(open_request, "maintenance_stage"),
              ElementsAre("1 [2026-11-22T07:30:00.000000Z, 2026-11-22T10:00:00.000000Z)",
                          "2 [2026-11-22T10:00:00.000000Z, open)"));
}

TEST_P(OdooMasterDataSyncTest, MappedIdsThatOdooDoesNotHaveAreReported) {
  const LogCapture log;
  syncAll();
  EXPECT_THAT(sync_->mappingProblems(),
              ElementsAre("mappings.assets.CNC-99.equipment '7' is not an equipment in Odoo",
                          "mappings.reason_codes.JAM '9' is not a loss reason in Odoo",
                          "mappings.assets.CNC-99.work_center '9' is not a work center in Odoo"));
  const std::string metrics = metrics_.render();
  EXPECT_THAT(metrics,
              HasSubstr("plantbridge_master_data_unresolved_mappings{field=\"work_center\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("plantbridge_master_data_unresolved_mappings{field=\"loss\"} 1"));
  EXPECT_THAT(log.text(),
              HasSubstr("[warning] master data: mappings.reason_codes.JAM '9' is not a loss "
                        "reason in Odoo"));
  EXPECT_THAT(log.text(), Not(HasSubstr("mappings.reason_codes.SETUP")));
}

TEST_P(OdooMasterDataSyncTest, LossReasonsAreCheckedAfterTheFirstReadOfTheirModel) {
  EXPECT_THAT(sync_->mappingProblems(), ElementsAre()) << "nothing is checked before a read";
  ASSERT_TRUE(sync_->syncModel("mrp.workcenter.productivity.loss").isOk());
  EXPECT_THAT(sync_->mappingProblems(),
              ElementsAre("mappings.reason_codes.JAM '9' is not a loss reason in Odoo"));
  EXPECT_THAT(metrics_.render(),
              Not(HasSubstr("plantbridge_master_data_unresolved_mappings{field=\"work_center\"}")));
}

TEST_P(OdooMasterDataSyncTest, AReadThatFailsIsUnavailableAndChangesNothing) {
  ASSERT_TRUE(double_
                  .fault(R"({"model": "mrp.workorder", "method": "search_read",
                                "http_status": 503})")
                  .isOk());
  const Status s = sync_->syncModel("mrp.workorder");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.toString();
  EXPECT_EQ(md_->size(), 0u);
  // The next run is a full read again.
  press("button_start", 4);
  ASSERT_TRUE(sync_->syncModel("mrp.workorder").isOk());
  EXPECT_THAT(history(kWc1, "order"),
              ElementsAre("WH/MO/00002 [2026-11-22T08:00:00.000000Z, open)"));
}

// Issue 4, "Master data history", end to end: Odoo ran WH/MO/00002 then WH/MO/00001 on work
// center 1; a count that occurred during the first arrives now and is enriched with it.
TEST_P(OdooMasterDataSyncTest, AnEventFromThePastIsEnrichedWithTheOrderThatWasRunningThen) {
  press("button_start", 4);
  syncAll();
  setOdooClock("2026-11-22 09:30:00");
  press("button_finish", 4);
  setOdooClock("2026-11-22 09:45:00");
  press("button_start", 2);
  syncAll();

  clock_.advance(at("2026-11-22T10:00:00Z") - clock_.now());
  Config config = test::plantConfig();
  config.asset_mappings = {{"CNC-07", {{"work_center", "1"}}}};
  config.routes[0].body_template =
      R"({"order": "{{context.order}}", "production_id": {{context.production_id}}, )"
      R"("product": "{{context.product_code}}", "ref": "{{id}}"})";
  auto pipeline = Pipeline::create(config, md_.get(), clock_, metrics_);
  ASSERT_TRUE(pipeline.isOk()) << pipeline.status().toString();
  ASSERT_TRUE(store_->journal()
                  .append({test::productionCount("late", 5, "2026-11-22T09:00:00Z"),
                           test::productionCount("now", 3, "2026-11-22T09:59:00Z")})
                  .isOk());
  PipelineRunner runner(**pipeline, store_->journal(), store_->pipeline(), metrics_);
  ASSERT_TRUE(runner.runOnce().isOk());
  auto late = store_->outbox().byEvent("late");
  ASSERT_TRUE(late.isOk());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ(
      (*late)[0].tx.body,
      R"({"order": "WH/MO/00002", "production_id": "2", "product": "WID-100", "ref": "late"})");
  auto now = store_->outbox().byEvent("now");
  ASSERT_TRUE(now.isOk());
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ(
      (*now)[0].tx.body,
      R"({"order": "WH/MO/00001", "production_id": "1", "product": "WID-100", "ref": "now"})");
}

}  // namespace
}  // namespace pb
