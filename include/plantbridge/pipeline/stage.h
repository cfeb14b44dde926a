// The contract every pipeline stage follows (validate, qualify, map, enrich, dedupe, route).
//
// A stage is a unit over one Event value: it may change the event's context (map, enrich), add
// effects to the record's StepResult (derived events, transactions, state updates, dedupe
// keys) and decides whether the event goes on, stops (e.g. suppressed as a duplicate) or is
// parked in the exception queue with a reason. Stages do no I/O of their own: committed state
// is read through BatchState, master data through an injected MasterData.
//
// Thread-safety: a constructed stage is immutable, so one instance may serve the live runner
// and a replay at the same time. BatchState is not thread-safe: one per batch (or replay run).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/model/event.h"
#include "plantbridge/store/pipeline_store.h"

namespace pb {

// Live: the runner moving the cursor; effects are committed. Replay: re-running journal records
// without moving the cursor; stages must not produce a second effect (see docs/pipeline.md).
enum class PipelineMode { kLive, kReplay };

// What a stage decided for one event. `outcome` and `detail` become the stage's trace entry;
// for kException `detail` is also the reason shown in the exception queue.
struct StageOutcome {
  enum class Kind { kContinue, kStop, kException };
  Kind kind = Kind::kContinue;
  std::string outcome;  // "passed", "derived", "mapped", "suppressed", "routed", ...
  std::string detail;

  static StageOutcome next(std::string outcome, std::string detail = {}) {
    return {Kind::kContinue, std::move(outcome), std::move(detail)};
  }
  static StageOutcome stop(std::string outcome, std::string detail) {
    return {Kind::kStop, std::move(outcome), std::move(detail)};
  }
  static StageOutcome exception(std::string reason) {
    return {Kind::kException, "exception", std::move(reason)};
  }
};

// The stage state and dedupe keys one batch sees: what the store has committed, overlaid with
// what earlier records of the same batch produced but have not been committed yet.
//
// In replay mode nothing a stage records here is committed: state and dedupe keys live in a
// private overlay for the length of the replay run, and the committed state is only read.
class BatchState {
 public:
  // `store` may be null: nothing is committed (stage unit tests).
  BatchState(PipelineStore* store, PipelineMode mode) : store_(store), mode_(mode) {}

  PipelineMode mode() const { return mode_; }
  bool replaying() const { return mode_ == PipelineMode::kReplay; }

  // The overlay's value, else the committed one. Fails only when the store cannot be read.
  Result<std::optional<std::string>> state(const std::string& key);
  // The committed value only, ignoring the overlay (replay reads live decisions with it).
  Result<std::optional<std::string>> committedState(const std::string& key);
  // Records a state change in the overlay and, in live mode, in `step` for the commit.
  void setState(StepResult& step, std::string key, std::string value);

  // True if `key` is recorded and not expired at `at`, in the overlay or (if `consult_store`)
  // in the store.
  Result<bool> dedupeKeySeen(const std::string& key, TimePoint at, bool consult_store = true);
  // True if the store's outbox has the transaction (false without a store).
  Result<bool> transactionCommitted(const std::string& id);

  // Records a dedupe key in the overlay and, in live mode, in `step` for the commit.
  void addDedupeKey(StepResult& step, std::string key, TimePoint expires_at);

  // Replay only: ids of events the live pipeline would have derived from the record just
  // processed (the replayer looks them up in the journal and follows them).
  void noteDerivedCandidate(std::string event_id) {
    derived_candidates_.push_back(std::move(event_id));
  }
  std::vector<std::string> takeDerivedCandidates() {
    return std::exchange(derived_candidates_, {});
  }

  // Forgets the overlay (after a commit, or after a failed one whose batch will be redone).
  void clear();

 private:
  PipelineStore* store_;
  PipelineMode mode_;
  std::map<std::string, std::string> state_overlay_;
  std::map<std::string, TimePoint> dedupe_overlay_;  // key -> expires_at
  std::vector<std::string> derived_candidates_;
};

// Where a stage reads its inputs and writes its effects for one record.
struct StageContext {
  TimePoint now;      // processing time (the injected clock): trace stamps, created_at
  BatchState& state;  // committed state + this batch's overlay
  StepResult& step;   // the record's effects
};

class Stage {
 public:
  virtual ~Stage() = default;
  // "validate", "qualify", "map", "enrich", "dedupe", "route": the trace's stage name.
  virtual std::string_view name() const = 0;
  // Applies the stage to `event`. A non-OK Result is an infrastructure failure (the store or
  // master data could not be read): nothing of the batch is committed and it is tried again.
  // Problems with the event itself are a StageOutcome::exception, never an error.
  virtual Result<StageOutcome> apply(Event& event, StageContext& ctx) const = 0;
};

}  // namespace pb
