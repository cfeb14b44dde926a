#include "hub_harness.h"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>

#include "plantbridge/common/crypto.h"

namespace pb::test {
namespace {

std::string sha256Hex(const std::string& s) { return toHex(sha256(s)); }

uint16_t portFromListeningLine(const std::string& line) {
  auto colon = line.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
}

}  // namespace

std::string eventJson(const std::string& id, const std::string& type, const std::string& asset,
                      const std::string& payload, const std::string& occurred_at) {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","occurred_at":")" + occurred_at +
         R"(","site":"plant-1","source":"test","asset":")" + asset + R"(","payload":)" + payload +
         "}";
}

HubHarness::HubHarness(HarnessOptions options) : options_(std::move(options)) {
  config_path_ = dir_.file("plant.yaml");
  store_path_ = dir_.file("store.db");
  hub_stderr_ = dir_.file("hub.stderr");
  hub_port_ = options_.hub_port;
}

HubHarness::~HubHarness() {
  if (hub_.running()) (void)hub_.stop(SIGKILL, std::chrono::seconds(10));
  if (sink_.running()) (void)sink_.stop(SIGTERM, std::chrono::seconds(10));
}

std::string HubHarness::hubLog() const {
  std::ifstream in(hub_stderr_);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Status HubHarness::startSink() {
  PB_RETURN_IF_ERROR(sink_.start({toolBinary("pb_http_sink"), "--secret", kWebhookSecret}));
  auto line = sink_.waitForLine("listening", std::chrono::seconds(30));
  if (!line) return line.status();
  sink_port_ = portFromListeningLine(*line);
  return sink_port_ ? Status::ok() : Status::internal("no port in '" + *line + "'");
}

Status HubHarness::writeConfig() {
  std::ofstream secret(dir_.file("webhook-secret"));
  secret << kWebhookSecret;
  secret.close();
  std::ostringstream y;
  y << "environment: test\nsite: plant-1\n"
    << "server:\n  listen: \"127.0.0.1:" << hub_port_
    << "\"\n  max_body_bytes: " << options_.max_body_bytes << "\n  max_records_per_request: 1000\n"
    << "store:\n  path: " << store_path_ << "\n"
    << "log:\n  level: info\n  json: true\n"
    << "auth:\n  tokens:\n"
    << "    - name: ingest\n      sha256: " << sha256Hex(kIngestToken)
    << "\n      scopes: [ingest]\n";
  if (!options_.ingest_rate_limit.empty()) {
    y << "      rate_limit: " << options_.ingest_rate_limit << "\n";
  }
  y << "    - name: admin\n      sha256: " << sha256Hex(kAdminToken) << "\n      scopes: [admin]\n"
    << "    - name: reader\n      sha256: " << sha256Hex(kReadToken) << "\n      scopes: [read]\n"
    << R"(schemas:
  machine.counter:
    payload:
      counter: {type: integer, required: true, min: 0}
  production.count:
    payload:
      quantity: {type: integer, required: true, min: 0}
  downtime.started:
    payload:
      reason: {type: string, required: true}
)" << options_.extra_schemas
    << R"(qualifiers:
  - name: part-counter
    kind: counter_delta
    input_type: machine.counter
    output_type: production.count
    value_field: counter
    rollover_at: 65535
mappings:
  assets:
)";
  for (int i = 0; i < 50; ++i) {
    char asset[32];
    std::snprintf(asset, sizeof asset, "M-%03d", i);
    y << "    " << asset << ": {work_center: \"" << (i + 1) << "\"}\n";
  }
  y << "    CNC-07: {work_center: \"7\", equipment: \"12\"}\n"
    << R"(routes:
  - name: counts
    when: {type: production.count}
    target: sink
    ordering_key: "{{context.work_center}}"
    require: [context.work_center]
    body: '{"key":"{{id}}","work_center":"{{context.work_center}}","quantity":{{payload.quantity}}}'
  - name: downtime
    when: {type: downtime.started}
    target: sink
    require: [context.work_center]
)" << options_.extra_routes
    << R"(targets:
  sink:
    kind: webhook
    url: http://127.0.0.1:)"
    << sink_port_ << R"(/hook
    hmac_secret_file: webhook-secret
    timeout: 5s
    concurrency: 8
    retry:
      initial_backoff: )"
    << options_.initial_backoff << "\n      max_backoff: " << options_.max_backoff
    << "\n      max_attempts: " << options_.max_attempts << "\n      max_age: 1h\n"
    << "    circuit_breaker:\n      failure_threshold: 1000\n      open_for: 1s\n"
    << options_.extra_yaml;
  std::ofstream out(config_path_);
  out << y.str();
  return out ? Status::ok() : Status::ioError("cannot write " + config_path_);
}

