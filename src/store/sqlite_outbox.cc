#include "store/sqlite_outbox.h"

#include <limits>

namespace pb {
namespace {

#define PB_OUTBOX_COLUMNS                                                                  \
  "o.seq, o.id, o.event_id, o.correlation_id, o.route, o.target, o.ordering_key, o.body, " \
  "o.created_at, o.state, o.attempts, o.next_attempt_at, o.last_error"

constexpr char kInsert[] =
    "INSERT INTO outbox(id, event_id, correlation_id, route, target, ordering_key, body, "
    "created_at, state, attempts, next_attempt_at, last_error) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, '') ON CONFLICT(id) DO NOTHING";

// The head of each (target, ordering_key) queue: the recursive part hops from one ordering key
// to the next through the partial index outbox_pending (one seek per key), and the head is the
// first entry of its key there. Costs O(keys · log n), however deep the backlog.
#define PB_OUTBOX_HEADS                                                                 \
  "WITH RECURSIVE heads(k) AS ("                                                        \
  " SELECT (SELECT ordering_key FROM outbox WHERE target = ?1 AND state = 0"            \
  "         ORDER BY ordering_key LIMIT 1)"                                             \
  " UNION ALL"                                                                          \
  " SELECT (SELECT ordering_key FROM outbox WHERE target = ?1 AND state = 0"            \
  "         AND ordering_key > heads.k ORDER BY ordering_key LIMIT 1)"                  \
  " FROM heads WHERE heads.k IS NOT NULL) "                                             \
  "SELECT " PB_OUTBOX_COLUMNS                                                           \
  " FROM heads JOIN outbox o ON o.seq = "                                               \
  " (SELECT seq FROM outbox WHERE target = ?1 AND state = 0 AND ordering_key = heads.k" \
  "  ORDER BY seq LIMIT 1) "                                                            \
  "WHERE heads.k IS NOT NULL"

constexpr char kDue[] = PB_OUTBOX_HEADS " AND o.next_attempt_at <= ?2 ORDER BY o.seq";
constexpr char kNextDue[] = "SELECT min(next_attempt_at) FROM (" PB_OUTBOX_HEADS ")";

constexpr char kGet[] = "SELECT " PB_OUTBOX_COLUMNS " FROM outbox o WHERE o.id = ?1";
constexpr char kByEvent[] =
    "SELECT " PB_OUTBOX_COLUMNS " FROM outbox o WHERE o.event_id = ?1 ORDER BY o.seq";
constexpr char kDeadLetters[] = "SELECT " PB_OUTBOX_COLUMNS
                                " FROM outbox o WHERE o.state = 2 AND o.seq < ?1"
                                " ORDER BY o.seq DESC LIMIT ?2";
constexpr char kAttempts[] =
    "SELECT transaction_id, number, started_at, duration_us, outcome, http_status, message "
    "FROM attempts WHERE transaction_id = ?1 ORDER BY number";
constexpr char kPendingByTarget[] =
    "SELECT target, count(*) FROM outbox WHERE state = 0 GROUP BY target";
constexpr char kDeadCount[] = "SELECT count(*) FROM outbox WHERE state = 2";

constexpr char kInsertAttempt[] =
    "INSERT INTO attempts(transaction_id, number, started_at, duration_us, outcome, "
    "http_status, message) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT(transaction_id, number) DO UPDATE SET started_at = excluded.started_at, "
    "duration_us = excluded.duration_us, outcome = excluded.outcome, "
    "http_status = excluded.http_status, message = excluded.message";
// last_error keeps the target's message of the last failed attempt.
constexpr char kApplyAttempt[] =
    "UPDATE outbox SET state = ?2, next_attempt_at = ?3, "
    "attempts = (SELECT count(*) FROM attempts WHERE transaction_id = ?1), "
    "last_error = CASE WHEN ?4 = 0 THEN last_error ELSE ?5 END WHERE id = ?1";
constexpr char kMoveDead[] =
    "UPDATE outbox SET state = ?2, next_attempt_at = CASE WHEN ?2 = 0 THEN ?3 "
    "ELSE next_attempt_at END WHERE id = ?1 AND state = 2";
constexpr char kStateOf[] = "SELECT state, target FROM outbox WHERE id = ?1";

OutboxEntry entryFromRow(const sqlite::Query& q) {
  OutboxEntry e;
  e.seq = q.int64(0);
  e.tx.id = q.text(1);
  e.tx.event_id = q.text(2);
  e.tx.correlation_id = q.text(3);
  e.tx.route = q.text(4);
  e.tx.target = q.text(5);
  e.tx.ordering_key = q.text(6);
  e.tx.body = q.text(7);
  e.tx.created_at = fromUnixMicros(q.int64(8));
  e.state = static_cast<TransactionState>(q.int64(9));
  e.attempts = static_cast<int>(q.int64(10));
  e.next_attempt_at = fromUnixMicros(q.int64(11));
  e.last_error = q.text(12);
  return e;
}

Result<std::vector<OutboxEntry>> collectEntries(sqlite::Query& q, const std::string& what) {
  std::vector<OutboxEntry> entries;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) entries.push_back(entryFromRow(q));
  if (rc != SQLITE_DONE) return sqlite::toStatus(sqlite3_db_handle(q.get()), rc, what);
  return entries;
}

}  // namespace

