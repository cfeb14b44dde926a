// Copies the WAL back into the database file on a thread of its own, so that commits do not
// wait for checkpoints. With SQLite's automatic checkpoint the writer thread itself copied
// 32 MiB of WAL and fsynced the database every few seconds under load, and every ingest commit
// queued behind it waited tens of milliseconds: that was the hub's p99 acknowledgement latency.
//
// The writer connection reports its WAL size after each commit (sqlite3_wal_hook, installed by
// install()). Past `copy_frames` the checkpointer thread runs a PASSIVE checkpoint on its own
// connection, which never blocks the writer or the readers. SQLite rewinds the WAL to its
// start only once every frame in it has been copied, which a checkpoint running beside a busy
// writer never quite reaches; so past `rewind_frames` the writer finishes the copy itself, in
// the hook (only the frames since the checkpointer's last pass are left). That bounds the WAL
// file, and should the checkpointer fall behind a fast writer it becomes back-pressure
// instead of a growing file.
//
// Thread-safety: install() before the writer connection is used; the hook runs on the writer
// thread; stats() from any thread. Destroy only after the writer connection is closed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plantbridge/common/status.h"
#include "store/sqlite_db.h"

namespace pb {

struct CheckpointerStats {
  int64_t checkpoints = 0;         // PASSIVE checkpoints run by the checkpointer thread
  int64_t writer_checkpoints = 0;  // checkpoints the writer ran itself to rewind the WAL
  int64_t failures = 0;            // checkpoints that returned an error (retried next time)
  int64_t max_wal_frames = 0;      // the largest WAL seen after a commit
};

class Checkpointer {
 public:
  // Opens a connection of its own to `path` (an existing store in WAL mode) and starts the
  // thread. `durable` keeps checkpoints fsyncing the WAL before the database is written.
  static Result<std::unique_ptr<Checkpointer>> start(const std::string& path, int64_t copy_frames,
                                                     int64_t rewind_frames, bool durable);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Makes `writer` report its WAL size here after each commit. Replaces SQLite's automatic
  // checkpoint on that connection (both use the same hook).
  void install(sqlite::Connection& writer);

  CheckpointerStats stats() const;
  // Waits until the checkpointer thread has run `passes` checkpoints in all; false on timeout.
  bool waitForPasses(int64_t passes, std::chrono::milliseconds timeout) const;

 private:
  Checkpointer(std::unique_ptr<sqlite::Connection> conn, int64_t copy_frames,
               int64_t rewind_frames);
  static int walHook(void* self, sqlite3* db, const char* db_name, int frames);
  void onCommit(sqlite3* writer_db, int frames);
  void loop();

  std::unique_ptr<sqlite::Connection> conn_;
  const int64_t copy_frames_;
  const int64_t rewind_frames_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  mutable std::condition_variable passes_cv_;
  bool requested_ = false;
  int64_t requested_at_frames_ = 0;  // WAL size when a pass was last asked for
  bool stopping_ = false;
  CheckpointerStats stats_;
  std::thread thread_;
};

}  // namespace pb
