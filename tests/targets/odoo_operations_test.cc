// The Odoo target's business operations against the Odoo test double (tools/odoo_double), as
// Odoo 18 (JSON-RPC) and Odoo 19 (JSON-2): each operation's effect in Odoo, its wizard
// branches and error classes, and exactly-once: a delivery repeated after Odoo committed but
// the answer was lost (the double's "drop after_commit" fault: the write landed, plantbridge
// never heard of it, as when the hub is killed at that moment) leaves one record, not two.
#include <filesystem>
#include <fstream>
#include <map>

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
  EXPECT_THAT(parseError(R"({"operation":"maintenance.request","name":"x","equipment_id":"1a"})"),
              HasSubstr("'equipment_id' must be an Odoo record id"));
  EXPECT_THAT(parseError(R"({"operation":"maintenance.request","name":"x","equipment_id":"0"})"),
              HasSubstr("'equipment_id' must be an Odoo record id"));
  // Context values are text: an id rendered from {{context.equipment}} is a string of digits.
  auto from_context = parseOdooOperation(
      R"({"operation":"maintenance.request","name":"x","equipment_id":"12"})", "tx-1");
  EXPECT_TRUE(from_context.isOk()) << from_context.status().toString();
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
    TargetConfig c = double_.targetConfig(key_file);
    c.concurrency = 2;
    c.odoo.timeout = std::chrono::seconds(20);
    c.odoo.locations = {{"quarantine", {"WH/Quarantine", false}},
                        {"stock", {"WH/Stock", false}},
                        {"hold", {"WH/Hold", true}},
                        {"missing", {"WH/Missing", false}}};
    c.odoo.picking_types = {{"internal", {"Internal Transfers", "WH"}}};
    config_ = c;
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
  json::array records(const std::string& model) { return double_.records(model); }

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

  // One low-level ORM call (what a person does in Odoo); its result.
  json::value odoo(const std::string& body) {
    Transaction tx;
    tx.id = "tx-person-" + std::to_string(++person_calls_);
    tx.target = "erp";
    tx.body = body;
    const DeliveryResult r = test::deliverAndWait(*target_, tx);
    EXPECT_EQ(r.kind, Kind::kDelivered) << body << ": " << r.message;
    return r.kind == Kind::kDelivered ? json::parse(r.message) : json::value();
  }

  // The quantity of `lot` in `location` (the double's quants).
  double lotQuantity(int64_t lot, int64_t location) {
    double sum = 0;
    for (const json::value& q : records("stock.quant")) {
      if (field(q.as_object(), "lot_id") == lot && q.at("location_id") == location) {
        sum += q.at("quantity").to_number<double>();
      }
    }
    return sum;
  }

  void fault(const std::string& spec) {
    const Status st = double_.fault(spec);
    ASSERT_TRUE(st.isOk()) << st.toString();
  }

  test::TempDir dir_;
  OdooDoubleProcess double_;
  SystemClock clock_;
  MetricsRegistry metrics_;
  TargetConfig config_;
  std::unique_ptr<Target> target_;
  int person_calls_ = 0;
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

// ---- named locations, partial quarantine, lots, stages by name (issue 4) ----

TEST(OdooOperationParseTest, LocationsAreGivenByIdOrByAConfiguredName) {
  EXPECT_THAT(parseError(R"({"operation":"quarantine","lot_id":1,"location":"quarantine"})"),
              HasSubstr("quarantine: 'location' 'quarantine' is not a location of the target's "
                        "`locations` config"));
  EXPECT_THAT(parseError(R"({"operation":"quarantine","lot_id":1,"location_id":7,"location":"q"})"),
              HasSubstr("'location' and 'location_id' name the same location: give one of them"));
  EXPECT_THAT(parseError(R"({"operation":"quarantine","lot_id":1})"),
              HasSubstr("'location_id' is required (an Odoo record id; or give 'location'"));
  EXPECT_THAT(parseError(R"({"operation":"quarantine.release","lot_id":1,"location_id":6})"),
              HasSubstr("'from_location_id' is required"));
  EXPECT_THAT(parseError(R"({"operation":"quarantine","lot_id":1,"location_id":7,"quantity":2})"),
              HasSubstr("'picking_type' 'internal' is not a picking type of the target's "
                        "`picking_types` config"));
  EXPECT_THAT(
      parseError(R"({"operation":"quarantine","lot_id":1,"location_id":7,"picking_type":"x"})"),
      HasSubstr("'picking_type' applies only with 'quantity'"));
}

