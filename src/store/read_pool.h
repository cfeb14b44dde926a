// Read connections for the store: readers never touch the writer's connection, and in WAL mode
// they neither block the writer nor wait for it. A lease hands one connection to one thread;
// idle connections (with their prepared statements) are kept for reuse, a few at most, to keep
// memory small.
//
// Thread-safety: acquire() may be called from any thread; a lease is used by one thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "store/sqlite_db.h"

namespace pb {

class ReadPool;

class ReadLease {
 public:
  ReadLease(ReadPool* pool, std::unique_ptr<sqlite::Connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  ReadLease(ReadLease&&) = default;
  ReadLease& operator=(ReadLease&&) = delete;
  ~ReadLease();
  sqlite::Connection& conn() { return *conn_; }
  sqlite::Connection* operator->() { return conn_.get(); }

 private:
  ReadPool* pool_;
  std::unique_ptr<sqlite::Connection> conn_;
};

class ReadPool {
 public:
  ReadPool(std::string path, size_t max_idle, int cache_kib)
      : path_(std::move(path)), max_idle_(max_idle), cache_kib_(cache_kib) {}
  Result<ReadLease> acquire();

 private:
  friend class ReadLease;
  void release(std::unique_ptr<sqlite::Connection> conn);

  const std::string path_;
  const size_t max_idle_;
  const int cache_kib_;
  std::mutex mu_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_;  // guarded by mu_
};

// Runs a read transaction on a lease: every statement inside sees the same snapshot.
class ReadTransaction {
 public:
  static Result<ReadTransaction> begin(ReadLease& lease);
  ReadTransaction(ReadTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  ReadTransaction& operator=(ReadTransaction&&) = delete;
  ~ReadTransaction();

 private:
  explicit ReadTransaction(sqlite::Connection* conn) : conn_(conn) {}
  sqlite::Connection* conn_;
};

}  // namespace pb
