#include "plantbridge/dispatch/circuit_breaker.h"

namespace pb {

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config)
    : threshold_(config.failure_threshold),
      open_for_(std::chrono::duration_cast<std::chrono::microseconds>(config.open_for)) {}

CircuitBreaker::Permit CircuitBreaker::tryAcquire(SteadyTime now) {
  switch (state_) {
    case State::kClosed:
      return {true, false};
    case State::kOpen:
      if (now < open_until_) return {false, false};
      state_ = State::kHalfOpen;
      probe_in_flight_ = false;
      [[fallthrough]];
    case State::kHalfOpen:
      if (probe_in_flight_) return {false, false};
      probe_in_flight_ = true;
      return {true, true};
  }
  return {false, false};
}

void CircuitBreaker::releaseProbe() { probe_in_flight_ = false; }

void CircuitBreaker::onResult(bool probe, Outcome outcome, SteadyTime now) {
  if (threshold_ <= 0) return;
  const bool failed = outcome == Outcome::kFailure;
  if (probe) {
    probe_in_flight_ = false;
    if (state_ != State::kHalfOpen) return;
    if (failed) {
      open(now);
    } else {
      state_ = State::kClosed;
      consecutive_failures_ = 0;
    }
    return;
  }
  // Deliveries started before the circuit opened may still finish; only a probe decides an
  // open or half-open circuit.
  if (state_ != State::kClosed) return;
  if (!failed) {
    consecutive_failures_ = 0;
    return;
  }
  if (++consecutive_failures_ >= threshold_) open(now);
}

CircuitBreaker::State CircuitBreaker::state(SteadyTime now) const {
  if (state_ == State::kOpen && now >= open_until_) return State::kHalfOpen;
  return state_;
}

void CircuitBreaker::open(SteadyTime now) {
  state_ = State::kOpen;
  open_until_ = now + open_for_;
  consecutive_failures_ = 0;
  ++times_opened_;
}

const char* circuitStateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

}  // namespace pb
