#include "connector_sink.h"

#include <spdlog/spdlog.h>

namespace pb {

EventSink makeJournalSink(Store& store, const SchemaRegistry& schemas, MetricsRegistry& metrics,
                          const Clock& clock, JournalSinkOptions options) {
  const auto counter = [&](const char* outcome) {
    return &metrics.counter("plantbridge_connector_events_total",
                            "Events made by connectors, by what the journal did with them.",
                            {{"connector", options.connector}, {"outcome", outcome}});
  };
  Counter* accepted = counter("accepted");
  Counter* duplicate = counter("duplicate");
  Counter* rejected = counter("rejected");
  return [&store, &schemas, &clock, options = std::move(options), accepted, duplicate,
          rejected](std::vector<Event>&& events) -> Status {
    if (options.high_water_mark > 0) {
      auto backlog = store.pipeline().backlog();
      if (!backlog) return backlog.status();
      if (*backlog > options.high_water_mark) {
        return Status::resourceExhausted("the pipeline backlog (" + std::to_string(*backlog) +
                                         " events) is over the store's high-water mark");
      }
    }
    std::vector<Event> valid;
    valid.reserve(events.size());
    const TimePoint now = clock.now();
    for (Event& event : events) {
      const std::vector<FieldError> errors = schemas.validate(event, now);
      if (errors.empty()) {
        valid.push_back(std::move(event));
        continue;
      }
      std::string reasons;
      for (const FieldError& e : errors) reasons += (reasons.empty() ? "" : "; ") + e.toString();
      spdlog::warn("connector {}: event {} ({}, asset {}) rejected: {}", options.connector,
                   event.id, event.type, event.asset, reasons);
      rejected->inc();
    }
    if (valid.empty()) return Status::ok();
    auto results = store.journal().append(std::move(valid));
    if (!results) return results.status();
    for (const AppendResult& r : *results) {
      (r.outcome == AppendOutcome::kAccepted ? accepted : duplicate)->inc();
    }
    if (options.on_appended) options.on_appended();
    return Status::ok();
  };
}

}  // namespace pb
