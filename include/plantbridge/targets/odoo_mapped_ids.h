// The ids the config maps to Odoo records, and the Odoo model each must exist in: work centers
// and equipment of mappings.assets, loss reasons of mappings.reason_codes. Two places check
// them, from this one table: the master-data sync after its first full read of each model (a
// warning and plantbridge_master_data_unresolved_mappings{field}), and `plantbridge odoo setup`
// (a problem line). Root cause classes (mappings.defect_codes) have no Odoo model in Community
// (Quality is Enterprise): the config loader checks them against root_cause_classes instead.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/config/config.h"

namespace pb {

struct OdooMappedKind {
  // The mapped id's name: an asset mapping's identifier, or the context key a code table sets.
  // Also the metric's `field` label and the master-data fact kind of `model`'s records.
  std::string_view field;
  std::string_view table;  // "mappings.assets"
  std::string_view model;  // "mrp.workcenter"
  std::string_view noun;   // "a work center", in "... is not a work center in Odoo"
};

inline constexpr OdooMappedKind kOdooMappedKinds[] = {
    {"work_center", "mappings.assets", "mrp.workcenter", "a work center"},
    {"equipment", "mappings.assets", "maintenance.equipment", "an equipment"},
    {"loss", "mappings.reason_codes", "mrp.workcenter.productivity.loss", "a loss reason"},
};

// One id as the config gives it.
struct OdooMappedId {
  std::string field;  // a kOdooMappedKinds field
  std::string key;    // where: "mappings.assets.CNC-07.work_center", "mappings.reason_codes.JAM"
  std::string id;     // as configured, "7": not necessarily a number
};

// Every id of `assets` and `codes` that names an Odoo record: assets in config order, then
// reason codes by code.
std::vector<OdooMappedId> odooMappedIds(const std::vector<AssetMapping>& assets,
                                        const CodeMappings& codes);

// "mappings.reason_codes.JAM '9' is not a loss reason in Odoo".
std::string odooMappedIdMissing(const OdooMappedKind& kind, const OdooMappedId& mapped);

}  // namespace pb
