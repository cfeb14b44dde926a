// Odoo automation webhooks as hints (issue 4, "Changes from Odoo"), against the Odoo test
// double as Odoo 18 (posts inside its transaction, the create twice) and 19 (after commit):
// the double's own automation rules post to the receiver on a real HTTP server, the sync
// re-reads the hinted record after the delay and updates the facts; duplicates collapse into
// one re-read; a wrong secret reads nothing; a lost webhook is caught by the write_date poll.
// Maintenance requests: a stage change becomes one maintenance.stage_changed event in the
// journal (through the hub's own journal sink), however often it is hinted or polled, and
// again on the next read when the journal refused it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include <boost/json.hpp>

#include "connector_sink.h"
#include "odoo_maintenance_events.h"
#include "odoo_master_data_fixture.h"
#include "odoo_orm.h"
#include "pipeline/pipeline_test_util.h"
#include "plantbridge/http/router.h"
#include "plantbridge/http/server.h"
#include "plantbridge/hub/odoo_webhook.h"
#include "plantbridge/pipeline/schema_registry.h"
#include "plantbridge/store/store.h"
#include "plantbridge/targets/odoo_master_data.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using test::at;

constexpr const char* kSecret = "hook-0123456789abcdefghijklmn";
constexpr Millis kDelay{500};

