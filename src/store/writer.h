// The store's single writer: one thread owns the write connection and runs every write as a
// job. It takes everything queued (up to a journal-record budget), runs it in one transaction
// and commits it (group commit: one fsync for the lot).
//
// Durability is pipelined: with `durable`, SQLite commits without syncing (synchronous=NORMAL)
// and a second thread, the syncer, fdatasyncs the WAL file and only then completes the batch's
// jobs. The writer meanwhile applies the next batch, so the fsync (milliseconds on real disks)
// overlaps with the CPU work instead of adding to it, and one fsync may cover several commits.
// A completed job is durable exactly as with synchronous=FULL; a concurrent reader may see a
// commit a moment before it is durable (see docs/storage-format.md, "Durability").
//
// Each job runs inside its own SAVEPOINT, so a job that fails is rolled back alone and the
// rest of the batch still commits. If the COMMIT fails, every job of the batch fails. If the
// fsync fails, the batch's jobs fail and the writer refuses all further writes (after a failed
// fsync the kernel may have dropped the data; only a restart and SQLite's recovery can say what
// is on disk).
//
// Thread-safety: submit() and call() may be called from any thread. Jobs are applied on the
// writer thread in submission order and completed, in the same order, on the writer thread or
// (durable) the syncer thread. A completion must not make a synchronous store call: it would
// wait for the thread it runs on; call() detects this and fails instead of deadlocking.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "store/journal_chain.h"
#include "store/sqlite_db.h"

namespace pb {

// What a job sees while it runs on the writer thread.
struct WriteContext {
  sqlite::Connection& conn;
  // The journal head as of this point in the batch; jobs that append move it. Restored by the
  // writer when a job (or the commit) fails.
  JournalHead& head;
};

class WriteJob {
 public:
  virtual ~WriteJob() = default;
  // How many journal records this job appends at most; the writer keeps a batch under
  // SqliteStoreOptions::max_batch_records (a single larger job still runs, alone).
  virtual size_t journalRecords() const { return 0; }
  // Runs inside the batch's transaction and the job's savepoint. An error rolls back this job.
  virtual Status apply(WriteContext& ctx) = 0;
  // Called exactly once: after the commit (and, when durable, the fsync) with OK or the job's,
  // the commit's or the fsync's error; or, on the submitting thread, with Unavailable when the
  // writer is closed. Must not throw.
  virtual void complete(Status status) = 0;
};

// For tests and /metrics; not part of the Store interface.
struct WriterStats {
  int64_t commits = 0;          // transactions committed
  int64_t syncs = 0;            // WAL fsyncs by the syncer (durable stores)
  int64_t failed_commits = 0;   // transactions rolled back as a whole
  int64_t jobs = 0;             // jobs completed, successfully or not
  int64_t failed_jobs = 0;      // jobs completed with an error
  int64_t journal_records = 0;  // records (accepted or duplicate) in committed batches
  int64_t largest_batch_jobs = 0;
  int64_t queued_jobs = 0;  // waiting for the writer now
};

class Writer {
 public:
  // `durable`: the connection commits with synchronous=NORMAL and the writer fdatasyncs
  // `conn->path() + "-wal"` before completing jobs.
  Writer(std::unique_ptr<sqlite::Connection> conn, JournalHead head, size_t max_batch_records,
         Micros group_commit_window, bool durable);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a job. After close() the job is completed at once, on this thread, with Unavailable.
  void submit(std::unique_ptr<WriteJob> job);

  // Runs `fn` as a job and waits for its (durable) commit. `on_commit` (if any) runs before the
  // caller wakes, on the thread that completes jobs: for caches that must follow the data.
  template <typename T>
  Result<T> call(std::function<Result<T>(WriteContext&)> fn,
                 std::function<void(const T&)> on_commit = nullptr);
  Status call(std::function<Status(WriteContext&)> fn);

  // Writes and syncs what is queued, then stops the threads. Idempotent; from a completion it
  // only stops new writes (the threads end once the queue is drained).
  void close();

