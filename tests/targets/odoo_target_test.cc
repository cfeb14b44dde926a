// The Odoo client and target against the Odoo test double (tools/odoo_double), started by
// each test as a child process, as Odoo 18 (JSON-RPC) and as Odoo 19 (JSON-2).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "odoo_double_process.h"
#include "plantbridge/targets/odoo.h"
#include "sink_process.h"
#include "support/deliver_and_wait.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

namespace json = boost::json;
using Kind = DeliveryResult::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::OdooDoubleOptions;
using test::OdooDoubleProcess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";

// Replaces a file's content atomically (as a secret manager does), so no reader sees it empty.
void writeAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content << "\n";
  }
  std::filesystem::rename(tmp, path);
}

Result<OdooServerInfo> connectAndWait(OdooClient& client) {
  std::promise<Result<OdooServerInfo>> promise;
  auto future = promise.get_future();
  client.connectAsync([&promise](Result<OdooServerInfo> r) { promise.set_value(std::move(r)); });
  if (future.wait_for(seconds(60)) != std::future_status::ready) {
    return Status::internal("test: no answer to connectAsync within 60 s");
  }
  return future.get();
}

OdooCallResult callAndWait(OdooClient& client, const std::string& model, const std::string& method,
                           const std::string& args, const std::string& kwargs = "{}") {
  OdooCall call;
  call.model = model;
  call.method = method;
  call.args_json = args;
  call.kwargs_json = kwargs;
  auto promise = std::make_shared<std::promise<OdooCallResult>>();
  auto future = promise->get_future();
  client.callAsync(std::move(call), OdooCallMeta{"tx-1", "corr-1"},
                   [promise](OdooCallResult r) { promise->set_value(std::move(r)); });
  if (future.wait_for(seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer to " << model << "." << method << " within 60 s";
    OdooCallResult none;
    none.outcome = DeliveryResult::retry("test: no answer");
    return none;
  }
  return future.get();
}

DeliveryResult deliverAndWait(Target& target, const std::string& body,
                              const std::string& id = "01JTEST/route") {
  Transaction tx;
  tx.id = id;
  tx.event_id = "01JTEST";
  tx.correlation_id = "corr-7";
  tx.target = target.name();
  tx.body = body;
  return test::deliverAndWait(target, tx);
}

// The first id in a create's answer: an id (JSON-RPC create({...})) or a list of ids.
int64_t firstId(const std::string& result_json) {
  const json::value v = json::parse(result_json);
  if (v.is_int64()) return v.as_int64();
  if (v.is_array() && !v.as_array().empty() && v.as_array()[0].is_int64()) {
    return v.as_array()[0].as_int64();
  }
  ADD_FAILURE() << "not an id: " << result_json;
  return 0;
}

class OdooDoubleTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    double_key_file_ = dir_.file("double.key");
    client_key_file_ = dir_.file("client.key");
    writeAtomically(double_key_file_, kKey);
    writeAtomically(client_key_file_, kKey);
  }

  int version() const { return GetParam(); }
  OdooProtocol protocol() const { return protocolForVersion(version()); }

  void startDouble(bool keep_alive = false) {
    OdooDoubleOptions options;
    options.version = version();
    options.api_key_file = double_key_file_;
    options.keep_alive = keep_alive;
    const Status st = double_.start(options, dir_.file("double.stderr"));
    ASSERT_TRUE(st.isOk()) << st.toString();
  }

  TargetConfig config(const std::string& url = {}) const {
    TargetConfig c;
    c.name = "erp";
    c.kind = kOdooKind;
    c.concurrency = 2;
    c.odoo.url = url.empty() ? double_.url() : url;
    c.odoo.db = "mfg";
    c.odoo.user = "admin";
    c.odoo.api_key_file = client_key_file_;
    c.odoo.timeout = seconds(20);
    return c;
  }

  std::unique_ptr<OdooClient> makeClient(const TargetConfig& c) {
    auto client = makeOdooClient(c, clock_, &metrics_);
    EXPECT_TRUE(client.isOk()) << client.status().toString();
    return client.isOk() ? std::move(client).value() : nullptr;
  }
  std::unique_ptr<Target> makeTarget(const TargetConfig& c) {
    auto target = makeOdooTarget(c, clock_, &metrics_);
    EXPECT_TRUE(target.isOk()) << target.status().toString();
    return target.isOk() ? std::move(target).value() : nullptr;
  }

  test::TempDir dir_;
  std::string double_key_file_;
  std::string client_key_file_;
  OdooDoubleProcess double_;
  SystemClock clock_;
  MetricsRegistry metrics_;
};