TEST(OdooOperationParseTest, ConsumptionLotsAreChecked) {
  EXPECT_THAT(parseError(R"({"operation":"consumption","production_id":1,"product_id":2,
                             "quantity":3,"lot_id":4,"lots":[{"lot_id":5,"quantity":3}]})"),
              HasSubstr("give 'lot_id' or 'lots', not both"));
  EXPECT_THAT(parseError(R"({"operation":"consumption","production_id":1,"product_id":2,
                             "quantity":3,"lots":[{"lot_id":5,"quantity":2}]})"),
              HasSubstr("'quantity' 3 is not the sum of the lots' quantities (2)"));
  EXPECT_THAT(parseError(R"({"operation":"consumption","production_id":1,"product_id":2,
                             "lots":[{"lot_id":5,"quantity":2},{"lot_id":5,"quantity":1}]})"),
              HasSubstr("'lots[1]' names lot 5 a second time"));
  EXPECT_THAT(parseError(R"({"operation":"consumption","production_id":1,"product_id":2,
                             "lots":[{"lot":5,"quantity":2}]})"),
              HasSubstr("'lots[0]' has 'lot', which is neither lot_id nor quantity"));
  EXPECT_THAT(parseError(R"({"operation":"consumption","production_id":1,"product_id":2,
                             "lots":[]})"),
              HasSubstr("'lots' must be a list of"));
}

TEST(OdooOperationParseTest, StageChangeNamesRequestAndStageOnceEach) {
  EXPECT_THAT(parseError(R"({"operation":"maintenance.stage","stage_id":3})"),
              HasSubstr("give 'request_id' (an Odoo id) or 'request_ref'"));
  EXPECT_THAT(
      parseError(
          R"({"operation":"maintenance.stage","request_id":1,"request_ref":"a","stage_id":3})"),
      HasSubstr("exactly one"));
  EXPECT_THAT(
      parseError(R"({"operation":"maintenance.stage","request_id":1,"stage_id":3,"stage":"x"})"),
      HasSubstr("give 'stage_id' (an Odoo id) or 'stage' (the stage's name), exactly one"));
}

TEST_P(OdooOperationsTest, NamedLocationsQuarantineAndReleaseTheLot) {
  EXPECT_THAT(
      delivered(R"({"operation":"quarantine","lot_id":1,"location":"quarantine"})", "tx-hold"),
      HasSubstr("lot 1 held: 10 moved to location 7"));
  EXPECT_EQ(lotQuantity(1, 7), 10.0);
  EXPECT_THAT(delivered(R"({"operation":"quarantine.release","lot_id":1,
                            "from_location":"quarantine","location":"stock"})",
                        "tx-release"),
              HasSubstr("lot 1 released: 10 moved to location 6"));
  EXPECT_EQ(lotQuantity(1, 7), 0.0);
  EXPECT_EQ(lotQuantity(1, 6), 10.0);
  // Each name was looked up once: the target keeps what it resolved.
  EXPECT_EQ(calls("stock.location.search_read"), 2);
}

TEST_P(OdooOperationsTest, AConfiguredLocationIsCreatedOnceUnderItsParent) {
  const size_t before = records("stock.location").size();
  fault(R"({"model":"stock.location","method":"load","drop":"after_commit"})");
  const char* hold = R"({"operation":"quarantine","lot_id":2,"location":"hold"})";
  EXPECT_EQ(deliver(hold, "tx-hold").kind, Kind::kRetry);
  EXPECT_THAT(delivered(hold, "tx-hold"), HasSubstr("lot 2 held: 5 moved to location"));
  ASSERT_EQ(records("stock.location").size(), before + 1) << "one location, not two";
  const json::object created = records("stock.location").back().as_object();
  EXPECT_EQ(created.at("complete_name"), "WH/Hold");
  EXPECT_EQ(created.at("usage"), "internal");
  EXPECT_EQ(created.at("location_id"), 5);
  EXPECT_EQ(lotQuantity(2, created.at("id").as_int64()), 5.0);
  EXPECT_EQ(count("ir.model.data", "name", json::value("location_hold")), 1u);
}

