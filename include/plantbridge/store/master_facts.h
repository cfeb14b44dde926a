// Versioned master-data facts as rows: "while [valid_from, valid_until), subject (kind, id)
// gives context `key` the value `value`". The store keeps them as they are written; what a
// version means (supersede, close, reopen) is decided by the caller (StoredMasterData in the
// pipeline, which keeps them cached for the enrich stage). Table `master_facts`
// (docs/storage-format.md).
//
// Thread-safe: any thread may call; writes go through the store's single writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"

namespace pb {

struct MasterFactRow {
  int64_t id = 0;  // the row's id; 0 for a row not yet written
  std::string kind;
  std::string subject_id;
  std::string key;
  std::string value;
  TimePoint valid_from{};
  std::optional<TimePoint> valid_until;  // exclusive; unset: still valid
};

// One transaction's worth of changes: rows removed, rows whose end moves, rows added.
struct MasterFactWrite {
  std::vector<int64_t> remove;
  std::vector<std::pair<int64_t, std::optional<TimePoint>>> set_until;
  std::vector<MasterFactRow> insert;  // ids ignored
  bool empty() const { return remove.empty() && set_until.empty() && insert.empty(); }
};

class MasterFactStore {
 public:
  virtual ~MasterFactStore() = default;
  // Every row, ordered by (kind, subject_id, key, valid_from).
  virtual Result<std::vector<MasterFactRow>> loadAll() = 0;
  // Applies `write` in one transaction (all or nothing, durable when it returns); the ids of
  // the inserted rows, in the order given.
  virtual Result<std::vector<int64_t>> apply(const MasterFactWrite& write) = 0;
};

}  // namespace pb
