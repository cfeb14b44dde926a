#include "store/sqlite_audit_log.h"

namespace pb {
namespace {

constexpr char kInsert[] =
    "INSERT INTO audit_log(at, actor, action, subject, accepted, detail) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kRecent[] =
    "SELECT at, actor, action, subject, accepted, detail FROM audit_log "
    "ORDER BY seq DESC LIMIT ?1";

}  // namespace

Status SqliteAuditLog::record(const AuditRecord& record) {
  const TimePoint at = record.at == TimePoint{} ? core_.clock.now() : record.at;
  return core_.writer.call([&](WriteContext& ctx) -> Status {
    auto q = ctx.conn.cached(kInsert);
    if (!q) return q.status();
    return q->bind(1, toUnixMicros(at))
        .bind(2, std::string_view(record.actor))
        .bind(3, std::string_view(record.action))
        .bind(4, std::string_view(record.subject))
        .bind(5, static_cast<int64_t>(record.accepted ? 1 : 0))
        .bind(6, std::string_view(record.detail))
        .run("recording audit " + record.action);
  });
}

Result<std::vector<AuditRecord>> SqliteAuditLog::recent(size_t limit) {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kRecent);
  if (!q) return q.status();
  q->bind(1, static_cast<int64_t>(limit));
  std::vector<AuditRecord> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    AuditRecord r;
    r.at = fromUnixMicros(q->int64(0));
    r.actor = q->text(1);
    r.action = q->text(2);
    r.subject = q->text(3);
    r.accepted = q->int64(4) != 0;
    r.detail = q->text(5);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading the audit log");
  }
  return out;
}

}  // namespace pb
