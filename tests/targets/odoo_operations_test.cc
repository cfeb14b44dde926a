// The Odoo target's business operations against the Odoo test double (tools/odoo_double), as
// Odoo 18 (JSON-RPC) and Odoo 19 (JSON-2): each operation's effect in Odoo, its wizard
// branches and error classes, and exactly-once: a delivery repeated after Odoo committed but
// the answer was lost (the double's "drop after_commit" fault: the write landed, plantbridge
// never heard of it, as when the hub is killed at that moment) leaves one record, not two.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "odoo_double_process.h"
#include "odoo_operations.h"
#include "plantbridge/targets/odoo.h"
#include "support/deliver_and_wait.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using Kind = DeliveryResult::Kind;
using test::OdooDoubleOptions;
using test::OdooDoubleProcess;
using ::testing::HasSubstr;

constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";

// ---- parsing (no Odoo) ----

TEST(OdooExternalIdTest, EscapesSoThatNoTwoKeysShareAnId) {
  EXPECT_EQ(odooExternalId("01JTEST"), "plantbridge.01JTEST");
  EXPECT_EQ(odooExternalId("01JTEST/route"), "plantbridge.01JTEST_2froute");
  EXPECT_EQ(odooExternalId("a_b"), "plantbridge.a__b");
  EXPECT_NE(odooExternalId("a_2f"), odooExternalId("a/"));
  EXPECT_NE(odooExternalId("a__"), odooExternalId("a_"));
  EXPECT_EQ(odooExternalId("k1", "-lot"), "plantbridge.k1-lot");
}

TEST(OdooOperationParseTest, RecognisesOperationBodiesOnly) {
  EXPECT_TRUE(isOdooOperationBody(R"({"operation":"scrap"})"));
  EXPECT_FALSE(isOdooOperationBody(R"({"model":"mrp.production","method":"read"})"));
  EXPECT_FALSE(isOdooOperationBody(R"({"model":"x","method":"y","args":["\"operation\""]})"));
}

std::string parseError(const std::string& body) {
  auto op = parseOdooOperation(body, "tx-1");
  EXPECT_FALSE(op.isOk()) << body;
  return op.isOk() ? std::string() : op.status().message();
}

TEST(OdooOperationParseTest, ErrorsNameTheOperationAndTheParameter) {
  EXPECT_THAT(parseError(R"({"operation":"teleport"})"),
              HasSubstr("unknown operation 'teleport' (known: downtime, scrap"));
  EXPECT_THAT(parseError(R"({"operation":"scrap","quantity":1})"),
              HasSubstr("scrap: 'product_id' is required"));
  EXPECT_THAT(parseError(R"({"operation":"scrap","product_id":1,"quantity":-2})"),
              HasSubstr("scrap: 'quantity' must be a quantity > 0"));
  EXPECT_THAT(parseError(R"({"operation":"scrap","product_id":1,"quantity":1,"qty":1})"),
              HasSubstr("scrap: 'qty' is not a parameter of this operation"));
  EXPECT_THAT(
      parseError(R"({"operation":"scrap","product_id":1,"quantity":1,"on_insufficient":"x"})"),
      HasSubstr("'on_insufficient' must be one of reject, retry, force (got 'x')"));
  EXPECT_THAT(parseError(R"({"operation":"downtime","work_center_id":1,"loss_id":2,
                             "started_at":"yesterday"})"),
              HasSubstr("downtime: 'started_at' must be a time in RFC 3339"));
  EXPECT_THAT(parseError(R"({"operation":"downtime","work_center_id":1,"loss_id":2,
                             "started_at":"2026-11-22T05:00:00Z","ended_at":"2026-11-22T04:00:00Z"})"),
              HasSubstr("'ended_at' 2026-11-22 04:00:00 is before 'started_at'"));
  EXPECT_THAT(parseError(R"({"operation":"maintenance.request","name":"x","equipment_id":"1"})"),
              HasSubstr("'equipment_id' must be an Odoo record id"));
  EXPECT_THAT(parseError(R"({"operation":"downtime","work_center_id":1,"loss_id":2,
                             "started_at":"2026-11-22T05:00:00Z","block":"yes"})"),
              HasSubstr("'block' must be true or false"));
}

