#include "store/checkpointer.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "store_test_util.h"

namespace pb {
namespace {

using namespace std::chrono_literals;

constexpr int kPageSize = 4096;
constexpr int64_t kCopyFrames = 8;
constexpr int64_t kRewindFrames = 32;
constexpr int kCommits = 400;

// A WAL database with one table; every commit of a 3,000-byte row writes at least one frame.
struct WalDatabase {
  explicit WalDatabase(const std::string& path) {
    auto opened = sqlite::Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    EXPECT_TRUE(opened.isOk()) << opened.status().toString();
    conn = std::move(opened).value();
    EXPECT_TRUE(conn->exec("PRAGMA page_size = " + std::to_string(kPageSize)).isOk());
    EXPECT_EQ(*conn->queryText("PRAGMA journal_mode = WAL"), "wal");
    EXPECT_TRUE(conn->exec("CREATE TABLE t(x BLOB)").isOk());
  }
  Status insertRows(int count) {
    for (int i = 0; i < count; ++i) {
      PB_RETURN_IF_ERROR(conn->exec("INSERT INTO t VALUES(randomblob(3000))"));
    }
    return Status::ok();
  }
  std::unique_ptr<sqlite::Connection> conn;
};

TEST(CheckpointerTest, CopiesOnItsOwnThreadAndKeepsTheWalBounded) {
  testing::TempDir dir;
  const std::string path = dir.file("c.db");
  WalDatabase db(path);
  auto checkpointer = Checkpointer::start(path, kCopyFrames, kRewindFrames, /*durable=*/false);
  ASSERT_TRUE(checkpointer.isOk()) << checkpointer.status().toString();
  (*checkpointer)->install(*db.conn);

  ASSERT_TRUE(db.insertRows(kCommits).isOk());
  EXPECT_TRUE((*checkpointer)->waitForPasses(1, 10s));

  CheckpointerStats stats = (*checkpointer)->stats();
  EXPECT_EQ(stats.failures, 0);
  // The writer rewound the WAL now and then instead of letting it grow to one frame per
  // commit (which is what happens with automatic checkpoints off and nobody copying).
  EXPECT_GT(stats.writer_checkpoints, 0);
  EXPECT_LT(stats.max_wal_frames, kRewindFrames * 3) << "max WAL frames " << stats.max_wal_frames;
  EXPECT_LT(std::filesystem::file_size(path + "-wal"),
            static_cast<uintmax_t>(kRewindFrames * 3 * (kPageSize + 24) + 32));
  EXPECT_EQ(*db.conn->queryInt("SELECT count(*) FROM t"), kCommits);
}

TEST(CheckpointerTest, WithoutItTheWalGrowsWithEveryCommit) {
  // The control for the test above: the same commits with nobody checkpointing.
  testing::TempDir dir;
  const std::string path = dir.file("c.db");
  WalDatabase db(path);
  ASSERT_TRUE(db.conn->exec("PRAGMA wal_autocheckpoint = 0").isOk());
  ASSERT_TRUE(db.insertRows(kCommits).isOk());
  EXPECT_GE(std::filesystem::file_size(path + "-wal"),
            static_cast<uintmax_t>(kCommits * kPageSize));
}

TEST(CheckpointerTest, StartOnAPathThatCannotBeOpenedFailsWithTheReason) {
  auto checkpointer = Checkpointer::start("/nonexistent-dir/x.db", kCopyFrames, kRewindFrames,
                                          /*durable=*/true);
  ASSERT_FALSE(checkpointer.isOk());
  EXPECT_NE(checkpointer.status().message().find("/nonexistent-dir/x.db"), std::string::npos)
      << checkpointer.status().message();
}

}  // namespace
}  // namespace pb
