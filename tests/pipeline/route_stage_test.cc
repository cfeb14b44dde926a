#include "plantbridge/pipeline/route_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
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
                                                                           {{"work_center", "7"}}}})
      : mapper(mappings) {
    std::vector<ConfigError> errors;
    stage = RouteStage::create(routes, &mapper, errors);
    for (const auto& e : errors) ADD_FAILURE() << e.key << ": " << e.message;
  }
  StageOutcome route(Event& e) {
    auto out = harness.run(*stage, e);
    EXPECT_TRUE(out.isOk()) << out.status().toString();
    return out.isOk() ? *out : StageOutcome{};
  }
  AssetMapper mapper;
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
