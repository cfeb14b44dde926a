// A circuit breaker per target. After `failure_threshold` consecutive retryable failures the
// circuit opens for `open_for`: nothing is delivered and entries are left untouched. Then it
// is half-open: one probe delivery is let through; its success closes the circuit, its
// failure opens it again. A rejection (the target answered, e.g. HTTP 4xx) proves the target
// is reachable: it is not a failure and counts as a success for the breaker.
//
// Not thread-safe: the dispatcher guards it. Time is passed in (a steady clock reading).
#pragma once

#include <chrono>
#include <cstdint>

#include "plantbridge/config/config.h"

namespace pb {

class CircuitBreaker {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class State { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
  enum class Outcome { kSuccess, kFailure, kRejected };

  // failure_threshold <= 0 disables the breaker (always closed).
  explicit CircuitBreaker(const CircuitBreakerConfig& config);

  struct Permit {
    bool allowed = false;
    bool probe = false;  // this delivery is the half-open probe; report it with probe=true
  };
  // May a delivery start now? Moves an open circuit whose time is up to half-open and hands
  // out its single probe.
  Permit tryAcquire(SteadyTime now);
  // Gives back a probe permit that was not used (the delivery did not start).
  void releaseProbe();
  // Reports the result of a delivery started with a permit.
  void onResult(bool probe, Outcome outcome, SteadyTime now);

  // The state at `now` (an open circuit whose time is up reads as half-open).
  State state(SteadyTime now) const;
  // When an open circuit lets its probe through.
  SteadyTime reopensAt() const { return open_until_; }
  int consecutiveFailures() const { return consecutive_failures_; }
  uint64_t timesOpened() const { return times_opened_; }

 private:
  void open(SteadyTime now);

  int threshold_;
  std::chrono::microseconds open_for_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  bool probe_in_flight_ = false;
  SteadyTime open_until_{};
  uint64_t times_opened_ = 0;
};

const char* circuitStateName(CircuitBreaker::State state);

}  // namespace pb
