// Names resolved to Odoo records (odoo_references.h).
#include "odoo_references.h"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace pb {

namespace json = boost::json;

namespace {

constexpr const char* kLocation = "stock.location";
constexpr const char* kPickingType = "stock.picking.type";
constexpr const char* kStage = "maintenance.stage";

json::object withArchived() { return json::object{{"active_test", false}}; }

bool isActive(const json::object& row) {
  const json::value& active = odooField(row, "active");
  return !active.is_bool() || active.as_bool();
}

}  // namespace

std::string odooLocationExternalId(std::string_view name) {
  return "plantbridge.location_" + odooEscapedKey(name);
}

std::optional<std::vector<OdooLocationInfo>> findOdooLocations(OdooOrm& orm,
                                                               const std::string& complete_name) {
  auto rows =
      orm.searchRead(kLocation, json::array{json::array{"complete_name", "=", complete_name}},
                     {"id", "usage", "active"}, 0, withArchived());
  if (!rows) return std::nullopt;
  std::vector<OdooLocationInfo> found;
  for (const json::value& r : *rows) {
    const json::object& row = r.as_object();
    found.push_back(
        {odooMany2oneId(odooField(row, "id")), odooString(odooField(row, "usage")), isActive(row)});
  }
  return found;
}

std::optional<int64_t> createOdooLocation(OdooOrm& orm, std::string_view name,
                                          const OdooLocationConfig& config) {
  const size_t slash = config.complete_name.rfind('/');
  if (slash == std::string::npos) {
    orm.fail(DeliveryResult::reject(
        fmt::format("location '{}' has no parent in its complete name to be created under",
                    config.complete_name)));
    return std::nullopt;
  }
  const std::string parent_name = config.complete_name.substr(0, slash);
  auto parents = findOdooLocations(orm, parent_name);
  if (!parents) return std::nullopt;
  std::vector<OdooLocationInfo> active;
  for (const OdooLocationInfo& p : *parents) {
    if (p.active) active.push_back(p);
  }
  if (active.size() != 1) {
    orm.fail(DeliveryResult::reject(fmt::format(
        "cannot create location '{}': Odoo has {} active location(s) named '{}' to put it under",
        config.complete_name, active.size(), parent_name)));
    return std::nullopt;
  }
  // An internal location, as the facts create WH/Quarantine (ODOO18 §7), but through load: an
  // upsert under the external id, so a retry or a second hub finds it instead of doubling it.
  return orm.loadOne(kLocation, odooLocationExternalId(name),
                     {{"name", config.complete_name.substr(slash + 1)},
                      {"location_id/.id", std::to_string(active[0].id)},
                      {"usage", "internal"}});
}

std::optional<std::vector<OdooPickingTypeInfo>> findOdooPickingTypes(
    OdooOrm& orm, const OdooPickingTypeConfig& config) {
  json::array domain{json::array{"name", "=", config.name}};
  if (!config.warehouse.empty()) {
    domain.emplace_back(json::array{"warehouse_id.code", "=", config.warehouse});
  }
  auto rows = orm.searchRead(
      kPickingType, std::move(domain),
      {"id", "name", "active", "code", "default_location_src_id", "default_location_dest_id"}, 0,
      withArchived());
  if (!rows) return std::nullopt;
  std::vector<OdooPickingTypeInfo> found;
  for (const json::value& r : *rows) {
    const json::object& row = r.as_object();
    found.push_back({odooMany2oneId(odooField(row, "id")), isActive(row),
                     odooString(odooField(row, "code")),
                     odooMany2oneId(odooField(row, "default_location_src_id")),
                     odooMany2oneId(odooField(row, "default_location_dest_id"))});
  }
  return found;
}

std::string describePickingType(const OdooPickingTypeConfig& config) {
  return config.warehouse.empty()
             ? fmt::format("'{}'", config.name)
             : fmt::format("'{}' of warehouse {}", config.name, config.warehouse);
}

std::string OdooReferences::configKey(std::string_view section, std::string_view name) const {
  return fmt::format("targets.{}.{}.{}", target_, section, name);
}

