// HubApi's handlers through the Router, on the real SQLite store (no sockets here; see
// hub_server_test.cc for the HTTP path).
#include "plantbridge/hub/hub_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <future>

#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kIngestToken = "ingest-secret";
constexpr std::string_view kReadToken = "read-secret";
constexpr std::string_view kOpsToken = "ops-secret";
constexpr std::string_view kLimitedToken = "limited-secret";

TimePoint t0() { return *parseRfc3339("2026-11-22T10:00:00Z"); }

std::map<std::string, EventSchema> schemas() {
  EventSchema count;
  count.type = "production.count";
  FieldSchema quantity;
  quantity.name = "quantity";
  quantity.type = FieldSchema::Type::kInteger;
  quantity.required = true;
  quantity.min = 0;
  count.payload.push_back(quantity);
  count.required_context = {"work_center"};
  EventSchema alarm;
  alarm.type = "alarm.raised";
  return {{count.type, count}, {alarm.type, alarm}};
}

std::vector<TokenConfig> tokens() {
  return {
      {"edge-1", hashToken(kIngestToken), {Scope::kIngest}, {}},
      {"viewer", hashToken(kReadToken), {Scope::kRead}, {}},
      {"ops", hashToken(kOpsToken), {Scope::kOperate}, {}},
      {"limited", hashToken(kLimitedToken), {Scope::kIngest}, RateLimitConfig{10, 10}},
  };
}

std::string event(const std::string& id, int quantity = 5,
                  const std::string& type = "production.count") {
  return R"({"id":")" + id + R"(","type":")" + type +
         R"(","occurred_at":"2026-11-22T09:59:00Z","site":"plant-1","source":"test",)"
         R"("asset":"CNC-07","context":{"work_center":"WC-7"},"payload":{"quantity":)" +
         std::to_string(quantity) + "}}";
}

std::string array(const std::vector<std::string>& records) {
  std::string out = "[";
  for (size_t i = 0; i < records.size(); ++i) out += (i > 0 ? "," : "") + records[i];
  return out + "]";
}

json::value parseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v;
}

class HubApiTest : public ::testing::Test {
 protected:
  HubApiTest() : clock_(t0()), schemas_(schemas()), auth_(tokens()) {}

  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open() {
    SqliteStoreOptions store_options;
    store_options.path = dir_.file("store/plantbridge.db");
    store_options.durable = false;
    auto store = openSqliteStore(store_options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(store).value();
    HubApiHooks hooks;
    hooks.on_appended = [this] { ++appended_; };
    hooks.on_requeued = [this] { ++requeued_; };
    api_ = std::make_unique<HubApi>(options_, *store_, schemas_, auth_, metrics_, clock_, hooks);
    router_ = std::make_unique<Router>();
    Status s = api_->registerRoutes(*router_);
    ASSERT_TRUE(s.isOk()) << s.toString();
  }
  void close() {
    api_.reset();
    if (store_) store_->close();
    store_.reset();
  }
  // Re-creates the API with other options (same store file).
  void reopen(HubApiOptions options) {
    close();
    options_ = options;
    open();
  }

  HttpResponse call(std::string method, std::string target, std::string body = {},
                    std::string_view token = {}, const std::string& content_type = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    EXPECT_TRUE(parseRequestTarget(r.target, r.path, r.query).isOk());
    r.body = std::move(body);
    if (!token.empty()) r.headers.add("Authorization", "Bearer " + std::string(token));
    if (!content_type.empty()) r.headers.add("Content-Type", content_type);
    r.remote_address = "127.0.0.1:1";
    auto promise = std::make_shared<std::promise<HttpResponse>>();
    auto future = promise->get_future();
    router_->handle(r,
                    [promise](HttpResponse response) { promise->set_value(std::move(response)); });
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "no answer to " << r.method << " " << r.target;
      return HttpResponse::error(599, "test", "no answer");
    }
    return future.get();
  }
  HttpResponse ingest(std::string body, std::string_view token = kIngestToken,
                      const std::string& content_type = "application/json") {
    return call("POST", "/v1/events", std::move(body), token, content_type);
  }

