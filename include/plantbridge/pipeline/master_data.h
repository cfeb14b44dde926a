// Master data as the enrich stage sees it: facts about plant subjects (a work center's active
// manufacturing order, an order's product, a machine's shift pattern, ...), each valid over
// an interval, so context is resolved *as it was when the event occurred* (after a WAN outage a
// late count still belongs to the order that was running then).
//
// The Odoo sync fills a store-backed implementation; InMemoryMasterData serves tests and small
// static set-ups.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"

namespace pb {

// What a fact is about: a context key and its value ({"work_center", "7"},
// {"order", "MO/00042"}), or {"asset", <canonical asset id>}, or {"site", <site>}.
struct Subject {
  std::string kind;
  std::string id;
  // clang-tidy 14 flags the 0 of the synthesized `(a <=> b) < 0` (llvm/llvm-project#53961).
  // NOLINTNEXTLINE(modernize-use-nullptr)
  auto operator<=>(const Subject&) const = default;
};

// One versioned fact: while valid, `subject` gives context `key` the value `value`.
struct MasterDataRecord {
  Subject subject;
  std::string key;    // the context key it provides: "order"
  std::string value;  // "MO/00042"
  TimePoint valid_from{};
  std::optional<TimePoint> valid_until;  // exclusive; unset: still valid
};

struct ContextFact {
  Subject subject;
  std::string key;
  std::string value;
};

class MasterData {
 public:
  virtual ~MasterData() = default;
  // The facts in force at `at` (valid_from <= at < valid_until) about each of `subjects`. For
  // one (subject, key) at most one fact is returned: when records overlap, the one that
  // started last wins (a newer version supersedes an older one). Thread-safe. Fails only when
  // the backing store cannot be read (the batch is retried; the event is not parked).
  virtual Result<std::vector<ContextFact>> factsAt(const std::vector<Subject>& subjects,
                                                   TimePoint at) const = 0;
};

// Thread-safe: a sync may add records while the pipeline reads.
class InMemoryMasterData final : public MasterData {
 public:
  void add(MasterDataRecord record);
  // Replaces every record about `subject` (a sync that re-read the subject's history).
  void replaceSubject(const Subject& subject, std::vector<MasterDataRecord> records);
  size_t size() const;

  Result<std::vector<ContextFact>> factsAt(const std::vector<Subject>& subjects,
                                           TimePoint at) const override;

 private:
  mutable std::shared_mutex mutex_;
  std::map<Subject, std::vector<MasterDataRecord>> records_;
};

}  // namespace pb
