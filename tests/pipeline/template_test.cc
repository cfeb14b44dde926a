#include "plantbridge/pipeline/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "pipeline_test_util.h"

namespace pb {
namespace {

using test::at;
using test::makeEvent;
using ::testing::HasSubstr;

Event sample() {
  Event e = makeEvent("ev-1", "production.count", "CNC-07", at("2026-11-22T10:02:03Z"),
                      R"({"quantity": 12, "ratio": 12.5, "ok": true, "lot": "L-\"7\"",
                          "dims": {"w": 3, "h": {"v": 4}}, "items": [{"sku": "A"}, {"sku": "B"}],
                          "note": "", "nothing": null})");
  e.context["work_center"] = "7";
  e.context["order"] = "MO/00042";
  return e;
}

std::string render(std::string_view text, TemplateSyntax syntax, const Event& e = sample()) {
  auto t = Template::parse(text, syntax);
  EXPECT_TRUE(t.isOk()) << t.status().toString();
  if (!t.isOk()) return {};
  auto out = t->render(e);
  EXPECT_TRUE(out.isOk()) << out.status().toString();
  return out.isOk() ? *out : std::string();
}

TEST(TemplateTest, TextTemplateSubstitutesEventFields) {
  EXPECT_EQ(render("{{site}}/{{source}}/{{asset}}/{{type}}/{{id}}", TemplateSyntax::kText),
            "plant-1/edge-1/CNC-07/production.count/ev-1");
  EXPECT_EQ(render("{{occurred_at}} {{correlation_id}}", TemplateSyntax::kText),
            "2026-11-22T10:02:03.000000Z corr-ev-1");
  EXPECT_EQ(
      render("{{context.work_center}}:{{payload.quantity}}:{{payload.ok}}", TemplateSyntax::kText),
      "7:12:true");
}

TEST(TemplateTest, SpacesInsidePlaceholderAreIgnored) {
  EXPECT_EQ(render("{{ asset }}", TemplateSyntax::kText), "CNC-07");
}

TEST(TemplateTest, NestedPayloadPathsAndArrayIndexes) {
  EXPECT_EQ(render("{{payload.dims.h.v}} {{payload.items.1.sku}}", TemplateSyntax::kText), "4 B");
}

TEST(TemplateTest, JsonPlaceholderOutsideQuotesKeepsItsType) {
  std::string body = render(
      R"({"qty": {{payload.quantity}}, "ratio": {{payload.ratio}}, "ok": {{payload.ok}},
          "wc": {{context.work_center}}, "dims": {{payload.dims}}})",
      TemplateSyntax::kJson);
  auto v = boost::json::parse(body).as_object();
  EXPECT_EQ(v["qty"].as_int64(), 12);
  EXPECT_EQ(v["ratio"].as_double(), 12.5);
  EXPECT_EQ(v["ok"].as_bool(), true);
  EXPECT_EQ(v["wc"].as_string(), "7") << "context values are strings";
  EXPECT_EQ(v["dims"].as_object()["w"].as_int64(), 3);
}

TEST(TemplateTest, JsonPlaceholderInsideQuotesIsEscaped) {
  Event e = sample();
  e.context["operator"] = "Ann \\ \"Bo\"\n\t";
  std::string body = render(R"({"who": "by {{context.operator}}", "lot": "{{payload.lot}}"})",
                            TemplateSyntax::kJson, e);
  EXPECT_EQ(body, R"({"who": "by Ann \\ \"Bo\"\n\t", "lot": "L-\"7\""})");
  auto v = boost::json::parse(body).as_object();
  EXPECT_EQ(v["who"].as_string(), "by Ann \\ \"Bo\"\n\t");
}

TEST(TemplateTest, ControlCharactersAreEscapedAsUnicode) {
  Event e = sample();
  e.context["operator"] = std::string("a\x01z");
  EXPECT_EQ(render(R"({"o": "{{context.operator}}"})", TemplateSyntax::kJson, e),
            R"({"o": "a\u0001z"})");
}

TEST(TemplateTest, InvalidUtf8InsideQuotesBecomesAReplacementCharacter) {
  // A body that a target's JSON parser would refuse must not leave the hub: the broken byte
  // is replaced, valid UTF-8 is kept.
  Event e = sample();
  e.context["operator"] = std::string("Jos\xC3\xA9 \xFF!");
  const std::string body = render(R"({"o": "{{context.operator}}"})", TemplateSyntax::kJson, e);
  EXPECT_EQ(body, "{\"o\": \"Jos\xC3\xA9 \xEF\xBF\xBD!\"}");
  EXPECT_EQ(boost::json::parse(body).as_object()["o"].as_string(), "Jos\xC3\xA9 \xEF\xBF\xBD!");
}

TEST(TemplateTest, NonStringInsideQuotesRendersItsJsonText) {
  EXPECT_EQ(render(R"({"q": "{{payload.quantity}} pcs", "d": "{{payload.dims.h}}"})",
                   TemplateSyntax::kJson),
            R"({"q": "12 pcs", "d": "{\"v\":4}"})");
}

