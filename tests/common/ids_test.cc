#include "plantbridge/common/ids.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

TEST(UlidTest, EncodesTimeInTheFirstTenCharacters) {
  // The ULID spec's example timestamp 1469918176385 ms encodes as 01ARYZ6S41.
  auto id = makeUlid(fromUnixMicros(1469918176385LL * 1000), 0, 0);
  EXPECT_EQ(id.size(), 26u);
  EXPECT_EQ(id.substr(0, 10), "01ARYZ6S41");
}

TEST(UlidTest, RandomUlidsDiffer) {
  auto now = SystemClock().now();
  EXPECT_NE(newUlid(now), newUlid(now));
}

TEST(DerivedIdTest, IsStableAndDependsOnBothInputs) {
  EXPECT_EQ(derivedId("E1", "qualify/a"), derivedId("E1", "qualify/a"));
  EXPECT_NE(derivedId("E1", "qualify/a"), derivedId("E2", "qualify/a"));
  EXPECT_NE(derivedId("E1", "qualify/a"), derivedId("E1", "qualify/b"));
  EXPECT_TRUE(isValidEventId(derivedId("E1", "x")));
}

TEST(EventIdTest, AcceptsUlidsUuidsAndRejectsOthers) {
  EXPECT_TRUE(isValidEventId("01ARYZ6S41TSV4RRFFQ69G5FAV"));
  EXPECT_TRUE(isValidEventId("0190e7a4-8f2b-7c3d-9e1f-2a3b4c5d6e7f"));
  EXPECT_FALSE(isValidEventId(""));
  EXPECT_FALSE(isValidEventId("has space"));
  EXPECT_FALSE(isValidEventId(std::string(129, 'a')));
}

}  // namespace
}  // namespace pb