std::string versionName(const ::testing::TestParamInfo<int>& info) {
  return "Odoo" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Versions, OdooDoubleTest, ::testing::Values(18, 19), versionName);

TEST_P(OdooDoubleTest, DetectsTheVersionLogsInAndExportsIt) {
  startDouble();
  auto client = makeClient(config());
  ASSERT_TRUE(client);
  auto info = connectAndWait(*client);
  ASSERT_TRUE(info.isOk()) << info.status().toString();
  const std::string expected_version = std::to_string(version()) + ".0";
  EXPECT_EQ(info->version, expected_version);
  EXPECT_EQ(info->major, version());
  EXPECT_EQ(info->protocol, protocol());
  EXPECT_TRUE(info->detected);
  EXPECT_EQ(info->uid, 2);
  ASSERT_TRUE(client->serverInfo().has_value());
  EXPECT_EQ(client->names().major(), version());
  EXPECT_THAT(metrics_.render(),
              HasSubstr(std::string("plantbridge_odoo_server_info{protocol=\"") +
                        odooProtocolName(protocol()) + "\",target=\"erp\",version=\"" +
                        expected_version + "\"} 1\n"));
  EXPECT_THAT(metrics_.render(),
              HasSubstr("plantbridge_odoo_logins_total{result=\"ok\",target=\"erp\"} 1\n"));
}

TEST_P(OdooDoubleTest, SearchReadAnswersTheRecords) {
  startDouble();
  auto client = makeClient(config());
  ASSERT_TRUE(client);
  const OdooCallResult r =
      callAndWait(*client, "mrp.workcenter", "search_read", "[[]]", R"({"fields":["name"]})");
  ASSERT_EQ(r.outcome.kind, Kind::kDelivered) << r.outcome.message;
  EXPECT_TRUE(r.has_result);
  const json::array rows = json::parse(r.result_json).as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("name").as_string(), "Assembly Line 1");
  EXPECT_EQ(rows[1].at("name").as_string(), "Press 2");
  // Model calls at the double: this one, plus JSON-2's login check (a search_read of the user;
  // JSON-RPC's common.authenticate is not a model call).
  EXPECT_EQ(*double_.counter("calls_total"), protocol() == OdooProtocol::kJson2 ? 2 : 1);
}