TEST(OdooOperationParseTest, SerialKeyIsTheRecordOthersWriteTo) {
  auto downtime = parseOdooOperation(R"({"operation":"downtime","work_center_id":3,"loss_id":2,
      "started_at":"2026-11-22 05:00:00"})",
                                     "k");
  ASSERT_TRUE(downtime.isOk()) << downtime.status().toString();
  EXPECT_EQ(downtime->serial_key, "mrp.workcenter:3");
  auto request =
      parseOdooOperation(R"({"operation":"maintenance.request","name":"n","equipment_id":4})", "k");
  ASSERT_TRUE(request.isOk()) << request.status().toString();
  EXPECT_EQ(request->serial_key, "maintenance.equipment:4");
  auto done = parseOdooOperation(R"({"operation":"production.done","production_id":9})", "k");
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  EXPECT_EQ(done->serial_key, "mrp.production:9");
}

// ---- against the double ----

// A field of a raw record of the double: false when the record does not have it.
json::value field(const json::object& record, const char* name) {
  const json::value* v = record.if_contains(name);
  return v == nullptr ? json::value(false) : *v;
}

class OdooOperationsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    const std::string key_file = dir_.file("odoo.key");
    std::ofstream(key_file) << kKey << "\n";
    OdooDoubleOptions options;
    options.version = GetParam();
    options.api_key_file = key_file;
    const Status st = double_.start(options, dir_.file("double.stderr"));
    ASSERT_TRUE(st.isOk()) << st.toString();
    TargetConfig c;
    c.name = "erp";
    c.kind = kOdooKind;
    c.concurrency = 2;
    c.odoo.url = double_.url();
    c.odoo.db = "mfg";
    c.odoo.user = "admin";
    c.odoo.api_key_file = key_file;
    c.odoo.timeout = std::chrono::seconds(20);
    auto target = makeOdooTarget(c, clock_, &metrics_);
    ASSERT_TRUE(target.isOk()) << target.status().toString();
    target_ = std::move(target).value();
  }

  DeliveryResult deliver(const std::string& body, const std::string& tx_id) {
    Transaction tx;
    tx.id = tx_id;
    tx.event_id = tx_id;
    tx.correlation_id = "corr-" + tx_id;
    tx.target = "erp";
    tx.body = body;
    return test::deliverAndWait(*target_, tx);
  }

  // Delivers, expecting success.
  std::string delivered(const std::string& body, const std::string& tx_id) {
    const DeliveryResult r = deliver(body, tx_id);
    EXPECT_EQ(r.kind, Kind::kDelivered) << r.message;
    return r.message;
  }

  // The double's records of one model (Odoo 18's field names; many2one as ids).
  json::array records(const std::string& model) {
    auto state = double_.control("GET", "state?models=" + model);
    EXPECT_TRUE(state.isOk()) << state.status().toString();
    if (!state.isOk()) return {};
    const json::value v = json::parse(*state);
    const json::value* rows = v.at("models").as_object().if_contains(model);
    return rows == nullptr ? json::array() : rows->as_array();
  }

  json::object record(const std::string& model, int64_t id) {
    for (const json::value& r : records(model)) {
      if (r.at("id").as_int64() == id) return r.as_object();
    }
    ADD_FAILURE() << model << " " << id << " not in the double";
    return {};
  }

  // How many records of `model` have `field` == `value`.
  size_t count(const std::string& model, const std::string& field, const json::value& value) {
    size_t n = 0;
    for (const json::value& r : records(model)) {
      const json::value* v = r.as_object().if_contains(field);
      if (v != nullptr && *v == value) ++n;
    }
    return n;
  }

  int64_t calls(const std::string& model_method) {
    auto state = double_.control("GET", "state?models=none");
    if (!state.isOk()) return -1;
    const json::value v = json::parse(*state);
    const json::value* n = v.at("counters").at("calls").as_object().if_contains(model_method);
    return n == nullptr ? 0 : n->to_number<int64_t>();
  }

  void fault(const std::string& spec) {
    const Status st = double_.fault(spec);
    ASSERT_TRUE(st.isOk()) << st.toString();
  }

  test::TempDir dir_;
  OdooDoubleProcess double_;
  SystemClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<Target> target_;
};