TEST(TemplateTest, EscapedQuoteInLiteralDoesNotEndTheString) {
  EXPECT_EQ(render(R"({"a": "say \"{{asset}}\""})", TemplateSyntax::kJson),
            R"({"a": "say \"CNC-07\""})");
}

TEST(TemplateTest, WholePayloadAndWholeEventRenderAsJson) {
  auto v =
      boost::json::parse(render(R"({"p": {{payload}}, "e": {{event}}})", TemplateSyntax::kJson))
          .as_object();
  EXPECT_EQ(v["p"].as_object()["quantity"].as_int64(), 12);
  auto& event = v["e"].as_object();
  EXPECT_EQ(event["id"].as_string(), "ev-1");
  EXPECT_EQ(event["context"].as_object()["order"].as_string(), "MO/00042");
}

TEST(TemplateTest, DoublesRenderInShortestForm) {
  EXPECT_EQ(render("{{payload.ratio}}", TemplateSyntax::kText), "12.5");
  EXPECT_EQ(render(R"({"r": {{payload.ratio}}})", TemplateSyntax::kJson), R"({"r": 12.5})");
}

TEST(TemplateTest, FieldNotSetFailsNamingEveryMissingField) {
  auto t = Template::parse(
      R"({"lot": "{{context.lot}}", "n": {{payload.note}}, "x": {{payload.nothing}}})",
      TemplateSyntax::kJson);
  ASSERT_TRUE(t.isOk());
  auto out = t->render(sample());
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().message(),
            "context.lot is not set; payload.note is not set; payload.nothing is not set")
      << "missing, empty string and null all count as not set";
}

TEST(TemplateTest, OptionalPlaceholderRendersNullOutsideQuotesAndNothingInside) {
  EXPECT_EQ(render(R"({"lot": "{{context.lot?}}", "n": {{payload.note?}}})", TemplateSyntax::kJson),
            R"({"lot": "", "n": null})");
  EXPECT_EQ(render("[{{context.lot?}}]", TemplateSyntax::kText), "[]");
}

TEST(TemplateTest, UnknownPlaceholderIsAParseError) {
  auto t = Template::parse(R"({"a": {{payloads.x}}})", TemplateSyntax::kJson);
  ASSERT_FALSE(t.isOk());
  EXPECT_THAT(t.status().message(), HasSubstr("unknown placeholder '{{payloads.x}}' at offset 6"));
  auto empty_segment = Template::parse("{{payload..x}}", TemplateSyntax::kText);
  ASSERT_FALSE(empty_segment.isOk());
  EXPECT_THAT(empty_segment.status().message(), HasSubstr("empty path segment"));
}

TEST(TemplateTest, UnclosedPlaceholderIsAParseError) {
  auto t = Template::parse("{{asset", TemplateSyntax::kText);
  ASSERT_FALSE(t.isOk());
  EXPECT_EQ(t.status().message(), "unclosed '{{' at offset 0");
}

TEST(TemplateTest, TemplateThatIsNotJsonIsRejectedWhenParsed) {
  auto t = Template::parse(R"({"qty": {{payload.quantity}}, })", TemplateSyntax::kJson);
  ASSERT_FALSE(t.isOk());
  EXPECT_THAT(t.status().message(), HasSubstr("not valid JSON near offset"));
  auto key = Template::parse(R"({ {{asset}}: 1 })", TemplateSyntax::kJson);
  EXPECT_FALSE(key.isOk()) << "a placeholder outside quotes cannot be an object key";
  auto truncated = Template::parse(R"({"a": "{{asset}}")", TemplateSyntax::kJson);
  EXPECT_FALSE(truncated.isOk());
}

TEST(TemplateTest, FieldsListsPlaceholdersInOrder) {
  auto t = Template::parse("{{asset}}-{{payload.x?}}", TemplateSyntax::kText);
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(t->fields(), (std::vector<std::string>{"asset", "payload.x"}));
}

TEST(TemplateTest, ResolveFieldTreatsEmptyAndNullAsNotSet) {
  Event e = sample();
  EXPECT_FALSE(resolveField(e, "payload.note").has_value());
  EXPECT_FALSE(resolveField(e, "payload.nothing").has_value());
  EXPECT_FALSE(resolveField(e, "payload.items.7").has_value());
  EXPECT_FALSE(resolveField(e, "causation_id").has_value());
  e.received_at = TimePoint{};
  EXPECT_FALSE(resolveField(e, "received_at").has_value());
  EXPECT_TRUE(resolveField(e, "payload").has_value());
}

TEST(TemplateTest, FieldPathValidation) {
  EXPECT_TRUE(isValidFieldPath("context.work_center"));
  EXPECT_TRUE(isValidFieldPath("payload.a.b.0"));
  EXPECT_TRUE(isValidFieldPath("event"));
  std::string why;
  EXPECT_FALSE(isValidFieldPath("context.", &why));
  EXPECT_THAT(why, HasSubstr("context key missing"));
  EXPECT_FALSE(isValidFieldPath("order", &why));
  EXPECT_THAT(why, HasSubstr("expected id, type"));
  EXPECT_FALSE(isValidFieldPath("payload.a b", &why));
}

}  // namespace
}  // namespace pb
