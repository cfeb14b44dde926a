// The real binary, on 127.0.0.1 port 0, with a real HTTP sink as its webhook target.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>

#include "hub_harness.h"

namespace pb::test {
namespace {

namespace json = boost::json;

class HubIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(HarnessOptions options) {
    harness_ = std::make_unique<HubHarness>(std::move(options));
    ASSERT_TRUE(harness_->startSink().isOk());
    ASSERT_TRUE(harness_->writeConfig().isOk());
    auto started = harness_->startHub();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  json::object postOk(const std::string& body) {
    auto r = harness_->postEvents(body);
    EXPECT_TRUE(r.isOk());
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body).as_object();
  }

  // The first line of the hub's log containing `needle`; waits (bounded) for it, as the line
  // may be written just after the effect a test saw. Empty if it never shows.
  std::string logLineWith(const std::string& needle) {
    for (int i = 0; i < 500; ++i) {
      std::ifstream log(harness_->hubStderr());
      std::string line;
      while (std::getline(log, line)) {
        if (line.find(needle) != std::string::npos) return line;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }

  std::unique_ptr<HubHarness> harness_;
};

TEST_F(HubIntegrationTest, AcceptsEventsAndDeliversEachTransactionOnce) {
  std::string body = "[" + eventJson("E-1", "production.count", "CNC-07", R"({"quantity":3})") +
                     "," + eventJson("E-2", "production.count", "M-001", R"({"quantity":4})") + "]";
  auto answer = postOk(body);
  EXPECT_EQ(answer["accepted"].as_int64(), 2);
  ASSERT_TRUE(harness_->waitForSinkDistinct(2, std::chrono::seconds(30)).isOk());
  auto keys = harness_->sinkKeys();
  ASSERT_TRUE(keys.isOk());
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, (std::vector<std::string>{"E-1/counts", "E-2/counts"}));
  EXPECT_EQ(*harness_->sinkStat("bad_signatures"), 0);
}

TEST_F(HubIntegrationTest, SameIdTwiceIsADuplicateAndNotDeliveredAgain) {
  std::string body =
      "[" + eventJson("D-1", "production.count", "CNC-07", R"({"quantity":1})") + "]";
  EXPECT_EQ(postOk(body)["accepted"].as_int64(), 1);
  auto second = postOk(body);
  EXPECT_EQ(second["duplicates"].as_int64(), 1);
  EXPECT_EQ(second["results"].as_array()[0].as_object()["status"].as_string(), "duplicate");
  ASSERT_TRUE(harness_->waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
  EXPECT_EQ(*harness_->sinkStat("total"), 1);
}

TEST_F(HubIntegrationTest, BadRecordIsRejectedWithItsFieldAndTheGoodOnesAreKept) {
  std::string body =
      "[" + eventJson("G-1", "production.count", "CNC-07", R"({"quantity":5})") + "," +
      eventJson("B-1", "production.count", "CNC-07", R"({"quantity":-5})") + "," +
      eventJson("B-2", "no.such.type", "CNC-07", R"({})") + "," +
      R"({"id":"B-3","type":"production.count","occurred_at":"yesterday","payload":{"quantity":1}})" +
      "]";
  auto answer = postOk(body);
  EXPECT_EQ(answer["accepted"].as_int64(), 1);
  EXPECT_EQ(answer["rejected"].as_int64(), 3);
  auto results = answer["results"].as_array();
  auto first_error_field = [&](size_t i) {
    return std::string(
        results[i].as_object()["errors"].as_array()[0].as_object()["field"].as_string());
  };
  EXPECT_EQ(first_error_field(1), "payload.quantity");
  EXPECT_EQ(first_error_field(2), "type");
  EXPECT_EQ(first_error_field(3), "occurred_at");
  ASSERT_TRUE(harness_->waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
}

TEST_F(HubIntegrationTest, MalformedJsonIs400WithTheOffset) {
  auto r = harness_->postEvents(R"([{"id":"X","type":)");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("offset"), std::string::npos) << r->body;
}

TEST_F(HubIntegrationTest, AuthenticationAndScopesAreEnforced) {
  std::string body =
      "[" + eventJson("A-1", "production.count", "CNC-07", R"({"quantity":1})") + "]";
  auto missing = harness_->postEvents(body, "");
  ASSERT_TRUE(missing.isOk());
  EXPECT_EQ(missing->status, 401);
  auto wrong = harness_->postEvents(body, "not-a-token");
  ASSERT_TRUE(wrong.isOk());
  EXPECT_EQ(wrong->status, 401);
  auto reader = harness_->postEvents(body, kReadToken);
  ASSERT_TRUE(reader.isOk());
  EXPECT_EQ(reader->status, 403);
  auto ingest_reading = harness_->hubGet("/v1/dead-letters", kIngestToken);
  ASSERT_TRUE(ingest_reading.isOk());
  EXPECT_EQ(ingest_reading->status, 403);
}

TEST_F(HubIntegrationTest, HugeBodyIs413AndTheServerKeepsServing) {
  std::string huge(size_t{2} * 1024 * 1024, ' ');
  auto r = harness_->postEvents(huge);
  // The server may close before reading it all; either an answer 413 or a closed connection.
  if (r.isOk()) {
    EXPECT_EQ(r->status, 413);
  }
  auto ok = harness_->hubGet("/healthz");
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HubIntegrationTest, TraceShowsStagesTransactionsAndAttempts) {
  postOk("[" + eventJson("T-1", "production.count", "CNC-07", R"({"quantity":2})") + "]");
  ASSERT_TRUE(harness_->waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
  // The attempt is recorded right after the sink answered; wait for the trace to show it.
  json::object trace;
  for (int i = 0; i < 500; ++i) {
    auto r = harness_->hubGet("/v1/events/T-1", kReadToken);
    ASSERT_TRUE(r.isOk());
    ASSERT_EQ(r->status, 200) << r->body;
    trace = json::parse(r->body).as_object();
    auto& txs = trace["transactions"].as_array();
    if (!txs.empty() && !txs[0].as_object()["attempts"].as_array().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(trace["trace"].as_array().empty());
  auto& tx = trace["transactions"].as_array().at(0).as_object();
  EXPECT_EQ(tx["id"].as_string(), "T-1/counts");
  EXPECT_EQ(tx["attempts"].as_array().at(0).as_object()["outcome"].as_string(), "delivered");
  auto missing = harness_->hubGet("/v1/events/NOPE", kReadToken);
  ASSERT_TRUE(missing.isOk());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HubIntegrationTest, UnmappedAssetGoesToTheExceptionQueueWithItsReason) {
  postOk("[" + eventJson("U-1", "production.count", "UNKNOWN-9", R"({"quantity":2})") + "]");
  for (int i = 0; i < 500; ++i) {
    auto r = harness_->hubGet("/v1/events/U-1", kReadToken);
    ASSERT_TRUE(r.isOk());
    if (r->body.find("\"exception\":{") != std::string::npos) {
      EXPECT_NE(r->body.find("context.work_center"), std::string::npos) << r->body;
      // The hub logged it too, as a JSON line carrying the event's correlation id.
      const std::string line = logLineWith("parked in the exception queue");
      EXPECT_NE(line.find(R"("correlation_id":"U-1")"), std::string::npos) << line;
      EXPECT_NE(line.find(R"("level":"warning")"), std::string::npos) << line;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "no exception recorded for U-1";
}

TEST_F(HubIntegrationTest, RejectedDeliveryBecomesADeadLetterThatCanBeRetried) {
  ASSERT_TRUE(harness_->sinkControl("status=422&count=1").isOk());
  postOk("[" + eventJson("DL-1", "production.count", "CNC-07", R"({"quantity":2})") + "]");
  std::string listed;
  for (int i = 0; i < 500; ++i) {
    auto r = harness_->hubGet("/v1/dead-letters", kReadToken);
    ASSERT_TRUE(r.isOk());
    if (r->body.find("DL-1/counts") != std::string::npos) {
      listed = r->body;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(listed.empty()) << "DL-1/counts never became a dead letter";
  EXPECT_EQ(*harness_->sinkStat("distinct"), 0);
  const std::string line = logLineWith("is a dead letter");
  EXPECT_NE(line.find(R"("correlation_id":"DL-1")"), std::string::npos) << line;
  auto retry = harness_->hubRequest("POST", "/v1/dead-letters/DL-1%2Fcounts/retry", kAdminToken);
  ASSERT_TRUE(retry.isOk());
  EXPECT_EQ(retry->status, 200) << retry->body;
  ASSERT_TRUE(harness_->waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
}

TEST_F(HubIntegrationTest, MachineCounterIsQualifiedIntoACountDelta) {
  postOk("[" + eventJson("C-1", "machine.counter", "CNC-07", R"({"counter":65530})") + "," +
         eventJson("C-2", "machine.counter", "CNC-07", R"({"counter":4})", "2026-01-15T10:00:01Z") +
         "]");
  ASSERT_TRUE(harness_->waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
  auto recent = harness_->sinkKeys();
  ASSERT_TRUE(recent.isOk());
  ASSERT_EQ(recent->size(), 1u);
  auto trace = harness_->hubGet("/v1/events/C-2", kReadToken);
  ASSERT_TRUE(trace.isOk());
  EXPECT_NE(trace->body.find("derived"), std::string::npos) << trace->body;
}

TEST_F(HubIntegrationTest, SigtermDrainsAndExitsCleanly) {
  postOk("[" + eventJson("S-1", "production.count", "CNC-07", R"({"quantity":2})") + "]");
  auto code = harness_->stopHub();
  ASSERT_TRUE(code.isOk());
  EXPECT_EQ(*code, 0);
}

TEST_F(HubIntegrationTest, AuditVerifyPassesAndReplayPostsNothingTwice) {
  postOk("[" + eventJson("R-1", "production.count", "CNC-07", R"({"quantity":2})") + "," +
         eventJson("R-2", "downtime.started", "CNC-07", R"({"reason":"setup"})") + "]");
  ASSERT_TRUE(harness_->waitForSinkDistinct(2, std::chrono::seconds(30)).isOk());
  ASSERT_EQ(*harness_->stopHub(), 0);
  auto verify = harness_->runCli({"audit", "verify", harness_->configPath()});
  ASSERT_TRUE(verify.isOk());
  EXPECT_EQ(verify->exit_code, 0) << verify->output;
  EXPECT_NE(verify->output.find("intact"), std::string::npos) << verify->output;
  auto replay = harness_->runCli({"replay", harness_->configPath()});
  ASSERT_TRUE(replay.isOk());
  EXPECT_EQ(replay->exit_code, 0) << replay->output;
  EXPECT_NE(replay->output.find("0 new transactions"), std::string::npos) << replay->output;
  ASSERT_TRUE(harness_->startHub().isOk());
  EXPECT_EQ(*harness_->sinkStat("total"), 2);
}

TEST_F(HubIntegrationTest, MetricsAndHealthAnswer) {
  auto metrics = harness_->hubGet("/metrics", "");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("plantbridge_journal_records"), std::string::npos);
  EXPECT_NE(metrics->body.find("plantbridge_outbox_pending{target=\"sink\"}"), std::string::npos);
  auto ready = harness_->hubGet("/readyz", "");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200);
}

TEST(CheckConfigCommandTest, ReportsEveryProblemWithLineAndKey) {
  TempDir dir;
  std::string path = dir.file("bad.yaml");
  {
    std::ofstream out(path);
    out << "environment: test\nserver:\n  listen: \"127.0.0.1:99999\"\n"
           "targets:\n  t:\n    kind: webhook\n    url: ftp://x\n    colour: blue\n";
  }
  auto r = runCommand({plantbridgeBinary(), "check-config", path}, std::chrono::seconds(60));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(r->output.find("bad.yaml:3"), std::string::npos) << r->output;
  EXPECT_NE(r->output.find("targets.t.url"), std::string::npos) << r->output;
  EXPECT_NE(r->output.find("targets.t.colour"), std::string::npos) << r->output;
}

TEST(CheckConfigCommandTest, ExampleConfigIsValid) {
  std::string example = sourceDir() + "/examples/plant.yaml";
  auto r = runCommand({plantbridgeBinary(), "check-config", example}, std::chrono::seconds(60));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->exit_code, 0) << r->output;
}

}  // namespace
}  // namespace pb::test

namespace pb::test {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HubReloadTest, SighupRotatesTheWebhookSigningSecret) {
  HubHarness harness;
  ASSERT_TRUE(harness.startSink().isOk());
  ASSERT_TRUE(harness.writeConfig().isOk());
  ASSERT_TRUE(harness.startHub().isOk());
  auto post = [&](const std::string& id) {
    auto r = harness.postEvents(
        "[" + eventJson(id, "production.count", "CNC-07", R"({"quantity":1})") + "]");
    ASSERT_TRUE(r.isOk());
    ASSERT_EQ(r->status, 200) << r->body;
  };
  post("ROT-1");
  ASSERT_TRUE(harness.waitForSinkDistinct(1, std::chrono::seconds(30)).isOk());
  EXPECT_EQ(*harness.sinkStat("bad_signatures"), 0);

  // The sink only knows the old secret: once the hub signs with the new one, the sink refuses.
  std::ofstream(harness.dir().file("webhook-secret")) << "rotated-secret";
  kill(harness.hub().pid(), SIGHUP);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (readFile(harness.hubStderr()).find("signing secret replaced") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(readFile(harness.hubStderr()).find("signing secret replaced"), std::string::npos);
  post("ROT-2");
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (*harness.sinkStat("bad_signatures") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(*harness.sinkStat("bad_signatures"), 1);
  EXPECT_EQ(*harness.sinkStat("distinct"), 1);
}

}  // namespace
}  // namespace pb::test