Status HubHarness::startHub() {
  PB_RETURN_IF_ERROR(hub_.start({plantbridgeBinary(), "run", config_path_}, hub_stderr_));
  auto line = hub_.waitForLine("plantbridge listening on", std::chrono::seconds(60));
  if (!line) {
    std::ifstream err(hub_stderr_);
    std::stringstream text;
    text << err.rdbuf();
    return Status::unavailable(line.status().message() + "; hub stderr:\n" + text.str());
  }
  hub_port_ = portFromListeningLine(*line);
  return hub_port_ ? Status::ok() : Status::internal("no port in '" + *line + "'");
}

Result<int> HubHarness::stopHub(std::chrono::milliseconds timeout) {
  return hub_.stop(SIGTERM, timeout);
}

void HubHarness::killHub() { (void)hub_.stop(SIGKILL, std::chrono::seconds(10)); }

std::unique_ptr<HttpClient> HubHarness::hubClient() {
  auto client = HttpClient::connect("127.0.0.1", hub_port_);
  return client ? std::move(*client) : nullptr;
}

Result<ClientResponse> HubHarness::postEvents(const std::string& body, const std::string& token) {
  auto client = HttpClient::connect("127.0.0.1", hub_port_);
  if (!client) return client.status();
  return (*client)->post(
      "/v1/events", body,
      {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
}

Result<ClientResponse> HubHarness::hubRequest(const std::string& method, const std::string& target,
                                              const std::string& token) {
  auto client = HttpClient::connect("127.0.0.1", hub_port_);
  if (!client) return client.status();
  HeaderList headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return (*client)->request(method, target, {}, headers);
}

Result<ClientResponse> HubHarness::hubGet(const std::string& target, const std::string& token) {
  return hubRequest("GET", target, token);
}

Result<int64_t> HubHarness::sinkStat(const std::string& name) {
  auto client = HttpClient::connect("127.0.0.1", sink_port_);
  if (!client) return client.status();
  auto response = (*client)->get("/stats");
  if (!response) return response.status();
  boost::system::error_code ec;
  auto v = boost::json::parse(response->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains(name)) {
    return Status::internal("bad /stats answer: " + response->body);
  }
  return v.as_object().at(name).to_number<int64_t>();
}

Result<std::vector<std::string>> HubHarness::sinkKeys() {
  auto client = HttpClient::connect("127.0.0.1", sink_port_);
  if (!client) return client.status();
  auto response = (*client)->get("/keys");
  if (!response) return response.status();
  std::vector<std::string> keys;
  std::istringstream in(response->body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) keys.push_back(line);
  }
  return keys;
}

Status HubHarness::sinkControl(const std::string& query) {
  auto client = HttpClient::connect("127.0.0.1", sink_port_);
  if (!client) return client.status();
  auto response = (*client)->post("/control?" + query, "");
  if (!response) return response.status();
  return response->status == 200 ? Status::ok() : Status::internal(response->body);
}

Status HubHarness::waitForSinkDistinct(int64_t n, std::chrono::milliseconds timeout) {
  // The sink offers no push notification; poll its counter with a short pause, bounded.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t last = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    auto distinct = sinkStat("distinct");
    if (distinct) {
      last = *distinct;
      if (last >= n) return Status::ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::unavailable("sink has " + std::to_string(last) +
                             " distinct deliveries, expected " + std::to_string(n));
}

Result<CommandResult> HubHarness::runCli(std::vector<std::string> args) {
  args.insert(args.begin(), plantbridgeBinary());
  return runCommand(args, std::chrono::seconds(120));
}

}  // namespace pb::test
