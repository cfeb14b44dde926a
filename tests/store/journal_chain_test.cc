// The journal's hash chain and verifyChain, with the file edited behind the store's back the
// way LevelDB's log_test corrupts its log: every kind of damage is reported, precisely, at the
// first record it affects.
#include <sqlite3.h>

#include <cstring>

#include <gtest/gtest.h>

#include "store/journal_chain.h"
#include "store_test_util.h"

namespace pb {
namespace {

using testing::at;
using testing::makeEvent;
using testing::StoreFixture;

class JournalChainTest : public ::testing::Test {
 protected:
  JournalChainTest() : clock_(at(1'800'000'000)), f_(clock_) {}

  // Appends e0..e(n-1) as records 1..n and closes the store, ready for tampering.
  void writeRecords(int n) {
    std::vector<Event> batch;
    batch.reserve(n);
    for (int i = 0; i < n; ++i) batch.push_back(makeEvent("e" + std::to_string(i)));
    auto results = f_.open().journal().append(batch);
    ASSERT_TRUE(results.isOk()) << results.status().toString();
    f_.closeAndRelease();
  }

  ChainReport verify() {
    auto report = f_.open().journal().verifyChain();
    EXPECT_TRUE(report.isOk()) << report.status().toString();
    return report.isOk() ? *report : ChainReport{};
  }

  // Rewrites record `seq`'s body and stores a hash recomputed for it, so that only the link to
  // the next record (or the head) can tell.
  void rewriteWithValidHash(int64_t seq, const std::string& new_body) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(f_.path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* read = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db, "SELECT prev_hash FROM journal WHERE seq = ?1", -1, &read, nullptr),
        SQLITE_OK);
    sqlite3_bind_int64(read, 1, seq);
    ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
    Sha256Digest prev{};
    std::memcpy(prev.data(), sqlite3_column_blob(read, 0), prev.size());
    sqlite3_finalize(read);
    Sha256Digest hash = chainHash(prev, seq, new_body);
    sqlite3_stmt* write = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE journal SET body = ?2, hash = ?3 WHERE seq = ?1", -1,
                                 &write, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(write, 1, seq);
    sqlite3_bind_text(write, 2, new_body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(write, 3, hash.data(), hash.size(), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(write), SQLITE_DONE);
    sqlite3_finalize(write);
    sqlite3_close(db);
  }

  std::string bodyOf(int64_t seq) {
    auto record = f_.open().journal().readAfter(seq - 1, 1);
    f_.closeAndRelease();
    return record.isOk() && !record->empty() ? record->front().body : "";
  }

  ManualClock clock_;
  StoreFixture f_;
};

TEST_F(JournalChainTest, HashIsSha256OfPrevHashSeqBigEndianAndBody) {
  writeRecords(2);
  auto records = f_.open().journal().readAfter(0, 2);
  ASSERT_TRUE(records.isOk());
  ASSERT_EQ(records->size(), 2u);
  const JournalRecord& first = (*records)[0];
  const JournalRecord& second = (*records)[1];

  EXPECT_EQ(first.prev_hash, Sha256Digest{});  // the chain starts from 32 zero bytes
  std::string bytes(32, '\0');
  bytes += std::string("\0\0\0\0\0\0\0\x01", 8);
  bytes += first.body;
  EXPECT_EQ(first.hash, sha256(bytes));

  EXPECT_EQ(second.prev_hash, first.hash);
  bytes.assign(reinterpret_cast<const char*>(first.hash.data()), first.hash.size());
  bytes += std::string("\0\0\0\0\0\0\0\x02", 8);
  bytes += second.body;
  EXPECT_EQ(second.hash, sha256(bytes));
}

TEST_F(JournalChainTest, IntactChainVerifiesAndReportsProgress) {
  writeRecords(25);
  std::vector<std::pair<int64_t, int64_t>> calls;
  auto report = f_.open().journal().verifyChain(
      [&](int64_t checked, int64_t total) { calls.emplace_back(checked, total); });
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->records_checked, 25);
  EXPECT_EQ(report->first_bad_seq, 0);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(int64_t{25}, int64_t{25}));
}

TEST_F(JournalChainTest, EmptyJournalVerifies) {
  auto report = f_.open().journal().verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact);
  EXPECT_EQ(report->records_checked, 0);
}

TEST_F(JournalChainTest, ChangedBodyIsReportedAtThatRecord) {
  writeRecords(10);
  f_.rawSql(
      "UPDATE journal SET body = replace(body, '\"quantity\":12', '\"quantity\":13') "
      "WHERE seq = 5");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_EQ(report.records_checked, 4);
  EXPECT_EQ(report.problem, "record 5 was changed: its hash does not match its contents");
}