Result<bool> insertTransaction(WriteContext& ctx, const Transaction& tx, TimePoint now) {
  if (tx.id.empty()) return Status::invalidArgument("transaction id: is required");
  if (tx.target.empty()) return Status::invalidArgument("transaction " + tx.id + ": no target");
  auto q = ctx.conn.cached(kInsert);
  if (!q) return q.status();
  const TimePoint created = tx.created_at == TimePoint{} ? now : tx.created_at;
  q->bind(1, std::string_view(tx.id))
      .bind(2, std::string_view(tx.event_id))
      .bind(3, std::string_view(tx.correlation_id))
      .bind(4, std::string_view(tx.route))
      .bind(5, std::string_view(tx.target))
      .bind(6, std::string_view(tx.ordering_key))
      .bind(7, std::string_view(tx.body))
      .bind(8, toUnixMicros(created))
      .bind(9, toUnixMicros(created));
  PB_RETURN_IF_ERROR(q->run("outbox insert of " + tx.id));
  return sqlite3_changes(ctx.conn.db()) == 1;
}

Result<std::vector<OutboxEntry>> SqliteOutbox::due(const std::string& target, TimePoint now,
                                                   const std::set<std::string>& busy_keys,
                                                   size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kDue);
  if (!q) return q.status();
  q->bind(1, std::string_view(target)).bind(2, toUnixMicros(now));
  std::vector<OutboxEntry> entries;
  int rc = SQLITE_DONE;
  while (entries.size() < limit && (rc = q->step()) == SQLITE_ROW) {
    // Rows are heads, one per key; a busy key's head is in flight elsewhere.
    if (busy_keys.count(std::string(q->textView(6))) != 0) continue;
    entries.push_back(entryFromRow(*q));
  }
  if (entries.size() < limit && rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": outbox due");
  }
  return entries;
}

Result<std::optional<TimePoint>> SqliteOutbox::nextDueAt(const std::string& target) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kNextDue);
  if (!q) return q.status();
  q->bind(1, std::string_view(target));
  int rc = q->step();
  if (rc != SQLITE_ROW) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": outbox next due");
  }
  if (q->isNull(0)) return std::optional<TimePoint>();
  return std::optional<TimePoint>(fromUnixMicros(q->int64(0)));
}

Status SqliteOutbox::recordAttempt(const AttemptRecord& record) {
  auto job = [&record](WriteContext& ctx) -> Result<PendingDelta> {
    const Attempt& a = record.attempt;
    auto before = ctx.conn.cached(kStateOf);
    if (!before) return before.status();
    before->bind(1, std::string_view(a.transaction_id));
    int rc = before->step();
    if (rc == SQLITE_DONE) return Status::notFound("no outbox entry '" + a.transaction_id + "'");
    if (rc != SQLITE_ROW) return sqlite::toStatus(ctx.conn.db(), rc, "reading outbox entry");
    const bool was_pending = before->int64(0) == static_cast<int64_t>(TransactionState::kPending);
    const bool is_pending = record.new_state == TransactionState::kPending;
    PendingDelta delta;
    if (was_pending != is_pending) delta[before->text(1)] = is_pending ? 1 : -1;

    auto insert = ctx.conn.cached(kInsertAttempt);
    if (!insert) return insert.status();
    PB_RETURN_IF_ERROR(
        insert->bind(1, std::string_view(a.transaction_id))
            .bind(2, static_cast<int64_t>(a.number))
            .bind(3, toUnixMicros(a.started_at))
            .bind(4, static_cast<int64_t>(a.duration.count()))
            .bind(5, static_cast<int64_t>(a.outcome))
            .bind(6, static_cast<int64_t>(a.http_status))
            .bind(7, std::string_view(a.message))
            .run("recording attempt " + std::to_string(a.number) + " of " + a.transaction_id));
    auto update = ctx.conn.cached(kApplyAttempt);
    if (!update) return update.status();
    PB_RETURN_IF_ERROR(
        update->bind(1, std::string_view(a.transaction_id))
            .bind(2, static_cast<int64_t>(record.new_state))
            .bind(3, toUnixMicros(record.next_attempt_at))
            .bind(4, static_cast<int64_t>(a.outcome == AttemptOutcome::kDelivered ? 0 : 1))
            .bind(5, std::string_view(a.message))
            .run("updating outbox entry " + a.transaction_id));
    return delta;
  };
  auto result = core_.writer.call<PendingDelta>(
      job, [this](const PendingDelta& delta) { applyPendingDelta(delta); });
  return result.isOk() ? Status::ok() : result.status();
}

