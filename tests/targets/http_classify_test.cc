#include "plantbridge/targets/http_classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pb {
namespace {

using Kind = DeliveryResult::Kind;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr TimePoint kNow = fromUnixMicros(1'445'412'000'000'000);  // 2015-10-21T07:20:00Z

struct StatusCase {
  int status;
  Kind kind;
};

class HttpStatusClassificationTest : public ::testing::TestWithParam<StatusCase> {};

TEST_P(HttpStatusClassificationTest, ClassifiesTheStatus) {
  const StatusCase c = GetParam();
  const DeliveryResult r = classifyHttpResponse(c.status, "Reason", "body", "", kNow);
  EXPECT_EQ(r.kind, c.kind) << c.status;
  EXPECT_EQ(r.http_status, c.status);
}

INSTANTIATE_TEST_SUITE_P(
    EveryClass, HttpStatusClassificationTest,
    ::testing::Values(StatusCase{200, Kind::kDelivered}, StatusCase{201, Kind::kDelivered},
                      StatusCase{202, Kind::kDelivered}, StatusCase{204, Kind::kDelivered},
                      StatusCase{299, Kind::kDelivered}, StatusCase{400, Kind::kReject},
                      StatusCase{401, Kind::kReject}, StatusCase{403, Kind::kReject},
                      StatusCase{404, Kind::kReject}, StatusCase{409, Kind::kReject},
                      StatusCase{410, Kind::kReject}, StatusCase{413, Kind::kReject},
                      StatusCase{422, Kind::kReject}, StatusCase{499, Kind::kReject},
                      StatusCase{408, Kind::kRetry}, StatusCase{429, Kind::kRetry},
                      StatusCase{500, Kind::kRetry}, StatusCase{502, Kind::kRetry},
                      StatusCase{503, Kind::kRetry}, StatusCase{504, Kind::kRetry},
                      StatusCase{599, Kind::kRetry}, StatusCase{100, Kind::kRetry},
                      StatusCase{301, Kind::kRetry}, StatusCase{302, Kind::kRetry},
                      StatusCase{0, Kind::kRetry}, StatusCase{999, Kind::kRetry}),
    [](const auto& info) { return "Status" + std::to_string(info.param.status); });

TEST(HttpClassifyTest, TableRowsAreOrderedMostSpecificFirst) {
  const auto rules = httpStatusRules();
  ASSERT_GE(rules.size(), 4u);
  // 408 and 429 must come before the 4xx catch-all.
  size_t catch_all = rules.size();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].first == 400 && rules[i].last == 499) catch_all = i;
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].first == 408 || rules[i].first == 429) {
      EXPECT_LT(i, catch_all);
    }
  }
}

TEST(HttpClassifyTest, RejectCarriesTheResponseBody) {
  const DeliveryResult r = classifyHttpResponse(422, "Unprocessable Entity",
                                                R"({"error":"lot L-17 is on hold"})", "", kNow);
  EXPECT_EQ(r.kind, Kind::kReject);
  EXPECT_EQ(r.message, R"({"error":"lot L-17 is on hold"})");
}

TEST(HttpClassifyTest, EmptyBodyGivesStatusAndReason) {
  EXPECT_EQ(classifyHttpResponse(404, "Not Found", "", "", kNow).message, "HTTP 404 Not Found");
  EXPECT_EQ(classifyHttpResponse(503, "", "  ", "", kNow).message, "HTTP 503");
}

TEST(HttpClassifyTest, LongBodyIsCutToAbout2KiBOnACharacterBoundary) {
  std::string body(1000, 'a');
  for (int i = 0; i < 1000; ++i) body += "\xC3\xA9";  // é, two bytes each
  const DeliveryResult r = classifyHttpResponse(400, "Bad Request", body, "", kNow);
  EXPECT_LE(r.message.size(), kMaxTargetMessageBytes);
  EXPECT_GE(r.message.size(), kMaxTargetMessageBytes - 4);
  EXPECT_THAT(r.message, ::testing::EndsWith("\xE2\x80\xA6"));
  // No broken sequence before the ellipsis.
  const std::string head = r.message.substr(0, r.message.size() - 3);
  EXPECT_EQ(head.substr(1000).size() % 2, 0u);
}

