#include "store/sqlite_journal.h"

#include <future>
#include <limits>

#include "plantbridge/model/event_codec.h"
#include "store/schema.h"

namespace pb {
namespace {

constexpr char kInsert[] =
    "INSERT INTO journal(seq, event_id, type, occurred_at, received_at, body, prev_hash, hash) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(event_id) DO NOTHING";
constexpr char kSeqOfId[] = "SELECT seq FROM journal WHERE event_id = ?1";
constexpr char kRecordColumns[] = "SELECT seq, body, prev_hash, hash FROM journal";
constexpr char kReadAfter[] =
    "SELECT seq, body, prev_hash, hash FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr char kFindById[] = "SELECT seq, body, prev_hash, hash FROM journal WHERE event_id = ?1";
constexpr char kMetaGet[] = "SELECT value FROM meta WHERE key = ?1";
constexpr char kVerifyWalk[] =
    "SELECT seq, event_id, type, occurred_at, body, prev_hash, hash FROM journal ORDER BY seq";

// A time-filtered scan first counts (through the occurred_at index, up to this many) the
// matching rows after the cursor. Fewer: read them through the index and sort by seq. More: walk
// the journal in seq order and filter, which costs one pass over the range for the whole replay
// instead of a sort of the whole range per page.
constexpr int64_t kIndexPlanMaxRows = 4096;
constexpr int64_t kVerifyProgressEvery = 10000;

class AppendJob final : public WriteJob {
 public:
  AppendJob(Result<std::vector<PendingRecord>> records, AppendCallback done)
      : records_(std::move(records)), done_(std::move(done)) {}
  size_t journalRecords() const override { return records_ ? records_->size() : 0; }
  Status apply(WriteContext& ctx) override {
    if (!records_) return records_.status();
    results_.clear();
    results_.reserve(records_->size());
    return appendRecords(ctx, *records_, &results_);
  }
  void complete(Status status) override {
    if (status.isOk()) {
      done_(std::move(status), std::move(results_));
    } else {
      done_(std::move(status), {});
    }
  }

 private:
  Result<std::vector<PendingRecord>> records_;
  AppendCallback done_;
  std::vector<AppendResult> results_;
};

Result<JournalRecord> recordFromRow(const sqlite::Query& q) {
  JournalRecord record;
  record.seq = q.int64(0);
  record.body = q.text(1);
  if (!q.digest(2, record.prev_hash) || !q.digest(3, record.hash)) {
    return Status::corruption("journal record " + std::to_string(record.seq) +
                              ": hash columns are not 32-byte blobs");
  }
  auto event = parseStoredEvent(record.body);
  if (!event) {
    return Status::corruption("journal record " + std::to_string(record.seq) +
                              ": body is not a valid event: " + event.status().message());
  }
  record.event = std::move(event).value();
  return record;
}

Result<std::vector<JournalRecord>> collectRecords(sqlite::Query& q, const std::string& what) {
  std::vector<JournalRecord> records;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto record = recordFromRow(q);
    if (!record) return record.status();
    records.push_back(std::move(record).value());
  }
  if (rc != SQLITE_DONE) return sqlite::toStatus(sqlite3_db_handle(q.get()), rc, what);
  return records;
}

// The WHERE clauses of a filter. Parameters: ?2 since, ?3 until, ?10.. types (so callers can
// use ?1 and ?4 for their own).
struct FilterSql {
  bool has_range = false;
  std::string range;  // " AND occurred_at >= ?2 AND occurred_at < ?3", or ""
  std::string types;  // " AND type IN (?10, ?11, ...)", or ""
};

FilterSql filterSql(const ReplayFilter& filter, bool index_usable) {
  FilterSql sql;
  sql.has_range = filter.since.has_value() || filter.until.has_value();
  if (sql.has_range) {
    // A unary + keeps SQLite from using the occurred_at index for the term.
    sql.range = index_usable ? " AND occurred_at >= ?2 AND occurred_at < ?3"
                             : " AND +occurred_at >= ?2 AND +occurred_at < ?3";
  }
  if (!filter.types.empty()) {
    sql.types = " AND type IN (";
    for (size_t i = 0; i < filter.types.size(); ++i) {
      if (i > 0) sql.types += ", ";
      sql.types += "?" + std::to_string(10 + i);
    }
    sql.types += ")";
  }
  return sql;
}

void bindFilter(sqlite::Query& q, const ReplayFilter& filter, const FilterSql& sql) {
  if (sql.has_range) {
    q.bind(2, filter.since ? toUnixMicros(*filter.since) : std::numeric_limits<int64_t>::min());
    q.bind(3, filter.until ? toUnixMicros(*filter.until) : std::numeric_limits<int64_t>::max());
  }
  for (size_t i = 0; i < filter.types.size(); ++i) {
    q.bind(static_cast<int>(10 + i), std::string_view(filter.types[i]));
  }
}

std::string hex(const Sha256Digest& d) { return toHex(d); }

}  // namespace