TEST_P(OdooDoubleTest, CreateThenFindItsExternalIdInIrModelData) {
  startDouble();
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  OdooClient* client = odooClientOf(*target);
  ASSERT_NE(client, nullptr);
  // Create through the target, as a transaction.
  DeliveryResult d = deliverAndWait(
      *target,
      R"({"model":"res.partner","method":"create","args":[[{"name":"plantbridge test"}]]})");
  ASSERT_EQ(d.kind, Kind::kDelivered) << d.message;
  const int64_t partner = firstId(d.message);
  ASSERT_GT(partner, 0);
  // Record the idempotency key with it (ODOO18 §8).
  d = deliverAndWait(
      *target,
      R"({"model":"ir.model.data","method":"create","args":[[{"module":"plantbridge","name":"tx_42","model":"res.partner","res_id":)" +
          std::to_string(partner) + R"(,"noupdate":true}]]})");
  ASSERT_EQ(d.kind, Kind::kDelivered) << d.message;
  // Find it again: search_read and check_object_reference.
  OdooCallResult r = callAndWait(*client, "ir.model.data", "search_read",
                                 R"([[["module","=","plantbridge"],["name","=","tx_42"]]])",
                                 R"({"fields":["model","res_id"]})");
  ASSERT_EQ(r.outcome.kind, Kind::kDelivered) << r.outcome.message;
  const json::array found = json::parse(r.result_json).as_array();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].at("model").as_string(), "res.partner");
  EXPECT_EQ(found[0].at("res_id").as_int64(), partner);
  r = callAndWait(*client, "ir.model.data", "check_object_reference", R"(["plantbridge","tx_42"])");
  ASSERT_EQ(r.outcome.kind, Kind::kDelivered) << r.outcome.message;
  EXPECT_EQ(json::parse(r.result_json),
            json::parse(R"(["res.partner",)" + std::to_string(partner) + "]"));
  // The same external id again is refused atomically: permanent, with Odoo's message.
  d = deliverAndWait(
      *target,
      R"({"model":"ir.model.data","method":"create","args":[[{"module":"plantbridge","name":"tx_42","model":"res.partner","res_id":)" +
          std::to_string(partner) + "}]]}");
  EXPECT_EQ(d.kind, Kind::kReject);
  EXPECT_THAT(d.message, HasSubstr("odoo.exceptions.ValidationError"));
  EXPECT_THAT(d.message, HasSubstr("ir_model_data_module_name_uniq_index"));
  // An unknown external id: builtins.ValueError, permanent.
  r = callAndWait(*client, "ir.model.data", "check_object_reference", R"(["plantbridge","nope"])");
  EXPECT_EQ(r.outcome.kind, Kind::kReject);
  EXPECT_EQ(r.error_name, "builtins.ValueError");
  EXPECT_THAT(r.outcome.message,
              HasSubstr("External ID not found in the system: plantbridge.nope"));
}

TEST_P(OdooDoubleTest, MethodReturningNothingIsDelivered) {
  startDouble();
  auto client = makeClient(config());
  ASSERT_TRUE(client);
  OdooCallResult r = callAndWait(*client, "res.partner", "create", R"([[{"name":"to archive"}]])");
  ASSERT_EQ(r.outcome.kind, Kind::kDelivered) << r.outcome.message;
  const int64_t id = firstId(r.result_json);
  // action_archive returns None: JSON-RPC answers without `result`, JSON-2 with `null`.
  r = callAndWait(*client, "res.partner", "action_archive", "[[" + std::to_string(id) + "]]");
  EXPECT_EQ(r.outcome.kind, Kind::kDelivered) << r.outcome.message;
  EXPECT_FALSE(r.has_result);
  EXPECT_EQ(r.result_json, "null");
}

TEST_P(OdooDoubleTest, PermanentErrorsAreRejectedWithOdoosMessage) {
  startDouble();
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  const std::string search =
      R"({"model":"res.partner","method":"search_read","args":[[]],"kwargs":{"fields":["name"],"limit":1}})";
  for (const char* name :
       {"AccessError", "UserError", "ValidationError", "MissingError", "ValueError"}) {
    ASSERT_TRUE(
        double_
            .fault(std::string(R"({"model":"res.partner","method":"search_read","error":")") +
                   name + "\"}")
            .isOk());
    const DeliveryResult d = deliverAndWait(*target, search);
    EXPECT_EQ(d.kind, Kind::kReject) << name << ": " << d.message;
    EXPECT_THAT(d.message, HasSubstr(name));
  }
  // Errors Odoo raises by itself: an unknown model (UserError in JSON-RPC, 404 NotFound in
  // JSON-2) and an unknown method (AttributeError / 404 NotFound).
  DeliveryResult d =
      deliverAndWait(*target, R"({"model":"no.such.model","method":"search","args":[[]]})");
  EXPECT_EQ(d.kind, Kind::kReject) << d.message;
  EXPECT_THAT(d.message, HasSubstr("no.such.model"));
  d = deliverAndWait(*target, R"({"model":"res.partner","method":"no_such_method","args":[[1]]})");
  EXPECT_EQ(d.kind, Kind::kReject) << d.message;
  EXPECT_THAT(d.message, HasSubstr("no_such_method"));
  // A body that is not an Odoo call never reaches Odoo.
  d = deliverAndWait(*target, R"({"model":"res.partner"})");
  EXPECT_EQ(d.kind, Kind::kReject);
  EXPECT_THAT(d.message, HasSubstr("not an Odoo call"));
}

