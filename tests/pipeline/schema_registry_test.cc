#include "plantbridge/pipeline/schema_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> messages(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  out.reserve(errors.size());
  for (const auto& e : errors) out.push_back(e.toString());
  return out;
}

SchemaRegistry registry() {
  EventSchema count;
  count.type = "production.count";
  FieldSchema quantity{"quantity", FieldSchema::Type::kInteger, true, 0.0, 100000.0, {}, {}};
  FieldSchema reason{"reason", FieldSchema::Type::kString, false, {}, {}, {"good", "rework"}, {}};
  FieldSchema length{"length", FieldSchema::Type::kNumber, false, {}, {}, {}, "mm"};
  count.payload = {quantity, reason, length};
  count.required_context = {"work_center"};
  count.max_future_skew = std::chrono::minutes(5);
  return SchemaRegistry({{"production.count", count}});
}

Event validCount() {
  Event e = makeEvent("e1", "production.count", "CNC-07", at("2026-11-22T10:00:00Z"),
                      R"({"quantity": 12})");
  e.context["work_center"] = "7";
  return e;
}

constexpr TimePoint kNow = fromUnixMicros(1'795'341'600'000'000);  // 2026-11-22T10:00:00Z

TEST(SchemaRegistryTest, ValidEventHasNoErrors) {
  EXPECT_THAT(registry().validate(validCount(), kNow), IsEmpty());
}

TEST(SchemaRegistryTest, UnknownTypeIsAnError) {
  Event e = validCount();
  e.type = "production.counted";
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("type: unknown event type 'production.counted'"));
  EXPECT_FALSE(registry().knows("production.counted"));
  EXPECT_TRUE(registry().knows("production.count"));
}

TEST(SchemaRegistryTest, MissingRequiredFieldIsNamed) {
  Event e = validCount();
  e.payload.erase("quantity");
  EXPECT_THAT(messages(registry().validate(e, kNow)), ElementsAre("payload.quantity: is required"));
}

TEST(SchemaRegistryTest, NullCountsAsMissing) {
  Event e = validCount();
  e.payload["quantity"] = nullptr;
  EXPECT_THAT(messages(registry().validate(e, kNow)), ElementsAre("payload.quantity: is required"));
}

TEST(SchemaRegistryTest, WrongTypeNamesFieldAndExpectedType) {
  Event e = validCount();
  e.payload["quantity"] = "12";
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.quantity: must be an integer (got \"12\")"));
}

TEST(SchemaRegistryTest, IntegerAcceptsIntegralDecimalButNotFraction) {
  Event e = validCount();
  e.payload["quantity"] = 12.0;
  EXPECT_THAT(registry().validate(e, kNow), IsEmpty());
  e.payload["quantity"] = 12.5;
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.quantity: must be an integer (got 12.5)"));
}

TEST(SchemaRegistryTest, BelowMinAndAboveMaxAreReported) {
  Event e = validCount();
  e.payload["quantity"] = -3;
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.quantity: must be >= 0 (got -3)"));
  e.payload["quantity"] = 100001;
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.quantity: must be <= 100000 (got 100001)"));
}

TEST(SchemaRegistryTest, ValueOutsideEnumListsAllowedValues) {
  Event e = validCount();
  e.payload["reason"] = "scrap";
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.reason: must be one of 'good', 'rework' (got 'scrap')"));
  e.payload["reason"] = "rework";
  EXPECT_THAT(registry().validate(e, kNow), IsEmpty());
}

TEST(SchemaRegistryTest, UnitMustMatchWhenPresent) {
  Event e = validCount();
  e.payload["length"] = 12.5;
  EXPECT_THAT(registry().validate(e, kNow), IsEmpty()) << "no unit given: nothing to compare";
  e.payload["unit"] = "mm";
  EXPECT_THAT(registry().validate(e, kNow), IsEmpty());
  e.payload["unit"] = "cm";
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("payload.unit: must be 'mm' for payload.length (got 'cm')"));
}

TEST(SchemaRegistryTest, MissingRequiredContextIsReported) {
  Event e = validCount();
  e.context.clear();
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("context.work_center: is required"));
  e.context["work_center"] = "";
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("context.work_center: is required"));
}

TEST(SchemaRegistryTest, OccurredAtTooFarInTheFutureIsRejected) {
  Event e = validCount();
  e.occurred_at = kNow + std::chrono::minutes(5);
  EXPECT_THAT(registry().validate(e, kNow), IsEmpty()) << "exactly the allowed skew";
  e.occurred_at = kNow + std::chrono::minutes(7) + std::chrono::seconds(30);
  EXPECT_THAT(messages(registry().validate(e, kNow)),
              ElementsAre("occurred_at: 2026-11-22T10:07:30.000000Z is 7m30s in the future (at "
                          "most 5m allowed)"));
}

TEST(SchemaRegistryTest, ReportsEveryProblemAtOnce) {
  Event e = validCount();
  e.payload["quantity"] = -1;
  e.payload["reason"] = "x";
  e.context.clear();
  auto errors = messages(registry().validate(e, kNow));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("payload.quantity"));
  EXPECT_THAT(errors[1], HasSubstr("payload.reason"));
  EXPECT_THAT(errors[2], HasSubstr("context.work_center"));
}

}  // namespace
}  // namespace pb
