#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "store/schema.h"

namespace pb {
namespace {

// Page cache sizes (KiB). The writer's working set is the tail of each table and index; a few
// MiB keep it hot while the whole hub stays well under its RSS budget.
constexpr int kWriterCacheKib = 4096;
constexpr int kReaderCacheKib = 1024;
constexpr size_t kMaxIdleReaders = 4;
// The checkpointer copies the WAL into the database after each this much of new WAL, off the
// writer; the writer rewinds the WAL (finishing the copy itself) once it holds this much, and
// the file is trimmed back to that size afterwards. See Checkpointer.
constexpr int64_t kWalCopyBytes = 4LL * 1024 * 1024;
constexpr int64_t kWalRewindBytes = 64LL * 1024 * 1024;

Status withPath(const std::string& path, const Status& status) {
  if (status.isOk() || status.message().rfind(path, 0) == 0) return status;
  return Status(status.code(), path + ": " + status.message());
}

// Keeps a second process (or a second open in this one) from writing the same store: the
// writer's in-memory chain head would be stale, and the chain would break.
Result<int> lockStore(const std::string& path) {
  const std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::ioError(lock_path + ": cannot open lock file: " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::unavailable(path + ": the store is in use by another plantbridge process");
    }
    return Status::ioError(lock_path + ": cannot lock: " + std::strerror(err));
  }
  return fd;
}

Result<JournalHead> loadHead(sqlite::Connection& conn) {
  const std::string& path = conn.path();
  JournalHead head;
  bool has_seq = false, has_hash = false;
  {
    auto q = conn.cached("SELECT value FROM meta WHERE key = ?1");
    if (!q) return q.status();
    q->bind(1, std::string_view(kMetaJournalHeadSeq));
    if (q->step() == SQLITE_ROW) {
      head.seq = q->int64(0);
      has_seq = true;
    }
  }
  {
    auto q = conn.cached("SELECT value FROM meta WHERE key = ?1");
    if (!q) return q.status();
    q->bind(1, std::string_view(kMetaJournalHeadHash));
    if (q->step() == SQLITE_ROW) has_hash = q->digest(0, head.hash);
  }
  auto last = conn.queryInt("SELECT coalesce(max(seq), 0) FROM journal");
  if (!last) return withPath(path, last.status());
  if (!has_seq || !has_hash) {
    if (*last == 0 && !has_seq && !has_hash) return JournalHead{};
    return Status::corruption(path +
                              ": the journal's chain head is missing or damaged in the "
                              "meta table; run `plantbridge audit verify`");
  }
  if (*last > head.seq) {
    return Status::corruption(path + ": the journal has records after its chain head (record " +
                              std::to_string(*last) + ", head " + std::to_string(head.seq) +
                              "): they were not written by plantbridge; run `plantbridge audit "
                              "verify`");
  }
  // *last < head.seq: the tail was truncated. Appends continue after the recorded head, so the
  // gap stays visible to verifyChain instead of being papered over.
  return head;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteStoreOptions& options,
                                                       const Clock& clock) {
  static std::once_flag configured;
  std::call_once(configured, [] {
    // Memory statistics put a global mutex around every SQLite allocation; we read none of
    // them. Only possible before SQLite initializes (a no-op error afterwards, ignored).
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  const std::string& path = options.path;
  if (path.empty()) return Status::invalidArgument("store path: is required");
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Status::ioError(path + ": cannot create directory " + dir.string() + ": " +
                             ec.message());
    }
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::invalidArgument(path + ": is a directory, not a store file");
  }
  auto lock_fd = lockStore(path);
  if (!lock_fd) return lock_fd.status();
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } lock_guard{*lock_fd};

