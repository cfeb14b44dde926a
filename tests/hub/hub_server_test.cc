// The hub's HTTP API behind a real HttpServer on 127.0.0.1:0, on a durable SQLite store.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <thread>

#include "plantbridge/hub/hub_api.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "edge-token";

// Stamped with the real time: the schema refuses events from the future.
std::string event(const std::string& id) {
  static const std::string now = formatRfc3339(SystemClock().now());
  return R"({"id":")" + id + R"(","type":"alarm.raised","occurred_at":")" + now +
         R"(","site":"plant-1","asset":"CNC-07","payload":{"code":"E42"}})";
}

class HubServerTest : public ::testing::Test {
 protected:
  HubServerTest()
      : schemas_(schemaMap()), auth_({{"edge", hashToken(kToken), {Scope::kAdmin}, {}}}) {}

  static std::map<std::string, EventSchema> schemaMap() {
    EventSchema alarm;
    alarm.type = "alarm.raised";
    return {{alarm.type, alarm}};
  }

  void start(HttpServerOptions server_options = {}) {
    SqliteStoreOptions store_options;
    store_options.path = dir_.file("hub.db");
    store_options.durable = true;
    auto store = openSqliteStore(store_options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(store).value();
    HubApiOptions options;
    options.max_body_bytes = server_options.max_body_bytes;
    api_ = std::make_unique<HubApi>(options, *store_, schemas_, auth_, metrics_, clock_);
    ASSERT_TRUE(api_->registerRoutes(router_).isOk());
    server_options.threads = 2;
    server_ = std::make_unique<HttpServer>(server_options, router_.asHandler());
    Status s = server_->start();
    ASSERT_TRUE(s.isOk()) << s.toString();
  }
  void TearDown() override {
    // The order the app follows: stop serving, then the API, then the store.
    if (server_) server_->stop(5s);
    server_.reset();
    api_.reset();
    if (store_) store_->close();
  }
  std::unique_ptr<test::HttpClient> connect() {
    auto client = test::HttpClient::connect("127.0.0.1", server_->port());
    EXPECT_TRUE(client.isOk()) << client.status().toString();
    return client.isOk() ? std::move(client).value() : nullptr;
  }

  test::TempDir dir_;
  SystemClock clock_;
  MetricsRegistry metrics_;
  SchemaRegistry schemas_;
  Authenticator auth_;
  Router router_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<HubApi> api_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HubServerTest, ConcurrentClientsAreAcknowledgedOnlyWhenJournaled) {
  start();
  constexpr int kClients = 8;
  constexpr int kRequests = 10;
  constexpr int kBatch = 50;
  std::atomic<int> accepted{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = test::HttpClient::connect("127.0.0.1", server_->port());
      if (!client.isOk()) {
        ++failures;
        return;
      }
      for (int r = 0; r < kRequests; ++r) {
        std::string body = "[";
        for (int i = 0; i < kBatch; ++i) {
          if (i > 0) body += ",";
          body +=
              event("c" + std::to_string(c) + "-r" + std::to_string(r) + "-" + std::to_string(i));
        }
        body += "]";
        auto response = (*client)->post("/v1/events", body, {test::bearer(kToken)});
        if (!response.isOk() || response->status != 200) {
          ++failures;
          continue;
        }
        accepted += static_cast<int>(json::parse(response->body).at("accepted").as_int64());
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(accepted.load(), kClients * kRequests * kBatch);
  // Acknowledged means journaled: the head has every one of them.
  EXPECT_EQ(store_->journal().headSeq(), kClients * kRequests * kBatch);
  auto found = store_->journal().findById("c7-r9-49");
  ASSERT_TRUE(found.isOk());
  EXPECT_TRUE(found->has_value());
}

TEST_F(HubServerTest, OversizedBodyIsRefusedByTheServerBeforeReadingIt) {
  HttpServerOptions options;
  options.max_body_bytes = 512;
  start(options);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client
                  ->sendRaw("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            std::string(kToken) +
                            "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
                  .isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(json::parse(response->body).at("error").at("code").as_string(), "payload_too_large");
}

TEST_F(HubServerTest, BadInputLeavesTheServerServing) {
  start();
  auto client = connect();
  ASSERT_TRUE(client);
  auto malformed = client->post("/v1/events", "[{", {test::bearer(kToken)});
  ASSERT_TRUE(malformed.isOk());
  EXPECT_EQ(malformed->status, 400);
  auto unauthenticated = client->post("/v1/events", event("x-1"));
  ASSERT_TRUE(unauthenticated.isOk());
  EXPECT_EQ(unauthenticated->status, 401);
  auto unknown_route = client->get("/v2/nothing");
  ASSERT_TRUE(unknown_route.isOk());
  EXPECT_EQ(unknown_route->status, 404);
  auto wrong_method = client->get("/v1/events");
  ASSERT_TRUE(wrong_method.isOk());
  EXPECT_EQ(wrong_method->status, 405);
  auto good = client->post("/v1/events", event("x-1"), {test::bearer(kToken)});
  ASSERT_TRUE(good.isOk());
  EXPECT_EQ(good->status, 200) << good->body;
  auto trace = client->get("/v1/events/x-1", {test::bearer(kToken)});
  ASSERT_TRUE(trace.isOk());
  EXPECT_EQ(trace->status, 200) << trace->body;
  auto ready = client->get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200) << ready->body;
}

}  // namespace
}  // namespace pb
