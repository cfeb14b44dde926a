// The audit log of admin actions (who, what, when, accepted or rejected). Delivery attempts
// are audited in the outbox.
#pragma once

#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"

namespace pb {

struct AuditRecord {
  TimePoint at{};
  std::string actor;    // token name, or "cli:<user>"
  std::string action;   // "dlq.retry", "dlq.discard", "replay", "config.reload", ...
  std::string subject;  // e.g. the transaction id
  bool accepted = true;
  std::string detail;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Status record(const AuditRecord& record) = 0;
  virtual Result<std::vector<AuditRecord>> recent(size_t limit) = 0;
};

}  // namespace pb
