#include "plantbridge/pipeline/route_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::FakePipelineStore;
using test::makeEvent;
using test::StageHarness;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

RouteConfig countToErp() {
  RouteConfig r;
  r.name = "count-to-erp";
  r.types = {"production.count"};
  r.target = "erp";
  r.ordering_key_template = "{{context.work_center}}";
  r.require = {"context.work_center"};
  r.body_template =
      R"({"workcenter_id": {{context.work_center}}, "qty": {{payload.quantity}}, "ref": "{{id}}"})";
  return r;
}

struct RouteStageFixture {
  explicit RouteStageFixture(const std::vector<RouteConfig>& routes,
                             const std::vector<AssetMapping>& mappings = {{"CNC-07",
                                                                           {{"work_center", "7"}}}},
                             const CodeMappings& codes = {})
      : mapper(mappings, codes) {
    std::vector<ConfigError> errors;
    stage = RouteStage::create(routes, &mapper, errors);
    for (const auto& e : errors) ADD_FAILURE() << e.key << ": " << e.message;
  }
  StageOutcome route(Event& e) {
    auto out = harness.run(*stage, e);
    EXPECT_TRUE(out.isOk()) << out.status().toString();
    return out.isOk() ? *out : StageOutcome{};
  }
  MapStage mapper;
  std::unique_ptr<RouteStage> stage;
  StageHarness harness;
};

Event count(const std::string& asset = "CNC-07") {
  Event e = makeEvent("ev-1", "production.count", asset, at("2026-11-22T10:00:00Z"),
                      R"({"quantity": 12})");
  if (asset == "CNC-07") e.context["work_center"] = "7";
  return e;
}

TEST(RouteStageTest, MatchingRouteProducesOneTransaction) {
  RouteStageFixture f({countToErp()});
  Event e = count();
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.outcome, "routed");
  ASSERT_EQ(f.harness.step.transactions.size(), 1u);
  const Transaction& tx = f.harness.step.transactions[0];
  EXPECT_EQ(tx.id, "ev-1/count-to-erp");
  EXPECT_EQ(tx.event_id, "ev-1");
  EXPECT_EQ(tx.correlation_id, "corr-ev-1");
  EXPECT_EQ(tx.route, "count-to-erp");
  EXPECT_EQ(tx.target, "erp");
  EXPECT_EQ(tx.ordering_key, "7");
  EXPECT_EQ(tx.created_at, f.harness.now);
  EXPECT_EQ(tx.body, R"({"workcenter_id": "7", "qty": 12, "ref": "ev-1"})");
}

TEST(RouteStageTest, TransactionIdIsStable) {
  EXPECT_EQ(RouteStage::transactionId("ev-1", "count-to-erp"), "ev-1/count-to-erp");
}

TEST(RouteStageTest, EventOfAnotherTypeMatchesNoRoute) {
  RouteStageFixture f({countToErp()});
  Event e = makeEvent("x", "alarm.raised", "CNC-07", at("2026-11-22T10:00:00Z"));
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kContinue);
  EXPECT_EQ(out.outcome, "no_route");
  EXPECT_THAT(f.harness.step.transactions, IsEmpty());
}

TEST(RouteStageTest, EqualityConditionsMustAllHold) {
  RouteConfig r = countToErp();
  r.match = {{"site", "plant-1"}, {"context.work_center", "7"}, {"payload.quantity", "12"}};
  RouteStageFixture f({r});
  Event e = count();
  f.route(e);
  EXPECT_EQ(f.harness.step.transactions.size(), 1u);

  Event other_site = count();
  other_site.site = "plant-2";
  EXPECT_EQ(f.route(other_site).outcome, "no_route");
  Event other_qty = count();
  other_qty.payload["quantity"] = 13;
  EXPECT_EQ(f.route(other_qty).outcome, "no_route");
  Event no_wc = count();
  no_wc.context.clear();
  EXPECT_EQ(f.route(no_wc).outcome, "no_route") << "a field that is not set matches nothing";
}

TEST(RouteStageTest, EveryMatchingRouteProducesItsOwnTransaction) {
  RouteConfig qms = countToErp();
  qms.name = "count-to-qms";
  qms.target = "qms";
  qms.body_template = "{{payload}}";
  RouteStageFixture f({countToErp(), qms});
  Event e = count();
  f.route(e);
  ASSERT_EQ(f.harness.step.transactions.size(), 2u);
  EXPECT_EQ(f.harness.step.transactions[0].id, "ev-1/count-to-erp");
  EXPECT_EQ(f.harness.step.transactions[1].id, "ev-1/count-to-qms");
  EXPECT_EQ(f.harness.step.transactions[1].target, "qms");
  EXPECT_EQ(f.harness.step.transactions[1].body, R"({"quantity":12})");
}