std::string versionName(const ::testing::TestParamInfo<int>& info) {
  return "Odoo" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Versions, OdooOperationsTest, ::testing::Values(18, 19), versionName);

constexpr const char* kDowntimeStart = R"({"operation":"downtime","ref":"stop-1",
    "work_center_id":1,"loss_id":2,"started_at":"2026-11-22T05:00:00Z",
    "description":"Spindle jam"})";
constexpr const char* kDowntimeEnd = R"({"operation":"downtime","ref":"stop-1",
    "work_center_id":1,"loss_id":2,"started_at":"2026-11-22T05:00:00Z",
    "ended_at":"2026-11-22T05:45:00Z"})";

TEST_P(OdooOperationsTest, DowntimeStartOpensALineAndBlocksTheWorkCenterEndClosesIt) {
  EXPECT_THAT(delivered(kDowntimeStart, "tx-start"), HasSubstr("open on work center 1 (blocked)"));
  const json::array lines = records("mrp.workcenter.productivity");
  const json::object* line = nullptr;
  for (const json::value& l : lines) {
    const json::value* description = l.as_object().if_contains("description");
    if (description != nullptr && *description == "Spindle jam") line = &l.as_object();
  }
  ASSERT_NE(line, nullptr);
  const int64_t line_id = line->at("id").as_int64();
  EXPECT_EQ(line->at("workcenter_id"), 1);
  EXPECT_EQ(line->at("loss_id"), 2);
  EXPECT_EQ(line->at("date_start"), "2026-11-22 05:00:00");
  EXPECT_EQ(field(*line, "date_end"), false);
  EXPECT_EQ(field(record("mrp.workcenter", 1), "working_state"), "blocked");
  EXPECT_EQ(calls("mrp.workcenter.productivity.button_block"), 1);

  EXPECT_THAT(delivered(kDowntimeEnd, "tx-end"), HasSubstr("closed"));
  EXPECT_EQ(field(record("mrp.workcenter.productivity", line_id), "date_end"),
            "2026-11-22 05:45:00");
  EXPECT_EQ(field(record("mrp.workcenter", 1), "working_state"), "normal");
  EXPECT_EQ(records("mrp.workcenter.productivity").size(), lines.size());

  // The start delivered again (a replay, or a retry that overtook nothing): the line stays
  // closed and the work center is not blocked again.
  EXPECT_THAT(delivered(kDowntimeStart, "tx-start"), HasSubstr("already closed"));
  EXPECT_EQ(field(record("mrp.workcenter.productivity", line_id), "date_end"),
            "2026-11-22 05:45:00");
  EXPECT_EQ(field(record("mrp.workcenter", 1), "working_state"), "normal");
  EXPECT_EQ(calls("mrp.workcenter.productivity.button_block"), 1);
  EXPECT_EQ(records("mrp.workcenter.productivity").size(), lines.size());
}

TEST_P(OdooOperationsTest, DowntimeEndAloneBackfillsTheClosedInterval) {
  const size_t before = records("mrp.workcenter.productivity").size();
  delivered(kDowntimeEnd, "tx-late-end");
  ASSERT_EQ(records("mrp.workcenter.productivity").size(), before + 1);
  EXPECT_EQ(count("mrp.workcenter.productivity", "date_end", json::value("2026-11-22 05:45:00")),
            1u);
  EXPECT_EQ(calls("mrp.workcenter.productivity.button_block"), 0);
}

