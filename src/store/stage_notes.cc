#include "store/stage_notes.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "plantbridge/common/json_text.h"

namespace pb {
namespace {

constexpr char kFindNote[] =
    "SELECT id FROM stage_notes WHERE stage = ?1 AND outcome = ?2 AND detail = ?3";
constexpr char kInsertNote[] = "INSERT INTO stage_notes(stage, outcome, detail) VALUES(?1, ?2, ?3)";
constexpr char kReadNote[] = "SELECT stage, outcome, detail FROM stage_notes WHERE id = ?1";

// Bounds on what is kept in memory. Past kMaxKnown nothing more is filed (entries stay inline,
// as before notes existed); the seen-once set starts over when full, so an entry must recur
// within roughly the last kMaxSeenOnce distinct entries to be filed.
constexpr size_t kMaxKnown = 65536;
constexpr size_t kMaxSeenOnce = 16384;

std::string noteKey(const StageTrace& t) {
  std::string key;
  key.reserve(t.stage.size() + t.outcome.size() + t.detail.size() + 2);
  key.append(t.stage).push_back('\0');
  key.append(t.outcome).push_back('\0');
  key.append(t.detail);
  return key;
}

void appendInline(std::string& out, const StageTrace& t) {
  out += '[';
  appendJsonString(out, t.stage);
  out += ',';
  appendJsonString(out, t.outcome);
  out += ',';
  appendJsonString(out, t.detail);
  out += ']';
}

sqlite::Query& bindNote(sqlite::Query& q, const StageTrace& t) {
  return q.bind(1, std::string_view(t.stage))
      .bind(2, std::string_view(t.outcome))
      .bind(3, std::string_view(t.detail));
}

Result<int64_t> findOrInsert(sqlite::Connection& conn, const StageTrace& t) {
  {
    auto find = conn.cached(kFindNote);
    if (!find) return find.status();
    int rc = bindNote(*find, t).step();
    if (rc == SQLITE_ROW) return find->int64(0);
    if (rc != SQLITE_DONE) return sqlite::toStatus(conn.db(), rc, "looking up a stage note");
  }
  auto insert = conn.cached(kInsertNote);
  if (!insert) return insert.status();
  PB_RETURN_IF_ERROR(bindNote(*insert, t).run("filing a stage note"));
  return sqlite3_last_insert_rowid(conn.db());
}

void assemble(const PreparedStages& prepared, const std::vector<int64_t>& ids, std::string& out) {
  out = "[";
  for (size_t i = 0; i < prepared.entries.size(); ++i) {
    if (i > 0) out += ',';
    if (ids[i] > 0) {
      out += std::to_string(ids[i]);
    } else {
      appendInline(out, *prepared.entries[i].trace);
    }
  }
  out += ']';
}

}  // namespace

PreparedStages StageNotes::prepare(const std::vector<StageTrace>& trace) {
  PreparedStages prepared;
  prepared.entries.reserve(trace.size());
  bool any_to_file = false;
  {
    std::lock_guard lock(mu_);
    for (const StageTrace& t : trace) {
      PreparedStages::Entry entry;
      entry.trace = &t;
      std::string key = noteKey(t);
      if (auto it = known_.find(key); it != known_.end()) {
        entry.note_id = it->second;
      } else if (known_.size() < kMaxKnown) {
        if (seen_once_.count(key) > 0) {
          entry.to_file = true;
          any_to_file = true;
        } else {
          if (seen_once_.size() >= kMaxSeenOnce) seen_once_.clear();
          seen_once_.insert(std::move(key));
        }
      }
      prepared.entries.push_back(entry);
    }
  }
  if (!any_to_file) {
    std::vector<int64_t> ids;
    ids.reserve(prepared.entries.size());
    for (const auto& e : prepared.entries) ids.push_back(e.note_id);
    assemble(prepared, ids, prepared.text);
  }
  return prepared;
}

Result<std::string> StageNotes::file(sqlite::Connection& conn, const PreparedStages& prepared,
                                     FiledNotes& filed) const {
  if (prepared.complete()) return prepared.text;
  std::vector<int64_t> ids;
  ids.reserve(prepared.entries.size());
  for (const auto& e : prepared.entries) {
    if (!e.to_file) {
      ids.push_back(e.note_id);
      continue;
    }
    std::string key = noteKey(*e.trace);
    if (auto it = filed.ids.find(key); it != filed.ids.end()) {
      ids.push_back(it->second);
      continue;
    }
    auto id = findOrInsert(conn, *e.trace);
    if (!id) return id.status();
    ids.push_back(*id);
    filed.ids.emplace(std::move(key), *id);
  }
  std::string text;
  assemble(prepared, ids, text);
  return text;
}

void StageNotes::committed(const FiledNotes& filed) {
  if (filed.ids.empty()) return;
  std::lock_guard lock(mu_);
  for (const auto& [key, id] : filed.ids) {
    seen_once_.erase(key);
    if (known_.size() < kMaxKnown) known_.emplace(key, id);
  }
}

Status StageNotes::decode(sqlite::Connection& conn, std::string_view text,
                          const std::string& event_id, TimePoint at, std::vector<StageTrace>& out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  const auto damaged = [&](const std::string& why) {
    return Status::corruption("stage trace of " + event_id + " is damaged (" + why +
                              "): " + std::string(text.substr(0, 80)));
  };
  if (ec || !v.is_array()) return damaged("not a JSON array");
  for (const boost::json::value& entry : v.get_array()) {
    StageTrace t;
    t.event_id = event_id;
    t.at = at;
    if (entry.is_int64()) {
      auto q = conn.cached(kReadNote);
      if (!q) return q.status();
      q->bind(1, entry.get_int64());
      int rc = q->step();
      if (rc == SQLITE_DONE) {
        return damaged("stage note " + std::to_string(entry.get_int64()) + " does not exist");
      }
      if (rc != SQLITE_ROW) return sqlite::toStatus(conn.db(), rc, "reading a stage note");
      t.stage = q->text(0);
      t.outcome = q->text(1);
      t.detail = q->text(2);
      out.push_back(std::move(t));
      continue;
    }
    const boost::json::array* fields = entry.if_array();
    if (!fields || fields->size() != 3)
      return damaged("an entry is neither a triple nor a note id");
    for (size_t i = 0; i < 3; ++i) {
      const boost::json::string* s = (*fields)[i].if_string();
      if (!s) return damaged("an entry is neither a triple nor a note id");
      (i == 0 ? t.stage : i == 1 ? t.outcome : t.detail).assign(s->data(), s->size());
    }
    out.push_back(std::move(t));
  }
  return Status::ok();
}

}  // namespace pb
