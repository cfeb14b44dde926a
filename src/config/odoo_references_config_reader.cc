#include "odoo_references_config_reader.h"

#include <string>

#include "config_keys.h"
#include "validators.h"

namespace pb::config_internal {
namespace {

namespace keys = config_keys;

// Odoo's complete_name joins the names of a location's parents with '/' ("WH/Quarantine");
// its parts are never empty.
bool isCompleteName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  return name.find("//") == std::string::npos;
}

void readLocations(YamlReader& reader, const YAML::Node& node, const Loc& at,
                   std::map<std::string, OdooLocationConfig>& out) {
  reader.forEachEntry(
      node, at, [&](const std::string& name, const YAML::Node& value, const Loc& loc) {
        if (!isName(name)) {
          reader.error(loc, "'" + name +
                                "' is not a valid location name (letters, digits, '.', '_', "
                                "'-')");
        }
        Section s(reader, value, loc, keys::kOdooLocation);
        if (!s.isMap()) return;
        OdooLocationConfig location;
        if (s.require("complete_name") && s.read("complete_name", location.complete_name) &&
            !isCompleteName(location.complete_name)) {
          reader.error(s.loc("complete_name"),
                       "'" + location.complete_name +
                           "' is not a location's complete name (its parents' names and its own, "
                           "joined by '/', e.g. WH/Quarantine)");
        }
        s.read("create", location.create);
        if (location.create && !location.complete_name.empty() &&
            location.complete_name.find('/') == std::string::npos) {
          reader.error(s.loc("create"),
                       "a location is created under its parent: give the parent in "
                       "complete_name (e.g. WH/" +
                           location.complete_name + ")");
        }
        out[name] = std::move(location);
      });
}

void readPickingTypes(YamlReader& reader, const YAML::Node& node, const Loc& at,
                      std::map<std::string, OdooPickingTypeConfig>& out) {
  reader.forEachEntry(
      node, at, [&](const std::string& name, const YAML::Node& value, const Loc& loc) {
        if (!isName(name)) {
          reader.error(loc, "'" + name +
                                "' is not a valid picking type name (letters, digits, '.', "
                                "'_', '-')");
        }
        Section s(reader, value, loc, keys::kOdooPickingType);
        if (!s.isMap()) return;
        OdooPickingTypeConfig type;
        if (s.require("name")) s.read("name", type.name);
        s.read("warehouse", type.warehouse);
        out[name] = std::move(type);
      });
}

}  // namespace

void readOdooReferences(YamlReader& reader, Section& section, OdooTargetConfig& out) {
  if (const YAML::Node* n = section.node("locations")) {
    readLocations(reader, *n, section.loc("locations"), out.locations);
  }
  if (const YAML::Node* n = section.node("picking_types")) {
    readPickingTypes(reader, *n, section.loc("picking_types"), out.picking_types);
  }
}

}  // namespace pb::config_internal
