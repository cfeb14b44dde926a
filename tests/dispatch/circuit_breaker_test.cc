#include "plantbridge/dispatch/circuit_breaker.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

using State = CircuitBreaker::State;
using Outcome = CircuitBreaker::Outcome;
using std::chrono::seconds;

constexpr CircuitBreaker::SteadyTime kT0{seconds(1000)};

CircuitBreaker makeBreaker(int threshold = 3) {
  CircuitBreakerConfig c;
  c.failure_threshold = threshold;
  c.open_for = seconds(30);
  return CircuitBreaker(c);
}

void fail(CircuitBreaker& b, int n, CircuitBreaker::SteadyTime at = kT0) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.tryAcquire(at).allowed);
    b.onResult(false, Outcome::kFailure, at);
  }
}

TEST(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker b = makeBreaker(3);
  fail(b, 2);
  EXPECT_EQ(b.state(kT0), State::kClosed);
  fail(b, 1);
  EXPECT_EQ(b.state(kT0), State::kOpen);
  EXPECT_FALSE(b.tryAcquire(kT0 + seconds(29)).allowed);
  EXPECT_EQ(b.reopensAt(), kT0 + seconds(30));
  EXPECT_EQ(b.timesOpened(), 1u);
}

TEST(CircuitBreakerTest, SuccessResetsTheFailureCount) {
  CircuitBreaker b = makeBreaker(3);
  fail(b, 2);
  b.onResult(false, Outcome::kSuccess, kT0);
  fail(b, 2);
  EXPECT_EQ(b.state(kT0), State::kClosed);
}

TEST(CircuitBreakerTest, RejectionsAreNotFailures) {
  CircuitBreaker b = makeBreaker(2);
  for (int i = 0; i < 10; ++i) b.onResult(false, Outcome::kRejected, kT0);
  EXPECT_EQ(b.state(kT0), State::kClosed);
  fail(b, 1);
  b.onResult(false, Outcome::kRejected, kT0);  // the target answered: it is up
  fail(b, 1);
  EXPECT_EQ(b.state(kT0), State::kClosed);
}

TEST(CircuitBreakerTest, HalfOpenLetsExactlyOneProbeThrough) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  const auto later = kT0 + seconds(30);
  EXPECT_EQ(b.state(later), State::kHalfOpen);
  const auto probe = b.tryAcquire(later);
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_FALSE(b.tryAcquire(later).allowed);
  EXPECT_FALSE(b.tryAcquire(later + seconds(100)).allowed);
}

TEST(CircuitBreakerTest, ProbeSuccessClosesTheCircuit) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  const auto later = kT0 + seconds(31);
  ASSERT_TRUE(b.tryAcquire(later).probe);
  b.onResult(true, Outcome::kSuccess, later);
  EXPECT_EQ(b.state(later), State::kClosed);
  const auto p = b.tryAcquire(later);
  EXPECT_TRUE(p.allowed);
  EXPECT_FALSE(p.probe);
}

TEST(CircuitBreakerTest, ProbeRejectionClosesTheCircuit) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  const auto later = kT0 + seconds(31);
  ASSERT_TRUE(b.tryAcquire(later).probe);
  b.onResult(true, Outcome::kRejected, later);
  EXPECT_EQ(b.state(later), State::kClosed);
}

TEST(CircuitBreakerTest, ProbeFailureReopensForAnotherPeriod) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  const auto later = kT0 + seconds(30);
  ASSERT_TRUE(b.tryAcquire(later).probe);
  b.onResult(true, Outcome::kFailure, later);
  EXPECT_EQ(b.state(later), State::kOpen);
  EXPECT_EQ(b.reopensAt(), later + seconds(30));
  EXPECT_EQ(b.timesOpened(), 2u);
  EXPECT_FALSE(b.tryAcquire(later + seconds(29)).allowed);
  EXPECT_TRUE(b.tryAcquire(later + seconds(30)).probe);
}

TEST(CircuitBreakerTest, ReleasedProbeCanBeTakenAgain) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  const auto later = kT0 + seconds(30);
  ASSERT_TRUE(b.tryAcquire(later).probe);
  b.releaseProbe();
  EXPECT_TRUE(b.tryAcquire(later).probe);
}

TEST(CircuitBreakerTest, StragglersDoNotDecideAnOpenCircuit) {
  CircuitBreaker b = makeBreaker(1);
  fail(b, 1);
  // A delivery started while closed finishes successfully after the circuit opened.
  b.onResult(false, Outcome::kSuccess, kT0 + seconds(1));
  EXPECT_EQ(b.state(kT0 + seconds(1)), State::kOpen);
  // ... or fails in half-open while the probe is out.
  const auto later = kT0 + seconds(30);
  ASSERT_TRUE(b.tryAcquire(later).probe);
  b.onResult(false, Outcome::kFailure, later);
  EXPECT_EQ(b.state(later), State::kHalfOpen);
}

TEST(CircuitBreakerTest, ZeroThresholdDisablesTheBreaker) {
  CircuitBreaker b = makeBreaker(0);
  fail(b, 100);
  EXPECT_EQ(b.state(kT0), State::kClosed);
}

}  // namespace
}  // namespace pb
