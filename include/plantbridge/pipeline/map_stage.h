// Stage 3, map: the event's canonical ids and codes -> the ids other systems use, merged into
// its context. Composes the two tables' mappers, each with one job:
//   AssetMapper: asset -> work_center, equipment, cmms_asset, ... (mappings.assets)
//   CodeMapper:  payload.reason_code -> loss, payload.defect_code -> root_cause
//                (mappings.reason_codes, mappings.defect_codes)
// Assets first, then codes; one trace entry for both. If either parks the event, it is parked
// with the context it came with. An event that carries no mapped code traces exactly as the
// asset mapping alone would.
#pragma once

#include <string>
#include <vector>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/asset_mapper.h"
#include "plantbridge/pipeline/code_mapper.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class MapStage final : public Stage {
 public:
  explicit MapStage(const std::vector<AssetMapping>& assets, const CodeMappings& codes = {});
  std::string_view name() const override { return "map"; }
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  // Why context `key` is not set on `event`, for exception reasons (RouteStage): the code
  // mapper's reason for the keys it sets ("reason code 'XYZ' is not in
  // mappings.reason_codes"), else the asset mapper's ("no mapping for asset 'CNC-99'").
  std::string explainMissing(const Event& event, const std::string& key) const;

 private:
  AssetMapper assets_;
  CodeMapper codes_;
};

}  // namespace pb