TEST_P(OdooOperationsTest, DowntimeLoadLostAfterCommitIsFoundByTheRetry) {
  const size_t before = records("mrp.workcenter.productivity").size();
  fault(R"({"model":"mrp.workcenter.productivity","method":"load","drop":"after_commit"})");
  const DeliveryResult first = deliver(kDowntimeStart, "tx-start");
  EXPECT_EQ(first.kind, Kind::kRetry) << first.message;
  EXPECT_EQ(records("mrp.workcenter.productivity").size(), before + 1);  // it landed
  delivered(kDowntimeStart, "tx-start");
  EXPECT_EQ(records("mrp.workcenter.productivity").size(), before + 1);
  EXPECT_EQ(field(record("mrp.workcenter", 1), "working_state"), "blocked");
}

TEST_P(OdooOperationsTest, UnknownWorkCenterIsADeadLetterWithOdoosMessage) {
  const DeliveryResult r = deliver(R"({"operation":"downtime","work_center_id":999,"loss_id":2,
      "started_at":"2026-11-22T05:00:00Z"})",
                                   "tx-bad-wc");
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_THAT(r.message,
              HasSubstr("mrp.workcenter.productivity.load of plantbridge.tx_2dbad_2dwc"));
  EXPECT_THAT(r.message, HasSubstr("No matching record found for database id '999'"));
}

constexpr const char* kScrap = R"({"operation":"scrap","product_id":1,"quantity":2,"lot_id":1})";

TEST_P(OdooOperationsTest, ScrapIsCreatedAndValidatedOnce) {
  EXPECT_THAT(delivered(kScrap, "tx-scrap"), HasSubstr("validated"));
  ASSERT_EQ(count("stock.scrap", "origin", json::value("tx-scrap")), 1u);
  const json::object scrap = records("stock.scrap").back().as_object();
  EXPECT_EQ(scrap.at("state"), "done");
  EXPECT_EQ(scrap.at("lot_id"), 1);
  EXPECT_EQ(scrap.at("scrap_qty").to_number<double>(), 2.0);
  EXPECT_EQ(record("stock.quant", 3).at("quantity").to_number<double>(), 8.0);

  EXPECT_THAT(delivered(kScrap, "tx-scrap"), HasSubstr("was validated already"));
  EXPECT_EQ(count("stock.scrap", "origin", json::value("tx-scrap")), 1u);
  EXPECT_EQ(record("stock.quant", 3).at("quantity").to_number<double>(), 8.0);
  EXPECT_EQ(calls("stock.scrap.action_validate"), 1);
}

TEST_P(OdooOperationsTest, ScrapValidationLostAfterCommitIsNotRepeated) {
  fault(R"({"model":"stock.scrap","method":"action_validate","drop":"after_commit"})");
  EXPECT_EQ(deliver(kScrap, "tx-scrap").kind, Kind::kRetry);
  EXPECT_THAT(delivered(kScrap, "tx-scrap"), HasSubstr("was validated already"));
  EXPECT_EQ(count("stock.scrap", "origin", json::value("tx-scrap")), 1u);
  EXPECT_EQ(record("stock.quant", 3).at("quantity").to_number<double>(), 8.0);
}

constexpr const char* kBigScrap =
    R"({"operation":"scrap","product_id":1,"quantity":50,"lot_id":1,"on_insufficient":"%s"})";

std::string bigScrap(const char* policy) {
  std::string body = kBigScrap;
  body.replace(body.find("%s"), 2, policy);
  return body;
}

