// The one place for names that differ between Odoo versions. plantbridge's code spells model,
// field and value names as Odoo 18 does (the canonical names); these functions give the name
// the connected server expects. The table is ODOO19_JSON2.md §4.1/§4.2 (19 `fields_get` vs
// the 18 dumps): renames, and removals with the facts' advice on what to use instead.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb {

enum class OdooNameKind {
  kModel,             // a model name (stock.quant.package -> stock.package)
  kField,             // a field of `model`
  kSelectionValue,    // a value of the selection field `field` of `model`
  kDecimalPrecision,  // a decimal.precision name
};

struct OdooRename {
  OdooNameKind kind;
  std::string_view model;  // "" for kModel and kDecimalPrecision; "ir.actions.*" is a prefix
  std::string_view field;  // kSelectionValue: the field whose values these are
  std::string_view v18;    // the canonical (Odoo 18) name
  std::string_view v19;    // the name from Odoo 19 on; "" when 19 has none
  std::string_view note;   // a changed type or relation, or what to use instead
};

// Every entry; a test checks each one.
std::span<const OdooRename> odooRenames();

// What a server of major version `major` calls the field Odoo 18 calls `model`.`field18`.
// NotFound, with the facts' advice, when that version has no such field.
Result<std::string> odooFieldName(int major, std::string_view model, std::string_view field18);
// The same for a value of a selection field (mrp.workorder.state: pending/waiting -> blocked).
Result<std::string> odooSelectionValue(int major, std::string_view model, std::string_view field18,
                                       std::string_view value18);
// The same for a model name.
Result<std::string> odooModelName(int major, std::string_view model18);
// The same for a decimal.precision name ("Product Unit of Measure" -> "Product Unit").
std::string odooDecimalPrecisionName(int major, std::string_view name18);

// A server of one version, answering the questions above for it.
class OdooNames {
 public:
  explicit OdooNames(int major) : major_(major) {}
  int major() const { return major_; }
  Result<std::string> field(std::string_view model, std::string_view field18) const {
    return odooFieldName(major_, model, field18);
  }
  Result<std::string> selectionValue(std::string_view model, std::string_view field18,
                                     std::string_view value18) const {
    return odooSelectionValue(major_, model, field18, value18);
  }
  Result<std::string> model(std::string_view model18) const {
    return odooModelName(major_, model18);
  }
  std::string decimalPrecision(std::string_view name18) const {
    return odooDecimalPrecisionName(major_, name18);
  }

 private:
  int major_;
};

}  // namespace pb
