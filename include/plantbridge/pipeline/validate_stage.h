// Stage 1, validate: the event against its type's schema (SchemaRegistry). Events were checked
// at ingest already; the pipeline checks again because the config may have changed since. The
// clock check measures occurred_at against received_at (when the hub got the event), so a
// backlog or a replay judges an event as ingest did.
#pragma once

#include "plantbridge/pipeline/schema_registry.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class ValidateStage final : public Stage {
 public:
  // `registry` must outlive the stage.
  explicit ValidateStage(const SchemaRegistry& registry) : registry_(registry) {}
  std::string_view name() const override { return "validate"; }
  // Passes, or parks the event with every field error ("payload.quantity: must be >= 0
  // (got -3); context.work_center: is required").
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

 private:
  const SchemaRegistry& registry_;
};

}  // namespace pb
