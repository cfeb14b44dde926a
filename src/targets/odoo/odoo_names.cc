// Names that differ between Odoo 18 and 19 (ODOO19_JSON2.md §4.1 and §4.2).
#include "plantbridge/targets/odoo_names.h"

#include <fmt/format.h>

namespace pb {
namespace {

using K = OdooNameKind;

constexpr int kVersion19 = 19;
constexpr std::string_view kUomCategoryGone = "uom.category is gone in 19; see allowed_uom_ids";

constexpr OdooRename kRenames[] = {
    // Models (§4.2: package relations, uom.category).
    {K::kModel, "", "", "stock.quant.package", "stock.package",
     "package_id / result_package_id now point to stock.package"},
    {K::kModel, "", "", "uom.category", "", kUomCategoryGone},
    // mrp.production
    {K::kField, "mrp.production", "", "lot_producing_id", "lot_producing_ids",
     "many2one -> many2many stock.lot: write [[6, 0, [lot_id]]], read a list of ids"},
    {K::kField, "mrp.production", "", "procurement_group_id", "",
     "use production_group_id (mrp.production.group) and reference_ids (stock.reference)"},
    {K::kField, "mrp.production", "", "product_uom_category_id", "", kUomCategoryGone},
    // mrp.workcenter
    {K::kField, "mrp.workcenter", "", "workorder_pending_count", "workorder_blocked_count",
     "label still \"Total Pending Orders\""},
    {K::kField, "mrp.workcenter", "", "default_capacity", "", "removed in 19"},
    // mrp.workorder
    {K::kField, "mrp.workorder", "", "finished_lot_id", "finished_lot_ids",
     "many2one -> many2many stock.lot"},
    {K::kField, "mrp.workorder", "", "operation_note", "", "removed in 19"},
    {K::kField, "mrp.workorder", "", "worksheet", "", "removed in 19"},
    {K::kField, "mrp.workorder", "", "worksheet_type", "", "removed in 19"},
    {K::kField, "mrp.workorder", "", "worksheet_google_slide", "", "removed in 19"},
    {K::kSelectionValue, "mrp.workorder", "state", "pending", "blocked",
     "19 replaces pending and waiting by blocked"},
    {K::kSelectionValue, "mrp.workorder", "state", "waiting", "blocked",
     "19 replaces pending and waiting by blocked"},
    // maintenance.equipment
    {K::kField, "maintenance.equipment", "", "location", "",
     "the char field is gone: use location_id (many2one stock.location, from stock_maintenance)"},
    // stock.move
    {K::kField, "stock.move", "", "name", "", "removed in 19: sending it gives 500 Invalid field"},
    {K::kField, "stock.move", "", "group_id", "", "use reference_ids / production_group_id"},
    {K::kField, "stock.move", "", "product_packaging_id", "packaging_uom_id",
     "the relation is now uom.uom, not product.packaging"},
    {K::kField, "stock.move", "", "product_packaging_qty", "packaging_uom_qty",
     "quantity in packaging_uom_id units"},
    {K::kField, "stock.move", "", "product_packaging_quantity", "",
     "no direct equivalent in 19; see packaging_uom_qty"},
    {K::kField, "stock.move", "", "order_finished_lot_id", "order_finished_lot_ids",
     "many2one -> many2many stock.lot"},
    {K::kField, "stock.move", "", "scrapped", "", "removed in 19"},
    {K::kField, "stock.move", "", "is_done", "", "removed in 19"},
    {K::kField, "stock.move", "", "package_level_id", "", "removed in 19"},
    {K::kField, "stock.move", "", "description_bom_line", "", "removed in 19"},
    {K::kField, "stock.move", "", "picking_type_entire_packs", "", "removed in 19"},
    {K::kField, "stock.move", "", "product_uom_category_id", "", kUomCategoryGone},
    // stock.move.line, stock.scrap
    {K::kField, "stock.move.line", "", "package_level_id", "", "removed in 19"},
    {K::kField, "stock.move.line", "", "product_uom_category_id", "", kUomCategoryGone},
    {K::kField, "stock.scrap", "", "product_uom_category_id", "", kUomCategoryGone},
    // stock.picking
    {K::kField, "stock.picking", "", "move_ids_without_package", "move_ids", "use move_ids"},
    {K::kField, "stock.picking", "", "move_line_ids_without_package", "move_line_ids",
     "use move_line_ids"},
    {K::kField, "stock.picking", "", "package_level_ids", "", "removed in 19"},
    {K::kField, "stock.picking", "", "package_level_ids_details", "", "removed in 19"},
    {K::kField, "stock.picking", "", "group_id", "", "removed in 19"},
    {K::kField, "stock.picking", "", "date", "", "removed in 19"},
    {K::kField, "stock.picking", "", "has_packages", "", "removed in 19"},
    {K::kField, "stock.picking", "", "move_line_exist", "", "removed in 19"},
    // stock.location, stock.lot
    {K::kField, "stock.location", "", "scrap_location", "",
     "the flag is gone: a scrap location is a location with usage 'inventory'"},
    {K::kField, "stock.location", "", "posx", "", "removed in 19"},
    {K::kField, "stock.location", "", "posy", "", "removed in 19"},
    {K::kField, "stock.location", "", "posz", "", "removed in 19"},
    {K::kField, "stock.location", "", "comment", "", "removed in 19"},
    {K::kField, "stock.lot", "", "last_delivery_partner_id", "partner_ids",
     "many2one -> many2many res.partner"},
    // Groups (§4.1)
    {K::kField, "res.users", "", "groups_id", "group_ids",
     "the user's effective groups are all_group_ids"},
    {K::kField, "ir.actions.*", "", "groups_id", "group_ids", ""},
    // decimal.precision (§4.2)
    {K::kDecimalPrecision, "", "", "Product Unit of Measure", "Product Unit", ""},
};

bool modelMatches(std::string_view pattern, std::string_view model) {
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return model.substr(0, prefix.size()) == prefix;
  }
  return pattern == model;
}

const OdooRename* find(K kind, std::string_view model, std::string_view field,
                       std::string_view v18) {
  for (const OdooRename& r : kRenames) {
    if (r.kind == kind && r.v18 == v18 && r.field == field &&
        (kind == K::kModel || kind == K::kDecimalPrecision || modelMatches(r.model, model))) {
      return &r;
    }
  }
  return nullptr;
}

Result<std::string> resolve(int major, const OdooRename* rename, std::string_view what,
                            std::string_view v18) {
  if (major < kVersion19 || rename == nullptr) return std::string(v18);
  if (rename->v19.empty()) {
    return Status::notFound(
        fmt::format("{} does not exist in Odoo {}: {}", what, major, rename->note));
  }
  return std::string(rename->v19);
}

}  // namespace

std::span<const OdooRename> odooRenames() { return kRenames; }

Result<std::string> odooFieldName(int major, std::string_view model, std::string_view field18) {
  return resolve(major, find(K::kField, model, "", field18),
                 fmt::format("field {}.{}", model, field18), field18);
}

Result<std::string> odooSelectionValue(int major, std::string_view model, std::string_view field18,
                                       std::string_view value18) {
  return resolve(major, find(K::kSelectionValue, model, field18, value18),
                 fmt::format("value '{}' of {}.{}", value18, model, field18), value18);
}

Result<std::string> odooModelName(int major, std::string_view model18) {
  return resolve(major, find(K::kModel, "", "", model18), fmt::format("model {}", model18),
                 model18);
}

std::string odooDecimalPrecisionName(int major, std::string_view name18) {
  auto name = resolve(major, find(K::kDecimalPrecision, "", "", name18),
                      fmt::format("decimal precision '{}'", name18), name18);
  return name.isOk() ? std::move(name).value() : std::string(name18);
}

}  // namespace pb
