#include "store/writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/schema.h"

namespace pb {
namespace {

constexpr char kBegin[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT job";
constexpr char kRelease[] = "RELEASE job";
constexpr char kRollbackTo[] = "ROLLBACK TO job";
constexpr char kSaveHead[] =
    "INSERT INTO meta(key, value) VALUES(?1, ?2), (?3, ?4) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

Status errnoStatus(const std::string& what) {
  return Status::ioError(what + ": " + std::strerror(errno));
}

}  // namespace

namespace writer_detail {
Status deadlockError() {
  return Status::internal(
      "synchronous store call from the store's own thread (an append callback?) would "
      "deadlock");
}
}  // namespace writer_detail

Writer::Writer(std::unique_ptr<sqlite::Connection> conn, JournalHead head, size_t max_batch_records,
               Micros group_commit_window, bool durable)
    : conn_(std::move(conn)),
      head_(head),
      max_batch_records_(std::max<size_t>(1, max_batch_records)),
      window_(group_commit_window),
      durable_(durable),
      head_seq_(head.seq) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pb-store-writer");
    writer_id_.store(std::this_thread::get_id());
    loop();
  });
  if (durable_) {
    syncer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "pb-store-sync");
      syncer_id_.store(std::this_thread::get_id());
      syncLoop();
    });
  }
}

Writer::~Writer() {
  close();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

bool Writer::onWriterThread() const {
  const auto self = std::this_thread::get_id();
  return self == writer_id_.load() || self == syncer_id_.load();
}

void Writer::submit(std::unique_ptr<WriteJob> job) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      queued_records_ += job->journalRecords();
      queue_.push_back(std::move(job));
      ++stats_.queued_jobs;
      cv_.notify_one();
      return;
    }
  }
  job->complete(Status::unavailable("the store is closed"));
}

Status Writer::call(std::function<Status(WriteContext&)> fn) {
  struct Done {};
  auto result = call<Done>([&fn](WriteContext& ctx) -> Result<Done> {
    Status status = fn(ctx);
    if (!status.isOk()) return status;
    return Done{};
  });
  return result.isOk() ? Status::ok() : result.status();
}

void Writer::close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_one();
  // From a completion the threads cannot be joined (one of them is this one); they finish on
  // their own and the destructor joins them.
  if (onWriterThread()) return;
  std::lock_guard close_lock(close_mu_);  // two closers must not join the same thread
  if (thread_.joinable()) thread_.join();
  // The writer has handed over its last batch; now let the syncer finish.
  {
    std::lock_guard lock(sync_mu_);
    sync_closing_ = true;
  }
  sync_cv_.notify_one();
  if (syncer_.joinable()) syncer_.join();
  // Thread ids may be reused by later threads; these ones are gone.
  writer_id_.store(std::thread::id());
  syncer_id_.store(std::thread::id());
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Writer::pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void Writer::resume() {
  {
    std::lock_guard lock(mu_);
    paused_ = false;
  }
  cv_.notify_one();
}

void Writer::loop() {
  std::vector<std::unique_ptr<WriteJob>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return closing_ || (!paused_ && !queue_.empty()); });
      if (queue_.empty()) return;  // closing, and everything queued has been written
      if (window_.count() > 0 && !closing_ && queued_records_ < max_batch_records_) {
        // Give concurrent writers a moment to join this commit. Real time, not the store's
        // Clock: this is a latency knob, not logic a test drives.
        auto deadline = std::chrono::steady_clock::now() + window_;
        cv_.wait_until(lock, deadline,
                       [this] { return closing_ || queued_records_ >= max_batch_records_; });
      }
      size_t records = 0;
      while (!queue_.empty()) {
        size_t r = queue_.front()->journalRecords();
        if (!batch.empty() && records + r > max_batch_records_) break;
        records += r;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_records_ -= records;
      stats_.queued_jobs -= static_cast<int64_t>(batch.size());
    }
    runBatch(batch);
    batch.clear();
  }
}

Status Writer::exec(std::string_view sql) {
  auto q = conn_->cached(sql);
  if (!q) return q.status();
  return q->run(sql);
}

