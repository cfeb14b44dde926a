#include "plantbridge/pipeline/stored_master_data.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

namespace pb {
namespace {

constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();

int64_t untilUs(const std::optional<TimePoint>& until) {
  return until ? toUnixMicros(*until) : kOpen;
}
std::optional<TimePoint> untilOf(int64_t until_us) {
  if (until_us == kOpen) return std::nullopt;
  return fromUnixMicros(until_us);
}

}  // namespace

size_t StoredMasterData::SubjectHash::operator()(const Subject& s) const {
  const size_t h = std::hash<std::string>{}(s.kind);
  return h ^ (std::hash<std::string>{}(s.id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

MasterDataRecord StoredMasterData::toRecord(const Subject& subject, const Fact& fact) {
  return {subject, fact.key, fact.value, fromUnixMicros(fact.from_us), untilOf(fact.until_us)};
}

Result<std::unique_ptr<StoredMasterData>> StoredMasterData::open(MasterFactStore& store) {
  auto rows = store.loadAll();
  if (!rows) return rows.status();
  std::unique_ptr<StoredMasterData> md(new StoredMasterData(store));
  for (MasterFactRow& row : *rows) {
    Facts& facts = md->facts_[Subject{std::move(row.kind), std::move(row.subject_id)}];
    facts.push_back({std::move(row.key), std::move(row.value), toUnixMicros(row.valid_from),
                     untilUs(row.valid_until), row.id});
  }
  for (auto& [subject, facts] : md->facts_) {
    std::sort(facts.begin(), facts.end(), [](const Fact& a, const Fact& b) {
      return std::tie(a.key, a.from_us) < std::tie(b.key, b.from_us);
    });
    facts.shrink_to_fit();
    md->size_ += facts.size();
  }
  return md;
}

Result<std::vector<ContextFact>> StoredMasterData::factsAt(const std::vector<Subject>& subjects,
                                                           TimePoint at) const {
  const int64_t at_us = toUnixMicros(at);
  std::shared_lock lock(mutex_);
  std::vector<ContextFact> out;
  for (const Subject& subject : subjects) {
    auto it = facts_.find(subject);
    if (it == facts_.end()) continue;
    const Facts& facts = it->second;
    // Facts are grouped by key, oldest first: per key, the last one in force at `at` is the one
    // that started last.
    const Fact* best = nullptr;
    for (size_t i = 0; i < facts.size(); ++i) {
      const Fact& f = facts[i];
      if (f.from_us <= at_us && at_us < f.until_us) best = &f;
      const bool last_of_key = i + 1 == facts.size() || facts[i + 1].key != f.key;
      if (last_of_key && best != nullptr) {
        out.push_back({subject, best->key, best->value});
        best = nullptr;
      }
    }
  }
  return out;
}

Result<size_t> StoredMasterData::replaceFrom(const std::vector<FactHistory>& changes) {
  std::lock_guard write_lock(write_mutex_);
  // The final records of each changed (subject, key), computed against the cache (only this
  // writer changes it, so reading it without the shared lock is safe here).
  struct Planned {
    const Subject* subject;
    const std::string* key;
    std::vector<Fact> final_facts;  // id 0: to insert
  };
  std::vector<Planned> plans;
  MasterFactWrite write;
  for (const FactHistory& change : changes) {
    const int64_t from_us = toUnixMicros(change.from);
    std::vector<Fact> existing;
    if (auto it = facts_.find(change.subject); it != facts_.end()) {
      for (const Fact& f : it->second) {
        if (f.key == change.key) existing.push_back(f);
      }
    }
    std::vector<Fact> final_facts;
    for (const Fact& f : existing) {
      if (f.from_us >= from_us) continue;
      Fact kept = f;
      kept.until_us = std::min(kept.until_us, from_us);
      final_facts.push_back(std::move(kept));
    }
    for (const FactInterval& interval : change.intervals) {
      Fact f{change.key, interval.value, std::max(toUnixMicros(interval.from), from_us),
             untilUs(interval.until), 0};
      if (f.until_us <= f.from_us) continue;  // empty after clipping
      if (!final_facts.empty() && final_facts.back().until_us == f.from_us &&
          final_facts.back().value == f.value) {
        final_facts.back().until_us = f.until_us;  // continues the record before it
        continue;
      }
      final_facts.push_back(std::move(f));
    }
    // Diff: an existing record with the same start and value is kept (its end moved if need
    // be); the others are removed; final records without a match are inserted.
    std::vector<bool> matched(final_facts.size(), false);
    for (const Fact& e : existing) {
      bool found = false;
      for (size_t i = 0; i < final_facts.size(); ++i) {
        Fact& f = final_facts[i];
        if (matched[i] || f.from_us != e.from_us || f.value != e.value) continue;
        matched[i] = true;
        found = true;
        f.id = e.id;
        if (f.until_us != e.until_us) write.set_until.emplace_back(e.id, untilOf(f.until_us));
        break;
      }
      if (!found) write.remove.push_back(e.id);
    }
    for (size_t i = 0; i < final_facts.size(); ++i) {
      if (matched[i]) continue;
      const Fact& f = final_facts[i];
      write.insert.push_back({0, change.subject.kind, change.subject.id, f.key, f.value,
                              fromUnixMicros(f.from_us), untilOf(f.until_us)});
    }
    plans.push_back({&change.subject, &change.key, std::move(final_facts)});
  }
  if (write.empty()) return size_t{0};
  auto ids = store_.apply(write);
  if (!ids) return ids.status();
  const size_t written = write.remove.size() + write.set_until.size() + write.insert.size();

  // The inserted rows' ids, in the order they were planned.
  size_t next_id = 0;
  for (Planned& plan : plans) {
    for (Fact& f : plan.final_facts) {
      if (f.id == 0) f.id = (*ids)[next_id++];
    }
  }
  std::unique_lock lock(mutex_);
  for (Planned& plan : plans) {
    Facts& facts = facts_[*plan.subject];
    const size_t before = facts.size();
    std::erase_if(facts, [&](const Fact& f) { return f.key == *plan.key; });
    for (Fact& f : plan.final_facts) facts.push_back(std::move(f));
    std::stable_sort(facts.begin(), facts.end(), [](const Fact& a, const Fact& b) {
      return std::tie(a.key, a.from_us) < std::tie(b.key, b.from_us);
    });
    size_ = size_ - before + facts.size();
  }
  return written;
}

Result<size_t> StoredMasterData::forgetEndedBefore(TimePoint cutoff) {
  std::lock_guard write_lock(write_mutex_);
  const int64_t cutoff_us = toUnixMicros(cutoff);
  const auto ended = [cutoff_us](const Fact& f) {
    return f.until_us != kOpen && f.until_us <= cutoff_us;
  };
  MasterFactWrite write;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [subject, facts] : facts_) {
      for (const Fact& f : facts) {
        if (ended(f)) write.remove.push_back(f.id);
      }
    }
  }
  if (write.empty()) return size_t{0};
  auto applied = store_.apply(write);
  if (!applied) return applied.status();
  std::unique_lock lock(mutex_);
  for (auto it = facts_.begin(); it != facts_.end();) {
    std::erase_if(it->second, ended);
    it = it->second.empty() ? facts_.erase(it) : std::next(it);
  }
  size_ -= write.remove.size();
  return write.remove.size();
}

std::vector<MasterDataRecord> StoredMasterData::history(const Subject& subject,
                                                        const std::string& key) const {
  std::shared_lock lock(mutex_);
  std::vector<MasterDataRecord> out;
  auto it = facts_.find(subject);
  if (it == facts_.end()) return out;
  for (const Fact& f : it->second) {
    if (f.key == key) out.push_back(toRecord(subject, f));
  }
  return out;
}

std::optional<MasterDataRecord> StoredMasterData::latest(const Subject& subject,
                                                         const std::string& key) const {
  auto all = history(subject, key);
  if (all.empty()) return std::nullopt;
  return all.back();
}

bool StoredMasterData::hasSubject(const Subject& subject) const {
  std::shared_lock lock(mutex_);
  auto it = facts_.find(subject);
  return it != facts_.end() && !it->second.empty();
}

size_t StoredMasterData::size() const {
  std::shared_lock lock(mutex_);
  return size_;
}

}  // namespace pb