TEST(HttpClassifyTest, RetryAfterSecondsOn429And503) {
  EXPECT_EQ(classifyHttpResponse(429, "", "", "120", kNow).retry_after, seconds(120));
  EXPECT_EQ(classifyHttpResponse(503, "", "", " 5 ", kNow).retry_after, seconds(5));
  EXPECT_EQ(classifyHttpResponse(408, "", "", "1", kNow).retry_after, seconds(1));
}

TEST(HttpClassifyTest, RetryAfterHttpDate) {
  // 2015-10-21T07:28:00Z is 8 minutes after kNow.
  EXPECT_EQ(classifyHttpResponse(503, "", "", "Wed, 21 Oct 2015 07:28:00 GMT", kNow).retry_after,
            seconds(480));
}

TEST(HttpClassifyTest, RetryAfterIsIgnoredWhereItMeansNothing) {
  EXPECT_EQ(classifyHttpResponse(301, "", "", "60", kNow).retry_after, seconds(0));
  EXPECT_EQ(classifyHttpResponse(503, "", "", "soon", kNow).retry_after, seconds(0));
}

TEST(HttpClassifyTest, TransportFailuresAreRetriedWithTheirCause) {
  for (TransportFailure f :
       {TransportFailure::kResolve, TransportFailure::kConnectRefused,
        TransportFailure::kConnectionReset, TransportFailure::kTimeout, TransportFailure::kTls,
        TransportFailure::kProtocol, TransportFailure::kCanceled, TransportFailure::kOther}) {
    const DeliveryResult r = classifyTransportFailure(f, "connect 10.0.0.1:443: whatever");
    EXPECT_EQ(r.kind, Kind::kRetry) << transportFailureName(f);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_THAT(r.message, HasSubstr(transportFailureName(f)));
    EXPECT_THAT(r.message, HasSubstr("connect 10.0.0.1:443"));
  }
}

TEST(RetryAfterTest, ParsesDeltaSeconds) {
  EXPECT_EQ(parseRetryAfter("0", kNow), seconds(0));
  EXPECT_EQ(parseRetryAfter("3600", kNow), seconds(3600));
  EXPECT_EQ(parseRetryAfter("99999999999999999999", kNow), seconds(10LL * 366 * 24 * 3600));
  EXPECT_FALSE(parseRetryAfter("-5", kNow));
  EXPECT_FALSE(parseRetryAfter("1.5", kNow));
  EXPECT_FALSE(parseRetryAfter("", kNow));
}

TEST(RetryAfterTest, ParsesTheThreeHttpDateForms) {
  const auto expected = fromUnixMicros(784'111'777'000'000);  // 1994-11-06T08:49:37Z
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
}

TEST(RetryAfterTest, RejectsMalformedDates) {
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 CET"));
  EXPECT_FALSE(parseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  EXPECT_FALSE(parseHttpDate("yesterday"));
}

TEST(RetryAfterTest, DateInThePastMeansNow) {
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), seconds(0));
}

TEST(TruncateUtf8Test, KeepsShortTextAndCutsLongText) {
  EXPECT_EQ(truncateUtf8("abc", 10), "abc");
  EXPECT_EQ(truncateUtf8("abcdefghij", 7), "abcd\xE2\x80\xA6");
  EXPECT_EQ(truncateUtf8("ab\xE2\x82\xAC"
                         "cd",
                         6),
            "ab\xE2\x80\xA6");  // € not split
  EXPECT_EQ(truncateUtf8("abcdef", 2), "");
}

}  // namespace
}  // namespace pb