Result<PendingRecord> prepareRecord(Event& event, TimePoint now) {
  if (event.id.empty()) return Status::invalidArgument("id: is required");
  if (event.type.empty()) return Status::invalidArgument("type: is required");
  if (event.received_at == TimePoint{}) event.received_at = now;
  PendingRecord record;
  record.occurred_us = toUnixMicros(event.occurred_at);
  record.received_us = toUnixMicros(event.received_at);
  record.body = serializeEvent(event);
  record.id = std::move(event.id);
  record.type = std::move(event.type);
  return record;
}

Result<std::vector<PendingRecord>> prepareRecords(std::vector<Event>& events, TimePoint now) {
  std::vector<PendingRecord> records;
  records.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    auto record = prepareRecord(events[i], now);
    if (!record) {
      return Status(record.status().code(),
                    "events[" + std::to_string(i) + "]." + record.status().message());
    }
    records.push_back(std::move(record).value());
  }
  return records;
}

Status appendRecords(WriteContext& ctx, const std::vector<PendingRecord>& records,
                     std::vector<AppendResult>* results) {
  if (records.empty()) return Status::ok();
  auto insert = ctx.conn.cached(kInsert);
  if (!insert) return insert.status();
  sqlite3* db = ctx.conn.db();
  for (const PendingRecord& r : records) {
    const int64_t seq = ctx.head.seq + 1;
    const Sha256Digest hash = chainHash(ctx.head.hash, seq, r.body);
    insert->bind(1, seq)
        .bind(2, std::string_view(r.id))
        .bind(3, std::string_view(r.type))
        .bind(4, r.occurred_us)
        .bind(5, r.received_us)
        .bind(6, std::string_view(r.body))
        .bind(7, ctx.head.hash)
        .bind(8, hash);
    int rc = insert->step();
    sqlite3_reset(insert->get());
    if (rc != SQLITE_DONE) return sqlite::toStatus(db, rc, "journal insert of " + r.id);
    if (sqlite3_changes(db) == 1) {
      ctx.head.seq = seq;
      ctx.head.hash = hash;
      if (results != nullptr) results->push_back({AppendOutcome::kAccepted, seq});
      continue;
    }
    // ON CONFLICT DO NOTHING: the id is journaled already (maybe earlier in this very batch).
    auto lookup = ctx.conn.cached(kSeqOfId);
    if (!lookup) return lookup.status();
    lookup->bind(1, std::string_view(r.id));
    rc = lookup->step();
    if (rc != SQLITE_ROW) {
      return rc == SQLITE_DONE
                 ? Status::internal("journal insert of " + r.id + " was ignored, yet no record")
                 : sqlite::toStatus(db, rc, "journal lookup of " + r.id);
    }
    if (results != nullptr) results->push_back({AppendOutcome::kDuplicate, lookup->int64(0)});
  }
  return Status::ok();
}

