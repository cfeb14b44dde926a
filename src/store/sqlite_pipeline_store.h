// The pipeline's state on SQLite: cursor in `meta`, tables `stage_runs` and `stage_notes`,
// `exceptions`, `pipeline_state` and `dedupe_keys` (docs/storage-format.md).
#pragma once

#include <atomic>

#include "plantbridge/store/pipeline_store.h"
#include "store/sqlite_outbox.h"
#include "store/stage_notes.h"
#include "store/store_core.h"

namespace pb {

class SqlitePipelineStore final : public PipelineStore {
 public:
  SqlitePipelineStore(StoreCore& core, SqliteOutbox& outbox, int64_t cursor)
      : core_(core), outbox_(outbox), cursor_(cursor) {}

  Result<int64_t> cursor() override { return cursor_.load(std::memory_order_acquire); }
  Result<int64_t> commitSteps(const std::vector<StepResult>& steps,
                              std::optional<int64_t> new_cursor) override;
  Result<std::optional<std::string>> getState(const std::string& key) override;
  Result<bool> dedupeKeySeen(const std::string& key, TimePoint now) override;
  Result<bool> hasTransaction(const std::string& id) override;
  Result<std::vector<StageTrace>> traceOf(const std::string& event_id) override;
  Result<std::vector<ExceptionEntry>> exceptions(size_t limit) override;
  Result<std::optional<ExceptionEntry>> exceptionOf(const std::string& event_id) override;
  Result<int64_t> backlog() override;

 private:
  StoreCore& core_;
  SqliteOutbox& outbox_;  // told about new pending transactions
  // The committed cursor, set on the writer thread after each commit that moves it.
  std::atomic<int64_t> cursor_;
  TimePoint last_dedupe_purge_{};  // writer thread only
  StageNotes notes_;
};

}  // namespace pb