  bool journaled(const std::string& id) {
    auto found = store_->journal().findById(id);
    EXPECT_TRUE(found.isOk());
    return found.isOk() && found->has_value();
  }

  // Adds a transaction for `event_id` through the pipeline store, the way the hub does.
  void addTransaction(const std::string& tx_id, const std::string& event_id) {
    StepResult step;
    step.event_id = event_id;
    Transaction tx;
    tx.id = tx_id;
    tx.event_id = event_id;
    tx.correlation_id = event_id;
    tx.route = tx_id.substr(tx_id.find('/') + 1);
    tx.target = "erp";
    tx.ordering_key = "WC-7";
    tx.body = R"({"qty":5})";
    tx.created_at = clock_.now();
    step.transactions.push_back(tx);
    auto added = store_->pipeline().commitSteps({step}, std::nullopt);
    ASSERT_TRUE(added.isOk()) << added.status().toString();
  }
  void attempt(const std::string& tx_id, int number, AttemptOutcome outcome, int http_status,
               TransactionState new_state, std::string message) {
    AttemptRecord r;
    r.attempt.transaction_id = tx_id;
    r.attempt.number = number;
    r.attempt.started_at = clock_.now();
    r.attempt.duration = 2500us;
    r.attempt.outcome = outcome;
    r.attempt.http_status = http_status;
    r.attempt.message = std::move(message);
    r.new_state = new_state;
    r.next_attempt_at = clock_.now() + 1s;
    Status s = store_->outbox().recordAttempt(r);
    ASSERT_TRUE(s.isOk()) << s.toString();
  }
  void deadLetter(const std::string& tx_id, const std::string& event_id) {
    addTransaction(tx_id, event_id);
    attempt(tx_id, 1, AttemptOutcome::kRejected, 422, TransactionState::kDead,
            "422: unknown product");
  }
  std::vector<AuditRecord> audit() {
    auto records = store_->audit().recent(100);
    EXPECT_TRUE(records.isOk());
    return records.isOk() ? *records : std::vector<AuditRecord>{};
  }

  test::TempDir dir_;
  ManualClock clock_;
  MetricsRegistry metrics_;
  SchemaRegistry schemas_;
  Authenticator auth_;
  HubApiOptions options_ = [] {
    HubApiOptions o;
    o.backlog_refresh = 0ms;  // read the backlog on every request
    return o;
  }();
  std::unique_ptr<Store> store_;
  std::unique_ptr<HubApi> api_;
  std::unique_ptr<Router> router_;
  std::atomic<int> appended_{0};
  std::atomic<int> requeued_{0};
};

// --- ingest ---------------------------------------------------------------------------------

