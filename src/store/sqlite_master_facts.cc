#include "store/sqlite_master_facts.h"

#include <utility>

namespace pb {
namespace {

constexpr char kSelectAll[] =
    "SELECT id, kind, subject_id, key, value, valid_from, valid_until FROM master_facts "
    "ORDER BY kind, subject_id, key, valid_from";
constexpr char kInsert[] =
    "INSERT INTO master_facts(kind, subject_id, key, value, valid_from, valid_until) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kDelete[] = "DELETE FROM master_facts WHERE id = ?1";
constexpr char kSetUntil[] = "UPDATE master_facts SET valid_until = ?2 WHERE id = ?1";

}  // namespace

Result<std::vector<MasterFactRow>> SqliteMasterFacts::loadAll() {
  auto lease = core_.reads.acquire();
  if (!lease) return lease.status();
  auto q = lease->conn().cached(kSelectAll);
  if (!q) return q.status();
  std::vector<MasterFactRow> out;
  int rc;
  while ((rc = q->step()) == SQLITE_ROW) {
    MasterFactRow row;
    row.id = q->int64(0);
    row.kind = q->text(1);
    row.subject_id = q->text(2);
    row.key = q->text(3);
    row.value = q->text(4);
    row.valid_from = fromUnixMicros(q->int64(5));
    if (!q->isNull(6)) row.valid_until = fromUnixMicros(q->int64(6));
    out.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    return sqlite::toStatus(lease->conn().db(), rc, core_.path + ": reading master data");
  }
  return out;
}

Result<std::vector<int64_t>> SqliteMasterFacts::apply(const MasterFactWrite& write) {
  return core_.writer.call<std::vector<int64_t>>(
      [&](WriteContext& ctx) -> Result<std::vector<int64_t>> {
        for (int64_t id : write.remove) {
          auto q = ctx.conn.cached(kDelete);
          if (!q) return q.status();
          PB_RETURN_IF_ERROR(q->bind(1, id).run("removing a master-data fact"));
        }
        for (const auto& [id, until] : write.set_until) {
          auto q = ctx.conn.cached(kSetUntil);
          if (!q) return q.status();
          q->bind(1, id);
          if (until) q->bind(2, toUnixMicros(*until));
          PB_RETURN_IF_ERROR(q->run("closing a master-data fact"));
        }
        std::vector<int64_t> ids;
        ids.reserve(write.insert.size());
        for (const MasterFactRow& row : write.insert) {
          auto q = ctx.conn.cached(kInsert);
          if (!q) return q.status();
          q->bind(1, std::string_view(row.kind))
              .bind(2, std::string_view(row.subject_id))
              .bind(3, std::string_view(row.key))
              .bind(4, std::string_view(row.value))
              .bind(5, toUnixMicros(row.valid_from));
          if (row.valid_until) q->bind(6, toUnixMicros(*row.valid_until));
          PB_RETURN_IF_ERROR(q->run("recording a master-data fact"));
          ids.push_back(sqlite3_last_insert_rowid(ctx.conn.db()));
        }
        return ids;
      });
}

}  // namespace pb
