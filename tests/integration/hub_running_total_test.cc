// Machine counts become the running order's total in Odoo, through the real `plantbridge run`:
// production.count deltas of one machine, enriched with the order running on its work center
// (master data from the Odoo test double), are posted by a `running_total` route as
// production.quantity operations, and the manufacturing order ends with exactly the sum of the
// counts -- whatever the coalescing did -- while a count from before the order ran is parked.
#include <string>

#include "hub_odoo_fixture.h"

namespace pb::test {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

constexpr const char* kTotalsRoute = R"(  - name: counts-to-odoo
    when: {type: production.count}
    target: erp
    ordering_key: "{{context.production_id}}"
    require: [context.production_id]
    running_total: {of: payload.quantity, per: "{{context.production_id}}"}
    body: '{"operation": "production.quantity", "production_id": {{context.production_id}}, "qty_producing": {{running_total}}}'
)";

using HubRunningTotalTest = HubWithOdooTest;

double qtyProducing(OdooDoubleProcess& odoo, int64_t production_id) {
  for (const json::value& mo : odoo.records("mrp.production")) {
    if (mo.at("id").to_number<int64_t>() == production_id) {
      return mo.at("qty_producing").to_number<double>();
    }
  }
  return -1;
}

TEST_F(HubRunningTotalTest, CountsOfOneOrderEndAsTheirSumOnTheOrder) {
  // Work center 1 (machine M-000) runs work order 4 of WH/MO/00002 (id 2) from 08:00 on.
  at("2026-11-22 08:00:00");
  press("button_start", 4);

  HarnessOptions options;
  options.extra_routes = kTotalsRoute;
  options.extra_yaml = erpYaml();
  HubHarness hub(options);
  ASSERT_TRUE(hub.startSink().isOk());
  ASSERT_TRUE(hub.writeConfig().isOk());
  const Status started = hub.startHub();
  ASSERT_TRUE(started.isOk()) << started.toString() << hub.hubLog();
  ASSERT_TRUE(firstReadsDone(hub)) << hub.hubLog();

  // 30 counts while the order ran, in three requests, and one from 07:00, before it ran.
  int64_t sum = 0;
  for (int request = 0; request < 3; ++request) {
    std::string batch = "[";
    for (int i = 0; i < 10; ++i) {
      const int n = request * 10 + i;
      const int quantity = 1 + (n % 4);
      sum += quantity;
      char when[32];
      std::snprintf(when, sizeof when, "2026-11-22T08:%02d:%02dZ", 10 + n / 60, n % 60);
      if (i > 0) batch += ",";
      batch += eventJson("RT-" + std::to_string(n), "production.count", "M-000",
                         R"({"quantity":)" + std::to_string(quantity) + "}", when);
    }
    if (request == 2) {
      batch += "," + eventJson("RT-EARLY", "production.count", "M-000", R"({"quantity":7})",
                               "2026-11-22T07:00:00Z");
    }
    batch += "]";
    auto posted = hub.postEvents(batch);
    ASSERT_TRUE(posted.isOk()) << posted.status().toString();
    ASSERT_EQ(posted->status, 200) << posted->body;
  }

  // Odoo's order ends with the sum (it had 2 from before: the first total replaces it).
  ASSERT_TRUE(
      pollUntil([&] { return qtyProducing(odoo_, 2) == static_cast<double>(sum); }, seconds(60)))
      << "qty_producing " << qtyProducing(odoo_, 2) << ", expected " << sum << hub.hubLog();
  // Every count was delivered (each its own transaction, coalesced or written), none failed.
  ASSERT_TRUE(pollUntil(
      [&] { return metric(hub, R"(plantbridge_odoo_operations_total{target="erp"})") == 30; },
      seconds(30)))
      << hub.hubGet("/metrics", "")->body;

  // The early count had no order: parked, naming the reason, and not in any total.
  auto trace = hub.hubGet("/v1/events/RT-EARLY", kReadToken);
  ASSERT_TRUE(trace.isOk());
  EXPECT_NE(trace->body.find("context.production_id is not set"), std::string::npos) << trace->body;
  EXPECT_EQ(qtyProducing(odoo_, 2), static_cast<double>(sum));

  auto code = hub.stopHub();
  ASSERT_TRUE(code.isOk());
  EXPECT_EQ(*code, 0) << hub.hubLog();
}

}  // namespace
}  // namespace pb::test
