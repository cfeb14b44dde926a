// Stage traces stored small. Most [stage, outcome, detail] entries recur event after event
// ("schema production.count", "no route matches production.count", the mapping of one asset),
// and spelled out they were ~40 % of the bytes the store wrote per event. An entry that recurs
// is filed once in `stage_notes` and a run refers to it by id; an entry seen once (a
// transaction id, a counter reading) stays inline. `stage_runs.stages` is thus a JSON array of
// triples and integers: [12,13,["route","routed","counts -> sink (...)"],14].
//
// Filing is split in two halves so the writer thread does as little as possible:
// prepare() (on the caller's thread) decides per entry and, when nothing is to be filed,
// produces the final text; file() (in the write job) finds or inserts the entries to be filed
// and produces the text; committed() (after the commit) lets later runs refer to them. Ids are
// only cached once committed, so a rolled-back job never leaves a reference to a missing row.
// Notes are never deleted.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/store/pipeline_store.h"
#include "store/sqlite_db.h"

namespace pb {

// One pass's trace on its way to the store.
struct PreparedStages {
  struct Entry {
    int64_t note_id = 0;                // > 0: refer to this note
    bool to_file = false;               // file it (find or insert) and refer to it
    const StageTrace* trace = nullptr;  // the entry itself (inline, or to file)
  };
  std::vector<Entry> entries;
  std::string text;  // final, when no entry is to be filed
  bool complete() const { return !text.empty(); }
};

// Notes a write job filed, to be cached once the job is committed.
struct FiledNotes {
  std::unordered_map<std::string, int64_t> ids;  // noteKey -> id
};

class StageNotes {
 public:
  PreparedStages prepare(const std::vector<StageTrace>& trace);
  // In the write job: the stored text of `prepared`, filing what is to be filed.
  Result<std::string> file(sqlite::Connection& conn, const PreparedStages& prepared,
                           FiledNotes& filed) const;
  void committed(const FiledNotes& filed);

  // Appends the trace stored as `text` to `out`, reading referenced notes through `conn`.
  static Status decode(sqlite::Connection& conn, std::string_view text, const std::string& event_id,
                       TimePoint at, std::vector<StageTrace>& out);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> known_;  // committed notes, by noteKey
  std::unordered_set<std::string> seen_once_;       // entries seen, not (yet) filed
};

}  // namespace pb
