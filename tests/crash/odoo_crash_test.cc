// Exactly once in Odoo across a crash: the hub is killed (SIGKILL) after Odoo committed an
// operation's write but before the hub heard so (the Odoo test double holds the answer back
// after the commit). On restart the hub delivers the transaction again; the operation's
// external id makes `load` find the record the first attempt made, and its state read skips
// the steps already done, so Odoo has one record, not two, and each step ran once.
#include <fstream>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hub_harness.h"
#include "odoo_double_process.h"
#include "support/poll.h"

namespace pb::test {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";
constexpr const char* kReason = "Spindle jam (crash test)";

json::value doubleState(OdooDoubleProcess& odoo, const std::string& models) {
  auto state = odoo.control("GET", "state?models=" + models);
  return state.isOk() ? json::parse(*state) : json::value();
}

// The productivity lines the operation made (found by their description).
std::vector<json::object> downtimeLines(OdooDoubleProcess& odoo) {
  std::vector<json::object> lines;
  const json::value state = doubleState(odoo, "mrp.workcenter.productivity");
  if (!state.is_object()) return lines;
  for (const json::value& line : state.at("models").at("mrp.workcenter.productivity").as_array()) {
    const json::value* d = line.as_object().if_contains("description");
    if (d != nullptr && *d == kReason) lines.push_back(line.as_object());
  }
  return lines;
}

int64_t callCount(OdooDoubleProcess& odoo, const std::string& model_method) {
  const json::value state = doubleState(odoo, "none");
  if (!state.is_object()) return -1;
  const json::value* n = state.at("counters").at("calls").as_object().if_contains(model_method);
  return n == nullptr ? 0 : n->to_number<int64_t>();
}

// A hub whose downtime.started events become one Odoo operation (`body`), and a double whose
// call `model.method` commits and then holds its answer back for the kill.
class OdooCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_file_ = keys_.file("odoo.key");
    std::ofstream(key_file_) << kKey << "\n";
    OdooDoubleOptions options;
    options.api_key_file = key_file_;
    ASSERT_TRUE(odoo_.start(options, keys_.file("double.stderr")).isOk());
  }

  void startHub(const std::string& body, const std::string& model, const std::string& method) {
    ASSERT_TRUE(odoo_
                    .fault(R"({"model":")" + model + R"(","method":")" + method +
                           R"(","delay_after_commit_ms":15000})")
                    .isOk());
    HarnessOptions options;
    options.extra_routes =
        "  - name: to-odoo\n    when: {type: downtime.started}\n"
        "    target: erp\n    require: [context.work_center]\n"
        "    body: '" +
        body + "'\n";
    options.extra_yaml = "  erp:\n    kind: odoo\n    url: " + odoo_.url() +
                         "\n    db: mfg\n    user: admin\n    api_key_file: " + key_file_ +
                         "\n    timeout: 60s\n    concurrency: 2\n"
                         "    retry: {initial_backoff: 50ms, max_backoff: 500ms, "
                         "max_attempts: 100, max_age: 1h}\n";
    hub_ = std::make_unique<HubHarness>(options);
    ASSERT_TRUE(hub_->startSink().isOk());
    ASSERT_TRUE(hub_->writeConfig().isOk());
    const Status started = hub_->startHub();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  // Posts the event, waits until Odoo has its write (`landed`), kills the hub before it hears
  // of it, restarts it and waits until the operation has run again to its end (`finished`).
  template <typename Landed, typename Finished>
  void crashAfterCommit(Landed landed, Finished finished) {
    auto posted = hub_->postEvents("[" +
                                   eventJson("DT-CRASH-1", "downtime.started", "CNC-07",
                                             R"({"reason":")" + std::string(kReason) + "\"}") +
                                   "]");
    ASSERT_TRUE(posted.isOk()) << posted.status().toString();
    ASSERT_EQ(posted->status, 200) << posted->body;
    ASSERT_TRUE(pollUntil(landed, seconds(60))) << "the write never reached Odoo";
    hub_->killHub();  // Odoo has the write; the hub never heard of it
    const Status restarted = hub_->startHub();
    ASSERT_TRUE(restarted.isOk()) << restarted.toString();
    ASSERT_TRUE(pollUntil(finished, seconds(60))) << "the restarted hub did not finish";
  }

  void TearDown() override {
    if (hub_ != nullptr && hub_->hub().running()) {
      auto stopped = hub_->stopHub();
      ASSERT_TRUE(stopped.isOk());
      EXPECT_EQ(*stopped, 0);
    }
  }

  TempDir keys_;
  std::string key_file_;
  OdooDoubleProcess odoo_;
  std::unique_ptr<HubHarness> hub_;
};

TEST_F(OdooCrashTest, DowntimeLineIsFoundNotCreatedAgain) {
  startHub(R"({"operation":"downtime","work_center_id":1,"loss_id":2,)"
           R"("started_at":"{{occurred_at}}","description":"{{payload.reason}}"})",
           "mrp.workcenter.productivity", "load");
  crashAfterCommit(
      [&] { return downtimeLines(odoo_).size() == 1; },
      [&] { return callCount(odoo_, "mrp.workcenter.productivity.button_block") >= 1; });
  EXPECT_EQ(downtimeLines(odoo_).size(), 1u);
  EXPECT_EQ(callCount(odoo_, "mrp.workcenter.productivity.load"), 2);
  EXPECT_EQ(callCount(odoo_, "mrp.workcenter.productivity.button_block"), 1);
  for (const json::value& w : odoo_.records("mrp.workcenter")) {
    if (w.at("id") == 1) {
      EXPECT_EQ(w.at("working_state"), "blocked");
    }
  }
}

TEST_F(OdooCrashTest, ValidatedScrapIsNotValidatedAgain) {
  startHub(R"({"operation":"scrap","product_id":1,"quantity":1,"lot_id":1})", "stock.scrap",
           "action_validate");
  auto done_scraps = [&] {
    size_t n = 0;
    for (const json::value& scrap : odoo_.records("stock.scrap")) {
      if (scrap.at("state") == "done") ++n;
    }
    return n;
  };
  crashAfterCommit([&] { return done_scraps() == 1; },
                   // The second attempt's reads: its state check, then its report.
                   [&] { return callCount(odoo_, "stock.scrap.read") >= 3; });
  EXPECT_EQ(odoo_.records("stock.scrap").size(), 1u);
  EXPECT_EQ(done_scraps(), 1u);
  EXPECT_EQ(callCount(odoo_, "stock.scrap.action_validate"), 1);
  for (const json::value& quant : odoo_.records("stock.quant")) {
    if (quant.at("id") == 3) {
      EXPECT_EQ(quant.at("quantity").to_number<double>(), 9.0);
    }
  }
}

TEST_F(OdooCrashTest, MaintenanceRequestIsFoundNotCreatedAgain) {
  startHub(R"({"operation":"maintenance.request","name":"{{payload.reason}}","equipment_id":1})",
           "maintenance.request", "load");
  auto requests = [&] {
    size_t n = 0;
    for (const json::value& r : odoo_.records("maintenance.request")) {
      if (r.at("name") == kReason) ++n;
    }
    return n;
  };
  crashAfterCommit([&] { return requests() == 1; },
                   [&] { return callCount(odoo_, "maintenance.request.load") >= 2; });
  EXPECT_EQ(requests(), 1u);
}

}  // namespace
}  // namespace pb::test