void SqliteJournal::appendAsync(std::vector<Event> events, AppendCallback done) {
  auto records = prepareRecords(events, core_.clock.now());
  core_.writer.submit(std::make_unique<AppendJob>(std::move(records), std::move(done)));
}

Result<std::vector<AppendResult>> SqliteJournal::append(std::vector<Event> events) {
  if (core_.writer.onWriterThread()) return writer_detail::deadlockError();
  std::promise<Result<std::vector<AppendResult>>> promise;
  auto future = promise.get_future();
  appendAsync(std::move(events), [&promise](Status status, std::vector<AppendResult> results) {
    if (status.isOk()) {
      promise.set_value(std::move(results));
    } else {
      promise.set_value(std::move(status));
    }
  });
  return future.get();
}

Result<std::vector<JournalRecord>> SqliteJournal::readAfter(int64_t after_seq, size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kReadAfter);
  if (!q) return q.status();
  q->bind(1, after_seq).bind(2, static_cast<int64_t>(limit));
  return collectRecords(*q, core_.path + ": reading the journal");
}

Result<std::optional<JournalRecord>> SqliteJournal::findById(const std::string& event_id) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kFindById);
  if (!q) return q.status();
  q->bind(1, std::string_view(event_id));
  auto records = collectRecords(*q, core_.path + ": reading the journal");
  if (!records) return records.status();
  if (records->empty()) return std::optional<JournalRecord>();
  return std::optional<JournalRecord>(std::move(records->front()));
}

Result<std::vector<JournalRecord>> SqliteJournal::scan(const ReplayFilter& filter,
                                                       int64_t after_seq, size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto txn = ReadTransaction::begin(*lease);
  if (!txn) return txn.status();

  bool use_index = false;
  if (filter.since || filter.until) {
    FilterSql probe_sql = filterSql(ReplayFilter{filter.since, filter.until, {}}, true);
    auto probe = sqlite::prepareAdHoc(lease->conn(),
                                      "SELECT count(*) FROM (SELECT 1 FROM journal WHERE seq > ?1" +
                                          probe_sql.range + " LIMIT ?4)");
    if (!probe) return probe.status();
    probe->bind(1, after_seq).bind(4, kIndexPlanMaxRows);
    bindFilter(*probe, filter, probe_sql);
    int rc = probe->step();
    if (rc != SQLITE_ROW)
      return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": journal scan");
    use_index = probe->int64(0) < kIndexPlanMaxRows;
  }
  FilterSql sql = filterSql(filter, use_index);
  std::string text = std::string(kRecordColumns) +
                     (use_index ? " INDEXED BY journal_occurred_at" : "") + " WHERE seq > ?1" +
                     sql.range + sql.types + " ORDER BY seq LIMIT ?4";
  auto q = sqlite::prepareAdHoc(lease->conn(), text);
  if (!q) return q.status();
  q->bind(1, after_seq).bind(4, static_cast<int64_t>(limit));
  bindFilter(*q, filter, sql);
  return collectRecords(*q, core_.path + ": journal scan");
}

Result<int64_t> SqliteJournal::countMatching(const ReplayFilter& filter) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  FilterSql sql = filterSql(filter, true);
  auto q = sqlite::prepareAdHoc(lease->conn(),
                                "SELECT count(*) FROM journal WHERE 1" + sql.range + sql.types);
  if (!q) return q.status();
  bindFilter(*q, filter, sql);
  int rc = q->step();
  if (rc != SQLITE_ROW)
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": journal count");
  return q->int64(0);
}

