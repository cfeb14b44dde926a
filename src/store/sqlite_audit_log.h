// The audit log on SQLite: table `audit_log` (docs/storage-format.md).
#pragma once

#include "plantbridge/store/audit_log.h"
#include "store/store_core.h"

namespace pb {

class SqliteAuditLog final : public AuditLog {
 public:
  explicit SqliteAuditLog(StoreCore& core) : core_(core) {}
  // `at` defaults to the store's clock when unset.
  Status record(const AuditRecord& record) override;
  // Newest first.
  Result<std::vector<AuditRecord>> recent(size_t limit) override;

 private:
  StoreCore& core_;
};

}  // namespace pb
