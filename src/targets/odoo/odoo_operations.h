// The business operations of the Odoo target (docs/targets/odoo.md, "Business operations").
// A transaction body {"operation": "<name>", ...parameters} names one; each runs as a short
// sequence of Odoo calls that is safe to run again from the start:
//   - records are created with `load` under the external id plantbridge.<key> (the
//     transaction's id, or the body's `ref` when several events share one record, as a
//     downtime's start and end do), so a retry after a timeout or a crash finds the record the
//     first attempt made instead of making a second;
//   - each further step reads the record's state first and is skipped when done (a validated
//     scrap, a done manufacturing order, a lot already in quarantine).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "odoo_move_lines.h"
#include "odoo_orm.h"
#include "odoo_references.h"
#include "plantbridge/common/status.h"
#include "plantbridge/dispatch/target.h"

namespace pb {

struct OdooOperation {
  std::string name;  // "scrap"
  // The Odoo record the operation writes to that others may write to as well
  // ("mrp.workcenter:3"): operations with the same key run one at a time, so they do not
  // collide in Odoo (serialization failures retried by Odoo for up to 18 s, ODOO18 §0).
  std::string serial_key;
  // Set when a later operation with the same key makes this one needless (an absolute
  // quantity of one order: the later quantity includes this one's).
  std::string coalesce_key;
  std::function<DeliveryResult(OdooOrm&)> run;
};

// True when the body is an operation ({"operation": ...}) rather than a low-level ORM call.
bool isOdooOperationBody(std::string_view body);

// Parses an operation body. `key` is the transaction's id. InvalidArgument naming the
// parameter that is missing or wrong. `references` are the target's named records (null: no
// names are known); the operation keeps the pointer, so they must outlive it.
Result<OdooOperation> parseOdooOperation(std::string_view body, std::string_view key,
                                         OdooReferences* references = nullptr);

// The operation names, for error messages and docs.
std::string_view odooOperationNames();

// ---- for the operation files ----

// A location given by its Odoo id or by a name of the target's `locations` config.
struct LocationParam {
  int64_t id = 0;
  std::string name;
  bool given() const { return id != 0 || !name.empty(); }
  std::string describe() const { return name.empty() ? std::to_string(id) : "'" + name + "'"; }
};

// The location's id: the given one, or the named one resolved (and created when configured
// so) through `references`. Named locations must be internal (usage internal).
std::optional<int64_t> resolveLocation(OdooOrm& orm, OdooReferences* references,
                                       const LocationParam& location);

// Typed access to an operation's parameters; errors name the parameter.
class OperationParams {
 public:
  OperationParams(std::string_view operation, const boost::json::object& body,
                  OdooReferences* references = nullptr)
      : operation_(operation), body_(body), references_(references) {}

  OdooReferences* references() const { return references_; }

  // A positive integer (an Odoo record id).
  Result<int64_t> id(std::string_view name) const;
  // 0 when absent.
  Result<int64_t> optionalId(std::string_view name) const;
  // A string; absent: `fallback`, or an error when `required`.
  Result<std::string> text(std::string_view name, bool required, std::string fallback = {}) const;
  // One of `choices` (the first is the default when absent).
  Result<std::string> choice(std::string_view name,
                             std::initializer_list<std::string_view> choices) const;
  // A number > 0 (when required) or absent (-1).
  Result<double> quantity(std::string_view name, bool required) const;
  // A time in RFC 3339 or Odoo's "YYYY-MM-DD HH:MM:SS" (UTC), as Odoo's datetime string;
  // "" when absent and not required.
  Result<std::string> datetime(std::string_view name, bool required) const;
  Result<bool> flag(std::string_view name, bool fallback) const;
  // A location as `id_key` (an Odoo id) or `name_key` (a name of the target's `locations`),
  // never both; not given() when absent and not required.
  Result<LocationParam> location(std::string_view id_key, std::string_view name_key,
                                 bool required) const;
  // A list of {"lot_id": <id>, "quantity": <q > 0>}, each lot once; empty when absent.
  Result<std::vector<OdooLotQuantity>> lots(std::string_view name) const;
  // A name of the target's `picking_types`; `fallback` when absent.
  Result<std::string> pickingType(std::string_view name, std::string fallback) const;
  // Parameters not in `known` are an error (a typo would otherwise be silently ignored).
  Status onlyKnown(std::initializer_list<std::string_view> known) const;

 private:
  Status bad(std::string_view name, std::string_view why) const;

  std::string operation_;
  const boost::json::object& body_;
  OdooReferences* references_;
};

Result<OdooOperation> parseDowntimeOperation(const OperationParams& p, const std::string& key);
Result<OdooOperation> parseScrapOperation(const OperationParams& p, const std::string& key);
Result<OdooOperation> parseMaintenanceRequestOperation(const OperationParams& p,
                                                       const std::string& key);
Result<OdooOperation> parseMaintenanceStageOperation(const OperationParams& p,
                                                     const std::string& key);
Result<OdooOperation> parseProductionQuantityOperation(const OperationParams& p,
                                                       const std::string& key);
Result<OdooOperation> parseProductionDoneOperation(const OperationParams& p,
                                                   const std::string& key);
Result<OdooOperation> parseConsumptionOperation(const OperationParams& p, const std::string& key);
Result<OdooOperation> parseMessageOperation(const OperationParams& p, const std::string& key);
Result<OdooOperation> parseQuarantineOperation(const OperationParams& p, const std::string& key);
Result<OdooOperation> parseQuarantineReleaseOperation(const OperationParams& p,
                                                      const std::string& key);

// Sets qty_producing on a manufacturing order and propagates it to the component moves
// (write, then set_qty_producing: the write alone leaves the moves alone, ODOO18 §3 step 4).
// Skipped when the order already has that quantity. Shared by production.quantity and .done.
bool setQtyProducing(OdooOrm& orm, int64_t production_id, double current, double wanted);

}  // namespace pb

// In a parse function: `var` is the value of a Result-returning parameter read, or the function
// returns its error.
// `var` names a variable, it is no expression to parenthesize.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PB_PARAM(var, expr)                               \
  auto var##_result = (expr);                             \
  if (!var##_result.isOk()) return var##_result.status(); \
  auto var = std::move(var##_result).value()
// NOLINTEND(bugprone-macro-parentheses)
