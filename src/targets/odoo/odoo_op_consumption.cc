// consumption: the quantity of a component consumed by a manufacturing order so far
// (ODOO18 §3 step 5: write the component move's quantity and mark it picked).
//
//   {"operation": "consumption", "production_id": 6, "product_id": 2, "quantity": 4}
//
// The quantity is absolute (consumed so far), so a repeat is harmless: the order's open
// component move for the product is read first and written only when it differs. Lots on the
// consumed quantity are not supported yet (the move lines keep their reserved lots).
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
      {"quantity", "picked"}, 1);
  if (!moves) return orm.failure();
  if (moves->empty()) {
    return orm.fail(
        DeliveryResult::reject(fmt::format("{} {} ({}) has no open component move for product {}",
                                           kProduction, c.production_id, name, c.product_id)));
  }
  const json::object& move = (*moves)[0].as_object();
  const int64_t move_id = odooMany2oneId(odooField(move, "id"));
  const bool same = std::fabs(odooNumber(odooField(move, "quantity")) - c.quantity) < 1e-9 &&
                    odooField(move, "picked") == true;
  if (!same && !orm.call(kMove, "write",
                         json::array{json::array{move_id},
                                     json::object{{"quantity", c.quantity}, {"picked", true}}})) {
    return orm.failure();
  }
  return DeliveryResult::delivered(
      200,
      fmt::format("{} {} ({}): {} of product {} consumed (move {}{})", kProduction, c.production_id,
                  name, c.quantity, c.product_id, move_id, same ? ", already so" : ""));
}

}  // namespace

Result<OdooOperation> parseConsumptionOperation(const OperationParams& p,
                                                const std::string& /*key*/) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"production_id", "product_id", "quantity"}));
  PB_PARAM(production, p.id("production_id"));
  PB_PARAM(product, p.id("product_id"));
  PB_PARAM(quantity, p.quantity("quantity", true));
  OdooOperation op;
  op.name = "consumption";
  op.serial_key = fmt::format("{}:{}", kProduction, production);
  op.coalesce_key = fmt::format("{}:consumption:{}", op.serial_key, product);
  op.run = [c = Consumption{production, product, quantity}](OdooOrm& orm) {
    return runConsumption(orm, c);
  };
  return op;
}

}  // namespace pb
