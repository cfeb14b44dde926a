#include "plantbridge/pipeline/validate_stage.h"

#include "text_util.h"

namespace pb {

Result<StageOutcome> ValidateStage::apply(Event& event, StageContext& ctx) const {
  // Judge the clock as ingest did: against when the hub received the event, not against now.
  TimePoint reference = event.received_at != TimePoint{} ? event.received_at : ctx.now;
  std::vector<FieldError> errors = registry_.validate(event, reference);
  if (errors.empty()) return StageOutcome::next("passed", "schema " + event.type);
  std::vector<std::string> parts;
  parts.reserve(errors.size());
  for (const auto& e : errors) parts.push_back(e.toString());
  return StageOutcome::exception(pipeline_detail::join(parts, "; "));
}

}  // namespace pb
