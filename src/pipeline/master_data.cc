#include "plantbridge/pipeline/master_data.h"

#include <mutex>

namespace pb {

void InMemoryMasterData::add(MasterDataRecord record) {
  std::unique_lock lock(mutex_);
  records_[record.subject].push_back(std::move(record));
}

void InMemoryMasterData::replaceSubject(const Subject& subject,
                                        std::vector<MasterDataRecord> records) {
  std::unique_lock lock(mutex_);
  auto& slot = records_[subject];
  slot.clear();
  for (auto& r : records) {
    r.subject = subject;
    slot.push_back(std::move(r));
  }
}

size_t InMemoryMasterData::size() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (const auto& [subject, records] : records_) n += records.size();
  return n;
}

Result<std::vector<ContextFact>> InMemoryMasterData::factsAt(const std::vector<Subject>& subjects,
                                                             TimePoint at) const {
  std::shared_lock lock(mutex_);
  std::vector<ContextFact> out;
  for (const auto& subject : subjects) {
    auto it = records_.find(subject);
    if (it == records_.end()) continue;
    // Per key, the record in force at `at` that started last.
    std::map<std::string, const MasterDataRecord*> best;
    for (const auto& record : it->second) {
      if (record.valid_from > at) continue;
      if (record.valid_until && *record.valid_until <= at) continue;
      auto& slot = best[record.key];
      if (!slot || record.valid_from >= slot->valid_from) slot = &record;
    }
    for (const auto& [key, record] : best) out.push_back({subject, key, record->value});
  }
  return out;
}

}  // namespace pb