TEST_F(HubApiTest, OneBadRecordNeverCostsTheGoodOnes) {
  HttpResponse first = ingest(array({event("dup-1")}));
  ASSERT_EQ(first.status, 200) << first.body;
  const int appended_before = appended_.load();

  HttpResponse r = ingest(array({event("ok-1"), event("bad-1", -3), event("dup-1")}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(
      r.body,
      R"j({"results":[{"index":0,"id":"ok-1","status":"accepted"},)j"
      R"j({"index":1,"id":"bad-1","status":"rejected","errors":[{"field":"payload.quantity",)j"
      R"j("message":"must be >= 0 (got -3)"}]},)j"
      R"j({"index":2,"id":"dup-1","status":"duplicate"}],)j"
      R"j("accepted":1,"duplicates":1,"rejected":1})j");
  EXPECT_TRUE(journaled("ok-1"));
  EXPECT_FALSE(journaled("bad-1"));
  EXPECT_EQ(appended_.load(), appended_before + 1);
}

TEST_F(HubApiTest, RejectionsNameEveryField) {
  HttpResponse r =
      ingest(array({R"({"id":"x-1","type":"production.count","occurred_at":"yesterday",)"
                    R"("payload":{"quantity":"many"},"colour":"red"})",
                    R"({"id":"x-2","type":"no.such.type",)"
                    R"("occurred_at":"2026-11-22T09:00:00Z"})",
                    "42"}));
  ASSERT_EQ(r.status, 422) << r.body;  // nothing accepted
  json::value v = parseJson(r.body);
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  std::set<std::string> fields;
  for (const auto& e : results[0].at("errors").as_array()) {
    fields.insert(std::string(e.at("field").as_string()));
  }
  EXPECT_TRUE(fields.count("occurred_at")) << r.body;
  EXPECT_TRUE(fields.count("colour")) << r.body;
  EXPECT_EQ(results[1].at("errors").at(0).at("field").as_string(), "type");
  EXPECT_EQ(results[2].at("status").as_string(), "rejected");
  EXPECT_FALSE(results[2].as_object().contains("id"));
  EXPECT_EQ(v.at("rejected").as_int64(), 3);
}

TEST_F(HubApiTest, ValidationRunsAfterDecoding) {
  // Decodes fine, but the schema wants context.work_center and an integer quantity.
  HttpResponse r = ingest(R"({"id":"v-1","type":"production.count",)"
                          R"("occurred_at":"2026-11-22T09:00:00Z","payload":{"quantity":1.5}})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find(R"("field":"payload.quantity")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("field":"context.work_center")"), std::string::npos) << r.body;
}

TEST_F(HubApiTest, SingleObjectBody) {
  HttpResponse r = ingest(event("single-1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"results":[{"index":0,"id":"single-1","status":"accepted"}],)"
                    R"("accepted":1,"duplicates":0,"rejected":0})");
  EXPECT_TRUE(journaled("single-1"));
}

TEST_F(HubApiTest, NdjsonByContentTypeReportsLinesOfRejections) {
  const std::string body = event("nd-1") + "\n" + event("nd-2", -1) + "\n\n" + event("nd-3") + "\n";
  HttpResponse r = ingest(body, kIngestToken, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = parseJson(r.body);
  EXPECT_EQ(v.at("accepted").as_int64(), 2);
  EXPECT_EQ(v.at("results").at(1).at("line").as_int64(), 2);
  EXPECT_TRUE(journaled("nd-1"));
  EXPECT_TRUE(journaled("nd-3"));
}

TEST_F(HubApiTest, NdjsonIsDetectedWithoutContentType) {
  HttpResponse r = ingest(event("det-1") + "\n" + event("det-2"), kIngestToken, "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseJson(r.body).at("accepted").as_int64(), 2);
}

TEST_F(HubApiTest, SameIdTwiceInOneRequestIsADuplicate) {
  HttpResponse r = ingest(array({event("twice"), event("twice")}));
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = parseJson(r.body);
  EXPECT_EQ(v.at("accepted").as_int64(), 1);
  EXPECT_EQ(v.at("duplicates").as_int64(), 1);
  EXPECT_EQ(v.at("results").at(1).at("status").as_string(), "duplicate");
}

TEST_F(HubApiTest, EmptyArrayIsNothingToDo) {
  HttpResponse r = ingest("[]");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"results":[],"accepted":0,"duplicates":0,"rejected":0})");
}

TEST_F(HubApiTest, MalformedJsonIs400WithTheOffset) {
  HttpResponse r = ingest(R"([{"id":"a",}])");
  ASSERT_EQ(r.status, 400) << r.body;
  json::value v = parseJson(r.body);
  EXPECT_EQ(v.at("error").at("code").as_string(), "malformed_json");
  EXPECT_EQ(v.at("error").at("offset").as_int64(), 11);
  EXPECT_EQ(v.at("error").at("line").as_int64(), 1);
  EXPECT_NE(std::string(v.at("error").at("message").as_string()).find("byte offset 11"),
            std::string::npos);

  HttpResponse nd = ingest(event("m-1") + "\n{\"id\" 1}\n", kIngestToken, "application/x-ndjson");
  ASSERT_EQ(nd.status, 400) << nd.body;
  EXPECT_EQ(parseJson(nd.body).at("error").at("line").as_int64(), 2);
  EXPECT_FALSE(journaled("m-1"));  // a body that is not JSON is refused as a whole
}

TEST_F(HubApiTest, MissingOrUnknownTokenIs401WithChallenge) {
  HttpResponse missing = ingest(event("a-1"), "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.headers.get("WWW-Authenticate").value_or(""), R"(Bearer realm="plantbridge")");
  HttpResponse unknown = ingest(event("a-1"), "wrong");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.headers.get("WWW-Authenticate").value_or(""),
            R"(Bearer realm="plantbridge", error="invalid_token")");
  EXPECT_NE(unknown.body.find("unknown token"), std::string::npos);
  EXPECT_FALSE(journaled("a-1"));
}

TEST_F(HubApiTest, TokenWithoutIngestScopeIs403) {
  HttpResponse r = ingest(event("a-2"), kReadToken);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("'viewer' lacks the scope 'ingest'"), std::string::npos) << r.body;
}

TEST_F(HubApiTest, BodyOverTheLimitIs413) {
  HubApiOptions options = options_;
  options.max_body_bytes = 100;
  reopen(options);
  HttpResponse r = ingest(array({event("big-1")}));
  EXPECT_EQ(r.status, 413);
  EXPECT_FALSE(journaled("big-1"));
}

TEST_F(HubApiTest, TooManyRecordsIs413) {
  HubApiOptions options = options_;
  options.max_records_per_request = 2;
  reopen(options);
  HttpResponse r = ingest(array({event("n-1"), event("n-2"), event("n-3")}));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("at most 2 records"), std::string::npos) << r.body;
  EXPECT_EQ(ingest(array({event("n-1"), event("n-2")})).status, 200);
}

TEST_F(HubApiTest, RateLimitIs429WithRetryAfterAndRefills) {
  std::vector<std::string> ten;
  ten.reserve(10);
  for (int i = 0; i < 10; ++i) ten.push_back(event("rl-" + std::to_string(i)));
  ASSERT_EQ(ingest(array(ten), kLimitedToken).status, 200);
  HttpResponse r = ingest(event("rl-10"), kLimitedToken);
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers.get("Retry-After").value_or(""), "1");
  EXPECT_FALSE(journaled("rl-10"));
  // Other tokens are not affected.
  EXPECT_EQ(ingest(event("other-1")).status, 200);
  clock_.advance(1s);
  EXPECT_EQ(ingest(event("rl-10"), kLimitedToken).status, 200);
}

TEST_F(HubApiTest, BatchLargerThanTheTokensBurstIs413) {
  std::vector<std::string> eleven;
  eleven.reserve(11);
  for (int i = 0; i < 11; ++i) eleven.push_back(event("burst-" + std::to_string(i)));
  HttpResponse r = ingest(array(eleven), kLimitedToken);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("more than token 'limited' may send at once (10)"), std::string::npos)
      << r.body;
}

