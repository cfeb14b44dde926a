// The Odoo records business operations name instead of giving Odoo ids (docs/targets/odoo.md,
// "Named locations and picking types"): the odoo target's configured `locations` and
// `picking_types`, maintenance stages by name, and the maintenance requests this hub loaded.
//
// A name is resolved through Odoo on first use and kept for the target's life: a location or
// picking type renamed, archived or deleted in Odoo afterwards needs a restart of the hub (the
// ids it would find then are the ones to use). Runtime never changes a configured record: an
// archived picking type or location is a dead letter telling the operator to run `plantbridge
// odoo setup` or to activate it; only a missing location with `create: true` is created.
//
// The lookups at the top are read-only and shared with `plantbridge odoo setup`.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "odoo_orm.h"
#include "plantbridge/config/config.h"

namespace pb {

struct OdooLocationInfo {
  int64_t id = 0;
  std::string usage;  // "internal", "view", ...
  bool active = true;
};

struct OdooPickingTypeInfo {
  int64_t id = 0;
  bool active = true;
  std::string code;  // "internal", "incoming", ...
  int64_t default_location_src_id = 0;
  int64_t default_location_dest_id = 0;
};

// The external id a configured location is created under: plantbridge.location_<name>, so
// two hubs, or a retry after a lost answer, never create two.
std::string odooLocationExternalId(std::string_view name);

// stock.location.search_read([["complete_name", "=", ...]], ["id", "usage", "active"]) with
// archived ones (context active_test false). Nothing on a failed call (orm.failure()).
std::optional<std::vector<OdooLocationInfo>> findOdooLocations(OdooOrm& orm,
                                                               const std::string& complete_name);

// Creates the configured location `name` under its parent (complete_name up to the last '/'),
// as an internal location, through stock.location.load under odooLocationExternalId(name). A
// parent Odoo does not have (or has twice) is a Reject.
std::optional<int64_t> createOdooLocation(OdooOrm& orm, std::string_view name,
                                          const OdooLocationConfig& config);

// stock.picking.type.search_read([["name", "=", ...], ["warehouse_id.code", "=", ...]]) with
// archived ones: they are archived by default in a single-step warehouse (ODOO18 §7 B).
std::optional<std::vector<OdooPickingTypeInfo>> findOdooPickingTypes(
    OdooOrm& orm, const OdooPickingTypeConfig& config);

// How a configured picking type reads in messages: "'Internal Transfers' of warehouse WH".
std::string describePickingType(const OdooPickingTypeConfig& config);

// Thread-safe: shared by the operations of one target.
class OdooReferences {
 public:
  OdooReferences(std::string target, const OdooTargetConfig& config)
      : target_(std::move(target)),
        locations_(config.locations),
        picking_types_(config.picking_types) {}

  const std::string& target() const { return target_; }
  bool hasLocation(std::string_view name) const { return locations_.contains(std::string(name)); }
  bool hasPickingType(std::string_view name) const {
    return picking_types_.contains(std::string(name));
  }

  // The configured location `name`: found by its complete name, or created when configured
  // so. Reject when Odoo has none (and it is not to be created), has it only archived, or
  // has several.
  std::optional<OdooLocationInfo> location(OdooOrm& orm, const std::string& name);
  // The configured picking type `name`; Reject when Odoo has none, several, or an archived one.
  std::optional<OdooPickingTypeInfo> pickingType(OdooOrm& orm, const std::string& name);
  // The maintenance.stage named `stage_name` (exactly one).
  std::optional<int64_t> maintenanceStage(OdooOrm& orm, const std::string& stage_name);

  // Records loaded by this target's operations, by external id (the request a later stage
  // change names by its ref). Kept in memory only: see docs/targets/odoo.md.
  void rememberLoaded(const std::string& external_id, int64_t id);
  std::optional<int64_t> loaded(const std::string& external_id) const;

 private:
  std::string configKey(std::string_view section, std::string_view name) const;

  const std::string target_;
  const std::map<std::string, OdooLocationConfig> locations_;
  const std::map<std::string, OdooPickingTypeConfig> picking_types_;
  mutable std::mutex mutex_;
  std::map<std::string, OdooLocationInfo> location_cache_;
  std::map<std::string, OdooPickingTypeInfo> picking_type_cache_;
  std::map<std::string, int64_t> stage_cache_;
  std::map<std::string, int64_t> loaded_;
};

}  // namespace pb
