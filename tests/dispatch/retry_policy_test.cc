#include "plantbridge/dispatch/retry_policy.h"

#include <gtest/gtest.h>

#include "plantbridge/dispatch/random.h"

namespace pb {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimePoint kNow = fromUnixMicros(1'800'000'000'000'000);

RetryConfig retryConfig() {
  RetryConfig r;
  r.initial_backoff = milliseconds(500);
  r.max_backoff = minutes(5);
  r.max_attempts = 5;
  r.max_age = hours(24);
  return r;
}

TEST(RetryPolicyTest, BackoffCeilingDoublesFromInitialUpToMax) {
  const RetryConfig r = retryConfig();
  EXPECT_EQ(backoffCeiling(r, 1), milliseconds(500));
  EXPECT_EQ(backoffCeiling(r, 2), seconds(1));
  EXPECT_EQ(backoffCeiling(r, 3), seconds(2));
  EXPECT_EQ(backoffCeiling(r, 10), milliseconds(256'000));
  EXPECT_EQ(backoffCeiling(r, 11), minutes(5));
  EXPECT_EQ(backoffCeiling(r, 1000), minutes(5));
  EXPECT_EQ(backoffCeiling(r, 1'000'000'000), minutes(5));  // no overflow
}

TEST(RetryPolicyTest, BackoffCeilingNeverExceedsMaxEvenWhenInitialIsLarger) {
  RetryConfig r = retryConfig();
  r.initial_backoff = minutes(10);
  EXPECT_EQ(backoffCeiling(r, 1), minutes(5));
}

TEST(RetryPolicyTest, FullJitterSpansZeroToCeiling) {
  const RetryConfig r = retryConfig();
  EXPECT_EQ(fullJitterBackoff(r, 3, 0.0), Micros{0});
  EXPECT_EQ(fullJitterBackoff(r, 3, 0.5), seconds(1));
  EXPECT_EQ(fullJitterBackoff(r, 3, 1.0), seconds(2));
  SystemRandom random(42);
  for (int n = 1; n < 40; ++n) {
    for (int i = 0; i < 200; ++i) {
      const Micros d = fullJitterBackoff(r, n, random.uniform());
      ASSERT_GE(d, Micros{0});
      ASSERT_LE(d, backoffCeiling(r, n));
    }
  }
}

TEST(RetryPolicyTest, FullJitterIsSpreadNotClustered) {
  // Full jitter: the draws cover the whole range, so clients that failed together do not
  // come back together.
  const RetryConfig r = retryConfig();
  SystemRandom random(7);
  int low = 0, high = 0;
  for (int i = 0; i < 1000; ++i) {
    const Micros d = fullJitterBackoff(r, 4, random.uniform());
    if (d < seconds(1)) ++low;
    if (d > seconds(3)) ++high;
  }
  EXPECT_GT(low, 150);
  EXPECT_GT(high, 150);
}

TEST(RetryPolicyTest, DeliveredIsFinal) {
  const auto d =
      decideAfterAttempt(retryConfig(), kNow, 1, DeliveryResult::delivered(200, "ok"), kNow, 0.5);
  EXPECT_EQ(d.new_state, TransactionState::kDelivered);
  EXPECT_EQ(d.outcome, AttemptOutcome::kDelivered);
  EXPECT_EQ(d.message, "ok");
}

TEST(RetryPolicyTest, RejectIsDeadAtOnceWithTheTargetsMessage) {
  const auto d = decideAfterAttempt(
      retryConfig(), kNow, 1, DeliveryResult::reject("quantity must be >= 0", 422), kNow, 0.5);
  EXPECT_EQ(d.new_state, TransactionState::kDead);
  EXPECT_EQ(d.outcome, AttemptOutcome::kRejected);
  EXPECT_EQ(d.message, "quantity must be >= 0");
  EXPECT_FALSE(d.gave_up);
}

TEST(RetryPolicyTest, RetrySchedulesJitteredBackoff) {
  const auto d = decideAfterAttempt(retryConfig(), kNow, 2, DeliveryResult::retry("HTTP 503", 503),
                                    kNow, 0.25);
  EXPECT_EQ(d.new_state, TransactionState::kPending);
  EXPECT_EQ(d.outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(d.next_attempt_at, kNow + milliseconds(250));  // 0.25 * 1 s
  EXPECT_EQ(d.message, "HTTP 503");
}

TEST(RetryPolicyTest, RetryAfterIsAFloorUnderTheJitter) {
  const auto slow = decideAfterAttempt(retryConfig(), kNow, 1,
                                       DeliveryResult::retry("busy", 429, seconds(30)), kNow, 0.9);
  EXPECT_EQ(slow.next_attempt_at, kNow + seconds(30));
  // A jitter above the Retry-After wins.
  RetryConfig r = retryConfig();
  r.initial_backoff = minutes(1);
  const auto jitter =
      decideAfterAttempt(r, kNow, 1, DeliveryResult::retry("busy", 429, seconds(30)), kNow, 1.0);
  EXPECT_EQ(jitter.next_attempt_at, kNow + minutes(1));
}

TEST(RetryPolicyTest, RetryAfterBeyondMaxAgeIsCutToMaxAge) {
  const auto d = decideAfterAttempt(retryConfig(), kNow, 1,
                                    DeliveryResult::retry("later", 503, hours(24 * 365)), kNow, 0);
  EXPECT_EQ(d.next_attempt_at, kNow + hours(24));
}

TEST(RetryPolicyTest, MaxAttemptsMakesADeadLetterWithTheLastMessage) {
  const RetryConfig r = retryConfig();  // 5 attempts
  const auto fourth = decideAfterAttempt(r, kNow, 4, DeliveryResult::retry("HTTP 502"), kNow, 0);
  EXPECT_EQ(fourth.new_state, TransactionState::kPending);
  const auto fifth = decideAfterAttempt(r, kNow, 5, DeliveryResult::retry("HTTP 502"), kNow, 0);
  EXPECT_EQ(fifth.new_state, TransactionState::kDead);
  EXPECT_EQ(fifth.outcome, AttemptOutcome::kRetry);
  EXPECT_TRUE(fifth.gave_up);
  EXPECT_EQ(fifth.message, "HTTP 502 (gave up after 5 attempts)");
}

TEST(RetryPolicyTest, MaxAgeMakesADeadLetter) {
  const RetryConfig r = retryConfig();
  const TimePoint created = kNow - hours(24);
  const auto d = decideAfterAttempt(r, created, 1, DeliveryResult::retry("timeout"), kNow, 0);
  EXPECT_EQ(d.new_state, TransactionState::kDead);
  EXPECT_TRUE(d.gave_up);
  EXPECT_EQ(d.message, "timeout (gave up: older than max_age 24h)");
  const auto young =
      decideAfterAttempt(r, kNow - hours(23), 1, DeliveryResult::retry("t"), kNow, 0);
  EXPECT_EQ(young.new_state, TransactionState::kPending);
}

TEST(RetryPolicyTest, ZeroLimitsMeanNoLimit) {
  RetryConfig r = retryConfig();
  r.max_attempts = 0;
  r.max_age = milliseconds(0);
  const auto d =
      decideAfterAttempt(r, kNow - hours(10'000), 10'000, DeliveryResult::retry("x"), kNow, 0.5);
  EXPECT_EQ(d.new_state, TransactionState::kPending);
}

}  // namespace
}  // namespace pb
