// Stage 4, enrich: context from master data, as it was when the event occurred. The subjects
// asked about are the event's asset and site and every context entry (kind = key, id = value);
// facts found add context keys, and new keys are asked about in turn (asset -> work_center ->
// order -> product), a few rounds at most. Context the event already carries is never
// overwritten; a fact that disagrees with it, or two facts that disagree with each other, park
// the event with both values in the reason. With no master data configured the stage passes.
#pragma once

#include "plantbridge/pipeline/master_data.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class Enricher final : public Stage {
 public:
  // `master_data` may be null (nothing configured); it must outlive the stage.
  explicit Enricher(const MasterData* master_data) : master_data_(master_data) {}
  std::string_view name() const override { return "enrich"; }
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  static constexpr int kMaxRounds = 6;

 private:
  const MasterData* master_data_;
};

}  // namespace pb
