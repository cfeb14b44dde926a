#include "plantbridge/model/event_codec.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace pb {
namespace {

namespace json = boost::json;

std::vector<FieldError> decodeErrors(std::string_view text) {
  std::vector<FieldError> errors;
  auto result = decodeEvent(json::parse(text), errors);
  EXPECT_FALSE(result.isOk());
  return errors;
}

bool hasError(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors) {
    if (e.field == field) return true;
  }
  return false;
}

TEST(EventCodecTest, DecodesACompleteEvent) {
  std::vector<FieldError> errors;
  auto event = decodeEvent(json::parse(R"({
    "id": "01JD0000000000000000000001", "type": "production.count",
    "occurred_at": "2026-11-22T10:02:03Z", "site": "plant-1", "source": "line-1",
    "asset": "CNC-07", "context": {"work_center": 7, "order": "MO/0042"},
    "payload": {"quantity": 12}, "correlation_id": "c-1"})"),
                           errors);
  ASSERT_TRUE(event.isOk()) << event.status().toString();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(event->type, "production.count");
  EXPECT_EQ(event->context.at("work_center"), "7");
  EXPECT_EQ(event->context.at("order"), "MO/0042");
  EXPECT_EQ(event->payload.at("quantity").as_int64(), 12);
  EXPECT_EQ(event->correlation_id, "c-1");
}

TEST(EventCodecTest, CorrelationIdDefaultsToTheEventId) {
  std::vector<FieldError> errors;
  auto event = decodeEvent(
      json::parse(R"({"id":"E1","type":"x","occurred_at":"2026-11-22T10:02:03Z"})"), errors);
  ASSERT_TRUE(event.isOk());
  EXPECT_EQ(event->correlation_id, "E1");
}

TEST(EventCodecTest, ReportsEveryBadFieldByName) {
  auto errors = decodeErrors(
      R"({"id": 5, "occurred_at": "yesterday", "payload": [], "context": {"a": {}}, "colour": 1})");
  EXPECT_TRUE(hasError(errors, "id"));
  EXPECT_TRUE(hasError(errors, "type"));
  EXPECT_TRUE(hasError(errors, "occurred_at"));
  EXPECT_TRUE(hasError(errors, "payload"));
  EXPECT_TRUE(hasError(errors, "context.a"));
  EXPECT_TRUE(hasError(errors, "colour"));
}

TEST(EventCodecTest, RejectsNonObjectRecords) {
  auto errors = decodeErrors("[1,2]");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("object"), std::string::npos);
}

TEST(EventCodecTest, RejectsClientSuppliedReceivedAt) {
  auto errors = decodeErrors(
      R"({"id":"E1","type":"x","occurred_at":"2026-11-22T10:02:03Z","received_at":"2026-11-22T10:02:03Z"})");
  EXPECT_TRUE(hasError(errors, "received_at"));
}

TEST(EventCodecTest, StoredFormRoundTrips) {
  Event e;
  e.id = "E1";
  e.type = "downtime.started";
  e.occurred_at = *parseRfc3339("2026-11-22T10:02:03.5Z");
  e.received_at = *parseRfc3339("2026-11-22T10:02:04Z");
  e.site = "plant-1";
  e.asset = "CNC-07";
  e.context = {{"work_center", "7"}};
  e.payload = {{"reason", "E-STOP"}};
  e.correlation_id = "c";
  e.causation_id = "p";
  auto text = serializeEvent(e);
  auto back = parseStoredEvent(text);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(serializeEvent(*back), text);
  EXPECT_EQ(back->causation_id, "p");
}

TEST(EventCodecTest, StoredFormParseReportsCorruption) {
  EXPECT_EQ(parseStoredEvent("{not json").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(parseStoredEvent(R"({"id":"E1"})").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace pb
