#include <fstream>

#include <gtest/gtest.h>

#include "store/schema.h"
#include "store_test_util.h"

namespace pb {
namespace {

using testing::at;
using testing::makeEvent;
using testing::StoreFixture;
using testing::TempDir;

TEST(SqliteStoreTest, OpenCreatesTheDirectoryAndAVersionedStore) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  f.open();
  EXPECT_TRUE(std::filesystem::exists(f.path()));
  f.closeAndRelease();
  EXPECT_EQ(f.rawInt("PRAGMA application_id"), kStoreApplicationId);
  EXPECT_EQ(f.rawInt("PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(f.rawText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(f.rawInt("SELECT value FROM meta WHERE key = 'store.created_at'"),
            toUnixMicros(clock.now()));
}

TEST(SqliteStoreTest, ReopeningAStoreKeepsItsContents) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  ASSERT_TRUE(f.open().journal().append({makeEvent("a")}).isOk());
  f.closeAndRelease();
  ManualClock later(at(1'900'000'000));
  auto store = openSqliteStore(f.options(), later);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  EXPECT_EQ((*store)->journal().headSeq(), 1);
  store->reset();
  // Created once: reopening does not rewrite the creation time.
  EXPECT_EQ(f.rawInt("SELECT value FROM meta WHERE key = 'store.created_at'"),
            toUnixMicros(clock.now()));
}

TEST(SqliteStoreTest, FileThatIsNotADatabaseIsRefusedByPath) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(8192, 'x');
  ManualClock clock(at(1'800'000'000));
  SqliteStoreOptions options;
  options.path = path;
  auto store = openSqliteStore(options, clock);
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("not a plantbridge store"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStoreTest, ForeignSqliteDatabaseIsRefusedAndLeftUnchanged) {
  TempDir dir;
  SqliteStoreOptions options;
  options.path = dir.file("other.db");
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock, options);
  f.rawSql("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)");
  auto store = openSqliteStore(options, clock);
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find(options.path + ": not a plantbridge store"),
            std::string::npos)
      << store.status().message();
  EXPECT_EQ(f.rawText("PRAGMA journal_mode"), "delete");  // not switched to WAL
  EXPECT_EQ(f.rawInt("SELECT count(*) FROM sqlite_schema"), 1);
}

TEST(SqliteStoreTest, StoreFromANewerVersionIsRefused) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  f.open();
  f.closeAndRelease();
  f.rawSql("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion + 1));
  auto store = openSqliteStore(f.options(), clock);
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("newer than this build supports"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(f.path()), std::string::npos);
}

TEST(SqliteStoreTest, VersionOneStageTraceIsMigratedIntoStageRuns) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  ASSERT_TRUE(f.open().journal().append({makeEvent("a"), makeEvent("b")}).isOk());
  f.closeAndRelease();
  // Turn the file back into a version 1 store with per-stage trace rows: event a ran twice
  // (the second time a replay), b once.
  f.rawSql(R"sql(
    DROP TABLE stage_runs;
    DROP TABLE stage_notes;
    CREATE TABLE stage_trace(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,
      stage TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX stage_trace_event ON stage_trace(event_id);
    INSERT INTO stage_trace(event_id, stage, outcome, detail, at) VALUES
      ('a', 'validate', 'passed', 'schema x', 100),
      ('b', 'validate', 'exception', 'payload.quantity: "q"' || char(9) || 'x', 100),
      ('a', 'route', 'routed', '1 transaction', 100),
      ('a', 'validate', 'passed', 'replay: schema x', 200);
    PRAGMA user_version = 1;
  )sql");
  auto store = openSqliteStore(f.options(), clock);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  auto a = (*store)->pipeline().traceOf("a");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].stage, "validate");
  EXPECT_EQ((*a)[0].at, fromUnixMicros(100));
  EXPECT_EQ((*a)[1].stage, "route");
  EXPECT_EQ((*a)[1].detail, "1 transaction");
  EXPECT_EQ((*a)[2].detail, "replay: schema x");
  EXPECT_EQ((*a)[2].at, fromUnixMicros(200));
  auto b = (*store)->pipeline().traceOf("b");
  ASSERT_TRUE(b.isOk()) << b.status().toString();
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].detail, "payload.quantity: \"q\"\tx");
  store->reset();
  EXPECT_EQ(f.rawInt("PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(f.rawInt("SELECT count(*) FROM sqlite_schema WHERE name = 'stage_trace'"), 0);
}

TEST(SqliteStoreTest, SecondOpenOfAStoreInUseIsRefused) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  f.open();
  auto second = openSqliteStore(f.options(), clock);
  ASSERT_FALSE(second.isOk());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
  f.closeAndRelease();
  auto third = openSqliteStore(f.options(), clock);
  EXPECT_TRUE(third.isOk()) << third.status().toString();
}

TEST(SqliteStoreTest, PathThatIsADirectoryIsRefused) {
  TempDir dir;
  ManualClock clock(at(1'800'000'000));
  SqliteStoreOptions options;
  options.path = dir.path();
  auto store = openSqliteStore(options, clock);
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find(dir.path()), std::string::npos);
}

TEST(SqliteStoreTest, EmptyPathIsInvalid) {
  ManualClock clock(at(1'800'000'000));
  auto store = openSqliteStore(SqliteStoreOptions{}, clock);
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStoreTest, AuditRecordsAreListedNewestFirst) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  AuditLog& audit = f.open().audit();
  ASSERT_TRUE(
      audit.record({at(1'790'000'000), "token:ops", "dlq.retry", "e1/odoo", true, ""}).isOk());
  ASSERT_TRUE(
      audit.record({{}, "cli:alice", "dlq.discard", "e2/odoo", false, "not a dead letter"}).isOk());
  auto recent = audit.recent(10);
  ASSERT_TRUE(recent.isOk());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].action, "dlq.discard");
  EXPECT_EQ((*recent)[0].actor, "cli:alice");
  EXPECT_FALSE((*recent)[0].accepted);
  EXPECT_EQ((*recent)[0].detail, "not a dead letter");
  EXPECT_EQ((*recent)[0].at, clock.now());  // unset: the store's clock
  EXPECT_EQ((*recent)[1].at, at(1'790'000'000));
  EXPECT_EQ((*recent)[1].subject, "e1/odoo");
  EXPECT_TRUE((*recent)[1].accepted);
  EXPECT_EQ(audit.recent(1)->size(), 1u);
}

TEST(SqliteStoreTest, AuditAfterCloseFailsWithUnavailable) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  store.close();
  store.close();  // idempotent
  EXPECT_EQ(store.audit().record({{}, "a", "b", "c", true, ""}).code(), StatusCode::kUnavailable);
}

TEST(SqliteStoreTest, ReadsKeepWorkingAfterClose) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  ASSERT_TRUE(store.journal().append({makeEvent("a")}).isOk());
  store.close();
  auto record = store.journal().findById("a");
  ASSERT_TRUE(record.isOk());
  EXPECT_TRUE(record->has_value());
}

}  // namespace
}  // namespace pb
