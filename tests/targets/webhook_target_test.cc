// The webhook target against pb_http_sink, started as a child process on port 0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "plantbridge/common/crypto.h"
#include "plantbridge/dispatch/target_registry.h"
#include "sink_process.h"
#include "webhook_test_util.h"

namespace pb {
namespace {

using Kind = DeliveryResult::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::deliverAndWait;
using test::hookTx;
using test::makeOrDie;
using test::SinkProcess;
using test::webhookConfig;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace json = boost::json;

class WebhookTargetTest : public ::testing::Test {
 protected:
  void startSink(std::vector<std::string> args = {}) {
    ASSERT_TRUE(sink_.start(std::move(args)).isOk());
  }
  // The headers of the last request the sink received, lower-cased names.
  json::object lastRequest() {
    auto recent = sink_.recentJson();
    EXPECT_TRUE(recent.isOk());
    const json::array all = json::parse(*recent).as_array();
    EXPECT_FALSE(all.empty());
    return all.empty() ? json::object{} : all.back().as_object();
  }
  static std::string header(const json::object& request, const std::string& name) {
    for (const auto& [k, v] : request.at("headers").as_object()) {
      std::string key(k);
      if (strcasecmp(key.c_str(), name.c_str()) == 0) return std::string(v.as_string());
    }
    return {};
  }

