// Part of stage 3, map (MapStage): canonical asset id -> the identifiers other systems use
// (work_center, equipment, cmms_asset, ...), from the asset_mappings table in config, merged into
// the event's context. Context the event already carries is never overwritten: the same value is
// fine, a different one parks the event ("context.work_center is '8' on the event but asset
// 'CNC-07' maps it to '7'"). An asset with no mapping passes (the trace says so); a route that
// requires a mapped field then parks the event with the reason.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class AssetMapper final : public Stage {
 public:
  explicit AssetMapper(const std::vector<AssetMapping>& mappings);
  std::string_view name() const override { return "map"; }
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  // The mapping of `asset`, or null.
  const std::map<std::string, std::string>* mappingOf(const std::string& asset) const;
  // Why context `key` is not set on `event`, for exception reasons: "no mapping for asset
  // 'CNC-99'", "the event has no asset", "the mapping for asset 'CNC-07' has no 'order'".
  std::string explainMissing(const Event& event, const std::string& key) const;

 private:
  std::map<std::string, std::map<std::string, std::string>> by_asset_;
};

}  // namespace pb