TEST(RouteStageTest, RequiredFieldNotSetParksTheEventWithRouteFieldAndCause) {
  RouteStageFixture f({countToErp()});
  Event e = count("CNC-99");
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out.detail,
            "route count-to-erp: context.work_center is not set (no mapping for asset 'CNC-99')");
  EXPECT_THAT(f.harness.step.transactions, IsEmpty()) << "never posted half-formed";
}

TEST(RouteStageTest, RequiredContextTheMappingLacksNamesBothSources) {
  RouteConfig r = countToErp();
  r.require = {"context.work_center", "context.order", "payload.lot"};
  RouteStageFixture f({r});
  Event e = count();
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out.detail,
            "route count-to-erp: context.order is not set (the mapping for asset 'CNC-07' has no "
            "'order' and master data gave none at 2026-11-22T10:00:00.000000Z); route "
            "count-to-erp: payload.lot is not set (not in the payload)");
}

TEST(RouteStageTest, RequiredContextFromAnUnknownCodeNamesTheCode) {
  RouteConfig downtime;
  downtime.name = "downtime-to-erp";
  downtime.types = {"downtime.started"};
  downtime.target = "erp";
  downtime.require = {"context.work_center", "context.loss"};
  CodeMappings codes;
  codes.reason_codes = {{"JAM", "2"}};
  RouteStageFixture f({downtime}, {{"CNC-07", {{"work_center", "7"}}}}, codes);
  Event e = makeEvent("ev-1", "downtime.started", "CNC-07", at("2026-11-22T10:00:00Z"),
                      R"({"reason_code": "XYZ"})");
  e.context["work_center"] = "7";
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out.detail,
            "route downtime-to-erp: context.loss is not set (reason code 'XYZ' is not in "
            "mappings.reason_codes)");

  Event no_code = makeEvent("ev-2", "downtime.started", "CNC-07", at("2026-11-22T10:00:00Z"));
  no_code.context["work_center"] = "7";
  out = f.route(no_code);
  EXPECT_EQ(
      out.detail,
      "route downtime-to-erp: context.loss is not set (the event has no payload.reason_code)");
}

TEST(RouteStageTest, OneFailingRouteParksTheEventWithoutAnyTransaction) {
  RouteConfig lenient = countToErp();
  lenient.name = "count-to-log";
  lenient.require.clear();
  lenient.body_template = R"({"qty": {{payload.quantity}}})";
  RouteConfig strict = countToErp();
  strict.require = {"context.order"};
  RouteStageFixture f({lenient, strict});
  Event e = count();
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out.detail, HasSubstr("route count-to-erp: context.order is not set"));
  EXPECT_THAT(f.harness.step.transactions, IsEmpty())
      << "all or nothing, so a replay after the fix plans both";
}

TEST(RouteStageTest, BodyPlaceholderNotSetParksTheEvent) {
  RouteConfig r = countToErp();
  r.body_template = R"({"lot": "{{context.lot}}"})";
  RouteStageFixture f({r});
  Event e = count();
  StageOutcome out = f.route(e);
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_EQ(out.detail, "route count-to-erp: body: context.lot is not set");
}

TEST(RouteStageTest, BodyEscapesValuesInsideStrings) {
  RouteConfig r = countToErp();
  r.body_template = R"({"note": "operator {{context.operator}}"})";
  RouteStageFixture f({r});
  Event e = count();
  e.context["operator"] = "O'Neil \"Jr\"";
  f.route(e);
  ASSERT_EQ(f.harness.step.transactions.size(), 1u);
  auto body = boost::json::parse(f.harness.step.transactions[0].body).as_object();
  EXPECT_EQ(body["note"].as_string(), "operator O'Neil \"Jr\"");
}

TEST(RouteStageTest, DefaultBodyIsTheCanonicalEvent) {
  RouteConfig r = countToErp();
  r.body_template.clear();
  RouteStageFixture f({r});
  Event e = count();
  f.route(e);
  ASSERT_EQ(f.harness.step.transactions.size(), 1u);
  auto body = boost::json::parse(f.harness.step.transactions[0].body).as_object();
  EXPECT_EQ(body["id"].as_string(), "ev-1");
  EXPECT_EQ(body["payload"].as_object()["quantity"].as_int64(), 12);
}

