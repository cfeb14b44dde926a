// Replay: re-runs journal records matching a filter through the same pipeline and commits
// their effects WITHOUT moving the live cursor. It never produces a second effect:
//  - transactions keep their ids ("<event id>/<route>"): the outbox ignores ids it has, so only
//    transactions that were never planned (e.g. the event was parked and the config has been
//    fixed since) are new;
//  - the counter qualifier never derives in replay and never touches live counter state; the
//    derived events live processing made are re-run instead (followed by id when the filter's
//    types would not select them themselves);
//  - dedupe repeats each event's live decision (kept as stage state), and decides events that
//    never reached dedupe against the keys live processing recorded;
//  - state updates and dedupe keys are never committed by a replay.
// See docs/pipeline.md, "Replay".
//
// Runs on the caller's thread; may run while the live runner runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "plantbridge/common/status.h"
#include "plantbridge/pipeline/pipeline.h"
#include "plantbridge/store/journal.h"
#include "plantbridge/store/pipeline_store.h"

namespace pb {

struct ReplayOptions {
  size_t batch_size = 512;
  // Called after each committed batch with records done and the total matching the filter.
  std::function<void(int64_t done, int64_t total)> progress;
  // Called after a commit that added transactions (the dispatcher wakes).
  std::function<void(int64_t new_transactions)> on_transactions;
  // Checked between batches; when set, the replay stops after the batch in progress.
  const std::atomic<bool>* cancel = nullptr;
};

struct ReplaySummary {
  int64_t events_replayed = 0;        // matching journal records run through the pipeline
  int64_t derived_followed = 0;       // existing derived events re-run with their source
  int64_t new_transactions = 0;       // added to the outbox by this replay
  int64_t existing_transactions = 0;  // planned again, already in the outbox (not re-sent)
  int64_t exceptions = 0;             // records parked (again) in the exception queue
  int64_t suppressed = 0;             // records stopped by dedupe
  bool cancelled = false;
};

class Replayer {
 public:
  // Everything passed by reference must outlive the replayer.
  Replayer(const Pipeline& pipeline, Journal& journal, PipelineStore& store)
      : pipeline_(pipeline), journal_(journal), store_(store) {}

  // Replays records matching `filter` that were in the journal when the replay started, in
  // journal order. Fails on a store error (what was committed before stays committed; running
  // the same replay again is harmless).
  Result<ReplaySummary> run(const ReplayFilter& filter, const ReplayOptions& options = {});

 private:
  const Pipeline& pipeline_;
  Journal& journal_;
  PipelineStore& store_;
};

}  // namespace pb
