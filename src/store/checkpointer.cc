#include "store/checkpointer.h"

#include <pthread.h>

#include <algorithm>

namespace pb {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          int64_t copy_frames,
                                                          int64_t rewind_frames, bool durable) {
  auto conn = sqlite::Connection::open(path, SQLITE_OPEN_READWRITE);
  if (!conn) return conn.status();
  // NORMAL: a checkpoint fsyncs the WAL before it copies frames into the database, and the
  // database before the WAL may be reused. OFF only for stores that were asked not to sync.
  PB_RETURN_IF_ERROR(
      (*conn)->exec(durable ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = OFF"));
  return std::unique_ptr<Checkpointer>(
      new Checkpointer(std::move(conn).value(), copy_frames, rewind_frames));
}

Checkpointer::Checkpointer(std::unique_ptr<sqlite::Connection> conn, int64_t copy_frames,
                           int64_t rewind_frames)
    : conn_(std::move(conn)),
      copy_frames_(std::max<int64_t>(1, copy_frames)),
      rewind_frames_(std::max(rewind_frames, copy_frames)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pb-checkpoint");
    loop();
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::install(sqlite::Connection& writer) {
  sqlite3_wal_hook(writer.db(), &Checkpointer::walHook, this);
}

CheckpointerStats Checkpointer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool Checkpointer::waitForPasses(int64_t passes, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return passes_cv_.wait_for(lock, timeout, [&] { return stats_.checkpoints >= passes; });
}

int Checkpointer::walHook(void* self, sqlite3* db, const char* /*db_name*/, int frames) {
  static_cast<Checkpointer*>(self)->onCommit(db, frames);
  return SQLITE_OK;  // a checkpoint's trouble is not the commit's: it has succeeded
}

void Checkpointer::onCommit(sqlite3* writer_db, int frames) {
  bool rewind = false;
  {
    std::lock_guard lock(mu_);
    stats_.max_wal_frames = std::max<int64_t>(stats_.max_wal_frames, frames);
    if (frames < requested_at_frames_) requested_at_frames_ = 0;  // the WAL was rewound
    rewind = frames >= rewind_frames_;
    // One pass per `copy_frames` of new WAL, not one per commit: each pass costs two fsyncs.
    if (!rewind && frames - requested_at_frames_ < copy_frames_) return;
    requested_at_frames_ = frames;
    if (!rewind) {
      requested_ = true;
      cv_.notify_one();
      return;
    }
  }
  // Allowed from inside the hook (SQLite's own auto-checkpoint does the same). BUSY when the
  // checkpointer is copying right now: the next commit tries again.
  int rc =
      sqlite3_wal_checkpoint_v2(writer_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  std::lock_guard lock(mu_);
  ++stats_.writer_checkpoints;
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) ++stats_.failures;
}

void Checkpointer::loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || requested_; });
      if (stopping_) return;
      requested_ = false;
    }
    int rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                       nullptr);
    {
      std::lock_guard lock(mu_);
      ++stats_.checkpoints;
      // BUSY: the writer is rewinding right now; the next commit asks again.
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) ++stats_.failures;
    }
    passes_cv_.notify_all();
  }
}

}  // namespace pb
