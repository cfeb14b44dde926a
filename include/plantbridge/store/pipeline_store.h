// What the pipeline keeps: its cursor over the journal, the stage trace of each event, the
// exception queue, stage state (e.g. a counter's last value) and dedupe keys. All of one
// batch's effects are committed atomically with the cursor move, so a crash repeats the batch
// instead of half-applying it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/model/event.h"
#include "plantbridge/model/transaction.h"

namespace pb {

struct StageTrace {
  std::string event_id;
  std::string stage;    // "validate", "qualify", "map", "enrich", "dedupe", "route"
  std::string outcome;  // "passed", "derived", "suppressed", "exception", "routed", ...
  std::string detail;   // human-readable, e.g. "delta 12 (rollover at 65535)"
  TimePoint at{};
};

struct ExceptionEntry {
  std::string event_id;
  std::string stage;
  std::string reason;  // "context.work_center: no mapping for asset 'CNC-99'"
  TimePoint at{};
};

struct StateUpdate {
  std::string key;    // "qualify/part-counter/CNC-07/counter"
  std::string value;  // stage-defined (JSON text)
};

struct DedupeKey {
  std::string key;
  TimePoint expires_at{};
};

// The effects of processing one journal record.
struct StepResult {
  int64_t journal_seq = 0;
  std::string event_id;
  std::vector<Event> derived_events;        // appended to the journal (duplicates ignored)
  std::vector<Transaction> transactions;    // added to the outbox (existing ids ignored)
  std::optional<ExceptionEntry> exception;  // the event is parked with its reason
  // What each stage did with this step's event, in order: one pass, stored with the first
  // entry's time under `journal_seq` (required when there is a trace).
  std::vector<StageTrace> trace;
  std::vector<StateUpdate> state_updates;
  std::vector<DedupeKey> dedupe_keys;
};

class PipelineStore {
 public:
  virtual ~PipelineStore() = default;

  virtual Result<int64_t> cursor() = 0;
  // Commits the steps and, if `new_cursor` is set, moves the cursor there, in one transaction.
  // Replay commits with no cursor move. Returns how many transactions were new in the outbox.
  virtual Result<int64_t> commitSteps(const std::vector<StepResult>& steps,
                                      std::optional<int64_t> new_cursor) = 0;

  virtual Result<std::optional<std::string>> getState(const std::string& key) = 0;
  // True if `key` was recorded and has not expired at `now`.
  virtual Result<bool> dedupeKeySeen(const std::string& key, TimePoint now) = 0;
  // True if the outbox has a transaction with this id (a replay asks whether live processing
  // planned it).
  virtual Result<bool> hasTransaction(const std::string& id) = 0;

  virtual Result<std::vector<StageTrace>> traceOf(const std::string& event_id) = 0;
  virtual Result<std::vector<ExceptionEntry>> exceptions(size_t limit) = 0;
  virtual Result<std::optional<ExceptionEntry>> exceptionOf(const std::string& event_id) = 0;
  // Events not yet processed: journal head minus cursor.
  virtual Result<int64_t> backlog() = 0;
};

}  // namespace pb