TEST_P(OdooDoubleTest, RetryableFaultsAreRetried) {
  startDouble();
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  const std::string write =
      R"({"model":"res.partner","method":"write","args":[[1],{"comment":"x"}]})";
  ASSERT_TRUE(double_.fault(R"({"method":"write","error":"SerializationFailure"})").isOk());
  DeliveryResult d = deliverAndWait(*target, write);
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  EXPECT_THAT(d.message, HasSubstr("psycopg2.errors.SerializationFailure"));

  ASSERT_TRUE(double_.fault(R"({"method":"write","error":"LockError"})").isOk());
  d = deliverAndWait(*target, write);
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;

  ASSERT_TRUE(double_.fault(R"({"method":"write","http_status":503,"retry_after":7})").isOk());
  d = deliverAndWait(*target, write);
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  EXPECT_EQ(d.http_status, 503);
  EXPECT_EQ(d.retry_after, seconds(7));

  ASSERT_TRUE(double_.fault(R"({"method":"write","http_status":429,"retry_after":3})").isOk());
  d = deliverAndWait(*target, write);
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  EXPECT_EQ(d.http_status, 429);
  EXPECT_EQ(d.retry_after, seconds(3));

  ASSERT_TRUE(double_.fault(R"({"method":"write","http_status":502})").isOk());
  d = deliverAndWait(*target, write);
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;

  // After the faults, the same transaction goes through.
  EXPECT_EQ(deliverAndWait(*target, write).kind, Kind::kDelivered);
}

TEST_P(OdooDoubleTest, DroppedConnectionIsRetriedEvenWhenTheWriteLanded) {
  startDouble();
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  OdooClient* client = odooClientOf(*target);
  ASSERT_TRUE(connectAndWait(*client).isOk());
  ASSERT_TRUE(double_.fault(R"({"method":"create","drop":"before"})").isOk());
  DeliveryResult d = deliverAndWait(
      *target, R"({"model":"res.partner","method":"create","args":[[{"name":"dropped before"}]]})");
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  EXPECT_EQ(d.http_status, 0);
  EXPECT_THAT(d.message, HasSubstr("connection closed"));

  // Commit, then drop: the client cannot know the write landed. It reports Retry (at least
  // once); part 2's idempotency keys make the retry find the earlier write.
  ASSERT_TRUE(double_.fault(R"({"method":"create","drop":"after_commit"})").isOk());
  d = deliverAndWait(
      *target, R"({"model":"res.partner","method":"create","args":[[{"name":"dropped after"}]]})");
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  const OdooCallResult found =
      callAndWait(*client, "res.partner", "search_count", R"([[["name","=","dropped after"]]])");
  EXPECT_EQ(found.result_json, "1");
  EXPECT_EQ(*double_.counter("dropped"), 2);
}

