#include "store/sqlite_pipeline_store.h"

#include <algorithm>

#include "store/schema.h"
#include "store/sqlite_journal.h"
#include "store/sqlite_outbox.h"
#include "store/stage_notes.h"

namespace pb {
namespace {

constexpr char kSetCursor[] =
    "INSERT INTO meta(key, value) VALUES(?1, ?2) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
// REPLACE gives the entry a new seq: a re-parked event is the newest exception.
constexpr char kPutException[] =
    "INSERT OR REPLACE INTO exceptions(event_id, stage, reason, at) VALUES(?1, ?2, ?3, ?4)";
constexpr char kClearException[] = "DELETE FROM exceptions WHERE event_id = ?1";
constexpr char kPutRun[] = "INSERT INTO stage_runs(journal_seq, at, stages) VALUES(?1, ?2, ?3)";
constexpr char kPutState[] =
    "INSERT INTO pipeline_state(key, value) VALUES(?1, ?2) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
constexpr char kPutDedupe[] =
    "INSERT INTO dedupe_keys(key, expires_at) VALUES(?1, ?2) "
    "ON CONFLICT(key) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)";
constexpr char kPurgeDedupe[] = "DELETE FROM dedupe_keys WHERE expires_at <= ?1";

constexpr char kGetState[] = "SELECT value FROM pipeline_state WHERE key = ?1";
constexpr char kDedupeSeen[] = "SELECT expires_at > ?2 FROM dedupe_keys WHERE key = ?1";
constexpr char kHasTransaction[] = "SELECT 1 FROM outbox WHERE id = ?1";
constexpr char kTraceOf[] =
    "SELECT at, stages FROM stage_runs "
    "WHERE journal_seq = (SELECT seq FROM journal WHERE event_id = ?1) ORDER BY seq";
constexpr char kExceptions[] =
    "SELECT event_id, stage, reason, at FROM exceptions ORDER BY seq DESC LIMIT ?1";
constexpr char kExceptionOf[] =
    "SELECT event_id, stage, reason, at FROM exceptions WHERE event_id = ?1";

// Expired dedupe keys are deleted now and then, not on every commit.
constexpr auto kDedupePurgeInterval = std::chrono::minutes(1);

ExceptionEntry exceptionFromRow(const sqlite::Query& q) {
  ExceptionEntry e;
  e.event_id = q.text(0);
  e.stage = q.text(1);
  e.reason = q.text(2);
  e.at = fromUnixMicros(q.int64(3));
  return e;
}

// What one commitSteps job did, for the caller and the in-memory counts.
struct CommitOutcome {
  int64_t new_transactions = 0;
  PendingDelta pending;
  FiledNotes notes;
};

// A step's effects that are serialized before the commit, off the writer thread.
struct PreparedStep {
  std::vector<PendingRecord> derived;
  PreparedStages stages;  // entries empty without a trace
};

Status applyStep(WriteContext& ctx, const StageNotes& notes, const StepResult& step,
                 const PreparedStep& prepared, TimePoint now, CommitOutcome& out) {
  const std::vector<PendingRecord>& derived = prepared.derived;
  PB_RETURN_IF_ERROR(appendRecords(ctx, derived, nullptr));
  for (const Transaction& tx : step.transactions) {
    auto inserted = insertTransaction(ctx, tx, now);
    if (!inserted) return inserted.status();
    if (*inserted) {
      ++out.new_transactions;
      ++out.pending[tx.target];
    }
  }
  if (step.exception) {
    const ExceptionEntry& e = *step.exception;
    auto q = ctx.conn.cached(kPutException);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(q->bind(1, std::string_view(e.event_id.empty() ? step.event_id : e.event_id))
                           .bind(2, std::string_view(e.stage))
                           .bind(3, std::string_view(e.reason))
                           .bind(4, toUnixMicros(e.at == TimePoint{} ? now : e.at))
                           .run("parking exception of " + step.event_id));
  } else if (!step.event_id.empty()) {
    // Processed without an exception (a replay after the mapping was fixed): no longer parked.
    auto q = ctx.conn.cached(kClearException);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(
        q->bind(1, std::string_view(step.event_id)).run("clearing exception of " + step.event_id));
  }
  if (!step.trace.empty()) {
    const TimePoint at = step.trace.front().at;
    auto stages = notes.file(ctx.conn, prepared.stages, out.notes);
    if (!stages) return stages.status();
    auto q = ctx.conn.cached(kPutRun);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(q->bind(1, step.journal_seq)
                           .bind(2, toUnixMicros(at == TimePoint{} ? now : at))
                           .bind(3, std::string_view(*stages))
                           .run("recording trace of " + step.event_id));
  }
  for (const StateUpdate& u : step.state_updates) {
    auto q = ctx.conn.cached(kPutState);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(q->bind(1, std::string_view(u.key))
                           .bind(2, std::string_view(u.value))
                           .run("updating state " + u.key));
  }
  for (const DedupeKey& k : step.dedupe_keys) {
    auto q = ctx.conn.cached(kPutDedupe);
    if (!q) return q.status();
    PB_RETURN_IF_ERROR(q->bind(1, std::string_view(k.key))
                           .bind(2, toUnixMicros(k.expires_at))
                           .run("recording dedupe key " + k.key));
  }
  return Status::ok();
}

}  // namespace

Result<int64_t> SqlitePipelineStore::commitSteps(const std::vector<StepResult>& steps,
                                                 std::optional<int64_t> new_cursor) {
  const TimePoint now = core_.clock.now();
  std::vector<PreparedStep> prepared(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].trace.empty()) {
      if (steps[i].journal_seq <= 0) {
        return Status::invalidArgument("step for " + steps[i].event_id +
                                       " has a stage trace but no journal seq to file it under");
      }
      prepared[i].stages = notes_.prepare(steps[i].trace);
    }
    std::vector<Event> events = steps[i].derived_events;
    auto records = prepareRecords(events, now);
    if (!records) {
      return Status(records.status().code(),
                    "step for " + steps[i].event_id + ": derived " + records.status().message());
    }
    prepared[i].derived = std::move(records).value();
  }

  auto job = [&](WriteContext& ctx) -> Result<CommitOutcome> {
    CommitOutcome out;
    for (size_t i = 0; i < steps.size(); ++i) {
      PB_RETURN_IF_ERROR(applyStep(ctx, notes_, steps[i], prepared[i], now, out));
    }
    if (new_cursor) {
      auto q = ctx.conn.cached(kSetCursor);
      if (!q) return q.status();
      PB_RETURN_IF_ERROR(q->bind(1, std::string_view(kMetaPipelineCursor))
                             .bind(2, *new_cursor)
                             .run("moving the pipeline cursor"));
    }
    if (now - last_dedupe_purge_ >= kDedupePurgeInterval) {
      auto q = ctx.conn.cached(kPurgeDedupe);
      if (!q) return q.status();
      PB_RETURN_IF_ERROR(q->bind(1, toUnixMicros(now)).run("purging expired dedupe keys"));
      // Set before the commit; if the commit fails the purge is merely postponed.
      last_dedupe_purge_ = now;
    }
    return out;
  };
  auto on_commit = [this, new_cursor](const CommitOutcome& out) {
    if (new_cursor) cursor_.store(*new_cursor, std::memory_order_release);
    outbox_.applyPendingDelta(out.pending);
    notes_.committed(out.notes);
  };
  auto result = core_.writer.call<CommitOutcome>(job, on_commit);
  if (!result) return result.status();
  return result->new_transactions;
}