TEST_P(OdooOperationsTest, ALocationOdooLacksOrHasArchivedIsADeadLetter) {
  const DeliveryResult missing =
      deliver(R"({"operation":"quarantine","lot_id":1,"location":"missing"})", "tx-missing");
  EXPECT_EQ(missing.kind, Kind::kReject);
  EXPECT_THAT(missing.message, HasSubstr("Odoo has no location 'WH/Missing' "
                                         "(targets.erp.locations.missing)"));
  odoo(R"({"model":"stock.location","method":"write","args":[[7],{"active":false}]})");
  const DeliveryResult archived =
      deliver(R"({"operation":"quarantine","lot_id":1,"location":"quarantine"})", "tx-arch");
  EXPECT_EQ(archived.kind, Kind::kReject);
  EXPECT_THAT(archived.message, HasSubstr("location 'WH/Quarantine' "
                                          "(targets.erp.locations.quarantine, id 7) is archived"));
  EXPECT_EQ(calls("stock.quant.relocate.create"), 0);
}

constexpr const char* kPartialHold =
    R"({"operation":"quarantine","lot_id":2,"location":"quarantine","quantity":3,
        "message":"QA hold"})";

TEST_P(OdooOperationsTest, PartialQuarantineMovesThatQuantityOfThatLotByAPicking) {
  // FIFO would reserve lot 1 (older); the move line is set to lot 2.
  EXPECT_THAT(delivered(kPartialHold, "tx-part"),
              HasSubstr("lot 2 held: 3 moved to location 7 by stock.picking"));
  EXPECT_EQ(lotQuantity(2, 7), 3.0);
  EXPECT_EQ(lotQuantity(2, 6), 2.0);
  EXPECT_EQ(lotQuantity(1, 6), 10.0);
  ASSERT_EQ(count("stock.picking", "origin", json::value("QA hold (plantbridge tx-part)")), 1u);
  const json::object picking = records("stock.picking").back().as_object();
  EXPECT_EQ(picking.at("state"), "done");
  EXPECT_EQ(picking.at("picking_type_id"), 2);

  EXPECT_THAT(delivered(kPartialHold, "tx-part"), HasSubstr("held already"));
  EXPECT_EQ(calls("stock.picking.button_validate"), 1);
  EXPECT_EQ(calls("stock.picking.load"), 1);
  EXPECT_EQ(lotQuantity(2, 7), 3.0);
}

TEST_P(OdooOperationsTest, PartialQuarantineLostAfterCommitMakesOnePicking) {
  fault(R"({"model":"stock.picking","method":"load","drop":"after_commit"})");
  EXPECT_EQ(deliver(kPartialHold, "tx-part").kind, Kind::kRetry);
  fault(R"({"model":"stock.move","method":"load","drop":"after_commit"})");
  EXPECT_EQ(deliver(kPartialHold, "tx-part").kind, Kind::kRetry);
  fault(R"({"model":"stock.picking","method":"button_validate","drop":"after_commit"})");
  EXPECT_EQ(deliver(kPartialHold, "tx-part").kind, Kind::kRetry);
  EXPECT_THAT(delivered(kPartialHold, "tx-part"), HasSubstr("held already"));
  EXPECT_EQ(count("stock.picking", "origin", json::value("QA hold (plantbridge tx-part)")), 1u);
  EXPECT_EQ(count("stock.move", "product_uom_qty", json::value(3.0)), 1u);
  EXPECT_EQ(lotQuantity(2, 7), 3.0);
  EXPECT_EQ(lotQuantity(2, 6), 2.0);
}

TEST_P(OdooOperationsTest, PartialQuarantineRefusesAnArchivedPickingTypeAndMissingStock) {
  const DeliveryResult short_stock = deliver(
      R"({"operation":"quarantine","lot_id":2,"location":"quarantine","quantity":50})", "tx-50");
  EXPECT_EQ(short_stock.kind, Kind::kReject);
  EXPECT_THAT(short_stock.message, HasSubstr("lot 2 has 5 available in location 6"));
  EXPECT_EQ(calls("stock.picking.load"), 0);

  odoo(R"({"model":"stock.picking.type","method":"write","args":[[2],{"active":false}]})");
  // A fresh target: the first one resolved the type while it was active.
  auto again = makeOdooTarget(config_, clock_, nullptr);
  ASSERT_TRUE(again.isOk());
  target_ = std::move(again).value();
  const DeliveryResult archived = deliver(kPartialHold, "tx-arch");
  EXPECT_EQ(archived.kind, Kind::kReject);
  EXPECT_THAT(archived.message,
              HasSubstr("picking type 'Internal Transfers' of warehouse WH "
                        "(targets.erp.picking_types.internal) (id 2) is archived"));
  EXPECT_THAT(archived.message, HasSubstr("run `plantbridge odoo setup`, or activate it"));
  EXPECT_EQ(field(record("stock.picking.type", 2), "active"), false) << "runtime changes nothing";
}

