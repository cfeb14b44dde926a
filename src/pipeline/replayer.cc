#include "plantbridge/pipeline/replayer.h"

#include <algorithm>

namespace pb {

namespace {

// True if `filter` selects events of `type` itself; then a derived event of that type is replayed
// at its own place in the journal and need not be followed from its source.
bool filterSelectsType(const ReplayFilter& filter, const std::string& type) {
  return filter.types.empty() ||
         std::find(filter.types.begin(), filter.types.end(), type) != filter.types.end();
}

void count(const StepResult& step, ReplaySummary& summary, int64_t& planned) {
  planned += static_cast<int64_t>(step.transactions.size());
  if (step.exception) ++summary.exceptions;
  for (const auto& t : step.trace) {
    if (t.stage == "dedupe" && t.outcome == "suppressed") ++summary.suppressed;
  }
}

}  // namespace

Result<ReplaySummary> Replayer::run(const ReplayFilter& filter, const ReplayOptions& options) {
  ReplaySummary summary;
  auto total = journal_.countMatching(filter);
  if (!total.isOk()) return total.status();
  // Records appended while the replay runs (new ingest, live derivations) are the live
  // runner's business: the replay covers what was there when it started.
  const int64_t head = journal_.headSeq();
  const size_t batch_size = std::max<size_t>(options.batch_size, 1);
  // One state for the whole run: dedupe decisions made earlier in the replay count for later
  // records (nothing of it is committed).
  BatchState state(&store_, PipelineMode::kReplay);
  int64_t after = 0;
  int64_t done = 0;
  bool finished = false;
  while (!finished) {
    if (options.cancel && options.cancel->load()) {
      summary.cancelled = true;
      break;
    }
    auto records = journal_.scan(filter, after, batch_size);
    if (!records.isOk()) return records.status();
    if (records->empty()) break;
    std::vector<StepResult> steps;
    int64_t planned = 0;
    for (const auto& record : *records) {
      if (record.seq > head) {
        finished = true;
        break;
      }
      after = record.seq;
      auto step = pipeline_.process(record, state);
      if (!step.isOk()) return step.status();
      count(*step, summary, planned);
      steps.push_back(std::move(*step));
      ++done;
      ++summary.events_replayed;

      for (const auto& derived_id : state.takeDerivedCandidates()) {
        auto derived = journal_.findById(derived_id);
        if (!derived.isOk()) return derived.status();
        // Not there: live processing derived nothing (baseline, unchanged, out of order) or has
        // not reached the reading yet. Selected by the filter: it has its own turn.
        if (!derived->has_value() || filterSelectsType(filter, (*derived)->event.type)) continue;
        auto derived_step = pipeline_.process(**derived, state);
        if (!derived_step.isOk()) return derived_step.status();
        count(*derived_step, summary, planned);
        steps.push_back(std::move(*derived_step));
        ++summary.derived_followed;
      }
    }
    if (steps.empty()) break;
    auto committed = store_.commitSteps(steps, std::nullopt);
    if (!committed.isOk()) return committed.status();
    summary.new_transactions += *committed;
    summary.existing_transactions += planned - *committed;
    if (*committed > 0 && options.on_transactions) options.on_transactions(*committed);
    if (options.progress) options.progress(done, std::max(*total, done));
  }
  return summary;
}

}  // namespace pb
