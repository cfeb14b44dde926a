#include "plantbridge/pipeline/pipeline.h"

#include <spdlog/spdlog.h>

#include "plantbridge/common/logging.h"

#include "text_util.h"

namespace pb {

namespace {

constexpr std::array<const char*, kStageCount> kStageNames = {"validate", "qualify", "map",
                                                              "enrich",   "dedupe",  "route"};

void buildConfiguredStages(const Config& config, const MapStage* mapper,
                           std::unique_ptr<Deduper>& dedupe, std::unique_ptr<RouteStage>& route,
                           std::vector<ConfigError>& errors) {
  size_t before = errors.size();
  dedupe = Deduper::create(config.dedupe_rules, errors);
  route = RouteStage::create(config.routes, mapper, errors);
  for (size_t i = before; i < errors.size(); ++i) errors[i].file = config.source_file;
}

}  // namespace

PipelineMetrics::PipelineMetrics(MetricsRegistry& registry)
    : events(registry.counter("plantbridge_pipeline_events_total",
                              "Journal records run through the pipeline (live and replay)")),
      derived_events(registry.counter("plantbridge_pipeline_derived_events_total",
                                      "Events derived by qualifiers")),
      transactions(
          registry.counter("plantbridge_pipeline_transactions_planned_total",
                           "Transactions planned by routes (before outbox de-duplication)")),
      suppressed(registry.counter("plantbridge_pipeline_suppressed_total",
                                  "Events stopped by dedupe rules")) {
  for (size_t i = 0; i < kStageCount; ++i) {
    Labels labels{{"stage", kStageNames[i]}};
    stage_seconds[i] = &registry.histogram("plantbridge_pipeline_stage_seconds",
                                           "Time spent in each pipeline stage per event", labels);
    stage_events[i] = &registry.counter("plantbridge_pipeline_stage_events_total",
                                        "Events that entered each pipeline stage", labels);
    stage_exceptions[i] = &registry.counter(
        "plantbridge_pipeline_exceptions_total",
        "Events parked in the exception queue, by the stage that parked them", labels);
  }
}

std::vector<ConfigError> checkPipelineConfig(const Config& config) {
  std::vector<ConfigError> errors;
  MapStage mapper(config.asset_mappings, config.code_mappings);
  std::unique_ptr<Deduper> dedupe;
  std::unique_ptr<RouteStage> route;
  buildConfiguredStages(config, &mapper, dedupe, route, errors);
  return errors;
}

Pipeline::Pipeline(const Config& config, const MasterData* master_data, const Clock& clock,
                   MetricsRegistry& metrics)
    : schemas_(config.schemas),
      clock_(clock),
      metrics_(metrics),
      validate_(std::make_unique<ValidateStage>(schemas_)),
      qualify_(std::make_unique<CounterQualifier>(config.counter_qualifiers)),
      map_(std::make_unique<MapStage>(config.asset_mappings, config.code_mappings)),
      enrich_(std::make_unique<Enricher>(master_data)) {}

Result<std::unique_ptr<Pipeline>> Pipeline::create(const Config& config,
                                                   const MasterData* master_data,
                                                   const Clock& clock, MetricsRegistry& metrics,
                                                   std::vector<ConfigError>* errors) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline(config, master_data, clock, metrics));
  std::vector<ConfigError> found;
  buildConfiguredStages(config, pipeline->map_.get(), pipeline->dedupe_, pipeline->route_, found);
  if (!found.empty()) {
    std::vector<std::string> lines;
    lines.reserve(found.size());
    for (const auto& e : found) lines.push_back(e.toString());
    if (errors) errors->insert(errors->end(), found.begin(), found.end());
    return Status::invalidArgument("pipeline config: " + pipeline_detail::join(lines, "; "));
  }
  pipeline->stages_ = {pipeline->validate_.get(), pipeline->qualify_.get(), pipeline->map_.get(),
                       pipeline->enrich_.get(),   pipeline->dedupe_.get(),  pipeline->route_.get()};
  return pipeline;
}

Result<StepResult> Pipeline::process(const JournalRecord& record, BatchState& state) const {
  StepResult step;
  step.journal_seq = record.seq;
  step.event_id = record.event.id;
  Event event = record.event;
  const TimePoint now = clock_.now();
  StageContext ctx{now, state, step};
  metrics_.events.inc();
  for (size_t i = 0; i < kStageCount; ++i) {
    const Stage& stage = *stages_[i];
    auto started = clock_.steadyNow();
    auto outcome = stage.apply(event, ctx);
    metrics_.stage_seconds[i]->observe(
        std::chrono::duration<double>(clock_.steadyNow() - started).count());
    metrics_.stage_events[i]->inc();
    if (!outcome.isOk()) {
      return Status(outcome.status().code(), std::string(stage.name()) + " stage, event " +
                                                 event.id + ": " + outcome.status().message());
    }
    std::string detail = state.replaying() ? "replay: " + outcome->detail : outcome->detail;
    step.trace.push_back({event.id, std::string(stage.name()), outcome->outcome, detail, now});
    if (outcome->kind == StageOutcome::Kind::kException) {
      metrics_.stage_exceptions[i]->inc();
      const LogCorrelation correlation(event.correlation_id);
      spdlog::warn("pipeline: event {} parked in the exception queue at stage {}: {}", event.id,
                   stage.name(), outcome->detail);
      step.exception = ExceptionEntry{event.id, std::string(stage.name()), outcome->detail, now};
      break;
    }
    if (outcome->kind == StageOutcome::Kind::kStop) {
      if (outcome->outcome == "suppressed") metrics_.suppressed.inc();
      break;
    }
  }
  metrics_.derived_events.inc(step.derived_events.size());
  metrics_.transactions.inc(step.transactions.size());
  return step;
}

}  // namespace pb
