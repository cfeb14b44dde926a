#include "store/sqlite_db.h"

#include <cstring>

namespace pb::sqlite {

Status toStatus(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::ok();
  std::string message(what);
  message += ": ";
  // The connection's message is more specific than the generic one for the code, but only if
  // it belongs to this error (the connection may have moved on).
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  message += " (sqlite code ";
  message += std::to_string(rc);
  message += ")";
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Status::resourceExhausted(std::move(message));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::ioError(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corruption(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Status::alreadyExists(std::move(message));
    default:
      return Status::internal(std::move(message));
  }
}

Query::~Query() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Query& Query::bind(int index, std::string_view text) {
  // An empty view may have a null data(); SQLite would bind NULL for it, not ''.
  static constexpr char kEmpty[] = "";
  sqlite3_bind_text64(stmt_, index, text.empty() ? kEmpty : text.data(), text.size(), SQLITE_STATIC,
                      SQLITE_UTF8);
  return *this;
}

Query& Query::bindBlob(int index, const void* data, size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_STATIC);
  return *this;
}

Status Query::run(std::string_view what) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::ok();
  return toStatus(sqlite3_db_handle(stmt_), rc, what);
}

std::string_view Query::textView(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Query::digest(int column, Sha256Digest& out) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  if (p == nullptr || sqlite3_column_bytes(stmt_, column) != static_cast<int>(out.size())) {
    return false;
  }
  std::memcpy(out.data(), p, out.size());
  return true;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = toStatus(db, rc, path + ": cannot open");
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::ok();
  std::string what = path_ + ": " + text.substr(0, 60);
  Status status = toStatus(db_, rc, what);
  sqlite3_free(error);
  return status;
}

Result<Query> Connection::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return toStatus(db_, rc, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
    }
    it = cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, StmtDeleter>(stmt)).first;
  }
  return Query(it->second.get());
}

Result<int64_t> Connection::queryInt(std::string_view sql) {
  auto q = cached(sql);
  if (!q) return q.status();
  int rc = q->step();
  if (rc == SQLITE_ROW) return q->int64(0);
  if (rc == SQLITE_DONE) return Status::notFound(std::string(sql) + ": no row");
  return toStatus(db_, rc, path_ + ": " + std::string(sql));
}

Result<std::string> Connection::queryText(std::string_view sql) {
  auto q = cached(sql);
  if (!q) return q.status();
  int rc = q->step();
  if (rc == SQLITE_ROW) return q->text(0);
  if (rc == SQLITE_DONE) return Status::notFound(std::string(sql) + ": no row");
  return toStatus(db_, rc, path_ + ": " + std::string(sql));
}

Result<Query> prepareAdHoc(Connection& conn, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn.db(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return toStatus(conn.db(), rc, "preparing \"" + sql.substr(0, 60) + "\"");
  }
  return Query(stmt, /*owned=*/true);
}

}  // namespace pb::sqlite