TEST_F(JournalChainTest, ChangedHashIsReportedAtThatRecord) {
  writeRecords(10);
  f_.rawSql("UPDATE journal SET hash = zeroblob(32) WHERE seq = 7");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 7);
  EXPECT_NE(report.problem.find("record 7 was changed"), std::string::npos) << report.problem;
}

TEST_F(JournalChainTest, RewrittenRecordWithARecomputedHashBreaksTheNextLink) {
  writeRecords(10);
  std::string body = bodyOf(5);
  ASSERT_FALSE(body.empty());
  body.replace(body.find("\"quantity\":12"), 13, "\"quantity\":99");
  rewriteWithValidHash(5, body);
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 6);
  EXPECT_NE(report.problem.find("record 6 does not follow record 5"), std::string::npos)
      << report.problem;
}

TEST_F(JournalChainTest, RewrittenLastRecordDoesNotMatchTheHead) {
  writeRecords(10);
  std::string body = bodyOf(10);
  body.replace(body.find("\"quantity\":12"), 13, "\"quantity\":99");
  rewriteWithValidHash(10, body);
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 10);
  EXPECT_NE(report.problem.find("does not match the chain head"), std::string::npos)
      << report.problem;
}

TEST_F(JournalChainTest, MissingRecordIsReportedBySeq) {
  writeRecords(10);
  f_.rawSql("DELETE FROM journal WHERE seq = 5");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_EQ(report.problem, "record 5 is missing");
}

TEST_F(JournalChainTest, SeveralMissingRecordsAreReportedAsARange) {
  writeRecords(10);
  f_.rawSql("DELETE FROM journal WHERE seq BETWEEN 4 AND 6");
  ChainReport report = verify();
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_EQ(report.problem, "records 4..6 are missing");
}

TEST_F(JournalChainTest, SwappedRecordsAreReportedAsReordered) {
  writeRecords(10);
  f_.rawSql(
      "UPDATE journal SET seq = -1 WHERE seq = 5;"
      "UPDATE journal SET seq = 5 WHERE seq = 6;"
      "UPDATE journal SET seq = 6 WHERE seq = -1;");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_NE(report.problem.find("record 5 does not follow record 4"), std::string::npos)
      << report.problem;
  EXPECT_NE(report.problem.find("reordered"), std::string::npos) << report.problem;
}

TEST_F(JournalChainTest, TruncatedTailIsDetectedAgainstTheChainHead) {
  writeRecords(10);
  f_.rawSql("DELETE FROM journal WHERE seq >= 8");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 8);
  EXPECT_EQ(report.records_checked, 7);
  EXPECT_NE(report.problem.find("records 8..10 are missing"), std::string::npos) << report.problem;
  EXPECT_NE(report.problem.find("tail truncated"), std::string::npos) << report.problem;
}

TEST_F(JournalChainTest, TruncatedTailStaysVisibleAfterMoreAppends) {
  writeRecords(10);
  f_.rawSql("DELETE FROM journal WHERE seq >= 9");
  Journal& journal = f_.open().journal();
  EXPECT_EQ(journal.headSeq(), 10);  // continues after the recorded head, not the last row
  auto more = journal.append({makeEvent("later")});
  ASSERT_TRUE(more.isOk());
  EXPECT_EQ(more->front().seq, 11);
  auto report = journal.verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->first_bad_seq, 9);
  EXPECT_EQ(report->problem, "records 9..10 are missing");
}

TEST_F(JournalChainTest, ChangedIndexColumnIsReported) {
  writeRecords(10);
  // Renaming the id would let the same event in again; the hash does not cover the column.
  f_.rawSql("UPDATE journal SET event_id = 'other' WHERE seq = 3");
  ChainReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("record 3 was changed: its event_id"), std::string::npos)
      << report.problem;
}

TEST_F(JournalChainTest, StoreWithRecordsBeyondItsHeadRefusesToOpen) {
  writeRecords(3);
  f_.rawSql(
      "INSERT INTO journal(seq, event_id, type, occurred_at, received_at, body, prev_hash, hash) "
      "SELECT 4, 'forged', type, occurred_at, received_at, body, hash, hash FROM journal "
      "WHERE seq = 3");
  auto store = SqliteStore::open(f_.options(), clock_);
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption);
  EXPECT_NE(store.status().message().find(f_.path()), std::string::npos);
  EXPECT_NE(store.status().message().find("after its chain head"), std::string::npos)
      << store.status().message();
}

TEST_F(JournalChainTest, StoreWithoutAChainHeadRefusesToOpen) {
  writeRecords(3);
  f_.rawSql("DELETE FROM meta WHERE key = 'journal.head_hash'");
  auto store = SqliteStore::open(f_.options(), clock_);
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption);
  EXPECT_NE(store.status().message().find("chain head"), std::string::npos);
}

}  // namespace
}  // namespace pb