Result<ChainReport> SqliteJournal::verifyChain(
    const std::function<void(int64_t, int64_t)>& progress) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  // One snapshot for the head and the walk, while the writer goes on appending.
  auto txn = ReadTransaction::begin(*lease);
  if (!txn) return txn.status();

  JournalHead recorded;
  bool has_head = false;
  {
    auto q = lease->conn().cached(kMetaGet);
    if (!q) return q.status();
    q->bind(1, std::string_view(kMetaJournalHeadSeq));
    if (q->step() == SQLITE_ROW) {
      recorded.seq = q->int64(0);
      has_head = true;
    }
  }
  if (has_head) {
    auto q = lease->conn().cached(kMetaGet);
    if (!q) return q.status();
    q->bind(1, std::string_view(kMetaJournalHeadHash));
    if (q->step() != SQLITE_ROW || !q->digest(0, recorded.hash)) has_head = false;
  }

  ChainReport report;
  auto fail = [&report](int64_t seq, std::string problem) {
    report.intact = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };

  auto q = lease->conn().cached(kVerifyWalk);
  if (!q) return q.status();
  JournalHead running;  // seq 0, zero hash: what record 1 must follow
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    const int64_t seq = q->int64(0);
    const std::string s = std::to_string(seq);
    if (seq != running.seq + 1) {
      const int64_t missing = running.seq + 1;
      if (seq < missing) return fail(seq, "record " + s + " is out of order");
      return fail(missing, seq == missing + 1 ? "record " + std::to_string(missing) + " is missing"
                                              : "records " + std::to_string(missing) + ".." +
                                                    std::to_string(seq - 1) + " are missing");
    }
    Sha256Digest prev_hash, hash;
    if (!q->digest(5, prev_hash) || !q->digest(6, hash)) {
      return fail(seq, "record " + s + " was changed: its hash columns are not 32-byte blobs");
    }
    if (prev_hash != running.hash) {
      return fail(seq, "record " + s + " does not follow record " + std::to_string(running.seq) +
                           ": its prev_hash " + hex(prev_hash) + " is not the hash of record " +
                           std::to_string(running.seq) + " (" + hex(running.hash) +
                           "): records were reordered, replaced or removed");
    }
    const std::string_view body = q->textView(4);
    if (chainHash(prev_hash, seq, body) != hash) {
      return fail(seq, "record " + s + " was changed: its hash does not match its contents");
    }
    // The columns beside the body are what dedupe and replay filters read; the hash does not
    // cover them, so check they still say what the body says.
    auto event = parseStoredEvent(body);
    if (!event) {
      return fail(seq, "record " + s + " was changed: its body is not a valid event (" +
                           event.status().message() + ")");
    }
    if (q->textView(1) != event->id || q->textView(2) != event->type ||
        q->int64(3) != toUnixMicros(event->occurred_at)) {
      return fail(seq, "record " + s +
                           " was changed: its event_id, type or occurred_at column does not "
                           "match its body");
    }
    running.seq = seq;
    running.hash = hash;
    ++report.records_checked;
    if (progress && report.records_checked % kVerifyProgressEvery == 0) {
      progress(report.records_checked, std::max(recorded.seq, running.seq));
    }
  }
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": walking the journal");
  }
  if (progress) progress(report.records_checked, std::max(recorded.seq, running.seq));

  if (!has_head) {
    if (running.seq == 0) return report;  // an empty journal that never had a record
    return fail(1, "the chain head is missing from the meta table");
  }
  if (running.seq < recorded.seq) {
    const int64_t first = running.seq + 1;
    return fail(first, (first == recorded.seq ? "record " + std::to_string(first) + " is"
                                              : "records " + std::to_string(first) + ".." +
                                                    std::to_string(recorded.seq) + " are") +
                           " missing: the journal ends at record " + std::to_string(running.seq) +
                           " but its head is record " + std::to_string(recorded.seq) +
                           " (tail truncated)");
  }
  if (running.seq > recorded.seq) {
    return fail(recorded.seq + 1, "record " + std::to_string(recorded.seq + 1) +
                                      " is beyond the chain head (record " +
                                      std::to_string(recorded.seq) +
                                      "): it was not written by plantbridge");
  }
  if (running.hash != recorded.hash) {
    return fail(running.seq, "record " + std::to_string(running.seq) +
                                 " does not match the chain head's hash: it was replaced");
  }
  return report;
}

}  // namespace pb
