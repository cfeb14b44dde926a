// Master data kept in the store (table master_facts) with all of it cached in memory, so the
// enrich stage's factsAt never touches the disk. Loaded once at start-up; the master-data sync
// writes through replaceFrom(), which persists first and updates the cache after the commit.
//
// Thread-safety: factsAt, history, size and hasSubject may be called from any thread at any
// time; replaceFrom calls are serialized internally (one sync writes at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "plantbridge/pipeline/master_data.h"
#include "plantbridge/store/master_facts.h"

namespace pb {

struct FactInterval {
  std::string value;
  TimePoint from{};
  std::optional<TimePoint> until;  // exclusive; unset: open
};

// "From `from` on, (subject, key) is exactly `intervals`": intervals sorted by start, not
// overlapping, none starting before `from` (earlier starts are moved to `from`). Empty: the
// fact has no value from `from` on.
struct FactHistory {
  Subject subject;
  std::string key;
  TimePoint from{};
  std::vector<FactInterval> intervals;
};

class StoredMasterData final : public MasterData {
 public:
  // Loads every fact of `store`; `store` must outlive the result.
  static Result<std::unique_ptr<StoredMasterData>> open(MasterFactStore& store);

  Result<std::vector<ContextFact>> factsAt(const std::vector<Subject>& subjects,
                                           TimePoint at) const override;

  // Applies each change: the record in force at `from` is cut there (valid_until = from) unless
  // the first interval continues it (same value, starting at `from`: it is extended instead);
  // records starting at or after `from` are replaced by the intervals. Records that come out
  // the same are not rewritten, so re-applying what is already stored writes nothing. All
  // changes go to the store in one transaction; on failure neither store nor cache changed.
  // Answers how many rows were written (inserted, closed or removed).
  Result<size_t> replaceFrom(const std::vector<FactHistory>& changes);

  // Retention: removes every record that ended at or before `cutoff` (store first, then the
  // cache; on failure neither changed). Records still valid, or valid after `cutoff`, stay, so
  // an event from after `cutoff` is enriched as before. Answers how many rows were removed.
  Result<size_t> forgetEndedBefore(TimePoint cutoff);

  // The records of (subject, key), oldest first.
  std::vector<MasterDataRecord> history(const Subject& subject, const std::string& key) const;
  // The record of (subject, key) that started last, if any.
  std::optional<MasterDataRecord> latest(const Subject& subject, const std::string& key) const;
  bool hasSubject(const Subject& subject) const;
  size_t size() const;

 private:
  struct Fact {
    std::string key;
    std::string value;
    int64_t from_us = 0;
    int64_t until_us = 0;  // kOpen while valid
    int64_t id = 0;
  };
  struct SubjectHash {
    size_t operator()(const Subject& s) const;
  };
  using Facts = std::vector<Fact>;  // sorted by (key, from_us)

  explicit StoredMasterData(MasterFactStore& store) : store_(store) {}
  static MasterDataRecord toRecord(const Subject& subject, const Fact& fact);

  MasterFactStore& store_;
  std::mutex write_mutex_;  // one replaceFrom at a time
  mutable std::shared_mutex mutex_;
  std::unordered_map<Subject, Facts, SubjectHash> facts_;
  size_t size_ = 0;
};

}  // namespace pb
