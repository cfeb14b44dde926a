// The outbox: transactions waiting for (or done with) delivery to a target, their attempts,
// and the dead letters among them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/model/transaction.h"

namespace pb {

struct AttemptRecord {
  Attempt attempt;
  TransactionState new_state = TransactionState::kPending;
  TimePoint next_attempt_at{};  // for kPending: when to try again
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Pending entries for `target` that may be attempted now: for each ordering key only the
  // oldest pending entry, and only if its next_attempt_at <= now and its key is not in
  // `busy_keys` (in flight). In outbox order, at most `limit`.
  virtual Result<std::vector<OutboxEntry>> due(const std::string& target, TimePoint now,
                                               const std::set<std::string>& busy_keys,
                                               size_t limit) = 0;
  // The earliest next_attempt_at among pending entries of `target`, if any.
  virtual Result<std::optional<TimePoint>> nextDueAt(const std::string& target) = 0;

  // Records an attempt and moves the entry to its new state in one durable write.
  virtual Status recordAttempt(const AttemptRecord& record) = 0;

  virtual Result<std::optional<OutboxEntry>> get(const std::string& transaction_id) = 0;
  virtual Result<std::vector<OutboxEntry>> byEvent(const std::string& event_id) = 0;
  virtual Result<std::vector<Attempt>> attempts(const std::string& transaction_id) = 0;

  // Dead letters, newest first, those with seq < before_seq (0: from the newest).
  virtual Result<std::vector<OutboxEntry>> deadLetters(int64_t before_seq, size_t limit) = 0;
  // Moves a dead letter back to pending (attempts kept, due now). NotFound if not dead.
  virtual Status retryDead(const std::string& transaction_id, TimePoint now) = 0;
  // Marks a dead letter discarded (kept for audit, never delivered). NotFound if not dead.
  virtual Status discardDead(const std::string& transaction_id) = 0;

  // Pending entries per target, and the dead-letter count, for /metrics and back-pressure.
  virtual Result<std::map<std::string, int64_t>> pendingByTarget() = 0;
  virtual Result<int64_t> deadCount() = 0;
};

}  // namespace pb