TEST_P(OdooOperationsTest, InsufficientStockFollowsThePolicy) {
  const DeliveryResult rejected = deliver(bigScrap("reject"), "tx-r");
  EXPECT_EQ(rejected.kind, Kind::kReject);
  EXPECT_THAT(rejected.message, HasSubstr("not enough stock for 50 of product 1 in lot 1"));
  const DeliveryResult retried = deliver(bigScrap("retry"), "tx-q");
  EXPECT_EQ(retried.kind, Kind::kRetry);
  EXPECT_THAT(delivered(bigScrap("force"), "tx-f"), HasSubstr("despite insufficient stock"));
  for (const json::value& s : records("stock.scrap")) {
    const bool forced = s.at("origin") == "tx-f";
    EXPECT_EQ(s.at("state"), forced ? "done" : "draft") << s.at("origin");
  }
}

TEST_P(OdooOperationsTest, OdooErrorsAreClassifiedByName) {
  fault(R"({"model":"stock.scrap","method":"load","error":"SerializationFailure"})");
  EXPECT_EQ(deliver(kScrap, "tx-ser").kind, Kind::kRetry);
  fault(R"({"model":"stock.scrap","method":"action_validate","error":"UserError",
            "message":"Scrapping is forbidden today"})");
  const DeliveryResult r = deliver(kScrap, "tx-user");
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_THAT(r.message, HasSubstr("stock.scrap.action_validate: "));
  EXPECT_THAT(r.message, HasSubstr("Scrapping is forbidden today"));
}

constexpr const char* kRequest = R"({"operation":"maintenance.request",
    "name":"Spindle jam on Press 2","equipment_id":1,"maintenance_type":"corrective",
    "priority":"3","schedule_date":"2026-11-23T08:00:00Z","duration":1.5})";

TEST_P(OdooOperationsTest, MaintenanceRequestOnceThenStageChanges) {
  delivered(kRequest, "tx-req");
  ASSERT_EQ(count("maintenance.request", "name", json::value("Spindle jam on Press 2")), 1u);
  const json::object request = records("maintenance.request").back().as_object();
  EXPECT_EQ(request.at("equipment_id"), 1);
  EXPECT_EQ(request.at("maintenance_type"), "corrective");
  EXPECT_EQ(request.at("priority"), "3");
  EXPECT_EQ(request.at("schedule_date"), "2026-11-23 08:00:00");
  fault(R"({"model":"maintenance.request","method":"load","drop":"after_commit"})");
  EXPECT_EQ(deliver(kRequest, "tx-req").kind, Kind::kRetry);
  delivered(kRequest, "tx-req");
  EXPECT_EQ(count("maintenance.request", "name", json::value("Spindle jam on Press 2")), 1u);

  const int64_t id = request.at("id").as_int64();
  const std::string stage = R"({"operation":"maintenance.stage","request_id":)" +
                            std::to_string(id) + R"(,"stage_id":3})";
  EXPECT_THAT(delivered(stage, "tx-stage"), HasSubstr("moved to stage 3"));
  const json::object closed = record("maintenance.request", id);
  EXPECT_EQ(closed.at("stage_id"), 3);
  EXPECT_NE(closed.at("close_date"), false);
  EXPECT_THAT(delivered(stage, "tx-stage"), HasSubstr("in stage 3 already"));
  EXPECT_EQ(calls("maintenance.request.write"), 1);
}

TEST_P(OdooOperationsTest, ProductionQuantityIsAbsoluteAndMovesTheComponents) {
  const char* body = R"({"operation":"production.quantity","production_id":1,"qty_producing":4})";
  delivered(body, "tx-q1");
  EXPECT_EQ(record("mrp.production", 1).at("qty_producing").to_number<double>(), 4.0);
  EXPECT_EQ(record("mrp.production", 1).at("state"), "progress");
  // set_qty_producing moved the components along (ODOO18 §3 step 4): 1 housing per widget.
  EXPECT_EQ(record("stock.move", 1).at("quantity").to_number<double>(), 4.0);
  delivered(body, "tx-q1");
  EXPECT_EQ(calls("mrp.production.write"), 1);
}