std::optional<OdooLocationInfo> OdooReferences::location(OdooOrm& orm, const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = location_cache_.find(name); it != location_cache_.end()) return it->second;
  }
  const auto config = locations_.find(name);
  if (config == locations_.end()) {
    orm.fail(DeliveryResult::reject(
        fmt::format("location '{}' is not in {}", name, configKey("locations", "<name>"))));
    return std::nullopt;
  }
  const std::string& complete_name = config->second.complete_name;
  auto found = findOdooLocations(orm, complete_name);
  if (!found) return std::nullopt;
  std::vector<OdooLocationInfo> active;
  for (const OdooLocationInfo& l : *found) {
    if (l.active) active.push_back(l);
  }
  OdooLocationInfo info;
  if (active.size() == 1) {
    info = active[0];
  } else if (active.size() > 1) {
    // complete_name is unique only per company (two "Virtual Locations/Scrap", ODOO18 s_stock).
    orm.fail(DeliveryResult::reject(
        fmt::format("{} locations in Odoo are named '{}' ({}): give the location's id instead",
                    active.size(), complete_name, configKey("locations", name))));
    return std::nullopt;
  } else if (!found->empty()) {
    // Archived: maybe on purpose (WH/Quality Control of a 3-step reception, ODOO18 §7). A
    // second location of the same name would only confuse; a person decides.
    orm.fail(DeliveryResult::reject(fmt::format(
        "location '{}' ({}, id {}) is archived in Odoo: unarchive it in Odoo (plantbridge does "
        "not change it)",
        complete_name, configKey("locations", name), found->front().id)));
    return std::nullopt;
  } else if (!config->second.create) {
    orm.fail(DeliveryResult::reject(
        fmt::format("Odoo has no location '{}' ({}): create it in Odoo, or set create: true",
                    complete_name, configKey("locations", name))));
    return std::nullopt;
  } else {
    auto id = createOdooLocation(orm, name, config->second);
    if (!id) return std::nullopt;
    info = {*id, "internal", true};
  }
  std::lock_guard lock(mutex_);
  location_cache_[name] = info;
  return info;
}

std::optional<OdooPickingTypeInfo> OdooReferences::pickingType(OdooOrm& orm,
                                                               const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = picking_type_cache_.find(name); it != picking_type_cache_.end()) {
      return it->second;
    }
  }
  const auto config = picking_types_.find(name);
  if (config == picking_types_.end()) {
    orm.fail(DeliveryResult::reject(
        fmt::format("picking type '{}' is not in {}", name, configKey("picking_types", "<name>"))));
    return std::nullopt;
  }
  auto found = findOdooPickingTypes(orm, config->second);
  if (!found) return std::nullopt;
  const std::string what = fmt::format("picking type {} ({})", describePickingType(config->second),
                                       configKey("picking_types", name));
  if (found->empty()) {
    orm.fail(DeliveryResult::reject(fmt::format("Odoo has no {}", what)));
    return std::nullopt;
  }
  if (found->size() > 1) {
    orm.fail(DeliveryResult::reject(
        fmt::format("Odoo has {} of {}: give its warehouse", found->size(), what)));
    return std::nullopt;
  }
  const OdooPickingTypeInfo info = found->front();
  if (!info.active) {
    // Not cached: once someone activates it, the next attempt finds it.
    orm.fail(DeliveryResult::reject(
        fmt::format("{} (id {}) is archived in Odoo (internal picking types are, in a single-step "
                    "warehouse): run `plantbridge odoo setup`, or activate it in Odoo",
                    what, info.id)));
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  picking_type_cache_[name] = info;
  return info;
}

std::optional<int64_t> OdooReferences::maintenanceStage(OdooOrm& orm,
                                                        const std::string& stage_name) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = stage_cache_.find(stage_name); it != stage_cache_.end()) return it->second;
  }
  auto rows = orm.searchRead(kStage, json::array{json::array{"name", "=", stage_name}}, {"id"});
  if (!rows) return std::nullopt;
  if (rows->size() != 1) {
    orm.fail(DeliveryResult::reject(fmt::format(
        "Odoo has {} maintenance stages named '{}' (expected one)", rows->size(), stage_name)));
    return std::nullopt;
  }
  const int64_t id = odooMany2oneId(odooField(rows->at(0).as_object(), "id"));
  std::lock_guard lock(mutex_);
  stage_cache_[stage_name] = id;
  return id;
}

void OdooReferences::rememberLoaded(const std::string& external_id, int64_t id) {
  std::lock_guard lock(mutex_);
  loaded_[external_id] = id;
}

std::optional<int64_t> OdooReferences::loaded(const std::string& external_id) const {
  std::lock_guard lock(mutex_);
  auto it = loaded_.find(external_id);
  if (it == loaded_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pb