  auto conn = sqlite::Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!conn) return conn.status();
  sqlite::Connection& c = **conn;
  sqlite3_busy_timeout(c.db(), 5000);
  // Identify (or create) the store before changing anything in the file.
  PB_RETURN_IF_ERROR(
      createOrMigrateSchema(c, toUnixMicros(clock.now()), options.durable ? "FULL" : "OFF"));

  auto mode = c.queryText("PRAGMA journal_mode = WAL");
  if (!mode) return withPath(path, mode.status());
  if (*mode != "wal") {
    return Status::ioError(path + ": cannot switch to WAL mode (journal_mode is " + *mode + ")");
  }
  if (options.durable) {
    // From here on the writer's syncer makes each commit durable (fdatasync of the WAL) before
    // it is acknowledged, overlapping the fsync with the next batch; SQLite itself only syncs
    // around checkpoints. See Writer.
    PB_RETURN_IF_ERROR(withPath(path, c.exec("PRAGMA synchronous = NORMAL")));
  }
  PB_RETURN_IF_ERROR(
      withPath(path, c.exec("PRAGMA cache_size = -" + std::to_string(kWriterCacheKib))));
  auto page_size = c.queryInt("PRAGMA page_size");
  if (!page_size) return withPath(path, page_size.status());
  PB_RETURN_IF_ERROR(
      withPath(path, c.exec("PRAGMA journal_size_limit = " + std::to_string(kWalRewindBytes))));
  auto checkpointer = Checkpointer::start(path, kWalCopyBytes / *page_size,
                                          kWalRewindBytes / *page_size, options.durable);
  if (!checkpointer) return withPath(path, checkpointer.status());
  (*checkpointer)->install(c);
  PB_RETURN_IF_ERROR(withPath(path, c.exec("PRAGMA temp_store = MEMORY")));

  auto head = loadHead(c);
  if (!head) return head.status();
  int64_t cursor = 0;
  {
    auto q = c.cached("SELECT value FROM meta WHERE key = ?1");
    if (!q) return q.status();
    q->bind(1, std::string_view(kMetaPipelineCursor));
    if (q->step() == SQLITE_ROW) cursor = q->int64(0);
  }

  auto pending = countPendingByTarget(c);
  if (!pending) return pending.status();

  auto reads = std::make_unique<ReadPool>(path, kMaxIdleReaders, kReaderCacheKib);
  // Open one reader now so that a problem shows here, with the path, not on first use.
  {
    auto lease = reads->acquire();
    if (!lease) return withPath(path, lease.status());
  }
  auto writer = std::make_unique<Writer>(std::move(conn).value(), *head, options.max_batch_records,
                                         options.group_commit_window, options.durable);
  const int fd = lock_guard.fd;
  lock_guard.fd = -1;
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(path, clock, fd, std::move(reads), std::move(checkpointer).value(),
                      std::move(writer), cursor, std::move(pending).value()));
}

SqliteStore::SqliteStore(const std::string& path, const Clock& clock, int lock_fd,
                         std::unique_ptr<ReadPool> reads,
                         std::unique_ptr<Checkpointer> checkpointer, std::unique_ptr<Writer> writer,
                         int64_t cursor, std::map<std::string, int64_t> pending)
    : lock_fd_(lock_fd),
      reads_(std::move(reads)),
      checkpointer_(std::move(checkpointer)),
      writer_(std::move(writer)),
      core_{clock, *writer_, *reads_, path},
      journal_(core_),
      outbox_(core_, std::move(pending)),
      pipeline_(core_, outbox_, cursor),
      audit_(core_),
      master_facts_(core_) {}

SqliteStore::~SqliteStore() {
  close();
  // The connections close before the lock is released; the writer's first, as its commits
  // call into the checkpointer.
  writer_.reset();
  checkpointer_.reset();
  reads_.reset();
  ::close(lock_fd_);
}

void SqliteStore::close() { writer_->close(); }

Result<std::unique_ptr<Store>> openSqliteStore(const SqliteStoreOptions& options,
                                               const Clock& clock) {
  auto store = SqliteStore::open(options, clock);
  if (!store) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace pb
