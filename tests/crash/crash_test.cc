// Several clients flood the ingest API while the hub is killed with SIGKILL at random moments
// and restarted. Afterwards: every acknowledged event is in the journal exactly once, the hash
// chain verifies, and the sink has received every resulting transaction (counted by
// idempotency key: physical redeliveries after a crash are allowed, a missing or an extra key
// is not).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>

#include "hub_harness.h"
#include "plantbridge/store/store.h"

namespace pb::test {
namespace {

namespace json = boost::json;

constexpr int kKills = 20;
constexpr int kClients = 4;
constexpr int kBatch = 10;

// A port that was free a moment ago, or 0 when none could be had.
uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

struct Acknowledged {
  std::mutex mutex;
  std::set<std::string> ids;
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> failures{0};
};

// One client: posts batches of fresh ids; a batch that got no answer is sent again (as an edge
// would), so its ids end up acknowledged as accepted or as duplicates.
void clientLoop(int index, uint16_t port, const std::atomic<bool>& stop, Acknowledged& acked) {
  int64_t next = 0;
  std::string pending;
  std::vector<std::string> pending_ids;
  std::unique_ptr<HttpClient> client;
  while (!stop.load()) {
    if (pending.empty()) {
      pending = "[";
      pending_ids.clear();
      for (int i = 0; i < kBatch; ++i) {
        std::string id = "K" + std::to_string(index) + "-" + std::to_string(next++);
        pending_ids.push_back(id);
        if (i) pending += ',';
        pending += eventJson(id, "production.count",
                             "M-" + std::string(index < 10 ? "00" : "0") + std::to_string(index),
                             R"({"quantity":1})");
      }
      pending += "]";
    }
    if (!client) {
      ClientOptions options;
      options.timeout = std::chrono::seconds(5);
      auto connected = HttpClient::connect("127.0.0.1", port, options);
      if (!connected) {
        acked.failures++;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // hub restarting
        continue;
      }
      client = std::move(*connected);
    }
    auto r = client->post("/v1/events", pending,
                          {{"Authorization", std::string("Bearer ") + kIngestToken},
                           {"Content-Type", "application/json"}});
    acked.requests++;
    if (!r || r->status != 200) {
      acked.failures++;
      client.reset();
      continue;
    }
    auto answer = json::parse(r->body).as_object();
    std::lock_guard lock(acked.mutex);
    for (const auto& result : answer["results"].as_array()) {
      const auto& o = result.as_object();
      auto status = o.at("status").as_string();
      if (status == "accepted" || status == "duplicate") {
        acked.ids.insert(std::string(o.at("id").as_string()));
      }
    }
    pending.clear();
  }
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkillAndAreDeliveredExactlyOnce) {
  HarnessOptions options;
  options.hub_port = freePort();
  ASSERT_NE(options.hub_port, 0) << "no free port";
  HubHarness harness(options);
  ASSERT_TRUE(harness.startSink().isOk());
  ASSERT_TRUE(harness.writeConfig().isOk());
  ASSERT_TRUE(harness.startHub().isOk());

  Acknowledged acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(clientLoop, i, harness.hubPort(), std::cref(stop), std::ref(acked));
  }
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_ms(20, 250);
  for (int kill = 0; kill < kKills; ++kill) {
    // Let the clients make progress on this incarnation: wait for a few more answers.
    int64_t before = acked.requests.load();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acked.requests.load() < before + 5 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));  // the random moment
    harness.killHub();
    auto restarted = harness.startHub();
    ASSERT_TRUE(restarted.isOk()) << "restart " << kill << ": " << restarted.toString();
  }
  stop = true;
  for (auto& c : clients) c.join();
  std::set<std::string> ids;
  {
    std::lock_guard lock(acked.mutex);
    ids = acked.ids;
  }
  ASSERT_GT(ids.size(), 0u);

  // Let the last incarnation deliver everything, then stop it cleanly.
  auto pending_zero = [&] {
    auto m = harness.hubGet("/metrics", "");
    return m &&
           m->body.find("plantbridge_outbox_pending{target=\"sink\"} 0\n") != std::string::npos &&
           m->body.find("plantbridge_pipeline_backlog 0\n") != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!pending_zero() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(pending_zero()) << "outbox not drained";
  ASSERT_EQ(*harness.stopHub(), 0);

  auto verify = harness.runCli({"audit", "verify", harness.configPath()});
  ASSERT_TRUE(verify.isOk());
  EXPECT_EQ(verify->exit_code, 0) << verify->output;

  SystemClock clock;
  auto store = openSqliteStore({.path = harness.storePath()}, clock);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  int64_t head = (*store)->journal().headSeq();
  for (const auto& id : ids) {
    auto found = (*store)->journal().findById(id);
    ASSERT_TRUE(found.isOk());
    ASSERT_TRUE(found->has_value()) << "acknowledged event " << id << " is not in the journal";
  }
  // Every journaled event (acknowledged or not) led to exactly one delivered key at the sink.
  std::set<std::string> expected_keys;
  for (int64_t after = 0;;) {
    auto records = (*store)->journal().readAfter(after, 1000);
    ASSERT_TRUE(records.isOk());
    if (records->empty()) break;
    for (const auto& r : *records) {
      expected_keys.insert(r.event.id + "/counts");
      after = r.seq;
    }
  }
  (*store)->close();
  EXPECT_EQ(static_cast<int64_t>(expected_keys.size()), head) << "an id is journaled twice";
  auto keys = harness.sinkKeys();
  ASSERT_TRUE(keys.isOk());
  std::set<std::string> delivered(keys->begin(), keys->end());
  EXPECT_EQ(delivered.size(), keys->size());
  EXPECT_EQ(delivered, expected_keys);
  for (const auto& id : ids) EXPECT_TRUE(delivered.count(id + "/counts")) << id;
  std::printf(
      "crash test: %d kills, %zu acknowledged events, %lld journaled, %lld deliveries "
      "(%lld physical redeliveries), %lld failed requests\n",
      kKills, ids.size(), static_cast<long long>(head),
      static_cast<long long>(*harness.sinkStat("total")),
      static_cast<long long>(*harness.sinkStat("duplicates")),
      static_cast<long long>(acked.failures.load()));
}

}  // namespace
}  // namespace pb::test