Result<std::optional<std::string>> SqlitePipelineStore::getState(const std::string& key) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kGetState);
  if (!q) return q.status();
  q->bind(1, std::string_view(key));
  int rc = q->step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(q->text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading state " + key);
}

Result<bool> SqlitePipelineStore::dedupeKeySeen(const std::string& key, TimePoint now) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kDedupeSeen);
  if (!q) return q.status();
  q->bind(1, std::string_view(key)).bind(2, toUnixMicros(now));
  int rc = q->step();
  if (rc == SQLITE_ROW) return q->int64(0) != 0;
  if (rc == SQLITE_DONE) return false;
  return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading dedupe key " + key);
}

Result<bool> SqlitePipelineStore::hasTransaction(const std::string& id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kHasTransaction);
  if (!q) return q.status();
  q->bind(1, std::string_view(id));
  int rc = q->step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": looking up transaction " + id);
}

Result<std::vector<StageTrace>> SqlitePipelineStore::traceOf(const std::string& event_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kTraceOf);
  if (!q) return q.status();
  q->bind(1, std::string_view(event_id));
  std::vector<StageTrace> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    PB_RETURN_IF_ERROR(StageNotes::decode(lease->conn(), q->textView(1), event_id,
                                          fromUnixMicros(q->int64(0)), out));
  }
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading trace");
  }
  return out;
}

Result<std::vector<ExceptionEntry>> SqlitePipelineStore::exceptions(size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kExceptions);
  if (!q) return q.status();
  q->bind(1, static_cast<int64_t>(limit));
  std::vector<ExceptionEntry> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) out.push_back(exceptionFromRow(*q));
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading exceptions");
  }
  return out;
}

Result<std::optional<ExceptionEntry>> SqlitePipelineStore::exceptionOf(
    const std::string& event_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kExceptionOf);
  if (!q) return q.status();
  q->bind(1, std::string_view(event_id));
  int rc = q->step();
  if (rc == SQLITE_ROW) return std::optional<ExceptionEntry>(exceptionFromRow(*q));
  if (rc == SQLITE_DONE) return std::optional<ExceptionEntry>();
  return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading exception");
}

Result<int64_t> SqlitePipelineStore::backlog() {
  return std::max<int64_t>(0, core_.writer.headSeq() - cursor_.load(std::memory_order_acquire));
}

}  // namespace pb
