// Master data with history through the real `plantbridge run`: the hub syncs Odoo's work orders
// (the Odoo test double as Odoo 18) into its store, and two late events on one machine, posted
// after the machine changed orders, are each enriched with the order that was running when
// they happened -- not the one running when they arrived.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

#include <boost/json.hpp>

#include "hub_harness.h"
#include "odoo_double_process.h"
#include "odoo_orm.h"
#include "plantbridge/common/time.h"
#include "plantbridge/targets/odoo.h"
#include "support/poll.h"

namespace pb::test {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";

class HubMasterDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_file_ = keys_.file("odoo.key");
    std::ofstream(key_file_) << kKey << "\n";
    OdooDoubleOptions options;
    options.api_key_file = key_file_;
    options.extra_args = {"--start-time", "2026-11-22 08:00:00"};
    ASSERT_TRUE(odoo_.start(options, keys_.file("double.stderr")).isOk());

    TargetConfig c;
    c.name = "erp";
    c.kind = kOdooKind;
    c.odoo.url = odoo_.url();
    c.odoo.db = "mfg";
    c.odoo.user = "admin";
    c.odoo.api_key_file = key_file_;
    auto client = makeOdooClient(c, clock_);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    client_ = std::move(client).value();
  }
  void TearDown() override {
    if (client_) client_->shutdown();
  }

  void at(const std::string& when) {
    auto r = odoo_.control("POST", "clock", R"({"set": ")" + when + R"(", "freeze": true})");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }
  void press(const char* method, int64_t work_order) {
    OdooOrm orm(*client_, OdooCallMeta{"test", ""});
    auto r = orm.call("mrp.workorder", method, json::array{json::array{work_order}});
    ASSERT_TRUE(r.has_value()) << method << ": " << orm.failure().message;
  }

  // context.order of the deliveries the sink received, by event id.
  static std::map<std::string, std::string> ordersDelivered(uint16_t sink_port) {
    std::map<std::string, std::string> out;
    auto client = HttpClient::connect("127.0.0.1", sink_port);
    if (!client) return out;
    auto response = (*client)->get("/recent");
    if (!response) return out;
    const json::value requests = json::parse(response->body);
    for (const json::value& request : requests.as_array()) {
      const json::value body = json::parse(request.at("body").as_string());
      const json::object& event = body.as_object();
      const json::value* context = event.if_contains("context");
      const json::value* order = context != nullptr && context->is_object()
                                     ? context->as_object().if_contains("order")
                                     : nullptr;
      out[std::string(event.at("id").as_string())] =
          order != nullptr && order->is_string() ? std::string(order->as_string()) : "";
    }
    return out;
  }

  TempDir keys_;
  std::string key_file_;
  OdooDoubleProcess odoo_;
  SystemClock clock_;
  std::unique_ptr<OdooClient> client_;
};

TEST_F(HubMasterDataTest, LateEventsGetTheOrderThatWasRunningWhenTheyHappened) {
  // Work center 1 (machine M-000 in the harness's mappings) runs work order 4 of WH/MO/00002
  // from 08:00 to 09:30, then work order 2 of WH/MO/00001 from 09:45 on.
  at("2026-11-22 08:00:00");
  press("button_start", 4);
  at("2026-11-22 09:30:00");
  press("button_finish", 4);
  at("2026-11-22 09:45:00");
  press("button_start", 2);

  HarnessOptions options;
  options.extra_yaml = "  erp:\n    kind: odoo\n    url: " + odoo_.url() +
                       "\n    db: mfg\n    user: admin\n    api_key_file: " + key_file_ +
                       "\nmaster_data:\n  source: erp\n  every: 1h\n";
  HubHarness hub(options);
  ASSERT_TRUE(hub.startSink().isOk());
  ASSERT_TRUE(hub.writeConfig().isOk());
  const Status started = hub.startHub();
  ASSERT_TRUE(started.isOk()) << started.toString() << hub.hubLog();

  // The first read of work orders and orders is done (the hub says so in /metrics).
  const auto read_ok = [&hub](const char* model) {
    auto metrics = hub.hubGet("/metrics", "");
    return metrics.isOk() &&
           metrics->body.find(std::string("plantbridge_master_data_reads_total{model=\"") + model +
                              "\",outcome=\"ok\"} 1") != std::string::npos;
  };
  ASSERT_TRUE(
      pollUntil([&] { return read_ok("mrp.workorder") && read_ok("mrp.production"); }, seconds(60)))
      << hub.hubLog();

  // Both arrive now, hours late; the route sends the enriched event itself to the sink.
  auto posted = hub.postEvents("[" +
                               eventJson("MD-LATE-1", "downtime.started", "M-000",
                                         R"({"reason":"jam"})", "2026-11-22T09:00:00Z") +
                               "," +
                               eventJson("MD-LATE-2", "downtime.started", "M-000",
                                         R"({"reason":"jam"})", "2026-11-22T10:00:00Z") +
                               "]");
  ASSERT_TRUE(posted.isOk()) << posted.status().toString();
  ASSERT_EQ(posted->status, 200) << posted->body;
  ASSERT_TRUE(hub.waitForSinkDistinct(2, seconds(60)).isOk()) << hub.hubLog();

  const auto orders = ordersDelivered(hub.sinkPort());
  ASSERT_EQ(orders.count("MD-LATE-1"), 1U);
  ASSERT_EQ(orders.count("MD-LATE-2"), 1U);
  EXPECT_EQ(orders.at("MD-LATE-1"), "WH/MO/00002");
  EXPECT_EQ(orders.at("MD-LATE-2"), "WH/MO/00001");

  auto code = hub.stopHub();
  ASSERT_TRUE(code.isOk());
  EXPECT_EQ(*code, 0) << hub.hubLog();
}

}  // namespace
}  // namespace pb::test