class OdooWebhookHintTest : public test::OdooMasterDataFixture {
 protected:
  void SetUp() override {
    startOdooAndStore(std::chrono::hours(1));
    if (HasFatalFailure()) return;
    config_.webhook_secret = kSecret;
    config_.webhook_delay = kDelay;
    sync_ = std::make_unique<OdooMasterDataSync>(*client_, *md_, config_,
                                                 std::vector<AssetMapping>{}, clock_, &metrics_);

    // The receiver as the hub wires it (src/app/hub_runtime.cc), on a real HTTP server.
    receiver_ = std::make_unique<OdooWebhookReceiver>(
        OdooWebhookOptions{kSecret, sync_->hintModels(),
                           [this](std::string_view model, int64_t id) {
                             switch (sync_->hint(model, id)) {
                               case OdooMasterDataSync::HintResult::kQueued:
                                 return OdooHintOutcome::kQueued;
                               case OdooMasterDataSync::HintResult::kDuplicate:
                                 return OdooHintOutcome::kDuplicate;
                               default:
                                 return OdooHintOutcome::kQueueFull;
                             }
                           }},
        metrics_);
    ASSERT_TRUE(receiver_->registerRoutes(router_).isOk());
    server_ = std::make_unique<HttpServer>(HttpServerOptions{}, router_.asHandler());
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::milliseconds(0));
    OdooMasterDataFixture::TearDown();
  }

  std::string hookUrl(const std::string& secret = kSecret) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/hooks/odoo/" + secret;
  }

  json::value call(std::string_view model, std::string_view method, const json::array& args) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto r = orm.call(model, method, args);
    EXPECT_TRUE(r.has_value()) << model << "." << method << ": " << orm.failure().message;
    return r.value_or(json::value());
  }
  int64_t create(std::string_view model, json::object vals) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto id = orm.createOne(model, std::move(vals));
    EXPECT_TRUE(id.has_value()) << model << ".create: " << orm.failure().message;
    return id.value_or(0);
  }
  void rename(std::string_view model, int64_t id, const std::string& name) {
    call(model, "write", json::array{json::array{id}, json::object{{"name", name}}});
  }
  // An automation rule as `plantbridge odoo setup` (and ODOO18 §9) creates it: on create or
  // write (when `trigger` changes, if given), a webhook action posting `name` and `write_date`
  // to `url`.
  void addRule(std::string_view model, const std::string& url, const std::string& trigger = {}) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto models = orm.searchRead("ir.model", json::array{json::array{"model", "=", model}}, {"id"});
    ASSERT_TRUE(models && models->size() == 1) << orm.failure().message;
    const int64_t model_id = models->at(0).at("id").to_number<int64_t>();
    auto fields = orm.searchRead("ir.model.fields",
                                 json::array{json::array{"model", "=", model},
                                             json::array{"name", "in", {"name", "write_date"}}},
                                 {"id"});
    ASSERT_TRUE(fields && fields->size() == 2) << orm.failure().message;
    json::array field_ids;
    for (const auto& f : *fields) field_ids.push_back(f.at("id"));
    json::array trigger_ids;
    if (!trigger.empty()) {
      auto t = orm.searchRead(
          "ir.model.fields",
          json::array{json::array{"model", "=", model}, json::array{"name", "=", trigger}}, {"id"});
      ASSERT_TRUE(t && t->size() == 1) << orm.failure().message;
      trigger_ids.push_back(t->at(0).at("id"));
    }
    create("base.automation",
           {{"name", "plantbridge: " + std::string(model)},
            {"model_id", model_id},
            {"trigger", "on_create_or_write"},
            {"trigger_field_ids", json::array{json::array{6, 0, trigger_ids}}},
            {"action_server_ids",
             json::array{json::array{0, 0,
                                     json::object{{"name", "POST to plantbridge"},
                                                  {"state", "webhook"},
                                                  {"model_id", model_id},
                                                  {"webhook_url", url},
                                                  {"webhook_field_ids",
                                                   json::array{json::array{6, 0, field_ids}}}}}}}});
  }
  // The HTTP statuses of the webhooks the double posted, in order.
  std::vector<int> webhookStatuses() {
    auto state = double_.control("GET", "state?models=none");
    EXPECT_TRUE(state.isOk());
    std::vector<int> out;
    if (!state.isOk()) return out;
    const json::value v = json::parse(*state);
    for (const auto& w : v.at("webhooks").as_array()) {
      const json::object& entry = w.as_object();
      out.push_back(entry.contains("status") ? static_cast<int>(entry.at("status").as_int64())
                                             : -1);
    }
    return out;
  }
  // search_read calls on `model` the double answered.
  int64_t searchReads(const std::string& model) {
    auto state = double_.control("GET", "state?models=none");
    EXPECT_TRUE(state.isOk());
    if (!state.isOk()) return -1;
    const json::value v = json::parse(*state);
    const json::object& calls = v.at("counters").at("calls").as_object();
    const json::value* n = calls.if_contains(model + ".search_read");
    return n == nullptr ? 0 : n->to_number<int64_t>();
  }

  // A sync that makes maintenance.stage_changed events, into the store's journal through the
  // hub's own journal sink (src/app/connector_sink.h), with CNC-07 mapped to equipment 1. The
  // sink can be made to refuse (over the high-water mark) or to lose its answer after the
  // journal took the events.
  void useStageEvents() {
    // The hub's clock is past the Odoo times of the tests: the journal refuses events from the
    // future (schemas' max_future_skew).
    if (clock_.now() < at("2026-11-22T12:00:00Z")) {
      clock_.advance(at("2026-11-22T12:00:00Z") - clock_.now());
    }
    config_.events = {"maintenance.stage_changed"};
    EventSchema schema;
    schema.type = "maintenance.stage_changed";
    schema.payload = {{"request_id", FieldSchema::Type::kInteger, true},
                      {"stage_id", FieldSchema::Type::kInteger, true},
                      {"done", FieldSchema::Type::kBoolean, true}};
    schemas_ =
        std::make_unique<SchemaRegistry>(std::map<std::string, EventSchema>{{schema.type, schema}});
    if (sync_) sync_->stop();
    sync_ = std::make_unique<OdooMasterDataSync>(
        *client_, *md_, config_,
        std::vector<AssetMapping>{{"CNC-07", {{"equipment", "1"}, {"work_center", "1"}}}}, clock_,
        &metrics_);
    JournalSinkOptions options;
    options.connector = "odoo:erp";
    EventSink journal = makeJournalSink(*store_, *schemas_, metrics_, clock_, options);
    sync_->setEventSink(
        [this, journal](std::vector<Event>&& events) -> Status {
          if (refuse_) return Status::resourceExhausted("over the high-water mark (test)");
          Status s = journal(std::move(events));
          if (s.isOk() && lose_answer_) {
            lose_answer_ = false;
            return Status::unavailable("the answer was lost (test)");
          }
          return s;
        },
        "plant-1");
  }
  int64_t createRequest(const char* name, int64_t equipment) {
    return create(
        "maintenance.request",
        {{"name", name}, {"equipment_id", equipment}, {"maintenance_type", "corrective"}});
  }
  void setStage(int64_t request, int64_t stage) {
    call("maintenance.request", "write",
         json::array{json::array{request}, json::object{{"stage_id", stage}}});
  }
  // Odoo's webhook body for a request (ODOO19 §3.1), posted to the receiver; its answer.
  std::string postRequestHook(int64_t request) {
    const std::string body = R"j({"_action": "Send Webhook Notification(#376)", "_id": )j" +
                             std::to_string(request) +
                             R"(, "_model": "maintenance.request", "equipment_id": 1, "id": )" +
                             std::to_string(request) + R"(, "stage_id": 2})";
    auto http = test::HttpClient::connect("127.0.0.1", server_->port());
    EXPECT_TRUE(http.isOk());
    if (!http.isOk()) return {};
    auto answer = (*http)->post(std::string("/v1/hooks/odoo/") + kSecret, body,
                                {{"Content-Type", "application/json"}});
    EXPECT_TRUE(answer.isOk());
    return answer.isOk() ? std::to_string(answer->status) + " " + answer->body : std::string();
  }
  std::vector<Event> journalEvents() {
    auto records = store_->journal().readAfter(0, 100);
    EXPECT_TRUE(records.isOk());
    std::vector<Event> out;
    if (records.isOk()) {
      for (const JournalRecord& r : *records) out.push_back(r.event);
    }
    return out;
  }
  uint64_t journaled(const char* outcome) {
    return metrics_
        .counter("plantbridge_connector_events_total", "",
                 {{"connector", "odoo:erp"}, {"outcome", outcome}})
        .value();
  }

  uint64_t metric(const char* result) {
    return metrics_.counter("plantbridge_odoo_webhook_hints_total", "", {{"result", result}})
        .value();
  }

  std::unique_ptr<SchemaRegistry> schemas_;
  bool refuse_ = false;
  bool lose_answer_ = false;
  std::unique_ptr<OdooWebhookReceiver> receiver_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Versions, OdooWebhookHintTest, ::testing::Values(18, 19),
                         test::odooVersionName);

