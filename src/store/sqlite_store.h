// The embedded store: one SQLite file in WAL mode, one writer thread doing group commits, a
// small pool of read connections. docs/storage-format.md describes the file.
//
// Thread-safety: every method may be called from any thread. The Clock must outlive the store.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "plantbridge/store/store.h"
#include "store/checkpointer.h"
#include "store/read_pool.h"
#include "store/sqlite_audit_log.h"
#include "store/sqlite_journal.h"
#include "store/sqlite_master_facts.h"
#include "store/sqlite_outbox.h"
#include "store/sqlite_pipeline_store.h"
#include "store/store_core.h"
#include "store/writer.h"

namespace pb {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteStoreOptions& options,
                                                   const Clock& clock);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Journal& journal() override { return journal_; }
  Outbox& outbox() override { return outbox_; }
  PipelineStore& pipeline() override { return pipeline_; }
  AuditLog& audit() override { return audit_; }
  MasterFactStore& masterFacts() override { return master_facts_; }
  void close() override;

  // Commits, batch sizes and queue depth, for tests and /metrics.
  WriterStats writerStats() const { return writer_->stats(); }
  CheckpointerStats checkpointerStats() const { return checkpointer_->stats(); }
  // Test hook: hold (and release) the writer before its next batch, so that jobs queued
  // meanwhile share one commit. See Writer::pause().
  void pauseWriter() { writer_->pause(); }
  void resumeWriter() { writer_->resume(); }

 private:
  SqliteStore(const std::string& path, const Clock& clock, int lock_fd,
              std::unique_ptr<ReadPool> reads, std::unique_ptr<Checkpointer> checkpointer,
              std::unique_ptr<Writer> writer, int64_t cursor,
              std::map<std::string, int64_t> pending);

  int lock_fd_;
  std::unique_ptr<ReadPool> reads_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Writer> writer_;
  StoreCore core_;
  SqliteJournal journal_;
  SqliteOutbox outbox_;
  SqlitePipelineStore pipeline_;
  SqliteAuditLog audit_;
  SqliteMasterFacts master_facts_;
};

}  // namespace pb
