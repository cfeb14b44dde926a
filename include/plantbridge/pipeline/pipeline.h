// The pipeline: validate -> qualify -> map -> enrich -> dedupe -> route over one journal
// record, producing its StepResult (a trace entry per stage that ran, the exception if the
// event was parked, derived events, transactions, state updates, dedupe keys). Pure: it commits
// nothing; PipelineRunner (live) and Replayer commit what it produces.
//
// Thread-safety: immutable once created; process() may be called from several threads, each
// with its own BatchState.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/counter_qualifier.h"
#include "plantbridge/pipeline/deduper.h"
#include "plantbridge/pipeline/enricher.h"
#include "plantbridge/pipeline/map_stage.h"
#include "plantbridge/pipeline/master_data.h"
#include "plantbridge/pipeline/route_stage.h"
#include "plantbridge/pipeline/schema_registry.h"
#include "plantbridge/pipeline/stage.h"
#include "plantbridge/pipeline/validate_stage.h"
#include "plantbridge/store/journal.h"

namespace pb {

inline constexpr size_t kStageCount = 6;

// The pipeline's metrics, declared in one place.
struct PipelineMetrics {
  explicit PipelineMetrics(MetricsRegistry& registry);
  Counter& events;          // plantbridge_pipeline_events_total
  Counter& derived_events;  // plantbridge_pipeline_derived_events_total
  Counter& transactions;    // plantbridge_pipeline_transactions_planned_total
  Counter& suppressed;      // plantbridge_pipeline_suppressed_total
  // Per stage, in stage order: latency, events in, events parked.
  std::array<Histogram*, kStageCount> stage_seconds{};   // plantbridge_pipeline_stage_seconds
  std::array<Counter*, kStageCount> stage_events{};      // plantbridge_pipeline_stage_events_total
  std::array<Counter*, kStageCount> stage_exceptions{};  // plantbridge_pipeline_exceptions_total
};

// Every problem the pipeline finds in `config` (templates, route match/require keys, targets
// that do not exist, duplicate names), each with its key; empty when the pipeline can be built.
// `check-config` reports them along with the loader's.
std::vector<ConfigError> checkPipelineConfig(const Config& config);

class Pipeline {
 public:
  // Builds every stage from `config`. On any problem, returns InvalidArgument listing them all
  // (and adds them to `errors` if given). `master_data` may be null; it, `clock` and `metrics`
  // must outlive the pipeline.
  static Result<std::unique_ptr<Pipeline>> create(const Config& config,
                                                  const MasterData* master_data, const Clock& clock,
                                                  MetricsRegistry& metrics,
                                                  std::vector<ConfigError>* errors = nullptr);

  // Runs `record` through the stages. Fails only on an infrastructure error (state or master
  // data unreadable); a bad event is a StepResult with an exception.
  Result<StepResult> process(const JournalRecord& record, BatchState& state) const;

  const SchemaRegistry& schemas() const { return schemas_; }
  const Clock& clock() const { return clock_; }

 private:
  Pipeline(const Config& config, const MasterData* master_data, const Clock& clock,
           MetricsRegistry& metrics);

  SchemaRegistry schemas_;
  const Clock& clock_;
  PipelineMetrics metrics_;
  std::unique_ptr<ValidateStage> validate_;
  std::unique_ptr<CounterQualifier> qualify_;
  std::unique_ptr<MapStage> map_;
  std::unique_ptr<Enricher> enrich_;
  std::unique_ptr<Deduper> dedupe_;
  std::unique_ptr<RouteStage> route_;
  std::array<const Stage*, kStageCount> stages_{};
};

}  // namespace pb