  SinkProcess sink_;
  SystemClock clock_;
};

TEST_F(WebhookTargetTest, PostsTheBodyWithHeadersAndAValidSignature) {
  startSink({"--secret", "s3cret"});
  TargetConfig config = webhookConfig(sink_.url("/hooks/plantbridge?site=plant-1"));
  config.webhook.hmac_secret = "s3cret";
  config.webhook.headers = {{"Authorization", "Bearer abc"}, {"X-Tenant", "acme"}};
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  const Transaction tx = hookTx("ev1/downtime");

  const DeliveryResult r = deliverAndWait(*target, tx);
  EXPECT_EQ(r.kind, Kind::kDelivered) << r.message;
  EXPECT_EQ(r.http_status, 200);

  const json::object req = lastRequest();
  EXPECT_EQ(req.at("method").as_string(), "POST");
  EXPECT_EQ(req.at("target").as_string(), "/hooks/plantbridge?site=plant-1");
  EXPECT_EQ(req.at("body").as_string(), tx.body);
  EXPECT_EQ(header(req, "Content-Type"), "application/json");
  EXPECT_EQ(header(req, "Idempotency-Key"), "ev1/downtime");
  EXPECT_EQ(header(req, "X-Plantbridge-Event-Id"), tx.event_id);
  EXPECT_EQ(header(req, "X-Plantbridge-Correlation-Id"), tx.correlation_id);
  EXPECT_EQ(header(req, "Authorization"), "Bearer abc");
  EXPECT_EQ(header(req, "X-Tenant"), "acme");
  EXPECT_THAT(header(req, "User-Agent"), StartsWith("plantbridge"));

  // The signature is t=<now>,v1=HMAC(secret, "<t>.<body>").
  const std::string signature = header(req, "X-Plantbridge-Signature");
  ASSERT_THAT(signature, StartsWith("t="));
  const int64_t t = std::stoll(signature.substr(2, signature.find(',') - 2));
  const int64_t now = std::chrono::duration_cast<seconds>(clock_.now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(t), static_cast<double>(now), 60.0);
  EXPECT_EQ(signature, webhookSignature("s3cret", t, tx.body));
  EXPECT_EQ(*sink_.stat("bad_signatures"), 0);
  EXPECT_EQ(*sink_.stat("distinct"), 1);
}

TEST_F(WebhookTargetTest, SignatureIsTheDocumentedHmac) {
  // Known answer: HMAC-SHA256("whsec", "1700000000.{\"a\":1}").
  EXPECT_EQ(webhookSignature("whsec", 1700000000, R"({"a":1})"),
            "t=1700000000,v1=" + toHex(hmacSha256("whsec", R"(1700000000.{"a":1})")));
}

TEST_F(WebhookTargetTest, WrongSecretIsRefusedByTheReceiverAndRejected) {
  startSink({"--secret", "the-receivers-secret"});
  TargetConfig config = webhookConfig(sink_.url());
  config.webhook.hmac_secret = "a-stale-secret";
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_THAT(r.message, HasSubstr("bad signature"));
  EXPECT_EQ(*sink_.stat("bad_signatures"), 1);
  EXPECT_EQ(*sink_.stat("total"), 0);
}

TEST_F(WebhookTargetTest, RotatedSecretIsUsedForLaterRequests) {
  startSink({"--secret", "new-secret"});
  TargetConfig config = webhookConfig(sink_.url());
  config.webhook.hmac_secret = "old-secret";
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  EXPECT_EQ(deliverAndWait(*target, hookTx("a")).kind, Kind::kReject);
  ASSERT_TRUE(setWebhookSecret(*target, "new-secret").isOk());
  EXPECT_EQ(deliverAndWait(*target, hookTx("a")).kind, Kind::kDelivered);
  test::FakeTargetForRotation other;
  EXPECT_EQ(setWebhookSecret(other, "x").code(), StatusCode::kInvalidArgument);
}

TEST_F(WebhookTargetTest, CustomSignatureHeaderAndMethod) {
  startSink({"--secret", "k", "--signature-header", "X-Signature"});
  TargetConfig config = webhookConfig(sink_.url());
  config.webhook.hmac_secret = "k";
  config.webhook.signature_header = "X-Signature";
  config.webhook.method = "PUT";
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  EXPECT_EQ(deliverAndWait(*target, hookTx("a")).kind, Kind::kDelivered);
  EXPECT_EQ(lastRequest().at("method").as_string(), "PUT");
}

TEST_F(WebhookTargetTest, ConfiguredHeadersCannotReplaceTheIdempotencyKey) {
  startSink();
  TargetConfig config = webhookConfig(sink_.url());
  config.webhook.headers = {{"Idempotency-Key", "forged"},
                            {"Content-Type", "application/vnd.acme+json"}};
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  EXPECT_EQ(deliverAndWait(*target, hookTx("real")).kind, Kind::kDelivered);
  const json::object req = lastRequest();
  EXPECT_EQ(header(req, "Idempotency-Key"), "real");
  EXPECT_EQ(header(req, "Content-Type"), "application/vnd.acme+json");
}

struct StatusCase {
  int status;
  Kind kind;
};

TEST_F(WebhookTargetTest, EveryStatusClassIsClassified) {
  startSink();
  auto target = makeOrDie(webhookConfig(sink_.url(), 1), clock_);
  ASSERT_TRUE(target);
  const StatusCase cases[] = {
      {200, Kind::kDelivered}, {201, Kind::kDelivered}, {202, Kind::kDelivered},
      {204, Kind::kDelivered}, {400, Kind::kReject},    {401, Kind::kReject},
      {403, Kind::kReject},    {404, Kind::kReject},    {409, Kind::kReject},
      {422, Kind::kReject},    {408, Kind::kRetry},     {429, Kind::kRetry},
      {500, Kind::kRetry},     {502, Kind::kRetry},     {503, Kind::kRetry},
      {504, Kind::kRetry},     {301, Kind::kRetry}};
  int n = 0;
  for (const StatusCase& c : cases) {
    ASSERT_TRUE(sink_.control("status=" + std::to_string(c.status) + "&count=1").isOk());
    const DeliveryResult r = deliverAndWait(*target, hookTx("tx" + std::to_string(++n)));
    EXPECT_EQ(r.kind, c.kind) << c.status << ": " << r.message;
    EXPECT_EQ(r.http_status, c.status);
    if (c.kind == Kind::kReject) {
      EXPECT_EQ(r.message,
                R"({"error":"injected status","status":)" + std::to_string(c.status) + "}");
    }
  }
}

TEST_F(WebhookTargetTest, RetryAfterSecondsAndDatesAreHonoured) {
  startSink();
  ManualClock clock(fromUnixMicros(1'445'412'000'000'000));  // 2015-10-21T07:20:00Z
  auto target = makeOrDie(webhookConfig(sink_.url()), clock);
  ASSERT_TRUE(target);
  ASSERT_TRUE(sink_.control("status=429&retry_after=7").isOk());
  DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.retry_after, seconds(7));
  ASSERT_TRUE(
      sink_.control("status=503&retry_after=Wed%2C%2021%20Oct%202015%2007%3A28%3A00%20GMT").isOk());
  r = deliverAndWait(*target, hookTx("b"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.retry_after, seconds(480));
}

TEST_F(WebhookTargetTest, RejectMessageIsTheBodyCutToAbout2KiB) {
  startSink();
  auto target = makeOrDie(webhookConfig(sink_.url()), clock_);
  ASSERT_TRUE(target);
  ASSERT_TRUE(sink_.control("status=400&error_body_bytes=100000").isOk());
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_LE(r.message.size(), 2048u);
  EXPECT_GE(r.message.size(), 2000u);
  EXPECT_THAT(r.message, StartsWith("eeee"));
  // The big body was read in full: the connection is still good for the next delivery.
  EXPECT_EQ(deliverAndWait(*target, hookTx("b")).kind, Kind::kDelivered);
}

TEST_F(WebhookTargetTest, TimeoutIsRetried) {
  startSink({"--delay-ms", "3000"});
  TargetConfig config = webhookConfig(sink_.url());
  config.webhook.timeout = milliseconds(200);
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult r = deliverAndWait(*target, hookTx("slow"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_THAT(r.message, HasSubstr("timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  // The timed-out connection is dropped; the next delivery uses a fresh one.
  ASSERT_TRUE(sink_.control("delay_ms=0").isOk());
  EXPECT_EQ(deliverAndWait(*target, hookTx("fast")).kind, Kind::kDelivered);
}

TEST_F(WebhookTargetTest, ConnectionRefusedIsRetried) {
  const uint16_t port = test::unusedPort();
  auto target =
      makeOrDie(webhookConfig("http://127.0.0.1:" + std::to_string(port) + "/hook"), clock_);
  ASSERT_TRUE(target);
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_THAT(r.message, HasSubstr("connection refused"));
}

TEST_F(WebhookTargetTest, KeepAliveConnectionsAreReused) {
  startSink();
  auto target = makeOrDie(webhookConfig(sink_.url(), 2), clock_);
  ASSERT_TRUE(target);
  const int64_t before = *sink_.stat("connections");  // counts this stats call too
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(deliverAndWait(*target, hookTx("tx" + std::to_string(i))).kind, Kind::kDelivered);
  }
  // One connection for 25 deliveries, plus the second stats call's own.
  EXPECT_EQ(*sink_.stat("connections") - before, 2);
  EXPECT_EQ(*sink_.stat("distinct"), 25);
}

TEST_F(WebhookTargetTest, ConnectionCloseFromTheServerIsRespected) {
  startSink();
  auto target = makeOrDie(webhookConfig(sink_.url(), 2), clock_);
  ASSERT_TRUE(target);
  ASSERT_TRUE(sink_.control("close=1").isOk());
  const int64_t before = *sink_.stat("connections");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(deliverAndWait(*target, hookTx("tx" + std::to_string(i))).kind, Kind::kDelivered);
  }
  EXPECT_EQ(*sink_.stat("connections") - before, 4);  // three deliveries, one stats call
}

TEST_F(WebhookTargetTest, IdleConnectionClosedByARestartedServerIsReplacedTransparently) {
  startSink();
  const uint16_t port = sink_.port();
  auto target = makeOrDie(webhookConfig(sink_.url()), clock_);
  ASSERT_TRUE(target);
  ASSERT_EQ(deliverAndWait(*target, hookTx("before")).kind, Kind::kDelivered);
  // The server goes away and comes back on the same port: the pooled connection is dead.
  sink_.stop();
  ASSERT_TRUE(sink_.start({"--port", std::to_string(port)}).isOk());
  const DeliveryResult r = deliverAndWait(*target, hookTx("after"));
  EXPECT_EQ(r.kind, Kind::kDelivered) << r.message;
  EXPECT_EQ(*sink_.stat("distinct"), 1);
}

TEST_F(WebhookTargetTest, ShutdownReportsDeliveriesInFlightAsRetry) {
  startSink({"--delay-ms", "5000"});
  auto target = makeOrDie(webhookConfig(sink_.url()), clock_);
  ASSERT_TRUE(target);
  auto promise = std::make_shared<std::promise<DeliveryResult>>();
  auto future = promise->get_future();
  target->deliverAsync(hookTx("a"),
                       [promise](DeliveryResult r) { promise->set_value(std::move(r)); });
  target->shutdown();
  ASSERT_EQ(future.wait_for(seconds(1)), std::future_status::ready);
  const DeliveryResult r = future.get();
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.message, HasSubstr("canceled"));
  // After shutdown, deliveries are answered at once.
  const DeliveryResult late = deliverAndWait(*target, hookTx("b"), seconds(1));
  EXPECT_EQ(late.kind, Kind::kRetry);
}

TEST_F(WebhookTargetTest, ManyConcurrentDeliveriesAllArrive) {
  startSink();
  auto target = makeOrDie(webhookConfig(sink_.url(), 8), clock_);
  ASSERT_TRUE(target);
  constexpr int kCount = 400;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, delivered = 0;
  for (int i = 0; i < kCount; ++i) {
    target->deliverAsync(hookTx("c" + std::to_string(i)), [&](const DeliveryResult& r) {
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (r.kind == Kind::kDelivered) ++delivered;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(60), [&] { return done == kCount; }));
  EXPECT_EQ(delivered, kCount);
  lock.unlock();
  EXPECT_EQ(*sink_.stat("distinct"), kCount);
  EXPECT_EQ(*sink_.stat("duplicates"), 0);
}

TEST(WebhookFactoryTest, RejectsBadConfigNamingTheKey) {
  SystemClock clock;
  auto check = [&](const TargetConfig& c, const std::string& expected) {
    auto t = makeWebhookTarget(c, clock);
    ASSERT_FALSE(t.isOk()) << expected;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(t.status().message(), HasSubstr(expected));
  };
  check(webhookConfig("ftp://example.com/x"), "targets.hook.webhook.url: must be an http or https");
  check(webhookConfig("not a url"), "targets.hook.webhook.url: 'not a url' is not a URL");
  check(webhookConfig("http://user:pw@example.com/"), "credentials in the URL");
  TargetConfig method = webhookConfig("http://example.com/");
  method.webhook.method = "FETCH";
  check(method, "targets.hook.webhook.method: unknown method 'FETCH'");
  TargetConfig ca = webhookConfig("https://example.com/");
  ca.webhook.ca_file = "/nonexistent/ca.pem";
  check(ca, "targets.hook.webhook.ca_file: cannot load '/nonexistent/ca.pem'");
  TargetConfig header = webhookConfig("http://example.com/");
  header.webhook.headers = {{"X-Bad", "a\r\nInjected: yes"}};
  check(header, "targets.hook.webhook.headers.X-Bad: not a valid header");
}

TEST(WebhookFactoryTest, RegistersKindWebhookOnce) {
  TargetFactoryRegistry registry;
  ASSERT_TRUE(registerWebhookTarget(registry).isOk());
  EXPECT_EQ(registerWebhookTarget(registry).code(), StatusCode::kAlreadyExists);
  SystemClock clock;
  auto target = registry.create(webhookConfig("http://127.0.0.1:9/hook"), TargetContext{clock});
  ASSERT_TRUE(target.isOk()) << target.status().toString();
  EXPECT_EQ((*target)->name(), "hook");
}

}  // namespace
}  // namespace pb
