// The OPC UA connector inside the real `plantbridge run`: a simulated CNC machine (node-opcua)
// counts parts and raises alarms; the hub's connector subscribes, turns the readings into
// events (machine.counter, downtime.started), the qualifier turns counters into counts, and a
// webhook sink receives the transactions. Checked: every count is accounted for exactly (the
// sum of the deltas equals the counter's span), downtime follows the alarm's rising edges, and
// /metrics shows the connection and the signals.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <boost/json/parse.hpp>

#include "hub_harness.h"
#include "opcua_sim_process.h"
#include "support/poll.h"

namespace pb::test {
namespace {

namespace json = boost::json;

// `extra` goes into the connector's mapping (security, identity).
std::string connectorYaml(const std::string& endpoint, uint16_t ns, const std::string& extra = "") {
  const std::string n = std::to_string(ns);
  return R"(
connectors:
  cnc-07:
    kind: opcua
    endpoint: )" +
         endpoint + "\n" + extra + R"(
    asset: CNC-07
    publishing_interval: 100ms
    reconnect: {initial_backoff: 100ms, max_backoff: 1s}
    signals:
      - name: part_counter
        path: "/)" +
         n + ":CNC07/" + n + R"(:PartCounter"
        sampling_interval: 50ms
        queue_size: 10
        emit:
          - {type: machine.counter, value_field: counter}
      - name: alarm
        node: "ns=)" +
         n + R"(;s=CNC07.AlarmActive"
        emit:
          - {when: rising, type: downtime.started, payload: {reason: equipment_failure}}
      - name: missing
        node: "ns=)" +
         n + R"(;s=CNC07.NoSuchNode"
        emit:
          - {type: machine.counter, value_field: counter}
)";
}

// Every raw reading goes to the sink too, so the test can add up what the counts must total.
constexpr const char* kRawCounterRoute = R"(  - name: raw-counters
    when: {type: machine.counter}
    target: sink
    ordering_key: "{{asset}}"
    body: '{"key":"{{id}}","raw_counter":{{payload.counter}}}'
)";

// The bodies the sink received, by kind.
struct Received {
  std::vector<int64_t> raw_counters;
  int64_t counted = 0;  // sum of production.count quantities
  size_t counts = 0;    // production.count deliveries
  int downtimes = 0;
};

Result<Received> received(uint16_t sink_port) {
  auto client = HttpClient::connect("127.0.0.1", sink_port);
  if (!client) return client.status();
  auto response = (*client)->get("/recent");
  if (!response) return response.status();
  Received out;
  std::map<std::string, bool> seen;  // a retried delivery is one delivery
  const json::value requests = json::parse(response->body);
  for (const json::value& request : requests.as_array()) {
    const json::object body = json::parse(request.at("body").as_string()).as_object();
    // The count routes' bodies carry the event id as "key"; the downtime route sends the
    // default body, the event itself.
    const json::value* id = body.contains("key") ? body.if_contains("key") : body.if_contains("id");
    if (id == nullptr) return Status::invalidArgument("a delivery without an event id");
    const std::string key(id->as_string());
    if (seen[key]) continue;
    seen[key] = true;
    if (const auto* raw = body.if_contains("raw_counter")) {
      out.raw_counters.push_back(raw->to_number<int64_t>());
    } else if (const auto* quantity = body.if_contains("quantity")) {
      out.counted += quantity->to_number<int64_t>();
      ++out.counts;
    } else if (body.contains("type") && body.at("type") == "downtime.started") {
      ++out.downtimes;
    }
  }
  return out;
}

