#include "plantbridge/targets/odoo_mapped_ids.h"

namespace pb {

std::vector<OdooMappedId> odooMappedIds(const std::vector<AssetMapping>& assets,
                                        const CodeMappings& codes) {
  std::vector<OdooMappedId> out;
  for (const AssetMapping& asset : assets) {
    for (const OdooMappedKind& kind : kOdooMappedKinds) {
      if (kind.table != "mappings.assets") continue;
      const auto it = asset.fields.find(std::string(kind.field));
      if (it == asset.fields.end()) continue;
      out.push_back({std::string(kind.field),
                     "mappings.assets." + asset.asset + "." + std::string(kind.field), it->second});
    }
  }
  for (const auto& [code, loss] : codes.reason_codes) {
    out.push_back({"loss", "mappings.reason_codes." + code, loss});
  }
  return out;
}

std::string odooMappedIdMissing(const OdooMappedKind& kind, const OdooMappedId& mapped) {
  return mapped.key + " '" + mapped.id + "' is not " + std::string(kind.noun) + " in Odoo";
}

}  // namespace pb
