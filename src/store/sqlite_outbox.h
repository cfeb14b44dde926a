// The outbox on SQLite: tables `outbox` and `attempts` (docs/storage-format.md).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "plantbridge/store/outbox.h"
#include "store/store_core.h"

namespace pb {

// Adds a pending entry on the writer thread unless its id is in the outbox already. Returns
// true when it was new. created_at (if unset) and next_attempt_at default to `now`.
Result<bool> insertTransaction(WriteContext& ctx, const Transaction& tx, TimePoint now);

// Pending entries per target, counted in the database (at open).
Result<std::map<std::string, int64_t>> countPendingByTarget(sqlite::Connection& conn);

// Changes of the pending count per target made by one write job, applied once it is committed.
using PendingDelta = std::map<std::string, int64_t>;

class SqliteOutbox final : public Outbox {
 public:
  SqliteOutbox(StoreCore& core, std::map<std::string, int64_t> pending)
      : core_(core), pending_(std::move(pending)) {}

  Result<std::vector<OutboxEntry>> due(const std::string& target, TimePoint now,
                                       const std::set<std::string>& busy_keys,
                                       size_t limit) override;
  Result<std::optional<TimePoint>> nextDueAt(const std::string& target) override;
  Status recordAttempt(const AttemptRecord& record) override;
  Result<std::optional<OutboxEntry>> get(const std::string& transaction_id) override;
  Result<std::vector<OutboxEntry>> byEvent(const std::string& event_id) override;
  Result<std::vector<Attempt>> attempts(const std::string& transaction_id) override;
  Result<std::vector<OutboxEntry>> deadLetters(int64_t before_seq, size_t limit) override;
  Status retryDead(const std::string& transaction_id, TimePoint now) override;
  Status discardDead(const std::string& transaction_id) override;
  // From memory: counting in SQL reads the whole backlog (tens of ms at 100k entries), and
  // this is read for /metrics and back-pressure.
  Result<std::map<std::string, int64_t>> pendingByTarget() override;
  Result<int64_t> deadCount() override;

  // Applies committed changes to the pending counts (called where jobs complete).
  void applyPendingDelta(const PendingDelta& delta);

 private:
  // Moves a dead letter to `to` (pending or discarded) in one write.
  Status moveDead(const std::string& transaction_id, TransactionState to, TimePoint now);

  StoreCore& core_;
  std::mutex pending_mu_;
  std::map<std::string, int64_t> pending_;  // guarded by pending_mu_
};

}  // namespace pb