TEST(OpcUaConnectorTest, CountsAndAlarmsFlowFromTheMachineToTheTarget) {
  OpcUaSimProcess sim;
  // A part every 100 ms; the alarm toggles every 5 parts (raised every second).
  OpcUaSimOptions sim_options;
  sim_options.simulate_ms = 100;
  sim_options.extra_args = {"--alarm-every", "5"};
  Status started = sim.start(sim_options);
  ASSERT_TRUE(started.isOk()) << started.toString();
  auto ns = simNamespaceIndex(sim.endpointUrl());
  ASSERT_TRUE(ns.isOk()) << ns.status().toString();

  HarnessOptions options;
  options.extra_routes = kRawCounterRoute;
  options.extra_yaml = connectorYaml(sim.endpointUrl(), *ns);
  HubHarness harness(options);
  ASSERT_TRUE(harness.startSink().isOk());
  ASSERT_TRUE(harness.writeConfig().isOk());
  Status hub = harness.startHub();
  ASSERT_TRUE(hub.isOk()) << hub.toString() << harness.hubLog();

  // About two seconds of production: ~20 readings, as many counts, two downtimes.
  Status flowed = harness.waitForSinkDistinct(40, std::chrono::seconds(60));
  ASSERT_TRUE(flowed.isOk()) << flowed.toString();

  auto metrics = harness.hubGet("/metrics", "");
  ASSERT_TRUE(metrics.isOk());
  const std::string& m = metrics->body;
  EXPECT_NE(m.find(R"(plantbridge_connector_up{connector="cnc-07",kind="opcua"} 1)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(plantbridge_opcua_signal_ok{connector="cnc-07",signal="part_counter"} 1)"),
            std::string::npos);
  // A node the server does not have is reported on its own; the others flow regardless.
  EXPECT_NE(m.find(R"(plantbridge_opcua_signal_ok{connector="cnc-07",signal="missing"} 0)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(plantbridge_connector_events_total{connector="cnc-07",outcome="accepted"})"),
            std::string::npos);

  // The machine stops (no more readings); then every reading's count reaches the sink: one
  // count per reading after the first. The sink cannot notify, so it is polled, bounded.
  sim.kill();
  Result<Received> got = Status::unavailable("not asked yet");
  pollUntil(
      [&] {
        got = received(harness.sinkPort());
        return !got.isOk() ||
               (!got->raw_counters.empty() && got->counts + 1 == got->raw_counters.size());
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_EQ(got->counts + 1, got->raw_counters.size());
  ASSERT_GE(got->raw_counters.size(), 10u);
  std::vector<int64_t> readings = got->raw_counters;
  std::sort(readings.begin(), readings.end());
  EXPECT_EQ(std::adjacent_find(readings.begin(), readings.end()), readings.end())
      << "a reading became two events";
  // The first reading is the qualifier's baseline; every later part is counted exactly once.
  EXPECT_EQ(got->counted, readings.back() - readings.front());
  EXPECT_GE(got->downtimes, 1);
  auto code = harness.stopHub();
  ASSERT_TRUE(code.isOk());
  EXPECT_EQ(*code, 0) << harness.hubLog();
  EXPECT_NE(harness.hubLog().find("signal missing is not monitored"), std::string::npos)
      << harness.hubLog();
}

// Polls /metrics (the hub cannot notify) until it contains `line`, bounded.
Status waitForMetric(HubHarness& harness, const std::string& line,
                     std::chrono::milliseconds timeout) {
  const bool shown = pollUntil(
      [&] {
        auto metrics = harness.hubGet("/metrics", "");
        return metrics.isOk() && metrics->body.find(line) != std::string::npos;
      },
      timeout, std::chrono::milliseconds(50));
  return shown ? Status::ok() : Status::unavailable("/metrics never showed '" + line + "'");
}

// The machine restarts while the hub is subscribed over an encrypted channel, as a logged-in
// user; it counted on while it was down (it comes back with a higher counter). The connector
// reconnects by itself, nothing is reported for the time it was down, and the counts made
// meanwhile arrive with the first reading after the gap: not one part lost or counted twice.
TEST(OpcUaConnectorTest, AMachineRestartIsRiddenThroughOverSignAndEncrypt) {
  OpcUaSimProcess sim;
  OpcUaSimOptions sim_options;
  sim_options.simulate_ms = 100;
  Status started = sim.start(sim_options);
  ASSERT_TRUE(started.isOk()) << started.toString();
  auto ns = simNamespaceIndex(sim.endpointUrl());
  ASSERT_TRUE(ns.isOk()) << ns.status().toString();

  // The server's certificate goes into the connector's trust list before the first start.
  TempDir scratch;
  const std::string pki = scratch.file("pki");
  std::filesystem::create_directories(pki + "/trusted/certs");
  std::filesystem::copy_file(sim.certificatePath(), pki + "/trusted/certs/cnc-sim.der");
  std::ofstream(scratch.file("cnc.pw")) << "cnc-07-secret\n";
  HarnessOptions options;
  options.extra_routes = kRawCounterRoute;
  options.extra_yaml = connectorYaml(sim.endpointUrl(), *ns,
                                     "    security_policy: Basic256Sha256\n"
                                     "    security_mode: SignAndEncrypt\n"
                                     "    pki_dir: " +
                                         pki +
                                         "\n"
                                         "    user: operator\n"
                                         "    password_file: " +
                                         scratch.file("cnc.pw") + "\n");
  HubHarness harness(options);
  ASSERT_TRUE(harness.startSink().isOk());
  ASSERT_TRUE(harness.writeConfig().isOk());
  Status hub = harness.startHub();
  ASSERT_TRUE(hub.isOk()) << hub.toString() << harness.hubLog();
  Status flowed = harness.waitForSinkDistinct(10, std::chrono::seconds(60));
  ASSERT_TRUE(flowed.isOk()) << flowed.toString() << harness.hubLog();

  sim.kill();
  Status down =
      waitForMetric(harness, R"(plantbridge_connector_up{connector="cnc-07",kind="opcua"} 0)",
                    std::chrono::seconds(30));
  ASSERT_TRUE(down.isOk()) << down.toString();
  sim_options.port = sim.port();
  sim_options.extra_args = {"--part-counter-start", "1000"};
  started = sim.start(sim_options);
  ASSERT_TRUE(started.isOk()) << started.toString();
  Status up =
      waitForMetric(harness, R"(plantbridge_connector_up{connector="cnc-07",kind="opcua"} 1)",
                    std::chrono::seconds(30));
  ASSERT_TRUE(up.isOk()) << up.toString() << harness.hubLog();

  // Readings after the restart reach the sink; then the machine stops for good.
  Result<Received> got = Status::unavailable("not asked yet");
  auto after_restart = [&] {
    return std::count_if(got->raw_counters.begin(), got->raw_counters.end(),
                         [](int64_t c) { return c >= 1000; });
  };
  pollUntil(
      [&] {
        got = received(harness.sinkPort());
        return !got.isOk() || (after_restart() >= 3);
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_GE(after_restart(), 3);
  auto metrics = harness.hubGet("/metrics", "");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_NE(metrics->body.find(R"(plantbridge_opcua_reconnects_total{connector="cnc-07"} 1)"),
            std::string::npos)
      << metrics->body;
  // A restarted server has no subscription to transfer: it was created again.
  EXPECT_NE(metrics->body.find(
                R"(plantbridge_opcua_subscription_recreations_total{connector="cnc-07"} 1)"),
            std::string::npos);

  sim.kill();
  pollUntil(
      [&] {
        got = received(harness.sinkPort());
        return !got.isOk() || (got->counts + 1 == got->raw_counters.size());
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_EQ(got->counts + 1, got->raw_counters.size());
  std::vector<int64_t> readings = got->raw_counters;
  std::sort(readings.begin(), readings.end());
  EXPECT_EQ(std::adjacent_find(readings.begin(), readings.end()), readings.end());
  // No reading between the last one before the crash and 1000: nothing was made up for the
  // time the server was down.
  const auto first_after = std::lower_bound(readings.begin(), readings.end(), 1000);
  ASSERT_NE(first_after, readings.begin());
  EXPECT_LT(*(first_after - 1), 100);
  EXPECT_EQ(got->counted, readings.back() - readings.front());
}

TEST(OpcUaConnectorTest, CheckConfigNamesNodeIdsAndPathsItCannotParse) {
  HarnessOptions options;
  options.extra_yaml = R"(
connectors:
  cnc-07:
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:4840
    asset: CNC-07
    signals:
      - {name: ok, node: "ns=2;s=CNC07.PartCounter", emit: [{type: machine.counter, value_field: counter}]}
      - {name: bad_id, node: "ns=two;s=X", emit: [{type: machine.counter, value_field: counter}]}
      - {name: bad_path, path: "/2:CNC07/2:", emit: [{type: machine.counter, value_field: counter}]}
)";
  HubHarness harness(options);
  ASSERT_TRUE(harness.startSink().isOk());  // the config's webhook target needs its port
  ASSERT_TRUE(harness.writeConfig().isOk());
  auto result = harness.runCli({"check-config", harness.configPath()});
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  EXPECT_EQ(result->exit_code, 2) << result->output;
  EXPECT_NE(result->output.find("connectors.cnc-07.signals[1].node: 'ns=two;s=X' is not a NodeId"),
            std::string::npos)
      << result->output;
  EXPECT_NE(result->output.find("connectors.cnc-07.signals[2].path: '/2:CNC07/2:' is not a "
                                "browse path"),
            std::string::npos)
      << result->output;
  EXPECT_NE(result->output.find("2 problems"), std::string::npos) << result->output;
}

}  // namespace
}  // namespace pb::test
