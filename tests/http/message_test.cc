#include "plantbridge/http/message.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  std::string out;
  ASSERT_TRUE(percentDecode("a%20b%2Fc+d", out, false));
  EXPECT_EQ(out, "a b/c+d");
  ASSERT_TRUE(percentDecode("a%20b+d", out, true));
  EXPECT_EQ(out, "a b d");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  std::string out;
  EXPECT_FALSE(percentDecode("%", out, false));
  EXPECT_FALSE(percentDecode("abc%4", out, false));
  EXPECT_FALSE(percentDecode("%zz", out, false));
}

TEST(PercentEncodeTest, KeepsUnreservedAndRoundTrips) {
  EXPECT_EQ(percentEncode("01J/erp a~b"), "01J%2Ferp%20a~b");
  std::string back;
  ASSERT_TRUE(percentDecode(percentEncode("x/y?z=&\xC3\xA9"), back, false));
  EXPECT_EQ(back, "x/y?z=&\xC3\xA9");
}

TEST(ParseRequestTargetTest, SplitsPathAndDecodesQuery) {
  std::string path;
  QueryParams query;
  ASSERT_TRUE(
      parseRequestTarget("/v1/dead-letters/a%2Fb?limit=10&q=x+y&flag&e=%3D", path, query).isOk());
  EXPECT_EQ(path, "/v1/dead-letters/a%2Fb");
  ASSERT_EQ(query.size(), 4u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"limit", "10"}));
  EXPECT_EQ(query[1].second, "x y");
  EXPECT_EQ(query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(query[3].second, "=");
}

TEST(ParseRequestTargetTest, RejectsAbsoluteFormAndBadEscapes) {
  std::string path;
  QueryParams query;
  EXPECT_FALSE(parseRequestTarget("http://x/y", path, query).isOk());
  EXPECT_FALSE(parseRequestTarget("", path, query).isOk());
  EXPECT_FALSE(parseRequestTarget("/a%zz", path, query).isOk());
  EXPECT_FALSE(parseRequestTarget("/a?b=%", path, query).isOk());
}

TEST(HttpRequestTest, LooksUpHeadersCaseInsensitivelyAndQueryByName) {
  HttpRequest r;
  r.headers.add("Content-Type", "application/json");
  r.query = {{"limit", "5"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("X-Missing"), "");
  EXPECT_EQ(r.queryParam("limit").value_or(""), "5");
  EXPECT_FALSE(r.queryParam("before").has_value());
}

TEST(HttpHeadersTest, SetReplacesEveryFieldOfThatName) {
  HttpHeaders h;
  h.add("X-A", "1");
  h.add("x-a", "2");
  h.set("X-A", "3");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("x-a").value_or(""), "3");
}

TEST(JsonStringTest, EscapesQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(jsonString("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(jsonString("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(jsonString("bad\xFF"), "\"bad\xEF\xBF\xBD\"");
  EXPECT_EQ(jsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

TEST(HttpResponseTest, ErrorHasTheCommonShape) {
  HttpResponse r = HttpResponse::error(404, "not_found", "no \"x\"");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no \"x\""}})");
}

}  // namespace
}  // namespace pb