TEST_P(OdooWebhookHintTest, AWebhookRereadsTheRecordAfterTheDelayAndUpdatesTheFacts) {
  syncAll();
  addRule("mrp.workcenter", hookUrl());
  setOdooClock("2026-11-22 10:00:00");
  rename("mrp.workcenter", 1, "Assembly Line 1 (new)");
  EXPECT_THAT(webhookStatuses(), ::testing::ElementsAre(200));
  EXPECT_EQ(sync_->hintStats().queued, 1u);

  const int64_t reads = searchReads("mrp.workcenter");
  clock_.advance(kDelay - Millis(1));
  EXPECT_EQ(sync_->rereadDueHints(), 0u) << "not before the delay (Odoo 18 has not committed)";
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T10:00:00Z"),
            "Assembly Line 1");
  clock_.advance(Millis(1));
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  EXPECT_EQ(searchReads("mrp.workcenter"), reads + 1);
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T09:59:59Z"),
            "Assembly Line 1");
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T10:00:00Z"),
            "Assembly Line 1 (new)");
  EXPECT_EQ(sync_->hintStats().reread, 1u);
  EXPECT_EQ(metric("received"), 1u);
  EXPECT_EQ(metric("reread"), 1u);
}

TEST_P(OdooWebhookHintTest, TheOdoo18PayloadOfTheFactsRereadsTheOrder) {
  // A new order, not read by any scheduled read yet.
  const int64_t id =
      create("mrp.production",
             {{"product_id", 1}, {"bom_id", 1}, {"product_qty", 1}, {"origin", "mw-order-77"}});
  ASSERT_GT(id, 0);
  const std::string name(
      call("mrp.production", "read", json::array{json::array{id}, json::array{"name"}})
          .at(0)
          .at("name")
          .as_string());
  // ODOO18_API.md §9 verbatim, but for this order's id and name.
  const std::string body =
      R"j({"_action": "Send Webhook Notification(#375)", "_id": )j" + std::to_string(id) +
      R"(, "_model": "mrp.production", "id": )" + std::to_string(id) +
      R"(, "lot_producing_id": false, "name": ")" + name +
      R"(", "origin": "mw-order-77", "product_id": 1, "product_qty": 1.0, )"
      R"("qty_producing": 0.0, "state": "confirmed", "write_date": "2026-11-22 06:53:49.268113"})";
  auto http = test::HttpClient::connect("127.0.0.1", server_->port());
  ASSERT_TRUE(http.isOk());
  auto answer = (*http)->post(
      std::string("/v1/hooks/odoo/") + kSecret, body,
      {{"Content-Type", "application/json"}, {"User-Agent", "python-requests/2.28.1"}});
  ASSERT_TRUE(answer.isOk());
  EXPECT_EQ(answer->status, 200) << answer->body;

  const int64_t reads = searchReads("mrp.production");
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  EXPECT_EQ(searchReads("mrp.production"), reads + 1);
  EXPECT_EQ(valueAt({"order", name}, "production_id", "2026-11-22T08:00:00Z"), std::to_string(id));
  EXPECT_EQ(valueAt({"order", name}, "product", "2026-11-22T08:00:00Z"), "1");
}