  // The last journal seq whose commit is complete (durable, when durable). Cheap.
  int64_t headSeq() const { return head_seq_.load(std::memory_order_acquire); }
  // True on the threads that apply or complete jobs, where waiting for a job would deadlock.
  bool onWriterThread() const;
  WriterStats stats() const;

  // Test hook: while paused the writer starts no new batch (queued jobs wait), so a test can
  // queue many jobs and see them share one commit. close() overrides a pause.
  void pause();
  void resume();

 private:
  // A committed batch waiting for its fsync.
  struct Committed {
    std::vector<std::unique_ptr<WriteJob>> jobs;
    std::vector<Status> results;
    int64_t head_seq = 0;
    bool committed = false;  // false: nothing was written (every job failed), nothing to sync
  };

  void loop();
  void runBatch(std::vector<std::unique_ptr<WriteJob>>& batch);
  // Completes a batch's jobs with `results`: now, or after the fsync when durable.
  void finish(std::vector<std::unique_ptr<WriteJob>>& batch, std::vector<Status>& results,
              bool committed);
  void completeBatch(std::vector<std::unique_ptr<WriteJob>>& jobs, std::vector<Status>& results,
                     const Status& sync_status);
  void syncLoop();
  Status syncWal();
  Status exec(std::string_view sql);

  std::unique_ptr<sqlite::Connection> conn_;
  JournalHead head_;  // writer thread only (after construction)
  const size_t max_batch_records_;
  const Micros window_;
  const bool durable_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WriteJob>> queue_;  // guarded by mu_
  size_t queued_records_ = 0;                    // guarded by mu_
  bool closing_ = false;                         // guarded by mu_
  bool paused_ = false;                          // guarded by mu_
  Status failed_;                                // guarded by mu_; set by a failed fsync
  WriterStats stats_;                            // guarded by mu_

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<Committed> sync_queue_;  // guarded by sync_mu_
  bool sync_closing_ = false;         // guarded by sync_mu_
  // The WAL file as the syncer opened it (syncer thread only).
  int wal_fd_ = -1;
  uint64_t wal_dev_ = 0;
  uint64_t wal_ino_ = 0;

  std::mutex close_mu_;  // serializes close()
  std::atomic<int64_t> head_seq_;
  std::atomic<std::thread::id> writer_id_;
  std::atomic<std::thread::id> syncer_id_;
  std::thread thread_;
  std::thread syncer_;
};

namespace writer_detail {

template <typename T>
class CallJob final : public WriteJob {
 public:
  CallJob(std::function<Result<T>(WriteContext&)> fn, std::function<void(const T&)> on_commit)
      : fn_(std::move(fn)), on_commit_(std::move(on_commit)) {}
  Status apply(WriteContext& ctx) override {
    result_.emplace(fn_(ctx));
    return result_->isOk() ? Status::ok() : result_->status();
  }
  void complete(Status status) override {
    if (status.isOk() && result_ && result_->isOk()) {
      if (on_commit_) on_commit_(result_->value());
      promise_.set_value(std::move(*result_));
    } else {
      promise_.set_value(Result<T>(status.isOk() ? Status::internal("job did not run") : status));
    }
  }
  std::future<Result<T>> future() { return promise_.get_future(); }

 private:
  std::function<Result<T>(WriteContext&)> fn_;
  std::function<void(const T&)> on_commit_;
  std::optional<Result<T>> result_;
  std::promise<Result<T>> promise_;
};

Status deadlockError();

}  // namespace writer_detail

template <typename T>
Result<T> Writer::call(std::function<Result<T>(WriteContext&)> fn,
                       std::function<void(const T&)> on_commit) {
  if (onWriterThread()) return writer_detail::deadlockError();
  auto job = std::make_unique<writer_detail::CallJob<T>>(std::move(fn), std::move(on_commit));
  auto future = job->future();
  submit(std::move(job));
  return future.get();
}

}  // namespace pb