void Writer::runBatch(std::vector<std::unique_ptr<WriteJob>>& batch) {
  const JournalHead batch_start = head_;
  WriteContext ctx{*conn_, head_};
  std::vector<Status> results;
  results.reserve(batch.size());
  size_t records = 0;

  auto fail_all = [&](const Status& status) {
    if (!sqlite3_get_autocommit(conn_->db())) (void)exec(kRollback);
    head_ = batch_start;
    {
      std::lock_guard lock(mu_);
      ++stats_.failed_commits;
    }
    results.assign(batch.size(), status);
    finish(batch, results, false);
  };

  Status failed;
  {
    std::lock_guard lock(mu_);
    failed = failed_;
  }
  if (!failed.isOk()) {
    results.assign(batch.size(), failed);
    return finish(batch, results, false);
  }
  Status status = exec(kBegin);
  if (!status.isOk()) return fail_all(status);

  // A lone job needs no savepoint: its failure rolls back the whole (one-job) transaction.
  const bool savepoints = batch.size() > 1;
  for (auto& job : batch) {
    const JournalHead job_start = head_;
    if (savepoints) {
      status = exec(kSavepoint);
      if (!status.isOk()) return fail_all(status);
    }
    Status job_status = job->apply(ctx);
    if (job_status.isOk()) {
      records += job->journalRecords();
      if (savepoints) status = exec(kRelease);
    } else {
      head_ = job_start;
      if (sqlite3_get_autocommit(conn_->db())) {
        // SQLite rolled the whole transaction back (disk full, I/O error): every job is lost.
        return fail_all(job_status);
      }
      if (!savepoints) {
        // The only job: roll its transaction back and report its own error.
        status = exec(kRollback);
        results.push_back(status.isOk() ? std::move(job_status) : status);
        return finish(batch, results, false);
      }
      status = exec(kRollbackTo);
      if (status.isOk()) status = exec(kRelease);
    }
    if (!status.isOk()) return fail_all(status);
    results.push_back(std::move(job_status));
  }

  if (!(head_ == batch_start)) {
    auto q = conn_->cached(kSaveHead);
    if (!q) return fail_all(q.status());
    status = q->bind(1, std::string_view(kMetaJournalHeadSeq))
                 .bind(2, head_.seq)
                 .bind(3, std::string_view(kMetaJournalHeadHash))
                 .bind(4, head_.hash)
                 .run("saving the journal head");
    if (!status.isOk()) return fail_all(status);
  }
  status = exec(kCommit);
  if (!status.isOk()) return fail_all(status);

  {
    std::lock_guard lock(mu_);
    ++stats_.commits;
    stats_.journal_records += static_cast<int64_t>(records);
    stats_.largest_batch_jobs =
        std::max(stats_.largest_batch_jobs, static_cast<int64_t>(batch.size()));
  }
  finish(batch, results, true);
}

void Writer::finish(std::vector<std::unique_ptr<WriteJob>>& batch, std::vector<Status>& results,
                    bool committed) {
  if (durable_) {
    // Completed by the syncer after the fsync, in commit order (also the failed ones, so that
    // completions never overtake each other).
    {
      std::lock_guard lock(sync_mu_);
      sync_queue_.push_back(Committed{std::move(batch), std::move(results), head_.seq, committed});
    }
    sync_cv_.notify_one();
    batch.clear();  // moved-from: make both empty vectors again for the next round
    results.clear();
    return;
  }
  head_seq_.store(head_.seq, std::memory_order_release);
  completeBatch(batch, results, Status::ok());
}

void Writer::completeBatch(std::vector<std::unique_ptr<WriteJob>>& jobs,
                           std::vector<Status>& results, const Status& sync_status) {
  int64_t failed = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    // The job's own error wins; otherwise the sync's outcome is the job's.
    if (results[i].isOk()) results[i] = sync_status;
    failed += results[i].isOk() ? 0 : 1;
    jobs[i]->complete(std::move(results[i]));
  }
  std::lock_guard lock(mu_);
  stats_.jobs += static_cast<int64_t>(jobs.size());
  stats_.failed_jobs += failed;
}

void Writer::syncLoop() {
  std::vector<Committed> batches;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return sync_closing_ || !sync_queue_.empty(); });
      if (sync_queue_.empty()) return;
      while (!sync_queue_.empty()) {
        batches.push_back(std::move(sync_queue_.front()));
        sync_queue_.pop_front();
      }
    }
    // One fsync covers every commit taken: the WAL is written in commit order.
    const bool any_commit =
        std::any_of(batches.begin(), batches.end(), [](const Committed& c) { return c.committed; });
    Status status = any_commit ? syncWal() : Status::ok();
    {
      std::lock_guard lock(mu_);
      stats_.syncs += any_commit ? 1 : 0;
      if (!status.isOk() && failed_.isOk()) {
        failed_ = Status(status.code(),
                         status.message() + " (the store refuses writes until it is reopened)");
      }
    }
    if (status.isOk()) head_seq_.store(batches.back().head_seq, std::memory_order_release);
    for (Committed& c : batches) completeBatch(c.jobs, c.results, status);
    batches.clear();
  }
}

Status Writer::syncWal() {
  // The syncer has its own descriptor of the WAL file: fdatasync flushes the file, whichever
  // descriptor wrote it. SQLite keeps the file (truncating, never deleting it) while a
  // connection is open; should it ever be a new file, the inode check opens the new one.
  const std::string wal_path = conn_->path() + "-wal";
  struct stat st;
  if (::stat(wal_path.c_str(), &st) != 0) return errnoStatus(wal_path + ": cannot stat");
  if (wal_fd_ < 0 || static_cast<uint64_t>(st.st_ino) != wal_ino_ ||
      static_cast<uint64_t>(st.st_dev) != wal_dev_) {
    if (wal_fd_ >= 0) ::close(wal_fd_);
    wal_fd_ = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return errnoStatus(wal_path + ": cannot open for fsync");
    struct stat opened;
    if (::fstat(wal_fd_, &opened) != 0) return errnoStatus(wal_path + ": cannot stat");
    wal_dev_ = static_cast<uint64_t>(opened.st_dev);
    wal_ino_ = static_cast<uint64_t>(opened.st_ino);
    // A new file is durable only once its directory entry is.
    std::string dir = std::filesystem::path(conn_->path()).parent_path().string();
    if (dir.empty()) dir = ".";
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return errnoStatus(dir + ": cannot open for fsync");
    int rc = ::fsync(dir_fd);
    ::close(dir_fd);
    if (rc != 0) return errnoStatus(dir + ": fsync failed");
  }
  if (::fdatasync(wal_fd_) != 0) return errnoStatus(wal_path + ": fdatasync failed");
  return Status::ok();
}

}  // namespace pb
