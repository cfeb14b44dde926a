// Exactly once in Odoo across a crash: the hub is killed (SIGKILL) after Odoo committed a
// downtime's productivity line but before the hub heard so (the Odoo test double holds the
// answer back after the commit). On restart the hub delivers the transaction again; the
// operation's external id makes `load` find the line the first attempt made, so Odoo has one
// line, not two, and the work center is blocked once.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hub_harness.h"
#include "odoo_double_process.h"

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

// Polls the double (it has no push channel) until `done`, at most `limit`.
template <typename Condition>
bool waitUntil(Condition done, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

TEST(OdooCrashTest, KilledAfterOdooCommittedTheRetryFindsTheRecord) {
  TempDir keys;
  const std::string key_file = keys.file("odoo.key");
  std::ofstream(key_file) << kKey << "\n";
  OdooDoubleProcess odoo;
  OdooDoubleOptions double_options;
  double_options.api_key_file = key_file;
  ASSERT_TRUE(odoo.start(double_options, keys.file("double.stderr")).isOk());
  // The first load commits, then its answer waits long enough for the kill below.
  ASSERT_TRUE(odoo.fault(R"({"model":"mrp.workcenter.productivity","method":"load",
                             "delay_after_commit_ms":15000})")
                  .isOk());

  HarnessOptions options;
  options.extra_routes = R"(  - name: downtime-to-odoo
    when: {type: downtime.started}
    target: erp
    require: [context.work_center]
    body: '{"operation":"downtime","work_center_id":1,"loss_id":2,"started_at":"{{occurred_at}}","description":"{{payload.reason}}"}'
)";
  options.extra_yaml = "  erp:\n    kind: odoo\n    url: " + odoo.url() +
                       "\n    db: mfg\n    user: admin\n    api_key_file: " + key_file +
                       "\n    timeout: 60s\n    concurrency: 2\n"
                       "    retry: {initial_backoff: 50ms, max_backoff: 500ms, "
                       "max_attempts: 100, max_age: 1h}\n";
  HubHarness hub(options);
  ASSERT_TRUE(hub.startSink().isOk());
  ASSERT_TRUE(hub.writeConfig().isOk());
  const Status started = hub.startHub();
  ASSERT_TRUE(started.isOk()) << started.toString();

  auto posted = hub.postEvents("[" +
                               eventJson("DT-CRASH-1", "downtime.started", "CNC-07",
                                         R"({"reason":")" + std::string(kReason) + "\"}") +
                               "]");
  ASSERT_TRUE(posted.isOk()) << posted.status().toString();
  ASSERT_EQ(posted->status, 200) << posted->body;

  ASSERT_TRUE(waitUntil([&] { return downtimeLines(odoo).size() == 1; }, seconds(60)))
      << "the productivity line never reached Odoo";
  hub.killHub();  // Odoo has the line; the hub never heard of it
  ASSERT_EQ(callCount(odoo, "mrp.workcenter.productivity.button_block"), 0);

  const Status restarted = hub.startHub();
  ASSERT_TRUE(restarted.isOk()) << restarted.toString();
  ASSERT_TRUE(
      waitUntil([&] { return callCount(odoo, "mrp.workcenter.productivity.button_block") >= 1; },
                seconds(60)))
      << "the restarted hub did not finish the operation";

  EXPECT_EQ(downtimeLines(odoo).size(), 1u);
  EXPECT_EQ(callCount(odoo, "mrp.workcenter.productivity.load"), 2);
  EXPECT_EQ(callCount(odoo, "mrp.workcenter.productivity.button_block"), 1);
  const json::value wc = doubleState(odoo, "mrp.workcenter");
  for (const json::value& w : wc.at("models").at("mrp.workcenter").as_array()) {
    if (w.at("id") == 1) EXPECT_EQ(w.at("working_state"), "blocked");
  }
  auto stopped = hub.stopHub();
  ASSERT_TRUE(stopped.isOk());
  EXPECT_EQ(*stopped, 0);
}

}  // namespace
}  // namespace pb::test