TEST_P(OdooWebhookHintTest, DuplicateWebhooksCollapseIntoOneReread) {
  syncAll();
  addRule("mrp.production", hookUrl());
  // Created (Odoo 18 posts the create twice, ODOO18 §9 "draft, draft"), then confirmed.
  const int64_t id =
      create("mrp.production",
             {{"product_id", 1}, {"bom_id", 1}, {"product_qty", 1}, {"origin", "mw-order-78"}});
  call("mrp.production", "action_confirm", json::array{json::array{id}});
  const std::vector<int> posted = webhookStatuses();
  ASSERT_EQ(posted.size(), GetParam() == 18 ? 3u : 2u);
  EXPECT_THAT(posted, ::testing::Each(200));
  EXPECT_EQ(sync_->hintStats().queued, 1u);
  EXPECT_EQ(sync_->hintStats().deduplicated, posted.size() - 1);
  EXPECT_EQ(metric("deduplicated"), posted.size() - 1);

  const int64_t reads = searchReads("mrp.production");
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  EXPECT_EQ(searchReads("mrp.production"), reads + 1);

  // After the re-read, a new change is a new hint and a new re-read.
  call("mrp.production", "write", json::array{json::array{id}, json::object{{"origin", "x"}}});
  EXPECT_EQ(sync_->hintStats().queued, 2u);
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  EXPECT_EQ(searchReads("mrp.production"), reads + 2);
}

TEST_P(OdooWebhookHintTest, AWrongSecretGets404AndNothingIsRead) {
  syncAll();
  addRule("mrp.workcenter", hookUrl("hook-not-the-right-secret-at-all"));
  rename("mrp.workcenter", 1, "Renamed");
  EXPECT_THAT(webhookStatuses(), ::testing::ElementsAre(404));
  const int64_t reads = searchReads("mrp.workcenter");
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 0u);
  EXPECT_EQ(searchReads("mrp.workcenter"), reads);
  EXPECT_EQ(sync_->hintStats().queued, 0u);
  EXPECT_EQ(metric("rejected"), 1u);
}

