#include "store/schema.h"

#include <string>

namespace pb {
namespace {

// Version 1: the whole schema. Times are Unix microseconds (UTC); enums are the integer values
// of the C++ enums (TransactionState, AttemptOutcome), which are therefore part of the format.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;

CREATE TABLE journal(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
-- Replay and counting by time range and type; covering for countMatching.
CREATE INDEX journal_occurred_at ON journal(occurred_at, type);

CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  event_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT NOT NULL,
  ordering_key TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_event ON outbox(event_id);
-- Only pending rows: the head of each (target, ordering_key) queue is its first entry here,
-- so due() hops from key to key instead of reading the whole backlog.
CREATE INDEX outbox_pending ON outbox(target, ordering_key, seq) WHERE state = 0;
-- Only dead letters: listing newest first and counting them stay cheap.
CREATE INDEX outbox_dead ON outbox(seq) WHERE state = 2;

CREATE TABLE attempts(
  transaction_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY(transaction_id, number)
);

CREATE TABLE stage_trace(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX stage_trace_event ON stage_trace(event_id);

CREATE TABLE exceptions(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  stage TEXT NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL
);

CREATE TABLE pipeline_state(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE dedupe_keys(
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX dedupe_keys_expiry ON dedupe_keys(expires_at);

CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  accepted INTEGER NOT NULL,
  detail TEXT NOT NULL
);
)sql";

// Version 2: one stage_runs row per pass of an event through the pipeline, keyed by journal
// seq, instead of one stage_trace row per stage keyed by event id. It was 60 % of the bytes
// written per event (six rows and six index entries repeating the event id); now it is one
// row and one integer index entry. Old traces are carried over, one run per (event, time).
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE stage_runs(
  seq INTEGER PRIMARY KEY,
  journal_seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  stages TEXT NOT NULL
);
CREATE INDEX stage_runs_journal ON stage_runs(journal_seq);
INSERT INTO stage_runs(journal_seq, at, stages)
  SELECT j.seq, r.at, r.stages
  FROM (SELECT event_id, at, min(seq) AS first,
               '[' || group_concat(json_array(stage, outcome, detail), ',') || ']' AS stages
        FROM (SELECT * FROM stage_trace ORDER BY seq)
        GROUP BY event_id, at) AS r
  JOIN journal AS j ON j.event_id = r.event_id
  ORDER BY r.first;
DROP TABLE stage_trace;
)sql";

// Version 3: versioned master-data facts (the Odoo master-data sync, the enrich stage's
// cache). Rows are closed (valid_until) and added, never rewritten in place otherwise.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE IF NOT EXISTS master_facts(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER
);
CREATE INDEX IF NOT EXISTS master_facts_subject
  ON master_facts(kind, subject_id, key, valid_from);
)sql";

// Version 4: stage notes. A [stage, outcome, detail] entry that recurs is stored once here and
// stage_runs.stages refers to it by id (stage_notes.h); runs written before keep their inline
// triples, which stay valid.
constexpr char kSchemaV4[] = R"sql(
CREATE TABLE IF NOT EXISTS stage_notes(
  id INTEGER PRIMARY KEY,
  stage TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  UNIQUE(stage, outcome, detail)
);
)sql";

// kMigrations[i] takes a store from version i to version i + 1. A new schema version appends
// its step here (ALTER TABLE, CREATE INDEX, data rewrites) and bumps kStoreSchemaVersion.
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kStoreSchemaVersion);

std::string hexId(int64_t id) {
  char buf[16];
  snprintf(buf, sizeof(buf), "0x%08x", static_cast<unsigned>(id));
  return buf;
}

}  // namespace

Status createOrMigrateSchema(sqlite::Connection& conn, int64_t created_at_us,
                             const std::string& synchronous) {
  const std::string& path = conn.path();
  // The first read of the header is where a file that is not a database shows up.
  auto app_id = conn.queryInt("PRAGMA application_id");
  if (!app_id) {
    return Status(app_id.status().code(),
                  path + ": not a plantbridge store (" + app_id.status().message() + ")");
  }
  auto version = conn.queryInt("PRAGMA user_version");
  if (!version) return version.status();
  auto tables = conn.queryInt("SELECT count(*) FROM sqlite_schema");
  if (!tables) return tables.status();

  if (*app_id == 0 && *tables == 0) {
    // A new (empty) database: it becomes a store below.
  } else if (*app_id != kStoreApplicationId) {
    return Status::invalidArgument(path + ": not a plantbridge store (SQLite application_id " +
                                   hexId(*app_id) + ", expected " + hexId(kStoreApplicationId) +
                                   ")");
  } else if (*version > kStoreSchemaVersion) {
    return Status::invalidArgument(path + ": store schema version " + std::to_string(*version) +
                                   " is newer than this build supports (" +
                                   std::to_string(kStoreSchemaVersion) +
                                   "); use a newer plantbridge");
  } else if (*version < 1) {
    return Status::corruption(path + ": plantbridge store without a schema version");
  }
  PB_RETURN_IF_ERROR(conn.exec("PRAGMA synchronous = " + synchronous));
  if (*app_id == kStoreApplicationId && *version == kStoreSchemaVersion) return Status::ok();

  if (*app_id == 0) {
    // Only an empty file can still choose its page size. Every commit writes each page it
    // touched to the WAL whole; with small commits (one event per request) 16 KiB pages wrote
    // 4x the bytes of 4 KiB ones and the disk's fsync latency grew with them (p99 at 5,000
    // events/s: 40-127 ms against 5-7 ms), while big batches gained nothing measurable.
    PB_RETURN_IF_ERROR(conn.exec("PRAGMA page_size = " + std::to_string(kStorePageSize)));
  }
  // Create or migrate in one transaction: a crash leaves the old version intact.
  PB_RETURN_IF_ERROR(conn.exec("BEGIN IMMEDIATE"));
  Status status;
  const int64_t from = *app_id == 0 ? 0 : *version;
  for (int64_t v = from; v < kStoreSchemaVersion && status.isOk(); ++v) {
    status = conn.exec(kMigrations[v]);
  }
  if (status.isOk() && from == 0) {
    status = conn.exec("PRAGMA application_id = " + std::to_string(kStoreApplicationId));
    if (status.isOk()) {
      auto q = conn.cached("INSERT INTO meta(key, value) VALUES(?1, ?2)");
      status = q ? q->bind(1, std::string_view(kMetaCreatedAt))
                       .bind(2, created_at_us)
                       .run(path + ": recording creation time")
                 : q.status();
    }
  }
  if (status.isOk()) {
    status = conn.exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion));
  }
  if (status.isOk()) status = conn.exec("COMMIT");
  if (!status.isOk()) {
    (void)conn.exec("ROLLBACK");
    return Status(status.code(), path +
                                     ": cannot create or migrate the store schema from version " +
                                     std::to_string(from) + ": " + status.message());
  }
  return Status::ok();
}

}  // namespace pb