TEST_P(OdooDoubleTest, SlowAnswerTimesOutAndIsRetried) {
  startDouble();
  TargetConfig c = config();
  c.odoo.timeout = milliseconds(1500);
  auto target = makeTarget(c);
  ASSERT_TRUE(target);
  ASSERT_TRUE(connectAndWait(*odooClientOf(*target)).isOk());
  ASSERT_TRUE(double_.fault(R"({"method":"search_read","delay_ms":4000})").isOk());
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult d = deliverAndWait(
      *target,
      R"({"model":"res.partner","method":"search_read","args":[[]],"kwargs":{"limit":1}})");
  EXPECT_EQ(d.kind, Kind::kRetry) << d.message;
  EXPECT_THAT(d.message, HasSubstr("timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(4));
}

TEST_P(OdooDoubleTest, ConnectionCloseMeansANewConnectionPerCall) {
  startDouble();
  auto client = makeClient(config());
  ASSERT_TRUE(client);
  ASSERT_TRUE(connectAndWait(*client).isOk());
  const int64_t before = *double_.counter("connections");
  const HttpClientStats stats_before = client->httpStats();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(callAndWait(*client, "res.partner", "search_count", "[[]]").outcome.kind,
              Kind::kDelivered);
  }
  // Odoo's own server answers HTTP/1.0 + Connection: close (ODOO18 §0): one connection each.
  EXPECT_EQ(*double_.counter("connections") - before, 5);
  const HttpClientStats stats = client->httpStats();
  EXPECT_EQ(stats.connections_opened - stats_before.connections_opened, 5u);
  EXPECT_EQ(stats.connections_reused, 0u);
}

TEST_P(OdooDoubleTest, KeepAliveIsReusedWhenOffered) {
  startDouble(/*keep_alive=*/true);
  TargetConfig c = config();
  c.concurrency = 1;
  auto client = makeClient(c);
  ASSERT_TRUE(client);
  ASSERT_TRUE(connectAndWait(*client).isOk());
  const int64_t before = *double_.counter("connections");
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(callAndWait(*client, "res.partner", "search_count", "[[]]").outcome.kind,
              Kind::kDelivered);
  }
  // Behind a proxy that keeps connections: the login's connection carries all five calls.
  EXPECT_EQ(*double_.counter("connections") - before, 0);
  EXPECT_GE(client->httpStats().connections_reused, 5u);
  EXPECT_EQ(client->httpStats().connections_opened, 1u);
}

TEST_P(OdooDoubleTest, WrongKeyIsAClearAccessDenied) {
  startDouble();
  writeAtomically(client_key_file_, "not-the-key-0123456789");
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  auto info = connectAndWait(*odooClientOf(*target));
  ASSERT_FALSE(info.isOk());
  EXPECT_EQ(info.status().code(), StatusCode::kUnauthenticated);
  const std::string& message = info.status().message();
  EXPECT_THAT(message, HasSubstr("Odoo login failed for user 'admin' on database 'mfg'"));
  EXPECT_THAT(message, HasSubstr(client_key_file_));
  EXPECT_THAT(message, Not(HasSubstr("not-the-key")));
  const DeliveryResult d =
      deliverAndWait(*target, R"({"model":"res.partner","method":"search_count","args":[[]]})");
  EXPECT_EQ(d.kind, Kind::kReject);
  EXPECT_THAT(d.message, HasSubstr("Odoo login failed for user 'admin' on database 'mfg'"));
  EXPECT_THAT(d.message, Not(HasSubstr("not-the-key")));
  EXPECT_THAT(metrics_.render(),
              HasSubstr("plantbridge_odoo_logins_total{result=\"refused\",target=\"erp\"} "));
}

TEST_P(OdooDoubleTest, RotatedKeyFileIsUsedWithoutARestart) {
  startDouble();
  auto target = makeTarget(config());
  ASSERT_TRUE(target);
  OdooClient* client = odooClientOf(*target);
  const std::string count = R"({"model":"res.partner","method":"search_count","args":[[]]})";
  ASSERT_EQ(deliverAndWait(*target, count).kind, Kind::kDelivered);

  // Rotation: Odoo gets a new key and the key file follows before the next delivery.
  const std::string key2 = "aaaabbbbccccddddeeeeffff0000111122223333";
  writeAtomically(double_key_file_, key2);
  writeAtomically(client_key_file_, key2);
  DeliveryResult d = deliverAndWait(*target, count);
  EXPECT_EQ(d.kind, Kind::kDelivered) << d.message;

  // Odoo's key changes but the file does not (yet): the old key is refused, clearly.
  const std::string key3 = "9999888877776666555544443333222211110000";
  writeAtomically(double_key_file_, key3);
  d = deliverAndWait(*target, count);
  EXPECT_EQ(d.kind, Kind::kReject);
  EXPECT_THAT(d.message, HasSubstr("user 'admin' on database 'mfg'"));
  EXPECT_THAT(d.message, Not(HasSubstr(key2)));
  // The file catches up (an explicit reload, as SIGHUP will do): the next delivery works.
  writeAtomically(client_key_file_, key3);
  EXPECT_TRUE(client->reloadCredentials().isOk());
  d = deliverAndWait(*target, count);
  EXPECT_EQ(d.kind, Kind::kDelivered) << d.message;
}