TEST_P(OdooWebhookHintTest, ALostWebhookIsCaughtByTheWriteDatePoll) {
  syncAll();
  // 08:30 work center 1 is renamed, and its webhook is lost (no rule yet).
  setOdooClock("2026-11-22 08:30:00");
  rename("mrp.workcenter", 1, "Lost");
  // 09:00 work center 2 is renamed; its webhook arrives and is re-read.
  setOdooClock("2026-11-22 09:00:00");
  addRule("mrp.workcenter", hookUrl());
  rename("mrp.workcenter", 2, "Hinted");
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  EXPECT_EQ(valueAt({"work_center", "2"}, "work_center_name", "2026-11-22T09:00:00Z"), "Hinted");
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T08:30:00Z"),
            "Assembly Line 1");
  // The next scheduled read catches the lost one: the hinted read (09:00) did not move the
  // watermark past it (overlap 5 min).
  ASSERT_TRUE(sync_->syncModel("mrp.workcenter").isOk());
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T08:30:00Z"), "Lost");
  EXPECT_EQ(valueAt({"work_center", "1"}, "work_center_name", "2026-11-22T08:29:59Z"),
            "Assembly Line 1");
}

TEST_P(OdooWebhookHintTest, TheSyncThreadRereadsHintedRecordsOnItsOwn) {
  // A sync in real time, as the hub runs it.
  sync_ = std::make_unique<OdooMasterDataSync>(*client_, *md_, config_, std::vector<AssetMapping>{},
                                               system_clock_, &metrics_);
  sync_->start();
  addRule("mrp.workcenter", hookUrl());
  setOdooClock("2026-11-22 10:00:00");
  rename("mrp.workcenter", 2, "Press 2 (threaded)");
  ASSERT_TRUE(sync_->waitForRereads(1, std::chrono::seconds(20)));
  EXPECT_EQ(sync_->hintStats().reread, 1u);
  EXPECT_EQ(valueAt({"work_center", "2"}, "work_center_name", "2026-11-22T10:00:00Z"),
            "Press 2 (threaded)");
}

}  // namespace
}  // namespace pb