TEST_P(OdooOperationsTest, ConsumptionPutsTheGivenLotsOnTheMoveOnce) {
  const json::value lots = odoo(R"({"model":"stock.lot","method":"create",
      "args":[[{"name":"H-1","product_id":2},{"name":"H-2","product_id":2}]]})");
  ASSERT_TRUE(lots.is_array() && lots.as_array().size() == 2) << lots;
  const int64_t h1 = lots.as_array()[0].as_int64();
  const int64_t h2 = lots.as_array()[1].as_int64();
  const std::string body = R"({"operation":"consumption","production_id":1,"product_id":2,
      "lots":[{"lot_id":)" +
                           std::to_string(h1) + R"(,"quantity":4},{"lot_id":)" +
                           std::to_string(h2) + R"(,"quantity":3}]})";
  fault(R"({"model":"stock.move.line","method":"load","drop":"after_commit"})");
  EXPECT_EQ(deliver(body, "tx-lots").kind, Kind::kRetry);
  EXPECT_THAT(delivered(body, "tx-lots"), HasSubstr("7 of product 2 consumed from 4 of lot"));
  std::map<int64_t, double> by_lot;
  for (const json::value& l : records("stock.move.line")) {
    if (l.at("move_id") != 1) continue;
    const double q = l.at("quantity").to_number<double>();
    if (q > 0) {
      by_lot[field(l.as_object(), "lot_id").is_int64() ? l.at("lot_id").as_int64() : 0] += q;
      EXPECT_EQ(l.at("picked"), true);
    }
  }
  EXPECT_EQ(by_lot, (std::map<int64_t, double>{{h1, 4.0}, {h2, 3.0}}));
  EXPECT_EQ(record("stock.move", 1).at("quantity").to_number<double>(), 7.0);
  const int64_t writes = calls("stock.move.line.write") + calls("stock.move.line.load");
  EXPECT_THAT(delivered(body, "tx-lots"), HasSubstr("already so"));
  EXPECT_EQ(calls("stock.move.line.write") + calls("stock.move.line.load"), writes);

  // One lot for the whole quantity: the other line is emptied.
  delivered(R"({"operation":"consumption","production_id":1,"product_id":2,"quantity":5,
      "lot_id":)" +
                std::to_string(h2) + "}",
            "tx-one-lot");
  EXPECT_EQ(record("stock.move", 1).at("quantity").to_number<double>(), 5.0);
}

TEST_P(OdooOperationsTest, StageChangeByRefAndStageName) {
  const std::string request = R"({"operation":"maintenance.request","ref":"alarm-17",
      "name":"Vibration alarm","equipment_id":1})";
  const char* close =
      R"({"operation":"maintenance.stage","request_ref":"alarm-17","stage":"Repaired"})";
  const DeliveryResult early = deliver(close, "tx-close-early");
  EXPECT_EQ(early.kind, Kind::kRetry) << "the request is not loaded yet";
  EXPECT_THAT(early.message, HasSubstr("'alarm-17' (plantbridge.alarm_2d17) has not been loaded"));
  delivered(request, "tx-req");
  EXPECT_THAT(delivered(close, "tx-close"), HasSubstr("moved to stage 3"));
  ASSERT_EQ(count("maintenance.request", "name", json::value("Vibration alarm")), 1u);
  EXPECT_EQ(records("maintenance.request").back().at("stage_id"), 3);
  EXPECT_THAT(delivered(close, "tx-close"), HasSubstr("in stage 3 already"));

  const DeliveryResult unknown = deliver(
      R"({"operation":"maintenance.stage","request_ref":"alarm-17","stage":"Exploded"})", "tx-x");
  EXPECT_EQ(unknown.kind, Kind::kReject);
  EXPECT_THAT(unknown.message, HasSubstr("Odoo has 0 maintenance stages named 'Exploded'"));
}

}  // namespace
}  // namespace pb
