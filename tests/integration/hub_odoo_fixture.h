// A test fixture for the real `plantbridge run` against the Odoo test double (as Odoo 18, its
// clock frozen where the test says): the double, an Odoo client of the test's own to press
// buttons in it, and the config that makes the double the hub's `erp` target and master-data
// source.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "hub_harness.h"
#include "odoo_double_process.h"
#include "odoo_orm.h"
#include "plantbridge/common/time.h"
#include "plantbridge/targets/odoo.h"
#include "support/poll.h"

namespace pb::test {

class HubWithOdooTest : public ::testing::Test {
 protected:
  static constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";

  void SetUp() override {
    key_file_ = keys_.file("odoo.key");
    std::ofstream(key_file_) << kKey << "\n";
    OdooDoubleOptions options;
    options.api_key_file = key_file_;
    options.extra_args = {"--start-time", "2026-11-22 08:00:00"};
    ASSERT_TRUE(odoo_.start(options, keys_.file("double.stderr")).isOk());

    auto client = makeOdooClient(odoo_.targetConfig(key_file_), clock_);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    client_ = std::move(client).value();
  }
  void TearDown() override {
    if (client_) client_->shutdown();
  }

  // Sets the double's clock to `when` (Odoo's "YYYY-MM-DD HH:MM:SS", UTC) and freezes it.
  void at(const std::string& when) {
    auto r = odoo_.control("POST", "clock", R"({"set": ")" + when + R"(", "freeze": true})");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }
  // Calls a button method (button_start, button_finish, ...) of a work order, as a person would.
  void press(const char* method, int64_t work_order) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto r = orm.call("mrp.workorder", method, boost::json::array{boost::json::array{work_order}});
    ASSERT_TRUE(r.has_value()) << method << ": " << orm.failure().message;
  }

  // The hub config's `erp` target (the double) and a `master_data` section reading from it;
  // goes into HarnessOptions::extra_yaml.
  std::string erpYaml() const {
    return "  erp:\n    kind: odoo\n    url: " + odoo_.url() +
           "\n    db: mfg\n    user: admin\n    api_key_file: " + key_file_ +
           "\nmaster_data:\n  source: erp\n  every: 1h\n";
  }

  // Waits until the hub's first master-data reads of work orders and orders are done.
  static bool firstReadsDone(HubHarness& hub) {
    const auto read_ok = [&hub](const std::string& model) {
      return metric(hub, R"(plantbridge_master_data_reads_total{model=")" + model +
                             R"(",outcome="ok"})") >= 1;
    };
    return pollUntil([&] { return read_ok("mrp.workorder") && read_ok("mrp.production"); },
                     std::chrono::seconds(60));
  }

  // The value of one sample of the hub's /metrics ("name{labels}"), -1 when absent.
  static double metric(HubHarness& hub, const std::string& sample) {
    auto metrics = hub.hubGet("/metrics", "");
    if (!metrics.isOk()) return -1;
    const std::string& text = metrics->body;
    for (size_t at = text.find(sample + " "); at != std::string::npos;
         at = text.find(sample + " ", at + 1)) {
      if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + sample.size() + 1));
    }
    return -1;
  }

  TempDir keys_;
  std::string key_file_;
  OdooDoubleProcess odoo_;
  SystemClock clock_;
  std::unique_ptr<OdooClient> client_;
};

}  // namespace pb::test