TEST_P(OdooOperationsTest, CompletionWithFewerProducedCreatesTheBackorder) {
  const char* body = R"({"operation":"production.done","production_id":2,"qty_producing":2,
      "backorder":"create"})";
  EXPECT_THAT(delivered(body, "tx-done"), HasSubstr("via mrp.production.backorder"));
  const json::object mo = record("mrp.production", 2);
  EXPECT_EQ(mo.at("state"), "done");
  EXPECT_EQ(mo.at("name"), "WH/MO/00002-001");
  EXPECT_EQ(count("mrp.production", "name", json::value("WH/MO/00002-002")), 1u);
  // Again: done is done, no second backorder.
  EXPECT_THAT(delivered(body, "tx-done"), HasSubstr("was done already"));
  EXPECT_EQ(records("mrp.production").size(), 3u);
}

TEST_P(OdooOperationsTest, CompletionCanCloseWithoutBackorder) {
  delivered(R"({"operation":"production.done","production_id":2,"qty_producing":2,
      "backorder":"close"})",
            "tx-c");
  EXPECT_EQ(record("mrp.production", 2).at("state"), "done");
  EXPECT_EQ(records("mrp.production").size(), 2u);
}

TEST_P(OdooOperationsTest, CompletionLostAfterCommitMakesNoSecondBackorder) {
  fault(R"({"model":"mrp.production.backorder","method":"action_backorder",
            "drop":"after_commit"})");
  const char* body = R"({"operation":"production.done","production_id":2,"qty_producing":2})";
  EXPECT_EQ(deliver(body, "tx-done").kind, Kind::kRetry);
  EXPECT_THAT(delivered(body, "tx-done"), HasSubstr("was done already"));
  EXPECT_EQ(records("mrp.production").size(), 3u);
}

TEST_P(OdooOperationsTest, ConsumptionWarningFollowsThePolicy) {
  // Order 1 consumes by BoM with a warning; consume twice the housings the BoM wants.
  delivered(R"({"operation":"production.quantity","production_id":1,"qty_producing":10})", "tx-q");
  // A person in Odoo writes the component move: 20 housings instead of the BoM's 10.
  const std::string overconsume =
      R"({"model":"stock.move","method":"write","args":[[1],{"quantity":20,"picked":true}]})";
  Transaction tx;
  tx.id = "tx-person";
  tx.target = "erp";
  tx.body = overconsume;
  ASSERT_EQ(test::deliverAndWait(*target_, tx).kind, Kind::kDelivered);

  const DeliveryResult rejected =
      deliver(R"({"operation":"production.done","production_id":1})", "tx-done-r");
  EXPECT_EQ(rejected.kind, Kind::kReject);
  EXPECT_THAT(rejected.message, HasSubstr("consumed unlike the bill of materials"));
  EXPECT_EQ(record("mrp.production", 1).at("state"), "progress");

  EXPECT_THAT(delivered(R"({"operation":"production.done","production_id":1,
                            "consumption":"accept"})",
                        "tx-done-a"),
              HasSubstr("via mrp.consumption.warning"));
  EXPECT_EQ(record("mrp.production", 1).at("state"), "done");
}

TEST_P(OdooOperationsTest, CompletionNamesTheProducedLotOnce) {
  // Order 1 has no lot yet; a lot is created under plantbridge.<key>-lot and set on it.
  const char* body = R"({"operation":"production.done","production_id":1,"qty_producing":10,
      "lot_name":"LOT-42","consumption":"accept"})";
  delivered(body, "tx-lot");
  ASSERT_EQ(count("stock.lot", "name", json::value("LOT-42")), 1u);
  EXPECT_EQ(record("mrp.production", 1).at("state"), "done");
  delivered(body, "tx-lot");
  EXPECT_EQ(count("stock.lot", "name", json::value("LOT-42")), 1u);
}