TEST(RouteStageTest, OrderingKeyFallsBackToTheAssetWhenItDoesNotRender) {
  RouteConfig r = countToErp();
  r.require.clear();
  r.body_template = "{{payload}}";
  RouteStageFixture f({r});
  Event e = count("CNC-99");
  f.route(e);
  ASSERT_EQ(f.harness.step.transactions.size(), 1u);
  EXPECT_EQ(f.harness.step.transactions[0].ordering_key, "CNC-99");
}

TEST(RouteStageTest, CustomOrderingKeyIsRendered) {
  RouteConfig r = countToErp();
  r.ordering_key_template = "{{site}}/{{asset}}";
  RouteStageFixture f({r});
  Event e = count();
  f.route(e);
  ASSERT_EQ(f.harness.step.transactions.size(), 1u);
  EXPECT_EQ(f.harness.step.transactions[0].ordering_key, "plant-1/CNC-07");
}

TEST(RouteStageTest, RouteWithoutTypesMatchesEveryType) {
  RouteConfig r = countToErp();
  r.types.clear();
  r.require.clear();
  r.body_template = "{{event}}";
  RouteStageFixture f({r});
  Event e = makeEvent("x", "alarm.raised", "CNC-07", at("2026-11-22T10:00:00Z"));
  EXPECT_EQ(f.route(e).outcome, "routed");
}

// Counts of one manufacturing order posted as the order's running total.
RouteConfig totalToErp() {
  RouteConfig r;
  r.name = "total-to-erp";
  r.types = {"production.count"};
  r.target = "erp";
  r.require = {"context.production_id"};
  r.running_total = RunningTotalConfig{"payload.quantity", "{{context.production_id}}"};
  r.body_template =
      R"({"operation": "production.quantity", "production_id": {{context.production_id}},)"
      R"( "qty_producing": {{running_total}}})";
  return r;
}

Event orderCount(const std::string& id, const std::string& production_id,
                 const std::string& quantity) {
  Event e = makeEvent(id, "production.count", "CNC-07", at("2026-11-22T10:00:00Z"),
                      (std::string(R"({"quantity": )") + quantity + "}").c_str());
  e.context["production_id"] = production_id;
  return e;
}

// Routes `e` in `harness` and commits its step to `store`, as the runner does.
StageOutcome routeAndCommit(const RouteStage& stage, StageHarness& harness,
                            FakePipelineStore& store, Event e) {
  auto out = harness.run(stage, e);
  EXPECT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_TRUE(store.commitSteps({harness.step}, std::nullopt).isOk());
  harness.state.clear();
  return out.isOk() ? *out : StageOutcome{};
}

TEST(RouteStageRunningTotalTest, EachOrderGetsTheSumOfItsOwnCountsSoFar) {
  FakePipelineStore store;
  StageHarness harness(&store);
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({totalToErp()}, nullptr, errors);
  ASSERT_NE(stage, nullptr);
  std::vector<std::string> bodies;
  for (auto [id, order, qty] : {std::tuple{"a", "5", "3"}, std::tuple{"b", "5", "4"},
                                std::tuple{"c", "6", "10"}, std::tuple{"d", "5", "1"}}) {
    StageOutcome out = routeAndCommit(*stage, harness, store, orderCount(id, order, qty));
    EXPECT_EQ(out.outcome, "routed") << out.detail;
    ASSERT_EQ(harness.step.transactions.size(), 1u);
    bodies.push_back(harness.step.transactions[0].body);
  }
  auto qty = [](const std::string& body) {
    return boost::json::parse(body).at("qty_producing").as_int64();
  };
  EXPECT_EQ(qty(bodies[0]), 3);
  EXPECT_EQ(qty(bodies[1]), 7);
  EXPECT_EQ(qty(bodies[2]), 10);  // another order starts from zero
  EXPECT_EQ(qty(bodies[3]), 8);
  EXPECT_EQ(*store.getState("route/total-to-erp/total/5").value(), "8");
}

TEST(RouteStageRunningTotalTest, FractionsMakeTheTotalADecimal) {
  FakePipelineStore store;
  StageHarness harness(&store);
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({totalToErp()}, nullptr, errors);
  ASSERT_NE(stage, nullptr);
  routeAndCommit(*stage, harness, store, orderCount("a", "5", "2"));
  routeAndCommit(*stage, harness, store, orderCount("b", "5", "0.5"));
  ASSERT_EQ(harness.step.transactions.size(), 1u);
  EXPECT_EQ(boost::json::parse(harness.step.transactions[0].body).at("qty_producing").as_double(),
            2.5);
}