Result<std::optional<OutboxEntry>> SqliteOutbox::get(const std::string& transaction_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kGet);
  if (!q) return q.status();
  q->bind(1, std::string_view(transaction_id));
  auto entries = collectEntries(*q, core_.path + ": outbox get");
  if (!entries) return entries.status();
  if (entries->empty()) return std::optional<OutboxEntry>();
  return std::optional<OutboxEntry>(std::move(entries->front()));
}

Result<std::vector<OutboxEntry>> SqliteOutbox::byEvent(const std::string& event_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kByEvent);
  if (!q) return q.status();
  q->bind(1, std::string_view(event_id));
  return collectEntries(*q, core_.path + ": outbox by event");
}

Result<std::vector<Attempt>> SqliteOutbox::attempts(const std::string& transaction_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kAttempts);
  if (!q) return q.status();
  q->bind(1, std::string_view(transaction_id));
  std::vector<Attempt> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    Attempt a;
    a.transaction_id = q->text(0);
    a.number = static_cast<int>(q->int64(1));
    a.started_at = fromUnixMicros(q->int64(2));
    a.duration = Micros(q->int64(3));
    a.outcome = static_cast<AttemptOutcome>(q->int64(4));
    a.http_status = static_cast<int>(q->int64(5));
    a.message = q->text(6);
    out.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": outbox attempts");
  }
  return out;
}

Result<std::vector<OutboxEntry>> SqliteOutbox::deadLetters(int64_t before_seq, size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kDeadLetters);
  if (!q) return q.status();
  q->bind(1, before_seq > 0 ? before_seq : std::numeric_limits<int64_t>::max())
      .bind(2, static_cast<int64_t>(limit));
  return collectEntries(*q, core_.path + ": dead letters");
}

Status SqliteOutbox::moveDead(const std::string& transaction_id, TransactionState to,
                              TimePoint now) {
  auto job = [&](WriteContext& ctx) -> Result<PendingDelta> {
    auto state = ctx.conn.cached(kStateOf);
    if (!state) return state.status();
    state->bind(1, std::string_view(transaction_id));
    int rc = state->step();
    if (rc == SQLITE_DONE) return Status::notFound("no outbox entry '" + transaction_id + "'");
    if (rc != SQLITE_ROW) return sqlite::toStatus(ctx.conn.db(), rc, "reading outbox entry");
    const auto current = static_cast<TransactionState>(state->int64(0));
    if (current != TransactionState::kDead) {
      return Status::notFound("outbox entry '" + transaction_id + "' is not a dead letter (it is " +
                              transactionStateName(current) + ")");
    }
    PendingDelta delta;
    if (to == TransactionState::kPending) delta[state->text(1)] = 1;
    auto q = ctx.conn.cached(kMoveDead);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(q->bind(1, std::string_view(transaction_id))
                           .bind(2, static_cast<int64_t>(to))
                           .bind(3, toUnixMicros(now))
                           .run("moving dead letter " + transaction_id));
    return delta;
  };
  auto result = core_.writer.call<PendingDelta>(
      job, [this](const PendingDelta& delta) { applyPendingDelta(delta); });
  return result.isOk() ? Status::ok() : result.status();
}

Status SqliteOutbox::retryDead(const std::string& transaction_id, TimePoint now) {
  return moveDead(transaction_id, TransactionState::kPending, now);
}

Status SqliteOutbox::discardDead(const std::string& transaction_id) {
  return moveDead(transaction_id, TransactionState::kDiscarded, TimePoint{});
}

Result<std::map<std::string, int64_t>> SqliteOutbox::pendingByTarget() {
  std::lock_guard lock(pending_mu_);
  return pending_;
}

void SqliteOutbox::applyPendingDelta(const PendingDelta& delta) {
  if (delta.empty()) return;
  std::lock_guard lock(pending_mu_);
  for (const auto& [target, change] : delta) {
    auto it = pending_.emplace(target, 0).first;
    it->second += change;
    if (it->second == 0) pending_.erase(it);
  }
}

Result<std::map<std::string, int64_t>> countPendingByTarget(sqlite::Connection& conn) {
  auto q = conn.cached(kPendingByTarget);
  if (!q) return q.status();
  std::map<std::string, int64_t> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) out[q->text(0)] = q->int64(1);
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(conn.db(), rc, conn.path() + ": counting pending transactions");
  }
  return out;
}

Result<int64_t> SqliteOutbox::deadCount() {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  return lease->conn().queryInt(kDeadCount);
}

}  // namespace pb
