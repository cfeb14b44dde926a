// consumption: the quantity of a component consumed by a manufacturing order so far
// (ODOO18 §3 step 5: write the component move's quantity and mark it picked), optionally from
// given lots (write the move's lines: lot_id, quantity, picked).
//
//   {"operation": "consumption", "production_id": 6, "product_id": 2, "quantity": 4}
//   {"operation": "consumption", "production_id": 6, "product_id": 2, "quantity": 4,
//    "lot_id": 7}
//   {"operation": "consumption", "production_id": 6, "product_id": 2,
//    "lots": [{"lot_id": 7, "quantity": 3}, {"lot_id": 8, "quantity": 1}]}
//
// The quantity is absolute (consumed so far), so a repeat is harmless: the order's open
// component move for the product (and its lines, with lots) is read first and written only
// where it differs. Without lots, the move lines keep the lots Odoo reserved.
#include <cmath>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kProduction = "mrp.production";
constexpr const char* kMove = "stock.move";

struct Consumption {
  int64_t production_id = 0;
  int64_t product_id = 0;
  double quantity = 0;
  std::vector<OdooLotQuantity> lots;  // empty: Odoo's reserved lots
  std::string key;
};

DeliveryResult runConsumption(OdooOrm& orm, const Consumption& c) {
  auto mo = orm.readOne(kProduction, c.production_id, {"name", "state", "move_raw_ids"});
  if (!mo) return orm.failure();
  const std::string name = odooString(odooField(*mo, "name"));
  const std::string state = odooString(odooField(*mo, "state"));
  if (state == "done" || state == "cancel") {
    return orm.fail(DeliveryResult::reject(
        fmt::format("{} {} ({}) is {}: its components cannot be consumed any more", kProduction,
                    c.production_id, name, state)));
  }
  json::array move_ids;
  if (const json::array* ids = odooField(*mo, "move_raw_ids").if_array()) move_ids = *ids;
  auto moves = orm.searchRead(
      kMove,
      json::array{json::array{"id", "in", move_ids}, json::array{"product_id", "=", c.product_id},
                  json::array{"state", "not in", json::array{"done", "cancel"}}},
      {"quantity", "picked", "location_id", "location_dest_id"}, 1);
  if (!moves) return orm.failure();
  if (moves->empty()) {
    return orm.fail(
        DeliveryResult::reject(fmt::format("{} {} ({}) has no open component move for product {}",
                                           kProduction, c.production_id, name, c.product_id)));
  }
  const json::object& move = (*moves)[0].as_object();
  const int64_t move_id = odooMany2oneId(odooField(move, "id"));
  bool same = false;
  if (c.lots.empty()) {
    same = std::fabs(odooNumber(odooField(move, "quantity")) - c.quantity) < 1e-9 &&
           odooField(move, "picked") == true;
    if (!same && !orm.call(kMove, "write",
                           json::array{json::array{move_id},
                                       json::object{{"quantity", c.quantity}, {"picked", true}}})) {
      return orm.failure();
    }
  } else {
    // The lines carry the lots; the move's quantity follows its lines.
    const OdooMoveRef ref{move_id, c.product_id, odooMany2oneId(odooField(move, "location_id")),
                          odooMany2oneId(odooField(move, "location_dest_id"))};
    auto writes = setOdooMoveLots(orm, ref, c.lots, c.key);
    if (!writes) return orm.failure();
    same = *writes == 0;
  }
  std::string lots;
  for (const OdooLotQuantity& lot : c.lots) {
    lots += fmt::format("{}{} of lot {}", lots.empty() ? " from " : ", ", lot.quantity, lot.lot_id);
  }
  return DeliveryResult::delivered(
      200, fmt::format("{} {} ({}): {} of product {} consumed{} (move {}{})", kProduction,
                       c.production_id, name, c.quantity, c.product_id, lots, move_id,
                       same ? ", already so" : ""));
}

}  // namespace

Result<OdooOperation> parseConsumptionOperation(const OperationParams& p, const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"production_id", "product_id", "quantity", "lot_id", "lots"}));
  PB_PARAM(production, p.id("production_id"));
  PB_PARAM(product, p.id("product_id"));
  PB_PARAM(lots, p.lots("lots"));
  PB_PARAM(lot, p.optionalId("lot_id"));
  PB_PARAM(quantity, p.quantity("quantity", lots.empty()));
  if (lot != 0 && !lots.empty()) {
    return Status::invalidArgument("consumption: give 'lot_id' or 'lots', not both");
  }
  if (lot != 0) lots.push_back({lot, quantity});
  double total = 0;
  for (const OdooLotQuantity& l : lots) total += l.quantity;
  if (!lots.empty() && quantity > 0 && std::fabs(total - quantity) > 1e-9) {
    return Status::invalidArgument(fmt::format(
        "consumption: 'quantity' {} is not the sum of the lots' quantities ({})", quantity, total));
  }
  if (quantity <= 0) quantity = total;
  OdooOperation op;
  op.name = "consumption";
  op.serial_key = fmt::format("{}:{}", kProduction, production);
  op.coalesce_key = fmt::format("{}:consumption:{}", op.serial_key, product);
  op.run = [c = Consumption{production, product, quantity, std::move(lots), key}](OdooOrm& orm) {
    return runConsumption(orm, c);
  };
  return op;
}

}  // namespace pb