TEST_F(HubApiTest, BacklogOverTheHighWaterMarkIs503UntilThePipelineCatchesUp) {
  HubApiOptions options = options_;
  options.high_water_mark = 2;
  reopen(options);
  ASSERT_EQ(ingest(array({event("hw-1"), event("hw-2"), event("hw-3")})).status, 200);
  HttpResponse r = ingest(event("hw-4"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.headers.get("Retry-After").value_or(""), "1");
  EXPECT_NE(r.body.find("\"overloaded\""), std::string::npos);
  EXPECT_FALSE(journaled("hw-4"));
  EXPECT_EQ(call("GET", "/readyz").status, 503);

  // The pipeline processes the backlog: ingest flows again.
  auto moved = store_->pipeline().commitSteps({}, store_->journal().headSeq());
  ASSERT_TRUE(moved.isOk()) << moved.status().toString();
  EXPECT_EQ(ingest(event("hw-4")).status, 200);
  EXPECT_TRUE(journaled("hw-4"));
}

TEST_F(HubApiTest, BacklogIsCachedBetweenRefreshes) {
  HubApiOptions options = options_;
  options.high_water_mark = 2;
  options.backlog_refresh = 1s;
  reopen(options);
  ASSERT_EQ(ingest(array({event("c-1"), event("c-2")})).status, 200);
  EXPECT_EQ(api_->cachedBacklog(), 2);  // counted locally, no store read needed
  ASSERT_EQ(ingest(event("c-3")).status, 200);
  EXPECT_EQ(ingest(event("c-4")).status, 503);
  // The pipeline catches up, but the hub only learns it at the next refresh (or when told).
  ASSERT_TRUE(store_->pipeline().commitSteps({}, store_->journal().headSeq()).isOk());
  EXPECT_EQ(ingest(event("c-4")).status, 503);
  clock_.advance(1s);
  EXPECT_EQ(ingest(event("c-4")).status, 200);
  api_->noteBacklog(100);
  EXPECT_EQ(ingest(event("c-5")).status, 503);
  api_->noteBacklog(0);
  EXPECT_EQ(ingest(event("c-5")).status, 200);
}

TEST_F(HubApiTest, StoreFailureIs503AndNotReady) {
  store_->close();
  HttpResponse r = ingest(event("sf-1"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("\"store_unavailable\""), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.get("Retry-After").value_or(""), "1");
  HttpResponse ready = call("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("store"), std::string::npos) << ready.body;
}

TEST_F(HubApiTest, IngestMetricsCountRequestsAndRecords) {
  ASSERT_EQ(ingest(array({event("mt-1"), event("mt-2", -1)})).status, 200);
  ASSERT_EQ(ingest("{", kIngestToken).status, 400);
  ASSERT_EQ(ingest(event("mt-3"), "").status, 401);
  HttpResponse m = call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers.get("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line : {R"(plantbridge_ingest_records_total{result="accepted"} 1)",
                           R"(plantbridge_ingest_records_total{result="rejected"} 1)",
                           R"(plantbridge_ingest_requests_total{status="200"} 1)",
                           R"(plantbridge_ingest_requests_total{status="400"} 1)",
                           R"(plantbridge_ingest_requests_total{status="401"} 1)",
                           "plantbridge_ingest_request_duration_seconds_count 3"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line << "\n" << m.body;
  }
}

TEST_F(HubApiTest, MetricsMayRequireAuth) {
  HubApiOptions options = options_;
  options.metrics_require_auth = true;
  reopen(options);
  EXPECT_EQ(call("GET", "/metrics").status, 401);
  EXPECT_EQ(call("GET", "/metrics", "", kReadToken).status, 200);
}

// --- operations -----------------------------------------------------------------------------

TEST_F(HubApiTest, HealthzAndReadyz) {
  HttpResponse health = call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  HttpResponse ready = call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, R"({"status":"ready","backlog":0})");
  api_->setDraining(true);
  ready = call("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("\"draining\""), std::string::npos);
}

// --- admin ----------------------------------------------------------------------------------

TEST_F(HubApiTest, EventTraceTellsTheWholeStory) {
  ASSERT_EQ(ingest(event("story-1")).status, 200);
  auto record = store_->journal().findById("story-1");
  ASSERT_TRUE(record.isOk() && record->has_value());
  StepResult step;
  step.journal_seq = (*record)->seq;
  step.event_id = "story-1";
  step.trace.push_back({"story-1", "validate", "passed", "", clock_.now()});
  step.trace.push_back({"story-1", "route", "routed", "1 transaction", clock_.now()});
  Transaction tx;
  tx.id = "story-1/erp-count";
  tx.event_id = "story-1";
  tx.route = "erp-count";
  tx.target = "erp";
  tx.ordering_key = "WC-7";
  tx.body = R"({"qty":5})";
  tx.created_at = clock_.now();
  step.transactions.push_back(tx);
  ASSERT_TRUE(store_->pipeline().commitSteps({step}, (*record)->seq).isOk());
  attempt(tx.id, 1, AttemptOutcome::kRetry, 503, TransactionState::kPending, "busy");

  HttpResponse r = call("GET", "/v1/events/story-1", "", kReadToken);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = parseJson(r.body);
  EXPECT_EQ(v.at("event").at("id").as_string(), "story-1");
  EXPECT_EQ(v.at("journal").at("seq").as_int64(), (*record)->seq);
  EXPECT_EQ(v.at("journal").at("hash").as_string(), toHex((*record)->hash));
  EXPECT_TRUE(v.at("pipeline").at("processed").as_bool());
  ASSERT_EQ(v.at("trace").as_array().size(), 2u);
  EXPECT_EQ(v.at("trace").at(1).at("outcome").as_string(), "routed");
  EXPECT_TRUE(v.at("exception").is_null());
  const auto& txs = v.at("transactions").as_array();
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(txs[0].at("id").as_string(), "story-1/erp-count");
  EXPECT_EQ(txs[0].at("state").as_string(), "pending");
  EXPECT_EQ(txs[0].at("body").at("qty").as_int64(), 5);
  ASSERT_EQ(txs[0].at("attempts").as_array().size(), 1u);
  EXPECT_EQ(txs[0].at("attempts").at(0).at("http_status").as_int64(), 503);
  EXPECT_EQ(txs[0].at("attempts").at(0).at("message").as_string(), "busy");
  EXPECT_EQ(txs[0].at("attempts").at(0).at("outcome").as_string(),
            attemptOutcomeName(AttemptOutcome::kRetry));
}

TEST_F(HubApiTest, EventTraceShowsTheException) {
  ASSERT_EQ(ingest(event("exc-1")).status, 200);
  StepResult step;
  step.journal_seq = store_->journal().headSeq();
  step.event_id = "exc-1";
  step.exception = ExceptionEntry{"exc-1", "enrich", "no active order on WC-7", clock_.now()};
  ASSERT_TRUE(store_->pipeline().commitSteps({step}, step.journal_seq).isOk());
  HttpResponse r = call("GET", "/v1/events/exc-1", "", kReadToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseJson(r.body).at("exception").at("reason").as_string(), "no active order on WC-7");

  HttpResponse list = call("GET", "/v1/exceptions?limit=10", "", kReadToken);
  ASSERT_EQ(list.status, 200) << list.body;
  json::value v = parseJson(list.body);
  ASSERT_EQ(v.at("exceptions").as_array().size(), 1u);
  EXPECT_EQ(v.at("exceptions").at(0).at("event_id").as_string(), "exc-1");
  EXPECT_EQ(v.at("exceptions").at(0).at("stage").as_string(), "enrich");
  EXPECT_EQ(call("GET", "/v1/exceptions", "", kIngestToken).status, 403);
}

TEST_F(HubApiTest, UnknownEventIs404AndTraceNeedsRead) {
  EXPECT_EQ(call("GET", "/v1/events/nope", "", kReadToken).status, 404);
  EXPECT_EQ(call("GET", "/v1/events/nope", "", kIngestToken).status, 403);
  EXPECT_EQ(call("GET", "/v1/events/nope").status, 401);
}

TEST_F(HubApiTest, DeadLettersAreListedAndShown) {
  deadLetter("dl-1/erp", "dl-1");
  HttpResponse list = call("GET", "/v1/dead-letters", "", kReadToken);
  ASSERT_EQ(list.status, 200) << list.body;
  json::value v = parseJson(list.body);
  ASSERT_EQ(v.at("dead_letters").as_array().size(), 1u);
  EXPECT_EQ(v.at("dead_letters").at(0).at("id").as_string(), "dl-1/erp");
  EXPECT_EQ(v.at("dead_letters").at(0).at("last_error").as_string(), "422: unknown product");
  EXPECT_TRUE(v.at("next_before").is_null());
  EXPECT_EQ(call("GET", "/v1/dead-letters", "", kOpsToken).status, 200);
  EXPECT_EQ(call("GET", "/v1/dead-letters", "", kIngestToken).status, 403);

  // The id's '/' may be sent as is or encoded.
  for (std::string target : {"/v1/dead-letters/dl-1/erp", "/v1/dead-letters/dl-1%2Ferp"}) {
    HttpResponse show = call("GET", target, "", kReadToken);
    ASSERT_EQ(show.status, 200) << target << ": " << show.body;
    json::value s = parseJson(show.body);
    EXPECT_EQ(s.at("state").as_string(), "dead");
    EXPECT_EQ(s.at("body").at("qty").as_int64(), 5);
    ASSERT_EQ(s.at("attempts").as_array().size(), 1u);
    EXPECT_EQ(s.at("attempts").at(0).at("http_status").as_int64(), 422);
  }
  EXPECT_EQ(call("GET", "/v1/dead-letters/nope/erp", "", kReadToken).status, 404);
}

TEST_F(HubApiTest, DeadLettersArePaged) {
  for (int i = 0; i < 3; ++i)
    deadLetter("p-" + std::to_string(i) + "/erp", "p-" + std::to_string(i));
  HttpResponse first = call("GET", "/v1/dead-letters?limit=2", "", kReadToken);
  ASSERT_EQ(first.status, 200) << first.body;
  json::value v = parseJson(first.body);
  ASSERT_EQ(v.at("dead_letters").as_array().size(), 2u);
  EXPECT_EQ(v.at("dead_letters").at(0).at("id").as_string(), "p-2/erp");
  ASSERT_TRUE(v.at("next_before").is_int64());
  HttpResponse second = call(
      "GET", "/v1/dead-letters?limit=2&before=" + std::to_string(v.at("next_before").as_int64()),
      "", kReadToken);
  json::value w = parseJson(second.body);
  ASSERT_EQ(w.at("dead_letters").as_array().size(), 1u);
  EXPECT_EQ(w.at("dead_letters").at(0).at("id").as_string(), "p-0/erp");
  EXPECT_TRUE(w.at("next_before").is_null());
  EXPECT_EQ(call("GET", "/v1/dead-letters?limit=0", "", kReadToken).status, 400);
  EXPECT_EQ(call("GET", "/v1/dead-letters?limit=abc", "", kReadToken).status, 400);
  EXPECT_EQ(call("GET", "/v1/dead-letters?before=-1", "", kReadToken).status, 400);
}

TEST_F(HubApiTest, RetryMovesADeadLetterBackAndIsAudited) {
  deadLetter("rt-1/erp", "rt-1");
  HttpResponse r = call("POST", "/v1/dead-letters/rt-1/erp/retry", "", kOpsToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"id":"rt-1/erp","state":"pending"})");
  EXPECT_EQ(requeued_.load(), 1);
  auto entry = store_->outbox().get("rt-1/erp");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kPending);

  // Not dead any more: 404, audited as refused, no wake-up.
  HttpResponse again = call("POST", "/v1/dead-letters/rt-1%2Ferp/retry", "", kOpsToken);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(requeued_.load(), 1);

  auto records = audit();
  ASSERT_EQ(records.size(), 2u);
  int accepted = 0;
  for (const AuditRecord& a : records) {
    EXPECT_EQ(a.actor, "ops");
    EXPECT_EQ(a.action, "dlq.retry");
    EXPECT_EQ(a.subject, "rt-1/erp");
    accepted += a.accepted ? 1 : 0;
  }
  EXPECT_EQ(accepted, 1);
}

