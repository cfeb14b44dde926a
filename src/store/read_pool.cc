#include "store/read_pool.h"

namespace pb {

ReadLease::~ReadLease() {
  if (conn_ && pool_ != nullptr) pool_->release(std::move(conn_));
}

Result<ReadLease> ReadPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return ReadLease(this, std::move(conn));
    }
  }
  // No CREATE: the writer made the file; a reader must never make an empty one elsewhere.
  auto conn = sqlite::Connection::open(path_, SQLITE_OPEN_READWRITE);
  if (!conn) return conn.status();
  auto& c = **conn;
  PB_RETURN_IF_ERROR(c.exec("PRAGMA query_only = ON"));
  PB_RETURN_IF_ERROR(c.exec("PRAGMA cache_size = -" + std::to_string(cache_kib_)));
  sqlite3_busy_timeout(c.db(), 5000);
  return ReadLease(this, std::move(conn).value());
}

void ReadPool::release(std::unique_ptr<sqlite::Connection> conn) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
  // Otherwise `conn` closes here: a burst of readers does not keep its connections.
}

Result<ReadTransaction> ReadTransaction::begin(ReadLease& lease) {
  PB_RETURN_IF_ERROR(lease->exec("BEGIN"));
  return ReadTransaction(&lease.conn());
}

ReadTransaction::~ReadTransaction() {
  if (conn_ != nullptr) (void)conn_->exec("COMMIT");
}

}  // namespace pb
