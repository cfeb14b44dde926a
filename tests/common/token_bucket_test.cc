#include "plantbridge/common/token_bucket.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, AllowsBurstThenRefillsAtRate) {
  TokenBucket bucket(10, 5);
  std::chrono::steady_clock::time_point t{};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.tryTake(1, t));
  EXPECT_FALSE(bucket.tryTake(1, t));
  EXPECT_EQ(bucket.waitTime(1, t), 100ms);
  EXPECT_TRUE(bucket.tryTake(1, t + 100ms));
  EXPECT_FALSE(bucket.tryTake(1, t + 100ms));
}

TEST(TokenBucketTest, NeverHoldsMoreThanBurst) {
  TokenBucket bucket(100, 3);
  std::chrono::steady_clock::time_point t{};
  EXPECT_TRUE(bucket.tryTake(1, t));
  EXPECT_TRUE(bucket.tryTake(3, t + 1h));
  EXPECT_FALSE(bucket.tryTake(1, t + 1h));
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket bucket(0, 0);
  std::chrono::steady_clock::time_point t{};
  EXPECT_TRUE(bucket.unlimited());
  EXPECT_TRUE(bucket.tryTake(1e9, t));
}

}  // namespace
}  // namespace pb
