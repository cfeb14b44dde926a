// The live pipeline: a thread that reads the journal after the cursor in batches, runs every
// record through the Pipeline and commits the batch's effects together with the new cursor in
// one store transaction (a crash repeats the batch, never half-applies it). Derived events are
// appended to the journal by that commit and processed when the cursor reaches them.
//
// When caught up the thread sleeps on a condition variable until wake() (ingest calls it after
// an append) or a bounded fallback timeout. Store errors are retried with a capped backoff.
//
// Thread-safety: wake(), stop(), waitForCursor() and cursor() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/pipeline/pipeline.h"
#include "plantbridge/store/journal.h"
#include "plantbridge/store/pipeline_store.h"

namespace pb {

struct PipelineRunnerOptions {
  size_t batch_size = 512;
  // Re-read the journal after this long even if nobody called wake() (a safety net, not the
  // mechanism).
  std::chrono::milliseconds idle_recheck{1000};
  // After a store error: wait this long, doubling up to max_error_backoff.
  std::chrono::milliseconds error_backoff{100};
  std::chrono::milliseconds max_error_backoff{10000};
  // Called after a commit that added transactions to the outbox, with how many (the
  // dispatcher wakes). Called on the runner's thread; must not block.
  std::function<void(int64_t new_transactions)> on_transactions;
};

struct BatchReport {
  size_t records = 0;  // journal records processed (0: caught up)
  int64_t cursor = 0;  // the cursor after the commit
  int64_t new_transactions = 0;
  size_t exceptions = 0;
  size_t derived_events = 0;
};

struct PipelineRunnerMetrics {
  explicit PipelineRunnerMetrics(MetricsRegistry& registry);
  Counter& batches;          // plantbridge_pipeline_batches_total
  Counter& errors;           // plantbridge_pipeline_batch_errors_total
  Histogram& batch_seconds;  // plantbridge_pipeline_batch_seconds
  Gauge& cursor;             // plantbridge_pipeline_cursor
};

class PipelineRunner {
 public:
  // Everything passed by reference must outlive the runner.
  PipelineRunner(const Pipeline& pipeline, Journal& journal, PipelineStore& store,
                 MetricsRegistry& metrics, PipelineRunnerOptions options = {});
  ~PipelineRunner();  // stops
  PipelineRunner(const PipelineRunner&) = delete;
  PipelineRunner& operator=(const PipelineRunner&) = delete;

  // Reads the cursor and starts the thread.
  Status start();
  // There may be new journal records: process them now.
  void wake();
  // Finishes the batch in progress (committing it), then stops the thread. Idempotent.
  void stop();

  // Processes one batch on the caller's thread (tests, tools). Not while the thread runs.
  Result<BatchReport> runOnce();

  // Blocks until the committed cursor is >= seq, or `timeout` passes; true if reached.
  bool waitForCursor(int64_t seq, std::chrono::milliseconds timeout);
  int64_t cursor() const;

 private:
  void loop();
  Result<BatchReport> runBatch();

  const Pipeline& pipeline_;
  Journal& journal_;
  PipelineStore& store_;
  PipelineRunnerOptions options_;
  PipelineRunnerMetrics metrics_;

  mutable std::mutex mutex_;
  std::condition_variable wake_cv_;    // the thread sleeps on it
  std::condition_variable cursor_cv_;  // waitForCursor() sleeps on it
  bool wake_pending_ = false;
  bool stop_requested_ = false;
  bool cursor_loaded_ = false;
  int64_t cursor_ = 0;
  std::thread thread_;
};

}  // namespace pb
