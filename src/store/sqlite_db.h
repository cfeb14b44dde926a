// Thin RAII wrappers over the SQLite C API: a connection with a per-connection cache of
// prepared statements, and a Query that binds, steps and resets one of them.
//
// Thread-safety: a Connection (and every statement it caches) belongs to one thread at a time;
// the store hands connections to threads (the writer's, or a read lease) and never shares one.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "plantbridge/common/crypto.h"
#include "plantbridge/common/status.h"

namespace pb::sqlite {

// Maps an SQLite result code to a Status whose message says what was being done, e.g.
// "journal insert: database or disk is full (SQLITE_FULL)".
Status toStatus(sqlite3* db, int rc, std::string_view what);

// Binds parameters, steps, and reads columns of a cached prepared statement. Resets the
// statement and clears its bindings on destruction so the cache can hand it out again.
// Text and blobs are bound SQLITE_STATIC: they must outlive the last step().
class Query {
 public:
  // `owned`: the Query finalizes the statement (SQL built at run time) instead of resetting it.
  explicit Query(sqlite3_stmt* stmt, bool owned = false) : stmt_(stmt), owned_(owned) {}
  ~Query();
  Query(Query&& other) noexcept : stmt_(other.stmt_), owned_(other.owned_) {
    other.stmt_ = nullptr;
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;

  Query& bind(int index, int64_t value);
  Query& bind(int index, std::string_view text);
  Query& bindBlob(int index, const void* data, size_t size);
  Query& bind(int index, const Sha256Digest& digest) {
    return bindBlob(index, digest.data(), digest.size());
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  // Steps a statement that returns no rows; maps errors to a Status naming `what`.
  Status run(std::string_view what);

  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string_view textView(int column) const;
  std::string text(int column) const { return std::string(textView(column)); }
  // False when the column is not a 32-byte blob.
  bool digest(int column, Sha256Digest& out) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  bool owned_;
};

class Connection {
 public:
  // Opens `path` with the given sqlite3_open_v2 flags (SQLITE_OPEN_NOMUTEX is always added:
  // a connection is used by one thread at a time).
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more SQL statements that return no rows.
  Status exec(std::string_view sql);
  // A Query on the prepared statement for `sql`, compiled on first use and kept for the
  // connection's life. Only one Query per statement may be alive at a time.
  Result<Query> cached(std::string_view sql);
  // A single-row, single-integer query ("PRAGMA user_version", "SELECT count(*) ...").
  Result<int64_t> queryInt(std::string_view sql);
  // A single-row, single-text query ("PRAGMA journal_mode=WAL").
  Result<std::string> queryText(std::string_view sql);

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtDeleter>, StringHash,
                     std::equal_to<>>
      cache_;
};

// A Query on a fresh statement for SQL built at run time (finalized when the Query ends).
Result<Query> prepareAdHoc(Connection& conn, const std::string& sql);

}  // namespace pb::sqlite
