// What a delivery attempt's result means for its outbox entry: delivered, retried later
// (capped exponential backoff with full jitter, at least the target's Retry-After), or dead.
// Pure functions: time and randomness are arguments.
#pragma once

#include <string>

#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/model/transaction.h"

namespace pb {

// The upper bound of the backoff after `failed_attempts` failures (>= 1):
// min(max_backoff, initial_backoff * 2^(failed_attempts - 1)). Never overflows.
Micros backoffCeiling(const RetryConfig& retry, int failed_attempts);

// Full jitter: `unit_random` in [0, 1) scaled to [0, backoffCeiling()].
Micros fullJitterBackoff(const RetryConfig& retry, int failed_attempts, double unit_random);

struct RetryDecision {
  TransactionState new_state = TransactionState::kPending;
  TimePoint next_attempt_at{};  // for kPending
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  std::string message;   // what is recorded with the attempt (and as the entry's last error)
  bool gave_up = false;  // a retryable failure that exhausted max_attempts or max_age
};

// Decides the entry's next state after attempt number `attempt_number` (1-based) of the
// transaction created at `created_at` ended with `result` at `now`.
//  - Delivered: kDelivered.
//  - Reject: kDead at once, with the target's message.
//  - Retry: kDead when attempt_number >= max_attempts or now - created_at >= max_age
//    (the target's message, then why we gave up); otherwise kPending, next attempt after
//    max(fullJitterBackoff(), result.retry_after) — a Retry-After longer than max_age is cut
//    to max_age.
RetryDecision decideAfterAttempt(const RetryConfig& retry, TimePoint created_at, int attempt_number,
                                 const DeliveryResult& result, TimePoint now, double unit_random);

}  // namespace pb
