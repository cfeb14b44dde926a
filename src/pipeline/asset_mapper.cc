#include "plantbridge/pipeline/asset_mapper.h"

#include <fmt/format.h>

#include "text_util.h"

namespace pb {
using pipeline_detail::quoted;

AssetMapper::AssetMapper(const std::vector<AssetMapping>& mappings) {
  for (const auto& m : mappings) by_asset_[m.asset] = m.fields;
}

const std::map<std::string, std::string>* AssetMapper::mappingOf(const std::string& asset) const {
  auto it = by_asset_.find(asset);
  return it == by_asset_.end() ? nullptr : &it->second;
}

std::string AssetMapper::explainMissing(const Event& event, const std::string& key) const {
  if (event.asset.empty()) return "the event has no asset";
  const auto* mapping = mappingOf(event.asset);
  if (!mapping) return "no mapping for asset " + quoted(event.asset);
  if (!mapping->contains(key)) {
    return "the mapping for asset " + quoted(event.asset) + " has no " + quoted(key);
  }
  return {};
}

Result<StageOutcome> AssetMapper::apply(Event& event, StageContext& ctx) const {
  if (event.asset.empty()) return StageOutcome::next("skipped", "the event has no asset");
  const auto* mapping = mappingOf(event.asset);
  if (!mapping)
    return StageOutcome::next("no_mapping", "no mapping for asset " + quoted(event.asset));
  // Check everything before changing anything: a parked event keeps the context it came with.
  std::vector<std::string> conflicts;
  for (const auto& [key, value] : *mapping) {
    auto it = event.context.find(key);
    if (it != event.context.end() && !it->second.empty() && it->second != value) {
      conflicts.push_back("context." + key + " is " + quoted(it->second) +
                          " on the event but asset " + quoted(event.asset) + " maps it to " +
                          quoted(value));
    }
  }
  if (!conflicts.empty()) return StageOutcome::exception(pipeline_detail::join(conflicts, "; "));
  std::vector<std::string> added;
  for (const auto& [key, value] : *mapping) {
    auto& slot = event.context[key];
    if (slot.empty()) {
      slot = value;
      added.push_back(fmt::format("{}={}", key, value));
    }
  }
  if (added.empty()) {
    return StageOutcome::next("mapped",
                              "asset " + quoted(event.asset) + ": context already complete");
  }
  return StageOutcome::next(
      "mapped", "asset " + quoted(event.asset) + ": " + pipeline_detail::join(added, ", "));
}

}  // namespace pb