namespace pb {
namespace {

TEST_P(OdooWebhookHintTest, AStageChangeIsOneEventDespiteDuplicateHintsAnOverlappingPollARestart) {
  useStageEvents();
  const int64_t id = createRequest("Spindle jam", 1);  // 08:00, New Request
  syncAll();
  EXPECT_TRUE(journalEvents().empty()) << "the first read is the baseline";

  addRule("maintenance.request", hookUrl(), "stage_id");
  setOdooClock("2026-11-22 10:00:00");
  setStage(id, 2);
  EXPECT_THAT(webhookStatuses(), ::testing::ElementsAre(200));
  EXPECT_EQ(postRequestHook(id), R"(200 {"status":"duplicate"})");
  call("maintenance.request", "write",
       json::array{json::array{id}, json::object{{"priority", "2"}}});
  EXPECT_EQ(webhookStatuses().size(), 1u) << "the rule fires on stage changes only";

  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  std::vector<Event> events = journalEvents();
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  EXPECT_EQ(e.id, maintenanceStageEventId(id, 2, "2026-11-22 10:00:00"));
  EXPECT_EQ(e.type, "maintenance.stage_changed");
  EXPECT_EQ(e.asset, "CNC-07");
  EXPECT_EQ(e.source, "odoo:erp");
  EXPECT_EQ(e.site, "plant-1");
  EXPECT_EQ(e.occurred_at, at("2026-11-22T10:00:00Z")) << "the request's write_date";
  EXPECT_EQ(e.context, (std::map<std::string, std::string>{
                           {"equipment", "1"}, {"maintenance_request", std::to_string(id)}}));
  EXPECT_EQ(json::serialize(e.payload),
            R"({"request_id":)" + std::to_string(id) +
                R"(,"name":"Spindle jam","stage_id":2,"stage_name":"In Progress",)"
                R"("previous_stage_id":1,"done":false,"maintenance_type":"corrective"})");

  // A webhook after the re-read queues another; it and the schedule's overlapping read find
  // the stage they know: nothing new.
  EXPECT_EQ(postRequestHook(id), R"(200 {"status":"queued"})");
  clock_.advance(kDelay);
  EXPECT_EQ(sync_->rereadDueHints(), 1u);
  ASSERT_TRUE(sync_->syncModel("maintenance.request").isOk());
  EXPECT_EQ(journalEvents().size(), 1u);

  // A restart: a new sync on the same store knows the stage from the facts.
  useStageEvents();
  syncAll();
  EXPECT_EQ(journalEvents().size(), 1u);
  EXPECT_EQ(journaled("accepted"), 1u);
  EXPECT_EQ(journaled("duplicate"), 0u);
}

TEST_P(OdooWebhookHintTest, AStageChangeTheJournalRefusesIsMadeAgainByTheNextRead) {
  useStageEvents();
  const int64_t id = createRequest("Spindle jam", 1);
  syncAll();
  setOdooClock("2026-11-22 10:00:00");
  setStage(id, 3);  // Repaired: a done stage
  const Subject request{"maintenance_request", std::to_string(id)};

  // Over the high-water mark: the read fails and the stage is not marked as seen.
  refuse_ = true;
  Status s = sync_->syncModel("maintenance.request");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.toString();
  EXPECT_TRUE(journalEvents().empty());
  EXPECT_EQ(valueAt(request, "maintenance_stage", "2026-11-22T10:00:00Z"), "1");

  // The journal takes it but the answer is lost: still not marked as seen.
  refuse_ = false;
  lose_answer_ = true;
  s = sync_->syncModel("maintenance.request");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.toString();
  EXPECT_EQ(journalEvents().size(), 1u);
  EXPECT_EQ(valueAt(request, "maintenance_stage", "2026-11-22T10:00:00Z"), "1");

  // The next read makes the same event again: a journal duplicate, not a second event.
  s = sync_->syncModel("maintenance.request");
  ASSERT_TRUE(s.isOk()) << s.toString();
  const std::vector<Event> events = journalEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(journaled("accepted"), 1u);
  EXPECT_EQ(journaled("duplicate"), 1u);
  EXPECT_EQ(valueAt(request, "maintenance_stage", "2026-11-22T10:00:00Z"), "3");
  EXPECT_EQ(events[0].payload.at("done"), true);
  EXPECT_EQ(events[0].payload.at("stage_name"), "Repaired");
  EXPECT_EQ(events[0].payload.at("previous_stage_id"), 1);
}

TEST_P(OdooWebhookHintTest, ALostStageWebhookIsCaughtByThePoll) {
  useStageEvents();
  syncAll();
  // 09:00 a request on unmapped equipment 2 is created and at 09:10 taken into work; no rule,
  // so no webhook: the next scheduled read finds it.
  setOdooClock("2026-11-22 09:00:00");
  const int64_t id = createRequest("Coolant leak", 2);
  setOdooClock("2026-11-22 09:10:00");
  setStage(id, 2);
  ASSERT_TRUE(sync_->syncModel("maintenance.request").isOk());
  const std::vector<Event> events = journalEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset, "") << "equipment 2 is mapped to no asset";
  EXPECT_EQ(events[0].context.at("equipment"), "2");
  EXPECT_EQ(events[0].occurred_at, at("2026-11-22T09:10:00Z"));
  EXPECT_EQ(events[0].payload.at("stage_id"), 2);
  EXPECT_FALSE(events[0].payload.contains("previous_stage_id"))
      << "created since the baseline: no stage was known before";
}

}  // namespace
}  // namespace pb
