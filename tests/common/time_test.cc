#include "plantbridge/common/time.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

TEST(Rfc3339Test, ParsesUtcWithFraction) {
  auto t = parseRfc3339("2026-11-22T10:02:03.123456Z");
  ASSERT_TRUE(t.isOk()) << t.status().toString();
  EXPECT_EQ(formatRfc3339(*t), "2026-11-22T10:02:03.123456Z");
}

TEST(Rfc3339Test, AppliesOffsetToUtc) {
  auto t = parseRfc3339("2026-11-22T11:02:03+01:00");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(formatRfc3339(*t), "2026-11-22T10:02:03.000000Z");
}

TEST(Rfc3339Test, TruncatesNanosecondsToMicroseconds) {
  auto t = parseRfc3339("2026-01-01T00:00:00.123456789Z");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ(formatRfc3339(*t), "2026-01-01T00:00:00.123456Z");
}

TEST(Rfc3339Test, RejectsMissingZoneWithReason) {
  auto t = parseRfc3339("2026-11-22T10:02:03");
  ASSERT_FALSE(t.isOk());
  EXPECT_NE(t.status().message().find("time zone"), std::string::npos);
}

TEST(Rfc3339Test, RejectsImpossibleDates) {
  EXPECT_FALSE(parseRfc3339("2026-02-30T00:00:00Z").isOk());
  EXPECT_FALSE(parseRfc3339("2026-13-01T00:00:00Z").isOk());
  EXPECT_FALSE(parseRfc3339("2026-01-01T24:00:00Z").isOk());
  EXPECT_FALSE(parseRfc3339("").isOk());
  EXPECT_FALSE(parseRfc3339("2026-01-01T00:00:00Zjunk").isOk());
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(parseDuration("500ms")->count(), 500);
  EXPECT_EQ(parseDuration("30s")->count(), 30'000);
  EXPECT_EQ(parseDuration("5m")->count(), 300'000);
  EXPECT_EQ(parseDuration("2h")->count(), 7'200'000);
  EXPECT_EQ(parseDuration("1d")->count(), 86'400'000);
  EXPECT_EQ(parseDuration("1.5s")->count(), 1'500);
}

TEST(DurationTest, RejectsMissingOrUnknownUnit) {
  EXPECT_FALSE(parseDuration("30").isOk());
  EXPECT_FALSE(parseDuration("30 parsecs").isOk());
  EXPECT_FALSE(parseDuration("-1s").isOk());
}

TEST(DurationTest, ValueThatIsNotAFiniteCountIsRejected) {
  // Each of these would make the conversion to an integer count undefined behaviour.
  for (const char* text : {"infs", "nanms", "1e300s", "1e16d"}) {
    auto parsed = parseDuration(text);
    EXPECT_FALSE(parsed.isOk()) << text << " parsed as " << parsed->count();
    if (!parsed.isOk()) {
      EXPECT_NE(parsed.status().message().find(text), std::string::npos);
    }
  }
  EXPECT_EQ(parseDuration("3650d")->count(), 3650LL * 86'400'000);
}

TEST(ManualClockTest, MovesOnlyWhenAdvanced) {
  ManualClock clock(fromUnixMicros(1'000'000));
  auto before = clock.now();
  auto steady_before = clock.steadyNow();
  EXPECT_EQ(clock.now(), before);
  clock.advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.now() - before, std::chrono::seconds(2));
  EXPECT_EQ(clock.steadyNow() - steady_before, std::chrono::seconds(2));
}

}  // namespace
}  // namespace pb