TEST(RouteStageRunningTotalTest, AParkedEventAddsNothingToTheTotal) {
  FakePipelineStore store;
  StageHarness harness(&store);
  RouteConfig strict = countToErp();  // requires context.work_center, which orderCount lacks
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({totalToErp(), strict}, nullptr, errors);
  ASSERT_NE(stage, nullptr);
  StageOutcome out = routeAndCommit(*stage, harness, store, orderCount("a", "5", "3"));
  EXPECT_EQ(out.kind, StageOutcome::Kind::kException);
  EXPECT_THAT(harness.step.state_updates, IsEmpty());
  EXPECT_FALSE(store.getState("route/total-to-erp/total/5").value().has_value());
}

TEST(RouteStageRunningTotalTest, AQuantityThatIsNotANumberParksTheEventNamingTheField) {
  StageHarness harness;
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({totalToErp()}, nullptr, errors);
  ASSERT_NE(stage, nullptr);
  Event e = orderCount("a", "5", R"("many")");
  auto out = harness.run(*stage, e);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out->detail, HasSubstr("payload.quantity is \"many\", not a number"));
  EXPECT_THAT(harness.step.transactions, IsEmpty());
}

TEST(RouteStageRunningTotalTest, ReplaySkipsCountsPlannedLiveAndParksOnesNeverCounted) {
  FakePipelineStore store;
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({totalToErp()}, nullptr, errors);
  ASSERT_NE(stage, nullptr);
  StageHarness live(&store);
  routeAndCommit(*stage, live, store, orderCount("a", "5", "3"));

  StageHarness replay(&store, PipelineMode::kReplay);
  Event counted = orderCount("a", "5", "3");
  auto out = replay.run(*stage, counted);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->outcome, "routed");
  EXPECT_THAT(out->detail, HasSubstr("planned live already"));
  EXPECT_THAT(replay.step.transactions, IsEmpty());

  Event never_counted = orderCount("b", "5", "4");
  out = replay.run(*stage, never_counted);
  ASSERT_TRUE(out.isOk());
  EXPECT_EQ(out->kind, StageOutcome::Kind::kException);
  EXPECT_THAT(out->detail, HasSubstr("only live processing adds to"));
  EXPECT_EQ(*store.getState("route/total-to-erp/total/5").value(), "3");
}

TEST(RouteStageRunningTotalTest, MisusedRunningTotalIsAConfigError) {
  RouteConfig without = countToErp();
  without.body_template = R"({"qty": {{running_total}}})";
  RouteConfig unused = totalToErp();
  unused.name = "unused";
  unused.body_template = R"({"qty": {{payload.quantity}}})";
  RouteConfig bad_of = totalToErp();
  bad_of.name = "bad-of";
  bad_of.running_total->of = "context.quantity";
  bad_of.ordering_key_template = "{{running_total}}";
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({without, unused, bad_of}, nullptr, errors);
  EXPECT_EQ(stage, nullptr);
  std::vector<std::string> keys;
  for (const auto& e : errors) keys.push_back(e.key);
  EXPECT_THAT(
      keys, ::testing::ElementsAre("routes.count-to-erp.body", "routes.unused.running_total",
                                   "routes.bad-of.ordering_key", "routes.bad-of.running_total.of"));
  EXPECT_THAT(errors[0].message, HasSubstr("has no running_total"));
}

TEST(RouteStageConfigTest, EveryProblemIsReportedWithItsKey) {
  RouteConfig bad_body = countToErp();
  bad_body.body_template = R"({"qty": {{payload.quantity}},})";
  RouteConfig bad_match = countToErp();
  bad_match.name = "m";
  bad_match.match = {{"payload", "x"}, {"colour", "red"}};
  bad_match.require = {"work_center"};
  bad_match.target.clear();
  RouteConfig duplicate = countToErp();
  duplicate.ordering_key_template = "{{context.}}";
  std::vector<ConfigError> errors;
  auto stage = RouteStage::create({bad_body, bad_match, duplicate}, nullptr, errors);
  EXPECT_EQ(stage, nullptr);
  std::vector<std::string> keys;
  keys.reserve(errors.size());
  for (const auto& e : errors) keys.push_back(e.key);
  EXPECT_THAT(keys, ::testing::ElementsAre("routes.count-to-erp.body", "routes.m.target",
                                           "routes.m.match.colour", "routes.m.match.payload",
                                           "routes.m.require", "routes.count-to-erp",
                                           "routes.count-to-erp.ordering_key"));
  EXPECT_THAT(errors[0].message, HasSubstr("not valid JSON"));
  EXPECT_THAT(errors[5].message, HasSubstr("duplicate route name"));
}

}  // namespace
}  // namespace pb
