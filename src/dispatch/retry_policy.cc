#include "plantbridge/dispatch/retry_policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace pb {
namespace {

std::string formatMillis(Micros d) {
  using std::chrono::duration_cast;
  auto ms = duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 3'600'000 == 0 && ms > 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0 && ms > 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0 && ms > 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace

Micros backoffCeiling(const RetryConfig& retry, int failed_attempts) {
  const Micros initial = std::max<Micros>(retry.initial_backoff, Micros{0});
  const Micros cap = std::max<Micros>(retry.max_backoff, Micros{0});
  Micros ceiling = std::min(initial, cap);
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) {
    // Doubling past the cap (or overflowing) is impossible: stop at the cap.
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  return ceiling;
}

Micros fullJitterBackoff(const RetryConfig& retry, int failed_attempts, double unit_random) {
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const auto ceiling = backoffCeiling(retry, failed_attempts).count();
  return Micros{static_cast<int64_t>(std::llround(u * static_cast<double>(ceiling)))};
}

RetryDecision decideAfterAttempt(const RetryConfig& retry, TimePoint created_at, int attempt_number,
                                 const DeliveryResult& result, TimePoint now, double unit_random) {
  RetryDecision d;
  d.message = result.message;
  switch (result.kind) {
    case DeliveryResult::Kind::kDelivered:
      d.new_state = TransactionState::kDelivered;
      d.outcome = AttemptOutcome::kDelivered;
      return d;
    case DeliveryResult::Kind::kReject:
      d.new_state = TransactionState::kDead;
      d.outcome = AttemptOutcome::kRejected;
      return d;
    case DeliveryResult::Kind::kRetry:
      break;
  }
  d.outcome = AttemptOutcome::kRetry;
  const Micros age = now - created_at;
  if (retry.max_attempts > 0 && attempt_number >= retry.max_attempts) {
    d.new_state = TransactionState::kDead;
    d.gave_up = true;
    d.message += fmt::format(" (gave up after {} attempts)", attempt_number);
    return d;
  }
  if (retry.max_age.count() > 0 && age >= retry.max_age) {
    d.new_state = TransactionState::kDead;
    d.gave_up = true;
    d.message += fmt::format(" (gave up: older than max_age {})", formatMillis(retry.max_age));
    return d;
  }
  Micros delay = fullJitterBackoff(retry, attempt_number, unit_random);
  Micros asked = result.retry_after;
  if (retry.max_age.count() > 0) asked = std::min<Micros>(asked, retry.max_age);
  delay = std::max(delay, asked);
  d.new_state = TransactionState::kPending;
  d.next_attempt_at = now + delay;
  return d;
}

}  // namespace pb
