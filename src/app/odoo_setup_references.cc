// Locations and picking types of `plantbridge odoo setup` (odoo_setup_references.h). The
// lookups are the operations' own (odoo_references.h), so setup and runtime agree on what a
// configured name means.
#include "odoo_setup_references.h"

#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_references.h"

namespace pb {
namespace {

namespace json = boost::json;

class ReferenceSetup {
 public:
  ReferenceSetup(OdooOrm& orm, const TargetConfig& target, bool dry_run)
      : orm_(orm), target_(target), dry_run_(dry_run) {}

  size_t problems() const { return problems_; }

  void location(const std::string& name, const OdooLocationConfig& config) {
    const std::string key = fmt::format("targets.{}.locations.{}", target_.name, name);
    auto found = findOdooLocations(orm_, config.complete_name);
    if (!found)
      return problem("looking up location '{}' ({}): {}", config.complete_name, key, odooMessage());
    size_t active = 0;
    const OdooLocationInfo* first_active = nullptr;
    for (const OdooLocationInfo& l : *found) {
      if (!l.active) continue;
      ++active;
      if (first_active == nullptr) first_active = &l;
    }
    if (active == 1) {
      if (first_active->usage != "internal") {
        return problem("location '{}' ({}, id {}) is not internal (usage {})", config.complete_name,
                       key, first_active->id, first_active->usage);
      }
      return say("ok: location '{}' ({}) is id {}", config.complete_name, key, first_active->id);
    }
    if (active > 1) {
      return problem("{} active locations are named '{}' ({}); rename all but one in Odoo", active,
                     config.complete_name, key);
    }
    if (!found->empty()) {
      // As at runtime: an archived location may be archived on purpose; a person decides.
      return problem("location '{}' ({}, id {}) is archived: unarchive it in Odoo",
                     config.complete_name, key, found->front().id);
    }
    if (!config.create) {
      return problem("Odoo has no location '{}' ({}): create it in Odoo, or set create: true",
                     config.complete_name, key);
    }
    if (dry_run_) return say("would create location '{}' ({})", config.complete_name, key);
    auto id = createOdooLocation(orm_, name, config);
    if (!id) {
      return problem("creating location '{}' ({}): {}", config.complete_name, key, odooMessage());
    }
    say("created location '{}' ({}, id {})", config.complete_name, key, *id);
  }

  void pickingType(const std::string& name, const OdooPickingTypeConfig& config) {
    const std::string what = fmt::format("picking type {} (targets.{}.picking_types.{})",
                                         describePickingType(config), target_.name, name);
    auto found = findOdooPickingTypes(orm_, config);
    if (!found) return problem("looking up {}: {}", what, odooMessage());
    if (found->empty()) return problem("Odoo has no {}", what);
    if (found->size() > 1) {
      return problem("Odoo has {} of {}: give its warehouse", found->size(), what);
    }
    const OdooPickingTypeInfo& type = found->front();
    if (type.active) return say("ok: {} is id {}", what, type.id);
    // Internal picking types are archived by default in a single-step warehouse; activating
    // one is what the facts do (ODOO18 §7 B, s_stock_b).
    if (dry_run_) return say("would activate {} (id {})", what, type.id);
    if (!orm_.call("stock.picking.type", "write",
                   json::array{json::array{type.id}, json::object{{"active", true}}})) {
      return problem("activating {} (id {}): {}", what, type.id, odooMessage());
    }
    say("activated {} (id {})", what, type.id);
  }

 private:
  std::string odooMessage() const {
    const std::string& m = orm_.failure().message;
    return m.substr(0, m.find('\n'));
  }

  template <typename... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) {
    std::printf("%s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
  }

  template <typename... Args>
  void problem(fmt::format_string<Args...> format, Args&&... args) {
    ++problems_;
    std::printf("problem: %s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
  }

  OdooOrm& orm_;
  const TargetConfig& target_;
  const bool dry_run_;
  size_t problems_ = 0;
};

}  // namespace

size_t setUpOdooReferences(OdooOrm& orm, const TargetConfig& target, bool dry_run) {
  ReferenceSetup setup(orm, target, dry_run);
  for (const auto& [name, location] : target.odoo.locations) setup.location(name, location);
  for (const auto& [name, type] : target.odoo.picking_types) setup.pickingType(name, type);
  return setup.problems();
}

}  // namespace pb