TEST_F(HubApiTest, DiscardMarksTheDeadLetterAndIsAudited) {
  deadLetter("ds-1/erp", "ds-1");
  HttpResponse r = call("DELETE", "/v1/dead-letters/ds-1/erp", "", kOpsToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"id":"ds-1/erp","state":"discarded"})");
  auto entry = store_->outbox().get("ds-1/erp");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kDiscarded);
  auto records = audit();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].action, "dlq.discard");
  EXPECT_EQ(records[0].actor, "ops");
  EXPECT_TRUE(records[0].accepted);
  EXPECT_EQ(call("GET", "/v1/dead-letters/ds-1/erp", "", kReadToken).status, 404);
}

TEST_F(HubApiTest, DeadLetterActionsNeedOperateAndRefusalsAreAudited) {
  deadLetter("op-1/erp", "op-1");
  EXPECT_EQ(call("POST", "/v1/dead-letters/op-1/erp/retry", "", kReadToken).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/dead-letters/op-1/erp", "", kReadToken).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/dead-letters/op-1/erp").status, 401);
  auto entry = store_->outbox().get("op-1/erp");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kDead);
  auto records = audit();
  ASSERT_EQ(records.size(), 2u);  // the two refusals of a known token; not the anonymous one
  for (const AuditRecord& a : records) {
    EXPECT_EQ(a.actor, "viewer");
    EXPECT_FALSE(a.accepted);
  }
  EXPECT_EQ(requeued_.load(), 0);
}

TEST_F(HubApiTest, RegisteringTwiceFails) {
  EXPECT_EQ(api_->registerRoutes(*router_).code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace pb
