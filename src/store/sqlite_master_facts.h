// Master-data facts on SQLite: table `master_facts` (docs/storage-format.md).
#pragma once

#include "plantbridge/store/master_facts.h"
#include "store/store_core.h"

namespace pb {

class SqliteMasterFacts final : public MasterFactStore {
 public:
  explicit SqliteMasterFacts(StoreCore& core) : core_(core) {}
  Result<std::vector<MasterFactRow>> loadAll() override;
  Result<std::vector<int64_t>> apply(const MasterFactWrite& write) override;

 private:
  StoreCore& core_;
};

}  // namespace pb
