// A Transaction: one planned effect in one target system, derived from an event by a route.
#pragma once

#include <cstdint>
#include <string>

#include "plantbridge/common/time.h"

namespace pb {

struct Transaction {
  // The idempotency key: "<event id>/<route name>". Stable across replays, sent to the target
  // (the webhook target's Idempotency-Key header) so a retry never posts twice.
  std::string id;
  std::string event_id;
  std::string correlation_id;
  std::string route;
  std::string target;
  // Order is kept per (target, ordering_key): usually the work center.
  std::string ordering_key;
  std::string body;  // the rendered request body (JSON text)
  TimePoint created_at{};
};

enum class TransactionState { kPending = 0, kDelivered = 1, kDead = 2, kDiscarded = 3 };
const char* transactionStateName(TransactionState s);

struct OutboxEntry {
  int64_t seq = 0;  // outbox order
  Transaction tx;
  TransactionState state = TransactionState::kPending;
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::string last_error;  // the target's own message for the last failed attempt
};

enum class AttemptOutcome { kDelivered = 0, kRetry = 1, kRejected = 2 };
const char* attemptOutcomeName(AttemptOutcome o);

// One delivery attempt, as recorded in the audit trail.
struct Attempt {
  std::string transaction_id;
  int number = 0;  // 1-based
  TimePoint started_at{};
  Micros duration{0};
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  int http_status = 0;  // 0 when no HTTP answer was received
  std::string message;  // target's answer or the transport error, truncated to a few KiB
};

}  // namespace pb