TEST_P(OdooDoubleTest, VersionFromTheConfigSkipsDetection) {
  startDouble();
  // 18 (JSON-RPC) is forced: it works on both, as /jsonrpc is still served by 19 (ODOO19 §5).
  TargetConfig c = config();
  c.odoo.version = 18;
  auto client = makeClient(c);
  ASSERT_TRUE(client);
  auto info = connectAndWait(*client);
  ASSERT_TRUE(info.isOk()) << info.status().toString();
  EXPECT_FALSE(info->detected);
  EXPECT_EQ(info->protocol, OdooProtocol::kJsonRpc);
  EXPECT_EQ(callAndWait(*client, "res.partner", "search_count", "[[]]").outcome.kind,
            Kind::kDelivered);
  // 19 (JSON-2) forced on an 18 server: /json/2 is the login page there (ODOO18 §0).
  if (version() == 18) {
    c.odoo.version = 19;
    auto json2 = makeClient(c);
    ASSERT_TRUE(json2);
    auto refused = connectAndWait(*json2);
    ASSERT_FALSE(refused.isOk());
    EXPECT_THAT(refused.status().message(), HasSubstr("no JSON-2 API"));
  }
}

TEST(OdooTargetTest, UnreachableOdooIsRetried) {
  SystemClock clock;
  test::TempDir dir;
  writeAtomically(dir.file("key"), kKey);
  TargetConfig c;
  c.name = "erp";
  c.kind = kOdooKind;
  c.odoo.url = "http://127.0.0.1:" + std::to_string(test::unusedPort());
  c.odoo.db = "mfg";
  c.odoo.user = "admin";
  c.odoo.api_key_file = dir.file("key");
  auto target = makeOdooTarget(c, clock);
  ASSERT_TRUE(target.isOk()) << target.status().toString();
  const DeliveryResult d =
      deliverAndWait(**target, R"({"model":"res.partner","method":"search_count","args":[[]]})");
  EXPECT_EQ(d.kind, Kind::kRetry);
  EXPECT_THAT(d.message, HasSubstr("connection refused"));
  auto info = connectAndWait(*odooClientOf(**target));
  EXPECT_EQ(info.status().code(), StatusCode::kUnavailable);
}

TEST(OdooTargetTest, FactoryRejectsBadConfigNamingTheKey) {
  SystemClock clock;
  test::TempDir dir;
  writeAtomically(dir.file("key"), kKey);
  TargetConfig base;
  base.name = "erp";
  base.kind = kOdooKind;
  base.odoo.url = "https://odoo.example.com";
  base.odoo.db = "mfg";
  base.odoo.user = "admin";
  base.odoo.api_key_file = dir.file("key");
  auto check = [&](const TargetConfig& c, const std::string& expected) {
    auto t = makeOdooTarget(c, clock);
    ASSERT_FALSE(t.isOk()) << expected;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(t.status().message(), HasSubstr(expected));
  };
  TargetConfig c = base;
  c.odoo.url = "ftp://odoo.example.com";
  check(c, "targets.erp.url: must be an http or https URL");
  c = base;
  c.odoo.db.clear();
  check(c, "targets.erp.db");
  c = base;
  c.odoo.user.clear();
  check(c, "targets.erp.user");
  c = base;
  c.odoo.api_key_file = dir.file("missing");
  check(c, "targets.erp.api_key_file");
  c = base;
  c.odoo.ca_file = "/nonexistent/ca.pem";
  check(c, "targets.erp.ca_file: cannot load");
  c = base;
  c.odoo.url = "https://odoo.example.com/?db=mfg";
  check(c, "targets.erp.url: must not have a query");
}

TEST(OdooTargetTest, RegistersKindOdooOnce) {
  TargetFactoryRegistry registry;
  ASSERT_TRUE(registerOdooTarget(registry).isOk());
  EXPECT_EQ(registerOdooTarget(registry).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(registry.has("odoo"));
}

}  // namespace
}  // namespace pb