TEST_P(OdooOperationsTest, ConsumptionWritesTheComponentMoveOnce) {
  const char* body = R"({"operation":"consumption","production_id":1,"product_id":2,"quantity":7})";
  EXPECT_THAT(delivered(body, "tx-cons"), HasSubstr("7 of product 2 consumed (move 1)"));
  const json::object move = record("stock.move", 1);
  EXPECT_EQ(move.at("quantity").to_number<double>(), 7.0);
  EXPECT_EQ(move.at("picked"), true);
  EXPECT_THAT(delivered(body, "tx-cons"), HasSubstr("already so"));
  EXPECT_EQ(calls("stock.move.write"), 1);
  const DeliveryResult none = deliver(
      R"({"operation":"consumption","production_id":1,"product_id":1,"quantity":1})", "tx-x");
  EXPECT_EQ(none.kind, Kind::kReject);
  EXPECT_THAT(none.message, HasSubstr("has no open component move for product 1"));
}

TEST_P(OdooOperationsTest, MessageIsPostedOnceWithItsCorrelationId) {
  const char* body = R"({"operation":"message","model":"mrp.production","res_id":1,
      "body":"Lot W-0001 quarantined: inspection failed"})";
  fault(R"({"model":"mrp.production","method":"message_post","drop":"after_commit"})");
  EXPECT_EQ(deliver(body, "tx-note").kind, Kind::kRetry);
  EXPECT_THAT(delivered(body, "tx-note"), HasSubstr("posted already"));
  size_t notes = 0;
  for (const json::value& m : records("mail.message")) {
    const json::value* text = m.as_object().if_contains("body");
    if (text == nullptr || !text->is_string()) continue;
    const std::string s(text->as_string());
    if (s.find("inspection failed") == std::string::npos) continue;
    ++notes;
    EXPECT_THAT(s, HasSubstr("[plantbridge tx-note, correlation corr-tx-note]"));
    EXPECT_EQ(m.at("res_id"), 1);
    EXPECT_EQ(m.at("message_type"), "comment");
  }
  EXPECT_EQ(notes, 1u);
}

TEST_P(OdooOperationsTest, QuarantineMovesTheLotAndReleaseBringsItBack) {
  const char* hold = R"({"operation":"quarantine","lot_id":1,"location_id":7})";
  EXPECT_THAT(delivered(hold, "tx-hold"), HasSubstr("lot 1 held: 10 moved to location 7"));
  double in_quarantine = 0;
  for (const json::value& q : records("stock.quant")) {
    if (q.as_object().if_contains("lot_id") != nullptr && q.at("lot_id") == 1 &&
        q.at("location_id") == 7) {
      in_quarantine += q.at("quantity").to_number<double>();
    }
  }
  EXPECT_EQ(in_quarantine, 10.0);
  EXPECT_THAT(delivered(hold, "tx-hold"), HasSubstr("held already"));
  EXPECT_EQ(calls("stock.quant.relocate.action_relocate_quants"), 1);

  EXPECT_THAT(delivered(R"({"operation":"quarantine.release","lot_id":1,"from_location_id":7,
                            "location_id":6})",
                        "tx-release"),
              HasSubstr("released"));
  EXPECT_EQ(count("stock.quant", "location_id", json::value(7)), 0u);
}

TEST_P(OdooOperationsTest, QuarantineOfALotWithoutStockIsADeadLetter) {
  const DeliveryResult none =
      deliver(R"({"operation":"quarantine","lot_id":999,"location_id":7})", "tx-nolot");
  EXPECT_EQ(none.kind, Kind::kReject);
  EXPECT_THAT(none.message, HasSubstr("lot 999 has no stock to move to location 7"));
}

TEST_P(OdooOperationsTest, MalformedOperationIsADeadLetterWithoutAnOdooCall) {
  const DeliveryResult r = deliver(R"({"operation":"scrap","product_id":1})", "tx-bad");
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_THAT(r.message, HasSubstr("scrap: 'quantity' is required"));
  EXPECT_EQ(calls("stock.scrap.load"), 0);
}

}  // namespace
}  // namespace pb
