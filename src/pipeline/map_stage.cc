#include "plantbridge/pipeline/map_stage.h"

namespace pb {

MapStage::MapStage(const std::vector<AssetMapping>& assets, const CodeMappings& codes)
    : assets_(assets), codes_(codes) {}

std::string MapStage::explainMissing(const Event& event, const std::string& key) const {
  std::string hint = codes_.explainMissing(event, key);
  if (!hint.empty()) return hint;
  return assets_.explainMissing(event, key);
}

Result<StageOutcome> MapStage::apply(Event& event, StageContext& ctx) const {
  if (!codes_.appliesTo(event)) return assets_.apply(event, ctx);
  // Each mapper checks before it changes anything, but the asset mapper has changed the
  // context by the time the code mapper may park the event: keep what the event came with.
  const auto arrived = event.context;
  auto assets = assets_.apply(event, ctx);
  if (!assets.isOk() || assets->kind != StageOutcome::Kind::kContinue) return assets;
  auto codes = codes_.apply(event, ctx);
  if (!codes.isOk()) return codes;
  if (codes->kind != StageOutcome::Kind::kContinue) {
    event.context = arrived;
    return codes;
  }
  const bool mapped = assets->outcome == "mapped" || codes->outcome == "mapped";
  return StageOutcome::next(mapped ? "mapped" : assets->outcome,
                            assets->detail + "; " + codes->detail);
}

}  // namespace pb
