// Master data with history through the real `plantbridge run`: the hub syncs Odoo's work orders
// (the Odoo test double as Odoo 18) into its store, and two late events on one machine, posted
// after the machine changed orders, are each enriched with the order that was running when
// they happened -- not the one running when they arrived. And a maintenance request's stage
// change, hinted by Odoo's webhooks (duplicated), becomes one maintenance.stage_changed event
// that a route delivers to the sink exactly once.
#include <map>
#include <string>

#include "hub_odoo_fixture.h"

namespace pb::test {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

class HubMasterDataTest : public HubWithOdooTest {
 protected:
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
  options.extra_yaml = erpYaml();
  HubHarness hub(options);
  ASSERT_TRUE(hub.startSink().isOk());
  ASSERT_TRUE(hub.writeConfig().isOk());
  const Status started = hub.startHub();
  ASSERT_TRUE(started.isOk()) << started.toString() << hub.hubLog();

  // The first read of work orders and orders is done (the hub says so in /metrics).
  ASSERT_TRUE(firstReadsDone(hub)) << hub.hubLog();

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

namespace pb::test {
namespace {

TEST_F(HubMasterDataTest, AStageChangeHintedByWebhooksIsDeliveredExactlyOnce) {
  // Equipment 12 (CNC-07 in the harness's mappings) has an open request since 08:00.
  at("2026-11-22 08:00:00");
  ASSERT_TRUE(
      odoo_.control("POST", "ids", R"({"next_ids": {"maintenance.equipment": 12}})").isOk());
  OdooOrm orm(*client_, OdooCallMeta{"test", ""});
  auto equipment =
      orm.createOne("maintenance.equipment",
                    json::object{{"name", "CNC-07 spindle"}, {"effective_date", "2024-01-15"}});
  ASSERT_EQ(equipment.value_or(0), 12) << orm.failure().message;
  auto request = orm.createOne("maintenance.request",
                               json::object{{"name", "Spindle jam"}, {"equipment_id", 12}});
  ASSERT_TRUE(request.has_value()) << orm.failure().message;

  const std::string secret = "hook-0123456789abcdefghijklmn";
  const std::string secret_file = keys_.file("odoo-hook.secret");
  std::ofstream(secret_file) << secret << "\n";
  HarnessOptions options;
  options.extra_schemas =
      "  maintenance.stage_changed:\n    payload:\n"
      "      stage_id: {type: integer, required: true}\n"
      "      done: {type: boolean, required: true}\n";
  options.extra_routes =
      "  - name: maintenance\n    when: {type: maintenance.stage_changed}\n    target: sink\n";
  options.extra_yaml = erpYaml() + "  webhook_secret_file: " + secret_file +
                       "\n  webhook_delay: 1s\n  events: [maintenance.stage_changed]\n";
  HubHarness hub(options);
  ASSERT_TRUE(hub.startSink().isOk());
  ASSERT_TRUE(hub.writeConfig().isOk());
  const Status started = hub.startHub();
  ASSERT_TRUE(started.isOk()) << started.toString() << hub.hubLog();
  // The baseline: the first read of the requests (and equipment) is done.
  ASSERT_TRUE(pollUntil(
      [&] {
        return metric(hub, R"(plantbridge_master_data_reads_total{model="maintenance.request",)"
                           R"(outcome="ok"})") == 1 &&
               metric(hub, R"(plantbridge_master_data_reads_total{model="maintenance.equipment",)"
                           R"(outcome="ok"})") == 1;
      },
      seconds(60)))
      << hub.hubLog();

  // 10:00 the request is repaired; Odoo posts its webhook (twice: the hub collapses them).
  at("2026-11-22 10:00:00");
  ASSERT_TRUE(orm.call("maintenance.request", "write",
                       json::array{json::array{*request}, json::object{{"stage_id", 3}}})
                  .has_value())
      << orm.failure().message;
  const std::string body =
      R"j({"_action": "Send Webhook Notification(#376)", "_id": )j" + std::to_string(*request) +
      R"(, "_model": "maintenance.request", "equipment_id": 12, "stage_id": 3})";
  auto post = [&] {
    auto http = hub.hubClient();
    auto answer =
        http->post("/v1/hooks/odoo/" + secret, body, {{"Content-Type", "application/json"}});
    return answer.isOk() ? answer->status : 0;
  };
  EXPECT_EQ(post(), 200);
  EXPECT_EQ(post(), 200);
  ASSERT_TRUE(hub.waitForSinkDistinct(1, seconds(60)).isOk()) << hub.hubLog();
  // Once more after the re-read: read again, the same stage, nothing new.
  EXPECT_EQ(post(), 200);

  // Quiet: every hint re-read, the journal through the pipeline, nothing left to deliver.
  ASSERT_TRUE(pollUntil(
      [&] {
        const double received =
            metric(hub, R"(plantbridge_odoo_webhook_hints_total{result="received"})");
        const double collapsed =
            metric(hub, R"(plantbridge_odoo_webhook_hints_total{result="deduplicated"})");
        const double reread =
            metric(hub, R"(plantbridge_odoo_webhook_hints_total{result="reread"})");
        return received == 3 && reread == received - collapsed &&
               metric(hub, "plantbridge_pipeline_backlog") == 0 &&
               metric(hub, R"(plantbridge_outbox_pending{target="sink"})") == 0;
      },
      seconds(60)))
      << hub.hubLog();
  EXPECT_EQ(
      metric(hub, R"(plantbridge_connector_events_total{connector="odoo:erp",outcome="accepted"})"),
      1);
  auto total = hub.sinkStat("total");
  ASSERT_TRUE(total.isOk());
  EXPECT_EQ(*total, 1) << "delivered exactly once";

  auto recent = HttpClient::connect("127.0.0.1", hub.sinkPort());
  ASSERT_TRUE(recent.isOk());
  auto delivered = (*recent)->get("/recent");
  ASSERT_TRUE(delivered.isOk());
  const json::value requests = json::parse(delivered->body);
  ASSERT_EQ(requests.as_array().size(), 1u);
  const json::value event = json::parse(requests.as_array()[0].at("body").as_string());
  EXPECT_EQ(event.at("type"), "maintenance.stage_changed");
  EXPECT_EQ(event.at("asset"), "CNC-07");
  EXPECT_EQ(event.at("source"), "odoo:erp");
  EXPECT_EQ(event.at("occurred_at"), "2026-11-22T10:00:00.000000Z");
  EXPECT_EQ(event.at("payload").at("request_id"), *request);
  EXPECT_EQ(event.at("payload").at("stage_id"), 3);
  EXPECT_EQ(event.at("payload").at("stage_name"), "Repaired");
  EXPECT_EQ(event.at("payload").at("previous_stage_id"), 1);
  EXPECT_EQ(event.at("payload").at("done"), true);
  EXPECT_EQ(event.at("context").at("equipment"), "12");
  // Enriched like any event, from the facts as they were at 10:00.
  EXPECT_EQ(event.at("context").at("equipment_name"), "CNC-07 spindle");

  auto code = hub.stopHub();
  ASSERT_TRUE(code.isOk());
  EXPECT_EQ(*code, 0) << hub.hubLog();
}

}  // namespace
}  // namespace pb::test
